using System.Net;
using HeadlessNews.Tests.Infrastructure;

namespace HeadlessNews.Tests.Features.Feeds;

/// <summary>Feeds and sitemaps are cached and served to everyone: the URLs in them come from configuration, never from a request.</summary>
public sealed class PublicUrlTests : ApiTestBase
{
    [Test]
    public async Task AHostHeaderNeverReachesAFeedOrSitemapNorTheNextReader()
    {
        await using var factory = new HeadlessNewsApiFactory(GlobalSetup.Database.ConnectionString, new Dictionary<string, string?>
        {
            ["HeadlessNews:PublicApiUrl"] = "https://api.news.example.com",
            // Two articles make /sitemap.xml an index of pages, which names their URLs.
            ["HeadlessNews:Feeds:SitemapPageSize"] = "1",
        });
        using var client = factory.CreateClient();
        await CreateTagAsync("harbour");
        await CreatePublishedAsync("storm-damage", ["harbour"]);
        await CreatePublishedAsync("quay-repairs", ["harbour"]);
        string[] paths =
        [
            "/feeds/rss.xml", "/feeds/atom.xml", "/feeds/feed.json",
            "/feeds/tags/harbour/rss.xml", "/feeds/tags/harbour/atom.xml", "/feeds/tags/harbour/feed.json",
            "/sitemap.xml", "/sitemaps/articles-1.xml", "/sitemap-news.xml",
        ];

        foreach (var path in paths)
        {
            var hostile = new HttpRequestMessage(HttpMethod.Get, path);
            hostile.Headers.Host = "evil.example";
            foreach (var response in new[] { await client.SendAsync(hostile), await client.GetAsync(path) })
            {
                var body = await response.Content.ReadAsStringAsync();
                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), $"{path}: {body}");
                Assert.That(body, Does.Not.Contain("evil.example"), path);
            }
        }
        Assert.That(await client.GetStringAsync("/feeds/tags/harbour/atom.xml"), Does.Contain("https://api.news.example.com/feeds/tags/harbour/atom.xml"));
        Assert.That(await client.GetStringAsync("/feeds/feed.json"), Does.Contain("\"feed_url\":\"https://api.news.example.com/feeds/feed.json\""));
        Assert.That(await client.GetStringAsync("/sitemap.xml"), Does.Contain("<loc>https://api.news.example.com/sitemaps/articles-2.xml</loc>"));
    }
}
