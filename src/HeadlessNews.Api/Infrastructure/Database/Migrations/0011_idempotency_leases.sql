-- A claimed Idempotency-Key is held for a lease its request renews while it runs. A claim whose lease has passed
-- was abandoned (its process died, or lost the database before it could answer) and the next retry takes it over;
-- before, such a claim made every retry wait and fail with 409 for the key's whole retention.
-- A claim without a lease (left by the previous version, or made by it during a rolling deploy) counts as
-- abandoned a minute after it was made. owner tells the request holding the claim from one that took it over.
alter table idempotency_keys add column owner uuid;
alter table idempotency_keys add column lease_until timestamptz;

-- Replays kept until now held the secrets of created API keys and webhooks (and rotated webhook secrets) in
-- plaintext. Keep the replays, without the secrets. Inside a JSON string a quote is escaped, so these bytes
-- only occur as the members themselves.
update idempotency_keys
set body = convert_to(jsonb_set(convert_from(body, 'UTF8')::jsonb, '{key}', 'null')::text, 'UTF8')
where position(convert_to('"key":"hn_', 'UTF8') in body) > 0;

update idempotency_keys
set body = convert_to(jsonb_set(convert_from(body, 'UTF8')::jsonb, '{secret}', 'null')::text, 'UTF8')
where position(convert_to('"secret":"whsec_', 'UTF8') in body) > 0;
