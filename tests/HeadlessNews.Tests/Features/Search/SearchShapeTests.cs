using System.Net.Http.Json;
using System.Text.Json.Nodes;
using HeadlessNews.Api.Features.Articles;
using Dapper;
using HeadlessNews.Api;
using HeadlessNews.Api.Infrastructure.Http;
using HeadlessNews.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace HeadlessNews.Tests.Features.Search;

/// <summary>
/// A search box's first page (plain words, no filter) runs on a generic plan and finds its head matches by walking the
/// newest heads when PostgreSQL's statistics say the words are in most of them, through the copy of the newest heads
/// (migration 0055) when they are in a few hundredths of them, and through the full-text index otherwise
/// (SearchStatistics). All must give the same answers.
/// </summary>
public sealed class SearchShapeTests : ApiTestBase
{
    // Words all common enough to walk for.
    private static readonly string[] Queries = ["harbour", "report", "Harbour report", "report harbour harbour"];

    private static readonly string[] Limits = ["", "&limit=5", "&limit=50"];

    [Test]
    public async Task WalkingTheNewestHeadsAndReadingTheIndexFindTheSameArticles()
    {
        // 420 published heads hold "harbour", nine in ten "report" (common enough to walk for, alone or together), one in
        // fifteen "crane" (not); some bodies hold "storm". The standfirst repeats words so that ranks differ. Scheduled and draft
        // articles hold them too and must never be found.
        await SqlAsync<int>("""
            insert into articles (slug, title, summary, body_markdown, status, published_at)
            select 'harbour-' || i,
                   case when i = 7 then 'Harbour report' when i % 10 = 0 then 'Harbour news ' || i
                        when i % 12 = 0 then 'Harbour report on the crane ' || i else 'Harbour report ' || i end,
                   case when i % 10 = 0 then 'A quiet day.' when i % 5 = 0 then 'The harbour, the harbour again and a report.'
                        else 'A short report.' end,
                   case when i % 4 = 0 then 'A storm came in. ' else 'Calm. ' end || 'Number ' || i,
                   case when i > 420 then 'scheduled' else 'published' end,
                   case when i > 420 then now() + interval '1 day' else now() - i * interval '1 minute' end
            from generate_series(1, 440) i;
            insert into articles (slug, title, status) values ('harbour-draft', 'Harbour report draft', 'draft');
            select 1
            """);
        await SqlAsync<int>("analyze article_search_heads; select 1");
        var words = GlobalSetup.Factory.Services.GetRequiredService<SearchStatistics>();

        await words.RefreshAsync(ArticleListSql.SearchWindow, CancellationToken.None);
        Assert.That(words.Current(ArticleListSql.SearchWindow).Lexemes, Is.SupersetOf(new[] { "harbour", "report" }), "the statistics say these words are common");
        foreach (var q in Queries)
            Assert.That(await ShapeAsync(q), Is.EqualTo("walk"), q);
        Assert.That(await ShapeAsync("harbour crane"), Is.EqualTo("index"), "crane is in one head in fifteen: too few to walk for");
        var walked = await AnswersAsync(Queries, Limits);

        // No word is common enough for a window this large: the index.
        await words.RefreshAsync(1_000_000, CancellationToken.None);
        Assert.That(words.Current(ArticleListSql.SearchWindow).Lexemes, Is.Empty);
        await GlobalSetup.Factory.Services.GetRequiredService<DeliveryCacheInvalidator>().EverythingChangedAsync();
        foreach (var q in Queries)
            Assert.That(await ShapeAsync(q), Is.EqualTo("index"), q);
        var indexed = await AnswersAsync(Queries, Limits);

        Assert.That(walked, Is.EqualTo(indexed));
        Assert.That(walked[Limits.Length * 2], Does.StartWith("harbour-7,"), "the exact title first when it is what was typed");
        Assert.That(walked[0].Split('|')[0].Split(','), Has.Length.EqualTo(20));
        Assert.That(walked.SelectMany(a => a.Split('|')[0].Split(',')), Has.None.Matches<string>(s => s == "harbour-draft" || (s.StartsWith("harbour-") && int.Parse(s[8..]) > 420)));
    }

    [Test]
    public async Task ReadingTheCopyOfTheNewestHeadsFindsTheSameArticles()
    {
        // 2,400 published articles a minute apart, one in twenty with "ferry" in its title (120 heads, 5%), the standfirst
        // repeating it now and then so that ranks differ. Scheduled and draft articles hold it too and must never be found.
        await SqlAsync<int>("""
            insert into articles (slug, title, summary, body_markdown, status, published_at)
            select 'note-' || i,
                   case when i % 20 = 0 then 'Ferry timetable ' || i else 'Daily note ' || i end,
                   case when i % 140 = 0 then 'The ferry, the ferry again.' else 'Nothing new.' end,
                   'Quiet.',
                   case when i > 2400 then 'scheduled' else 'published' end,
                   case when i > 2400 then now() + interval '1 day' else now() - i * interval '1 minute' end
            from generate_series(1, 2420) i;
            insert into articles (slug, title, status) values ('ferry-draft', 'Ferry draft', 'draft');
            analyze article_search_heads;
            analyze article_search_recent;
            select 1
            """);
        string[] queries = ["ferry", "ferry ferry", "Ferry timetable"];
        string[] limits = ["", "&limit=100"];

        // Search ranks a window of 300; asked for a window of 80, the statistics send a word in 5% of the heads to the
        // copy (it holds at least 80 of its matches, and reading them costs less than a walk), which is what a word in
        // 1-2.5% of 100,000 heads takes with the real window.
        var copied = await AnswersWithStatisticsAsync(80, queries, limits, "recent", "recent", "index");
        var indexed = await AnswersWithStatisticsAsync(1_000_000, queries, limits, "index", "index", "index");
        Assert.That(copied, Is.EqualTo(indexed));
        Assert.That(copied[1].Split('|')[0].Split(','), Has.Length.EqualTo(100));

        // The copy keeps the newest 2,000: now 100 of the matches are in it, the other 20 only in article_search_heads.
        await using (var connection = new NpgsqlConnection(GlobalSetup.UnpooledConnectionString))
        {
            await connection.OpenAsync();
            await RecentBodies.PruneAsync(connection, CancellationToken.None, 1000, 2000);
        }
        // Then edits: the oldest match becomes the exact title (it ranks first), a copied match loses the word, a new
        // article has it.
        await SqlAsync<int>("""
            update articles set title = 'Ferry' where slug = 'note-2400';
            update articles set title = 'Daily note 20' where slug = 'note-20';
            insert into articles (slug, title, status, published_at) values ('ferry-new', 'Ferry news', 'published', now() - interval '1 second');
            analyze article_search_recent;
            select 1
            """);
        Assert.That(await SqlAsync<long>("select count(*) from article_search_recent where published_at <= now() and head @@ to_tsquery('english', 'ferry')"), Is.InRange(99, 101));
        copied = await AnswersWithStatisticsAsync(80, queries, limits, "recent", "recent", "index");
        indexed = await AnswersWithStatisticsAsync(1_000_000, queries, limits, "index", "index", "index");
        Assert.That(copied, Is.EqualTo(indexed));
        Assert.That(copied[0], Does.StartWith("note-2400,"), "the exact title, older than the copy, first");
        var found = copied.SelectMany(a => a.Split('|')[0].Split(',')).ToHashSet();
        Assert.That(found, Does.Contain("ferry-new").And.Not.Contain("note-20").And.Not.Contain("ferry-draft"));
        Assert.That(found, Has.None.Matches<string>(s => s.StartsWith("note-") && int.Parse(s[5..]) > 2400));
    }

    [Test]
    public async Task EveryShapeRanksTheSameWindow()
    {
        // 3,000 published articles a minute apart: "ferry" in one title in four (750, so the copy of the newest 2,000
        // holds more than the window of 300), "tug" in one in forty, both in one standfirst in 28 as well, so that older
        // ones rank high too (172 heads hold "tug", about 2 in 3 of them in the copy). "harbour" in one other standfirst
        // in eight (322 heads), thrice in every other one of them: the copy holds about 215, so a window read from the
        // copy takes about 85 of the 107 older ones, and that cut is exercised (an older "harbour" ranks above a newer
        // one, so an older match let into the window shows in the page). Eleven around the 2,000th newest share a publish time, so the copy's
        // horizon falls on a tie; eleven around the 1,200th too, so the 300th newest "ferry" (note-1200) is one of three
        // matches sharing a time, and the window's cut falls on a tie. Ids grow with i, so the later of tied articles
        // (higher id) is the newer one, unlike the order in which they were written. Scheduled and draft articles hold every word and
        // must never be found.
        await SqlAsync<int>("""
            insert into articles (id, slug, title, summary, body_markdown, status, published_at)
            select ('00000000-0000-4000-8000-' || lpad(i::text, 12, '0'))::uuid, 'note-' || i,
                   case when i % 40 = 0 then 'Tug and ferry ' || i when i % 4 = 0 then 'Ferry report ' || i else 'Daily note ' || i end,
                   case when i % 28 = 0 then 'The ferry and the tug, the ferry again.'
                        when i % 16 = 0 then 'The harbour, a harbour by the harbour.'
                        when i % 8 = 0 or i > 3000 then 'A quiet harbour.' else 'Nothing new.' end,
                   'Quiet.',
                   case when i > 3000 then 'scheduled' else 'published' end,
                   case when i > 3000 then now() + interval '1 day'
                        when i between 1195 and 1205 then now() - 1195 * interval '1 minute'
                        when i between 1995 and 2005 then now() - 1995 * interval '1 minute'
                        else now() - i * interval '1 minute' end
            from generate_series(1, 3020) i;
            insert into articles (slug, title, summary, status) values ('ferry-draft', 'Tug and ferry draft', 'A harbour.', 'draft');
            select 1
            """);
        string[] queries = ["ferry", "tug", "ferry tug", "Tug and ferry", "harbour"];

        await AssertSameWindowsAsync(queries);
        await using (var connection = new NpgsqlConnection(GlobalSetup.UnpooledConnectionString))
        {
            await connection.OpenAsync();
            await RecentBodies.PruneAsync(connection, CancellationToken.None, 1000, 2000);
        }
        Assert.That(await SqlAsync<long>("select count(*) from article_search_recent where head @@ to_tsquery('english', 'ferry') and published_at <= now()"),
            Is.InRange(490, 500), "the copy holds more than the window");
        Assert.That(await SqlAsync<bool>("select bool_and(a.published_at = h.kept_after) from articles a, article_search_recent_horizon h where a.slug in ('note-1996', 'note-2000')"),
            Is.True, "the horizon falls on the tie, whose matches only article_search_heads holds");
        await AssertSameWindowsAsync(queries);

        // Rows the copy still holds at or before its horizon (a prune moves it and drops them in one statement; a writer
        // that read the old horizon can leave one): they are the heads' to give, once.
        await SqlAsync<int>("""
            update article_search_recent_horizon set kept_after = (select published_at from articles where slug = 'note-1800');
            select 1
            """);
        Assert.That(await SqlAsync<long>("select count(*) from article_search_recent r, article_search_recent_horizon h where r.published_at <= h.kept_after and r.head @@ to_tsquery('english', 'ferry')"),
            Is.GreaterThan(40));
        await AssertSameWindowsAsync(queries);
    }

    // Each query's whole window, ranked, is the same whichever way its heads are found: the statement a search box runs,
    // on a generic plan as the API runs it, with statistics that send its words down each way in turn (and the plan
    // shows which way it went). Where a walk is possible, the copy is read only when it costs less: the sum of the
    // shares' logarithms (-1.39 for one word here, -2.77 for two) against RecentUntil.
    private static async Task AssertSameWindowsAsync(string[] queries)
    {
        string[] words = ["ferri", "harbour", "tug"];
        (SearchStatistics.Snapshot Statistics, string Shape)[] ways =
        [
            (new(words, [0, 0, 0], [0.5f, 0.5f, 0.5f], double.PositiveInfinity, -100, double.NegativeInfinity), "recent"),
            (new(words, [0.5f, 0.5f, 0.5f], [0, 0, 0], -100, double.PositiveInfinity, double.NegativeInfinity), "walk"),
            (new(words, [0.5f, 0.5f, 0.5f], [0.5f, 0.5f, 0.5f], -100, -100, -1), "recent"),
            (new(words, [0.5f, 0.5f, 0.5f], [0.5f, 0.5f, 0.5f], -100, -100, -3), "walk"),
            (new(words, [0.5f, 0.5f, 0.5f], [0.5f, 0.5f, 0.5f], 100, -100, -3), "recent"),
            (SearchStatistics.None, "index"),
        ];
        var connectionString = new NpgsqlConnectionStringBuilder(GlobalSetup.UnpooledConnectionString) { MaxAutoPrepare = 20, AutoPrepareMinUsages = 1 };
        await using var connection = new NpgsqlConnection(connectionString.ConnectionString);
        await connection.OpenAsync();
        await connection.ExecuteAsync("set plan_cache_mode = force_generic_plan");
        foreach (var q in queries)
        {
            string[]? indexed = null;
            foreach (var (statistics, shape) in ways.Reverse())
            {
                var (sql, args, plannedPerQuery) = ArticleListSql.Build(new ArticleListQuery(null, null, null, null, null, q, null, null),
                    ArticleListSql.SearchWindow + 1, "english", statistics);
                Assert.That(plannedPerQuery, Is.False);
                Assert.That(ShapeOf(JsonNode.Parse(await connection.ExecuteScalarAsync<string>("explain (analyze, format json) " + sql, args) ?? "[]")!),
                    Is.EqualTo(shape), q);
                string[] window = [.. (await connection.QueryAsync(sql, args)).Select(row => (string)row.slug)];
                indexed ??= window;
                Assert.That(window, Is.EqualTo(indexed), $"{q}: {shape} and the index");
            }
            // A page of the whole window and one more: the newest match it left out, found as the body tier finds it.
            Assert.That(indexed, Has.Length.EqualTo(q is "ferry" or "harbour" ? ArticleListSql.SearchWindow + 1 : 172), q);
            Assert.That(indexed, Has.None.Matches<string>(s => s == "ferry-draft" || int.Parse(s[5..]) > 3000), q);
            Assert.That(indexed!.Distinct().Count(), Is.EqualTo(indexed.Length), q);
        }
    }

    private async Task<List<string>> AnswersWithStatisticsAsync(int window, string[] queries, string[] limits, params string[] shapes)
    {
        await GlobalSetup.Factory.Services.GetRequiredService<SearchStatistics>().RefreshAsync(window, CancellationToken.None);
        await GlobalSetup.Factory.Services.GetRequiredService<DeliveryCacheInvalidator>().EverythingChangedAsync();
        for (var i = 0; i < queries.Length; i++)
            Assert.That(await ShapeAsync(queries[i]), Is.EqualTo(shapes[i]), $"{queries[i]} with a window of {window}");
        return await AnswersAsync(queries, limits);
    }

    // Each query's first page at each size, with its snippets and its cursor to the next (which a page one short of its
    // size would not have).
    private async Task<List<string>> AnswersAsync(string[] queries, string[] limits)
    {
        var answers = new List<string>();
        foreach (var q in queries)
            foreach (var limit in limits)
            {
                var list = (await Anonymous.GetFromJsonAsync<JsonNode>($"/api/v1/articles?q={Uri.EscapeDataString(q)}{limit}"))!;
                answers.Add(string.Join(",", Slugs(list)) + "|" + string.Join("|", list["items"]!.AsArray().Select(i => i!["snippet"]?.ToString()))
                            + "|" + list["nextCursor"]);
            }
        return answers;
    }

    // How the statement the API runs for this first page found its window: walking the heads (the plan's node that tests
    // them with ts_match_vq ran), from the copy's heads, or else through the index (the other shapes' nodes show as
    // never executed).
    private static async Task<string> ShapeAsync(string q)
    {
        var services = GlobalSetup.Factory.Services;
        var (sql, args, plannedPerQuery) = ArticleListSql.Build(new ArticleListQuery(null, null, null, null, null, q, null, null), 21,
            services.GetRequiredService<IOptions<HeadlessNewsOptions>>().Value.Search.Language,
            services.GetRequiredService<SearchStatistics>().Current(ArticleListSql.SearchWindow));
        Assert.That(plannedPerQuery, Is.False, "a first page of plain words runs on the generic plan");
        await using var connection = new NpgsqlConnection(GlobalSetup.UnpooledConnectionString);
        return ShapeOf(JsonNode.Parse(await connection.ExecuteScalarAsync<string>("explain (analyze, format json) " + sql, args) ?? "[]")!);
    }

    private static string ShapeOf(JsonNode plan)
    {
        var ran = PlanNodes.All(plan[0]!["Plan"]!).Where(n => n["Actual Loops"]!.GetValue<long>() > 0).ToList();
        return ran.Any(n => n["Filter"]?.ToString().Contains("ts_match_vq") == true) ? "walk"
            : ran.Any(n => n["Relation Name"]?.ToString() == "article_search_recent" && $"{n["Filter"]}{n["Recheck Cond"]}".Contains("head @@")) ? "recent"
            : "index";
    }
}
