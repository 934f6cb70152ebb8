using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using HeadlessNews.Tests.Infrastructure;

namespace HeadlessNews.Tests.Features.Tags;

public sealed class TagTests : ApiTestBase
{
    [Test]
    public async Task TagsListWithCountsOfPublishedArticlesOnly()
    {
        await CreateTagAsync("russia", "place", "Russia");
        await CreateTagAsync("nato", "organisation", "NATO");
        await CreatePublishedAsync("one", ["russia", "nato"]);
        await CreatePublishedAsync("two", ["russia"]);
        await CreateArticleAsync("draft", ["russia", "nato"]);

        var list = await Anonymous.GetFromJsonAsync<JsonNode>("/api/v1/tags");

        var items = list!["items"]!.AsArray();
        Assert.That(items.Select(t => t!["slug"]!.ToString()), Is.EqualTo(new[] { "nato", "russia" }));
        Assert.That(items.Select(t => t!["articleCount"]!.GetValue<int>()), Is.EqualTo(new[] { 1, 2 }));
        var russia = await Anonymous.GetFromJsonAsync<JsonNode>("/api/v1/tags/russia");
        Assert.That(russia!["kind"]!.ToString(), Is.EqualTo("place"));
        Assert.That(russia["name"]!.ToString(), Is.EqualTo("Russia"));
        Assert.That(Slugs((await Anonymous.GetFromJsonAsync<JsonNode>("/api/v1/tags?kind=organisation"))!), Is.EqualTo(new[] { "nato" }));
        await AssertProblemAsync(await Anonymous.GetAsync("/api/v1/tags/atlantis"), HttpStatusCode.NotFound);
    }

    [Test]
    public async Task TagListPagesByCursor()
    {
        foreach (var slug in new[] { "a", "b", "c", "d", "e" })
            await CreateTagAsync(slug);

        var first = await Anonymous.GetFromJsonAsync<JsonNode>("/api/v1/tags?limit=2");
        var second = await Anonymous.GetFromJsonAsync<JsonNode>($"/api/v1/tags?limit=2&cursor={first!["nextCursor"]}");
        var third = await Anonymous.GetFromJsonAsync<JsonNode>($"/api/v1/tags?limit=2&cursor={second!["nextCursor"]}");

        Assert.That(Slugs(first).Concat(Slugs(second)).Concat(Slugs(third!)), Is.EqualTo(new[] { "a", "b", "c", "d", "e" }));
        Assert.That(third!["nextCursor"], Is.Null);
    }

    [Test]
    public async Task TagsAreCreatedUpdatedAndDeletedByEditors()
    {
        var created = await ReadJsonAsync(await Admin.PostAsJsonAsync("/api/v1/manage/tags", new { slug = "taiwan", name = "Taiwan", kind = "place" }));
        var id = created["id"]!.ToString();

        var updated = await Admin.PutAsJsonAsync($"/api/v1/manage/tags/{id}", new { slug = "taiwan-strait", name = "Taiwan Strait", kind = "place", description = "The waters between." });
        Assert.That(updated.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await Anonymous.GetFromJsonAsync<JsonNode>("/api/v1/tags/taiwan-strait"))!["description"]!.ToString(), Is.EqualTo("The waters between."));

        Assert.That((await Admin.DeleteAsync($"/api/v1/manage/tags/{id}")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        await AssertProblemAsync(await Admin.DeleteAsync($"/api/v1/manage/tags/{id}"), HttpStatusCode.NotFound);
        await AssertProblemAsync(await Admin.PutAsJsonAsync($"/api/v1/manage/tags/{id}", new { slug = "x", name = "x", kind = "topic" }), HttpStatusCode.NotFound);
    }

    [Test]
    public async Task DuplicateSlugsAndTagsInUseAnswerConflictAndChangeNothing()
    {
        await CreateTagAsync("energy");
        var used = await ReadJsonAsync(await Admin.PostAsJsonAsync("/api/v1/manage/tags", new { slug = "gas", name = "Gas", kind = "topic" }));
        await CreateArticleAsync("pipeline", ["gas"]);
        var before = await SnapshotAsync();

        await AssertProblemAsync(await Admin.PostAsJsonAsync("/api/v1/manage/tags", new { slug = "energy", name = "Energy", kind = "topic" }), HttpStatusCode.Conflict);
        await AssertProblemAsync(await Admin.PutAsJsonAsync($"/api/v1/manage/tags/{used["id"]}", new { slug = "energy", name = "Gas", kind = "topic" }), HttpStatusCode.Conflict);
        var inUse = await AssertProblemAsync(await Admin.DeleteAsync($"/api/v1/manage/tags/{used["id"]}"), HttpStatusCode.Conflict);
        Assert.That(inUse["detail"]!.ToString(), Does.Contain("still used"));
        Assert.That(await SnapshotAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task InvalidTagsAnswer400WithAMessagePerField()
    {
        var problem = await AssertProblemAsync(
            await Admin.PostAsJsonAsync("/api/v1/manage/tags", new { slug = "Bad Slug", name = new string('n', 101), kind = "galaxy" }),
            HttpStatusCode.BadRequest);

        Assert.That(problem["errors"]!.AsObject().Select(e => e.Key), Is.EquivalentTo(new[] { "slug", "name", "kind" }));
    }
}
