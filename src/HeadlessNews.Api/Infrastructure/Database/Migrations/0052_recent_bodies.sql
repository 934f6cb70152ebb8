-- Search's body tier asks the newest articles first, and a page is nearly always filled from them. Asking the full-text
-- index on every article for them cost about 2 ms a search on the 100,000-article archive, ten times that at a million:
-- a GIN index hands over the whole posting list of each word (a word in a third of the bodies: a third of the archive)
-- before the publish-time range can narrow it, and every match is then read from the articles table to be ordered.
-- This is a copy of the search vectors of the newest articles only, in two tiers with their own small indexes:
-- the newest (about 4,000, flagged newest, with an index of their own) and the next (to about 40,000). The body tier
-- reads the newest tier, then the next, then the index on every article for the rest (ArticleListSql), so a page that
-- the newest do not fill costs a search of 40,000 articles, not of the archive.
--
-- The rules: every published or scheduled article published after kept_after has its row here, flagged newest when
-- published after newest_after. The trigger below keeps them whoever writes (as article_search_heads is kept, 0050)
-- and copies nothing older than kept_after. Both horizons only move forward; rows are dropped (RecentBodies) only at
-- or before kept_after, and unflagged only at or before newest_after, in the statement that moves them. A row may be
-- flagged newest after newest_after has passed it (the tiers' reads do not rely on the flag there); a row after
-- newest_after is always flagged. Visibility is still the article's: the body tier keeps to published_at <= now(), and
-- the page is read through visible_articles.
create table article_search_recent (
    article_id   uuid primary key references articles (id) on delete cascade,
    published_at timestamptz not null,
    newest       boolean not null,
    body         tsvector not null
);

create table article_search_recent_horizon (
    only_row     boolean primary key default true check (only_row),
    newest_after timestamptz not null,
    kept_after   timestamptz not null,
    check (kept_after <= newest_after)
);

-- The 4,000th and 40,000th newest visible articles (RecentBodies); -infinity while there are fewer.
insert into article_search_recent_horizon (newest_after, kept_after)
select coalesce((select published_at from articles where article_is_public(status, published_at)
                 order by published_at desc, id desc offset 3999 limit 1), '-infinity'),
       coalesce((select published_at from articles where article_is_public(status, published_at)
                 order by published_at desc, id desc offset 39999 limit 1), '-infinity');

create function article_search_recent_follow() returns trigger language plpgsql as $$
declare
    horizon article_search_recent_horizon;
begin
    select * into horizon from article_search_recent_horizon;
    if new.status in ('published', 'scheduled') and new.published_at > horizon.kept_after then
        insert into article_search_recent (article_id, published_at, newest, body)
        values (new.id, new.published_at, new.published_at > horizon.newest_after, new.search_vector)
        on conflict (article_id) do update
            set published_at = excluded.published_at, newest = excluded.newest, body = excluded.body;
    elsif tg_op = 'UPDATE' then
        delete from article_search_recent where article_id = new.id;
    end if;
    return null;
end
$$;

-- The columns search_vector is generated from, and the two the rules are about.
create trigger articles_search_recent
    after insert or update of title, tag_names, summary, body_markdown, search_language, status, published_at on articles
    for each row execute function article_search_recent_follow();

insert into article_search_recent (article_id, published_at, newest, body)
select a.id, a.published_at, a.published_at > h.newest_after, a.search_vector
from articles a, article_search_recent_horizon h
where a.status in ('published', 'scheduled') and a.published_at > h.kept_after;

create index article_search_recent_words on article_search_recent using gin (body);
create index article_search_recent_newest_words on article_search_recent using gin (body) where newest;
analyze article_search_recent;
