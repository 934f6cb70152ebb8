using System.Net;
using System.Net.Http.Json;
using HeadlessNews.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using StandardWebhooks;
using StandardWebhooks.Diagnostics;

namespace HeadlessNews.Tests.Features.Webhooks;

[RunsInBackground(Background.Webhooks)]
public sealed class WebhookTests : ApiTestBase
{
    private readonly List<WebhookReceiver> _receivers = [];

    [TearDown]
    public async Task StopReceiversAsync()
    {
        foreach (var receiver in _receivers)
            await receiver.DisposeAsync();
        _receivers.Clear();
    }

    private async Task<WebhookReceiver> ReceiverAsync(int? port = null)
    {
        var receiver = await WebhookReceiver.StartAsync(port);
        _receivers.Add(receiver);
        return receiver;
    }

    private async Task<(Guid Id, string Secret)> SubscribeAsync(string url, params string[] events)
    {
        var response = await Admin.PostAsJsonAsync("/api/v1/manage/webhooks", new
        {
            url,
            events = events.Length > 0 ? events : ["article.published", "article.updated", "article.unpublished", "article.archived", "article.deleted", "tag.created", "tag.updated", "tag.deleted"],
        });
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        var created = await ReadJsonAsync(response);
        return (created["id"]!.GetValue<Guid>(), created["secret"]!.GetValue<string>());
    }

    /// <summary>
    /// The specification lets webhook-signature carry several space-separated signatures, any of which may match.
    /// The StandardWebhooks package only tries the first, so each is checked on its own, as its Verify does.
    /// </summary>
    private static bool SignedWith(WebhookReceiver.Received received, string secret) =>
        received.Signature.Split(' ').Any(signature =>
        {
            var headers = new HeaderDictionary(received.Headers.ToDictionary(h => h.Key, h => h.Value)) { ["webhook-signature"] = signature };
            try
            {
                new StandardWebhook(secret).Verify(received.Body, headers);
                return true;
            }
            catch (WebhookVerificationException)
            {
                return false;
            }
        });

    private static void AssertSigned(WebhookReceiver.Received received, string secret) =>
        Assert.That(SignedWith(received, secret), Is.True, $"signed with {secret[..10]}…: {received.Signature}");

    [Test]
    public async Task OnlyAdminsManageSubscriptionsAndTheSecretIsShownOnce()
    {
        var receiver = await ReceiverAsync();
        using var editor = await ClientWithRoleAsync("editor");
        Assert.That((await editor.GetAsync("/api/v1/manage/webhooks")).StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That((await Anonymous.GetAsync("/api/v1/manage/webhooks")).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));

        var (id, secret) = await SubscribeAsync(receiver.Url);
        Assert.That(secret, Does.StartWith("whsec_"));
        var read = await Admin.GetStringAsync($"/api/v1/manage/webhooks/{id}");
        var list = await Admin.GetStringAsync("/api/v1/manage/webhooks");
        Assert.That(read + list, Does.Not.Contain(secret[6..]).And.Contain(receiver.Url));
    }

    [Test]
    public async Task BadSubscriptionsAreRefusedWith400()
    {
        var before = await SqlAsync<long>("select count(*) from webhook_subscriptions");
        foreach (var body in new object[]
                 {
                     new { url = "ftp://partner.example.org/hook", events = new[] { "article.published" } },
                     new { url = "not a url", events = new[] { "article.published" } },
                     new { url = "http://127.0.0.1:9/hook", events = Array.Empty<string>() },
                     new { url = "http://127.0.0.1:9/hook", events = new[] { "article.exploded" } },
                     new { url = "http://user:pass@127.0.0.1:9/hook", events = new[] { "article.published" } },
                     new { url = "http://169.254.169.254/latest/meta-data", events = new[] { "article.published" } },
                     new { url = "http://10.0.0.7/hook", events = new[] { "article.published" } },
                     new { url = "http://[::ffff:192.168.1.1]/hook", events = new[] { "article.published" } },
                 })
            await AssertProblemAsync(await Admin.PostAsJsonAsync("/api/v1/manage/webhooks", body), HttpStatusCode.BadRequest);
        Assert.That(await SqlAsync<long>("select count(*) from webhook_subscriptions"), Is.EqualTo(before));
    }

    [Test]
    public async Task PublicChangesAreDeliveredSignedWithTheArticleCardAndDraftEditsAreNot()
    {
        var receiver = await ReceiverAsync();
        var (_, secret) = await SubscribeAsync(receiver.Url);
        await CreateTagAsync("energy");

        var (id, version) = await CreateArticleAsync("grid-upgrade-approved", ["energy"]);
        var draftEdit = await SendAsync(Admin, HttpMethod.Put, $"/api/v1/manage/articles/{id}",
            new { slug = "grid-upgrade-approved", title = "Grid upgrade approved (draft)", tags = new[] { "energy" } }, version);
        version = (await ReadJsonAsync(draftEdit))["version"]!.GetValue<int>();
        version = await PublishAsync(id, version);
        var edit = await SendAsync(Admin, HttpMethod.Put, $"/api/v1/manage/articles/{id}",
            new { slug = "grid-upgrade-approved", title = "Grid upgrade approved", tags = new[] { "energy" } }, version);
        version = (await ReadJsonAsync(edit))["version"]!.GetValue<int>();
        var archive = await SendAsync(Admin, HttpMethod.Post, $"/api/v1/manage/articles/{id}/archive", null, version);
        Assert.That(archive.StatusCode, Is.EqualTo(HttpStatusCode.OK));

        var received = await receiver.WaitForAsync(4);
        Assert.That(received.Select(r => r.Type).Order(),
            Is.EqualTo(new[] { "article.archived", "article.published", "article.updated", "tag.created" }));
        foreach (var message in received)
            AssertSigned(message, secret);
        var published = received.Single(r => r.Type == "article.published");
        Assert.That(published.Data["article"]!["slug"]!.GetValue<string>(), Is.EqualTo("grid-upgrade-approved"));
        Assert.That(published.Data["article"]!["tags"]![0]!["slug"]!.GetValue<string>(), Is.EqualTo("energy"));
        Assert.That(received.Select(r => r.Id).Distinct().Count(), Is.EqualTo(4), "every event has its own id");
        Assert.That(received.Single(r => r.Type == "article.updated").Data["article"]!["title"]!.GetValue<string>(), Is.EqualTo("Grid upgrade approved"));

        // Events are written with the change that causes them, so what the outbox holds now is all there will be.
        Assert.That(await SqlAsync<long>("select count(*) from events"), Is.EqualTo(4), "the draft edit raised nothing");
        Assert.That(await SqlAsync<long>("select count(*) from webhook_deliveries"), Is.EqualTo(4));
    }

    [Test]
    public async Task DeletesAndTagChangesAreDeliveredToo()
    {
        var receiver = await ReceiverAsync();
        await SubscribeAsync(receiver.Url, "article.deleted", "tag.updated", "tag.deleted");
        await CreateTagAsync("floods");
        var tagId = await SqlAsync<Guid>("select id from tags where slug = 'floods'");
        var id = await CreatePublishedAsync("river-gauges-rise");
        var version = (await ReadJsonAsync(await Admin.GetAsync($"/api/v1/manage/articles/{id}")))["version"]!.GetValue<int>();
        Assert.That((await SendAsync(Admin, HttpMethod.Delete, $"/api/v1/manage/articles/{id}", null, version)).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That((await SendAsync(Admin, HttpMethod.Put, $"/api/v1/manage/tags/{tagId}", new { slug = "floods", name = "Floods", kind = "topic" })).StatusCode,
            Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await Admin.DeleteAsync($"/api/v1/manage/tags/{tagId}")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));

        var received = await receiver.WaitForAsync(3);
        Assert.That(received.Select(r => r.Type).Order(), Is.EqualTo(new[] { "article.deleted", "tag.deleted", "tag.updated" }));
        Assert.That(received.Single(r => r.Type == "article.deleted").Data["article"]!["slug"]!.GetValue<string>(), Is.EqualTo("river-gauges-rise"));
        Assert.That(received.Single(r => r.Type == "tag.updated").Data["tag"]!["name"]!.GetValue<string>(), Is.EqualTo("Floods"));
        var body = System.Text.Json.Nodes.JsonNode.Parse(received[0].Body)!;
        Assert.That(body["id"]!.GetValue<string>(), Is.EqualTo(received[0].Id), "the body's id is the webhook-id header");
        Assert.That(DateTimeOffset.TryParse(body["timestamp"]!.GetValue<string>(), out _), Is.True);
    }

    [Test]
    public async Task AnAttemptThatTakesTooLongIsCutOffAndRetried()
    {
        var receiver = await ReceiverAsync();
        // Never answered while the test runs: every attempt outlives AttemptTimeoutSeconds.
        receiver.Hold = new TaskCompletionSource().Task;
        var (id, _) = await SubscribeAsync(receiver.Url, "article.published");
        await CreatePublishedAsync("fog-delays-flights");
        await WaitUntilAsync(async () => await SqlAsync<long>("select count(*) from webhook_attempts") >= 1, seconds: 10);
        var error = await SqlAsync<string>($"select error from webhook_attempts a join webhook_deliveries d on d.id = a.delivery_id where d.subscription_id = '{id}' order by attempt limit 1");
        Assert.That(error, Does.StartWith("No answer within"));
        Assert.That(await SqlAsync<string>($"select status from webhook_deliveries where subscription_id = '{id}'"), Is.EqualTo("pending"));
    }

    [Test]
    public async Task AWrongSecretIsDetectedByTheReceiver()
    {
        var receiver = await ReceiverAsync();
        var (_, secret) = await SubscribeAsync(receiver.Url, "article.published");
        await CreatePublishedAsync("harbour-reopens");
        var message = (await receiver.WaitForAsync(1)).Single();

        var wrong = "whsec_" + Convert.ToBase64String(new byte[32]);
        Assert.Throws<WebhookVerificationException>(() => new StandardWebhook(wrong).Verify(message.Body, message.Headers));
        var tampered = message.Body.Replace("harbour", "harbor");
        Assert.Throws<WebhookVerificationException>(() => new StandardWebhook(secret).Verify(tampered, message.Headers));
        Assert.DoesNotThrow(() => new StandardWebhook(secret).Verify(message.Body, message.Headers));
    }

    [Test]
    public async Task AReceiverThatIsDownForAWhileGetsEveryEventOnceItIsUp()
    {
        var port = WebhookReceiver.FreePort();
        var url = $"http://127.0.0.1:{port}/hook";
        var (subscription, secret) = await SubscribeAsync(url, "article.published");
        var slugs = new[] { "ferry-strike-ends", "ferry-timetable-returns", "ferry-fares-frozen" };
        foreach (var slug in slugs)
            await CreatePublishedAsync(slug);

        await WaitUntilAsync(async () => await SqlAsync<long>(
            $"select count(*) from webhook_deliveries where subscription_id = '{subscription}' and attempts >= 1") == 3);
        var log = await ReadJsonAsync(await Admin.GetAsync($"/api/v1/manage/webhooks/{subscription}/deliveries"));
        Assert.That(log["items"]!.AsArray(), Has.Count.EqualTo(3));
        Assert.That(log["items"]!.AsArray().All(d => d!["status"]!.GetValue<string>() == "pending" && d["attempts"]!.GetValue<int>() >= 1
            && d["lastError"] is not null), Is.True, log.ToJsonString());

        var receiver = await ReceiverAsync(port);
        var received = await receiver.WaitForAsync(3);
        Assert.That(received.Select(r => r.Data["article"]!["slug"]!.GetValue<string>()).Distinct().Order(), Is.EqualTo(slugs.Order()));
        foreach (var message in received)
            AssertSigned(message, secret);

        var attempts = await SqlAsync<long>("select count(*) from webhook_attempts");
        Assert.That(attempts, Is.GreaterThan(3), "failed attempts are logged");
    }

    [Test]
    public async Task AChangeMadeByAnInstanceThatStopsBeforeDeliveringIsStillDelivered()
    {
        var port = WebhookReceiver.FreePort();
        var (subscription, _) = await SubscribeAsync($"http://127.0.0.1:{port}/hook", "article.published");
        // A second instance makes the change and stops; nothing listens yet, so it cannot have delivered.
        await using (var other = new HeadlessNewsApiFactory(GlobalSetup.Database.ConnectionString))
        {
            using var client = other.CreateClient();
            client.DefaultRequestHeaders.Authorization = new("Bearer", HeadlessNewsApiFactory.BootstrapAdminKey);
            var created = await ReadJsonAsync(await client.PostAsJsonAsync("/api/v1/manage/articles", new { slug = "dam-inspection-due", title = "Dam inspection due" }));
            var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/manage/articles/{created["id"]}/publish");
            request.Headers.IfMatch.Add(new($"\"{created["version"]}\""));
            Assert.That((await client.SendAsync(request)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }
        Assert.That(await SqlAsync<long>($"select count(*) from webhook_deliveries where subscription_id = '{subscription}' and status = 'pending'"), Is.EqualTo(1));
        // If it stopped while holding the delivery's lease, that lease (AttemptTimeoutSeconds + 30 s) must run out
        // first: the time is moved in the database rather than waited for.
        await SqlAsync<int>($"update webhook_deliveries set next_attempt_at = now() where subscription_id = '{subscription}' returning 1");

        var receiver = await ReceiverAsync(port);
        var received = await receiver.WaitForAsync(1);
        // At least once: a retry racing the moved lease may bring the same event twice, never another one.
        Assert.That(received.Select(r => r.Id).Distinct().Count(), Is.EqualTo(1));
        Assert.That(received.First().Data["article"]!["slug"]!.GetValue<string>(), Is.EqualTo("dam-inspection-due"));
    }

    [Test]
    public async Task ASlowReceiverDoesNotHoldUpOtherSubscriptions()
    {
        // The slow receiver answers nothing until the fast one has every delivery: "slow" is decided by the test, not
        // by a delay racing the dispatcher.
        var fast = await ReceiverAsync();
        var slow = await ReceiverAsync();
        var fastHasAll = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        slow.Hold = fastHasAll.Task;
        await SubscribeAsync(slow.Url, "article.published");
        await SubscribeAsync(fast.Url, "article.published");

        var slugs = Enumerable.Range(1, 4).Select(i => $"storm-update-{i}").ToList();
        await CreatePublishedAsync(slugs[0]);
        // The slow receiver has the first delivery in hand before the rest are even written.
        Assert.That(await slow.WaitForAsync(1, seconds: 60), Is.Not.Empty, "the slow receiver got its first delivery");
        foreach (var slug in slugs.Skip(1))
            await CreatePublishedAsync(slug);

        var fastReceived = await fast.WaitForAsync(4, seconds: 60);
        Assert.That(fastReceived.Select(r => r.Data["article"]!["slug"]!.GetValue<string>()).Distinct().Order(), Is.EqualTo(slugs.Order()),
            "the fast receiver got every delivery while the slow one held its first");
        Assert.That(slow.Answered, Is.Zero, "the slow receiver had answered nothing yet");

        fastHasAll.SetResult();
        // Held attempts may have timed out meanwhile and come again (at least once): every event arrives, some maybe twice.
        await WaitUntilAsync(async () => await SqlAsync<long>("select count(*) from webhook_deliveries where status = 'succeeded'") == 8, seconds: 60);
        Assert.That(slow.Requests.Select(r => r.Data["article"]!["slug"]!.GetValue<string>()).Distinct().Order(), Is.EqualTo(slugs.Order()));
    }

    [Test]
    public async Task RotationSignsWithBothSecretsDuringTheOverlap()
    {
        var receiver = await ReceiverAsync();
        var (id, oldSecret) = await SubscribeAsync(receiver.Url, "article.published");
        var rotated = await ReadJsonAsync(await Admin.PostAsJsonAsync($"/api/v1/manage/webhooks/{id}/rotate-secret", new { overlapHours = 1 }));
        var newSecret = rotated["secret"]!.GetValue<string>();
        Assert.That(newSecret, Is.Not.EqualTo(oldSecret));
        Assert.That(rotated["previousSecretValidUntil"]!.GetValue<DateTime>(), Is.GreaterThan(DateTime.UtcNow.AddMinutes(55)));

        await CreatePublishedAsync("bridge-reopens");
        var message = (await receiver.WaitForAsync(1)).Single();
        Assert.That(message.Signature.Split(' '), Has.Length.EqualTo(2));
        AssertSigned(message, oldSecret);
        AssertSigned(message, newSecret);

        // Ending the overlap at once: only the newest secret signs.
        var again = await ReadJsonAsync(await Admin.PostAsJsonAsync($"/api/v1/manage/webhooks/{id}/rotate-secret", new { overlapHours = 0 }));
        var newest = again["secret"]!.GetValue<string>();
        await CreatePublishedAsync("bridge-tolls-cut");
        var next = (await receiver.WaitForAsync(2)).Single(m => m.Id != message.Id);
        Assert.That(next.Signature.Split(' '), Has.Length.EqualTo(1));
        AssertSigned(next, newest);
        Assert.That(SignedWith(next, newSecret), Is.False);
    }

    [Test]
    public async Task GoneDisablesTheSubscriptionAndARunOfFailuresDoesToo()
    {
        var receiver = await ReceiverAsync();
        receiver.Status = () => 410;
        var (id, _) = await SubscribeAsync(receiver.Url, "article.published");
        await CreatePublishedAsync("pier-closed");
        await receiver.WaitForAsync(1);
        await WaitUntilAsync(async () => !(await ReadJsonAsync(await Admin.GetAsync($"/api/v1/manage/webhooks/{id}")))["enabled"]!.GetValue<bool>());
        var subscription = await ReadJsonAsync(await Admin.GetAsync($"/api/v1/manage/webhooks/{id}"));
        Assert.That(subscription["disabledReason"]!.GetValue<string>(), Does.Contain("410"));
        var deliveries = await ReadJsonAsync(await Admin.GetAsync($"/api/v1/manage/webhooks/{id}/deliveries"));
        Assert.That(deliveries["items"]![0]!["status"]!.GetValue<string>(), Is.EqualTo("dead"));

        var failing = await ReceiverAsync();
        failing.Status = () => 500;
        var (other, _) = await SubscribeAsync(failing.Url, "article.published");
        // One short of the default run of 50 failed attempts.
        await SqlAsync<int>($"update webhook_subscriptions set consecutive_failures = 49 where id = '{other}' returning 1");
        await CreatePublishedAsync("pier-reopened");
        await WaitUntilAsync(async () => !(await ReadJsonAsync(await Admin.GetAsync($"/api/v1/manage/webhooks/{other}")))["enabled"]!.GetValue<bool>());
        Assert.That((await ReadJsonAsync(await Admin.GetAsync($"/api/v1/manage/webhooks/{other}")))["disabledReason"]!.GetValue<string>(),
            Does.Contain("50 failed attempts"));

        // Enabling again resumes the waiting delivery.
        failing.Status = () => 200;
        var enable = await SendAsync(Admin, HttpMethod.Put, $"/api/v1/manage/webhooks/{other}", new { url = failing.Url, events = new[] { "article.published" }, enabled = true });
        Assert.That((await ReadJsonAsync(enable))["consecutiveFailures"]!.GetValue<int>(), Is.Zero);
        await WaitUntilAsync(async () => await SqlAsync<long>(
            $"select count(*) from webhook_deliveries where subscription_id = '{other}' and status = 'succeeded'") == 1);
    }

    [Test]
    public async Task DeadLettersAreKeptAndCanBeReplayedAndAnyDeliveryCanBeSentAgain()
    {
        var receiver = await ReceiverAsync();
        receiver.Status = () => 503;
        var (id, _) = await SubscribeAsync(receiver.Url, "article.published");
        await CreatePublishedAsync("canal-drained");
        await receiver.WaitForAsync(1);
        // Near the end of its attempts (12 in tests): the next failure dead-letters it.
        await SqlAsync<int>("update webhook_deliveries set attempts = 11 returning 1");
        await WaitUntilAsync(async () => await SqlAsync<long>("select count(*) from webhook_deliveries where status = 'dead'") == 1);

        var dead = await ReadJsonAsync(await Admin.GetAsync($"/api/v1/manage/webhooks/{id}/deliveries?status=dead"));
        var delivery = dead["items"]![0]!;
        Assert.That(delivery["lastStatusCode"]!.GetValue<int>(), Is.EqualTo(503));
        var detail = await ReadJsonAsync(await Admin.GetAsync($"/api/v1/manage/webhooks/{id}/deliveries/{delivery["id"]}"));
        Assert.That(detail["attemptLog"]!.AsArray(), Is.Not.Empty);

        receiver.Status = () => 200;
        var replay = await Admin.PostAsync($"/api/v1/manage/webhooks/{id}/dead-letters/replay", null);
        Assert.That(replay.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That((await ReadJsonAsync(replay))["replayed"]!.GetValue<int>(), Is.EqualTo(1));
        await WaitUntilAsync(async () => await SqlAsync<long>("select count(*) from webhook_deliveries where status = 'succeeded'") == 1);

        // A manual redelivery of a succeeded delivery sends the same event id again: the receiver can drop it.
        var before = receiver.Requests.Count;
        var redeliver = await Admin.PostAsync($"/api/v1/manage/webhooks/{id}/deliveries/{delivery["id"]}/redeliver", null);
        Assert.That(redeliver.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        var all = await receiver.WaitForAsync(before + 1);
        Assert.That(all.Select(r => r.Id).Distinct().Count(), Is.EqualTo(1));
        Assert.That((await Admin.PostAsync($"/api/v1/manage/webhooks/{id}/deliveries/{Guid.NewGuid()}/redeliver", null)).StatusCode,
            Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task RedirectsAreNotFollowedAndLongBodiesAreCut()
    {
        var elsewhere = await ReceiverAsync();
        var receiver = await ReceiverAsync();
        receiver.Status = () => 307;
        receiver.Decorate = response =>
        {
            response.Headers.Location = elsewhere.Url;
            return Task.CompletedTask;
        };
        var (id, _) = await SubscribeAsync(receiver.Url, "article.published");
        await CreatePublishedAsync("lock-gates-fixed");
        await receiver.WaitForAsync(2);
        Assert.That(elsewhere.Requests, Is.Empty);

        var noisy = await ReceiverAsync();
        noisy.Status = () => 500;
        noisy.Decorate = response => response.WriteAsync(new string('x', 100_000));
        var (other, _) = await SubscribeAsync(noisy.Url, "article.published");
        await CreatePublishedAsync("lock-gates-open");
        await noisy.WaitForAsync(1);
        await WaitUntilAsync(async () => await SqlAsync<long>($"select count(*) from webhook_attempts a join webhook_deliveries d on d.id = a.delivery_id where d.subscription_id = '{other}'") >= 1);
        var error = await SqlAsync<string>($"select last_error from webhook_deliveries where subscription_id = '{other}'");
        Assert.That(error, Does.StartWith("HTTP 500").And.Length.LessThan(1100));
        var redirected = await SqlAsync<string>($"select d.last_error from webhook_deliveries d join events e on e.id = d.event_id where d.subscription_id = '{id}' and e.data->'article'->>'slug' = 'lock-gates-fixed'");
        Assert.That(redirected, Does.StartWith("HTTP 307"));
    }

    [Test]
    public async Task TheTargetIsCheckedAgainAtEveryAttempt()
    {
        var receiver = await ReceiverAsync();
        var (id, _) = await SubscribeAsync(receiver.Url, "article.published");
        // As if the name now resolved elsewhere (DNS rebinding): the stored target points into a private network.
        await SqlAsync<int>($"update webhook_subscriptions set url = 'http://10.255.255.1:81/hook' where id = '{id}' returning 1");
        await CreatePublishedAsync("tunnel-survey");
        await WaitUntilAsync(async () => await SqlAsync<long>("select count(*) from webhook_attempts") >= 1);
        var error = await SqlAsync<string>($"select last_error from webhook_deliveries where subscription_id = '{id}'");
        Assert.That(error, Does.Contain("non-public address"));
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, int seconds = 15)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
                Assert.Fail("Timed out waiting for a condition.");
            await Task.Delay(100);
        }
    }
}
