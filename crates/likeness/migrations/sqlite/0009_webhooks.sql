-- Webhook endpoints (created through the API or declared in the config) and the outbox of
-- their deliveries: a durable queue of its own, filled in the same transaction as the change
-- it reports, so an event is never lost to a crash and never sent for a change rolled back.
CREATE TABLE webhooks (
    id          TEXT PRIMARY KEY,
    url         TEXT NOT NULL,
    events      TEXT NOT NULL,
    description TEXT NOT NULL,
    secret      TEXT NOT NULL,
    origin      TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
-- One row per event per endpoint. `id` is the `webhook-id` every attempt sends, so a receiver
-- can drop the duplicates at-least-once delivery brings. `data` names ids and keys only.
CREATE TABLE webhook_deliveries (
    id          TEXT PRIMARY KEY,
    webhook_id  TEXT NOT NULL,
    event       TEXT NOT NULL,
    subject_id  TEXT,
    data        TEXT NOT NULL,
    status      TEXT NOT NULL,
    attempts    INTEGER NOT NULL,
    run_after   INTEGER NOT NULL,
    locked_by   TEXT,
    lease_until INTEGER,
    created_at  TEXT NOT NULL,
    finished_at TEXT
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, run_after);
CREATE INDEX webhook_deliveries_hook ON webhook_deliveries (webhook_id, created_at);
CREATE INDEX webhook_deliveries_subject ON webhook_deliveries (subject_id);
-- Every attempt: when, what came back, how long it took (`id` is `{delivery}:{attempt}`).
CREATE TABLE webhook_attempts (
    id          TEXT PRIMARY KEY,
    delivery_id TEXT NOT NULL,
    attempt     INTEGER NOT NULL,
    at          TEXT NOT NULL,
    status_code INTEGER,
    error       TEXT,
    duration_ms INTEGER NOT NULL
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, attempt);
