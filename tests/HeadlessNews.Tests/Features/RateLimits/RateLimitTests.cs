using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using HeadlessNews.Tests.Infrastructure;

namespace HeadlessNews.Tests.Features.RateLimits;

/// <summary>
/// An instance with tight limits; the shared test instance keeps them on but high. Every test runs twice: with the
/// in-process buckets, and with the buckets shared by all instances in PostgreSQL (HeadlessNews:RateLimits:Shared).
/// </summary>
[TestFixture(false)]
[TestFixture(true)]
public sealed class RateLimitTests(bool shared) : ApiTestBase
{
    private HeadlessNewsApiFactory _limited = null!;

    [SetUp]
    public void StartLimitedInstance() =>
        _limited = new HeadlessNewsApiFactory(GlobalSetup.Database.ConnectionString, new Dictionary<string, string?>
        {
            ["HeadlessNews:RateLimits:AnonymousPerMinute"] = "5",
            ["HeadlessNews:RateLimits:PartnerPerMinute"] = "3",
            ["HeadlessNews:RateLimits:KeyPerMinute"] = "10",
            ["HeadlessNews:RateLimits:ManagementWritesPerMinute"] = "2",
            ["HeadlessNews:RateLimits:Shared"] = shared ? "true" : "false",
        });

    [TearDown]
    public async Task StopLimitedInstanceAsync() => await _limited.DisposeAsync();

    private HttpClient Client(string? key = null)
    {
        var client = _limited.CreateClient();
        if (key is not null)
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    private async Task<string> KeyAsync(string role, int? requestsPerMinute = null)
    {
        var response = await Admin.PostAsJsonAsync("/api/v1/manage/keys", new { name = $"{role} {Guid.NewGuid():N}", role, requestsPerMinute });
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        return (await ReadJsonAsync(response))["key"]!.GetValue<string>();
    }

    [Test]
    public async Task AnonymousCallersGetTheirQuotaThen429WithRetryAfterAndAProblem()
    {
        using var client = Client();
        var remaining = new List<int>();
        for (var i = 0; i < 5; i++)
        {
            var ok = await client.GetAsync("/api/v1/tags");
            Assert.That(ok.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(ok.Headers.GetValues("RateLimit-Limit").Single(), Is.EqualTo("5"));
            remaining.Add(int.Parse(ok.Headers.GetValues("RateLimit-Remaining").Single()));
        }
        Assert.That(remaining, Is.EqualTo(new[] { 4, 3, 2, 1, 0 }));

        var refused = await client.GetAsync("/api/v1/tags");
        var problem = await AssertProblemAsync(refused, HttpStatusCode.TooManyRequests);
        Assert.That(problem["detail"]!.GetValue<string>(), Does.Contain("5 per minute"));
        Assert.That(refused.Headers.RetryAfter?.Delta?.TotalSeconds, Is.GreaterThanOrEqualTo(1));
        Assert.That(refused.Headers.GetValues("RateLimit-Remaining").Single(), Is.EqualTo("0"));

        // Nothing a caller sends can buy a new bucket: not a forwarded-for header, not a different path or query.
        var spoofed = new HttpRequestMessage(HttpMethod.Get, "/api/v1/articles?limit=3");
        spoofed.Headers.Add("X-Forwarded-For", "203.0.113.9");
        spoofed.Headers.Add("X-Real-IP", "203.0.113.10");
        Assert.That((await client.SendAsync(spoofed)).StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests));
        // A key that does not exist is anonymous too.
        using var guessing = Client("hn_guessing");
        Assert.That((await guessing.GetAsync("/api/v1/tags")).StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests));

        // Health probes are never limited.
        Assert.That((await client.GetAsync("/health/live")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task EachPartnerKeyHasItsOwnBucketAndCanCarryItsOwnQuota()
    {
        var partner = await KeyAsync("partner");
        var bigPartner = await KeyAsync("partner", requestsPerMinute: 6);
        using var small = Client(partner);
        using var big = Client(bigPartner);

        for (var i = 0; i < 3; i++)
            Assert.That((await small.GetAsync("/feeds/feed.json")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var refused = await small.GetAsync("/feeds/feed.json");
        await AssertProblemAsync(refused, HttpStatusCode.TooManyRequests);

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 7; i++)
            statuses.Add((await big.GetAsync("/api/v1/articles")).StatusCode);
        Assert.That(statuses.Count(s => s == HttpStatusCode.OK), Is.EqualTo(6));
        Assert.That(statuses.Last(), Is.EqualTo(HttpStatusCode.TooManyRequests));

        // Anonymous callers on the same address are counted apart from the keys.
        using var anonymous = Client();
        Assert.That((await anonymous.GetAsync("/api/v1/tags")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task ManagementWritesHaveTheirOwnTighterLimit()
    {
        await CreateTagAsync("levees");
        using var editor = Client(await KeyAsync("editor"));
        for (var i = 0; i < 2; i++)
            Assert.That((await editor.PostAsJsonAsync("/api/v1/manage/articles", new { slug = $"levee-report-{i}", title = "Levee report" })).StatusCode,
                Is.EqualTo(HttpStatusCode.Created));
        var before = await SnapshotAsync();
        var refused = await editor.PostAsJsonAsync("/api/v1/manage/articles", new { slug = "levee-report-2", title = "Levee report" });
        await AssertProblemAsync(refused, HttpStatusCode.TooManyRequests);
        Assert.That(await SnapshotAsync(), Is.EqualTo(before), "a refused write changes nothing");

        // Reads by the same key still pass.
        Assert.That((await editor.GetAsync("/api/v1/manage/articles")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task AKeysOwnQuotaIsValidated()
    {
        foreach (var quota in new[] { 0, -5, 2_000_000 })
            await AssertProblemAsync(await Admin.PostAsJsonAsync("/api/v1/manage/keys", new { name = "Bad quota", role = "partner", requestsPerMinute = quota }),
                HttpStatusCode.BadRequest);
    }
}
