using System.Collections.Concurrent;
using System.Text;
using Dapper;
using HeadlessNews.Api.Infrastructure.Http;

namespace HeadlessNews.Api.Features.Articles;

/// <summary>
/// Builds the delivery list query from its filters. Newest first, keyset paginated on (published_at, id).
/// With tag filters it starts from the tag links (migration 0004): each tag's links are walked newest first
/// through their index and stop after a page, so a popular tag costs no more than a rare one.
/// </summary>
internal static class ArticleListSql
{
    // Search ranks at most this many of the newest head matches, so a common word costs no more than a rare one.
    public const int SearchWindow = 300;
    // A head the walk tests costs about a twelfth of a match read through the index, kept and sorted (0.25 µs against
    // 3.3 µs on a million heads, warm: "border" walked in 4.6 ms, its 16,431 matches read through the index in 54 ms).
    public const double WalkCostRatio = 12.0;
    // The recency term: a point per two years of publish time. The boosts are in the same points: an exact title
    // outranks other head matches up to two years newer, a title that starts with what was typed one year newer.
    private const int SecondsPerPoint = 63_072_000;
    private const double ExactTitleBoost = 1.0;
    private const double TitlePrefixBoost = 0.5;
    // Added to every head match's score: above any body match (whose score stays under it until the year 3970).
    private const double HeadTier = 1000.0;
    // The body tier newest first, in three slices, each asked only when the newer ones did not fill the page: the newest
    // tier of the copy of the newest articles' search vectors (migration 0052, about the newest RecentBodies.Newest),
    // then the rest of the copy (to about RecentBodies.Kept), each through its own small full-text index, then the
    // archive through the index of every article's vector (article_search_vectors, migration 0056), which carries the
    // time each article is public from. That index hands over each word's whole posting list, and each match is then
    // read to be ordered: 2 ms a search at 100,000 articles when it was asked first, 6 ms when the newest did not quite
    // fill the page, and growing with the archive. The horizons are read in the statement, so the slices divide time
    // exactly whatever a prune did.
    // Without their row (never so after the migration) the copy is not kept and every body match comes from the last.
    private const string NewestAfter = "coalesce((select newest_after from article_search_recent_horizon), 'infinity')";
    private const string KeptAfter = "coalesce((select kept_after from article_search_recent_horizon), 'infinity')";
    // Each slice's rows: where they come from, their article id and publish time, and which of them match. A row of the
    // copy exists only while its article is published or scheduled and carries its publish time, so the copy's slices
    // never read an article row: their matches are ordered and cut to a page in the copy alone. The newest are found
    // through the index of the rows flagged newest (every row after newest_after is).
    private static readonly (string From, string Id, string At, Func<string, string> Match)[] BodySlices =
    [
        ("article_search_recent r", "r.article_id", "r.published_at",
            tsquery => $"r.newest and r.published_at > {NewestAfter} and r.published_at <= now() and r.body @@ {tsquery}"),
        ("article_search_recent r", "r.article_id", "r.published_at",
            tsquery => $"r.published_at <= {NewestAfter} and r.published_at > {KeptAfter} and r.published_at <= now() and r.body @@ {tsquery}"),
        ("article_search_vectors v", "v.article_id", "v.public_from",
            tsquery => $"v.public_from <= now() and v.public_from <= {KeptAfter} and v.search_vector @@ {tsquery}"),
    ];
    // A body-tier match's score: its publish time alone, in the same points.
    private static string BodyScore(string at) => $"(extract(epoch from {at}) / 63072000.0)::float8";

    public static (string Sql, DynamicParameters Args, bool PlannedPerQuery) Build(ArticleListQuery query, int take, string searchLanguage, SearchStatistics.Snapshot common)
    {
        // Parameters one by one: a template object (new { ... }) takes a lock Dapper shares with every other request.
        var args = new DynamicParameters();
        args.Add("take", take);
        // Filters on an article, written against its id and publish time: the article row's own (a.id, a.published_at)
        // or, when walking tag links, the link's copy of them (l.article_id, l.published_at), so a tag page never
        // needs the article rows until it has its page.
        var filters = new List<Func<string, string, string>>();
        var hasCursor = Cursor.TryDecode(query.Cursor, out var after);
        if (hasCursor)
        {
            args.Add("afterAt", after.At);
            args.Add("afterId", after.Id);
        }
        if (query.Kind is not null)
        {
            filters.Add((id, _) => $"exists (select 1 from article_tags kt join tags t on t.id = kt.tag_id where kt.article_id = {id} and t.kind = @kind)");
            args.Add("kind", query.Kind);
        }
        if (query.PublishedAfter is { } publishedAfter)
        {
            filters.Add((_, at) => $"{at} > @publishedAfter");
            args.Add("publishedAfter", publishedAfter.UtcDateTime);
        }
        if (query.PublishedBefore is { } publishedBefore)
        {
            filters.Add((_, at) => $"{at} < @publishedBefore");
            args.Add("publishedBefore", publishedBefore.UtcDateTime);
        }
        if (!string.IsNullOrWhiteSpace(query.Q))
        {
            var shaped = IsShaped(query, filters);
            return (Search(query, filters, args, searchLanguage, common, shaped), args, !shaped);
        }

        var sql = new StringBuilder($"select {ArticleSql.CardColumns}, {ArticleSql.TagIdColumns("a.id")} from visible_articles a where ");
        var tags = query.Tag?.Distinct().ToArray() ?? [];
        if (tags.Length == 0)
        {
            var onArticle = filters.Select(f => f("a.id", "a.published_at")).ToList();
            if (hasCursor)
                onArticle.Add("(a.published_at, a.id) < (@afterAt, @afterId)");
            sql.Append(onArticle.Count == 0 ? "true" : string.Join(" and ", onArticle));
        }
        else
        {
            for (var i = 0; i < tags.Length; i++)
                args.Add($"tag{i}", tags[i]);
            var onLink = filters.Select(f => f("l.article_id", "l.published_at")).ToList();
            var branches = query.TagMatch == "all"
                // Walk the first tag's links; each must carry the other tags too.
                ? [Branch(0, hasCursor, [.. onLink, .. tags.Skip(1).Select((_, i) =>
                    $"exists (select 1 from article_tags o join tags t on t.id = o.tag_id where o.article_id = l.article_id and t.slug = @tag{i + 1})")])]
                : tags.Select((_, i) => Branch(i, hasCursor, onLink)).ToArray();
            sql.Append("a.id in (").AppendJoin(" union all ", branches).Append(')');
        }
        sql.Append(" order by a.published_at desc, a.id desc limit @take");
        return (sql.ToString(), args, false);
    }

    /// <summary>
    /// Full-text search in two tiers (migration 0050). First the heads (title, tag names, standfirst) that match: the
    /// newest SearchWindow of them under every other filter, ranked by cover density on the head plus a boost for a
    /// title that is exactly what was typed (ExactTitleBoost) or starts with it (TitlePrefixBoost). Below all of them,
    /// articles that match only in the body (or whose head match is older than the window), newest first, found
    /// through the whole vector's index and never ranked, so no body vector is read back to rank it. The scores carry
    /// a recency term, half a point per year of publish time and independent of the time of the request, so pages
    /// stay stable and a cursor (score, id) pages through both tiers. Only the page's rows are read from articles.
    /// Each hit gets a snippet of the summary and the first 300 characters of the body, made by SearchSnippet from
    /// that text's words as parsed when it was written (migration 0053): ts_headline parsed it again for every hit,
    /// 1.4 ms of a 21-hit page.
    /// </summary>
    private static string Search(
        ArticleListQuery query, List<Func<string, string, string>> filters, DynamicParameters args, string searchLanguage,
        SearchStatistics.Snapshot common, bool shaped)
    {
        args.Add("q", query.Q);
        args.Add("exactBoost", ExactTitleBoost);
        args.Add("prefixBoost", TitlePrefixBoost);
        args.Add("headTier", HeadTier);
        if (!shaped)
            return SearchText(query, filters, args, searchLanguage, shaped: false);
        var (lexemes, frequencies, recentFrequencies) = common.For(query.Q!);
        args.Add("commonLexemes", lexemes);
        args.Add("commonFrequencies", frequencies);
        args.Add("recentFrequencies", recentFrequencies);
        args.Add("walkFrom", common.WalkFrom);
        args.Add("recentFrom", common.RecentFrom);
        args.Add("recentUntil", common.RecentUntil);
        // What a search box sends is always the same statement for a language: its 5,000 characters are written once.
        return ShapedSearches.GetOrAdd(searchLanguage,
            static (language, state) => SearchText(state.query, state.filters, state.args, language, shaped: true), (query, filters, args));
    }

    private static readonly ConcurrentDictionary<string, string> ShapedSearches = new();

    private static string SearchText(
        ArticleListQuery query, List<Func<string, string, string>> filters, DynamicParameters args, string searchLanguage, bool shaped)
    {
        // Two ways to run it. The first page of plain words with no other filter (what a search box sends) runs prepared
        // on the delivery pool's generic plan: planning this statement for its words cost 3.4-3.7 ms, more than running
        // it. The plan cannot see the words, so the statement picks its shape from their statistics (see shape); the
        // tsquery is a scalar subquery (an InitPlan), computed once per execution where the bare call would be run
        // again for every row tested, ranked or highlighted. Anything else (excluded words, phrases, OR, a kind, tag
        // or date filter, a later page) is planned for its words on the search pool, with the tsquery written out so
        // the planner sees them: a generic plan there read every match and sorted it (0.2-0.6 s for a common word
        // with a kind filter, "-x" or a cursor past the heads, against 9-30 ms planned). The language is a regconfig
        // constant in the statement, checked at start to name a text-search configuration.
        var language = $"'{searchLanguage.Replace("'", "''")}'::regconfig";
        var tsquery = shaped ? $"(select websearch_to_tsquery({language}, @q))" : $"websearch_to_tsquery({language}, @q)";
        // A query with nothing to look for but excluded words ("-word") would match nearly every article and test each
        // one's whole vector (1.1 s on the 100,000-article archive): it finds nothing, as in other search engines.
        var searchable = $"querytree({tsquery}) <> 'T'";
        var onHead = filters.Select(f => f("h.article_id", "h.published_at")).ToList();
        var onBody = new List<Func<string, string, string>>(filters);
        var tags = query.Tag?.Distinct().ToArray() ?? [];
        if (tags.Length > 0)
        {
            args.Add("tags", tags);
            args.Add("tagCount", tags.Length);
            string OnTags(string id) => query.TagMatch == "all"
                ? $"(select count(*) from article_tags x join tags t on t.id = x.tag_id where x.article_id = {id} and t.slug = any(@tags)) = @tagCount"
                : $"exists (select 1 from article_tags x join tags t on t.id = x.tag_id where x.article_id = {id} and t.slug = any(@tags))";
            onHead.Add(OnTags("h.article_id"));
            onBody.Add((id, _) => OnTags(id));
        }
        // A head holds a prefix of the whole vector, so a head that matches means the article matches, unless the
        // query excludes a word (websearch's -word): the body may hold it. Then the whole vector is asked as well.
        if (query.Q!.Contains('-'))
            onHead.Add($"exists (select 1 from article_search_vectors x where x.article_id = h.article_id and x.search_vector @@ {tsquery})");
        // The newest SearchWindow head matches under every filter: shaped, found one of three ways (see shape).
        var onHeadText = string.Concat(onHead.Select(c => " and " + c));
        string HeadMatches(string columns, string condition, string match) =>
            $"select {columns} from article_search_heads h where {condition}{match} and h.published_at <= now(){onHeadText}";
        const string HeadColumns = "h.article_id, h.published_at, h.head, h.title_key";
        string HeadBranch(string condition, string match) =>
            $"({HeadMatches(HeadColumns, condition, match)} order by h.published_at desc, h.article_id desc limit {SearchWindow})";
        // Every match's id and publish time read into a materialized CTE first, then the newest of them, and only their
        // heads (see the index shape below). Carrying every match's head through the CTE and its sort cost more than
        // finding them: 9 of 18 ms for a word in 5,000 heads of the million.
        string MatchedBranch(string condition, string match, string limit) =>
            $"(with matched as materialized ({HeadMatches("h.article_id, h.published_at", condition, match)}) " +
            $"select {HeadColumns} from (select * from matched order by published_at desc, article_id desc limit {limit}) m " +
            "join article_search_heads h on h.article_id = m.article_id)";
        // Shaped, the window is found one of three ways (see shape), each giving the same heads. The walk reads the
        // newest-first index (article_search_heads_newest) and tests each head: ts_match_vq is what @@ calls, written as
        // a function so no index can serve it. The copy's way reads the matches among the newest heads' copy (0055)
        // through its own index, and only when they fall short of the window the older matches through the index on
        // every head. The index shape reads every match into a materialized CTE first: left to itself, the generic plan
        // of a million heads guessed few enough matches to walk the newest-first index for them too, and walked all of
        // them for a rare pair of words (0.47 s).
        string[] headBranches = shaped
            ?
            [
                HeadBranch("(select how from shape) = 'walk' and ", $"ts_match_vq(h.head, {tsquery})"),
                MatchedBranch("(select how from shape) = 'index' and ", $"h.head @@ {tsquery}", $"{SearchWindow}"),
                "(select * from recent_heads)",
                MatchedBranch("(select how from shape) = 'recent' and ", $"h.head @@ {tsquery} and h.published_at <= {KeptAfter}",
                    $"{SearchWindow} - (select count(*) from recent_heads)"),
            ]
            : [HeadBranch("", $"h.head @@ {tsquery}")];
        var shape = "";
        if (shaped)
        {
            // The words' estimated shares of all heads and of the copy's (the products of their shares, as the words
            // are all required), in logarithms, against the bounds SearchStatistics worked out for this archive. A word
            // missing from the common ones (or with no share given) is rare enough for the index. Whichever way, the
            // same heads are found.
            shape = $"""
                shape as materialized (
                    select case when s.in_copy and s.copy_share >= @recentFrom
                                     and not (s.common and s.share > @walkFrom and s.copy_share + s.share >= @recentUntil) then 'recent'
                                when s.common and s.share > @walkFrom then 'walk'
                                else 'index' end as how
                    from (select coalesce(bool_and(coalesce(c.f, 0) > 0), false) as common, sum(ln(nullif(c.f, 0))) as share,
                                 coalesce(bool_and(coalesce(c.r, 0) > 0), false) as in_copy, sum(ln(nullif(c.r, 0))) as copy_share
                          from unnest(tsvector_to_array(to_tsvector({language}, @q))) w(lexeme)
                          left join unnest(@commonLexemes::text[], @commonFrequencies::real[], @recentFrequencies::real[]) c(lexeme, f, r)
                                 on c.lexeme = w.lexeme) s
                ),
                -- No filter but the words: a shaped search has none (IsShaped).
                recent_heads as materialized (
                    select r.article_id, r.published_at, r.head, r.title_key from article_search_recent r
                    where (select how from shape) = 'recent' and r.head @@ {tsquery}
                          and r.published_at > {KeptAfter} and r.published_at <= now()
                    order by r.published_at desc, r.article_id desc limit {SearchWindow}
                ),
                """;
        }
        var pageOfHeads = "";
        Func<string, string, string> pageOfBodies = (_, _) => "";
        if (Cursor.TryDecodeScore(query.Cursor, out var after))
        {
            // A body-tier score is its publish time, so nothing published after the cursor's score (read as a time,
            // a second's slack for rounding) can come after it: the newest-first walk starts there.
            var notAfter = DateTimeOffset.UnixEpoch.AddSeconds(Math.Clamp(after.Score * SecondsPerPoint + 1, -62_135_596_800, 253_402_300_799));
            args.Add("afterScore", after.Score);
            args.Add("afterId", after.Id);
            args.Add("notAfter", notAfter.UtcDateTime);
            pageOfHeads = "where (m.score, m.id) < (@afterScore, @afterId)";
            pageOfBodies = (id, at) => $" and ({BodyScore(at)}, {id}) < (@afterScore, @afterId) and {at} <= @notAfter";
        }
        return $"""
            with {shape}
            heads as (
                select h.article_id as id,
                       (@headTier + ts_rank_cd(h.head, {tsquery}, 32)
                         + case when h.title_key = k.key then @exactBoost
                                when left(h.title_key, length(k.key) + 1) = k.key || ' ' then @prefixBoost
                                else 0 end
                         + extract(epoch from h.published_at) / {SecondsPerPoint}.0)::float8 as score
                from ({string.Join("\n                      union all\n                      ", headBranches)}) h,
                     (select array_to_string(suggestion_words_of(@q), ' ') as key) k
                where {searchable}
            ),
            head_page as (
                select m.id, m.score from heads m {pageOfHeads} order by m.score desc, m.id desc limit @take
            ),
            page as (
                select id, score from head_page
                union all
                -- Every head match outranks every body match, so the body's index is asked only for what is left of
                -- the page (a one-time filter: nothing at all when the heads filled it).
                (select id, score from (
                    {string.Join("\n                    union all\n                    ", BodySlices.Select(slice => $"""
                    (select {slice.Id} as id, {BodyScore(slice.At)} as score
                     from {slice.From}
                     where (select count(*) from head_page) < @take and {searchable}
                           and {slice.Match(tsquery)} and {slice.Id} not in (select id from heads){string.Concat(onBody.Select(f => " and " + f(slice.Id, slice.At)))}{pageOfBodies(slice.Id, slice.At)}
                     order by {slice.At} desc, {slice.Id} desc
                     limit @take)
                    """))}
                ) b
                limit @take - (select count(*) from head_page))
            )
            select {ArticleSql.CardColumns}, p.score,
                   w.tokens as snippet_tokens, w.lexemes as snippet_lexemes, {tsquery}::text as snippet_query,
                   {ArticleSql.TagIdColumns("a.id")}
            from page p join visible_articles a on a.id = p.id
            left join article_snippet_words w on w.article_id = a.id
            order by p.score desc, p.id desc
            """;
    }

    /// <summary>
    /// Whether a search runs prepared on the generic plan, its shape picked from its words' statistics: a first page of
    /// plain words (letters and digits; websearch reads them as all required), no other filter.
    /// </summary>
    private static bool IsShaped(ArticleListQuery query, IReadOnlyCollection<Func<string, string, string>> filters) =>
        filters.Count == 0 && (query.Tag?.Length ?? 0) == 0 && query.Cursor is null && query.Q is { } q
        && q.All(c => char.IsLetterOrDigit(c) || char.IsWhiteSpace(c))
        && !q.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Any(w => w.Equals("or", StringComparison.OrdinalIgnoreCase));

    // One tag's newest visible articles after the cursor, at most a page of them: the tag's links walked newest first
    // through article_tags_newest, stopping after a page. A visible link (visible_tag_links) is a visible article's,
    // so no article row is read here: the walk is an index-only scan whatever the planner thinks of the articles
    // table, and the page's rows are read by key afterwards.
    private static string Branch(int tag, bool hasCursor, IEnumerable<string> onLink)
    {
        var where = new List<string>
        {
            $"l.tag_id = (select id from tags where slug = @tag{tag})",
        };
        if (hasCursor)
            where.Add("(l.published_at, l.article_id) < (@afterAt, @afterId)");
        where.AddRange(onLink);
        return $"(select l.article_id from visible_tag_links l " +
               $"where {string.Join(" and ", where)} order by l.published_at desc, l.article_id desc limit @take)";
    }
}
