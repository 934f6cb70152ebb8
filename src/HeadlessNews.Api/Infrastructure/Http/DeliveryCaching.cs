using System.Buffers;
using System.IO.Hashing;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dapper;
using HeadlessNews.Api.Infrastructure.Cluster;
using HeadlessNews.Api.Infrastructure.Database;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.ObjectPool;
using Microsoft.Extensions.Options;
using Npgsql;

namespace HeadlessNews.Api.Infrastructure.Http;

/// <summary>Cache settings under "HeadlessNews:Caching".</summary>
public sealed class CachingOptions
{
    public const string Section = "HeadlessNews:Caching";

    /// <summary>Cache-Control max-age on delivery responses, in seconds.</summary>
    [System.ComponentModel.DataAnnotations.Range(0, int.MaxValue, ErrorMessage = "HeadlessNews:Caching:MaxAgeSeconds must be at least 0.")]
    public int MaxAgeSeconds { get; set; } = 60;

    /// <summary>Cache-Control stale-while-revalidate on delivery responses, in seconds.</summary>
    [System.ComponentModel.DataAnnotations.Range(0, int.MaxValue, ErrorMessage = "HeadlessNews:Caching:StaleWhileRevalidateSeconds must be at least 0.")]
    public int StaleWhileRevalidateSeconds { get; set; } = 300;

    /// <summary>Cache-Control max-age on comment lists, in seconds: short, since a new comment should show soon even through caches that are not purged.</summary>
    [System.ComponentModel.DataAnnotations.Range(0, int.MaxValue, ErrorMessage = "HeadlessNews:Caching:CommentsMaxAgeSeconds must be at least 0.")]
    public int CommentsMaxAgeSeconds { get; set; } = 10;

    /// <summary>How long this process keeps a delivery response; 0 turns the in-process cache off.</summary>
    [System.ComponentModel.DataAnnotations.Range(0, int.MaxValue, ErrorMessage = "HeadlessNews:Caching:InProcessSeconds must be at least 0.")]
    public int InProcessSeconds { get; set; } = 30;

    /// <summary>
    /// The most the in-process cache holds, in megabytes of response bodies; beyond it, new responses are not kept
    /// until older ones expire or are evicted.
    /// </summary>
    [System.ComponentModel.DataAnnotations.Range(1, 1_000_000, ErrorMessage = "HeadlessNews:Caching:InProcessMaxMegabytes must be from 1 to 1000000.")]
    public int InProcessMaxMegabytes { get; set; } = 64;
}

/// <summary>A delivery response as it goes on the wire, with its validators and the keys it depends on.</summary>
// Immutable (never changed once built): HybridCache hands back the object it keeps instead of deserializing a copy
// of it on every hit.
[System.ComponentModel.ImmutableObject(true)]
internal sealed record DeliveryResponse(ReadOnlyMemory<byte> Body, string ContentType, string ETag, DateTimeOffset LastModified, string[] Keys);

/// <summary>A delivery body that is not JSON (feeds, sitemaps): handlers return it and the cache keeps its bytes.</summary>
internal sealed record RawBody(byte[] Bytes, string ContentType);

/// <summary>
/// Surrogate keys name what a delivery response shows, so a change can purge exactly the responses it
/// touches: here in process (HybridCache tags) and in a CDN (the Surrogate-Key header).
/// </summary>
internal static class SurrogateKeys
{
    public const string All = "delivery";
    public const string Lists = "list";
    public const string Related = "related";
    private const string ItemsKey = "headlessnews.surrogate-keys";

    public static string Article(Guid id) => $"article:{id:N}";

    /// <summary>The comment lists of an article (its conversation, replies included).</summary>
    public static string Comments(Guid articleId) => $"comments:{articleId:N}";

    public static void Add(HttpContext http, IEnumerable<string> keys)
    {
        if (http.Items[ItemsKey] is not HashSet<string> set)
            http.Items[ItemsKey] = set = [All];
        set.UnionWith(keys);
    }

    public static string[] Of(HttpContext http) => http.Items[ItemsKey] is HashSet<string> set ? [.. set.Order()] : [All];
}

/// <summary>
/// Purges delivery responses after a write. Call it after the write has committed: it tells the other instances
/// (CachePurgeBus, which also makes this instance's delivery reads wait for a standby to replay the write), purges
/// this process's cache, and queues the edge purge (EdgePurger), which the answer does not wait for.
/// </summary>
internal sealed class DeliveryCacheInvalidator(HybridCache cache, CachePurgeBus bus, EdgePurger edge)
{
    private long _generation;

    /// <summary>Changes on every purge, so a response read before a purge is never stored after it.</summary>
    public long Generation => Interlocked.Read(ref _generation);

    public async Task InvalidateAsync(params string[] keys)
    {
        await bus.PublishAsync(keys);
        await PurgeLocallyAsync(keys);
        edge.Enqueue(keys);
    }

    /// <summary>This process's cache only (another instance's purge, heard by CachePurgeListener).</summary>
    public async Task PurgeLocallyAsync(string[] keys)
    {
        Interlocked.Increment(ref _generation);
        await cache.RemoveByTagAsync(keys);
    }

    // A reference, so readers never see a generation paired with another generation's time.
    private sealed record Scheduled(long Generation, DateTime? At);

    private Scheduled? _nextScheduled;

    /// <summary>
    /// When the next scheduled article goes live. Only a write can change it, so it is asked of the database
    /// once per purge generation, and again once that time has passed.
    /// </summary>
    public async Task<DateTime?> NextScheduledPublishAsync(NpgsqlDataSource db, CancellationToken ct)
    {
        var known = _nextScheduled;
        if (known is not null && known.Generation == Generation && (known.At is null || known.At > DateTime.UtcNow))
            return known.At;
        var generation = Generation;
        await using var connection = db.CreateConnection();
        var at = await connection.ExecuteScalarAsync<DateTime?>(new CommandDefinition(
            "select min(published_at) from articles where status = 'scheduled' and not article_is_public(status, published_at)", cancellationToken: ct));
        _nextScheduled = new Scheduled(generation, at);
        return at;
    }

    public Task ArticleChangedAsync(Guid id) => InvalidateAsync(SurrogateKeys.Article(id), SurrogateKeys.Lists, SurrogateKeys.Related);

    public Task EverythingChangedAsync() => InvalidateAsync(SurrogateKeys.All);
}

/// <summary>
/// Every delivery GET goes through here: the response is serialized once, given a weak ETag (a hash of
/// its bytes) and a Last-Modified, answered with 304 when the client's validators still match, and kept
/// in process until a write purges it, its time runs out, or a scheduled article goes live.
/// </summary>
internal sealed class DeliveryCacheFilter(
    HybridCache cache,
    DeliveryCacheInvalidator invalidator,
    DeliveryDataSource db,
    ReplicaState replica,
    IOptions<JsonOptions> json,
    IOptions<CachingOptions> options) : IEndpointFilter
{
    private static readonly HybridCacheEntryOptions PeekOnly = new()
    {
        Flags = HybridCacheEntryFlags.DisableLocalCacheWrite | HybridCacheEntryFlags.DisableDistributedCacheWrite,
    };

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var settings = options.Value;
        // Hashing the canonical request only serves the in-process cache.
        var key = settings.InProcessSeconds > 0 ? CacheKey(http) : "";

        Dictionary<string, HashSet<string>?>? selection = null;
        var sparse = http.GetEndpoint()?.Metadata.GetMetadata<SparseFieldsMetadata>();
        if (sparse is not null && http.Request.Query.TryGetValue("fields", out var fields))
        {
            if (!sparse.TryParse(fields.ToString(), out selection, out var unknown))
                return Problems.Invalid("fields", unknown.Length == 0
                    ? "fields must name at least one field."
                    : $"Unknown field(s): {string.Join(", ", unknown)}. Known: {string.Join(", ", sparse.Allowed)}.");
        }

        // Taken before anything is read: a purge after this point may have made what follows stale.
        var generation = invalidator.Generation;
        var stale = false;
        // The pooled buffer this request's body was written into, if it was built here; returned once the body is sent.
        ArrayBufferWriter<byte>? lease = null;
        var response = settings.InProcessSeconds > 0
            ? await cache.GetOrCreateAsync(key, _ => ValueTask.FromResult<DeliveryResponse?>(null), PeekOnly, cancellationToken: http.RequestAborted)
            : null;
        if (response is null)
        {
            object? result;
            var onReplica = db.HasReplica && replica.UseReplica;
            try
            {
                result = await next(context);
            }
            // The standby went away (or cancelled the query to replay WAL) since the monitor last looked: the primary answers.
            catch (NpgsqlException e) when (onReplica && !http.RequestAborted.IsCancellationRequested)
            {
                replica.ReplicaFailed();
                http.RequestServices.GetRequiredService<ILogger<DeliveryCacheFilter>>().LogWarning(e, "A delivery read on the standby failed; the primary answers");
                onReplica = false;
                result = await next(context);
            }
            // The primary went away (stopped, crashed, restarting) since the monitor last looked, and the standby was
            // answering then: it answers this read, rather than a 503 to a reader (a write still gets its 503).
            catch (Exception e) when (!onReplica && db.HasReplica && replica.ReplicaUp && ProblemDetailsExceptionHandler.IsUnreachable(e)
                                      && !http.RequestAborted.IsCancellationRequested)
            {
                replica.PrimaryFailed();
                http.RequestServices.GetRequiredService<ILogger<DeliveryCacheFilter>>().LogWarning(e, "A delivery read on the primary failed; the standby answers");
                onReplica = true;
                result = await next(context);
            }
            // Handlers declare unions (Results<Ok<T>, ProblemHttpResult>): look at what was chosen.
            var chosen = result is INestedHttpResult nested ? nested.Result : result;
            if (chosen is not IValueHttpResult { Value: { } value } || chosen is IStatusCodeHttpResult { StatusCode: not (null or 200) })
                return result;
            (response, lease) = Build(value, SurrogateKeys.Of(http), sparse, selection);
            // Read from a standby that may not have replayed a write this process knows of (the primary being down):
            // this reader gets it, but no cache keeps it, here or in front.
            if (onReplica && replica.ReplicaBehind)
                stale = true;
            else if (settings.InProcessSeconds > 0)
                // What the cache keeps owns its bytes; this request still sends from the pooled buffer.
                await StoreAsync(key, lease is null ? response : response with { Body = response.Body.ToArray() }, generation, settings, http.RequestAborted);
        }
        var configured = http.GetEndpoint()?.Metadata.GetMetadata<ShortLivedDelivery>() is null ? settings.MaxAgeSeconds : settings.CommentsMaxAgeSeconds;
        return new DeliveryResult(response, lease, settings, await MaxAgeAsync(configured, http.RequestAborted), () => stale || invalidator.Generation != generation);
    }

    /// <summary>
    /// The configured max-age, cut short by the next scheduled publish: a cache in front (the edge, a browser) must
    /// ask again when a scheduled article goes live, which no write announces at that moment.
    /// </summary>
    private async Task<int> MaxAgeAsync(int maxAgeSeconds, CancellationToken ct)
    {
        DateTime? next;
        try
        {
            next = maxAgeSeconds == 0 ? null : await invalidator.NextScheduledPublishAsync(db.Search, ct);
        }
        // No database to ask (an outage): a response from the cache is still worth serving, for the usual time.
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            next = null;
        }
        if (next is not { } at)
            return maxAgeSeconds;
        return (int)Math.Clamp(Math.Ceiling((at - DateTime.UtcNow).TotalSeconds), 0, maxAgeSeconds);
    }

    /// <summary>
    /// The route, its values and the query parameters the endpoint reads, in a fixed order, hashed. Parameters it
    /// does not read (and their order, and the case of a name) make no new entry: they cannot change the response.
    /// </summary>
    private static string CacheKey(HttpContext http)
    {
        var endpoint = http.GetEndpoint();
        var route = (endpoint as RouteEndpoint)?.RoutePattern;
        var canonical = new StringBuilder(route?.RawText ?? http.Request.Path.Value);
        foreach (var parameter in route?.Parameters ?? [])
            canonical.Append('/').Append(Uri.EscapeDataString(http.Request.RouteValues[parameter.Name]?.ToString() ?? ""));
        var names = EndpointParameters.Of(endpoint).Where(p => !p.FromRoute).Select(p => p.Name);
        if (endpoint?.Metadata.GetMetadata<SparseFieldsMetadata>() is not null)
            names = names.Append("fields");
        foreach (var name in names.Order(StringComparer.Ordinal))
        {
            foreach (var value in http.Request.Query[name])
                canonical.Append('&').Append(name).Append('=').Append(Uri.EscapeDataString(value ?? ""));
        }
        return "delivery:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())));
    }

    /// <summary>
    /// The response as it goes on the wire. A JSON body is written into a pooled buffer (the lease, null for a raw body):
    /// an uncached article page would otherwise allocate its 17 KB again for every reader, a third of what the request
    /// allocates, and the garbage collector's time grows with it.
    /// </summary>
    private (DeliveryResponse Response, ArrayBufferWriter<byte>? Lease) Build(
        object value, string[] keys, SparseFieldsMetadata? sparse, Dictionary<string, HashSet<string>?>? selection)
    {
        var serializer = json.Value.SerializerOptions;
        ArrayBufferWriter<byte>? lease = null;
        ReadOnlyMemory<byte> body;
        var contentType = "application/json; charset=utf-8";
        if (value is RawBody raw)
            (body, contentType) = (raw.Bytes, raw.ContentType);
        else
        {
            lease = Bodies.Get();
            using (var writer = new Utf8JsonWriter(lease, new JsonWriterOptions { Encoder = serializer.Encoder, Indented = serializer.WriteIndented, MaxDepth = serializer.MaxDepth }))
            {
                if (sparse is not null && selection is not null)
                    JsonSerializer.Serialize(writer, sparse.Project(JsonSerializer.SerializeToNode(value, value.GetType(), serializer)!, selection), serializer);
                else if (DeliveryJsonContext.For(value.GetType(), serializer) is { } generated)
                    JsonSerializer.Serialize(writer, value, generated);
                else
                    JsonSerializer.Serialize(writer, value, value.GetType(), serializer);
            }
            body = lease.WrittenMemory;
        }
        // Weak: the same validator stands for the identity, gzip and Brotli bodies, which a strong one may not (RFC 9110 8.8.1).
        // XXH3-128 rather than SHA-256 (4% of the API's CPU on an article page): the tag names a body, it signs nothing.
        // Two bodies with one tag would take a crafted collision between what an editor or a commenter wrote before and
        // after, and would buy a cache revalidating with it one stale 304. The cache key above stays SHA-256: its input is
        // the request, which anyone can shape, and a collision there would serve one URL's answer for another.
        var etag = "W/\"" + Convert.ToHexStringLower(XxHash128.Hash(body.Span)) + "\"";
        // HTTP dates have whole seconds; rounding down keeps If-Modified-Since comparisons exact.
        var now = DateTimeOffset.UtcNow;
        return (new DeliveryResponse(body, contentType, etag, now.AddTicks(-(now.Ticks % TimeSpan.TicksPerSecond)), keys), lease);
    }

    // At most 32 buffers of at most 256 KB are kept (8 MB, outside the cache's own limit), however many large answers
    // were written at once.
    private static readonly ObjectPool<ArrayBufferWriter<byte>> Bodies = new DefaultObjectPool<ArrayBufferWriter<byte>>(new BodyPolicy(), 32);

    private sealed class BodyPolicy : PooledObjectPolicy<ArrayBufferWriter<byte>>
    {
        public override ArrayBufferWriter<byte> Create() => new(32 * 1024);

        // A buffer a large answer (a hundred cards, a long search page) grew past 256 KB is dropped, not kept for every page.
        public override bool Return(ArrayBufferWriter<byte> buffer)
        {
            buffer.ResetWrittenCount();
            return buffer.Capacity <= 256 * 1024;
        }
    }

    private async Task StoreAsync(string key, DeliveryResponse response, long generation, CachingOptions settings, CancellationToken ct)
    {
        if (settings.InProcessSeconds <= 0)
            return;
        var lifetime = TimeSpan.FromSeconds(settings.InProcessSeconds);
        // Visibility also changes by time alone: nothing cached may outlive the next scheduled publish.
        DateTime? next;
        try
        {
            next = await invalidator.NextScheduledPublishAsync(db.Search, ct);
        }
        // The database went away after answering the read: the reader still gets the answer; it is just not kept.
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            return;
        }
        if (next is { } at && at - DateTime.UtcNow < lifetime)
            lifetime = at - DateTime.UtcNow;
        if (lifetime <= TimeSpan.Zero || invalidator.Generation != generation)
            return;
        await cache.SetAsync(key, response, new HybridCacheEntryOptions { Expiration = lifetime, LocalCacheExpiration = lifetime }, response.Keys, ct);
        // A purge that ran while we were storing must win.
        if (invalidator.Generation != generation)
            await cache.RemoveAsync(key, ct);
    }

    private sealed class DeliveryResult(DeliveryResponse response, ArrayBufferWriter<byte>? lease, CachingOptions settings, int maxAge, Func<bool> purgedSince) : IResult
    {
        private ArrayBufferWriter<byte>? _lease = lease;

        public async Task ExecuteAsync(HttpContext http)
        {
            try
            {
                await WriteAsync(http);
            }
            finally
            {
                // The body has been copied into the connection's own buffers by now (or was never sent). Taken once: a
                // buffer in the pool twice would be handed to two requests.
                if (Interlocked.Exchange(ref _lease, null) is { } used)
                    Bodies.Return(used);
            }
        }

        private Task WriteAsync(HttpContext http)
        {
            var headers = http.Response.Headers;
            headers.ETag = response.ETag;
            headers.LastModified = response.LastModified.ToString("R");
            // A purge came while this was read: it may be from before the write, and a cache in front that stored it
            // now would keep it after its own purge (which may already have happened). This client gets it; no cache does.
            headers.CacheControl = purgedSince()
                ? "no-cache"
                : $"public, max-age={maxAge}, stale-while-revalidate={settings.StaleWhileRevalidateSeconds}";
            headers["Surrogate-Key"] = string.Join(' ', response.Keys);
            // Set here, not only by compression on a body, so a 304 names the same Vary as its 200 (RFC 9110 15.4.5).
            if (!headers.Vary.Any(v => (v ?? "").Contains(Microsoft.Net.Http.Headers.HeaderNames.AcceptEncoding, StringComparison.OrdinalIgnoreCase)))
                headers.Append(Microsoft.Net.Http.Headers.HeaderNames.Vary, Microsoft.Net.Http.Headers.HeaderNames.AcceptEncoding);
            if (NotModified(http.Request))
            {
                http.Response.StatusCode = StatusCodes.Status304NotModified;
                return Task.CompletedTask;
            }
            http.Response.ContentType = response.ContentType;
            http.Response.ContentLength = response.Body.Length;
            return http.Response.Body.WriteAsync(response.Body).AsTask();
        }

        // If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2), and compares weakly: W/ or not, the tag is the same.
        private bool NotModified(HttpRequest request)
        {
            var ifNoneMatch = request.Headers.IfNoneMatch;
            if (ifNoneMatch.Count > 0)
            {
                var opaque = response.ETag[2..];
                return ifNoneMatch.SelectMany(v => (v ?? "").Split(',')).Select(v => v.Trim())
                    .Any(tag => tag == "*" || tag == opaque || tag == "W/" + opaque);
            }
            return DateTimeOffset.TryParse(request.Headers.IfModifiedSince, System.Globalization.CultureInfo.InvariantCulture,
                       System.Globalization.DateTimeStyles.AssumeUniversal, out var since)
                   && response.LastModified <= since;
        }
    }
}

/// <summary>Marks delivery endpoints whose answers caches keep only briefly (HeadlessNews:Caching:CommentsMaxAgeSeconds).</summary>
internal sealed class ShortLivedDelivery;

internal static class DeliveryCaching
{
    public static void AddDeliveryCaching(this IServiceCollection services)
    {
        services.AddOptions<CachingOptions>().BindConfiguration(CachingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        // HybridCache keeps its entries in this cache, sized by their bytes: the limit bounds the responses it holds.
        services.AddMemoryCache();
        services.AddOptions<MemoryCacheOptions>().Configure<IOptions<CachingOptions>>((memory, caching) =>
        {
            memory.SizeLimit = caching.Value.InProcessMaxMegabytes * 1024L * 1024L;
            // Entry count and estimated size, for diagnostics and the tests that hold the cache to its limit.
            memory.TrackStatistics = true;
        });
        services.AddHybridCache();
        services.AddSingleton<DeliveryCacheInvalidator>();
        services.AddSingleton(sp => new CachePurgeBus.Pool(DatabaseExtensions.BuildDataSource(sp, OwnPool.Configure)));
        services.AddSingleton<CachePurgeBus>();
        services.AddSingleton<CachePurgeListener>();
        services.AddHostedService(sp => sp.GetRequiredService<CachePurgeListener>());
        services.AddOptions<EdgePurgeOptions>().BindConfiguration(EdgePurgeOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddHttpClient(EdgePurger.HttpClientName);
        services.AddSingleton<EdgePurger>();
        services.AddHostedService(sp => sp.GetRequiredService<EdgePurger>());
    }

    /// <summary>Conditional GET, Cache-Control and the in-process cache for a group of delivery endpoints.</summary>
    public static RouteGroupBuilder WithDeliveryCaching(this RouteGroupBuilder group)
    {
        group.AddEndpointFilter<DeliveryCacheFilter>();
        group.WithMetadata(new ProducesResponseTypeMetadata(StatusCodes.Status304NotModified, typeof(void)));
        return group;
    }
}
