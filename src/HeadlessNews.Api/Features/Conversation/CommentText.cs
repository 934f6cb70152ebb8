using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using HeadlessNews.Api.Infrastructure.Http;

namespace HeadlessNews.Api.Features.Conversation;

/// <summary>
/// Comments are plain text. The HTML readers get is built here from escaped text, never parsed from input: paragraphs
/// at blank lines, &lt;br&gt; at single line breaks, and http(s) links as &lt;a rel="nofollow ugc"&gt;. Nothing else
/// can reach the page, whatever the text says.
/// </summary>
internal static partial class CommentText
{
    // Up to the next whitespace or character that cannot be in a written-out URL; trailing punctuation is prose.
    [GeneratedRegex(@"https?://[^\s<>""'`\\]+", RegexOptions.IgnoreCase)]
    private static partial Regex Url();

    private static readonly char[] TrailingPunctuation = ['.', ',', ';', ':', '!', '?', ')', ']', '}'];

    /// <summary>The text as stored: line breaks as \n, no trailing spaces on lines, no blank lines at either end.</summary>
    public static string Normalize(string body) =>
        string.Join('\n', body.Replace("\r\n", "\n").Replace('\r', '\n').Split('\n').Select(l => l.TrimEnd())).Trim('\n', ' ', '\t');

    public static string ToHtml(string body)
    {
        if (body.Length == 0)
            return "";
        var html = new StringBuilder(body.Length + 32);
        foreach (var paragraph in Regex.Split(body, @"\n{2,}"))
        {
            html.Append("<p>");
            var lines = paragraph.Split('\n');
            for (var i = 0; i < lines.Length; i++)
            {
                if (i > 0)
                    html.Append("<br>");
                AppendLine(html, lines[i]);
            }
            html.Append("</p>");
        }
        return html.ToString();
    }

    private static void AppendLine(StringBuilder html, string line)
    {
        var at = 0;
        foreach (var (index, url) in Links(line))
        {
            html.Append(WebUtility.HtmlEncode(line[at..index]));
            var encoded = WebUtility.HtmlEncode(url);
            html.Append("<a href=\"").Append(encoded).Append("\" rel=\"nofollow ugc\">").Append(encoded).Append("</a>");
            at = index + url.Length;
        }
        html.Append(WebUtility.HtmlEncode(line[at..]));
    }

    /// <summary>The links in a text: absolute http(s) URLs the rest of the API would also accept.</summary>
    public static IEnumerable<(int Index, string Url)> Links(string text)
    {
        foreach (Match match in Url().Matches(text))
        {
            var url = match.Value.TrimEnd(TrailingPunctuation);
            if (TextRules.IsHttpUrl(url))
                yield return (match.Index, url);
        }
    }

    public static int LinkCount(string text) => text.Split('\n').Sum(line => Links(line).Count());

    /// <summary>The first listed word or phrase the text contains, matched whole and without regard to case.</summary>
    public static string? FirstMatch(string text, IReadOnlyList<string> words)
    {
        foreach (var word in words)
        {
            // Spaces in a phrase match any run of whitespace.
            var pattern = Regex.Escape(word).Replace("\\ ", @"\s+");
            if (Regex.IsMatch(text, $@"(?<![\p{{L}}\p{{N}}]){pattern}(?![\p{{L}}\p{{N}}])",
                    RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)))
                return word;
        }
        return null;
    }

    /// <summary>What makes two submissions the same: the text, ignoring case and spacing.</summary>
    public static byte[] Fingerprint(string body) =>
        SHA256.HashData(Encoding.UTF8.GetBytes(string.Join(' ', body.ToLowerInvariant().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))));
}
