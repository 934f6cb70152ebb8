using Dapper;
using HeadlessNews.Api.Infrastructure.Http;
using Npgsql;

namespace HeadlessNews.Api.Features.Articles;

/// <summary>
/// Keeps search's copy of the newest articles' vectors (migration 0052) to about the newest Kept visible articles, the
/// newest Newest of them flagged: once a minute, and after each batch of an import; and fills in what an import left
/// out of it (migration 0058), once a minute and when the import ends. Between prunes it grows by what is
/// published, which only makes its tiers a little longer; if no prune ran at all, search would answer the same, more
/// slowly.
/// </summary>
internal sealed class RecentBodies(NpgsqlDataSource db, DeliveryCacheInvalidator cache, ILogger<RecentBodies> logger) : BackgroundService
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

    // Imports hold this shared while they write (ArticleImporter); the fill of every minute takes it alone or does not
    // run, so it does not copy articles an import is still writing, most of which the import's prunes would drop again.
    public const long ImportLockKey = 7236071233690103153;

    // At most this many articles locked at a time: an editor saving one of them waits for a chunk, about a second.
    private const int FillChunk = 500;

    // Rows the copy's rules (0052) say it should have and lacks, the newest FillChunk of them: left out by a transaction
    // that deferred the copy (0058). The candidates are walked newest first down the visible order's index, which the
    // copy's window bounds (the horizon is a parameter: read from its table in the statement, its bound was priced at a
    // third of every article, and the planner walked the primary key). Each article is locked in id order, and read
    // again if a writer changed it meanwhile, so a row added here is the article's as it now stands (a writer's own
    // trigger replaces it after); one no longer within the rules is skipped.
    private const string Fill = """
        insert into article_search_recent (article_id, published_at, newest, body, head, title_key)
        select a.id, a.published_at, a.published_at > @newestAfter,
               article_search_vector(a.search_language, a.title, a.tag_names, a.summary, a.body_markdown),
               article_search_head(a.search_language, a.title, a.tag_names, a.summary),
               array_to_string(suggestion_words_of(a.title), ' ')
        from (select a.* from articles a
              where a.id = any(array(select v.id from articles v
                                     where v.status in ('published', 'scheduled') and v.published_at > @keptAfter
                                       and not exists (select 1 from article_search_recent r where r.article_id = v.id)
                                     order by v.published_at desc, v.id desc limit @chunk))
              order by a.id
              for share of a) a
        where a.status in ('published', 'scheduled') and a.published_at > @keptAfter
        on conflict (article_id) do nothing
        """;

    /// <summary>
    /// Adds the rows the copy lacks, a chunk per transaction, until a chunk finds fewer than a chunk's worth; returns how
    /// many. The fill of every minute takes the import lock alone, chunk by chunk, and stops when an import holds it
    /// (null if it added nothing). An import's own end (<paramref name="evenWhileImporting"/>) takes it shared: it does
    /// not wait for imports that overlap it, and the fill of every minute does not run beside it.
    /// </summary>
    public static async Task<int?> FillAsync(NpgsqlConnection connection, CancellationToken ct, bool evenWhileImporting = false)
    {
        var added = 0;
        while (true)
        {
            await using var tx = await connection.BeginTransactionAsync(ct);
            if (evenWhileImporting)
                await connection.ExecuteAsync(new CommandDefinition("select pg_advisory_xact_lock_shared(@key)", new { key = ImportLockKey }, tx, cancellationToken: ct));
            else if (!await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
                         "select pg_try_advisory_xact_lock(@key)", new { key = ImportLockKey }, tx, cancellationToken: ct)))
                return added == 0 ? null : added;
            var horizon = await connection.QuerySingleAsync<(DateTime NewestAfter, DateTime KeptAfter)>(new CommandDefinition(
                "select newest_after, kept_after from article_search_recent_horizon", transaction: tx, cancellationToken: ct));
            var chunk = await connection.ExecuteAsync(new CommandDefinition(Fill,
                new { newestAfter = horizon.NewestAfter, keptAfter = horizon.KeptAfter, chunk = FillChunk }, tx, commandTimeout: 0, cancellationToken: ct));
            await tx.CommitAsync(ct);
            added += chunk;
            if (chunk < FillChunk)
                return added;
        }
    }

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
                // Rows an import left out: lists answered meanwhile (search among them) lacked those articles.
                if (await FillAsync(connection, stoppingToken) > 0)
                    await cache.InvalidateAsync(SurrogateKeys.Lists);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                logger.LogWarning(e, "Pruning or filling the newest articles' search vectors failed; trying again in {Interval}", Interval);
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
