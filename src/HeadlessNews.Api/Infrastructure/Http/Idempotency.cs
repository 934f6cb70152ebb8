using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Dapper;
using HeadlessNews.Api.Infrastructure.Auth;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Npgsql;

namespace HeadlessNews.Api.Infrastructure.Http;

/// <summary>
/// Idempotency-Key on management POSTs, as payment APIs use it. The first request with a key claims it (a row with
/// the request's hash and a lease) and its response is stored; a retry with the same key and the same request gets
/// that response again (Idempotent-Replayed: true) without the work being done twice; the same key with another
/// request is 422. A retry that arrives while the first is still running waits for it (409 after WaitSeconds).
/// The claim's lease is renewed while the request runs; a claim whose lease has passed was abandoned and the next
/// retry takes it over. Keys belong to the API key that sent them and expire after RetentionHours. Server errors
/// are not kept, so they can be retried. Secrets in an answer (<see cref="SecretInAnswer"/>) are never stored.
/// </summary>
/// <remarks>
/// Each database statement here borrows a pooled connection only for itself: holding one while the endpoint opens
/// its own, or while a retry waits, let a burst of keyed POSTs take the whole pool and wait for it forever.
/// </remarks>
internal sealed class IdempotencyMiddleware(
    NpgsqlDataSource db, IOptions<HeadlessNewsOptions> options, IProblemDetailsService problems, ILogger<IdempotencyMiddleware> logger) : IMiddleware
{
    public const string Header = "Idempotency-Key";
    public const string SecretWithheldHeader = "Idempotent-Secret-Withheld";

    private sealed record Stored(byte[] RequestHash, DateTime? CompletedAt, int? StatusCode, string? ContentType, string? Location, string? Etag, byte[]? Body);


    // Every delivery read passes through here: not async on the way through, so it costs no state machine.
    public Task InvokeAsync(HttpContext http, RequestDelegate next)
    {
        var request = http.Request;
        return HttpMethods.IsPost(request.Method) && request.Path.StartsWithSegments(ManagementRequests.Prefix)
               && request.Headers.TryGetValue(Header, out var values) && http.User.KeyId() is { } keyId
            ? KeyedAsync(http, next, values, keyId)
            : next(http);
    }

    private async Task KeyedAsync(HttpContext http, RequestDelegate next, Microsoft.Extensions.Primitives.StringValues values, string keyId)
    {
        var request = http.Request;
        var key = values.ToString();
        if (values.Count != 1 || key.Length is 0 or > 255 || !key.All(c => c is >= ' ' and < '\u007f'))
        {
            // Like every 400, it names the field at fault under errors.
            http.Response.StatusCode = 400;
            await problems.WriteAsync(new ProblemDetailsContext
            {
                HttpContext = http,
                ProblemDetails = new HttpValidationProblemDetails(new Dictionary<string, string[]>
                {
                    [Header] = ["Idempotency-Key must be 1 to 255 printable ASCII characters, sent once."],
                }) { Status = 400, Title = "Invalid Idempotency-Key" },
            });
            return;
        }

        var hash = await HashAsync(request);
        var settings = options.Value.Idempotency;
        var claim = new IdempotencyClaim(keyId, key, Guid.NewGuid());
        var deadline = DateTime.UtcNow.AddSeconds(settings.WaitSeconds);
        var pause = TimeSpan.FromMilliseconds(50);
        while (true)
        {
            var (claimed, stored) = await ClaimAsync(claim, hash, settings, http.RequestAborted);
            if (claimed)
            {
                await RunAndStoreAsync(http, next, claim, TimeSpan.FromSeconds(settings.LeaseSeconds));
                return;
            }
            if (stored is null)
                continue; // It expired or was released between our two statements: claim again.
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
            // Many retries of one key poll without holding a connection; backing off keeps them from crowding the pool.
            await Task.Delay(pause + TimeSpan.FromMilliseconds(Random.Shared.Next(25)), http.RequestAborted);
            pause = TimeSpan.FromMilliseconds(Math.Min(pause.TotalMilliseconds * 2, 500));
        }
    }

    // Other keys past their retention are purged on the way; this key's own old row is taken over by the upsert.
    // A claim without a lease was made by a version that kept none: it is abandoned a minute after it was made.
    private const string TryClaim = """
        with purged as (
            delete from idempotency_keys
            where created_at < now() - make_interval(secs => @retentionSeconds) and not (key_id = @keyId and idempotency_key = @key)
        )
        insert into idempotency_keys as k (key_id, idempotency_key, request_hash, owner, lease_until)
        values (@keyId, @key, @hash, @owner, now() + make_interval(secs => @leaseSeconds))
        on conflict (key_id, idempotency_key) do update
        set request_hash = excluded.request_hash, owner = excluded.owner, lease_until = excluded.lease_until, created_at = now(),
            completed_at = null, status_code = null, content_type = null, location = null, etag = null, body = null
        where k.created_at < now() - make_interval(secs => @retentionSeconds)
           or (k.completed_at is null and coalesce(k.lease_until, k.created_at + interval '1 minute') < now()
               and k.request_hash = excluded.request_hash)
        returning owner
        """;

    private const string Find = """
        select request_hash, completed_at, status_code, content_type, location, etag, body
        from idempotency_keys where key_id = @keyId and idempotency_key = @key
        """;

    private const string Renew = """
        update idempotency_keys set lease_until = now() + make_interval(secs => @leaseSeconds)
        where key_id = @keyId and idempotency_key = @key and owner = @owner and completed_at is null
        """;

    internal const string Complete = """
        update idempotency_keys
        set completed_at = now(), status_code = @status, content_type = @contentType, location = @location, etag = @etag, body = @body
        where key_id = @keyId and idempotency_key = @key and owner = @owner
        """;

    private const string Release = "delete from idempotency_keys where key_id = @keyId and idempotency_key = @key and owner = @owner";

    private async Task<(bool Claimed, Stored? Stored)> ClaimAsync(IdempotencyClaim claim, byte[] hash, IdempotencySettings settings, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var owner = await connection.QuerySingleOrDefaultAsync<Guid?>(new CommandDefinition(TryClaim, new
        {
            claim.KeyId, claim.Key, hash, claim.Owner, retentionSeconds = settings.RetentionHours * 3600, leaseSeconds = settings.LeaseSeconds,
        }, cancellationToken: ct));
        if (owner == claim.Owner)
            return (true, null);
        return (false, await connection.QuerySingleOrDefaultAsync<Stored>(new CommandDefinition(Find, new { claim.KeyId, claim.Key }, cancellationToken: ct)));
    }

    private async Task RunAndStoreAsync(HttpContext http, RequestDelegate next, IdempotencyClaim claim, TimeSpan lease)
    {
        http.Features.Set(claim);
        var original = http.Response.Body;
        using var buffer = new MemoryStream();
        http.Response.Body = buffer;
        using var finished = new CancellationTokenSource();
        var renewing = RenewAsync(claim, lease, finished.Token);
        try
        {
            await next(http);
        }
        catch
        {
            await StopAsync(finished, renewing);
            await TryAsync(Release, claim, "release");
            throw;
        }
        finally
        {
            http.Response.Body = original;
        }
        await StopAsync(finished, renewing);

        var response = http.Response;
        if (claim.StoredWithWork)
        {
            // The write stored its answer in its own transaction (ArticleWriter): nothing left to keep.
        }
        else if (response.StatusCode >= 500)
            await TryAsync(Release, claim, "release");
        else
            await TryAsync(Complete, new
            {
                claim.KeyId, claim.Key, claim.Owner, status = response.StatusCode, contentType = response.ContentType,
                location = response.Headers.Location.ToString() is { Length: > 0 } location ? location : null,
                etag = response.Headers.ETag.ToString() is { Length: > 0 } etag ? etag : null,
                body = Storable(http, response.StatusCode, buffer.ToArray()),
            }, "store the response for");
        buffer.Position = 0;
        await buffer.CopyToAsync(original, http.RequestAborted);
    }

    private async Task RenewAsync(IdempotencyClaim claim, TimeSpan lease, CancellationToken finished)
    {
        using var timer = new PeriodicTimer(lease / 3);
        try
        {
            while (await timer.WaitForNextTickAsync(finished))
                await TryAsync(Renew, new { claim.KeyId, claim.Key, claim.Owner, leaseSeconds = lease.TotalSeconds }, "renew the claim on", finished);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static async Task StopAsync(CancellationTokenSource finished, Task renewing)
    {
        await finished.CancelAsync();
        await renewing;
    }

    /// <summary>
    /// Bookkeeping that fails (the database went away) must not replace the request's own outcome: the claim is then
    /// left to its lease, and once that passes a retry takes it over.
    /// </summary>
    private async Task TryAsync(string sql, object args, string what, CancellationToken ct = default)
    {
        try
        {
            await using var connection = db.CreateConnection();
            await connection.ExecuteAsync(new CommandDefinition(sql, args, cancellationToken: ct));
        }
        catch (NpgsqlException e)
        {
            logger.LogWarning(e, "Could not {What} an Idempotency-Key claim; it is left to its lease", what);
        }
    }

    /// <summary>
    /// The body as kept for replays: a secret the answer showed is blanked (null), so a replay cannot show it again.
    /// A body that cannot be read as a JSON object is not kept at all, rather than kept with a secret in it.
    /// </summary>
    internal static byte[] Storable(HttpContext http, int status, byte[] body)
    {
        if (SecretMember(http) is not { } member || status is < 200 or > 299)
            return body;
        try
        {
            if (JsonNode.Parse(body) is not JsonObject json)
                return [];
            json[member] = null;
            return Encoding.UTF8.GetBytes(json.ToJsonString());
        }
        catch (System.Text.Json.JsonException)
        {
            return [];
        }
    }

    private static string? SecretMember(HttpContext http) => http.GetEndpoint()?.Metadata.GetMetadata<SecretInAnswer>()?.Member;

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
        if (SecretMember(http) is { } member && response.StatusCode is >= 200 and <= 299)
            response.Headers[SecretWithheldHeader] = member;
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

/// <summary>
/// A claimed Idempotency-Key, as a request feature. A write that commits in one transaction stores its answer in that
/// transaction (<see cref="StoreWithWorkAsync"/>): if the process dies after the commit, a retry replays the answer
/// instead of running the request again.
/// </summary>
internal sealed class IdempotencyClaim(string keyId, string key, Guid owner)
{
    public string KeyId { get; } = keyId;
    public string Key { get; } = key;
    public Guid Owner { get; } = owner;

    /// <summary>True once a write's transaction holding the answer has committed.</summary>
    public bool StoredWithWork { get; private set; }

    /// <summary>
    /// Stores the answer in the write's transaction; call the action it returns once that has committed. The body must
    /// be the bytes the answer will carry.
    /// </summary>
    public async Task<Action> StoreWithWorkAsync(NpgsqlConnection connection, NpgsqlTransaction tx, int status, string contentType,
        string? location, string? etag, byte[] body, CancellationToken ct)
    {
        await connection.ExecuteAsync(new CommandDefinition(IdempotencyMiddleware.Complete, new
        {
            KeyId, Key, Owner, status, contentType, location, etag, body,
        }, tx, cancellationToken: ct));
        return () => StoredWithWork = true;
    }
}

/// <summary>
/// Writes that commit in one transaction store their Idempotency-Key answer in it (when the request carries a key):
/// the answer commits with the work or not at all. The body is written as the endpoint's answer will be, with any
/// secret withheld as the middleware would.
/// </summary>
internal sealed class IdempotentAnswers(IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json)
{
    /// <summary>Null without a key; otherwise call the action it returns once the transaction has committed.</summary>
    public async Task<Action?> StoreAsync<T>(HttpContext http, NpgsqlConnection connection, NpgsqlTransaction tx, int status, T answer,
        string? location, string? etag, CancellationToken ct)
    {
        if (http.Features.Get<IdempotencyClaim>() is not { } claim)
            return null;
        var body = IdempotencyMiddleware.Storable(http, status, System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(answer, json.Value.SerializerOptions));
        return await claim.StoreWithWorkAsync(connection, tx, status, "application/json; charset=utf-8", location, etag, body, ct);
    }
}

/// <summary>An operation whose successful answer shows a secret once, in this top-level JSON member.</summary>
internal sealed record SecretInAnswer(string Member);

internal static class SecretInAnswerExtensions
{
    /// <summary>Idempotent replays of this operation answer with the member null and say so in Idempotent-Secret-Withheld.</summary>
    public static RouteHandlerBuilder ShowsSecretOnce(this RouteHandlerBuilder builder, string member) =>
        builder.WithMetadata(new SecretInAnswer(member));
}
