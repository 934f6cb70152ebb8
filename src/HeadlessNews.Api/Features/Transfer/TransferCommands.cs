using System.Text;
using System.Text.Json;
using HeadlessNews.Api.Infrastructure.Auth;
using Npgsql;
using Spectre.Console;

namespace HeadlessNews.Api.Features.Transfer;

/// <summary>
/// `dotnet HeadlessNews.Api.dll export FILE` and `import FILE`: the same export and import as the endpoints, run
/// against the configured database with a progress bar and a final summary. Exit code 0, or 1 when lines failed.
/// </summary>
internal static class TransferCommands
{
    // Progress and summary go to stderr, so `export -` can pipe the NDJSON on stdout.
    private static readonly IAnsiConsole Ui = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });

    public static async Task<int> RunAsync(IServiceProvider services, string[] args)
    {
        if (args.Length < 2)
        {
            Ui.MarkupLine("[red]usage:[/] export FILE | import FILE   (FILE may be - for stdout/stdin)");
            return 2;
        }
        return args[0] == "export" ? await ExportAsync(services, args[1]) : await ImportAsync(services, args[1]);
    }

    private static async Task<int> ExportAsync(IServiceProvider services, string path)
    {
        var db = services.GetRequiredService<NpgsqlDataSource>();
        await using var output = path == "-" ? Console.OpenStandardOutput() : File.Create(path);
        var count = 0;
        var started = System.Diagnostics.Stopwatch.StartNew();
        await Progress().StartAsync(async ctx =>
        {
            var task = ctx.AddTask("export", maxValue: double.MaxValue);
            task.IsIndeterminate = true;
            await foreach (var record in ArticleExporter.ReadAllAsync(db, CancellationToken.None))
            {
                await JsonSerializer.SerializeAsync(output, record, JsonSerializerOptions.Web);
                output.WriteByte((byte)'\n');
                if (++count % 1000 == 0)
                    task.Description = $"export: {count:N0} articles";
            }
            task.Description = $"export: {count:N0} articles";
            task.StopTask();
        });
        Ui.MarkupLine($"Exported [green]{count:N0}[/] articles in {started.Elapsed.TotalSeconds:0.0} s.");
        return 0;
    }

    private static async Task<int> ImportAsync(IServiceProvider services, string path)
    {
        await using var scope = services.CreateAsyncScope();
        var importer = scope.ServiceProvider.GetRequiredService<ArticleImporter>();
        await using var input = path == "-" ? Console.OpenStandardInput() : File.OpenRead(path);
        using var reader = new StreamReader(input, new UTF8Encoding(false, throwOnInvalidBytes: true));
        var total = path == "-" ? 0 : CountLines(path);
        ImportSummary summary = null!;
        await Progress().StartAsync(async ctx =>
        {
            var task = ctx.AddTask("import", maxValue: Math.Max(1, total));
            task.IsIndeterminate = total == 0;
            var progress = new Progress<int>(lines => task.Value = lines);
            summary = await importer.ImportAsync(reader, new Actor("command", $"import {Path.GetFileName(path)}"), progress, CancellationToken.None);
            task.Value = task.MaxValue;
        });

        var table = new Table().AddColumns("lines", "created", "updated", "unchanged", "failed", "seconds")
            .AddRow($"{summary.Lines:N0}", $"{summary.Created:N0}", $"{summary.Updated:N0}", $"{summary.Unchanged:N0}", $"{summary.Failed:N0}", $"{summary.Seconds:0.0}");
        Ui.Write(table);
        foreach (var error in summary.Errors.Take(50))
            Ui.MarkupLineInterpolated($"[red]line {error.Line}[/] {error.Field}: {error.Message}");
        if (summary.Errors.Count > 50)
            Ui.MarkupLine($"… and {summary.Errors.Count - 50} more.");
        return summary.Failed == 0 ? 0 : 1;
    }

    private static Spectre.Console.Progress Progress() =>
        Ui.Progress().AutoClear(false).Columns(
            new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn());

    private static int CountLines(string path)
    {
        var count = 0;
        foreach (var line in File.ReadLines(path))
            if (!string.IsNullOrWhiteSpace(line))
                count++;
        return count;
    }
}
