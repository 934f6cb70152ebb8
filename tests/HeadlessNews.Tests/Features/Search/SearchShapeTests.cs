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
/// newest heads when PostgreSQL's statistics say the words are in most of them, and through the full-text index
/// otherwise (SearchStatistics). The two must give the same answers.
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
            Assert.That(await WalksAsync(q), Is.True, q);
        Assert.That(await WalksAsync("harbour crane"), Is.False, "crane is in one head in fifteen: too few to walk for");
        var walked = await AnswersAsync();

        // No word is common enough for a window this large: the index.
        await words.RefreshAsync(1_000_000, CancellationToken.None);
        Assert.That(words.Current(ArticleListSql.SearchWindow).Lexemes, Is.Empty);
        await GlobalSetup.Factory.Services.GetRequiredService<DeliveryCacheInvalidator>().EverythingChangedAsync();
        foreach (var q in Queries)
            Assert.That(await WalksAsync(q), Is.False, q);
        var indexed = await AnswersAsync();

        Assert.That(walked, Is.EqualTo(indexed));
        Assert.That(walked[Limits.Length * 2], Does.StartWith("harbour-7,"), "the exact title first when it is what was typed");
        Assert.That(walked[0].Split('|')[0].Split(','), Has.Length.EqualTo(20));
        Assert.That(walked.SelectMany(a => a.Split('|')[0].Split(',')), Has.None.Matches<string>(s => s == "harbour-draft" || (s.StartsWith("harbour-") && int.Parse(s[8..]) > 420)));
    }

    // Each query's first page at three sizes, with its snippets.
    private async Task<List<string>> AnswersAsync()
    {
        var answers = new List<string>();
        foreach (var q in Queries)
            foreach (var limit in Limits)
            {
                var list = (await Anonymous.GetFromJsonAsync<JsonNode>($"/api/v1/articles?q={Uri.EscapeDataString(q)}{limit}"))!;
                answers.Add(string.Join(",", Slugs(list)) + "|" + string.Join("|", list["items"]!.AsArray().Select(i => i!["snippet"]?.ToString())));
            }
        return answers;
    }

    // Whether the statement the API runs for this first page walks the heads: the plan's node that tests heads with
    // ts_match_vq ran (the other shape's nodes show as never executed).
    private static async Task<bool> WalksAsync(string q)
    {
        var services = GlobalSetup.Factory.Services;
        var (sql, args, plannedPerQuery) = ArticleListSql.Build(new ArticleListQuery(null, null, null, null, null, q, null, null), 21,
            services.GetRequiredService<IOptions<HeadlessNewsOptions>>().Value.Search.Language,
            services.GetRequiredService<SearchStatistics>().Current(ArticleListSql.SearchWindow));
        Assert.That(plannedPerQuery, Is.False, "a first page of plain words runs on the generic plan");
        await using var connection = new NpgsqlConnection(GlobalSetup.UnpooledConnectionString);
        var plan = JsonNode.Parse(await connection.ExecuteScalarAsync<string>("explain (analyze, format json) " + sql, args) ?? "[]")!;
        return Nodes(plan[0]!["Plan"]!).Any(n => n["Filter"]?.ToString().Contains("ts_match_vq") == true && n["Actual Loops"]!.GetValue<long>() > 0);
    }

    private static IEnumerable<JsonNode> Nodes(JsonNode node) =>
        [node, .. (node["Plans"]?.AsArray() ?? []).SelectMany(child => Nodes(child!))];
}
