using System.Net;
using System.Net.Http.Json;
using HeadlessNews.Tests.Infrastructure;

namespace HeadlessNews.Tests.Features.Conversation;

/// <summary>
/// A top-level comment that stops being public while it has public replies (rejected by a moderator) stays in the lists
/// as a placeholder, so its replies can still be read in place and the count matches what a reader can reach; the
/// placeholder gives away neither its text, nor its author, nor that it was rejected.
/// </summary>
public sealed class PlaceholderTests : ApiTestBase
{
    [Test]
    public async Task ARejectedCommentWithRepliesIsAPlaceholderAndItsRepliesStayReachable()
    {
        await CreatePublishedAsync("rejected-parent");
        var parent = await ReadJsonAsync(await ReaderClient("parent-writer", "Parent Writer")
            .PostAsJsonAsync("/api/v1/articles/rejected-parent/comments", new { body = "Something rude" }));
        var reply = await ReadJsonAsync(await ReaderClient("replier", "Replier")
            .PostAsJsonAsync("/api/v1/articles/rejected-parent/comments", new { body = "A fair answer", parentId = parent["id"]!.GetValue<Guid>() }));
        var loner = ReaderClient("loner");
        var alone = await ReadJsonAsync(await loner
            .PostAsJsonAsync("/api/v1/articles/rejected-parent/comments", new { body = "Rude and unanswered" }));

        foreach (var id in new[] { parent["id"], alone["id"] })
        {
            var reject = await Admin.PostAsJsonAsync($"/api/v1/manage/comments/{id}/reject", new { reason = "Personal attack." });
            Assert.That(reject.StatusCode, Is.EqualTo(HttpStatusCode.OK), await reject.Content.ReadAsStringAsync());
        }

        var list = await ReadJsonAsync(await Anonymous.GetAsync("/api/v1/articles/rejected-parent/comments"));
        var items = list["items"]!.AsArray();
        Assert.That(items.Select(i => i!["id"]!.GetValue<Guid>()), Is.EqualTo(new[] { parent["id"]!.GetValue<Guid>() }),
            "the rejected comment with a reply stays as a placeholder; the one without replies is gone");
        var placeholder = items[0]!;
        Assert.That(placeholder["status"]!.GetValue<string>(), Is.EqualTo("deleted"));
        Assert.That(placeholder["author"], Is.Null);
        Assert.That(placeholder["bodyHtml"]!.GetValue<string>(), Is.Empty);
        Assert.That(placeholder["replies"]!.AsArray().Select(r => r!["id"]!.GetValue<Guid>()), Is.EqualTo(new[] { reply["id"]!.GetValue<Guid>() }));

        var byId = await ReadJsonAsync(await Anonymous.GetAsync($"/api/v1/comments/{parent["id"]}"));
        Assert.That(byId["status"]!.GetValue<string>(), Is.EqualTo("deleted"));
        Assert.That(byId.ToJsonString(), Does.Not.Contain("Something rude").And.Not.Contain("Parent Writer"));
        var replies = await ReadJsonAsync(await Anonymous.GetAsync($"/api/v1/comments/{parent["id"]}/replies"));
        Assert.That(replies["items"]!.AsArray().Single()!["id"]!.GetValue<Guid>(), Is.EqualTo(reply["id"]!.GetValue<Guid>()));
        await AssertProblemAsync(await Anonymous.GetAsync($"/api/v1/comments/{alone["id"]}"), HttpStatusCode.NotFound);

        // Its author may still take a rejected comment back (not edit it).
        await AssertProblemAsync(await SendAsync(loner, HttpMethod.Put, $"/api/v1/comments/{alone["id"]}", new { body = "Softer" }, 1), HttpStatusCode.UnprocessableEntity);
        Assert.That((await loner.DeleteAsync($"/api/v1/comments/{alone["id"]}")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(await SqlAsync<long>("select count(*) from comments where id = @id", new { id = alone["id"]!.GetValue<Guid>() }), Is.EqualTo(0));

        var article = await ReadJsonAsync(await Anonymous.GetAsync("/api/v1/articles/rejected-parent"));
        Assert.That(article["comments"]!["count"]!.GetValue<int>(), Is.EqualTo(1), "the count is the one reply a reader can reach");

        // Approved again, it is itself again.
        Assert.That((await Admin.PostAsync($"/api/v1/manage/comments/{parent["id"]}/approve", null)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        byId = await ReadJsonAsync(await Anonymous.GetAsync($"/api/v1/comments/{parent["id"]}"));
        Assert.That(byId["status"]!.GetValue<string>(), Is.EqualTo("approved"));
        Assert.That(byId["author"]!["displayName"]!.GetValue<string>(), Is.EqualTo("Parent Writer"));
    }
}
