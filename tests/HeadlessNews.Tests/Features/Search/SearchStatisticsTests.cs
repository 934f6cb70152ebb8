using HeadlessNews.Api.Features.Articles;

namespace HeadlessNews.Tests.Features.Search;

/// <summary>
/// A search sends PostgreSQL only the common words that may be its own words' lexemes: those that start with the same
/// two letters, in any case.
/// </summary>
public sealed class SearchStatisticsTests
{
    private static readonly SearchStatistics.Snapshot Common = new(
        ["border", "bord", "secur", "second", "treati", "uber", "ãrea", "x", "harbour"],
        [0.02f, 0.03f, 0.04f, 0.05f, 0.06f, 0.07f, 0.08f, 0.09f, 0.10f],
        [0.12f, 0.13f, 0.14f, 0.15f, 0.16f, 0.17f, 0.18f, 0.19f, 0.20f], -1, -2, -3);

    [Test]
    public void OnlyTheWordsThatStartAsTheQuerysWordsAreSent()
    {
        var (lexemes, frequencies, recentFrequencies) = Common.For("Border  SECURITY treaty");
        Assert.That(lexemes, Is.EquivalentTo(new[] { "border", "bord", "secur", "second", "treati" }));
        Assert.That(frequencies, Is.EquivalentTo(new[] { 0.02f, 0.03f, 0.04f, 0.05f, 0.06f }));
        for (var i = 0; i < lexemes.Length; i++)
        {
            var at = Array.IndexOf(Common.Lexemes, lexemes[i]);
            Assert.That((frequencies[i], recentFrequencies[i]), Is.EqualTo((Common.Frequencies[at], Common.RecentFrequencies[at])), "each word with its own shares");
        }
    }

    [Test]
    public void ShortWordsAndOtherAlphabetsFindTheirs()
    {
        Assert.That(Common.For("ÃREA").Lexemes, Is.EqualTo(new[] { "ãrea" }));
        Assert.That(Common.For("Über").Lexemes, Is.Empty, "German's stemmer drops the dots: that search only takes the index");
        Assert.That(Common.For("x").Lexemes, Is.EqualTo(new[] { "x" }));
        Assert.That(Common.For("quay").Lexemes, Is.Empty);
        Assert.That(SearchStatistics.None.For("harbour").Lexemes, Is.Empty);
    }
}
