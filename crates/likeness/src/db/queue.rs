//! The durable job queue. A job is claimed with a lease that the claiming process keeps alive
//! with heartbeats; a job whose lease ran out (its worker died) goes back to the queue. Retries
//! wait out an exponential backoff in `run_after`.
//!
//! Invariant: only the worker named in `locked_by` may complete a running job, and completion
//! checks that in the same transaction that records the asset (see `assets::complete`).

use sqlx::{Row, SqliteConnection};

use super::{Db, now_ms, now_text};
use crate::error::Result;

/// A worker that dies this many times holding the same job marks the job failed instead of
/// handing it out again, so one poisonous input cannot crash-loop a fleet.
pub const MAX_REAPS: i64 = 5;

pub struct NewJob<'a> {
    pub id: &'a str,
    pub run_id: &'a str,
    pub seq: i64,
    pub subject_id: &'a str,
    pub style: &'a str,
    /// `None` to queue the job, or why it is skipped.
    pub skip_reason: Option<&'a str>,
    pub max_attempts: u32,
    pub options: Option<&'a JobOptions>,
}

pub async fn insert(conn: &mut SqliteConnection, job: &NewJob<'_>) -> Result<()> {
    let status = if job.skip_reason.is_some() {
        "skipped"
    } else {
        "queued"
    };
    let now = now_text();
    sqlx::query(
        "INSERT INTO jobs (id, run_id, seq, subject_id, style, status, skip_reason, max_attempts,
             run_after, created_at, finished_at, options)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $10, $11)",
    )
    .bind(job.id)
    .bind(job.run_id)
    .bind(job.seq)
    .bind(job.subject_id)
    .bind(job.style)
    .bind(status)
    .bind(job.skip_reason)
    .bind(job.max_attempts as i64)
    .bind(&now)
    .bind(job.skip_reason.map(|_| now.clone()))
    .bind(
        job.options
            .filter(|o| !o.is_empty())
            .map(|o| serde_json::to_string(o).unwrap_or_default()),
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Per-request overrides of a job (from the HTTP API).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobOptions {
    /// Replaces the renderer seed (otherwise subject, style and style version).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<String>,
    /// Added to the style's prompt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_prompt: Option<String>,
    /// Pixels, instead of the style's size preset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// Sampler steps, for providers that have them (ComfyUI).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steps: Option<u32>,
    /// How strongly an identity-preserving provider keeps the reference face (0 to 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_weight: Option<f32>,
    /// Store keys of checked reference images (`_references/…`), sent to the provider.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
    /// Keys laid over the style's `[renderer]` table (`flip`, `rotate`, `background`, …), for
    /// the built-in renderer.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub renderer: serde_json::Map<String, serde_json::Value>,
}

impl JobOptions {
    pub fn is_empty(&self) -> bool {
        self == &JobOptions::default()
    }
}

#[derive(Debug, Clone)]
pub struct ClaimedJob {
    pub id: String,
    pub run_id: String,
    pub subject_id: String,
    pub style: String,
    /// Including this one.
    pub attempts: i64,
    pub max_attempts: i64,
    pub options: JobOptions,
}

impl Db {
    /// Claims the next due job for `worker`: of one run, or of any run when `run_id` is `None`.
    pub async fn claim(
        &self,
        run_id: Option<&str>,
        worker: &str,
        lease_ms: i64,
    ) -> Result<Option<ClaimedJob>> {
        let now = now_ms();
        // SQLite serialises writers, so the sub-select and the update cannot interleave with
        // another claim; on PostgreSQL the sub-select takes `FOR UPDATE SKIP LOCKED`.
        let row = sqlx::query(
            "UPDATE jobs SET status = 'running', locked_by = $1, lease_until = $2,
                 attempts = attempts + 1
             WHERE id = (SELECT id FROM jobs WHERE status = 'queued' AND run_after <= $4
                             AND ($3 IS NULL OR run_id = $3)
                         ORDER BY run_after, seq LIMIT 1)
             RETURNING id, run_id, subject_id, style, attempts, max_attempts, options",
        )
        .bind(worker)
        .bind(now + lease_ms)
        .bind(run_id)
        .bind(now)
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| {
            let options: Option<String> = r.get("options");
            Ok(ClaimedJob {
                id: r.get("id"),
                run_id: r.get("run_id"),
                subject_id: r.get("subject_id"),
                style: r.get("style"),
                attempts: r.get("attempts"),
                max_attempts: r.get("max_attempts"),
                options: match options {
                    Some(o) => serde_json::from_str(&o)
                        .map_err(|e| crate::Error::Corrupt(format!("job options: {e}")))?,
                    None => JobOptions::default(),
                },
            })
        })
        .transpose()
    }

    /// Extends the lease of every job `worker` holds. Returns how many it holds.
    pub async fn heartbeat(&self, worker: &str, lease_ms: i64) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE jobs SET lease_until = $1 WHERE locked_by = $2 AND status = 'running'",
        )
        .bind(now_ms() + lease_ms)
        .bind(worker)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected())
    }

    /// Returns to the queue the jobs whose lease ran out, or whose holder is in `dead_workers`
    /// (workers known to be gone, e.g. a local process that no longer exists).
    /// Only jobs of `run_id` when given, else of every run.
    pub async fn reap(&self, run_id: Option<&str>, dead_workers: &[String]) -> Result<u64> {
        let mut tx = self.begin_write().await?;
        let mut n = 0;
        for w in dead_workers {
            n += reap_where(&mut tx, run_id, Some(w)).await?;
        }
        n += reap_where(&mut tx, run_id, None).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// The distinct workers holding running jobs of a run.
    pub async fn running_workers(&self, run_id: Option<&str>) -> Result<Vec<String>> {
        let rows = sqlx::query(
            "SELECT DISTINCT locked_by FROM jobs WHERE ($1 IS NULL OR run_id = $1)
                 AND status = 'running' AND locked_by IS NOT NULL",
        )
        .bind(run_id)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(|r| r.get("locked_by")).collect())
    }

    /// When the next queued job (of a run, or of any) becomes due (unix ms), if any is queued.
    pub async fn next_due(&self, run_id: Option<&str>) -> Result<Option<i64>> {
        let row = sqlx::query(
            "SELECT MIN(run_after) AS t FROM jobs WHERE ($1 IS NULL OR run_id = $1)
                 AND status = 'queued'",
        )
        .bind(run_id)
        .fetch_one(self.pool())
        .await?;
        Ok(row.get("t"))
    }

    /// Hands back, unworked, the jobs `worker` holds (graceful stop): the attempt is not counted.
    pub async fn release(&self, worker: &str) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE jobs SET status = 'queued', locked_by = NULL, lease_until = NULL,
                 attempts = attempts - 1
             WHERE locked_by = $1 AND status = 'running'",
        )
        .bind(worker)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected())
    }
}

/// Requeues (or, past MAX_REAPS, fails) the running jobs of a run held by `worker`, or with
/// an expired lease when `worker` is `None`.
async fn reap_where(
    conn: &mut SqliteConnection,
    run_id: Option<&str>,
    worker: Option<&str>,
) -> Result<u64> {
    // A reaped attempt does not count against max_attempts (the job did not fail, its worker
    // died), but `reaped` bounds how often that may happen.
    // `held`: running jobs of the run held by $2, or with an expired lease when $2 is NULL.
    let now = now_ms();
    let failed = sqlx::query(
        "UPDATE jobs SET status = 'failed', locked_by = NULL, lease_until = NULL,
             reaped = reaped + 1, error_code = 'queue.worker_died',
             error_message = 'the worker processing this job died ' || (reaped + 1) || ' times',
             finished_at = $4
         WHERE ($1 IS NULL OR run_id = $1) AND status = 'running'
             AND (locked_by = $2 OR ($2 IS NULL AND lease_until < $3))
             AND reaped + 1 >= $5",
    )
    .bind(run_id)
    .bind(worker)
    .bind(now)
    .bind(now_text())
    .bind(MAX_REAPS)
    .execute(&mut *conn)
    .await?;
    let requeued = sqlx::query(
        "UPDATE jobs SET status = 'queued', locked_by = NULL, lease_until = NULL,
             attempts = attempts - 1, reaped = reaped + 1, run_after = $3
         WHERE ($1 IS NULL OR run_id = $1) AND status = 'running'
             AND (locked_by = $2 OR ($2 IS NULL AND lease_until < $3))",
    )
    .bind(run_id)
    .bind(worker)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(failed.rows_affected() + requeued.rows_affected())
}

/// A job as the API shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct JobRow {
    pub id: String,
    pub run_id: String,
    pub subject_id: String,
    pub style: String,
    pub status: String,
    pub skip_reason: Option<String>,
    pub attempts: i64,
    pub max_attempts: i64,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub asset_id: Option<String>,
    pub created_at: String,
    pub finished_at: Option<String>,
    /// The request's overrides (seed, prompt, size, references), for the audit trail.
    pub options: JobOptions,
}

impl Db {
    pub async fn job(&self, id: &str) -> Result<Option<JobRow>> {
        let row = sqlx::query("SELECT * FROM jobs WHERE id = $1")
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.map(|r| JobRow {
            id: r.get("id"),
            run_id: r.get("run_id"),
            subject_id: r.get("subject_id"),
            style: r.get("style"),
            status: r.get("status"),
            skip_reason: r.get("skip_reason"),
            attempts: r.get("attempts"),
            max_attempts: r.get("max_attempts"),
            error_code: r.get("error_code"),
            error_message: r.get("error_message"),
            asset_id: r.get("asset_id"),
            created_at: r.get("created_at"),
            finished_at: r.get("finished_at"),
            // Written by this code from a JobOptions; unreadable only if edited by hand, and
            // then the rest of the job is still worth showing.
            options: r
                .get::<Option<String>, _>("options")
                .and_then(|o| serde_json::from_str(&o).ok())
                .unwrap_or_default(),
        }))
    }

    /// The jobs of a run, in plan order.
    pub async fn job_ids(&self, run_id: &str) -> Result<Vec<String>> {
        let rows = sqlx::query("SELECT id FROM jobs WHERE run_id = $1 ORDER BY seq")
            .bind(run_id)
            .fetch_all(self.pool())
            .await?;
        Ok(rows.into_iter().map(|r| r.get("id")).collect())
    }
}
