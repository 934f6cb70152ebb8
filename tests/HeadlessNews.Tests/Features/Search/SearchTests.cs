using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using HeadlessNews.Tests.Infrastructure;

namespace HeadlessNews.Tests.Features.Search;

public sealed class SearchTests : ApiTestBase
{
    private async Task<JsonNode> SearchAsync(string q, string extra = "") =>
        (await Anonymous.GetFromJsonAsync<JsonNode>($"/api/v1/articles?q={Uri.EscapeDataString(q)}{extra}"))!;

    [Test]
    public async Task ATitleMatchOutranksABodyMatchAndHitsCarryHighlightedSnippets()
    {
        var now = DateTimeOffset.UtcNow;
        var (inBody, v1) = await CreateArticleAsync("body-mention", extra: new
        {
            title = "Markets close higher",
            bodyMarkdown = "Traders shrugged off news of the <b>armistice</b> talks and bought shares.",
        });
        await PublishAsync(inBody, v1, now.AddMinutes(-1));
        var (inTitle, v2) = await CreateArticleAsync("title-mention", extra: new { title = "Armistice talks resume", bodyMarkdown = "Delegations met again." });
        await PublishAsync(inTitle, v2, now.AddMinutes(-2));

        var hits = await SearchAsync("armistice");

        Assert.That(Slugs(hits), Is.EqualTo(new[] { "title-mention", "body-mention" }));
        var snippet = hits["items"]![1]!["snippet"]!.ToString();
        Assert.That(snippet, Does.Contain("<mark>armistice</mark>"));
        Assert.That(snippet, Does.Contain("&lt;b&gt;").And.Not.Contain("<b>"), "the body's own markup is escaped");
        var plain = await Anonymous.GetFromJsonAsync<JsonNode>("/api/v1/articles");
        Assert.That(plain!["items"]![0]!["snippet"], Is.Null);
    }

    [Test]
    public async Task TagNamesAreSearchableAndFollowARename()
    {
        var tag = await ReadJsonAsync(await Admin.PostAsJsonAsync("/api/v1/manage/tags", new { slug = "baltics", name = "Baltic states", kind = "place" }));
        await CreatePublishedAsync("defence-budgets", ["baltics"]);

        Assert.That(Slugs(await SearchAsync("baltic")), Is.EqualTo(new[] { "defence-budgets" }));

        await Admin.PutAsJsonAsync($"/api/v1/manage/tags/{tag["id"]}", new { slug = "baltics", name = "Nordic neighbours", kind = "place" });
        Assert.That(Slugs(await SearchAsync("nordic")), Is.EqualTo(new[] { "defence-budgets" }));
        Assert.That(Slugs(await SearchAsync("baltic")), Is.Empty);
    }

    [Test]
    public async Task SearchCombinesWithFiltersAndPagesWithoutDuplicates()
    {
        await CreateTagAsync("energy");
        var start = DateTimeOffset.UtcNow.AddDays(-1);
        for (var i = 0; i < 12; i++)
        {
            var (id, version) = await CreateArticleAsync($"pipeline-{i:00}", i % 2 == 0 ? ["energy"] : [],
                new { title = i % 3 == 0 ? "Pipeline pipeline news" : "Pipeline news", bodyMarkdown = $"Report number {i} about the pipeline." });
            await PublishAsync(id, version, start.AddMinutes(i));
        }
        await CreateArticleAsync("pipeline-draft", extra: new { title = "Pipeline secret draft" });

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await SearchAsync("pipeline", $"&limit=5{(cursor is null ? "" : "&cursor=" + cursor)}");
            seen.AddRange(Slugs(page));
            cursor = page["nextCursor"]?.GetValue<string>();
        }
        while (cursor is not null);

        Assert.That(seen, Has.Count.EqualTo(12).And.Unique);
        Assert.That(seen, Does.Not.Contain("pipeline-draft"));
        Assert.That(Slugs(await SearchAsync("pipeline", "&tag=energy&limit=100")), Has.Length.EqualTo(6));
        Assert.That(Slugs(await SearchAsync("\"pipeline news\" -report")), Is.Empty);
        // A time-ordered cursor is not a search cursor.
        var timeCursor = (await Anonymous.GetFromJsonAsync<JsonNode>("/api/v1/articles?limit=1"))!["nextCursor"]!.ToString();
        await AssertProblemAsync(await Anonymous.GetAsync($"/api/v1/articles?q=pipeline&cursor={timeCursor}"), HttpStatusCode.BadRequest);
    }

    [Test]
    public async Task SuggestionsMatchPrefixesAndTyposButNeverDrafts()
    {
        await CreateTagAsync("ceasefire-talks", "topic", "Ceasefire talks");
        var (id, version) = await CreateArticleAsync("ceasefire-holds", extra: new { title = "Ceasefire holds along the river" });
        await PublishAsync(id, version);
        await CreateArticleAsync("ceasefire-draft", extra: new { title = "Ceasefire collapses (draft)" });

        async Task<JsonNode> Suggest(string q) =>
            (await Anonymous.GetFromJsonAsync<JsonNode>($"/api/v1/search/suggest?q={Uri.EscapeDataString(q)}"))!;

        var prefix = await Suggest("cease");
        Assert.That(Slugs(prefix), Is.EquivalentTo(new[] { "ceasefire-talks", "ceasefire-holds" }));
        Assert.That(prefix["items"]!.AsArray().Select(i => i!["kind"]!.ToString()), Is.EquivalentTo(new[] { "tag", "article" }));
        Assert.That(Slugs(await Suggest("ceasfire")), Does.Contain("ceasefire-holds"), "a typo still finds it");
        Assert.That(Slugs(await Suggest("zzzz")), Is.Empty);
        Assert.That(Slugs(await Suggest("%")), Is.Empty, "wildcards are literal");

        await AssertProblemAsync(await Anonymous.GetAsync("/api/v1/search/suggest"), HttpStatusCode.BadRequest);
        await AssertProblemAsync(await Anonymous.GetAsync("/api/v1/search/suggest?q=" + new string('x', 101)), HttpStatusCode.BadRequest);
        await AssertProblemAsync(await Anonymous.GetAsync("/api/v1/search/suggest?q=a&limit=0"), HttpStatusCode.BadRequest);
    }

    [Test]
    public async Task HostileSearchInputGivesResultsOrA400NeverA500()
    {
        await CreatePublishedAsync("anything");
        string[] inputs = ["\"", "\\", "OR", "-", "- -", "!!!", "&", "|", "a & b | !c", "' or 1=1 --", "😀", "\"unterminated", ":*", "(((", "<mark>", "\\u0000", new string('y', 500)];
        foreach (var input in inputs)
        {
            foreach (var url in new[] { "/api/v1/articles?q=", "/api/v1/search/suggest?q=" })
            {
                var response = await Anonymous.GetAsync(url + Uri.EscapeDataString(input));
                Assert.That((int)response.StatusCode, Is.EqualTo(200).Or.EqualTo(400), $"{url}{input}");
            }
        }
        Assert.That((int)(await Anonymous.GetAsync("/api/v1/articles?q=" + new string('x', 10_000))).StatusCode, Is.EqualTo(400));
    }

    // An unknown search language stopping the API and the tools at start: CommandLineTests.

    [Test]
    public async Task ArticlesIndexedUnderAnotherLanguageAreReindexedAtStart()
    {
        await CreatePublishedAsync("running-rivers");
        // As if the article had been saved while another language was configured.
        await SqlAsync<int>("update articles set search_language = 'simple' returning 1");
        Assert.That(Slugs(await ReadJsonAsync(await Anonymous.GetAsync("/api/v1/articles?q=river"))), Is.Empty, "english stemming does not match the simple index");

        await using var restarted = new HeadlessNewsApiFactory(GlobalSetup.Database.ConnectionString, background: Background.SearchReindexer);
        using var client = restarted.CreateClient();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (await SqlAsync<string>("select search_language::text from articles") != "english" && DateTime.UtcNow < deadline)
            await Task.Delay(100);
        Assert.That(await SqlAsync<string>("select search_language::text from articles"), Is.EqualTo("english"));
        Assert.That(Slugs(await ReadJsonAsync(await client.GetAsync("/api/v1/articles?q=river"))), Is.EqualTo(new[] { "running-rivers" }));
    }
}
