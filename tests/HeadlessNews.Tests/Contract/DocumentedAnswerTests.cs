using System.Net;
using System.Net.Http.Json;
using HeadlessNews.Tests.Infrastructure;

namespace HeadlessNews.Tests.Contract;

/// <summary>
/// Documented answers that the feature tests do not happen to provoke, provoked here once per operation, so the
/// contract check sees each of them (see WholeRunContractCoverageTests).
/// </summary>
public sealed class DocumentedAnswerTests : ApiTestBase
{
    private async Task<(Guid Published, Guid Draft, Guid Webhook)> ArrangeAsync()
    {
        await CreateTagAsync("gaps");
        var published = await CreatePublishedAsync("gap-story", ["gaps"]);
        await CreatePublishedAsync("gap-other-story", ["gaps"], DateTimeOffset.UtcNow.AddMinutes(-1));
        var (draft, _) = await CreateArticleAsync("gap-draft");
        var webhook = await Admin.PostAsJsonAsync("/api/v1/manage/webhooks", new { url = "http://127.0.0.1:9/hook", events = new[] { "article.published" } });
        Assert.That(webhook.StatusCode, Is.EqualTo(HttpStatusCode.Created), await webhook.Content.ReadAsStringAsync());
        return (published, draft, (await ReadJsonAsync(webhook))["id"]!.GetValue<Guid>());
    }

    [Test]
    public async Task EveryDeliveryGetAnswers304ToItsOwnETag()
    {
        await ArrangeAsync();
        foreach (var path in new[]
                 {
                     "/api/v1/articles", "/api/v1/articles/gap-story/related", "/api/v1/tags/gaps", "/api/v1/search/suggest?q=gap",
                     "/feeds/tags/gaps/rss.xml", "/feeds/tags/gaps/atom.xml", "/feeds/tags/gaps/feed.json", "/sitemaps/articles-1.xml",
                 })
        {
            var first = await Anonymous.GetAsync(path);
            Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.OK), path);
            var again = new HttpRequestMessage(HttpMethod.Get, path);
            again.Headers.IfNoneMatch.Add(first.Headers.ETag!);
            Assert.That((await Anonymous.SendAsync(again)).StatusCode, Is.EqualTo(HttpStatusCode.NotModified), path);
        }
    }

    [Test]
    public async Task EveryOperationRefusesAnApiKeyInTheQueryString()
    {
        var (published, _, webhook) = await ArrangeAsync();
        var tag = (await ReadJsonAsync(await Admin.PostAsJsonAsync("/api/v1/manage/tags", new { slug = "gap-spare", name = "Spare", kind = "topic" })))["id"]!;
        foreach (var (method, path) in new[]
                 {
                     (HttpMethod.Get, $"/api/v1/manage/articles/{published}"), (HttpMethod.Delete, $"/api/v1/manage/articles/{published}"),
                     (HttpMethod.Get, $"/api/v1/manage/articles/{published}/related"), (HttpMethod.Get, $"/api/v1/manage/articles/{published}/revisions"),
                     (HttpMethod.Get, $"/api/v1/manage/articles/{published}/revisions/1"), (HttpMethod.Delete, $"/api/v1/manage/tags/{tag}"),
                     (HttpMethod.Get, "/api/v1/manage/keys"), (HttpMethod.Delete, $"/api/v1/manage/keys/{Guid.NewGuid()}"),
                     (HttpMethod.Get, "/api/v1/manage/webhooks"), (HttpMethod.Get, $"/api/v1/manage/webhooks/{webhook}"),
                     (HttpMethod.Delete, $"/api/v1/manage/webhooks/{webhook}"), (HttpMethod.Get, $"/api/v1/manage/webhooks/{webhook}/deliveries/{Guid.NewGuid()}"),
                     (HttpMethod.Get, "/api/v1/tags/gaps"),
                 })
        {
            var problem = await AssertProblemAsync(await Admin.SendAsync(new HttpRequestMessage(method, path + "?api_key=secret")), HttpStatusCode.BadRequest);
            Assert.That(problem["errors"]!["api_key"], Is.Not.Null, path);
        }
    }

    [Test]
    public async Task EveryManagementPostRefusesAMalformedKeyAndAKeyReusedForAnotherRequest()
    {
        var (published, _, webhook) = await ArrangeAsync();
        var ndjson = new StringContent("{\"slug\":\"gap-imported\",\"title\":\"Imported\",\"status\":\"draft\"}\n", System.Text.Encoding.UTF8, "application/x-ndjson");
        foreach (var (path, body) in new (string, object?)[]
                 {
                     ("/api/v1/manage/import", ndjson), ("/api/v1/manage/keys", new { name = "Spare", role = "reader" }),
                     ("/api/v1/manage/articles", new { slug = "gap-created", title = "Created", tags = Array.Empty<string>() }),
                     ($"/api/v1/manage/articles/{published}/unpublish", null), ($"/api/v1/manage/articles/{published}/archive", null),
                     ($"/api/v1/manage/articles/{published}/revisions/1/restore", null),
                     ("/api/v1/manage/webhooks", new { url = "http://127.0.0.1:9/other", events = new[] { "tag.created" } }),
                     ($"/api/v1/manage/webhooks/{webhook}/rotate-secret", null),
                     ($"/api/v1/manage/webhooks/{webhook}/deliveries/{Guid.NewGuid()}/redeliver", null),
                     ($"/api/v1/manage/webhooks/{webhook}/dead-letters/replay", null),
                 })
        {
            HttpRequestMessage Request(string url, string key)
            {
                var request = new HttpRequestMessage(HttpMethod.Post, url)
                {
                    Content = body switch { null => null, HttpContent content => content, _ => JsonContent.Create(body) },
                };
                request.Headers.Add("Idempotency-Key", key);
                return request;
            }

            await AssertProblemAsync(await Admin.SendAsync(Request(path, new string('k', 300))), HttpStatusCode.BadRequest);
            var key = Guid.NewGuid().ToString();
            await Admin.SendAsync(Request(path, key));
            // The query string is part of the request the key stands for: the same key for another one is refused.
            await AssertProblemAsync(await Admin.SendAsync(Request(path + "?again=1", key)), HttpStatusCode.UnprocessableEntity);
        }
    }

    [Test]
    public async Task WritesAnswer428WithoutIfMatch412WhenStaleAnd409ForATakenSlug()
    {
        var (published, draft, _) = await ArrangeAsync();
        foreach (var action in new[] { "unpublish", "archive" })
        {
            await AssertProblemAsync(await SendAsync(Admin, HttpMethod.Post, $"/api/v1/manage/articles/{draft}/{action}"), (HttpStatusCode)428);
            await AssertProblemAsync(await SendAsync(Admin, HttpMethod.Post, $"/api/v1/manage/articles/{draft}/{action}", ifMatch: 99), HttpStatusCode.PreconditionFailed);
        }
        await AssertProblemAsync(await SendAsync(Admin, HttpMethod.Post, $"/api/v1/manage/articles/{published}/corrections",
            new { kind = "correction", text = "Stale." }, 99), HttpStatusCode.PreconditionFailed);
        await AssertProblemAsync(await SendAsync(Admin, HttpMethod.Put, $"/api/v1/manage/articles/{published}/related",
            new { articleIds = Array.Empty<Guid>() }, 99), HttpStatusCode.PreconditionFailed);
        await AssertProblemAsync(await SendAsync(Admin, HttpMethod.Put, $"/api/v1/manage/articles/{draft}",
            new { slug = "gap-story", title = "Taken slug", tags = Array.Empty<string>() }, 1), HttpStatusCode.Conflict);
    }

    [Test]
    public async Task UnknownResourcesAnswer404AndADeletedWebhook204()
    {
        var (_, _, webhook) = await ArrangeAsync();
        var unknown = Guid.NewGuid();
        await AssertProblemAsync(await Admin.GetAsync($"/api/v1/manage/articles/{unknown}/related"), HttpStatusCode.NotFound);
        await AssertProblemAsync(await Admin.PutAsJsonAsync($"/api/v1/manage/webhooks/{unknown}",
            new { url = "http://127.0.0.1:9/hook", events = new[] { "article.published" } }), HttpStatusCode.NotFound);
        await AssertProblemAsync(await Admin.PostAsync($"/api/v1/manage/webhooks/{unknown}/rotate-secret", null), HttpStatusCode.NotFound);
        await AssertProblemAsync(await Admin.GetAsync($"/api/v1/manage/webhooks/{unknown}/deliveries"), HttpStatusCode.NotFound);
        await AssertProblemAsync(await Admin.GetAsync($"/api/v1/manage/webhooks/{webhook}/deliveries/{unknown}"), HttpStatusCode.NotFound);
        await AssertProblemAsync(await Admin.PostAsync($"/api/v1/manage/webhooks/{unknown}/dead-letters/replay", null), HttpStatusCode.NotFound);
        Assert.That((await Admin.DeleteAsync($"/api/v1/manage/webhooks/{webhook}")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        await AssertProblemAsync(await Admin.DeleteAsync($"/api/v1/manage/webhooks/{webhook}"), HttpStatusCode.NotFound);
    }
}
