using System.Net;
using HeadlessNews.Tests.Infrastructure;
using Npgsql;

namespace HeadlessNews.Tests.Features.Articles;

public sealed class CorrectionTests : ApiTestBase
{
    private async Task<int> VersionAsync(Guid id) => (await ReadJsonAsync(await Admin.GetAsync($"/api/v1/manage/articles/{id}")))["version"]!.GetValue<int>();

    [Test]
    public async Task NotesShowOnTheArticleInOrderAndInTheFeeds()
    {
        var id = await CreatePublishedAsync("council-vote-date");
        var first = await SendAsync(Admin, HttpMethod.Post, $"/api/v1/manage/articles/{id}/corrections",
            new { kind = "correction", text = "An earlier version gave the wrong date for the vote." }, await VersionAsync(id));
        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.OK), await first.Content.ReadAsStringAsync());
        var second = await SendAsync(Admin, HttpMethod.Post, $"/api/v1/manage/articles/{id}/corrections",
            new { kind = "update", text = "The council has since confirmed the result." }, await VersionAsync(id));
        Assert.That(second.StatusCode, Is.EqualTo(HttpStatusCode.OK));

        var page = await ReadJsonAsync(await Anonymous.GetAsync("/api/v1/articles/council-vote-date"));
        var notes = page["corrections"]!.AsArray();
        Assert.That(notes.Select(n => n!["kind"]!.GetValue<string>()), Is.EqualTo(new[] { "correction", "update" }));
        Assert.That(notes[0]!["text"]!.GetValue<string>(), Does.Contain("wrong date"));

        Assert.That(await Anonymous.GetStringAsync("/feeds/rss.xml"), Does.Contain("wrong date").And.Contain("hn:correction"));
        var json = await ReadJsonAsync(await Anonymous.GetAsync("/feeds/feed.json"));
        Assert.That(json["items"]![0]!["_headlessnews"]!["corrections"]!.AsArray(), Has.Count.EqualTo(2));

        var revisions = await ReadJsonAsync(await Admin.GetAsync($"/api/v1/manage/articles/{id}/revisions"));
        Assert.That(revisions["items"]![0]!["action"]!.GetValue<string>(), Is.EqualTo("corrected"));
    }

    [Test]
    public async Task NotesNeedAPublishedArticleValidInputAndIfMatch()
    {
        var (draft, version) = await CreateArticleAsync("unpublished-notes");
        await AssertProblemAsync(await SendAsync(Admin, HttpMethod.Post, $"/api/v1/manage/articles/{draft}/corrections",
            new { kind = "correction", text = "Too early." }, version), HttpStatusCode.UnprocessableEntity);

        var live = await CreatePublishedAsync("live-notes");
        var current = await VersionAsync(live);
        Assert.That((await SendAsync(Admin, HttpMethod.Post, $"/api/v1/manage/articles/{live}/corrections", new { kind = "correction", text = "No If-Match." })).StatusCode,
            Is.EqualTo(HttpStatusCode.PreconditionRequired));
        foreach (var body in new object[] { new { kind = "retraction", text = "x" }, new { kind = "update", text = "" }, new { kind = "update", text = new string('x', 2001) } })
            await AssertProblemAsync(await SendAsync(Admin, HttpMethod.Post, $"/api/v1/manage/articles/{live}/corrections", body, current), HttpStatusCode.BadRequest);
        using var reader = await ClientWithRoleAsync("reader");
        Assert.That((await SendAsync(reader, HttpMethod.Post, $"/api/v1/manage/articles/{live}/corrections", new { kind = "update", text = "Hi." }, current)).StatusCode,
            Is.EqualTo(HttpStatusCode.Forbidden));
    }

    [Test]
    public async Task NotesCannotBeChangedOrRemovedEvenDirectlyInTheDatabase()
    {
        var id = await CreatePublishedAsync("permanent-note");
        await SendAsync(Admin, HttpMethod.Post, $"/api/v1/manage/articles/{id}/corrections", new { kind = "correction", text = "A fixed figure." }, await VersionAsync(id));

        Assert.ThrowsAsync<PostgresException>(() => SqlAsync<int>("update corrections set text = 'quietly changed' returning 1"));
        Assert.ThrowsAsync<PostgresException>(() => SqlAsync<int>("delete from corrections returning 1"));
        Assert.That(await SqlAsync<string>("select text from corrections"), Is.EqualTo("A fixed figure."));

        // Deleting the whole article (admin, audited, with a revision) is the only way they go.
        Assert.That((await SendAsync(Admin, HttpMethod.Delete, $"/api/v1/manage/articles/{id}", null, await VersionAsync(id))).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(await SqlAsync<long>("select count(*) from corrections"), Is.Zero);
    }
}
