using Dapper;
using HeadlessNews.Api.Infrastructure.Database;

namespace HeadlessNews.Api.Features.Articles;

/// <summary>
/// What search reads of the archive's shape, read again in the background when a search finds it more than a minute
/// old (until the first reading, and while readings fail, searches take the index: slower, same
/// answers). Which shape a search takes from it changes its speed, never its answer.
///
/// The words that are in so many article heads that search should not read every match through the full-text index,
/// with how often each is there, among all heads and among the copy of the newest ones: PostgreSQL's own statistics
/// (pg_stats.most_common_elems, kept by autovacuum's ANALYZE), and the bounds that decide between walking the newest
/// heads, reading the copy's and reading the index (ArticleListSql). A search box's first page runs prepared on a
/// generic plan, which cannot see the words; this lets each query take the shape a plan made for its words would take,
/// without paying 3.4-3.7 ms to plan it. Asking pg_stats in every search cost 0.9 ms.
/// </summary>
internal sealed class SearchStatistics(DeliveryDataSource db, ILogger<SearchStatistics> logger)
{
    /// <summary>
    /// The common words, each with its share of all heads and of the copy's (0 where it is not common enough there to
    /// matter), and the bounds on the logarithm of a query's share (the product of its words' shares, as they are all
    /// required): it reads the copy's heads when its share there is at least RecentFrom and, if it would walk, its
    /// shares there and among all heads add up to less than RecentUntil; else it walks the newest heads when its share
    /// of all heads is above WalkFrom; else the index.
    /// </summary>
    public sealed class Snapshot(string[] lexemes, float[] frequencies, float[] recentFrequencies, double walkFrom, double recentFrom, double recentUntil)
    {
        public string[] Lexemes { get; } = recentFrequencies.Length == lexemes.Length && frequencies.Length == lexemes.Length
            ? lexemes : throw new ArgumentException("One share of each kind for each word.");
        public float[] Frequencies { get; } = frequencies;
        public float[] RecentFrequencies { get; } = recentFrequencies;
        public double WalkFrom { get; } = walkFrom;
        public double RecentFrom { get; } = recentFrom;
        public double RecentUntil { get; } = recentUntil;

        // The common words by their first two letters. A search sends only those that may be its own words' lexemes:
        // sending all of them (700 on the 100,000-article archive) and joining them cost more than the shapes saved.
        private readonly ILookup<string, int> _byStart = Enumerable.Range(0, lexemes.Length).ToLookup(i => Start(lexemes[i]));

        /// <summary>
        /// The common words that may be lexemes of the query's words: those that start as one of them does, in lower
        /// case. A stemmer keeps a word's first two letters but for a few (German's drops the umlaut's dots: "über" is
        /// "uber"); a lexeme missed here only sends its search through the index, never changes its answer.
        /// </summary>
        public (string[] Lexemes, float[] Frequencies, float[] RecentFrequencies) For(string query)
        {
            var kept = query.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
                .Select(Start).Distinct().SelectMany(start => _byStart[start]).ToArray();
            return ([.. kept.Select(i => Lexemes[i])], [.. kept.Select(i => Frequencies[i])], [.. kept.Select(i => RecentFrequencies[i])]);
        }

        private static string Start(string word) => word.Length <= 2 ? word.ToLowerInvariant() : word[..2].ToLowerInvariant();
    }

    private static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(1);

    // Each word's share of the heads and of the copy's heads, and the tables' sizes: the statistics' frequencies are of
    // a sample. The copy holds the newest RecentBodies.Kept or so, fewer on a small archive.
    private const string Read = """
        select h.most_common_elems::text::text[] as lexemes, h.most_common_elem_freqs as frequencies,
               greatest(hc.reltuples, 0)::float8 as heads,
               r.most_common_elems::text::text[] as recent_lexemes, r.most_common_elem_freqs as recent_frequencies,
               greatest(rc.reltuples, 0)::float8 as recent
        from pg_class hc
        join pg_namespace n on n.oid = hc.relnamespace
        join pg_class rc on rc.oid = 'article_search_recent'::regclass
        left join pg_stats h on h.schemaname = n.nspname and h.tablename = hc.relname and h.attname = 'head'
        left join pg_stats r on r.schemaname = n.nspname and r.tablename = rc.relname and r.attname = 'head'
        where hc.oid = 'article_search_heads'::regclass
        """;

    public static readonly Snapshot None = new([], [], [], double.PositiveInfinity, double.PositiveInfinity, double.NegativeInfinity);

    private volatile Snapshot _current = None;
    private long _readAt = long.MinValue / 2;
    private int _reading;

    /// <summary>
    /// The words common enough to take a shape other than the index, for a window of the newest matches. With h heads,
    /// c in the copy, a query's shares s of them and s_c of the copy's, and a head walked costing a WalkCostRatio-th (r)
    /// of a match read through an index: a walk tests about window / s heads, the index reads all s·h matches, the copy
    /// s_c·c. The copy when it holds the whole window (s_c·c at least the window, so the older matches are not asked)
    /// and costs less than a walk (s_c·c·r below window / s); else a walk when it costs less than the index (s²·h above
    /// window / r); else the index. The copy's own share decides, not the archive's: a word of old news is rare there.
    /// Only the words a shape can need are kept (a few hundred).
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
        var row = await connection.QuerySingleAsync<(string[]? Lexemes, float[]? Frequencies, double Heads,
            string[]? RecentLexemes, float[]? RecentFrequencies, double Recent)>(new CommandDefinition(Read, cancellationToken: ct));
        // In logarithms, so that many words cannot underflow; an empty table takes no shape but the index.
        var walkWindow = Math.Log(window / ArticleListSql.WalkCostRatio);
        var walkFrom = row.Heads > 0 ? (walkWindow - Math.Log(row.Heads)) / 2 : double.PositiveInfinity;
        var recentFrom = row.Recent > 0 ? Math.Log(window) - Math.Log(row.Recent) : double.PositiveInfinity;
        var recentUntil = row.Recent > 0 ? walkWindow - Math.Log(row.Recent) : double.NegativeInfinity;
        // The frequencies arrays end with three more numbers (the least and greatest frequency, and the share of nulls).
        var shares = Common(row.Lexemes, row.Frequencies, Math.Exp(walkFrom));
        var recentShares = Common(row.RecentLexemes, row.RecentFrequencies, Math.Exp(recentFrom));
        var lexemes = shares.Keys.Union(recentShares.Keys).ToArray();
        _current = new Snapshot(lexemes, [.. lexemes.Select(l => shares.GetValueOrDefault(l))],
            [.. lexemes.Select(l => recentShares.GetValueOrDefault(l))], walkFrom, recentFrom, recentUntil);
        Interlocked.Exchange(ref _readAt, Environment.TickCount64);
    }

    private static Dictionary<string, float> Common(string[]? lexemes, float[]? frequencies, double floor) =>
        Enumerable.Range(0, Math.Min(lexemes?.Length ?? 0, frequencies?.Length ?? 0))
            .Where(i => frequencies![i] >= floor)
            .ToDictionary(i => lexemes![i], i => frequencies![i]);
}
