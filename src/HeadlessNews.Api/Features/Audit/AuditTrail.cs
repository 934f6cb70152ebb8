using System.Globalization;
using System.Security.Claims;
using Dapper;
using HeadlessNews.Api.Infrastructure.Auth;
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
/// </summary>
internal sealed class AuditMiddleware(NpgsqlDataSource db, ILogger<AuditMiddleware> logger) : IMiddleware
{
    public async Task InvokeAsync(HttpContext http, RequestDelegate next)
    {
        var request = http.Request;
        request.Path.StartsWithSegments(ManagementRequests.Prefix, out var rest);
        var audited = ManagementRequests.IsWrite(request) || request.Path.StartsWithSegments(ManagementRequests.Prefix + "/export");
        await next(http);
        if (!audited || http.User.Identity?.IsAuthenticated != true)
            return;

        var segments = rest.Value!.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var resourceId = http.GetRouteValue("id")?.ToString()
                         ?? (http.Response.StatusCode == 201 ? http.Response.Headers.Location.ToString().Split('/').LastOrDefault() : null);
        var actor = http.User.Actor();
        try
        {
            await using var connection = db.CreateConnection();
            await connection.ExecuteAsync(new CommandDefinition(AuditSql.Insert, new
            {
                actor.KeyId, actor.KeyName, Role = http.User.FindFirstValue(ClaimTypes.Role),
                Action = http.GetEndpoint()?.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName ?? $"{request.Method} {request.Path}",
                request.Method, Path = request.Path.Value, ResourceType = segments.FirstOrDefault(), ResourceId = resourceId,
                http.Response.StatusCode, ClientAddress = http.Connection.RemoteIpAddress?.ToString(),
            }, cancellationToken: CancellationToken.None));
        }
        catch (NpgsqlException e)
        {
            // The change itself has happened (or been refused); losing its audit line must be loud.
            logger.LogError(e, "Could not write the audit entry for {Method} {Path} by key {KeyId}", request.Method, request.Path, actor.KeyId);
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
    public static void AddAuditTrail(this IServiceCollection services) => services.AddSingleton<AuditMiddleware>();
}
