-- What `subjects erase` leaves behind: that an erasure happened, when, by whom and how much
-- it removed, never who was erased. `subject_id` is set only while the erasure runs (so a
-- second run after a crash finds it) and cleared when it is done.
CREATE TABLE erasures (
    id              text PRIMARY KEY,
    status          text NOT NULL,
    subject_id      text,
    actor           text NOT NULL,
    started_at      timestamptz NOT NULL,
    finished_at     timestamptz,
    assets_removed  bigint NOT NULL,
    jobs_removed    bigint NOT NULL,
    objects_removed bigint NOT NULL
);
