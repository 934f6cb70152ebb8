-- A newest-first list of one tag's articles should walk an index and stop after a page, not join and sort
-- every article of the tag. So each tag link carries its article's publish time (null while the article is
-- not published or scheduled), indexed in list order. Triggers keep it in step on publish, schedule,
-- unpublish, archive and re-date, whoever writes.
alter table article_tags add column published_at timestamptz;

update article_tags at
set published_at = a.published_at
from articles a
where a.id = at.article_id and a.status in ('published', 'scheduled');

create index article_tags_newest on article_tags (tag_id, published_at desc, article_id desc)
    where published_at is not null;

create function article_tags_follow_article() returns trigger language plpgsql as $$
begin
    update article_tags
    set published_at = case when new.status in ('published', 'scheduled') then new.published_at end
    where article_id = new.id
      and published_at is distinct from (case when new.status in ('published', 'scheduled') then new.published_at end);
    return null;
end
$$;

create trigger articles_publish_time_to_tag_links
    after update of status, published_at on articles
    for each row execute function article_tags_follow_article();

create function article_tags_take_publish_time() returns trigger language plpgsql as $$
begin
    select case when a.status in ('published', 'scheduled') then a.published_at end
    into new.published_at
    from articles a
    where a.id = new.article_id;
    return new;
end
$$;

create trigger article_tags_publish_time
    before insert on article_tags
    for each row execute function article_tags_take_publish_time();
