using System.Text;
using Ganss.Xss;
using Markdig;
using Markdig.Renderers.Html;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace HeadlessNews.Api.Features.Articles;

/// <summary>What the stored Markdown becomes: safe HTML, the outline of its headings, and reading figures.</summary>
internal sealed record RenderedBody(string Html, IReadOnlyList<OutlineEntry> Outline, int WordCount, int ReadingTimeMinutes);

internal static class ArticleBody
{
    private const int WordsPerMinute = 225;

    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .UseAdvancedExtensions()
        .UseAutoIdentifiers(Markdig.Extensions.AutoIdentifiers.AutoIdentifierOptions.GitHub)
        .Build();

    // Markdown may carry raw HTML; whatever survives here is safe to put into a page as is:
    // no script, iframe, style sheet, event-handler attribute or javascript: URL.
    private static readonly HtmlSanitizer Sanitizer = CreateSanitizer();

    private static HtmlSanitizer CreateSanitizer()
    {
        var sanitizer = new HtmlSanitizer();
        sanitizer.AllowedAttributes.Add("id");
        sanitizer.AllowedAttributes.Add("class");
        sanitizer.AllowedAttributes.Remove("style");
        sanitizer.AllowedTags.Remove("form");
        sanitizer.AllowedSchemes.Add("mailto");
        return sanitizer;
    }

    public static RenderedBody Render(string? markdown)
    {
        markdown ??= "";
        var document = Markdown.Parse(markdown, Pipeline);
        var html = Sanitizer.Sanitize(document.ToHtml(Pipeline));

        var outline = document.Descendants<HeadingBlock>()
            .Select(h => new OutlineEntry(h.Level, InlineText(h.Inline), h.GetAttributes().Id ?? ""))
            .Where(h => h.Text.Length > 0)
            .ToList();

        var words = CountWords(Markdown.ToPlainText(markdown, Pipeline));
        var minutes = words == 0 ? 0 : (words + WordsPerMinute - 1) / WordsPerMinute;
        return new RenderedBody(html, outline, words, minutes);
    }

    private static string InlineText(ContainerInline? inline)
    {
        var text = new StringBuilder();
        foreach (var node in inline?.Descendants() ?? [])
        {
            if (node is LiteralInline literal)
                text.Append(literal.Content);
            else if (node is CodeInline code)
                text.Append(code.Content);
        }
        return text.ToString().Trim();
    }

    private static int CountWords(string text)
    {
        var count = 0;
        var inWord = false;
        foreach (var c in text)
        {
            var isWordChar = char.IsLetterOrDigit(c) || c is '\'' or '’' or '-';
            if (isWordChar && !inWord)
                count++;
            inWord = isWordChar;
        }
        return count;
    }
}
