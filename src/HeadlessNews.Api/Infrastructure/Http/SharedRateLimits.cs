using Dapper;
using Npgsql;

namespace HeadlessNews.Api.Infrastructure.Http;

/// <summary>
/// Token buckets kept in PostgreSQL (rate_limit_buckets), so a client or key gets its limit across all instances
/// together. The same buckets as the in-process limiter (a minute's quota as the burst, refilled evenly), taken in one
/// statement per request under the row's lock: exact however many instances there are. Costs a round trip to the
/// primary per request that reaches the API (the edge answers most reads without it). While the primary cannot be
/// reached, the caller falls back to its in-process buckets.
/// </summary>
internal sealed class SharedRateLimits(NpgsqlDataSource db)
{
    private const string Take = """
        insert into rate_limit_buckets as b (who, tokens, updated_at) values (@who, @limit - 1, clock_timestamp())
        on conflict (who) do update
            set tokens = least(@limit, b.tokens + extract(epoch from clock_timestamp() - b.updated_at) * @perSecond) - 1,
                updated_at = clock_timestamp()
            where least(@limit, b.tokens + extract(epoch from clock_timestamp() - b.updated_at) * @perSecond) >= 1
        returning tokens
        """;

    private const string Peek = """
        select least(@limit, tokens + extract(epoch from clock_timestamp() - updated_at) * @perSecond)
        from rate_limit_buckets where who = @who
        """;

    // Buckets untouched for an hour are full again: the same as no row.
    private const string Forget = "delete from rate_limit_buckets where updated_at < clock_timestamp() - interval '1 hour'";

    private const string GiveBack = """
        update rate_limit_buckets
        set tokens = least(@limit, tokens + extract(epoch from clock_timestamp() - updated_at) * @perSecond + 1),
            updated_at = clock_timestamp()
        where who = @who
        """;

    private long _nextCleanup;

    /// <summary>Returns a token taken by <see cref="TryTakeAsync"/> (a bucket is never filled past its minute's quota).</summary>
    public async Task GiveBackAsync(string who, int perMinute, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(GiveBack, new { who, limit = (double)perMinute, perSecond = perMinute / 60.0 }, cancellationToken: ct));
    }

    /// <summary>Takes a token: (true, tokens left) or (false, seconds until one is back).</summary>
    public async Task<(bool Acquired, double Remaining, double RetryAfterSeconds)> TryTakeAsync(string who, int perMinute, CancellationToken ct)
    {
        var perSecond = perMinute / 60.0;
        await using var connection = await db.OpenConnectionAsync(ct);
        var left = await connection.QuerySingleOrDefaultAsync<double?>(new CommandDefinition(Take, new { who, limit = (double)perMinute, perSecond }, cancellationToken: ct));
        if (left is { } tokens)
        {
            await CleanupNowAndThenAsync(connection, ct);
            return (true, Math.Max(0, tokens), 0);
        }
        var now = await connection.QuerySingleOrDefaultAsync<double?>(new CommandDefinition(Peek, new { who, limit = (double)perMinute, perSecond }, cancellationToken: ct)) ?? 0;
        return (false, 0, Math.Max(0, 1 - now) / perSecond);
    }

    private async Task CleanupNowAndThenAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        var now = Environment.TickCount64;
        var next = Interlocked.Read(ref _nextCleanup);
        if (now < next || Interlocked.CompareExchange(ref _nextCleanup, now + 300_000, next) != next)
            return;
        await connection.ExecuteAsync(new CommandDefinition(Forget, cancellationToken: ct));
    }
}
