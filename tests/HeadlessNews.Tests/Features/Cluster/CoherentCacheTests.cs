using System.Net;
using System.Net.Http.Json;
using HeadlessNews.Api.Infrastructure.Cluster;
using HeadlessNews.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace HeadlessNews.Tests.Features.Cluster;

/// <summary>
/// Two instances on one database: a write on one purges the other's in-process cache (LISTEN/NOTIFY), and every
/// committed write purges its surrogate keys from the edge (EdgePurge), retried when the edge fails.
/// </summary>
public sealed class CoherentCacheTests : ApiTestBase
{
    private static async Task<HttpResponseMessage> EventuallyAsync(Func<Task<HttpResponseMessage>> get, Func<HttpResponseMessage, bool> done, int seconds = 15)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var response = await get();
            if (done(response) || DateTime.UtcNow > deadline)
                return response;
            await Task.Delay(50);
        }
    }

    [Test]
    public async Task AWriteOnOneInstancePurgesTheOtherInstancesCache()
    {
        // The other instance keeps responses for ten minutes: only a purge from this one can end it early.
        await using var other = SecondInstance.Start(new Dictionary<string, string?> { ["HeadlessNews:Caching:InProcessSeconds"] = "600" });
        await other.ListeningAsync();
        var id = await CreatePublishedAsync("harbour-reopens");
        var first = await other.Anonymous.GetAsync("/api/v1/articles/harbour-reopens");
        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var cached = await other.Anonymous.GetAsync("/api/v1/articles/harbour-reopens");
        Assert.That(cached.Headers.ETag, Is.EqualTo(first.Headers.ETag));

        var unpublished = await SendAsync(Admin, HttpMethod.Post, $"/api/v1/manage/articles/{id}/unpublish", null, 2);
        Assert.That(unpublished.StatusCode, Is.EqualTo(HttpStatusCode.OK), await unpublished.Content.ReadAsStringAsync());

        var after = await EventuallyAsync(() => other.Anonymous.GetAsync("/api/v1/articles/harbour-reopens"), r => r.StatusCode == HttpStatusCode.NotFound);
        Assert.That(after.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "the other instance still serves the article from its cache");
        Assert.That(other.Factory.Services.GetRequiredService<CachePurgeListener>().Received, Is.GreaterThan(0));
    }

    [Test]
    public async Task EveryCommittedWritePurgesItsSurrogateKeysFromTheEdge()
    {
        await using var edge = await WebhookReceiver.StartAsync();
        await using var instance = SecondInstance.Start(new Dictionary<string, string?> { ["HeadlessNews:EdgePurge:Url"] = edge.Url });
        var response = await instance.Admin.PostAsJsonAsync("/api/v1/manage/articles",
            new { slug = "edge-story", title = "Edge story", summary = "s", bodyMarkdown = "b", tags = Array.Empty<string>() });
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var id = (await ReadJsonAsync(response))["id"]!.GetValue<Guid>();
        var key = $"article:{id:N}";
        var published = await SendAsync(instance.Admin, HttpMethod.Post, $"/api/v1/manage/articles/{id}/publish", null, 1);
        Assert.That(published.StatusCode, Is.EqualTo(HttpStatusCode.OK));

        var purges = await edge.WaitForAsync(1, r => r.Headers["xkey"].ToString().Split(' ').Contains(key));
        Assert.That(purges, Is.Not.Empty, "no purge named the article's key");
        var keys = purges[0].Headers["xkey"].ToString().Split(' ');
        Assert.That(keys, Does.Contain("list").And.Contain("related"));
    }

    [Test]
    public async Task AFailedEdgePurgeIsRetriedUntilTheEdgeAcceptsIt()
    {
        await using var edge = await WebhookReceiver.StartAsync();
        var answers = 0;
        edge.Status = () => Interlocked.Increment(ref answers) <= 2 ? 503 : 200;
        await using var instance = SecondInstance.Start(new Dictionary<string, string?>
        {
            ["HeadlessNews:EdgePurge:Url"] = edge.Url,
            ["HeadlessNews:EdgePurge:Method"] = "POST",
            ["HeadlessNews:EdgePurge:JsonProperty"] = "tags",
            ["HeadlessNews:EdgePurge:Headers:Authorization"] = "Bearer cdn-token",
        });
        // A tag write purges the lists (and is a write like any other).
        var created = await instance.Admin.PostAsJsonAsync("/api/v1/manage/tags", new { slug = "energy", name = "Energy", kind = "topic" });
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var purger = instance.Factory.Services.GetRequiredService<EdgePurger>();
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (purger.Sent == 0 && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        Assert.That(purger.Sent, Is.GreaterThan(0), "the purge was not retried to success");
        var accepted = edge.Requests.ElementAt(2);
        Assert.That(accepted.Body, Does.Contain("\"tags\"").And.Contain("list"));
        Assert.That(accepted.Headers.Authorization.ToString(), Is.EqualTo("Bearer cdn-token"));
        Assert.That(edge.Requests.Take(3).Select(r => r.Body).Distinct().Count(), Is.EqualTo(1), "each retry sends the same keys");
    }

    [Test]
    public async Task AScheduledArticleIsPurgedFromTheEdgeWhenItsTimeComes()
    {
        await using var edge = await WebhookReceiver.StartAsync();
        // The instance that runs the scheduler is the writer of the announcement, so it purges the edge. No repeats:
        // the second purge of the scheduling write must not pass for the purge at the article's time.
        await using var instance = SecondInstance.Start(new Dictionary<string, string?>
        {
            ["HeadlessNews:EdgePurge:Url"] = edge.Url,
            ["HeadlessNews:EdgePurge:RepeatAfterSeconds"] = "0",
            ["HeadlessNews:Scheduling:PollSeconds"] = "0.2",
        }, background: Background.Scheduler);
        var created = await instance.Admin.PostAsJsonAsync("/api/v1/manage/articles",
            new { slug = "at-dawn", title = "At dawn", summary = "s", bodyMarkdown = "b", tags = Array.Empty<string>() });
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var id = (await ReadJsonAsync(created))["id"]!.GetValue<Guid>();
        var at = DateTimeOffset.UtcNow.AddSeconds(2);
        var scheduled = await SendAsync(instance.Admin, HttpMethod.Post, $"/api/v1/manage/articles/{id}/publish", new { publishAt = at }, 1);
        Assert.That(scheduled.StatusCode, Is.EqualTo(HttpStatusCode.OK), await scheduled.Content.ReadAsStringAsync());
        // Until then the edge may keep a list only as long as the article still has to wait.
        var list = await Anonymous.GetAsync("/api/v1/articles");
        Assert.That(list.Headers.CacheControl!.MaxAge, Is.LessThanOrEqualTo(TimeSpan.FromSeconds(2)));

        // Scheduling purged it once already; this is the purge when its time has come (the scheduler's announcement).
        var purges = await edge.WaitForAsync(1, r => r.At >= at.UtcDateTime && r.Headers["xkey"].ToString().Contains($"article:{id:N}"), seconds: 60);
        Assert.That(purges, Is.Not.Empty, "the scheduled article's time came and the edge was not purged");
        Assert.That((await Anonymous.GetAsync("/api/v1/articles/at-dawn")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task WithTwoInstancesAWriteIsPurgedFromTheEdgeOnceAndRepeatedOnceByTheWriterAlone()
    {
        await using var edge = await WebhookReceiver.StartAsync();
        var settings = new Dictionary<string, string?>
        {
            ["HeadlessNews:EdgePurge:Url"] = edge.Url,
            ["HeadlessNews:EdgePurge:RepeatAfterSeconds"] = "3",
        };
        await using var writer = SecondInstance.Start(settings);
        await using var other = SecondInstance.Start(settings);
        await other.ListeningAsync();
        var writerPurges = writer.Factory.Services.GetRequiredService<EdgePurger>();
        var otherPurges = other.Factory.Services.GetRequiredService<EdgePurger>();
        var heard = other.Factory.Services.GetRequiredService<CachePurgeListener>();
        var heardBefore = Interlocked.Read(ref heard.Received);

        // A tag write purges the lists, like any write.
        var created = await writer.Admin.PostAsJsonAsync("/api/v1/manage/tags", new { slug = "tides", name = "Tides", kind = "topic" });
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));

        // The other instance heard it (and purged its own cache); the writer sent its purge and, 3 s later, the repeat.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((Interlocked.Read(ref heard.Received) == heardBefore || writerPurges.Sent < 2) && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        Assert.That(Interlocked.Read(ref heard.Received), Is.GreaterThan(heardBefore), "the other instance never heard the write");
        Assert.That(writerPurges.Sent, Is.EqualTo(2), "the writer's purge and its repeat");
        Assert.That(otherPurges.Queued, Is.Zero, "the other instance sent the edge a purge of its own");
        Assert.That(edge.Requests.Select(r => r.Headers["xkey"].ToString()).ToList(), Has.Count.EqualTo(2).And.All.Contains("list"));
    }
}
