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

    /// <summary>
    /// The most headings a body may have: Markdig makes each heading's anchor unique by trying "-1", "-2", … in turn,
    /// so its time grows with the square of the number of headings that share a text (20,000 took minutes).
    /// </summary>
    public const int MaxHeadings = 500;

    /// <summary>
    /// The deepest a body may nest block quotes, list items and inline elements (emphasis, links) in one another:
    /// Markdig refuses a document nested deeper than 128 with an exception, and the renderer recurses per level.
    /// </summary>
    public const int MaxNesting = 32;

    /// <summary>
    /// The most table cells a body may have: the sanitizer's HTML parser handles tables far more slowly than other
    /// text, and more so the larger the table (a 250 KB table took 20 s).
    /// </summary>
    public const int MaxTableCells = 2_000;

    /// <summary>The most raw HTML tags (opening and closing) a body may have; see <see cref="CountRawHtml"/>.</summary>
    public const int MaxRawHtmlTags = 1_000;

    /// <summary>
    /// The most items (inline elements, list items, table rows, blocks) one element may hold directly when the
    /// sanitizer must read it: its HTML parser takes time in proportion to the square of the number of children one
    /// element has (52,000 links in one paragraph took 6 s, in paragraphs of 100 links 0.1 s).
    /// </summary>
    public const int MaxSanitizedItems = 2_000;

    // The sanitizer reads a body in pieces of whole top-level blocks, cut where raw HTML has closed what it opened,
    // so no element it sees has more children than this (or, for an element left open, MaxChunkNodes).
    private const int ChunkNodes = 200;
    private const int MaxChunkNodes = 2_000;

    // The same syntax without heading anchors, which would cost what MaxHeadings guards against before it is counted.
    private static readonly MarkdownPipeline CheckPipeline = CreateCheckPipeline();

    private static MarkdownPipeline CreateCheckPipeline()
    {
        var builder = new MarkdownPipelineBuilder().UseAdvancedExtensions();
        builder.Extensions.RemoveAll(e => e is Markdig.Extensions.AutoIdentifiers.AutoIdentifierExtension);
        return builder.Build();
    }

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

    /// <summary>
    /// Why this body cannot be stored, in words for the bodyMarkdown field, or null when it can: at most
    /// <see cref="MaxHeadings"/> headings, <see cref="MaxTableCells"/> table cells, <see cref="MaxRawHtmlTags"/> raw HTML
    /// tags and <see cref="MaxNesting"/> levels of nesting, which keeps rendering time in proportion to the body's length (bench: `markdown`).
    /// </summary>
    public static string? Limits(string? markdown)
    {
        if (string.IsNullOrEmpty(markdown))
            return null;
        var tooDeep = $"bodyMarkdown must not nest block quotes, lists, emphasis or links more than {MaxNesting} levels deep.";
        if (ScanLimits(markdown, tooDeep) is { } scanned)
            return scanned;
        MarkdownDocument document;
        try
        {
            document = Markdown.Parse(markdown, CheckPipeline);
        }
        catch (ArgumentException)
        {
            // Markdig's own limit, for nesting far beyond ours (it stops parsing as soon as it sees it).
            return tooDeep;
        }
        int headings = 0, cells = 0;
        var pending = new Stack<(MarkdownObject Node, int Depth)>();
        pending.Push((document, 0));
        while (pending.TryPop(out var item))
        {
            var (node, depth) = item;
            if (node is HeadingBlock && ++headings > MaxHeadings)
                return $"bodyMarkdown may have at most {MaxHeadings} headings.";
            if (node is Markdig.Extensions.Tables.TableCell && ++cells > MaxTableCells)
                return $"bodyMarkdown may have at most {MaxTableCells:N0} table cells.";
            // A list counts once per level (its items), a leaf block's own inline holder not at all.
            if (node is ContainerBlock and not MarkdownDocument and not ListBlock || node is ContainerInline { Parent: not null })
                depth++;
            if (depth > MaxNesting)
                return tooDeep;
            switch (node)
            {
                case ContainerBlock container:
                    foreach (var child in container)
                        pending.Push((child, depth));
                    break;
                case LeafBlock { Inline: { } inline }:
                    pending.Push((inline, depth));
                    break;
                case ContainerInline container:
                    foreach (var child in container)
                        pending.Push((child, depth));
                    break;
            }
        }
        // Rendering writes a block of plain markup as it is only when no raw HTML element is open around it; inside
        // one (a <div> before it, say) the block goes through the sanitizer with the rest, so it is counted here too.
        // An element never closed counts to the end of the body here, where rendering starts afresh after
        // MaxChunkNodes: stricter than needed, for bodies that leave an element open.
        int open = 0, deepest = 0, tags = 0;
        var tooWide = false;
        foreach (var block in document)
        {
            var writtenAsIs = open == 0 && HoldsOnlyPlainMarkup(block) && !SelfAndDescendants(block).OfType<LinkInline>().Any(l => l.IsImage);
            if (!writtenAsIs && WidestElement(block) > MaxSanitizedItems)
                tooWide = true;
            CountRawHtml(block, ref open, ref deepest, ref tags);
        }
        if (tags > MaxRawHtmlTags)
            return $"bodyMarkdown may have at most {MaxRawHtmlTags:N0} raw HTML tags.";
        if (tooWide)
            return $"bodyMarkdown may have at most {MaxSanitizedItems:N0} items (links, inline HTML, list items, table rows) in one paragraph, list or table that holds raw HTML, a table, footnotes, images or links other than http(s), mailto or #anchors, or that stands inside a raw HTML element; split it into smaller ones.";
        return deepest > MaxNesting
            ? $"bodyMarkdown must not nest HTML elements more than {MaxNesting} levels deep (an element left open counts until it is closed)."
            : null;
    }

    /// <summary>
    /// What Markdig takes time out of proportion to the length for before it reaches its own limit, found without
    /// parsing: lines that open many block quotes or list items at once (each line costs Markdig as many steps as
    /// the containers it is in), and many link openings ("](") in a stretch without whitespace (each makes Markdig
    /// read the rest of the stretch as a possible link target). Both are allowed twice the nesting limit, so that
    /// only bodies the parse would refuse anyway (or nothing but long link chains) stop here.
    /// </summary>
    private static string? ScanLimits(string markdown, string tooDeep)
    {
        var atLineStart = true;
        int prefix = 0, linksInStretch = 0;
        for (var i = 0; i < markdown.Length; i++)
        {
            var c = markdown[i];
            if (c is '\n' or '\r')
            {
                (atLineStart, prefix, linksInStretch) = (true, 0, 0);
                continue;
            }
            if (char.IsWhiteSpace(c))
                linksInStretch = 0;
            else if (c == ']' && i + 1 < markdown.Length && markdown[i + 1] == '(' && ++linksInStretch > 2 * MaxNesting)
                return $"bodyMarkdown must not chain more than {2 * MaxNesting} links or images without a space between them.";
            if (!atLineStart)
                continue;
            // Two columns of indentation, a '>' or a list marker each open at most one more level.
            if (c is ' ' or '\t' && i + 1 < markdown.Length && markdown[i + 1] is ' ' or '\t')
            {
                prefix++;
                i++;
            }
            else if (c == '>' || c is '-' or '+' or '*' && NextIsSpace(markdown, i))
                prefix++;
            else if (char.IsAsciiDigit(c))
            {
                while (i + 1 < markdown.Length && char.IsAsciiDigit(markdown[i + 1]))
                    i++;
                if (i + 1 < markdown.Length && markdown[i + 1] is '.' or ')' && NextIsSpace(markdown, i + 1))
                    (i, prefix) = (i + 1, prefix + 1);
                else
                    atLineStart = false;
            }
            else if (c is not (' ' or '\t'))
                atLineStart = false;
            if (prefix > 2 * MaxNesting)
                return tooDeep;
        }
        return null;
    }

    // The node and everything in it in document order, a leaf block's inline root included: Markdig's Descendants()
    // of a leaf block (a paragraph, a heading) leaves out its inlines, which is where links and inline HTML are.
    private static IEnumerable<MarkdownObject> SelfAndDescendants(MarkdownObject node)
    {
        var pending = new Stack<MarkdownObject>();
        pending.Push(node);
        while (pending.TryPop(out var next))
        {
            yield return next;
            switch (next)
            {
                case ContainerBlock container:
                    for (var i = container.Count - 1; i >= 0; i--)
                        pending.Push(container[i]);
                    break;
                case LeafBlock { Inline: { } inline }:
                    pending.Push(inline);
                    break;
                case ContainerInline inline:
                    foreach (var child in inline.Reverse())
                        pending.Push(child);
                    break;
            }
        }
    }

    private static bool NextIsSpace(string text, int at) => at + 1 < text.Length && text[at + 1] is ' ' or '\t';

    private static readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> VoidTags = new[]
    {
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr",
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase).GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>
    /// Follows the raw HTML of one block: how deep it has opened elements in one another (carried from block to block),
    /// the deepest so far and the tags so far. The sanitizer takes time out of proportion to the length for deeply
    /// nested (or never closed) elements, which Markdown's own structure does not show, and for many elements side by
    /// side (twice the tags took four times as long).
    /// </summary>
    private static void CountRawHtml(Block block, ref int depth, ref int deepest, ref int tags)
    {
        foreach (var node in SelfAndDescendants(block))
        {
            var html = node switch
            {
                HtmlInline inline => inline.Tag.AsSpan(),
                HtmlBlock htmlBlock => htmlBlock.Lines.ToString().AsSpan(),
                _ => default,
            };
            for (var at = 0; at + 1 < html.Length; at++)
            {
                if (html[at] != '<')
                    continue;
                var closing = html[at + 1] == '/';
                var start = closing ? at + 2 : at + 1;
                var end = start;
                while (end < html.Length && char.IsAsciiLetterOrDigit(html[end]))
                    end++;
                if (end == start || !char.IsAsciiLetter(html[start]))
                    continue;
                tags++;
                if (VoidTags.Contains(html[start..end]))
                    continue;
                var close = html[end..].IndexOf('>');
                if (closing)
                    depth = Math.Max(0, depth - 1);
                else if (close < 1 || html[end + close - 1] != '/')
                    deepest = Math.Max(deepest, ++depth);
            }
        }
    }

    // The most children any one element in this block has (a list's items, a paragraph's inlines, a table's rows).
    private static int WidestElement(Block block)
    {
        var widest = 0;
        foreach (var node in SelfAndDescendants(block))
        {
            var children = node switch
            {
                ContainerBlock container => container.Count,
                ContainerInline inline => inline.Count(),
                _ => 0,
            };
            widest = Math.Max(widest, children);
        }
        return widest;
    }

    internal static string Sanitize(string html) => Sanitizer.Sanitize(html);

    public static RenderedBody Render(string? markdown)
    {
        markdown ??= "";
        var document = Markdown.Parse(markdown, Pipeline);
        var html = SafeHtml(document);

        var outline = document.Descendants<HeadingBlock>()
            .Select(h => new OutlineEntry(h.Level, InlineText(h.Inline), h.GetAttributes().Id ?? ""))
            .Where(h => h.Text.Length > 0)
            .ToList();

        var words = CountWords(PlainText(document));
        var minutes = words == 0 ? 0 : (words + WordsPerMinute - 1) / WordsPerMinute;
        return new RenderedBody(html, outline, words, minutes);
    }

    /// <summary>
    /// The document's HTML, block by block: blocks of plain markup as Markdig writes them, the others through the
    /// sanitizer in chunks of whole blocks, so that its time grows with the body's length rather than with the square
    /// of the number of blocks. A chunk ends only where the raw HTML in it has closed every element it opened (a
    /// <c>&lt;div&gt;</c> around several blocks stays one), or, for an element never closed, after
    /// <see cref="MaxChunkNodes"/> nodes. Each chunk the sanitizer writes is whole, balanced HTML, so the pieces
    /// together are as safe as each one.
    /// </summary>
    private static string SafeHtml(MarkdownDocument document)
    {
        var html = new StringBuilder();
        var chunk = new StringBuilder();
        int depth = 0, deepest = 0, tags = 0, chunkNodes = 0;
        var writer = new StringWriter();
        var renderer = new HtmlRenderer(writer);
        Pipeline.Setup(renderer);
        foreach (var block in document)
        {
            renderer.Render(block);
            renderer.Writer.Flush();
            var written = writer.GetStringBuilder();
            var blockHtml = written.ToString();
            written.Clear();
            var plain = HoldsOnlyPlainMarkup(block) && WritesOnlyPlainTags(blockHtml);
            if (plain && depth == 0)
            {
                FlushChunk();
                html.Append(blockHtml);
                continue;
            }
            chunk.Append(blockHtml);
            chunkNodes += SelfAndDescendants(block).Count();
            CountRawHtml(block, ref depth, ref deepest, ref tags);
            if (depth == 0 && chunkNodes >= ChunkNodes || chunkNodes >= MaxChunkNodes)
                FlushChunk();
        }
        FlushChunk();
        return html.ToString();

        void FlushChunk()
        {
            if (chunk.Length > 0)
                html.Append(Sanitizer.Sanitize(chunk.ToString()));
            (chunk.Length, chunkNodes, depth) = (0, 0, 0);
        }
    }

    /// <summary>
    /// True when the HTML Markdig writes for this document cannot hold anything the sanitizer would remove, so
    /// sanitizing (three quarters of the cost of rendering) can be skipped: only prose structure whose text Markdig
    /// escapes, no raw HTML, no attributes but heading anchors and code languages, and links only to http(s),
    /// mailto or an anchor. Anything else (tables, footnotes, raw HTML, attribute blocks, media embeds, other
    /// URL schemes) goes through the sanitizer.
    /// </summary>
    internal static bool HoldsOnlyPlainMarkup(MarkdownObject root)
    {
        foreach (var node in SelfAndDescendants(root))
        {
            switch (node)
            {
                case MarkdownDocument or ContainerInline { Parent: null }:
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
