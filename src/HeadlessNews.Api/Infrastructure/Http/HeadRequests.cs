namespace HeadlessNews.Api.Infrastructure.Http;

/// <summary>
/// HEAD on every GET (delivery, feeds, sitemaps, management): answered exactly like the GET (status, ETag,
/// Last-Modified, Content-Length, caching headers) without the body, as RFC 9110 9.3.2 asks of any resource that
/// answers GET, so caches and link checkers can validate cheaply. Runs before routing, which only knows the GET routes.
/// </summary>
internal static class HeadRequests
{
    public static void UseHeadAsGetThenRouting(this WebApplication app)
    {
        // Not async for any other method: no state machine for every request.
        app.Use((http, next) => HttpMethods.IsHead(http.Request.Method) ? AsGetAsync(http, next) : next(http));
        app.UseRouting();
    }

    private static async Task AsGetAsync(HttpContext http, RequestDelegate next)
    {
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
    }
}
