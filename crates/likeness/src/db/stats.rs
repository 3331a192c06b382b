//! Figures for `/metrics`, read from the database at scrape time so every process (however many
//! servers and workers) reports the same numbers.

use std::collections::BTreeMap;

use super::value::Get;
use super::{Db, on_pool};
use crate::error::Result;

/// Generation attempts of one provider with one outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct Generations {
    pub provider: String,
    pub status: String,
    pub count: i64,
    pub cost_usd: f64,
}

impl Db {
    /// Jobs by status, across all runs; every status present, zero when none.
    pub async fn jobs_by_status(&self) -> Result<BTreeMap<String, i64>> {
        let mut out: BTreeMap<String, i64> =
            ["queued", "running", "succeeded", "failed", "skipped"]
                .iter()
                .map(|s| (s.to_string(), 0))
                .collect();
        let sql = "SELECT status, COUNT(*) AS n FROM jobs GROUP BY status";
        on_pool!(self, p => {
            for row in sqlx::query(sql).fetch_all(p).await? {
                out.insert(row.text("status")?, row.int("n")?);
            }
        });
        Ok(out)
    }

    /// Attempts and money by provider and outcome.
    pub async fn generations(&self) -> Result<Vec<Generations>> {
        let sql = "SELECT provider, status, COUNT(*) AS n,
                 CAST(COALESCE(SUM(cost_usd), 0) AS DOUBLE PRECISION) AS cost
             FROM assets GROUP BY provider, status ORDER BY provider, status";
        on_pool!(self, p => {
            let rows = sqlx::query(sql).fetch_all(p).await?;
            rows.iter()
                .map(|r| {
                    Ok(Generations {
                        provider: r.text("provider")?,
                        status: r.text("status")?,
                        count: r.int("n")?,
                        cost_usd: r.float("cost")?,
                    })
                })
                .collect()
        })
    }
}

/// What must hold after any crash, read in one pass: the crash tests check it after killing
/// workers, and `migrate db` compares it between source and destination.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Integrity {
    pub runs: i64,
    pub jobs_by_status: BTreeMap<String, i64>,
    /// Every current asset: (subject, style, storage key, width, height).
    pub current: Vec<CurrentAsset>,
    /// (subject, style) pairs with more than one current asset: must be empty.
    pub doubled_currents: Vec<(String, String)>,
    /// Jobs recorded as succeeded more than once: must be empty.
    pub jobs_succeeded_twice: Vec<String>,
    /// Succeeded jobs whose asset row is missing or not a success: must be empty.
    pub succeeded_without_asset: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CurrentAsset {
    pub subject_id: String,
    pub style: String,
    pub storage_key: String,
    pub width: i64,
    pub height: i64,
}

impl Db {
    pub async fn integrity(&self) -> Result<Integrity> {
        let runs = "SELECT COUNT(*) AS n FROM runs";
        let current = "SELECT subject_id, style, storage_key, width, height FROM assets
             WHERE current = TRUE ORDER BY subject_id, style";
        let doubled = "SELECT subject_id, style FROM assets WHERE current = TRUE
             GROUP BY subject_id, style HAVING COUNT(*) > 1";
        let twice = "SELECT job_id FROM assets WHERE status = 'succeeded'
             GROUP BY job_id HAVING COUNT(*) > 1";
        let orphaned = "SELECT j.id FROM jobs j LEFT JOIN assets a ON a.id = j.asset_id
             WHERE j.status = 'succeeded' AND (a.id IS NULL OR a.status <> 'succeeded')";
        let mut out = Integrity {
            jobs_by_status: self.jobs_by_status().await?,
            ..Integrity::default()
        };
        on_pool!(self, p => {
            out.runs = sqlx::query(runs).fetch_one(p).await?.int("n")?;
            for r in sqlx::query(current).fetch_all(p).await? {
                out.current.push(CurrentAsset {
                    subject_id: r.text("subject_id")?,
                    style: r.text("style")?,
                    storage_key: r.opt_text("storage_key")?.unwrap_or_default(),
                    width: r.opt_int("width")?.unwrap_or_default(),
                    height: r.opt_int("height")?.unwrap_or_default(),
                });
            }
            for r in sqlx::query(doubled).fetch_all(p).await? {
                out.doubled_currents.push((r.text("subject_id")?, r.text("style")?));
            }
            for r in sqlx::query(twice).fetch_all(p).await? {
                out.jobs_succeeded_twice.push(r.text("job_id")?);
            }
            for r in sqlx::query(orphaned).fetch_all(p).await? {
                out.succeeded_without_asset.push(r.text("id")?);
            }
        });
        Ok(out)
    }
}
