using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.ServiceModel.Syndication;
using System.Text;
using System.Text.Json.Nodes;
using System.Xml;
using System.Xml.Linq;
using CsCheck;
using HeadlessNews.Tests.Infrastructure;

namespace HeadlessNews.Tests.Features.Fuzz;

/// <summary>
/// Random requests to every operation of openapi.yaml, with random Unicode, Markdown, JSON shapes and query strings.
/// After each: no 5xx; a refused request changed nothing stored; after an accepted write every feed and sitemap still
/// parses. The cases follow one seed (printed), so a failure replays with HEADLESSNEWS_FUZZ_SEED; HEADLESSNEWS_FUZZ_CASES
/// runs more of them. A 5xx is shrunk by CsCheck as that one request (replaying the whole sequence per candidate costs too much).
/// </summary>
[RunsInBackground(Background.Webhooks)]
public sealed class ApiFuzzTests : ApiTestBase
{
    // Any valid CsCheck seed; fixed so that a plain `dotnet test` runs the same cases every time.
    private const string DefaultSeed = "0000HuDTXSS1";
    private const int DefaultCases = 250;

    private sealed record Operation(string Method, string Path, string? ContentType, string? Body, int Pick, int IfMatch);

    /// <summary>What the random operations refer to, refreshed from the API as they run.</summary>
    private sealed class Newsroom
    {
        public List<Guid> Articles = [], Tags = [], Keys = [], Webhooks = [];
        public List<string> ArticleSlugs = [], TagSlugs = [];
        public string ReceiverUrl = "";
    }

    [Test]
    public async Task RandomRequestsNeverAnswer5xxNeverChangeDataWhenRefusedAndKeepFeedsParsable()
    {
        var seed = Environment.GetEnvironmentVariable("HEADLESSNEWS_FUZZ_SEED") is { Length: > 0 } s ? s : DefaultSeed;
        var cases = int.TryParse(Environment.GetEnvironmentVariable("HEADLESSNEWS_FUZZ_CASES"), out var n) ? n : DefaultCases;
        TestContext.Out.WriteLine($"fuzz seed {seed}, {cases} cases (replay: HEADLESSNEWS_FUZZ_SEED={seed} HEADLESSNEWS_FUZZ_CASES={cases})");

        await using var receiver = await WebhookReceiver.StartAsync(0);
        var room = new Newsroom { ReceiverUrl = receiver.Url };
        await CreateTagAsync("energy");
        await CreateTagAsync("ports", "place");
        await CreatePublishedAsync("harbour-reopens", ["energy"]);
        await CreateArticleAsync("storm-draft", ["ports"]);
        var pcg = PCG.Parse(seed);
        var generator = Operations(room);
        var watch = Stopwatch.StartNew();
        int accepted = 0, refused = 0;
        for (var i = 0; i < cases; i++)
        {
            await RefreshAsync(room);
            var caseSeed = pcg.ToString(pcg.State);
            var operation = generator.Generate(pcg, null, out _);
            var request = await ResolveAsync(operation, room);
            var before = await SnapshotAsync();
            var response = await Admin.SendAsync(request);
            var status = (int)response.StatusCode;
            var text = await response.Content.ReadAsStringAsync();
            var what = $"case {i} of seed {seed}: {request.Method} {request.RequestUri} {Preview(operation.Body)} -> {status} {Preview(text)}";
            if (status >= 500)
            {
                // Shrinking a whole sequence of live requests would replay it from an empty database for every
                // candidate; the failing request alone is shrunk instead, against the data as it stands now.
                void AnswersBelow500(Operation candidate)
                {
                    using var answer = Admin.SendAsync(ResolveAsync(candidate, room).GetAwaiter().GetResult()).GetAwaiter().GetResult();
                    Assert.That((int)answer.StatusCode, Is.LessThan(500));
                }
                throw FuzzInputs.Shrunk(generator, AnswersBelow500, o => $"{o.Method} {o.Path} {Preview(o.Body)}", i, seed, caseSeed, operation,
                    new AssertionException(what), iterations: 200);
            }
            if (status >= 400)
            {
                refused++;
                Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"), what);
                Assert.That(await SnapshotAsync(), Is.EqualTo(before), "a refused request changed stored data: " + what);
            }
            else if (request.Method != HttpMethod.Get)
            {
                accepted++;
                await AssertFeedsParseAsync(room, what);
            }
        }
        TestContext.Out.WriteLine($"{cases} cases in {watch.Elapsed.TotalSeconds:0.0} s: {accepted} writes accepted, {refused} refused");
    }

    private static Gen<Operation> Operations(Newsroom room)
    {
        var json = "application/json";
        Gen<JsonNode?> Obj(params (string Name, Gen<JsonNode?> Value)[] fields) =>
            Gen.Select(Gen.Bool.Array[fields.Length], fields.Aggregate(Gen.Const(Array.Empty<JsonNode?>()), (all, f) => Gen.Select(all, f.Value, (a, v) => (JsonNode?[])[.. a, v])), (present, values) =>
            {
                var o = new JsonObject();
                for (var i = 0; i < fields.Length; i++)
                    if (present[i] || i < 2)
                        o[fields[i].Name] = values[i]?.DeepClone();
                return (JsonNode?)o;
            });
        var slugList = Gen.OneOf<string>("energy", "ports", "nowhere").Array[0, 3].Select(a => (JsonNode?)new JsonArray(a.Select(t => (JsonNode?)t).ToArray()));
        var url = Gen.Frequency((3, Gen.Const("https://example.org/a")), (1, FuzzInputs.Text));
        // Half the articles are written to be accepted (any Unicode the API stores, any Markdown), half anything at all.
        var line = FuzzInputs.Text.Select(t => FuzzInputs.Storable(t, multiline: false));
        var lines = FuzzInputs.Text.Select(t => FuzzInputs.Storable(t, multiline: true));
        var clean = Obj(
            ("slug", FuzzInputs.Str(Gen.Select(FuzzInputs.Slug, Gen.Int[0, 99999], (s, n) => TextRulesSlug(s, n)))),
            ("title", FuzzInputs.Str(line.Select(t => t.Length is > 0 and <= 300 ? t : "A title"))),
            ("summary", FuzzInputs.Str(lines.Select(t => t.Length <= 1000 ? t : t[..1000].TrimEnd('\uD83D')))),
            ("bodyMarkdown", FuzzInputs.Str(FuzzInputs.Markdown.Select(m => FuzzInputs.Storable(m, multiline: true)))),
            ("tags", slugList),
            ("aiGenerated", Gen.Bool.Select(b => (JsonNode?)b)),
            ("disclosure", FuzzInputs.Str(lines.Select(t => t.Length <= 2000 ? t : "Disclosed."))));
        var hostile = Obj(
            ("slug", FuzzInputs.Mostly(FuzzInputs.Str(FuzzInputs.Slug))),
            ("title", FuzzInputs.Mostly(FuzzInputs.Str(FuzzInputs.Text))),
            ("summary", FuzzInputs.Mostly(FuzzInputs.Str(FuzzInputs.Text))),
            ("bodyMarkdown", FuzzInputs.Mostly(FuzzInputs.Str(FuzzInputs.Markdown))),
            ("tags", FuzzInputs.Mostly(slugList)),
            ("sources", FuzzInputs.Mostly(Obj(("title", FuzzInputs.Str(FuzzInputs.Text)), ("url", FuzzInputs.Str(url)), ("publisher", FuzzInputs.Str(FuzzInputs.Text)))
                .Array[0, 3].Select(a => (JsonNode?)new JsonArray(a)))),
            ("aiGenerated", FuzzInputs.Mostly(Gen.Bool.Select(b => (JsonNode?)b))),
            ("disclosure", FuzzInputs.Mostly(FuzzInputs.Str(FuzzInputs.Text))),
            ("heroImage", FuzzInputs.Mostly(Obj(("url", FuzzInputs.Str(url)), ("alt", FuzzInputs.Str(FuzzInputs.Text)), ("credit", FuzzInputs.Str(FuzzInputs.Text))))),
            ("canonicalUrl", FuzzInputs.Mostly(FuzzInputs.Str(url))));
        var article = Gen.OneOf(clean, hostile);
        var publish = Obj(("publishAt", FuzzInputs.Mostly(FuzzInputs.Str(FuzzInputs.Time))));
        var correction = Obj(("kind", FuzzInputs.Mostly(FuzzInputs.Str(Gen.OneOf<string>("correction", "update", "retraction")))), ("text", FuzzInputs.Str(FuzzInputs.Text)));
        var related = Obj(("articleIds", FuzzInputs.Mostly(Gen.OneOf(Gen.Const("{article}"), Gen.Guid.Select(g => g.ToString()), FuzzInputs.Text)
            .Array[0, 4].Select(a => (JsonNode?)new JsonArray(a.Select(x => (JsonNode?)x).ToArray())))), ("x", FuzzInputs.Scalar()));
        var tag = Obj(("slug", FuzzInputs.Mostly(FuzzInputs.Str(FuzzInputs.Slug))), ("name", FuzzInputs.Mostly(FuzzInputs.Str(FuzzInputs.Text))),
            ("kind", FuzzInputs.Mostly(FuzzInputs.Str(Gen.OneOf<string>("topic", "place", "person", "organisation", "TOPIC")))));
        var key = Obj(("name", FuzzInputs.Mostly(FuzzInputs.Str(FuzzInputs.Text))), ("role", FuzzInputs.Mostly(FuzzInputs.Str(Gen.OneOf<string>("reader", "partner", "editor", "admin", "root")))),
            ("requestsPerMinute", FuzzInputs.Scalar()));
        // Webhooks may only point at the test's own receiver, which answers 200: a failing delivery would change the
        // subscription's row in the background, under a refused request's check.
        var webhookUrl = Gen.Frequency((3, Gen.Const(room.ReceiverUrl)), (1, FuzzInputs.Text.Select(t => "ftp://" + t)), (1, Gen.Const("http://10.0.0.1/x")));
        var webhook = Obj(("url", FuzzInputs.Str(webhookUrl)),
            ("events", FuzzInputs.Mostly(Gen.OneOf<string>("article.published", "article.updated", "tag.created", "nope").Array[0, 3]
                .Select(a => (JsonNode?)new JsonArray(a.Select(x => (JsonNode?)x).ToArray())))),
            ("description", FuzzInputs.Mostly(FuzzInputs.Str(FuzzInputs.Text))), ("enabled", FuzzInputs.Scalar()));
        var overlap = Obj(("overlapHours", FuzzInputs.Mostly(Gen.Int[-5, 1000].Select(h => (JsonNode?)h))));
        var importLines = Gen.OneOf(article, FuzzInputs.AnyJson).Select(j => j?.ToJsonString() ?? "null").Array[1, 4]
            .Select(lines => string.Join('\n', lines.Select(l => l.Contains("\"status\"") ? l : l.Replace("{\"slug\"", "{\"status\":\"published\",\"slug\""))));

        Gen<Operation> Op(string method, string path, Gen<JsonNode?>? body = null) =>
            Gen.Select(body is null ? Gen.Const(default(string)) : Gen.Frequency(
                    (8, body.Select(b => b?.ToJsonString())),
                    (1, FuzzInputs.AnyJson.Select(b => b?.ToJsonString() ?? "null")),
                    (1, FuzzInputs.Text.Select(t => (string?)("{\"slug\":" + t)))),
                FuzzInputs.Query, Gen.Int[0, 1000], Gen.Int[0, 9],
                (b, q, pick, ifMatch) => new Operation(method, path.Replace("{q}", q), body is null ? null : json, b, pick, ifMatch));

        return Gen.Frequency(
            (3, Gen.OneOf(
                Op("GET", "/api/v1/articles?{q}"), Op("GET", "/api/v1/articles/{slug}"), Op("GET", "/api/v1/articles/{slug}/related?{q}"),
                Op("GET", "/api/v1/tags?{q}"), Op("GET", "/api/v1/tags/{slug}"), Op("GET", "/api/v1/search/suggest?{q}"), Op("GET", "/api/v1/changes?{q}"),
                Op("GET", "/feeds/rss.xml?{q}"), Op("GET", "/feeds/tags/{slug}/atom.xml"), Op("GET", "/sitemaps/articles-{page}.xml"),
                Op("GET", "/api/v1/manage/articles?{q}"), Op("GET", "/api/v1/manage/articles/{article}"), Op("GET", "/api/v1/manage/articles/{article}/related"),
                Op("GET", "/api/v1/manage/articles/{article}/revisions"), Op("GET", "/api/v1/manage/articles/{article}/revisions/{page}"),
                Op("GET", "/api/v1/manage/articles/{article}/revisions/diff?{q}"), Op("GET", "/api/v1/manage/articles/{article}/revisions/diff?from={page}&to=1"),
                Op("GET", "/api/v1/manage/audit?{q}"), Op("GET", "/api/v1/manage/keys?{q}"), Op("GET", "/api/v1/manage/webhooks"),
                Op("GET", "/api/v1/manage/webhooks/{webhook}"), Op("GET", "/api/v1/manage/webhooks/{webhook}/deliveries?{q}"),
                Op("GET", "/api/v1/manage/webhooks/{webhook}/deliveries/{guid}"), Op("GET", "/health/ready"))),
            (6, Op("POST", "/api/v1/manage/articles", article)),
            (6, Op("PUT", "/api/v1/manage/articles/{article}", article)),
            (3, Op("POST", "/api/v1/manage/articles/{article}/publish", publish)),
            (1, Op("POST", "/api/v1/manage/articles/{article}/unpublish")),
            (1, Op("POST", "/api/v1/manage/articles/{article}/archive")),
            (1, Op("DELETE", "/api/v1/manage/articles/{article}")),
            (2, Op("POST", "/api/v1/manage/articles/{article}/corrections", correction)),
            (2, Op("PUT", "/api/v1/manage/articles/{article}/related", related)),
            (1, Op("POST", "/api/v1/manage/articles/{article}/revisions/{page}/restore")),
            (2, Op("POST", "/api/v1/manage/tags", tag)),
            (1, Op("PUT", "/api/v1/manage/tags/{tag}", tag)),
            (1, Op("DELETE", "/api/v1/manage/tags/{tag}")),
            (1, Op("POST", "/api/v1/manage/keys", key)),
            (1, Op("DELETE", "/api/v1/manage/keys/{key}")),
            (1, Op("POST", "/api/v1/manage/webhooks", webhook)),
            (1, Op("PUT", "/api/v1/manage/webhooks/{webhook}", webhook)),
            (1, Op("POST", "/api/v1/manage/webhooks/{webhook}/rotate-secret", overlap)),
            (1, Op("POST", "/api/v1/manage/webhooks/{webhook}/dead-letters/replay")),
            (2, Gen.Select(importLines, Gen.Int[0, 1000], (lines, pick) =>
                new Operation("POST", "/api/v1/manage/import", "application/x-ndjson", lines, pick, 0))));
    }

    // A well-formed slug from any generated one, unique enough that creates mostly succeed.
    private static string TextRulesSlug(string slug, int n) =>
        System.Text.RegularExpressions.Regex.IsMatch(slug, "^[a-z0-9]+(-[a-z0-9]+)*$") && slug.Length <= 190 ? $"{slug}-{n}" : $"story-{n}";

    private async Task RefreshAsync(Newsroom room)
    {
        var articles = await ReadJsonAsync(await Admin.GetAsync("/api/v1/manage/articles?limit=100"));
        room.Articles = articles["items"]!.AsArray().Select(a => a!["id"]!.GetValue<Guid>()).ToList();
        room.ArticleSlugs = Slugs(articles).ToList();
        room.Tags = (await SqlListAsync("select id::text from tags order by slug")).Select(Guid.Parse).ToList();
        room.TagSlugs = await SqlListAsync("select slug from tags order by slug");
        room.Keys = (await SqlListAsync("select id::text from api_keys order by created_at")).Select(Guid.Parse).ToList();
        room.Webhooks = (await SqlListAsync("select id::text from webhook_subscriptions order by created_at")).Select(Guid.Parse).ToList();
    }

    private static async Task<List<string>> SqlListAsync(string sql)
    {
        var joined = await SqlAsync<string>($"select coalesce(string_agg(x, '|'), '') from ({sql}) as rows(x)");
        return joined.Length == 0 ? [] : joined.Split('|').ToList();
    }

    private async Task<HttpRequestMessage> ResolveAsync(Operation operation, Newsroom room)
    {
        T Pick<T>(List<T> from, T otherwise) => from.Count == 0 || operation.Pick % 10 == 0 ? otherwise : from[operation.Pick % from.Count];
        var article = Pick(room.Articles, Guid.NewGuid());
        var path = operation.Path
            .Replace("{article}", article.ToString())
            .Replace("{slug}", Uri.EscapeDataString(Pick(room.ArticleSlugs.Concat(room.TagSlugs).ToList(), "no-such-slug")))
            .Replace("{tag}", Pick(room.Tags, Guid.NewGuid()).ToString())
            .Replace("{key}", Pick(room.Keys, Guid.NewGuid()).ToString())
            .Replace("{webhook}", Pick(room.Webhooks, Guid.NewGuid()).ToString())
            .Replace("{guid}", Guid.NewGuid().ToString())
            .Replace("{page}", (operation.Pick % 5 - 1).ToString());
        var request = new HttpRequestMessage(new HttpMethod(operation.Method), path);
        if (operation.Body is not null)
            request.Content = new StringContent(operation.Body.Replace("{article}", Pick(room.Articles, article).ToString()), Encoding.UTF8, operation.ContentType!);
        if (operation.Method != "GET" && path.StartsWith("/api/v1/manage/articles/", StringComparison.Ordinal))
        {
            // Mostly the article's current ETag; sometimes a stale one, garbage, or none.
            var current = await Admin.GetAsync($"/api/v1/manage/articles/{article}");
            var etag = current.Headers.ETag?.Tag ?? "\"1\"";
            switch (operation.IfMatch)
            {
                case < 7: request.Headers.TryAddWithoutValidation("If-Match", etag); break;
                case 7: request.Headers.TryAddWithoutValidation("If-Match", "\"0\""); break;
                case 8: request.Headers.TryAddWithoutValidation("If-Match", "W/\"\u00e9\", *, \"9999999999999\""); break;
            }
        }
        return request;
    }

    private async Task AssertFeedsParseAsync(Newsroom room, string what)
    {
        var paths = new List<string> { "/feeds/rss.xml", "/feeds/atom.xml", "/feeds/feed.json", "/sitemap.xml", "/sitemap-news.xml" };
        foreach (var slug in room.TagSlugs.Take(3))
            paths.AddRange([$"/feeds/tags/{slug}/rss.xml", $"/feeds/tags/{slug}/atom.xml", $"/feeds/tags/{slug}/feed.json"]);
        foreach (var path in paths)
        {
            var response = await Anonymous.GetAsync(path);
            var text = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == HttpStatusCode.NotFound && path.StartsWith("/feeds/tags/", StringComparison.Ordinal))
                continue;
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), $"{path} after {what}: {Preview(text)}");
            try
            {
                if (path.EndsWith(".json", StringComparison.Ordinal))
                {
                    var feed = JsonNode.Parse(text)!;
                    Assert.That(feed["version"]!.GetValue<string>(), Is.EqualTo("https://jsonfeed.org/version/1.1"), path);
                    Assert.That(feed["items"]!.AsArray(), Is.Not.Null, path);
                }
                else if (path.StartsWith("/feeds/", StringComparison.Ordinal))
                {
                    using var reader = XmlReader.Create(new StringReader(text));
                    Assert.That(SyndicationFeed.Load(reader), Is.Not.Null, path);
                }
                else
                    XDocument.Parse(text);
            }
            catch (Exception e) when (e is XmlException or System.Text.Json.JsonException)
            {
                Assert.Fail($"{path} does not parse after {what}: {e.Message}");
            }
        }
    }

    private static string Preview(string? text) =>
        text is null ? "" : (text.Length > 300 ? text[..300] + $"… ({text.Length:N0} chars)" : text).Replace("\n", "\\n");
}
