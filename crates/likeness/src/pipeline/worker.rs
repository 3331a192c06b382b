//! One worker's loop: claim a job, make its image, record the attempt. Several run at once in a
//! process; any number of processes may work on the same run.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::app::App;
use crate::db::budget::Reservation;
use crate::db::queue::ClaimedJob;
use crate::error::{Error, Result};
use crate::events::JobEvent;
use crate::pipeline::budget::OverBudget;
use crate::pipeline::group::{Done, Group};
use crate::pipeline::plan::PlannedStyle;
use crate::pipeline::timings::{Phase, Timings};

mod claims;
mod process;
mod record;
use claims::Claims;
use record::Recording;

/// Reports what workers do, for progress display.
pub trait Progress: Send + Sync {
    fn job_finished(&self, subject_id: &str, style: &str, error: Option<(&str, &str)>);
}

/// No progress display (servers, workers).
pub struct Silent;

impl Progress for Silent {
    fn job_finished(&self, _: &str, _: &str, _: Option<(&str, &str)>) {}
}

/// The workers of one process: of one run (a CLI batch, which ends when the run is done) or of
/// every run (`serve`, `likeness worker`, which go on until stopped).
pub struct Workers<'a> {
    pub app: &'a App,
    pub run_id: Option<String>,
    pub worker_id: String,
    pub progress: &'a dyn Progress,
    /// Set to stop claiming new jobs (Ctrl-C, SIGTERM, storage failure).
    pub stop: Arc<AtomicBool>,
    /// Why the batch stopped early, if it did.
    pub stop_reason: Mutex<Option<String>>,
    /// The planned styles of each run seen, resolved once.
    styles: Mutex<HashMap<String, Arc<Vec<PlannedStyle>>>>,
    /// `likeness worker --drain`: stop once no job of any run is queued or running.
    drain: bool,
    /// The jobs being worked right now: the heartbeat keeps their leases, and only theirs.
    /// Shared with the group records' tasks (`worker/record.rs`).
    in_flight: Arc<Mutex<std::collections::HashSet<String>>>,
    /// Where the work loops' time went.
    pub timings: Timings,
    /// When an idle loop of this process last looked for dead workers' jobs (`REAP_EVERY`).
    last_reap: Mutex<Option<Instant>>,
}

/// How often idle loops look for jobs of dead workers to hand back. Not on every idle turn:
/// an on-demand server goes idle after each request, and the look is a write that the next
/// request's enqueue would wait behind. A dead worker's jobs wait at most this much longer.
const REAP_EVERY: Duration = Duration::from_secs(1);

impl<'a> Workers<'a> {
    pub fn new(
        app: &'a App,
        run_id: Option<String>,
        progress: &'a dyn Progress,
        stop: Arc<AtomicBool>,
    ) -> Workers<'a> {
        Workers {
            app,
            run_id,
            worker_id: crate::worker_identity::worker_id(),
            progress,
            stop,
            stop_reason: Mutex::new(None),
            styles: Mutex::new(HashMap::new()),
            drain: false,
            in_flight: Arc::default(),
            timings: Timings::default(),
            last_reap: Mutex::new(None),
        }
    }

    /// Stops the workers once no job is queued or running anywhere (`worker --drain`).
    pub fn with_drain(mut self, drain: bool) -> Self {
        self.drain = drain;
        self
    }

    /// The most one job of a run can cost: the dearest image of its styles, every attempt
    /// its gates allow (a gate may regenerate).
    async fn job_estimate(&self, run_id: &str) -> f64 {
        match self.styles_of(run_id).await {
            Ok(styles) => styles
                .iter()
                .map(|p| {
                    let gates = &p.style.gates;
                    let attempts = if gates.is_active() { gates.attempts } else { 1 };
                    p.provider
                        .estimate_usd(p.provider.default_model(), p.width, p.height)
                        * f64::from(attempts)
                })
                .fold(0.0, f64::max),
            Err(_) => 0.0,
        }
    }

    /// Reserves a claimed job's price from its run's budget (`generate --max-cost`), shared by
    /// every process working the run. `None` when the budget is reached: the job went back to
    /// the queue, and a batch of that run stops with the reason.
    async fn reserve(&self, job: &ClaimedJob) -> Result<Option<Reservation>> {
        let estimate = self.job_estimate(&job.run_id).await;
        // A free job (the built-in renderer) changes no budget, and the claim already passed
        // over runs whose budget is spent: no round trip.
        if estimate == 0.0 {
            return Ok(Some(Reservation::Unlimited));
        }
        let reservation = self.app.db.reserve_budget(&job.run_id, estimate).await?;
        let Reservation::Refused {
            limit_usd,
            spent_usd,
        } = reservation
        else {
            return Ok(Some(reservation));
        };
        self.app.db.release_job(job, &self.worker_id).await?;
        if self.run_id.as_deref() == Some(job.run_id.as_str()) {
            let over = OverBudget {
                limit_usd,
                spent_usd,
                next_usd: estimate,
            };
            self.stop_batch(over.to_string());
        }
        Ok(None)
    }

    /// Seeds the style cache for a run already resolved by the caller.
    pub fn with_styles(self, run_id: &str, styles: Vec<PlannedStyle>) -> Self {
        lock(&self.styles).insert(run_id.to_string(), Arc::new(styles));
        self
    }

    pub fn lease_ms(&self) -> i64 {
        (self.app.config.queue.lease_seconds * 1000) as i64
    }

    /// Runs `concurrency` work loops and the heartbeat that keeps their leases, until the
    /// loops end. On an error, the jobs this process holds go back to the queue.
    pub async fn run(&self, concurrency: usize) -> Result<()> {
        let done = AtomicBool::new(false);
        let heartbeat = async {
            let every = Duration::from_millis((self.lease_ms() / 3) as u64);
            let mut last = Instant::now();
            while !done.load(Ordering::Relaxed) {
                tokio::time::sleep(Duration::from_millis(100)).await;
                if last.elapsed() < every {
                    continue;
                }
                // A failed heartbeat (the database restarting, a network blip) must not end
                // lease renewal for the life of the process: say so and try again soon. If the
                // leases run out meanwhile, the jobs go to other workers and the fencing token
                // turns this process's late results away.
                let held: Vec<String> = lock(&self.in_flight).iter().cloned().collect();
                match self
                    .app
                    .db
                    .heartbeat(&self.worker_id, &held, self.lease_ms())
                    .await
                {
                    Ok(_) => last = Instant::now(),
                    Err(e) => {
                        tracing::warn!(error = %e, code = e.code(), "heartbeat failed; retrying in 1 s");
                        last = Instant::now() - every + Duration::from_secs(1).min(every);
                    }
                }
            }
        };
        let work = async {
            let all = futures::future::join_all((0..concurrency.max(1)).map(|_| self.work())).await;
            done.store(true, Ordering::Relaxed);
            all.into_iter().collect::<Result<Vec<()>>>()
        };
        let (worked, ()) = tokio::join!(work, heartbeat);
        if worked.is_err() {
            self.app.db.release(&self.worker_id).await.ok();
        }
        worked.map(|_| ())
    }

    /// Works jobs until `stop` is set, or (for one run) until the run has none left. Attempts
    /// are recorded in groups (`pipeline::group`); what is made is recorded before returning.
    pub async fn work(&self) -> Result<()> {
        let mut group = Group::default();
        let mut claims = Claims::default();
        let mut recording = None;
        let worked = self.work_in(&mut group, &mut claims, &mut recording).await;
        let recorded = self.record_all(&mut group, &mut recording).await;
        let handed_back = self.hand_back(&mut claims).await;
        worked.and(recorded).and(handed_back)
    }

    /// The next job: claimed earlier with others (`claims.rs`), or claimed now.
    async fn next_job(&self, claims: &mut Claims) -> Result<Option<ClaimedJob>> {
        if let Some(job) = claims.next() {
            return Ok(Some(job));
        }
        let asked = Instant::now();
        let run = self.run_id.as_deref();
        let jobs = (self.app.db)
            .claim_some(run, &self.worker_id, self.lease_ms(), claims.batch())
            .await?;
        if !jobs.is_empty() {
            self.timings.lap(Phase::Claim, asked);
        }
        lock(&self.in_flight).extend(jobs.iter().map(|j| j.id.clone()));
        claims.extend(jobs);
        Ok(claims.next())
    }

    /// Hands back the jobs a stopping loop claimed and did not start.
    async fn hand_back(&self, claims: &mut Claims) -> Result<()> {
        for job in claims.take_waiting() {
            self.app.db.release_job(&job, &self.worker_id).await?;
            lock(&self.in_flight).remove(&job.id);
        }
        Ok(())
    }

    /// The loop: a due group's record goes on while the next jobs are made (`record.rs`).
    async fn work_in(
        &self,
        group: &mut Group,
        claims: &mut Claims,
        recording: &mut Option<Recording>,
    ) -> Result<()> {
        while !self.stop.load(Ordering::Relaxed) {
            let step = match self.next_job(claims).await {
                Ok(Some(job)) => {
                    let started = Instant::now();
                    let done = self.reserve_and_process(job).await;
                    claims.observe(started.elapsed());
                    match done {
                        Ok(Some(done)) => {
                            group.push(done);
                            match (group.is_due(), claims.quick()) {
                                (true, true) => self.start_record(group, recording).await,
                                (true, false) => self.record_all(group, recording).await,
                                (false, _) => self.collect_ended(recording).await,
                            }
                        }
                        Ok(None) => self.collect_ended(recording).await,
                        Err(e) => Err(e),
                    }
                }
                // Nothing to claim: what waits is recorded before waiting.
                Ok(None) => match self.record_all(group, recording).await {
                    Err(e) => Err(e),
                    Ok(()) => match self.wait_for_work().await {
                        Ok(true) => Ok(()),
                        Ok(false) => break,
                        Err(e) => Err(e),
                    },
                },
                Err(e) => Err(e),
            };
            // A busy or briefly unavailable database must not kill a long-lived worker: say so,
            // back off, go on. A job it held comes back when its lease runs out.
            if let Err(e) = step {
                if !matches!(e, Error::Db(_)) {
                    return Err(e);
                }
                tracing::warn!(error = %e, code = e.code(), "database error in a worker; retrying in 1 s");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
        Ok(())
    }

    /// Works a claimed job within its run's budget, and settles what it cost. `None` when the
    /// budget turned the job back.
    async fn reserve_and_process(&self, job: ClaimedJob) -> Result<Option<Done>> {
        let run_id = job.run_id.clone();
        let asked = Instant::now();
        let reserved = self.reserve(&job).await;
        self.timings.lap(Phase::Claim, asked);
        let id = job.id.clone();
        // In flight since its claim; one turned back (or not reserved) is not ours to keep.
        let reserved = match reserved {
            Ok(Some(Reservation::Reserved(usd))) => Some(usd),
            Ok(Some(_)) => None,
            Ok(None) | Err(_) => {
                lock(&self.in_flight).remove(&id);
                return reserved.map(|_| None);
            }
        };
        let done = self.process(job).await;
        if done.is_err() {
            lock(&self.in_flight).remove(&id);
        }
        if let Some(usd) = reserved {
            let actual = done.as_ref().map_or(0.0, Done::cost_usd);
            let settling = Instant::now();
            self.app.db.settle_budget(&run_id, usd, actual).await?;
            self.timings.lap(Phase::Record, settling);
        }
        done.map(Some)
    }

    /// Nothing is due right now. Returns false when the run has nothing left at all; otherwise
    /// waits a little (for new work, a retry's backoff, or another worker's lease) and returns
    /// true.
    async fn wait_for_work(&self) -> Result<bool> {
        let run = self.run_id.as_deref();
        if let Some(run_id) = run
            && !self.app.db.run_unfinished(run_id).await?
        {
            return Ok(false);
        }
        // Another process found the run's budget spent: this batch stops too.
        if let Some(run_id) = run
            && let Some(budget) = self.app.db.run_budget(run_id).await?
            && budget.reached
        {
            self.stop_batch(format!(
                "budget reached: ${:.4} spent of --max-cost ${:.4}; run the same command again \
                 with a higher --max-cost to go on",
                budget.spent_usd, budget.limit_usd
            ));
            return Ok(false);
        }
        if self.drain && run.is_none() && !self.app.db.has_unfinished_jobs().await? {
            return Ok(false);
        }
        if self.reap_due() {
            let running = self.app.db.running_workers(run).await?;
            let dead = crate::worker_identity::dead_local_workers(&running);
            self.app.db.reap(run, &dead).await?;
        }
        let wait = match self.app.db.next_due(run).await? {
            Some(t) => (t - self.app.db.now_ms()).clamp(5, 500),
            None => 500,
        };
        // New work wakes us at once; the timeout covers work queued by other processes.
        let _ = tokio::time::timeout(
            Duration::from_millis(wait as u64),
            self.app.work_available.notified(),
        )
        .await;
        Ok(true)
    }

    /// Whether it is time to look for dead workers' jobs again (and if so, the look is taken).
    fn reap_due(&self) -> bool {
        let mut last = lock(&self.last_reap);
        if last.is_some_and(|at| at.elapsed() < REAP_EVERY) {
            return false;
        }
        *last = Some(Instant::now());
        true
    }

    /// The planned styles of a job's run.
    async fn styles_of(&self, run_id: &str) -> Result<Arc<Vec<PlannedStyle>>> {
        if let Some(s) = lock(&self.styles).get(run_id) {
            return Ok(s.clone());
        }
        let run = self
            .app
            .db
            .run(run_id)
            .await?
            .ok_or_else(|| Error::Corrupt(format!("job of missing run {run_id}")))?;
        let styles = run
            .styles
            .iter()
            .map(|s| {
                PlannedStyle::resolve(
                    self.app,
                    &s.name,
                    run.provider.as_deref(),
                    run.size.as_deref(),
                )
            })
            .collect::<Result<Vec<_>>>()?;
        let styles = Arc::new(styles);
        lock(&self.styles).insert(run_id.to_string(), styles.clone());
        Ok(styles)
    }

    fn stop_batch(&self, reason: String) {
        self.stop.store(true, Ordering::Relaxed);
        let mut r = lock(&self.stop_reason);
        if r.is_none() {
            tracing::warn!("stopping the batch: {reason}");
            *r = Some(reason);
        }
    }

    fn publish(&self, event: JobEvent) {
        // Nobody listening is fine: the database is the record.
        self.app.events.publish(event);
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
