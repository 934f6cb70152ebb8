using System.Globalization;
using System.Threading.RateLimiting;
using Dapper;
using HeadlessNews.Api.Features.Changes;
using HeadlessNews.Api.Infrastructure.Auth;
using HeadlessNews.Api.Infrastructure.Database;
using HeadlessNews.Api.Infrastructure.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;

namespace HeadlessNews.Api.Features.Conversation;

internal sealed class CommentRow
{
    public Guid Id { get; init; }
    public Guid ArticleId { get; init; }
    public Guid? ParentId { get; init; }
    public Guid? AuthorId { get; init; }
    public string? AuthorName { get; init; }
    public bool AuthorStaff { get; init; }
    public string BodyHtml { get; init; } = "";
    public string Status { get; init; } = "";
    public bool Featured { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime? EditedAt { get; init; }
    public int ReplyCount { get; init; }

    private CommentAuthor? Author => AuthorId is { } id ? new CommentAuthor(id, AuthorName ?? "Reader", AuthorStaff) : null;

    public Comment ToComment(IReadOnlyList<CommentReply> replies) =>
        new(Id, ParentId, Author, BodyHtml, Status, Featured, CreatedAt, EditedAt, ParentId is null ? ReplyCount : 0, replies);

    public CommentReply ToReply() => new(Id, ParentId!.Value, Author, BodyHtml, Status, Featured, CreatedAt, EditedAt);
}

internal sealed class SettingsRow
{
    public string PreModeration { get; init; } = "off";
    public int TrustedAfter { get; init; }
    public string[] BannedWords { get; init; } = [];
    public string[] SuspectWords { get; init; } = [];
    public int MaxLinks { get; init; }
    public int? AutoCloseAfterDays { get; init; }

    public ModerationSettings ToSettings() => new(PreModeration, TrustedAfter, BannedWords, SuspectWords, MaxLinks, AutoCloseAfterDays);
}

/// <summary>
/// The conversation under each article. Reading is public and cached like the rest of the delivery API; writing takes a
/// reader token (ReaderTokens), never an API key, and each reader has a rate limit of their own.
/// </summary>
internal static class CommentEndpoints
{
    public static void MapConversation(this IEndpointRouteBuilder app)
    {
        var read = app.MapGroup("/api/v1").WithTags("Conversation").AllowAnonymous().RequireCors(CorsSetup.Readers)
            .WithValidation().WithDeliveryCaching().WithMetadata(new ShortLivedDelivery());
        read.MapGet("/articles/{slug}/comments", ListComments).WithName("ListComments").ProducesProblems(404)
            .WithSummary("An article's comments")
            .WithDescription("Public top-level comments, newest or oldest first, each with its public reply count and first replies. " +
                             "Keyset pagination: pass nextCursor back as cursor. A draft or scheduled article answers 404 like a missing one.");
        read.MapGet("/comments/{id:guid}", GetComment).WithName("GetComment").ProducesProblems(404)
            .WithSummary("One public comment").WithDescription("A public comment (or the placeholder of a deleted one that has replies), with its first replies.");
        read.MapGet("/comments/{id:guid}/replies", ListReplies).WithName("ListReplies").ProducesProblems(404)
            .WithSummary("Replies to a comment").WithDescription("Public replies, oldest first, keyset-paginated.");

        var write = app.MapGroup("/api/v1").WithTags("Conversation").RequireAuthorization(ReaderTokens.Policy).RequireCors(CorsSetup.Readers)
            .WithReaderStanding().WithValidation();
        write.MapPost("/articles/{slug}/comments", PostComment).WithName("PostComment").WithReaderWriteLimit()
            .ProducesProblems(404, 409, 422)
            .WithSummary("Post a comment or a reply")
            .WithDescription("Plain text; a reply names a public top-level comment of the same article. 201 when public at once, 202 when " +
                             "held for moderation (status pending). 409 for the same text again, 422 when comments are closed or the text " +
                             "breaks the moderation policy (banned words, too many links). The ETag is the comment's version, for edits.");
        write.MapPut("/comments/{id:guid}", EditComment).WithName("EditComment").WithReaderWriteLimit()
            .ProducesProblems(404, 412, 422, 428)
            .WithSummary("Edit your comment")
            .WithDescription("The author only, within the edit window (HeadlessNews:Comments:EditWindowMinutes), with If-Match, while the " +
                             "article is public (404 otherwise). The new text is moderated like a new comment: it may be held again.");
        write.MapDelete("/comments/{id:guid}", DeleteComment).WithName("DeleteComment").AllowBannedReaders().WithReaderWriteLimit()
            .ProducesProblems(404, 422)
            .WithSummary("Delete your comment")
            .WithDescription("The author only, within the edit window, also while the article is not public. A comment with replies " +
                             "leaves a placeholder without text or author.");
        write.MapPost("/comments/{id:guid}/reports", ReportComment).WithName("ReportComment").WithReaderWriteLimit()
            .ProducesProblems(404, 409, 422)
            .WithSummary("Report a comment")
            .WithDescription("Once per reader and comment (409 after); not your own (422). Reported comments go to the moderation queue.");
        write.MapGet("/me/comments", ListMyComments).WithName("ListMyComments").AllowBannedReaders()
            .WithSummary("Your comments").WithDescription("The signed-in reader's comments in every status (pending ones await moderation), newest first.");
        write.MapGet("/me/export", ExportMe).WithName("ExportMyData").AllowBannedReaders()
            .WithSummary("Everything stored about you").WithDescription("The signed-in reader's profile (email included) and all their comments, as JSON.");
    }

    // Reading

    private static async Task<Results<Ok<CommentList>, ProblemHttpResult>> ListComments(
        string slug, [AsParameters] CommentListQuery query, HttpContext http, DeliveryDataSource db, IOptions<HeadlessNewsOptions> options, CancellationToken ct)
    {
        if (!TextRules.IsSlug(slug, 200))
            return Problems.NotFound("article");
        var limit = query.Limit ?? 20;
        var newest = query.Sort != "oldest";
        (DateTime At, Guid Id)? after = Infrastructure.Http.Cursor.TryDecode(query.Cursor, out var key) ? key : null;
        // One round trip: the article's id (to tell a missing article from an empty page), then the page with its first replies.
        await using var connection = db.Source.CreateConnection();
        using var results = await connection.QueryMultipleAsync(new CommandDefinition(
            $"{CommentSql.VisibleArticleId};\n{CommentSql.TopLevelPageWithReplies(newest)}",
            new { slug, afterAt = after?.At, afterId = after?.Id, limit = limit + 1, shown = options.Value.Comments.RepliesShown }, cancellationToken: ct));
        if (await results.ReadSingleOrDefaultAsync<Guid?>() is not { } articleId)
            return Problems.NotFound("article");
        var all = (await results.ReadAsync<CommentRow>()).AsList();
        var rows = all.Where(r => r.ParentId is null).ToList();
        var next = Infrastructure.Http.Cursor.TrimToPage(rows, limit, last => Infrastructure.Http.Cursor.Encode(last.CreatedAt, last.Id));
        var replies = all.Where(r => r.ParentId is not null).ToLookup(r => r.ParentId!.Value, r => r.ToReply());
        SurrogateKeys.Add(http, [SurrogateKeys.Article(articleId), SurrogateKeys.Comments(articleId)]);
        return TypedResults.Ok(new CommentList(rows.Select(r => r.ToComment(replies[r.Id].ToList())).ToList(), next));
    }

    private static async Task<ILookup<Guid, CommentReply>> FirstRepliesAsync(NpgsqlConnection connection, List<CommentRow> parents, int shown, CancellationToken ct)
    {
        var ids = parents.Where(p => p.ReplyCount > 0).Select(p => p.Id).ToArray();
        if (ids.Length == 0 || shown == 0)
            return Array.Empty<CommentReply>().ToLookup(c => c.Id);
        var rows = await connection.QueryAsync<CommentRow>(new CommandDefinition(CommentSql.FirstReplies, new { ids, shown }, cancellationToken: ct));
        return rows.ToLookup(r => r.ParentId!.Value, r => r.ToReply());
    }

    private static async Task<Results<Ok<Comment>, ProblemHttpResult>> GetComment(
        Guid id, HttpContext http, DeliveryDataSource db, IOptions<HeadlessNewsOptions> options, CancellationToken ct)
    {
        await using var connection = await db.Source.OpenConnectionAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<CommentRow>(new CommandDefinition(CommentSql.PublicById, new { id }, cancellationToken: ct));
        if (row is null)
            return Problems.NotFound("comment");
        var replies = row.ParentId is null ? await FirstRepliesAsync(connection, [row], options.Value.Comments.RepliesShown, ct) : null;
        SurrogateKeys.Add(http, [SurrogateKeys.Article(row.ArticleId), SurrogateKeys.Comments(row.ArticleId)]);
        return TypedResults.Ok(row.ToComment(replies?[row.Id].ToList() ?? []));
    }

    private static async Task<Results<Ok<CommentList>, ProblemHttpResult>> ListReplies(
        Guid id, [AsParameters] PageQuery query, HttpContext http, DeliveryDataSource db, CancellationToken ct)
    {
        var limit = query.Limit ?? 20;
        (DateTime At, Guid Id)? after = Infrastructure.Http.Cursor.TryDecode(query.Cursor, out var key) ? key : null;
        await using var connection = await db.Source.OpenConnectionAsync(ct);
        var parent = await connection.QuerySingleOrDefaultAsync<CommentRow>(new CommandDefinition(CommentSql.PublicById, new { id }, cancellationToken: ct));
        if (parent is null || parent.ParentId is not null)
            return Problems.NotFound("comment");
        var rows = (await connection.QueryAsync<CommentRow>(new CommandDefinition(CommentSql.RepliesPage,
            new { parentId = id, afterAt = after?.At, afterId = after?.Id, limit = limit + 1 }, cancellationToken: ct))).AsList();
        var next = Infrastructure.Http.Cursor.TrimToPage(rows, limit, last => Infrastructure.Http.Cursor.Encode(last.CreatedAt, last.Id));
        SurrogateKeys.Add(http, [SurrogateKeys.Article(parent.ArticleId), SurrogateKeys.Comments(parent.ArticleId)]);
        return TypedResults.Ok(new CommentList(rows.Select(r => r.ToComment([])).ToList(), next));
    }

    // Writing

    private sealed record ArticleTarget(Guid Id, string Slug, bool Open);

    private sealed record ParentRow(Guid ArticleId, Guid? ParentId, string Status);

    /// <summary>What the moderation policy makes of a text: refused (with the reason), held, or public.</summary>
    private sealed record Verdict(ProblemHttpResult? Refusal, string Status, string? HeldReason);

    private static Verdict Moderate(string body, SettingsRow settings, bool staff, bool trusted)
    {
        if (CommentText.FirstMatch(body, settings.BannedWords) is not null)
            return new(Refused("The comment contains a word or phrase this site does not allow."), "", null);
        var links = CommentText.LinkCount(body);
        if (links > settings.MaxLinks)
            return new(Refused($"The comment has {links} links; at most {settings.MaxLinks} are allowed."), "", null);
        if (staff)
            return new(null, "approved", null);
        if (CommentText.FirstMatch(body, settings.SuspectWords) is not null)
            return new(null, "pending", "suspect-word");
        return settings.PreModeration switch
        {
            "all" => new(null, "pending", "pre-moderation"),
            "first" when !trusted => new(null, "pending", "first-comments"),
            _ => new(null, "approved", null),
        };
    }

    private static ProblemHttpResult Refused(string message) =>
        Problems.Unprocessable("The comment was refused.", new() { ["body"] = [message] });

    private static async Task<Results<Created<Comment>, Accepted<Comment>, ProblemHttpResult>> PostComment(
        string slug, CommentWrite write, HttpContext http, NpgsqlDataSource db, DeliveryCacheInvalidator cache,
        IOptions<HeadlessNewsOptions> options, CancellationToken ct)
    {
        if (!TextRules.IsSlug(slug, 200))
            return Problems.NotFound("article");
        var readerId = http.User.ReaderId();
        var body = CommentText.Normalize(write.Body);
        var hash = CommentText.Fingerprint(body);
        var settings = options.Value.Comments;

        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(CommentSql.LockReader, new { readerId }, tx, cancellationToken: ct));
        var article = await connection.QuerySingleOrDefaultAsync<ArticleTarget>(new CommandDefinition(CommentSql.ArticleForComment, new { slug }, tx, cancellationToken: ct));
        if (article is null)
            return Problems.NotFound("article");
        if (!article.Open)
            return Problems.Unprocessable("Comments are closed.", new() { ["slug"] = ["Comments on this article are closed."] });
        if (write.ParentId is { } parentId)
        {
            var parent = await connection.QuerySingleOrDefaultAsync<ParentRow>(new CommandDefinition(CommentSql.ParentForReply, new { parentId }, tx, cancellationToken: ct));
            if (parent is null || parent.ArticleId != article.Id || parent.ParentId is not null || parent.Status != "approved")
                return Problems.Invalid("parentId", "parentId must be a public top-level comment of this article (replies go one level deep).");
        }
        if (await connection.ExecuteScalarAsync<bool>(new CommandDefinition(CommentSql.IsDuplicate,
                new { readerId, articleId = article.Id, hash, windowSeconds = settings.DuplicateWindowMinutes * 60 }, tx, cancellationToken: ct)))
            return TypedResults.Problem(statusCode: 409, title: "Duplicate comment", detail: "You already posted this text under this article.");

        var policy = await connection.QuerySingleAsync<SettingsRow>(new CommandDefinition(CommentSql.Settings, transaction: tx, cancellationToken: ct));
        var trusted = policy.PreModeration != "first" || await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            CommentSql.ApprovedCountOfReader, new { readerId }, tx, cancellationToken: ct)) >= policy.TrustedAfter;
        var verdict = Moderate(body, policy, http.User.IsStaff(), trusted);
        if (verdict.Refusal is { } refusal)
            return refusal;

        var own = await connection.QuerySingleAsync<MyComment>(new CommandDefinition(CommentSql.Insert, new
        {
            articleId = article.Id, parentId = write.ParentId, readerId, body, bodyHtml = CommentText.ToHtml(body), hash,
            status = verdict.Status, heldReason = verdict.HeldReason,
        }, tx, cancellationToken: ct));
        if (verdict.Status == "approved")
            await CommentEvents.RecordAsync(connection, tx, EventTypes.CommentPublished,
                [new(own.Id, article.Id, article.Slug, own.ParentId, own.CreatedAt)], ct);
        var shown = await connection.QuerySingleAsync<CommentRow>(new CommandDefinition(CommentSql.ById, new { id = own.Id }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        if (verdict.Status == "approved")
            await CommentEvents.PurgeAsync(cache, [article.Id]);

        ETags.Set(http, own.Version);
        var comment = shown.ToComment([]);
        var location = $"/api/v1/comments/{own.Id}";
        return verdict.Status == "approved" ? TypedResults.Created(location, comment) : TypedResults.Accepted(location, comment);
    }

    private sealed record OwnRow(Guid Id, Guid ArticleId, Guid? ReaderId, string Status, int Version, Guid? ParentId, bool InWindow, bool ArticlePublic);

    /// <summary>
    /// The author's own comment, locked; or the answer to give instead. Edits need the article public (like posting: a
    /// draft or scheduled article's comments answer like missing ones); a delete does not, so a reader can always take
    /// their words back.
    /// </summary>
    private static async Task<(OwnRow? Row, ProblemHttpResult? Refusal)> LockOwnAsync(
        NpgsqlConnection connection, NpgsqlTransaction tx, Guid id, Guid readerId, CommentSettings settings, bool editing, CancellationToken ct)
    {
        var row = await connection.QuerySingleOrDefaultAsync<OwnRow>(new CommandDefinition(CommentSql.LockOwn,
            new { id, windowSeconds = settings.EditWindowMinutes * 60 }, tx, cancellationToken: ct));
        // Someone else's comment answers like a missing one unless it is public (approved, under a public article):
        // nothing about held comments, or comments under drafts and scheduled articles, leaks.
        if (row is null || row.Status == "deleted" || (row.ReaderId != readerId && (row.Status != "approved" || !row.ArticlePublic))
            || (editing && !row.ArticlePublic))
            return (null, Problems.NotFound("comment"));
        if (row.ReaderId != readerId)
            return (null, TypedResults.Problem(statusCode: 403, title: "Forbidden", detail: "Only its author may change a comment."));
        if (!row.InWindow)
            return (null, Problems.Unprocessable("The edit window has passed.", new()
            {
                ["id"] = [$"Comments can be changed for {settings.EditWindowMinutes.ToString(CultureInfo.InvariantCulture)} minutes after posting."],
            }));
        // Its author may still delete a rejected comment (take their words back), not edit it.
        if (editing && row.Status == "rejected")
            return (null, Problems.Unprocessable("The comment was rejected.", new() { ["id"] = ["A rejected comment cannot be changed."] }));
        return (row, null);
    }

    private static async Task<Results<Ok<Comment>, ProblemHttpResult>> EditComment(
        Guid id, CommentEdit edit, HttpContext http, NpgsqlDataSource db, DeliveryCacheInvalidator cache,
        IOptions<HeadlessNewsOptions> options, CancellationToken ct)
    {
        if (ETags.ExpectedVersion(http.Request) is not { } expected)
            return Problems.PreconditionRequired();
        var readerId = http.User.ReaderId();
        var body = CommentText.Normalize(edit.Body);
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(CommentSql.LockReader, new { readerId }, tx, cancellationToken: ct));
        var (row, refusal) = await LockOwnAsync(connection, tx, id, readerId, options.Value.Comments, editing: true, ct);
        if (refusal is not null)
            return refusal;
        if (expected != -1 && expected != row!.Version)
            return Problems.PreconditionFailed();

        var policy = await connection.QuerySingleAsync<SettingsRow>(new CommandDefinition(CommentSql.Settings, transaction: tx, cancellationToken: ct));
        // An edit cannot make a held comment public; a public one stays public unless the new text would be held.
        var verdict = Moderate(body, policy, http.User.IsStaff(), trusted: true);
        if (verdict.Refusal is { } refused)
            return refused;
        var status = row!.Status == "pending" ? "pending" : verdict.Status;
        var own = await connection.QuerySingleAsync<MyComment>(new CommandDefinition(CommentSql.Edit, new
        {
            id, body, bodyHtml = CommentText.ToHtml(body), hash = CommentText.Fingerprint(body), status,
            heldReason = row.Status == "approved" && status == "pending" ? verdict.HeldReason : null,
        }, tx, cancellationToken: ct));
        var wasPublic = row.Status == "approved" && row.ArticlePublic;
        if (wasPublic && status != "approved")
            await CommentEvents.RecordAsync(connection, tx, EventTypes.CommentRemoved, [new(id, row.ArticleId, own.ArticleSlug, row.ParentId, own.CreatedAt)], ct);
        var shown = await connection.QuerySingleAsync<CommentRow>(new CommandDefinition(CommentSql.ById, new { id }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        if (wasPublic)
            await CommentEvents.PurgeAsync(cache, [row.ArticleId]);
        ETags.Set(http, own.Version);
        return TypedResults.Ok(shown.ToComment([]));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteComment(
        Guid id, HttpContext http, NpgsqlDataSource db, DeliveryCacheInvalidator cache, IOptions<HeadlessNewsOptions> options, CancellationToken ct)
    {
        var readerId = http.User.ReaderId();
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var (row, refusal) = await LockOwnAsync(connection, tx, id, readerId, options.Value.Comments, editing: false, ct);
        if (refusal is not null)
            return refusal;
        var subject = await connection.QuerySingleAsync<CommentEvents.Subject>(new CommandDefinition(
            "select c.id, c.article_id, a.slug as article_slug, c.parent_id, c.created_at from comments c join articles a on a.id = c.article_id where c.id = @id",
            new { id }, tx, cancellationToken: ct));
        // Asked again now that the row is locked: LockOwn's snapshot was taken before it waited for the lock, so a reply
        // committed meanwhile was not in it, and a plain delete would take that reply with it (no placeholder, no event).
        // While the lock is held no reply can be added (its foreign key needs a share lock on this row).
        var hasReplies = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(CommentSql.HasReplies, new { id }, tx, cancellationToken: ct));
        await connection.ExecuteAsync(new CommandDefinition(hasReplies ? CommentSql.MakePlaceholder : CommentSql.Delete, new { id }, tx, cancellationToken: ct));
        var wasPublic = row!.Status == "approved" && row.ArticlePublic;
        if (wasPublic)
            await CommentEvents.RecordAsync(connection, tx, EventTypes.CommentRemoved, [subject], ct);
        await tx.CommitAsync(ct);
        if (wasPublic)
            await CommentEvents.PurgeAsync(cache, [row.ArticleId]);
        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> ReportComment(
        Guid id, CommentReport report, HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        var readerId = http.User.ReaderId();
        await using var connection = await db.OpenConnectionAsync(ct);
        var author = await connection.QueryFirstOrDefaultAsync<(bool Found, Guid? ReaderId)>(new CommandDefinition(
            "select true, c.reader_id from (" + CommentSql.ReportTarget + ") c", new { id }, cancellationToken: ct));
        if (!author.Found)
            return Problems.NotFound("comment");
        if (author.ReaderId == readerId)
            return Problems.Unprocessable("You cannot report your own comment.", new() { ["id"] = ["This comment is yours."] });
        var added = await connection.ExecuteAsync(new CommandDefinition(CommentSql.InsertReport,
            new { id, readerId, reason = report.Reason, note = report.Note }, cancellationToken: ct));
        return added == 0
            ? TypedResults.Problem(statusCode: 409, title: "Already reported", detail: "You have already reported this comment.")
            : TypedResults.NoContent();
    }

    private static async Task<Ok<MyCommentList>> ListMyComments([AsParameters] PageQuery query, HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        var limit = query.Limit ?? 20;
        (DateTime At, Guid Id)? before = Infrastructure.Http.Cursor.TryDecode(query.Cursor, out var key) ? key : null;
        await using var connection = db.CreateConnection();
        var rows = (await connection.QueryAsync<MyComment>(new CommandDefinition(CommentSql.MinePage,
            new { readerId = http.User.ReaderId(), beforeAt = before?.At, beforeId = before?.Id, limit = limit + 1 }, cancellationToken: ct))).AsList();
        var next = Infrastructure.Http.Cursor.TrimToPage(rows, limit, last => Infrastructure.Http.Cursor.Encode(last.CreatedAt, last.Id));
        http.Response.Headers.CacheControl = "private, no-store";
        return TypedResults.Ok(new MyCommentList(rows, next));
    }

    private sealed record ReaderRow(Guid Id, string DisplayName, string? Email, bool Staff, DateTime CreatedAt);

    private static async Task<Ok<ReaderExport>> ExportMe(HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        var readerId = http.User.ReaderId();
        await using var connection = db.CreateConnection();
        var reader = await connection.QuerySingleAsync<ReaderRow>(new CommandDefinition(CommentSql.ReaderForExport, new { readerId }, cancellationToken: ct));
        var comments = (await connection.QueryAsync<MyComment>(new CommandDefinition(CommentSql.AllMine, new { readerId }, cancellationToken: ct))).AsList();
        http.Response.Headers.CacheControl = "private, no-store";
        return TypedResults.Ok(new ReaderExport(reader.Id, reader.DisplayName, reader.Email, reader.Staff, reader.CreatedAt, comments));
    }
}

/// <summary>
/// Readers' writes per reader and minute (HeadlessNews:Comments:PerReaderPerMinute), on top of and apart from the
/// limits per key and address: a token bucket per reader id, so one reader's burst never spends another's.
/// </summary>
internal sealed class ReaderWriteLimit : IEndpointFilter, IAsyncDisposable
{
    private readonly PartitionedRateLimiter<Guid> _limiter;
    private readonly int _perMinute;

    public ReaderWriteLimit(IOptions<HeadlessNewsOptions> options)
    {
        _perMinute = options.Value.Comments.PerReaderPerMinute;
        _limiter = PartitionedRateLimiter.Create<Guid, Guid>(reader => RateLimitPartition.GetTokenBucketLimiter(reader, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = _perMinute,
            TokensPerPeriod = 1,
            ReplenishmentPeriod = TimeSpan.FromSeconds(60.0 / _perMinute),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
    }

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        using var lease = await _limiter.AcquireAsync(context.HttpContext.User.ReaderId(), 1, context.HttpContext.RequestAborted);
        if (lease.IsAcquired)
            return await next(context);
        var wait = lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(60.0 / _perMinute);
        var seconds = Math.Max(1, (long)Math.Ceiling(wait.TotalSeconds));
        context.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return TypedResults.Problem(statusCode: 429, title: "Too many requests",
            detail: $"This reader has sent too many comments, edits or reports. The limit is {_perMinute} per minute; try again in {seconds} s.");
    }

    public ValueTask DisposeAsync() => _limiter.DisposeAsync();
}

internal static class ReaderWriteLimits
{
    /// <summary>The one limiter (a singleton) in front of an endpoint: AddEndpointFilter&lt;T&gt; would make one per request.</summary>
    public static RouteHandlerBuilder WithReaderWriteLimit(this RouteHandlerBuilder builder) =>
        builder.AddEndpointFilterFactory((context, next) =>
        {
            var limit = context.ApplicationServices.GetRequiredService<ReaderWriteLimit>();
            return invocation => limit.InvokeAsync(invocation, next);
        });
}
