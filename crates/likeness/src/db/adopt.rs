//! `likeness adopt`: images from outside recorded as assets like generated ones.
//!
//! An adoption is written as a run (`run_key` `adopt:{styles}`) with one succeeded job and one
//! asset (provider `adopted`) per adopted file, so history, `/assets`, stable names and the
//! admin UI show it like any other version. [`Db::record_adoption`] writes a chunk of files in
//! one transaction: the run is created by the first chunk that adopts something, already
//! `completed`, and each later chunk adds its jobs and moves `planned` and `finished_at` on,
//! so whenever the process stops the run holds exactly the files recorded so far (a crash loses
//! at most the chunk in flight, whose stored images `likeness sweep` removes). Chunks keep a
//! transaction's advisory locks (one per subject and style on PostgreSQL) bounded.
//!
//! The current flip is decided inside the transaction, under the same `current:{subject}:
//! {style}` lock a worker's [`Db::record_attempt`] takes, so the one-current rule holds against
//! a generation finishing meanwhile: an adopted image becomes current when its subject has no
//! current image in that style, or when `force` is set.

use std::collections::HashMap;

use sqlx::types::Json;

use super::assets::Stored;
use super::runs::RunStyle;
use super::value::Get;
use super::{Db, Stamp, Tx, on_pool, on_tx};
use crate::error::Result;

/// The provider name of adopted assets.
pub const PROVIDER: &str = "adopted";
/// The model name of adopted assets.
pub const MODEL: &str = "file";
/// The key in an adopted asset's `details` holding the SHA-256 of the file as it was found.
pub const ORIGINAL_SHA256: &str = "original_sha256";

/// IN lists are bound in pages of this many values.
const PAGE: usize = 500;

/// A succeeded asset of a subject, as adoption needs to know it.
#[derive(Debug, Clone)]
pub struct Existing {
    pub asset_id: String,
    pub subject_id: String,
    pub style: String,
    pub content_hash: Option<String>,
    pub storage_key: Option<String>,
    /// For adopted assets: the SHA-256 of the original file.
    pub original_sha256: Option<String>,
    pub current: bool,
}

/// The run an adoption is recorded under.
#[derive(Debug, Clone)]
pub struct AdoptionRun {
    pub id: String,
    pub run_key: String,
    pub styles: Vec<RunStyle>,
    pub selection: serde_json::Value,
    pub notes: Option<String>,
    /// When the adoption began (the run's duration runs from here).
    pub started_at: Stamp,
}

/// One adopted file, its image already in the store.
#[derive(Debug, Clone)]
pub struct NewAdopted {
    pub asset_id: String,
    pub job_id: String,
    /// The file's position in the folder's listing (the job's plan order).
    pub seq: i64,
    pub subject_id: String,
    pub style: String,
    pub style_version: u32,
    pub stored: Stored,
    pub total_ms: i64,
    /// The original file's name and hash ([`ORIGINAL_SHA256`]), how it was matched.
    pub details: serde_json::Value,
}

#[derive(Debug, Clone)]
pub enum AdoptionItem {
    New(Box<NewAdopted>),
    /// `--force` on a file adopted before: make that asset current.
    MakeCurrent {
        subject_id: String,
        style: String,
        asset_id: String,
    },
}

/// What recording did with an item, in the order given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdoptionOutcome {
    /// Recorded; current, or kept out of the way of `kept` (the current asset left in place).
    Adopted { current: bool, kept: Option<String> },
    /// An asset with the same image was recorded meanwhile (another adopt of the same file).
    AlreadyThere { asset_id: String, current: bool },
    /// The earlier adoption is current now (`MakeCurrent`), or no longer exists (`false`).
    MadeCurrent(bool),
}

impl Db {
    /// The stored slug of each of `ids` that names a subject.
    pub async fn subject_slugs(&self, ids: &[&str]) -> Result<HashMap<String, String>> {
        let mut out = HashMap::new();
        for page in ids.chunks(PAGE) {
            let sql = format!(
                "SELECT id, slug FROM subjects WHERE id IN ({})",
                marks(page.len())
            );
            on_pool!(self, p => {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
                for id in page {
                    q = q.bind(*id);
                }
                for row in q.fetch_all(p).await? {
                    out.insert(row.text("id")?, row.text("slug")?);
                }
            });
        }
        Ok(out)
    }

    /// Every subject id under each of `slugs` (several subjects may share one), ids sorted.
    pub async fn subjects_by_slug(&self, slugs: &[&str]) -> Result<HashMap<String, Vec<String>>> {
        let mut out: HashMap<String, Vec<String>> = HashMap::new();
        for page in slugs.chunks(PAGE) {
            let sql = format!(
                "SELECT slug, id FROM subjects WHERE slug IN ({}) ORDER BY slug, id",
                marks(page.len())
            );
            on_pool!(self, p => {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
                for slug in page {
                    q = q.bind(*slug);
                }
                for row in q.fetch_all(p).await? {
                    out.entry(row.text("slug")?).or_default().push(row.text("id")?);
                }
            });
        }
        Ok(out)
    }

    /// The succeeded assets of `subject_ids`, oldest first: what an adoption compares files
    /// with (same original, same image) and whether a subject has a current image.
    pub async fn succeeded_assets(&self, subject_ids: &[&str]) -> Result<Vec<Existing>> {
        let mut out = Vec::new();
        for page in subject_ids.chunks(PAGE) {
            // Only adopted assets' details are read: others may carry large provider facts.
            let sql = format!(
                "SELECT id, subject_id, style, content_hash, storage_key, current,
                     CASE WHEN provider = '{PROVIDER}' THEN details END AS details
                 FROM assets WHERE status = 'succeeded' AND subject_id IN ({})
                 ORDER BY created_at, id",
                marks(page.len())
            );
            on_pool!(self, p => {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
                for id in page {
                    q = q.bind(*id);
                }
                for row in q.fetch_all(p).await? {
                    out.push(existing_from(&row)?);
                }
            });
        }
        Ok(out)
    }

    /// Records a chunk of an adoption in one transaction (see the module documentation): the
    /// run on the first chunk that adopts a file, a succeeded job and an asset per new file,
    /// the current flips. Returns what happened to each item.
    pub async fn record_adoption(
        &self,
        run: &AdoptionRun,
        force: bool,
        items: &[AdoptionItem],
    ) -> Result<Vec<AdoptionOutcome>> {
        let mut tx = self.begin().await?;
        let mut keys: Vec<String> = items.iter().map(current_lock).collect();
        keys.sort();
        keys.dedup();
        for key in &keys {
            tx.lock(key).await?;
        }
        let now = self.now();
        let mut outcomes = Vec::with_capacity(items.len());
        let mut run_ready = false;
        let mut added = 0i64;
        for item in items {
            let outcome = match item {
                AdoptionItem::New(new) => {
                    if let Some((asset_id, current)) = same_image(&mut tx, new).await? {
                        AdoptionOutcome::AlreadyThere { asset_id, current }
                    } else {
                        if !run_ready {
                            ensure_run(&mut tx, run).await?;
                            run_ready = true;
                        }
                        added += 1;
                        insert_adopted(&mut tx, &run.id, new, force, now).await?
                    }
                }
                AdoptionItem::MakeCurrent {
                    subject_id,
                    style,
                    asset_id,
                } => AdoptionOutcome::MadeCurrent(
                    make_current(&mut tx, subject_id, style, asset_id).await?,
                ),
            };
            outcomes.push(outcome);
        }
        if added > 0 {
            let sql = "UPDATE runs SET planned = planned + $1, finished_at = $2, duration_ms = $3
                 WHERE id = $4";
            let duration = now.millis() - run.started_at.millis();
            on_tx!(&mut tx, c => {
                sqlx::query(sql)
                    .bind(added)
                    .bind(now)
                    .bind(duration.max(0))
                    .bind(&run.id)
                    .execute(&mut *c)
                    .await?;
            });
        }
        tx.commit().await?;
        Ok(outcomes)
    }
}

fn marks(n: usize) -> String {
    (1..=n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn current_lock(item: &AdoptionItem) -> String {
    let (subject, style) = match item {
        AdoptionItem::New(n) => (&n.subject_id, &n.style),
        AdoptionItem::MakeCurrent {
            subject_id, style, ..
        } => (subject_id, style),
    };
    format!("current:{subject}:{style}")
}

fn existing_from(row: &impl Get) -> Result<Existing> {
    // An unreadable details value (edited by hand) only hides the original's hash.
    let details: Option<serde_json::Value> = row.opt_json("details").ok().flatten();
    Ok(Existing {
        asset_id: row.text("id")?,
        subject_id: row.text("subject_id")?,
        style: row.text("style")?,
        content_hash: row.opt_text("content_hash")?,
        storage_key: row.opt_text("storage_key")?,
        original_sha256: details
            .as_ref()
            .and_then(|d| d.get(ORIGINAL_SHA256))
            .and_then(|v| v.as_str())
            .map(str::to_string),
        current: row.flag("current")?,
    })
}

/// An asset of the subject and style with the same image, recorded since the files were
/// compared (another adopt of the same folder running alongside).
async fn same_image(tx: &mut Tx, new: &NewAdopted) -> Result<Option<(String, bool)>> {
    let sql = "SELECT id, current FROM assets WHERE subject_id = $1 AND style = $2
             AND status = 'succeeded' AND content_hash = $3
         ORDER BY created_at, id LIMIT 1";
    on_tx!(tx, c => {
        let row = sqlx::query(sql)
            .bind(&new.subject_id)
            .bind(&new.style)
            .bind(&new.stored.content_hash)
            .fetch_optional(&mut *c)
            .await?;
        row.map(|r| Ok((r.text("id")?, r.flag("current")?))).transpose()
    })
}

/// Creates the run unless an earlier chunk did: the key's next version, already completed.
async fn ensure_run(tx: &mut Tx, run: &AdoptionRun) -> Result<()> {
    let exists = "SELECT 1 AS one FROM runs WHERE id = $1";
    let found = on_tx!(tx, c => {
        sqlx::query(exists).bind(&run.id).fetch_optional(&mut *c).await?.is_some()
    });
    if found {
        return Ok(());
    }
    tx.lock(&format!("run:{}", run.run_key)).await?;
    let latest = "SELECT COALESCE(MAX(version), 0) AS v FROM runs WHERE run_key = $1";
    let insert = "INSERT INTO runs (id, run_key, version, status, styles, provider, size,
             selection, notes, planned, skipped, estimated_cost_usd, app_version, started_at,
             finished_at, duration_ms)
         VALUES ($1, $2, $3, 'completed', $4, $5, NULL, $6, $7, 0, 0, 0, $8, $9, $9, 0)";
    on_tx!(tx, c => {
        let version = sqlx::query(latest).bind(&run.run_key).fetch_one(&mut *c).await?.int("v")?;
        sqlx::query(insert)
            .bind(&run.id)
            .bind(&run.run_key)
            .bind(version + 1)
            .bind(Json(&run.styles))
            .bind(PROVIDER)
            .bind(Json(&run.selection))
            .bind(&run.notes)
            .bind(env!("CARGO_PKG_VERSION"))
            .bind(run.started_at)
            .execute(&mut *c)
            .await?;
    });
    Ok(())
}

/// The job and the asset of one adopted file, current unless the subject has a current image
/// in the style and `force` is off.
async fn insert_adopted(
    tx: &mut Tx,
    run_id: &str,
    new: &NewAdopted,
    force: bool,
    now: Stamp,
) -> Result<AdoptionOutcome> {
    let find = "SELECT id FROM assets WHERE subject_id = $1 AND style = $2 AND current = TRUE";
    let clear = "UPDATE assets SET current = FALSE
         WHERE subject_id = $1 AND style = $2 AND current = TRUE";
    let job = "INSERT INTO jobs (id, run_id, seq, subject_id, style, status, attempts,
             max_attempts, run_after, asset_id, created_at, finished_at)
         VALUES ($1, $2, $3, $4, $5, 'succeeded', 1, 1, 0, $6, $7, $7)";
    let existing = on_tx!(tx, c => {
        let row = sqlx::query(find)
            .bind(&new.subject_id)
            .bind(&new.style)
            .fetch_optional(&mut *c)
            .await?;
        row.map(|r| r.text("id")).transpose()?
    });
    let current = existing.is_none() || force;
    on_tx!(tx, c => {
        if current && existing.is_some() {
            sqlx::query(clear).bind(&new.subject_id).bind(&new.style).execute(&mut *c).await?;
        }
        sqlx::query(job)
            .bind(&new.job_id)
            .bind(run_id)
            .bind(new.seq)
            .bind(&new.subject_id)
            .bind(&new.style)
            .bind(&new.asset_id)
            .bind(now)
            .execute(&mut *c)
            .await?;
    });
    insert_asset(tx, run_id, new, current, now).await?;
    Ok(AdoptionOutcome::Adopted {
        current,
        kept: existing.filter(|_| !current),
    })
}

async fn insert_asset(
    tx: &mut Tx,
    run_id: &str,
    new: &NewAdopted,
    current: bool,
    now: Stamp,
) -> Result<()> {
    let sql = "INSERT INTO assets (id, subject_id, run_id, job_id, style, style_version, provider,
             model, seed, prompt, status, current, width, height, bytes, content_hash,
             storage_key, content_type, render_us, encode_us, total_ms, cost_usd, created_at,
             details)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, '', '', 'succeeded', $9, $10, $11, $12, $13,
             $14, $15, $16, $17, $18, 0, $19, $20)";
    let s = &new.stored;
    on_tx!(tx, c => {
        sqlx::query(sql)
            .bind(&new.asset_id)
            .bind(&new.subject_id)
            .bind(run_id)
            .bind(&new.job_id)
            .bind(&new.style)
            .bind(i64::from(new.style_version))
            .bind(PROVIDER)
            .bind(MODEL)
            .bind(current)
            .bind(i64::from(s.width))
            .bind(i64::from(s.height))
            .bind(s.bytes as i64)
            .bind(&s.content_hash)
            .bind(&s.storage_key)
            .bind(&s.content_type)
            .bind(s.render_us)
            .bind(s.encode_us)
            .bind(new.total_ms)
            .bind(now)
            .bind(Json(&new.details))
            .execute(&mut *c)
            .await?;
    });
    Ok(())
}

/// Makes an earlier succeeded asset current in its style; false when it no longer exists.
async fn make_current(tx: &mut Tx, subject_id: &str, style: &str, asset_id: &str) -> Result<bool> {
    let find = "SELECT 1 AS one FROM assets WHERE id = $1 AND subject_id = $2 AND style = $3
             AND status = 'succeeded' AND storage_key IS NOT NULL";
    let clear = "UPDATE assets SET current = FALSE
         WHERE subject_id = $1 AND style = $2 AND current = TRUE";
    let set = "UPDATE assets SET current = TRUE WHERE id = $1";
    on_tx!(tx, c => {
        let found = sqlx::query(find)
            .bind(asset_id)
            .bind(subject_id)
            .bind(style)
            .fetch_optional(&mut *c)
            .await?
            .is_some();
        if found {
            sqlx::query(clear).bind(subject_id).bind(style).execute(&mut *c).await?;
            sqlx::query(set).bind(asset_id).execute(&mut *c).await?;
        }
        Ok(found)
    })
}
