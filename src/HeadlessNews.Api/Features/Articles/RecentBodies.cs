using Dapper;
using Npgsql;

namespace HeadlessNews.Api.Features.Articles;

/// <summary>
/// Keeps search's copy of the newest articles' vectors (migration 0052) to about the newest Kept visible articles, the
/// newest Newest of them flagged: once a minute, and after each batch of an import. Between prunes it grows by what is
/// published, which only makes its tiers a little longer; if no prune ran at all, search would answer the same, more
/// slowly.
/// </summary>
internal sealed class RecentBodies(NpgsqlDataSource db, ILogger<RecentBodies> logger) : BackgroundService
{
    public const int Newest = 4000;
    public const int Kept = 40000;
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    // The horizons move forward only, in the statement that drops and unflags the rows they pass, so a search (whose
    // snapshot sees either all of it or none) never misses a row after the horizons it reads. Scheduled articles are
    // kept whatever their time, being after every visible one.
    private const string Prune = """
        with next as (
            select (select published_at from visible_articles order by published_at desc, id desc
                    offset @newest - 1 limit 1) as newest_after,
                   (select published_at from visible_articles order by published_at desc, id desc
                    offset @kept - 1 limit 1) as kept_after
        ), moved as (
            update article_search_recent_horizon h
            set newest_after = greatest(h.newest_after, n.newest_after), kept_after = greatest(h.kept_after, n.kept_after)
            from next n
            where n.newest_after > h.newest_after or n.kept_after > h.kept_after
            returning h.newest_after, h.kept_after
        ), dropped as (
            delete from article_search_recent r using moved m where r.published_at <= m.kept_after
        )
        update article_search_recent r set newest = false
        from moved m
        where r.newest and r.published_at <= m.newest_after and r.published_at > m.kept_after
        """;

    /// <summary>
    /// Moves the horizons to the newest-th and kept-th newest visible articles (by default Newest and Kept), drops the
    /// rows at or before the one and unflags those at or before the other. Returns how many rows changed.
    /// </summary>
    public static Task<int> PruneAsync(NpgsqlConnection connection, CancellationToken ct, int newest = Newest, int kept = Kept) =>
        connection.ExecuteAsync(new CommandDefinition(Prune, new { newest, kept }, cancellationToken: ct));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await db.OpenConnectionAsync(stoppingToken);
                await PruneAsync(connection, stoppingToken);
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
