using System.Net;
using System.Net.Http.Json;
using System.Text;
using HeadlessNews.Api.Features.Articles;
using HeadlessNews.Tests.Infrastructure;

namespace HeadlessNews.Tests.Features.Articles;

/// <summary>
/// Bodies whose rendering would cost more than their length (deep nesting, huge outlines, huge tables) are refused
/// with a 400 on bodyMarkdown, and change nothing; bodies at the limits are accepted.
/// </summary>
public sealed class BodyLimitTests : ApiTestBase
{
    private static string Repeat(string unit, int times) => new StringBuilder().Insert(0, unit, times).ToString();

    public static readonly object[] TooMuch =
    [
        new object[] { "quotes nested on one line", Repeat(">", 200) + " x" },
        new object[] { "quotes nested one more per line", string.Join('\n', Enumerable.Range(1, 150).Select(i => Repeat(">", i) + " x")) },
        new object[] { "lists nested by indentation", string.Join('\n', Enumerable.Range(0, 150).Select(i => Repeat("  ", i) + "- x")) },
        new object[] { "brackets", Repeat("[", 40_000) + Repeat("]", 40_000) },
        new object[] { "emphasis runs", Repeat("a**", 30_000) },
        new object[] { "images in links", Repeat("![[", 3_000) },
        new object[] { "unclosed links", Repeat("[a](", 5_000) },
        new object[] { "headings", Repeat("## Heading\n\n", ArticleBody.MaxHeadings + 1) },
        new object[] { "table cells", "|a|b|\n|-|-|\n" + Repeat("|c|d|\n", ArticleBody.MaxTableCells / 2) },
        new object[] { "raw HTML left open", Repeat("<b><i>", 40) + "x" },
        new object[] { "raw HTML tags", Repeat("<b>x</b> ", ArticleBody.MaxRawHtmlTags / 2 + 1) },
        new object[] { "other-scheme links in one paragraph", Repeat("[a](ftp://example.org) ", ArticleBody.MaxSanitizedItems / 2 + 1) },
        new object[] { "list items with relative links", Repeat("- [a](/a)\n", ArticleBody.MaxSanitizedItems + 1) },
        // Plain on its own, but rendered through the sanitizer because the <div> around it is open.
        new object[] { "plain links inside raw HTML", "<div>\n\n" + Repeat("[a](https://example.org) ", ArticleBody.MaxSanitizedItems / 2 + 1) + "\n\n</div>" },
        new object[] { "plain links after raw HTML left open", "<section>\n\nx\n\n" + Repeat("[a](https://example.org) ", ArticleBody.MaxSanitizedItems / 2 + 1) },
    ];

    [TestCaseSource(nameof(TooMuch))]
    public async Task BodiesBeyondTheLimitsAnswer400OnBodyMarkdownAndChangeNothing(string shape, string body)
    {
        var before = await SnapshotAsync();

        var response = await Admin.PostAsJsonAsync("/api/v1/manage/articles", new { slug = "deep", title = "Deep", bodyMarkdown = body });

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.That(problem["errors"]!["bodyMarkdown"]![0]!.GetValue<string>(), Does.StartWith("bodyMarkdown "), shape);
        Assert.That(await SnapshotAsync(), Is.EqualTo(before));
    }

    public static readonly object[] AtTheLimits =
    [
        new object[] { "headings", Repeat("## Heading\n\n", ArticleBody.MaxHeadings) },
        new object[] { "quotes", Repeat(">", ArticleBody.MaxNesting) + " x" },
        new object[] { "lists", string.Join('\n', Enumerable.Range(0, ArticleBody.MaxNesting).Select(i => Repeat("  ", i) + "- x")) },
        new object[] { "table cells", "|a|b|\n|-|-|\n" + Repeat("|c|d|\n", ArticleBody.MaxTableCells / 2 - 1) },
        new object[] { "raw HTML closed", Repeat("<b>x</b> ", ArticleBody.MaxRawHtmlTags / 2) },
        new object[] { "links with spaces", Repeat("[a](https://example.org/a) ", 2_000) },
        new object[] { "other-scheme links in one paragraph", Repeat("[a](ftp://example.org) ", ArticleBody.MaxSanitizedItems / 2) },
        new object[] { "paragraphs of other-scheme links", Repeat(Repeat("[a](ftp://e.org) ", 500) + "\n\n", 10) },
        new object[] { "plain links inside raw HTML", "<div>\n\n" + Repeat("[a](https://example.org) ", ArticleBody.MaxSanitizedItems / 2) + "\n\n</div>" },
        new object[] { "plain links after raw HTML closed", "<div>x</div>\n\n" + Repeat("[a](https://example.org/a) ", 2_000) },
    ];

    [TestCaseSource(nameof(AtTheLimits))]
    public async Task BodiesAtTheLimitsAreAccepted(string shape, string body)
    {
        var response = await Admin.PostAsJsonAsync("/api/v1/manage/articles", new { slug = "deep", title = "Deep", bodyMarkdown = body });

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), $"{shape}: {await response.Content.ReadAsStringAsync()}");
    }
}
