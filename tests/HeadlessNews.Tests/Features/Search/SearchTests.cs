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

    private async Task<string[]> SuggestedArticlesAsync(string q) =>
        (await Anonymous.GetFromJsonAsync<JsonNode>($"/api/v1/search/suggest?q={Uri.EscapeDataString(q)}"))!["items"]!.AsArray()
            .Where(i => i!["kind"]!.ToString() == "article").Select(i => i!["slug"]!.ToString()).ToArray();

    private async Task PublishTitledAsync(string slug, string title, DateTimeOffset at)
    {
        var (id, version) = await CreateArticleAsync(slug, extra: new { title });
        await PublishAsync(id, version, at);
    }

    [Test]
    public async Task SuggestionsRankAnExactTitleFirstThenTitlesStartingWithWhatWasTypedThenTitlesHoldingTheWords()
    {
        var now = DateTimeOffset.UtcNow;
        // Newest first on the page, so the ranking, not the publish time, must put them in this order.
        await PublishTitledAsync("strike-at-the-harbour", "Strike at the harbour", now.AddMinutes(-1));
        await PublishTitledAsync("harbour-strike-ends", "Harbour strike ends after talks", now.AddMinutes(-2));
        await PublishTitledAsync("harbour-strike", "Harbour strike", now.AddMinutes(-3));
        await PublishTitledAsync("harbour-fees", "Harbour fees rise", now.AddMinutes(-4));

        Assert.That(await SuggestedArticlesAsync("Harbour strike"), Is.EqualTo(new[] { "harbour-strike", "harbour-strike-ends", "strike-at-the-harbour" }));
        Assert.That(await SuggestedArticlesAsync("harbour stri"), Is.EqualTo(new[] { "harbour-strike-ends", "harbour-strike", "strike-at-the-harbour" }),
            "the last word may be unfinished: no title is exactly that, so the titles that start so come newest first");
    }

    [Test]
    public async Task SuggestionsRankTitlesStartingWithTheTypedWordAboveNewerTitlesHoldingItAndTyposLast()
    {
        var now = DateTimeOffset.UtcNow;
        await PublishTitledAsync("towns-brace-for-floods", "Towns brace for floods", now.AddMinutes(-1));
        await PublishTitledAsync("floodwater-reaches-the-square", "Floodwater reaches the square", now.AddMinutes(-2));
        await PublishTitledAsync("floods-close-roads", "Floods close roads", now.AddMinutes(-3));

        Assert.That(await SuggestedArticlesAsync("flood"), Is.EqualTo(new[] { "floodwater-reaches-the-square", "floods-close-roads", "towns-brace-for-floods" }),
            "titles that start with the word, newest first, then the newer title that holds it later");
        Assert.That(await SuggestedArticlesAsync("floods"), Is.EqualTo(new[] { "floods-close-roads", "towns-brace-for-floods" }));
        Assert.That(await SuggestedArticlesAsync("flods"), Does.Contain("floods-close-roads").And.Contain("towns-brace-for-floods"),
            "one letter missing still finds the word");
    }

    [Test]
    public async Task ASuggestedTitleFollowsEditsAndLeavesWithUnpublishOrDelete()
    {
        var (id, version) = await CreateArticleAsync("pier-repairs", extra: new { title = "Pier repairs begin" });
        version = await PublishAsync(id, version);
        Assert.That(await SuggestedArticlesAsync("pier"), Is.EqualTo(new[] { "pier-repairs" }));

        var edited = await SendAsync(Admin, HttpMethod.Put, $"/api/v1/manage/articles/{id}", new { slug = "pier-repairs", title = "Jetty repairs begin", summary = "Work starts.", bodyMarkdown = "Text." }, version);
        Assert.That(edited.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await SuggestedArticlesAsync("pier"), Is.Empty);
        Assert.That(await SuggestedArticlesAsync("jett"), Is.EqualTo(new[] { "pier-repairs" }));

        var unpublished = await SendAsync(Admin, HttpMethod.Post, $"/api/v1/manage/articles/{id}/unpublish", null, (await ReadJsonAsync(edited))["version"]!.GetValue<int>());
        Assert.That(unpublished.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await SuggestedArticlesAsync("jett"), Is.Empty);
        Assert.That(await SqlAsync<long>("select count(*) from suggestion_words where article_id = @id", new { id }), Is.Zero);

        await PublishTitledAsync("jetty-closed", "Jetty closed", DateTimeOffset.UtcNow);
        Assert.That(await SuggestedArticlesAsync("jett"), Is.EqualTo(new[] { "jetty-closed" }));
        var other = await SqlAsync<Guid>("select id from articles where slug = 'jetty-closed'");
        var current = (await ReadJsonAsync(await Admin.GetAsync($"/api/v1/manage/articles/{other}")))["version"]!.GetValue<int>();
        Assert.That((await SendAsync(Admin, HttpMethod.Delete, $"/api/v1/manage/articles/{other}", null, current)).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(await SuggestedArticlesAsync("jett"), Is.Empty);
        Assert.That(await SqlAsync<long>("select count(*) from suggestion_words"), Is.Zero);
    }

    [Test, RunsInBackground(Background.Scheduler)]
    public async Task AScheduledTitleIsSuggestedOnlyOnceItsTimeHasCome()
    {
        var (id, version) = await CreateArticleAsync("lighthouse-sale", extra: new { title = "Lighthouse sale agreed" });
        await PublishAsync(id, version, DateTimeOffset.UtcNow.AddDays(1));
        Assert.That(await SuggestedArticlesAsync("lighthouse"), Is.Empty);
        Assert.That(await SuggestedArticlesAsync("lighthouse sale agreed"), Is.Empty);

        // Its time comes (moved in the database, as the API cannot); the scheduler announces it and so refreshes it.
        await SqlAsync<int>("update articles set published_at = now() - interval '1 second' where id = @id returning 1", new { id });
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (await SqlAsync<string>("select status from articles where id = @id", new { id }) != "published" && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        Assert.That(await SuggestedArticlesAsync("lighthouse"), Is.EqualTo(new[] { "lighthouse-sale" }));
    }

    // Titles, standfirsts and bodies that hold the query's words only where a test says so.
    private async Task PublishTextAsync(string slug, string title, DateTimeOffset at, string body = "Nothing to report.", string summary = "Latest.")
    {
        var (id, version) = await CreateArticleAsync(slug, extra: new { title, summary, bodyMarkdown = body });
        await PublishAsync(id, version, at);
    }

    [Test]
    public async Task AQueryOfOnlyExcludedWordsFindsNothing()
    {
        await PublishTextAsync("glacier-retreat", "Glacier retreat", DateTimeOffset.UtcNow.AddMinutes(-5));
        await PublishTextAsync("harbour-strike", "Harbour strike", DateTimeOffset.UtcNow.AddMinutes(-4));

        Assert.That(Slugs(await SearchAsync("-glacier")), Is.Empty);
        Assert.That(Slugs(await SearchAsync("-glacier -harbour")), Is.Empty);
        Assert.That(Slugs(await SearchAsync("strike -glacier")), Is.EqualTo(new[] { "harbour-strike" }));
        Assert.That(Slugs(await SearchAsync("harbour -strike")), Is.Empty);
    }

    [Test]
    public async Task SearchRanksAnExactTitleFirstThenATitleStartingWithTheWordsThenTitlesHoldingThem()
    {
        var now = DateTimeOffset.UtcNow;
        // Newest first in time, so the ranking, not the publish time, must put them in this order.
        await PublishTextAsync("strike-at-the-harbour", "Strike at the harbour", now.AddMinutes(-1));
        await PublishTextAsync("dockers-vote-on-harbour-strike", "Dockers vote on harbour strike", now.AddMinutes(-2));
        await PublishTextAsync("harbour-strike-ends", "Harbour strike ends after talks", now.AddMinutes(-3));
        await PublishTextAsync("harbour-strike", "Harbour strike", now.AddMinutes(-4));

        var hits = Slugs(await SearchAsync("Harbour strike"));

        Assert.That(hits[..2], Is.EqualTo(new[] { "harbour-strike", "harbour-strike-ends" }), "the exact title, then the title that starts with the words");
        Assert.That(hits[2..], Is.EquivalentTo(new[] { "strike-at-the-harbour", "dockers-vote-on-harbour-strike" }));
    }

    [Test]
    public async Task ATitleMatchOutranksNewerBodyMatchesWhichAreStillFoundAndPaged()
    {
        var now = DateTimeOffset.UtcNow;
        // A long body: the word comes well after the part snippets are made from.
        var filler = string.Join(' ', Enumerable.Repeat("Councillors debated the budget line by line.", 40));
        await PublishTextAsync("old-title-match", "Glacier retreat measured", now.AddDays(-30));
        await PublishTextAsync("standfirst-match", "Mountain report", now.AddDays(-20), summary: "The glacier lost a tenth.");
        for (var i = 0; i < 3; i++)
            await PublishTextAsync($"body-match-{i}", $"Council notes {i}", now.AddHours(-i - 1), body: $"{filler}\n\nAlso: the glacier.");
        await PublishTextAsync("unrelated", "Council notes", now, body: filler);

        var all = Slugs(await SearchAsync("glacier"));
        Assert.That(all, Is.EqualTo(new[] { "old-title-match", "standfirst-match", "body-match-0", "body-match-1", "body-match-2" }),
            "title above standfirst above body, body matches newest first");

        var paged = new List<string>();
        string? cursor = null;
        do
        {
            var page = await SearchAsync("glacier", $"&limit=2{(cursor is null ? "" : "&cursor=" + cursor)}");
            paged.AddRange(Slugs(page));
            cursor = page["nextCursor"]?.GetValue<string>();
        }
        while (cursor is not null);
        Assert.That(paged, Is.EqualTo(all), "pages run from the head matches into the body matches without a gap or a repeat");
        Assert.That(Slugs(await SearchAsync("glacier -mountain")), Is.EqualTo(new[] { "old-title-match", "body-match-0", "body-match-1", "body-match-2" }));
        Assert.That(Slugs(await SearchAsync("glacier -budget")), Is.EqualTo(new[] { "old-title-match", "standfirst-match" }),
            "a word excluded by the query is looked for in the body of head matches too");
    }

    [Test]
    public async Task SearchFollowsTitleEditsUnpublishAndDelete()
    {
        var (id, version) = await CreateArticleAsync("quarry-plans", extra: new { title = "Quarry plans filed", summary = "Latest.", bodyMarkdown = "Nothing." });
        version = await PublishAsync(id, version);
        Assert.That(Slugs(await SearchAsync("quarry")), Is.EqualTo(new[] { "quarry-plans" }));

        var edited = await SendAsync(Admin, HttpMethod.Put, $"/api/v1/manage/articles/{id}",
            new { slug = "quarry-plans", title = "Mine plans filed", summary = "Latest.", bodyMarkdown = "Nothing.", tags = Array.Empty<string>() }, version);
        Assert.That(edited.StatusCode, Is.EqualTo(HttpStatusCode.OK), await edited.Content.ReadAsStringAsync());
        version = (await ReadJsonAsync(edited))["version"]!.GetValue<int>();
        Assert.That(Slugs(await SearchAsync("quarry")), Is.Empty);
        Assert.That(Slugs(await SearchAsync("mine")), Is.EqualTo(new[] { "quarry-plans" }));

        var unpublished = await SendAsync(Admin, HttpMethod.Post, $"/api/v1/manage/articles/{id}/unpublish", null, version);
        Assert.That(unpublished.StatusCode, Is.EqualTo(HttpStatusCode.OK), await unpublished.Content.ReadAsStringAsync());
        Assert.That(Slugs(await SearchAsync("mine")), Is.Empty);
        Assert.That(await SqlAsync<long>("select count(*) from article_search_heads where article_id = @id", new { id }), Is.Zero);

        version = (await ReadJsonAsync(unpublished))["version"]!.GetValue<int>();
        version = await PublishAsync(id, version);
        Assert.That(Slugs(await SearchAsync("mine")), Is.EqualTo(new[] { "quarry-plans" }));
        Assert.That((await SendAsync(Admin, HttpMethod.Delete, $"/api/v1/manage/articles/{id}", null, version)).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(Slugs(await SearchAsync("mine")), Is.Empty);
        Assert.That(await SqlAsync<long>("select count(*) from article_search_heads"), Is.Zero);
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
