using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using HeadlessNews.Tests.Infrastructure;

namespace HeadlessNews.Tests.Features.Articles;

public sealed class DeliveryCachingTests : ApiTestBase
{
    [Test]
    public async Task DeliveryResponsesCarryValidatorsCacheControlAndSurrogateKeys()
    {
        await CreateTagAsync("nato", "organisation");
        var lead = await CreatePublishedAsync("lead", ["nato"]);
        var other = await CreatePublishedAsync("other", ["nato"], DateTimeOffset.UtcNow.AddMinutes(-5));

        var response = await Anonymous.GetAsync("/api/v1/articles/lead");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Headers.ETag, Is.Not.Null, response.Headers.ToString() + response.Content.Headers);
        // Weak: one validator for the identity, gzip and Brotli bodies (a strong one would have to differ per coding).
        Assert.That(response.Headers.ETag!.IsWeak, Is.True);
        Assert.That(response.Content.Headers.LastModified, Is.Not.Null);
        Assert.That(response.Headers.CacheControl!.Public, Is.True);
        Assert.That(response.Headers.CacheControl.MaxAge, Is.EqualTo(TimeSpan.FromSeconds(60)));
        Assert.That(response.Headers.CacheControl.ToString(), Does.Contain("stale-while-revalidate=300"));
        var keys = response.Headers.GetValues("Surrogate-Key").Single().Split(' ');
        Assert.That(keys, Is.SupersetOf(new[] { $"article:{lead:N}", $"article:{other:N}" }));

        var list = await Anonymous.GetAsync("/api/v1/articles");
        Assert.That(list.Headers.GetValues("Surrogate-Key").Single().Split(' '), Is.SupersetOf(new[] { "list", $"article:{lead:N}" }));
    }

    [Test]
    public async Task MatchingValidatorsAnswer304WithNoBody()
    {
        await CreatePublishedAsync("steady");
        var first = await Anonymous.GetAsync("/api/v1/articles/steady");
        var etag = first.Headers.ETag!;
        var lastModified = first.Content.Headers.LastModified!.Value;

        var byEtag = new HttpRequestMessage(HttpMethod.Get, "/api/v1/articles/steady");
        byEtag.Headers.IfNoneMatch.Add(etag);
        var notModified = await Anonymous.SendAsync(byEtag);
        Assert.That(notModified.StatusCode, Is.EqualTo(HttpStatusCode.NotModified));
        Assert.That(await notModified.Content.ReadAsByteArrayAsync(), Is.Empty);
        Assert.That(notModified.Headers.ETag, Is.EqualTo(etag));

        var byDate = new HttpRequestMessage(HttpMethod.Get, "/api/v1/articles/steady");
        byDate.Headers.IfModifiedSince = lastModified;
        Assert.That((await Anonymous.SendAsync(byDate)).StatusCode, Is.EqualTo(HttpStatusCode.NotModified));

        var stale = new HttpRequestMessage(HttpMethod.Get, "/api/v1/articles/steady");
        stale.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"00000000000000000000000000000000\""));
        Assert.That((await Anonymous.SendAsync(stale)).StatusCode, Is.EqualTo(HttpStatusCode.OK));

        var list = await Anonymous.GetAsync("/api/v1/tags");
        var tagsAgain = new HttpRequestMessage(HttpMethod.Get, "/api/v1/tags");
        tagsAgain.Headers.IfNoneMatch.Add(list.Headers.ETag!);
        Assert.That((await Anonymous.SendAsync(tagsAgain)).StatusCode, Is.EqualTo(HttpStatusCode.NotModified));
    }

    [Test]
    public async Task ManagementResponsesAreNeverStored()
    {
        var (id, _) = await CreateArticleAsync("private-draft");
        var response = await Admin.GetAsync($"/api/v1/manage/articles/{id}");
        Assert.That(response.Headers.CacheControl!.NoStore, Is.True);
        Assert.That(response.Headers.CacheControl.Private, Is.True);
    }

    [Test]
    public async Task PublishEditAndUnpublishAreVisibleOnTheNextRead()
    {
        var (id, version) = await CreateArticleAsync("fresh");
        var hub = await CreatePublishedAsync("hub", publishAt: DateTimeOffset.UtcNow.AddMinutes(-10));
        Assert.That(Slugs((await Anonymous.GetFromJsonAsync<JsonNode>("/api/v1/articles"))!), Is.EqualTo(new[] { "hub" }));
        var hubVersion = await SqlAsync<int>("select version from articles where id = @hub", new { hub });
        await SendAsync(Admin, HttpMethod.Put, $"/api/v1/manage/articles/{hub}/related", new { articleIds = new[] { id } }, hubVersion);
        Assert.That((await Anonymous.GetFromJsonAsync<JsonNode>("/api/v1/articles/hub"))!["related"]!.AsArray(), Is.Empty);

        version = await PublishAsync(id, version);
        Assert.That(Slugs((await Anonymous.GetFromJsonAsync<JsonNode>("/api/v1/articles"))!), Is.EqualTo(new[] { "fresh", "hub" }));
        Assert.That((await Anonymous.GetFromJsonAsync<JsonNode>("/api/v1/articles/hub"))!["related"]![0]!["slug"]!.ToString(), Is.EqualTo("fresh"));

        var edit = await SendAsync(Admin, HttpMethod.Put, $"/api/v1/manage/articles/{id}", new { slug = "fresh", title = "A corrected headline" }, version);
        version = (await ReadJsonAsync(edit))["version"]!.GetValue<int>();
        Assert.That((await Anonymous.GetFromJsonAsync<JsonNode>("/api/v1/articles/fresh"))!["title"]!.ToString(), Is.EqualTo("A corrected headline"));
        Assert.That((await Anonymous.GetFromJsonAsync<JsonNode>("/api/v1/articles"))!["items"]![0]!["title"]!.ToString(), Is.EqualTo("A corrected headline"));
        Assert.That((await Anonymous.GetFromJsonAsync<JsonNode>("/api/v1/articles/hub"))!["related"]![0]!["title"]!.ToString(), Is.EqualTo("A corrected headline"));

        await SendAsync(Admin, HttpMethod.Post, $"/api/v1/manage/articles/{id}/unpublish", null, version);
        await AssertProblemAsync(await Anonymous.GetAsync("/api/v1/articles/fresh"), HttpStatusCode.NotFound);
        Assert.That(Slugs((await Anonymous.GetFromJsonAsync<JsonNode>("/api/v1/articles"))!), Is.EqualTo(new[] { "hub" }));
        Assert.That((await Anonymous.GetFromJsonAsync<JsonNode>("/api/v1/articles/hub"))!["related"]!.AsArray(), Is.Empty);
    }

    [Test]
    public async Task TagChangesAreVisibleOnTheNextRead()
    {
        var tag = await ReadJsonAsync(await Admin.PostAsJsonAsync("/api/v1/manage/tags", new { slug = "kyiv", name = "Kyiv", kind = "place" }));
        await CreatePublishedAsync("city", ["kyiv"]);
        Assert.That((await Anonymous.GetFromJsonAsync<JsonNode>("/api/v1/articles/city"))!["tags"]![0]!["name"]!.ToString(), Is.EqualTo("Kyiv"));
        Assert.That((await Anonymous.GetFromJsonAsync<JsonNode>("/api/v1/tags/kyiv"))!["articleCount"]!.GetValue<int>(), Is.EqualTo(1));

        await Admin.PutAsJsonAsync($"/api/v1/manage/tags/{tag["id"]}", new { slug = "kyiv", name = "Kyiv (capital)", kind = "place" });
        await CreatePublishedAsync("city-two", ["kyiv"]);

        Assert.That((await Anonymous.GetFromJsonAsync<JsonNode>("/api/v1/articles/city"))!["tags"]![0]!["name"]!.ToString(), Is.EqualTo("Kyiv (capital)"));
        Assert.That((await Anonymous.GetFromJsonAsync<JsonNode>("/api/v1/tags/kyiv"))!["articleCount"]!.GetValue<int>(), Is.EqualTo(2));
    }

    [Test]
    public async Task AScheduledArticleIsNotHiddenByACachedListWhenItsTimeComes()
    {
        // The scheduler is off (as in every test that does not ask for it), so no purge at the article's time hides a
        // cache entry that outlives it: only the entry's own end can show the article.
        await CreatePublishedAsync("already-out", publishAt: DateTimeOffset.UtcNow.AddMinutes(-1));
        // The list must be read, and cached, before the article's time. A machine too slow for the head start gets
        // another article with twice the head start, until one is read in time.
        string slug;
        string[] before;
        for (var (attempt, headStart) = (1, TimeSpan.FromSeconds(2)); ; attempt++, headStart *= 2)
        {
            slug = $"due-soon-{attempt}";
            var goesLive = DateTimeOffset.UtcNow + headStart;
            await CreatePublishedAsync(slug, publishAt: goesLive);
            before = Slugs((await Anonymous.GetFromJsonAsync<JsonNode>("/api/v1/articles"))!);
            if (DateTimeOffset.UtcNow < goesLive)
                break;
            Assert.That(attempt, Is.LessThan(5), $"the list was never read before an article's time, even {headStart.TotalSeconds} s ahead");
        }
        Assert.That(before, Does.Contain("already-out").And.Not.Contain(slug));

        // That list is cached for 30 s (InProcessSeconds), yet the first read once PostgreSQL shows the article has it.
        await WaitUntilAsync(() => SqlAsync<bool>($"select article_is_public(status, published_at) from articles where slug = '{slug}'"));
        var after = Slugs((await Anonymous.GetFromJsonAsync<JsonNode>("/api/v1/articles"))!);
        Assert.That(after, Does.Contain(slug).And.Contain("already-out"));
    }

    [Test]
    public async Task HeadAnswersLikeGetWithoutABody()
    {
        await CreatePublishedAsync("head-check");
        foreach (var path in new[] { "/api/v1/articles/head-check", "/api/v1/articles?limit=5", "/api/v1/tags", "/feeds/rss.xml", "/sitemap.xml" })
        {
            var get = await Anonymous.GetAsync(path);
            var head = await Anonymous.SendAsync(new HttpRequestMessage(HttpMethod.Head, path));
            Assert.That(head.StatusCode, Is.EqualTo(HttpStatusCode.OK), path);
            Assert.That(head.Headers.ETag, Is.EqualTo(get.Headers.ETag), path);
            Assert.That(head.Content.Headers.ContentLength, Is.EqualTo(get.Content.Headers.ContentLength), path);
            Assert.That(head.Content.Headers.ContentType?.MediaType, Is.EqualTo(get.Content.Headers.ContentType?.MediaType), path);
            Assert.That(await head.Content.ReadAsByteArrayAsync(), Is.Empty, path);
        }
        Assert.That((await Anonymous.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/api/v1/articles/no-such"))).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task ManagementGetsAnswerHeadLikeGetWithoutABody()
    {
        var (id, _) = await CreateArticleAsync("managed-head");
        foreach (var path in new[] { $"/api/v1/manage/articles/{id}", "/api/v1/manage/articles", "/api/v1/manage/keys" })
        {
            var get = await Admin.GetAsync(path);
            var head = await Admin.SendAsync(new HttpRequestMessage(HttpMethod.Head, path));
            Assert.That(head.StatusCode, Is.EqualTo(HttpStatusCode.OK), path);
            Assert.That(head.Headers.ETag, Is.EqualTo(get.Headers.ETag), path);
            Assert.That(head.Headers.CacheControl?.ToString(), Is.EqualTo("no-store, private").Or.EqualTo("private, no-store"), path);
            Assert.That(await head.Content.ReadAsByteArrayAsync(), Is.Empty, path);
        }
        Assert.That((await Admin.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/api/v1/manage/articles/{Guid.NewGuid()}"))).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task NoStrongETagIsSharedByTwoContentCodings()
    {
        var (id, _) = await CreateArticleAsync("coded");
        await PublishAsync(id, 1);
        var etags = new Dictionary<string, EntityTagHeaderValue>();
        foreach (var coding in new[] { "identity", "gzip", "br" })
        {
            var delivery = new HttpRequestMessage(HttpMethod.Get, "/api/v1/articles?limit=5");
            delivery.Headers.AcceptEncoding.ParseAdd(coding);
            var answer = await Anonymous.SendAsync(delivery);
            Assert.That(answer.Content.Headers.ContentEncoding, coding == "identity" ? Is.Empty : Is.EqualTo(new[] { coding }));
            etags[coding] = answer.Headers.ETag!;

            // A management article's ETag is its version, a strong validator: its bytes go out uncompressed.
            var managed = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/manage/articles/{id}");
            managed.Headers.AcceptEncoding.ParseAdd(coding);
            var article = await Admin.SendAsync(managed);
            Assert.That(article.Headers.ETag!.IsWeak, Is.False);
            Assert.That(article.Content.Headers.ContentEncoding, Is.Empty, coding);
        }
        Assert.That(etags.Values.Distinct().Count() == etags.Count || etags.Values.All(e => e.IsWeak), Is.True, string.Join(", ", etags));
    }

    [Test]
    public async Task A304NamesTheSameVaryAsIts200()
    {
        await CreatePublishedAsync("varied");
        foreach (var path in new[] { "/api/v1/articles/varied", "/feeds/feed.json", "/sitemap.xml" })
        {
            var first = new HttpRequestMessage(HttpMethod.Get, path);
            first.Headers.AcceptEncoding.ParseAdd("gzip");
            var ok = await Anonymous.SendAsync(first);
            var again = new HttpRequestMessage(HttpMethod.Get, path);
            again.Headers.AcceptEncoding.ParseAdd("gzip");
            again.Headers.IfNoneMatch.Add(ok.Headers.ETag!);
            var notModified = await Anonymous.SendAsync(again);
            Assert.That(notModified.StatusCode, Is.EqualTo(HttpStatusCode.NotModified), path);
            Assert.That(ok.Headers.Vary, Does.Contain("Accept-Encoding"), path);
            Assert.That(notModified.Headers.Vary, Is.EquivalentTo(ok.Headers.Vary), path);
        }
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, int seconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
                Assert.Fail("Timed out waiting for a condition.");
            await Task.Delay(50);
        }
    }
}
