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

    // Answers the tags it created (an existing slug keeps its tag as it is), for their tag.created events.
    public const string UpsertTags = """
        insert into tags (slug, name, kind)
        select * from unnest(@slugs::text[], @names::text[], @kinds::text[])
        on conflict (slug) do nothing
        returning id, slug, name, kind, description, 0 as article_count
        """;

    // For the batch's transaction: search's copy of the newest articles is filled when the import ends (migration 0058).
    public const string DeferSearchCopy = "select set_config('headlessnews.defer_search_copy', 'on', true)";

    // The whole database: an import writes to most of its tables. Not in a transaction, as VACUUM cannot be.
    public const string Vacuum = "vacuum (analyze)";

    // Two index lookups; "id = any(...) or slug = any(...)" would scan the table.
    public const string Existing = """
        select id, slug from articles where id = any(@ids)
        union
        select id, slug from articles where slug = any(@slugs)
        """;

    // What the database decided for the rows just written; the rest of each article is already in hand.
    public const string Written = """
        select id, version, article_effective_status(status, published_at) as status,
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
               @statuses::text[], @published::timestamptz[], @created::timestamptz[], @updated::timestamptz[], @tagSlugs::text[])
            as s(id, slug, title, summary, body_markdown, body_html, outline, sources, ai_generated, disclosure, hero_image, canonical_url,
                 word_count, reading_time_minutes, status, published_at, created_at, updated_at, tag_slugs)
        """;

    // A line's "published" or "scheduled" is stored as what its publish time makes it, the same rule as the publish
    // operation's (article_publication_status): published once the time has come, scheduled until then. Tag names
    // come from the tags table, as for every other write. Tag slugs travel space-separated (slugs have no spaces).
    private const string Status =
        "case when s.status in ('published', 'scheduled') then article_publication_status(s.published_at) else s.status end";

    private const string TagNames = "article_tag_names(string_to_array(s.tag_slugs, ' '))";

    public const string InsertArticles = $"""
        insert into articles ({Columns})
        select s.id, s.slug, s.title, s.summary, s.body_markdown, s.body_html, s.outline::jsonb, s.sources::jsonb, s.ai_generated,
               s.disclosure, s.hero_image::jsonb, s.canonical_url, s.word_count, s.reading_time_minutes, {Status}, s.published_at,
               coalesce(s.created_at, now()), coalesce(s.updated_at, now()), {TagNames}, @language::regconfig
        from {FromArrays}
        """;

    public const string UpdateArticles = $"""
        update articles a set
            slug = s.slug, title = s.title, summary = s.summary, body_markdown = s.body_markdown, body_html = s.body_html,
            outline = s.outline::jsonb, sources = s.sources::jsonb, ai_generated = s.ai_generated, disclosure = s.disclosure,
            hero_image = s.hero_image::jsonb, canonical_url = s.canonical_url, word_count = s.word_count,
            reading_time_minutes = s.reading_time_minutes, status = {Status}, published_at = s.published_at,
            updated_at = coalesce(s.updated_at, now()), tag_names = {TagNames}, search_language = @language::regconfig,
            version = a.version + 1
        from {FromArrays}
        where a.id = s.id
        """;

    // Notes are permanent: only the ones not there yet are added.
    public const string AddCorrections = """
        insert into corrections (article_id, kind, text, created_at)
        select s.article_id, s.kind, s.text, s.created_at
        from unnest(@articleIds::uuid[], @kinds::text[], @texts::text[], @times::timestamptz[]) as s(article_id, kind, text, created_at)
        where not exists (select 1 from corrections c where c.article_id = s.article_id and c.created_at = s.created_at and c.text = s.text)
        """;

    public const string IdsBySlug = "select slug, id from articles where slug = any(@slugs)";

    // The batch's existing articles, locked before they are read, in one order so parallel writers never deadlock.
    // "No key update", as for every article write: links from the other batch to these articles (foreign-key
    // checks) are not held up, or the two batches would wait on each other.
    public const string Lock = "select id from articles where id = any(@ids) order by id for no key update";

    // Comments of the exported articles, parents before their replies, with their authors' public data.
    public const string CommentsOfArticles = """
        select c.article_id, c.id, c.body, c.status, c.created_at, c.parent_id, c.featured, c.held_reason, c.reject_reason, c.edited_at,
               r.id as author_id, r.issuer as author_issuer, r.subject as author_subject, r.display_name as author_name, r.staff as author_staff
        from comments c left join readers r on r.id = c.reader_id
        where c.article_id = any(@ids)
        order by c.article_id, c.parent_id is not null, c.created_at, c.id
        """;

    // Readers by their sign-in identity: an existing one keeps its id (and its email); the file's id maps to it.
    public const string UpsertReaders = """
        insert into readers (id, issuer, subject, display_name, staff)
        select * from unnest(@ids::uuid[], @issuers::text[], @subjects::text[], @names::text[], @staffs::boolean[])
        on conflict (issuer, subject) do update set display_name = excluded.display_name, staff = excluded.staff;
        select u.given, r.id
        from unnest(@ids::uuid[], @issuers::text[], @subjects::text[]) as u(given, issuer, subject)
        join readers r on r.issuer = u.issuer and r.subject = u.subject
        """;

    public const string UpsertComments = """
        insert into comments (id, article_id, parent_id, reader_id, body, body_html, status, featured, held_reason, reject_reason, created_at, edited_at)
        select * from unnest(@ids::uuid[], @articleIds::uuid[], @parentIds::uuid[], @readerIds::uuid[], @bodies::text[], @htmls::text[],
                             @statuses::text[], @featured::boolean[], @held::text[], @rejected::text[], @created::timestamptz[], @edited::timestamptz[])
        on conflict (id) do update set parent_id = excluded.parent_id, reader_id = excluded.reader_id, body = excluded.body,
            body_html = excluded.body_html, status = excluded.status, featured = excluded.featured, held_reason = excluded.held_reason,
            reject_reason = excluded.reject_reason, created_at = excluded.created_at, edited_at = excluded.edited_at
        where comments.article_id = excluded.article_id
        """;
}
