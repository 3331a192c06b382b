//! What the admin UI changes besides queueing work, each in one statement or transaction, and
//! the record of who did it: set an older version current, retry a run's failures, cancel its
//! queued jobs, and the `admin_actions` trail those (and regenerate and uploads) leave.

use super::value::Get;
use super::{Db, Stamp, on_pool, on_tx};
use crate::error::Result;

/// One admin action about to be recorded.
#[derive(Debug, Clone)]
pub struct NewAction<'a> {
    /// The token's name (`token-N` unless named), never the token.
    pub actor: &'a str,
    /// `regenerate`, `set_current`, `upload_reference`, `retry_failed`, `cancel_queued`.
    pub action: &'a str,
    pub subject_id: Option<&'a str>,
    pub run_id: Option<&'a str>,
    /// What was done, in words a person reads on the subject or run page.
    pub detail: &'a str,
}

/// A recorded admin action.
#[derive(Debug, Clone)]
pub struct Action {
    pub at: Stamp,
    pub actor: String,
    pub action: String,
    pub subject_id: Option<String>,
    pub run_id: Option<String>,
    pub detail: String,
}

fn action_from(row: &impl Get) -> Result<Action> {
    Ok(Action {
        at: row.stamp("at")?,
        actor: row.text("actor")?,
        action: row.text("action")?,
        subject_id: row.opt_text("subject_id")?,
        run_id: row.opt_text("run_id")?,
        detail: row.text("detail")?,
    })
}

/// What set_current found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetCurrent {
    Done,
    /// No succeeded version with that id belongs to the subject.
    NoSuchVersion,
}

impl Db {
    pub async fn record_action(&self, action: &NewAction<'_>) -> Result<()> {
        let sql = "INSERT INTO admin_actions (id, at, actor, action, subject_id, run_id, detail)
             VALUES ($1, $2, $3, $4, $5, $6, $7)";
        let id = uuid::Uuid::now_v7().to_string();
        let now = self.now();
        on_pool!(self, p => {
            sqlx::query(sql)
                .bind(&id)
                .bind(now)
                .bind(action.actor)
                .bind(action.action)
                .bind(action.subject_id)
                .bind(action.run_id)
                .bind(action.detail)
                .execute(p)
                .await?;
        });
        Ok(())
    }

    /// The newest `limit` actions on a subject, newest first.
    pub async fn subject_actions(&self, subject_id: &str, limit: i64) -> Result<Vec<Action>> {
        let sql =
            "SELECT * FROM admin_actions WHERE subject_id = $1 ORDER BY at DESC, id DESC LIMIT $2";
        on_pool!(self, p => {
            let rows = sqlx::query(sql).bind(subject_id).bind(limit).fetch_all(p).await?;
            rows.iter().map(action_from).collect()
        })
    }

    /// The newest `limit` actions on a run, newest first.
    pub async fn run_actions(&self, run_id: &str, limit: i64) -> Result<Vec<Action>> {
        let sql =
            "SELECT * FROM admin_actions WHERE run_id = $1 ORDER BY at DESC, id DESC LIMIT $2";
        on_pool!(self, p => {
            let rows = sqlx::query(sql).bind(run_id).bind(limit).fetch_all(p).await?;
            rows.iter().map(action_from).collect()
        })
    }

    /// Makes an older succeeded version of a subject current in its style, under the same lock
    /// as a worker's flip, so the one-current rule holds against a job finishing meanwhile.
    pub async fn set_current(&self, subject_id: &str, asset_id: &str) -> Result<SetCurrent> {
        let mut tx = self.begin().await?;
        let find = "SELECT style FROM assets
             WHERE id = $1 AND subject_id = $2 AND status = 'succeeded' AND storage_key IS NOT NULL";
        let style = on_tx!(&mut tx, c => {
            let row = sqlx::query(find).bind(asset_id).bind(subject_id).fetch_optional(&mut *c).await?;
            row.map(|r| r.text("style")).transpose()?
        });
        let Some(style) = style else {
            tx.rollback().await?;
            return Ok(SetCurrent::NoSuchVersion);
        };
        tx.lock(&format!("current:{subject_id}:{style}")).await?;
        let clear = "UPDATE assets SET current = FALSE
             WHERE subject_id = $1 AND style = $2 AND current = TRUE";
        let set = "UPDATE assets SET current = TRUE WHERE id = $1";
        on_tx!(&mut tx, c => {
            sqlx::query(clear).bind(subject_id).bind(&style).execute(&mut *c).await?;
            sqlx::query(set).bind(asset_id).execute(&mut *c).await?;
        });
        tx.commit().await?;
        Ok(SetCurrent::Done)
    }

    /// Queues a run's failed jobs again, each with as many attempts as it had at first, and
    /// reopens the run. One statement: only the failures present when it starts are retried,
    /// so jobs failing again meanwhile are not taken round again (Sidekiq's retry-all loop).
    pub async fn retry_failed(&self, run_id: &str) -> Result<u64> {
        let now = self.now_ms();
        let mut tx = self.begin().await?;
        let retry = "UPDATE jobs SET status = 'queued', run_after = $1, max_attempts = attempts + max_attempts,
                 error_code = NULL, error_message = NULL, finished_at = NULL
             WHERE run_id = $2 AND status = 'failed'";
        let reopen = "UPDATE runs SET status = 'running', finished_at = NULL, duration_ms = NULL
             WHERE id = $1 AND status <> 'running'";
        let n = on_tx!(&mut tx, c => {
            let n = sqlx::query(retry).bind(now).bind(run_id).execute(&mut *c).await?.rows_affected();
            if n > 0 {
                sqlx::query(reopen).bind(run_id).execute(&mut *c).await?;
            }
            n
        });
        tx.commit().await?;
        Ok(n)
    }

    /// Skips a run's queued jobs (reason `cancelled by NAME`); jobs already running finish. A
    /// run left with nothing running is marked stopped.
    pub async fn cancel_queued(&self, run_id: &str, actor: &str) -> Result<u64> {
        let now = self.now();
        let mut tx = self.begin().await?;
        let cancel = "UPDATE jobs SET status = 'skipped', skip_reason = $1, finished_at = $2
             WHERE run_id = $3 AND status = 'queued'";
        let stop = "UPDATE runs SET status = 'stopped', finished_at = $1
             WHERE id = $2 AND status = 'running'
               AND NOT EXISTS (SELECT 1 FROM jobs WHERE run_id = $2 AND status = 'running')";
        let reason = format!("cancelled by {actor}");
        let n = on_tx!(&mut tx, c => {
            let n = sqlx::query(cancel)
                .bind(&reason)
                .bind(now)
                .bind(run_id)
                .execute(&mut *c)
                .await?
                .rows_affected();
            sqlx::query(stop).bind(now).bind(run_id).execute(&mut *c).await?;
            n
        });
        tx.commit().await?;
        Ok(n)
    }
}
