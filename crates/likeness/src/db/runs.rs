//! Runs: one batch each, versioned per run key. A run and all its jobs are written in one
//! transaction ([`Db::create_run`]), under a lock on the run key, so two planners of the same
//! key on two machines cannot both create version N.

use serde::{Deserialize, Serialize};
use sqlx::types::Json;

use super::queue::{JobOptions, NewJob};
use super::value::Get;
use super::{Db, Stamp, Tx, on_pool, on_tx};
use crate::error::{Error, Result};

/// The style a run used, frozen at planning time for the audit trail (stored as JSON in the
/// run's `styles`: these derives are its storage format; views use `RunStyleView`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RunStyle {
    pub name: String,
    pub version: u32,
    pub fingerprint: String,
    pub prompt_template: String,
}

#[derive(Debug, Clone)]
pub struct Run {
    pub id: String,
    pub run_key: String,
    pub version: i64,
    pub status: String,
    pub styles: Vec<RunStyle>,
    pub provider: Option<String>,
    pub size: Option<String>,
    pub selection: serde_json::Value,
    pub notes: Option<String>,
    pub planned: i64,
    pub skipped: i64,
    pub estimated_cost_usd: f64,
    pub app_version: String,
    pub started_at: Stamp,
    pub finished_at: Option<Stamp>,
    pub duration_ms: Option<i64>,
}

/// A run about to be written: everything but its version, which [`Db::create_run`] assigns.
#[derive(Debug, Clone)]
pub struct NewRun {
    pub id: String,
    pub run_key: String,
    pub styles: Vec<RunStyle>,
    pub provider: Option<String>,
    pub size: Option<String>,
    pub selection: serde_json::Value,
    pub notes: Option<String>,
    pub planned: i64,
    pub skipped: i64,
    pub estimated_cost_usd: f64,
    /// Given to every job of the run.
    pub job_options: Option<JobOptions>,
    pub max_attempts: u32,
}

/// What [`Db::create_run`] did.
#[derive(Debug, Clone)]
pub enum Created {
    Run(Run),
    /// Another process planned this key meanwhile and its run is unfinished: resume it.
    Unfinished(Run),
}

/// Live job counts of a run, from the jobs table (the single source of truth).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunCounts {
    pub queued: i64,
    pub running: i64,
    pub succeeded: i64,
    pub failed: i64,
    pub skipped: i64,
}

impl RunCounts {
    pub fn remaining(&self) -> i64 {
        self.queued + self.running
    }
}

/// A failed job of a run, for the batch report.
#[derive(Debug, Clone)]
pub struct FailedJob {
    pub subject_id: String,
    pub style: String,
    pub code: String,
    pub message: String,
}

pub const STATUS_RUNNING: &str = "running";
pub const STATUS_COMPLETED: &str = "completed";

fn from_row(row: &impl Get) -> Result<Run> {
    Ok(Run {
        id: row.text("id")?,
        run_key: row.text("run_key")?,
        version: row.int("version")?,
        status: row.text("status")?,
        styles: row.json("styles")?,
        provider: row.opt_text("provider")?,
        size: row.opt_text("size")?,
        selection: row.json("selection")?,
        notes: row.opt_text("notes")?,
        planned: row.int("planned")?,
        skipped: row.int("skipped")?,
        estimated_cost_usd: row.float("estimated_cost_usd")?,
        app_version: row.text("app_version")?,
        started_at: row.stamp("started_at")?,
        finished_at: row.opt_stamp("finished_at")?,
        duration_ms: row.opt_int("duration_ms")?,
    })
}

impl Db {
    /// The newest run for a key, whatever its status.
    pub async fn latest_run(&self, run_key: &str) -> Result<Option<Run>> {
        let sql = "SELECT * FROM runs WHERE run_key = $1 ORDER BY version DESC LIMIT 1";
        on_pool!(self, p => {
            let row = sqlx::query(sql).bind(run_key).fetch_optional(p).await?;
            row.as_ref().map(from_row).transpose()
        })
    }

    /// Writes a new version of `run.run_key` with all its jobs, in one transaction: they
    /// appear together or not at all. When `resume` is set and the key's newest run is
    /// unfinished (another process planned it meanwhile), nothing is written and that run is
    /// returned to be resumed instead.
    pub async fn create_run(&self, run: NewRun, jobs: &[NewJob], resume: bool) -> Result<Created> {
        let mut tx = self.begin().await?;
        tx.lock(&format!("run:{}", run.run_key)).await?;
        let latest = latest_in(&mut tx, &run.run_key).await?;
        if let Some(unfinished) = latest
            .as_ref()
            .filter(|r| resume && r.status == STATUS_RUNNING)
        {
            let unfinished = unfinished.clone();
            tx.rollback().await?;
            return Ok(Created::Unfinished(unfinished));
        }
        let now = self.now();
        let stored = Run {
            id: run.id,
            run_key: run.run_key,
            version: latest.map_or(1, |r| r.version + 1),
            status: STATUS_RUNNING.to_string(),
            styles: run.styles,
            provider: run.provider,
            size: run.size,
            selection: run.selection,
            notes: run.notes,
            planned: run.planned,
            skipped: run.skipped,
            estimated_cost_usd: run.estimated_cost_usd,
            app_version: env!("CARGO_PKG_VERSION").to_string(),
            started_at: now,
            finished_at: None,
            duration_ms: None,
        };
        insert_run(&mut tx, &stored).await?;
        let options = run.job_options.filter(|o| !o.is_empty());
        for job in jobs {
            super::queue::insert(&mut tx, &stored.id, job, run.max_attempts, &options, now).await?;
        }
        tx.commit().await?;
        Ok(Created::Run(stored))
    }

    pub async fn run(&self, id: &str) -> Result<Option<Run>> {
        let sql = "SELECT * FROM runs WHERE id = $1";
        on_pool!(self, p => {
            let row = sqlx::query(sql).bind(id).fetch_optional(p).await?;
            row.as_ref().map(from_row).transpose()
        })
    }

    /// All runs, newest first.
    pub async fn runs(&self) -> Result<Vec<Run>> {
        let sql = "SELECT * FROM runs ORDER BY started_at DESC, id DESC";
        on_pool!(self, p => {
            let rows = sqlx::query(sql).fetch_all(p).await?;
            rows.iter().map(from_row).collect()
        })
    }

    pub async fn run_counts(&self, run_id: &str) -> Result<RunCounts> {
        let sql = "SELECT status, COUNT(*) AS n FROM jobs WHERE run_id = $1 GROUP BY status";
        let rows: Vec<(String, i64)> = on_pool!(self, p => {
            let rows = sqlx::query(sql).bind(run_id).fetch_all(p).await?;
            rows.iter()
                .map(|r| Ok((r.text("status")?, r.int("n")?)))
                .collect::<Result<_>>()?
        });
        let mut c = RunCounts::default();
        for (status, n) in rows {
            match status.as_str() {
                "queued" => c.queued = n,
                "running" => c.running = n,
                "succeeded" => c.succeeded = n,
                "failed" => c.failed = n,
                "skipped" => c.skipped = n,
                other => return Err(Error::Corrupt(format!("job status {other:?}"))),
            }
        }
        Ok(c)
    }

    /// Money actually spent by a run: the sum over its recorded attempts.
    pub async fn run_actual_cost(&self, run_id: &str) -> Result<f64> {
        let sql = "SELECT CAST(COALESCE(SUM(cost_usd), 0) AS DOUBLE PRECISION) AS c
             FROM assets WHERE run_id = $1";
        on_pool!(self, p => sqlx::query(sql).bind(run_id).fetch_one(p).await?.float("c"))
    }

    /// Total (render, encode) microseconds over a run's attempts.
    pub async fn run_timing(&self, run_id: &str) -> Result<(i64, i64)> {
        let sql = "SELECT CAST(COALESCE(SUM(render_us), 0) AS BIGINT) AS r,
                 CAST(COALESCE(SUM(encode_us), 0) AS BIGINT) AS e
             FROM assets WHERE run_id = $1";
        on_pool!(self, p => {
            let row = sqlx::query(sql).bind(run_id).fetch_one(p).await?;
            Ok((row.int("r")?, row.int("e")?))
        })
    }

    /// The failed jobs of a run, in plan order.
    pub async fn failed_jobs(&self, run_id: &str) -> Result<Vec<FailedJob>> {
        let sql = "SELECT subject_id, style, error_code, error_message FROM jobs
             WHERE run_id = $1 AND status = 'failed' ORDER BY seq";
        on_pool!(self, p => {
            let rows = sqlx::query(sql).bind(run_id).fetch_all(p).await?;
            rows.iter()
                .map(|r| {
                    Ok(FailedJob {
                        subject_id: r.text("subject_id")?,
                        style: r.text("style")?,
                        code: r.opt_text("error_code")?.unwrap_or_default(),
                        message: r.opt_text("error_message")?.unwrap_or_default(),
                    })
                })
                .collect()
        })
    }

    /// Marks a run finished, once. Its duration spans from planning to now, interruptions
    /// included.
    pub async fn finish_run(&self, run: &Run) -> Result<()> {
        let now = self.now();
        let duration = now.millis() - run.started_at.millis();
        let sql = "UPDATE runs SET status = $1, finished_at = $2, duration_ms = $3
             WHERE id = $4 AND status = 'running'";
        let mut tx = self.begin().await?;
        let moved = on_tx!(&mut tx, c => {
            sqlx::query(sql)
                .bind(STATUS_COMPLETED)
                .bind(now)
                .bind(duration)
                .bind(&run.id)
                .execute(&mut *c)
                .await?
                .rows_affected()
        });
        // Only the call that completed the run reports it.
        if moved > 0 {
            let data = serde_json::json!({"run_id": run.id, "run_key": run.run_key, "version": run.version});
            super::webhooks::fan_out(&mut tx, "run.completed", None, &data, now).await?;
        }
        tx.commit().await
    }
}

async fn latest_in(tx: &mut Tx, run_key: &str) -> Result<Option<Run>> {
    let sql = "SELECT * FROM runs WHERE run_key = $1 ORDER BY version DESC LIMIT 1";
    on_tx!(tx, c => {
        let row = sqlx::query(sql).bind(run_key).fetch_optional(&mut *c).await?;
        row.as_ref().map(from_row).transpose()
    })
}

async fn insert_run(tx: &mut Tx, run: &Run) -> Result<()> {
    let sql = "INSERT INTO runs (id, run_key, version, status, styles, provider, size, selection,
             notes, planned, skipped, estimated_cost_usd, app_version, started_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)";
    on_tx!(tx, c => {
        sqlx::query(sql)
            .bind(&run.id)
            .bind(&run.run_key)
            .bind(run.version)
            .bind(&run.status)
            .bind(Json(&run.styles))
            .bind(&run.provider)
            .bind(&run.size)
            .bind(Json(&run.selection))
            .bind(&run.notes)
            .bind(run.planned)
            .bind(run.skipped)
            .bind(run.estimated_cost_usd)
            .bind(&run.app_version)
            .bind(run.started_at)
            .execute(&mut *c)
            .await?;
    });
    Ok(())
}
