//! Runs: one batch each, versioned per run key.

use serde::{Deserialize, Serialize};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};

use super::{Db, now_text};
use crate::error::{Error, Result};

/// The style a run used, frozen at planning time for the audit trail.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RunStyle {
    pub name: String,
    pub version: u32,
    pub fingerprint: String,
    pub prompt_template: String,
}

#[derive(Debug, Clone, Serialize)]
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
    pub started_at: String,
    pub finished_at: Option<String>,
    pub duration_ms: Option<i64>,
}

/// Live job counts of a run, from the jobs table (the single source of truth).
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
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

pub const STATUS_RUNNING: &str = "running";
pub const STATUS_COMPLETED: &str = "completed";

fn from_row(row: &SqliteRow) -> Result<Run> {
    let styles: String = row.get("styles");
    let selection: String = row.get("selection");
    Ok(Run {
        id: row.get("id"),
        run_key: row.get("run_key"),
        version: row.get("version"),
        status: row.get("status"),
        styles: serde_json::from_str(&styles).map_err(|e| Error::Corrupt(e.to_string()))?,
        provider: row.get("provider"),
        size: row.get("size"),
        selection: serde_json::from_str(&selection).map_err(|e| Error::Corrupt(e.to_string()))?,
        notes: row.get("notes"),
        planned: row.get("planned"),
        skipped: row.get("skipped"),
        estimated_cost_usd: row.get("estimated_cost_usd"),
        app_version: row.get("app_version"),
        started_at: row.get("started_at"),
        finished_at: row.get("finished_at"),
        duration_ms: row.get("duration_ms"),
    })
}

/// Inserts a run inside the planning transaction.
pub async fn insert(conn: &mut SqliteConnection, run: &Run) -> Result<()> {
    sqlx::query(
        "INSERT INTO runs (id, run_key, version, status, styles, provider, size, selection, notes,
             planned, skipped, estimated_cost_usd, app_version, started_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(&run.id)
    .bind(&run.run_key)
    .bind(run.version)
    .bind(&run.status)
    .bind(serde_json::to_string(&run.styles).map_err(|e| Error::Corrupt(e.to_string()))?)
    .bind(&run.provider)
    .bind(&run.size)
    .bind(run.selection.to_string())
    .bind(&run.notes)
    .bind(run.planned)
    .bind(run.skipped)
    .bind(run.estimated_cost_usd)
    .bind(&run.app_version)
    .bind(&run.started_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The newest run for a key, whatever its status.
pub async fn latest(conn: &mut SqliteConnection, run_key: &str) -> Result<Option<Run>> {
    let row = sqlx::query("SELECT * FROM runs WHERE run_key = $1 ORDER BY version DESC LIMIT 1")
        .bind(run_key)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

impl Db {
    /// The newest run for a key, whatever its status.
    pub async fn latest_run(&self, run_key: &str) -> Result<Option<Run>> {
        latest(&mut *self.pool().acquire().await?, run_key).await
    }

    pub async fn run(&self, id: &str) -> Result<Option<Run>> {
        let row = sqlx::query("SELECT * FROM runs WHERE id = $1")
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// All runs, newest first.
    pub async fn runs(&self) -> Result<Vec<Run>> {
        let rows = sqlx::query("SELECT * FROM runs ORDER BY started_at DESC, id DESC")
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(from_row).collect()
    }

    pub async fn run_counts(&self, run_id: &str) -> Result<RunCounts> {
        let rows =
            sqlx::query("SELECT status, COUNT(*) AS n FROM jobs WHERE run_id = $1 GROUP BY status")
                .bind(run_id)
                .fetch_all(self.pool())
                .await?;
        let mut c = RunCounts::default();
        for row in rows {
            let n: i64 = row.get("n");
            match row.get::<String, _>("status").as_str() {
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
        let row =
            sqlx::query("SELECT COALESCE(SUM(cost_usd), 0.0) AS c FROM assets WHERE run_id = $1")
                .bind(run_id)
                .fetch_one(self.pool())
                .await?;
        Ok(row.get("c"))
    }

    /// Total (render, encode) microseconds over a run's attempts.
    pub async fn run_timing(&self, run_id: &str) -> Result<(i64, i64)> {
        let row = sqlx::query(
            "SELECT COALESCE(SUM(render_us), 0) AS r, COALESCE(SUM(encode_us), 0) AS e
             FROM assets WHERE run_id = $1",
        )
        .bind(run_id)
        .fetch_one(self.pool())
        .await?;
        Ok((row.get("r"), row.get("e")))
    }

    /// Marks a run finished, once. Its duration spans from planning to now, interruptions
    /// included.
    pub async fn finish_run(&self, run: &Run) -> Result<()> {
        let finished = now_text();
        let duration = chrono::DateTime::parse_from_rfc3339(&run.started_at)
            .map(|s| (chrono::Utc::now() - s.with_timezone(&chrono::Utc)).num_milliseconds())
            .unwrap_or(0);
        sqlx::query(
            "UPDATE runs SET status = $1, finished_at = $2, duration_ms = $3
             WHERE id = $4 AND status = 'running'",
        )
        .bind(STATUS_COMPLETED)
        .bind(&finished)
        .bind(duration)
        .bind(&run.id)
        .execute(self.pool())
        .await?;
        Ok(())
    }
}
