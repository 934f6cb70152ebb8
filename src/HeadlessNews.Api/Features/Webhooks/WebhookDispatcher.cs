using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;
using StandardWebhooks;

namespace HeadlessNews.Api.Features.Webhooks;

/// <summary>
/// Delivers the outbox at least once. It wakes when an event commits (LISTEN/NOTIFY; a poll as the fallback), leases
/// due deliveries (one in flight per subscription, so a slow receiver only holds up itself, and each subscription
/// fed in event order as fast as its receiver accepts), POSTs them signed as Standard Webhooks describes, and
/// records every attempt. Failures
/// retry with exponential backoff and full jitter until MaxAttempts, then wait as dead letters for a replay.
/// A lease outlives the attempt's timeout: if this process dies mid-attempt, the delivery is simply tried again.
/// </summary>
internal sealed class WebhookDispatcher(
    NpgsqlDataSource db, IHttpClientFactory httpClients, IConfiguration configuration, IOptions<HeadlessNewsOptions> options, ILogger<WebhookDispatcher> logger)
    : BackgroundService
{
    public const string HttpClientName = "webhooks";
    private const int ResponseBodyCap = 1024;

    private readonly ConcurrentDictionary<Guid, Task> _inFlight = new();

    private sealed record Leased(
        Guid Id, Guid SubscriptionId, int Attempts, int AttemptsAtReplay, Guid EventId, string Type, DateTime OccurredAt, string Data,
        string Url, string Secret, string? PreviousSecret);

    // Released by a committed event (NOTIFY) and by a subscription's run of deliveries ending: look for work now.
    private readonly SemaphoreSlim _wake = new(0, 1);

    private void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already awake.
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value.Webhooks;
        var listening = ListenAsync(stoppingToken);
        var nextCap = DateTime.UtcNow;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (DateTime.UtcNow >= nextCap)
                {
                    await CapPausedBacklogAsync(stoppingToken);
                    nextCap = DateTime.UtcNow.AddSeconds(30);
                }
                var free = settings.MaxConcurrency - _inFlight.Count;
                if (free > 0)
                    foreach (var delivery in await LeaseAsync(free, stoppingToken))
                        _inFlight[delivery.SubscriptionId] = Task.Run(() => DrainAsync(delivery, stoppingToken), CancellationToken.None)
                            .ContinueWith(_ =>
                            {
                                _inFlight.TryRemove(delivery.SubscriptionId, out Task? _);
                                Wake();
                            }, TaskScheduler.Default);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException && !stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(e, "Leasing webhook deliveries failed; trying again shortly");
            }
            try
            {
                // The poll is the fallback (another instance's retries coming due, a lost notification).
                await _wake.WaitAsync(settings.PollMilliseconds, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        // Leased deliveries that did not finish are retried when their lease runs out, here or elsewhere.
        await Task.WhenAll(_inFlight.Values);
        try
        {
            await listening;
        }
        catch (Exception e) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: however the listening connection ended, a stop is not a failure of the service.
            logger.LogDebug(e, "The webhook listener ended while stopping");
        }
    }

    /// <summary>
    /// Delivers to one subscription for as long as its receiver accepts: after each success the next due delivery
    /// is taken at once, in the order the events happened, so a healthy receiver is fed as fast as it answers. A
    /// failure ends the run; that delivery waits for its retry and does not hold up the ones after it.
    /// </summary>
    private async Task DrainAsync(Leased first, CancellationToken stoppingToken)
    {
        for (var delivery = first; delivery is not null;)
            delivery = await AttemptOrLogAsync(delivery, stoppingToken);
    }

    /// <summary>Wakes the loop when an event commits, on a connection of its own outside the pool.</summary>
    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        var connectionString = new NpgsqlConnectionStringBuilder(Infrastructure.Database.DatabaseExtensions.ConnectionString(configuration))
        {
            Pooling = false,
            KeepAlive = 30,
        }.ConnectionString;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync(stoppingToken);
                connection.Notification += (_, _) => Wake();
                await using (var listen = new NpgsqlCommand("listen webhook_deliveries", connection))
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                Wake(); // Whatever committed while nobody listened.
                while (true)
                    await connection.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or IOException or InvalidOperationException)
            {
                logger.LogWarning(e, "Listening for new webhook events failed; polling meanwhile, listening again in 5 s");
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task<List<Leased>> LeaseAsync(int free, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var candidates = await connection.QueryAsync<(Guid Id, Guid SubscriptionId)>(new CommandDefinition(WebhookSql.DueCandidates,
            new { busy = _inFlight.Keys.ToArray(), limit = free * 4 }, tx, cancellationToken: ct));
        var ids = candidates.DistinctBy(c => c.SubscriptionId).Take(free).Select(c => c.Id).ToArray();
        if (ids.Length == 0)
            return [];
        var leased = await LeaseIdsAsync(connection, tx, ids, ct);
        await tx.CommitAsync(ct);
        return leased;
    }

    private async Task<List<Leased>> LeaseIdsAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Guid[] ids, CancellationToken ct)
    {
        var leaseSeconds = options.Value.Webhooks.AttemptTimeoutSeconds + 30;
        return (await connection.QueryAsync<Leased>(new CommandDefinition(WebhookSql.Lease, new { ids, leaseSeconds }, tx, cancellationToken: ct))).AsList();
    }

    private async Task CapPausedBacklogAsync(CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var capped = await connection.ExecuteAsync(new CommandDefinition(WebhookSql.CapPausedBacklog,
            new { limit = options.Value.Webhooks.PausedBacklogLimit }, cancellationToken: ct));
        if (capped > 0)
            logger.LogWarning("{Count} webhook deliveries of paused subscriptions were dead-lettered (over {Limit} waiting)", capped,
                options.Value.Webhooks.PausedBacklogLimit);
    }

    /// <summary>The subscription's next delivery, leased, when the receiver accepted this one; null to stop.</summary>
    private async Task<Leased?> AttemptOrLogAsync(Leased delivery, CancellationToken stoppingToken)
    {
        try
        {
            return await AttemptAsync(delivery, stoppingToken);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            // The outcome could not be recorded: the lease runs out and the delivery is tried again.
            logger.LogWarning(e, "Recording webhook delivery {Delivery} failed; it will be retried", delivery.Id);
            return null;
        }
    }

    private async Task<Leased?> AttemptAsync(Leased delivery, CancellationToken stoppingToken)
    {
        var settings = options.Value.Webhooks;
        var started = Stopwatch.StartNew();
        int? status = null;
        string? error;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(settings.AttemptTimeoutSeconds));
            using var request = Sign(delivery, DateTimeOffset.UtcNow);
            using var response = await httpClients.CreateClient(HttpClientName)
                .SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
                return await SucceededAsync(delivery, status.Value, (int)started.ElapsedMilliseconds, stoppingToken.IsCancellationRequested);
            error = $"HTTP {status}: {await ReadCappedAsync(response, timeout.Token)}";
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            error = $"No answer within {settings.AttemptTimeoutSeconds} s.";
        }
        catch (OperationCanceledException)
        {
            return null; // Shutting down: the lease runs out and the delivery is tried again.
        }
        catch (HttpRequestException e)
        {
            error = e.InnerException is WebhookTargetRefusedException refused ? refused.Message : e.Message;
        }

        var gone = status == 410;
        var dead = gone || delivery.Attempts - delivery.AttemptsAtReplay >= settings.MaxAttempts;
        // Full jitter: anywhere between zero and the exponential bound, so retries from many events do not march in step.
        var bound = Math.Min(settings.MaxBackoffSeconds, settings.BackoffSeconds * Math.Pow(2, Math.Max(0, delivery.Attempts - delivery.AttemptsAtReplay - 1)));
        var retryInSeconds = dead ? 0 : Random.Shared.NextDouble() * bound;
        logger.LogInformation("Webhook delivery {Delivery} attempt {Attempt} failed: {Error}", delivery.Id, delivery.Attempts, error);
        await RecordAsync(WebhookSql.Failed, new
        {
            id = delivery.Id, attempt = delivery.Attempts, statusCode = status, error = Truncate(error, 2000), durationMs = (int)started.ElapsedMilliseconds,
            dead, gone, retryInSeconds, subscriptionId = delivery.SubscriptionId, disableAfter = settings.DisableAfterFailures,
        });
        return null;
    }

    /// <summary>
    /// Records the success and, in the same transaction, leases the subscription's next due delivery: one round of
    /// database work per delivery, so a fast receiver is fed at its own pace.
    /// </summary>
    private async Task<Leased?> SucceededAsync(Leased delivery, int status, int durationMs, bool stopping)
    {
        // Recorded even while shutting down: the attempt happened.
        await using var connection = await db.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await connection.ExecuteAsync(new CommandDefinition(WebhookSql.Succeeded, new
        {
            id = delivery.Id, attempt = delivery.Attempts, statusCode = status, durationMs, subscriptionId = delivery.SubscriptionId,
        }, tx));
        var next = stopping ? null : await connection.QuerySingleOrDefaultAsync<Leased>(new CommandDefinition(WebhookSql.LeaseNextOfSubscription,
            new { subscriptionId = delivery.SubscriptionId, leaseSeconds = options.Value.Webhooks.AttemptTimeoutSeconds + 30 }, tx));
        await tx.CommitAsync();
        return next;
    }

    /// <summary>
    /// The body is {id, type, timestamp, data}; the headers are webhook-id (the event id, the same on every attempt),
    /// webhook-timestamp and webhook-signature, with one signature per valid secret while a rotation overlaps.
    /// </summary>
    private static HttpRequestMessage Sign(Leased delivery, DateTimeOffset now)
    {
        var payload = $$"""{"id":"{{delivery.EventId}}","type":"{{delivery.Type}}","timestamp":"{{delivery.OccurredAt.ToUniversalTime():yyyy-MM-ddTHH:mm:ss.ffffffZ}}","data":{{delivery.Data}}}""";
        var id = delivery.EventId.ToString();
        var signatures = new[] { delivery.Secret, delivery.PreviousSecret }.OfType<string>()
            .Select(secret => new StandardWebhook(secret).Sign(id, now, payload));
        var request = new HttpRequestMessage(HttpMethod.Post, delivery.Url)
        {
            Content = new StringContent(payload, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("webhook-id", id);
        request.Headers.Add("webhook-timestamp", now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation("webhook-signature", string.Join(' ', signatures));
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("HeadlessNews-Webhooks", "1"));
        return request;
    }

    // A receiver's body is only a clue for the log: read a little of it, never all of it.
    private static async Task<string> ReadCappedAsync(HttpResponseMessage response, CancellationToken ct)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        var buffer = new byte[ResponseBodyCap];
        var read = 0;
        int n;
        while (read < buffer.Length && (n = await stream.ReadAsync(buffer.AsMemory(read), ct)) > 0)
            read += n;
        return Encoding.UTF8.GetString(buffer, 0, read);
    }

    private static string? Truncate(string? text, int length) => text is null || text.Length <= length ? text : text[..length];

    private async Task RecordAsync(string sql, object args)
    {
        // Recorded even while shutting down: the attempt happened.
        await using var connection = await db.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await connection.ExecuteAsync(new CommandDefinition(sql, args, tx));
        await tx.CommitAsync();
    }
}

internal static class WebhookSetup
{
    public static void AddWebhooks(this IServiceCollection services)
    {
        services.AddSingleton<WebhookTargets>();
        services.AddHttpClient(WebhookDispatcher.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(provider => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                UseProxy = false,
                UseCookies = false,
                ConnectCallback = provider.GetRequiredService<WebhookTargets>().ConnectAsync,
                ConnectTimeout = TimeSpan.FromSeconds(5),
                PooledConnectionLifetime = TimeSpan.FromMinutes(1),
            })
            // Each attempt has its own timeout; the client's must not cut in first.
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan);
        services.AddHostedService<WebhookDispatcher>();
    }
}
