-- Webhook endpoints (created through the API or declared in the config) and the outbox of
-- their deliveries: a durable queue of its own, filled in the same transaction as the change
-- it reports, so an event is never lost to a crash and never sent for a change rolled back.
CREATE TABLE webhooks (
    id          text PRIMARY KEY,
    url         text NOT NULL,
    events      jsonb NOT NULL,
    description text NOT NULL,
    secret      text NOT NULL,
    origin      text NOT NULL,
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL
);
-- One row per event per endpoint. `id` is the `webhook-id` every attempt sends, so a receiver
-- can drop the duplicates at-least-once delivery brings. `data` names ids and keys only.
CREATE TABLE webhook_deliveries (
    id          text PRIMARY KEY,
    webhook_id  text NOT NULL,
    event       text NOT NULL,
    subject_id  text,
    data        jsonb NOT NULL,
    status      text NOT NULL,
    attempts    bigint NOT NULL,
    run_after   bigint NOT NULL,
    locked_by   text,
    lease_until bigint,
    created_at  timestamptz NOT NULL,
    finished_at timestamptz
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, run_after);
CREATE INDEX webhook_deliveries_hook ON webhook_deliveries (webhook_id, created_at);
CREATE INDEX webhook_deliveries_subject ON webhook_deliveries (subject_id);
-- Every attempt: when, what came back, how long it took (`id` is `{delivery}:{attempt}`).
CREATE TABLE webhook_attempts (
    id          text PRIMARY KEY,
    delivery_id text NOT NULL,
    attempt     bigint NOT NULL,
    at          timestamptz NOT NULL,
    status_code bigint,
    error       text,
    duration_ms bigint NOT NULL
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, attempt);
