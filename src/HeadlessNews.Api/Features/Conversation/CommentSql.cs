using HeadlessNews.Api.Features.Articles;

namespace HeadlessNews.Api.Features.Conversation;

/// <summary>
/// Comment SQL. What the public sees is one rule: an approved comment under a visible article (visible_articles), plus
/// placeholders of top-level comments that are not public (deleted, rejected, or held again after an edit) but still
/// have public replies. Everything public reads through it.
/// </summary>
internal static class CommentSql
{
    // A placeholder shows no text and no author, and says "deleted" whatever the reason: the public is not told that a
    // comment was rejected or is awaiting moderation, only that it is gone. Without placeholders, approved replies under
    // a rejected parent were counted but could be reached only by their ids.
    private const string PlaceholderColumns = """
        c.id, c.article_id, c.parent_id,
        case when c.status = 'approved' then c.reader_id end as reader_id,
        case when c.status = 'approved' then c.body_html else '' end as body_html,
        case when c.status = 'approved' then 'approved' else 'deleted' end as status,
        c.featured and c.status = 'approved' as featured,
        c.created_at, case when c.status = 'approved' then c.edited_at end as edited_at, c.reply_count
        """;

    private const string PublicOrPlaceholder = "(c.status = 'approved' or (c.parent_id is null and c.reply_count > 0))";

    private const string PublicColumns = """
        c.id, c.article_id, c.parent_id, c.reader_id as author_id, r.display_name as author_name, coalesce(r.staff, false) as author_staff,
        c.body_html, c.status, c.featured, c.created_at, c.edited_at, c.reply_count
        """;

    public const string ById = $"select {PublicColumns} from comments c left join readers r on r.id = c.reader_id where c.id = @id";

    public const string VisibleArticleId = "select id from visible_articles where slug = @slug";

    // A page of top-level comments and the first public replies of each, in one statement (one round trip, and the
    // authors of both joined once): the page in its order, then the replies by parent, oldest first. The article is
    // named by slug and must be visible; its id is read in the same round trip (VisibleArticleId) to tell a missing
    // article from an empty page. The bench's busy article showed why (docs/benchmarks.md): the replies as a second
    // query cost more database time than the page itself, and newest first (where the replied-to comments are) ran at
    // half the rate of oldest first on a pool of four connections.
    public static string TopLevelPageWithReplies(bool newest)
    {
        var dir = newest ? "desc" : "asc";
        return $"""
            with page as (
                select {PlaceholderColumns}
                from comments c
                where c.article_id = (select id from visible_articles where slug = @slug) and c.parent_id is null
                  and {PublicOrPlaceholder}
                  and (@afterAt::timestamptz is null or (c.created_at, c.id) {(newest ? "<" : ">")} (@afterAt::timestamptz, @afterId::uuid))
                order by c.created_at {dir}, c.id {dir}
                limit @limit
            ),
            replies as (
                select x.* from page p
                cross join lateral (
                    select c.id, c.article_id, c.parent_id, c.reader_id, c.body_html, c.status, c.featured, c.created_at, c.edited_at, c.reply_count
                    from comments c
                    where c.parent_id = p.id and c.status = 'approved'
                    order by c.created_at, c.id
                    limit @shown
                ) x
                where p.reply_count > 0
            ),
            shown as (
                select 0 as part, * from page
                union all
                select 1, * from replies
            )
            select {PublicColumns}
            from shown c left join readers r on r.id = c.reader_id
            order by c.part, (case when c.part = 0 then c.created_at end) {dir}, (case when c.part = 0 then c.id end) {dir},
                     c.parent_id, c.created_at, c.id
            """;
    }

    // The first public replies of each comment on a page, oldest first.
    public const string FirstReplies = $"""
        select x.* from unnest(@ids::uuid[]) as p(id)
        cross join lateral (
            select {PublicColumns}
            from comments c left join readers r on r.id = c.reader_id
            where c.parent_id = p.id and c.status = 'approved'
            order by c.created_at, c.id
            limit @shown
        ) x
        """;

    // A public comment (or placeholder) under a visible article.
    public const string PublicById = $"""
        select {PublicColumns}
        from (select {PlaceholderColumns} from comments c where c.id = @id and {PublicOrPlaceholder}) c
        join visible_articles v on v.id = c.article_id
        left join readers r on r.id = c.reader_id
        """;

    public const string RepliesPage = $"""
        select {PublicColumns}
        from comments c left join readers r on r.id = c.reader_id
        where c.parent_id = @parentId and c.status = 'approved'
          and (@afterAt::timestamptz is null or (c.created_at, c.id) > (@afterAt::timestamptz, @afterId::uuid))
        order by c.created_at, c.id
        limit @limit
        """;

    // Writes

    // One reader's writes run one at a time, so duplicate checks and first-comment counts cannot race.
    public const string LockReader = "select pg_advisory_xact_lock(hashtextextended(@readerId::text, 7236071233690103152))";

    public const string ArticleForComment = $"""
        select a.id, a.slug, x.comments_open as open
        from visible_articles a cross join lateral (select {ArticleSql.CommentColumns}) x where a.slug = @slug
        """;

    // The stored policy, or the table's defaults when none was ever stored.
    public const string Settings = """
        select pre_moderation, trusted_after, banned_words, suspect_words, max_links, auto_close_after_days
        from conversation_settings
        union all
        select 'off', 1, '{}', '{}', 3, null
        where not exists (select 1 from conversation_settings)
        """;

    public const string ParentForReply = "select article_id, parent_id, status from comments where id = @parentId";

    public const string IsDuplicate = """
        select exists (
            select 1 from comments
            where reader_id = @readerId and article_id = @articleId and body_hash = @hash and status <> 'deleted'
              and created_at > now() - make_interval(secs => @windowSeconds))
        """;

    public const string ApprovedCountOfReader = "select count(*) from comments where reader_id = @readerId and status = 'approved'";

    private const string OwnColumns = """
        c.id, c.article_id, a.slug as article_slug, c.parent_id, c.body, c.body_html, c.status, c.featured, c.reject_reason,
        c.created_at, c.edited_at, c.version
        """;

    public const string Insert = $"""
        with c as (
            insert into comments (article_id, parent_id, reader_id, body, body_html, body_hash, status, held_reason)
            values (@articleId, @parentId, @readerId, @body, @bodyHtml, @hash, @status, @heldReason)
            returning *
        )
        select {OwnColumns} from c join articles a on a.id = c.article_id
        """;

    // The author's own comment, locked for an edit or a delete, with the article's visibility and whether the edit
    // window is still open (the database's clock, like every other time rule).
    public const string LockOwn = """
        select c.id, c.article_id, c.reader_id, c.status, c.version, c.parent_id,
               c.created_at > now() - make_interval(secs => @windowSeconds) as in_window,
               exists (select 1 from visible_articles v where v.id = c.article_id) as article_public
        from comments c where c.id = @id
        for update
        """;

    public const string Edit = $"""
        with c as (
            update comments set body = @body, body_html = @bodyHtml, body_hash = @hash, status = @status,
                held_reason = coalesce(@heldReason, held_reason), edited_at = now(), version = version + 1
            where id = @id
            returning *
        )
        select {OwnColumns} from c join articles a on a.id = c.article_id
        """;

    // A comment with replies stays as a placeholder: no text, no author.
    public const string MakePlaceholder = """
        update comments set status = 'deleted', body = '', body_html = '', body_hash = null, reader_id = null, featured = false,
            open_reports = 0, version = version + 1
        where id = @id
        """;

    public const string Delete = "delete from comments where id = @id";

    public const string HasReplies = "select exists (select 1 from comments r where r.parent_id = @id and r.status <> 'deleted')";

    public const string ReportTarget = """
        select c.reader_id from comments c join visible_articles v on v.id = c.article_id
        where c.id = @id and c.status = 'approved'
        """;

    public const string InsertReport = """
        with r as (
            insert into comment_reports (comment_id, reader_id, reason, note) values (@id, @readerId, @reason, @note)
            on conflict do nothing
            returning comment_id
        )
        update comments set open_reports = open_reports + 1 where id in (select comment_id from r)
        """;

    public const string MinePage = $"""
        select {OwnColumns}
        from comments c join articles a on a.id = c.article_id
        where c.reader_id = @readerId
          and (@beforeAt::timestamptz is null or (c.created_at, c.id) < (@beforeAt::timestamptz, @beforeId::uuid))
        order by c.created_at desc, c.id desc
        limit @limit
        """;

    public const string AllMine = $"""
        select {OwnColumns}
        from comments c join articles a on a.id = c.article_id
        where c.reader_id = @readerId
        order by c.created_at, c.id
        """;

    public const string ReaderForExport = "select id, display_name, email, staff, created_at from readers where id = @readerId";

    // Moderation

    private const string ModeratedColumns = """
        c.id, c.article_id, a.slug as article_slug, c.parent_id, c.reader_id as author_id, r.display_name as author_name,
        coalesce(r.staff, false) as author_staff, c.body, c.body_html, c.status, c.featured, c.held_reason, c.reject_reason,
        c.open_reports, c.created_at, c.edited_at
        """;

    public const string QueuePage = $"""
        select {ModeratedColumns}
        from comments c join articles a on a.id = c.article_id left join readers r on r.id = c.reader_id
        where (case when @status = 'reported' then c.open_reports > 0 and c.status <> 'deleted' else c.status = @status end)
          and (@articleId::uuid is null or c.article_id = @articleId::uuid)
          and (@afterAt::timestamptz is null or (c.created_at, c.id) > (@afterAt::timestamptz, @afterId::uuid))
        order by c.created_at, c.id
        limit @limit
        """;

    public const string ModeratedById = $"""
        select {ModeratedColumns}
        from comments c join articles a on a.id = c.article_id left join readers r on r.id = c.reader_id
        where c.id = @id
        """;

    // The comment before the decision, locked, and whether its article is public (only then do partners hear of it).
    public const string LockForModeration = """
        select c.status, c.article_id, a.slug as article_slug, c.parent_id, c.created_at,
               article_is_public(a.status, a.published_at) as article_public
        from comments c join articles a on a.id = c.article_id
        where c.id = @id
        for update of c
        """;

    public const string Approve = """
        update comments set status = 'approved', held_reason = null, reject_reason = null, open_reports = 0 where id = @id
        """;

    public const string Reject = """
        update comments set status = 'rejected', reject_reason = @reason, featured = false, open_reports = 0 where id = @id
        """;

    public const string SetFeatured = "update comments set featured = @featured where id = @id";

    public const string UpdateSettings = """
        insert into conversation_settings (id, pre_moderation, trusted_after, banned_words, suspect_words, max_links, auto_close_after_days)
        values (true, @PreModeration, @TrustedAfter, @BannedWords, @SuspectWords, @MaxLinks, @AutoCloseAfterDays)
        on conflict (id) do update set pre_moderation = excluded.pre_moderation, trusted_after = excluded.trusted_after,
            banned_words = excluded.banned_words, suspect_words = excluded.suspect_words, max_links = excluded.max_links,
            auto_close_after_days = excluded.auto_close_after_days
        """;

    public const string ArticleConversation = $"""
        select a.id as article_id, coalesce(c.state, 'auto') as state, x.comments_open as open, x.comment_count as count
        from articles a left join article_conversations c on c.article_id = a.id
        cross join lateral (select {ArticleSql.CommentColumns}) x
        where a.id = @id
        """;

    public const string VisibleSlugById = "select slug from visible_articles where id = @id";

    public const string SetArticleState = """
        insert into article_conversations (article_id, state) select id, @state from articles where id = @id
        on conflict (article_id) do update set state = excluded.state
        """;

    public const string ReaderProfile = """
        select r.id, r.display_name, r.staff, r.created_at, r.last_seen_at,
               case when r.banned_until = 'infinity' then '9999-12-31T23:59:59Z'::timestamptz
                    when r.banned_until > now() then r.banned_until end as banned_until,
               case when r.banned_until > now() then r.ban_reason end as ban_reason,
               (select count(*)::int from comments c where c.reader_id = r.id) as comments
        from readers r where r.id = @id
        """;

    public const string Ban = "update readers set banned_until = coalesce(@until::timestamptz, 'infinity'::timestamptz), ban_reason = @reason where id = @id";

    public const string LiftBan = "update readers set banned_until = null, ban_reason = null where id = @id";

    // Erasure: the reader's public comments (to announce their removal), then placeholders where others replied,
    // the rest deleted, and the reader row itself (their reports go with it).
    public const string PublicCommentsOfReader = """
        select c.id, c.article_id, a.slug as article_slug, c.parent_id, c.created_at
        from comments c join articles a on a.id = c.article_id
        where c.reader_id = @id and c.status = 'approved' and article_is_public(a.status, a.published_at)
        """;

    // Placeholders keep nothing that could quote the erased text: moderators' reasons and other readers' reports on
    // them go too. The reader's own reports go with the reader row (cascade); the counts they added are taken back.
    public const string EraseReader = """
        with placeholders as (
            update comments c set status = 'deleted', body = '', body_html = '', body_hash = null, reader_id = null, featured = false,
                open_reports = 0, held_reason = null, reject_reason = null, edited_at = null, version = version + 1
            where c.reader_id = @id and exists (select 1 from comments r where r.parent_id = c.id and r.reader_id is distinct from @id)
            returning c.id
        )
        delete from comment_reports where comment_id in (select id from placeholders);
        update comments set open_reports = greatest(open_reports - 1, 0)
        where id in (select comment_id from comment_reports where reader_id = @id);
        delete from comments where reader_id = @id;
        delete from readers where id = @id;
        """;
}
