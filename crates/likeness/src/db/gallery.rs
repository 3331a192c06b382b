//! The admin UI's reads that no CLI command needs: a filtered, keyset-paged gallery of
//! subjects (no count over everything: a page reads at most `limit + 1` subjects past the
//! cursor, so it costs the same at 100 or 100,000 subjects), what the page's tiles show, a
//! run's jobs, a job's attempts and spending per day.

use std::collections::HashMap;

use likeness_subjects::Subject;

use super::assets::AssetRow;
use super::queue::JobRow;
use super::value::Get;
use super::{Backend, Db, Stamp, on_pool};
use crate::error::Result;

/// What the gallery shows; every field narrows it.
#[derive(Debug, Clone, Default)]
pub struct GalleryFilter {
    /// Case-insensitive text in the id or the display name.
    pub text: Option<String>,
    pub cohort: Option<String>,
    pub source: Option<String>,
    /// Narrows `status` to this style.
    pub style: Option<String>,
    pub status: Option<TileStatus>,
}

/// A subject's state in the gallery (in one style, or across its styles).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TileStatus {
    /// A job is queued or running.
    Running,
    /// The newest job failed.
    Failed,
    /// Has a current portrait.
    Done,
    /// No current portrait.
    None,
}

impl TileStatus {
    pub fn parse(s: &str) -> Option<TileStatus> {
        match s {
            "running" => Some(TileStatus::Running),
            "failed" => Some(TileStatus::Failed),
            "done" => Some(TileStatus::Done),
            "none" => Some(TileStatus::None),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TileStatus::Running => "running",
            TileStatus::Failed => "failed",
            TileStatus::Done => "done",
            TileStatus::None => "none",
        }
    }
}

/// One page of the gallery, and the cursor of the next when there is one.
#[derive(Debug, Clone)]
pub struct GalleryPage {
    pub subjects: Vec<Subject>,
    pub next_after: Option<String>,
}

/// A (subject, style)'s newest job status, for the tiles' badges.
#[derive(Debug, Clone)]
pub struct LatestJob {
    pub subject_id: String,
    pub style: String,
    pub status: String,
}

/// Spending of one UTC day.
#[derive(Debug, Clone, PartialEq)]
pub struct DaySpend {
    /// `YYYY-MM-DD`.
    pub day: String,
    pub images: i64,
    pub cost_usd: f64,
}

/// Bind values of the gallery query, in placeholder order.
enum Bound {
    Text(String),
    Int(i64),
}

impl Db {
    /// Subjects ordered by id after `after`, narrowed by `filter`, at most `limit`.
    pub async fn gallery_page(
        &self,
        filter: &GalleryFilter,
        after: Option<&str>,
        limit: i64,
    ) -> Result<GalleryPage> {
        let mut binds = vec![Bound::Text(after.unwrap_or("").to_string())];
        let mut clauses = vec!["s.id > $1".to_string()];
        if let Some(text) = filter.text.as_deref().filter(|t| !t.is_empty()) {
            binds.push(Bound::Text(like_pattern(text)));
            let n = binds.len();
            clauses.push(format!(
                "(LOWER(s.id) LIKE ${n} ESCAPE '\\' OR LOWER(COALESCE(s.name, '')) LIKE ${n} ESCAPE '\\')"
            ));
        }
        if let Some(cohort) = &filter.cohort {
            binds.push(Bound::Text(cohort.clone()));
            let n = binds.len();
            clauses.push(format!(
                "EXISTS (SELECT 1 FROM subject_cohorts c WHERE c.subject_id = s.id AND c.cohort = ${n})"
            ));
        }
        if let Some(source) = &filter.source {
            binds.push(Bound::Text(source.clone()));
            let n = binds.len();
            clauses.push(format!("s.source = ${n}"));
        }
        let style_clause = match &filter.style {
            Some(style) => {
                binds.push(Bound::Text(style.clone()));
                let n = binds.len();
                format!("AND {{t}}.style = ${n}")
            }
            None => String::new(),
        };
        let on = |t: &str| style_clause.replace("{t}", t);
        if let Some(status) = filter.status {
            clauses.push(match status {
                TileStatus::Running => format!(
                    "EXISTS (SELECT 1 FROM jobs j WHERE j.subject_id = s.id AND j.status IN ('queued', 'running') {})",
                    on("j")
                ),
                TileStatus::Failed => format!(
                    "EXISTS (SELECT 1 FROM jobs j WHERE j.subject_id = s.id AND j.status = 'failed' {}
                        AND NOT EXISTS (SELECT 1 FROM jobs k WHERE k.subject_id = j.subject_id
                            AND k.style = j.style AND k.status <> 'skipped' AND k.created_at > j.created_at))",
                    on("j")
                ),
                TileStatus::Done => format!(
                    "EXISTS (SELECT 1 FROM assets a WHERE a.subject_id = s.id AND a.current = TRUE {})",
                    on("a")
                ),
                TileStatus::None => format!(
                    "NOT EXISTS (SELECT 1 FROM assets a WHERE a.subject_id = s.id AND a.current = TRUE {})",
                    on("a")
                ),
            });
        }
        binds.push(Bound::Int(limit + 1));
        let n = binds.len();
        let sql = format!(
            "SELECT s.record FROM subjects s WHERE {} ORDER BY s.id LIMIT ${n}",
            clauses.join(" AND ")
        );
        let mut subjects: Vec<Subject> = on_pool!(self, p => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
            for b in &binds {
                q = match b {
                    Bound::Text(t) => q.bind(t.as_str()),
                    Bound::Int(i) => q.bind(*i),
                };
            }
            let rows = q.fetch_all(p).await?;
            rows.iter().map(super::subjects::decode).collect::<Result<_>>()?
        });
        let next_after = if subjects.len() as i64 > limit {
            subjects.truncate(limit as usize);
            subjects.last().map(|s| s.id.to_string())
        } else {
            None
        };
        Ok(GalleryPage {
            subjects,
            next_after,
        })
    }

    /// The cohorts subjects were imported under (the first 500, by name).
    pub async fn cohorts(&self) -> Result<Vec<String>> {
        let sql = "SELECT DISTINCT cohort FROM subject_cohorts ORDER BY cohort LIMIT 500";
        on_pool!(self, p => {
            let rows = sqlx::query(sql).fetch_all(p).await?;
            rows.iter().map(|r| r.text("cohort")).collect()
        })
    }

    /// The current assets of the given subjects, in every style.
    pub async fn current_assets(&self, subject_ids: &[&str]) -> Result<Vec<AssetRow>> {
        let mut out = Vec::new();
        for chunk in subject_ids.chunks(500) {
            let sql = format!(
                "SELECT * FROM assets WHERE current = TRUE AND subject_id IN ({})",
                marks(chunk.len())
            );
            on_pool!(self, p => {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
                for id in chunk {
                    q = q.bind(*id);
                }
                for row in q.fetch_all(p).await? {
                    out.push(super::assets::from_row(&row)?);
                }
            });
        }
        Ok(out)
    }

    /// The newest job of each (subject, style) of the given subjects, skipped jobs aside.
    pub async fn latest_jobs(&self, subject_ids: &[&str]) -> Result<Vec<LatestJob>> {
        let mut newest: HashMap<(String, String), (Stamp, String)> = HashMap::new();
        for chunk in subject_ids.chunks(500) {
            let sql = format!(
                "SELECT subject_id, style, status, created_at FROM jobs
                 WHERE status <> 'skipped' AND subject_id IN ({})",
                marks(chunk.len())
            );
            on_pool!(self, p => {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
                for id in chunk {
                    q = q.bind(*id);
                }
                for row in q.fetch_all(p).await? {
                    let key = (row.text("subject_id")?, row.text("style")?);
                    let at = row.stamp("created_at")?;
                    let status = row.text("status")?;
                    match newest.get(&key) {
                        Some((seen, _)) if seen.millis() >= at.millis() => {}
                        _ => {
                            newest.insert(key, (at, status));
                        }
                    }
                }
            });
        }
        let mut out: Vec<LatestJob> = newest
            .into_iter()
            .map(|((subject_id, style), (_, status))| LatestJob {
                subject_id,
                style,
                status,
            })
            .collect();
        out.sort_by(|a, b| (&a.subject_id, &a.style).cmp(&(&b.subject_id, &b.style)));
        Ok(out)
    }

    /// A run's jobs in plan order after sequence number `after_seq`, at most `limit`.
    pub async fn run_jobs(&self, run_id: &str, after_seq: i64, limit: i64) -> Result<Vec<JobRow>> {
        let sql = "SELECT * FROM jobs WHERE run_id = $1 AND seq > $2 ORDER BY seq LIMIT $3";
        on_pool!(self, p => {
            let rows = sqlx::query(sql).bind(run_id).bind(after_seq).bind(limit).fetch_all(p).await?;
            rows.iter().map(super::queue::job_from).collect()
        })
    }

    /// A job's recorded attempts (one asset row each), oldest first.
    pub async fn job_attempts(&self, job_id: &str) -> Result<Vec<AssetRow>> {
        let sql = "SELECT * FROM assets WHERE job_id = $1 ORDER BY created_at, id";
        on_pool!(self, p => {
            let rows = sqlx::query(sql).bind(job_id).fetch_all(p).await?;
            rows.iter().map(super::assets::from_row).collect()
        })
    }

    /// Succeeded images and their cost per UTC day over the last `days` days, oldest first;
    /// days without images are left out.
    pub async fn spending_by_day(
        &self,
        days: u32,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<DaySpend>> {
        let since =
            Stamp::from_millis((now - chrono::Duration::days(days as i64)).timestamp_millis());
        let day = match self.backend {
            Backend::Sqlite(_) => "substr(created_at, 1, 10)",
            Backend::Postgres(_) => "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
        };
        let sql = format!(
            "SELECT {day} AS d, COUNT(*) AS n, CAST(COALESCE(SUM(cost_usd), 0) AS DOUBLE PRECISION) AS c
             FROM assets WHERE status = 'succeeded' AND created_at >= $1
             GROUP BY {day} ORDER BY d"
        );
        on_pool!(self, p => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(since).fetch_all(p).await?;
            rows.iter()
                .map(|r| {
                    Ok(DaySpend { day: r.text("d")?, images: r.int("n")?, cost_usd: r.float("c")? })
                })
                .collect()
        })
    }
}

/// `$1, $2, …, $n`.
fn marks(n: usize) -> String {
    (1..=n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A LIKE pattern matching `text` anywhere, lower-cased, its wildcards taken literally.
fn like_pattern(text: &str) -> String {
    let mut p = String::from("%");
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_take_wildcards_literally() {
        assert_eq!(like_pattern("Ada"), "%ada%");
        assert_eq!(like_pattern("50%_a\\b"), "%50\\%\\_a\\\\b%");
    }
}
