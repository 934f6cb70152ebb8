using Npgsql;

namespace HeadlessNews.Api.Infrastructure.Database;

/// <summary>
/// A small pool of connections of its own, for work a request does while it may hold a connection of the main pool
/// (or while a burst holds all of them): taking that connection from the main pool would wait for one more.
/// Each user is its own type, so each gets its own pool from the container.
/// </summary>
internal abstract class OwnPool(NpgsqlDataSource source) : IAsyncDisposable
{
    public NpgsqlDataSource Source { get; } = source;

    public static void Configure(NpgsqlConnectionStringBuilder connection)
    {
        connection.MaxPoolSize = 2;
        connection.MinPoolSize = 0;
        connection.Timeout = Math.Max(connection.Timeout, 15);
    }

    public ValueTask DisposeAsync() => Source.DisposeAsync();
}
