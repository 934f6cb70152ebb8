using HeadlessNews.Api.Infrastructure.Auth;
using Microsoft.AspNetCore.Authorization;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace HeadlessNews.Api.Infrastructure.OpenApi;

internal static class OpenApiSetup
{
    public const string DocumentPath = "/openapi/v1.json";

    public static void AddOpenApiDocument(this IServiceCollection services)
    {
        services.AddEndpointsApiExplorer();
        services.AddSwaggerGen(o =>
        {
            o.SwaggerDoc("v1", new OpenApiInfo
            {
                Title = "HeadlessNews API",
                Version = "v1",
                Description = "A headless content API for newsrooms: a public delivery API for published articles and tags, " +
                              "and a management API behind API keys. Errors are RFC 9457 problem details.",
            });
            o.AddSecurityDefinition(ApiKeyAuth.Scheme, new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "An API key, sent as 'Authorization: Bearer <key>'. Never in the query string.",
            });
            o.AddSecurityDefinition(ReaderTokens.Scheme, new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "JWT",
                Description = "A reader's token from the site's sign-in (HS256, or RS256/ES256 from the OpenID Connect authority), " +
                              "sent as 'Authorization: Bearer <token>'. API keys are not accepted here. See docs/conversation.md.",
            });
            // Relative to where the document is served: generated clients default to the API's own origin.
            o.AddServer(new OpenApiServer { Url = "/", Description = "The API's own origin" });
            o.IncludeXmlComments(typeof(Program).Assembly);
            o.DocumentFilter<TagDescriptionsDocumentFilter>();
            o.OperationFilter<SecurityOperationFilter>();
            o.SchemaFilter<OptionalParametersSchemaFilter>();
            o.OperationFilter<SparseFieldsOperationFilter>();
            o.OperationFilter<IfMatchOperationFilter>();
            o.OperationFilter<IdempotencyOperationFilter>();
            o.OperationFilter<ResponseHeadersOperationFilter>();
            o.SchemaFilter<AllowedValuesSchemaFilter>();
            // A diff's field values are whatever JSON the field holds: any value, not JsonNode's .NET members.
            o.MapType<System.Text.Json.Nodes.JsonNode>(() => new OpenApiSchema { Description = "Any JSON value." });
            o.DocumentFilter<NdjsonLineDocumentFilter>();
            o.DocumentFilter<NullableReferencesDocumentFilter>();
            o.DocumentFilter<SparseShapesDocumentFilter>();
            o.DocumentFilter<SchemaExamplesDocumentFilter>();
            o.SupportNonNullableReferenceTypes();
            // Keeps a nullable object member's null marker beside its $ref (allOf), for NullableReferencesDocumentFilter
            // to rewrite as one of the object or null.
            o.UseAllOfToExtendReferenceSchemas();
            o.NonNullableReferenceTypesAsRequired();
            o.CustomOperationIds(api => api.ActionDescriptor.EndpointMetadata.OfType<IEndpointNameMetadata>().FirstOrDefault()?.EndpointName);
        });
    }

    public static void UseOpenApiDocument(this WebApplication app)
    {
        // Only requests for the document or its UI go through these two: their route templates and regular
        // expressions otherwise ran for every delivery request.
        app.UseWhen(http => http.Request.Path.StartsWithSegments("/openapi") || http.Request.Path.StartsWithSegments("/docs"), docs =>
        {
            docs.UseSwagger(o =>
            {
                o.RouteTemplate = "openapi/{documentName}.{extension:regex(^(json|ya?ml)$)}";
                // 3.1's schemas are JSON Schema: null is a type, so nullable members validate and generate the same everywhere.
                o.OpenApiVersion = OpenApiSpecVersion.OpenApi3_1;
            });
            docs.UseSwaggerUI(o =>
            {
                o.RoutePrefix = "docs";
                o.SwaggerEndpoint(DocumentPath, "HeadlessNews API v1");
            });
        });
    }

    /// <summary>Documents the answers every operation can give (503 and 429; 413 and 415 where there is a body) and, where a key is needed, the bearer requirement with 401/403.</summary>
    private sealed class SecurityOperationFilter : IOperationFilter
    {
        public void Apply(OpenApiOperation operation, OperationFilterContext context)
        {
            operation.Responses ??= new OpenApiResponses();
            OpenApiResponse Problem(string description) => new()
            {
                Description = description,
                Content = new Dictionary<string, IOpenApiMediaType>
                {
                    ["application/problem+json"] = new OpenApiMediaType { Schema = new OpenApiSchemaReference("ProblemDetails", context.Document) },
                },
            };
            operation.Responses.TryAdd("503", Problem("The database is unavailable; retry after the Retry-After seconds."));
            if (context.ApiDescription.RelativePath?.StartsWith("health", StringComparison.Ordinal) != true)
                operation.Responses.TryAdd("429", Problem("Rate limit reached (per key, or per client address without one); retry after the Retry-After seconds."));
            if (operation.RequestBody is not null)
            {
                operation.Responses.TryAdd("413", Problem("The request body is larger than the configured limit."));
                operation.Responses.TryAdd("415", Problem("The body is not of the media type the operation takes."));
            }
            var metadata = context.ApiDescription.ActionDescriptor.EndpointMetadata;
            if (!metadata.OfType<IAuthorizeData>().Any() || metadata.OfType<IAllowAnonymous>().Any())
            {
                // Said outright: no key needed (an empty requirement), so linters and generators need not guess.
                operation.Security = [new OpenApiSecurityRequirement()];
                return;
            }
            if (metadata.OfType<IAuthorizeData>().Any(a => a.Policy == ReaderTokens.Policy))
            {
                operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ReaderTokens.Scheme, context.Document)] = [] }];
                operation.Responses.TryAdd("401", Problem("Missing or invalid reader token (unknown issuer, wrong algorithm, expired, another audience: all the same)."));
                operation.Responses.TryAdd("403", Problem("The reader is banned, or (where it says so) the comment is not theirs."));
                return;
            }
            operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeyAuth.Scheme, context.Document)] = [] }];
            operation.Responses.TryAdd("401", Problem("Missing, unknown or revoked API key."));
            operation.Responses.TryAdd("403", Problem("The key's role may not do this."));
        }
    }

    /// <summary>
    /// Import and export bodies are NDJSON, text that OpenAPI can only call a string; the shape of each line is kept
    /// among the schemas, so generated clients have a type to read a line into.
    /// </summary>
    private sealed class NdjsonLineDocumentFilter : IDocumentFilter
    {
        public void Apply(OpenApiDocument document, DocumentFilterContext context) =>
            context.SchemaGenerator.GenerateSchema(typeof(HeadlessNews.Api.Features.Transfer.ArticleRecord), context.SchemaRepository);
    }

    /// <summary>What each group of operations is for, shown in the UI and in generated clients.</summary>
    private sealed class TagDescriptionsDocumentFilter : IDocumentFilter
    {
        private static readonly Dictionary<string, string> Descriptions = new()
        {
            ["Articles"] = "Published articles, public and cacheable: lists, search, an article page, related cards.",
            ["Tags"] = "Tags with counts of published articles.",
            ["Search"] = "Search-as-you-type suggestions.",
            ["Changes"] = "The change feed for partners who mirror the content.",
            ["Feeds"] = "RSS, Atom, JSON Feed and sitemaps.",
            ["Manage articles"] = "Articles in every status: create, edit, publish, schedule, unpublish, archive, delete, related links, corrections.",
            ["Revisions"] = "Every change to an article, with diff and restore.",
            ["Manage tags"] = "Create, rename and delete tags.",
            ["Keys"] = "API keys and their roles (admins).",
            ["Webhooks"] = "Signed webhook subscriptions and their delivery log (admins).",
            ["Audit"] = "Who did what, when, from where (admins).",
            ["Import and export"] = "Bulk NDJSON import and export (admins).",
            ["Health"] = "Liveness and readiness probes.",
            ["Conversation"] = "Reader comments: public lists, and signed-in readers' posts, replies, edits, deletes and reports (reader tokens).",
            ["Moderation"] = "The moderation queue, decisions, readers' bans and erasure, comment settings (editors, admins, moderator keys).",
        };

        public void Apply(OpenApiDocument document, DocumentFilterContext context)
        {
            var used = document.Paths.Values.SelectMany(p => p.Operations?.Values.AsEnumerable() ?? []).SelectMany(o => o.Tags ?? new HashSet<OpenApiTagReference>())
                .Select(t => t.Name).OfType<string>().Distinct().Order();
            document.Tags = new HashSet<OpenApiTag>(used.Select(name => new OpenApiTag { Name = name, Description = Descriptions.GetValueOrDefault(name) }));
        }
    }

    /// <summary>A record parameter with a default value may be left out of the JSON, so it is not required.</summary>
    private sealed class OptionalParametersSchemaFilter : ISchemaFilter
    {
        public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
        {
            if (schema is not OpenApiSchema { Required.Count: > 0 } concrete)
                return;
            foreach (var parameter in context.Type.GetConstructors().SelectMany(c => c.GetParameters()).Where(p => p.HasDefaultValue))
                concrete.Required.Remove(System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(parameter.Name!));
        }
    }

    /// <summary>
    /// Writes to an existing resource need If-Match (they answer 428 without it): declared as a required header, so
    /// generated clients ask for it instead of leaving callers to find it in the prose.
    /// </summary>
    private sealed class IfMatchOperationFilter : IOperationFilter
    {
        public void Apply(OpenApiOperation operation, OperationFilterContext context)
        {
            if (operation.Responses?.ContainsKey("428") != true)
                return;
            operation.Parameters ??= [];
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = "If-Match",
                In = ParameterLocation.Header,
                Required = true,
                Description = "The ETag from your last read of the article (its version, quoted), or * for whatever version is current.",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                Example = System.Text.Json.Nodes.JsonValue.Create("\"3\""),
            });
        }
    }

    /// <summary>Documents fields= on the operations that take it, with the names it accepts.</summary>
    private sealed class SparseFieldsOperationFilter : IOperationFilter
    {
        public void Apply(OpenApiOperation operation, OperationFilterContext context)
        {
            var sparse = context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<HeadlessNews.Api.Infrastructure.Http.SparseFieldsMetadata>().FirstOrDefault();
            if (sparse is null)
                return;
            operation.Parameters ??= [];
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = "fields",
                In = ParameterLocation.Query,
                Description = "Comma-separated members to return" + (sparse.ItemsMember is null ? "" : " for each item") +
                              "; a member of an embedded object or list with a dot (related.slug), an embedded one alone " +
                              "to keep it whole. Known: " + string.Join(", ", sparse.Allowed) + ".",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                Example = System.Text.Json.Nodes.JsonValue.Create("slug,title,summary"),
            });
        }
    }
}
