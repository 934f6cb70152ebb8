using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace HeadlessNews.Api.Infrastructure.OpenApi;

/// <summary>
/// [AllowedValues] on a string (or a list of strings) becomes an enum in the document, so generated clients get
/// the closed set of values (C# enums, TypeScript unions) instead of a bare string.
/// </summary>
internal sealed class AllowedValuesSchemaFilter : ISchemaFilter
{
    public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
    {
        var allowed = context.MemberInfo?.GetCustomAttribute<AllowedValuesAttribute>() ?? context.ParameterInfo?.GetCustomAttribute<AllowedValuesAttribute>();
        if (allowed is null || schema is not OpenApiSchema concrete)
            return;
        var target = concrete.Items is OpenApiSchema items ? items : concrete;
        target.Enum = allowed.Values.Select(v => (JsonNode)JsonValue.Create((string)v!)).ToList();
    }
}

/// <summary>
/// Gives every object schema an example, built from its properties' own examples (from the XML comments), their
/// enums and formats, so the document and the UI show a whole, valid instance of each shape.
/// </summary>
// One `example` per schema, which 3.1 keeps for compatibility; Microsoft.OpenApi marks that member obsolete in
// favour of `examples`, which Redocly and the UI do not show as the schema's example.
#pragma warning disable CS0618
internal sealed class SchemaExamplesDocumentFilter : IDocumentFilter
{
    public void Apply(OpenApiDocument document, DocumentFilterContext context)
    {
        var schemas = document.Components?.Schemas;
        if (schemas is null)
            return;
        foreach (var (name, schema) in schemas)
        {
            if (schema is OpenApiSchema { Example: null, Properties.Count: > 0 } concrete)
                concrete.Example = Example(concrete, schemas, [name], name);
        }
    }

    private static JsonNode? Example(IOpenApiSchema schema, IDictionary<string, IOpenApiSchema> schemas, HashSet<string> seen, string path)
    {
        if (schema is OpenApiSchemaReference reference)
        {
            var id = reference.Reference.Id;
            if (id is null || !seen.Add(id) || !schemas.TryGetValue(id, out var target))
                return null;
            var example = Example(target, schemas, seen, path);
            seen.Remove(id);
            return example;
        }
        if (schema.Example is { } given)
            return given.DeepClone();
        if (schema.Enum is { Count: > 0 } values)
            return values[0]?.DeepClone();
        if (schema.AllOf is { Count: > 0 } all)
            return Example(all[0], schemas, seen, path);
        if (schema.OneOf is { Count: > 0 } choices)
            return Example(choices[0], schemas, seen, path);
        if (schema.Properties is { Count: > 0 } properties)
        {
            var result = new JsonObject();
            foreach (var (property, value) in properties)
                result[property] = Example(value, schemas, seen, path + "." + property);
            return result;
        }
        var type = schema.Type ?? 0;
        if (type.HasFlag(JsonSchemaType.Array))
            return schema.Items is { } items && Example(items, schemas, seen, path + "[]") is { } item ? new JsonArray(item) : new JsonArray();
        if (type.HasFlag(JsonSchemaType.Boolean))
            return JsonValue.Create(false);
        if (type.HasFlag(JsonSchemaType.Integer) || type.HasFlag(JsonSchemaType.Number))
            return JsonValue.Create(1);
        if (type.HasFlag(JsonSchemaType.Object))
            return new JsonObject();
        return schema.Format switch
        {
            // A different id for each place, stable from run to run (validators read two equal ids as one thing).
            "uuid" => JsonValue.Create(new Guid(System.Security.Cryptography.MD5.HashData(System.Text.Encoding.UTF8.GetBytes(path))).ToString()),
            "date-time" => JsonValue.Create("2026-11-28T08:00:00Z"),
            "uri" => JsonValue.Create("https://news.example.com/"),
            _ when type.HasFlag(JsonSchemaType.String) => JsonValue.Create("string"),
            _ => null,
        };
    }
}
#pragma warning restore CS0618
