using System.Threading.Channels;
using Dapper;
using HeadlessNews.Api.Infrastructure.Database;
using HeadlessNews.Api.Infrastructure.Http;
using Npgsql;

namespace HeadlessNews.Api.Infrastructure.Cluster;

/// <summary>
/// Tells every other instance which surrogate keys a committed write made stale, with PostgreSQL's NOTIFY: every
/// instance already holds a connection to the primary, so there is no broker to run, and a notification carries the
/// primary's WAL position at the time, which the receivers need before they read from a standby again (ReplicaState).
/// The message is "origin lsn key key …" on the channel headlessnews_purge.
/// </summary>
internal sealed class CachePurgeBus(CachePurgeBus.Pool pool, ReplicaState replica, ILogger<CachePurgeBus> logger)
{
    /// <summary>
    /// Connections of the bus's own. Writers announce after committing, often with their own pooled connection still
    /// open: taking the announcement's connection from the same pool let a burst of writes hold every connection while
    /// each waited for one more.
    /// </summary>
    internal sealed class Pool(NpgsqlDataSource source) : OwnPool(source);

    public const string Channel = "headlessnews_purge";

    // NOTIFY payloads must stay under 8000 bytes; more keys than this become a purge of everything.
    private const int MaxKeysLength = 7000;

    /// <summary>Names this process in its own notifications, so it does not purge twice.</summary>
    public string Origin { get; } = Guid.NewGuid().ToString("N");

    /// <summary>Announces the keys and returns the primary's WAL position (0 when the primary could not be told).</summary>
    public async Task<ulong> PublishAsync(string[] keys)
    {
        var joined = string.Join(' ', keys);
        if (joined.Length > MaxKeysLength)
            joined = SurrogateKeys.All;
        try
        {
            await using var connection = await pool.Source.OpenConnectionAsync();
            // The write position, not the insert position: with synchronous_commit on, the write is in it, and an idle
            // standby reports the same position once it has replayed everything.
            var lsn = ReplicaState.Parse(await connection.ExecuteScalarAsync<string>(
                "select l.lsn from (select pg_current_wal_lsn()::text as lsn) l, pg_notify(@channel, @origin || ' ' || l.lsn || ' ' || @keys)",
                new { channel = Channel, origin = Origin, keys = joined }));
            replica.Require(lsn);
            return lsn;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            // The write committed but the others were not told: their caches age out within HeadlessNews:Caching:InProcessSeconds.
            logger.LogWarning(e, "Telling the other instances to purge {Keys} failed", joined);
            return 0;
        }
    }
}

/// <summary>
/// Listens for the other instances' purges on a connection of its own outside the pool: raises the WAL position
/// reads must have, purges this process's cache, then the edge (so a response the edge fetched from this instance
/// between the writer's purge and this one is purged too). When the connection was lost, everything is purged: what
/// was said meanwhile was not heard.
/// </summary>
internal sealed class CachePurgeListener(
    IConfiguration configuration, CachePurgeBus bus, ReplicaState replica, DeliveryCacheInvalidator cache, EdgePurger edge,
    ILogger<CachePurgeListener> logger) : BackgroundService
{
    private readonly Channel<string[]> _received = System.Threading.Channels.Channel.CreateUnbounded<string[]>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Purges received from other instances since start (diagnostics and tests).</summary>
    public long Received;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var purging = PurgeAsync(stoppingToken);
        var connectionString = new NpgsqlConnectionStringBuilder(DatabaseExtensions.ConnectionString(configuration))
        {
            Pooling = false,
            KeepAlive = 30,
            ApplicationName = "headlessnews-purge-listener",
        }.ConnectionString;
        var first = true;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync(stoppingToken);
                connection.Notification += (_, e) => Heard(e.Payload);
                await using (var listen = new NpgsqlCommand($"listen {CachePurgeBus.Channel}", connection))
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                if (!first)
                {
                    await using var position = new NpgsqlCommand("select pg_current_wal_lsn()::text", connection);
                    replica.Require(ReplicaState.Parse((string?)await position.ExecuteScalarAsync(stoppingToken)));
                    _received.Writer.TryWrite([SurrogateKeys.All]);
                }
                first = false;
                while (true)
                    await connection.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or IOException or InvalidOperationException)
            {
                first = false;
                logger.LogWarning(e, "Listening for other instances' purges failed; listening again in 1 s");
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
        // The channel stays open: a stopped listener may be started again (and the purges queued meanwhile still run).
        await purging;
    }

    private void Heard(string payload)
    {
        var parts = payload.Split(' ', 3);
        if (parts.Length < 3 || parts[0] == bus.Origin)
            return;
        replica.Require(ReplicaState.Parse(parts[1]));
        _received.Writer.TryWrite(parts[2].Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    private async Task PurgeAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await _received.Reader.WaitToReadAsync(stoppingToken))
            {
                var keys = new HashSet<string>(StringComparer.Ordinal);
                while (_received.Reader.TryRead(out var more))
                    keys.UnionWith(more);
                await cache.PurgeLocallyAsync([.. keys]);
                edge.Enqueue(keys);
                Interlocked.Increment(ref Received);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
