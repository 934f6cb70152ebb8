using System.Globalization;
using Dapper;
using HeadlessNews.Api.Features.Articles;
using HeadlessNews.Api.Infrastructure.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;

namespace HeadlessNews.Api.Features.Changes;

/// <summary>Opaque change-feed tokens: the last seq a caller has seen.</summary>
internal static class ChangeTokens
{
    public static string Encode(long seq) => Cursor.EncodeText("changes:" + seq.ToString(CultureInfo.InvariantCulture));

    public static bool TryDecode(string? token, out long seq)
    {
        seq = 0;
        return Cursor.TryDecodeText(token, out var text) && text.StartsWith("changes:", StringComparison.Ordinal)
            && long.TryParse(text.AsSpan("changes:".Length), NumberStyles.None, CultureInfo.InvariantCulture, out seq);
    }
}

/// <summary>
/// The change feed for partners who mirror the content: every article that became visible, changed or stopped
/// being visible since a token, oldest change first. Replaying it from the start leaves exactly the published set.
/// </summary>
internal static class ChangeFeedEndpoints
{
    public static RouteHandlerBuilder MapChangeFeed(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/v1/changes", ListChanges).WithTags("Changes").WithName("ListChanges").AllowAnonymous()
            .RequireCors(CorsSetup.Delivery).WithValidation()
            .WithSummary("Changes since a token")
            .WithDescription("Without since: every published article (a full initial sync). With since: each article that became " +
                             "visible, changed or stopped being visible after that token, at its latest change, oldest first; " +
                             "type delete is a tombstone. A scheduled article appears when its time comes (within " +
                             "HeadlessNews:Scheduling:PollSeconds). Keep nextSince and poll with it.");

    private sealed record ChangeRow(long Seq, Guid ArticleId, string Slug, DateTime ChangedAt, bool Visible);

    private static async Task<Ok<ChangeList>> ListChanges(
        [AsParameters] ChangeQuery query, HttpContext http, NpgsqlDataSource db, IOptions<HeadlessNewsOptions> options, CancellationToken ct)
    {
        var limit = query.Limit ?? 100;
        var since = ChangeTokens.TryDecode(query.Since, out var seq) ? seq : 0;
        await using var connection = await db.OpenConnectionAsync(ct);
        // One snapshot for the page and the articles it names.
        await using var tx = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        var rows = (await connection.QueryAsync<ChangeRow>(new CommandDefinition(ChangeSql.Page, new { since, limit = limit + 1 }, tx, cancellationToken: ct))).AsList();
        var hasMore = rows.Count > limit;
        if (hasMore)
            rows.RemoveAt(limit);

        var visibleIds = rows.Where(r => r.Visible).Select(r => r.ArticleId).ToArray();
        var articles = visibleIds.Length == 0 ? [] : (await ArticleMapping.LoadArticlesAsync(connection,
            $"select {ArticleSql.FullColumns} from visible_articles a where a.id = any(@ids)", new { ids = visibleIds }, options.Value.SiteUrl, ct))
            .ToDictionary(a => a.Id);
        await tx.CommitAsync(ct);

        var items = rows.Select(r => articles.TryGetValue(r.ArticleId, out var article)
            ? new Change("upsert", r.ArticleId, article.Slug, r.ChangedAt, article)
            // Deleted, unpublished and archived articles are tombstones. On a first sync there is nothing to delete.
            : new Change("delete", r.ArticleId, r.Slug, r.ChangedAt, null))
            .Where(c => query.Since is not null || c.Type == "upsert")
            .ToList();
        var next = rows.Count > 0 ? rows[^1].Seq : since;
        http.Response.Headers.CacheControl = "no-cache";
        return TypedResults.Ok(new ChangeList(items, ChangeTokens.Encode(next), hasMore));
    }
}
