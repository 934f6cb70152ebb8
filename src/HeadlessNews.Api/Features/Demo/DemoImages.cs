namespace HeadlessNews.Api.Features.Demo;

/// <summary>
/// The demo newsroom's images (Features/Demo/images), served by the app itself so a fresh install shows them
/// without any image host. Not part of the API contract, so not in the OpenAPI document.
/// </summary>
internal static class DemoImages
{
    private const string ResourcePrefix = "HeadlessNews.Api.Features.Demo.images.";

    public static void MapDemoImages(this IEndpointRouteBuilder app) =>
        app.MapGet("/demo/images/{name}", (string name, HttpContext context) =>
            {
                var stream = typeof(DemoImages).Assembly.GetManifestResourceStream(ResourcePrefix + name);
                if (stream is null || !name.EndsWith(".svg", StringComparison.Ordinal))
                    return Results.NotFound();
                // An SVG opened on its own is a document: it may draw, never run anything.
                context.Response.Headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'";
                context.Response.Headers.CacheControl = "public, max-age=86400";
                return Results.Stream(stream, "image/svg+xml");
            })
            .AllowAnonymous()
            .ExcludeFromDescription();
}
