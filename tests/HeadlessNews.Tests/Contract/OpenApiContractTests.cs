using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using HeadlessNews.Tests.Infrastructure;
using YamlDotNet.Serialization;

namespace HeadlessNews.Tests.Contract;

/// <summary>
/// openapi.yaml is the contract: the document the app serves must equal it. After an intended API change,
/// regenerate it with: HEADLESSNEWS_UPDATE_OPENAPI=1 dotnet test --filter OpenApiContractTests
/// </summary>
public sealed class OpenApiContractTests : ApiTestBase
{
    private static string CommittedPath => Path.Combine(TestDatabase.RepositoryRoot(), "openapi.yaml");

    [Test]
    public async Task ServedDocumentEqualsTheCommittedOpenApiYaml()
    {
        var served = await Anonymous.GetStringAsync("/openapi/v1.yaml");
        if (Environment.GetEnvironmentVariable("HEADLESSNEWS_UPDATE_OPENAPI") == "1")
            await File.WriteAllTextAsync(CommittedPath, served);

        Assert.That(File.Exists(CommittedPath), Is.True, "openapi.yaml is missing; regenerate it (see this class's summary).");
        var committed = Normalize(await File.ReadAllTextAsync(CommittedPath));
        Assert.That(Normalize(served), Is.EqualTo(committed),
            "The served OpenAPI document differs from openapi.yaml. If the change is intended, regenerate the file (see this class's summary).");
    }

    [Test]
    public async Task DocumentDescribesTheContractPathsAndBearerSecurity()
    {
        var document = JsonNode.Parse(await Anonymous.GetStringAsync("/openapi/v1.json"))!;
        var paths = document["paths"]!.AsObject().Select(p => p.Key).ToArray();
        Assert.That(paths, Is.SupersetOf(new[]
        {
            "/api/v1/articles", "/api/v1/articles/{slug}", "/api/v1/articles/{slug}/related", "/api/v1/tags", "/api/v1/tags/{slug}",
            "/api/v1/manage/articles", "/api/v1/manage/articles/{id}", "/api/v1/manage/articles/{id}/publish",
            "/api/v1/manage/articles/{id}/unpublish", "/api/v1/manage/articles/{id}/archive", "/api/v1/manage/articles/{id}/related",
            "/api/v1/manage/tags", "/api/v1/manage/tags/{id}", "/api/v1/manage/keys", "/api/v1/manage/keys/{id}",
            "/health/live", "/health/ready",
        }));
        Assert.That(document["components"]!["securitySchemes"]!["Bearer"]!["scheme"]!.ToString(), Is.EqualTo("bearer"));
        var publish = document["paths"]!["/api/v1/manage/articles/{id}/publish"]!["post"]!;
        Assert.That(publish["operationId"]!.ToString(), Is.EqualTo("PublishArticle"));
        Assert.That(publish["security"], Is.Not.Null);
        Assert.That(publish["responses"]!.AsObject().Select(r => r.Key), Is.SupersetOf(new[] { "200", "401", "403", "404", "412", "422", "428" }));
        // Public operations say outright that no key is needed: one empty requirement.
        Assert.That(document["paths"]!["/api/v1/articles"]!["get"]!["security"]!.AsArray().Single()!.AsObject(), Is.Empty);
    }

    [Test]
    public async Task EverySchemaHasAnExampleAndClosedSetsAreEnums()
    {
        var document = System.Text.Json.Nodes.JsonNode.Parse(await Anonymous.GetStringAsync("/openapi/v1.json"))!;
        var schemas = document["components"]!["schemas"]!.AsObject();
        var withoutExample = schemas.Where(s => s.Value!["properties"] is not null && s.Value["example"] is null).Select(s => s.Key).ToList();
        Assert.That(withoutExample, Is.Empty);
        string[] Enum(string schema, string property) =>
            schemas[schema]!["properties"]![property]!["enum"]!.AsArray().Select(v => v!.GetValue<string>()).ToArray();
        Assert.That(Enum("Article", "status"), Is.EqualTo(new[] { "draft", "scheduled", "published", "archived" }));
        Assert.That(Enum("TagWrite", "kind"), Is.EqualTo(new[] { "topic", "place", "person", "organisation" }));
        Assert.That(Enum("CreateKeyRequest", "role"), Is.EqualTo(new[] { "reader", "partner", "editor", "admin", "moderator" }));
        Assert.That(Enum("RelatedCard", "kind"), Is.EqualTo(new[] { "curated", "computed" }));
        Assert.That(schemas["WebhookWrite"]!["properties"]!["events"]!["items"]!["enum"]!.AsArray(), Has.Count.EqualTo(10));
    }

    [Test]
    public async Task DocumentUiIsServed() =>
        Assert.That((await Anonymous.GetAsync("/docs/index.html")).StatusCode, Is.EqualTo(HttpStatusCode.OK));

    // Both sides parsed and written back as JSON, so formatting and key order in the file do not matter.
    private static string Normalize(string yaml)
    {
        var graph = new DeserializerBuilder().Build().Deserialize<object>(yaml);
        var json = JsonSerializer.Serialize(new SerializerBuilder().JsonCompatible().Build().Serialize(graph));
        return Canonical(JsonNode.Parse(JsonSerializer.Deserialize<string>(json)!))?.ToJsonString() ?? "";
    }

    private static JsonNode? Canonical(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, Canonical(p.Value)))),
        JsonArray a => new JsonArray(a.Select(Canonical).ToArray()),
        _ => node?.DeepClone(),
    };
}
