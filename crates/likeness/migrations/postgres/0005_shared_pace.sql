-- The whole provider pace is shared, not only its slots: the rate factor, the ceiling learned
-- from 429s, when the last cut stops standing alone, and a count of successes from which every
-- process measures the rate the provider accepted from all of them.
ALTER TABLE pace_slots
    ADD COLUMN factor double precision NOT NULL DEFAULT 1.0,
    ADD COLUMN ceiling double precision NOT NULL DEFAULT 1.0,
    ADD COLUMN cut_until_ms bigint NOT NULL DEFAULT 0,
    ADD COLUMN ok_count bigint NOT NULL DEFAULT 0;
