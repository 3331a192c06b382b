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

mod rows;
mod tables;
#[cfg(test)]
mod tests;

use rows::*;
use tables::*;

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
            Backend::Sqlite(p) => Tx::Sqlite(p.begin().await?, None),
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
