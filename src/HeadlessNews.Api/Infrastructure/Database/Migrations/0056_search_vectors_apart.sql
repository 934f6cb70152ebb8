-- Every article's whole search vector (title, tag names, standfirst and body) moves out of the articles table into one
-- of its own. As a stored generated column it was kept out of line with the body and its HTML, in the same TOAST
-- relation, article after article: at the million about 7.6 KB of the 16 KB each article keeps there (a tsvector
-- barely compresses). An article page reads the body and the HTML, so it reads nearly every page of that relation:
-- 17 GB at the million on a 24 GB machine, which the other reads kept pushing out of memory, and article pages were
-- read from the disk again (their latency grew 1.3-1.4x from 100,000 articles). Without the vectors it is about 9 GB.
-- Only the oldest of search's body slices, the check of an excluded word (ArticleListSql) and the text neighbours
-- worked out on a write (ArticleSql) read a whole vector; they now read it here.
set local maintenance_work_mem = '256MB';

-- Writers wait from here (readers until the rewrite at the end): an article written between the copy below and the
-- trigger would have no vector, or its old one.
lock table articles in share row exclusive mode;

-- The generated column's expression, the head (0055) followed by the body.
create function article_search_vector(config regconfig, title text, tag_names text, summary text, body text) returns tsvector
    language sql immutable parallel safe
    as $$ select article_search_head(config, title, tag_names, summary) || setweight(to_tsvector(config, body), 'C') $$;

-- public_from is when the public may see the article (article_is_public): its publish time while it is published or
-- scheduled, null otherwise. The oldest body slice and the text neighbours filter and order on it, so they read
-- matches from this table alone, as the copy's slices do from theirs: joined to the articles for their publish time,
-- the generic plan walked every visible article newest first and tested its vector, for as long as a rare word took.
create table article_search_vectors (
    article_id    uuid primary key references articles (id) on delete cascade,
    public_from   timestamptz,
    search_vector tsvector not null
);

insert into article_search_vectors (article_id, public_from, search_vector)
select id, case when status in ('published', 'scheduled') then published_at end, search_vector from articles;

create index article_search_vectors_words on article_search_vectors using gin (search_vector);

-- Every article has its row, whatever its status, as every article had its column. Made again on the columns the
-- head's and the copy's triggers follow too, which public_from needs, and so a publish makes all three with the same
-- dictionaries.
create function article_search_vectors_follow() returns trigger language plpgsql as $$
begin
    insert into article_search_vectors (article_id, public_from, search_vector)
    values (new.id, case when new.status in ('published', 'scheduled') then new.published_at end,
            article_search_vector(new.search_language, new.title, new.tag_names, new.summary, new.body_markdown))
    on conflict (article_id) do update set public_from = excluded.public_from, search_vector = excluded.search_vector;
    return null;
end
$$;

create trigger articles_search_vector
    after insert or update of title, tag_names, summary, body_markdown, search_language, status, published_at on articles
    for each row execute function article_search_vectors_follow();

-- The copy of the newest articles' vectors (0052, 0055) makes its vector itself rather than read the row above: AFTER
-- triggers run in the order of their names, and this one does not depend on that.
create or replace function article_search_recent_follow() returns trigger language plpgsql as $$
declare
    horizon article_search_recent_horizon;
begin
    select * into horizon from article_search_recent_horizon;
    if new.status in ('published', 'scheduled') and new.published_at > horizon.kept_after then
        insert into article_search_recent (article_id, published_at, newest, body, head, title_key)
        values (new.id, new.published_at, new.published_at > horizon.newest_after,
                article_search_vector(new.search_language, new.title, new.tag_names, new.summary, new.body_markdown),
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

-- The view names every column of articles (select * is expanded when it is made), so it is made again without it.
drop view visible_articles;
alter table articles drop column search_vector;
create view visible_articles as
    select *
    from articles
    where article_is_public(status, published_at);

-- A dropped column's values stay where they are until the table is written anew. CLUSTER writes it anew inside this
-- transaction (VACUUM FULL cannot run in one), newest written first; the order is kept only until rows are written.
-- Reads of articles wait for it: about 2 minutes on the benchmark's million (docs/production.md).
cluster articles using articles_manage_order;
analyze articles;
analyze article_search_vectors;
