-- How a subject is found from outside by something other than its id: `md5:HEX` and
-- `sha256:HEX` of its trimmed, lower-cased e-mail address (Gravatar and Libravatar URLs) and
-- `username:NAME` (Discourse, Rocket.Chat). Written with the subject; a key two subjects share
-- belongs to the one written last.
CREATE TABLE subject_keys (
    key        TEXT PRIMARY KEY,
    subject_id TEXT NOT NULL
);
CREATE INDEX subject_keys_subject ON subject_keys (subject_id);
-- Work a migration leaves for the code (SQL cannot compute MD5 on SQLite): subjects imported
-- before this migration get their keys at the next open, then the row goes.
CREATE TABLE pending_backfills (name TEXT PRIMARY KEY);
INSERT INTO pending_backfills (name) VALUES ('subject_keys');
