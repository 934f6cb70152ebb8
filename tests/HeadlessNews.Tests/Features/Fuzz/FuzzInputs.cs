using System.Text;
using System.Text.Json.Nodes;
using CsCheck;

namespace HeadlessNews.Tests.Features.Fuzz;

/// <summary>Generators of hostile input: Unicode text, Markdown structure, JSON shapes and query strings.</summary>
internal static class FuzzInputs
{
    // Characters that break something somewhere: controls, lone surrogates, noncharacters, bidi and zero-width
    // marks, combining marks, characters that mean something in HTML, XML, JSON, SQL, Markdown or URLs.
    private static readonly Gen<string> Hostile = Gen.OneOf<string>(
        "\u0000", "\u0001", "\u0008", "\u000B", "\u000C", "\u001B", "\u007F", "\u0085", "\u009F", "\t", "\n", "\r", "\r\n",
        "\uD800", "\uDBFF", "\uDC00", "\uDFFF", "\uDFFF\uD800", "\uFDD0", "\uFDEF", "\uFFFE", "\uFFFF", "\uD83F\uDFFE", "\uDBFF\uDFFF",
        "\u200E", "\u200F", "\u202A", "\u202B", "\u202D", "\u202E", "\u2066", "\u2067", "\u2068", "\u2069", "\u061C",
        "\u200B", "\u200D", "\uFEFF", "\u2028", "\u2029", "\u00A0", "\u3000",
        "\u0301", "\u0336\u0336\u0336", "e\u0301", "\uD83D\uDE00", "\uD83C\uDDFA\uD83C\uDDF8", "\uD83D\uDC69\u200D\uD83D\uDCBB",
        "<", ">", "&", "\"", "'", "`", "\\", "/", "%", "%00", "%ZZ", "+", "?", "#", ";", "--", "/*", "'; drop table articles; --",
        "<script>alert(1)</script>", "]]>", "<![CDATA[", "&#0;", "&#xD800;", "&bogus;", "{{", "${x}", "\\u0000", "null", "NaN",
        "é", "ß", "İ", "ﬁ", "Ω", "日本語", "العربية", "עברית", "😀");

    private static readonly Gen<string> Word = Gen.OneOf<string>("harbour", "storm", "ferry", "quay", "council", "a", "x", "NATO", "2026", "rates");

    /// <summary>Text of every kind: plain words, hostile pieces mixed in, random code points, and very long runs.</summary>
    public static readonly Gen<string> Text = Gen.Frequency(
        (4, Gen.OneOf(Word, Hostile).Array[0, 12].Select(parts => string.Join(' ', parts))),
        (2, Gen.String),
        (2, Gen.Char.Array[0, 40].Select(chars => new string(chars))),
        (1, Gen.Select(Gen.OneOf(Word, Hostile), Gen.Int[1_000, 30_000], (piece, times) => Repeat(piece, times))),
        (1, Gen.Const("")));

    private static readonly Gen<string> BlockPrefix = Gen.OneOf<string>("", "", "", "> ", "- ", "* ", "1. ", "  ", "    ", "# ", "## ", "###### ",
        "####### ", "| ", "```", "~~~", ":::", "[^1]: ", "[ref]: ", "- [ ] ", "Term\n: ", "***", "---", "===", "<div>", "</div>", "<!-- ");

    private static readonly Gen<string> InlinePiece = Gen.OneOf(Word, Word, Gen.OneOf<string>(" ", " ", "*", "**", "_", "__", "~~", "`", "``", "[", "]", "](", ")",
        "![", "[x](https://example.org)", "<https://example.org>", "https://example.org/a_b", "<b>", "</b>", "<i>", "<a href=\"javascript:alert(1)\">",
        "<img src=x onerror=alert(1)>", "<iframe src=https://example.org>", "<form><input>", "&amp;", "&#x41;", "&lt;", "\\", "|", "{#id .class}",
        "$x$", "^sup^", "~sub~", "==mark==", "++ins++", ":smile:", "[^1]", "<", ">", "\"", "'"), Hostile);

    /// <summary>Markdown: lines of block prefixes and inline pieces, and now and then one construct nested deeply.</summary>
    public static readonly Gen<string> Markdown = Gen.Frequency(
        (6, Gen.Select(BlockPrefix.Array[0, 4], InlinePiece.Array[0, 12], (prefix, inline) => string.Concat(prefix) + string.Concat(inline))
            .Array[0, 30].Select(lines => string.Join('\n', lines))),
        (2, Gen.Select(Gen.OneOf<string>(">", "> ", "- ", "  - ", "1. ", "*", "_", "**", "[", "](", "![", "<b>", "<div>", "|", "`", "#", "\n", "## Heading\n\n"),
            Gen.Int[1, 600], Gen.Int[0, 3], (unit, times, spread) => Nest(unit, times, spread))),
        (1, Text));

    /// <summary>
    /// Runs <paramref name="check"/> on <paramref name="count"/> cases of <paramref name="gen"/> from
    /// <paramref name="seed"/>, always the same ones. The first case that fails is handed to CsCheck's Sample with its
    /// own case seed: Sample runs it, then keeps generating cases and keeps any smaller one that still fails (its
    /// shrinking), and the failure reports the smallest with the seed that replays it.
    /// </summary>
    public static void CheckEach<T>(Gen<T> gen, Action<T> check, string seed, int count, Func<T, string> print, int shrinkIterations = 2_000)
    {
        var pcg = PCG.Parse(seed);
        for (var i = 0; i < count; i++)
        {
            var caseSeed = pcg.ToString(pcg.State);
            var value = gen.Generate(pcg, null, out _);
            try
            {
                check(value);
            }
            catch (Exception first)
            {
                throw Shrunk(gen, check, print, i, seed, caseSeed, value, first, shrinkIterations);
            }
        }
    }

    public static FuzzFailure Shrunk<T>(Gen<T> gen, Action<T> check, Func<T, string> print, int index, string seed, string caseSeed, T first,
        Exception firstFailure, int iterations)
    {
        T smallest = first;
        var smallestSeed = caseSeed;
        try
        {
            gen.Sample(check, seed: caseSeed, iter: iterations, threads: 1, print: print);
        }
        catch (CsCheckException shrunk)
        {
            // Sample throws with the smallest failing case it found, its seed in the message; the case itself is
            // regenerated from that seed (CsCheck's message names it "Set seed: ...").
            var match = System.Text.RegularExpressions.Regex.Match(shrunk.Message, @"seed: ""?([0-9A-Za-z_-]{12,17})");
            if (match.Success)
            {
                smallestSeed = match.Groups[1].Value;
                smallest = gen.Generate(PCG.Parse(smallestSeed), null, out _);
            }
        }
        return new FuzzFailure(
            $"case {index} of seed {seed} (case seed {caseSeed}) failed: {firstFailure.Message}\nfirst: {print(first)}\n"
            + $"smallest found by shrinking (seed {smallestSeed}): {print(smallest)}",
            caseSeed, print(first), print(smallest), firstFailure);
    }

    public static string Preview(string text) =>
        (text.Length > 300 ? text[..300] + $"… ({text.Length:N0} chars)" : text).Replace("\n", "\\n");

    /// <summary>The text without what the API refuses to store (as its text rule says), so that writes of it are accepted.</summary>
    public static string Storable(string text, bool multiline)
    {
        var kept = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            var refused = Rune.IsControl(rune) && !(multiline && rune.Value is '\t' or '\n' or '\r')
                          || rune.Value is >= 0xFDD0 and <= 0xFDEF || (rune.Value & 0xFFFE) == 0xFFFE || rune == Rune.ReplacementChar;
            if (!refused)
                kept.Append(rune.ToString());
        }
        return kept.ToString();
    }

    private static string Repeat(string piece, int times) => new StringBuilder(piece.Length * times).Insert(0, piece, times).ToString();

    // A construct repeated on one line, or one more of it on each line.
    private static string Nest(string unit, int times, int spread) => spread switch
    {
        0 => Repeat(unit, times) + " x",
        1 => string.Join('\n', Enumerable.Range(1, Math.Min(times, 200)).Select(i => Repeat(unit, i) + " x")),
        _ => Repeat(unit + "x ", times),
    };

    public static Gen<JsonNode?> Scalar() => ScalarGen;

    private static readonly Gen<JsonNode?> ScalarGen = Gen.Frequency(
        (3, Text.Select(t => (JsonNode?)JsonValue.Create(t))),
        (1, Gen.OneOf<JsonNode?>(null, JsonValue.Create(true), JsonValue.Create(false), JsonValue.Create(0), JsonValue.Create(-1), JsonValue.Create(long.MinValue), JsonValue.Create(1e300), JsonValue.Create(-0.5), JsonNode.Parse("[]"), JsonNode.Parse("{}"))),
        (1, Gen.Int.Select(i => (JsonNode?)JsonValue.Create(i))));

    /// <summary>Any JSON value, of any shape, a few levels deep.</summary>
    public static readonly Gen<JsonNode?> AnyJson = Gen.Recursive<JsonNode?>((depth, inner) => depth >= 3
        ? ScalarGen
        : Gen.Frequency(
            (5, ScalarGen),
            (1, inner.Array[0, 4].Select(items => (JsonNode?)new JsonArray(items.Select(i => i?.DeepClone()).ToArray()))),
            (1, Gen.Select(Gen.OneOf<string>("slug", "title", "x", "", "__proto__", "$type", "status", "id").Array[0, 3], inner.Array[3], (keys, values) =>
            {
                var o = new JsonObject();
                for (var i = 0; i < keys.Length; i++)
                    o[keys[i]] = values[i]?.DeepClone();
                return (JsonNode?)o;
            }))));

    /// <summary>A value for a field that wants <paramref name="good"/>: usually it, sometimes anything at all.</summary>
    public static Gen<JsonNode?> Mostly(Gen<JsonNode?> good) => Gen.Frequency((3, good), (1, AnyJson), (1, ScalarGen));

    public static Gen<JsonNode?> Str(Gen<string> text) => text.Select(t => (JsonNode?)JsonValue.Create(t));

    /// <summary>Slugs: mostly well formed, from a small set so writes collide, sometimes hostile text.</summary>
    public static readonly Gen<string> Slug = Gen.Frequency(
        (6, Gen.Select(Gen.OneOf<string>("harbour", "storm", "ferry", "quay", "energy", "ports"), Gen.Int[0, 6], (w, n) => n == 0 ? w : $"{w}-{n}")),
        (1, Text));

    public static readonly Gen<string> Time = Gen.OneOf<string>("2020-01-01T00:00:00Z", "2000-02-29T12:00:00+14:00", "2031-01-01T08:00:00Z",
        "2035-06-01T00:00:00-12:00", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "1899-12-31T00:00:00Z", "2020-13-45", "yesterday", "", "1e10");

    /// <summary>A query string of the parameters the API reads (and some it does not), with values of every kind.</summary>
    public static readonly Gen<string> Query = Gen.Select(
        Gen.OneOf<string>("limit", "cursor", "tag", "tagMatch", "kind", "q", "publishedAfter", "publishedBefore", "since", "status", "from", "to",
            "keyId", "action", "resourceType", "resourceId", "until", "fields", "sort", "page", "x", "", "limit[]", "q%00").Array[0, 5],
        Gen.OneOf(Text, Time, Gen.OneOf<string>("1", "0", "-1", "100", "101", "99999999999", "any", "all", "topic", "place", "draft", "a,b", "dDp4",
            "harbour", "harbour -storm", "\"storm", "- - - -", "title,slug", "%", "%E0%A4%A", "+")).Array[5],
        (names, values) => string.Join('&', names.Select((n, i) => Uri.EscapeDataString(n) + "=" + Escape(values[i]))));

    // Lone surrogates cannot be percent-encoded as UTF-8: send the raw '%' form the way a hostile client would.
    private static string Escape(string value)
    {
        try
        {
            return Uri.EscapeDataString(value);
        }
        catch (UriFormatException)
        {
            return "%ED%A0%80";
        }
    }
}

/// <summary>A fuzz case failed: the first failing value and the smallest CsCheck's shrinking found.</summary>
internal sealed class FuzzFailure(string message, string caseSeed, string first, string smallest, Exception inner) : Exception(message, inner)
{
    public string CaseSeed { get; } = caseSeed;
    public string First { get; } = first;
    public string Smallest { get; } = smallest;
}
