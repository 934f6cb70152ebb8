using Dapper;
using HeadlessNews.Api.Infrastructure.Database;

namespace HeadlessNews.Api.Features.Articles;

/// <summary>
/// What search reads of the archive's shape, read again in the background when a search finds it more than a minute
/// old (until the first reading, and while readings fail, searches take the index: slower, same
/// answers). Which shape a search takes from it changes its speed, never its answer.
///
/// The words that are in so many article heads that search should not read every match through the full-text index,
/// with how often each is there: PostgreSQL's own statistics of the heads (pg_stats.most_common_elems, kept by
/// autovacuum's ANALYZE), and the bounds of their share of the heads (the product of the words' shares, as logarithms)
/// between which a search walks the newest heads or reads the copy of the newest ones (ArticleListSql). A search box's
/// first page runs prepared on a generic plan, which cannot see the words; this lets each query take the shape a plan
/// made for its words would take, without paying 3.4-3.7 ms to plan it. Asking pg_stats in every search cost 0.9 ms.
/// </summary>
internal sealed class SearchStatistics(DeliveryDataSource db, ILogger<SearchStatistics> logger)
{
    /// <summary>
    /// The common words and their shares of the heads; a search whose words' share (in logarithms) is at least
    /// RecentFrom and below RecentUntil reads the copy's heads, else one above WalkFrom walks the newest heads.
    /// </summary>
    public sealed record Snapshot(string[] Lexemes, float[] Frequencies, double WalkFrom, double RecentFrom, double RecentUntil)
    {
        // The common words by their first two letters. A search sends only those that may be its own words' lexemes:
        // sending all of them (700 on the 100,000-article archive) and joining them cost more than the shapes saved.
        private readonly ILookup<string, int> _byStart =
            Enumerable.Range(0, Math.Min(Lexemes.Length, Frequencies.Length)).ToLookup(i => Start(Lexemes[i]));

        /// <summary>
        /// The common words that may be lexemes of the query's words: those that start as one of them does, in lower
        /// case. A stemmer keeps a word's first two letters but for a few (German's drops the umlaut's dots: "über" is
        /// "uber"); a lexeme missed here only sends its search through the index, never changes its answer.
        /// </summary>
        public (string[] Lexemes, float[] Frequencies) For(string query)
        {
            var kept = query.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
                .Select(Start).Distinct().SelectMany(start => _byStart[start]).ToArray();
            return ([.. kept.Select(i => Lexemes[i])], [.. kept.Select(i => Frequencies[i])]);
        }

        private static string Start(string word) => word.Length <= 2 ? word.ToLowerInvariant() : word[..2].ToLowerInvariant();
    }

    private static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(1);

    // A word's share of the heads, against the tablesize: the statistics' frequencies are of a sample. The copy's size
    // too (the newest RecentBodies.Kept or so, fewer on a small archive).
    private const string Read = """
        select s.most_common_elems::text::text[] as lexemes, s.most_common_elem_freqs as frequencies,
               greatest(c.reltuples, 0)::float8 as heads,
               (select greatest(r.reltuples, 0)::float8 from pg_class r where r.oid = 'article_search_recent'::regclass) as recent
        from pg_class c
        join pg_namespace n on n.oid = c.relnamespace
        left join pg_stats s on s.schemaname = n.nspname and s.tablename = c.relname and s.attname = 'head'
        where c.oid = 'article_search_heads'::regclass
        """;

    public static readonly Snapshot None = new([], [], double.PositiveInfinity, double.PositiveInfinity, double.NegativeInfinity);

    private volatile Snapshot _current = None;
    private long _readAt = long.MinValue / 2;
    private int _reading;

    /// <summary>
    /// The words common enough to take a shape other than the index, for a window of the newest matches. With heads h,
    /// the copy's c, a share s of them matching and a head walked costing a WalkCostRatio-th (r) of a match read
    /// through an index: a walk tests about window / s heads, the index reads all s·h matches, the copy s·c. So the
    /// copy when it is likely to hold the whole window (s·c at least the window) and costs less than a walk
    /// (s²·c below window / r); else a walk when it costs less than the index (s²·h above window / r); else the index.
    /// Only a word in at least the share one of them needs is kept (a few hundred).
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
        var row = await connection.QuerySingleAsync<(string[]? Lexemes, float[]? Frequencies, double Heads, double Recent)>(
            new CommandDefinition(Read, cancellationToken: ct));
        var lexemes = row.Lexemes ?? [];
        var frequencies = row.Frequencies ?? [];
        // In logarithms, so that many words cannot underflow; an empty table takes no shape but the index.
        var walkWindow = Math.Log(window / ArticleListSql.WalkCostRatio);
        var walkFrom = row.Heads > 0 ? (walkWindow - Math.Log(row.Heads)) / 2 : double.PositiveInfinity;
        var recentFrom = row.Recent > 0 ? Math.Log(window) - Math.Log(row.Recent) : double.PositiveInfinity;
        var recentUntil = row.Recent > 0 ? (walkWindow - Math.Log(row.Recent)) / 2 : double.NegativeInfinity;
        // The frequencies array ends with three more numbers (the least and greatest frequency, and the share of nulls).
        var floor = Math.Exp(recentFrom < recentUntil ? Math.Min(walkFrom, recentFrom) : walkFrom);
        var kept = Enumerable.Range(0, Math.Min(lexemes.Length, frequencies.Length)).Where(i => frequencies[i] >= floor).ToArray();
        _current = new Snapshot([.. kept.Select(i => lexemes[i])], [.. kept.Select(i => frequencies[i])], walkFrom, recentFrom, recentUntil);
        Interlocked.Exchange(ref _readAt, Environment.TickCount64);
    }
}
