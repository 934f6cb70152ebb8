using System.Net.Http.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace HeadlessNews.Api.Infrastructure.Cluster;

/// <summary>
/// The HTTP cache in front of the API (Varnish, a CDN), purged by surrogate key under "HeadlessNews:EdgePurge". Off
/// while Url is empty. The defaults fit Varnish with the xkey module (PURGE with the keys in an xkey header); a CDN's
/// surrogate-key purge API fits by its method, URL, headers and where the keys go (Fastly: POST to
/// .../service/ID/purge with the keys in Surrogate-Key and Fastly-Key in Headers; Cloudflare: POST to
/// .../zones/ID/purge_cache with JsonProperty "tags" and an Authorization header).
/// </summary>
public sealed class EdgePurgeOptions
{
    public const string Section = "HeadlessNews:EdgePurge";

    /// <summary>Where purges are sent; empty: no edge cache to purge.</summary>
    public string? Url { get; set; }

    /// <summary>The HTTP method of a purge request.</summary>
    public string Method { get; set; } = "PURGE";

    /// <summary>The request header that carries the keys, space-separated (unless JsonProperty is set).</summary>
    public string KeysHeader { get; set; } = "xkey";

    /// <summary>When set, the keys go in a JSON body instead, as an array under this property.</summary>
    public string? JsonProperty { get; set; }

    /// <summary>Headers every purge request carries (an API token, a purge secret).</summary>
    public Dictionary<string, string> Headers { get; set; } = [];

    /// <summary>Keys per request (CDNs cap it; Fastly takes 256, Cloudflare 30 tags per call on most plans).</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 10_000, ErrorMessage = "HeadlessNews:EdgePurge:MaxKeysPerRequest must be from 1 to 10000.")]
    public int MaxKeysPerRequest { get; set; } = 256;

    /// <summary>Attempts for one purge before it is given up (and logged as an error).</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 100, ErrorMessage = "HeadlessNews:EdgePurge:MaxAttempts must be from 1 to 100.")]
    public int MaxAttempts { get; set; } = 8;

    /// <summary>
    /// Sends every purge once more after this many seconds (0: never). A fetch the edge began before the write (a
    /// background refresh of a stale object, a slow miss) can arrive after the first purge and be stored; the second
    /// purge removes it. Raise it when fetches from the API can take longer.
    /// </summary>
    [System.ComponentModel.DataAnnotations.Range(0.0, 3600.0, ErrorMessage = "HeadlessNews:EdgePurge:RepeatAfterSeconds must be from 0 to 3600.")]
    public double RepeatAfterSeconds { get; set; } = 2;

    /// <summary>How long one purge request may take, in seconds.</summary>
    [System.ComponentModel.DataAnnotations.Range(0.1, 600.0, ErrorMessage = "HeadlessNews:EdgePurge:TimeoutSeconds must be from 0.1 to 600.")]
    public double TimeoutSeconds { get; set; } = 5;
}

/// <summary>
/// Sends purges to the edge off the request path: a write's answer never waits for the edge. Keys queued while a
/// purge is in flight go together in the next one. A failed purge is retried with exponential backoff (0.1 s, 0.2 s,
/// … at most 10 s) up to MaxAttempts, then logged as an error: the edge then serves the old response until its
/// max-age runs out.
/// </summary>
internal sealed class EdgePurger(IHttpClientFactory clients, IOptions<EdgePurgeOptions> options, ILogger<EdgePurger> logger) : BackgroundService
{
    public const string HttpClientName = "edge-purge";

    private readonly Channel<string[]> _queue = Channel.CreateUnbounded<string[]>(new UnboundedChannelOptions { SingleReader = true });
    private long _sent;
    private long _failed;
    private long _queued;

    public bool Enabled => !string.IsNullOrWhiteSpace(options.Value.Url);

    /// <summary>Purge requests the edge accepted, and purges given up, since start (diagnostics and tests).</summary>
    public long Sent => Interlocked.Read(ref _sent);
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Purges queued (each sent once more after RepeatAfterSeconds) since start (diagnostics and tests).</summary>
    public long Queued => Interlocked.Read(ref _queued);

    public void Enqueue(IReadOnlyCollection<string> keys)
    {
        if (!Enabled || keys.Count == 0)
            return;
        string[] copy = [.. keys];
        Interlocked.Increment(ref _queued);
        _queue.Writer.TryWrite(copy);
        if (options.Value.RepeatAfterSeconds > 0)
            _ = Task.Delay(TimeSpan.FromSeconds(options.Value.RepeatAfterSeconds)).ContinueWith(_ => _queue.Writer.TryWrite(copy), TaskScheduler.Default);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Enabled)
            return;
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken))
            {
                var keys = new HashSet<string>(StringComparer.Ordinal);
                while (_queue.Reader.TryRead(out var more))
                    keys.UnionWith(more);
                // Every delivery response carries the "delivery" key: purging it purges everything else too.
                string[] batch = keys.Contains(Http.SurrogateKeys.All) ? [Http.SurrogateKeys.All] : [.. keys.Order(StringComparer.Ordinal)];
                foreach (var chunk in batch.Chunk(options.Value.MaxKeysPerRequest))
                    await PurgeAsync(chunk, stoppingToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task PurgeAsync(string[] keys, CancellationToken ct)
    {
        var settings = options.Value;
        var client = clients.CreateClient(HttpClientName);
        for (var attempt = 1; ; attempt++)
        {
            string? failure;
            try
            {
                using var request = new HttpRequestMessage(new HttpMethod(settings.Method), settings.Url);
                if (string.IsNullOrEmpty(settings.JsonProperty))
                    request.Headers.TryAddWithoutValidation(settings.KeysHeader, string.Join(' ', keys));
                else
                    request.Content = JsonContent.Create(new Dictionary<string, string[]> { [settings.JsonProperty] = keys });
                foreach (var (name, value) in settings.Headers)
                    request.Headers.TryAddWithoutValidation(name, value);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(TimeSpan.FromSeconds(settings.TimeoutSeconds));
                using var response = await client.SendAsync(request, timeout.Token);
                if (response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref _sent);
                    return;
                }
                failure = $"{(int)response.StatusCode} {response.ReasonPhrase}";
            }
            catch (Exception e) when (e is HttpRequestException || (e is OperationCanceledException && !ct.IsCancellationRequested))
            {
                failure = e.Message;
            }
            if (attempt >= settings.MaxAttempts)
            {
                Interlocked.Increment(ref _failed);
                logger.LogError("Purging {Count} surrogate key(s) from the edge failed {Attempts} times ({Failure}); it serves them until their max-age runs out",
                    keys.Length, attempt, failure);
                return;
            }
            logger.LogWarning("Purging {Count} surrogate key(s) from the edge failed ({Failure}); attempt {Attempt} of {Max} follows",
                keys.Length, failure, attempt + 1, settings.MaxAttempts);
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(10_000, 100 * Math.Pow(2, attempt - 1))), ct);
        }
    }
}
