using System.Diagnostics;

namespace HeadlessNews.Tests.Infrastructure;

/// <summary>
/// The API as a process of its own (dotnet HeadlessNews.Api.dll, Kestrel on a loopback port) on the test database:
/// for what only a real process shows, such as a kill mid-request or its resident memory.
/// </summary>
internal sealed class ApiProcess(Process process, string url) : IDisposable
{
    public string Url { get; } = url;

    public static async Task<ApiProcess> StartAsync(int port, IReadOnlyDictionary<string, string>? settings = null)
    {
        var start = new ProcessStartInfo("dotnet", "HeadlessNews.Api.dll")
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        start.Environment["ConnectionStrings__HeadlessNews"] = GlobalSetup.Database.ConnectionString;
        start.Environment["HeadlessNews__BootstrapAdminKey"] = HeadlessNewsApiFactory.BootstrapAdminKey;
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (name, value) in settings ?? new Dictionary<string, string>())
            start.Environment[name] = value;
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var api = new ApiProcess(process, $"http://127.0.0.1:{port}");
        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                if ((await probe.GetAsync(api.Url + "/health/ready")).IsSuccessStatusCode)
                    return api;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "the API process did not become ready");
            await Task.Delay(100);
        }
    }

    /// <summary>The process's resident memory (VmRSS in /proc/PID/status), in bytes.</summary>
    public long ResidentBytes()
    {
        var line = File.ReadLines($"/proc/{process.Id}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0]) * 1024;
    }

    public void Kill() => process.Kill(entireProcessTree: true);

    public void Dispose()
    {
        if (!process.HasExited)
            process.Kill(entireProcessTree: true);
        process.Dispose();
    }
}
