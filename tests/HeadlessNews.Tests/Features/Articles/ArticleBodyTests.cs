using AngleSharp.Html.Parser;
using HeadlessNews.Api.Features.Articles;
using Markdig;

namespace HeadlessNews.Tests.Features.Articles;

/// <summary>
/// Rendering skips the sanitizer for plain prose Markdown. These prove the skip is only taken where the sanitizer
/// would have removed nothing, and never for anything it exists to remove.
/// </summary>
public sealed class ArticleBodyTests
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .UseAdvancedExtensions()
        .UseAutoIdentifiers(Markdig.Extensions.AutoIdentifiers.AutoIdentifierOptions.GitHub)
        .Build();

    public static readonly string[] PlainProse =
    [
        "Just a paragraph.",
        "# Heading one\n\n## Heading *two* with `code`\n\nText with **strong**, _em_, ~~struck~~, ^sup^, ~sub~, ++inserted++ and ==marked==.",
        "- one\n- two\n  - nested\n\n3. three\n4. four\n\n> A quote\n> over two lines\n\n---\n\nEnd.",
        "A [link](https://example.org/a?b=1&c=2 \"Its title\"), [plain http](http://example.org), [mail](mailto:desk@example.org), [anchor](#section) and <https://example.org/auto> and <desk@example.org>.",
        "![A harbour at dawn](https://images.example.org/harbour.jpg \"Harbour\")",
        "Entities &amp; &copy; &#169; and escaped \\<b\\> and 5 < 6 > 4 & \"quotes\" 'single'.",
        "Line one  \nline two\\\nline three",
        "```csharp\nvar x = \"<script>\";\n```\n\n    indented <code>\n\nAfter `a < b` inline.",
        "[ref link][r]\n\n[r]: https://example.org/ref \"Ref\"",
        "## \"Quoted\" & 5 < 6 heading\n\nText.",
    ];

    [TestCaseSource(nameof(PlainProse))]
    public void PlainProseSkipsTheSanitizerWhichWouldHaveRemovedNothing(string markdown)
    {
        var document = Markdown.Parse(markdown, Pipeline);
        var written = document.ToHtml(Pipeline);

        Assert.That(ArticleBody.HoldsOnlyPlainMarkup(document) && ArticleBody.WritesOnlyPlainTags(written), Is.True, "takes the fast path");
        Assert.That(ArticleBody.Render(markdown).Html, Is.EqualTo(written));
        // Compared as parsed documents: the sanitizer writes HTML its own way, but must have nothing to take out.
        Assert.That(Normalized(ArticleBody.Sanitize(written)), Is.EqualTo(Normalized(written)));
    }

    public static readonly string[] NeedsSanitizing =
    [
        "Hello <script>alert('x')</script> there.",
        "<iframe src=\"https://evil.example\"></iframe>",
        "<img src=\"https://images.example.org/ok.png\" onerror=\"alert(1)\">",
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click]( javascript:alert(1))",
        "[data](data:text/html;base64,PHNjcmlwdD4=)",
        "![x](javascript:alert(1))",
        "[relative](/somewhere)",
        "<javascript:alert(1)>",
        "# Heading {onclick=\"alert(1)\"}",
        "Paragraph {style=\"position:fixed\"}",
        "# Heading {.class}",
        "| a | b |\n|---|---|\n| 1 | 2 |",
        "Note[^1]\n\n[^1]: The note.",
        "![video](https://www.youtube.com/watch?v=dQw4w9WgXcQ)",
        "![clip](https://example.org/clip.mp4)",
        "::: warning\nBoxed\n:::",
        "- [ ] a task",
        "Term\n:   Definition",
        "$$x^2$$",
        "Text <span>inline html</span>.",
        "## A <odd> heading",
    ];

    [TestCaseSource(nameof(NeedsSanitizing))]
    public void AnythingElseGoesThroughTheSanitizer(string markdown)
    {
        var document = Markdown.Parse(markdown, Pipeline);
        var written = document.ToHtml(Pipeline);

        Assert.That(ArticleBody.HoldsOnlyPlainMarkup(document) && ArticleBody.WritesOnlyPlainTags(written), Is.False, "takes the sanitizer");
        Assert.That(ArticleBody.Render(markdown).Html, Is.EqualTo(ArticleBody.Sanitize(written)));
    }

    [TestCaseSource(nameof(NeedsSanitizing))]
    public void AmongPlainBlocksWhatNeedsSanitizingIsSanitizedAsAlone(string markdown)
    {
        // Blocks are sanitized in pieces: plain prose around a block must not carry it past the sanitizer.
        var html = ArticleBody.Render($"Plain first.\n\n{markdown}\n\nPlain [last](https://example.org).").Html;

        Assert.That(html, Does.StartWith("<p>Plain first.</p>\n"));
        Assert.That(html, Does.Contain("<p>Plain <a href=\"https://example.org\">last</a>.</p>\n"));
        var body = new HtmlParser().ParseDocument("<body>" + html).Body!;
        Assert.That(body.QuerySelectorAll("script, iframe, style, form, input, object, embed"), Is.Empty);
        foreach (var attribute in body.QuerySelectorAll("*").SelectMany(e => e.Attributes))
        {
            Assert.That(attribute.Name, Does.Not.StartWith("on").And.Not.EqualTo("style"));
            Assert.That(attribute.Value.Trim(), Does.Not.StartWith("javascript:").IgnoreCase.And.Not.StartWith("data:").IgnoreCase);
        }
    }

    [Test]
    public void RawHtmlAroundSeveralBlocksStaysOneElement()
    {
        var blocks = string.Concat(Enumerable.Range(0, 300).Select(i => $"Paragraph {i} with [a relative link](/a/{i}).\n\n"));

        var html = ArticleBody.Render($"<div class=\"box\">\n\n{blocks}</div>\n\nAfter.").Html;

        var document = new HtmlParser().ParseDocument("<body>" + html);
        var box = document.QuerySelector("div.box");
        Assert.That(box, Is.Not.Null);
        Assert.That(box!.QuerySelectorAll("p"), Has.Length.EqualTo(300), "every paragraph inside the div");
        Assert.That(document.Body!.LastElementChild!.TextContent, Is.EqualTo("After."));
    }

    [TestCaseSource(nameof(PlainProse))]
    [TestCaseSource(nameof(NeedsSanitizing))]
    public void WordCountIsThatOfThePlainText(string markdown)
    {
        var plain = Markdown.ToPlainText(markdown, Pipeline);
        var expected = System.Text.RegularExpressions.Regex.Matches(plain, @"[\p{L}\p{N}'’-]+").Count;

        Assert.That(ArticleBody.Render(markdown).WordCount, Is.EqualTo(expected));
    }

    private static string Normalized(string html) => new HtmlParser().ParseDocument("<body>" + html).Body!.InnerHtml;
}
