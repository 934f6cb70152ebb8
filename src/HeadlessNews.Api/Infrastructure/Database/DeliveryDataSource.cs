using Npgsql;

namespace HeadlessNews.Api.Infrastructure.Database;

/// <summary>
/// A second pool for the hot delivery reads whose plans do not depend on their parameters (a slug looked up
/// by a unique index, keyset walks down an index, related cards). Their statements are prepared
/// automatically and always run on the generic plan: planning the related-cards query costs more than
/// running it. Full-text search stays on the main pool, where PostgreSQL plans each query for its terms
/// (a generic plan there can be a thousand times slower for common words).
/// </summary>
internal sealed class DeliveryDataSource : IAsyncDisposable
{
    public DeliveryDataSource(IConfiguration configuration, ILoggerFactory loggerFactory)
    {
        var builder = new NpgsqlDataSourceBuilder(configuration.GetConnectionString(DatabaseExtensions.ConnectionStringName));
        if (builder.ConnectionStringBuilder.MaxAutoPrepare == 0)
            builder.ConnectionStringBuilder.MaxAutoPrepare = 64;
        builder.ConnectionStringBuilder.Options = $"{builder.ConnectionStringBuilder.Options} -c plan_cache_mode=force_generic_plan".Trim();
        builder.UseLoggerFactory(loggerFactory);
        Source = builder.Build();
    }

    public NpgsqlDataSource Source { get; }

    public ValueTask DisposeAsync() => Source.DisposeAsync();
}
