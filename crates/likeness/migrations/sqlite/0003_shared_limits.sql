-- Limits every process of an installation shares: provider pacing slots (the next free moment
-- per provider, unix ms) and the API's per-client rate buckets.
CREATE TABLE pace_slots (
    name    TEXT PRIMARY KEY,
    next_ms INTEGER NOT NULL
);
CREATE TABLE rate_buckets (
    name       TEXT PRIMARY KEY,
    tokens     REAL NOT NULL,
    updated_ms INTEGER NOT NULL,
    taken      REAL NOT NULL   -- what the last request took (read back by RETURNING)
);
