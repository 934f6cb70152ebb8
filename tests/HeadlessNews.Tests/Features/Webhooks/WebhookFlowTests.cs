using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using HeadlessNews.Tests.Infrastructure;

namespace HeadlessNews.Tests.Features.Webhooks;

/// <summary>Deliveries keep up with a healthy receiver, keep the order events happened in, and wait while paused.</summary>
[RunsInBackground(Background.Webhooks)]
public sealed class WebhookFlowTests : ApiTestBase
{
    private WebhookReceiver _receiver = null!;

    [SetUp]
    public async Task StartReceiverAsync() => _receiver = await WebhookReceiver.StartAsync();

    [TearDown]
    public async Task StopReceiverAsync() => await _receiver.DisposeAsync();

    private async Task<Guid> SubscribeAsync(bool enabled = true, WebhookReceiver? receiver = null)
    {
        var response = await Admin.PostAsJsonAsync("/api/v1/manage/webhooks", new { url = (receiver ?? _receiver).Url, events = new[] { "article.published" }, enabled });
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        return (await ReadJsonAsync(response))["id"]!.GetValue<Guid>();
    }

    private async Task ImportPublishedAsync(int count)
    {
        var lines = Enumerable.Range(0, count).Select(i =>
            $$"""{"slug":"story-{{i:D4}}","title":"Story {{i}}","status":"published","publishedAt":"2026-01-01T00:00:00Z"}""");
        var content = new StringContent(string.Join('\n', lines), Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
        var response = await Admin.PostAsync("/api/v1/manage/import", content);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
    }

    /// <summary>The order the events happened in, as the database recorded it.</summary>
    private static async Task<string[]> EventOrderAsync() =>
        (await SqlAsync<string>("select string_agg(id::text, ',' order by seq) from events")).Split(',');

    [Test]
    public async Task AThousandEventsReachAFastReceiverInTheOrderTheyHappened()
    {
        await SubscribeAsync();
        await ImportPublishedAsync(1000);

        // One delivery per poll (0.1 s in the tests) would need 100 s; a receiver fed as fast as it answers, a few.
        // This bound only says that the deliveries do not wait for the poll; bench/webhooks.sh measures the rate.
        var received = await _receiver.WaitForAsync(1000, seconds: 40);
        Assert.That(received, Has.Count.EqualTo(1000));
        Assert.That(received.Select(r => r.Id), Is.EqualTo(await EventOrderAsync()));
    }

    [Test]
    public async Task APausedSubscriptionKeepsItsEventsAndGetsThemInOrderWhenResumed()
    {
        var id = await SubscribeAsync(enabled: false);
        // A second, active subscription: once it has everything, the dispatcher has been through these events.
        await using var active = await WebhookReceiver.StartAsync();
        await SubscribeAsync(receiver: active);
        await ImportPublishedAsync(30);
        await CreatePublishedAsync("one-more");
        Assert.That(await active.WaitForAsync(31), Has.Count.EqualTo(31));
        Assert.That(_receiver.Requests, Is.Empty, "nothing goes to a paused subscription");
        Assert.That(await SqlAsync<long>("select count(*) from webhook_deliveries where status = 'pending' and attempts = 0"), Is.EqualTo(31));

        var resume = await SendAsync(Admin, HttpMethod.Put, $"/api/v1/manage/webhooks/{id}",
            new { url = _receiver.Url, events = new[] { "article.published" }, enabled = true });
        Assert.That(resume.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var received = await _receiver.WaitForAsync(31);
        Assert.That(received.Select(r => r.Id), Is.EqualTo(await EventOrderAsync()));
    }
}
