using System.Net;
using HeadlessNews.Tests.Infrastructure;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;

namespace HeadlessNews.Tests.Features.Articles;

/// <summary>No client can grow the in-process delivery cache without bound.</summary>
public sealed class CacheBoundsTests : ApiTestBase
{
    private static MemoryCache CacheOf(HeadlessNewsApiFactory factory) => (MemoryCache)factory.Services.GetRequiredService<IMemoryCache>();

    [Test]
    public async Task ParametersAnEndpointDoesNotReadMakeNoNewCacheEntries()
    {
        await CreateTagAsync("harbour");
        await CreatePublishedAsync("storm-damage", ["harbour"]);
        string[] paths = ["/api/v1/articles?limit=5", "/api/v1/articles/storm-damage", "/api/v1/tags", "/feeds/rss.xml", "/sitemap.xml"];
        foreach (var path in paths)
            Assert.That((await Anonymous.GetAsync(path)).StatusCode, Is.EqualTo(HttpStatusCode.OK), path);
        var cache = CacheOf(GlobalSetup.Factory);
        var before = cache.Count;

        var random = new Random(20261129);
        for (var i = 0; i < 3000; i++)
        {
            var path = paths[i % paths.Length];
            // Made-up names, a known name in another case, and the same parameters in another order.
            var url = $"{path}{(path.Contains('?') ? '&' : '?')}x{random.Next()}={random.Next()}&utm_source={Guid.NewGuid():N}";
            if (i % 7 == 0 && path.Contains("limit"))
                url = $"/api/v1/articles?cb={i}&LIMIT=5";
            Assert.That((await Anonymous.GetAsync(url)).StatusCode, Is.EqualTo(HttpStatusCode.OK), url);
        }

        Assert.That(cache.Count - before, Is.LessThanOrEqualTo(0), "every request was answered from an entry that existed");
    }

    [Test]
    public async Task TheInProcessCacheStaysWithinItsSizeLimit()
    {
        await using var factory = new HeadlessNewsApiFactory(GlobalSetup.Database.ConnectionString, new Dictionary<string, string?>
        {
            ["HeadlessNews:Caching:InProcessMaxMegabytes"] = "1",
        });
        using var client = factory.CreateClient();
        await CreateArticleAsync("long-read", extra: new { summary = new string('s', 1000) });
        var id = await SqlAsync<Guid>("select id from articles where slug = 'long-read'");
        await PublishAsync(id, 1, DateTimeOffset.UtcNow.AddHours(-1));

        // Each distinct, known parameter value is a response of its own, about 2 KB: 2,000 of them would hold 4 MB.
        var from = DateTimeOffset.UtcNow.AddYears(1);
        for (var i = 0; i < 2000; i++)
        {
            var url = $"/api/v1/articles?publishedBefore={Uri.EscapeDataString(from.AddSeconds(i).ToString("O"))}";
            Assert.That((await client.GetAsync(url)).StatusCode, Is.EqualTo(HttpStatusCode.OK), url);
        }

        var statistics = CacheOf(factory).GetCurrentStatistics()!;
        Assert.That(statistics.CurrentEstimatedSize, Is.LessThanOrEqualTo(1024 * 1024));
        Assert.That(statistics.CurrentEntryCount, Is.InRange(100, 1000), "entries were kept, up to the limit");
    }
}
