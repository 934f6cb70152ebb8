using System.Collections.Frozen;
using System.Text;
using Ganss.Xss;
using Markdig;
using Markdig.Renderers;
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
        // A body is read, never submitted: no form, control or attribute that could send data anywhere (a task list's
        // checkbox goes too).
        foreach (var tag in (string[])["form", "input", "textarea", "button", "select", "option", "optgroup", "datalist", "output",
                     "fieldset", "legend", "label", "keygen", "isindex"])
            sanitizer.AllowedTags.Remove(tag);
        foreach (var attribute in (string[])["action", "method", "enctype", "form", "formaction", "formmethod", "formenctype", "formtarget", "formnovalidate"])
            sanitizer.AllowedAttributes.Remove(attribute);
        sanitizer.AllowedSchemes.Add("mailto");
        return sanitizer;
    }

    internal static string Sanitize(string html) => Sanitizer.Sanitize(html);

    public static RenderedBody Render(string? markdown)
    {
        markdown ??= "";
        var document = Markdown.Parse(markdown, Pipeline);
        var html = document.ToHtml(Pipeline);
        if (!HoldsOnlyPlainMarkup(document) || !WritesOnlyPlainTags(html))
            html = Sanitizer.Sanitize(html);

        var outline = document.Descendants<HeadingBlock>()
            .Select(h => new OutlineEntry(h.Level, InlineText(h.Inline), h.GetAttributes().Id ?? ""))
            .Where(h => h.Text.Length > 0)
            .ToList();

        var words = CountWords(PlainText(document));
        var minutes = words == 0 ? 0 : (words + WordsPerMinute - 1) / WordsPerMinute;
        return new RenderedBody(html, outline, words, minutes);
    }

    /// <summary>
    /// True when the HTML Markdig writes for this document cannot hold anything the sanitizer would remove, so
    /// sanitizing (three quarters of the cost of rendering) can be skipped: only prose structure whose text Markdig
    /// escapes, no raw HTML, no attributes but heading anchors and code languages, and links only to http(s),
    /// mailto or an anchor. Anything else (tables, footnotes, raw HTML, attribute blocks, media embeds, other
    /// URL schemes) goes through the sanitizer.
    /// </summary>
    internal static bool HoldsOnlyPlainMarkup(MarkdownDocument document)
    {
        foreach (var node in document.Descendants())
        {
            switch (node)
            {
                case ParagraphBlock or HeadingBlock or ListBlock or ListItemBlock or QuoteBlock or ThematicBreakBlock or CodeBlock
                    or LinkReferenceDefinitionGroup or LinkReferenceDefinition or BlankLineBlock:
                case LiteralInline or EmphasisInline or LineBreakInline or HtmlEntityInline or CodeInline:
                    break;
                case LinkInline link when IsPlainUrl(link.Url):
                    break;
                case AutolinkInline autolink when autolink.IsEmail || IsPlainUrl(autolink.Url):
                    break;
                default:
                    return false;
            }
            if (node.TryGetAttributes() is { } attributes
                && (attributes.Properties is { Count: > 0 }
                    || attributes.Id is not null && node is not HeadingBlock
                    || attributes.Classes is { Count: > 0 } && node is not FencedCodeBlock))
                return false;
        }
        return true;
    }

    private static readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> PlainTags = new[]
    {
        "p", "h1", "h2", "h3", "h4", "h5", "h6", "em", "strong", "del", "ins", "sup", "sub", "mark", "a", "img",
        "ul", "ol", "li", "blockquote", "pre", "code", "hr", "br",
    }.ToFrozenSet(StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>
    /// The second guard: Markdig escapes every '&lt;' of the text, so each one in its output opens a tag it wrote;
    /// all must be plain ones (an extension turning an image link into an iframe or video, say, is not).
    /// </summary>
    internal static bool WritesOnlyPlainTags(string html)
    {
        for (var at = html.IndexOf('<'); at >= 0; at = html.IndexOf('<', at + 1))
        {
            var start = at + 1 < html.Length && html[at + 1] == '/' ? at + 2 : at + 1;
            var end = start;
            while (end < html.Length && char.IsAsciiLetterOrDigit(html[end]))
                end++;
            if (!PlainTags.Contains(html.AsSpan(start, end - start)))
                return false;
        }
        return true;
    }

    // The scheme as a browser reads it from the start of the attribute: nothing can hide another one.
    private static bool IsPlainUrl(string? url) =>
        url is not null && (url.StartsWith("https://", StringComparison.OrdinalIgnoreCase)
                            || url.StartsWith("http://", StringComparison.OrdinalIgnoreCase)
                            || url.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase)
                            || url.StartsWith('#'));

    // What Markdown.ToPlainText writes, from the document already parsed (it would parse the Markdown again).
    private static string PlainText(MarkdownDocument document)
    {
        var writer = new StringWriter();
        var renderer = new HtmlRenderer(writer) { EnableHtmlForBlock = false, EnableHtmlForInline = false, EnableHtmlEscape = false };
        Pipeline.Setup(renderer);
        renderer.Render(document);
        return writer.ToString();
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
