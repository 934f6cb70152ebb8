using Dapper;
using HeadlessNews.Api.Infrastructure.Database;
using Microsoft.Extensions.Options;
using Npgsql;

namespace HeadlessNews.Api.Infrastructure.Cluster;

/// <summary>Read-replica settings under "HeadlessNews:Replica" (the standby itself is ConnectionStrings:HeadlessNewsReplica).</summary>
public sealed class ReplicaOptions
{
    public const string Section = "HeadlessNews:Replica";

    /// <summary>Delivery reads leave the standby while it is further behind the primary than this, in seconds.</summary>
    [System.ComponentModel.DataAnnotations.Range(0.0, 86400.0, ErrorMessage = "HeadlessNews:Replica:MaxLagSeconds must be from 0 to 86400.")]
    public double MaxLagSeconds { get; set; } = 5;

    /// <summary>How often the standby's replay position and the primary's write position are asked for, in milliseconds.</summary>
    [System.ComponentModel.DataAnnotations.Range(10, 60_000, ErrorMessage = "HeadlessNews:Replica:CheckMilliseconds must be from 10 to 60000.")]
    public int CheckMilliseconds { get; set; } = 200;
}

/// <summary>
/// What this process knows of the standby: whether it answers, how far it has replayed the primary's WAL, and the
/// furthest WAL position of any write this process has been told about (its own, or another instance's through the
/// purge notification). Delivery reads use the standby only when it has replayed at least that far: a purge is
/// never followed by a read of the data from before it, so nothing stale goes back into a cache, and an editor
/// reads their own writes. When the primary cannot be reached the standby answers whatever its lag: it is then the
/// freshest copy there is.
/// </summary>
internal sealed class ReplicaState
{
    private long _required;
    private long _replayed;
    private volatile bool _replicaUp;
    private volatile bool _primaryUp = true;
    private double _lagSeconds;

    public double MaxLagSeconds { get; set; } = double.MaxValue;

    public ulong RequiredLsn => (ulong)Interlocked.Read(ref _required);
    public ulong ReplayedLsn => (ulong)Interlocked.Read(ref _replayed);
    public bool ReplicaUp => _replicaUp;
    public bool PrimaryUp => _primaryUp;
    public double LagSeconds => Volatile.Read(ref _lagSeconds);

    public bool UseReplica => _replicaUp && (!_primaryUp || (ReplayedLsn >= RequiredLsn && LagSeconds <= MaxLagSeconds));

    /// <summary>A write committed at or before this WAL position: reads must not come from before it.</summary>
    public void Require(ulong lsn)
    {
        long current;
        while ((ulong)(current = Interlocked.Read(ref _required)) < lsn)
            if (Interlocked.CompareExchange(ref _required, (long)lsn, current) == current)
                return;
    }

    public void Observed(bool replicaUp, ulong replayed, bool primaryUp, double lagSeconds)
    {
        Interlocked.Exchange(ref _replayed, (long)replayed);
        Volatile.Write(ref _lagSeconds, lagSeconds);
        _primaryUp = primaryUp;
        _replicaUp = replicaUp;
    }

    /// <summary>A read on the standby failed: stop using it until the monitor sees it answer again.</summary>
    public void ReplicaFailed() => _replicaUp = false;

    /// <summary>
    /// A read on the primary could not reach it: delivery reads use the standby until the monitor sees the primary
    /// answer again (at its next look, CheckMilliseconds later).
    /// </summary>
    public void PrimaryFailed() => _primaryUp = false;

    /// <summary>
    /// The standby has not been seen to replay every write this process knows of: what it answers may be from before
    /// one of them, fit to answer a reader (the primary being unreachable) but not to keep in a cache.
    /// </summary>
    public bool ReplicaBehind => ReplayedLsn < RequiredLsn;

    public static ulong Parse(string? lsn) => string.IsNullOrEmpty(lsn) ? 0 : (ulong)NpgsqlTypes.NpgsqlLogSequenceNumber.Parse(lsn);
}

/// <summary>
/// Asks the primary for its WAL position and the standby for its replay position every CheckMilliseconds. The lag is
/// measured in time, from the primary's own positions: it is how long ago the primary was at a position the standby
/// has not replayed yet (0 when it has replayed everything the primary had written at the last look). Replay
/// timestamps would call an idle standby late; bytes mean nothing to an operator.
/// </summary>
internal sealed class ReplicaMonitor(
    NpgsqlDataSource primary, DeliveryDataSource delivery, ReplicaState state, IOptions<ReplicaOptions> options, ILogger<ReplicaMonitor> logger)
    : BackgroundService
{
    private readonly Queue<(DateTime At, ulong Lsn)> _primaryPositions = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (delivery.Replica is not { } replica)
            return;
        state.MaxLagSeconds = options.Value.MaxLagSeconds;
        var interval = TimeSpan.FromMilliseconds(options.Value.CheckMilliseconds);
        var wasUsable = (bool?)null;
        while (!stoppingToken.IsCancellationRequested)
        {
            var now = DateTime.UtcNow;
            var primaryUp = true;
            try
            {
                await using var connection = await primary.OpenConnectionAsync(stoppingToken);
                var lsn = ReplicaState.Parse(await connection.ExecuteScalarAsync<string>(new CommandDefinition(
                    "select pg_current_wal_lsn()::text", cancellationToken: stoppingToken)));
                _primaryPositions.Enqueue((now, lsn));
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException && !stoppingToken.IsCancellationRequested)
            {
                primaryUp = false;
                primary.Clear();
            }
            var replicaUp = true;
            ulong replayed = 0;
            try
            {
                await using var connection = await replica.OpenConnectionAsync(stoppingToken);
                // A promoted standby replays nothing: its own position is then how far it is.
                replayed = ReplicaState.Parse(await connection.ExecuteScalarAsync<string>(new CommandDefinition(
                    "select coalesce(pg_last_wal_replay_lsn(), case when not pg_is_in_recovery() then pg_current_wal_lsn() end)::text",
                    cancellationToken: stoppingToken)));
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException && !stoppingToken.IsCancellationRequested)
            {
                replicaUp = false;
                delivery.ClearAll();
            }
            catch (OperationCanceledException)
            {
                return;
            }
            // Positions the standby has replayed tell nothing more; the oldest one left is the lag.
            while (_primaryPositions.Count > 0 && _primaryPositions.Peek().Lsn <= replayed)
                _primaryPositions.Dequeue();
            while (_primaryPositions.Count > 10_000)
                _primaryPositions.Dequeue();
            var lag = _primaryPositions.Count == 0 ? 0 : (now - _primaryPositions.Peek().At).TotalSeconds;
            state.Observed(replicaUp, replayed, primaryUp, lag);
            // Said when it changes, not per write (each write sends reads to the primary until the standby replays it).
            var usable = replicaUp && lag <= state.MaxLagSeconds;
            if (wasUsable != usable && (wasUsable is not null || !usable))
            {
                if (usable)
                    logger.LogInformation("The standby answers delivery reads again (lag {Lag:0.###} s)", lag);
                else
                    logger.LogWarning("Delivery reads go to the primary: the standby {Reason}", replicaUp ? $"is {lag:0.###} s behind" : "does not answer");
            }
            wasUsable = usable;
            try
            {
                await Task.Delay(interval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
