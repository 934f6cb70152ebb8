-- Every change to an article keeps a full snapshot. No foreign key to articles: revisions (and the
-- record of who deleted an article) outlive the article itself.
create table article_revisions (
    article_id uuid not null,
    number     integer not null,
    action     text not null,
    created_at timestamptz not null default now(),
    key_id     text,
    key_name   text,
    snapshot   jsonb not null,
    primary key (article_id, number)
);
-- Snapshots are whole articles: lz4 compresses them several times faster than the default.
alter table article_revisions alter column snapshot set compression lz4;

-- Corrections and update notes, as newsrooms publish them: appended, shown in order, never edited or removed
-- (only deleting the whole article takes them with it).
create table corrections (
    id         uuid primary key default gen_random_uuid(),
    article_id uuid not null references articles (id) on delete cascade,
    kind       text not null,
    text       text not null,
    created_at timestamptz not null default now(),
    key_id     text,
    key_name   text,
    constraint corrections_kind_values check (kind in ('correction', 'update')),
    constraint corrections_text_length check (length(text) between 1 and 2000)
);
create index corrections_of_article on corrections (article_id, created_at, id);

create function corrections_are_permanent() returns trigger language plpgsql as $$
begin
    if tg_op = 'DELETE' and not exists (select 1 from articles where id = old.article_id) then
        return old; -- the article itself was deleted
    end if;
    raise exception 'corrections cannot be changed or removed' using errcode = 'integrity_constraint_violation';
end
$$;

create trigger corrections_permanent
    before update or delete on corrections
    for each row execute function corrections_are_permanent();

-- Idempotency-Key on management POSTs: the first response is kept and replayed to retries with the same key
-- and body. completed_at is null while the first request is still being worked on.
create table idempotency_keys (
    key_id          text not null,
    idempotency_key text not null,
    request_hash    bytea not null,
    created_at      timestamptz not null default now(),
    completed_at    timestamptz,
    status_code     integer,
    content_type    text,
    location        text,
    etag            text,
    body            bytea,
    primary key (key_id, idempotency_key)
);
create index idempotency_keys_created on idempotency_keys (created_at);

-- Who did what to which resource, when, from where. Key id and name, never the secret.
create table audit_log (
    id            bigserial primary key,
    at            timestamptz not null default now(),
    key_id        text,
    key_name      text,
    role          text,
    action        text not null,
    method        text not null,
    path          text not null,
    resource_type text,
    resource_id   text,
    status_code   integer not null,
    client_address text
);
create index audit_log_at on audit_log (at desc, id desc);
create index audit_log_resource on audit_log (resource_type, resource_id, at desc);
create index audit_log_key on audit_log (key_id, at desc);

-- Every read of an article shows its notes: a copy rides on the article row, kept by this trigger, so each
-- query that reads an article gets them without another join.
alter table articles add column corrections jsonb not null default '[]';

create function articles_copy_corrections() returns trigger language plpgsql as $$
begin
    update articles set corrections = (
        select coalesce(jsonb_agg(jsonb_build_object('kind', c.kind, 'text', c.text,
                                                     'createdAt', to_char(c.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
                                  order by c.created_at, c.id), '[]')
        from corrections c where c.article_id = new.article_id)
    where id = new.article_id;
    return null;
end
$$;

create trigger corrections_copied_to_article
    after insert on corrections
    for each row execute function articles_copy_corrections();

-- A view's "select *" is fixed when it is created: recreate it so delivery reads see the new column.
create or replace view visible_articles as
    select *
    from articles
    where status in ('published', 'scheduled') and published_at <= now();
