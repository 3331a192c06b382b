-- likeness schema, SQLite flavour.
-- Timestamps meant for people are RFC 3339 UTC text with milliseconds (fixed width, so they sort);
-- queue timing fields (run_after, lease_until) are unix milliseconds for cheap arithmetic.

CREATE TABLE subjects (
    id           TEXT PRIMARY KEY,
    source       TEXT NOT NULL,
    slug         TEXT NOT NULL,
    name         TEXT,
    record       TEXT NOT NULL,          -- the normalised subject as JSON (source of truth)
    content_hash TEXT NOT NULL,          -- sha256 of `record`, to tell updated from unchanged
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX subjects_slug ON subjects (slug);

CREATE TABLE subject_cohorts (
    cohort     TEXT NOT NULL,
    subject_id TEXT NOT NULL REFERENCES subjects (id) ON DELETE CASCADE,
    PRIMARY KEY (cohort, subject_id)
);

-- One batch. `version` is monotonic per run_key; an unfinished run (status 'running') is resumed
-- by the next `generate` with the same key.
CREATE TABLE runs (
    id                 TEXT PRIMARY KEY,
    run_key            TEXT NOT NULL,
    version            INTEGER NOT NULL,
    status             TEXT NOT NULL,    -- running | completed | stopped
    styles             TEXT NOT NULL,    -- JSON [{name, version, fingerprint, prompt}]
    provider           TEXT,             -- --provider override, if any
    size               TEXT,
    selection          TEXT NOT NULL,    -- JSON: the selectors the population came from
    notes              TEXT,
    planned            INTEGER NOT NULL,
    skipped            INTEGER NOT NULL,
    estimated_cost_usd REAL NOT NULL,
    app_version        TEXT NOT NULL,
    started_at         TEXT NOT NULL,
    finished_at        TEXT,
    duration_ms        INTEGER,
    UNIQUE (run_key, version)
);

-- One unit of queued work (subject x style) and, once done, its audit record.
CREATE TABLE jobs (
    id            TEXT PRIMARY KEY,
    run_id        TEXT NOT NULL REFERENCES runs (id),
    seq           INTEGER NOT NULL,      -- plan order
    subject_id    TEXT NOT NULL REFERENCES subjects (id),
    style         TEXT NOT NULL,
    status        TEXT NOT NULL,         -- queued | running | succeeded | failed | skipped
    skip_reason   TEXT,
    attempts      INTEGER NOT NULL DEFAULT 0,  -- claims so far
    max_attempts  INTEGER NOT NULL,
    reaped        INTEGER NOT NULL DEFAULT 0,  -- times its worker died holding it
    run_after     INTEGER NOT NULL,
    locked_by     TEXT,
    lease_until   INTEGER,
    error_code    TEXT,
    error_message TEXT,
    asset_id      TEXT,
    options       TEXT,                  -- JSON: per-request overrides (seed, custom_prompt)
    created_at    TEXT NOT NULL,
    finished_at   TEXT,
    UNIQUE (run_id, subject_id, style)
);
CREATE INDEX jobs_claim ON jobs (run_id, status, run_after, seq);
CREATE INDEX jobs_due ON jobs (status, run_after);  -- claims across all runs (`likeness worker`)
CREATE INDEX jobs_lease ON jobs (status, lease_until);

-- The record of one generation attempt. At most one current asset per (subject, style).
CREATE TABLE assets (
    id              TEXT PRIMARY KEY,
    subject_id      TEXT NOT NULL REFERENCES subjects (id),
    run_id          TEXT NOT NULL REFERENCES runs (id),
    job_id          TEXT NOT NULL REFERENCES jobs (id),
    style           TEXT NOT NULL,
    style_version   INTEGER NOT NULL,
    provider        TEXT NOT NULL,
    model           TEXT NOT NULL,
    seed            TEXT NOT NULL,
    prompt          TEXT NOT NULL,
    negative_prompt TEXT,
    status          TEXT NOT NULL,       -- succeeded | failed
    current         INTEGER NOT NULL DEFAULT 0,
    width           INTEGER,
    height          INTEGER,
    bytes           INTEGER,
    content_hash    TEXT,
    storage_key     TEXT,
    content_type    TEXT,
    render_us       INTEGER,            -- microseconds inside the provider
    encode_us       INTEGER,            -- microseconds in the PNG optimiser
    total_ms        INTEGER NOT NULL,
    cost_usd        REAL NOT NULL DEFAULT 0,
    error_code      TEXT,
    error_message   TEXT,
    created_at      TEXT NOT NULL
);
CREATE UNIQUE INDEX assets_one_current ON assets (subject_id, style) WHERE current = 1;
CREATE INDEX assets_subject ON assets (subject_id, created_at);
CREATE INDEX assets_run ON assets (run_id);
