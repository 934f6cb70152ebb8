using Dapper;
using HeadlessNews.Api.Features.Changes;
using HeadlessNews.Api.Features.Revisions;
using HeadlessNews.Api.Infrastructure.Auth;
using HeadlessNews.Api.Infrastructure.Database;
using HeadlessNews.Api.Infrastructure.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;

namespace HeadlessNews.Api.Features.Articles;

/// <summary>One change to one article, as every write path reports it.</summary>
/// <param name="Before">Where the article stood for the public before the write (after any due schedule was announced).</param>
/// <param name="After">Where it stands now; <see cref="Visibility.Absent"/> when the write deleted it.</param>
/// <param name="Article">The article as it is now (the last of it, when deleted).</param>
/// <param name="RevisionAction">The revision to record (<see cref="RevisionLog"/>), or null for none.</param>
/// <param name="PublicBefore">
/// The card as the public saw it before the write, when it was public. A write that takes the article out of public
/// view tells partners about this card, never the new content: that may be the next embargoed version.
/// </param>
internal sealed record ArticleChange(Visibility Before, Visibility After, Article Article, string? RevisionAction, ArticleCard? PublicBefore = null);

/// <summary>
/// The one write path for articles. The management endpoints, revision restore, the scheduler, the importer and the
/// demo loader all end a write here: <see cref="RecordAsync"/> writes the revisions, the webhook events and the
/// change-feed entries (<see cref="ArticleTransitions"/> decides which) in the write's transaction, and
/// <see cref="PublishDueAsync"/> announces scheduled articles whose time has come, before anything else is written
/// to them, so "before" is always what partners were last told.
/// </summary>
internal sealed class ArticleWriter(
    NpgsqlDataSource db, IOptions<HeadlessNewsOptions> options, IdempotentAnswers answers, DeliveryCacheInvalidator cache, ILogger<ArticleWriter> logger)
{
    public delegate Task<ProblemHttpResult?> Change(NpgsqlConnection connection, NpgsqlTransaction tx, ArticleState state);

    private string SiteUrl => options.Value.SiteUrl;
    public string SearchLanguage => options.Value.Search.Language;

    public async Task<Results<Created<Article>, ProblemHttpResult>> CreateAsync(ArticleWrite write, HttpContext http, CancellationToken ct)
    {
        var (article, refused) = await Retrying.OnConflictAsync<(Article? Article, ProblemHttpResult? Problem)>(async () =>
        {
            await using var connection = await db.OpenConnectionAsync(ct);
            await using var tx = await connection.BeginTransactionAsync(ct);
            if (await UnknownTagsAsync(connection, tx, write.Tags, ct) is { } unknown)
                return (null, unknown);
            var id = await ArticleWrites.InsertAsync(connection, tx, write, SearchLanguage, ct);
            var created = (await ArticleMapping.LoadByIdAsync(connection, id, SiteUrl, ct))!;
            await RecordAsync(connection, tx, [new ArticleChange(Visibility.Absent, Visibility.Draft, created, RevisionLog.Created)], http.User.Actor(), ct);
            var stored = await StoreAnswerAsync(http, connection, tx, 201, created, Location(id), ct);
            await tx.CommitAsync(ct);
            stored?.Invoke();
            return (created, null);
        });
        if (refused is not null)
            return refused;
        ETags.Set(http, article!.Version);
        return TypedResults.Created(Location(article.Id), article);
    }

    /// <summary>
    /// The shape of every write to an existing article: If-Match, lock the row, check the version, announce a due
    /// schedule, make the change (or refuse it, leaving nothing changed), hold the article to what its visibility
    /// needs, record, commit, purge, answer with the new article and ETag.
    /// </summary>
    public async Task<Results<Ok<Article>, ProblemHttpResult>> ChangeAsync(Guid id, HttpContext http, string action, Change change, CancellationToken ct)
    {
        if (ETags.ExpectedVersion(http.Request) is not { } expected)
            return Problems.PreconditionRequired();
        var (article, refused) = await Retrying.OnConflictAsync<(Article? Article, ProblemHttpResult? Problem)>(async () =>
        {
            await using var connection = await db.OpenConnectionAsync(ct);
            await using var tx = await connection.BeginTransactionAsync(ct);
            var (state, failure) = await LockAsync(connection, tx, id, expected, ct);
            if (failure is not null)
                return (null, failure);
            var publicBefore = state!.Visibility.IsPublic()
                ? (await ArticleMapping.LoadCardsAsync(connection, ArticleSql.CardsByIds, new { ids = new[] { id } }, SiteUrl, ct))[0].Card
                : null;
            if (await change(connection, tx, state) is { } problem)
                return (null, problem);
            var changed = (await ArticleMapping.LoadByIdAsync(connection, id, SiteUrl, ct))!;
            var after = ArticleVisibility.Of(changed.Status);
            if (after.IsOrWillBePublic() && Publishability.Problems(changed.AiGenerated, changed.Disclosure, changed.Sources.Count) is { Count: > 0 } errors)
                return (null, Problems.Unprocessable(state!.Visibility.IsOrWillBePublic()
                    ? "This change would leave a published or scheduled article without what publishing needs."
                    : "This article cannot be published yet.", errors));
            await RecordAsync(connection, tx, [new ArticleChange(state.Visibility, after, changed, action, publicBefore)], http.User.Actor(), ct);
            var stored = await StoreAnswerAsync(http, connection, tx, 200, changed, null, ct);
            await tx.CommitAsync(ct);
            stored?.Invoke();
            return (changed, null);
        });
        if (refused is not null)
            return refused;
        await PurgeAsync([id]);
        if (action is RevisionLog.Updated or RevisionLog.Published or RevisionLog.Restored && ArticleVisibility.Of(article!.Status).IsOrWillBePublic())
            await RefreshTextNeighboursAsync(id, ct);
        ETags.Set(http, article!.Version);
        return TypedResults.Ok(article);
    }

    public async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(Guid id, HttpContext http, CancellationToken ct)
    {
        if (ETags.ExpectedVersion(http.Request) is not { } expected)
            return Problems.PreconditionRequired();
        var failure = await Retrying.OnConflictAsync<ProblemHttpResult?>(async () =>
        {
            await using var connection = await db.OpenConnectionAsync(ct);
            await using var tx = await connection.BeginTransactionAsync(ct);
            var (state, refused) = await LockAsync(connection, tx, id, expected, ct);
            if (refused is not null)
                return refused;
            var last = (await ArticleMapping.LoadByIdAsync(connection, id, SiteUrl, ct))!;
            await RecordAsync(connection, tx, [new ArticleChange(state!.Visibility, Visibility.Absent, last, RevisionLog.Deleted, last.ToCard())], http.User.Actor(), ct);
            await connection.ExecuteAsync(new CommandDefinition(ArticleSql.Delete, new { id }, tx, cancellationToken: ct));
            await tx.CommitAsync(ct);
            return null;
        });
        if (failure is not null)
            return failure;
        await PurgeAsync([id]);
        return TypedResults.NoContent();
    }

    private static string Location(Guid id) => $"/api/v1/manage/articles/{id}";

    /// <summary>
    /// With an Idempotency-Key, the answer is stored in the write's own transaction: a retry after the process died
    /// between the commit and the answer replays it instead of running the write again. Null without a key.
    /// </summary>
    private Task<Action?> StoreAnswerAsync(HttpContext http, NpgsqlConnection connection, NpgsqlTransaction tx, int status, Article article,
        string? location, CancellationToken ct) =>
        answers.StoreAsync(http, connection, tx, status, article, location, ETags.ForVersion(article.Version), ct);

    /// <summary>
    /// The articles whose title words this one shares, for its related cards: derived data, worked out after the
    /// write has committed, so the write never waits on other articles. If it fails the write still stands; the next
    /// edit or publish works them out again.
    /// </summary>
    private async Task RefreshTextNeighboursAsync(Guid id, CancellationToken ct)
    {
        try
        {
            await Retrying.OnConflictAsync(async () =>
            {
                await using var connection = await db.OpenConnectionAsync(ct);
                await using var tx = await connection.BeginTransactionAsync(ct);
                await ArticleWrites.RefreshTextNeighboursAsync(connection, tx, id, ct);
                await tx.CommitAsync(ct);
                return true;
            });
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            logger.LogWarning(e, "Working out the text neighbours of article {Id} failed; its next edit tries again", id);
        }
    }

    /// <summary>
    /// Locks the article and checks the caller's version. A scheduled article whose time has come is announced
    /// first, so the state handed on (and the "before" of what is recorded) is what partners were last told.
    /// </summary>
    private async Task<(ArticleState? State, ProblemHttpResult? Failure)> LockAsync(
        NpgsqlConnection connection, NpgsqlTransaction tx, Guid id, int expectedVersion, CancellationToken ct)
    {
        var state = await connection.QuerySingleOrDefaultAsync<ArticleState>(new CommandDefinition(ArticleSql.LockForWrite, new { id }, tx, cancellationToken: ct));
        if (state is null)
            return (null, Problems.NotFound("article"));
        // -1 is If-Match: * (any current version).
        if (expectedVersion != -1 && expectedVersion != state.Version)
            return (state, Problems.PreconditionFailed());
        if (state.AnnouncementDue)
        {
            await PublishDueAsync(connection, tx, [id], SiteUrl, ct);
            state = state with { AnnouncementDue = false };
        }
        return (state, null);
    }

    /// <summary>
    /// After a write has committed: delivery responses cached by this instance that showed these articles, any list
    /// or related cards are dropped. No ids: everything (an import, the demo content).
    /// </summary>
    public Task PurgeAsync(IReadOnlyCollection<Guid>? ids) => ids is null
        ? cache.EverythingChangedAsync()
        : cache.InvalidateAsync([.. ids.Select(SurrogateKeys.Article), SurrogateKeys.Lists, SurrogateKeys.Related]);

    /// <summary>
    /// Records changes in the write's transaction: the article's search-as-you-type words, a revision for each that
    /// names one, and for each the webhook event and change-feed entry its visibility before and after call for (none
    /// for an article that was not public and is not public now). One article or a whole import batch, in a few
    /// set-based statements.
    /// </summary>
    public static async Task RecordAsync(NpgsqlConnection connection, NpgsqlTransaction tx, IReadOnlyList<ArticleChange> changes, Actor actor, CancellationToken ct)
    {
        if (changes.Count > 0)
            await connection.ExecuteAsync(new CommandDefinition(ArticleSql.RefreshSuggestions,
                new { ids = changes.Select(c => c.Article.Id).Distinct().ToArray() }, tx, cancellationToken: ct));
        var revised = changes.Where(c => c.RevisionAction is not null).Select(c => (c.Article, c.RevisionAction!)).ToList();
        if (revised.Count > 0)
            await RevisionLog.RecordAsync(connection, tx, revised, actor, ct);
        var announced = changes
            .Select(c => (Announcement: ArticleTransitions.Of(c.Before, c.After), Change: c))
            .Where(a => a.Announcement is not null)
            .Select(a => (a.Announcement!, a.Announcement!.Visible
                ? a.Change.Article.ToCard()
                : a.Change.PublicBefore ?? throw new InvalidOperationException($"No public card of article {a.Change.Article.Id} to announce it gone with.")))
            .ToList();
        if (announced.Count > 0)
            await ContentEvents.AnnounceAsync(connection, tx, announced, ct);
    }

    /// <summary>
    /// The scheduler reaching an article's time: the stored status of scheduled articles whose time has come becomes
    /// published (the version stays, so an editor's If-Match still holds) and partners hear article.published.
    /// The public already sees them (article_is_public). Given ids, only those (the caller holds their locks);
    /// otherwise up to a hundred due ones, skipping any another writer holds. Answers the ids announced.
    /// </summary>
    public static async Task<List<Guid>> PublishDueAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Guid[]? ids, string siteUrl, CancellationToken ct)
    {
        var due = (await connection.QueryAsync<Guid>(new CommandDefinition(ArticleSql.MarkDuePublished, new { ids }, tx, cancellationToken: ct))).AsList();
        if (due.Count == 0)
            return due;
        var articles = await ArticleMapping.LoadArticlesAsync(connection, ArticleSql.ByIds, new { ids = due.ToArray() }, siteUrl, ct);
        await RecordAsync(connection, tx, articles.Select(a => new ArticleChange(Visibility.Scheduled, Visibility.Public, a, null)).ToList(), new Actor(null, null), ct);
        return due;
    }

    public static async Task<ProblemHttpResult?> UnknownTagsAsync(NpgsqlConnection connection, NpgsqlTransaction tx, IReadOnlyList<string>? tags, CancellationToken ct)
    {
        if (tags is not { Count: > 0 })
            return null;
        var known = (await connection.QueryAsync<string>(new CommandDefinition(ArticleSql.KnownTagSlugs, new { slugs = tags.ToArray() }, tx, cancellationToken: ct))).ToHashSet();
        var unknown = tags.Where(t => !known.Contains(t)).ToList();
        return unknown.Count == 0 ? null : Problems.Invalid("tags", $"Unknown tag slug(s): {string.Join(", ", unknown)}. Create the tag first.");
    }
}
