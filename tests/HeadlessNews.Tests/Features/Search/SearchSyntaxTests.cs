using System.Net;
using HeadlessNews.Tests.Infrastructure;

namespace HeadlessNews.Tests.Features.Search;

/// <summary>Whatever a reader types is either searched (200) or refused with a reason (400), never a 500.</summary>
public sealed class SearchSyntaxTests : ApiTestBase
{
    private static readonly string[] Operators =
    [
        "-", "!", "&", "|", "(", ")", "<", ">", "\"", ":", "*", "'", "\\", "or", "OR", "and", "<->", ":*", "%", "_", "~", "^", "@",
        ",", ".", "\u3000", "\u00a0", "😀", "ß", "𝔘", "-\"", "-(", "!-", "\"-",
    ];

    /// <summary>Runs of every operator alone, spaced, around words and in pairs, then random mixtures (fixed seed).</summary>
    private static IEnumerable<string> NastyQueries()
    {
        foreach (var op in Operators)
        {
            foreach (var n in new[] { 1, 2, 10, 11, 31, 32, 33, 64, 250 })
            {
                yield return string.Concat(Enumerable.Repeat(op, n));
                yield return string.Concat(Enumerable.Repeat(op + " ", n));
                yield return "harbour " + string.Concat(Enumerable.Repeat(op + " ", n)) + "storm";
                yield return string.Concat(Enumerable.Repeat(op + "harbour ", n));
            }
        }
        foreach (var a in Operators.Take(14))
            foreach (var b in Operators.Take(14))
                yield return string.Concat(Enumerable.Repeat(a + b, 40));
        var random = new Random(20261129);
        string[] tokens = [.. Operators, " ", "harbour", "storm", "the", "a", "1"];
        for (var i = 0; i < 300; i++)
            yield return string.Concat(Enumerable.Range(0, random.Next(1, 120)).Select(_ => tokens[random.Next(tokens.Length)]));
    }

    [Test]
    public async Task EveryQueryIsSearchedOrRefusedWith400()
    {
        var (id, version) = await CreateArticleAsync("harbour-storm", extra: new { title = "Harbour storm damage", bodyMarkdown = "The storm hit the harbour at night." });
        await PublishAsync(id, version);
        var failures = new List<string>();
        var refused = 0;

        foreach (var q in NastyQueries().Distinct())
        {
            foreach (var path in new[] { "/api/v1/articles?q=", "/api/v1/search/suggest?q=" })
            {
                var response = await Anonymous.GetAsync(path + Uri.EscapeDataString(q));
                var status = (int)response.StatusCode;
                if (status == 400 && response.Content.Headers.ContentType?.MediaType == "application/problem+json"
                    && (await ReadJsonAsync(response))["errors"]?["q"] is not null)
                    refused++;
                else if (status != 200)
                    failures.Add($"{path}{q} -> {status} {await response.Content.ReadAsStringAsync()}");
            }
        }

        Assert.That(failures, Is.Empty);
        Assert.That(refused, Is.GreaterThan(0), "some of these queries are too long or too deep to search");
    }
}
