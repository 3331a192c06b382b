//! `likeness migrate db`: every row of this database copied into another (SQLite to
//! PostgreSQL, back, or SQLite to SQLite), resumable, idempotent and verified.
//!
//! - **The source is only read**, inside one snapshot (a deferred transaction on SQLite, a
//!   `REPEATABLE READ, READ ONLY` one on PostgreSQL): the copy is of one moment even if
//!   something writes meanwhile, so a job never arrives without its run.
//! - **Tables in dependency order** (subjects, subject_cohorts, runs, jobs, assets: foreign
//!   keys), each in pages ordered by primary key; a page is one `INSERT … ON CONFLICT (key)
//!   DO NOTHING` into the destination. A copy killed halfway leaves whole pages, and the next
//!   run inserts only what is missing: inserted rows count as copied, the others as already
//!   present, so a second run copies nothing.
//! - **Before anything is written** the destination's rows must be a subset of the source's,
//!   by primary key: an empty database, or one an earlier copy of this source began. Rows of
//!   another installation are refused.
//! - **Verification** compares, per table, the row count and a digest of the decoded values:
//!   the SHA-256 of each row in a canonical encoding (`Stamp`s as milliseconds, JSON with
//!   sorted keys, NULL distinct from every value), summed modulo 2^256, computed in Rust the
//!   same way on both sides. The sum does not depend on row order, which matters: PostgreSQL
//!   orders text by its collation, SQLite by bytes. On a mismatch the rows that differ are
//!   looked up and named.
//! - **Every column**: the table list below is checked against the columns the rows actually
//!   have (`SELECT *`), and against the source's tables, so a migration that adds a column or
//!   a table without adding it here fails the copy instead of leaving it behind. Only the
//!   limits every process shares (`pace_slots`, `rate_buckets`: moments on the server's
//!   clock) stay behind, by name.
//!
//! Values are read with the typed [`Get`] accessors into [`Value`]s and bound to the other
//! backend's statements, one body per backend through [`on_tx!`] and [`on_pool!`].

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use sha2::{Digest as _, Sha256};
use sqlx::types::Json;

use super::value::Get;
use super::{Backend, Db, Stamp, Tx, on_pool, on_tx};
use crate::error::{Error, Result};

/// Rows per page read and per statement written. The widest table (assets, 27 columns) then
/// binds 13 500 values, under SQLite's 32 766 and PostgreSQL's 65 535.
const PAGE: usize = 500;

/// What a copy did, for the summary.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CopyReport {
    /// Rows inserted into the destination by this run.
    pub copied: u64,
    /// Rows the destination already held (from an earlier, interrupted or complete, copy).
    pub already_present: u64,
    /// Rows of the tables whose count and digest matched the source's after copying.
    pub verified: u64,
    /// Jobs that were `running` in the source: copied as they are (their lease runs out and
    /// workers on the destination reap them), but a sign that workers are still at work.
    pub running_jobs: u64,
    pub tables: Vec<TableReport>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TableReport {
    pub table: &'static str,
    pub source_rows: u64,
    pub destination_rows: u64,
    pub copied: u64,
    pub already_present: u64,
}

/// Which pass a copy is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Phase {
    /// Looking up the destination's rows in the source (only when it has some).
    Checking,
    Copying,
    Verifying,
}

/// Where a copy is: called after every page and once more when a table's pass is over.
#[derive(Debug, Clone, Copy)]
pub struct Progress<'a> {
    pub phase: Phase,
    pub table: &'a str,
    /// Rows of this table gone through in this pass.
    pub done: u64,
    /// Rows of this table to go through in this pass.
    pub total: u64,
    /// Copying: rows of this table inserted so far.
    pub copied: u64,
    /// This table's pass is over.
    pub finished: bool,
}

impl Db {
    /// Copies every row of this database into `dest` (see the module documentation), then
    /// verifies the copy. Never writes to `self`.
    ///
    /// Errors: `db.copy_refused` when `dest` is this database or holds rows this one does
    /// not; `db.copy_mismatch` when, after copying, a table of `dest` does not hold exactly
    /// what the source does (the message names the table and the rows).
    pub async fn copy_into(
        &self,
        dest: &Db,
        progress: &(dyn Fn(Progress<'_>) + Send + Sync),
    ) -> Result<CopyReport> {
        if self.url.same_database(&dest.url) {
            return Err(Error::CopyRefused(format!(
                "{} is the database likeness already uses: give --to another database",
                dest.describe()
            )));
        }
        let mut src = self.begin_snapshot().await?;
        let outcome = self.copy_from_snapshot(&mut src, dest, progress).await;
        // Read-only: nothing to keep. The copy's outcome matters more than this one's.
        let _ = src.rollback().await;
        let (mut report, digests) = outcome?;
        self.verify(dest, &mut report, &digests, progress).await?;
        Ok(report)
    }

    /// A transaction that only reads, from one snapshot: deferred on SQLite (the snapshot is
    /// taken at the first read, and no lock that would stop writers), `REPEATABLE READ, READ
    /// ONLY` on PostgreSQL.
    async fn begin_snapshot(&self) -> Result<Tx> {
        Ok(match &self.backend {
            Backend::Sqlite(p) => Tx::Sqlite(p.begin().await?),
            Backend::Postgres(p) => Tx::Postgres(
                p.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    .await?,
            ),
        })
    }

    /// Checks the destination, then copies every table; returns the report so far and each
    /// table's digest as read from the source.
    async fn copy_from_snapshot(
        &self,
        src: &mut Tx,
        dest: &Db,
        progress: &(dyn Fn(Progress<'_>) + Send + Sync),
    ) -> Result<(CopyReport, Vec<Digest>)> {
        check_tables(src).await?;
        refuse_foreign_rows(src, dest, progress).await?;
        let mut report = CopyReport {
            running_jobs: running_jobs(src).await?,
            ..CopyReport::default()
        };
        let mut digests = Vec::new();
        for table in TABLES {
            let total = count(src, table).await?;
            let mut digest = Digest::default();
            let mut copied = 0;
            let mut after: Option<Vec<String>> = None;
            loop {
                let rows = read_page(src, table, after.as_deref()).await?;
                if rows.is_empty() {
                    break;
                }
                copied += insert_page(dest, table, &rows).await?;
                rows.iter().for_each(|r| digest.add(r));
                progress(Progress {
                    phase: Phase::Copying,
                    table: table.name,
                    done: digest.rows,
                    total,
                    copied,
                    finished: false,
                });
                if rows.len() < PAGE {
                    break;
                }
                after = rows.last().map(|r| r.key.clone());
            }
            progress(Progress {
                phase: Phase::Copying,
                table: table.name,
                done: digest.rows,
                total,
                copied,
                finished: true,
            });
            report.copied += copied;
            report.already_present += digest.rows - copied;
            report.tables.push(TableReport {
                table: table.name,
                source_rows: digest.rows,
                destination_rows: 0,
                copied,
                already_present: digest.rows - copied,
            });
            digests.push(digest);
        }
        Ok((report, digests))
    }

    /// Reads every table of `dest` back and compares it with what was read from the source.
    async fn verify(
        &self,
        dest: &Db,
        report: &mut CopyReport,
        source: &[Digest],
        progress: &(dyn Fn(Progress<'_>) + Send + Sync),
    ) -> Result<()> {
        let mut dst = dest.begin_snapshot().await?;
        let mut problems = Vec::new();
        for ((table, expected), entry) in TABLES.iter().zip(source).zip(&mut report.tables) {
            let mut digest = Digest::default();
            let mut after: Option<Vec<String>> = None;
            loop {
                let rows = read_page(&mut dst, table, after.as_deref()).await?;
                rows.iter().for_each(|r| digest.add(r));
                progress(Progress {
                    phase: Phase::Verifying,
                    table: table.name,
                    done: digest.rows,
                    total: expected.rows,
                    copied: 0,
                    finished: rows.len() < PAGE,
                });
                if rows.len() < PAGE {
                    break;
                }
                after = rows.last().map(|r| r.key.clone());
            }
            entry.destination_rows = digest.rows;
            if digest == *expected {
                report.verified += digest.rows;
            } else {
                problems.push((table, *expected, digest));
            }
        }
        let _ = dst.rollback().await;
        if problems.is_empty() {
            return Ok(());
        }
        // Named row by row, from a fresh look at the source (the copy's snapshot is gone: on
        // PostgreSQL it would have sat idle through the whole verification).
        let mut src = self.begin_snapshot().await?;
        let mut dst = dest.begin_snapshot().await?;
        let mut lines = Vec::new();
        for (table, expected, found) in problems {
            let rows = differing_rows(&mut src, &mut dst, table).await?;
            lines.push(format!(
                "table {}: {} rows in the source, {} in the destination{}{}",
                table.name,
                expected.rows,
                found.rows,
                if rows.is_empty() {
                    String::new()
                } else {
                    format!("; {}", rows.join("; "))
                },
                if expected.rows == found.rows && rows.is_empty() {
                    " (same rows, different content: the source changed during the check)"
                } else {
                    ""
                }
            ));
        }
        let _ = src.rollback().await;
        let _ = dst.rollback().await;
        Err(Error::CopyMismatch(format!(
            "the copy in {} does not match the source: {}. Rows an earlier run copied are kept \
             as they were, so the source has changed since then (or something writes to the \
             destination): stop `serve` and `likeness worker`, empty the destination and run \
             `migrate db` again",
            dest.describe(),
            lines.join(". ")
        )))
    }
}

// --- the tables ---------------------------------------------------------------------------

/// How a column is read and bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Int,
    Float,
    /// Never NULL in the schema (`Get` has no optional flag); INTEGER 0/1 on SQLite, boolean
    /// on PostgreSQL.
    Flag,
    /// RFC 3339 text on SQLite, timestamptz on PostgreSQL.
    Stamp,
    /// TEXT on SQLite, jsonb on PostgreSQL.
    Json,
}

#[derive(Debug, Clone, Copy)]
struct Column {
    name: &'static str,
    kind: Kind,
    null: bool,
}

const fn col(name: &'static str, kind: Kind) -> Column {
    Column {
        name,
        kind,
        null: false,
    }
}

const fn opt(name: &'static str, kind: Kind) -> Column {
    Column {
        name,
        kind,
        null: true,
    }
}

struct Table {
    name: &'static str,
    /// The primary key's columns (all text).
    key: &'static [&'static str],
    /// Every column, as in `migrations/*` (checked against the rows at run time).
    columns: &'static [Column],
}

use Kind as K;

/// Every table, parents before children.
const TABLES: &[Table] = &[
    Table {
        name: "subjects",
        key: &["id"],
        columns: &[
            col("id", K::Text),
            col("source", K::Text),
            col("slug", K::Text),
            opt("name", K::Text),
            col("record", K::Json),
            col("content_hash", K::Text),
            col("created_at", K::Stamp),
            col("updated_at", K::Stamp),
        ],
    },
    Table {
        name: "subject_cohorts",
        key: &["cohort", "subject_id"],
        columns: &[col("cohort", K::Text), col("subject_id", K::Text)],
    },
    Table {
        name: "runs",
        key: &["id"],
        columns: &[
            col("id", K::Text),
            col("run_key", K::Text),
            col("version", K::Int),
            col("status", K::Text),
            col("styles", K::Json),
            opt("provider", K::Text),
            opt("size", K::Text),
            col("selection", K::Json),
            opt("notes", K::Text),
            col("planned", K::Int),
            col("skipped", K::Int),
            col("estimated_cost_usd", K::Float),
            col("app_version", K::Text),
            col("started_at", K::Stamp),
            opt("finished_at", K::Stamp),
            opt("duration_ms", K::Int),
            opt("max_cost_usd", K::Float),
            col("budget_reserved_usd", K::Float),
            col("budget_spent_usd", K::Float),
            col("budget_reached", K::Flag),
        ],
    },
    Table {
        name: "jobs",
        key: &["id"],
        columns: &[
            col("id", K::Text),
            col("run_id", K::Text),
            col("seq", K::Int),
            col("subject_id", K::Text),
            col("style", K::Text),
            col("status", K::Text),
            opt("skip_reason", K::Text),
            col("attempts", K::Int),
            col("max_attempts", K::Int),
            col("reaped", K::Int),
            col("run_after", K::Int),
            opt("locked_by", K::Text),
            opt("lease_until", K::Int),
            opt("error_code", K::Text),
            opt("error_message", K::Text),
            opt("asset_id", K::Text),
            opt("options", K::Json),
            col("created_at", K::Stamp),
            opt("finished_at", K::Stamp),
        ],
    },
    Table {
        name: "assets",
        key: &["id"],
        columns: &[
            col("id", K::Text),
            col("subject_id", K::Text),
            col("run_id", K::Text),
            col("job_id", K::Text),
            col("style", K::Text),
            col("style_version", K::Int),
            col("provider", K::Text),
            col("model", K::Text),
            col("seed", K::Text),
            col("prompt", K::Text),
            opt("negative_prompt", K::Text),
            col("status", K::Text),
            col("current", K::Flag),
            opt("width", K::Int),
            opt("height", K::Int),
            opt("bytes", K::Int),
            opt("content_hash", K::Text),
            opt("storage_key", K::Text),
            opt("content_type", K::Text),
            opt("render_us", K::Int),
            opt("encode_us", K::Int),
            col("total_ms", K::Int),
            col("cost_usd", K::Float),
            opt("error_code", K::Text),
            opt("error_message", K::Text),
            col("created_at", K::Stamp),
            opt("details", K::Json),
        ],
    },
];

/// Tables that hold no history and stay behind: the limits every process shares (provider
/// pacing slots and API rate buckets, moments on the server's clock that start afresh) and the
/// migrator's own record (the destination has its own).
const NOT_COPIED: &[&str] = &["pace_slots", "rate_buckets", "_sqlx_migrations"];

/// Refuses a source with a table this list does not know (a migration added one), so a new
/// table is never silently left behind.
async fn check_tables(tx: &mut Tx) -> Result<()> {
    let sql = match tx {
        Tx::Sqlite(_) => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%'"
        }
        Tx::Postgres(_) => {
            "SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema()"
        }
    };
    let names: Vec<String> = on_tx!(tx, c => {
        let rows = sqlx::query(sql).fetch_all(&mut *c).await?;
        rows.iter().map(|r| r.text("name")).collect::<Result<_>>()?
    });
    let mut unknown: Vec<&String> = names
        .iter()
        .filter(|n| !NOT_COPIED.contains(&n.as_str()) && !TABLES.iter().any(|t| t.name == *n))
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    unknown.sort();
    Err(Error::CopyRefused(format!(
        "the source has tables this likeness cannot copy ({unknown:?}); nothing was copied. This \
         is a bug in `migrate db`: please report it"
    )))
}

/// `$from, $from+1, …` (`n` of them).
fn marks(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Table {
    fn key_list(&self) -> String {
        self.key.join(", ")
    }

    /// One page of `what` in key order, after the key bound to `$1…` when `after`.
    fn page_sql(&self, what: &str, after: bool) -> String {
        let keys = self.key_list();
        let from = if after {
            format!(" WHERE ({keys}) > ({})", marks(1, self.key.len()))
        } else {
            String::new()
        };
        format!(
            "SELECT {what} FROM {}{from} ORDER BY {keys} LIMIT {PAGE}",
            self.name
        )
    }

    /// The rows with any of `n` keys, bound in key-column order.
    fn lookup_sql(&self, what: &str, n: usize) -> String {
        let width = self.key.len();
        let filter = if width == 1 {
            format!("{} IN ({})", self.key[0], marks(1, n))
        } else {
            (0..n)
                .map(|i| {
                    let parts: Vec<String> = self
                        .key
                        .iter()
                        .enumerate()
                        .map(|(j, k)| format!("{k} = ${}", i * width + j + 1))
                        .collect();
                    format!("({})", parts.join(" AND "))
                })
                .collect::<Vec<_>>()
                .join(" OR ")
        };
        format!("SELECT {what} FROM {} WHERE {filter}", self.name)
    }

    fn insert_sql(&self, rows: usize) -> String {
        let width = self.columns.len();
        let names: Vec<&str> = self.columns.iter().map(|c| c.name).collect();
        let values: Vec<String> = (0..rows)
            .map(|r| format!("({})", marks(r * width + 1, width)))
            .collect();
        format!(
            "INSERT INTO {} ({}) VALUES {} ON CONFLICT ({}) DO NOTHING",
            self.name,
            names.join(", "),
            values.join(", "),
            self.key_list()
        )
    }

    /// Refuses rows with a column this table list does not know (a migration added one) or
    /// without one it does.
    fn check_columns<R: sqlx::Row>(&self, row: &R) -> Result<()> {
        use sqlx::Column as _;
        let found: HashSet<&str> = row.columns().iter().map(|c| c.name()).collect();
        let known: HashSet<&str> = self.columns.iter().map(|c| c.name).collect();
        let mut unknown: Vec<&&str> = found.difference(&known).collect();
        let mut missing: Vec<&&str> = known.difference(&found).collect();
        if unknown.is_empty() && missing.is_empty() {
            return Ok(());
        }
        unknown.sort();
        missing.sort();
        Err(Error::CopyRefused(format!(
            "table {} has columns this likeness cannot copy (unknown: {unknown:?}, missing: \
             {missing:?}); nothing of it was copied. This is a bug in `migrate db`: please \
             report it",
            self.name
        )))
    }

    fn decode(&self, row: &impl Get) -> Result<Row> {
        let key = self
            .key
            .iter()
            .map(|k| row.text(k))
            .collect::<Result<Vec<_>>>()?;
        let values = self
            .columns
            .iter()
            .map(|c| read(row, c))
            .collect::<Result<Vec<_>>>()
            .map_err(|e| match e {
                Error::Corrupt(m) => {
                    Error::Corrupt(format!("{} {}: {m}", self.name, self.show_key(&key)))
                }
                other => other,
            })?;
        Ok(Row { key, values })
    }

    fn show_key(&self, key: &[String]) -> String {
        self.key
            .iter()
            .zip(key)
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(",")
    }
}

// --- values -------------------------------------------------------------------------------

/// One column's value, as read from either backend.
#[derive(Debug, Clone)]
enum Value {
    Text(Option<String>),
    Int(Option<i64>),
    Float(Option<f64>),
    Flag(bool),
    Stamp(Option<Stamp>),
    Json(Option<serde_json::Value>),
}

struct Row {
    key: Vec<String>,
    values: Vec<Value>,
}

fn read(row: &impl Get, c: &Column) -> Result<Value> {
    let n = c.name;
    Ok(match (c.kind, c.null) {
        (K::Text, false) => Value::Text(Some(row.text(n)?)),
        (K::Text, true) => Value::Text(row.opt_text(n)?),
        (K::Int, false) => Value::Int(Some(row.int(n)?)),
        (K::Int, true) => Value::Int(row.opt_int(n)?),
        (K::Float, false) => Value::Float(Some(row.float(n)?)),
        (K::Float, true) => Value::Float(row.opt_float(n)?),
        (K::Flag, _) => Value::Flag(row.flag(n)?),
        (K::Stamp, false) => Value::Stamp(Some(row.stamp(n)?)),
        (K::Stamp, true) => Value::Stamp(row.opt_stamp(n)?),
        (K::Json, false) => Value::Json(Some(row.json(n)?)),
        (K::Json, true) => Value::Json(row.opt_json(n)?),
    })
}

/// Binds one value to a query of either backend (expanded inside `on_tx!`/`on_pool!`).
macro_rules! bind_value {
    ($q:ident, $v:expr) => {
        match $v {
            Value::Text(x) => $q.bind(x.as_deref()),
            Value::Int(x) => $q.bind(*x),
            Value::Float(x) => $q.bind(*x),
            Value::Flag(x) => $q.bind(*x),
            Value::Stamp(x) => $q.bind(*x),
            Value::Json(x) => $q.bind(x.as_ref().map(Json)),
        }
    };
}

/// The canonical bytes of a value: a tag, then a fixed-width number or length-prefixed text,
/// so no two different rows encode alike and both backends encode the same value alike.
fn encode(out: &mut Vec<u8>, v: &Value) {
    fn text(out: &mut Vec<u8>, tag: u8, s: &str) {
        out.push(tag);
        out.extend_from_slice(&(s.len() as u64).to_le_bytes());
        out.extend_from_slice(s.as_bytes());
    }
    match v {
        Value::Text(None)
        | Value::Int(None)
        | Value::Float(None)
        | Value::Stamp(None)
        | Value::Json(None) => out.push(b'0'),
        Value::Text(Some(s)) => text(out, b'T', s),
        Value::Int(Some(i)) => {
            out.push(b'I');
            out.extend_from_slice(&i.to_le_bytes());
        }
        Value::Float(Some(f)) => {
            out.push(b'F');
            // SQLite may hand back -0.0 as 0.
            let f = if *f == 0.0 { 0.0f64 } else { *f };
            out.extend_from_slice(&f.to_bits().to_le_bytes());
        }
        Value::Flag(b) => out.extend_from_slice(&[b'B', *b as u8]),
        Value::Stamp(Some(t)) => {
            out.push(b'S');
            out.extend_from_slice(&t.millis().to_le_bytes());
        }
        Value::Json(Some(j)) => {
            let mut s = String::new();
            canonical_json(j, &mut s);
            text(out, b'J', &s);
        }
    }
}

/// JSON with every object's keys sorted: jsonb reorders keys (and serde_json here keeps
/// insertion order), so the text as stored says nothing; the value does.
fn canonical_json(v: &serde_json::Value, out: &mut String) {
    use serde_json::Value as J;
    match v {
        J::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&J::String(k.clone()).to_string());
                out.push(':');
                canonical_json(&map[k], out);
            }
            out.push('}');
        }
        J::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical_json(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// A table's content: its row count and the sum, modulo 2^256, of its rows' SHA-256s.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Digest {
    rows: u64,
    /// Little-endian 64-bit limbs.
    sum: [u64; 4],
}

impl Digest {
    fn add(&mut self, row: &Row) {
        let mut bytes = Vec::new();
        for v in &row.values {
            encode(&mut bytes, v);
        }
        let hash = Sha256::digest(&bytes);
        let mut carry = false;
        for (i, limb) in self.sum.iter_mut().enumerate() {
            let mut word = [0u8; 8];
            word.copy_from_slice(&hash[i * 8..i * 8 + 8]);
            let (s1, c1) = limb.overflowing_add(u64::from_le_bytes(word));
            let (s2, c2) = s1.overflowing_add(carry as u64);
            *limb = s2;
            carry = c1 || c2;
        }
        self.rows += 1;
    }
}

// --- reading and writing ------------------------------------------------------------------

async fn count(tx: &mut Tx, table: &Table) -> Result<u64> {
    let sql = format!("SELECT COUNT(*) AS n FROM {}", table.name);
    let n = on_tx!(tx, c => {
        sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).fetch_one(&mut *c).await?.int("n")?
    });
    Ok(n as u64)
}

async fn running_jobs(tx: &mut Tx) -> Result<u64> {
    let sql = "SELECT COUNT(*) AS n FROM jobs WHERE status = 'running'";
    let n = on_tx!(tx, c => sqlx::query(sql).fetch_one(&mut *c).await?.int("n")?);
    Ok(n as u64)
}

/// One page of whole rows in key order, after `after`.
async fn read_page(tx: &mut Tx, table: &Table, after: Option<&[String]>) -> Result<Vec<Row>> {
    let sql = table.page_sql("*", after.is_some());
    on_tx!(tx, c => {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
        for k in after.unwrap_or_default() {
            q = q.bind(k.as_str());
        }
        let rows = q.fetch_all(&mut *c).await?;
        if let Some(first) = rows.first() {
            table.check_columns(first)?;
        }
        rows.iter().map(|r| table.decode(r)).collect()
    })
}

/// One page of keys in key order, after `after`.
async fn read_keys(
    tx: &mut Tx,
    table: &Table,
    after: Option<&[String]>,
) -> Result<Vec<Vec<String>>> {
    let sql = table.page_sql(&table.key_list(), after.is_some());
    on_tx!(tx, c => {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
        for k in after.unwrap_or_default() {
            q = q.bind(k.as_str());
        }
        let rows = q.fetch_all(&mut *c).await?;
        rows.iter()
            .map(|r| table.key.iter().map(|k| r.text(k)).collect::<Result<Vec<_>>>())
            .collect()
    })
}

/// Of `keys`, the rows that exist.
async fn lookup(tx: &mut Tx, table: &Table, keys: &[Vec<String>]) -> Result<Vec<Row>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let sql = table.lookup_sql("*", keys.len());
    on_tx!(tx, c => {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
        for k in keys.iter().flatten() {
            q = q.bind(k.as_str());
        }
        let rows = q.fetch_all(&mut *c).await?;
        rows.iter().map(|r| table.decode(r)).collect()
    })
}

/// Of `keys`, those that exist.
async fn existing_keys(
    tx: &mut Tx,
    table: &Table,
    keys: &[Vec<String>],
) -> Result<HashSet<Vec<String>>> {
    if keys.is_empty() {
        return Ok(HashSet::new());
    }
    let sql = table.lookup_sql(&table.key_list(), keys.len());
    on_tx!(tx, c => {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
        for k in keys.iter().flatten() {
            q = q.bind(k.as_str());
        }
        let rows = q.fetch_all(&mut *c).await?;
        rows.iter()
            .map(|r| table.key.iter().map(|k| r.text(k)).collect::<Result<Vec<_>>>())
            .collect()
    })
}

/// Inserts a page of rows the destination does not have yet; returns how many it inserted.
/// One statement, so a page is copied whole or not at all.
async fn insert_page(dest: &Db, table: &Table, rows: &[Row]) -> Result<u64> {
    let sql = table.insert_sql(rows.len());
    let result = on_pool!(dest, p => {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
        for v in rows.iter().flat_map(|r| &r.values) {
            q = bind_value!(q, v);
        }
        q.execute(p).await.map(|r| r.rows_affected())
    });
    result.map_err(|e| match e {
        // Only a row the destination already holds in another state can break a constraint
        // here (the source snapshot is consistent): an earlier copy of an older source.
        sqlx::Error::Database(db) => Error::CopyMismatch(format!(
            "cannot copy rows of table {} into {}: {}. It holds rows an earlier run copied \
             that the source has changed since: stop `serve` and `likeness worker`, empty the \
             destination and run `migrate db` again",
            table.name,
            dest.describe(),
            db.message()
        )),
        other => Error::Db(other),
    })
}

/// Refuses a destination holding rows the source does not have (by primary key): rows of
/// another installation would be mixed with these. Rows of an earlier copy are welcome.
async fn refuse_foreign_rows(
    src: &mut Tx,
    dest: &Db,
    progress: &(dyn Fn(Progress<'_>) + Send + Sync),
) -> Result<()> {
    let mut dst = dest.begin_snapshot().await?;
    let mut outcome = Ok(());
    for table in TABLES {
        outcome = foreign_in_table(src, &mut dst, table, progress).await;
        if outcome.is_err() {
            break;
        }
    }
    let _ = dst.rollback().await;
    outcome
}

async fn foreign_in_table(
    src: &mut Tx,
    dst: &mut Tx,
    table: &Table,
    progress: &(dyn Fn(Progress<'_>) + Send + Sync),
) -> Result<()> {
    let total = count(dst, table).await?;
    if total == 0 {
        return Ok(());
    }
    let (mut done, mut foreign) = (0u64, 0u64);
    let mut examples = Vec::new();
    let mut after: Option<Vec<String>> = None;
    loop {
        let keys = read_keys(dst, table, after.as_deref()).await?;
        let known = existing_keys(src, table, &keys).await?;
        for k in keys.iter().filter(|k| !known.contains(*k)) {
            foreign += 1;
            if examples.len() < 3 {
                examples.push(table.show_key(k));
            }
        }
        done += keys.len() as u64;
        progress(Progress {
            phase: Phase::Checking,
            table: table.name,
            done,
            total,
            copied: 0,
            finished: keys.len() < PAGE,
        });
        if keys.len() < PAGE {
            break;
        }
        after = keys.last().cloned();
    }
    if foreign == 0 {
        return Ok(());
    }
    Err(Error::CopyRefused(format!(
        "the destination already holds data that does not come from this database: table {} \
         has {foreign} row(s) the source does not have (e.g. {}). Copy into an empty database, \
         or into the one an earlier `migrate db` from this source began",
        table.name,
        examples.join(", ")
    )))
}

/// Up to five rows of `table` that differ between source and destination, named with the
/// columns that differ.
async fn differing_rows(src: &mut Tx, dst: &mut Tx, table: &Table) -> Result<Vec<String>> {
    const MAX: usize = 5;
    let mut out = Vec::new();
    let mut after: Option<Vec<String>> = None;
    loop {
        let rows = read_page(src, table, after.as_deref()).await?;
        let keys: Vec<Vec<String>> = rows.iter().map(|r| r.key.clone()).collect();
        let theirs: HashMap<Vec<String>, Row> = lookup(dst, table, &keys)
            .await?
            .into_iter()
            .map(|r| (r.key.clone(), r))
            .collect();
        for row in &rows {
            let name = table.show_key(&row.key);
            match theirs.get(&row.key) {
                None => out.push(format!("{name} is missing")),
                Some(other) => {
                    let columns: Vec<&str> = table
                        .columns
                        .iter()
                        .zip(row.values.iter().zip(&other.values))
                        .filter(|(_, (a, b))| {
                            let (mut x, mut y) = (Vec::new(), Vec::new());
                            encode(&mut x, a);
                            encode(&mut y, b);
                            x != y
                        })
                        .map(|(c, _)| c.name)
                        .collect();
                    if !columns.is_empty() {
                        out.push(format!("{name} differs in {}", columns.join(", ")));
                    }
                }
            }
            if out.len() >= MAX {
                return Ok(out);
            }
        }
        if rows.len() < PAGE {
            return Ok(out);
        }
        after = rows.last().map(|r| r.key.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_fit_both_backends_bind_limits_and_keys_are_text() {
        for t in TABLES {
            assert!(t.columns.len() * PAGE <= 32_766, "{}", t.name);
            for k in t.key {
                let c = t.columns.iter().find(|c| c.name == *k).expect("key column");
                assert!(c.kind == K::Text && !c.null, "{}.{k}", t.name);
            }
            for c in t.columns {
                assert!(
                    !(c.null && c.kind == K::Flag),
                    "{}.{}: Get reads no nullable flag",
                    t.name,
                    c.name
                );
            }
        }
    }

    #[test]
    fn sql_is_built_from_the_table_list() {
        let cohorts = &TABLES[1];
        assert_eq!(
            cohorts.page_sql("*", true),
            "SELECT * FROM subject_cohorts WHERE (cohort, subject_id) > ($1, $2) \
             ORDER BY cohort, subject_id LIMIT 500"
        );
        assert_eq!(
            cohorts.lookup_sql("cohort, subject_id", 2),
            "SELECT cohort, subject_id FROM subject_cohorts \
             WHERE (cohort = $1 AND subject_id = $2) OR (cohort = $3 AND subject_id = $4)"
        );
        assert_eq!(
            cohorts.insert_sql(2),
            "INSERT INTO subject_cohorts (cohort, subject_id) VALUES ($1, $2), ($3, $4) \
             ON CONFLICT (cohort, subject_id) DO NOTHING"
        );
        assert_eq!(
            TABLES[0].lookup_sql("id", 3),
            "SELECT id FROM subjects WHERE id IN ($1, $2, $3)"
        );
    }

    fn row(values: Vec<Value>) -> Row {
        Row {
            key: vec![],
            values,
        }
    }

    #[test]
    fn digests_ignore_row_order_and_key_order_but_not_content() {
        let a = || {
            row(vec![
                Value::Text(Some("a".into())),
                Value::Json(Some(serde_json::json!({"x": 1, "y": [1.5, null]}))),
            ])
        };
        let b = || {
            row(vec![
                Value::Text(Some("b".into())),
                Value::Json(Some(serde_json::json!({"y": [1.5, null], "x": 1}))),
            ])
        };
        let (mut one, mut two) = (Digest::default(), Digest::default());
        one.add(&a());
        one.add(&b());
        two.add(&b());
        two.add(&a());
        assert_eq!(one, two);
        let mut three = Digest::default();
        three.add(&a());
        three.add(&row(vec![
            Value::Text(Some("b".into())),
            Value::Json(Some(serde_json::json!({"y": [1.5], "x": 1}))),
        ]));
        assert_ne!(one, three);
        // NULL, JSON null and an empty text are three different things.
        let enc = |v: Value| {
            let mut out = Vec::new();
            encode(&mut out, &v);
            out
        };
        let null = enc(Value::Json(None));
        assert_ne!(null, enc(Value::Json(Some(serde_json::Value::Null))));
        assert_ne!(null, enc(Value::Text(Some(String::new()))));
        assert_eq!(enc(Value::Float(Some(-0.0))), enc(Value::Float(Some(0.0))));
        assert_ne!(enc(Value::Float(None)), enc(Value::Float(Some(0.0))));
    }

    #[test]
    fn stamps_digest_by_the_millisecond() {
        let t = Stamp::parse("2026-01-02T03:04:05.678Z").unwrap();
        let u = Stamp::parse("2026-01-02T04:04:05.678+01:00").unwrap();
        let (mut x, mut y) = (Vec::new(), Vec::new());
        encode(&mut x, &Value::Stamp(Some(t)));
        encode(&mut y, &Value::Stamp(Some(u)));
        assert_eq!(x, y);
    }

    /// A SQLite database with a subject, a run, a job and an asset, copied into a second:
    /// everything arrives, a second copy copies nothing, a foreign row is refused.
    #[tokio::test]
    async fn sqlite_to_sqlite_copies_once_and_refuses_strangers() {
        let dir = tempfile::tempdir().unwrap();
        let open = |name: &str| super::super::Options {
            url: super::super::DatabaseUrl::Sqlite(dir.path().join(name)),
            max_connections: 2,
            statement_timeout: std::time::Duration::from_secs(60),
            idle_in_transaction_timeout: std::time::Duration::from_secs(60),
        };
        let src = Db::open(&open("a.db")).await.unwrap();
        use likeness_subjects::{Source, Subject, SubjectId};
        // Enough for several pages: 1 234 subjects, 2 468 cohort rows.
        let subjects: Vec<Subject> = (0..1_234)
            .map(|i| {
                let mut s = Subject::new(SubjectId::new(format!("p{i}")).unwrap(), Source::Jsonl);
                s.name = Some(format!("Ada Lovelace {i}"));
                s.add_cohort("y");
                s.add_cohort("x");
                s
            })
            .collect();
        src.upsert_subjects(&subjects, super::super::subjects::OnConflict::Skip)
            .await
            .unwrap();
        let dest = Db::open(&open("b.db")).await.unwrap();
        let quiet = |_: Progress<'_>| {};
        let first = src.copy_into(&dest, &quiet).await.unwrap();
        assert_eq!(
            (first.copied, first.already_present),
            (3_702, 0),
            "{first:?}"
        );
        assert_eq!(first.verified, 3_702);
        let again = src.copy_into(&dest, &quiet).await.unwrap();
        assert_eq!(
            (again.copied, again.already_present),
            (0, 3_702),
            "{again:?}"
        );
        // Interrupted after 700 subjects and 600 cohort rows: the rest is copied.
        on_pool!(dest, p => {
            for sql in [
                "DELETE FROM subject_cohorts WHERE subject_id NOT IN \
                 (SELECT id FROM subjects ORDER BY id LIMIT 700)",
                "DELETE FROM subject_cohorts WHERE rowid NOT IN \
                 (SELECT rowid FROM subject_cohorts ORDER BY cohort, subject_id LIMIT 600)",
                "DELETE FROM subjects WHERE id NOT IN (SELECT id FROM subjects ORDER BY id LIMIT 700)",
            ] {
                sqlx::query(sql).execute(p).await.unwrap();
            }
        });
        let resumed = src.copy_into(&dest, &quiet).await.unwrap();
        assert_eq!(
            (resumed.copied, resumed.already_present, resumed.verified),
            (3_702 - 1_300, 1_300, 3_702),
            "{resumed:?}"
        );
        assert_eq!(
            dest.find_subject("p1233").await.unwrap().cohorts,
            vec!["x".to_string(), "y".to_string()]
        );
        // Onto itself: refused before anything is read.
        let err = src.copy_into(&src, &quiet).await.unwrap_err();
        assert_eq!(err.code(), "db.copy_refused", "{err}");
        // A destination with a subject of its own.
        let other = Db::open(&open("c.db")).await.unwrap();
        let stranger = Subject::new(SubjectId::new("zz").unwrap(), Source::Jsonl);
        other
            .upsert_subjects(&[stranger], super::super::subjects::OnConflict::Skip)
            .await
            .unwrap();
        let err = src.copy_into(&other, &quiet).await.unwrap_err();
        assert_eq!(err.code(), "db.copy_refused", "{err}");
        assert!(err.to_string().contains("id=zz"), "{err}");
    }
}
