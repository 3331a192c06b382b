-- Limits every process of an installation shares: provider pacing slots (the next free moment
-- per provider, unix ms on the server's clock) and the API's per-client rate buckets.
CREATE TABLE pace_slots (
    name    text PRIMARY KEY,
    next_ms bigint NOT NULL
);
CREATE TABLE rate_buckets (
    name       text PRIMARY KEY,
    tokens     double precision NOT NULL,
    updated_ms bigint NOT NULL,
    taken      double precision NOT NULL   -- what the last request took (read by RETURNING)
);
