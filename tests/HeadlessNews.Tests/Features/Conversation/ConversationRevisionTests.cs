using System.Net;
using System.Net.Http.Json;
using HeadlessNews.Tests.Infrastructure;

namespace HeadlessNews.Tests.Features.Conversation;

/// <summary>Revisions keep what editors wrote; the conversation (count and open state) is left out and survives a restore.</summary>
public sealed class ConversationRevisionTests : ApiTestBase
{
    [Test]
    public async Task RevisionsLeaveTheCommentSummaryOutAndARestoreKeepsTheConversation()
    {
        var id = await CreatePublishedAsync("debated");
        var posted = await ReaderClient("debater").PostAsJsonAsync("/api/v1/articles/debated/comments", new { body = "A view" });
        Assert.That(posted.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That((await SendAsync(Admin, HttpMethod.Put, $"/api/v1/manage/articles/{id}/conversation", new { state = "closed" })).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var version = (await ReadJsonAsync(await Admin.GetAsync($"/api/v1/manage/articles/{id}")))["version"]!.GetValue<int>();
        var edited = await SendAsync(Admin, HttpMethod.Put, $"/api/v1/manage/articles/{id}",
            new { slug = "debated", title = "Debated, revised", summary = "s", bodyMarkdown = "Revised.", tags = Array.Empty<string>() }, version);
        Assert.That(edited.StatusCode, Is.EqualTo(HttpStatusCode.OK), await edited.Content.ReadAsStringAsync());
        version = (await ReadJsonAsync(edited))["version"]!.GetValue<int>();

        var revisions = await ReadJsonAsync(await Admin.GetAsync($"/api/v1/manage/articles/{id}/revisions"));
        var latest = revisions["items"]![0]!["number"]!.GetValue<int>();
        var revision = await ReadJsonAsync(await Admin.GetAsync($"/api/v1/manage/articles/{id}/revisions/{latest}"));
        Assert.That(revision["article"]!["comments"]!.ToJsonString(), Is.EqualTo("""{"open":false,"count":0}"""), "not recorded");
        var diff = await ReadJsonAsync(await Admin.GetAsync($"/api/v1/manage/articles/{id}/revisions/diff?from=1&to={latest}"));
        Assert.That(diff.ToJsonString(), Does.Not.Contain("\"comments\""));

        var restored = await SendAsync(Admin, HttpMethod.Post, $"/api/v1/manage/articles/{id}/revisions/1/restore", null, version);
        Assert.That(restored.StatusCode, Is.EqualTo(HttpStatusCode.OK), await restored.Content.ReadAsStringAsync());
        Assert.That((await ReadJsonAsync(restored))["comments"]!.ToJsonString(), Is.EqualTo("""{"open":false,"count":1}"""));
        var page = await ReadJsonAsync(await Anonymous.GetAsync("/api/v1/articles/debated"));
        Assert.That(page["comments"]!.ToJsonString(), Is.EqualTo("""{"open":false,"count":1}"""));
    }
}
