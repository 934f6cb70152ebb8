using Dapper;
using HeadlessNews.Api.Infrastructure.Database;

namespace HeadlessNews.Api.Features.Articles;

/// <summary>
/// What search reads of the archive's shape, read again in the background when a search finds it more than a minute
/// old (until the first reading, and while readings fail, searches take the index: slower, same
/// answers). Which shape a search takes from it changes its speed, never its answer.
///
/// The words that are in so many article heads that search should walk the newest heads rather than read every match
/// through the full-text index, with how often each is there: PostgreSQL's own statistics of the heads
/// (pg_stats.most_common_elems, kept by autovacuum's ANALYZE). A search box's first page runs prepared on a generic
/// plan, which cannot see the words; this lets each query take the shape a plan made for its words would take,
/// without paying 3.4-3.7 ms to plan it. Asking pg_stats in every search cost 0.9 ms.
/// </summary>
internal sealed class SearchStatistics(DeliveryDataSource db, ILogger<SearchStatistics> logger)
{
    public sealed record Snapshot(string[] Lexemes, float[] Frequencies, double Heads);

    private static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(1);

    // A word's share of the heads, against the tablesize: the statistics' frequencies are of a sample.
    private const string Read = """
        select s.most_common_elems::text::text[] as lexemes, s.most_common_elem_freqs as frequencies,
               greatest(c.reltuples, 0)::float8 as heads
        from pg_class c
        join pg_namespace n on n.oid = c.relnamespace
        left join pg_stats s on s.schemaname = n.nspname and s.tablename = c.relname and s.attname = 'head'
        where c.oid = 'article_search_heads'::regclass
        """;

    public static readonly Snapshot None = new([], [], 0);

    private volatile Snapshot _current = None;
    private long _readAt = long.MinValue / 2;
    private int _reading;

    /// <summary>
    /// The words common enough to walk for, given that a walk reads about window / (share of the heads matching)
    /// heads and the index reads every match, each a WalkCostRatio times dearer: only a word in at least
    /// sqrt(window / WalkCostRatio / heads) of them can make a walk
    /// the cheaper, so only those are kept (a few dozen).
    /// </summary>
    public Snapshot Current(int window)
    {
        var now = Environment.TickCount64;
        if (now - Interlocked.Read(ref _readAt) > MaxAge.TotalMilliseconds && Interlocked.CompareExchange(ref _reading, 1, 0) == 0)
            _ = Task.Run(async () =>
            {
                try { await RefreshAsync(window, CancellationToken.None); }
                catch (Exception e) { logger.LogWarning(e, "Could not read the statistics of article_search_heads"); }
                finally { Interlocked.Exchange(ref _readAt, Environment.TickCount64); Volatile.Write(ref _reading, 0); }
            });
        return _current;
    }

    public async Task RefreshAsync(int window, CancellationToken ct)
    {
        await using var connection = await db.Source.OpenConnectionAsync(ct);
        var row = await connection.QuerySingleAsync<(string[]? Lexemes, float[]? Frequencies, double Heads)>(
            new CommandDefinition(Read, cancellationToken: ct));
        var lexemes = row.Lexemes ?? [];
        var frequencies = row.Frequencies ?? [];
        // The frequencies array ends with three more numbers (the least and greatest frequency, and the share of nulls).
        var floor = row.Heads > 0 ? Math.Sqrt(window / ArticleListSql.WalkCostRatio / row.Heads) : double.PositiveInfinity;
        var kept = Enumerable.Range(0, Math.Min(lexemes.Length, frequencies.Length)).Where(i => frequencies[i] >= floor).ToArray();
        _current = new Snapshot([.. kept.Select(i => lexemes[i])], [.. kept.Select(i => frequencies[i])], row.Heads);
        Interlocked.Exchange(ref _readAt, Environment.TickCount64);
    }
}
