namespace HeadlessNews.Api.Features.Changes;

internal static class ChangeSql
{
    // Events and their webhook deliveries, fanned out to every subscription that asked for each type: a paused
    // (disabled) one keeps them until it is resumed. The notification wakes the dispatcher when this commits.
    public const string RecordArticleEvents = """
        with e as (
            insert into events (type, article_id, data)
            select u.type, u.article_id, u.data
            from unnest(@types::text[], @articleIds::uuid[], @datas::jsonb[]) with ordinality as u(type, article_id, data, n)
            order by u.n
            returning id, type
        )
        insert into webhook_deliveries (event_id, subscription_id)
        select e.id, s.id from e join webhook_subscriptions s on e.type = any(s.events);
        select pg_notify('webhook_deliveries', '');
        """;

    public const string RecordTagEvents = """
        with e as (
            insert into events (type, tag_id, data)
            select @type, u.tag_id, u.data from unnest(@tagIds::uuid[], @datas::jsonb[]) with ordinality as u(tag_id, data, n)
            order by u.n
            returning id, type
        )
        insert into webhook_deliveries (event_id, subscription_id)
        select e.id, s.id from e join webhook_subscriptions s on e.type = any(s.events);
        select pg_notify('webhook_deliveries', '');
        """;

    // Change-feed writers take this lock before drawing a seq and hold it to commit, so seqs become visible in
    // order and a reader that has seen seq n has seen every seq below it.
    private const string SerializeWriters = "select pg_advisory_xact_lock(7236071233690103150);";

    public const string MoveToEnd = SerializeWriters + """
        insert into article_changes (article_id, seq, slug, visible, changed_at)
        select s.id, nextval('article_changes_seq'), s.slug, s.visible, now()
        from unnest(@ids::uuid[], @slugs::text[], @visibles::boolean[]) as s(id, slug, visible)
        on conflict (article_id) do update
        set seq = excluded.seq, slug = excluded.slug, visible = excluded.visible, changed_at = excluded.changed_at
        """;

    public const string MoveTaggedToEnd = SerializeWriters + """
        insert into article_changes (article_id, seq, slug, visible, changed_at)
        select a.id, nextval('article_changes_seq'), a.slug, true, now()
        from (select v.id, v.slug from visible_articles v
              where v.id in (select article_id from article_tags where tag_id = @tagId)
              order by v.published_at, v.id) a
        on conflict (article_id) do update
        set seq = excluded.seq, slug = excluded.slug, visible = excluded.visible, changed_at = excluded.changed_at
        """;

    // A page of the change feed: each article once, at its latest change, with whether it is visible now.
    public const string Page = """
        select c.seq, c.article_id, c.slug, c.changed_at, (v.id is not null) as visible
        from article_changes c
        left join visible_articles v on v.id = c.article_id
        where c.seq > @since
        order by c.seq
        limit @limit
        """;
}
