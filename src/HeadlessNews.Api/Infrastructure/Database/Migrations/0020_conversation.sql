-- Reader comments (docs/conversation.md). Readers sign in with the site's own tokens; a reader row is made by
-- their first valid token, keyed by the token's issuer and subject.
create table readers (
    id           uuid primary key default gen_random_uuid(),
    issuer       text not null,
    subject      text not null,
    display_name text not null,
    -- Never shown publicly; only the reader's own export carries it.
    email        text,
    staff        boolean not null default false,
    created_at   timestamptz not null default now(),
    last_seen_at timestamptz not null default now(),
    -- 'infinity' bans for good; a time in the past means the ban has run out.
    banned_until timestamptz,
    ban_reason   text,
    constraint readers_identity unique (issuer, subject),
    constraint readers_display_name_length check (length(display_name) between 1 and 100)
);

-- The moderation policy of the whole site: at most one row, written by the moderation API; without it the defaults
-- below hold (CommentSql.Settings).
create table conversation_settings (
    id                   boolean primary key default true,
    pre_moderation       text not null default 'off',
    trusted_after        integer not null default 1,
    banned_words         text[] not null default '{}',
    suspect_words        text[] not null default '{}',
    max_links            integer not null default 3,
    auto_close_after_days integer,
    constraint conversation_settings_one_row check (id),
    constraint conversation_settings_modes check (pre_moderation in ('off', 'first', 'all'))
);

-- Per article: whether comments follow the site's rule (auto), are held open, or are closed; and how many are public,
-- kept by the trigger below so cards show a count without counting.
create table article_conversations (
    article_id   uuid primary key references articles (id) on delete cascade,
    state        text not null default 'auto',
    public_count integer not null default 0,
    constraint article_conversations_states check (state in ('auto', 'open', 'closed'))
);

create table comments (
    id            uuid primary key default gen_random_uuid(),
    article_id    uuid not null references articles (id) on delete cascade,
    parent_id     uuid references comments (id) on delete cascade,
    -- Null once the comment is a placeholder left by a deletion or an erased reader.
    reader_id     uuid references readers (id) on delete set null,
    body          text not null,
    body_html     text not null,
    body_hash     bytea,
    status        text not null,
    featured      boolean not null default false,
    held_reason   text,
    reject_reason text,
    open_reports  integer not null default 0,
    reply_count   integer not null default 0,
    created_at    timestamptz not null default now(),
    edited_at     timestamptz,
    version       integer not null default 1,
    constraint comments_status_values check (status in ('pending', 'approved', 'rejected', 'deleted')),
    constraint comments_body_length check (length(body) <= 10000)
);
-- The public lists: top-level comments of an article in time order (both directions walk it), and replies.
create index comments_top_level on comments (article_id, created_at, id) where parent_id is null;
create index comments_replies on comments (parent_id, created_at, id) where parent_id is not null;
create index comments_of_reader on comments (reader_id, created_at desc, id desc);
create index comments_queue on comments (status, created_at, id);
create index comments_reported on comments (created_at, id) where open_reports > 0;

create table comment_reports (
    comment_id uuid not null references comments (id) on delete cascade,
    reader_id  uuid not null references readers (id) on delete cascade,
    reason     text not null,
    note       text,
    created_at timestamptz not null default now(),
    primary key (comment_id, reader_id),
    constraint comment_reports_reasons check (reason in ('spam', 'abuse', 'off-topic', 'other'))
);

-- Public counts follow every change of status, whatever wrote it (the API, an import, a cascade).
create function comments_keep_counts() returns trigger language plpgsql as $$
declare
    was integer := case when tg_op in ('UPDATE', 'DELETE') and old.status = 'approved' then 1 else 0 end;
    is_now integer := case when tg_op in ('INSERT', 'UPDATE') and new.status = 'approved' then 1 else 0 end;
begin
    if was = 1 then
        update article_conversations set public_count = public_count - 1 where article_id = old.article_id;
        if old.parent_id is not null then
            update comments set reply_count = reply_count - 1 where id = old.parent_id;
        end if;
    end if;
    if is_now = 1 then
        insert into article_conversations (article_id, public_count) values (new.article_id, 1)
        on conflict (article_id) do update set public_count = article_conversations.public_count + 1;
        if new.parent_id is not null then
            update comments set reply_count = reply_count + 1 where id = new.parent_id;
        end if;
    end if;
    return null;
end
$$;

create trigger comments_counted
    after insert or delete or update of status on comments
    for each row execute function comments_keep_counts();

-- Whether readers may comment on an article now: not closed by an editor, and either held open or still inside the
-- site's auto-close time after publication.
create function article_comments_open(article uuid, published_at timestamptz) returns boolean
    language sql stable parallel safe
    as $$
        select coalesce(c.state, 'auto') <> 'closed'
           and (coalesce(c.state, 'auto') = 'open' or s.days is null or published_at is null
                or published_at + make_interval(days => s.days) > now())
        from (select (select auto_close_after_days from conversation_settings) as days) s
        left join article_conversations c on c.article_id = article
    $$;

create function article_comment_count(article uuid) returns integer
    language sql stable parallel safe
    as $$ select coalesce((select public_count from article_conversations where article_id = article), 0) $$;

-- Moderator keys moderate and do nothing else.
alter table api_keys drop constraint api_keys_role_values;
alter table api_keys add constraint api_keys_role_values check (role in ('reader', 'partner', 'editor', 'admin', 'moderator'));

-- Comment events name the comment they are about.
alter table events add column comment_id uuid;
