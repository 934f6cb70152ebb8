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
    /// <summary>A reader's comment became public (posted, approved, or its article became public again is not one: only the comment's own change).</summary>
    public const string CommentPublished = "comment.published";
    /// <summary>A public comment stopped being public: rejected, deleted by its author, held after an edit, or its reader erased.</summary>
    public const string CommentRemoved = "comment.removed";

    public static readonly string[] All =
        [ArticlePublished, ArticleUpdated, ArticleUnpublished, ArticleArchived, ArticleDeleted, TagCreated, TagUpdated, TagDeleted, CommentPublished, CommentRemoved];
}

/// <summary>
/// Writes the outbox: the event row, one pending webhook delivery per matching subscription, and the article's
/// place in the change feed, all in the caller's transaction, so a change and its event commit together or not
/// at all. Which events an article write raises is <see cref="ArticleTransitions"/>'s to say.
/// </summary>
internal static class ContentEvents
{
    /// <summary>Article events (with their webhook deliveries) and change-feed entries, for one article or a whole import batch.</summary>
    public static async Task AnnounceAsync(
        NpgsqlConnection connection, NpgsqlTransaction tx, IReadOnlyList<(Announcement Announcement, ArticleCard Card)> announced, CancellationToken ct)
    {
        await connection.ExecuteAsync(new CommandDefinition(ChangeSql.RecordArticleEvents, new
        {
            types = announced.Select(a => a.Announcement.EventType).ToArray(),
            articleIds = announced.Select(a => a.Card.Id).ToArray(),
            datas = announced.Select(a => StoredJson.Write(new { article = a.Card })).ToArray(),
        }, tx, cancellationToken: ct));
        await connection.ExecuteAsync(new CommandDefinition(ChangeSql.MoveToEnd, new
        {
            ids = announced.Select(a => a.Card.Id).ToArray(),
            slugs = announced.Select(a => a.Card.Slug).ToArray(),
            visibles = announced.Select(a => a.Announcement.Visible).ToArray(),
        }, tx, cancellationToken: ct));
    }

    /// <summary>
    /// A tag was created, changed or deleted. Live articles show their tags' names and slugs, so a change moves
    /// every live article carrying the tag to the end of the change feed: a mirror picks up the new names.
    /// </summary>
    public static async Task TagWrittenAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string type, Tag tag, CancellationToken ct)
    {
        await TagsWrittenAsync(connection, tx, type, [tag], ct);
        if (type == EventTypes.TagUpdated)
            await connection.ExecuteAsync(new CommandDefinition(ChangeSql.MoveTaggedToEnd, new { tagId = tag.Id }, tx, cancellationToken: ct));
    }

    /// <summary>The events of tags created or changed together (an import's new tags), in one statement.</summary>
    public static Task TagsWrittenAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string type, IReadOnlyList<Tag> tags, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition(ChangeSql.RecordTagEvents, new
        {
            type, tagIds = tags.Select(t => t.Id).ToArray(), datas = tags.Select(t => StoredJson.Write(new { tag = t })).ToArray(),
        }, tx, cancellationToken: ct));

}
