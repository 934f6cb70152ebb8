namespace HeadlessNews.Api.Infrastructure.Http;

/// <summary>
/// HEAD on the public GETs (delivery API, feeds, sitemaps): answered exactly like the GET (status, ETag,
/// Last-Modified, Content-Length, caching headers) without the body, so caches and link checkers can validate
/// cheaply. Runs before routing, which only knows the GET routes; management routes keep refusing HEAD.
/// </summary>
internal static class HeadRequests
{
    public static void UseHeadAsGetThenRouting(this WebApplication app)
    {
        app.Use(async (http, next) =>
        {
            if (!HttpMethods.IsHead(http.Request.Method) || http.Request.Path.StartsWithSegments(ManagementRequests.Prefix))
            {
                await next(http);
                return;
            }
            var body = http.Response.Body;
            http.Request.Method = HttpMethods.Get;
            http.Response.Body = Stream.Null;
            try
            {
                await next(http);
            }
            finally
            {
                http.Response.Body = body;
                http.Request.Method = HttpMethods.Head;
            }
        });
        app.UseRouting();
    }
}
