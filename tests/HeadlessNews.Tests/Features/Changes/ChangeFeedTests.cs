using System.Net;
using System.Text.Json.Nodes;
using HeadlessNews.Tests.Infrastructure;

namespace HeadlessNews.Tests.Features.Changes;

public sealed class ChangeFeedTests : ApiTestBase
{
    /// <summary>What a partner's mirror does: apply every change in order, keyed by article id.</summary>
    private async Task<(Dictionary<Guid, JsonNode> Mirror, string Since)> SyncAsync(Dictionary<Guid, JsonNode>? mirror = null, string? since = null, int limit = 2)
    {
        mirror ??= [];
        while (true)
        {
            var url = $"/api/v1/changes?limit={limit}" + (since is null ? "" : $"&since={since}");
            var response = await Anonymous.GetAsync(url);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
            var page = await ReadJsonAsync(response);
            foreach (var item in page["items"]!.AsArray())
            {
                var id = item!["id"]!.GetValue<Guid>();
                if (item["type"]!.GetValue<string>() == "upsert")
                    mirror[id] = item["article"]!;
                else
                    mirror.Remove(id);
            }
            since = page["nextSince"]!.GetValue<string>();
            if (!page["hasMore"]!.GetValue<bool>())
                return (mirror, since);
        }
    }

    private async Task<string[]> PublishedSlugsAsync() =>
        Slugs(await ReadJsonAsync(await Anonymous.GetAsync("/api/v1/articles?limit=100"))).Order().ToArray();

    private static string[] MirrorSlugs(Dictionary<Guid, JsonNode> mirror) =>
        mirror.Values.Select(a => a["slug"]!.GetValue<string>()).Order().ToArray();

    [Test]
    public async Task AFullSyncThenIncrementalSyncsKeepAMirrorEqualToThePublishedSet()
    {
        await CreateTagAsync("rail");
        var kept = await CreatePublishedAsync("rail-fares-frozen", ["rail"]);
        var toUnpublish = await CreatePublishedAsync("rail-strike-called-off");
        var toArchive = await CreatePublishedAsync("rail-line-reopens");
        var toDelete = await CreatePublishedAsync("rail-timetable-leaked");
        await CreateArticleAsync("rail-draft-only");
        await CreatePublishedAsync("rail-future-plan", publishAt: DateTimeOffset.UtcNow.AddDays(3));

        var (mirror, since) = await SyncAsync();
        Assert.That(MirrorSlugs(mirror), Is.EqualTo(await PublishedSlugsAsync()));
        Assert.That(mirror, Has.Count.EqualTo(4));

        // Changes of every kind, then an incremental sync from the token.
        async Task<int> VersionOf(Guid id) => (await ReadJsonAsync(await Admin.GetAsync($"/api/v1/manage/articles/{id}")))["version"]!.GetValue<int>();
        var edit = await SendAsync(Admin, HttpMethod.Put, $"/api/v1/manage/articles/{kept}",
            new { slug = "rail-fares-frozen", title = "Rail fares frozen for a year", tags = new[] { "rail" } }, await VersionOf(kept));
        Assert.That(edit.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await SendAsync(Admin, HttpMethod.Post, $"/api/v1/manage/articles/{toUnpublish}/unpublish", null, await VersionOf(toUnpublish))).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await SendAsync(Admin, HttpMethod.Post, $"/api/v1/manage/articles/{toArchive}/archive", null, await VersionOf(toArchive))).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await SendAsync(Admin, HttpMethod.Delete, $"/api/v1/manage/articles/{toDelete}", null, await VersionOf(toDelete))).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        await CreatePublishedAsync("rail-new-stations");
        var rename = await SendAsync(Admin, HttpMethod.Put, $"/api/v1/manage/tags/{await SqlAsync<Guid>("select id from tags where slug = 'rail'")}",
            new { slug = "rail", name = "Railways", kind = "topic" });
        Assert.That(rename.StatusCode, Is.EqualTo(HttpStatusCode.OK));

        var (after, next) = await SyncAsync(mirror, since);
        Assert.That(MirrorSlugs(after), Is.EqualTo(await PublishedSlugsAsync()));
        Assert.That(after[kept]["title"]!.GetValue<string>(), Is.EqualTo("Rail fares frozen for a year"));
        Assert.That(after[kept]["tags"]![0]!["name"]!.GetValue<string>(), Is.EqualTo("Railways"));

        // Nothing new: an empty page that hands back the same token.
        var quiet = await ReadJsonAsync(await Anonymous.GetAsync($"/api/v1/changes?since={next}"));
        Assert.That(quiet["items"]!.AsArray(), Is.Empty);
        Assert.That(quiet["nextSince"]!.GetValue<string>(), Is.EqualTo(next));

        // Replaying everything from the start ends in the same place.
        var (replayed, _) = await SyncAsync(limit: 3);
        Assert.That(MirrorSlugs(replayed), Is.EqualTo(await PublishedSlugsAsync()));
    }

    [Test]
    public async Task IncrementalChangesAreTombstonesForArticlesThatLeftThePublicView()
    {
        var id = await CreatePublishedAsync("quarry-permit-granted");
        var (_, since) = await SyncAsync();
        var version = (await ReadJsonAsync(await Admin.GetAsync($"/api/v1/manage/articles/{id}")))["version"]!.GetValue<int>();
        await SendAsync(Admin, HttpMethod.Post, $"/api/v1/manage/articles/{id}/unpublish", null, version);

        var page = await ReadJsonAsync(await Anonymous.GetAsync($"/api/v1/changes?since={since}"));
        var item = page["items"]!.AsArray().Single()!;
        Assert.That(item["type"]!.GetValue<string>(), Is.EqualTo("delete"));
        Assert.That(item["slug"]!.GetValue<string>(), Is.EqualTo("quarry-permit-granted"));
        Assert.That(item["article"], Is.Null);
    }

    [Test]
    [RunsInBackground(Background.Scheduler | Background.Webhooks)]
    public async Task AScheduledArticleEntersTheFeedAndFiresItsWebhookWhenItsTimeComes()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var subscribe = await Admin.PostAsync("/api/v1/manage/webhooks", System.Net.Http.Json.JsonContent.Create(new { url = receiver.Url, events = new[] { "article.published" } }));
        Assert.That(subscribe.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var (_, since) = await SyncAsync();

        await CreatePublishedAsync("tide-tables-for-winter", publishAt: DateTimeOffset.UtcNow.AddHours(1));
        var early = await ReadJsonAsync(await Anonymous.GetAsync($"/api/v1/changes?since={since}"));
        Assert.That(early["items"]!.AsArray(), Is.Empty, "not while it is scheduled");
        Assert.That(await Anonymous.GetStringAsync("/feeds/rss.xml"), Does.Not.Contain("tide-tables-for-winter"));
        Assert.That(receiver.Requests, Is.Empty);

        // Its time comes (moved in the database, the clock the tests control).
        var goesLive = DateTime.UtcNow;
        await SqlAsync<int>("update articles set published_at = now() - interval '1 second' where slug = 'tide-tables-for-winter' returning 1");

        var received = await receiver.WaitForAsync(1, seconds: 10);
        Assert.That(received.Single().Data["article"]!["slug"]!.GetValue<string>(), Is.EqualTo("tide-tables-for-winter"));
        Assert.That(received.Single().At, Is.GreaterThanOrEqualTo(goesLive), "announced when its time came, not when it was scheduled");
        var late = await ReadJsonAsync(await Anonymous.GetAsync($"/api/v1/changes?since={since}"));
        Assert.That(late["items"]!.AsArray().Single()!["type"]!.GetValue<string>(), Is.EqualTo("upsert"));
        Assert.That(await SqlAsync<string>("select status from articles where slug = 'tide-tables-for-winter'"), Is.EqualTo("published"));
        // The scheduler purges the cached feed after its commit, which may be just after the delivery went out.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!(await Anonymous.GetStringAsync("/feeds/rss.xml")).Contains("tide-tables-for-winter") && DateTime.UtcNow < deadline)
            await Task.Delay(100);
        Assert.That(await Anonymous.GetStringAsync("/feeds/rss.xml"), Does.Contain("tide-tables-for-winter"), "and it is in the feeds");
    }

    [TestCase("since=not-a-token")]
    [TestCase("since=dDo1")]
    [TestCase("limit=0")]
    [TestCase("limit=501")]
    public async Task BadParametersAre400(string query) =>
        await AssertProblemAsync(await Anonymous.GetAsync($"/api/v1/changes?{query}"), HttpStatusCode.BadRequest);
}
