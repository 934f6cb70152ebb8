using HeadlessNews.Tests.Contract;
using HeadlessNews.Tests.Infrastructure;
using NUnit.Framework.Interfaces;
using NUnit.Framework.Internal;

namespace HeadlessNews.Tests;

/// <summary>
/// After all the other tests: every operation in openapi.yaml answered, in some test, with every status it documents,
/// so each documented answer was checked against a real one at least once. NUnit runs the children of a namespace by
/// name, so this fixture (at the root, named with W) comes after Clients, Contract, Features and Frontend; a failure in
/// a one-time teardown would not fail `dotnet test`, which is why this is a test.
/// </summary>
public sealed class WholeRunContractCoverageTests
{
    // Answered by shared middleware before or around the endpoint, the same way for every operation that documents
    // them: they must be received somewhere, not on each operation.
    private static readonly Dictionary<string, string> SharedAnswers = new()
    {
        ["401"] = "API key authentication (ApiKeyAuth), before any endpoint runs",
        ["403"] = "role policies on the route groups",
        ["413"] = "the request body limit (RequestGuard, Kestrel)",
        ["415"] = "the content type check of bodies (RequestGuard)",
        ["429"] = "the rate limiter (RateLimitMiddleware)",
        ["503"] = "database unavailability (ProblemDetailsExceptionHandler); liveness never asks the database",
        ["409"] = "IdempotencyMiddleware, to a retry while the first request with its key still runs, on every management POST " +
                  "(IdempotencyTests provoke it); the operations' own 409s (taken slugs, tags in use) are received too",
    };

    // Documented answers no test receives, and why that is acceptable.
    private static readonly Dictionary<string, string> NotReceived = new()
    {
    };

    [Test]
    public async Task EveryOperationReceivedEveryStatusItDocuments()
    {
        var all = ApiTestCases(TestExecutionContext.CurrentContext.CurrentTest);
        if (ApiTestBase.TestsStarted < all)
            Assert.Ignore($"Only {ApiTestBase.TestsStarted} of {all} API tests ran before this one: a partial run cannot cover every documented answer.");

        var directory = TestContext.CurrentContext.WorkDirectory;
        // Every exchange of the run, for checking the same traffic against another version of the document.
        await File.WriteAllLinesAsync(Path.Combine(directory, "contract-exchanges.jsonl"),
            ExchangeRecorder.Since(0).Select(e => System.Text.Json.JsonSerializer.Serialize(new[] { e }, System.Text.Json.JsonSerializerOptions.Web)));

        var (received, missing) = await ContractValidator.CoverageAsync();
        string Status(string answer) => answer[(answer.LastIndexOf(' ') + 1)..];
        var sharedNeverReceived = SharedAnswers.Keys.Where(status => !received.Any(r => Status(r) == status)).ToList();
        var gaps = missing.Where(m => !SharedAnswers.ContainsKey(Status(m)) && !NotReceived.ContainsKey(m)).ToList();
        await File.WriteAllLinesAsync(Path.Combine(directory, "contract-not-received.txt"), gaps);
        Assert.Multiple(() =>
        {
            Assert.That(sharedNeverReceived, Is.Empty, "Shared answers that no operation received");
            Assert.That(gaps, Is.Empty, "Documented answers that no test received (exercise them, or list them here with the reason)");
        });
    }

    private static int ApiTestCases(ITest test)
    {
        while (test.Parent is not null)
            test = test.Parent;
        return Count(test);

        static int Count(ITest t) => t.IsSuite
            ? t.Tests.Sum(Count)
            : t.TypeInfo?.Type is { } type && typeof(ApiTestBase).IsAssignableFrom(type) ? 1 : 0;
    }
}
