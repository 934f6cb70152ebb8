-- The transactional outbox: every public change writes its event here in the same transaction as the change,
-- so no change can commit without its event. Webhook deliveries fan out from it in that transaction too.
create table events (
    id          uuid primary key default gen_random_uuid(),
    type        text not null,
    occurred_at timestamptz not null default now(),
    article_id  uuid,
    tag_id      uuid,
    data        jsonb not null,
    constraint events_type_format check (type ~ '^[a-z]+\.[a-z_]+$')
);
create index events_occurred on events (occurred_at desc);

-- The change feed: one row per article that is or was public, moved to the end (a new seq) each time it
-- becomes visible, changes while visible, or stops being visible. Writers take a transaction-level advisory
-- lock before drawing a seq, so seqs commit in order and a reader never skips one committed late.
create sequence article_changes_seq;
create table article_changes (
    article_id uuid primary key,
    seq        bigint not null,
    slug       text not null,
    visible    boolean not null,
    changed_at timestamptz not null default now(),
    constraint article_changes_seq_key unique (seq)
);

create table webhook_subscriptions (
    id                   uuid primary key default gen_random_uuid(),
    url                  text not null,
    description          text,
    events               text[] not null,
    -- Needed in clear to compute HMACs; never returned after creation or rotation.
    secret               text not null,
    previous_secret      text,
    previous_secret_until timestamptz,
    enabled              boolean not null default true,
    disabled_reason      text,
    consecutive_failures integer not null default 0,
    created_at           timestamptz not null default now(),
    updated_at           timestamptz not null default now(),
    constraint webhook_subscriptions_events_present check (cardinality(events) > 0)
);

-- One row per (event, subscription). The dispatcher claims due rows with FOR UPDATE SKIP LOCKED and pushes
-- next_attempt_at past the attempt's timeout, so a crashed attempt is simply retried later (at least once).
create table webhook_deliveries (
    id               uuid primary key default gen_random_uuid(),
    event_id         uuid not null references events (id) on delete cascade,
    subscription_id  uuid not null references webhook_subscriptions (id) on delete cascade,
    status           text not null default 'pending',
    attempts         integer not null default 0,
    -- A manual redelivery or replay gives a delivery a fresh run of attempts from here.
    attempts_at_replay integer not null default 0,
    next_attempt_at  timestamptz not null default now(),
    last_attempt_at  timestamptz,
    last_status_code integer,
    last_error       text,
    created_at       timestamptz not null default now(),
    constraint webhook_deliveries_once unique (event_id, subscription_id),
    constraint webhook_deliveries_status_values check (status in ('pending', 'succeeded', 'dead'))
);
create index webhook_deliveries_due on webhook_deliveries (next_attempt_at) where status = 'pending';
create index webhook_deliveries_of_subscription on webhook_deliveries (subscription_id, created_at desc);

create table webhook_attempts (
    delivery_id  uuid not null references webhook_deliveries (id) on delete cascade,
    attempt      integer not null,
    attempted_at timestamptz not null default now(),
    status_code  integer,
    error        text,
    duration_ms  integer not null,
    primary key (delivery_id, attempt)
);

-- A partner key may carry its own quota; null means the role's default.
alter table api_keys add column requests_per_minute integer
    constraint api_keys_requests_per_minute_positive check (requests_per_minute > 0);

-- What is public today seeds the change feed, so a partner's first sync sees it all.
insert into article_changes (article_id, seq, slug, visible, changed_at)
select id, nextval('article_changes_seq'), slug, true, coalesce(published_at, now())
from (select id, slug, published_at from visible_articles order by published_at, id) v;
