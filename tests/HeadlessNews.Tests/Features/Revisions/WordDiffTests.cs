using HeadlessNews.Api.Features.Revisions;

namespace HeadlessNews.Tests.Features.Revisions;

/// <summary>The word diff's work is bounded: a large differing part is shown whole, the common start and end still equal.</summary>
public sealed class WordDiffTests
{
    private static string Words(string word, int count) => string.Join(' ', Enumerable.Repeat(word, count));

    [Test]
    public void BeyondTheBoundTheDifferingPartIsOneDeletionAndOneInsertion()
    {
        var older = "Same start. " + Words("alpha", RevisionEndpoints.MaxWordDiffPieces) + " Same end.";
        var newer = "Same start. " + Words("gamma", RevisionEndpoints.MaxWordDiffPieces) + " Same end.";

        var changes = RevisionEndpoints.WordDiff(older, newer);

        Assert.That(changes.Select(c => c.Op), Is.EqualTo(new[] { "equal", "delete", "insert", "equal" }));
        Assert.That(changes[0].Text, Is.EqualTo("Same start. "));
        Assert.That(string.Concat(changes.Where(c => c.Op != "insert").Select(c => c.Text)), Is.EqualTo(older));
        Assert.That(string.Concat(changes.Where(c => c.Op != "delete").Select(c => c.Text)), Is.EqualTo(newer));
    }

    [Test]
    public void WithinTheBoundTheDiffIsWordByWord()
    {
        var changes = RevisionEndpoints.WordDiff("The harbour reopened on Monday.", "The harbour closed on Monday.");

        Assert.That(changes.Select(c => (c.Op, c.Text)), Is.EqualTo(new[]
        {
            ("equal", "The harbour "), ("delete", "reopened"), ("insert", "closed"), ("equal", " on Monday."),
        }));
    }
}
