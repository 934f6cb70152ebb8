using System.Net;
using System.Net.Http.Json;
using HeadlessNews.Tests.Infrastructure;

namespace HeadlessNews.Tests.Features.Articles;

public sealed class ArticleDeliveryTests : ApiTestBase
{
    [Test]
    public async Task ListShowsOnlyPublishedArticlesNewestFirst()
    {
        await CreatePublishedAsync("older", publishAt: DateTimeOffset.UtcNow.AddHours(-2));
        await CreatePublishedAsync("newer", publishAt: DateTimeOffset.UtcNow.AddHours(-1));
        await CreateArticleAsync("a-draft");

        var list = await Anonymous.GetFromJsonAsync<System.Text.Json.Nodes.JsonNode>("/api/v1/articles");

        Assert.That(Slugs(list!), Is.EqualTo(new[] { "newer", "older" }));
        Assert.That(list!["nextCursor"], Is.Null);
    }

    [Test]
    public async Task DraftsScheduledAndArchivedArticlesNeverLeakThroughAnyDeliveryEndpoint()
    {
        await CreateTagAsync("world");
        var live = await CreatePublishedAsync("live", ["world"]);
        await CreateArticleAsync("draft", ["world"]);
        await CreatePublishedAsync("scheduled", ["world"], DateTimeOffset.UtcNow.AddDays(1));
        var archived = await CreatePublishedAsync("archived", ["world"]);
        var version = await SqlAsync<int>("select version from articles where id = @archived", new { archived });
        Assert.That((await SendAsync(Admin, HttpMethod.Post, $"/api/v1/manage/articles/{archived}/archive", null, version)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var liveVersion = await SqlAsync<int>("select version from articles where id = @live", new { live });
        var ids = await SqlAsync<Guid[]>("select array_agg(id) from articles where slug <> 'live'");
        Assert.That((await SendAsync(Admin, HttpMethod.Put, $"/api/v1/manage/articles/{live}/related", new { articleIds = ids }, liveVersion)).StatusCode, Is.EqualTo(HttpStatusCode.OK));

        Assert.That(Slugs((await Anonymous.GetFromJsonAsync<System.Text.Json.Nodes.JsonNode>("/api/v1/articles?limit=100"))!), Is.EqualTo(new[] { "live" }));
        Assert.That(Slugs((await Anonymous.GetFromJsonAsync<System.Text.Json.Nodes.JsonNode>("/api/v1/articles?tag=world"))!), Is.EqualTo(new[] { "live" }));
        foreach (var hidden in new[] { "draft", "scheduled", "archived" })
        {
            await AssertProblemAsync(await Anonymous.GetAsync($"/api/v1/articles/{hidden}"), HttpStatusCode.NotFound);
            await AssertProblemAsync(await Anonymous.GetAsync($"/api/v1/articles/{hidden}/related"), HttpStatusCode.NotFound);
        }
        var page = await Anonymous.GetFromJsonAsync<System.Text.Json.Nodes.JsonNode>("/api/v1/articles/live");
        Assert.That(page!["related"]!.AsArray(), Is.Empty);
        var related = await Anonymous.GetFromJsonAsync<System.Text.Json.Nodes.JsonNode>("/api/v1/articles/live/related");
        Assert.That(related!["items"]!.AsArray(), Is.Empty);
        var tag = await Anonymous.GetFromJsonAsync<System.Text.Json.Nodes.JsonNode>("/api/v1/tags/world");
        Assert.That(tag!["articleCount"]!.GetValue<int>(), Is.EqualTo(1));
    }

    [Test]
    public async Task DraftAnswersTheSame404AsAMissingArticle()
    {
        await CreateArticleAsync("secret-draft");

        var draft = await AssertProblemAsync(await Anonymous.GetAsync("/api/v1/articles/secret-draft"), HttpStatusCode.NotFound);
        var missing = await AssertProblemAsync(await Anonymous.GetAsync("/api/v1/articles/never-existed"), HttpStatusCode.NotFound);

        Assert.That(draft["title"]!.ToString(), Is.EqualTo(missing["title"]!.ToString()));
        Assert.That(draft["detail"]!.ToString(), Is.EqualTo(missing["detail"]!.ToString()));
    }

    [Test]
    public async Task ScheduledArticleAppearsWhenItsTimeComesWithoutAnyJob()
    {
        var id = await CreatePublishedAsync("later", publishAt: DateTimeOffset.UtcNow.AddHours(1));
        await AssertProblemAsync(await Anonymous.GetAsync("/api/v1/articles/later"), HttpStatusCode.NotFound);
        var manage = await Admin.GetFromJsonAsync<System.Text.Json.Nodes.JsonNode>($"/api/v1/manage/articles/{id}");
        Assert.That(manage!["status"]!.ToString(), Is.EqualTo("scheduled"));

        // Time passes: only the stored publish time moves, nothing else happens.
        await SqlAsync<int>("update articles set published_at = now() - interval '1 second' where id = @id returning 1", new { id });

        var page = await Anonymous.GetFromJsonAsync<System.Text.Json.Nodes.JsonNode>("/api/v1/articles/later");
        Assert.That(page!["status"]!.ToString(), Is.EqualTo("published"));
        Assert.That(Slugs((await Anonymous.GetFromJsonAsync<System.Text.Json.Nodes.JsonNode>("/api/v1/articles"))!), Is.EqualTo(new[] { "later" }));
    }

    [Test]
    public async Task PaginationWalksTheWholeListOnceWhileNewArticlesArrive()
    {
        var start = DateTimeOffset.UtcNow.AddDays(-1);
        for (var i = 0; i < 23; i++)
            await CreatePublishedAsync($"article-{i:00}", publishAt: start.AddMinutes(i));
        // Two share a publish time: the id breaks the tie, so neither is skipped or repeated.
        await CreatePublishedAsync("same-time", publishAt: start.AddMinutes(5));

        var seen = new List<string>();
        var url = "/api/v1/articles?limit=5";
        var pages = 0;
        while (url is not null)
        {
            var response = await Anonymous.GetAsync(url);
            var page = await ReadJsonAsync(response);
            seen.AddRange(Slugs(page));
            var next = page["nextCursor"]?.GetValue<string>();
            if (next is not null)
            {
                var link = response.Headers.GetValues("Link").Single();
                Assert.That(link, Does.Contain("rel=\"next\"").And.Contain("cursor=" + next));
            }
            url = next is null ? null! : $"/api/v1/articles?limit=5&cursor={next}";
            if (pages++ == 1)
                await CreatePublishedAsync("breaking-news");
        }

        Assert.That(seen, Has.Count.EqualTo(24));
        Assert.That(seen, Is.Unique);
        Assert.That(seen, Does.Not.Contain("breaking-news"));
    }

    [Test]
    public async Task TagFiltersMatchAnyOrAllTagsAndKind()
    {
        await CreateTagAsync("ukraine", "place");
        await CreateTagAsync("nato", "organisation");
        await CreateTagAsync("trade");
        await CreatePublishedAsync("both", ["ukraine", "nato"], DateTimeOffset.UtcNow.AddMinutes(-3));
        await CreatePublishedAsync("only-ukraine", ["ukraine"], DateTimeOffset.UtcNow.AddMinutes(-2));
        await CreatePublishedAsync("only-trade", ["trade"], DateTimeOffset.UtcNow.AddMinutes(-1));

        async Task<string[]> Query(string q) => Slugs((await Anonymous.GetFromJsonAsync<System.Text.Json.Nodes.JsonNode>("/api/v1/articles?" + q))!);

        Assert.That(await Query("tag=ukraine&tag=nato"), Is.EqualTo(new[] { "only-ukraine", "both" }));
        Assert.That(await Query("tag=ukraine&tag=nato&tagMatch=all"), Is.EqualTo(new[] { "both" }));
        Assert.That(await Query("kind=organisation"), Is.EqualTo(new[] { "both" }));
        Assert.That(await Query("tag=unknown-tag"), Is.Empty);
    }

    [Test]
    public async Task TagListsFollowRetaggingRedatingAndUnpublishingOfLiveArticles()
    {
        await CreateTagAsync("energy");
        await CreateTagAsync("climate");
        var (id, version) = await CreateArticleAsync("wind-farm", ["energy"]);
        version = await PublishAsync(id, version, DateTimeOffset.UtcNow.AddHours(-5));
        await CreatePublishedAsync("solar-park", ["energy", "climate"], DateTimeOffset.UtcNow.AddHours(-1));

        async Task<string[]> Tagged(string tag) => Slugs((await Anonymous.GetFromJsonAsync<System.Text.Json.Nodes.JsonNode>($"/api/v1/articles?tag={tag}"))!);

        // A live article gets a new tag: its link carries the publish time at once.
        var retag = await SendAsync(Admin, HttpMethod.Put, $"/api/v1/manage/articles/{id}", new { slug = "wind-farm", title = "Wind farm", tags = new[] { "energy", "climate" } }, version);
        version = (await ReadJsonAsync(retag))["version"]!.GetValue<int>();
        Assert.That(await Tagged("climate"), Is.EqualTo(new[] { "solar-park", "wind-farm" }));

        // Re-dated: the tag list reorders.
        version = await PublishAsync(id, version, DateTimeOffset.UtcNow.AddMinutes(-10));
        Assert.That(await Tagged("climate"), Is.EqualTo(new[] { "wind-farm", "solar-park" }));

        // Unpublished: gone from every tag list, and from the counts.
        await SendAsync(Admin, HttpMethod.Post, $"/api/v1/manage/articles/{id}/unpublish", null, version);
        Assert.That(await Tagged("climate"), Is.EqualTo(new[] { "solar-park" }));
        Assert.That(await Tagged("energy"), Is.EqualTo(new[] { "solar-park" }));
        Assert.That((await Anonymous.GetFromJsonAsync<System.Text.Json.Nodes.JsonNode>("/api/v1/tags/energy"))!["articleCount"]!.GetValue<int>(), Is.EqualTo(1));
    }

    [Test]
    public async Task PublishTimeAndFullTextFiltersNarrowTheList()
    {
        var now = DateTimeOffset.UtcNow;
        var (id, version) = await CreateArticleAsync("ceasefire", extra: new { title = "Ceasefire talks resume in Geneva" });
        await PublishAsync(id, version, now.AddDays(-3));
        await CreatePublishedAsync("markets", publishAt: now.AddDays(-1));

        async Task<string[]> Query(string q) => Slugs((await Anonymous.GetFromJsonAsync<System.Text.Json.Nodes.JsonNode>("/api/v1/articles?" + q))!);

        Assert.That(await Query("publishedAfter=" + Uri.EscapeDataString(now.AddDays(-2).ToString("O"))), Is.EqualTo(new[] { "markets" }));
        Assert.That(await Query("publishedBefore=" + Uri.EscapeDataString(now.AddDays(-2).ToString("O"))), Is.EqualTo(new[] { "ceasefire" }));
        Assert.That(await Query("q=geneva"), Is.EqualTo(new[] { "ceasefire" }));
        Assert.That(await Query("q=" + Uri.EscapeDataString("\"talks resume\" -markets")), Is.EqualTo(new[] { "ceasefire" }));
    }

    [Test]
    public async Task ArticlePageCarriesTagsAndFourRelatedCardsCuratedFirst()
    {
        await CreateTagAsync("ukraine", "place");
        await CreateTagAsync("nato", "organisation");
        var lead = await CreatePublishedAsync("lead", ["ukraine", "nato"], DateTimeOffset.UtcNow.AddHours(-1));
        var curatedB = await CreatePublishedAsync("curated-b", publishAt: DateTimeOffset.UtcNow.AddHours(-5));
        var curatedA = await CreatePublishedAsync("curated-a", publishAt: DateTimeOffset.UtcNow.AddHours(-4));
        await CreatePublishedAsync("shares-two", ["ukraine", "nato"], DateTimeOffset.UtcNow.AddHours(-3));
        await CreatePublishedAsync("shares-one", ["nato"], DateTimeOffset.UtcNow.AddHours(-2));
        await CreatePublishedAsync("unrelated", publishAt: DateTimeOffset.UtcNow.AddMinutes(-30));
        var version = await SqlAsync<int>("select version from articles where id = @lead", new { lead });
        var put = await SendAsync(Admin, HttpMethod.Put, $"/api/v1/manage/articles/{lead}/related", new { articleIds = new[] { curatedB, curatedA } }, version);
        Assert.That(put.StatusCode, Is.EqualTo(HttpStatusCode.OK));

        var page = await Anonymous.GetFromJsonAsync<System.Text.Json.Nodes.JsonNode>("/api/v1/articles/lead");

        Assert.That(page!["tags"]!.AsArray().Select(t => t!["slug"]!.ToString()), Is.EqualTo(new[] { "ukraine", "nato" }));
        Assert.That(page["tags"]![0]!["kind"]!.ToString(), Is.EqualTo("place"));
        var related = page["related"]!.AsArray();
        Assert.That(related.Select(r => r!["slug"]!.ToString()), Is.EqualTo(new[] { "curated-b", "curated-a", "shares-two", "shares-one" }));
        Assert.That(related.Select(r => r!["kind"]!.ToString()), Is.EqualTo(new[] { "curated", "curated", "computed", "computed" }));
        Assert.That(related.Select(r => r!["reason"]?.ToString()), Is.EqualTo(new[] { null, null, "shared-tags", "shared-tags" }));

        var more = await Anonymous.GetFromJsonAsync<System.Text.Json.Nodes.JsonNode>("/api/v1/articles/lead/related?limit=6");
        var slugs = Slugs(more!);
        Assert.That(slugs, Has.Length.EqualTo(5));
        Assert.That(slugs, Does.Not.Contain("lead"));
        Assert.That(slugs.Last(), Is.EqualTo("unrelated"));
        Assert.That(more!["items"]!.AsArray().Last()!["reason"]!.ToString(), Is.EqualTo("recent"));
    }

    [Test]
    public async Task ComputedCardsAlsoFindArticlesWithSimilarTextAndSayWhy()
    {
        var (lead, v1) = await CreateArticleAsync("grain-corridor", extra: new { title = "Grain corridor reopens for shipping" });
        var (similar, v2) = await CreateArticleAsync("insurers-and-grain", extra: new
        {
            title = "Insurers cut premiums", bodyMarkdown = "Cheaper cover for grain ships using the corridor.",
        });
        await PublishAsync(similar, v2, DateTimeOffset.UtcNow.AddHours(-3));
        for (var i = 0; i < 6; i++)
            await CreatePublishedAsync($"newer-unrelated-{i}", publishAt: DateTimeOffset.UtcNow.AddHours(-1));
        await PublishAsync(lead, v1);

        var related = (await Anonymous.GetFromJsonAsync<System.Text.Json.Nodes.JsonNode>("/api/v1/articles/grain-corridor"))!["related"]!.AsArray();

        Assert.That(related[0]!["slug"]!.ToString(), Is.EqualTo("insurers-and-grain"), "older, but its text matches the title");
        Assert.That(related[0]!["reason"]!.ToString(), Is.EqualTo("similar-text"));
        Assert.That(related.Skip(1).Select(r => r!["reason"]!.ToString()), Is.All.EqualTo("recent"));

        // The older article learns about its new neighbour too.
        var back = (await Anonymous.GetFromJsonAsync<System.Text.Json.Nodes.JsonNode>("/api/v1/articles/insurers-and-grain"))!["related"]!.AsArray();
        Assert.That(back[0]!["slug"]!.ToString(), Is.EqualTo("grain-corridor"));
    }

    [TestCase("/api/v1/articles?limit=0", "limit")]
    [TestCase("/api/v1/articles?limit=101", "limit")]
    [TestCase("/api/v1/articles?cursor=not-a-cursor", "cursor")]
    [TestCase("/api/v1/articles?tagMatch=some", "tagMatch")]
    [TestCase("/api/v1/articles?kind=planet", "kind")]
    [TestCase("/api/v1/articles?tag=Robert'); DROP TABLE articles;--", "tag[0]")]
    [TestCase("/api/v1/articles/lead/related?limit=50", "limit")]
    [TestCase("/api/v1/tags?limit=1000", "limit")]
    public async Task InvalidQueryParametersAnswer400NamingTheField(string url, string field)
    {
        var problem = await AssertProblemAsync(await Anonymous.GetAsync(url), HttpStatusCode.BadRequest);
        Assert.That(problem["errors"]?[field], Is.Not.Null, problem.ToJsonString());
    }

    [TestCase("/api/v1/articles?limit=abc")]
    [TestCase("/api/v1/articles?publishedAfter=yesterday")]
    [TestCase("/api/v1/articles?q=%00")]
    [TestCase("/api/v1/articles?q=%FF%FE")]
    [TestCase("/api/v1/articles?publishedAfter=2026-01-02&publishedBefore=2026-01-01")]
    public async Task UnparsableQueryValuesAnswer400(string url) =>
        await AssertProblemAsync(await Anonymous.GetAsync(url), HttpStatusCode.BadRequest);

    [Test]
    public async Task HostileSearchAndSlugInputNeverAnswers500()
    {
        await CreatePublishedAsync("something");
        string[] inputs = ["\"", "\\", "OR", "-", "!!!", "a & b | c", "' or 1=1 --", "😀 news", "\"unterminated", new string('x', 400), "(((", "<script>"];
        foreach (var input in inputs)
        {
            var response = await Anonymous.GetAsync("/api/v1/articles?q=" + Uri.EscapeDataString(input));
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), input);
            var bySlug = await Anonymous.GetAsync("/api/v1/articles/" + Uri.EscapeDataString(input));
            Assert.That((int)bySlug.StatusCode, Is.InRange(400, 499), input);
        }
        var huge = await Anonymous.GetAsync("/api/v1/articles?q=" + new string('x', 10_000));
        Assert.That((int)huge.StatusCode, Is.InRange(400, 499));
        var hugeSlug = await Anonymous.GetAsync("/api/v1/articles/" + new string('a', 5_000));
        Assert.That((int)hugeSlug.StatusCode, Is.InRange(400, 499));
    }
}
