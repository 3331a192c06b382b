-- likeness schema, PostgreSQL flavour: the same tables as migrations/sqlite, with PostgreSQL's
-- own types. Timestamps meant for people are timestamptz; queue timing fields (run_after,
-- lease_until) stay unix milliseconds (bigint) on the database server's clock, as on SQLite,
-- so the queue's arithmetic is the same text on both backends.

CREATE TABLE subjects (
    id           text PRIMARY KEY,
    source       text NOT NULL,
    slug         text NOT NULL,
    name         text,
    record       jsonb NOT NULL,          -- the normalised subject (source of truth)
    content_hash text NOT NULL,           -- sha256 of the record as likeness serialised it
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL
);
CREATE INDEX subjects_slug ON subjects (slug);

CREATE TABLE subject_cohorts (
    cohort     text NOT NULL,
    subject_id text NOT NULL REFERENCES subjects (id) ON DELETE CASCADE,
    PRIMARY KEY (cohort, subject_id)
);

CREATE TABLE runs (
    id                 text PRIMARY KEY,
    run_key            text NOT NULL,
    version            bigint NOT NULL,
    status             text NOT NULL,    -- running | completed | stopped
    styles             jsonb NOT NULL,
    provider           text,
    size               text,
    selection          jsonb NOT NULL,
    notes              text,
    planned            bigint NOT NULL,
    skipped            bigint NOT NULL,
    estimated_cost_usd double precision NOT NULL,
    app_version        text NOT NULL,
    started_at         timestamptz NOT NULL,
    finished_at        timestamptz,
    duration_ms        bigint,
    UNIQUE (run_key, version)
);

CREATE TABLE jobs (
    id            text PRIMARY KEY,
    run_id        text NOT NULL REFERENCES runs (id),
    seq           bigint NOT NULL,
    subject_id    text NOT NULL REFERENCES subjects (id),
    style         text NOT NULL,
    status        text NOT NULL,         -- queued | running | succeeded | failed | skipped
    skip_reason   text,
    attempts      bigint NOT NULL DEFAULT 0,
    max_attempts  bigint NOT NULL,
    reaped        bigint NOT NULL DEFAULT 0,
    run_after     bigint NOT NULL,
    locked_by     text,
    lease_until   bigint,
    error_code    text,
    error_message text,
    asset_id      text,
    options       jsonb,
    created_at    timestamptz NOT NULL,
    finished_at   timestamptz,
    UNIQUE (run_id, subject_id, style)
);
CREATE INDEX jobs_claim ON jobs (run_id, status, run_after, seq);
-- Claims across all runs: only queued rows, so the index stays small however long the history.
CREATE INDEX jobs_due ON jobs (run_after, seq) WHERE status = 'queued';
CREATE INDEX jobs_lease ON jobs (lease_until) WHERE status = 'running';

CREATE TABLE assets (
    id              text PRIMARY KEY,
    subject_id      text NOT NULL REFERENCES subjects (id),
    run_id          text NOT NULL REFERENCES runs (id),
    job_id          text NOT NULL REFERENCES jobs (id),
    style           text NOT NULL,
    style_version   bigint NOT NULL,
    provider        text NOT NULL,
    model           text NOT NULL,
    seed            text NOT NULL,
    prompt          text NOT NULL,
    negative_prompt text,
    status          text NOT NULL,       -- succeeded | failed
    current         boolean NOT NULL DEFAULT false,
    width           bigint,
    height          bigint,
    bytes           bigint,
    content_hash    text,
    storage_key     text,
    content_type    text,
    render_us       bigint,
    encode_us       bigint,
    total_ms        bigint NOT NULL,
    cost_usd        double precision NOT NULL DEFAULT 0,
    error_code      text,
    error_message   text,
    created_at      timestamptz NOT NULL,
    details         jsonb
);
CREATE UNIQUE INDEX assets_one_current ON assets (subject_id, style) WHERE current;
CREATE INDEX assets_subject ON assets (subject_id, created_at);
CREATE INDEX assets_run ON assets (run_id);
