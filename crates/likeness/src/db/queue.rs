//! The durable job queue. A job is claimed with a lease that the claiming process keeps alive
//! with heartbeats; a job whose lease ran out (its worker died or stalled) goes back to the
//! queue. Retries wait out an exponential backoff in `run_after`.
//!
//! Invariants:
//! - Only the claim that holds a running job may move it on: completion checks the worker
//!   *and the attempt number* (the fencing token) in the transaction that records the asset
//!   (`assets::record_attempt`), so a worker paused past its lease cannot record over the
//!   job's new owner, not even when its own process has claimed the job again.
//! - On PostgreSQL a claim skips rows other claims hold (`FOR UPDATE SKIP LOCKED`), so any
//!   number of workers on any number of machines claim without waiting on one another; on
//!   SQLite writers take turns.

use sqlx::types::Json;

use super::value::Get;
use super::{Backend, Db, Stamp, Tx, on_pool, on_tx};
use crate::error::Result;
pub use crate::job_options::JobOptions;

/// A worker that dies this many times holding the same job marks the job failed instead of
/// handing it out again, so one poisonous input cannot crash-loop a fleet.
pub const MAX_REAPS: i64 = 5;

/// The most jobs one claim takes ([`Db::claim_some`]).
pub const MAX_CLAIM: u32 = 16;

/// A job decided by planning: queued, or skipped with a reason.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub id: String,
    /// Plan order.
    pub seq: i64,
    pub subject_id: String,
    pub style: String,
    /// `None` to queue the job, or why it is skipped.
    pub skip_reason: Option<String>,
}

/// Inserts one job of a run being created (inside `Db::create_run`'s transaction).
pub(super) async fn insert(
    tx: &mut Tx,
    run_id: &str,
    job: &NewJob,
    max_attempts: u32,
    options: &Option<JobOptions>,
    now: Stamp,
) -> Result<()> {
    let status = if job.skip_reason.is_some() {
        "skipped"
    } else {
        "queued"
    };
    let sql = "INSERT INTO jobs (id, run_id, seq, subject_id, style, status, skip_reason,
             max_attempts, run_after, created_at, finished_at, options)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $10, $11)";
    on_tx!(tx, c => {
        sqlx::query(sql)
            .bind(&job.id)
            .bind(run_id)
            .bind(job.seq)
            .bind(&job.subject_id)
            .bind(&job.style)
            .bind(status)
            .bind(&job.skip_reason)
            .bind(max_attempts as i64)
            .bind(now)
            .bind(job.skip_reason.as_ref().map(|_| now))
            .bind(options.as_ref().map(Json))
            .execute(&mut *c)
            .await?;
    });
    Ok(())
}

#[derive(Debug, Clone)]
pub struct ClaimedJob {
    pub id: String,
    pub run_id: String,
    pub subject_id: String,
    pub style: String,
    /// Including this one; also the fencing token of this claim.
    pub attempts: i64,
    pub max_attempts: i64,
    pub options: JobOptions,
    /// The subject as it stood at the claim (read by the claim itself, saving the worker a
    /// round trip); `None` when it is gone (erased while its job waited).
    pub subject: Option<likeness_subjects::Subject>,
}

/// The claim: the `{limit}` oldest due jobs, of one run (`{run}` = `AND j.run_id = $4`) or of
/// any (`{run}` empty), skipping runs whose budget is reached. `{lock}` is the backend's row
/// lock. The limit is written into the text (1 to [`MAX_CLAIM`], so a few texts) rather than
/// bound: for a bound limit PostgreSQL's generic plan guesses a tenth of the table and may
/// sort it.
///
/// Two texts rather than one with `($4 IS NULL OR run_id = $4)`, which no index serves together
/// with the order: PostgreSQL's generic plan for that scans and sorts every queued job (12 ms
/// at 15,000 queued), so it planned every claim afresh instead; SQLite sorted all queued jobs
/// for a batch's claim instead of reading the first entry of its run in `jobs_claim`. Found by
/// `bench/queue.sh`.
const CLAIM: &str = "UPDATE jobs SET status = 'running', locked_by = $1, lease_until = $2,
         attempts = attempts + 1
     WHERE id IN (SELECT j.id FROM jobs j WHERE j.status = 'queued' AND j.run_after <= $3 {run}
                     AND NOT EXISTS (SELECT 1 FROM runs r
                                     WHERE r.id = j.run_id AND r.budget_reached = TRUE)
                 ORDER BY j.run_after, j.seq LIMIT {limit} {lock})
     RETURNING id, run_id, seq, run_after, subject_id, style, attempts, max_attempts, options,
         (SELECT s.record FROM subjects s WHERE s.id = jobs.subject_id) AS record";

fn claimed_from(row: &impl Get) -> Result<ClaimedJob> {
    let options: Option<JobOptions> = row.opt_json("options")?;
    let subject = match row.opt_json::<serde_json::Value>("record")? {
        Some(_) => Some(super::subjects::decode(row)?),
        None => None,
    };
    Ok(ClaimedJob {
        id: row.text("id")?,
        run_id: row.text("run_id")?,
        subject_id: row.text("subject_id")?,
        style: row.text("style")?,
        attempts: row.int("attempts")?,
        max_attempts: row.int("max_attempts")?,
        options: options.unwrap_or_default(),
        subject,
    })
}

impl Db {
    /// Claims the next due job for `worker`: of one run, or of any run when `run_id` is `None`.
    pub async fn claim(
        &self,
        run_id: Option<&str>,
        worker: &str,
        lease_ms: i64,
    ) -> Result<Option<ClaimedJob>> {
        let mut jobs = self.claim_some(run_id, worker, lease_ms, 1).await?;
        Ok(jobs.pop())
    }

    /// Claims up to `limit` due jobs at once, in queue order, in one statement: for a worker
    /// whose jobs take a millisecond, the claim would otherwise cost as much as the job. Each
    /// is leased and fenced as if claimed alone; what the worker does not start goes back
    /// with [`Db::release_job`].
    pub async fn claim_some(
        &self,
        run_id: Option<&str>,
        worker: &str,
        lease_ms: i64,
        limit: u32,
    ) -> Result<Vec<ClaimedJob>> {
        let now = self.now_ms();
        // SQLite serialises writers, so the sub-select and the update cannot interleave with
        // another claim; PostgreSQL skips the rows other claims are taking.
        let sql = CLAIM
            .replace(
                "{run}",
                if run_id.is_some() {
                    "AND j.run_id = $4"
                } else {
                    ""
                },
            )
            .replace(
                "{lock}",
                match self.backend {
                    Backend::Sqlite(_) => "",
                    Backend::Postgres(_) => "FOR UPDATE OF j SKIP LOCKED",
                },
            )
            .replace("{limit}", &limit.clamp(1, MAX_CLAIM).to_string());
        let _turn = self.write_turn().await;
        on_pool!(self, p => {
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(worker)
                .bind(now + lease_ms)
                .bind(now);
            if let Some(run_id) = run_id {
                query = query.bind(run_id);
            }
            let mut rows = Vec::new();
            for row in query.fetch_all(p).await? {
                rows.push((row.int("run_after")?, row.int("seq")?, claimed_from(&row)?));
            }
            // RETURNING keeps no order.
            rows.sort_by_key(|(after, seq, _)| (*after, *seq));
            Ok(rows.into_iter().map(|(_, _, job)| job).collect())
        })
    }

    /// Extends the leases of the jobs `worker` is working on (`job_ids`), and of no other:
    /// a job whose attempt ended without its result recorded (the database went away at that
    /// moment) must run out of lease and go back to the queue, not be kept alive for ever.
    /// Returns how many leases were extended.
    pub async fn heartbeat(&self, worker: &str, job_ids: &[String], lease_ms: i64) -> Result<u64> {
        if job_ids.is_empty() {
            return Ok(0);
        }
        let until = self.now_ms() + lease_ms;
        let marks: Vec<String> = (3..job_ids.len() + 3).map(|i| format!("${i}")).collect();
        let sql = format!(
            "UPDATE jobs SET lease_until = $1
             WHERE locked_by = $2 AND status = 'running' AND id IN ({})",
            marks.join(", ")
        );
        let done = on_pool!(self, p => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(until).bind(worker);
            for id in job_ids {
                q = q.bind(id);
            }
            q.execute(p).await?.rows_affected()
        });
        Ok(done)
    }

    /// Returns to the queue the jobs whose lease ran out, or whose holder is in `dead_workers`
    /// (workers known to be gone, e.g. a local process that no longer exists).
    /// Only jobs of `run_id` when given, else of every run.
    pub async fn reap(&self, run_id: Option<&str>, dead_workers: &[String]) -> Result<u64> {
        let mut tx = self.begin().await?;
        let mut n = 0;
        for w in dead_workers {
            n += self.reap_where(&mut tx, run_id, Some(w)).await?;
        }
        n += self.reap_where(&mut tx, run_id, None).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Requeues (or, past MAX_REAPS, fails) the running jobs of a run held by `worker`, or
    /// with an expired lease when `worker` is `None`.
    async fn reap_where(
        &self,
        tx: &mut Tx,
        run_id: Option<&str>,
        worker: Option<&str>,
    ) -> Result<u64> {
        // A reaped attempt does not count against max_attempts (the job did not fail, its
        // worker died), but `reaped` bounds how often that may happen.
        let now = self.now_ms();
        let finished = self.now();
        let fail = "UPDATE jobs SET status = 'failed', locked_by = NULL, lease_until = NULL,
                 reaped = reaped + 1, error_code = 'queue.worker_died',
                 error_message = 'the worker processing this job died ' || (reaped + 1) || ' times',
                 finished_at = $4
             WHERE ($1 IS NULL OR run_id = $1) AND status = 'running'
                 AND (locked_by = $2 OR ($2 IS NULL AND lease_until < $3))
                 AND reaped + 1 >= $5";
        let requeue = "UPDATE jobs SET status = 'queued', locked_by = NULL, lease_until = NULL,
                 attempts = attempts - 1, reaped = reaped + 1, run_after = $3
             WHERE ($1 IS NULL OR run_id = $1) AND status = 'running'
                 AND (locked_by = $2 OR ($2 IS NULL AND lease_until < $3))";
        let n = on_tx!(tx, c => {
            let failed = sqlx::query(fail)
                .bind(run_id)
                .bind(worker)
                .bind(now)
                .bind(finished)
                .bind(MAX_REAPS)
                .execute(&mut *c)
                .await?
                .rows_affected();
            let requeued = sqlx::query(requeue)
                .bind(run_id)
                .bind(worker)
                .bind(now)
                .execute(&mut *c)
                .await?
                .rows_affected();
            failed + requeued
        });
        Ok(n)
    }

    /// The distinct workers holding running jobs of a run (of any run when `None`).
    pub async fn running_workers(&self, run_id: Option<&str>) -> Result<Vec<String>> {
        let sql = "SELECT DISTINCT locked_by FROM jobs WHERE ($1 IS NULL OR run_id = $1)
                 AND status = 'running' AND locked_by IS NOT NULL";
        on_pool!(self, p => {
            let rows = sqlx::query(sql).bind(run_id).fetch_all(p).await?;
            rows.iter().map(|r| r.text("locked_by")).collect()
        })
    }

    /// When the next queued job (of a run, or of any) becomes due (unix ms), if any is queued.
    pub async fn next_due(&self, run_id: Option<&str>) -> Result<Option<i64>> {
        let sql = "SELECT MIN(run_after) AS t FROM jobs WHERE ($1 IS NULL OR run_id = $1)
                 AND status = 'queued'";
        on_pool!(self, p => sqlx::query(sql).bind(run_id).fetch_one(p).await?.opt_int("t"))
    }

    /// Whether any job of a run is still queued or running. Workers ask after every job they
    /// record (is the run done?): this reads at most one entry of `jobs_claim`, where counting
    /// the run's jobs by status (`run_counts`) reads all of them, which made finishing a run of
    /// N jobs O(N²) (bench/queue.sh: 20,000 jobs on PostgreSQL, 12.7 ms per count at the end).
    pub async fn run_unfinished(&self, run_id: &str) -> Result<bool> {
        let sql = "SELECT COUNT(*) AS n FROM (SELECT 1 FROM jobs WHERE run_id = $1
                 AND status IN ('queued', 'running') LIMIT 1) AS unfinished";
        let n = on_pool!(self, p => sqlx::query(sql).bind(run_id).fetch_one(p).await?.int("n"))?;
        Ok(n > 0)
    }

    /// Whether any job is queued or running, across every run, that workers can take:
    /// `likeness worker --drain` stops when none is. Budget-stopped runs' jobs do not count (see
    /// [`Db::unfinished_jobs`]). Two probes, each served by a partial index on PostgreSQL
    /// (`jobs_due`, `jobs_lease`), so the question costs the same whatever the history.
    pub async fn has_unfinished_jobs(&self) -> Result<bool> {
        let workable = "NOT EXISTS (SELECT 1 FROM runs r
                                     WHERE r.id = j.run_id AND r.budget_reached = TRUE)";
        let sql = format!(
            "SELECT CAST(CASE
                 WHEN EXISTS (SELECT 1 FROM jobs j WHERE j.status = 'queued' AND {workable})
                   OR EXISTS (SELECT 1 FROM jobs j WHERE j.status = 'running' AND {workable})
                 THEN 1 ELSE 0 END AS BIGINT) AS n"
        );
        let n = on_pool!(self, p => {
            sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).fetch_one(p).await?.int("n")?
        });
        Ok(n == 1)
    }

    /// How many jobs, queued or running across every run, workers can take. Jobs of a run
    /// whose budget is reached wait for a new budget, not for workers, so they do not count.
    pub async fn unfinished_jobs(&self) -> Result<i64> {
        let sql = "SELECT COUNT(*) AS n FROM jobs j WHERE j.status IN ('queued', 'running')
             AND NOT EXISTS (SELECT 1 FROM runs r WHERE r.id = j.run_id AND r.budget_reached = TRUE)";
        on_pool!(self, p => sqlx::query(sql).fetch_one(p).await?.int("n"))
    }

    /// Hands back one job unworked (its run's budget is reached): the attempt is not counted.
    /// Fenced like a result: only the claim that holds it.
    pub async fn release_job(&self, job: &ClaimedJob, worker: &str) -> Result<()> {
        let sql = "UPDATE jobs SET status = 'queued', locked_by = NULL, lease_until = NULL,
                 attempts = attempts - 1
             WHERE id = $1 AND locked_by = $2 AND attempts = $3 AND status = 'running'";
        on_pool!(self, p => {
            sqlx::query(sql).bind(&job.id).bind(worker).bind(job.attempts).execute(p).await?;
        });
        Ok(())
    }

    /// Hands back, unworked, the jobs `worker` holds (graceful stop): the attempt is not counted.
    pub async fn release(&self, worker: &str) -> Result<u64> {
        let sql = "UPDATE jobs SET status = 'queued', locked_by = NULL, lease_until = NULL,
                 attempts = attempts - 1
             WHERE locked_by = $1 AND status = 'running'";
        let done = on_pool!(self, p => {
            sqlx::query(sql).bind(worker).execute(p).await?.rows_affected()
        });
        Ok(done)
    }
}

/// A job as the API shows it.
#[derive(Debug, Clone)]
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
    pub created_at: Stamp,
    pub finished_at: Option<Stamp>,
    /// The request's overrides (seed, prompt, size, references), for the audit trail.
    pub options: JobOptions,
}

pub(super) fn job_from(r: &impl Get) -> Result<JobRow> {
    // Written by this code from a JobOptions; unreadable only if edited by hand, and then the
    // rest of the job is still worth showing.
    let options = r
        .opt_json::<serde_json::Value>("options")
        .ok()
        .flatten()
        .and_then(|o| serde_json::from_value(o).ok())
        .unwrap_or_default();
    Ok(JobRow {
        id: r.text("id")?,
        run_id: r.text("run_id")?,
        subject_id: r.text("subject_id")?,
        style: r.text("style")?,
        status: r.text("status")?,
        skip_reason: r.opt_text("skip_reason")?,
        attempts: r.int("attempts")?,
        max_attempts: r.int("max_attempts")?,
        error_code: r.opt_text("error_code")?,
        error_message: r.opt_text("error_message")?,
        asset_id: r.opt_text("asset_id")?,
        created_at: r.stamp("created_at")?,
        finished_at: r.opt_stamp("finished_at")?,
        options,
    })
}

impl Db {
    pub async fn job(&self, id: &str) -> Result<Option<JobRow>> {
        let sql = "SELECT * FROM jobs WHERE id = $1";
        on_pool!(self, p => {
            let row = sqlx::query(sql).bind(id).fetch_optional(p).await?;
            row.as_ref().map(job_from).transpose()
        })
    }

    /// The jobs of a run, in plan order.
    pub async fn job_ids(&self, run_id: &str) -> Result<Vec<String>> {
        let sql = "SELECT id FROM jobs WHERE run_id = $1 ORDER BY seq";
        on_pool!(self, p => {
            let rows = sqlx::query(sql).bind(run_id).fetch_all(p).await?;
            rows.iter().map(|r| r.text("id")).collect()
        })
    }
}
