using System.Text;

namespace HeadlessNews.Api.Features.Articles;

/// <summary>
/// A search hit's snippet, from the words of the start of its text as they were parsed when it was written (migration
/// 0053: tokens, and each one's lexeme, empty for a stop word, null for what is not a word): up to two fragments of
/// it around the words the query asks for, in the text's order, joined by " … ", each match wrapped in a mark tag,
/// everything else HTML-escaped. Without a match in that text (the body matched further on), its first words.
/// </summary>
internal static class SearchSnippet
{
    private const int MaxFragments = 2;
    private const int MaxWords = 24;
    private const int MinWords = 8;
    // Words shown before a fragment's first match, and after its last.
    private const int Lead = 3;
    private const int Trail = 8;
    private const string Delimiter = " … ";

    // How migration 0053 stores the words: each list joined by a unit separator, a lexeme that is no word a record
    // separator. Text that held them anyway (written by hand in SQL) splits wrong and gets no snippet.
    private const char Separator = '\u001f';
    private const string NoWord = "\u001e";

    /// <summary>The snippet from the words as stored: tokens and lexemes, each joined by Separator.</summary>
    public static string? FromStored(string? tokens, string? lexemes, string? query) =>
        tokens is null || lexemes is null ? null
            : Build(tokens.Split(Separator), [.. lexemes.Split(Separator).Select(l => l == NoWord ? null : l)], query);

    public static string? Build(string[]? tokens, string?[]? lexemes, string? query)
    {
        if (tokens is null || lexemes is null || tokens.Length != lexemes.Length || query is null)
            return null;
        var wanted = WantedLexemes(query);
        var words = new List<int>();
        for (var i = 0; i < tokens.Length; i++)
            if (lexemes[i] is not null)
                words.Add(i);
        if (words.Count == 0)
            return "";
        bool Marked(int token) => lexemes[token] is { Length: > 0 } lexeme && wanted.Contains(lexeme);
        bool Matches(int word) => Marked(words[word]);
        var fragments = new List<(int First, int Last)>();
        bool Shown(int word) => fragments.Any(x => word >= x.First && word <= x.Last);

        var covered = new HashSet<string>();
        for (var f = 0; f < MaxFragments; f++)
        {
            // The window of MaxWords words from a match that holds the most words not yet shown, then the most matches.
            (int Start, int End, int New, int Count) best = (-1, -1, 0, 0);
            for (var k = 0; k < words.Count; k++)
            {
                if (!Matches(k) || Shown(k))
                    continue;
                var end = k;
                var fresh = new HashSet<string>();
                var count = 0;
                for (var j = k; j < Math.Min(words.Count, k + MaxWords - Lead); j++)
                {
                    if (Shown(j))
                        break;
                    if (!Matches(j))
                        continue;
                    end = j;
                    count++;
                    if (!covered.Contains(lexemes[words[j]]!))
                        fresh.Add(lexemes[words[j]]!);
                }
                if (fresh.Count > best.New || (fresh.Count == best.New && count > best.Count))
                    best = (k, end, fresh.Count, count);
            }
            if (best.Start < 0 || (f > 0 && best.New == 0))
                break;
            for (var j = best.Start; j <= best.End; j++)
                if (Matches(j))
                    covered.Add(lexemes[words[j]]!);
            // Context: a few words before the first match and after the last, at least MinWords, at most MaxWords.
            var first = best.Start;
            for (var lead = 0; lead < Lead && first > 0 && !Shown(first - 1); lead++)
                first--;
            var last = Math.Min(words.Count - 1, Math.Min(first + MaxWords - 1, Math.Max(best.End + Trail, first + MinWords - 1)));
            var next = fragments.Where(x => x.First > best.End).Select(x => x.First - 1).DefaultIfEmpty(words.Count - 1).Min();
            fragments.Add((first, Math.Min(last, Math.Max(best.End, next))));
        }
        if (fragments.Count == 0)
            fragments.Add((0, Math.Min(words.Count, MinWords) - 1));

        var html = new StringBuilder();
        int? shownTo = null, printedTo = null;
        foreach (var (first, last) in fragments.OrderBy(x => x.First))
        {
            // Fragments that meet are one stretch of text.
            var from = words[first];
            if (shownTo is { } previous && first == previous + 1)
                from = printedTo!.Value + 1;
            else if (shownTo is not null)
            {
                while (char.IsWhiteSpace(html[^1]))
                    html.Length--;
                html.Append(Delimiter);
            }
            // Up to the next word, so a sentence's full stop stays with it.
            var to = last + 1 < words.Count ? words[last + 1] - 1 : tokens.Length - 1;
            for (var i = from; i <= to; i++)
            {
                var mark = Marked(i);
                if (mark)
                    html.Append("<mark>");
                Escape(html, tokens[i]);
                if (mark)
                    html.Append("</mark>");
            }
            (shownTo, printedTo) = (last, to);
        }
        return html.ToString().Trim();
    }

    /// <summary>
    /// The lexemes a tsquery (as PostgreSQL writes it: 'a' &amp; !'b' &lt;-&gt; ( 'c' | 'd' )) asks for, leaving out
    /// those under a negation, which are asked to be absent.
    /// </summary>
    public static HashSet<string> WantedLexemes(string query)
    {
        var wanted = new HashSet<string>(StringComparer.Ordinal);
        var negated = new Stack<bool>();
        negated.Push(false);
        var not = false;
        for (var i = 0; i < query.Length; i++)
        {
            switch (query[i])
            {
                case '!':
                    not = !not;
                    break;
                case '(':
                    negated.Push(negated.Peek() ^ not);
                    not = false;
                    break;
                case ')':
                    if (negated.Count > 1)
                        negated.Pop();
                    break;
                case '\'':
                    var lexeme = new StringBuilder();
                    for (i++; i < query.Length; i++)
                    {
                        if (query[i] == '\'' && i + 1 < query.Length && query[i + 1] == '\'')
                            lexeme.Append(query[++i]);
                        else if (query[i] == '\'')
                            break;
                        else
                            lexeme.Append(query[i]);
                    }
                    if (!(negated.Peek() ^ not))
                        wanted.Add(lexeme.ToString());
                    not = false;
                    break;
            }
        }
        return wanted;
    }

    // Only the three characters that make markup, as the snippets always were: WebUtility.HtmlEncode would also turn
    // quotes and every accented letter into character references.
    private static void Escape(StringBuilder html, string text)
    {
        foreach (var c in text)
        {
            switch (c)
            {
                case '&': html.Append("&amp;"); break;
                case '<': html.Append("&lt;"); break;
                case '>': html.Append("&gt;"); break;
                default: html.Append(c); break;
            }
        }
    }
}
