using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using HeadlessNews.Api.Infrastructure.Auth;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace HeadlessNews.Api.Infrastructure.Http;

/// <summary>Rate limits under "HeadlessNews:RateLimits" (per minute, token buckets that refill steadily).</summary>
public sealed class RateLimitOptions
{
    public const string Section = "HeadlessNews:RateLimits";

    public bool Enabled { get; set; } = true;

    /// <summary>Requests per minute from one client address without a key.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, int.MaxValue, ErrorMessage = "HeadlessNews:RateLimits:AnonymousPerMinute must be at least 1.")]
    public int AnonymousPerMinute { get; set; } = 3600;

    /// <summary>Requests per minute for one partner key, unless the key carries its own quota.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, int.MaxValue, ErrorMessage = "HeadlessNews:RateLimits:PartnerPerMinute must be at least 1.")]
    public int PartnerPerMinute { get; set; } = 6000;

    /// <summary>Requests per minute for one reader, editor or admin key, unless the key carries its own quota.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, int.MaxValue, ErrorMessage = "HeadlessNews:RateLimits:KeyPerMinute must be at least 1.")]
    public int KeyPerMinute { get; set; } = 6000;

    /// <summary>Management writes (POST, PUT, DELETE under /api/v1/manage) per minute for one key, on top of the above.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, int.MaxValue, ErrorMessage = "HeadlessNews:RateLimits:ManagementWritesPerMinute must be at least 1.")]
    public int ManagementWritesPerMinute { get; set; } = 600;

    /// <summary>
    /// Lookups of well-formed keys that are not found, per minute from one client address; past that, its requests
    /// with a key not seen valid recently are refused 429 without a lookup.
    /// </summary>
    [System.ComponentModel.DataAnnotations.Range(1, int.MaxValue, ErrorMessage = "HeadlessNews:RateLimits:UnknownKeysPerMinute must be at least 1.")]
    public int UnknownKeysPerMinute { get; set; } = 30;

    /// <summary>Let loopback callers through unlimited. For local tools only; off by default.</summary>
    public bool ExemptLoopback { get; set; }

    /// <summary>
    /// Count every instance's requests together, in PostgreSQL (see SharedRateLimits); off: each instance limits on its
    /// own, so N instances allow N times the limit.
    /// </summary>
    public bool Shared { get; set; }
}

/// <summary>
/// Limits every request by who makes it: the authenticated key when there is one, otherwise the connection's
/// address. Never by anything a caller can vary in a header or body (no X-Forwarded-For unless an operator sets
/// up forwarded headers for known proxies). Every answer carries RateLimit-Limit, -Remaining and -Reset; a refused
/// request gets 429 with Retry-After and a problem body. Health probes are never limited.
/// </summary>
internal sealed class RateLimitMiddleware : IMiddleware, IAsyncDisposable
{
    public const string KeyQuotaClaim = "headlessnews:requests_per_minute";

    private readonly RateLimitOptions _options;
    private readonly IProblemDetailsService _problems;
    private readonly PartitionedRateLimiter<HttpContext> _requests;
    private readonly PartitionedRateLimiter<HttpContext> _writes;
    private readonly SharedRateLimits _shared;
    private readonly ILogger<RateLimitMiddleware> _logger;
    private long _sharedFailedUntil;

    public RateLimitMiddleware(IOptions<RateLimitOptions> options, IProblemDetailsService problems, SharedRateLimits shared, ILogger<RateLimitMiddleware> logger)
    {
        _options = options.Value;
        _problems = problems;
        _shared = shared;
        _logger = logger;
        _requests = PartitionedRateLimiter.Create<HttpContext, (string Who, int PerMinute)>(http =>
        {
            var quota = RequestQuota(http);
            return RateLimitPartition.GetTokenBucketLimiter(quota, key => Bucket(key.PerMinute));
        });
        _writes = PartitionedRateLimiter.Create<HttpContext, (string Who, int PerMinute)>(http =>
            RateLimitPartition.GetTokenBucketLimiter((Who: Who(http), PerMinute: _options.ManagementWritesPerMinute), key => Bucket(key.PerMinute)));
    }

    // Not async for a request it lets through unlimited: no state machine for it.
    public Task InvokeAsync(HttpContext http, RequestDelegate next) =>
        !_options.Enabled || http.Request.Path.StartsWithSegments("/health")
        || (_options.ExemptLoopback && http.Connection.RemoteIpAddress is { } ip && System.Net.IPAddress.IsLoopback(ip))
            ? next(http)
            : LimitAsync(http, next);

    private async Task LimitAsync(HttpContext http, RequestDelegate next)
    {

        // Authentication refused to look up one more unknown key from this address (UnknownKeys).
        if (http.Items[ApiKeyAuthenticationHandler.UnknownKeysRetryAfter] is TimeSpan wait)
        {
            await RejectAsync(http, wait, _options.UnknownKeysPerMinute, "This client has sent too many unknown API keys.");
            return;
        }

        if (_options.Shared && Environment.TickCount64 >= Interlocked.Read(ref _sharedFailedUntil))
        {
            bool? admitted = null;
            try
            {
                admitted = await AdmitSharedAsync(http);
            }
            catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException && !http.Response.HasStarted && !http.RequestAborted.IsCancellationRequested)
            {
                // No shared store: each instance limits on its own until it answers again (asked again in 5 s).
                Interlocked.Exchange(ref _sharedFailedUntil, Environment.TickCount64 + 5000);
                _logger.LogWarning(e, "Shared rate limits are unavailable; limiting per instance for 5 s");
            }
            if (admitted is { } shared)
            {
                // The request runs outside the try: its own database errors are not the limiter's.
                if (shared)
                    await next(http);
                return;
            }
        }

        using var lease = await _requests.AcquireAsync(http, 1, http.RequestAborted);
        var perMinute = RequestQuota(http).PerMinute;
        if (!lease.IsAcquired)
        {
            await RejectAsync(http, lease, perMinute, "This client has made too many requests.");
            return;
        }
        SetHeaders(http, perMinute, _requests.GetStatistics(http)?.CurrentAvailablePermits ?? 0);

        if (ManagementRequests.IsWrite(http.Request))
        {
            using var write = await _writes.AcquireAsync(http, 1, http.RequestAborted);
            if (!write.IsAcquired)
            {
                await RejectAsync(http, write, _options.ManagementWritesPerMinute, "This key has made too many management writes.");
                return;
            }
        }
        await next(http);
    }

    /// <summary>True: go on; false: refused (the 429 is written).</summary>
    private async Task<bool> AdmitSharedAsync(HttpContext http)
    {
        var (who, perMinute) = RequestQuota(http);
        var taken = await _shared.TryTakeAsync(who, perMinute, http.RequestAborted);
        if (!taken.Acquired)
        {
            await RejectAsync(http, TimeSpan.FromSeconds(taken.RetryAfterSeconds), perMinute, "This client has made too many requests.");
            return false;
        }
        if (ManagementRequests.IsWrite(http.Request))
        {
            var write = await _shared.TryTakeAsync("writes:" + Who(http), _options.ManagementWritesPerMinute, http.RequestAborted);
            if (!write.Acquired)
            {
                await RejectAsync(http, TimeSpan.FromSeconds(write.RetryAfterSeconds), _options.ManagementWritesPerMinute, "This key has made too many management writes.");
                return false;
            }
        }
        SetHeaders(http, perMinute, (long)Math.Floor(taken.Remaining));
        return true;
    }

    // The authenticated key, else the address of the connection itself.
    private static string Who(HttpContext http) =>
        http.User.Identity?.IsAuthenticated == true && http.User.KeyId() is { } id
            ? "key:" + id
            : "ip:" + (http.Connection.RemoteIpAddress?.ToString() ?? "unknown");

    private (string Who, int PerMinute) RequestQuota(HttpContext http)
    {
        var who = Who(http);
        if (!who.StartsWith("key:", StringComparison.Ordinal))
            return (who, _options.AnonymousPerMinute);
        if (int.TryParse(http.User.FindFirstValue(KeyQuotaClaim), CultureInfo.InvariantCulture, out var own))
            return (who, own);
        return (who, http.User.IsInRole(Roles.Partner) ? _options.PartnerPerMinute : _options.KeyPerMinute);
    }

    // A full bucket allows a burst of a minute's quota; it refills evenly, at least once a second.
    private static TokenBucketRateLimiterOptions Bucket(int perMinute) => new()
    {
        TokenLimit = Math.Max(1, perMinute),
        ReplenishmentPeriod = perMinute >= 60 ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(60.0 / Math.Max(1, perMinute)),
        TokensPerPeriod = Math.Max(1, perMinute / 60),
        QueueLimit = 0,
        AutoReplenishment = true,
    };

    private static void SetHeaders(HttpContext http, int perMinute, long remaining)
    {
        var headers = http.Response.Headers;
        headers["RateLimit-Limit"] = perMinute.ToString(CultureInfo.InvariantCulture);
        headers["RateLimit-Remaining"] = remaining.ToString(CultureInfo.InvariantCulture);
        // Seconds until the bucket is full again.
        var perSecond = Math.Max(1, perMinute / 60.0);
        headers["RateLimit-Reset"] = ((long)Math.Ceiling((perMinute - remaining) / perSecond)).ToString(CultureInfo.InvariantCulture);
        headers["RateLimit-Policy"] = $"{perMinute};w=60";
    }

    private Task RejectAsync(HttpContext http, RateLimitLease lease, int perMinute, string detail) =>
        RejectAsync(http, lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1), perMinute, detail);

    private async Task RejectAsync(HttpContext http, TimeSpan retryAfter, int perMinute, string detail)
    {
        var seconds = Math.Max(1, (long)Math.Ceiling(retryAfter.TotalSeconds));
        SetHeaders(http, perMinute, 0);
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        await _problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = new ProblemDetails
            {
                Status = 429,
                Title = "Too many requests",
                Detail = $"{detail} The limit is {perMinute} per minute; try again in {seconds} s.",
            },
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _requests.DisposeAsync();
        await _writes.DisposeAsync();
    }
}

internal static class RateLimits
{
    public static void AddRateLimits(this IServiceCollection services)
    {
        services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<RateLimitMiddleware>();
        services.AddSingleton<SharedRateLimits>();
    }

    public static void UseRateLimits(this WebApplication app) => app.UseMiddleware<RateLimitMiddleware>();
}
