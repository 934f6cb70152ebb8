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

    // Numbers run per article from 1; the article rows are locked (or new), so no two writers draw the same one.
    private const string Insert = """
        insert into article_revisions (article_id, number, action, key_id, key_name, snapshot)
        select s.id, coalesce((select max(r.number) from article_revisions r where r.article_id = s.id), 0) + 1,
               s.action, @keyId, @keyName, s.snapshot::jsonb
        from unnest(@ids::uuid[], @actions::text[], @snapshots::text[]) as s(id, action, snapshot)
        """;

    private const string RelatedIdsOf = "select article_id, related_id from related_links where article_id = any(@ids) order by article_id, position";

    /// <summary>
    /// Snapshots the articles as they are now in this transaction, with their curated links as stored. One article
    /// or an import batch; every write path records its revisions here.
    /// </summary>
    public static async Task RecordAsync(NpgsqlConnection connection, NpgsqlTransaction tx, IReadOnlyList<(Article Article, string Action)> revised, Actor actor, CancellationToken ct)
    {
        var ids = revised.Select(r => r.Article.Id).ToArray();
        var related = (await connection.QueryAsync<(Guid ArticleId, Guid RelatedId)>(new CommandDefinition(RelatedIdsOf, new { ids }, tx, cancellationToken: ct)))
            .ToLookup(r => r.ArticleId, r => r.RelatedId);
        await connection.ExecuteAsync(new CommandDefinition(Insert, new
        {
            ids,
            actions = revised.Select(r => r.Action).ToArray(),
            snapshots = revised.Select(r => new RevisionSnapshot(r.Article, related[r.Article.Id].ToList()).ToStored()).ToArray(),
            keyId = actor.KeyId, keyName = actor.KeyName,
        }, tx, cancellationToken: ct));
    }
}
