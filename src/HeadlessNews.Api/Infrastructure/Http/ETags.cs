using Microsoft.Net.Http.Headers;

namespace HeadlessNews.Api.Infrastructure.Http;

/// <summary>An article's ETag is its version, quoted: "7". Writes must name it in If-Match.</summary>
internal static class ETags
{
    public static string ForVersion(int version) => $"\"{version}\"";

    public static void Set(HttpContext context, int version) => context.Response.Headers.ETag = ForVersion(version);

    /// <summary>Reads If-Match: null when absent, -1 for "*" (any version), else the version it names, or 0 when it names none we could issue.</summary>
    public static int? ExpectedVersion(HttpRequest request)
    {
        var header = request.Headers.IfMatch;
        if (header.Count == 0)
            return null;
        if (!EntityTagHeaderValue.TryParseList(header, out var tags) || tags.Count != 1)
            return 0;
        var tag = tags[0];
        if (tag.Equals(EntityTagHeaderValue.Any))
            return -1;
        // If-Match uses the strong comparison; a weak tag never matches.
        if (tag.IsWeak)
            return 0;
        return int.TryParse(tag.Tag.AsSpan().Trim('"'), System.Globalization.NumberStyles.None, null, out var v) && v > 0 ? v : 0;
    }
}
