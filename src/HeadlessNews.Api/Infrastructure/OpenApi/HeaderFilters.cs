using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace HeadlessNews.Api.Infrastructure.OpenApi;

/// <summary>
/// The response headers clients act on, named on every answer that carries them; required where the server
/// always sends them, so a validator notices when one goes missing.
/// </summary>
internal sealed class ResponseHeadersOperationFilter : IOperationFilter
{
    private static readonly Dictionary<string, string> Headers = new()
    {
        ["ETag"] = "The representation's validator. Delivery answers: a weak hash of the JSON (send it in If-None-Match); " +
                   "management articles: the version, quoted (send it in If-Match on writes).",
        ["Last-Modified"] = "When this representation was made; send it in If-Modified-Since.",
        ["Cache-Control"] = "Delivery: public, max-age (configurable, cut short by the next scheduled publish) and stale-while-revalidate; no-cache when a purge came while the answer was read. Management: private, no-store.",
        ["Surrogate-Key"] = "Space-separated keys of what the answer shows (article:<id>, list, related, delivery), for CDN purges.",
        ["Link"] = "The next page, as <url>; rel=\"next\" (the same URL as nextCursor gives). Absent on the last page.",
        ["Location"] = "Where the created resource is read.",
        ["Retry-After"] = "Seconds to wait before trying again.",
        ["WWW-Authenticate"] = "The scheme to authenticate with: Bearer (an API key, or a reader token where the operation takes one).",
        ["RateLimit-Limit"] = "Requests per minute allowed to this key (or client address). Sent when rate limiting is on.",
        ["RateLimit-Remaining"] = "Requests left in the current bucket. Sent when rate limiting is on.",
        ["RateLimit-Reset"] = "Seconds until the bucket is full again. Sent when rate limiting is on.",
        ["RateLimit-Policy"] = "The limit as <requests>;w=60. Sent when rate limiting is on.",
        ["Idempotent-Replayed"] = "true when this is the stored answer to an earlier request with the same Idempotency-Key.",
        ["Idempotent-Secret-Withheld"] = "On a replay: the member (key or secret) that the first answer showed once and this one holds as null.",
    };

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var path = "/" + context.ApiDescription.RelativePath;
        var management = path.StartsWith("/api/v1/manage", StringComparison.Ordinal);
        var delivery = operation.Responses?.ContainsKey("304") == true;
        var post = context.ApiDescription.HttpMethod == "POST";
        foreach (var (status, response) in operation.Responses ?? [])
        {
            if (response is not OpenApiResponse concrete)
                continue;
            var success = status.StartsWith('2');
            // Probes are neither rate limited nor told when to come back: a balancer asks again on its own schedule.
            var probe = path.StartsWith("/health", StringComparison.Ordinal);
            if (!probe)
                foreach (var name in new[] { "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "RateLimit-Policy" })
                    Add(concrete, name, required: false, context);
            if (status is "429" or "503" && !probe)
                Add(concrete, "Retry-After", required: true, context);
            if (status == "401")
                Add(concrete, "WWW-Authenticate", required: true, context);
            if (delivery && status is "200" or "304")
                foreach (var name in new[] { "ETag", "Last-Modified", "Cache-Control", "Surrogate-Key" })
                    Add(concrete, name, required: true, context);
            // The one list that also gives its next page as a Link header (ArticleEndpoints.ListArticles).
            if (operation.OperationId == "ListArticles" && status == "200")
                Add(concrete, "Link", required: false, context);
            if (management && success)
                Add(concrete, "Cache-Control", required: true, context);
            if (status == "201")
                Add(concrete, "Location", required: true, context);
            if (management && success && ShowsArticle(concrete))
                Add(concrete, "ETag", required: true, context);
            if (management && post)
                Add(concrete, "Idempotent-Replayed", required: false, context);
            if (success && context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<Http.SecretInAnswer>().Any())
                Add(concrete, "Idempotent-Secret-Withheld", required: false, context);
        }
    }

    private static bool ShowsArticle(OpenApiResponse response) =>
        response.Content?.Values.Any(c => c.Schema is OpenApiSchemaReference { Reference.Id: "Article" }) == true;

    private static void Add(OpenApiResponse response, string name, bool required, OperationFilterContext context)
    {
        var components = context.Document.Components ??= new OpenApiComponents();
        components.Headers ??= new Dictionary<string, IOpenApiHeader>();
        // Whether a header is always there differs by answer; its meaning does not, so that is written once.
        var key = required ? name : name + "-optional";
        if (!components.Headers.ContainsKey(key))
            components.Headers[key] = new OpenApiHeader
            {
                Description = Headers[name],
                Required = required,
                Schema = new OpenApiSchema { Type = name is "RateLimit-Limit" or "RateLimit-Remaining" or "RateLimit-Reset" or "Retry-After" ? JsonSchemaType.Integer : JsonSchemaType.String },
            };
        response.Headers ??= new Dictionary<string, IOpenApiHeader>();
        response.Headers[name] = new OpenApiHeaderReference(key, context.Document);
    }
}

/// <summary>
/// Idempotency-Key on management POSTs: the header, and the answers it can bring besides the operation's own
/// (400 for a malformed key, 409 while the first request with it still runs, 422 for the key reused with another body).
/// </summary>
internal sealed class IdempotencyOperationFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        if (context.ApiDescription.HttpMethod != "POST" || context.ApiDescription.RelativePath?.StartsWith("api/v1/manage", StringComparison.Ordinal) != true)
            return;
        operation.Parameters ??= [];
        operation.Parameters.Add(new OpenApiParameter
        {
            Name = "Idempotency-Key",
            In = ParameterLocation.Header,
            Description = "Any unique string (1–255 printable ASCII characters). A retry with the same key and body gets the first answer " +
                          "again (Idempotent-Replayed: true) without the work being done twice. Keys belong to the API key and last 24 hours.",
            Schema = new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1, MaxLength = 255 },
        });
        operation.Responses ??= new OpenApiResponses();
        Problem(operation, "400", "Bad Request", context, "HttpValidationProblemDetails");
        Problem(operation, "409", "A request with this Idempotency-Key is still being processed; retry shortly.", context);
        Problem(operation, "422", "This Idempotency-Key was already used with a different request.", context);
    }

    private static void Problem(OpenApiOperation operation, string status, string description, OperationFilterContext context, string schema = "ProblemDetails")
    {
        if (operation.Responses!.TryGetValue(status, out var existing))
        {
            if (existing is OpenApiResponse concrete && status != "400")
                concrete.Description += " Or: " + description;
            return;
        }
        operation.Responses[status] = new OpenApiResponse
        {
            Description = description,
            Content = new Dictionary<string, IOpenApiMediaType>
            {
                ["application/problem+json"] = new OpenApiMediaType { Schema = new OpenApiSchemaReference(schema, context.Document) },
            },
        };
    }
}
