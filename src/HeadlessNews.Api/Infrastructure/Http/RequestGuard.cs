using Microsoft.Extensions.Options;

namespace HeadlessNews.Api.Infrastructure.Http;

/// <summary>
/// Checks every request before routing: refuses API keys in the query string (they end up in logs and
/// browser history), bodies over the size limit, and query strings with control characters. Also writes
/// the request log line, with the path only, so a query string is never logged.
/// </summary>
internal sealed class RequestGuard(RequestDelegate next, IOptions<HeadlessNewsOptions> options, ILogger<RequestGuard> logger)
{
    private static readonly string[] KeyLikeParameters = ["key", "api_key", "apikey", "api-key", "access_token", "token", "authorization"];

    public Task InvokeAsync(HttpContext context)
    {
        var problem = Check(context.Request);
        // Nothing to refuse and no line to write: not async, no state machine for the request.
        return problem is null && !logger.IsEnabled(LogLevel.Information) ? next(context) : GuardAsync(context, problem);
    }

    private async Task GuardAsync(HttpContext context, (int Status, string Title, string Detail, string? Field)? problem)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        if (problem is { Field: { } field } invalid)
            await Results.Problem(new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [invalid.Detail] })
                { Status = invalid.Status, Title = invalid.Title, Detail = invalid.Detail }).ExecuteAsync(context);
        else if (problem is { } p)
            await Results.Problem(statusCode: p.Status, title: p.Title, detail: p.Detail).ExecuteAsync(context);
        else
            await next(context);
        // Checked first: the arguments are boxed into an array before the logger could say it is off.
        if (logger.IsEnabled(LogLevel.Information))
            logger.LogInformation("{Method} {Path} {Status} {Elapsed:0.0}ms", context.Request.Method, context.Request.Path,
                context.Response.StatusCode, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    // Field: the query parameter at fault, for 400s, so they carry per-field errors like every other 400.
    private (int Status, string Title, string Detail, string? Field)? Check(HttpRequest request)
    {
        foreach (var name in request.Query.Keys)
        {
            if (KeyLikeParameters.Contains(name, StringComparer.OrdinalIgnoreCase))
                return (400, "API key in query string",
                    "API keys are accepted only in the Authorization header as 'Bearer <key>', never in the query string.", name);
        }
        if (request.QueryString.HasValue && (!IsValidUtf8(request.QueryString.Value!) || ContainsControlCharacters(request.Query)))
            return (400, "Invalid query string", "Query parameters must be valid UTF-8 without control characters.", "query");
        // Bulk import streams archives far larger than any other request (its endpoint sets its own limit).
        if (request.ContentLength > options.Value.MaxRequestBodyBytes && !request.Path.StartsWithSegments("/api/v1/manage/import"))
            return (413, "Request body too large", $"The request body must be at most {options.Value.MaxRequestBodyBytes} bytes.", null);
        return null;
    }

    // The framework quietly turns invalid percent-encoded UTF-8 into U+FFFD; we would rather say so.
    private static bool IsValidUtf8(string rawQuery)
    {
        if (!rawQuery.Contains('%'))
            return true;
        var bytes = new List<byte>(rawQuery.Length);
        for (var i = 0; i < rawQuery.Length; i++)
        {
            if (rawQuery[i] == '%' && i + 2 < rawQuery.Length && byte.TryParse(rawQuery.AsSpan(i + 1, 2), System.Globalization.NumberStyles.HexNumber, null, out var b))
            {
                bytes.Add(b);
                i += 2;
            }
            else
            {
                bytes.AddRange(System.Text.Encoding.UTF8.GetBytes(rawQuery[i].ToString()));
            }
        }
        return System.Text.Unicode.Utf8.IsValid(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes));
    }

    private static bool ContainsControlCharacters(IQueryCollection query) =>
        query.Any(pair => pair.Key.Any(char.IsControl) || pair.Value.Any(v => v is not null && v.Any(char.IsControl)));
}
