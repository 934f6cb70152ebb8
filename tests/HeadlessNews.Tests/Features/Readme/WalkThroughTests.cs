using System.Collections.Concurrent;
using System.Diagnostics;
using HeadlessNews.Api.Features.Demo;
using HeadlessNews.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace HeadlessNews.Tests.Features.Readme;

/// <summary>
/// The README's walk-through as a newcomer runs it: the webhook receiver script in one terminal, the curl block
/// (taken from README.md itself) in the other, twice, against an API set up as scripts/run-local.sh sets it up.
/// </summary>
public sealed class WalkThroughTests : ApiTestBase
{
    private static string WalkThrough()
    {
        var readme = File.ReadAllText(Path.Combine(TestDatabase.RepositoryRoot(), "README.md")).Replace("\r\n", "\n");
        var start = readme.IndexOf("```sh\nAPI=", StringComparison.Ordinal);
        Assert.That(start, Is.GreaterThanOrEqualTo(0), "the README's walk-through starts with API=");
        start += "```sh\n".Length;
        return readme[start..readme.IndexOf("```", start, StringComparison.Ordinal)];
    }

    [Test]
    public async Task TheWalkThroughRunsTwiceAndTheReceiverPrintsEachVerifiedPublish()
    {
        if ((await ExternalProcess.RunAsync("bash", "-c \"command -v curl && command -v jq\"", TestDatabase.RepositoryRoot())).ExitCode != 0)
            Assert.Ignore("curl and jq are not installed (the README says how).");
        await using var api = LiveApi.Start(new Dictionary<string, string?> { ["HeadlessNews:BootstrapAdminKey"] = "dev-admin-key" }, Background.Webhooks);
        await api.Services.GetRequiredService<DemoContentLoader>().LoadAsync(CancellationToken.None);
        var environment = new Dictionary<string, string> { ["API"] = api.BaseUrl, ["HEADLESSNEWS_API"] = api.BaseUrl };

        using var receiver = StartReceiver(environment, out var lines);
        await WaitForLineAsync(lines, "Receiving at ", seconds: 180);
        var script = Path.Combine(TestContext.CurrentContext.WorkDirectory, "walk-through.sh");
        await File.WriteAllTextAsync(script, WalkThrough());
        for (var run = 1; run <= 2; run++)
        {
            var result = await ExternalProcess.RunAsync("bash", $"-euo pipefail \"{script}\"", TestDatabase.RepositoryRoot(), environment, timeoutSeconds: 60);
            result.AssertSucceeded($"walk-through, run {run}");
            Assert.That(result.Output, Does.Contain("\"status\": \"published\"").And.Contain("Harbour reopens after storm repairs"));
        }

        var published = await WaitForLineAsync(lines, "verified article.published harbour-reopens-", seconds: 30, count: 2);
        Assert.That(published.Distinct().Count(), Is.EqualTo(2), string.Join("\n", lines));
        Assert.That(lines, Has.None.StartsWith("REFUSED"));
        receiver.Kill(entireProcessTree: true);
    }

    private static Process StartReceiver(Dictionary<string, string> environment, out ConcurrentQueue<string> lines)
    {
        var start = new ProcessStartInfo("dotnet", ["run", "scripts/webhook-receiver.cs"])
        {
            WorkingDirectory = TestDatabase.RepositoryRoot(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // As from a newcomer's shell: not the test run's own MSBuild settings.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
            start.Environment.Remove(key);
        foreach (var (key, value) in environment)
            start.Environment[key] = value;
        var process = Process.Start(start)!;
        var collected = new ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) collected.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) collected.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        lines = collected;
        return process;
    }

    private static async Task<List<string>> WaitForLineAsync(ConcurrentQueue<string> lines, string prefix, int seconds, int count = 1)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var matching = lines.Where(l => l.StartsWith(prefix, StringComparison.Ordinal)).ToList();
            if (matching.Count >= count)
                return matching;
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), $"waiting for '{prefix}' from the receiver:\n" + string.Join("\n", lines));
            await Task.Delay(100);
        }
    }
}
