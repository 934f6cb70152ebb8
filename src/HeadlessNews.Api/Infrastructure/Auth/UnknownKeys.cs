using System.Collections.Concurrent;
using HeadlessNews.Api.Infrastructure.Http;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Npgsql;

namespace HeadlessNews.Api.Infrastructure.Auth;

/// <summary>
/// Keeps made-up keys from costing database work: a key looked up and not found is remembered (a bounded set of
/// hashes, for <see cref="MissRetention"/>) and refused again without a lookup, and each client address may make
/// only <see cref="RateLimitOptions.UnknownKeysPerMinute"/> lookups that find nothing; past that its requests with
/// keys not known to be valid are refused 429 before any lookup. Issued keys are 32 random bytes, so a key missed
/// here cannot be issued later, and a revoked key only ever goes from found to missing. With
/// HeadlessNews:RateLimits:Shared the allowance is one bucket for all instances together (SharedRateLimits, the
/// bucket "unknown-keys:&lt;address&gt;"), like the other limits; while the database cannot be asked, each instance
/// counts on its own (asked again after 5 s). The remembered keys stay per instance: they only save lookups.
/// </summary>
internal sealed class UnknownKeys(IOptions<RateLimitOptions> options, SharedRateLimits shared, ILogger<UnknownKeys> logger)
{
    private static readonly TimeProvider clock = TimeProvider.System;

    public static readonly TimeSpan MissRetention = TimeSpan.FromMinutes(10);
    private const int RememberedKeys = 10_000;
    private const int TrackedClients = 10_000;

    private readonly RateLimitOptions _options = options.Value;
    private readonly MemoryCache _missed = new(new MemoryCacheOptions { SizeLimit = RememberedKeys });
    // Keys found recently: their lookups take nothing from the client's allowance, so a partner's own burst is never
    // refused for guesses made from its address. Still looked up every time, so a revoked key stops at once.
    private readonly MemoryCache _found = new(new MemoryCacheOptions { SizeLimit = RememberedKeys });
    private readonly ConcurrentDictionary<string, Allowance> _clients = new();
    private long _lookups;
    private long _sharedFailedUntil;

    /// <summary>How many key lookups reached the database (for tests and the bench).</summary>
    public long Lookups => Interlocked.Read(ref _lookups);

    public bool WasMissed(string id) => _missed.TryGetValue(id, out _);

    /// <summary>
    /// Whether this client may look this key up now. A key found recently always may; any other takes one from the
    /// client's allowance, given back if the key is found. When it may not, RetryAfter says when.
    /// </summary>
    public async Task<(bool May, TimeSpan RetryAfter)> TryStartLookupAsync(System.Net.IPAddress? address, string id, CancellationToken ct)
    {
        if (!_options.Enabled || _options.ExemptLoopback && address is not null && System.Net.IPAddress.IsLoopback(address)
            || _found.TryGetValue(id, out _))
            return (Counted(true), TimeSpan.Zero);
        var client = Client(address);
        if (UseShared)
        {
            try
            {
                var (acquired, _, retryAfterSeconds) = await shared.TryTakeAsync(SharedBucket(client), _options.UnknownKeysPerMinute, ct);
                return (Counted(acquired), TimeSpan.FromSeconds(retryAfterSeconds));
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException && !ct.IsCancellationRequested)
            {
                SharedFailed(e);
            }
        }
        if (_clients.Count >= TrackedClients)
            Forget();
        var allowance = _clients.GetOrAdd(client, _ => new Allowance(_options.UnknownKeysPerMinute, clock.GetTimestamp()));
        var may = allowance.TryTake(_options.UnknownKeysPerMinute, clock, out var retryAfter);
        return (Counted(may), retryAfter);
    }

    public async Task FoundAsync(System.Net.IPAddress? address, string id, CancellationToken ct)
    {
        var client = Client(address);
        if (_found.TryGetValue(id, out _))
            return;
        _found.Set(id, true, new MemoryCacheEntryOptions { Size = 1, SlidingExpiration = MissRetention });
        if (_options.Enabled && UseShared)
        {
            try
            {
                await shared.GiveBackAsync(SharedBucket(client), _options.UnknownKeysPerMinute, ct);
                return;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException && !ct.IsCancellationRequested)
            {
                SharedFailed(e);
            }
        }
        if (_clients.TryGetValue(client, out var allowance))
            allowance.GiveBack(_options.UnknownKeysPerMinute);
    }

    private bool UseShared => _options.Shared && Environment.TickCount64 >= Interlocked.Read(ref _sharedFailedUntil);

    private static string SharedBucket(string client) => "unknown-keys:" + client;

    private void SharedFailed(Exception e)
    {
        Interlocked.Exchange(ref _sharedFailedUntil, Environment.TickCount64 + 5000);
        logger.LogWarning(e, "The shared allowance of unknown keys is unavailable; counting per instance for 5 s");
    }

    public void Missed(string id)
    {
        _found.Remove(id);
        _missed.Set(id, true, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = MissRetention });
    }

    private static string Client(System.Net.IPAddress? address) => address?.ToString() ?? "unknown";

    private bool Counted(bool lookup)
    {
        if (lookup)
            Interlocked.Increment(ref _lookups);
        return lookup;
    }

    // Clients whose allowance has filled up again carry no state worth keeping; if that is not enough, start over.
    private void Forget()
    {
        foreach (var (client, allowance) in _clients)
            if (allowance.IsFull(_options.UnknownKeysPerMinute, clock))
                _clients.TryRemove(client, out _);
        if (_clients.Count >= TrackedClients)
            _clients.Clear();
    }

    /// <summary>A token bucket of lookups: a minute's worth at most, refilled evenly.</summary>
    private sealed class Allowance(int perMinute, long since)
    {
        private double _tokens = perMinute;
        private long _since = since;

        public bool TryTake(int perMinute, TimeProvider clock, out TimeSpan retryAfter)
        {
            lock (this)
            {
                Refill(perMinute, clock);
                if (_tokens >= 1)
                {
                    _tokens--;
                    retryAfter = TimeSpan.Zero;
                    return true;
                }
                retryAfter = TimeSpan.FromMinutes((1 - _tokens) / perMinute);
                return false;
            }
        }

        public void GiveBack(int perMinute)
        {
            lock (this)
                _tokens = Math.Min(perMinute, _tokens + 1);
        }

        public bool IsFull(int perMinute, TimeProvider clock)
        {
            lock (this)
            {
                Refill(perMinute, clock);
                return _tokens >= perMinute;
            }
        }

        private void Refill(int perMinute, TimeProvider clock)
        {
            var now = clock.GetTimestamp();
            _tokens = Math.Min(perMinute, _tokens + clock.GetElapsedTime(_since, now).TotalMinutes * perMinute);
            _since = now;
        }
    }
}
