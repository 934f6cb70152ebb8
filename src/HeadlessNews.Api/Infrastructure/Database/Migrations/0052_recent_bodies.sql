-- Search's body tier asks the newest articles first, and a page is nearly always filled from them. Asking the full-text
-- index on every article for them cost about 2 ms a search on the 100,000-article archive, ten times that at a million:
-- a GIN index hands over the whole posting list of each word (a word in a third of the bodies: a third of the archive)
-- before the publish-time range can narrow it. This is a copy of the search vectors of the newest articles only, with
-- its own small index: the body tier reads it for everything published after the horizon, and the index on every
-- article for the rest (ArticleListSql).
--
-- The one rule: every published or scheduled article published after the horizon has its row here. The trigger below
-- keeps it whoever writes (as article_search_heads is kept, 0050), and copies nothing older than the horizon. The
-- horizon only moves forward, and rows are removed (RecentBodies.Prune) only at or before it, in the statement that
-- moves it; a row older than it is never read. Visibility is still the article's: every read joins visible_articles.
create table article_search_recent (
    article_id   uuid primary key references articles (id) on delete cascade,
    published_at timestamptz not null,
    body         tsvector not null
);

create table article_search_recent_horizon (
    only_row boolean primary key default true check (only_row),
    at       timestamptz not null
);

-- About the newest 4,000 visible articles (RecentBodies.Keep); -infinity, so every article, while there are fewer.
insert into article_search_recent_horizon (at)
select coalesce((select published_at from articles where article_is_public(status, published_at)
                 order by published_at desc, id desc offset 3999 limit 1), '-infinity');

create function article_search_recent_follow() returns trigger language plpgsql as $$
begin
    if new.status in ('published', 'scheduled') and new.published_at > (select at from article_search_recent_horizon) then
        insert into article_search_recent (article_id, published_at, body)
        values (new.id, new.published_at, new.search_vector)
        on conflict (article_id) do update set published_at = excluded.published_at, body = excluded.body;
    elsif tg_op = 'UPDATE' then
        delete from article_search_recent where article_id = new.id;
    end if;
    return null;
end
$$;

-- The columns search_vector is generated from, and the two the rule is about.
create trigger articles_search_recent
    after insert or update of title, tag_names, summary, body_markdown, search_language, status, published_at on articles
    for each row execute function article_search_recent_follow();

insert into article_search_recent (article_id, published_at, body)
select id, published_at, search_vector
from articles
where status in ('published', 'scheduled') and published_at > (select at from article_search_recent_horizon);

create index article_search_recent_words on article_search_recent using gin (body);
analyze article_search_recent;
