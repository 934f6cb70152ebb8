using Dapper;
using Npgsql;

namespace HeadlessNews.Api.Features.Articles;

/// <summary>
/// Keeps the copy of the newest articles' search vectors (migration 0052) to about the newest Keep visible articles:
/// once a minute, and after each batch of an import. Between prunes it grows by what is published, which only makes
/// the body tier's first slice a little longer; if no prune ran at all, search would answer the same, as slowly as
/// before the copy existed.
/// </summary>
internal sealed class RecentBodies(NpgsqlDataSource db, ILogger<RecentBodies> logger) : BackgroundService
{
    public const int Keep = 4000;
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    // The horizon moves forward only, and in the statement that deletes up to it, so a search (whose snapshot sees
    // either both or neither) never finds a row missing after the horizon it reads. A scheduled article is kept
    // whatever its time, being after every visible one.
    private const string Prune = """
        with next as (
            select published_at as at from visible_articles
            order by published_at desc, id desc offset @keep - 1 limit 1
        ), moved as (
            update article_search_recent_horizon h set at = n.at from next n where n.at > h.at returning h.at
        )
        delete from article_search_recent r using moved m where r.published_at <= m.at
        """;

    /// <summary>Moves the horizon to the Keep-th newest visible article and drops the rows at or before it.</summary>
    public static Task<int> PruneAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition(Prune, new { keep = Keep }, tx, cancellationToken: ct));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await db.OpenConnectionAsync(stoppingToken);
                await PruneAsync(connection, null, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                logger.LogWarning(e, "Pruning the newest articles' search vectors failed; trying again in {Interval}", Interval);
            }
            try
            {
                await Task.Delay(Interval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
