using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace HeadlessNews.Api.Features.Health;

/// <param name="Status">Healthy, Degraded or Unhealthy.</param>
/// <param name="Checks">Each check by name, with its status.</param>
public sealed record HealthReportResponse(string Status, IReadOnlyDictionary<string, string> Checks);

internal static class HealthEndpoints
{
    public static void MapHealth(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/health").WithTags("Health").AllowAnonymous();
        // Live: the process answers. Ready: it can also reach PostgreSQL, so a balancer can route around it.
        group.MapGet("/live", () => Report(new HealthReport(new Dictionary<string, HealthReportEntry>(), TimeSpan.Zero)))
            .WithName("Live").WithSummary("Liveness: the process is up");
        group.MapGet("/ready", async (HealthCheckService health, CancellationToken ct) =>
                Report(await health.CheckHealthAsync(c => c.Tags.Contains("ready"), ct)))
            .WithName("Ready").WithSummary("Readiness: the database is reachable (503 when it is not)")
            .Produces<HealthReportResponse>(StatusCodes.Status503ServiceUnavailable);
    }

    private static Results<Ok<HealthReportResponse>, JsonHttpResult<HealthReportResponse>> Report(HealthReport report)
    {
        var body = new HealthReportResponse(report.Status.ToString(), report.Entries.ToDictionary(e => e.Key, e => e.Value.Status.ToString()));
        return report.Status == HealthStatus.Unhealthy
            ? TypedResults.Json(body, statusCode: StatusCodes.Status503ServiceUnavailable)
            : TypedResults.Ok(body);
    }
}

/// <summary>
/// Ready while the primary answers. Without it but with a standby that answers, Degraded (still 200): delivery reads
/// are served from the standby and writes answer 503, so a balancer keeps sending readers here.
/// </summary>
internal sealed class DatabaseHealthCheck(NpgsqlDataSource dataSource, Infrastructure.Database.DeliveryDataSource delivery) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        if (await AnswersAsync(dataSource, ct))
            return HealthCheckResult.Healthy();
        if (delivery.Replica is { } replica && await AnswersAsync(replica, ct))
            return HealthCheckResult.Degraded("The PostgreSQL primary is unreachable; delivery reads come from the standby.");
        return HealthCheckResult.Unhealthy("PostgreSQL is unreachable.");
    }

    private static async Task<bool> AnswersAsync(NpgsqlDataSource source, CancellationToken ct)
    {
        try
        {
            await using var command = source.CreateCommand("select 1");
            await command.ExecuteScalarAsync(ct);
            return true;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            return false;
        }
    }
}

/// <summary>
/// The container's HEALTHCHECK: asks this process's own /health/live over loopback, on the port it was configured
/// to listen on (ASPNETCORE_URLS, else ASPNETCORE_HTTP_PORTS, else 8080), or at the URL given after the command.
/// </summary>
internal static class HealthProbe
{
    public static async Task<int> RunAsync(string[] args)
    {
        var url = args.Length > 1 ? args[1] : LiveUrl(Environment.GetEnvironmentVariable("ASPNETCORE_URLS"),
            Environment.GetEnvironmentVariable("ASPNETCORE_HTTP_PORTS"));
        try
        {
            using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
            using var response = await client.GetAsync(url);
            return response.IsSuccessStatusCode ? 0 : 1;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return 1;
        }
    }

    public static string LiveUrl(string? urls, string? httpPorts)
    {
        var listens = (urls ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        // Plain http when it listens on it too: the probe has no certificate to trust.
        var first = listens.FirstOrDefault(u => u.StartsWith("http://", StringComparison.OrdinalIgnoreCase)) ?? listens.FirstOrDefault();
        if (first is null)
        {
            var port = (httpPorts ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "8080";
            return $"http://127.0.0.1:{port}/health/live";
        }
        var scheme = first[..first.IndexOf("://", StringComparison.Ordinal)];
        var authority = first[(scheme.Length + 3)..].Split('/')[0];
        var colon = authority.LastIndexOf(':');
        var (host, portPart) = colon > authority.LastIndexOf(']') ? (authority[..colon], authority[colon..]) : (authority, "");
        // A wildcard or any-address listener is reached on loopback.
        if (host is "+" or "*" or "0.0.0.0" or "[::]" or "localhost")
            host = "127.0.0.1";
        return $"{scheme}://{host}{portPart}/health/live";
    }
}
