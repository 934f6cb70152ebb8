using System.Diagnostics;
using System.Text;
using HeadlessNews.Api.Features.Articles;

namespace HeadlessNews.Bench;

/// <summary>
/// `markdown [bytes]`: renders Markdown bodies of shapes whose cost can grow faster than their length, each at
/// a sixteenth, eighth, quarter, half and all of the size (1 MB by default), and prints the time of each; a linear cost doubles with
/// the size. Each body is also checked with the write validator's limits, so refused shapes show what a refusal costs.
/// </summary>
internal static class MarkdownShapes
{
    private static readonly (string Name, Func<int, string> Make)[] Shapes =
    [
        ("prose (baseline)", n => Fill(n, "The harbour reopened on Monday after storm repairs, said the port's [director](https://example.org).\n\n")),
        ("many headings", n => Fill(n, "## Heading\n\n")),
        ("nested block quotes", n => new string('>', n - 2) + " x"),
        ("nested quotes, one per line", n => Nested(n, i => new string('>', i) + " x\n")),
        ("nested lists", n => Fill(n, "- ")),
        ("nested lists, indented", n => Nested(n, i => new string(' ', 2 * i) + "- x\n")),
        ("open brackets", n => new string('[', n)),
        ("nested brackets", n => new string('[', n / 2) + new string(']', n / 2)),
        ("unclosed links", n => Fill(n, "[a](")),
        ("link openers and closers", n => Fill(n, "[a]")) ,
        ("images in links", n => Fill(n, "![[")),
        ("open emphasis", n => Fill(n, "*a ")),
        ("mixed emphasis", n => Fill(n, "*a _b ")),
        ("emphasis runs", n => Fill(n, "a**")),
        ("backtick runs", n => Nested(n, i => new string('`', i % 200 + 1) + "a")),
        ("wide table", n => Table(n, columns: 5000)),
        ("long table", n => Table(n, columns: 3)),
        ("headings at the limit, prose", n => AtTheStart(n, Fill(n, "## Heading\n\n", ArticleBody.MaxHeadings), "Plain words in a paragraph.\n\n")),
        ("quotes at the limit, repeated", n => Fill(n, new string('>', ArticleBody.MaxNesting) + " x\n\n")),
        ("lists at the limit, repeated", n => Fill(n, string.Concat(Enumerable.Range(0, ArticleBody.MaxNesting).Select(i => new string(' ', 2 * i) + "- x\n")) + "\n")),
        ("emphasis at the limit, repeated", n => Fill(n, string.Concat(Enumerable.Repeat("*a _b ", ArticleBody.MaxNesting / 2)) + "\n\n")),
        ("table of pipes", n => "a|b\n-|-\n" + Fill(n - 8, "|")),
        ("raw HTML tags", n => Fill(n, "<a><b>")),
        ("raw HTML, closed", n => Fill(n, "<b>x</b> <i>y</i>\n")),
        ("raw HTML at the limit, prose", n => AtTheStart(n, Fill(n, "<b>x</b> <i>y</i>\n", ArticleBody.MaxRawHtmlTags / 4) + "\n", "Plain words in a paragraph.\n\n")),
        ("one raw tag, links paragraph", n => "<b>x</b>\n\n" + Fill(n - 10, "[a](https://e.org) ")),
        ("table at the limit, prose", n => AtTheStart(n, Table(4_980, columns: 4) + "\n\n", "Plain words in a paragraph.\n\n")),
        ("entities", n => Fill(n, "&amp;&#123;")),
        ("other-scheme links, one paragraph", n => Fill(n, "[a](ftp://e.org) ")),
        ("other-scheme links, paragraphs", n => Fill(n, string.Concat(Enumerable.Repeat("[a](ftp://e.org) ", 50)) + "\n\n")),
        ("other-scheme links at the limit, paragraphs", n => Fill(n, string.Concat(Enumerable.Repeat("[a](ftp://e.org) ", ArticleBody.MaxSanitizedItems / 2 - 1)) + "\n\n")),
        ("small tables", n => Fill(n, "|a|b|\n|-|-|\n|c|d|\n\n")),
        ("raw HTML paragraphs", n => Fill(n, "Words <b>bold</b> and <span>more</span>.\n\n")),
        ("open div, then prose", n => AtTheStart(n, "<div>\n\n", "Plain words in a paragraph.\n\n")),
        ("div around each section", n => Fill(n, "<div>\n\nPlain words [here](/relative).\n\n</div>\n\n")),
    ];

    public static int Run(int bytes, string? only = null)
    {
        // CPU time of the process beside the wall-clock time: on a shared machine the wall clock also counts the
        // time other processes had the cores.
        Console.WriteLine($"{"shape",-30} {"size",10} {"check ms",10} {"render ms",10} {"render cpu",10} {"accepted",9}");
        foreach (var (name, make) in Shapes.Where(s => only is null || s.Name.Contains(only, StringComparison.OrdinalIgnoreCase)))
        {
            foreach (var size in new[] { bytes / 16, bytes / 8, bytes / 4, bytes / 2, bytes })
            {
                var body = make(size);
                var watch = Stopwatch.StartNew();
                var refusal = ArticleBody.Limits(body);
                var checkMs = watch.Elapsed.TotalMilliseconds;
                watch.Restart();
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                string outcome;
                try
                {
                    // A refused body is never rendered by the API.
                    if (refusal is null)
                        ArticleBody.Render(body);
                    outcome = refusal is null ? "" : " (refused: not rendered)";
                }
                catch (Exception e)
                {
                    outcome = " " + e.GetType().Name;
                }
                watch.Stop();
                var cpuMs = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds;
                Console.WriteLine($"{name,-30} {body.Length,10:N0} {checkMs,10:N0} {watch.Elapsed.TotalMilliseconds,10:N0} {cpuMs,10:N0} {(refusal is null ? "yes" : "no"),9}{outcome}");
                // A shape that already takes this long would keep the run going for many minutes at twice the size.
                if (watch.Elapsed > TimeSpan.FromSeconds(20))
                {
                    Console.WriteLine($"{name,-30} {"larger sizes skipped",10}");
                    break;
                }
            }
        }
        // Revision diffs: the worst case is two bodies of the largest size a write accepts with no word in common.
        foreach (var size in new[] { 12_500, 25_000, 50_000, 100_000, 200_000 })
        {
            var (older, newer) = (Fill(size, "alpha beta "), Fill(size, "gamma delta "));
            var watch = Stopwatch.StartNew();
            var changes = HeadlessNews.Api.Features.Revisions.RevisionEndpoints.WordDiff(older, newer);
            Console.WriteLine($"{"revision word diff",-30} {size,10:N0} {"",10} {watch.Elapsed.TotalMilliseconds,10:N0} {changes.Count,9} changes");
            if (watch.Elapsed > TimeSpan.FromSeconds(20))
                break;
        }
        return 0;
    }

    private static string Fill(int n, string unit, int times = int.MaxValue)
    {
        var text = new StringBuilder(n + unit.Length);
        for (var i = 0; i < times && text.Length < n; i++)
            text.Append(unit);
        return text.ToString(0, Math.Min(n, text.Length));
    }

    private static string AtTheStart(int n, string start, string rest) => start + Fill(n - start.Length, rest);

    private static string Nested(int n, Func<int, string> line)
    {
        var text = new StringBuilder(n);
        for (var i = 1; text.Length < n; i++)
            text.Append(line(i));
        return text.ToString(0, n);
    }

    private static string Table(int n, int columns)
    {
        var header = string.Concat(Enumerable.Repeat("|h", columns)) + "|\n" + string.Concat(Enumerable.Repeat("|-", columns)) + "|\n";
        var row = string.Concat(Enumerable.Repeat("|c", columns)) + "|\n";
        return (header + Fill(Math.Max(0, n - header.Length), row))[..n];
    }
}
