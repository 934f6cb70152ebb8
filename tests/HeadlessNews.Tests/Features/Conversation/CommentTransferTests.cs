using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using HeadlessNews.Tests.Infrastructure;

namespace HeadlessNews.Tests.Features.Conversation;

/// <summary>Export and import carry comments and their authors' public data without losing anything.</summary>
public sealed class CommentTransferTests : ApiTestBase
{
    private async Task<string> ExportAsync()
    {
        var response = await Admin.GetAsync("/api/v1/manage/export");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        return await response.Content.ReadAsStringAsync();
    }

    private async Task<JsonNode> ImportAsync(string ndjson)
    {
        var content = new StringContent(ndjson, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
        var response = await Admin.PostAsync("/api/v1/manage/import", content);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        return await ReadJsonAsync(response);
    }

    [Test]
    public async Task ExportThenImportIntoAnEmptyDatabaseGivesBackTheSameConversation()
    {
        await CreatePublishedAsync("talked-about");
        var ana = ReaderClient("ana", "Ana K.", email: "ana@example.org");
        var ben = ReaderClient("ben", "Ben", staff: true);
        var top = await ReadJsonAsync(await ana.PostAsJsonAsync("/api/v1/articles/talked-about/comments", new { body = "Line one\nhttps://example.org/x" }));
        await ben.PostAsJsonAsync("/api/v1/articles/talked-about/comments", new { body = "Staff reply", parentId = top["id"] });
        var deleted = await ReadJsonAsync(await ana.PostAsJsonAsync("/api/v1/articles/talked-about/comments", new { body = "Soon gone" }));
        await ben.PostAsJsonAsync("/api/v1/articles/talked-about/comments", new { body = "Answer to the gone one", parentId = deleted["id"] });
        await ana.DeleteAsync($"/api/v1/comments/{deleted["id"]}");
        var rejected = await ReadJsonAsync(await ana.PostAsJsonAsync("/api/v1/articles/talked-about/comments", new { body = "Rejected words" }));
        await Admin.PostAsJsonAsync($"/api/v1/manage/comments/{rejected["id"]}/reject", new { reason = "Off topic." });
        await Admin.PostAsync($"/api/v1/manage/comments/{top["id"]}/feature", null);
        await SendAsync(ana, HttpMethod.Put, $"/api/v1/comments/{top["id"]}", new { body = "Line one, edited\nhttps://example.org/x" }, ifMatch: 1);

        var exported = await ExportAsync();
        Assert.That(exported, Does.Not.Contain("ana@example.org"), "no email leaves by export");
        var comments = JsonNode.Parse(exported.Trim())!["comments"]!.AsArray();
        Assert.That(comments, Has.Count.EqualTo(5));
        var publicBefore = await (await Anonymous.GetAsync("/api/v1/articles/talked-about/comments")).Content.ReadAsStringAsync();

        await GlobalSetup.ResetAsync();
        var summary = await ImportAsync(exported);
        Assert.That(summary["failed"]!.GetValue<int>(), Is.Zero, summary.ToJsonString());
        Assert.That(await ExportAsync(), Is.EqualTo(exported));
        Assert.That(await (await Anonymous.GetAsync("/api/v1/articles/talked-about/comments")).Content.ReadAsStringAsync(), Is.EqualTo(publicBefore));
        var article = await ReadJsonAsync(await Anonymous.GetAsync("/api/v1/articles/talked-about"));
        Assert.That(article["comments"]!["count"]!.GetValue<int>(), Is.EqualTo(3));
        Assert.That(await SqlAsync<long>("select count(*) from events where type like 'comment.%'"), Is.Zero, "imports announce nothing");

        // The same person signing in again owns their imported comments.
        var mine = await ReadJsonAsync(await ReaderClient("ana", "Ana K.").GetAsync("/api/v1/me/comments"));
        Assert.That(mine["items"]!.AsArray().Select(c => c!["status"]!.GetValue<string>()), Is.EquivalentTo(new[] { "approved", "rejected" }));

        // Importing it again changes nothing.
        var before = await SnapshotAsync();
        Assert.That((await ImportAsync(exported))["unchanged"]!.GetValue<int>(), Is.EqualTo(1));
        Assert.That(await SnapshotAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task ALineWithABadCommentIsRefusedWithItsField()
    {
        var line = """{"slug":"with-comments","title":"With comments","status":"published","publishedAt":"2026-01-01T00:00:00Z","comments":[{"id":"0195f1a2-0000-7000-8000-000000000001","body":"bad \u0007 bell","status":"approved","createdAt":"2026-01-02T00:00:00Z"},{"id":"0195f1a2-0000-7000-8000-000000000002","body":"orphan","status":"approved","createdAt":"2026-01-02T00:00:00Z","parentId":"0195f1a2-0000-7000-8000-000000000009"}]}""";
        var summary = await ImportAsync(line);
        Assert.That(summary["failed"]!.GetValue<int>(), Is.EqualTo(1));
        Assert.That(summary["errors"]![0]!["field"]!.GetValue<string>(), Is.EqualTo("comments[0].body"));
        Assert.That(summary["errors"]![0]!["message"]!.GetValue<string>(), Does.Contain("parentId"));
        Assert.That(await SqlAsync<long>("select count(*) from articles"), Is.Zero);
    }
}
