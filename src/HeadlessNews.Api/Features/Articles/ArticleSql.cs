namespace HeadlessNews.Api.Features.Articles;

/// <summary>
/// Article SQL. Delivery reads go through the visible_articles view (migration 0001), the single
/// definition of what the public may see; management reads use the articles table.
/// </summary>
internal static class ArticleSql
{
    // What the management API shows: "published" exactly when the public sees the article (migration 0013).
    public const string EffectiveStatus = "article_effective_status(a.status, a.published_at) as status";

    // The article's conversation: open now, and its public comment count. These are migration 0020's
    // article_comments_open and article_comment_count written out as subqueries: a SQL function whose body has a
    // subquery is never inlined, so each call ran through the function executor, planned again in every statement;
    // two calls per card cost article detail a quarter of its throughput once related cards carried them (A/B on the
    // bench archive: 2,860 → 2,120 req/s). Every read of the rule uses this; the functions are no longer called.
    public const string CommentColumns = """
        (select coalesce(c.state, 'auto') <> 'closed'
                and (coalesce(c.state, 'auto') = 'open' or s.days is null or a.published_at is null
                     or a.published_at + make_interval(days => s.days) > now())
         from (select (select auto_close_after_days from conversation_settings) as days) s
         left join article_conversations c on c.article_id = a.id) as comments_open,
        coalesce((select public_count from article_conversations where article_id = a.id), 0) as comment_count
        """;

    // A related card: the article's card fields and its conversation, read through visible_articles as a.
    private const string RelatedCardColumns = $"a.id, a.slug, a.title, a.summary, a.published_at, a.hero_image::text as hero_image, {CommentColumns}";

    // Everything of an article after its body and the HTML and outline derived from it.
    private const string ColumnsAfterBody = $"""
        {EffectiveStatus},
        a.published_at, a.created_at, a.updated_at, a.sources::text as sources, a.ai_generated, a.disclosure,
        a.hero_image::text as hero_image, a.canonical_url, a.word_count, a.reading_time_minutes, a.version,
        a.corrections::text as corrections, {CommentColumns}
        """;

    public const string FullColumns =
        $"a.id, a.slug, a.title, a.summary, a.body_markdown, a.body_html, a.outline::text as outline, {ColumnsAfterBody}";

    public const string CardColumns = $"""
        a.id, a.slug, a.title, a.summary, a.published_at, a.created_at, a.updated_at, {EffectiveStatus},
        a.hero_image::text as hero_image, a.ai_generated, a.reading_time_minutes, a.canonical_url, {CommentColumns}
        """;

    // A card's tag ids in the editor's order, and the state of the tags table they are to be looked up in
    // (TagDirectory): for pages, which look their tags up in memory rather than join tags per page.
    public static string TagIdColumns(string id) =>
        $"array(select at.tag_id from article_tags at where at.article_id = {id} order by at.position) as tag_ids, " +
        "(select id from tag_generation) as tag_generation";

    public const string TagsOfArticles = """
        select at.article_id, t.slug, t.name, t.kind
        from article_tags at join tags t on t.id = at.tag_id
        where at.article_id = any(@ids)
        order by at.article_id, at.position
        """;

    // Curated links first in the editor's order, then computed ones: most shared tags plus text similarity
    // (text_neighbours, worth up to two shared tags), then newest.
    // Computed cards are only worked out when the curated ones do not fill the limit (the one-time filter
    // on the second branch), and only from a bounded set of candidates: the newest 50 visible articles of
    // each of the article's tags (walked through article_tags_newest) plus the newest few overall, so an
    // article with no tags still gets cards. Only visible articles, never the article itself, and nothing
    // at all when the article is not visible.
    public const string RelatedBySlug = $"""
        with me as (
            select id from visible_articles where slug = @slug
        ),
        curated as (
            select r.related_id as id, r.position
            from related_links r
            join visible_articles v on v.id = r.related_id
            where r.article_id = (select id from me)
            order by r.position
            limit @limit
        ),
        candidates as (
            select o.article_id as id, count(*) as shared, 0::real as similarity, max(o.published_at) as published_at
            from article_tags m
            cross join lateral (
                select o.article_id, o.published_at from visible_tag_links o
                where o.tag_id = m.tag_id and o.article_id <> m.article_id
                order by o.published_at desc, o.article_id desc
                limit 50
            ) o
            where m.article_id = (select id from me)
            group by o.article_id
            union all
            select t.neighbour_id, 0, t.score, v.published_at
            from text_neighbours t join visible_articles v on v.id = t.neighbour_id
            where t.article_id = (select id from me)
            union all
            select n.id, 0, 0, n.published_at from (
                select id, published_at from visible_articles order by published_at desc, id desc limit 2 * @limit + 1
            ) n
        ),
        -- Every candidate is visible and carries its publish time, so they are ranked and cut to the page before
        -- any article row is read (a hundred or more candidates, a few cards).
        computed as (
            select c.id, max(c.shared) as shared, max(c.similarity) as similarity, max(c.published_at) as published_at
            from candidates c
            where c.id <> (select id from me) and c.id not in (select id from curated)
            group by c.id
        )
        select {RelatedCardColumns}, cards.kind, cards.reason
        from (
            select c.id, 'curated' as kind, null as reason, 0 as grp, c.position::bigint as ord from curated c
            union all
            (select c.id, 'computed',
                    case when c.shared > 0 then 'shared-tags' when c.similarity > 0 then 'similar-text' else 'recent' end, 1,
                    row_number() over (order by c.shared + least(c.similarity * 4, 2) desc, c.published_at desc, c.id desc)
             from computed c
             where (select count(*) from curated) < @limit
             order by c.shared + least(c.similarity * 4, 2) desc, c.published_at desc, c.id desc
             limit @limit)
        ) cards
        join visible_articles a on a.id = cards.id
        order by cards.grp, cards.ord
        limit @limit
        """;

    // The article page's two statements (ArticleEndpoints.GetArticle) take positional parameters, $1 the slug and $2 the
    // limit: Npgsql sends those statements as written, while named ones are parsed again on every execution to be
    // rewritten (2.5% of the API's CPU on an article page).

    // The curated cards of a visible article, as RelatedBySlug shows them when they fill the limit.
    public const string CuratedBySlug = $"""
        select {RelatedCardColumns}, 'curated' as kind, null as reason
        from related_links r
        join visible_articles a on a.id = r.related_id
        where r.article_id = (select id from visible_articles where slug = $1)
        order by r.position
        limit $2
        """;

    // With its tag ids, looked up in the TagDirectory like a page's cards: a third statement joining the tags cost the
    // database a tenth of the article page's time.
    public static readonly string VisibleBySlug = $"select {FullColumns}, {TagIdColumns("a.id")} from visible_articles a where a.slug = $1";

    public const string VisibleIdBySlug = "select id from visible_articles where slug = @slug";

    public const string ById = $"select {FullColumns} from articles a where a.id = @id";

    public const string TagsOfId = """
        select at.article_id, t.slug, t.name, t.kind
        from article_tags at join tags t on t.id = at.tag_id
        where at.article_id = @id
        order by at.position
        """;

    public const string ByIds = $"select {FullColumns} from articles a where a.id = any(@ids)";

    // Articles as a revision keeps them: the derived HTML and outline are not stored there (RevisionSnapshot), so
    // they are not read either; the import's end pass reads tens of thousands at a time.
    public const string ForRevisionsByIds = $"""
        select a.id, a.slug, a.title, a.summary, a.body_markdown, '' as body_html, '[]' as outline, {ColumnsAfterBody}
        from articles a where a.id = any(@ids)
        """;

    public const string CardsByIds = $"select {CardColumns} from articles a where a.id = any(@ids)";

    public const string KnownTagSlugs = "select slug from tags where slug = any(@slugs)";

    // The tag names go into the search vector (migration 0006), in the order the tags are shown.
    private const string TagNames = "article_tag_names(@Tags)";

    public const string Insert = $"""
        insert into articles (slug, title, summary, body_markdown, body_html, outline, sources, ai_generated,
                              disclosure, hero_image, canonical_url, word_count, reading_time_minutes,
                              tag_names, search_language)
        values (@Slug, @Title, @Summary, @BodyMarkdown, @BodyHtml, @Outline::jsonb, @Sources::jsonb, @AiGenerated,
                @Disclosure, @HeroImage::jsonb, @CanonicalUrl, @WordCount, @ReadingTimeMinutes,
                {TagNames}, @SearchLanguage::regconfig)
        returning id
        """;

    public const string Update = $"""
        update articles set
            slug = @Slug, title = @Title, summary = @Summary, body_markdown = @BodyMarkdown, body_html = @BodyHtml,
            outline = @Outline::jsonb, sources = @Sources::jsonb, ai_generated = @AiGenerated, disclosure = @Disclosure,
            hero_image = @HeroImage::jsonb, canonical_url = @CanonicalUrl, word_count = @WordCount,
            reading_time_minutes = @ReadingTimeMinutes, tag_names = {TagNames}, search_language = @SearchLanguage::regconfig,
            version = version + 1, updated_at = now()
        where id = @Id
        """;

    public const string ReplaceTagLinks = """
        delete from article_tags where article_id = any(@ids);
        insert into article_tags (article_id, tag_id, position)
        select s.article_id, t.id, s.position
        from unnest(@articleIds::uuid[], @tagSlugs::text[], @positions::int[]) as s(article_id, slug, position)
        join tags t on t.slug = s.slug;
        """;

    // Every write to an existing article starts here: the row is locked so the version check and the
    // change are one step, and two editors holding the same version cannot both win. "No key update": rows
    // elsewhere that point at this article (links, text neighbours) can still be written meanwhile.
    public const string LockForWrite = $"""
        select a.version, {EffectiveStatus}, a.published_at, a.ai_generated, a.disclosure, jsonb_array_length(a.sources) as source_count,
               a.status = 'scheduled' and article_is_public(a.status, a.published_at) as announcement_due
        from articles a where a.id = @id
        for no key update
        """;

    public const string Publish = """
        update articles set
            status = article_publication_status(coalesce(@at::timestamptz, now())),
            published_at = coalesce(@at::timestamptz, now()), version = version + 1, updated_at = now()
        where id = @id
        """;

    public const string Unpublish = """
        update articles set status = 'draft', published_at = null, version = version + 1, updated_at = now()
        where id = @id
        """;

    public const string Archive = """
        update articles set status = 'archived', version = version + 1, updated_at = now()
        where id = @id
        """;

    public const string Delete = "delete from articles where id = @id";

    // Scheduled articles whose time has come: partners are told now (ArticleWriter.PublishDueAsync). The stored
    // status catches up with what the public already sees; the version stays, so an editor's If-Match still holds.
    public const string MarkDuePublished = """
        update articles set status = 'published'
        where id in (
            select id from articles
            where status = 'scheduled' and article_is_public(status, published_at)
              and (@ids::uuid[] is null or id = any(@ids::uuid[]))
            order by published_at, id
            limit 100
            for update skip locked)
        returning id
        """;

    // The note, and a new version: an article with a new note is a changed article.
    public const string AddCorrection = """
        insert into corrections (article_id, kind, text, key_id, key_name) values (@id, @Kind, @Text, @KeyId, @KeyName);
        update articles set version = version + 1, updated_at = now() where id = @id;
        """;

    // The ten published articles, among the 500 newest that share a title word, whose text best matches this
    // article's title words, kept in both directions so older articles also learn about a new neighbour. Run on publish and on edits of live
    // articles; the lexemes are quoted into a tsquery as they are, already normalised. Refreshes run one at a time
    // (the advisory lock), each in a transaction of its own after the write (ArticleWriter): two of them write each
    // other's rows, and inside article writes, holding article locks, they deadlocked.
    public const string RefreshTextNeighbours = """
        select pg_advisory_xact_lock(7236071233690103151);
        delete from text_neighbours where article_id = @id;
        with terms as (
            select string_agg('''' || replace(lexeme, '''', '''''') || '''', ' | ')::tsquery as q
            from articles me, unnest(tsvector_to_array(to_tsvector(me.search_language, me.title))) as lexeme
            where me.id = @id
        ),
        recent as (
            select v.article_id as id, v.search_vector, v.public_from as published_at
            from article_search_vectors v, terms
            where terms.q is not null and v.search_vector @@ terms.q and v.article_id <> @id and v.public_from <= now()
            order by v.public_from desc
            limit 500
        ),
        found as (
            select r.id, ts_rank_cd(r.search_vector, terms.q, 32) as score
            from recent r, terms
            order by score desc, r.published_at desc
            limit 10
        ),
        mine as (
            insert into text_neighbours (article_id, neighbour_id, score)
            select @id, id, score from found
        )
        insert into text_neighbours (article_id, neighbour_id, score)
        select id, @id, score from found
        on conflict (article_id, neighbour_id) do update set score = excluded.score;
        """;

    // The words of their titles that search-as-you-type completes (migration 0035), as status, publish time and title
    // now stand: every recorded change runs it (ArticleWriter.RecordAsync), the scheduler's announcements included.
    public const string RefreshSuggestions = "select suggestions_refresh(@ids)";

    public const string KnownArticleIds = "select id from articles where id = any(@ids)";

    public const string ReplaceRelatedLinks = """
        delete from related_links where article_id = any(@ids);
        insert into related_links (article_id, related_id, position)
        select * from unnest(@articleIds::uuid[], @relatedIds::uuid[], @positions::int[]);
        """;

    public const string Touch = "update articles set version = version + 1, updated_at = now() where id = any(@ids)";

    public const string CuratedOfId = $"""
        select a.id, a.slug, a.title, a.summary, coalesce(a.published_at, a.created_at) as published_at,
               a.hero_image::text as hero_image, 'curated' as kind, null as reason, {CommentColumns}
        from related_links r join articles a on a.id = r.related_id
        where r.article_id = @id
        order by r.position
        """;
}
