using Dapper;
using HeadlessNews.Api.Features.Changes;
using HeadlessNews.Api.Infrastructure.Auth;
using HeadlessNews.Api.Infrastructure.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace HeadlessNews.Api.Features.Conversation;

internal sealed class ModeratedRow
{
    public Guid Id { get; init; }
    public Guid ArticleId { get; init; }
    public string ArticleSlug { get; init; } = "";
    public Guid? ParentId { get; init; }
    public Guid? AuthorId { get; init; }
    public string? AuthorName { get; init; }
    public bool AuthorStaff { get; init; }
    public string Body { get; init; } = "";
    public string BodyHtml { get; init; } = "";
    public string Status { get; init; } = "";
    public bool Featured { get; init; }
    public string? HeldReason { get; init; }
    public string? RejectReason { get; init; }
    public int OpenReports { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime? EditedAt { get; init; }

    public ModeratedComment ToComment() => new(Id, ArticleId, ArticleSlug, ParentId,
        AuthorId is { } id ? new CommentAuthor(id, AuthorName ?? "Reader", AuthorStaff) : null,
        Body, BodyHtml, Status, Featured, HeldReason, RejectReason, OpenReports, CreatedAt, EditedAt);
}

/// <summary>
/// Moderation, for editors, admins and moderator keys (the moderator role can do this and nothing else). Every write
/// here is a management write, so the audit trail records it with the key that made it (AuditMiddleware).
/// </summary>
internal static class ModerationEndpoints
{
    public static void MapModeration(this IEndpointRouteBuilder app)
    {
        var comments = app.MapGroup("/api/v1/manage/comments").WithTags("Moderation")
            .RequireAuthorization(Policies.Moderate).RequireCors(CorsSetup.Management).WithValidation();
        comments.MapGet("/", Queue).WithName("ListModerationQueue")
            .WithSummary("The moderation queue")
            .WithDescription("Comments by status, oldest first: pending (held: pre-moderation, first comments, suspect words, edits), " +
                             "reported (public comments with open reports), approved, rejected. Filter by article; keyset-paginated.");
        comments.MapPost("/{id:guid}/approve", Approve).WithName("ApproveComment").ProducesProblems(404)
            .WithSummary("Approve a comment").WithDescription("Makes it public (comment.published when it was not) and clears its reports.");
        comments.MapPost("/{id:guid}/reject", Reject).WithName("RejectComment").ProducesProblems(404)
            .WithSummary("Reject a comment").WithDescription("Takes it out of public view (comment.removed when it was public), with a reason its author sees.");
        comments.MapPost("/{id:guid}/feature", Feature).WithName("FeatureComment").ProducesProblems(404, 422)
            .WithSummary("Feature a comment").WithDescription("Marks a public comment as featured (featured: true in lists).");
        comments.MapDelete("/{id:guid}/feature", Unfeature).WithName("UnfeatureComment").ProducesProblems(404)
            .WithSummary("Stop featuring a comment");
        comments.MapGet("/settings", GetSettings).WithName("GetModerationSettings").WithSummary("The moderation policy");
        comments.MapPut("/settings", PutSettings).WithName("PutModerationSettings")
            .WithSummary("Replace the moderation policy")
            .WithDescription("Pre-moderation mode, banned and suspect words, links per comment, and auto-close after publication. " +
                             "Applies to comments posted from now on.");

        var articles = app.MapGroup("/api/v1/manage/articles/{id:guid}/conversation").WithTags("Moderation")
            .RequireAuthorization(Policies.Moderate).RequireCors(CorsSetup.Management).WithValidation();
        articles.MapGet("/", GetConversation).WithName("GetArticleConversation").ProducesProblems(404)
            .WithSummary("An article's comment settings");
        articles.MapPut("/", PutConversation).WithName("PutArticleConversation").ProducesProblems(404)
            .WithSummary("Open or close an article's comments")
            .WithDescription("auto: open until the site's auto-close time after publication; open: held open; closed: no new comments " +
                             "(existing ones stay). A public article moves to the end of the change feed (its comments.open).");

        var readers = app.MapGroup("/api/v1/manage/readers/{id:guid}").WithTags("Moderation")
            .RequireAuthorization(Policies.Moderate).RequireCors(CorsSetup.Management).WithValidation();
        readers.MapGet("/", GetReader).WithName("GetReader").ProducesProblems(404).WithSummary("A reader, as moderators see them (no email)");
        readers.MapPost("/ban", Ban).WithName("BanReader").ProducesProblems(404)
            .WithSummary("Ban a reader")
            .WithDescription("Until a time, or for good without one. Their tokens get 403 from every reader operation meanwhile.");
        readers.MapDelete("/ban", LiftBan).WithName("LiftReaderBan").ProducesProblems(404).WithSummary("Lift a reader's ban");
        readers.MapDelete("/", Erase).WithName("EraseReader").RequireAuthorization(Policies.Admin).ProducesProblems(404)
            .WithSummary("Erase a reader (admins)")
            .WithDescription("Removes the reader's name, email and comments from the database. A comment others replied to stays as a " +
                             "placeholder without text or author. Public comments removed are announced as comment.removed.");
    }

    private static async Task<Ok<ModerationList>> Queue([AsParameters] ModerationQuery query, NpgsqlDataSource db, CancellationToken ct)
    {
        var limit = query.Limit ?? 50;
        (DateTime At, Guid Id)? after = Cursor.TryDecode(query.Cursor, out var key) ? key : null;
        await using var connection = db.CreateConnection();
        var rows = (await connection.QueryAsync<ModeratedRow>(new CommandDefinition(CommentSql.QueuePage, new
        {
            status = query.Status ?? "pending", articleId = query.ArticleId, afterAt = after?.At, afterId = after?.Id, limit = limit + 1,
        }, cancellationToken: ct))).AsList();
        var next = Cursor.TrimToPage(rows, limit, last => Cursor.Encode(last.CreatedAt, last.Id));
        return TypedResults.Ok(new ModerationList(rows.Select(r => r.ToComment()).ToList(), next));
    }

    private sealed record ModerationTarget(string Status, Guid ArticleId, string ArticleSlug, Guid? ParentId, DateTime CreatedAt, bool ArticlePublic);

    /// <summary>
    /// One decision on one comment, in one transaction: the change, and the event partners get when the comment's public
    /// state changes with it (never for a comment the public could not see); the caches are purged after the commit.
    /// </summary>
    private static async Task<Results<Ok<ModeratedComment>, ProblemHttpResult>> DecideAsync(
        Guid id, NpgsqlDataSource db, DeliveryCacheInvalidator cache, Func<ModerationTarget, (string Sql, object Args)?> decide,
        Func<ModerationTarget, ProblemHttpResult?>? refuse, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var before = await connection.QuerySingleOrDefaultAsync<ModerationTarget>(new CommandDefinition(CommentSql.LockForModeration, new { id }, tx, cancellationToken: ct));
        if (before is null || before.Status == "deleted")
            return Problems.NotFound("comment");
        if (refuse?.Invoke(before) is { } refusal)
            return refusal;
        if (decide(before) is { } change)
            await connection.ExecuteAsync(new CommandDefinition(change.Sql, change.Args, tx, cancellationToken: ct));
        var after = await connection.QuerySingleAsync<ModeratedRow>(new CommandDefinition(CommentSql.ModeratedById, new { id }, tx, cancellationToken: ct));
        var wasPublic = before.Status == "approved" && before.ArticlePublic;
        var isPublic = after.Status == "approved" && before.ArticlePublic;
        var subject = new CommentEvents.Subject(id, before.ArticleId, before.ArticleSlug, before.ParentId, before.CreatedAt);
        if (isPublic != wasPublic)
            await CommentEvents.RecordAsync(connection, tx, isPublic ? EventTypes.CommentPublished : EventTypes.CommentRemoved, [subject], ct);
        await tx.CommitAsync(ct);
        if (wasPublic || isPublic)
            await CommentEvents.PurgeAsync(cache, [before.ArticleId]);
        return TypedResults.Ok(after.ToComment());
    }

    private static Task<Results<Ok<ModeratedComment>, ProblemHttpResult>> Approve(Guid id, NpgsqlDataSource db, DeliveryCacheInvalidator cache, CancellationToken ct) =>
        DecideAsync(id, db, cache, _ => (CommentSql.Approve, new { id }), null, ct);

    private static Task<Results<Ok<ModeratedComment>, ProblemHttpResult>> Reject(
        Guid id, RejectRequest request, NpgsqlDataSource db, DeliveryCacheInvalidator cache, CancellationToken ct) =>
        DecideAsync(id, db, cache, _ => (CommentSql.Reject, new { id, reason = request.Reason }), null, ct);

    private static Task<Results<Ok<ModeratedComment>, ProblemHttpResult>> Feature(Guid id, NpgsqlDataSource db, DeliveryCacheInvalidator cache, CancellationToken ct) =>
        DecideAsync(id, db, cache, _ => (CommentSql.SetFeatured, new { id, featured = true }),
            c => c.Status == "approved" ? null : Problems.Unprocessable("Only public comments can be featured.", new() { ["id"] = [$"This comment is {c.Status}."] }), ct);

    private static Task<Results<Ok<ModeratedComment>, ProblemHttpResult>> Unfeature(Guid id, NpgsqlDataSource db, DeliveryCacheInvalidator cache, CancellationToken ct) =>
        DecideAsync(id, db, cache, _ => (CommentSql.SetFeatured, new { id, featured = false }), null, ct);

    private static async Task<Ok<ModerationSettings>> GetSettings(NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = db.CreateConnection();
        return TypedResults.Ok((await connection.QuerySingleAsync<SettingsRow>(new CommandDefinition(CommentSql.Settings, cancellationToken: ct))).ToSettings());
    }

    private static async Task<Ok<ModerationSettings>> PutSettings(ModerationSettings settings, NpgsqlDataSource db, DeliveryCacheInvalidator cache, CancellationToken ct)
    {
        await using var connection = db.CreateConnection();
        await connection.ExecuteAsync(new CommandDefinition(CommentSql.UpdateSettings, new
        {
            settings.PreModeration, settings.TrustedAfter, BannedWords = settings.BannedWords.Distinct().ToArray(),
            SuspectWords = settings.SuspectWords.Distinct().ToArray(), settings.MaxLinks, settings.AutoCloseAfterDays,
        }, cancellationToken: ct));
        // Auto-close changes whether every article is open for comments: every page and card says so.
        await cache.EverythingChangedAsync();
        return await GetSettings(db, ct);
    }

    private static async Task<Results<Ok<ArticleConversation>, ProblemHttpResult>> GetConversation(Guid id, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = db.CreateConnection();
        var row = await connection.QuerySingleOrDefaultAsync<ArticleConversation>(new CommandDefinition(CommentSql.ArticleConversation, new { id }, cancellationToken: ct));
        return row is null ? Problems.NotFound("article") : TypedResults.Ok(row);
    }

    private static async Task<Results<Ok<ArticleConversation>, ProblemHttpResult>> PutConversation(
        Guid id, ConversationStateWrite write, NpgsqlDataSource db, DeliveryCacheInvalidator cache, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var changed = await connection.ExecuteAsync(new CommandDefinition(CommentSql.SetArticleState, new { id, state = write.State }, tx, cancellationToken: ct));
        if (changed == 0)
            return Problems.NotFound("article");
        // A public article's comments.open may have changed: partners who mirror articles through the change feed read
        // it again (the time-based auto-close cannot be announced; comments.open is as of the article's last change).
        if (await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(CommentSql.VisibleSlugById, new { id }, tx, cancellationToken: ct)) is { } slug)
            await connection.ExecuteAsync(new CommandDefinition(ChangeSql.MoveToEnd, new { ids = new[] { id }, slugs = new[] { slug }, visibles = new[] { true } }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        await CommentEvents.PurgeAsync(cache, [id]);
        return await GetConversation(id, db, ct);
    }

    private static async Task<Results<Ok<ReaderProfile>, ProblemHttpResult>> GetReader(Guid id, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = db.CreateConnection();
        var row = await connection.QuerySingleOrDefaultAsync<ReaderProfile>(new CommandDefinition(CommentSql.ReaderProfile, new { id }, cancellationToken: ct));
        return row is null ? Problems.NotFound("reader") : TypedResults.Ok(row);
    }

    private static async Task<Results<Ok<ReaderProfile>, ProblemHttpResult>> Ban(Guid id, BanRequest request, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = db.CreateConnection();
        var changed = await connection.ExecuteAsync(new CommandDefinition(CommentSql.Ban, new { id, until = request.Until?.UtcDateTime, reason = request.Reason }, cancellationToken: ct));
        return changed == 0 ? Problems.NotFound("reader") : await GetReader(id, db, ct);
    }

    private static async Task<Results<Ok<ReaderProfile>, ProblemHttpResult>> LiftBan(Guid id, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = db.CreateConnection();
        var changed = await connection.ExecuteAsync(new CommandDefinition(CommentSql.LiftBan, new { id }, cancellationToken: ct));
        return changed == 0 ? Problems.NotFound("reader") : await GetReader(id, db, ct);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Erase(Guid id, NpgsqlDataSource db, DeliveryCacheInvalidator cache, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        if (await connection.ExecuteScalarAsync<Guid?>(new CommandDefinition("select id from readers where id = @id for update", new { id }, tx, cancellationToken: ct)) is null)
            return Problems.NotFound("reader");
        var removed = (await connection.QueryAsync<CommentEvents.Subject>(new CommandDefinition(CommentSql.PublicCommentsOfReader, new { id }, tx, cancellationToken: ct))).AsList();
        await CommentEvents.RecordAsync(connection, tx, EventTypes.CommentRemoved, removed, ct);
        await connection.ExecuteAsync(new CommandDefinition(CommentSql.EraseReader, new { id }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        await CommentEvents.PurgeAsync(cache, removed.Select(r => r.ArticleId));
        return TypedResults.NoContent();
    }
}
