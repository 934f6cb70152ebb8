using System.Diagnostics;
using System.Text;
using System.Text.Json;
using HeadlessNews.Tests.Infrastructure;

namespace HeadlessNews.Tests.Contract;

/// <summary>
/// Prism's response validator (frontend/contract/validate-exchanges.mjs) in one node process for the whole run:
/// every answer a test received is checked against the committed openapi.yaml, as `prism proxy --errors` would.
/// </summary>
internal static class ContractValidator
{
    public sealed record Verdict(string Operation, int Status, string[] Problems);

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static Process? _process;
    private static readonly StringBuilder Errors = new();

    public static async Task<Verdict[]> CheckAsync(IReadOnlyCollection<Exchange> exchanges)
    {
        if (exchanges.Count == 0)
            return [];
        var request = JsonSerializer.Serialize(exchanges.Select(e => new { method = e.Method, path = e.Path, status = e.Status, headers = e.Headers, body = e.Body }));
        return JsonSerializer.Deserialize<Verdict[]>(await AskAsync(request), JsonSerializerOptions.Web)!;
    }

    /// <summary>Documented answers ("OperationId status") that exchanges of the run so far did and did not receive.</summary>
    public static async Task<(string[] Received, string[] Missing)> CoverageAsync()
    {
        var answer = JsonDocument.Parse(await AskAsync("\"coverage\"")).RootElement;
        string[] List(string name) => answer.GetProperty(name).EnumerateArray().Select(m => m.GetString()!).ToArray();
        return (List("received"), List("missing"));
    }

    private static async Task<string> AskAsync(string line)
    {
        await Gate.WaitAsync();
        try
        {
            var process = await StartedAsync();
            await process.StandardInput.WriteLineAsync(line);
            await process.StandardInput.FlushAsync();
            return await process.StandardOutput.ReadLineAsync()
                   ?? throw new InvalidOperationException("The contract validator stopped:\n" + Errors);
        }
        finally
        {
            Gate.Release();
        }
    }

    private static async Task<Process> StartedAsync()
    {
        if (_process is not null)
            return _process;
        await FrontendFolder.InstallAsync();
        var start = new ProcessStartInfo("node", "contract/validate-exchanges.mjs ../openapi.yaml")
        {
            WorkingDirectory = FrontendFolder.Path,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        _process = Process.Start(start) ?? throw new InvalidOperationException("Could not start node.");
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (Errors) Errors.AppendLine(e.Data); };
        _process.BeginErrorReadLine();
        return _process;
    }

    public static void Stop()
    {
        if (_process is null)
            return;
        _process.StandardInput.Close();
        if (!_process.WaitForExit(5000))
            _process.Kill();
        _process.Dispose();
        _process = null;
    }
}
