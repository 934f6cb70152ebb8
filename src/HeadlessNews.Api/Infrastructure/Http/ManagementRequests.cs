namespace HeadlessNews.Api.Infrastructure.Http;

/// <summary>What counts as a write to the management API: rate limits and the audit trail draw the same line.</summary>
internal static class ManagementRequests
{
    public const string Prefix = "/api/v1/manage";

    public static bool IsWrite(HttpRequest request) =>
        request.Path.StartsWithSegments(Prefix)
        && !HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method) && !HttpMethods.IsOptions(request.Method);
}
