-- What people did through the admin UI (regenerate, set current, upload a reference photo,
-- retry failed, cancel queued): who (the token's name, never the token), when, to what.
CREATE TABLE admin_actions (
    id         text PRIMARY KEY,
    at         timestamptz NOT NULL,
    actor      text NOT NULL,
    action     text NOT NULL,
    subject_id text,
    run_id     text,
    detail     text NOT NULL
);
CREATE INDEX admin_actions_subject ON admin_actions (subject_id, at);
CREATE INDEX admin_actions_run ON admin_actions (run_id, at);
-- The gallery's badges and status filter ask for a subject's jobs.
CREATE INDEX jobs_subject ON jobs (subject_id, style);
