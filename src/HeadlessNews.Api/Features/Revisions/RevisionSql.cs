namespace HeadlessNews.Api.Features.Revisions;

internal static class RevisionSql
{
    public const string List = """
        select number, action, created_at, key_id, key_name, (snapshot->'article'->>'version')::int as version,
               snapshot->'article'->>'title' as title
        from article_revisions where article_id = @id
        order by number desc
        """;

    public const string One = """
        select number, action, created_at, key_id, key_name, snapshot::text as snapshot
        from article_revisions where article_id = @id and number = any(@numbers)
        """;
}
