using CsCheck;
using HeadlessNews.Api.Features.Articles;

namespace HeadlessNews.Tests.Features.Fuzz;

/// <summary>Random Markdown structure straight into the renderer: every body is either refused with a message or rendered.</summary>
public sealed class MarkdownFuzzTests
{
    private const string DefaultSeed = "0000HuDTXSS1";

    [Test]
    public void EveryBodyIsRefusedWithAMessageOrRendered()
    {
        var seed = Environment.GetEnvironmentVariable("HEADLESSNEWS_FUZZ_SEED") is { Length: > 0 } s ? s : DefaultSeed;
        var cases = int.TryParse(Environment.GetEnvironmentVariable("HEADLESSNEWS_FUZZ_CASES"), out var n) ? n * 10 : 2_500;
        TestContext.Out.WriteLine($"fuzz seed {seed}, {cases} cases");
        var pcg = PCG.Parse(seed);
        for (var i = 0; i < cases; i++)
        {
            var body = FuzzInputs.Markdown.Generate(pcg, null, out _);
            if (ArticleBody.Limits(body) is { } refusal)
            {
                Assert.That(refusal, Does.StartWith("bodyMarkdown "), $"case {i}");
                continue;
            }
            Assert.DoesNotThrow(() => ArticleBody.Render(body), $"case {i} of seed {seed}: {(body.Length > 300 ? body[..300] + "…" : body)}");
        }
    }
}
