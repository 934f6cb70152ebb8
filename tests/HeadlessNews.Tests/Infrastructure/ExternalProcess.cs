using System.Diagnostics;
using System.Text;

namespace HeadlessNews.Tests.Infrastructure;

/// <summary>Runs a command line tool (npm, npx, node) and collects what it printed.</summary>
internal static class ExternalProcess
{
    public sealed record Result(int ExitCode, string Output)
    {
        public void AssertSucceeded(string what) => Assert.That(ExitCode, Is.Zero, $"{what} failed:\n{Output}");
    }

    public static async Task<Result> RunAsync(string file, string arguments, string workingDirectory,
        IDictionary<string, string>? environment = null, int timeoutSeconds = 300)
    {
        var start = new ProcessStartInfo(file, arguments)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
            start.Environment[key] = value;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {file}.");
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return new Result(-1, $"{file} {arguments} timed out after {timeoutSeconds} s.\n{output}");
        }
        process.WaitForExit();
        return new Result(process.ExitCode, output.ToString());
    }
}
