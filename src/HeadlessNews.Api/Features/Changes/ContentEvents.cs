using Dapper;
using HeadlessNews.Api.Features.Articles;
using HeadlessNews.Api.Features.Tags;
using Npgsql;

namespace HeadlessNews.Api.Features.Changes;

/// <summary>The events partners are told about, by webhook and in the change feed.</summary>
public static class EventTypes
{
    public const string ArticlePublished = "article.published";
    public const string ArticleUpdated = "article.updated";
    public const string ArticleUnpublished = "article.unpublished";
    public const string ArticleArchived = "article.archived";
    public const string ArticleDeleted = "article.deleted";
    public const string TagCreated = "tag.created";
    public const string TagUpdated = "tag.updated";
    public const string TagDeleted = "tag.deleted";

    public static readonly string[] All =
        [ArticlePublished, ArticleUpdated, ArticleUnpublished, ArticleArchived, ArticleDeleted, TagCreated, TagUpdated, TagDeleted];
}

/// <summary>
/// Writes the outbox: the event row, one pending webhook delivery per matching subscription, and the article's
/// place in the change feed, all in the caller's transaction, so a change and its event commit together or not
/// at all. Partners only hear about what is or was public: a draft's edits raise nothing.
/// </summary>
internal static class ContentEvents
{
    /// <summary>
    /// After a write to an article, inside its transaction, with the article as it now is. <paramref name="wasLive"/>
    /// is whether the public could see it before; <paramref name="goneType"/> names the event when this write takes it away.
    /// </summary>
    public static Task ArticleWrittenAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Article article, bool wasLive, string goneType, CancellationToken ct)
    {
        var isLive = article.Status == "published";
        return ArticleEventType(wasLive, isLive, goneType) is { } type
            ? AnnounceAsync(connection, tx, [(type, article.ToCard(), isLive)], ct)
            : Task.CompletedTask;
    }

    /// <summary>What partners are told about a write: from whether the public could see the article before and after; null when neither.</summary>
    public static string? ArticleEventType(bool wasLive, bool isLive, string goneType) => (wasLive, isLive) switch
    {
        (false, true) => EventTypes.ArticlePublished,
        (true, true) => EventTypes.ArticleUpdated,
        (true, false) => goneType,
        _ => null,
    };

    /// <summary>Article events (with their webhook deliveries) and change-feed entries, for one article or a whole import batch.</summary>
    public static async Task AnnounceAsync(
        NpgsqlConnection connection, NpgsqlTransaction tx, IReadOnlyList<(string Type, ArticleCard Card, bool Visible)> announced, CancellationToken ct)
    {
        await connection.ExecuteAsync(new CommandDefinition(ChangeSql.RecordArticleEvents, new
        {
            types = announced.Select(a => a.Type).ToArray(),
            articleIds = announced.Select(a => a.Card.Id).ToArray(),
            datas = announced.Select(a => StoredJson.Write(new { article = a.Card })).ToArray(),
        }, tx, cancellationToken: ct));
        await connection.ExecuteAsync(new CommandDefinition(ChangeSql.MoveToEnd, new
        {
            ids = announced.Select(a => a.Card.Id).ToArray(),
            slugs = announced.Select(a => a.Card.Slug).ToArray(),
            visibles = announced.Select(a => a.Visible).ToArray(),
        }, tx, cancellationToken: ct));
    }

    /// <summary>
    /// Before a write to a locked article: when it is a scheduled article whose time has come but whose
    /// article.published has not been sent yet, send it first, so partners never hear of an update before the publish.
    /// </summary>
    public static async Task CatchUpScheduledAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Guid id, string siteUrl, CancellationToken ct)
    {
        if (await connection.ExecuteAsync(new CommandDefinition(ChangeSql.MarkPublished, new { id }, tx, cancellationToken: ct)) == 1)
            await ArticleWrittenAsync(connection, tx, (await ArticleMapping.LoadByIdAsync(connection, id, siteUrl, ct))!, wasLive: false, EventTypes.ArticleUnpublished, ct);
    }

    /// <summary>Before an article is deleted, inside the deleting transaction: the last card goes in the event.</summary>
    public static Task ArticleDeletingAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Article article, bool wasLive, CancellationToken ct) =>
        wasLive ? AnnounceAsync(connection, tx, [(EventTypes.ArticleDeleted, article.ToCard(), false)], ct) : Task.CompletedTask;

    /// <summary>
    /// A tag was created, changed or deleted. Live articles show their tags' names and slugs, so a change moves
    /// every live article carrying the tag to the end of the change feed: a mirror picks up the new names.
    /// </summary>
    public static async Task TagWrittenAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string type, Tag tag, CancellationToken ct)
    {
        await connection.ExecuteAsync(new CommandDefinition(ChangeSql.RecordTagEvent,
            new { type, tagId = tag.Id, data = StoredJson.Write(new { tag }) }, tx, cancellationToken: ct));
        if (type == EventTypes.TagUpdated)
            await connection.ExecuteAsync(new CommandDefinition(ChangeSql.MoveTaggedToEnd, new { tagId = tag.Id }, tx, cancellationToken: ct));
    }

}
