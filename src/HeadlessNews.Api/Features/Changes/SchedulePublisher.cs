using HeadlessNews.Api.Features.Articles;
using Microsoft.Extensions.Options;
using Npgsql;

namespace HeadlessNews.Api.Features.Changes;

/// <summary>
/// The delivery API shows a scheduled article the moment its time comes, without any job. Partners are told by
/// this loop: every few seconds it announces due scheduled articles through the write path
/// (ArticleWriter.PublishDueAsync), a hundred per transaction. SKIP LOCKED lets several instances run it.
/// </summary>
internal sealed class SchedulePublisher(
    NpgsqlDataSource db, ArticleWriter writer, IOptions<HeadlessNewsOptions> options, ILogger<SchedulePublisher> logger) : BackgroundService
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
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
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
        var due = await ArticleWriter.PublishDueAsync(connection, tx, null, options.Value.SiteUrl, ct);
        await tx.CommitAsync(ct);
        if (due.Count > 0)
        {
            // The public sees them already, but a response cached before their time may not show them.
            await writer.PurgeAsync(due);
            logger.LogInformation("Announced {Count} scheduled article(s) whose time has come", due.Count);
        }
        return due.Count;
    }
}
