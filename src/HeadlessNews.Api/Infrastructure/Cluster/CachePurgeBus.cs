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
/// The message is "origin lsn sent key key …" on the channel headlessnews_purge, sent being the primary's clock at the
/// time in microseconds since 1970.
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
                """
                select l.lsn
                from (select pg_current_wal_lsn()::text as lsn, (extract(epoch from clock_timestamp()) * 1000000)::bigint as sent) l,
                     pg_notify(@channel, @origin || ' ' || l.lsn || ' ' || l.sent || ' ' || @keys)
                """,
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
/// reads must have and purges this process's cache. The edge is purged by the writing instance alone (one purge per
/// write, sent again after HeadlessNews:EdgePurge:RepeatAfterSeconds). That repeat also removes a stale response the
/// edge fetched from this instance between the writer's first purge and this one, as long as this instance heard the
/// purge before the repeat: so a purge heard late (more than half of RepeatAfterSeconds after it was sent, by the
/// primary's clock), or with no repeat configured, is sent to the edge from here too. When the connection was lost,
/// everything is purged, the edge included: what was said meanwhile was not heard.
/// </summary>
internal sealed class CachePurgeListener(
    IConfiguration configuration, CachePurgeBus bus, ReplicaState replica, DeliveryCacheInvalidator cache, EdgePurger edge,
    Microsoft.Extensions.Options.IOptions<EdgePurgeOptions> edgeOptions, ILogger<CachePurgeListener> logger) : BackgroundService
{
    private sealed record Heard(string[] Keys, bool PurgeEdge);

    private readonly Channel<Heard> _received = System.Threading.Channels.Channel.CreateUnbounded<Heard>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Purges received from other instances since start (diagnostics and tests).</summary>
    public long Received;

    /// <summary>Completes once this instance listens: purges announced before then are not heard (tests wait for it).</summary>
    public Task Listening => _listening.Task;

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
                connection.Notification += (_, e) => Hear(e.Payload);
                await using (var listen = new NpgsqlCommand($"listen {CachePurgeBus.Channel}", connection))
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                if (!first)
                {
                    await using var position = new NpgsqlCommand("select pg_current_wal_lsn()::text", connection);
                    replica.Require(ReplicaState.Parse((string?)await position.ExecuteScalarAsync(stoppingToken)));
                    _received.Writer.TryWrite(new Heard([SurrogateKeys.All], PurgeEdge: true));
                }
                first = false;
                _listening.TrySetResult();
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

    private void Hear(string payload)
    {
        var parts = payload.Split(' ', 3);
        if (parts.Length < 3 || parts[0] == bus.Origin)
            return;
        replica.Require(ReplicaState.Parse(parts[1]));
        var keys = parts[2].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // An instance of the version before carries no time: it purges the edge itself, so this one need not.
        var late = false;
        if (keys.Length > 0 && long.TryParse(keys[0], out var sentMicros))
        {
            keys = keys[1..];
            var repeat = edgeOptions.Value.RepeatAfterSeconds;
            var heardAfter = DateTime.UtcNow - DateTime.UnixEpoch.AddTicks(sentMicros * 10);
            late = repeat <= 0 || heardAfter.TotalSeconds > repeat / 2;
        }
        _received.Writer.TryWrite(new Heard(keys, late));
    }

    private async Task PurgeAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await _received.Reader.WaitToReadAsync(stoppingToken))
            {
                var keys = new HashSet<string>(StringComparer.Ordinal);
                var forEdge = new HashSet<string>(StringComparer.Ordinal);
                while (_received.Reader.TryRead(out var more))
                {
                    keys.UnionWith(more.Keys);
                    if (more.PurgeEdge)
                        forEdge.UnionWith(more.Keys);
                }
                await cache.PurgeLocallyAsync([.. keys]);
                if (forEdge.Count > 0)
                {
                    logger.LogInformation("Purging {Keys} from the edge too: the purge was heard late, or with no repeat configured", string.Join(' ', forEdge));
                    edge.Enqueue(forEdge);
                }
                Interlocked.Increment(ref Received);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
