//! Erasing a subject from the database: every row that names them, in one transaction, with
//! a tombstone in `erasures` that says an erasure happened and never who was erased.
//!
//! The order (`crate::erase`): [`Db::begin_erasure`] records a pending tombstone holding the
//! id (so a run killed midway is found and finished by the next), the store's objects go, then
//! [`Db::finish_erasure`] deletes the rows and clears the id from the tombstone, and
//! [`Db::compact`] makes SQLite overwrite what was deleted on disk too.

use std::collections::BTreeSet;

use serde_json::{Value, json};
use sqlx::types::Json;

use super::value::Get;
use super::{Backend, Db, on_pool, on_tx};
use crate::error::Result;

/// What an erasure must remove outside the database, read before any row goes.
#[derive(Debug, Clone, Default)]
pub struct ErasePlan {
    /// Whether the subject is (still) in the database.
    pub exists: bool,
    /// Store keys of the subject's images (their variants are found by listing the folder).
    pub asset_keys: Vec<String>,
    /// Reference photos only this subject's jobs used (`_references/…`).
    pub reference_keys: Vec<String>,
    /// The subject's display name and slug, to scrub from run records that quote them.
    pub name: Option<String>,
    pub slug: Option<String>,
}

/// A tombstone as listed: no id of who was erased.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Tombstone {
    pub id: String,
    pub status: String,
    pub actor: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub assets_removed: i64,
    pub jobs_removed: i64,
    pub objects_removed: i64,
}

/// What an erasure removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Erased {
    pub assets: i64,
    pub jobs: i64,
}

impl Db {
    /// Every erasure, newest first, without whom it erased.
    pub async fn erasures(&self) -> Result<Vec<Tombstone>> {
        let sql = "SELECT * FROM erasures ORDER BY started_at DESC, id DESC LIMIT 1000";
        let text = |s: super::Stamp| {
            s.datetime()
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        };
        on_pool!(self, p => {
            let rows = sqlx::query(sql).fetch_all(p).await?;
            rows.iter()
                .map(|r| {
                    Ok(Tombstone {
                        id: r.text("id")?,
                        status: r.text("status")?,
                        actor: r.text("actor")?,
                        started_at: text(r.stamp("started_at")?),
                        finished_at: r.opt_stamp("finished_at")?.map(text),
                        assets_removed: r.int("assets_removed")?,
                        jobs_removed: r.int("jobs_removed")?,
                        objects_removed: r.int("objects_removed")?,
                    })
                })
                .collect()
        })
    }

    /// How many of the subject's jobs a worker holds right now.
    pub async fn running_jobs_of(&self, subject_id: &str) -> Result<i64> {
        let sql = "SELECT COUNT(*) AS n FROM jobs WHERE subject_id = $1 AND status = 'running'";
        on_pool!(self, p => sqlx::query(sql).bind(subject_id).fetch_one(p).await?.int("n"))
    }

    /// The tombstone a crashed erasure of `subject_id` left, if any.
    pub async fn pending_erasure(&self, subject_id: &str) -> Result<Option<String>> {
        let find = "SELECT id FROM erasures WHERE status = 'pending' AND subject_id = $1";
        on_pool!(self, p => {
            let row = sqlx::query(find).bind(subject_id).fetch_optional(p).await?;
            row.map(|r| r.text("id")).transpose()
        })
    }

    /// A pending tombstone for `subject_id` (the one a crashed erasure left, if any).
    pub async fn begin_erasure(&self, subject_id: &str, actor: &str) -> Result<String> {
        let find = "SELECT id FROM erasures WHERE status = 'pending' AND subject_id = $1";
        let insert = "INSERT INTO erasures (id, status, subject_id, actor, started_at,
                 assets_removed, jobs_removed, objects_removed)
             VALUES ($1, 'pending', $2, $3, $4, 0, 0, 0)";
        let id = uuid::Uuid::now_v7().to_string();
        let now = self.now();
        on_pool!(self, p => {
            if let Some(row) = sqlx::query(find).bind(subject_id).fetch_optional(p).await? {
                return row.text("id");
            }
            sqlx::query(insert).bind(&id).bind(subject_id).bind(actor).bind(now).execute(p).await?;
        });
        Ok(id)
    }

    /// What must go from the store: the subject's image keys, and the reference photos no
    /// other subject's job used.
    pub async fn erase_plan(&self, subject_id: &str) -> Result<ErasePlan> {
        let subject = self.subject(subject_id).await?;
        let assets =
            "SELECT storage_key FROM assets WHERE subject_id = $1 AND storage_key IS NOT NULL";
        let options = "SELECT options FROM jobs WHERE subject_id = $1 AND options IS NOT NULL";
        let others =
            "SELECT subject_id FROM jobs WHERE subject_id <> $1 AND options LIKE $2 LIMIT 1";
        let others = match self.backend {
            Backend::Sqlite(_) => others.to_string(),
            Backend::Postgres(_) => others.replace("options LIKE", "options::text LIKE"),
        };
        on_pool!(self, p => {
            let keys = sqlx::query(assets).bind(subject_id).fetch_all(p).await?;
            let asset_keys = keys.iter().map(|r| r.text("storage_key")).collect::<Result<Vec<_>>>()?;
            let mut references = BTreeSet::new();
            for row in sqlx::query(options).bind(subject_id).fetch_all(p).await? {
                let options: Value = row.json("options")?;
                let listed = options.get("references").and_then(Value::as_array).cloned().unwrap_or_default();
                references.extend(listed.iter().filter_map(Value::as_str).map(str::to_string));
            }
            let mut reference_keys = Vec::new();
            for key in references {
                let pattern = format!("%{key}%");
                let shared = sqlx::query(sqlx::AssertSqlSafe(others.as_str()))
                    .bind(subject_id)
                    .bind(&pattern)
                    .fetch_optional(p)
                    .await?;
                if shared.is_none() {
                    reference_keys.push(key);
                }
            }
            Ok(ErasePlan {
                exists: subject.is_some(),
                asset_keys,
                reference_keys,
                name: subject.as_ref().and_then(|s| s.name.clone()),
                slug: subject.as_ref().map(|s| s.slug()),
            })
        })
    }

    /// Deletes every row that names the subject, reports `subject.erased` to webhooks, and
    /// turns the tombstone into a record without the id, in one transaction.
    pub async fn finish_erasure(
        &self,
        erasure_id: &str,
        subject_id: &str,
        plan: &ErasePlan,
        objects_removed: i64,
    ) -> Result<Erased> {
        let mut tx = self.begin().await?;
        tx.lock(&format!("subject:{subject_id}")).await?;
        let now = self.now();
        let count = |table: &str| format!("DELETE FROM {table} WHERE subject_id = $1");
        let mut erased = Erased::default();
        on_tx!(&mut tx, c => {
            erased.assets = sqlx::query(sqlx::AssertSqlSafe(count("assets")))
                .bind(subject_id).execute(&mut *c).await?.rows_affected() as i64;
            erased.jobs = sqlx::query(sqlx::AssertSqlSafe(count("jobs")))
                .bind(subject_id).execute(&mut *c).await?.rows_affected() as i64;
            for table in ["subject_cohorts", "subject_keys", "admin_actions"] {
                sqlx::query(sqlx::AssertSqlSafe(count(table))).bind(subject_id).execute(&mut *c).await?;
            }
            sqlx::query("DELETE FROM subjects WHERE id = $1").bind(subject_id).execute(&mut *c).await?;
        });
        super::webhooks::forget_subject(&mut tx, subject_id).await?;
        scrub_runs(&mut tx, subject_id, plan).await?;
        if plan.exists {
            let data = json!({"subject_id": subject_id});
            super::webhooks::fan_out(&mut tx, "subject.erased", None, &data, now).await?;
        }
        let done = "UPDATE erasures SET status = 'done', subject_id = NULL, finished_at = $1,
                 assets_removed = $2, jobs_removed = $3, objects_removed = $4
             WHERE id = $5";
        on_tx!(&mut tx, c => {
            sqlx::query(done)
                .bind(now)
                .bind(erased.assets)
                .bind(erased.jobs)
                .bind(objects_removed)
                .bind(erasure_id)
                .execute(&mut *c)
                .await?;
        });
        tx.commit().await?;
        Ok(erased)
    }

    /// Makes deleted rows unreadable in the files: SQLite overwrites deleted content
    /// (`secure_delete`, on for every connection) and this moves the write-ahead log, which
    /// still holds the old pages, into the database and truncates it. PostgreSQL keeps dead
    /// rows until VACUUM reuses their space; this runs one on the tables an erasure touches.
    pub async fn compact(&self) -> Result<()> {
        match &self.backend {
            Backend::Sqlite(p) => {
                sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                    .execute(p)
                    .await?;
            }
            Backend::Postgres(p) => {
                let tables = "subjects, subject_cohorts, subject_keys, assets, jobs, runs, \
                              admin_actions, webhook_deliveries, webhook_attempts, erasures";
                sqlx::query(sqlx::AssertSqlSafe(format!("VACUUM {tables}")))
                    .execute(p)
                    .await?;
            }
        }
        Ok(())
    }
}

/// Runs whose key or selection quote the subject (`--subject 76003`, `--where name=…`) keep
/// their counts and costs but lose the quote.
async fn scrub_runs(tx: &mut super::Tx, subject_id: &str, plan: &ErasePlan) -> Result<()> {
    let names: Vec<String> = [plan.name.clone(), plan.slug.clone()]
        .into_iter()
        .flatten()
        .filter(|n| n.chars().count() >= 2)
        .map(|n| n.to_lowercase())
        .collect();
    // The id as a whole word (`subject=p1` names p1, not p10); names anywhere.
    let quotes = |text: &str| {
        text.split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
            .any(|word| word == subject_id)
            || names
                .iter()
                .any(|n| text.to_lowercase().contains(n.as_str()))
    };
    let read = "SELECT id, run_key, selection FROM runs";
    let update = "UPDATE runs SET run_key = $1, selection = $2 WHERE id = $3";
    on_tx!(tx, c => {
        let rows = sqlx::query(read).fetch_all(&mut *c).await?;
        for row in &rows {
            let selection: Value = row.json("selection")?;
            let text = format!("{} {}", row.text("run_key")?, selection);
            if !quotes(&text) {
                continue;
            }
            let id = row.text("id")?;
            sqlx::query(update)
                .bind(format!("erased:{id}"))
                .bind(Json(json!({"erased": true})))
                .bind(&id)
                .execute(&mut *c)
                .await?;
        }
    });
    Ok(())
}
