using System.Security.Cryptography;
using System.Text;
using Dapper;
using HeadlessNews.Api.Infrastructure.Auth;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Npgsql;

namespace HeadlessNews.Api.Infrastructure.Http;

/// <summary>
/// Idempotency-Key on management POSTs, as payment APIs use it. The first request with a key claims it (a row with
/// the request's hash) and its response is stored; a retry with the same key and the same request gets that
/// response again (Idempotent-Replayed: true) without the work being done twice; the same key with another request
/// is 422. A retry that arrives while the first is still running waits for it. Keys belong to the API key that sent
/// them and expire after HeadlessNews:Idempotency:RetentionHours. Server errors are not kept, so they can be retried.
/// </summary>
internal sealed class IdempotencyMiddleware(NpgsqlDataSource db, IOptions<HeadlessNewsOptions> options, IProblemDetailsService problems) : IMiddleware
{
    public const string Header = "Idempotency-Key";

    private sealed record Stored(byte[] RequestHash, DateTime? CompletedAt, int? StatusCode, string? ContentType, string? Location, string? Etag, byte[]? Body);

    public async Task InvokeAsync(HttpContext http, RequestDelegate next)
    {
        var request = http.Request;
        if (!HttpMethods.IsPost(request.Method) || !request.Path.StartsWithSegments(ManagementRequests.Prefix)
            || !request.Headers.TryGetValue(Header, out var values) || http.User.KeyId() is not { } keyId)
        {
            await next(http);
            return;
        }
        var key = values.ToString();
        if (values.Count != 1 || key.Length is 0 or > 255 || !key.All(c => c is >= ' ' and < '\u007f'))
        {
            await ProblemAsync(http, 400, "Invalid Idempotency-Key", "Idempotency-Key must be 1 to 255 printable ASCII characters, sent once.");
            return;
        }

        var hash = await HashAsync(request);
        var settings = options.Value.Idempotency;
        var deadline = DateTime.UtcNow.AddSeconds(settings.WaitSeconds);
        while (true)
        {
            await using var connection = await db.OpenConnectionAsync(http.RequestAborted);
            await connection.ExecuteAsync(new CommandDefinition(Expire,
                new { keyId, key, retentionSeconds = settings.RetentionHours * 3600 }, cancellationToken: http.RequestAborted));
            var claimed = await connection.ExecuteAsync(new CommandDefinition(Claim, new { keyId, key, hash }, cancellationToken: http.RequestAborted)) == 1;
            if (claimed)
            {
                await RunAndStoreAsync(http, next, connection, keyId, key);
                return;
            }
            var stored = await connection.QuerySingleOrDefaultAsync<Stored>(new CommandDefinition(Find, new { keyId, key }, cancellationToken: http.RequestAborted));
            if (stored is null)
                continue; // It expired or failed between our two statements: claim again.
            if (!CryptographicOperations.FixedTimeEquals(stored.RequestHash, hash))
            {
                await ProblemAsync(http, 422, "Idempotency-Key reused",
                    "This Idempotency-Key was already used with a different request. Use a new key for a new request.");
                return;
            }
            if (stored.CompletedAt is not null)
            {
                await ReplayAsync(http, stored);
                return;
            }
            if (DateTime.UtcNow > deadline)
            {
                await ProblemAsync(http, 409, "Request in progress", "A request with this Idempotency-Key is still being processed; retry shortly.");
                return;
            }
            await Task.Delay(100, http.RequestAborted);
        }
    }

    private const string Expire = "delete from idempotency_keys where created_at < now() - make_interval(secs => @retentionSeconds)";

    private const string Claim = """
        insert into idempotency_keys (key_id, idempotency_key, request_hash) values (@keyId, @key, @hash)
        on conflict do nothing;
        """;

    private const string Find = """
        select request_hash, completed_at, status_code, content_type, location, etag, body
        from idempotency_keys where key_id = @keyId and idempotency_key = @key
        """;

    private const string Complete = """
        update idempotency_keys
        set completed_at = now(), status_code = @status, content_type = @contentType, location = @location, etag = @etag, body = @body
        where key_id = @keyId and idempotency_key = @key
        """;

    private const string Release = "delete from idempotency_keys where key_id = @keyId and idempotency_key = @key";

    private static async Task RunAndStoreAsync(HttpContext http, RequestDelegate next, NpgsqlConnection connection, string keyId, string key)
    {
        var original = http.Response.Body;
        using var buffer = new MemoryStream();
        http.Response.Body = buffer;
        try
        {
            await next(http);
        }
        catch
        {
            await connection.ExecuteAsync(new CommandDefinition(Release, new { keyId, key }, cancellationToken: CancellationToken.None));
            throw;
        }
        finally
        {
            http.Response.Body = original;
        }

        var response = http.Response;
        if (response.StatusCode >= 500)
            await connection.ExecuteAsync(new CommandDefinition(Release, new { keyId, key }, cancellationToken: CancellationToken.None));
        else
            await connection.ExecuteAsync(new CommandDefinition(Complete, new
            {
                keyId, key, status = response.StatusCode, contentType = response.ContentType,
                location = response.Headers.Location.ToString() is { Length: > 0 } location ? location : null,
                etag = response.Headers.ETag.ToString() is { Length: > 0 } etag ? etag : null,
                body = buffer.ToArray(),
            }, cancellationToken: CancellationToken.None));
        buffer.Position = 0;
        await buffer.CopyToAsync(original, http.RequestAborted);
    }

    private static async Task ReplayAsync(HttpContext http, Stored stored)
    {
        var response = http.Response;
        response.StatusCode = stored.StatusCode!.Value;
        if (stored.ContentType is not null)
            response.ContentType = stored.ContentType;
        if (stored.Location is not null)
            response.Headers.Location = stored.Location;
        if (stored.Etag is not null)
            response.Headers.ETag = stored.Etag;
        response.Headers["Idempotent-Replayed"] = "true";
        if (stored.Body is { Length: > 0 } body)
            await response.Body.WriteAsync(body, http.RequestAborted);
    }

    /// <summary>The request as the API sees it: method, path, query and body bytes.</summary>
    private static async Task<byte[]> HashAsync(HttpRequest request)
    {
        request.EnableBuffering();
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(Encoding.UTF8.GetBytes($"{request.Method} {request.Path}{request.QueryString}\n"));
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(buffer, request.HttpContext.RequestAborted)) > 0)
            sha.AppendData(buffer, 0, read);
        request.Body.Position = 0;
        return sha.GetHashAndReset();
    }

    private Task ProblemAsync(HttpContext http, int status, string title, string detail)
    {
        http.Response.StatusCode = status;
        return problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail },
        }).AsTask();
    }
}
