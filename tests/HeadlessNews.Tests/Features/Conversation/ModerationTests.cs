using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using HeadlessNews.Tests.Infrastructure;

namespace HeadlessNews.Tests.Features.Conversation;

public sealed class ModerationTests : ApiTestBase
{
    private static object Policy(string preModeration = "off", int trustedAfter = 1, string[]? banned = null, string[]? suspect = null,
        int maxLinks = 3, int? autoCloseAfterDays = null) =>
        new { preModeration, trustedAfter, bannedWords = banned ?? [], suspectWords = suspect ?? [], maxLinks, autoCloseAfterDays };

    private async Task SetPolicyAsync(object policy)
    {
        var response = await SendAsync(Admin, HttpMethod.Put, "/api/v1/manage/comments/settings", policy);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
    }

    private static async Task<JsonNode> PostAsync(HttpClient reader, string slug, string body, HttpStatusCode expected)
    {
        var response = await reader.PostAsJsonAsync($"/api/v1/articles/{slug}/comments", new { body });
        Assert.That(response.StatusCode, Is.EqualTo(expected), await response.Content.ReadAsStringAsync());
        return await ReadJsonAsync(response);
    }

    private async Task<int> PublicCountAsync(string slug) =>
        (await ReadJsonAsync(await Anonymous.GetAsync($"/api/v1/articles/{slug}/comments")))["items"]!.AsArray().Count;

    [Test]
    public async Task WithPreModerationOfAllCommentsTheyWaitForAModerator()
    {
        await CreatePublishedAsync("held-story");
        await SetPolicyAsync(Policy("all"));
        Assert.That((await ReadJsonAsync(await Admin.GetAsync("/api/v1/manage/comments/settings")))["preModeration"]!.GetValue<string>(), Is.EqualTo("all"));
        var reader = ReaderClient("patient");
        var held = await PostAsync(reader, "held-story", "Waiting my turn", HttpStatusCode.Accepted);
        Assert.That(held["status"]!.GetValue<string>(), Is.EqualTo("pending"));
        Assert.That(await PublicCountAsync("held-story"), Is.EqualTo(0));
        await AssertProblemAsync(await Anonymous.GetAsync($"/api/v1/comments/{held["id"]}"), HttpStatusCode.NotFound);
        var mine = await ReadJsonAsync(await reader.GetAsync("/api/v1/me/comments"));
        Assert.That(mine["items"]![0]!["status"]!.GetValue<string>(), Is.EqualTo("pending"));

        var moderator = await ClientWithRoleAsync("moderator");
        var queue = await ReadJsonAsync(await moderator.GetAsync("/api/v1/manage/comments?status=pending"));
        Assert.That(queue["items"]!.AsArray(), Has.Count.EqualTo(1));
        Assert.That(queue["items"]![0]!["heldReason"]!.GetValue<string>(), Is.EqualTo("pre-moderation"));
        Assert.That(queue["items"]![0]!["body"]!.GetValue<string>(), Is.EqualTo("Waiting my turn"));

        var approved = await moderator.PostAsync($"/api/v1/manage/comments/{held["id"]}/approve", null);
        Assert.That(approved.StatusCode, Is.EqualTo(HttpStatusCode.OK), await approved.Content.ReadAsStringAsync());
        Assert.That((await ReadJsonAsync(approved))["status"]!.GetValue<string>(), Is.EqualTo("approved"));
        Assert.That(await PublicCountAsync("held-story"), Is.EqualTo(1), "visible on the next read");
        Assert.That((await ReadJsonAsync(await Anonymous.GetAsync("/api/v1/articles/held-story")))["comments"]!["count"]!.GetValue<int>(), Is.EqualTo(1));
        Assert.That((await ReadJsonAsync(await moderator.GetAsync("/api/v1/manage/comments")))["items"]!.AsArray(), Is.Empty);
        await AssertProblemAsync(await moderator.PostAsync($"/api/v1/manage/comments/{Guid.NewGuid()}/approve", null), HttpStatusCode.NotFound);
    }

    [Test]
    public async Task WithFirstCommentPreModerationATrustedReaderIsPublicAtOnce()
    {
        await CreatePublishedAsync("newcomers");
        await SetPolicyAsync(Policy("first", trustedAfter: 1));
        var reader = ReaderClient("newcomer");
        var first = await PostAsync(reader, "newcomers", "My first words", HttpStatusCode.Accepted);
        var held = await ReadJsonAsync(await Admin.GetAsync("/api/v1/manage/comments"));
        Assert.That(held["items"]![0]!["heldReason"]!.GetValue<string>(), Is.EqualTo("first-comments"));
        Assert.That((await Admin.PostAsync($"/api/v1/manage/comments/{first["id"]}/approve", null)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        await PostAsync(reader, "newcomers", "Now I am known", HttpStatusCode.Created);
        // Staff are never held.
        await PostAsync(ReaderClient("editor-person", staff: true), "newcomers", "From the newsroom", HttpStatusCode.Created);
    }

    [Test]
    public async Task BannedWordsRefuseSuspectWordsHoldAndLinksAreLimited()
    {
        await CreatePublishedAsync("words");
        await SetPolicyAsync(Policy(banned: ["casino bonus"], suspect: ["idiot"], maxLinks: 1));
        var reader = ReaderClient("wordy");
        var before = await SnapshotAsync();
        var refused = await AssertProblemAsync(await reader.PostAsJsonAsync("/api/v1/articles/words/comments", new { body = "Best CASINO  bonus here" }), HttpStatusCode.UnprocessableEntity);
        Assert.That(refused["errors"]!["body"], Is.Not.Null);
        await AssertProblemAsync(await reader.PostAsJsonAsync("/api/v1/articles/words/comments", new { body = "See https://a.example and https://b.example" }), HttpStatusCode.UnprocessableEntity);
        Assert.That(await SnapshotAsync(), Is.EqualTo(before));

        // Whole words only: "casinos bonus" is not the banned phrase.
        await PostAsync(reader, "words", "Casinos bonus schemes are in the report: https://a.example", HttpStatusCode.Created);
        var held = await PostAsync(reader, "words", "What an Idiot.", HttpStatusCode.Accepted);
        var queue = await ReadJsonAsync(await Admin.GetAsync("/api/v1/manage/comments?status=pending"));
        Assert.That(queue["items"]![0]!["id"]!.GetValue<Guid>(), Is.EqualTo(held["id"]!.GetValue<Guid>()));
        Assert.That(queue["items"]![0]!["heldReason"]!.GetValue<string>(), Is.EqualTo("suspect-word"));

        var invalid = await AssertProblemAsync(await SendAsync(Admin, HttpMethod.Put, "/api/v1/manage/comments/settings",
            Policy("sometimes", maxLinks: -1, banned: [" padded "])), HttpStatusCode.BadRequest);
        Assert.That(invalid["errors"]!.AsObject().Select(e => e.Key), Is.SupersetOf(new[] { "preModeration", "maxLinks", "bannedWords[0]" }));
    }

    [Test]
    public async Task RejectingAPublicCommentTakesItDownAndTellsItsAuthorWhy()
    {
        await CreatePublishedAsync("rejections");
        var reader = ReaderClient("rude");
        var comment = await PostAsync(reader, "rejections", "Something rude", HttpStatusCode.Created);
        var other = await PostAsync(ReaderClient("fair"), "rejections", "Something fair", HttpStatusCode.Created);
        Assert.That((await reader.PostAsJsonAsync($"/api/v1/comments/{other["id"]}/reports", new { reason = "abuse" })).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That((await ReaderClient("fair").PostAsJsonAsync($"/api/v1/comments/{comment["id"]}/reports", new { reason = "abuse" })).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));

        var reported = await ReadJsonAsync(await Admin.GetAsync("/api/v1/manage/comments?status=reported"));
        Assert.That(reported["items"]!.AsArray(), Has.Count.EqualTo(2));
        var editor = await ClientWithRoleAsync("editor");
        var reject = await editor.PostAsJsonAsync($"/api/v1/manage/comments/{comment["id"]}/reject", new { reason = "Personal attack." });
        Assert.That(reject.StatusCode, Is.EqualTo(HttpStatusCode.OK), await reject.Content.ReadAsStringAsync());
        Assert.That((await editor.PostAsync($"/api/v1/manage/comments/{other["id"]}/approve", null)).StatusCode, Is.EqualTo(HttpStatusCode.OK));

        Assert.That(await PublicCountAsync("rejections"), Is.EqualTo(1));
        Assert.That((await ReadJsonAsync(await Admin.GetAsync("/api/v1/manage/comments?status=reported")))["items"]!.AsArray(), Is.Empty);
        var rejected = await ReadJsonAsync(await Admin.GetAsync("/api/v1/manage/comments?status=rejected"));
        Assert.That(rejected["items"]![0]!["rejectReason"]!.GetValue<string>(), Is.EqualTo("Personal attack."));
        var mine = await ReadJsonAsync(await reader.GetAsync("/api/v1/me/comments"));
        Assert.That(mine["items"]![0]!["status"]!.GetValue<string>(), Is.EqualTo("rejected"));
        Assert.That(mine["items"]![0]!["rejectReason"]!.GetValue<string>(), Is.EqualTo("Personal attack."));
        await AssertProblemAsync(await SendAsync(reader, HttpMethod.Put, $"/api/v1/comments/{comment["id"]}", new { body = "Sorry" }, ifMatch: 1), HttpStatusCode.UnprocessableEntity);

        var approved = await ReadJsonAsync(await Admin.GetAsync("/api/v1/manage/comments?status=approved&limit=1"));
        Assert.That(approved["items"]!.AsArray(), Has.Count.EqualTo(1));
        var invalid = await AssertProblemAsync(await Admin.PostAsJsonAsync($"/api/v1/manage/comments/{other["id"]}/reject", new { reason = "" }), HttpStatusCode.BadRequest);
        Assert.That(invalid["errors"]!["reason"], Is.Not.Null);
        await AssertProblemAsync(await Admin.GetAsync("/api/v1/manage/comments?status=spam"), HttpStatusCode.BadRequest);
        await AssertProblemAsync(await Admin.PostAsJsonAsync($"/api/v1/manage/comments/{Guid.NewGuid()}/reject", new { reason = "x" }), HttpStatusCode.NotFound);
    }

    [Test]
    public async Task OnlyPublicCommentsCanBeFeatured()
    {
        await CreatePublishedAsync("features");
        await SetPolicyAsync(Policy("all"));
        var held = await PostAsync(ReaderClient("good"), "features", "Insightful", HttpStatusCode.Accepted);
        var id = held["id"]!.GetValue<Guid>();
        await AssertProblemAsync(await Admin.PostAsync($"/api/v1/manage/comments/{id}/feature", null), HttpStatusCode.UnprocessableEntity);
        await Admin.PostAsync($"/api/v1/manage/comments/{id}/approve", null);
        var featured = await Admin.PostAsync($"/api/v1/manage/comments/{id}/feature", null);
        Assert.That((await ReadJsonAsync(featured))["featured"]!.GetValue<bool>(), Is.True);
        var list = await ReadJsonAsync(await Anonymous.GetAsync("/api/v1/articles/features/comments"));
        Assert.That(list["items"]![0]!["featured"]!.GetValue<bool>(), Is.True);
        Assert.That((await ReadJsonAsync(await Admin.DeleteAsync($"/api/v1/manage/comments/{id}/feature")))["featured"]!.GetValue<bool>(), Is.False);
        await AssertProblemAsync(await Admin.PostAsync($"/api/v1/manage/comments/{Guid.NewGuid()}/feature", null), HttpStatusCode.NotFound);
        await AssertProblemAsync(await Admin.DeleteAsync($"/api/v1/manage/comments/{Guid.NewGuid()}/feature"), HttpStatusCode.NotFound);
    }

    [Test]
    public async Task AModeratorKeyModeratesAndDoesNothingElse()
    {
        var id = await CreatePublishedAsync("moderated");
        var comment = await PostAsync(ReaderClient("someone"), "moderated", "Hello", HttpStatusCode.Created);
        var moderator = await ClientWithRoleAsync("moderator");
        Assert.That((await moderator.GetAsync("/api/v1/manage/comments")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await moderator.GetAsync($"/api/v1/manage/readers/{comment["author"]!["id"]}")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await moderator.GetAsync($"/api/v1/manage/articles/{id}/conversation")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        foreach (var request in new Func<Task<HttpResponseMessage>>[]
                 {
                     () => moderator.GetAsync("/api/v1/manage/articles"),
                     () => moderator.GetAsync($"/api/v1/manage/articles/{id}"),
                     () => moderator.PostAsJsonAsync("/api/v1/manage/keys", new { name = "escalate", role = "admin" }),
                     () => moderator.GetAsync("/api/v1/manage/webhooks"),
                     () => moderator.GetAsync("/api/v1/manage/audit"),
                     () => moderator.DeleteAsync($"/api/v1/manage/readers/{comment["author"]!["id"]}"),
                 })
            await AssertProblemAsync(await request(), HttpStatusCode.Forbidden);
        // Readers' and partners' keys cannot moderate.
        await AssertProblemAsync(await (await ClientWithRoleAsync("reader")).GetAsync("/api/v1/manage/comments"), HttpStatusCode.Forbidden);
        await AssertProblemAsync(await (await ClientWithRoleAsync("partner")).PostAsync($"/api/v1/manage/comments/{comment["id"]}/approve", null), HttpStatusCode.Forbidden);
    }

    [Test]
    public async Task CommentsCloseByArticleAndAutomaticallyAfterPublication()
    {
        var id = await CreatePublishedAsync("closing");
        var reader = ReaderClient("late");
        var closed = await SendAsync(Admin, HttpMethod.Put, $"/api/v1/manage/articles/{id}/conversation", new { state = "closed" });
        Assert.That((await ReadJsonAsync(closed))["open"]!.GetValue<bool>(), Is.False);
        Assert.That((await ReadJsonAsync(await Anonymous.GetAsync("/api/v1/articles/closing")))["comments"]!["open"]!.GetValue<bool>(), Is.False);
        var problem = await AssertProblemAsync(await reader.PostAsJsonAsync("/api/v1/articles/closing/comments", new { body = "Too late?" }), HttpStatusCode.UnprocessableEntity);
        Assert.That(problem["title"]!.ToString(), Is.EqualTo("Comments are closed."));

        await SendAsync(Admin, HttpMethod.Put, $"/api/v1/manage/articles/{id}/conversation", new { state = "auto" });
        await SetPolicyAsync(Policy(autoCloseAfterDays: 2));
        await SqlAsync<int>("update articles set published_at = now() - interval '3 days' where id = @id returning 1", new { id });
        Assert.That((await ReadJsonAsync(await Admin.GetAsync($"/api/v1/manage/articles/{id}/conversation")))["open"]!.GetValue<bool>(), Is.False);
        await AssertProblemAsync(await reader.PostAsJsonAsync("/api/v1/articles/closing/comments", new { body = "Still?" }), HttpStatusCode.UnprocessableEntity);

        var open = await ReadJsonAsync(await SendAsync(Admin, HttpMethod.Put, $"/api/v1/manage/articles/{id}/conversation", new { state = "open" }));
        Assert.That(open["open"]!.GetValue<bool>(), Is.True);
        Assert.That((await reader.PostAsJsonAsync("/api/v1/articles/closing/comments", new { body = "Held open" })).StatusCode, Is.EqualTo(HttpStatusCode.Created));

        await AssertProblemAsync(await SendAsync(Admin, HttpMethod.Put, $"/api/v1/manage/articles/{id}/conversation", new { state = "ajar" }), HttpStatusCode.BadRequest);
        await AssertProblemAsync(await SendAsync(Admin, HttpMethod.Put, $"/api/v1/manage/articles/{Guid.NewGuid()}/conversation", new { state = "open" }), HttpStatusCode.NotFound);
        await AssertProblemAsync(await Admin.GetAsync($"/api/v1/manage/articles/{Guid.NewGuid()}/conversation"), HttpStatusCode.NotFound);
    }

    [Test]
    public async Task EveryModerationActionIsInTheAuditTrail()
    {
        var article = await CreatePublishedAsync("audited");
        var comment = await PostAsync(ReaderClient("subject"), "audited", "Audit me", HttpStatusCode.Created);
        var moderator = await ClientWithRoleAsync("moderator");
        await moderator.PostAsJsonAsync($"/api/v1/manage/comments/{comment["id"]}/reject", new { reason = "Off topic." });
        await moderator.PostAsync($"/api/v1/manage/comments/{comment["id"]}/approve", null);
        await moderator.PostAsJsonAsync($"/api/v1/manage/readers/{comment["author"]!["id"]}/ban", new { reason = "Test." });
        await SendAsync(moderator, HttpMethod.Put, $"/api/v1/manage/articles/{article}/conversation", new { state = "closed" });

        var audit = await ReadJsonAsync(await Admin.GetAsync("/api/v1/manage/audit"));
        var actions = audit["items"]!.AsArray().Select(e => e!["action"]!.GetValue<string>()).ToList();
        Assert.That(actions, Is.SupersetOf(new[] { "RejectComment", "ApproveComment", "BanReader", "PutArticleConversation" }));
        var reject = audit["items"]!.AsArray().First(e => e!["action"]!.GetValue<string>() == "RejectComment")!;
        Assert.That(reject["role"]!.GetValue<string>(), Is.EqualTo("moderator"));
        Assert.That(reject["resourceId"]!.GetValue<string>(), Is.EqualTo(comment["id"]!.GetValue<string>()));
    }

    [Test]
    public async Task ErasingAReaderRemovesTheirDataAndLeavesPlaceholdersUnderOthersReplies()
    {
        await CreatePublishedAsync("erasure");
        var leaving = ReaderClient("leaving", "Leaving Person", email: "leaving@example.org");
        var answered = await PostAsync(leaving, "erasure", "Answered words", HttpStatusCode.Created);
        await PostAsync(leaving, "erasure", "Lonely words", HttpStatusCode.Created);
        await leaving.PostAsJsonAsync("/api/v1/articles/erasure/comments", new { body = "My own reply", parentId = answered["id"] });
        await ReaderClient("staying").PostAsJsonAsync("/api/v1/articles/erasure/comments", new { body = "A reply that stays", parentId = answered["id"] });
        var readerId = answered["author"]!["id"]!.GetValue<Guid>();
        // Reports that may quote the words, and one the leaving reader made about someone else.
        Assert.That((await ReaderClient("reporter").PostAsJsonAsync($"/api/v1/comments/{answered["id"]}/reports",
            new { reason = "other", note = "Quotes: Answered words" })).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        var others = await PostAsync(ReaderClient("other-writer"), "erasure", "Someone else's view", HttpStatusCode.Created);
        Assert.That((await leaving.PostAsJsonAsync($"/api/v1/comments/{others["id"]}/reports", new { reason = "spam" })).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(await SqlAsync<int>("select open_reports from comments where id = @id", new { id = others["id"]!.GetValue<Guid>() }), Is.EqualTo(1));

        await AssertProblemAsync(await (await ClientWithRoleAsync("editor")).DeleteAsync($"/api/v1/manage/readers/{readerId}"), HttpStatusCode.Forbidden);
        Assert.That((await Admin.DeleteAsync($"/api/v1/manage/readers/{readerId}")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        await AssertProblemAsync(await Admin.DeleteAsync($"/api/v1/manage/readers/{readerId}"), HttpStatusCode.NotFound);
        await AssertProblemAsync(await Admin.GetAsync($"/api/v1/manage/readers/{readerId}"), HttpStatusCode.NotFound);

        Assert.That(await SqlAsync<long>("select count(*) from readers where email = 'leaving@example.org' or display_name = 'Leaving Person'"), Is.EqualTo(0));
        Assert.That(await SqlAsync<long>("select count(*) from comments where body like '%words%' or body = 'My own reply'"), Is.EqualTo(0));
        Assert.That(await SqlAsync<long>("select count(*) from comment_reports where note like '%words%'"), Is.EqualTo(0), "reports quoting the words go");
        Assert.That(await SqlAsync<int>("select open_reports from comments where id = @id", new { id = others["id"]!.GetValue<Guid>() }), Is.EqualTo(0),
            "the erased reader's report no longer counts");
        var list = await ReadJsonAsync(await Anonymous.GetAsync("/api/v1/articles/erasure/comments"));
        var items = list["items"]!.AsArray();
        Assert.That(items, Has.Count.EqualTo(2));
        items = new System.Text.Json.Nodes.JsonArray(items.Where(i => i!["status"]!.GetValue<string>() == "deleted").Select(i => i!.DeepClone()).ToArray());
        Assert.That(items[0]!["status"]!.GetValue<string>(), Is.EqualTo("deleted"));
        Assert.That(items[0]!["replies"]!.AsArray().Select(r => r!["bodyHtml"]!.GetValue<string>()), Is.EqualTo(new[] { "<p>A reply that stays</p>" }));
        Assert.That(await SqlAsync<long>("select count(*) from events where type = 'comment.removed'"), Is.EqualTo(3));
        Assert.That(await SqlAsync<string>("select coalesce(string_agg(data::text, ''), '') from events"), Does.Not.Contain("Leaving"));

        await AssertProblemAsync(await Admin.PostAsJsonAsync($"/api/v1/manage/readers/{readerId}/ban", new { reason = "x" }), HttpStatusCode.NotFound);
        await AssertProblemAsync(await Admin.DeleteAsync($"/api/v1/manage/readers/{readerId}/ban"), HttpStatusCode.NotFound);
        var invalid = await AssertProblemAsync(await Admin.PostAsJsonAsync($"/api/v1/manage/readers/{readerId}/ban", new { reason = "x", until = DateTimeOffset.UtcNow.AddDays(-1) }), HttpStatusCode.BadRequest);
        Assert.That(invalid["errors"]!["until"], Is.Not.Null);
    }

    [Test]
    public async Task ModerationPostsRefuseAMalformedIdempotencyKeyAndAKeyReusedForAnotherRequest()
    {
        await CreatePublishedAsync("keyed");
        var first = await PostAsync(ReaderClient("k1"), "keyed", "One", HttpStatusCode.Created);
        var second = await PostAsync(ReaderClient("k2"), "keyed", "Two", HttpStatusCode.Created);
        foreach (var (action, body) in new (string, object?)[] { ("reject", new { reason = "No." }), ("approve", null), ("feature", null) })
        {
            HttpRequestMessage Request(JsonNode comment, string key)
            {
                var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/manage/comments/{comment["id"]}/{action}")
                {
                    Content = body is null ? null : JsonContent.Create(body),
                };
                request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
                return request;
            }
            await AssertProblemAsync(await Admin.SendAsync(Request(first, "bad\u0001key")), HttpStatusCode.BadRequest);
            var key = "moderation-" + action;
            Assert.That((await Admin.SendAsync(Request(first, key))).StatusCode, Is.EqualTo(HttpStatusCode.OK));
            await AssertProblemAsync(await Admin.SendAsync(Request(second, key)), HttpStatusCode.UnprocessableEntity);
        }
        var readerId = first["author"]!["id"]!.GetValue<Guid>();
        var ban = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/manage/readers/{readerId}/ban") { Content = JsonContent.Create(new { reason = "Keyed." }) };
        ban.Headers.Add("Idempotency-Key", "ban-1");
        Assert.That((await Admin.SendAsync(ban)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var other = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/manage/readers/{second["author"]!["id"]}/ban") { Content = JsonContent.Create(new { reason = "Keyed." }) };
        other.Headers.Add("Idempotency-Key", "ban-1");
        await AssertProblemAsync(await Admin.SendAsync(other), HttpStatusCode.UnprocessableEntity);
        var malformed = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/manage/readers/{readerId}/ban") { Content = JsonContent.Create(new { reason = "Keyed." }) };
        malformed.Headers.TryAddWithoutValidation("Idempotency-Key", new[] { "a", "b" });
        await AssertProblemAsync(await Admin.SendAsync(malformed), HttpStatusCode.BadRequest);
    }
}
