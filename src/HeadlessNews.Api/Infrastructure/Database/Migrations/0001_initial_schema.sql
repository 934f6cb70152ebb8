-- Tags: what an article is about. The kind lets a front end group places, people and organisations.
create table tags (
    id          uuid primary key default gen_random_uuid(),
    slug        text not null,
    name        text not null,
    kind        text not null,
    description text,
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now(),
    constraint tags_slug_key unique (slug),
    constraint tags_slug_format check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and length(slug) <= 100),
    constraint tags_name_length check (length(name) between 1 and 100),
    constraint tags_kind_values check (kind in ('topic', 'place', 'person', 'organisation'))
);

create table articles (
    id                   uuid primary key default gen_random_uuid(),
    slug                 text not null,
    title                text not null,
    summary              text,
    body_markdown        text not null default '',
    body_html            text not null default '',
    outline              jsonb not null default '[]',
    status               text not null default 'draft',
    published_at         timestamptz,
    created_at           timestamptz not null default now(),
    updated_at           timestamptz not null default now(),
    sources              jsonb not null default '[]',
    ai_generated         boolean not null default false,
    disclosure           text,
    hero_image           jsonb,
    canonical_url        text,
    word_count           integer not null default 0,
    reading_time_minutes integer not null default 0,
    version              integer not null default 1,
    search_vector        tsvector generated always as (
        setweight(to_tsvector('english', title), 'A') ||
        setweight(to_tsvector('english', coalesce(summary, '')), 'B') ||
        setweight(to_tsvector('english', body_markdown), 'C')
    ) stored,
    constraint articles_slug_key unique (slug),
    constraint articles_slug_format check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and length(slug) <= 200),
    constraint articles_title_length check (length(title) between 1 and 300),
    constraint articles_status_values check (status in ('draft', 'scheduled', 'published', 'archived')),
    -- Published and scheduled articles always carry the time they go (or went) live.
    constraint articles_published_at_set check (status not in ('published', 'scheduled') or published_at is not null),
    constraint articles_version_positive check (version > 0)
);

-- Newest-first delivery lists walk this index and stop after a page.
create index articles_visible_order on articles (published_at desc, id desc)
    where status in ('published', 'scheduled');
create index articles_manage_order on articles (created_at desc, id desc);
create index articles_search on articles using gin (search_vector);

create table article_tags (
    article_id uuid not null references articles (id) on delete cascade,
    tag_id     uuid not null references tags (id) on delete restrict,
    position   integer not null,
    primary key (article_id, tag_id)
);
create index article_tags_tag on article_tags (tag_id, article_id);

-- Curated related links, in the editor's order.
create table related_links (
    article_id uuid not null references articles (id) on delete cascade,
    related_id uuid not null references articles (id) on delete cascade,
    position   integer not null,
    primary key (article_id, related_id),
    constraint related_links_position_key unique (article_id, position),
    constraint related_links_no_self_link check (article_id <> related_id)
);
create index related_links_related on related_links (related_id);

-- The one place that says what the public may see: published, and its time has come.
-- Scheduling needs no job: a scheduled article becomes visible when now() passes published_at.
create view visible_articles as
    select *
    from articles
    where status in ('published', 'scheduled') and published_at <= now();

create table api_keys (
    id           uuid primary key default gen_random_uuid(),
    name         text not null,
    role         text not null,
    key_hash     bytea not null,
    key_prefix   text not null,
    created_at   timestamptz not null default now(),
    revoked_at   timestamptz,
    constraint api_keys_hash_key unique (key_hash),
    constraint api_keys_role_values check (role in ('reader', 'partner', 'editor', 'admin')),
    constraint api_keys_name_length check (length(name) between 1 and 100)
);
