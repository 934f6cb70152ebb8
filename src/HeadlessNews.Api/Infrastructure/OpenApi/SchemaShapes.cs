using HeadlessNews.Api.Infrastructure.Http;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace HeadlessNews.Api.Infrastructure.OpenApi;

/// <summary>
/// A nullable member of an object type (heroImage, a tombstone's article) is written as one of the object or null,
/// the OpenAPI 3.1 form that validators and generators read alike. Swashbuckle's allOf + null type admits no null
/// under JSON Schema, since the allOf branch must match too.
/// </summary>
internal sealed class NullableReferencesDocumentFilter : IDocumentFilter
{
    public void Apply(OpenApiDocument document, DocumentFilterContext context)
    {
        foreach (var property in (document.Components?.Schemas?.Values ?? []).SelectMany(s => s.Properties?.Values ?? []).OfType<OpenApiSchema>())
        {
            if (property is not { AllOf: [OpenApiSchemaReference reference] } || property.Type?.HasFlag(JsonSchemaType.Null) != true)
                continue;
            property.AllOf = null;
            property.Type = null;
            property.OneOf = [reference, new OpenApiSchema { Type = JsonSchemaType.Null }];
        }
    }
}

/// <summary>
/// Shapes that fields= can trim (and the objects they embed, which a dotted name trims) have no required members:
/// a client that asks for some members gets only those. The embedded objects get their own partial copies, so the
/// same objects elsewhere (management answers, request bodies) keep their required members.
/// </summary>
internal sealed class SparseShapesDocumentFilter : IDocumentFilter
{
    private const string SparseNote = " With fields=, only the members named are present; without it, all of them are.";

    public void Apply(OpenApiDocument document, DocumentFilterContext context)
    {
        var schemas = document.Components?.Schemas;
        if (schemas is null)
            return;
        var shapes = context.ApiDescriptions.SelectMany(d => d.ActionDescriptor.EndpointMetadata.OfType<SparseFieldsMetadata>())
            .Select(m => m.Shape.Name).Where(schemas.ContainsKey).ToHashSet();
        foreach (var name in shapes)
        {
            if (schemas[name] is not OpenApiSchema shape)
                continue;
            shape.Required?.Clear();
            shape.Description += SparseNote;
            foreach (var (member, value) in shape.Properties?.ToList() ?? [])
                shape.Properties![member] = Partial(value, shapes, schemas, document);
        }
    }

    private static IOpenApiSchema Partial(IOpenApiSchema member, HashSet<string> shapes, IDictionary<string, IOpenApiSchema> schemas, OpenApiDocument document)
    {
        switch (member)
        {
            case OpenApiSchemaReference { Reference.Id: { } id } when !shapes.Contains(id) && schemas.ContainsKey(id):
                var partialId = "Partial" + id;
                if (!schemas.ContainsKey(partialId) && schemas[id] is OpenApiSchema whole)
                {
                    var copy = (OpenApiSchema)whole.CreateShallowCopy();
                    copy.Required = new HashSet<string>();
                    copy.Description = (whole.Description ?? $"{id}, as the delivery API shows it.") + SparseNote;
                    schemas[partialId] = copy;
                }
                return new OpenApiSchemaReference(partialId, document);
            case OpenApiSchema { Items: { } items } list:
                list.Items = Partial(items, shapes, schemas, document);
                return list;
            case OpenApiSchema { OneOf: { } choices } choice:
                choice.OneOf = choices.Select(c => Partial(c, shapes, schemas, document)).ToList();
                return choice;
            case OpenApiSchema { AllOf: { } all } wrapped:
                wrapped.AllOf = all.Select(c => Partial(c, shapes, schemas, document)).ToList();
                return wrapped;
            default:
                return member;
        }
    }
}
