using HeadlessNews.Api.Features.Articles;

namespace HeadlessNews.Tests.Features.Search;

/// <summary>Snippets made from the stored words of a text (SearchSnippet), without a database.</summary>
public sealed class SearchSnippetTests
{
    // Words as migration 0053 stores them: tokens, and lexemes (empty: a stop word; null: not a word). The lexeme here
    // is the word in lower case without a final s.
    private static (string[] Tokens, string?[] Lexemes) Words(params string[] words)
    {
        var tokens = new List<string>();
        var lexemes = new List<string?>();
        foreach (var word in words)
        {
            if (tokens.Count > 0)
            {
                tokens.Add(" ");
                lexemes.Add(null);
            }
            tokens.Add(word);
            lexemes.Add(word.ToLowerInvariant() is "the" or "a" or "of" ? "" : word.ToLowerInvariant().TrimEnd('s'));
        }
        return ([.. tokens], [.. lexemes]);
    }

    [Test]
    public void TheQuerysWordsAreMarkedWithTheirContextAndNothingElse()
    {
        var (tokens, lexemes) = Words("The", "harbour", "gate", "opened", "at", "dawn", "and", "the", "ferries", "sailed");
        Assert.That(SearchSnippet.Build(tokens, lexemes, "'ferrie' & 'the'"),
            Is.EqualTo("dawn and the <mark>ferries</mark> sailed"), "a stop word is never marked");
        Assert.That(SearchSnippet.Build(tokens, lexemes, "'harbour' & !'gate'"),
            Is.EqualTo("The <mark>harbour</mark> gate opened at dawn and the ferries sailed"), "an excluded word is not marked");
    }

    [Test]
    public void MatchesFarApartMakeTwoFragmentsInTheTextsOrder()
    {
        var filler = Enumerable.Range(1, 40).Select(i => $"w{i}").ToArray();
        var (tokens, lexemes) = Words([.. filler[..5], "storm", .. filler[5..35], "quay", .. filler[35..]]);
        var snippet = SearchSnippet.Build(tokens, lexemes, "'quay' & 'storm'");
        Assert.That(snippet, Is.EqualTo(
            "w3 w4 w5 <mark>storm</mark> w6 w7 w8 w9 w10 w11 w12 w13 … w33 w34 w35 <mark>quay</mark> w36 w37 w38 w39 w40"));
    }

    [Test]
    public void WithoutAMatchItIsTheFirstWordsAndMarkupIsEscaped()
    {
        string[] tokens = ["<b>", "Bold", "</b>", " ", "&", " ", "x", " ", "y", " ", "z", " ", "a", " ", "b", " ", "c", " ", "d", " ", "e"];
        string?[] lexemes = [null, "bold", null, null, null, null, "x", null, "y", null, "z", null, "", null, "b", null, "c", null, "d", null, "e"];
        Assert.That(SearchSnippet.Build(tokens, lexemes, "'zzz'"), Is.EqualTo("Bold&lt;/b&gt; &amp; x y z a b c d"));
        Assert.That(SearchSnippet.Build(tokens, lexemes, "'bold'"), Is.EqualTo("<mark>Bold</mark>&lt;/b&gt; &amp; x y z a b c d e"));
    }

    [Test]
    public void StoredWordsAreReadAsMigration0053JoinsThem()
    {
        Assert.That(SearchSnippet.FromStored("The\u001f \u001fharbour\u001f.", "\u001f\u001e\u001fharbour\u001f\u001e", "'harbour'"),
            Is.EqualTo("The <mark>harbour</mark>."));
        Assert.That(SearchSnippet.FromStored("", "", "'harbour'"), Is.EqualTo(""));
        Assert.That(SearchSnippet.FromStored("a\u001fb", "a", "'a'"), Is.Null, "lists of different lengths give no snippet");
        Assert.That(SearchSnippet.FromStored(null, null, "'a'"), Is.Null);
    }

    [Test]
    public void TheWantedLexemesOfAQueryLeaveOutNegatedOnes()
    {
        Assert.That(SearchSnippet.WantedLexemes("'border' & !'grain'"), Is.EquivalentTo(new[] { "border" }));
        Assert.That(SearchSnippet.WantedLexemes("!( 'a' <-> 'b' ) & 'c' | 'it''s'"), Is.EquivalentTo(new[] { "c", "it's" }));
        Assert.That(SearchSnippet.WantedLexemes("'x':* & !!'y' & ( 'z' | !( 'v' & !'u' ) )"), Is.EquivalentTo(new[] { "x", "y", "z", "u" }));
    }
}
