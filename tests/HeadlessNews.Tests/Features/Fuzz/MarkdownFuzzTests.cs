using CsCheck;
using HeadlessNews.Api.Features.Articles;

namespace HeadlessNews.Tests.Features.Fuzz;

/// <summary>Random Markdown structure (in characters the API stores) straight into the renderer: every body is refused with a message or rendered.</summary>
public sealed class MarkdownFuzzTests
{
    private const string DefaultSeed = "0000HuDTXSS1";

    [Test]
    public void EveryBodyIsRefusedWithAMessageOrRendered()
    {
        var seed = Environment.GetEnvironmentVariable("HEADLESSNEWS_FUZZ_SEED") is { Length: > 0 } s ? s : DefaultSeed;
        var cases = int.TryParse(Environment.GetEnvironmentVariable("HEADLESSNEWS_FUZZ_CASES"), out var n) ? n * 10 : 1_000;
        TestContext.Out.WriteLine($"fuzz seed {seed}, {cases} cases");
        var pcg = PCG.Parse(seed);
        for (var i = 0; i < cases; i++)
        {
            // What the text rules let through: the renderer never sees the rest.
            var body = FuzzInputs.Storable(FuzzInputs.Markdown.Generate(pcg, null, out _), multiline: true);
            if (ArticleBody.Limits(body) is { } refusal)
            {
                Assert.That(refusal, Does.StartWith("bodyMarkdown "), $"case {i}");
                continue;
            }
            Assert.DoesNotThrow(() => ArticleBody.Render(body), $"case {i} of seed {seed}: {(body.Length > 300 ? body[..300] + "…" : body)}");
        }
    }
}
