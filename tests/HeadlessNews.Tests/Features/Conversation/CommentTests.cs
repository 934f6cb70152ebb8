using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using HeadlessNews.Tests.Infrastructure;

namespace HeadlessNews.Tests.Features.Conversation;

public sealed class CommentTests : ApiTestBase
{
    private static async Task<JsonNode> PostAsync(HttpClient reader, string slug, string body, Guid? parentId = null, HttpStatusCode expected = HttpStatusCode.Created)
    {
        var response = await reader.PostAsJsonAsync($"/api/v1/articles/{slug}/comments", new { body, parentId });
        Assert.That(response.StatusCode, Is.EqualTo(expected), await response.Content.ReadAsStringAsync());
        return await ReadJsonAsync(response);
    }

    private static Guid IdOf(JsonNode node) => node["id"]!.GetValue<Guid>();

    [Test]
    public async Task APostedCommentIsPublicAtOnceWithSanitizedHtmlAndTheArticleCountsIt()
    {
        await CreatePublishedAsync("harbour-reopens");
        var ana = ReaderClient("ana", "Ana K.", email: "ana@example.org");

        var response = await ana.PostAsJsonAsync("/api/v1/articles/harbour-reopens/comments",
            new { body = "Good <b>piece</b>.\nSee https://example.org/quay, it says more.\n\nSecond paragraph." });

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        Assert.That(response.Headers.ETag?.Tag, Is.EqualTo("\"1\""));
        var comment = await ReadJsonAsync(response);
        Assert.That(response.Headers.Location?.ToString(), Is.EqualTo($"/api/v1/comments/{IdOf(comment)}"));
        Assert.That(comment["status"]!.GetValue<string>(), Is.EqualTo("approved"));
        Assert.That(comment["bodyHtml"]!.GetValue<string>(), Is.EqualTo(
            "<p>Good &lt;b&gt;piece&lt;/b&gt;.<br>See <a href=\"https://example.org/quay\" rel=\"nofollow ugc\">https://example.org/quay</a>, it says more.</p><p>Second paragraph.</p>"));
        Assert.That(comment["author"]!["displayName"]!.GetValue<string>(), Is.EqualTo("Ana K."));
        Assert.That(comment["author"]!["staff"]!.GetValue<bool>(), Is.False);

        var list = await Anonymous.GetAsync("/api/v1/articles/harbour-reopens/comments");
        var text = await list.Content.ReadAsStringAsync();
        Assert.That(list.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(text, Does.Not.Contain("ana@example.org"), "an email is never shown publicly");
        Assert.That(list.Headers.CacheControl?.MaxAge, Is.EqualTo(TimeSpan.FromSeconds(10)));
        var article = await ReadJsonAsync(await Anonymous.GetAsync("/api/v1/articles/harbour-reopens"));
        Assert.That(article["comments"]!["count"]!.GetValue<int>(), Is.EqualTo(1));
        Assert.That(article["comments"]!["open"]!.GetValue<bool>(), Is.True);
        var cards = await ReadJsonAsync(await Anonymous.GetAsync("/api/v1/articles"));
        Assert.That(cards["items"]![0]!["comments"]!["count"]!.GetValue<int>(), Is.EqualTo(1));
        Assert.That(await SqlAsync<string>("select email from readers where subject = 'ana'"), Is.EqualTo("ana@example.org"));
    }

    [Test]
    public async Task ListsAreKeysetPaginatedNewestOrOldestFirstWithRepliesNested()
    {
        await CreatePublishedAsync("busy-story");
        var reader = ReaderClient("many");
        var ids = new List<Guid>();
        for (var i = 0; i < 5; i++)
            ids.Add(IdOf(await PostAsync(reader, "busy-story", $"Comment number {i}")));
        var other = ReaderClient("other", "Other");
        for (var i = 0; i < 4; i++)
            await PostAsync(other, "busy-story", $"Reply {i}", ids[0]);

        var newest = new List<Guid>();
        string? cursor = null;
        do
        {
            var page = await ReadJsonAsync(await Anonymous.GetAsync($"/api/v1/articles/busy-story/comments?limit=2{(cursor is null ? "" : "&cursor=" + cursor)}"));
            newest.AddRange(page["items"]!.AsArray().Select(i => IdOf(i!)));
            cursor = page["nextCursor"]?.GetValue<string>();
        } while (cursor is not null);
        Assert.That(newest, Is.EqualTo(Enumerable.Reverse(ids).ToList()));

        var oldest = await ReadJsonAsync(await Anonymous.GetAsync("/api/v1/articles/busy-story/comments?sort=oldest&limit=1"));
        var first = oldest["items"]![0]!;
        Assert.That(IdOf(first), Is.EqualTo(ids[0]));
        Assert.That(first["replyCount"]!.GetValue<int>(), Is.EqualTo(4));
        Assert.That(first["replies"]!.AsArray().Select(r => r!["bodyHtml"]!.GetValue<string>()), Is.EqualTo(new[] { "<p>Reply 0</p>", "<p>Reply 1</p>", "<p>Reply 2</p>" }));

        var replies = await ReadJsonAsync(await Anonymous.GetAsync($"/api/v1/comments/{ids[0]}/replies?limit=3"));
        Assert.That(replies["items"]!.AsArray(), Has.Count.EqualTo(3));
        var rest = await ReadJsonAsync(await Anonymous.GetAsync($"/api/v1/comments/{ids[0]}/replies?limit=3&cursor={replies["nextCursor"]}"));
        Assert.That(rest["items"]!.AsArray().Select(r => r!["bodyHtml"]!.GetValue<string>()), Is.EqualTo(new[] { "<p>Reply 3</p>" }));
        Assert.That(rest["nextCursor"], Is.Null);

        var single = await ReadJsonAsync(await Anonymous.GetAsync($"/api/v1/comments/{ids[0]}"));
        Assert.That(single["replies"]!.AsArray(), Has.Count.EqualTo(3));
    }

    [Test]
    public async Task CommentsOfADraftOrScheduledArticleAnswerLikeAMissingArticle()
    {
        var published = await CreatePublishedAsync("soon-hidden");
        var comment = await PostAsync(ReaderClient("early"), "soon-hidden", "Posted while public");
        await CreateArticleAsync("a-draft");
        await CreatePublishedAsync("a-scheduled", publishAt: DateTimeOffset.UtcNow.AddDays(1));
        var missing = await AssertProblemAsync(await Anonymous.GetAsync("/api/v1/articles/no-such-story/comments"), HttpStatusCode.NotFound);

        foreach (var slug in new[] { "a-draft", "a-scheduled" })
        {
            var problem = await AssertProblemAsync(await Anonymous.GetAsync($"/api/v1/articles/{slug}/comments"), HttpStatusCode.NotFound);
            Assert.That(problem["detail"]!.ToString(), Is.EqualTo(missing["detail"]!.ToString()));
            await AssertProblemAsync(await ReaderClient("r").PostAsJsonAsync($"/api/v1/articles/{slug}/comments", new { body = "hi" }), HttpStatusCode.NotFound);
        }

        var version = await SqlAsync<int>("select version from articles where id = @published", new { published });
        var unpublish = await SendAsync(Admin, HttpMethod.Post, $"/api/v1/manage/articles/{published}/unpublish", null, version);
        Assert.That(unpublish.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        await AssertProblemAsync(await Anonymous.GetAsync("/api/v1/articles/soon-hidden/comments"), HttpStatusCode.NotFound);
        await AssertProblemAsync(await Anonymous.GetAsync($"/api/v1/comments/{IdOf(comment)}"), HttpStatusCode.NotFound);
        await AssertProblemAsync(await Anonymous.GetAsync($"/api/v1/comments/{IdOf(comment)}/replies"), HttpStatusCode.NotFound);
    }

    [Test]
    public async Task HostileOrOversizedTextIsRefusedAndNothingIsStored()
    {
        await CreatePublishedAsync("careful");
        var reader = ReaderClient("hostile");
        var before = await SnapshotAsync();
        // Escapes written into the JSON as they are, so a lone surrogate reaches the API unrepaired.
        foreach (var body in new[] { "", "   \\n  ", "bell \\u0007", "half \\ud800 pair", "nonchar \\ufdd0", new string('x', 2001) })
        {
            var content = new StringContent($"{{\"body\":\"{body}\"}}", System.Text.Encoding.UTF8, "application/json");
            var problem = await AssertProblemAsync(await reader.PostAsync("/api/v1/articles/careful/comments", content), HttpStatusCode.BadRequest);
            Assert.That(problem["errors"]!["body"], Is.Not.Null, body);
        }
        Assert.That(await SnapshotAsync(), Is.EqualTo(before));
        var script = await PostAsync(reader, "careful", "<script>alert(1)</script> javascript:alert(1) <a href=\"x\">x</a>");
        Assert.That(script["bodyHtml"]!.GetValue<string>(), Does.Not.Contain("<script").And.Not.Contain("<a href=\"x\""));
        Assert.That(await SqlAsync<long>("select count(*) from comments"), Is.EqualTo(1));
    }

    [Test]
    public async Task RepliesGoOneLevelDeepUnderAPublicCommentOfTheSameArticle()
    {
        await CreatePublishedAsync("first-story");
        await CreatePublishedAsync("second-story");
        var reader = ReaderClient("replier");
        var top = IdOf(await PostAsync(reader, "first-story", "Top"));
        var reply = IdOf(await PostAsync(reader, "first-story", "Reply", top));

        foreach (var (slug, parent) in new[] { ("first-story", reply), ("second-story", top), ("first-story", Guid.NewGuid()) })
        {
            var problem = await AssertProblemAsync(await reader.PostAsJsonAsync($"/api/v1/articles/{slug}/comments", new { body = "Deeper", parentId = parent }), HttpStatusCode.BadRequest);
            Assert.That(problem["errors"]!["parentId"], Is.Not.Null);
        }
    }

    [Test]
    public async Task TheSameTextTwiceIsADuplicate()
    {
        await CreatePublishedAsync("dupes");
        var reader = ReaderClient("repeat");
        await PostAsync(reader, "dupes", "Same words");
        var problem = await AssertProblemAsync(await reader.PostAsJsonAsync("/api/v1/articles/dupes/comments", new { body = "same   WORDS" }), HttpStatusCode.Conflict);
        Assert.That(problem["title"]!.ToString(), Is.EqualTo("Duplicate comment"));
        // Another reader may say the same.
        await PostAsync(ReaderClient("echo"), "dupes", "Same words");
    }

    [Test]
    public async Task AnAuthorEditsWithIfMatchWithinTheWindowAndNoOneElseCan()
    {
        await CreatePublishedAsync("editable");
        var author = ReaderClient("author");
        var id = IdOf(await PostAsync(author, "editable", "Frist"));

        await AssertProblemAsync(await SendAsync(author, HttpMethod.Put, $"/api/v1/comments/{id}", new { body = "First" }), (HttpStatusCode)428);
        await AssertProblemAsync(await SendAsync(author, HttpMethod.Put, $"/api/v1/comments/{id}", new { body = "First" }, ifMatch: 7), HttpStatusCode.PreconditionFailed);
        await AssertProblemAsync(await SendAsync(ReaderClient("intruder"), HttpMethod.Put, $"/api/v1/comments/{id}", new { body = "Mine now" }, ifMatch: 1), HttpStatusCode.Forbidden);
        await AssertProblemAsync(await SendAsync(author, HttpMethod.Put, $"/api/v1/comments/{Guid.NewGuid()}", new { body = "First" }, ifMatch: 1), HttpStatusCode.NotFound);
        await AssertProblemAsync(await SendAsync(author, HttpMethod.Put, $"/api/v1/comments/{id}", new { body = "" }, ifMatch: 1), HttpStatusCode.BadRequest);

        var edited = await SendAsync(author, HttpMethod.Put, $"/api/v1/comments/{id}", new { body = "First" }, ifMatch: 1);
        Assert.That(edited.StatusCode, Is.EqualTo(HttpStatusCode.OK), await edited.Content.ReadAsStringAsync());
        Assert.That(edited.Headers.ETag?.Tag, Is.EqualTo("\"2\""));
        var body = await ReadJsonAsync(edited);
        Assert.That(body["bodyHtml"]!.GetValue<string>(), Is.EqualTo("<p>First</p>"));
        Assert.That(body["editedAt"], Is.Not.Null);

        // The window is the database's clock: move the comment back in time rather than wait.
        await SqlAsync<int>("update comments set created_at = now() - interval '1 hour' where id = @id returning 1", new { id });
        var late = await AssertProblemAsync(await SendAsync(author, HttpMethod.Put, $"/api/v1/comments/{id}", new { body = "Later" }, ifMatch: 2), HttpStatusCode.UnprocessableEntity);
        Assert.That(late["title"]!.ToString(), Is.EqualTo("The edit window has passed."));
        await AssertProblemAsync(await author.DeleteAsync($"/api/v1/comments/{id}"), HttpStatusCode.UnprocessableEntity);
    }

    [Test]
    public async Task DeletingACommentWithRepliesLeavesAPlaceholder()
    {
        await CreatePublishedAsync("threads");
        var author = ReaderClient("starter", "Starter");
        var lonely = IdOf(await PostAsync(author, "threads", "Nobody answers this"));
        var answered = IdOf(await PostAsync(author, "threads", "Somebody answers this"));
        await PostAsync(ReaderClient("answerer"), "threads", "An answer", answered);

        await AssertProblemAsync(await ReaderClient("someone").DeleteAsync($"/api/v1/comments/{answered}"), HttpStatusCode.Forbidden);
        Assert.That((await author.DeleteAsync($"/api/v1/comments/{lonely}")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That((await author.DeleteAsync($"/api/v1/comments/{answered}")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        await AssertProblemAsync(await author.DeleteAsync($"/api/v1/comments/{answered}"), HttpStatusCode.NotFound);

        var list = await ReadJsonAsync(await Anonymous.GetAsync("/api/v1/articles/threads/comments"));
        var items = list["items"]!.AsArray();
        Assert.That(items, Has.Count.EqualTo(1));
        Assert.That(items[0]!["status"]!.GetValue<string>(), Is.EqualTo("deleted"));
        Assert.That(items[0]!["author"], Is.Null);
        Assert.That(items[0]!["bodyHtml"]!.GetValue<string>(), Is.Empty);
        Assert.That(items[0]!["replies"]!.AsArray(), Has.Count.EqualTo(1));
        Assert.That(await SqlAsync<string>("select body from comments where id = @answered", new { answered }), Is.Empty);
        var article = await ReadJsonAsync(await Anonymous.GetAsync("/api/v1/articles/threads"));
        Assert.That(article["comments"]!["count"]!.GetValue<int>(), Is.EqualTo(1));
    }

    [Test]
    public async Task AReaderReportsAnotherReadersCommentOnce()
    {
        await CreatePublishedAsync("reported");
        var author = ReaderClient("loud");
        var id = IdOf(await PostAsync(author, "reported", "Buy now"));
        var reporter = ReaderClient("watchful");

        Assert.That((await reporter.PostAsJsonAsync($"/api/v1/comments/{id}/reports", new { reason = "spam", note = "Same link everywhere." })).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        await AssertProblemAsync(await reporter.PostAsJsonAsync($"/api/v1/comments/{id}/reports", new { reason = "abuse" }), HttpStatusCode.Conflict);
        await AssertProblemAsync(await author.PostAsJsonAsync($"/api/v1/comments/{id}/reports", new { reason = "other" }), HttpStatusCode.UnprocessableEntity);
        await AssertProblemAsync(await reporter.PostAsJsonAsync($"/api/v1/comments/{Guid.NewGuid()}/reports", new { reason = "spam" }), HttpStatusCode.NotFound);
        var invalid = await AssertProblemAsync(await reporter.PostAsJsonAsync($"/api/v1/comments/{id}/reports", new { reason = "boring" }), HttpStatusCode.BadRequest);
        Assert.That(invalid["errors"]!["reason"], Is.Not.Null);
        Assert.That(await SqlAsync<int>("select open_reports from comments where id = @id", new { id }), Is.EqualTo(1));
    }

    [Test]
    public async Task AReaderListsAndExportsTheirOwnCommentsWithTheirStatus()
    {
        await CreatePublishedAsync("mine");
        var reader = ReaderClient("me", "Me", email: "me@example.org");
        await PostAsync(reader, "mine", "One");
        await PostAsync(reader, "mine", "Two");
        await PostAsync(reader, "mine", "Three");
        await PostAsync(ReaderClient("not-me"), "mine", "Not mine");

        var page = await ReadJsonAsync(await reader.GetAsync("/api/v1/me/comments?limit=2"));
        Assert.That(page["items"]!.AsArray().Select(i => i!["body"]!.GetValue<string>()), Is.EqualTo(new[] { "Three", "Two" }));
        Assert.That(page["items"]![0]!["status"]!.GetValue<string>(), Is.EqualTo("approved"));
        var rest = await ReadJsonAsync(await reader.GetAsync($"/api/v1/me/comments?limit=2&cursor={page["nextCursor"]}"));
        Assert.That(rest["items"]!.AsArray().Select(i => i!["body"]!.GetValue<string>()), Is.EqualTo(new[] { "One" }));
        await AssertProblemAsync(await reader.GetAsync("/api/v1/me/comments?limit=0"), HttpStatusCode.BadRequest);

        var export = await ReadJsonAsync(await reader.GetAsync("/api/v1/me/export"));
        Assert.That(export["email"]!.GetValue<string>(), Is.EqualTo("me@example.org"));
        Assert.That(export["comments"]!.AsArray(), Has.Count.EqualTo(3));
    }

    [Test]
    public async Task QueryParametersAreValidated()
    {
        await CreatePublishedAsync("validated");
        foreach (var path in new[] { "/api/v1/articles/validated/comments?sort=best", "/api/v1/articles/validated/comments?limit=101", "/api/v1/articles/validated/comments?cursor=nope" })
            await AssertProblemAsync(await Anonymous.GetAsync(path), HttpStatusCode.BadRequest);
        await AssertProblemAsync(await Anonymous.GetAsync($"/api/v1/comments/{Guid.NewGuid()}/replies?limit=0"), HttpStatusCode.BadRequest);
        await AssertProblemAsync(await Anonymous.GetAsync($"/api/v1/comments/{Guid.NewGuid()}"), HttpStatusCode.NotFound);
    }

    [Test]
    public async Task ANewApprovedCommentIsVisibleOnTheNextReadAndListsAnswer304ToTheirETag()
    {
        await CreatePublishedAsync("cached");
        var reader = ReaderClient("cache-reader");
        var top = IdOf(await PostAsync(reader, "cached", "First"));
        foreach (var path in new[] { "/api/v1/articles/cached/comments", $"/api/v1/comments/{top}", $"/api/v1/comments/{top}/replies" })
        {
            var first = await Anonymous.GetAsync(path);
            Assert.That(first.Headers.GetValues("Surrogate-Key").Single(), Does.Contain("comments:"));
            var again = new HttpRequestMessage(HttpMethod.Get, path);
            again.Headers.IfNoneMatch.Add(first.Headers.ETag!);
            Assert.That((await Anonymous.SendAsync(again)).StatusCode, Is.EqualTo(HttpStatusCode.NotModified), path);
        }
        var before = await Anonymous.GetAsync("/api/v1/articles/cached");
        await PostAsync(reader, "cached", "Second");
        await PostAsync(reader, "cached", "A reply", top);

        var list = await ReadJsonAsync(await Anonymous.GetAsync("/api/v1/articles/cached/comments"));
        Assert.That(list["items"]!.AsArray(), Has.Count.EqualTo(2));
        var replies = await ReadJsonAsync(await Anonymous.GetAsync($"/api/v1/comments/{top}/replies"));
        Assert.That(replies["items"]!.AsArray(), Has.Count.EqualTo(1));
        var after = await Anonymous.GetAsync("/api/v1/articles/cached");
        Assert.That(after.Headers.ETag, Is.Not.EqualTo(before.Headers.ETag));
        Assert.That((await ReadJsonAsync(after))["comments"]!["count"]!.GetValue<int>(), Is.EqualTo(3));
    }
}
