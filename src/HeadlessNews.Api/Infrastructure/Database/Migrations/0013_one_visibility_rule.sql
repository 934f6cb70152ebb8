-- The one SQL statement of public visibility. An article is public when it is published, or scheduled and its
-- time has come; never when it is a draft, archived or deleted. Everything that asks "can the public see this
-- now?" calls article_is_public; the view, the effective status and the scheduler are written with it. These are
-- plain SQL functions, inlined by the planner, so the indexes on status and published_at still serve.
create function article_is_public(status text, published_at timestamptz) returns boolean
    language sql stable parallel safe
    as $$ select status in ('published', 'scheduled') and published_at <= now() $$;

-- The status the management API shows: 'published' exactly when the public sees the article, 'scheduled' while
-- its time has not come. A stored 'scheduled' whose time came only says that partners have not been told yet.
create function article_effective_status(status text, published_at timestamptz) returns text
    language sql stable parallel safe
    as $$ select case when article_is_public(status, published_at) then 'published'
                      when status in ('published', 'scheduled') then 'scheduled'
                      else status end $$;

-- The stored status of an article given a publish time: scheduled until the time comes.
create function article_publication_status(published_at timestamptz) returns text
    language sql stable parallel safe
    as $$ select case when published_at > now() then 'scheduled' else 'published' end $$;

-- The words of an article's tags in the search vector: the tags' own names, in the article's order.
create function article_tag_names(slugs text[]) returns text
    language sql stable parallel safe
    as $$ select coalesce((select string_agg(t.name, ' ' order by array_position(slugs, t.slug)) from tags t where t.slug = any(slugs)), '') $$;

create or replace view visible_articles as
    select *
    from articles
    where article_is_public(status, published_at);

-- Imports once stored 'published' with a publish time still to come: such articles were hidden from the public
-- but never announced when their time came. They are scheduled articles.
update articles set status = 'scheduled' where status = 'published' and published_at > now();
