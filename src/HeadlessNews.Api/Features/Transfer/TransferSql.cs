using HeadlessNews.Api.Features.Articles;

namespace HeadlessNews.Api.Features.Transfer;

internal static class TransferSql
{
    // Stored values, not effective ones, except that a scheduled article whose time has come is published.
    public const string ExportPage = $"""
        select {ArticleSql.FullColumns}
        from articles a
        where (@afterAt::timestamptz is null or (a.created_at, a.id) > (@afterAt, @afterId))
        order by a.created_at, a.id
        limit @limit
        """;

    public const string ExportByIds = $"""
        select {ArticleSql.FullColumns}
        from articles a where a.id = any(@ids)
        """;

    public const string RelatedSlugs = """
        select rl.article_id, r.slug
        from related_links rl join articles r on r.id = rl.related_id
        where rl.article_id = any(@ids)
        order by rl.article_id, rl.position
        """;

    public const string UpsertTags = """
        insert into tags (slug, name, kind)
        select * from unnest(@slugs::text[], @names::text[], @kinds::text[])
        on conflict (slug) do nothing
        """;

    // Two index lookups; "id = any(...) or slug = any(...)" would scan the table.
    public const string Existing = """
        select id, slug from articles where id = any(@ids)
        union
        select id, slug from articles where slug = any(@slugs)
        """;

    // What the database decided for the rows just written; the rest of each article is already in hand.
    public const string Written = """
        select id, version, case when status = 'scheduled' and published_at <= now() then 'published' else status end as status,
               created_at, updated_at, corrections::text as corrections
        from articles where id = any(@ids)
        """;

    private const string Columns = """
        id, slug, title, summary, body_markdown, body_html, outline, sources, ai_generated, disclosure, hero_image, canonical_url,
        word_count, reading_time_minutes, status, published_at, created_at, updated_at, tag_names, search_language
        """;

    private const string FromArrays = """
        unnest(@ids::uuid[], @slugs::text[], @titles::text[], @summaries::text[], @bodies::text[], @htmls::text[], @outlines::text[],
               @sources::text[], @ais::boolean[], @disclosures::text[], @heroes::text[], @canonicals::text[], @words::int[], @readings::int[],
               @statuses::text[], @published::timestamptz[], @created::timestamptz[], @updated::timestamptz[], @tagNames::text[])
            as s(id, slug, title, summary, body_markdown, body_html, outline, sources, ai_generated, disclosure, hero_image, canonical_url,
                 word_count, reading_time_minutes, status, published_at, created_at, updated_at, tag_names)
        """;

    public const string InsertArticles = $"""
        insert into articles ({Columns})
        select s.id, s.slug, s.title, s.summary, s.body_markdown, s.body_html, s.outline::jsonb, s.sources::jsonb, s.ai_generated,
               s.disclosure, s.hero_image::jsonb, s.canonical_url, s.word_count, s.reading_time_minutes, s.status, s.published_at,
               coalesce(s.created_at, now()), coalesce(s.updated_at, now()), s.tag_names, @language::regconfig
        from {FromArrays}
        """;

    public const string UpdateArticles = $"""
        update articles a set
            slug = s.slug, title = s.title, summary = s.summary, body_markdown = s.body_markdown, body_html = s.body_html,
            outline = s.outline::jsonb, sources = s.sources::jsonb, ai_generated = s.ai_generated, disclosure = s.disclosure,
            hero_image = s.hero_image::jsonb, canonical_url = s.canonical_url, word_count = s.word_count,
            reading_time_minutes = s.reading_time_minutes, status = s.status, published_at = s.published_at,
            updated_at = coalesce(s.updated_at, now()), tag_names = s.tag_names, search_language = @language::regconfig,
            version = a.version + 1
        from {FromArrays}
        where a.id = s.id
        """;

    public const string ReplaceTagLinks = """
        delete from article_tags where article_id = any(@ids);
        insert into article_tags (article_id, tag_id, position)
        select s.article_id, t.id, s.position
        from unnest(@articleIds::uuid[], @tagSlugs::text[], @positions::int[]) as s(article_id, slug, position)
        join tags t on t.slug = s.slug;
        """;

    // Notes are permanent: only the ones not there yet are added.
    public const string AddCorrections = """
        insert into corrections (article_id, kind, text, created_at)
        select s.article_id, s.kind, s.text, s.created_at
        from unnest(@articleIds::uuid[], @kinds::text[], @texts::text[], @times::timestamptz[]) as s(article_id, kind, text, created_at)
        where not exists (select 1 from corrections c where c.article_id = s.article_id and c.created_at = s.created_at and c.text = s.text)
        """;

    public const string AddRevisions = """
        insert into article_revisions (article_id, number, action, key_id, key_name, snapshot)
        select s.id, coalesce((select max(r.number) from article_revisions r where r.article_id = s.id), 0) + 1,
               'imported', @keyId, @keyName, s.snapshot::jsonb
        from unnest(@ids::uuid[], @snapshots::text[]) as s(id, snapshot)
        """;

    public const string IdsBySlug = "select slug, id from articles where slug = any(@slugs)";

    public const string ReplaceRelatedLinks = """
        delete from related_links where article_id = any(@ids);
        insert into related_links (article_id, related_id, position)
        select * from unnest(@articleIds::uuid[], @relatedIds::uuid[], @positions::int[]);
        """;

    // Links set at the end of the import that created the article complete the revision that import wrote: they
    // are part of the article as it was created (rewriting the article row for a new version would cost as much
    // as writing it).
    public const string CompleteCreatedRevisions = """
        update article_revisions r
        set snapshot = jsonb_set(r.snapshot, '{relatedIds}',
            to_jsonb(array(select l.related_id from related_links l where l.article_id = r.article_id order by l.position)))
        where r.article_id = any(@ids)
          and r.number = (select max(x.number) from article_revisions x where x.article_id = r.article_id);
        """;

    // Links set after an existing article was written: a new version, and a revision that is the latest one with the
    // new links and version (an article with no revision yet gets none: there is no snapshot to start from).
    public const string RecordLinkChanges = """
        update articles set version = version + 1 where id = any(@ids);
        insert into article_revisions (article_id, number, action, key_id, key_name, snapshot)
        select r.article_id, r.number + 1, 'imported', @keyId, @keyName,
               jsonb_set(jsonb_set(r.snapshot, '{relatedIds}',
                   to_jsonb(array(select l.related_id from related_links l where l.article_id = r.article_id order by l.position))),
                   '{article,version}', to_jsonb(a.version))
        from articles a
        join lateral (select * from article_revisions x where x.article_id = a.id order by x.number desc limit 1) r on true
        where a.id = any(@ids);
        """;
}
