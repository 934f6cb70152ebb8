namespace HeadlessNews.Tests.Infrastructure;

/// <summary>
/// The repository's frontend/ folder: its npm packages (installed once per test run with `npm ci`, from the
/// committed package-lock.json) and the client generated from the committed openapi.yaml.
/// </summary>
internal static class FrontendFolder
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static bool _installed;
    private static bool _prepared;

    public static string Path { get; } = System.IO.Path.Combine(RepositoryRoot(), "frontend");

    /// <summary>Node.js and chromium (apt, when missing), then npm ci: enough for the tools (the contract validator).</summary>
    public static async Task InstallAsync()
    {
        await Gate.WaitAsync();
        try
        {
            await InstallOnceAsync();
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>InstallAsync, then the TypeScript client generated from openapi.yaml and the pages bundled with it.</summary>
    public static async Task PrepareAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (_prepared)
                return;
            await InstallOnceAsync();
            (await ExternalProcess.RunAsync("npm", "run build --silent", Path)).AssertSucceeded("generating the client and building the pages");
            _prepared = true;
        }
        finally
        {
            Gate.Release();
        }
    }

    private static async Task InstallOnceAsync()
    {
        if (_installed)
            return;
        var root = System.IO.Path.GetDirectoryName(Path)!;
        (await ExternalProcess.RunAsync("bash", "scripts/frontend-tools.sh", root, timeoutSeconds: 900)).AssertSucceeded("installing Node.js and chromium");
        (await ExternalProcess.RunAsync("npm", "ci --no-audit --no-fund --loglevel=error", Path, timeoutSeconds: 600)).AssertSucceeded("npm ci");
        _installed = true;
    }

    public static Task<ExternalProcess.Result> NpxAsync(string arguments, IDictionary<string, string>? environment = null) =>
        ExternalProcess.RunAsync("npx", "--no-install " + arguments, Path, environment);

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(System.IO.Path.Combine(directory.FullName, "HeadlessNews.sln")))
            directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException("HeadlessNews.sln not found above " + AppContext.BaseDirectory);
    }
}
