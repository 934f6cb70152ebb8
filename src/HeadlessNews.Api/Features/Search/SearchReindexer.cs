using Dapper;
using HeadlessNews.Api.Infrastructure.Http;
using Microsoft.Extensions.Options;
using Npgsql;

namespace HeadlessNews.Api.Features.Search;

/// <summary>
/// Each article keeps the text-search language it was indexed with. When HeadlessNews:Search:Language changes,
/// this re-indexes the others in the background after start, a few hundred at a time (each batch is short, so
/// editors are never held up), then purges cached search results.
/// </summary>
internal sealed class SearchReindexer(
    NpgsqlDataSource db, IOptions<HeadlessNewsOptions> options, DeliveryCacheInvalidator cache, ILogger<SearchReindexer> logger) : BackgroundService
{
    private const string Batch = """
        update articles set search_language = @language::regconfig
        where id in (select id from articles where search_language <> @language::regconfig limit 500 for update skip locked)
        """;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var language = options.Value.Search.Language;
        var total = 0;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await using var connection = await db.OpenConnectionAsync(stoppingToken);
                var changed = await connection.ExecuteAsync(new CommandDefinition(Batch, new { language }, cancellationToken: stoppingToken));
                if (changed == 0)
                    break;
                total += changed;
            }
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException && !stoppingToken.IsCancellationRequested)
        {
            logger.LogWarning(e, "Re-indexing articles for the '{Language}' text-search language stopped after {Count}; it resumes at the next start", language, total);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        if (total > 0)
        {
            await cache.EverythingChangedAsync();
            logger.LogInformation("Re-indexed {Count} article(s) for the '{Language}' text-search language", total, language);
        }
    }
}
