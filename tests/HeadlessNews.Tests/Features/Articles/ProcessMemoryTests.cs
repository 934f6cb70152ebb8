using HeadlessNews.Tests.Infrastructure;

namespace HeadlessNews.Tests.Features.Articles;

/// <summary>
/// The API as its own process, under thousands of delivery requests that each carry random unknown query
/// parameters and random values of known ones: its resident memory stays within a stated bound. When the delivery
/// cache was keyed on the raw query string, every such request kept its ~80 KB answer, so this burst alone held
/// over 300 MB more (and an attacker's longer one over 1 GB, never given back). The cache is now keyed on known
/// parameters and capped at HeadlessNews:Caching:InProcessMaxMegabytes (64 by default); the bound allows that cap,
/// the garbage collector's slack after a burst and the runtime's own warm-up, and nothing of the old growth.
/// HEADLESSNEWS_MEMORY_REQUESTS=50000 runs a longer burst as a bench, printing the figures every 10,000 requests.
/// </summary>
public sealed class ProcessMemoryTests : ApiTestBase
{
    private const long BoundBytes = 150L * 1024 * 1024;

    [Test]
    public async Task ThousandsOfRequestsWithRandomParametersKeepTheProcessWithinItsMemoryBound()
    {
        var requests = int.TryParse(Environment.GetEnvironmentVariable("HEADLESSNEWS_MEMORY_REQUESTS"), out var n) ? n : 4_000;
        // Articles with large bodies, so that each cached answer is large (~80 KB with the HTML and the Markdown).
        var paragraph = string.Concat(Enumerable.Repeat("The harbour reopened on Monday after storm repairs, said the port's director. ", 5)) + "\n\n";
        var slugs = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var (id, version) = await CreateArticleAsync($"harbour-report-{i}", extra: new { bodyMarkdown = string.Concat(Enumerable.Repeat(paragraph, 90)) });
            await PublishAsync(id, version);
            slugs.Add($"harbour-report-{i}");
        }

        using var api = await ApiProcess.StartAsync(TestDatabase.FreePort(), new Dictionary<string, string>
        {
            ["HeadlessNews__RateLimits__Enabled"] = "false",
        });
        using var client = new HttpClient { BaseAddress = new Uri(api.Url), Timeout = TimeSpan.FromSeconds(30) };
        var random = new Random(20261129);
        string Word() => new(Enumerable.Range(0, random.Next(1, 12)).Select(_ => (char)random.Next('a', 'z' + 1)).ToArray());
        string RandomPath()
        {
            var unknown = $"{Word()}={Word()}&{Word()}={random.Next()}";
            return random.Next(4) switch
            {
                0 => $"/api/v1/articles?limit={random.Next(1, 101)}&{unknown}",
                1 => $"/api/v1/articles?tag={Word()}&{unknown}",
                _ => $"/api/v1/articles/{slugs[random.Next(slugs.Count)]}?{unknown}",
            };
        }
        async Task BurstAsync(int count)
        {
            var paths = Enumerable.Range(0, count).Select(_ => RandomPath()).ToList();
            await Parallel.ForEachAsync(paths, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (path, ct) =>
            {
                using var response = await client.GetAsync(path, ct);
                Assert.That((int)response.StatusCode, Is.LessThan(500), path);
                await response.Content.ReadAsByteArrayAsync(ct);
            });
        }

        // Warm up (JIT, pools, connections) before the figure to compare with.
        await BurstAsync(500);
        var before = api.ResidentBytes();
        TestContext.Out.WriteLine($"resident before: {before / 1048576} MB");
        for (var sent = 0; sent < requests; sent += 10_000)
        {
            await BurstAsync(Math.Min(10_000, requests - sent));
            TestContext.Out.WriteLine($"resident after {Math.Min(sent + 10_000, requests):N0} requests: {api.ResidentBytes() / 1048576} MB");
        }
        var after = api.ResidentBytes();

        Assert.That(after - before, Is.LessThan(BoundBytes), $"resident memory grew from {before / 1048576} MB to {after / 1048576} MB");
    }
}
