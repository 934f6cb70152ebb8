using System.Net;
using System.Net.Http.Headers;
using System.Text;
using HeadlessNews.Tests.Infrastructure;

namespace HeadlessNews.Tests.Features;

/// <summary>No input of any kind produces a 500, and a rejected request changes nothing.</summary>
public sealed class HostileInputTests : ApiTestBase
{
    private static readonly string[] HostileBodies =
    [
        "",
        "null",
        "{}",
        "[]",
        "\"just a string\"",
        "{\"slug\":",
        "{\"slug\":\"a\",\"title\":\"t\"}}",
        "{\"slug\":\"a\u0000b\",\"title\":\"t\"}",
        "{\"slug\":\"ok\",\"title\":\"\\u0000\"}",
        "{\"slug\":\"ok\",\"title\":\"\\ud800\"}",
        "{\"slug\":\"ok\",\"title\":\"t\",\"summary\":\"\\udfff lone\"}",
        "{\"slug\":\"ok'; drop table articles; --\",\"title\":\"t\"}",
        "{\"slug\":\"ok\",\"title\":\"" + new string('x', 10_000) + "\"}",
        "{\"slug\":\"" + new string('a', 10_000) + "\",\"title\":\"t\"}",
        "{\"slug\":\"ok\",\"title\":\"t\",\"tags\":[null]}",
        "{\"slug\":\"ok\",\"title\":\"t\",\"tags\":[\"" + new string('t', 10_000) + "\"]}",
        "{\"slug\":\"ok\",\"title\":\"t\",\"sources\":[null]}",
        "{\"slug\":\"ok\",\"title\":\"t\",\"sources\":[{\"title\":\"s\"}]}",
        "{\"slug\":\"ok\",\"title\":\"t\",\"heroImage\":{\"url\":null}}",
        "{\"slug\":\"ok\",\"title\":\"t\",\"aiGenerated\":null}",
        "{\"slug\":\"ok\",\"title\":1e999}",
        "{\"name\":\"n\",\"role\":\"admin\",\"role\":\"reader\"}",
        "{\"name\":\"\\u0000\",\"role\":\"reader\"}",
        "{\"slug\":\"x\",\"name\":\"x\",\"kind\":\"TOPIC\"}",
        "{\"articleIds\":[\"not-a-guid\"]}",
        "{\"articleIds\":null}",
        "{\"publishAt\":\"not a date\"}",
        "{\"publishAt\":\"0001-01-01T00:00:00Z\"}",
        "{\"publishAt\":\"9999-12-31T23:59:59Z\"}",
        "{\"publishAt\":\"2030-01-01T00:00:00+14:00\",\"extra\":1}",
        "{" + string.Concat(Enumerable.Repeat("\"a\":[", 100)) + "1" + string.Concat(Enumerable.Repeat("]", 100)) + "}",
    ];

    [Test]
    public async Task HostileBodiesOnEveryWriteNeverAnswer500AndChangeNothing()
    {
        await CreateTagAsync("seed");
        var (id, version) = await CreateArticleAsync("target", ["seed"]);
        var tagId = await SqlAsync<Guid>("select id from tags where slug = 'seed'");
        var created = await Admin.PostAsync("/api/v1/manage/webhooks", new StringContent(
            "{\"url\":\"http://127.0.0.1:9/hook\",\"events\":[\"article.published\"]}", Encoding.UTF8, "application/json"));
        var webhookId = (await ReadJsonAsync(created))["id"]!.GetValue<Guid>();
        var writes = new (HttpMethod Method, string Url)[]
        {
            (HttpMethod.Post, "/api/v1/manage/articles"),
            (HttpMethod.Put, $"/api/v1/manage/articles/{id}"),
            (HttpMethod.Post, $"/api/v1/manage/articles/{id}/publish"),
            (HttpMethod.Put, $"/api/v1/manage/articles/{id}/related"),
            (HttpMethod.Post, "/api/v1/manage/tags"),
            (HttpMethod.Put, $"/api/v1/manage/tags/{tagId}"),
            (HttpMethod.Post, "/api/v1/manage/keys"),
            (HttpMethod.Post, $"/api/v1/manage/articles/{id}/corrections"),
            (HttpMethod.Post, "/api/v1/manage/webhooks"),
            (HttpMethod.Put, $"/api/v1/manage/webhooks/{webhookId}"),
            (HttpMethod.Post, $"/api/v1/manage/webhooks/{webhookId}/rotate-secret"),
            (HttpMethod.Post, "/api/v1/manage/import"),
        };
        var before = await SnapshotAsync();

        foreach (var (method, url) in writes)
        {
            // An empty publish (or rotate) request is a valid "publish now" (or "rotate with the default overlap").
            var optionalBody = url.EndsWith("/publish", StringComparison.Ordinal) || url.EndsWith("/rotate-secret", StringComparison.Ordinal);
            foreach (var body in HostileBodies.Where(b => !optionalBody || b is not ("" or "null" or "{}")))
            {
                var request = new HttpRequestMessage(method, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
                request.Headers.IfMatch.Add(new EntityTagHeaderValue($"\"{version}\""));
                var response = await Admin.SendAsync(request);
                var status = (int)response.StatusCode;
                Assert.That(status, Is.LessThan(500), $"{method} {url} with {Preview(body)}: {await response.Content.ReadAsStringAsync()}");
                if (status >= 400)
                    Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"), $"{method} {url} with {Preview(body)}");
                else
                    Assert.Fail($"{method} {url} accepted {Preview(body)}");
                if (status == 400)
                    await AssertPlainAsync(response, $"{method} {url} with {Preview(body)}");
            }
        }
        Assert.That(await SnapshotAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task InvalidUtf8BodiesAnswer400()
    {
        var bytes = new byte[] { (byte)'{', (byte)'"', (byte)'s', (byte)'l', (byte)'u', (byte)'g', (byte)'"', (byte)':', (byte)'"', 0xC3, 0x28, 0xFF, (byte)'"', (byte)'}' };
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var before = await SnapshotAsync();

        await AssertProblemAsync(await Admin.PostAsync("/api/v1/manage/articles", content), HttpStatusCode.BadRequest);
        Assert.That(await SnapshotAsync(), Is.EqualTo(before));
    }

    // (A NUL in the path never reaches the app: Kestrel refuses the request line with 400.)
    [TestCase("/api/v1/articles/%C3%28")]
    [TestCase("/api/v1/articles/..%2F..%2Fetc%2Fpasswd")]
    [TestCase("/api/v1/articles/a'%20or%20'1'='1")]
    [TestCase("/api/v1/manage/articles/not-a-guid")]
    [TestCase("/api/v1/manage/articles/00000000-0000-0000-0000-000000000000")]
    [TestCase("/api/v1/manage/articles?status=deleted")]
    [TestCase("/api/v1/manage/articles?limit=-1")]
    [TestCase("/api/v1/manage/articles?cursor=%00")]
    [TestCase("/api/v1/articles?tag=a&tag=b&tag=c&tag=d&tag=e&tag=f&tag=g&tag=h&tag=i&tag=j&tag=k")]
    [TestCase("/api/v1/articles?limit=99999999999999999999")]
    [TestCase("/api/v1/articles?publishedAfter=9999-99-99")]
    [TestCase("/api/v1/tags?cursor=dDp4%00")]
    [TestCase("/api/v1/changes?since=%00")]
    [TestCase("/api/v1/changes?since=dDpjaGFuZ2VzOi0x")]
    [TestCase("/api/v1/changes?limit=abc")]
    [TestCase("/api/v1/manage/audit?since=yesterday")]
    [TestCase("/api/v1/manage/audit?limit=100000")]
    [TestCase("/api/v1/manage/audit?keyId=%00")]
    [TestCase("/api/v1/manage/articles/00000000-0000-0000-0000-000000000000/revisions/diff?from=a&to=b")]
    [TestCase("/api/v1/manage/articles/00000000-0000-0000-0000-000000000000/revisions/-1")]
    [TestCase("/api/v1/manage/webhooks/00000000-0000-0000-0000-000000000000/deliveries?status=lost")]
    [TestCase("/api/v1/manage/webhooks/not-a-guid")]
    [TestCase("/feeds/tags/%C3%28/rss.xml")]
    [TestCase("/feeds/tags/..%2F..%2Fetc/atom.xml")]
    [TestCase("/sitemaps/articles-0.xml")]
    [TestCase("/sitemaps/articles-99999999999.xml")]
    [TestCase("/api/v1/search/suggest?q=%00")]
    public async Task HostilePathsAndQueriesAnswer4xx(string url)
    {
        var response = await Admin.GetAsync(url);
        Assert.That((int)response.StatusCode, Is.InRange(400, 499), await response.Content.ReadAsStringAsync());
        if (response.StatusCode == HttpStatusCode.BadRequest)
            await AssertPlainAsync(response, url);
    }

    // Every 400 says per field what is wrong, and nothing of .NET.
    private static async Task AssertPlainAsync(HttpResponseMessage response, string what)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(System.Text.Json.Nodes.JsonNode.Parse(text)?["errors"]?.AsObject().Count, Is.GreaterThan(0), $"{what}: {text}");
        Assert.That(BindingErrorTests.Internals().IsMatch(text), Is.False, $"{what}: {text}");
    }

    private static string Preview(string body) => body.Length > 60 ? body[..60] + "…" : body;
}
