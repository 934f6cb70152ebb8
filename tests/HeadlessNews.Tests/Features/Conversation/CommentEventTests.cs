using System.Net;
using System.Net.Http.Json;
using HeadlessNews.Tests.Infrastructure;

namespace HeadlessNews.Tests.Features.Conversation;

/// <summary>Partners hear when a comment becomes public and when a public one goes; never about the others.</summary>
[RunsInBackground(Background.Webhooks)]
public sealed class CommentEventTests : ApiTestBase
{
    [Test]
    public async Task WebhooksAndTheChangeFeedCarryOnlyCommentsThePublicCouldSee()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var subscribe = await Admin.PostAsJsonAsync("/api/v1/manage/webhooks", new { url = receiver.Url, events = new[] { "comment.published", "comment.removed" } });
        Assert.That(subscribe.StatusCode, Is.EqualTo(HttpStatusCode.Created), await subscribe.Content.ReadAsStringAsync());
        var article = await CreatePublishedAsync("eventful");
        var changes = await ReadJsonAsync(await Anonymous.GetAsync("/api/v1/changes"));
        var since = changes["nextSince"]!.GetValue<string>();

        var reader = ReaderClient("eventful-reader");
        var shown = await ReadJsonAsync(await reader.PostAsJsonAsync("/api/v1/articles/eventful/comments", new { body = "Public at once" }));
        await SendAsync(Admin, HttpMethod.Put, "/api/v1/manage/comments/settings",
            new { preModeration = "all", trustedAfter = 1, bannedWords = Array.Empty<string>(), suspectWords = Array.Empty<string>(), maxLinks = 3, autoCloseAfterDays = (int?)null });
        var neverShown = await ReadJsonAsync(await reader.PostAsJsonAsync("/api/v1/articles/eventful/comments", new { body = "Held and rejected" }));
        Assert.That((await Admin.PostAsJsonAsync($"/api/v1/manage/comments/{neverShown["id"]}/reject", new { reason = "No." })).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var approvedLater = await ReadJsonAsync(await reader.PostAsJsonAsync("/api/v1/articles/eventful/comments", new { body = "Held then approved" }));
        Assert.That((await Admin.PostAsync($"/api/v1/manage/comments/{approvedLater["id"]}/approve", null)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await reader.DeleteAsync($"/api/v1/comments/{shown["id"]}")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));

        // Deliveries to one subscription keep the order of events: once the last has come, any earlier one has too.
        var received = await receiver.WaitForAsync(3);
        Assert.That(received.Select(r => (r.Type, r.Data["comment"]!["id"]!.GetValue<Guid>())), Is.EqualTo(new[]
        {
            ("comment.published", shown["id"]!.GetValue<Guid>()),
            ("comment.published", approvedLater["id"]!.GetValue<Guid>()),
            ("comment.removed", shown["id"]!.GetValue<Guid>()),
        }));
        Assert.That(received[0].Data["comment"]!["articleSlug"]!.GetValue<string>(), Is.EqualTo("eventful"));
        Assert.That(await SqlAsync<long>("select count(*) from events where comment_id = @id", new { id = neverShown["id"]!.GetValue<Guid>() }), Is.EqualTo(0));

        // The article moved in the change feed, with its new count.
        var feed = await ReadJsonAsync(await Anonymous.GetAsync($"/api/v1/changes?since={since}"));
        var item = feed["items"]!.AsArray().Single()!;
        Assert.That(item["id"]!.GetValue<Guid>(), Is.EqualTo(article));
        Assert.That(item["article"]!["comments"]!["count"]!.GetValue<int>(), Is.EqualTo(1));
    }
}
