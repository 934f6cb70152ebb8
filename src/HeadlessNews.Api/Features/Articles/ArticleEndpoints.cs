using Dapper;
using HeadlessNews.Api.Features.Tags;
using HeadlessNews.Api.Infrastructure.Database;
using HeadlessNews.Api.Infrastructure.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;

namespace HeadlessNews.Api.Features.Articles;

/// <summary>The public delivery API: only published articles whose time has come, newest first.</summary>
internal static class ArticleEndpoints
{
    public static RouteGroupBuilder MapArticles(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/articles").WithTags("Articles").AllowAnonymous().RequireCors(CorsSetup.Delivery).WithValidation().WithDeliveryCaching();
        group.MapGet("/", ListArticles).WithName("ListArticles").WithSparseFields<ArticleCard>("items")
            .WithSummary("List published articles")
            .WithDescription("Newest first, filtered by tags, tag kind and publish time; with q, full-text search results " +
                             "by relevance blended with recency, with snippets. Keyset pagination: " +
                             "pass nextCursor back as cursor; a Link header with rel=\"next\" carries the same URL.");
        group.MapGet("/{slug}", GetArticle).WithName("GetArticle").WithSparseFields<ArticlePage>().ProducesProblems(404)
            .WithSummary("Get a published article")
            .WithDescription("Everything an article page shows, in one response: body as Markdown and sanitized HTML, " +
                             "outline, tags, sources, AI disclosure and four related cards.");
        group.MapGet("/{slug}/related", GetRelated).WithName("GetRelatedArticles").WithSparseFields<RelatedCard>("items").ProducesProblems(404)
            .WithSummary("Related articles")
            .WithDescription("Curated links in the editor's order first, then computed ones (shared tags, then recency). " +
                             "Each card's kind says which.");
        return group;
    }

    private static async Task<Ok<ArticleList>> ListArticles(
        [AsParameters] ArticleListQuery query, HttpContext http, DeliveryDataSource hot, TagDirectory tagDirectory,
        SearchStatistics searchStatistics, IOptions<HeadlessNewsOptions> options, CancellationToken ct)
    {
        var limit = query.Limit ?? 20;
        var searching = !string.IsNullOrWhiteSpace(query.Q);
        var (sql, args, plannedPerQuery) = ArticleListSql.Build(query, limit + 1, options.Value.Search.Language,
            searching ? searchStatistics.Current(ArticleListSql.SearchWindow) : SearchStatistics.None);
        // Opened here: when the tags changed, their new state is read on the same connection as the page.
        await using var connection = await (plannedPerQuery ? hot.Search : hot.Source).OpenConnectionAsync(ct);
        var cards = await ArticleMapping.LoadPageAsync(connection, tagDirectory, sql, args, options.Value.SiteUrl, ct);
        var next = Cursor.TrimToPage(cards, limit, last => searching
            ? Cursor.EncodeScore(last.Score, last.Card.Id)
            : Cursor.Encode(last.Card.PublishedAt!.Value, last.Card.Id));
        if (next is not null)
            http.Response.Headers.Link = Cursor.NextLink(http.Request, next);
        SurrogateKeys.Add(http, [SurrogateKeys.Lists, .. cards.Select(c => SurrogateKeys.Article(c.Card.Id))]);
        return TypedResults.Ok(new ArticleList(cards.Select(c => c.Card).ToList(), next));
    }

    private static async Task<Results<Ok<ArticlePage>, ProblemHttpResult>> GetArticle(
        string slug, HttpContext http, DeliveryDataSource db, TagDirectory tagDirectory, IOptions<HeadlessNewsOptions> options, CancellationToken ct)
    {
        // A slug that cannot exist answers exactly like one that does not: no lookup, same 404.
        if (!TextRules.IsSlug(slug, 200))
            return Problems.NotFound("article");

        // One round trip for the article with its tag ids and its curated cards, as one batch of plain statements
        // (prepared on the delivery pool), each row read whole (WholeRows); the tags' names come from the TagDirectory.
        await using var connection = await db.Source.OpenConnectionAsync(ct);
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands = { BySlug(ArticleSql.VisibleBySlug, slug), BySlug(ArticleSql.CuratedBySlug, slug, 4) },
        };
        ArticleRow? row;
        List<RelatedCard> related;
        await using (var reader = await batch.ExecuteReaderAsync(ct))
        {
            row = await reader.ReadAsync(ct) ? reader.GetRowParser<ArticleRow>()(reader) : null;
            related = (await ReadAllAsync<RelatedRow>(reader, ct)).Select(r => r.ToCard()).ToList();
        }
        if (row is null)
            return Problems.NotFound("article");
        var tags = (await tagDirectory.TagsOfAsync(connection, row.TagGeneration, [row.TagIds], ct))[0];
        // Computed cards only when the curated ones do not fill the four places: most articles never plan them.
        if (related.Count < 4)
            related = (await connection.QueryWholeAsync<RelatedRow>(new CommandDefinition(ArticleSql.RelatedBySlug, new { slug, limit = 4 }, cancellationToken: ct)))
                .Select(r => r.ToCard()).ToList();

        SurrogateKeys.Add(http, [SurrogateKeys.Related, SurrogateKeys.Article(row.Id), .. related.Select(r => SurrogateKeys.Article(r.Id))]);
        return TypedResults.Ok(new ArticlePage(row.ToArticle(tags, options.Value.SiteUrl), related));
    }

    // Positional: $1 the slug, $2 the limit (ArticleSql says why).
    private static NpgsqlBatchCommand BySlug(string sql, string slug, int? limit = null)
    {
        var command = new NpgsqlBatchCommand(sql) { Parameters = { new NpgsqlParameter<string> { TypedValue = slug } } };
        if (limit is { } l)
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = l });
        return command;
    }

    // The next result of a batch.
    private static async Task<List<T>> ReadAllAsync<T>(NpgsqlDataReader reader, CancellationToken ct) =>
        await reader.NextResultAsync(ct) ? await reader.ReadWholeAsync<T>(ct) : [];

    private static async Task<Results<Ok<RelatedList>, ProblemHttpResult>> GetRelated(
        string slug, [AsParameters] RelatedQuery query, HttpContext http, DeliveryDataSource db, CancellationToken ct)
    {
        if (!TextRules.IsSlug(slug, 200))
            return Problems.NotFound("article");
        await using var connection = db.Source.CreateConnection();
        using var results = await connection.QueryMultipleAsync(new CommandDefinition(
            $"{ArticleSql.VisibleIdBySlug};\n{ArticleSql.RelatedBySlug}", new { slug, limit = query.Limit ?? 4 }, cancellationToken: ct));
        if (await results.ReadSingleOrDefaultAsync<Guid?>() is not { } id)
            return Problems.NotFound("article");
        var cards = (await results.ReadAsync<RelatedRow>()).Select(r => r.ToCard()).ToList();
        SurrogateKeys.Add(http, [SurrogateKeys.Related, SurrogateKeys.Article(id), .. cards.Select(c => SurrogateKeys.Article(c.Id))]);
        return TypedResults.Ok(new RelatedList(cards, null));
    }
}
