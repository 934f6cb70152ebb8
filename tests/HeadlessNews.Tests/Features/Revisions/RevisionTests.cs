using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using HeadlessNews.Tests.Infrastructure;

namespace HeadlessNews.Tests.Features.Revisions;

public sealed class RevisionTests : ApiTestBase
{
    private async Task<int> EditAsync(HttpClient client, Guid id, int version, object body)
    {
        var response = await SendAsync(client, HttpMethod.Put, $"/api/v1/manage/articles/{id}", body, version);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        return (await ReadJsonAsync(response))["version"]!.GetValue<int>();
    }

    [Test]
    public async Task EveryChangeIsARevisionWithWhoMadeIt()
    {
        await CreateTagAsync("courts");
        using var editor = await ClientWithRoleAsync("editor");
        var created = await ReadJsonAsync(await editor.PostAsJsonAsync("/api/v1/manage/articles",
            new { slug = "appeal-court-ruling", title = "Appeal court rules", bodyMarkdown = "The court ruled today." }));
        var id = created["id"]!.GetValue<Guid>();
        var version = await EditAsync(editor, id, created["version"]!.GetValue<int>(),
            new { slug = "appeal-court-ruling", title = "Appeal court rules on the merger", bodyMarkdown = "The court ruled on Tuesday.", tags = new[] { "courts" } });
        version = await PublishAsync(id, version);

        var list = await ReadJsonAsync(await editor.GetAsync($"/api/v1/manage/articles/{id}/revisions"));
        var items = list["items"]!.AsArray();
        Assert.That(items.Select(i => i!["action"]!.GetValue<string>()), Is.EqualTo(new[] { "published", "updated", "created" }));
        Assert.That(items.Select(i => i!["number"]!.GetValue<int>()), Is.EqualTo(new[] { 3, 2, 1 }));
        Assert.That(items[2]!["keyName"]!.GetValue<string>(), Is.EqualTo("editor key"));
        Assert.That(items[0]!["keyId"]!.GetValue<string>(), Is.EqualTo("bootstrap"));
        Assert.That(items[0]!["version"]!.GetValue<int>(), Is.EqualTo(version));

        var first = await ReadJsonAsync(await editor.GetAsync($"/api/v1/manage/articles/{id}/revisions/1"));
        Assert.That(first["article"]!["title"]!.GetValue<string>(), Is.EqualTo("Appeal court rules"));
        Assert.That(first["article"]!["status"]!.GetValue<string>(), Is.EqualTo("draft"));
        await AssertProblemAsync(await editor.GetAsync($"/api/v1/manage/articles/{id}/revisions/9"), HttpStatusCode.NotFound);
        await AssertProblemAsync(await editor.GetAsync($"/api/v1/manage/articles/{Guid.NewGuid()}/revisions"), HttpStatusCode.NotFound);
    }

    [Test]
    public async Task ADiffShowsChangedFieldsAndAWordLevelBodyDiff()
    {
        await CreateTagAsync("courts");
        var (id, version) = await CreateArticleAsync("merger-blocked");
        await EditAsync(Admin, id, version, new
        {
            slug = "merger-blocked", title = "Regulator blocks the merger", summary = "About merger-blocked.", tags = new[] { "courts" },
            bodyMarkdown = "## Section\n\nText for merger-blocked, now with the regulator's reasons.",
        });

        var diff = await ReadJsonAsync(await Admin.GetAsync($"/api/v1/manage/articles/{id}/revisions/diff?from=1&to=2"));
        var fields = diff["fields"]!.AsArray().ToDictionary(f => f!["field"]!.GetValue<string>(), f => f!);
        Assert.That(fields.Keys, Is.EquivalentTo(new[] { "title", "tags", "bodyMarkdown" }));
        Assert.That(fields["title"]["from"]!.GetValue<string>(), Is.EqualTo("merger blocked"));
        Assert.That(fields["title"]["to"]!.GetValue<string>(), Is.EqualTo("Regulator blocks the merger"));
        Assert.That(fields["tags"]["to"]!.AsArray().Select(t => t!.GetValue<string>()), Is.EqualTo(new[] { "courts" }));

        var body = diff["body"]!.AsArray().Select(c => (Op: c!["op"]!.GetValue<string>(), Text: c["text"]!.GetValue<string>())).ToList();
        Assert.That(string.Concat(body.Where(c => c.Op != "insert").Select(c => c.Text)), Is.EqualTo("## Section\n\nText for merger-blocked."));
        Assert.That(string.Concat(body.Where(c => c.Op != "delete").Select(c => c.Text)),
            Is.EqualTo("## Section\n\nText for merger-blocked, now with the regulator's reasons."));
        Assert.That(body.Where(c => c.Op == "insert").Select(c => c.Text), Has.Some.Contains("regulator's"));
        Assert.That(body.First().Op, Is.EqualTo("equal"));

        await AssertProblemAsync(await Admin.GetAsync($"/api/v1/manage/articles/{id}/revisions/diff?from=1"), HttpStatusCode.BadRequest);
        await AssertProblemAsync(await Admin.GetAsync($"/api/v1/manage/articles/{id}/revisions/diff?from=1&to=7"), HttpStatusCode.NotFound);
    }

    [Test]
    public async Task RestoringARevisionIsANewRevisionAndOverwritesNothing()
    {
        var other = await CreatePublishedAsync("related-background");
        var (id, version) = await CreateArticleAsync("strike-talks");
        var related = await SendAsync(Admin, HttpMethod.Put, $"/api/v1/manage/articles/{id}/related", new { articleIds = new[] { other } }, version);
        version = (await ReadJsonAsync(related))["version"]!.GetValue<int>();
        version = await EditAsync(Admin, id, version, new { slug = "strike-talks", title = "Strike talks collapse", bodyMarkdown = "A wrong turn." });

        // Restoring needs If-Match like any write.
        Assert.That((await Admin.PostAsync($"/api/v1/manage/articles/{id}/revisions/2/restore", null)).StatusCode, Is.EqualTo(HttpStatusCode.PreconditionRequired));
        Assert.That((await SendAsync(Admin, HttpMethod.Post, $"/api/v1/manage/articles/{id}/revisions/2/restore", null, version - 1)).StatusCode,
            Is.EqualTo(HttpStatusCode.PreconditionFailed));

        var restored = await SendAsync(Admin, HttpMethod.Post, $"/api/v1/manage/articles/{id}/revisions/2/restore", null, version);
        Assert.That(restored.StatusCode, Is.EqualTo(HttpStatusCode.OK), await restored.Content.ReadAsStringAsync());
        var article = await ReadJsonAsync(restored);
        Assert.That(article["title"]!.GetValue<string>(), Is.EqualTo("strike talks"));
        Assert.That(article["bodyMarkdown"]!.GetValue<string>(), Does.Contain("Text for strike-talks"));
        Assert.That(article["version"]!.GetValue<int>(), Is.GreaterThan(version));

        var list = await ReadJsonAsync(await Admin.GetAsync($"/api/v1/manage/articles/{id}/revisions"));
        Assert.That(list["items"]!.AsArray().Select(i => i!["action"]!.GetValue<string>()), Is.EqualTo(new[] { "restored", "updated", "related", "created" }));
        var wrong = await ReadJsonAsync(await Admin.GetAsync($"/api/v1/manage/articles/{id}/revisions/3"));
        Assert.That(wrong["article"]!["title"]!.GetValue<string>(), Is.EqualTo("Strike talks collapse"), "the restored-over revision is still there");
        var curated = await ReadJsonAsync(await Admin.GetAsync($"/api/v1/manage/articles/{id}/related"));
        Assert.That(curated["items"]![0]!["id"]!.GetValue<Guid>(), Is.EqualTo(other));
        await AssertProblemAsync(await SendAsync(Admin, HttpMethod.Post, $"/api/v1/manage/articles/{id}/revisions/99/restore", null, article["version"]!.GetValue<int>()), HttpStatusCode.NotFound);
    }

    [Test]
    public async Task ADeletedArticleKeepsItsRevisionsIncludingWhoDeletedIt()
    {
        var id = await CreatePublishedAsync("withdrawn-story");
        var version = (await ReadJsonAsync(await Admin.GetAsync($"/api/v1/manage/articles/{id}")))["version"]!.GetValue<int>();
        using var editor = await ClientWithRoleAsync("editor");
        Assert.That((await SendAsync(editor, HttpMethod.Delete, $"/api/v1/manage/articles/{id}", null, version)).StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That((await Admin.DeleteAsync($"/api/v1/manage/articles/{id}")).StatusCode, Is.EqualTo(HttpStatusCode.PreconditionRequired));
        Assert.That((await SendAsync(Admin, HttpMethod.Delete, $"/api/v1/manage/articles/{id}", null, version)).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));

        var list = await ReadJsonAsync(await Admin.GetAsync($"/api/v1/manage/articles/{id}/revisions"));
        var last = list["items"]![0]!;
        Assert.That(last["action"]!.GetValue<string>(), Is.EqualTo("deleted"));
        Assert.That(last["keyId"]!.GetValue<string>(), Is.EqualTo("bootstrap"));
        var audit = await ReadJsonAsync(await Admin.GetAsync($"/api/v1/manage/audit?resourceId={id}&action=DeleteArticle"));
        Assert.That(audit["items"]!.AsArray().Select(e => e!["statusCode"]!.GetValue<int>()), Is.EquivalentTo(new[] { 204, 428, 403 }));
    }

    [Test]
    public async Task ArchiveHidesAndKeepsTheArticle()
    {
        var id = await CreatePublishedAsync("old-harbour-plan");
        var version = (await ReadJsonAsync(await Admin.GetAsync($"/api/v1/manage/articles/{id}")))["version"]!.GetValue<int>();
        Assert.That((await SendAsync(Admin, HttpMethod.Post, $"/api/v1/manage/articles/{id}/archive", null, version)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        await AssertProblemAsync(await Anonymous.GetAsync("/api/v1/articles/old-harbour-plan"), HttpStatusCode.NotFound);
        var kept = await ReadJsonAsync(await Admin.GetAsync($"/api/v1/manage/articles/{id}"));
        Assert.That(kept["status"]!.GetValue<string>(), Is.EqualTo("archived"));
        var audit = await ReadJsonAsync(await Admin.GetAsync($"/api/v1/manage/audit?resourceId={id}"));
        Assert.That(audit["items"]!.AsArray().Select(e => e!["action"]!.GetValue<string>()), Does.Contain("ArchiveArticle"));
    }
}
