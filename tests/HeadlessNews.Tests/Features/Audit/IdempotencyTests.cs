using System.Net;
using System.Net.Http.Json;
using HeadlessNews.Tests.Infrastructure;

namespace HeadlessNews.Tests.Features.Audit;

public sealed class IdempotencyTests : ApiTestBase
{
    private static HttpRequestMessage Post(string url, object body, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", key);
        return request;
    }

    [Test]
    public async Task ARetryWithTheSameKeyReplaysTheFirstResponseWithoutDoingTheWorkAgain()
    {
        var body = new { slug = "budget-leak", title = "Budget leak" };
        var first = await Admin.SendAsync(Post("/api/v1/manage/articles", body, "create-budget-leak-1"));
        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var retry = await Admin.SendAsync(Post("/api/v1/manage/articles", body, "create-budget-leak-1"));

        Assert.That(retry.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(retry.Headers.GetValues("Idempotent-Replayed").Single(), Is.EqualTo("true"));
        Assert.That(retry.Headers.Location, Is.EqualTo(first.Headers.Location));
        Assert.That(retry.Headers.ETag, Is.EqualTo(first.Headers.ETag));
        Assert.That(await retry.Content.ReadAsStringAsync(), Is.EqualTo(await first.Content.ReadAsStringAsync()));
        Assert.That(await SqlAsync<long>("select count(*) from articles"), Is.EqualTo(1));

        // Failures are replayed too: the same conflicting request keeps its answer.
        var conflict = await Admin.SendAsync(Post("/api/v1/manage/articles", body, "create-budget-leak-2"));
        Assert.That(conflict.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
    }

    [Test]
    public async Task TheSameKeyWithADifferentBodyIs422AndChangesNothing()
    {
        await Admin.SendAsync(Post("/api/v1/manage/tags", new { slug = "rivers", name = "Rivers", kind = "topic" }, "tag-1"));
        var before = await SnapshotAsync();
        var reused = await Admin.SendAsync(Post("/api/v1/manage/tags", new { slug = "lakes", name = "Lakes", kind = "topic" }, "tag-1"));
        var problem = await AssertProblemAsync(reused, HttpStatusCode.UnprocessableEntity);
        Assert.That(problem["detail"]!.GetValue<string>(), Does.Contain("different request"));
        Assert.That(await SnapshotAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task KeysBelongToTheApiKeyThatSentThem()
    {
        using var editor = await ClientWithRoleAsync("editor");
        var mine = await Admin.SendAsync(Post("/api/v1/manage/tags", new { slug = "wetlands", name = "Wetlands", kind = "topic" }, "shared-key"));
        var theirs = await editor.SendAsync(Post("/api/v1/manage/tags", new { slug = "marshes", name = "Marshes", kind = "topic" }, "shared-key"));
        Assert.That(mine.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(theirs.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(theirs.Headers.Contains("Idempotent-Replayed"), Is.False);
    }

    [Test]
    public async Task ConcurrentRetriesWithOneKeyDoTheWorkOnce()
    {
        var body = new { slug = "storm-warning", title = "Storm warning" };
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Admin.SendAsync(Post("/api/v1/manage/articles", body, "storm-once"))));
        Assert.That(responses.Select(r => r.StatusCode), Is.All.EqualTo(HttpStatusCode.Created));
        Assert.That(responses.Select(r => r.Headers.Location).Distinct().Count(), Is.EqualTo(1));
        Assert.That(await SqlAsync<long>("select count(*) from articles"), Is.EqualTo(1));
        Assert.That(responses.Count(r => r.Headers.Contains("Idempotent-Replayed")), Is.EqualTo(7));
    }

    [Test]
    public async Task ExpiredKeysAreForgottenAndBadKeysAre400()
    {
        var body = new { slug = "quay-repairs", title = "Quay repairs" };
        await Admin.SendAsync(Post("/api/v1/manage/articles", body, "old-key"));
        await SqlAsync<int>("update idempotency_keys set created_at = now() - interval '25 hours' returning 1");
        var again = await Admin.SendAsync(Post("/api/v1/manage/articles", body, "old-key"));
        Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.Conflict), "the key expired, so the create ran again and met the existing slug");

        await AssertProblemAsync(await Admin.SendAsync(Post("/api/v1/manage/articles", body, new string('k', 256))), HttpStatusCode.BadRequest);
        var twice = new HttpRequestMessage(HttpMethod.Post, "/api/v1/manage/articles") { Content = JsonContent.Create(body) };
        twice.Headers.TryAddWithoutValidation("Idempotency-Key", ["one", "two"]);
        await AssertProblemAsync(await Admin.SendAsync(twice), HttpStatusCode.BadRequest);
    }
}
