using System.Net;
using System.Net.Http.Json;
using HeadlessNews.Tests.Infrastructure;

namespace HeadlessNews.Tests.Features.Conversation;

/// <summary>
/// Comments under an article that is no longer public (back to draft, or scheduled again) answer like missing ones to
/// everyone but their author, who may still delete them but not edit them; and an editor's open/close of a public
/// article reaches partners through the change feed.
/// </summary>
public sealed class HiddenArticleConversationTests : ApiTestBase
{
    [Test]
    public async Task CommentsUnderAScheduledArticleAnswerLikeMissingOnes()
    {
        var id = await CreatePublishedAsync("pulled-back");
        var author = ReaderClient("author-of-it");
        var other = ReaderClient("someone-else");
        var mine = await ReadJsonAsync(await author.PostAsJsonAsync("/api/v1/articles/pulled-back/comments", new { body = "Mine" }));
        var second = await ReadJsonAsync(await author.PostAsJsonAsync("/api/v1/articles/pulled-back/comments", new { body = "Mine too" }));
        var theirs = await ReadJsonAsync(await other.PostAsJsonAsync("/api/v1/articles/pulled-back/comments", new { body = "Theirs" }));

        // Back to the schedule: the article, its comments and everything about them answer 404.
        var version = (await ReadJsonAsync(await Admin.GetAsync($"/api/v1/manage/articles/{id}")))["version"]!.GetValue<int>();
        Assert.That((await SendAsync(Admin, HttpMethod.Post, $"/api/v1/manage/articles/{id}/unpublish", null, version)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        version = (await ReadJsonAsync(await Admin.GetAsync($"/api/v1/manage/articles/{id}")))["version"]!.GetValue<int>();
        await PublishAsync(id, version, DateTimeOffset.UtcNow.AddDays(1));

        await AssertProblemAsync(await Anonymous.GetAsync("/api/v1/articles/pulled-back/comments"), HttpStatusCode.NotFound);
        await AssertProblemAsync(await Anonymous.GetAsync($"/api/v1/comments/{mine["id"]}"), HttpStatusCode.NotFound);
        await AssertProblemAsync(await other.PostAsJsonAsync("/api/v1/articles/pulled-back/comments", new { body = "Early" }), HttpStatusCode.NotFound);
        await AssertProblemAsync(await other.PostAsJsonAsync($"/api/v1/comments/{mine["id"]}/reports", new { reason = "spam" }), HttpStatusCode.NotFound);
        // Someone else's comment there is missing to this reader, not "someone else's" (403 would say it exists).
        await AssertProblemAsync(await SendAsync(other, HttpMethod.Put, $"/api/v1/comments/{mine["id"]}", new { body = "Defaced" }, 1), HttpStatusCode.NotFound);
        await AssertProblemAsync(await other.DeleteAsync($"/api/v1/comments/{mine["id"]}"), HttpStatusCode.NotFound);
        // The author cannot change what the public will see when the article goes live, but can take it back.
        await AssertProblemAsync(await SendAsync(author, HttpMethod.Put, $"/api/v1/comments/{mine["id"]}", new { body = "Changed while hidden" }, 1), HttpStatusCode.NotFound);
        Assert.That((await author.DeleteAsync($"/api/v1/comments/{second["id"]}")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(await SqlAsync<string>("select body from comments where id = @id", new { id = mine["id"]!.GetValue<Guid>() }), Is.EqualTo("Mine"));
        Assert.That(await SqlAsync<long>("select count(*) from comments where id = @id", new { id = second["id"]!.GetValue<Guid>() }), Is.EqualTo(0));
        Assert.That(await SqlAsync<long>("select count(*) from events where comment_id is not null and type = 'comment.removed'"), Is.EqualTo(0),
            "nothing is announced about comments the public cannot see");
        Assert.That((await ReadJsonAsync(await Admin.GetAsync($"/api/v1/manage/articles/{id}")))["comments"]!["count"]!.GetValue<int>(), Is.EqualTo(2));
        Assert.That(theirs["status"]!.GetValue<string>(), Is.EqualTo("approved"));
    }

    [Test]
    public async Task ClosingAPublicArticlesCommentsMovesItInTheChangeFeed()
    {
        var id = await CreatePublishedAsync("closing-feed");
        var draft = (await CreateArticleAsync("still-draft")).Id;
        var since = (await ReadJsonAsync(await Anonymous.GetAsync("/api/v1/changes")))["nextSince"]!.GetValue<string>();

        Assert.That((await SendAsync(Admin, HttpMethod.Put, $"/api/v1/manage/articles/{id}/conversation", new { state = "closed" })).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await SendAsync(Admin, HttpMethod.Put, $"/api/v1/manage/articles/{draft}/conversation", new { state = "closed" })).StatusCode, Is.EqualTo(HttpStatusCode.OK));

        var feed = await ReadJsonAsync(await Anonymous.GetAsync($"/api/v1/changes?since={since}"));
        var item = feed["items"]!.AsArray().Single()!;
        Assert.That(item["id"]!.GetValue<Guid>(), Is.EqualTo(id), "the draft stays out of the feed");
        Assert.That(item["article"]!["comments"]!["open"]!.GetValue<bool>(), Is.False);
    }
}
