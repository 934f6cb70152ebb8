using CsCheck;
using HeadlessNews.Api.Features.Articles;

namespace HeadlessNews.Tests.Features.Fuzz;

/// <summary>
/// Random Markdown structure (in characters the API stores) straight into the renderer: every body is refused with a
/// message or rendered. The cases follow one seed (printed), each from its own case seed; a failing case is shrunk by
/// CsCheck (it keeps trying smaller bodies that fail the same check) and reported at its smallest, with the seed that
/// replays it.
/// </summary>
public sealed class MarkdownFuzzTests
{
    private const string DefaultSeed = "0000HuDTXSS1";

    private static readonly Gen<string> Bodies = FuzzInputs.Markdown.Select(m => FuzzInputs.Storable(m, multiline: true));

    private static void RefusedWithAMessageOrRendered(string body)
    {
        if (ArticleBody.Limits(body) is { } refusal)
            Assert.That(refusal, Does.StartWith("bodyMarkdown "));
        else
            ArticleBody.Render(body);
    }

    [Test]
    public void EveryBodyIsRefusedWithAMessageOrRendered()
    {
        var seed = Environment.GetEnvironmentVariable("HEADLESSNEWS_FUZZ_SEED") is { Length: > 0 } s ? s : DefaultSeed;
        var cases = int.TryParse(Environment.GetEnvironmentVariable("HEADLESSNEWS_FUZZ_CASES"), out var n) ? n * 10 : 1_000;
        TestContext.Out.WriteLine($"fuzz seed {seed}, {cases} cases");
        FuzzInputs.CheckEach(Bodies, RefusedWithAMessageOrRendered, seed, cases, FuzzInputs.Preview);
    }

    [Test]
    public void AFailingBodyIsShrunkToASmallerOneThatFailsTheSameWay()
    {
        // A check that fails for any body with a '#' in it: what CsCheck reports must be smaller than the first failure.
        var failure = Assert.Throws<FuzzFailure>(() => FuzzInputs.CheckEach(Bodies, body => Assert.That(body, Does.Not.Contain("#")), DefaultSeed, 1_000, FuzzInputs.Preview))!;

        Assert.That(failure.Smallest, Does.Contain("#"));
        Assert.That(failure.Smallest.Length, Is.LessThanOrEqualTo(failure.First.Length));
        Assert.That(failure.Message, Does.Contain(failure.CaseSeed));
        TestContext.Out.WriteLine(failure.Message);
        TestContext.Out.WriteLine(failure.InnerException?.Message);
    }
}
