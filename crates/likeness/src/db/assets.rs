//! Assets: the audit record of every generation attempt, and the "current" pointer.

use sqlx::types::Json;

use super::value::Get;
use super::{Db, Stamp, Tx, on_pool, on_tx};
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
#[derive(Debug, Clone)]
pub struct AssetRow {
    pub asset_id: String,
    pub subject_id: String,
    pub run_id: String,
    pub job_id: String,
    pub style: String,
    pub style_version: i64,
    pub provider: String,
    pub model: String,
    pub seed: String,
    pub status: String,
    pub current: bool,
    pub created_at: Stamp,
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
    pub details: Option<serde_json::Value>,
}

pub(super) fn from_row(r: &impl Get) -> Result<AssetRow> {
    Ok(AssetRow {
        asset_id: r.text("id")?,
        subject_id: r.text("subject_id")?,
        run_id: r.text("run_id")?,
        job_id: r.text("job_id")?,
        style: r.text("style")?,
        style_version: r.int("style_version")?,
        provider: r.text("provider")?,
        model: r.text("model")?,
        seed: r.text("seed")?,
        status: r.text("status")?,
        current: r.flag("current")?,
        created_at: r.stamp("created_at")?,
        prompt: r.text("prompt")?,
        width: r.opt_int("width")?,
        height: r.opt_int("height")?,
        bytes: r.opt_int("bytes")?,
        content_hash: r.opt_text("content_hash")?,
        storage_key: r.opt_text("storage_key")?,
        total_ms: r.int("total_ms")?,
        cost_usd: r.float("cost_usd")?,
        error_code: r.opt_text("error_code")?,
        error_message: r.opt_text("error_message")?,
        // Audit facts written by this code; a hand-edited unreadable value hides only them.
        details: r.opt_json::<serde_json::Value>("details").ok().flatten(),
    })
}

impl Db {
    /// Records an attempt and moves its job on, in one transaction: the asset row, the current
    /// flip on success, and the job's new status. Nothing is written unless `worker` still
    /// holds the job *in this attempt* (the fencing token), so a worker whose lease was taken
    /// over cannot create a second current or overwrite the new owner's result.
    pub async fn record_attempt(
        &self,
        worker: &str,
        attempt: i64,
        asset: &NewAsset,
    ) -> Result<Recorded> {
        let recorded = self.record_attempts(worker, &[(attempt, asset)]).await?;
        Ok(recorded[0])
    }

    /// Records a group of attempts in one transaction (a worker's group commit), each fenced
    /// by its own claim as `record_attempt` does: an attempt whose lease passed on writes
    /// nothing and is `LeaseLost`, the others are recorded. The answers are in `attempts`'s
    /// order.
    pub async fn record_attempts(
        &self,
        worker: &str,
        attempts: &[(i64, &NewAsset)],
    ) -> Result<Vec<Recorded>> {
        // The "current" locks are taken in one order by every writer, so two groups that share
        // subjects cannot wait on each other.
        let mut order: Vec<usize> = (0..attempts.len()).collect();
        order.sort_by(|&a, &b| {
            let key = |i: usize| (&attempts[i].1.subject_id, &attempts[i].1.style);
            key(a).cmp(&key(b))
        });
        let mut recorded = vec![Recorded::LeaseLost; attempts.len()];
        let mut tx = self.begin().await?;
        let now = self.now();
        let subscribers = super::webhooks::Subscribers::load(&mut tx).await?;
        for i in order {
            let (attempt, asset) = attempts[i];
            if !move_job_on(&mut tx, worker, attempt, asset, now).await? {
                continue;
            }
            if let Outcome::Stored(_) = &asset.outcome {
                // Two jobs of one subject and style finishing at once on two machines take
                // turns here, so the one-current index never sees both.
                tx.lock(&format!("current:{}:{}", asset.subject_id, asset.style))
                    .await?;
                let sql = "UPDATE assets SET current = FALSE
                     WHERE subject_id = $1 AND style = $2 AND current = TRUE";
                on_tx!(&mut tx, c => {
                    sqlx::query(sql)
                        .bind(&asset.subject_id)
                        .bind(&asset.style)
                        .execute(&mut *c)
                        .await?;
                });
            }
            insert_asset(&mut tx, asset, now).await?;
            if let Some((event, data)) = webhook_event(asset) {
                subscribers
                    .fan_out(&mut tx, event, Some(&asset.subject_id), &data, now)
                    .await?;
            }
            recorded[i] = Recorded::Yes;
        }
        tx.commit().await?;
        Ok(recorded)
    }

    pub async fn asset(&self, id: &str) -> Result<Option<AssetRow>> {
        let sql = "SELECT * FROM assets WHERE id = $1";
        on_pool!(self, p => {
            let row = sqlx::query(sql).bind(id).fetch_optional(p).await?;
            row.as_ref().map(from_row).transpose()
        })
    }

    /// Every attempt for a subject, oldest first.
    pub async fn history(&self, subject_id: &str) -> Result<Vec<AssetRow>> {
        let sql = "SELECT * FROM assets WHERE subject_id = $1 ORDER BY created_at, id";
        on_pool!(self, p => {
            let rows = sqlx::query(sql).bind(subject_id).fetch_all(p).await?;
            rows.iter().map(from_row).collect()
        })
    }

    /// The current (succeeded) asset of a subject in a style.
    pub async fn current_asset(&self, subject_id: &str, style: &str) -> Result<Option<AssetRow>> {
        let sql = "SELECT * FROM assets WHERE subject_id = $1 AND style = $2 AND current = TRUE";
        on_pool!(self, p => {
            let row = sqlx::query(sql)
                .bind(subject_id)
                .bind(style)
                .fetch_optional(p)
                .await?;
            row.as_ref().map(from_row).transpose()
        })
    }
}

/// The job's new status, if `worker` still holds it in `attempt`; false when it does not.
/// The webhook event a recorded attempt is, if it ended its job: ids and keys only, never
/// what the subject is (the receiver asks the API for that, with a token).
fn webhook_event(asset: &NewAsset) -> Option<(&'static str, serde_json::Value)> {
    let mut data = serde_json::json!({
        "job_id": asset.job_id,
        "run_id": asset.run_id,
        "subject_id": asset.subject_id,
        "style": asset.style,
        "asset_id": asset.id,
    });
    match &asset.outcome {
        Outcome::Stored(stored) => {
            data["asset_key"] = stored.storage_key.clone().into();
            Some(("job.succeeded", data))
        }
        Outcome::Failed {
            code,
            retry_at: None,
            ..
        } => {
            data["error_code"] = code.clone().into();
            Some(("job.failed", data))
        }
        Outcome::Failed { .. } => None,
    }
}

async fn move_job_on(
    tx: &mut Tx,
    worker: &str,
    attempt: i64,
    asset: &NewAsset,
    now: Stamp,
) -> Result<bool> {
    let succeeded = "UPDATE jobs SET status = 'succeeded', asset_id = $1, locked_by = NULL,
             lease_until = NULL, error_code = NULL, error_message = NULL, finished_at = $2
         WHERE id = $3 AND locked_by = $4 AND attempts = $5 AND status = 'running'";
    let failed = "UPDATE jobs SET status = $1, run_after = COALESCE($2, run_after),
             locked_by = NULL, lease_until = NULL, error_code = $3, error_message = $4,
             finished_at = $5
         WHERE id = $6 AND locked_by = $7 AND attempts = $8 AND status = 'running'";
    let changed = on_tx!(tx, c => match &asset.outcome {
        Outcome::Stored(_) => sqlx::query(succeeded)
            .bind(&asset.id)
            .bind(now)
            .bind(&asset.job_id)
            .bind(worker)
            .bind(attempt)
            .execute(&mut *c)
            .await?
            .rows_affected(),
        Outcome::Failed { code, message, retry_at } => sqlx::query(failed)
            .bind(if retry_at.is_some() { "queued" } else { "failed" })
            .bind(*retry_at)
            .bind(code)
            .bind(message)
            .bind(retry_at.is_none().then_some(now))
            .bind(&asset.job_id)
            .bind(worker)
            .bind(attempt)
            .execute(&mut *c)
            .await?
            .rows_affected(),
    });
    Ok(changed > 0)
}

async fn insert_asset(tx: &mut Tx, asset: &NewAsset, now: Stamp) -> Result<()> {
    let stored = match &asset.outcome {
        Outcome::Stored(s) => Some(s),
        Outcome::Failed { .. } => None,
    };
    let (code, message) = match &asset.outcome {
        Outcome::Failed { code, message, .. } => (Some(code.as_str()), Some(message.as_str())),
        Outcome::Stored(_) => (None, None),
    };
    let sql = "INSERT INTO assets (id, subject_id, run_id, job_id, style, style_version, provider,
             model, seed, prompt, negative_prompt, status, current, width, height, bytes,
             content_hash, storage_key, content_type, render_us, encode_us, total_ms,
             cost_usd, error_code, error_message, created_at, details)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
             $18, $19, $20, $21, $22, $23, $24, $25, $26, $27)";
    on_tx!(tx, c => {
        sqlx::query(sql)
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
            .bind(if stored.is_some() { "succeeded" } else { "failed" })
            .bind(stored.is_some())
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
            .bind(now)
            .bind(asset.details.as_ref().map(Json))
            .execute(&mut *c)
            .await?;
    });
    Ok(())
}

impl Db {
    /// Every object key the database refers to: the images of recorded attempts and the
    /// reference photos jobs were given. What the store holds beyond these (and their resized
    /// variants) is an orphan, left by a crash between writing an image and recording it.
    pub async fn referenced_keys(&self) -> Result<std::collections::HashSet<String>> {
        let images = "SELECT storage_key FROM assets WHERE storage_key IS NOT NULL";
        let options = "SELECT options FROM jobs WHERE options IS NOT NULL";
        let mut keys = std::collections::HashSet::new();
        on_pool!(self, p => {
            for row in sqlx::query(images).fetch_all(p).await? {
                keys.insert(row.text("storage_key")?);
            }
            for row in sqlx::query(options).fetch_all(p).await? {
                // Unreadable options hold no key worth keeping an object for.
                if let Ok(Some(o)) = row.opt_json::<crate::job_options::JobOptions>("options") {
                    keys.extend(o.references);
                }
            }
        });
        Ok(keys)
    }
}
