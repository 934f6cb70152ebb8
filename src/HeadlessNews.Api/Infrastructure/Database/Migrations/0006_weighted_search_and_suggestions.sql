-- Search weighs the title most, then tags and the standfirst, then the body, in the text-search language the
-- article was written under (HeadlessNews:Search:Language). Tag names are copied onto the article when its
-- tags are written, so the vector stays a generated column of one row.
create extension if not exists pg_trgm;

alter table articles
    add column tag_names text not null default '',
    add column search_language regconfig not null default 'english';

update articles a
set tag_names = coalesce((
    select string_agg(t.name, ' ' order by at.position)
    from article_tags at join tags t on t.id = at.tag_id
    where at.article_id = a.id), '');

-- The view lists the table's columns, so it has to step aside while the vector is redefined.
drop view visible_articles;

alter table articles drop column search_vector;
alter table articles add column search_vector tsvector generated always as (
    setweight(to_tsvector(search_language, title), 'A') ||
    setweight(to_tsvector(search_language, tag_names), 'B') ||
    setweight(to_tsvector(search_language, coalesce(summary, '')), 'B') ||
    setweight(to_tsvector(search_language, body_markdown), 'C')
) stored;
create index articles_search on articles using gin (search_vector);

create view visible_articles as
    select *
    from articles
    where status in ('published', 'scheduled') and published_at <= now();

-- Search-as-you-type: prefix and typo-tolerant matching on titles and tag names.
create index articles_title_trigram on articles using gin (title gin_trgm_ops);
create index tags_name_trigram on tags using gin (name gin_trgm_ops);
