-- Full-text search ranks on an article's head: its title (A), tag names and standfirst (B). Ranking on the whole
-- search vector cost 13–40 ms a query on a realistic archive, because each vector (7.6 KB on average, out of line)
-- had to be read back and walked for up to 300 matches; a head is a few hundred bytes and sits inline in a narrow
-- table. The body's words still find an article (the articles_search index), as a lower tier ordered by time.
--
-- head is exactly the first three parts of articles.search_vector, so its word positions are the same: a phrase
-- found in the head is found in the whole vector. title_key is the title's words in order, lower case, for the
-- exact-title and title-prefix boosts.
--
-- A row exists while the article is published or scheduled, and carries its publish time; every query keeps to
-- published_at <= now() and reads the article through visible_articles, so an embargoed article is never found
-- before its time. The trigger below keeps the rows in step whoever writes (the editor, the importer, the scheduler,
-- a revision restore, a tag rename rewriting tag_names, the re-indexer changing search_language, plain COPY), as the
-- tag links' publish time is kept (0004). Deleting an article cascades.
create table article_search_heads (
    article_id   uuid primary key references articles (id) on delete cascade,
    published_at timestamptz not null,
    head         tsvector not null,
    title_key    text not null
);

create function article_search_heads_follow() returns trigger language plpgsql as $$
begin
    if new.status in ('published', 'scheduled') then
        insert into article_search_heads (article_id, published_at, head, title_key)
        values (new.id, new.published_at,
                setweight(to_tsvector(new.search_language, new.title), 'A') ||
                setweight(to_tsvector(new.search_language, new.tag_names), 'B') ||
                setweight(to_tsvector(new.search_language, coalesce(new.summary, '')), 'B'),
                array_to_string(suggestion_words_of(new.title), ' '))
        on conflict (article_id) do update
            set published_at = excluded.published_at, head = excluded.head, title_key = excluded.title_key;
    elsif tg_op = 'UPDATE' and old.status in ('published', 'scheduled') then
        delete from article_search_heads where article_id = new.id;
    end if;
    return null;
end
$$;

create trigger articles_search_head
    after insert or update of title, summary, tag_names, search_language, status, published_at on articles
    for each row execute function article_search_heads_follow();

insert into article_search_heads (article_id, published_at, head, title_key)
select id, published_at,
       setweight(to_tsvector(search_language, title), 'A') ||
       setweight(to_tsvector(search_language, tag_names), 'B') ||
       setweight(to_tsvector(search_language, coalesce(summary, '')), 'B'),
       array_to_string(suggestion_words_of(title), ' ')
from articles
where status in ('published', 'scheduled');

-- Matches by word, and the newest matches when a word is in most heads.
create index article_search_heads_words on article_search_heads using gin (head);
create index article_search_heads_newest on article_search_heads (published_at desc, article_id desc);
analyze article_search_heads;
