using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using HeadlessNews.Tests.Infrastructure;

namespace HeadlessNews.Tests.Features;

/// <summary>
/// Characters XML 1.0 cannot carry (and Unicode noncharacters) are refused in every text field, and the feeds and
/// sitemaps stay well-formed when such characters reach the database some other way.
/// </summary>
public sealed class UnsafeCharacterTests : ApiTestBase
{
    private const string Bad = "@@BAD@@";

    // As JSON escapes, so the test's own serializer cannot repair or refuse them before they are sent.
    private static readonly string[] UnsafeEscapes =
    [
        @"\u0001", @"\u000b", @"\u001f", @"\u007f", @"\u0085", @"\ud800", @"\udfff", @"\ufffe", @"\uffff", @"\ufdd0", @"\ufdef",
        @"\ud83f\udffe", @"\ud83f\udfff", @"\udbff\udfff",
    ];

    /// <summary>Every write that takes text, with the field the refusal must name.</summary>
    private static readonly (string Name, string Method, string Url, string Body, string Field)[] Writes =
    [
        ("article title", "POST", "/api/v1/manage/articles", """{"slug":"s","title":"a@@BAD@@b"}""", "title"),
        ("article summary", "POST", "/api/v1/manage/articles", """{"slug":"s","title":"t","summary":"a@@BAD@@b"}""", "summary"),
        ("article body", "POST", "/api/v1/manage/articles", """{"slug":"s","title":"t","bodyMarkdown":"a@@BAD@@b"}""", "bodyMarkdown"),
        ("disclosure", "POST", "/api/v1/manage/articles", """{"slug":"s","title":"t","disclosure":"a@@BAD@@b"}""", "disclosure"),
        ("source title", "POST", "/api/v1/manage/articles", """{"slug":"s","title":"t","sources":[{"title":"a@@BAD@@b","url":"https://x.example/"}]}""", "sources[0].title"),
        ("source publisher", "POST", "/api/v1/manage/articles", """{"slug":"s","title":"t","sources":[{"title":"s","url":"https://x.example/","publisher":"a@@BAD@@b"}]}""", "sources[0].publisher"),
        ("source url", "POST", "/api/v1/manage/articles", """{"slug":"s","title":"t","sources":[{"title":"s","url":"https://x.example/a@@BAD@@b"}]}""", "sources[0].url"),
        ("hero url", "POST", "/api/v1/manage/articles", """{"slug":"s","title":"t","heroImage":{"url":"https://x.example/a@@BAD@@b"}}""", "heroImage.url"),
        ("hero alt", "POST", "/api/v1/manage/articles", """{"slug":"s","title":"t","heroImage":{"url":"https://x.example/i.jpg","alt":"a@@BAD@@b"}}""", "heroImage.alt"),
        ("hero credit", "POST", "/api/v1/manage/articles", """{"slug":"s","title":"t","heroImage":{"url":"https://x.example/i.jpg","credit":"a@@BAD@@b"}}""", "heroImage.credit"),
        ("canonical url", "POST", "/api/v1/manage/articles", """{"slug":"s","title":"t","canonicalUrl":"https://x.example/a@@BAD@@b"}""", "canonicalUrl"),
        ("tag name", "POST", "/api/v1/manage/tags", """{"slug":"s","name":"a@@BAD@@b","kind":"topic"}""", "name"),
        ("tag description", "POST", "/api/v1/manage/tags", """{"slug":"s","name":"n","kind":"topic","description":"a@@BAD@@b"}""", "description"),
        ("correction", "POST", "/api/v1/manage/articles/{id}/corrections", """{"kind":"correction","text":"a@@BAD@@b"}""", "text"),
        ("key name", "POST", "/api/v1/manage/keys", """{"name":"a@@BAD@@b","role":"reader"}""", "name"),
        ("webhook url", "POST", "/api/v1/manage/webhooks", """{"url":"http://127.0.0.1:9/a@@BAD@@b","events":["article.published"]}""", "url"),
        ("webhook description", "POST", "/api/v1/manage/webhooks", """{"url":"http://127.0.0.1:9/hook","events":["article.published"],"description":"a@@BAD@@b"}""", "description"),
    ];

    [Test]
    public async Task EveryTextFieldRefusesCharactersXmlCannotCarryAndNamesTheField()
    {
        var id = await CreatePublishedAsync("target");
        var version = await SqlAsync<int>("select version from articles where id = @id", new { id });
        var before = await SnapshotAsync();

        foreach (var (name, method, url, body, field) in Writes)
        {
            foreach (var escape in UnsafeEscapes)
            {
                var request = new HttpRequestMessage(new HttpMethod(method), url.Replace("{id}", id.ToString()))
                {
                    Content = new StringContent(body.Replace(Bad, escape), Encoding.UTF8, "application/json"),
                };
                request.Headers.IfMatch.Add(new EntityTagHeaderValue($"\"{version}\""));
                var problem = await AssertProblemAsync(await Admin.SendAsync(request), HttpStatusCode.BadRequest);
                Assert.That(problem["errors"]?[field], Is.Not.Null, $"{name} with {escape}: {problem.ToJsonString()}");
            }
        }
        Assert.That(await SnapshotAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task UrlFieldsTakeOnlyAbsoluteHttpUrlsWithoutMarkupOrWhitespace()
    {
        string[] refused =
        [
            "https://x.example/a<b", "https://x.example/a>b", "https://x.example/a\"b", "https://x.example/a'b", "https://x.example/a`b",
            "https://x.example/a b", "https://x.example/a\tb", "https://x.example/a\u00a0b", "https://x.example/a\\b", " https://x.example/",
            "javascript:alert(1)", "data:text/html,hi", "ftp://x.example/", "/relative/path", "x.example/page", "https:x.example", "https://",
        ];
        var urlWrites = Writes.Where(w => w.Field.EndsWith("url", StringComparison.OrdinalIgnoreCase)).ToList();
        Assert.That(urlWrites.Select(w => w.Field), Is.EquivalentTo(new[] { "sources[0].url", "heroImage.url", "canonicalUrl", "url" }));
        var before = await SnapshotAsync();

        foreach (var (name, method, url, body, field) in urlWrites)
        {
            foreach (var value in refused)
            {
                // The whole URL is replaced: the write's own prefix stays out of the way.
                var json = System.Text.RegularExpressions.Regex.Replace(body, "\"(https?://[^\"]*)@@BAD@@[^\"]*\"", System.Text.Json.JsonSerializer.Serialize(value).Replace("$", "$$"));
                var response = await Admin.SendAsync(new HttpRequestMessage(new HttpMethod(method), url)
                {
                    Content = new StringContent(json, Encoding.UTF8, "application/json"),
                });
                var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
                Assert.That(problem["errors"]?[field], Is.Not.Null, $"{name} with {value}: {problem.ToJsonString()}");
            }
        }
        Assert.That(await SnapshotAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task ImportRefusesLinesWithCharactersXmlCannotCarry()
    {
        var lines = new[]
        {
            """{"slug":"one","title":"a@@BAD@@b","status":"draft"}""",
            """{"slug":"two","title":"t","status":"draft","tags":[{"slug":"x","name":"a@@BAD@@b","kind":"topic"}]}""",
            """{"slug":"three","title":"t","status":"published","publishedAt":"2026-01-01T00:00:00Z","corrections":[{"kind":"update","text":"a@@BAD@@b","createdAt":"2026-01-02T00:00:00Z"}]}""",
            """{"slug":"four","title":"t","status":"draft","sources":[{"title":"s","url":"https://x.example/a@@BAD@@b"}]}""",
        };
        var before = await SnapshotAsync();
        foreach (var escape in UnsafeEscapes)
        {
            var content = new StringContent(string.Join('\n', lines).Replace(Bad, escape), Encoding.UTF8);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
            var response = await Admin.PostAsync("/api/v1/manage/import", content);
            var summary = await ReadJsonAsync(response);
            Assert.That(summary["failed"]!.GetValue<int>(), Is.EqualTo(4), $"{escape}: {summary.ToJsonString()}");
            Assert.That(summary["errors"]!.AsArray().Select(e => e!["field"]!.GetValue<string>()),
                Is.EqualTo(new[] { "title", "tags[0].name", "corrections[0].text", "sources[0].url" }), escape);
        }
        Assert.That(await SnapshotAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task FeedsAndSitemapsStayWellFormedWhenStoredTextHasCharactersXmlCannotCarry()
    {
        await CreateTagAsync("harbour", "topic", "Harbour");
        var (id, version) = await CreateArticleAsync("storm-damage", ["harbour"], new
        {
            aiGenerated = true,
            disclosure = "Drafted with help.",
            sources = new[] { new { title = "Port notice", url = "https://port.example.org/n", publisher = "Port" } },
            heroImage = new { url = "https://img.example.org/h.jpg", alt = "Quay", credit = "Desk" },
        });
        await PublishAsync(id, version);
        // Behind the API's back, as an old release or a manual fix could have stored it.
        const string unsafeText = "chr(1) || chr(11) || chr(31) || chr(127) || chr(133) || chr(65534) || chr(65535) || chr(64976) || chr(131070) || chr(1114111)";
        await SqlAsync<int>($"""
            update articles set title = 'Storm' || {unsafeText} || ' damage', summary = 'Sum' || {unsafeText},
                body_html = '<p>Body' || {unsafeText} || '</p>', disclosure = 'Disc' || {unsafeText},
                canonical_url = 'https://news.example.com/x' || {unsafeText},
                sources = jsonb_build_array(jsonb_build_object('title', 'Src' || {unsafeText}, 'url', 'https://port.example.org/' || {unsafeText}, 'publisher', 'Pub' || {unsafeText}))
            where id = @id;
            update tags set name = 'Harbour' || {unsafeText};
            insert into corrections (article_id, kind, text) values (@id, 'update', 'Note' || {unsafeText});
            select 1
            """, new { id });

        foreach (var path in new[] { "/feeds/rss.xml", "/feeds/atom.xml", "/feeds/tags/harbour/rss.xml", "/feeds/tags/harbour/atom.xml", "/sitemap.xml", "/sitemap-news.xml" })
        {
            var response = await Anonymous.GetAsync(path);
            var text = await response.Content.ReadAsStringAsync();
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), $"{path}: {text}");
            Assert.DoesNotThrow(() => XDocument.Parse(text), path);
            Assert.That(text.IndexOfAny(['\u0001', '\u000b', '\u0085', '\uFFFE', '\uFFFF', '\uFDD0']), Is.EqualTo(-1), path);
        }
        var rss = await Anonymous.GetStringAsync("/feeds/rss.xml");
        Assert.That(rss, Does.Contain("Storm damage").And.Contain("Note").And.Contain("Harbour<"));
        Assert.That((await Anonymous.GetAsync("/feeds/feed.json")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }
}
