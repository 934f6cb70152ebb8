using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using HeadlessNews.Tests.Infrastructure;

namespace HeadlessNews.Tests.Features.Changes;

/// <summary>
/// Every cell of the transition table (<see cref="TransitionTable"/>), over HTTP: an article is put in the state
/// before, the operation is applied, and a real webhook receiver on loopback and the anonymous change feed must show
/// exactly the events and entry the table says, and nothing else. An article that has not been public must leave no
/// trace (title, summary or slug) in any webhook body, change-feed page, feed, sitemap, search, suggestion or related
/// card, before the operation and after it unless the operation made it public.
/// </summary>
[RunsInBackground(Background.Webhooks | Background.Scheduler)]
public sealed class TransitionTableTests : ApiTestBase
{
    private static WebhookReceiver _receiver = null!;

    [OneTimeSetUp]
    public async Task StartReceiverAsync() => _receiver = await WebhookReceiver.StartAsync();

    [OneTimeTearDown]
    public async Task StopReceiverAsync() => await _receiver.DisposeAsync();

    private static IEnumerable<TestCaseData> Cells() =>
        TransitionTable.Cells().Select(c => new TestCaseData(c).SetName($"Transition: {c}"));

    [Test]
    public void ThePartnerDocumentationStatesThisTable()
    {
        var partners = File.ReadAllText(Path.Combine(TestDatabase.RepositoryRoot(), "docs", "partners.md")).Replace("\r\n", "\n");
        var table = string.Join('\n', TransitionTable.Markdown.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0));
        Assert.That(partners, Does.Contain(table));
    }

    [TestCaseSource(nameof(Cells))]
    public async Task ExactlyWhatTheTableSays(TransitionTable.Cell cell)
    {
        _receiver.Requests.Clear();
        var subscribed = await Admin.PostAsJsonAsync("/api/v1/manage/webhooks", new
        {
            url = _receiver.Url,
            events = new[] { "article.published", "article.updated", "article.unpublished", "article.archived", "article.deleted" },
        });
        Assert.That(subscribed.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        await CreateTagAsync("embargo-desk");

        // A word nobody else uses, in the title, the summary and the slug.
        var token = "qz" + new string(Enumerable.Range(0, 10).Select(_ => (char)('a' + Random.Shared.Next(26))).ToArray());
        var slug = $"embargo-{token}";
        var neverPublic = cell.Before is "draft" or "scheduled" or "archived" or "absent" or "scheduled, time come";

        // A public article with the same tag and a curated link to the subject: the related cards a reader would see.
        var neighbour = await CreatePublishedAsync($"neighbour-{token[2..]}", ["embargo-desk"]);
        var subject = cell.Before == "absent" ? Guid.CreateVersion7() : await ArrangeAsync(slug, token, cell.Before);
        if (cell.Before != "absent")
        {
            var related = await SendAsync(Admin, HttpMethod.Put, $"/api/v1/manage/articles/{neighbour}/related", new { articleIds = new[] { subject } }, await VersionAsync(neighbour));
            Assert.That(related.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        await SettledAsync();
        if (neverPublic)
            await AssertNoTraceAsync(token, $"neighbour-{token[2..]}", "before the operation");
        var since = await ChangeFeedEndAsync();
        var seen = _receiver.Requests.Count;
        if (cell.Before == "scheduled, time come")
        {
            // The time comes (moved in the database, as the API cannot) just before the operation, so that whether
            // the scheduler or the operation announces it first, it happens after the marks above.
            await SqlAsync<int>("update articles set published_at = now() - interval '1 second' where id = @subject returning 1", new { subject });
        }

        var status = await ApplyAsync(cell, subject, slug, token);
        if (cell.Operation == "create")
            subject = await SqlAsync<Guid>("select id from articles where slug = @slug", new { slug });

        var expectedStatus = cell.After switch
        {
            "refused (422)" => HttpStatusCode.UnprocessableEntity,
            "refused (404)" => HttpStatusCode.NotFound,
            _ => status is HttpStatusCode.Created or HttpStatusCode.NoContent ? status : HttpStatusCode.OK,
        };
        Assert.That(status, Is.EqualTo(expectedStatus), $"{cell}: status of the operation");
        await SettledAsync();

        var events = _receiver.Requests.Skip(seen).Where(r => r.Data["article"]!["id"]!.GetValue<Guid>() == subject).Select(r => r.Type).ToList();
        Assert.That(events, Is.EquivalentTo(cell.Events), $"{cell}: webhook events");

        var entries = await ChangesSinceAsync(since, subject);
        Assert.That(entries, Is.EqualTo(cell.Feed is null ? Array.Empty<string>() : new[] { cell.Feed }), $"{cell}: change-feed entries");

        var state = await StateAsync(subject);
        if (!cell.After.StartsWith("refused"))
            Assert.That(state, Is.EqualTo(cell.After), $"{cell}: state after");
        if (neverPublic && state != "public")
            await AssertNoTraceAsync(token, $"neighbour-{token[2..]}", "after the operation");
    }

    private async Task<Guid> ArrangeAsync(string slug, string token, string state)
    {
        var (id, version) = await CreateArticleAsync(slug, ["embargo-desk"], new
        {
            title = $"Minister {token} resigns",
            summary = $"The {token} announcement is under embargo.",
        });
        switch (state)
        {
            case "draft":
                break;
            case "scheduled" or "scheduled, time come":
                await PublishAsync(id, version, DateTimeOffset.UtcNow.AddDays(1));
                break;
            case "public":
                await PublishAsync(id, version);
                break;
            case "archived":
                Assert.That((await SendAsync(Admin, HttpMethod.Post, $"/api/v1/manage/articles/{id}/archive", null, version)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
                break;
            default:
                throw new ArgumentException(state);
        }
        return id;
    }

    private async Task<HttpStatusCode> ApplyAsync(TransitionTable.Cell cell, Guid id, string slug, string token)
    {
        var article = $"/api/v1/manage/articles/{id}";
        async Task<int> Version() => cell.Before == "absent" ? 1 : await VersionAsync(id);
        switch (cell.Operation)
        {
            case "create":
                return (await Admin.PostAsJsonAsync("/api/v1/manage/articles", new { slug, title = $"Minister {token} resigns", tags = new[] { "embargo-desk" } })).StatusCode;
            case "update":
                return (await SendAsync(Admin, HttpMethod.Put, article, new
                {
                    slug, title = $"Minister {token} resigns today", summary = $"The {token} announcement, revised.", tags = new[] { "embargo-desk" },
                }, await Version())).StatusCode;
            case "publish now":
                return (await SendAsync(Admin, HttpMethod.Post, $"{article}/publish", null, await Version())).StatusCode;
            case "schedule" or "reschedule":
                return (await SendAsync(Admin, HttpMethod.Post, $"{article}/publish", new { publishAt = DateTimeOffset.UtcNow.AddDays(2) }, await Version())).StatusCode;
            case "unpublish" or "archive":
                return (await SendAsync(Admin, HttpMethod.Post, $"{article}/{cell.Operation}", null, await Version())).StatusCode;
            case "delete":
                return (await SendAsync(Admin, HttpMethod.Delete, article, null, await Version())).StatusCode;
            case "related links":
                var other = await CreatePublishedAsync($"other-{token[2..]}");
                return (await SendAsync(Admin, HttpMethod.Put, $"{article}/related", new { articleIds = new[] { other } }, await Version())).StatusCode;
            case "correction":
                return (await SendAsync(Admin, HttpMethod.Post, $"{article}/corrections", new { kind = "correction", text = "A date was wrong." }, await Version())).StatusCode;
            case "revision restore":
                return (await SendAsync(Admin, HttpMethod.Post, $"{article}/revisions/1/restore", null, await Version())).StatusCode;
            case "import line":
                return await ImportLineAsync(cell, id, slug, token);
            case "the scheduler reaches the time":
                // The scheduler polls every 0.3 s in the tests; its announcement is what the next settling waits for.
                var deadline = DateTime.UtcNow.AddSeconds(10);
                while (await SqlAsync<string>("select status from articles where id = @id", new { id }) != "published" && DateTime.UtcNow < deadline)
                    await Task.Delay(50);
                return HttpStatusCode.OK;
            case "any write":
                var missing = $"/api/v1/manage/articles/{Guid.NewGuid()}";
                var answers = new[]
                {
                    await SendAsync(Admin, HttpMethod.Put, missing, new { slug, title = "Nothing" }, 1),
                    await SendAsync(Admin, HttpMethod.Post, $"{missing}/publish", null, 1),
                    await SendAsync(Admin, HttpMethod.Post, $"{missing}/unpublish", null, 1),
                    await SendAsync(Admin, HttpMethod.Post, $"{missing}/archive", null, 1),
                    await SendAsync(Admin, HttpMethod.Delete, missing, null, 1),
                    await SendAsync(Admin, HttpMethod.Put, $"{missing}/related", new { articleIds = Array.Empty<Guid>() }, 1),
                    await SendAsync(Admin, HttpMethod.Post, $"{missing}/corrections", new { kind = "correction", text = "No." }, 1),
                    await SendAsync(Admin, HttpMethod.Post, $"{missing}/revisions/1/restore", null, 1),
                };
                Assert.That(answers.Select(a => a.StatusCode), Is.All.EqualTo(HttpStatusCode.NotFound));
                return HttpStatusCode.NotFound;
            default:
                throw new ArgumentException(cell.Operation);
        }
    }

    /// <summary>One NDJSON line that takes the article (by id) to the state after, with a change so it is not "unchanged".</summary>
    private async Task<HttpStatusCode> ImportLineAsync(TransitionTable.Cell cell, Guid id, string slug, string token)
    {
        // A line still saying "published" with a time to come must be taken as the schedule it is.
        var (status, at) = (cell.After, cell.Before) switch
        {
            ("draft", _) => ("draft", (DateTimeOffset?)null),
            ("scheduled", "draft") => ("scheduled", DateTimeOffset.UtcNow.AddDays(2)),
            ("scheduled", _) => ("published", DateTimeOffset.UtcNow.AddDays(2)),
            ("public", _) => ("published", DateTimeOffset.UtcNow.AddHours(-1)),
            ("archived", _) => ("archived", null),
            _ => throw new ArgumentException(cell.After),
        };
        var line = new JsonObject
        {
            ["id"] = id, ["slug"] = slug, ["title"] = $"Minister {token} resigns (imported)", ["summary"] = $"The {token} announcement, imported.",
            ["status"] = status, ["publishedAt"] = at?.ToString("O"),
            ["tags"] = new JsonArray(new JsonObject { ["slug"] = "embargo-desk", ["name"] = "embargo-desk", ["kind"] = "topic" }),
        };
        var content = new StringContent(line.ToJsonString(), Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
        var response = await Admin.PostAsync("/api/v1/manage/import", content);
        var summary = await ReadJsonAsync(response);
        Assert.That(summary["failed"]!.GetValue<int>(), Is.Zero, summary.ToJsonString());
        return response.StatusCode;
    }

    private async Task<int> VersionAsync(Guid id) =>
        (await ReadJsonAsync(await Admin.GetAsync($"/api/v1/manage/articles/{id}")))["version"]!.GetValue<int>();

    /// <summary>The article's state, by the table's names.</summary>
    private async Task<string> StateAsync(Guid id)
    {
        var response = await Admin.GetAsync($"/api/v1/manage/articles/{id}");
        if (response.StatusCode == HttpStatusCode.NotFound)
            return "absent";
        var status = (await ReadJsonAsync(response))["status"]!.GetValue<string>();
        return status == "published" ? "public" : status;
    }

    /// <summary>Waits until every webhook delivery has been made, so what the receiver holds is all there is.</summary>
    private static async Task SettledAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (await SqlAsync<long>("select count(*) from webhook_deliveries where status = 'pending'") > 0)
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "webhook deliveries did not settle");
            await Task.Delay(50);
        }
    }

    private async Task<string> ChangeFeedEndAsync()
    {
        string? since = null;
        while (true)
        {
            var page = await ReadJsonAsync(await Anonymous.GetAsync("/api/v1/changes?limit=500" + (since is null ? "" : $"&since={since}")));
            since = page["nextSince"]!.GetValue<string>();
            if (!page["hasMore"]!.GetValue<bool>())
                return since;
        }
    }

    private async Task<string[]> ChangesSinceAsync(string since, Guid id)
    {
        var page = await ReadJsonAsync(await Anonymous.GetAsync($"/api/v1/changes?limit=500&since={since}"));
        return page["items"]!.AsArray().Where(i => i!["id"]!.GetValue<Guid>() == id).Select(i => i!["type"]!.GetValue<string>()).ToArray();
    }

    /// <summary>Everything a partner, a reader or a crawler can fetch: none of it may carry the token.</summary>
    private async Task AssertNoTraceAsync(string token, string neighbourSlug, string when)
    {
        var everything = new List<(string Where, string Text)>();
        foreach (var received in _receiver.Requests)
            everything.Add(("webhook " + received.Type, received.Body));
        string? since = null;
        while (true)
        {
            var text = await Anonymous.GetStringAsync("/api/v1/changes?limit=500" + (since is null ? "" : $"&since={since}"));
            everything.Add(("change feed", text));
            var page = JsonNode.Parse(text)!;
            since = page["nextSince"]!.GetValue<string>();
            if (!page["hasMore"]!.GetValue<bool>())
                break;
        }
        foreach (var url in new[]
                 {
                     "/feeds/rss.xml", "/feeds/atom.xml", "/feeds/feed.json", "/feeds/tags/embargo-desk/rss.xml", "/feeds/tags/embargo-desk/atom.xml",
                     "/feeds/tags/embargo-desk/feed.json", "/sitemap.xml", "/sitemap-news.xml", "/api/v1/articles?limit=100",
                     "/api/v1/articles?tag=embargo-desk", $"/api/v1/articles?q={token}", $"/api/v1/search/suggest?q={token}",
                     $"/api/v1/search/suggest?q={token[..6]}", "/api/v1/tags/embargo-desk", $"/api/v1/articles/{neighbourSlug}",
                     $"/api/v1/articles/{neighbourSlug}/related?limit=10",
                 })
        {
            var response = await Anonymous.GetAsync(url);
            everything.Add((url, await response.Content.ReadAsStringAsync()));
        }
        // Answered exactly like an article that does not exist (the problem names the path it was asked for).
        Assert.That((await Anonymous.GetAsync($"/api/v1/articles/embargo-{token}")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound), when);
        foreach (var (where, text) in everything)
            Assert.That(text, Does.Not.Contain(token), $"{when}: {where} shows the embargoed article");
    }
}
