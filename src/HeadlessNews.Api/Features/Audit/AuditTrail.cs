using System.Globalization;
using System.Security.Claims;
using Dapper;
using HeadlessNews.Api.Infrastructure.Auth;
using HeadlessNews.Api.Infrastructure.Database;
using HeadlessNews.Api.Infrastructure.Http;
using Npgsql;

namespace HeadlessNews.Api.Features.Audit;

internal static class AuditCursor
{
    public static string Encode(long id) => Cursor.EncodeText("audit:" + id.ToString(CultureInfo.InvariantCulture));

    public static bool TryDecode(string? cursor, out long id)
    {
        id = 0;
        return Cursor.TryDecodeText(cursor, out var text) && text.StartsWith("audit:", StringComparison.Ordinal)
            && long.TryParse(text.AsSpan(6), NumberStyles.None, CultureInfo.InvariantCulture, out id);
    }
}

/// <summary>
/// Records every management write (and every export) made with a key, whatever its outcome: who (key id, name
/// and role), what (the operation), which resource, when, from where, and the status it got. Runs around
/// authorization, so refused attempts are recorded too. Reads of the management API are not recorded.
/// The entry is written before the request runs, in a short transaction of its own: a write that commits always
/// has its entry, however busy the database or however the process ends; if the entry cannot be written, the
/// request is not run (503). The status is filled in afterwards.
/// </summary>
internal sealed class AuditMiddleware(AuditDataSource audit, IProblemDetailsService problems, ILogger<AuditMiddleware> logger) : IMiddleware
{
    private NpgsqlDataSource Db => audit.Source;

    // Every delivery read passes through here: not async on the way through, so it costs no state machine.
    public Task InvokeAsync(HttpContext http, RequestDelegate next)
    {
        var request = http.Request;
        var audited = ManagementRequests.IsWrite(request) || request.Path.StartsWithSegments(ManagementRequests.Prefix + "/export");
        return audited && http.User.Identity?.IsAuthenticated == true ? AuditedAsync(http, next) : next(http);
    }

    private async Task AuditedAsync(HttpContext http, RequestDelegate next)
    {
        var request = http.Request;
        request.Path.StartsWithSegments(ManagementRequests.Prefix, out var rest);

        var segments = rest.Value!.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var actor = http.User.Actor();
        long id;
        try
        {
            id = await BeginAsync(http, actor, segments.FirstOrDefault());
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            // No entry, no write: the change would be unaccounted for.
            logger.LogWarning(e, "Could not write the audit entry for {Method} {Path}; refused with 503", request.Method, request.Path);
            http.Response.StatusCode = 503;
            http.Response.Headers.RetryAfter = "5";
            await problems.WriteAsync(new ProblemDetailsContext
            {
                HttpContext = http,
                ProblemDetails = { Status = 503, Title = "Service unavailable", Detail = "The audit trail cannot be written just now, so nothing was changed. Retry shortly." },
            });
            return;
        }

        try
        {
            await next(http);
        }
        catch (BadHttpRequestException bad)
        {
            await CompleteAsync(http, id, actor, bad.StatusCode);
            throw;
        }
        // Anything else thrown is answered by the exception handler, further out: its status stays unrecorded.
        await CompleteAsync(http, id, actor, http.Response.StatusCode);
    }

    private async Task<long> BeginAsync(HttpContext http, Actor actor, string? resourceType)
    {
        var request = http.Request;
        var entry = new
        {
            actor.KeyId, actor.KeyName, Role = http.User.FindFirstValue(ClaimTypes.Role),
            Action = http.GetEndpoint()?.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName ?? $"{request.Method} {request.Path}",
            request.Method, Path = request.Path.Value, ResourceType = resourceType, ResourceId = http.GetRouteValue("id")?.ToString(),
            ClientAddress = http.Connection.RemoteIpAddress?.ToString(),
        };
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var connection = await Db.OpenConnectionAsync(http.RequestAborted);
                return await connection.ExecuteScalarAsync<long>(new CommandDefinition(AuditSql.Insert, entry, cancellationToken: http.RequestAborted));
            }
            catch (NpgsqlException) when (attempt == 1)
            {
                // Idle connections of this pool may have died with a database restart: drop them and try once more.
                Db.Clear();
            }
        }
    }

    private async Task CompleteAsync(HttpContext http, long id, Actor actor, int statusCode)
    {
        var resourceId = statusCode == 201 ? http.Response.Headers.Location.ToString().Split('/').LastOrDefault() : null;
        // A few tries: the entry exists either way, but its status is what tells a refused attempt from a change.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var connection = await Db.OpenConnectionAsync(CancellationToken.None);
                await connection.ExecuteAsync(new CommandDefinition(AuditSql.Complete,
                    new { Id = id, StatusCode = statusCode, ResourceId = resourceId }, cancellationToken: CancellationToken.None));
                return;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                if (attempt == 3)
                {
                    logger.LogError(e, "Could not record the status of audit entry {Id} ({Method} {Path} by key {KeyId})", id,
                        http.Request.Method, http.Request.Path, actor.KeyId);
                    return;
                }
                await Task.Delay(200 * attempt);
            }
        }
    }
}

internal static class AuditEndpoints
{
    public static RouteHandlerBuilder MapAudit(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/v1/manage/audit", ListAudit).WithTags("Audit").WithName("ListAudit")
            .RequireAuthorization(Policies.Admin).RequireCors(CorsSetup.Management).WithValidation()
            .WithSummary("The audit trail, newest first")
            .WithDescription("Every management write and export: which key did what to which resource, when, from where, and its status. Admins only.");

    private static async Task<Microsoft.AspNetCore.Http.HttpResults.Ok<AuditList>> ListAudit(
        [AsParameters] AuditQuery query, NpgsqlDataSource db, CancellationToken ct)
    {
        var limit = query.Limit ?? 50;
        long? before = AuditCursor.TryDecode(query.Cursor, out var id) ? id : null;
        await using var connection = db.CreateConnection();
        var rows = (await connection.QueryAsync<AuditEntry>(new CommandDefinition(AuditSql.Page, new
        {
            keyId = query.KeyId, action = query.Action, resourceType = query.ResourceType, resourceId = query.ResourceId,
            since = query.Since?.UtcDateTime, until = query.Until?.UtcDateTime, before, limit = limit + 1,
        }, cancellationToken: ct))).AsList();
        return TypedResults.Ok(new AuditList(rows, Cursor.TrimToPage(rows, limit, last => AuditCursor.Encode(last.Id))));
    }
}

internal static class AuditSetup
{
    public static void AddAuditTrail(this IServiceCollection services)
    {
        services.AddSingleton(sp => new AuditDataSource(DatabaseExtensions.BuildDataSource(sp, OwnPool.Configure)));
        services.AddSingleton<AuditMiddleware>();
    }
}
