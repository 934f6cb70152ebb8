using System.Diagnostics;
using System.Net;
using HeadlessNews.Tests.Infrastructure;

namespace HeadlessNews.Tests.Features.Cluster;

/// <summary>With HeadlessNews:RateLimits:Shared, a client gets its limit across all instances together.</summary>
public sealed class SharedRateLimitTests : ApiTestBase
{
    private static Dictionary<string, string?> Limits(bool shared) => new()
    {
        ["HeadlessNews:RateLimits:AnonymousPerMinute"] = "10",
        ["HeadlessNews:RateLimits:Shared"] = shared ? "true" : "false",
    };

    private static async Task<int> AdmittedAsync(SecondInstance one, SecondInstance two, int requests)
    {
        var admitted = 0;
        for (var i = 0; i < requests; i++)
        {
            var response = await (i % 2 == 0 ? one : two).Anonymous.GetAsync("/api/v1/tags");
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK).Or.EqualTo(HttpStatusCode.TooManyRequests));
            if (response.StatusCode == HttpStatusCode.OK)
                admitted++;
            else
                Assert.That(response.Headers.RetryAfter?.Delta, Is.GreaterThan(TimeSpan.Zero));
        }
        return admitted;
    }

    [TestCase(true)]
    [TestCase(false)]
    public async Task TwoInstancesTogetherAdmitOneLimitWhenShared(bool shared)
    {
        await using var one = SecondInstance.Start(Limits(shared));
        await using var two = SecondInstance.Start(Limits(shared));
        var clock = Stopwatch.StartNew();
        var admitted = await AdmittedAsync(one, two, 30);
        // The bucket refills one request every 6 s; whatever refilled while this ran may be spent too.
        var refilled = (int)(clock.Elapsed.TotalSeconds / 6);
        if (shared)
            Assert.That(admitted, Is.InRange(10, 10 + refilled), "ten a minute from this client, on both instances together");
        else
            Assert.That(admitted, Is.InRange(20, 20 + 2 * refilled), "without sharing each instance admits its own ten");
    }
}
