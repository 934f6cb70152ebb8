using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using HeadlessNews.Tests.Infrastructure;

namespace HeadlessNews.Tests.Features.Audit;

/// <summary>
/// Bursts of keyed POSTs far above the connection pool's size. A request that held one pooled connection while its
/// endpoint waited for another let such a burst take the whole pool and wait for it until the pool timed out.
/// </summary>
public sealed class IdempotencyUnderLoadTests : ApiTestBase
{
    private const int Burst = 80;

    private static HeadlessNewsApiFactory SmallPoolApp() => new(GlobalSetup.Database.ConnectionString + ";Maximum Pool Size=8",
        new Dictionary<string, string?> { ["HeadlessNews:Idempotency:WaitSeconds"] = "60" });

    private static HttpClient AdminOf(HeadlessNewsApiFactory app)
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", HeadlessNewsApiFactory.BootstrapAdminKey);
        return client;
    }

    private static HttpRequestMessage Create(string slug, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/manage/articles") { Content = JsonContent.Create(new { slug, title = slug }) };
        request.Headers.Add("Idempotency-Key", key);
        return request;
    }

    /// <summary>Reads the management list (the same pool as the writes) until told to stop; returns each status.</summary>
    private static async Task<List<HttpStatusCode>> ReadUntilAsync(HttpClient client, Task stop)
    {
        var statuses = new List<HttpStatusCode>();
        do
            statuses.Add((await client.GetAsync("/api/v1/manage/articles?limit=5")).StatusCode);
        while (!stop.IsCompleted);
        return statuses;
    }

    [Test]
    public async Task ABurstOfKeyedPostsAbovePoolSizeAllSucceedWhileOthersKeepReading()
    {
        await using var app = SmallPoolApp();
        using var admin = AdminOf(app);
        using var reader = AdminOf(app);

        var posts = Task.WhenAll(Enumerable.Range(0, Burst).Select(i => admin.SendAsync(Create($"burst-{i}", $"burst-key-{i}"))));
        var reads = await ReadUntilAsync(reader, posts);
        var responses = await posts;

        Assert.That(responses.Select(r => r.StatusCode), Is.All.EqualTo(HttpStatusCode.Created),
            string.Join(", ", responses.GroupBy(r => r.StatusCode).Select(g => $"{g.Count()}×{(int)g.Key}")));
        Assert.That(reads, Is.Not.Empty.And.All.EqualTo(HttpStatusCode.OK));
        Assert.That(await SqlAsync<long>("select count(*) from articles"), Is.EqualTo(Burst));
        Assert.That(await SqlAsync<long>("select count(*) from idempotency_keys where completed_at is not null"), Is.EqualTo(Burst));
    }

    [Test]
    public async Task ABurstAbovePoolSizeWithOneKeyCreatesOneArticleAndReplaysItToTheRest()
    {
        await using var app = SmallPoolApp();
        using var admin = AdminOf(app);
        using var reader = AdminOf(app);

        var posts = Task.WhenAll(Enumerable.Range(0, Burst).Select(_ => admin.SendAsync(Create("one-story", "one-key"))));
        var reads = await ReadUntilAsync(reader, posts);
        var responses = await posts;

        Assert.That(responses.Select(r => r.StatusCode), Is.All.EqualTo(HttpStatusCode.Created),
            string.Join(", ", responses.GroupBy(r => r.StatusCode).Select(g => $"{g.Count()}×{(int)g.Key}")));
        Assert.That(responses.Count(r => r.Headers.TryGetValues("Idempotent-Replayed", out var v) && v.Single() == "true"), Is.EqualTo(Burst - 1));
        Assert.That(responses.Select(r => r.Headers.Location).Distinct().Count(), Is.EqualTo(1));
        Assert.That(reads, Is.Not.Empty.And.All.EqualTo(HttpStatusCode.OK));
        Assert.That(await SqlAsync<long>("select count(*) from articles"), Is.EqualTo(1));
    }
}
