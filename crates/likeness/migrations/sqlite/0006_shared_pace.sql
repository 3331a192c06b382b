-- The whole provider pace is shared, not only its slots: the rate factor, the ceiling learned
-- from 429s, when the last cut stops standing alone, and a count of successes from which every
-- process measures the rate the provider accepted from all of them.
ALTER TABLE pace_slots ADD COLUMN factor REAL NOT NULL DEFAULT 1.0;
ALTER TABLE pace_slots ADD COLUMN ceiling REAL NOT NULL DEFAULT 1.0;
ALTER TABLE pace_slots ADD COLUMN cut_until_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE pace_slots ADD COLUMN ok_count INTEGER NOT NULL DEFAULT 0;
