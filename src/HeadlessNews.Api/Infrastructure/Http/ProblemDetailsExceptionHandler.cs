using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using HeadlessNews.Api.Infrastructure.Database;
using Npgsql;

namespace HeadlessNews.Api.Infrastructure.Http;

/// <summary>
/// Turns the failures we can explain into RFC 9457 problem responses:
/// binding failures keep their 4xx status, and 400s name the field at fault (see BindingProblems);
/// unique and foreign-key violations are 409; text PostgreSQL cannot store is 400;
/// a database that is unreachable, restarting or saturated (too many clients, our own pool exhausted) is 503 with
/// Retry-After, wherever in the exception's chain the database error is. Anything else is left to the default 500.
/// </summary>
internal sealed class ProblemDetailsExceptionHandler(
    IProblemDetailsService problemDetails, NpgsqlDataSource dataSource, DeliveryDataSource deliveryDataSource,
    ILogger<ProblemDetailsExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken ct)
    {
        if (exception is OperationCanceledException && context.RequestAborted.IsCancellationRequested)
            return true;

        var outage = OutageOf(exception);
        var problem = outage != Outage.None ? Unavailable(context, outage) : exception switch
        {
            BadHttpRequestException { InnerException: JsonException json } => InvalidJson(context, json),
            BadHttpRequestException { StatusCode: 400 } => BindingProblems.ForParameters(context),
            BadHttpRequestException bad => new ProblemDetails { Status = bad.StatusCode, Title = TitleFor(bad.StatusCode), Detail = bad.Message },
            PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } pg => Conflict(pg),
            PostgresException { SqlState: PostgresErrorCodes.ForeignKeyViolation } pg => Conflict(pg),
            PostgresException { SqlState: PostgresErrorCodes.CharacterNotInRepertoire or PostgresErrorCodes.UntranslatableCharacter
                or PostgresErrorCodes.StringDataRightTruncation or PostgresErrorCodes.InvalidTextRepresentation
                or PostgresErrorCodes.DatetimeFieldOverflow or PostgresErrorCodes.NumericValueOutOfRange } =>
                new HttpValidationProblemDetails(new Dictionary<string, string[]> { ["body"] = ["A value in the request cannot be stored."] })
                    { Status = 400, Title = "Invalid value", Detail = "A value in the request cannot be stored." },
            _ => null,
        };
        if (problem is null)
            return false;

        if (outage != Outage.None)
            logger.LogWarning(exception, "Database {Outage}", outage);
        // Idle pooled connections died with the server: drop them so the next request connects afresh. Not when it is
        // merely saturated: reconnecting everything would only add to the load.
        if (outage == Outage.Unreachable)
        {
            dataSource.Clear();
            deliveryDataSource.ClearAll();
        }
        context.Response.StatusCode = problem.Status!.Value;
        return await problemDetails.TryWriteAsync(new() { HttpContext = context, ProblemDetails = problem, Exception = exception });
    }

    private static ProblemDetails InvalidJson(HttpContext context, JsonException json)
    {
        var field = json.Path is null or "$" ? "body" : json.Path.TrimStart('$', '.');
        var message = json.Message switch
        {
            var m when m.Contains("could not be mapped", StringComparison.Ordinal) => $"'{field}' is not a field of this request (or may not be set here).",
            var m when m.Contains("doesn't allow null", StringComparison.Ordinal) => $"'{field}' must not be null.",
            var m when m.Contains("Duplicate property", StringComparison.Ordinal) => $"'{field}' appears more than once.",
            var m when m.Contains("missing required properties", StringComparison.Ordinal) =>
                "Required field(s) missing: " + m[(m.IndexOf("including: ", StringComparison.Ordinal) + 11)..].TrimEnd('.') + ".",
            _ => null,
        };
        if (message is null)
            return BindingProblems.ForJson(context, json, field);
        return new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [message] })
        {
            Status = 400,
            Title = "The request body is not valid JSON for this operation.",
        };
    }

    private static ProblemDetails Conflict(PostgresException pg) => new()
    {
        Status = 409,
        Title = "Conflict",
        Detail = pg.ConstraintName switch
        {
            "articles_slug_key" => "An article with this slug already exists.",
            "tags_slug_key" => "A tag with this slug already exists.",
            "article_tags_tag_id_fkey" => "The tag is still used by articles; remove it from them first.",
            _ => "The request conflicts with the current state of a resource.",
        },
    };

    private enum Outage { None, Unreachable, Saturated }

    /// <summary>The database could not be reached (refused, reset, shutting down, starting up): another server may answer.</summary>
    public static bool IsUnreachable(Exception exception) => OutageOf(exception) == Outage.Unreachable;

    private static Outage OutageOf(Exception exception)
    {
        // Libraries between us and Npgsql (caches, resilience pipelines) may wrap its exception.
        var db = exception as NpgsqlException;
        for (var inner = exception.InnerException; db is null && inner is not null; inner = inner.InnerException)
            db = inner as NpgsqlException;
        return db switch
        {
            null => Outage.None,
            // Class 53, insufficient resources: too many connections (for the server or the role), out of memory, disk full.
            PostgresException pg when pg.SqlState.StartsWith("53", StringComparison.Ordinal) => Outage.Saturated,
            // Connection exceptions, server shutting down, crashed or still starting up (57P03 cannot connect now).
            PostgresException pg when pg.SqlState.StartsWith("08", StringComparison.Ordinal) || pg.SqlState.StartsWith("57P", StringComparison.Ordinal) =>
                Outage.Unreachable,
            // Writers still in conflict after the write path's retries (Retrying): nothing was changed, try again.
            PostgresException pg when Retrying.IsConflict(pg) => Outage.Saturated,
            PostgresException => Outage.None,
            // Our pool had no free connection in time, or a command timed out.
            { InnerException: TimeoutException } => Outage.Saturated,
            // Refused, reset, broken streams: Npgsql's own exceptions are about reaching the server.
            _ => Outage.Unreachable,
        };
    }

    private static ProblemDetails Unavailable(HttpContext context, Outage outage)
    {
        context.Response.Headers.RetryAfter = "5";
        return new ProblemDetails
        {
            Status = 503,
            Title = "Service unavailable",
            Detail = outage == Outage.Saturated ? "The database is busy. Retry shortly." : "The database is unavailable. Retry shortly.",
        };
    }

    private static string TitleFor(int status) => status switch
    {
        413 => "Request body too large",
        415 => "Unsupported media type",
        _ => "Bad request",
    };
}
