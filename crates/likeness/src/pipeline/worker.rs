//! One worker's loop: claim a job, make its image, record the attempt. Several run at once in a
//! process; any number of processes may work on the same run.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::app::App;
use crate::db::assets::{NewAsset, Outcome};
use crate::db::budget::Reservation;
use crate::db::queue::ClaimedJob;
use crate::error::{Error, Result};
use crate::events::JobEvent;
use crate::hash::hex_sha256;
use crate::job_options::JobOptions;
use crate::pipeline::budget::OverBudget;
use crate::pipeline::group::{Done, Group};
use crate::pipeline::judge::{self, Judged, Verdict};
use crate::pipeline::plan::PlannedStyle;
use crate::pipeline::save::{self, SaveError};
use crate::pipeline::timings::{Phase, Timings};
use crate::pipeline::{prompt_subject, seed};

mod record;
use crate::provider::{GenerateRequest, Generated, ProgressSink, ProviderError};

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
    in_flight: Mutex<std::collections::HashSet<String>>,
    /// Where the work loops' time went.
    pub timings: Timings,
}

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
            in_flight: Mutex::default(),
            timings: Timings::default(),
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
        let worked = self.work_in(&mut group).await;
        let recorded = self.record(&mut group).await;
        worked.and(recorded)
    }

    async fn work_in(&self, group: &mut Group) -> Result<()> {
        while !self.stop.load(Ordering::Relaxed) {
            let asked = Instant::now();
            let claimed = self
                .app
                .db
                .claim(self.run_id.as_deref(), &self.worker_id, self.lease_ms())
                .await;
            if matches!(claimed, Ok(Some(_))) {
                self.timings.lap(Phase::Claim, asked);
            }
            let step = match claimed {
                Ok(Some(job)) => match self.reserve_and_process(job).await {
                    Ok(Some(done)) => {
                        group.push(done);
                        if group.is_due() {
                            self.record(group).await
                        } else {
                            Ok(())
                        }
                    }
                    Ok(None) => Ok(()),
                    Err(e) => Err(e),
                },
                // Nothing to claim: what waits is recorded before waiting.
                Ok(None) => match self.record(group).await {
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
        let reserved = match reserved? {
            None => return Ok(None),
            Some(Reservation::Reserved(usd)) => Some(usd),
            Some(_) => None,
        };
        let id = job.id.clone();
        lock(&self.in_flight).insert(id.clone());
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
        let dead =
            crate::worker_identity::dead_local_workers(&self.app.db.running_workers(run).await?);
        self.app.db.reap(run, &dead).await?;
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

    /// Splits the time a provider call and its checks took into render, encode and measure.
    fn time_making(&self, spent: Duration, verdict: &Result<Verdict, ProviderError>) {
        let (measured, encoded) = match verdict {
            Ok(Verdict::Keep(judged)) => (
                judged.measure,
                Duration::from_micros(judged.generated.render_encode_us.max(0) as u64),
            ),
            _ => (Duration::ZERO, Duration::ZERO),
        };
        self.timings.add(Phase::Measure, measured);
        self.timings.add(Phase::Encode, encoded);
        let rendered = spent.saturating_sub(measured).saturating_sub(encoded);
        self.timings.add(Phase::Render, rendered);
    }

    /// Works one claimed job, up to the attempt to record.
    async fn process(&self, job: ClaimedJob) -> Result<Done> {
        let started = Instant::now();
        self.publish(JobEvent::new(&job, "running"));
        let styles = self.styles_of(&job.run_id).await?;
        let Some(planned) = styles.iter().find(|s| s.style.name == job.style) else {
            return Err(Error::Corrupt(format!(
                "job {} names style {} outside its run",
                job.id, job.style
            )));
        };
        let style = &planned.style;
        let mut job = job;
        let subject = job.subject.take().ok_or_else(|| {
            Error::Corrupt(format!(
                "job {} names missing subject {}",
                job.id, job.subject_id
            ))
        })?;
        let seed = job
            .options
            .seed
            .clone()
            .unwrap_or_else(|| seed(subject.id.as_ref(), &style.name, style.version));
        let mut asset = NewAsset {
            id: uuid::Uuid::now_v7().to_string(),
            subject_id: job.subject_id.clone(),
            run_id: job.run_id.clone(),
            job_id: job.id.clone(),
            style: style.name.clone(),
            style_version: style.version,
            provider: planned.provider.name().to_string(),
            model: planned
                .model
                .clone()
                .unwrap_or_else(|| planned.provider.default_model().to_string()),
            seed: seed.clone(),
            prompt: String::new(),
            negative_prompt: None,
            total_ms: 0,
            cost_usd: 0.0,
            details: None,
            outcome: failed("", String::new(), None),
        };
        let ps = prompt_subject(&subject, self.app.today);
        let prompts = style
            .render_prompt(&ps, planned.audience())
            .and_then(|p| Ok((p, style.render_negative_prompt(&ps, planned.audience())?)));
        asset.outcome = match prompts {
            Err(e) => failed(e.code(), e.to_string(), None),
            Ok((mut prompt, negative)) => {
                if let Some(extra) = &job.options.custom_prompt {
                    prompt = format!("{prompt} {extra}");
                }
                asset.prompt = prompt.clone();
                asset.negative_prompt = negative.clone();
                let request = GenerateRequest {
                    style: style.clone(),
                    model: planned.model.clone(),
                    prompt,
                    negative_prompt: negative,
                    width: job.options.width.unwrap_or(planned.width),
                    height: job.options.height.unwrap_or(planned.height),
                    seed,
                    demographics: subject.demographics(self.app.today),
                    subject: subject.clone(),
                    references: Vec::new(),
                    steps: job.options.steps,
                    identity_weight: job.options.identity_weight,
                    renderer_options: job.options.renderer.clone(),
                    progress: Some(self.progress_sink(&job)),
                };
                match self.with_references(request, &job.options, &subject).await {
                    Err(e) => failed(e.code(), e.to_string(), None),
                    Ok((request, first_key)) => {
                        // Identity is measured against the first reference photo.
                        let reference = first_key
                            .zip(request.references.first())
                            .map(|(key, r)| (key, r.bytes.clone()));
                        let faces = &self.app.faces;
                        let making = Instant::now();
                        let verdict =
                            judge::generate(faces, &planned.provider, request, reference).await;
                        self.time_making(making.elapsed(), &verdict);
                        match verdict {
                            Err(e) => self.provider_failed(&job, &e),
                            Ok(Verdict::Fail {
                                message,
                                gate,
                                cost_usd,
                            }) => {
                                asset.cost_usd = cost_usd;
                                asset.details = Some(serde_json::json!({ "gate": gate }));
                                failed(crate::codes::GATE_FAILED, message, None)
                            }
                            Ok(Verdict::Keep(judged)) => {
                                asset.provider = judged.generated.provider.clone();
                                asset.model = judged.generated.model.clone();
                                asset.cost_usd = judged.cost_usd;
                                asset.details = Some(details(&judged));
                                self.save(&job, &subject, style, judged.generated).await
                            }
                        }
                    }
                }
            }
        };
        asset.total_ms = started.elapsed().as_millis() as i64;
        let error = match &asset.outcome {
            Outcome::Failed {
                code,
                message,
                retry_at: None,
            } => Some((code.clone(), message.clone())),
            _ => None,
        };
        let retrying = matches!(
            asset.outcome,
            Outcome::Failed {
                retry_at: Some(_),
                ..
            }
        );
        Ok(Done {
            job,
            asset,
            retrying,
            error,
            started,
        })
    }

    /// What a provider's failure does to the job and the batch. An outage (the breaker is
    /// open, or the chain ended in a dead provider) or an error only a person can fix (a bad
    /// key) stops a batch with the job queued again, ready to resume; `serve` and `likeness
    /// worker` go on and retry it later. Other errors retry within `max_attempts` when they
    /// can, after the provider's hint when it gave one.
    fn provider_failed(&self, job: &ClaimedJob, e: &ProviderError) -> Outcome {
        if self.run_id.is_some() && (e.is_outage() || e.needs_operator()) {
            self.stop_batch(format!("{}: {e}", e.code()));
            let after = e.retry_after().map_or(1000, |d| d.as_millis() as i64);
            return failed(e.code(), e.to_string(), Some(self.app.db.now_ms() + after));
        }
        let retry = (e.is_retryable() && job.attempts < job.max_attempts)
            .then(|| self.retry_at(job, e.retry_after()));
        failed(e.code(), e.to_string(), retry)
    }

    fn stop_batch(&self, reason: String) {
        self.stop.store(true, Ordering::Relaxed);
        let mut r = lock(&self.stop_reason);
        if r.is_none() {
            tracing::warn!("stopping the batch: {reason}");
            *r = Some(reason);
        }
    }

    /// Publishes progress of a long generation (ComfyUI's sampler steps) as job events.
    fn progress_sink(&self, job: &ClaimedJob) -> ProgressSink {
        let events = self.app.events.clone();
        let template = JobEvent::new(job, "progress");
        ProgressSink(Arc::new(move |value, max| {
            let mut e = template.clone();
            e.progress = Some([value, max]);
            events.publish(e);
        }))
    }

    fn publish(&self, event: JobEvent) {
        // Nobody listening is fine: the database is the record.
        self.app.events.publish(event);
    }

    /// Saves the image. A storage failure stops the batch (the job goes back to the queue for
    /// when storage works again).
    async fn save(
        &self,
        job: &ClaimedJob,
        subject: &likeness_subjects::Subject,
        style: &likeness_styles::Style,
        g: Generated,
    ) -> Outcome {
        let level = self.app.config.generate.png_optimization;
        let saving = Instant::now();
        let (name, format) = (style.name.as_str(), style.format);
        let saved = save::save(&self.app.store, level, subject, name, format, g).await;
        let spent = saving.elapsed();
        match saved {
            Ok(stored) => {
                let encode = Duration::from_micros(stored.encode_us.max(0) as u64);
                self.timings.add(Phase::Encode, encode);
                self.timings.add(Phase::Store, spent.saturating_sub(encode));
                Outcome::Stored(stored)
            }
            Err(SaveError::Encode(message)) => failed("image.encode_failed", message, None),
            Err(SaveError::Store(message)) => {
                self.stop_batch(format!("storage failure: {message}"));
                failed("store.failure", message, Some(self.retry_at(job, None)))
            }
        }
    }

    /// Loads the job's reference photos into the request: those given with the job, else the
    /// subject's `reference_photo` (checked now; a bad photo fails this subject only). Also
    /// returns the first photo's key, which identity is scored against.
    async fn with_references(
        &self,
        mut request: GenerateRequest,
        options: &JobOptions,
        subject: &likeness_subjects::Subject,
    ) -> Result<(GenerateRequest, Option<String>)> {
        let mut keys = options.references.clone();
        if keys.is_empty()
            && let Some(stored) = crate::references::from_subject(self.app, subject).await?
        {
            keys.push(stored.key);
        }
        for key in &keys {
            request
                .references
                .push(crate::references::load(self.app, key).await?);
        }
        Ok((request, keys.into_iter().next()))
    }

    /// Exponential backoff with jitter (deterministic per job and attempt), and never before
    /// the provider's own retry hint.
    fn retry_at(&self, job: &ClaimedJob, hint: Option<Duration>) -> i64 {
        let q = &self.app.config.queue;
        let exp = q
            .retry_base_ms
            .saturating_mul(1 << (job.attempts.clamp(1, 16) - 1));
        let capped = exp.min(q.retry_max_seconds * 1000);
        let h = hex_sha256(format!("{}:{}", job.id, job.attempts).as_bytes());
        let jitter = u64::from_str_radix(&h[..4], 16).unwrap_or(0) % (capped / 5 + 1);
        let backoff = (capped - capped / 10 + jitter) as i64;
        self.app.db.now_ms() + backoff.max(hint.map_or(0, |h| h.as_millis() as i64))
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The audit facts of a generated image beyond the asset's columns: the provider's, then
/// what was measured (quality, identity) and the gate's record.
fn details(judged: &Judged) -> serde_json::Value {
    let g = &judged.generated;
    let mut d = serde_json::Map::new();
    d.insert("attempts".into(), g.attempts.max(1).into());
    if !g.fallback.is_empty() {
        d.insert("fallback".into(), g.fallback.clone().into());
    }
    if let Some(p) = &g.revised_prompt {
        d.insert("revised_prompt".into(), p.clone().into());
    }
    if !g.details.is_empty() {
        d.insert("provider".into(), g.details.clone().into());
    }
    let measured = serde_json::to_value(&judged.judgement).unwrap_or_default();
    if let serde_json::Value::Object(measured) = measured {
        d.extend(measured.into_iter().filter(|(_, v)| !v.is_null()));
    }
    if let Some(gate) = &judged.gate {
        d.insert("gate".into(), gate.clone());
    }
    d.into()
}

fn failed(code: &str, message: String, retry_at: Option<i64>) -> Outcome {
    Outcome::Failed {
        code: code.to_string(),
        message,
        retry_at,
    }
}
