using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dapper;
using HeadlessNews.Tests.Features.Cluster;
using HeadlessNews.Tests.Infrastructure;
using Npgsql;

namespace HeadlessNews.Tests.Features.Tags;

/// <summary>
/// Delivery pages carry their cards' tag ids and look the tags up in a copy each instance keeps (TagDirectory), valid
/// for one state of the tags table (tag_generation): a tag written anywhere shows on the very next page everywhere.
/// </summary>
public sealed class TagDirectoryTests : ApiTestBase
{
    private static async Task<string[]> PageTagNamesAsync(HttpClient client, string slug) =>
        [.. (await client.GetFromJsonAsync<JsonNode>($"/api/v1/articles/{slug}"))!["tags"]!.AsArray().Select(t => t!["name"]!.ToString())];

    private static async Task<string[][]> CardTagNamesAsync(HttpClient client, string url) =>
        [.. (await client.GetFromJsonAsync<JsonNode>(url))!["items"]!.AsArray()
            .Select(card => card!["tags"]!.AsArray().Select(t => t!["name"]!.ToString()).ToArray())];

    [Test]
    public async Task ATagWrittenOnOneInstanceShowsOnTheNextListTagPageSearchAndArticlePageOfAnother()
    {
        // No in-process cache on the other instance: each read below asks its database and its copy of the tags.
        await using var other = SecondInstance.Start(new Dictionary<string, string?> { ["HeadlessNews:Caching:InProcessSeconds"] = "0" });
        var tag = await ReadJsonAsync(await Admin.PostAsJsonAsync("/api/v1/manage/tags", new { slug = "energy", name = "Energy", kind = "topic" }));
        await CreatePublishedAsync("grid-upgrade", ["energy"], DateTimeOffset.UtcNow.AddMinutes(-10));
        Assert.That(await CardTagNamesAsync(other.Anonymous, "/api/v1/articles"), Is.EqualTo(new[] { new[] { "Energy" } }));
        Assert.That(await PageTagNamesAsync(other.Anonymous, "grid-upgrade"), Is.EqualTo(new[] { "Energy" }));

        var renamed = await Admin.PutAsJsonAsync($"/api/v1/manage/tags/{tag["id"]}", new { slug = "energy", name = "Power", kind = "place" });
        Assert.That(renamed.StatusCode, Is.EqualTo(HttpStatusCode.OK), await renamed.Content.ReadAsStringAsync());

        // The article page first: no list has read the new state on that instance yet.
        Assert.That(await PageTagNamesAsync(other.Anonymous, "grid-upgrade"), Is.EqualTo(new[] { "Power" }), "article page");

        Assert.That(await CardTagNamesAsync(other.Anonymous, "/api/v1/articles"), Is.EqualTo(new[] { new[] { "Power" } }), "list");
        Assert.That(await CardTagNamesAsync(other.Anonymous, "/api/v1/articles?tag=energy"), Is.EqualTo(new[] { new[] { "Power" } }), "tag page");
        Assert.That(await CardTagNamesAsync(other.Anonymous, "/api/v1/articles?q=power"), Is.EqualTo(new[] { new[] { "Power" } }), "search");
        var kinds = (await other.Anonymous.GetFromJsonAsync<JsonNode>("/api/v1/articles"))!["items"]![0]!["tags"]![0]!["kind"]!.ToString();
        Assert.That(kinds, Is.EqualTo("place"));

        // A tag made after the other instance read its copy, on a new article, in the editor's order.
        await CreateTagAsync("grid", name: "Grid");
        await CreatePublishedAsync("new-lines", ["grid", "energy"]);
        Assert.That(await PageTagNamesAsync(other.Anonymous, "new-lines"), Is.EqualTo(new[] { "Grid", "Power" }), "article page, the editor's order");
        Assert.That(await CardTagNamesAsync(other.Anonymous, "/api/v1/articles"), Is.EqualTo(new[] { new[] { "Grid", "Power" }, new[] { "Power" } }));
        Assert.That(await CardTagNamesAsync(Anonymous, "/api/v1/articles?tag=grid"), Is.EqualTo(new[] { new[] { "Grid", "Power" } }));
    }

    [Test]
    public async Task EveryCommittedChangeToTagsGivesTheTableANewGenerationAndARolledBackOneDoesNot()
    {
        // A test's reset empties tag_generation too: no row reads as the zero uuid here.
        const string Generation = "select coalesce((select id from tag_generation), '00000000-0000-0000-0000-000000000000')";
        var before = await SqlAsync<Guid>(Generation);
        await CreateTagAsync("first");
        var afterCreate = await SqlAsync<Guid>(Generation);
        Assert.That(afterCreate, Is.Not.EqualTo(before));

        await using (var connection = new NpgsqlConnection(GlobalSetup.UnpooledConnectionString))
        {
            await connection.OpenAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            await connection.ExecuteAsync("update tags set name = 'Renamed' where slug = 'first'", transaction: transaction);
            Assert.That(await connection.ExecuteScalarAsync<Guid>(Generation, transaction: transaction), Is.Not.EqualTo(afterCreate), "inside the change's transaction");
            Assert.That(await SqlAsync<Guid>(Generation), Is.EqualTo(afterCreate), "outside it, before it commits");
            await transaction.RollbackAsync();
        }
        Assert.That(await SqlAsync<Guid>(Generation), Is.EqualTo(afterCreate));
        Assert.That((await Anonymous.GetFromJsonAsync<JsonNode>("/api/v1/tags/first"))!["name"]!.ToString(), Is.EqualTo("first"));

        // Statements that change no tag row (an import batch whose tags all exist) leave it.
        await SqlAsync<int>("""
            with none as (insert into tags (slug, name, kind) values ('first', 'Again', 'topic') on conflict (slug) do nothing returning 1)
            select count(*)::int from none
            """);
        await SqlAsync<int>("with none as (update tags set name = 'x' where slug = 'nowhere' returning 1) select count(*)::int from none");
        await SqlAsync<int>("with none as (delete from tags where slug = 'nowhere' returning 1) select count(*)::int from none");
        Assert.That(await SqlAsync<Guid>(Generation), Is.EqualTo(afterCreate), "statements that changed no tag");
    }

    [Test]
    public async Task AnIdTheHeldCopyOfThePagesStateLacksIsAskedOfTheDatabase()
    {
        await CreateTagAsync("energy", name: "Energy");
        var energy = await SqlAsync<Guid>("select id from tags where slug = 'energy'");
        var generation = await SqlAsync<Guid>("select id from tag_generation");
        var directory = new HeadlessNews.Api.Features.Tags.TagDirectory();
        await using var connection = new NpgsqlConnection(GlobalSetup.UnpooledConnectionString);
        await connection.OpenAsync();
        Assert.That((await directory.TagsOfAsync(connection, generation, [[energy]], CancellationToken.None))[0].Select(t => t.Name),
            Is.EqualTo(new[] { "Energy" }));

        // A tag the copy of this state never saw: written with the triggers off, so the state keeps its name. The copy
        // is still the page's, and the page's answer must not drop the tag.
        await using (var writer = new NpgsqlConnection(GlobalSetup.UnpooledConnectionString))
        {
            await writer.OpenAsync();
            await writer.ExecuteAsync("set session_replication_role = replica; insert into tags (slug, name, kind) values ('water', 'Water', 'topic')");
        }
        var water = await SqlAsync<Guid>("select id from tags where slug = 'water'");
        Assert.That(await SqlAsync<Guid>("select id from tag_generation"), Is.EqualTo(generation));

        var tags = await directory.TagsOfAsync(connection, generation, [[energy, water], []], CancellationToken.None);
        Assert.That(tags[0].Select(t => t.Name), Is.EqualTo(new[] { "Energy", "Water" }));
        Assert.That(tags[1], Is.Empty);
    }

    [Test]
    public async Task ACardsTagIdsAreReadInTheEditorsOrderThroughAnIndexWithoutASort()
    {
        await using var connection = new NpgsqlConnection(GlobalSetup.UnpooledConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        // The test archive is small enough for a sequential scan: without it and bitmap scans, the plan shows which
        // index can hand the tags over in the editor's order (the primary key cannot: it needs a sort per card).
        await connection.ExecuteAsync("set local enable_seqscan = off; set local enable_bitmapscan = off", transaction: transaction);
        var plan = JsonNode.Parse(await connection.ExecuteScalarAsync<string>(
            $"explain (format json) select {HeadlessNews.Api.Features.Articles.ArticleSql.TagIdColumns("a.id")} from articles a where a.id = @id",
            new { id = Guid.NewGuid() }, transaction) ?? "[]")![0]!["Plan"]!;
        var nodes = PlanNodes.All(plan).ToList();
        Assert.That(nodes.Select(n => $"{n["Node Type"]}"), Has.None.EqualTo("Sort"), plan.ToJsonString());
        Assert.That(nodes.Where(n => $"{n["Relation Name"]}" == "article_tags").Select(n => $"{n["Node Type"]} {n["Index Name"]}"),
            Is.EqualTo(new[] { "Index Only Scan article_tags_in_order" }), plan.ToJsonString());
    }
}
