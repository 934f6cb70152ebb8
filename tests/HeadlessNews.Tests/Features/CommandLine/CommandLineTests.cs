using HeadlessNews.Tests.Infrastructure;

namespace HeadlessNews.Tests.Features.CommandLine;

/// <summary>`dotnet HeadlessNews.Api.dll …` as a newcomer or a container runs it, from the built application.</summary>
public sealed class CommandLineTests
{
    // Each of these exits on its own at once; one still running after this has missed what it should have refused.
    private static Task<ExternalProcess.Result> RunAsync(string arguments, Dictionary<string, string> environment) =>
        ExternalProcess.RunAsync("dotnet", "HeadlessNews.Api.dll " + arguments, AppContext.BaseDirectory, environment, timeoutSeconds: 30);

    private static void AssertOneClearLine(ExternalProcess.Result result, string mentions)
    {
        var lines = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.That(result.ExitCode, Is.Not.Zero, result.Output);
        Assert.That(lines, Has.Length.EqualTo(1), result.Output);
        Assert.That(lines[0], Does.Contain(mentions));
        Assert.That(result.Output, Does.Not.Contain("   at ").And.Not.Contain("Unhandled exception"));
    }

    [TestCase("migrate")]
    [TestCase("export newsroom.ndjson")]
    [TestCase("import newsroom.ndjson")]
    public async Task ACommandWithoutAConnectionStringSaysWhichSettingIsMissing(string command)
    {
        var result = await RunAsync(command, new() { ["ConnectionStrings__HeadlessNews"] = "" });
        AssertOneClearLine(result, "ConnectionStrings__HeadlessNews");
    }

    [TestCase("not a connection string")]
    [TestCase("Host=127.0.0.1;Port={port};Database=headlessnews;Username=headlessnews;Timeout=3")]
    public async Task ACommandWithABadConnectionStringSaysSoInOneLine(string connectionString)
    {
        var result = await RunAsync("migrate", new()
        {
            ["ConnectionStrings__HeadlessNews"] = connectionString.Replace("{port}", TestDatabase.FreePort().ToString()),
        });
        AssertOneClearLine(result, "ConnectionStrings:HeadlessNews");
    }

    [Test]
    public async Task TheContainerHealthProbeAsksThePortTheAppListensOn()
    {
        await using var api = LiveApi.Start();
        var port = new Uri(api.BaseUrl).Port;
        // ASPNETCORE_URLS wins over ASPNETCORE_HTTP_PORTS, as it does for Kestrel.
        var listening = await RunAsync("healthcheck", new() { ["ASPNETCORE_URLS"] = $"http://+:{port}", ["ASPNETCORE_HTTP_PORTS"] = "1" });
        var byPorts = await RunAsync("healthcheck", new() { ["ASPNETCORE_URLS"] = "", ["ASPNETCORE_HTTP_PORTS"] = port.ToString() });
        var elsewhere = await RunAsync("healthcheck", new() { ["ASPNETCORE_URLS"] = $"http://0.0.0.0:{TestDatabase.FreePort()}" });

        Assert.That(listening.ExitCode, Is.Zero, listening.Output);
        Assert.That(byPorts.ExitCode, Is.Zero, byPorts.Output);
        Assert.That(elsewhere.ExitCode, Is.EqualTo(1), elsewhere.Output);
    }

    [TestCase("HeadlessNews__Webhooks__MaxAttempts", "0", "HeadlessNews:Webhooks:MaxAttempts")]
    [TestCase("HeadlessNews__Scheduling__PollSeconds", "soon", "HeadlessNews:Scheduling:PollSeconds")]
    [TestCase("HeadlessNews__RateLimits__KeyPerMinute", "0", "HeadlessNews:RateLimits:KeyPerMinute")]
    [TestCase("HeadlessNews__Caching__InProcessSeconds", "-1", "HeadlessNews:Caching:InProcessSeconds")]
    [TestCase("HeadlessNews__PublicApiUrl", "api.example.com", "HeadlessNews:PublicApiUrl")]
    public async Task AWrongSettingStopsTheApiAtStartWithALineNamingIt(string variable, string value, string mentions)
    {
        var result = await RunAsync("", new()
        {
            [variable] = value,
            ["ConnectionStrings__HeadlessNews"] = GlobalSetup.Database.ConnectionString,
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{TestDatabase.FreePort()}",
        });
        AssertOneClearLine(result, mentions);
    }

    // Only the database knows which text-search configurations there are, so this one is checked after migrating.
    [TestCase("")]
    [TestCase("migrate")]
    [TestCase("export newsroom.ndjson")]
    [TestCase("import newsroom.ndjson")]
    public async Task AnUnknownSearchLanguageStopsTheApiAndTheToolsWithALineNamingItAndTheLanguagesThereAre(string command)
    {
        File.Delete(Path.Combine(AppContext.BaseDirectory, "newsroom.ndjson"));
        var result = await RunAsync(command, new()
        {
            ["HeadlessNews__Search__Language"] = "klingon",
            ["ConnectionStrings__HeadlessNews"] = GlobalSetup.Database.ConnectionString,
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{TestDatabase.FreePort()}",
        });
        AssertOneClearLine(result, "HeadlessNews:Search:Language is 'klingon'");
        Assert.That(result.Output, Does.Contain("english, ").And.Contain("simple"), "the line names the languages there are");
        Assert.That(File.Exists(Path.Combine(AppContext.BaseDirectory, "newsroom.ndjson")), Is.False, "nothing was exported");
    }

    [TestCase("English")]
    [TestCase("pg_catalog.german")]
    public async Task ASearchLanguageThatPostgreSqlAcceptsIsAccepted(string language)
    {
        var result = await RunAsync("migrate", new()
        {
            ["HeadlessNews__Search__Language"] = language,
            ["ConnectionStrings__HeadlessNews"] = GlobalSetup.Database.ConnectionString,
        });
        Assert.That(result.ExitCode, Is.Zero, result.Output);
    }

    [Test]
    public async Task AWrongSettingStopsTheToolsTooWithALineNamingIt()
    {
        var result = await RunAsync("export newsroom.ndjson", new()
        {
            ["HeadlessNews__Webhooks__MaxAttempts"] = "0",
            ["ConnectionStrings__HeadlessNews"] = GlobalSetup.Database.ConnectionString,
        });
        AssertOneClearLine(result, "HeadlessNews:Webhooks:MaxAttempts");
    }
}
