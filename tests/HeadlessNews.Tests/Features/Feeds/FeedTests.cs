using System.Net;
using System.Net.Http.Headers;
using System.ServiceModel.Syndication;
using System.Text.Json.Nodes;
using System.Xml;
using System.Xml.Linq;
using CodeHollow.FeedReader;
using HeadlessNews.Tests.Infrastructure;

namespace HeadlessNews.Tests.Features.Feeds;

public sealed class FeedTests : ApiTestBase
{
    private static readonly XNamespace Hn = "https://headlessnews.dev/ns/feed/1.0";

    /// <summary>One live AI-assisted article with a tag, and one of each kind that must never appear.</summary>
    private async Task ArrangeNewsroomAsync()
    {
        await CreateTagAsync("ports", "topic", "Ports");
        var (live, version) = await CreateArticleAsync("container-terminal-expands", ["ports"], new
        {
            aiGenerated = true,
            disclosure = "Drafted with an AI tool from the filings below; checked by an editor.",
            sources = new[] { new { title = "Port authority filing", url = "https://port.example.org/filing-7", publisher = "Port Authority" } },
        });
        await PublishAsync(live, version);
        await CreatePublishedAsync("container-rates-fall");
        await CreateArticleAsync("container-draft-notes", ["ports"]);
        await CreatePublishedAsync("container-future-plan", ["ports"], DateTimeOffset.UtcNow.AddDays(2));
        var archived = await CreatePublishedAsync("container-old-story", ["ports"]);
        var current = (await ReadJsonAsync(await Admin.GetAsync($"/api/v1/manage/articles/{archived}")))["version"]!.GetValue<int>();
        Assert.That((await SendAsync(Admin, HttpMethod.Post, $"/api/v1/manage/articles/{archived}/archive", null, current)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    private async Task<string> GetFeedAsync(string path, string mediaType)
    {
        var response = await Anonymous.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo(mediaType));
        Assert.That(response.Headers.ETag, Is.Not.Null);
        return text;
    }

    [Test]
    public async Task RssAndAtomParseBackWithStandardParsersAndCarryOnlyPublishedArticles()
    {
        await ArrangeNewsroomAsync();
        foreach (var (path, type, kind) in new[]
                 {
                     ("/feeds/rss.xml", "application/rss+xml", FeedType.Rss_2_0),
                     ("/feeds/atom.xml", "application/atom+xml", FeedType.Atom),
                 })
        {
            var xml = await GetFeedAsync(path, type);
            var parsed = FeedReader.ReadFromString(xml);
            Assert.That(parsed.Type, Is.EqualTo(kind));
            Assert.That(parsed.Items.Select(i => i.Link).Order(), Is.EqualTo(new[]
            {
                "https://news.example.com/articles/container-rates-fall",
                "https://news.example.com/articles/container-terminal-expands",
            }), path);

            using var reader = XmlReader.Create(new StringReader(xml));
            var feed = SyndicationFeed.Load(reader);
            var item = feed.Items.Single(i => i.Links.Any(l => l.Uri.AbsolutePath.EndsWith("container-terminal-expands")));
            Assert.That(item.Categories.Select(c => c.Name), Is.EqualTo(new[] { "Ports" }));
            Assert.That(item.Summary.Text, Does.Contain("Drafted with an AI tool").And.Contain("https://port.example.org/filing-7"));
            Assert.That(item.ElementExtensions.ReadElementExtensions<string>("aiGenerated", Hn.NamespaceName).Single(), Is.EqualTo("true"));
            var source = item.ElementExtensions.Select(e => e.GetObject<XElement>()).Single(e => e.Name == Hn + "source");
            Assert.That(source.Attribute("url")!.Value, Is.EqualTo("https://port.example.org/filing-7"));
            Assert.That(feed.Links.Any(l => l.RelationshipType == "self" && l.Uri.AbsolutePath == path), Is.True, path);
        }
    }

    [Test]
    public async Task JsonFeedHasEverythingItsSpecificationRequires()
    {
        await ArrangeNewsroomAsync();
        var text = await GetFeedAsync("/feeds/feed.json", "application/feed+json");
        var feed = JsonNode.Parse(text)!;
        Assert.That(feed["version"]!.GetValue<string>(), Is.EqualTo("https://jsonfeed.org/version/1.1"));
        Assert.That(feed["title"]!.GetValue<string>(), Is.Not.Empty);
        Assert.That(feed["feed_url"]!.GetValue<string>(), Does.EndWith("/feeds/feed.json"));
        Assert.That(Uri.IsWellFormedUriString(feed["home_page_url"]!.GetValue<string>(), UriKind.Absolute), Is.True);
        var items = feed["items"]!.AsArray();
        Assert.That(items, Has.Count.EqualTo(2));
        foreach (var item in items)
        {
            Assert.That(item!["id"]!.GetValueKind(), Is.EqualTo(System.Text.Json.JsonValueKind.String));
            Assert.That(item["content_html"]!.GetValue<string>(), Is.Not.Empty);
            Assert.That(DateTimeOffset.TryParse(item["date_published"]!.GetValue<string>(), out _), Is.True);
        }
        var ai = items.Single(i => i!["url"]!.GetValue<string>().EndsWith("container-terminal-expands"))!;
        Assert.That(ai["tags"]!.AsArray().Select(t => t!.GetValue<string>()), Is.EqualTo(new[] { "Ports" }));
        Assert.That(ai["_headlessnews"]!["ai_generated"]!.GetValue<bool>(), Is.True);
        Assert.That(ai["_headlessnews"]!["sources"]![0]!["url"]!.GetValue<string>(), Is.EqualTo("https://port.example.org/filing-7"));
        Assert.That(ai["content_html"]!.GetValue<string>(), Does.Contain("ai-disclosure"));

        var parsed = FeedReader.ReadFromString(text);
        Assert.That(parsed.Items, Has.Count.EqualTo(2));
    }

    [Test]
    public async Task JsonFeedLeavesOutASummaryTheArticleDoesNotHave()
    {
        // JSON Feed 1.1's members are strings or absent: a null would break strict readers.
        var (id, version) = await CreateArticleAsync("no-standfirst", extra: new { summary = (string?)null });
        await PublishAsync(id, version);
        await CreatePublishedAsync("with-standfirst");
        var items = JsonNode.Parse(await Anonymous.GetStringAsync("/feeds/feed.json"))!["items"]!.AsArray().Select(i => i!.AsObject()).ToList();
        var without = items.Single(i => i["url"]!.GetValue<string>().EndsWith("no-standfirst"));
        var with = items.Single(i => i["url"]!.GetValue<string>().EndsWith("with-standfirst"));
        Assert.That(without.ContainsKey("summary"), Is.False, without.ToJsonString());
        Assert.That(with["summary"]!.GetValue<string>(), Is.EqualTo("About with-standfirst."));
    }

    [Test]
    public async Task TagFeedsListOnlyThatTagsPublishedArticlesAndUnknownTagsAre404()
    {
        await ArrangeNewsroomAsync();
        foreach (var (file, type) in new[] { ("rss.xml", "application/rss+xml"), ("atom.xml", "application/atom+xml"), ("feed.json", "application/feed+json") })
        {
            var parsed = FeedReader.ReadFromString(await GetFeedAsync($"/feeds/tags/ports/{file}", type));
            Assert.That(parsed.Items.Select(i => i.Link), Is.EqualTo(new[] { "https://news.example.com/articles/container-terminal-expands" }), file);
            Assert.That(parsed.Title, Does.Contain("Ports"));
            await AssertProblemAsync(await Anonymous.GetAsync($"/feeds/tags/no-such-tag/{file}"), HttpStatusCode.NotFound);
            await AssertProblemAsync(await Anonymous.GetAsync($"/feeds/tags/NOT%20A%20SLUG/{file}"), HttpStatusCode.NotFound);
        }
    }

    [Test]
    public async Task FeedsAnswerConditionalRequestsAndShowAPublishAtOnce()
    {
        await CreatePublishedAsync("ferry-timetable-changes");
        foreach (var path in new[] { "/feeds/rss.xml", "/feeds/atom.xml", "/feeds/feed.json", "/sitemap.xml", "/sitemap-news.xml" })
        {
            var first = await Anonymous.GetAsync(path);
            var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.IfNoneMatch.Add(first.Headers.ETag!);
            var again = await Anonymous.SendAsync(request);
            Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.NotModified), path);
            Assert.That(await again.Content.ReadAsByteArrayAsync(), Is.Empty);
        }

        var before = await Anonymous.GetAsync("/feeds/rss.xml");
        await CreatePublishedAsync("ferry-fares-rise");
        var conditional = new HttpRequestMessage(HttpMethod.Get, "/feeds/rss.xml");
        conditional.Headers.IfNoneMatch.Add(before.Headers.ETag!);
        var after = await Anonymous.SendAsync(conditional);
        Assert.That(after.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await after.Content.ReadAsStringAsync(), Does.Contain("ferry-fares-rise"));
    }

    [Test]
    public async Task SitemapsListCanonicalUrlsOfPublishedArticlesAndTheNewsSitemapOnlyTheLastTwoDays()
    {
        await ArrangeNewsroomAsync();
        var (old, version) = await CreateArticleAsync("container-history-piece", extra: new { canonicalUrl = "https://history.example.com/containers" });
        await PublishAsync(old, version, DateTimeOffset.UtcNow.AddDays(-3));

        XNamespace sm = "http://www.sitemaps.org/schemas/sitemap/0.9";
        var sitemap = XDocument.Parse(await GetFeedAsync("/sitemap.xml", "application/xml"));
        Assert.That(sitemap.Root!.Name, Is.EqualTo(sm + "urlset"));
        Assert.That(sitemap.Descendants(sm + "loc").Select(l => l.Value).Order(), Is.EqualTo(new[]
        {
            "https://history.example.com/containers",
            "https://news.example.com/articles/container-rates-fall",
            "https://news.example.com/articles/container-terminal-expands",
        }));

        XNamespace news = "http://www.google.com/schemas/sitemap-news/0.9";
        var newsSitemap = XDocument.Parse(await GetFeedAsync("/sitemap-news.xml", "application/xml"));
        Assert.That(newsSitemap.Descendants(sm + "loc").Select(l => l.Value).Order(), Is.EqualTo(new[]
        {
            "https://news.example.com/articles/container-rates-fall",
            "https://news.example.com/articles/container-terminal-expands",
        }));
        Assert.That(newsSitemap.Descendants(news + "title").Select(t => t.Value), Does.Contain("container terminal expands"));
        Assert.That(newsSitemap.Descendants(news + "name").First().Value, Is.Not.Empty);
    }

    [Test]
    public async Task ALargeSitemapBecomesAnIndexAndFullContentIsConfigurable()
    {
        await using var factory = new HeadlessNewsApiFactory(GlobalSetup.Database.ConnectionString, new Dictionary<string, string?>
        {
            ["HeadlessNews:Feeds:SitemapPageSize"] = "2",
            ["HeadlessNews:Feeds:FullContent"] = "true",
        });
        using var client = factory.CreateClient();
        for (var i = 1; i <= 5; i++)
            await CreatePublishedAsync($"lighthouse-report-{i}");

        XNamespace sm = "http://www.sitemaps.org/schemas/sitemap/0.9";
        var index = XDocument.Parse(await client.GetStringAsync("/sitemap.xml"));
        Assert.That(index.Root!.Name, Is.EqualTo(sm + "sitemapindex"));
        var pages = index.Descendants(sm + "loc").Select(l => new Uri(l.Value).AbsolutePath).ToList();
        Assert.That(pages, Is.EqualTo(new[] { "/sitemaps/articles-1.xml", "/sitemaps/articles-2.xml", "/sitemaps/articles-3.xml" }));
        var urls = new List<string>();
        foreach (var page in pages)
            urls.AddRange(XDocument.Parse(await client.GetStringAsync(page)).Descendants(sm + "loc").Select(l => l.Value));
        Assert.That(urls.Order(), Is.EqualTo(Enumerable.Range(1, 5).Select(i => $"https://news.example.com/articles/lighthouse-report-{i}")));
        Assert.That((await client.GetAsync("/sitemaps/articles-4.xml")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));

        var full = JsonNode.Parse(await client.GetStringAsync("/feeds/feed.json"))!;
        Assert.That(full["items"]![0]!["content_html"]!.GetValue<string>(), Does.Contain("<h2"));
        var summaryOnly = JsonNode.Parse(await Anonymous.GetStringAsync("/feeds/feed.json"))!;
        Assert.That(summaryOnly["items"]![0]!["content_html"]!.GetValue<string>(), Does.Not.Contain("<h2"));
    }
}
