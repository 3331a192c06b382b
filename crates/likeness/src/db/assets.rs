//! Assets: the audit record of every generation attempt, and the "current" pointer.

use serde::Serialize;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use super::{Db, now_text};
use crate::error::Result;

/// The bytes an attempt produced, once stored.
#[derive(Debug, Clone)]
pub struct Stored {
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
    pub content_hash: String,
    pub storage_key: String,
    pub content_type: String,
    pub render_us: i64,
    pub encode_us: i64,
}

#[derive(Debug, Clone)]
pub enum Outcome {
    Stored(Stored),
    Failed {
        code: String,
        message: String,
        /// Unix ms to retry at, or `None` when the job is failed for good.
        retry_at: Option<i64>,
    },
}

#[derive(Debug, Clone)]
pub struct NewAsset {
    pub id: String,
    pub subject_id: String,
    pub run_id: String,
    pub job_id: String,
    pub style: String,
    pub style_version: u32,
    pub provider: String,
    pub model: String,
    pub seed: String,
    pub prompt: String,
    pub negative_prompt: Option<String>,
    pub total_ms: i64,
    pub cost_usd: f64,
    /// JSON: attempts, fallback, revised prompt, provider facts.
    pub details: Option<serde_json::Value>,
    pub outcome: Outcome,
}

/// Whether the worker still held the job when it reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    Yes,
    /// The lease had passed to someone else; nothing was written.
    LeaseLost,
}

/// One row of a subject's history.
#[derive(Debug, Clone, Serialize)]
pub struct AssetRow {
    pub asset_id: String,
    pub subject_id: String,
    pub run_id: String,
    pub style: String,
    pub style_version: i64,
    pub provider: String,
    pub model: String,
    pub seed: String,
    pub status: String,
    pub current: bool,
    pub created_at: String,
    pub prompt: String,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub bytes: Option<i64>,
    pub content_hash: Option<String>,
    pub storage_key: Option<String>,
    pub total_ms: i64,
    pub cost_usd: f64,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    /// Attempts, the fallback chain's earlier failures, provider facts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<serde_json::Value>,
}

fn from_row(r: &SqliteRow) -> AssetRow {
    AssetRow {
        asset_id: r.get("id"),
        subject_id: r.get("subject_id"),
        run_id: r.get("run_id"),
        style: r.get("style"),
        style_version: r.get("style_version"),
        provider: r.get("provider"),
        model: r.get("model"),
        seed: r.get("seed"),
        status: r.get("status"),
        current: r.get::<i64, _>("current") == 1,
        created_at: r.get("created_at"),
        prompt: r.get("prompt"),
        width: r.get("width"),
        height: r.get("height"),
        bytes: r.get("bytes"),
        content_hash: r.get("content_hash"),
        storage_key: r.get("storage_key"),
        total_ms: r.get("total_ms"),
        cost_usd: r.get("cost_usd"),
        error_code: r.get("error_code"),
        error_message: r.get("error_message"),
        details: r
            .get::<Option<String>, _>("details")
            .and_then(|d| serde_json::from_str(&d).ok()),
    }
}

impl Db {
    /// Records an attempt and moves its job on, in one transaction: the asset row, the current
    /// flip on success, and the job's new status. Nothing is written unless `worker` still
    /// holds the job, so a worker whose lease was taken over cannot create a second current.
    pub async fn record_attempt(&self, worker: &str, asset: &NewAsset) -> Result<Recorded> {
        let mut tx = self.begin_write().await?;
        let now = now_text();
        let job_update = match &asset.outcome {
            Outcome::Stored(_) => sqlx::query(
                "UPDATE jobs SET status = 'succeeded', asset_id = $1, locked_by = NULL,
                     lease_until = NULL, error_code = NULL, error_message = NULL, finished_at = $2
                 WHERE id = $3 AND locked_by = $4 AND status = 'running'",
            )
            .bind(&asset.id)
            .bind(&now)
            .bind(&asset.job_id)
            .bind(worker),
            Outcome::Failed {
                code,
                message,
                retry_at,
            } => sqlx::query(
                "UPDATE jobs SET status = $1, run_after = COALESCE($2, run_after),
                     locked_by = NULL, lease_until = NULL, error_code = $3, error_message = $4,
                     finished_at = $5
                 WHERE id = $6 AND locked_by = $7 AND status = 'running'",
            )
            .bind(if retry_at.is_some() {
                "queued"
            } else {
                "failed"
            })
            .bind(*retry_at)
            .bind(code)
            .bind(message)
            .bind(retry_at.is_none().then(|| now.clone()))
            .bind(&asset.job_id)
            .bind(worker),
        };
        if job_update.execute(&mut *tx).await?.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(Recorded::LeaseLost);
        }
        let stored = match &asset.outcome {
            Outcome::Stored(s) => Some(s),
            Outcome::Failed { .. } => None,
        };
        if stored.is_some() {
            sqlx::query(
                "UPDATE assets SET current = 0 WHERE subject_id = $1 AND style = $2 AND current = 1",
            )
            .bind(&asset.subject_id)
            .bind(&asset.style)
            .execute(&mut *tx)
            .await?;
        }
        let (code, message) = match &asset.outcome {
            Outcome::Failed { code, message, .. } => (Some(code.as_str()), Some(message.as_str())),
            Outcome::Stored(_) => (None, None),
        };
        sqlx::query(
            "INSERT INTO assets (id, subject_id, run_id, job_id, style, style_version, provider,
                 model, seed, prompt, negative_prompt, status, current, width, height, bytes,
                 content_hash, storage_key, content_type, render_us, encode_us, total_ms,
                 cost_usd, error_code, error_message, created_at, details)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
                 $18, $19, $20, $21, $22, $23, $24, $25, $26, $27)",
        )
        .bind(&asset.id)
        .bind(&asset.subject_id)
        .bind(&asset.run_id)
        .bind(&asset.job_id)
        .bind(&asset.style)
        .bind(asset.style_version as i64)
        .bind(&asset.provider)
        .bind(&asset.model)
        .bind(&asset.seed)
        .bind(&asset.prompt)
        .bind(&asset.negative_prompt)
        .bind(if stored.is_some() {
            "succeeded"
        } else {
            "failed"
        })
        .bind(stored.is_some() as i64)
        .bind(stored.map(|s| s.width as i64))
        .bind(stored.map(|s| s.height as i64))
        .bind(stored.map(|s| s.bytes as i64))
        .bind(stored.map(|s| s.content_hash.as_str()))
        .bind(stored.map(|s| s.storage_key.as_str()))
        .bind(stored.map(|s| s.content_type.as_str()))
        .bind(stored.map(|s| s.render_us))
        .bind(stored.map(|s| s.encode_us))
        .bind(asset.total_ms)
        .bind(asset.cost_usd)
        .bind(code)
        .bind(message)
        .bind(&now)
        .bind(asset.details.as_ref().map(|d| d.to_string()))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Recorded::Yes)
    }

    pub async fn asset(&self, id: &str) -> Result<Option<AssetRow>> {
        let row = sqlx::query("SELECT * FROM assets WHERE id = $1")
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.as_ref().map(from_row))
    }

    /// Every attempt for a subject, oldest first.
    pub async fn history(&self, subject_id: &str) -> Result<Vec<AssetRow>> {
        let rows =
            sqlx::query("SELECT * FROM assets WHERE subject_id = $1 ORDER BY created_at, id")
                .bind(subject_id)
                .fetch_all(self.pool())
                .await?;
        Ok(rows.iter().map(from_row).collect())
    }

    /// The current (succeeded) asset of a subject in a style.
    pub async fn current_asset(&self, subject_id: &str, style: &str) -> Result<Option<AssetRow>> {
        let row = sqlx::query(
            "SELECT * FROM assets WHERE subject_id = $1 AND style = $2 AND current = 1",
        )
        .bind(subject_id)
        .bind(style)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.as_ref().map(from_row))
    }
}
