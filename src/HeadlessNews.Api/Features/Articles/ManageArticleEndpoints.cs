using System.Text;
using Dapper;
using HeadlessNews.Api.Features.Revisions;
using HeadlessNews.Api.Infrastructure.Auth;
using HeadlessNews.Api.Infrastructure.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Npgsql;

namespace HeadlessNews.Api.Features.Articles;

/// <summary>
/// The management API: every article in every status, addressed by id. Writes to an existing article
/// need If-Match with its ETag (428 without, 412 when stale), so no edit is ever silently overwritten.
/// </summary>
internal static class ManageArticleEndpoints
{
    public static RouteGroupBuilder MapManageArticles(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/manage/articles").WithTags("Manage articles")
            .RequireAuthorization(Policies.ReadContent).RequireCors(CorsSetup.Management).WithValidation();

        group.MapGet("/", ListArticles).WithName("ManageListArticles")
            .WithSummary("List articles in any status").WithDescription("Newest created first, keyset paginated.");
        group.MapPost("/", CreateArticle).WithName("CreateArticle")
            .WithSummary("Create a draft").WithDescription("A new article is always a draft; publish it with the publish operation.")
            .RequireAuthorization(Policies.WriteContent).ProducesProblems(409);
        group.MapGet("/{id:guid}", GetArticle).WithName("ManageGetArticle")
            .WithSummary("Get an article in any status").ProducesProblems(404).WithDescription("The ETag header is what writes send back in If-Match.");
        group.MapPut("/{id:guid}", UpdateArticle).WithName("UpdateArticle")
            .WithSummary("Replace an article's editable fields")
            .RequireAuthorization(Policies.WriteContent).ProducesProblems(404, 409, 412, 422, 428);
        group.MapDelete("/{id:guid}", DeleteArticle).WithName("DeleteArticle")
            .WithSummary("Delete an article (admin)").RequireAuthorization(Policies.Admin).ProducesProblems(404, 412, 428);
        group.MapPost("/{id:guid}/publish", PublishArticle).WithName("PublishArticle")
            .WithSummary("Publish now, back-date or schedule")
            .WithDescription("No body or no publishAt: publish now (an article already live keeps its time). " +
                             "A future publishAt schedules it: it appears on the delivery API when that time comes. " +
                             "An AI-generated article needs its disclosure and at least one source (422 otherwise).")
            .RequireAuthorization(Policies.WriteContent).ProducesProblems(404, 412, 422, 428);
        group.MapPost("/{id:guid}/unpublish", UnpublishArticle).WithName("UnpublishArticle")
            .WithSummary("Take an article back to draft").RequireAuthorization(Policies.WriteContent).ProducesProblems(404, 412, 428);
        group.MapPost("/{id:guid}/archive", ArchiveArticle).WithName("ArchiveArticle")
            .WithSummary("Archive an article (hidden, kept)").RequireAuthorization(Policies.WriteContent).ProducesProblems(404, 412, 428);
        group.MapPost("/{id:guid}/corrections", AddCorrection).WithName("AddCorrection")
            .WithSummary("Attach a correction or update note to a published article")
            .WithDescription("The note shows on the article and in the feeds, after any earlier ones. Notes cannot be edited or removed. " +
                             "Only for published articles (422 otherwise); changes the ETag.")
            .RequireAuthorization(Policies.WriteContent).ProducesProblems(404, 412, 422, 428);
        group.MapGet("/{id:guid}/related", GetCurated).WithName("ManageGetRelated")
            .WithSummary("The curated related articles, in order").ProducesProblems(404);
        group.MapPut("/{id:guid}/related", ReplaceCurated).WithName("ReplaceRelated")
            .WithSummary("Replace the curated related articles")
            .WithDescription("The ordered list of article ids to show first among related cards. Changes the article's ETag.")
            .RequireAuthorization(Policies.WriteContent).ProducesProblems(404, 412, 428);
        return group;
    }

    private static async Task<Ok<ArticleList>> ListArticles(
        [AsParameters] ManageArticleListQuery query, NpgsqlDataSource db, IOptions<HeadlessNewsOptions> options, CancellationToken ct)
    {
        var limit = query.Limit ?? 20;
        var sql = new StringBuilder($"select {ArticleSql.CardColumns} from articles a where true");
        var args = new DynamicParameters(new { limit = limit + 1 });
        if (Cursor.TryDecode(query.Cursor, out var after))
        {
            sql.Append(" and (a.created_at, a.id) < (@afterAt, @afterId)");
            args.AddDynamicParams(new { afterAt = after.At, afterId = after.Id });
        }
        if (query.Status is not null)
        {
            sql.Append(" and article_effective_status(a.status, a.published_at) = @status");
            args.AddDynamicParams(new { status = query.Status });
        }
        sql.Append(" order by a.created_at desc, a.id desc limit @limit");

        await using var connection = db.CreateConnection();
        var cards = await ArticleMapping.LoadCardsAsync(connection, sql.ToString(), args, options.Value.SiteUrl, ct);
        var next = Cursor.TrimToPage(cards, limit, last => Cursor.Encode(last.Card.CreatedAt, last.Card.Id));
        return TypedResults.Ok(new ArticleList(cards.Select(c => c.Card).ToList(), next));
    }

    private static async Task<Results<Ok<Article>, ProblemHttpResult>> GetArticle(
        Guid id, HttpContext http, NpgsqlDataSource db, IOptions<HeadlessNewsOptions> options, CancellationToken ct)
    {
        await using var connection = db.CreateConnection();
        var article = await ArticleMapping.LoadByIdAsync(connection, id, options.Value.SiteUrl, ct);
        if (article is null)
            return Problems.NotFound("article");
        ETags.Set(http, article.Version);
        return TypedResults.Ok(article);
    }

    private static Task<Results<Created<Article>, ProblemHttpResult>> CreateArticle(
        ArticleWrite write, HttpContext http, ArticleWriter writer, CancellationToken ct) =>
        writer.CreateAsync(write, http, ct);

    private static Task<Results<Ok<Article>, ProblemHttpResult>> UpdateArticle(
        Guid id, ArticleWrite write, HttpContext http, ArticleWriter writer, CancellationToken ct) =>
        writer.ChangeAsync(id, http, RevisionLog.Updated, async (connection, tx, _) =>
        {
            if (await ArticleWriter.UnknownTagsAsync(connection, tx, write.Tags, ct) is { } unknown)
                return unknown;
            await ArticleWrites.UpdateAsync(connection, tx, id, write, writer.SearchLanguage, ct);
            return null;
        }, ct);

    private static Task<Results<Ok<Article>, ProblemHttpResult>> PublishArticle(
        Guid id, [FromBody] PublishRequest? request, HttpContext http, ArticleWriter writer, CancellationToken ct) =>
        writer.ChangeAsync(id, http, RevisionLog.Published, async (connection, tx, state) =>
        {
            // No time given: now, by the database's clock (the one the visibility rule reads), or the time it already went live.
            var at = request?.PublishAt?.UtcDateTime ?? (state.Visibility.IsPublic() ? state.PublishedAt : null);
            await ArticleWrites.PublishAsync(connection, tx, id, at, ct);
            return null;
        }, ct);

    private static Task<Results<Ok<Article>, ProblemHttpResult>> UnpublishArticle(Guid id, HttpContext http, ArticleWriter writer, CancellationToken ct) =>
        writer.ChangeAsync(id, http, RevisionLog.Unpublished, (connection, tx, _) => Run(connection, tx, ArticleSql.Unpublish, id, ct), ct);

    private static Task<Results<Ok<Article>, ProblemHttpResult>> ArchiveArticle(Guid id, HttpContext http, ArticleWriter writer, CancellationToken ct) =>
        writer.ChangeAsync(id, http, RevisionLog.Archived, (connection, tx, _) => Run(connection, tx, ArticleSql.Archive, id, ct), ct);

    private static Task<Results<NoContent, ProblemHttpResult>> DeleteArticle(Guid id, HttpContext http, ArticleWriter writer, CancellationToken ct) =>
        writer.DeleteAsync(id, http, ct);

    private static Task<Results<Ok<Article>, ProblemHttpResult>> AddCorrection(
        Guid id, CorrectionWrite note, HttpContext http, ArticleWriter writer, CancellationToken ct) =>
        writer.ChangeAsync(id, http, RevisionLog.Corrected, async (connection, tx, state) =>
        {
            // Only what the public can read now is corrected: an embargoed article is still edited like a draft.
            if (!state.Visibility.IsPublic())
                return Problems.Unprocessable("Corrections are published with an article; this one is not published.",
                    new Dictionary<string, string[]> { ["status"] = [$"The article is {state.Status}."] });
            var actor = http.User.Actor();
            await connection.ExecuteAsync(new CommandDefinition(ArticleSql.AddCorrection,
                new { id, note.Kind, note.Text, actor.KeyId, actor.KeyName }, tx, cancellationToken: ct));
            return null;
        }, ct);

    private static async Task<Results<Ok<RelatedList>, ProblemHttpResult>> GetCurated(Guid id, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = db.CreateConnection();
        using var results = await connection.QueryMultipleAsync(new CommandDefinition(
            $"select exists (select 1 from articles where id = @id);\n{ArticleSql.CuratedOfId}", new { id }, cancellationToken: ct));
        if (!await results.ReadSingleAsync<bool>())
            return Problems.NotFound("article");
        return TypedResults.Ok(new RelatedList((await results.ReadAsync<RelatedRow>()).Select(r => r.ToCard()).ToList(), null));
    }

    private static Task<Results<Ok<Article>, ProblemHttpResult>> ReplaceCurated(
        Guid id, RelatedWrite write, HttpContext http, ArticleWriter writer, CancellationToken ct) =>
        writer.ChangeAsync(id, http, RevisionLog.Related, async (connection, tx, _) =>
        {
            if (write.ArticleIds.Contains(id))
                return Problems.Invalid("articleIds", "An article cannot be related to itself.");
            var known = (await connection.QueryAsync<Guid>(new CommandDefinition(ArticleSql.KnownArticleIds,
                new { ids = write.ArticleIds.ToArray() }, tx, cancellationToken: ct))).ToHashSet();
            if (write.ArticleIds.FirstOrDefault(a => !known.Contains(a)) is var missing && missing != Guid.Empty)
                return Problems.Invalid("articleIds", $"No article has id '{missing}'.");
            await ArticleWrites.ReplaceRelatedAsync(connection, tx, [(id, write.ArticleIds)], ct);
            await ArticleWrites.TouchAsync(connection, tx, [id], ct);
            return null;
        }, ct);

    private static async Task<ProblemHttpResult?> Run(NpgsqlConnection connection, NpgsqlTransaction tx, string sql, Guid id, CancellationToken ct)
    {
        await connection.ExecuteAsync(new CommandDefinition(sql, new { id }, tx, cancellationToken: ct));
        return null;
    }
}
