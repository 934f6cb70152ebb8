using Npgsql;

namespace HeadlessNews.Api.Infrastructure.Database;

/// <summary>
/// A second pool for the hot delivery reads whose plans do not depend on their parameters (a slug looked up
/// by a unique index, keyset walks down an index, related cards). Their statements are prepared
/// automatically and always run on the generic plan: planning the related-cards query costs more than
/// running it. Full-text search stays on the main pool, where PostgreSQL plans each query for its terms
/// (a generic plan there can be a thousand times slower for common words).
/// </summary>
internal sealed class DeliveryDataSource(NpgsqlDataSource source) : IAsyncDisposable
{
    public NpgsqlDataSource Source { get; } = source;

    public static void Configure(NpgsqlConnectionStringBuilder connection)
    {
        if (connection.MaxAutoPrepare == 0)
            connection.MaxAutoPrepare = 64;
        connection.Options = $"{connection.Options} -c plan_cache_mode=force_generic_plan".Trim();
    }

    public ValueTask DisposeAsync() => Source.DisposeAsync();
}
