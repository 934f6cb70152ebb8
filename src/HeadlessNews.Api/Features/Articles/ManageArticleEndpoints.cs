using System.Text;
using Dapper;
using HeadlessNews.Api.Features.Changes;
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
            sql.Append(query.Status switch
            {
                "published" => " and a.status in ('published', 'scheduled') and a.published_at <= now()",
                "scheduled" => " and a.status = 'scheduled' and a.published_at > now()",
                _ => " and a.status = @status",
            });
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

    private static async Task<Results<Created<Article>, ProblemHttpResult>> CreateArticle(
        ArticleWrite write, HttpContext http, NpgsqlDataSource db, IOptions<HeadlessNewsOptions> options, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        if (await UnknownTags(connection, tx, write.Tags, ct) is { } unknown)
            return unknown;
        var id = await ArticleWrites.InsertAsync(connection, tx, write, options.Value.Search.Language, ct);
        var article = (await ArticleMapping.LoadByIdAsync(connection, id, options.Value.SiteUrl, ct))!;
        await RevisionLog.RecordAsync(connection, tx, article, RevisionLog.Created, http.User.Actor(), ct);
        await tx.CommitAsync(ct);
        ETags.Set(http, article.Version);
        return TypedResults.Created($"/api/v1/manage/articles/{id}", article);
    }

    private static Task<Results<Ok<Article>, ProblemHttpResult>> UpdateArticle(
        Guid id, ArticleWrite write, HttpContext http, NpgsqlDataSource db, IOptions<HeadlessNewsOptions> options, CancellationToken ct) =>
        ChangeAsync(id, http, db, options, ct, RevisionLog.Updated, EventTypes.ArticleUnpublished, async (connection, tx, state) =>
        {
            // A live article must stay publishable: an edit cannot strip its disclosure or sources.
            if (state.IsLive && Publishability.Problems(write.AiGenerated, write.Disclosure, write.Sources?.Count ?? 0) is { Count: > 0 } errors)
                return Problems.Unprocessable("This edit would leave a published article without what it needs to be published.", errors);
            if (await UnknownTags(connection, tx, write.Tags, ct) is { } unknown)
                return unknown;
            await ArticleWrites.UpdateAsync(connection, tx, id, write, options.Value.Search.Language, ct);
            if (state.IsLive)
                await ArticleWrites.RefreshTextNeighboursAsync(connection, tx, id, ct);
            return null;
        });

    private static Task<Results<Ok<Article>, ProblemHttpResult>> PublishArticle(
        Guid id, [FromBody] PublishRequest? request, HttpContext http, NpgsqlDataSource db, IOptions<HeadlessNewsOptions> options, CancellationToken ct) =>
        // A live article moved to a future time leaves the public view until then: an unpublish for partners.
        ChangeAsync(id, http, db, options, ct, RevisionLog.Published, EventTypes.ArticleUnpublished, async (connection, tx, state) =>
        {
            if (Publishability.Problems(state.AiGenerated, state.Disclosure, state.SourceCount) is { Count: > 0 } errors)
                return Problems.Unprocessable("This article cannot be published yet.", errors);
            // No time given: now, by the database's clock (the one the visibility rule reads), or the time it already went live.
            var at = request?.PublishAt?.UtcDateTime ?? (state.Status == "published" ? state.PublishedAt : null);
            await ArticleWrites.PublishAsync(connection, tx, id, at, ct);
            return null;
        });

    private static Task<Results<Ok<Article>, ProblemHttpResult>> UnpublishArticle(
        Guid id, HttpContext http, NpgsqlDataSource db, IOptions<HeadlessNewsOptions> options, CancellationToken ct) =>
        ChangeAsync(id, http, db, options, ct, RevisionLog.Unpublished, EventTypes.ArticleUnpublished, (connection, tx, _) => Run(connection, tx, ArticleSql.Unpublish, id, ct));

    private static Task<Results<Ok<Article>, ProblemHttpResult>> ArchiveArticle(
        Guid id, HttpContext http, NpgsqlDataSource db, IOptions<HeadlessNewsOptions> options, CancellationToken ct) =>
        ChangeAsync(id, http, db, options, ct, RevisionLog.Archived, EventTypes.ArticleArchived, (connection, tx, _) => Run(connection, tx, ArticleSql.Archive, id, ct));

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteArticle(
        Guid id, HttpContext http, NpgsqlDataSource db, IOptions<HeadlessNewsOptions> options, CancellationToken ct)
    {
        if (ETags.ExpectedVersion(http.Request) is not { } expected)
            return Problems.PreconditionRequired();
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var (state, failure) = await LockAsync(connection, tx, id, expected, ct);
        if (failure is not null)
            return failure;
        await ContentEvents.CatchUpScheduledAsync(connection, tx, id, options.Value.SiteUrl, ct);
        var last = (await ArticleMapping.LoadByIdAsync(connection, id, options.Value.SiteUrl, ct))!;
        await ContentEvents.ArticleDeletingAsync(connection, tx, last, state!.IsLive, ct);
        await RevisionLog.RecordAsync(connection, tx, last, RevisionLog.Deleted, http.User.Actor(), ct);
        await connection.ExecuteAsync(new CommandDefinition(ArticleSql.Delete, new { id }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        await http.RequestServices.GetRequiredService<DeliveryCacheInvalidator>().ArticleChangedAsync(id);
        return TypedResults.NoContent();
    }

    private static Task<Results<Ok<Article>, ProblemHttpResult>> AddCorrection(
        Guid id, CorrectionWrite note, HttpContext http, NpgsqlDataSource db, IOptions<HeadlessNewsOptions> options, CancellationToken ct) =>
        ChangeAsync(id, http, db, options, ct, RevisionLog.Corrected, EventTypes.ArticleUnpublished, async (connection, tx, state) =>
        {
            if (!state.IsLive)
                return Problems.Unprocessable("Corrections are published with an article; this one is not published.",
                    new Dictionary<string, string[]> { ["status"] = [$"The article is {state.Status}."] });
            var actor = http.User.Actor();
            await connection.ExecuteAsync(new CommandDefinition(ArticleSql.AddCorrection,
                new { id, note.Kind, note.Text, actor.KeyId, actor.KeyName }, tx, cancellationToken: ct));
            return null;
        });

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
        Guid id, RelatedWrite write, HttpContext http, NpgsqlDataSource db, IOptions<HeadlessNewsOptions> options, CancellationToken ct) =>
        ChangeAsync(id, http, db, options, ct, RevisionLog.Related, EventTypes.ArticleUnpublished, async (connection, tx, _) =>
        {
            if (write.ArticleIds.Contains(id))
                return Problems.Invalid("articleIds", "An article cannot be related to itself.");
            var known = (await connection.QueryAsync<Guid>(new CommandDefinition(ArticleSql.KnownArticleIds,
                new { ids = write.ArticleIds.ToArray() }, tx, cancellationToken: ct))).ToHashSet();
            if (write.ArticleIds.FirstOrDefault(a => !known.Contains(a)) is var missing && missing != Guid.Empty)
                return Problems.Invalid("articleIds", $"No article has id '{missing}'.");
            await ArticleWrites.ReplaceRelatedAsync(connection, tx, id, write.ArticleIds, ct);
            return null;
        });

    /// <summary>
    /// The shape of every write to an existing article: If-Match, lock the row, check the version,
    /// make the change (or refuse it, leaving nothing changed), commit, answer with the new article and ETag.
    /// </summary>
    internal static async Task<Results<Ok<Article>, ProblemHttpResult>> ChangeAsync(
        Guid id, HttpContext http, NpgsqlDataSource db, IOptions<HeadlessNewsOptions> options, CancellationToken ct,
        string action, string goneType, Func<NpgsqlConnection, NpgsqlTransaction, ArticleState, Task<ProblemHttpResult?>> change)
    {
        if (ETags.ExpectedVersion(http.Request) is not { } expected)
            return Problems.PreconditionRequired();
        await using var connection = await db.OpenConnectionAsync(ct);
        Article article;
        await using (var tx = await connection.BeginTransactionAsync(ct))
        {
            var (state, failure) = await LockAsync(connection, tx, id, expected, ct);
            if (failure is not null)
                return failure;
            await ContentEvents.CatchUpScheduledAsync(connection, tx, id, options.Value.SiteUrl, ct);
            if (await change(connection, tx, state!) is { } refused)
                return refused;
            article = (await ArticleMapping.LoadByIdAsync(connection, id, options.Value.SiteUrl, ct))!;
            await ContentEvents.ArticleWrittenAsync(connection, tx, article, state!.IsLive, goneType, ct);
            await RevisionLog.RecordAsync(connection, tx, article, action, http.User.Actor(), ct);
            await tx.CommitAsync(ct);
        }
        await http.RequestServices.GetRequiredService<DeliveryCacheInvalidator>().ArticleChangedAsync(id);
        ETags.Set(http, article.Version);
        return TypedResults.Ok(article);
    }

    internal static async Task<(ArticleState? State, ProblemHttpResult? Failure)> LockAsync(
        NpgsqlConnection connection, NpgsqlTransaction tx, Guid id, int expectedVersion, CancellationToken ct)
    {
        var state = await connection.QuerySingleOrDefaultAsync<ArticleState>(new CommandDefinition(ArticleSql.LockForWrite, new { id }, tx, cancellationToken: ct));
        if (state is null)
            return (null, Problems.NotFound("article"));
        // -1 is If-Match: * (any current version).
        if (expectedVersion != -1 && expectedVersion != state.Version)
            return (state, Problems.PreconditionFailed());
        return (state, null);
    }

    private static async Task<ProblemHttpResult?> Run(NpgsqlConnection connection, NpgsqlTransaction tx, string sql, Guid id, CancellationToken ct)
    {
        await connection.ExecuteAsync(new CommandDefinition(sql, new { id }, tx, cancellationToken: ct));
        return null;
    }

    internal static async Task<ProblemHttpResult?> UnknownTags(NpgsqlConnection connection, NpgsqlTransaction tx, IReadOnlyList<string>? tags, CancellationToken ct)
    {
        if (tags is not { Count: > 0 })
            return null;
        var known = (await connection.QueryAsync<string>(new CommandDefinition(ArticleSql.KnownTagSlugs, new { slugs = tags.ToArray() }, tx, cancellationToken: ct))).ToHashSet();
        var unknown = tags.Where(t => !known.Contains(t)).ToList();
        return unknown.Count == 0 ? null : Problems.Invalid("tags", $"Unknown tag slug(s): {string.Join(", ", unknown)}. Create the tag first.");
    }
}
