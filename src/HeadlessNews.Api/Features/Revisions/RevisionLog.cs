using Dapper;
using HeadlessNews.Api.Features.Articles;
using HeadlessNews.Api.Infrastructure.Auth;
using Npgsql;

namespace HeadlessNews.Api.Features.Revisions;

/// <summary>Writes a revision in the caller's transaction, so a change and its revision commit together.</summary>
internal static class RevisionLog
{
    public const string Created = "created";
    public const string Updated = "updated";
    public const string Published = "published";
    public const string Unpublished = "unpublished";
    public const string Archived = "archived";
    public const string Related = "related";
    public const string Corrected = "corrected";
    public const string Restored = "restored";
    public const string Imported = "imported";
    public const string Deleted = "deleted";

    private const string Insert = """
        insert into article_revisions (article_id, number, action, key_id, key_name, snapshot)
        select @id, coalesce(max(number), 0) + 1, @action, @keyId, @keyName, @snapshot::jsonb
        from article_revisions where article_id = @id
        """;

    private const string RelatedIdsOf = "select related_id from related_links where article_id = @id order by position";

    /// <summary>Snapshots the article as it is now in this transaction. The article row must be locked (or new).</summary>
    public static async Task RecordAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Article article, string action, Actor actor, CancellationToken ct)
    {
        var related = (await connection.QueryAsync<Guid>(new CommandDefinition(RelatedIdsOf, new { id = article.Id }, tx, cancellationToken: ct))).ToList();
        await connection.ExecuteAsync(new CommandDefinition(Insert, new
        {
            id = article.Id, action, keyId = actor.KeyId, keyName = actor.KeyName,
            snapshot = new RevisionSnapshot(article, related).ToStored(),
        }, tx, cancellationToken: ct));
    }
}
