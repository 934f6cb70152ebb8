using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace HeadlessNews.Api.Features.Changes;

/// <summary>
/// The delivery API shows a scheduled article the moment its time comes, without any job. Partners are told by
/// this loop: every few seconds it marks due scheduled articles published and writes their article.published
/// event and change-feed entry, in one transaction per batch. SKIP LOCKED lets several instances run it.
/// </summary>
internal sealed class SchedulePublisher(NpgsqlDataSource db, IOptions<HeadlessNewsOptions> options, ILogger<SchedulePublisher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromSeconds(Math.Max(0.1, options.Value.Scheduling.PollSeconds));
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (await PublishDueAsync(stoppingToken) == 100)
                {
                }
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException && !stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(e, "Announcing due scheduled articles failed; trying again in {Interval}", interval);
            }
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

    public async Task<int> PublishDueAsync(CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var due = (await connection.QueryAsync<Guid>(new CommandDefinition(ChangeSql.DueScheduled, transaction: tx, cancellationToken: ct))).AsList();
        foreach (var id in due)
            await ContentEvents.CatchUpScheduledAsync(connection, tx, id, options.Value.SiteUrl, ct);
        await tx.CommitAsync(ct);
        if (due.Count > 0)
            logger.LogInformation("Announced {Count} scheduled article(s) whose time has come", due.Count);
        return due.Count;
    }
}
