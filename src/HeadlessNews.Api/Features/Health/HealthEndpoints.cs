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

internal sealed class DatabaseHealthCheck(NpgsqlDataSource dataSource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        try
        {
            await using var command = dataSource.CreateCommand("select 1");
            await command.ExecuteScalarAsync(ct);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("PostgreSQL is unreachable.");
        }
    }
}

/// <summary>The container's HEALTHCHECK: asks this process's own /health/live over loopback.</summary>
internal static class HealthProbe
{
    public static async Task<int> RunAsync(string[] args)
    {
        var url = args.Length > 1 ? args[1] : "http://127.0.0.1:8080/health/live";
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
}
