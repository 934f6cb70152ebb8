using System.Buffers.Binary;
using Microsoft.AspNetCore.WebUtilities;

namespace HeadlessNews.Api.Infrastructure.Http;

/// <summary>Opaque keyset cursors: base64url of the last row's sort key. Clients must not build them.</summary>
internal static class Cursor
{
    private const byte TimeIdFormat = 1;

    public static string Encode(DateTime at, Guid id)
    {
        Span<byte> bytes = stackalloc byte[25];
        bytes[0] = TimeIdFormat;
        BinaryPrimitives.WriteInt64BigEndian(bytes[1..], at.ToUniversalTime().Ticks);
        id.TryWriteBytes(bytes[9..]);
        return WebEncoders.Base64UrlEncode(bytes);
    }

    public static bool TryDecode(string? cursor, out (DateTime At, Guid Id) key)
    {
        key = default;
        if (string.IsNullOrEmpty(cursor) || cursor.Length > 64)
            return false;
        byte[] bytes;
        try
        {
            bytes = WebEncoders.Base64UrlDecode(cursor);
        }
        catch (FormatException)
        {
            return false;
        }
        if (bytes.Length != 25 || bytes[0] != TimeIdFormat)
            return false;
        var ticks = BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(1));
        if (ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks)
            return false;
        key = (new DateTime(ticks, DateTimeKind.Utc), new Guid(bytes.AsSpan(9)));
        return true;
    }

    private const byte ScoreIdFormat = 2;

    /// <summary>A cursor for lists ordered by a computed score (search relevance), then id.</summary>
    public static string EncodeScore(double score, Guid id)
    {
        Span<byte> bytes = stackalloc byte[25];
        bytes[0] = ScoreIdFormat;
        BinaryPrimitives.WriteDoubleBigEndian(bytes[1..], score);
        id.TryWriteBytes(bytes[9..]);
        return WebEncoders.Base64UrlEncode(bytes);
    }

    public static bool TryDecodeScore(string? cursor, out (double Score, Guid Id) key)
    {
        key = default;
        if (string.IsNullOrEmpty(cursor) || cursor.Length > 64)
            return false;
        try
        {
            var bytes = WebEncoders.Base64UrlDecode(cursor);
            if (bytes.Length != 25 || bytes[0] != ScoreIdFormat)
                return false;
            var score = BinaryPrimitives.ReadDoubleBigEndian(bytes.AsSpan(1));
            if (!double.IsFinite(score))
                return false;
            key = (score, new Guid(bytes.AsSpan(9)));
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    public static string EncodeText(string value) => WebEncoders.Base64UrlEncode(System.Text.Encoding.UTF8.GetBytes("t:" + value));

    public static bool TryDecodeText(string? cursor, out string value)
    {
        value = "";
        if (string.IsNullOrEmpty(cursor) || cursor.Length > 400)
            return false;
        try
        {
            var text = System.Text.Encoding.UTF8.GetString(WebEncoders.Base64UrlDecode(cursor));
            if (!text.StartsWith("t:", StringComparison.Ordinal) || !TextRules.IsCleanText(text, multiline: false))
                return false;
            value = text[2..];
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>
    /// Lists fetch limit + 1 rows: an extra row means there is a next page. Drops it and returns the
    /// cursor of the page's last row, or null on the last page.
    /// </summary>
    public static string? TrimToPage<T>(List<T> rows, int limit, Func<T, string> cursorOf)
    {
        if (rows.Count <= limit)
            return null;
        rows.RemoveRange(limit, rows.Count - limit);
        return cursorOf(rows[^1]);
    }

    /// <summary>The next page's URL for the Link header: this request's URL with the cursor replaced.</summary>
    public static string NextLink(HttpRequest request, string nextCursor)
    {
        var query = request.Query.Where(q => q.Key != "cursor")
            .SelectMany(q => q.Value.Select(v => new KeyValuePair<string, string?>(q.Key, v)))
            .Append(new("cursor", nextCursor));
        return $"<{request.PathBase}{request.Path}{QueryString.Create(query)}>; rel=\"next\"";
    }
}
