using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using HeadlessNews.Tests.Infrastructure;

namespace HeadlessNews.Tests.Features.Articles;

public sealed class SparseFieldsTests : ApiTestBase
{
    private static string[] Keys(JsonNode node) => node.AsObject().Select(p => p.Key).ToArray();

    [Test]
    public async Task ListReturnsOnlyTheChosenMembersOfEachItem()
    {
        await CreateTagAsync("nato", "organisation");
        await CreatePublishedAsync("one", ["nato"], DateTimeOffset.UtcNow.AddMinutes(-2));
        await CreatePublishedAsync("two", ["nato"], DateTimeOffset.UtcNow.AddMinutes(-1));

        var list = await Anonymous.GetFromJsonAsync<JsonNode>("/api/v1/articles?fields=slug,title,summary&limit=1");

        Assert.That(Keys(list!["items"]![0]!), Is.EqualTo(new[] { "slug", "title", "summary" }));
        Assert.That(list["nextCursor"], Is.Not.Null, "the envelope is never trimmed");
        var withTags = await Anonymous.GetFromJsonAsync<JsonNode>("/api/v1/articles?fields=slug,tags.name");
        Assert.That(Keys(withTags!["items"]![0]!), Is.EqualTo(new[] { "slug", "tags" }));
        Assert.That(Keys(withTags["items"]![0]!["tags"]![0]!), Is.EqualTo(new[] { "name" }));
    }

    [Test]
    public async Task DetailComposesWithEmbeddedTagsAndRelatedCards()
    {
        await CreateTagAsync("trade");
        await CreatePublishedAsync("neighbour", ["trade"], DateTimeOffset.UtcNow.AddMinutes(-5));
        await CreatePublishedAsync("main", ["trade"]);

        var trimmed = await Anonymous.GetFromJsonAsync<JsonNode>("/api/v1/articles/main?fields=title,related.slug,related.kind,tags");

        Assert.That(Keys(trimmed!), Is.EquivalentTo(new[] { "title", "related", "tags" }));
        Assert.That(Keys(trimmed!["related"]![0]!), Is.EqualTo(new[] { "slug", "kind" }));
        Assert.That(Keys(trimmed["tags"]![0]!), Is.EquivalentTo(new[] { "slug", "name", "kind" }));
        var whole = await Anonymous.GetFromJsonAsync<JsonNode>("/api/v1/articles/main?fields=related,related.slug");
        Assert.That(Keys(whole!["related"]![0]!), Has.Length.GreaterThan(2), "naming related alone keeps cards whole");
        var related = await Anonymous.GetFromJsonAsync<JsonNode>("/api/v1/articles/main/related?fields=slug");
        Assert.That(Keys(related!["items"]![0]!), Is.EqualTo(new[] { "slug" }));
    }

    [Test]
    public async Task TrimmedResponsesHaveTheirOwnETag()
    {
        await CreatePublishedAsync("tagged");
        var full = await Anonymous.GetAsync("/api/v1/articles/tagged");
        var trimmed = await Anonymous.GetAsync("/api/v1/articles/tagged?fields=slug");
        Assert.That(trimmed.Headers.ETag, Is.Not.EqualTo(full.Headers.ETag));
        Assert.That(await trimmed.Content.ReadAsStringAsync(), Is.EqualTo("{\"slug\":\"tagged\"}"));
    }

    [TestCase("/api/v1/articles?fields=slug,password")]
    [TestCase("/api/v1/articles?fields=")]
    [TestCase("/api/v1/articles?fields=related.slug")]
    [TestCase("/api/v1/articles/anything?fields=tags.secret")]
    [TestCase("/api/v1/articles/anything?fields=title.length")]
    public async Task UnknownFieldsAnswer400NamingThem(string url)
    {
        var problem = await AssertProblemAsync(await Anonymous.GetAsync(url), HttpStatusCode.BadRequest);
        Assert.That(problem["errors"]!["fields"], Is.Not.Null);
    }
}
