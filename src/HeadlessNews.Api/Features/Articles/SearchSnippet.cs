using System.Buffers;
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

    /// <summary>
    /// Words given as lists (tokens, and lexemes with null for what is not a word), as the tests write them: joined as
    /// migration 0053 stores them, so neither may hold the separators (no stored text can).
    /// </summary>
    public static string? Build(string[]? tokens, string?[]? lexemes, string? query) =>
        tokens is null || lexemes is null || tokens.Length != lexemes.Length ? null
            : FromStored(string.Join(Separator, tokens), string.Join(Separator, lexemes.Select(l => l ?? NoWord)), query);

    /// <summary>
    /// The snippet from the words as stored: tokens and lexemes, each joined by Separator. Read in place, without
    /// splitting: a page of hits holds thousands of tokens, and only the few dozen shown become text again.
    /// </summary>
    public static string? FromStored(string? tokens, string? lexemes, string? query)
    {
        if (tokens is null || lexemes is null || query is null)
            return null;
        var count = tokens.AsSpan().Count(Separator) + 1;
        if (lexemes.AsSpan().Count(Separator) + 1 != count)
            return null;

        // Each query word gets a number; a token's number says what it is: a wanted word, another word (a stop word
        // too), or no word at all.
        var wanted = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var lexeme in WantedLexemes(query))
            wanted[lexeme] = wanted.Count;
        // Three numbers a token, rented: a page of hits would otherwise allocate them by the thousand.
        var pool = ArrayPool<int>.Shared;
        int[] tokenStart = pool.Rent(count + 1), kind = pool.Rent(count), words = pool.Rent(count);
        try
        {
            return FromWords(tokens, count, lexemes, wanted, tokenStart, kind, words);
        }
        finally
        {
            pool.Return(tokenStart);
            pool.Return(kind);
            pool.Return(words);
        }
    }

    private static string FromWords(string tokens, int count, string lexemes, Dictionary<string, int> wanted, int[] tokenStart, int[] kind, int[] words)
    {
        var lookup = wanted.GetAlternateLookup<ReadOnlySpan<char>>();
        var wordCount = 0;
        var rest = lexemes.AsSpan();
        for (int i = 0, at = 0; i < count; i++)
        {
            var cut = rest.IndexOf(Separator);
            var lexeme = cut < 0 ? rest : rest[..cut];
            rest = cut < 0 ? default : rest[(cut + 1)..];
            kind[i] = lexeme.SequenceEqual(NoWord) ? NotAWord : lexeme.Length > 0 && lookup.TryGetValue(lexeme, out var n) ? n : OtherWord;
            if (kind[i] != NotAWord)
                words[wordCount++] = i;
            tokenStart[i] = at;
            var next = tokens.IndexOf(Separator, at);
            at = next < 0 ? tokens.Length + 1 : next + 1;
        }
        tokenStart[count] = tokens.Length + 1;
        if (wordCount == 0)
            return "";

        bool Marked(int token) => kind[token] >= 0;
        bool Matches(int word) => Marked(words[word]);
        Span<(int First, int Last)> fragments = stackalloc (int, int)[MaxFragments];
        var fragmentCount = 0;
        bool Shown(Span<(int First, int Last)> fragments, int word)
        {
            foreach (var (first, last) in fragments[..fragmentCount])
                if (word >= first && word <= last)
                    return true;
            return false;
        }

        var covered = new bool[wanted.Count];
        // Which query words a window holds that no fragment has shown: counted once each by marking them with the
        // window's number.
        var seen = new int[wanted.Count];
        for (var f = 0; f < MaxFragments; f++)
        {
            // The window of MaxWords words from a match that holds the most words not yet shown, then the most matches.
            (int Start, int End, int New, int Count) best = (-1, -1, 0, 0);
            for (var k = 0; k < wordCount; k++)
            {
                if (!Matches(k) || Shown(fragments, k))
                    continue;
                var end = k;
                var fresh = 0;
                var matches = 0;
                var window = f * wordCount + k + 1;
                for (var j = k; j < Math.Min(wordCount, k + MaxWords - Lead); j++)
                {
                    if (Shown(fragments, j))
                        break;
                    if (!Matches(j))
                        continue;
                    end = j;
                    matches++;
                    var lexeme = kind[words[j]];
                    if (!covered[lexeme] && seen[lexeme] != window)
                    {
                        seen[lexeme] = window;
                        fresh++;
                    }
                }
                if (fresh > best.New || (fresh == best.New && matches > best.Count))
                    best = (k, end, fresh, matches);
            }
            if (best.Start < 0 || (f > 0 && best.New == 0))
                break;
            for (var j = best.Start; j <= best.End; j++)
                if (Matches(j))
                    covered[kind[words[j]]] = true;
            // Context: a few words before the first match and after the last, at least MinWords, at most MaxWords.
            var first = best.Start;
            for (var lead = 0; lead < Lead && first > 0 && !Shown(fragments, first - 1); lead++)
                first--;
            var last = Math.Min(wordCount - 1, Math.Min(first + MaxWords - 1, Math.Max(best.End + Trail, first + MinWords - 1)));
            var next = wordCount - 1;
            foreach (var fragment in fragments[..fragmentCount])
                if (fragment.First > best.End)
                    next = Math.Min(next, fragment.First - 1);
            fragments[fragmentCount++] = (first, Math.Min(last, Math.Max(best.End, next)));
        }
        if (fragmentCount == 0)
            fragments[fragmentCount++] = (0, Math.Min(wordCount, MinWords) - 1);
        if (fragmentCount == 2 && fragments[1].First < fragments[0].First)
            (fragments[0], fragments[1]) = (fragments[1], fragments[0]);

        var html = new StringBuilder();
        int? shownTo = null, printedTo = null;
        foreach (var (first, last) in fragments[..fragmentCount])
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
            var to = last + 1 < wordCount ? words[last + 1] - 1 : count - 1;
            for (var i = from; i <= to; i++)
            {
                var mark = Marked(i);
                if (mark)
                    html.Append("<mark>");
                Escape(html, tokens.AsSpan(tokenStart[i], tokenStart[i + 1] - tokenStart[i] - 1));
                if (mark)
                    html.Append("</mark>");
            }
            (shownTo, printedTo) = (last, to);
        }
        return html.ToString().Trim();
    }

    private const int NotAWord = -2;
    private const int OtherWord = -1;

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
    private static void Escape(StringBuilder html, ReadOnlySpan<char> text)
    {
        // Runs of plain characters in one append each.
        while (text.IndexOfAny('&', '<', '>') is var at and >= 0)
        {
            html.Append(text[..at]);
            html.Append(text[at] switch { '&' => "&amp;", '<' => "&lt;", _ => "&gt;" });
            text = text[(at + 1)..];
        }
        html.Append(text);
    }
}
