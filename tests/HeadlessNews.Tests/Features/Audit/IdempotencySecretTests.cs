using System.Net;
using System.Net.Http.Json;
using HeadlessNews.Tests.Infrastructure;

namespace HeadlessNews.Tests.Features.Audit;

/// <summary>
/// A secret is shown once: the stored answer an Idempotency-Key replays must not hold it, and the replay must not
/// show it again. It answers the same resource with the secret null and says so in Idempotent-Secret-Withheld.
/// </summary>
public sealed class IdempotencySecretTests : ApiTestBase
{
    private static HttpRequestMessage Post(string url, object body, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", key);
        return request;
    }

    private static Task<long> StoredAnswersHoldingAsync(string secret) =>
        SqlAsync<long>("select count(*) from idempotency_keys where position(convert_to(@secret, 'UTF8') in body) > 0", new { secret });

    private async Task<(HttpResponseMessage First, HttpResponseMessage Replay)> PostTwiceAsync(string url, object body, string key)
    {
        var first = await Admin.SendAsync(Post(url, body, key));
        Assert.That((int)first.StatusCode, Is.InRange(200, 299), await first.Content.ReadAsStringAsync());
        var replay = await Admin.SendAsync(Post(url, body, key));
        Assert.That(replay.StatusCode, Is.EqualTo(first.StatusCode));
        Assert.That(replay.Headers.GetValues("Idempotent-Replayed").Single(), Is.EqualTo("true"));
        return (first, replay);
    }

    [Test]
    public async Task ACreatedKeysSecretIsNeitherStoredNorReplayed()
    {
        var (first, replay) = await PostTwiceAsync("/api/v1/manage/keys", new { name = "Night desk", role = "editor" }, "mint-1");
        var created = await ReadJsonAsync(first);
        var secret = created["key"]!.GetValue<string>();

        var replayed = await ReadJsonAsync(replay);
        Assert.That(replayed["key"], Is.Null);
        Assert.That(replayed.AsObject().ContainsKey("key"), Is.True, "the member stays, null, so clients keep one shape");
        Assert.That(replayed["id"]!.GetValue<Guid>(), Is.EqualTo(created["id"]!.GetValue<Guid>()));
        Assert.That(replay.Headers.Location, Is.EqualTo(first.Headers.Location));
        Assert.That(replay.Headers.GetValues("Idempotent-Secret-Withheld").Single(), Is.EqualTo("key"));
        Assert.That(await StoredAnswersHoldingAsync(secret), Is.EqualTo(0));
        Assert.That(await SqlAsync<long>("select count(*) from api_keys"), Is.EqualTo(1));

        using var editor = ClientWithKey(secret);
        Assert.That((await editor.GetAsync("/api/v1/manage/articles")).StatusCode, Is.EqualTo(HttpStatusCode.OK), "the secret shown once works");
    }

    [Test]
    public async Task AWebhookSecretIsNeitherStoredNorReplayedOnCreateOrRotation()
    {
        var (first, replay) = await PostTwiceAsync("/api/v1/manage/webhooks",
            new { url = "http://127.0.0.1:9/hook", events = new[] { "tag.created" } }, "hook-1");
        var created = await ReadJsonAsync(first);
        var replayed = await ReadJsonAsync(replay);
        Assert.That(replayed["secret"], Is.Null);
        Assert.That(replayed["id"]!.GetValue<Guid>(), Is.EqualTo(created["id"]!.GetValue<Guid>()));
        Assert.That(replay.Headers.GetValues("Idempotent-Secret-Withheld").Single(), Is.EqualTo("secret"));
        Assert.That(await StoredAnswersHoldingAsync(created["secret"]!.GetValue<string>()), Is.EqualTo(0));

        var (rotated, rotationReplay) = await PostTwiceAsync($"/api/v1/manage/webhooks/{created["id"]}/rotate-secret", new { overlapHours = 1 }, "rotate-1");
        var newSecret = (await ReadJsonAsync(rotated))["secret"]!.GetValue<string>();
        Assert.That((await ReadJsonAsync(rotationReplay))["secret"], Is.Null);
        Assert.That(await StoredAnswersHoldingAsync(newSecret), Is.EqualTo(0));
        Assert.That(await StoredAnswersHoldingAsync("whsec_"), Is.EqualTo(0));
        Assert.That(await SqlAsync<string>("select secret from webhook_subscriptions"), Is.EqualTo(newSecret), "rotated once, not twice");
    }

    [Test]
    public async Task AFailedCreateIsReplayedAsItWas()
    {
        var bad = new { name = "", role = "editor" };
        var first = await Admin.SendAsync(Post("/api/v1/manage/keys", bad, "mint-bad"));
        await AssertProblemAsync(first, HttpStatusCode.BadRequest);
        var replay = await Admin.SendAsync(Post("/api/v1/manage/keys", bad, "mint-bad"));
        await AssertProblemAsync(replay, HttpStatusCode.BadRequest);
        Assert.That(replay.Headers.Contains("Idempotent-Secret-Withheld"), Is.False);
    }
}
