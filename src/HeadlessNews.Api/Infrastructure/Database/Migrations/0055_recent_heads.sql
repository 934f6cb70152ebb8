-- Search ranks the newest SearchWindow (300) heads that match. For one word in a few hundredths of the heads (most
-- one-word searches for a topic in the news), that window is spread over the newest ten to forty thousand heads:
-- walking them newest first tested 17,000 heads for "border" on the 100,000-article archive (9 ms), and the
-- full-text index handed over all 1,700 of its matches, each then read and sorted (5 ms), against about 1 ms for a
-- search of two words. The copy of the newest articles (0052) already holds the newest 40,000 or so: it now holds their
-- heads too, with an index of their own, so such a word's window is read from its few hundred matches there. What the
-- copy does not hold (matches older than its horizon) is still read from article_search_heads (ArticleListSql).
--
-- The copy's rules (0052) are unchanged: every published or scheduled article after kept_after has its row, now with
-- the same head and title_key as its row in article_search_heads, which one function now computes for both.
create function article_search_head(config regconfig, title text, tag_names text, summary text) returns tsvector
    language sql immutable parallel safe
    as $$
    select setweight(to_tsvector(config, title), 'A') ||
           setweight(to_tsvector(config, tag_names), 'B') ||
           setweight(to_tsvector(config, coalesce(summary, '')), 'B')
    $$;

create or replace function article_search_heads_follow() returns trigger language plpgsql as $$
begin
    if new.status in ('published', 'scheduled') then
        insert into article_search_heads (article_id, published_at, head, title_key)
        values (new.id, new.published_at, article_search_head(new.search_language, new.title, new.tag_names, new.summary),
                array_to_string(suggestion_words_of(new.title), ' '))
        on conflict (article_id) do update
            set published_at = excluded.published_at, head = excluded.head, title_key = excluded.title_key;
    elsif tg_op = 'UPDATE' and old.status in ('published', 'scheduled') then
        delete from article_search_heads where article_id = new.id;
    end if;
    return null;
end
$$;

alter table article_search_recent add column head tsvector, add column title_key text;

-- Its trigger fires on every column the head is made of (title, tag_names, summary, search_language).
create or replace function article_search_recent_follow() returns trigger language plpgsql as $$
declare
    horizon article_search_recent_horizon;
begin
    select * into horizon from article_search_recent_horizon;
    if new.status in ('published', 'scheduled') and new.published_at > horizon.kept_after then
        insert into article_search_recent (article_id, published_at, newest, body, head, title_key)
        values (new.id, new.published_at, new.published_at > horizon.newest_after, new.search_vector,
                article_search_head(new.search_language, new.title, new.tag_names, new.summary),
                array_to_string(suggestion_words_of(new.title), ' '))
        on conflict (article_id) do update
            set published_at = excluded.published_at, newest = excluded.newest, body = excluded.body,
                head = excluded.head, title_key = excluded.title_key;
    elsif tg_op = 'UPDATE' then
        delete from article_search_recent where article_id = new.id;
    end if;
    return null;
end
$$;

-- The copy's heads are the heads' own, byte for byte (a head made again could differ after a change of dictionaries).
-- Every row of the copy is a published or scheduled article's, so it has one; the second update is for safety only.
-- The copy's two indexes of whole vectors are dropped and made again around it: the update writes every row anew, and
-- each would take every word of every vector again, one by one (about a minute for the 40,000 rows).
drop index article_search_recent_words;
drop index article_search_recent_newest_words;

update article_search_recent r
set head = h.head, title_key = h.title_key
from article_search_heads h
where h.article_id = r.article_id;

update article_search_recent r
set head = article_search_head(a.search_language, a.title, a.tag_names, a.summary),
    title_key = array_to_string(suggestion_words_of(a.title), ' ')
from articles a
where a.id = r.article_id and r.head is null;

-- A writer whose trigger began with the old function body while this script held the copy's lock inserts no head and
-- fails on this constraint, rather than leave a row that the copy's way of searching cannot find.
alter table article_search_recent alter column head set not null, alter column title_key set not null;

create index article_search_recent_words on article_search_recent using gin (body);
create index article_search_recent_newest_words on article_search_recent using gin (body) where newest;
create index article_search_recent_heads on article_search_recent using gin (head);
analyze article_search_recent;
