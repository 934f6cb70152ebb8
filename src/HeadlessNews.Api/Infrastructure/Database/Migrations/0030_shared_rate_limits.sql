-- Token buckets shared by every API instance (HeadlessNews:RateLimits:Shared): one row per client or key, updated
-- in place with a row lock, so two instances cannot both spend the last token. Unlogged: after a crash the buckets
-- start full, which only forgives a minute of requests, and no WAL is written (nor replicated) per request.
create unlogged table rate_limit_buckets (
    who        text primary key,
    tokens     double precision not null,
    updated_at timestamptz not null
);
