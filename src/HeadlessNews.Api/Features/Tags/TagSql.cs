namespace HeadlessNews.Api.Features.Tags;

internal static class TagSql
{
    private const string Columns = """
        t.id, t.slug, t.name, t.kind, t.description,
        (select count(*) from visible_tag_links l where l.tag_id = t.id)::int as article_count
        """;

    public const string List = $"""
        select {Columns}
        from tags t
        where (@kind::text is null or t.kind = @kind) and (@after::text is null or t.slug > @after)
        order by t.slug
        limit @limit
        """;

    public const string BySlug = $"select {Columns} from tags t where t.slug = @slug";

    public const string ById = $"select {Columns} from tags t where t.id = @id";

    public const string Insert = """
        insert into tags (slug, name, kind, description)
        values (@Slug, @Name, @Kind, @Description)
        returning id
        """;

    // Articles carry their tags' names in their search vector (migration 0006): a rename refreshes them.
    public const string Update = """
        update tags set slug = @Slug, name = @Name, kind = @Kind, description = @Description, updated_at = now()
        where id = @Id;
        update articles a
        set tag_names = article_tag_names(array(
            select t.slug from article_tags at join tags t on t.id = at.tag_id
            where at.article_id = a.id order by at.position))
        where a.id in (select article_id from article_tags where tag_id = @Id);
        """;

    public const string Delete = "delete from tags where id = @id";
}
