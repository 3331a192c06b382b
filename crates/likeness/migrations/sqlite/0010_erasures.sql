-- What `subjects erase` leaves behind: that an erasure happened, when, by whom and how much
-- it removed, never who was erased. `subject_id` is set only while the erasure runs (so a
-- second run after a crash finds it) and cleared when it is done.
CREATE TABLE erasures (
    id              TEXT PRIMARY KEY,
    status          TEXT NOT NULL,
    subject_id      TEXT,
    actor           TEXT NOT NULL,
    started_at      TEXT NOT NULL,
    finished_at     TEXT,
    assets_removed  INTEGER NOT NULL,
    jobs_removed    INTEGER NOT NULL,
    objects_removed INTEGER NOT NULL
);
