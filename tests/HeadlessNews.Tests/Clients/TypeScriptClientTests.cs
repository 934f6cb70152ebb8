using HeadlessNews.Tests.Infrastructure;

namespace HeadlessNews.Tests.Clients;

/// <summary>
/// The committed openapi.yaml as integrators meet it: linted with Redocly's recommended rules, turned into a
/// TypeScript client (openapi-typescript + openapi-fetch, TypeScript 5.9), type-checked against the code that uses
/// it, and driven through the main flows against the API on a loopback port.
/// </summary>
public sealed class TypeScriptClientTests : ApiTestBase
{
    [OneTimeSetUp]
    public Task PrepareFrontendAsync() => FrontendFolder.PrepareAsync();

    [Test]
    public async Task TheSpecPassesRedoclysRecommendedRulesWithoutErrors()
    {
        var lint = await FrontendFolder.NpxAsync("redocly lint ../openapi.yaml --config redocly.yaml --format=summary");
        lint.AssertSucceeded("redocly lint");
        Assert.That(lint.Output, Does.Not.Contain("error ").And.Not.Contain("no-invalid-schema-examples"));
    }

    [Test]
    public async Task TheGeneratedClientTypeChecksAndWalksTheMainFlows()
    {
        // PrepareAsync generated src/api/schema.d.ts from openapi.yaml and type-checked the pages and the flows with it.
        await using var api = LiveApi.Start();
        using var editor = await ClientWithRoleAsync("editor");
        var key = editor.DefaultRequestHeaders.Authorization!.Parameter!;

        var flows = await ExternalProcess.RunAsync("node", "client-flows/dist/flows.mjs", FrontendFolder.Path, new Dictionary<string, string>
        {
            ["HN_BASE_URL"] = api.BaseUrl,
            ["HN_EDITOR_KEY"] = key,
            ["HN_RUN"] = Guid.NewGuid().ToString("N")[..8],
        });
        flows.AssertSucceeded("the TypeScript client flows");
        Assert.That(flows.Output, Does.Contain("\"ok\":true"));
    }

    [Test]
    public async Task AClientUsingAnOperationTheSpecDoesNotHaveFailsTheTypeCheck()
    {
        // The guard itself: code calling a path the document lacks must not compile.
        var probe = Path.Combine(FrontendFolder.Path, "src", "api", "probe.test-only.ts");
        await File.WriteAllTextAsync(probe, """
            import { createApi } from "./client";
            export const broken = () => createApi("http://x").GET("/api/v1/no-such-operation", {});
            """);
        try
        {
            var check = await FrontendFolder.NpxAsync("tsc --noEmit -p .");
            Assert.That(check.ExitCode, Is.Not.Zero, check.Output);
            Assert.That(check.Output, Does.Contain("no-such-operation"));
        }
        finally
        {
            File.Delete(probe);
        }
    }
}
