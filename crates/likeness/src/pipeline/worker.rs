//! One worker's loop: claim a job, make its image, record the attempt. Several run at once in a
//! process; any number of processes may work on the same run.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use bytes::Bytes;
use serde::Serialize;

use crate::app::App;
use crate::db::assets::{NewAsset, Outcome, Recorded, Stored};
use crate::db::queue::{ClaimedJob, JobOptions};
use crate::db::{now_ms, subjects::hex_sha256};
use crate::error::{Error, Result};
use crate::pipeline::plan::PlannedStyle;
use crate::pipeline::{prompt_subject, seed};
use crate::provider::GenerateRequest;
use crate::store::asset_key;

/// Reports what workers do, for progress display.
pub trait Progress: Send + Sync {
    fn job_finished(&self, subject_id: &str, style: &str, error: Option<(&str, &str)>);
}

/// No progress display (servers, workers).
pub struct Silent;

impl Progress for Silent {
    fn job_finished(&self, _: &str, _: &str, _: Option<(&str, &str)>) {}
}

/// What happened to a job, published on `App::events` for waiters and live progress.
#[derive(Debug, Clone, Serialize)]
pub struct JobEvent {
    pub job_id: String,
    pub run_id: String,
    pub subject_id: String,
    pub style: String,
    /// `running` (claimed), `succeeded`, `failed`, or `retrying` (failed, queued again after a
    /// backoff).
    pub status: &'static str,
    pub asset_id: Option<String>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
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
            worker_id: super::run::worker_id(),
            progress,
            stop,
            stop_reason: Mutex::new(None),
            styles: Mutex::new(HashMap::new()),
        }
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
                if last.elapsed() >= every {
                    self.app
                        .db
                        .heartbeat(&self.worker_id, self.lease_ms())
                        .await?;
                    last = Instant::now();
                }
            }
            Ok::<(), Error>(())
        };
        let work = async {
            let all = futures::future::join_all((0..concurrency.max(1)).map(|_| self.work())).await;
            done.store(true, Ordering::Relaxed);
            all.into_iter().collect::<Result<Vec<()>>>()
        };
        let (worked, beat) = tokio::join!(work, heartbeat);
        if worked.is_err() {
            self.app.db.release(&self.worker_id).await.ok();
        }
        worked?;
        beat
    }

    /// Works jobs until `stop` is set, or (for one run) until the run has none left.
    pub async fn work(&self) -> Result<()> {
        while !self.stop.load(Ordering::Relaxed) {
            let claimed = self
                .app
                .db
                .claim(self.run_id.as_deref(), &self.worker_id, self.lease_ms())
                .await;
            let step = match claimed {
                Ok(Some(job)) => self.process(job).await,
                Ok(None) => match self.wait_for_work().await {
                    Ok(true) => Ok(()),
                    Ok(false) => break,
                    Err(e) => Err(e),
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

    /// Nothing is due right now. Returns false when the run has nothing left at all; otherwise
    /// waits a little (for new work, a retry's backoff, or another worker's lease) and returns
    /// true.
    async fn wait_for_work(&self) -> Result<bool> {
        let run = self.run_id.as_deref();
        if let Some(run_id) = run
            && self.app.db.run_counts(run_id).await?.remaining() == 0
        {
            return Ok(false);
        }
        let dead = super::run::dead_local_workers(&self.app.db.running_workers(run).await?);
        self.app.db.reap(run, &dead).await?;
        let wait = match self.app.db.next_due(run).await? {
            Some(t) => (t - now_ms()).clamp(5, 500),
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

    /// Marks a run completed when its last job is done, whoever worked it (a batch, a server,
    /// a `likeness worker`).
    async fn finish_run_if_done(&self, run_id: &str) -> Result<()> {
        if self.app.db.run_counts(run_id).await?.remaining() == 0
            && let Some(run) = self.app.db.run(run_id).await?
        {
            self.app.db.finish_run(&run).await?;
        }
        Ok(())
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

    async fn process(&self, job: ClaimedJob) -> Result<()> {
        let started = Instant::now();
        let _ = self.app.events.send(JobEvent {
            job_id: job.id.clone(),
            run_id: job.run_id.clone(),
            subject_id: job.subject_id.clone(),
            style: job.style.clone(),
            status: "running",
            asset_id: None,
            error_code: None,
            error_message: None,
        });
        let styles = self.styles_of(&job.run_id).await?;
        let Some(planned) = styles.iter().find(|s| s.style.name == job.style) else {
            return Err(Error::Corrupt(format!(
                "job {} names style {} outside its run",
                job.id, job.style
            )));
        };
        let style = &planned.style;
        let subject = self.app.db.subject(&job.subject_id).await?.ok_or_else(|| {
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
            outcome: Outcome::Failed {
                code: String::new(),
                message: String::new(),
                retry_at: None,
            },
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
                };
                match self.with_references(request, &job.options).await {
                    Err(e) => failed(e.code(), e.to_string(), None),
                    Ok(request) => match planned.provider.generate(request).await {
                        Err(e) => {
                            let retry = (e.is_retryable() && job.attempts < job.max_attempts)
                                .then(|| self.retry_at(&job));
                            failed(e.code(), e.to_string(), retry)
                        }
                        Ok(generated) => {
                            asset.model = generated.model.clone();
                            asset.cost_usd = generated.cost_usd;
                            self.store(&job, &subject, style.name.as_str(), generated)
                                .await
                        }
                    },
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
        match self.app.db.record_attempt(&self.worker_id, &asset).await? {
            Recorded::Yes => {
                if !retrying {
                    self.finish_run_if_done(&job.run_id).await?;
                    self.progress.job_finished(
                        &job.subject_id,
                        &job.style,
                        error.as_ref().map(|(c, m)| (c.as_str(), m.as_str())),
                    );
                }
                let (code, message) = match &asset.outcome {
                    Outcome::Failed { code, message, .. } => {
                        (Some(code.clone()), Some(message.clone()))
                    }
                    Outcome::Stored(_) => (None, None),
                };
                // Nobody listening is fine: the database is the record.
                let _ = self.app.events.send(JobEvent {
                    job_id: job.id.clone(),
                    run_id: job.run_id.clone(),
                    subject_id: job.subject_id.clone(),
                    style: job.style.clone(),
                    status: match (&asset.outcome, retrying) {
                        (Outcome::Stored(_), _) => "succeeded",
                        (_, true) => "retrying",
                        _ => "failed",
                    },
                    asset_id: Some(asset.id.clone()),
                    error_code: code,
                    error_message: message,
                });
            }
            Recorded::LeaseLost => {
                tracing::warn!(job = %job.id, "lease lost before the result was recorded; another worker redoes it")
            }
        }
        Ok(())
    }

    /// Optimises and stores the image. A storage failure stops the batch (the job goes back to
    /// the queue for when storage works again).
    /// Loads the job's reference photos into the request.
    async fn with_references(
        &self,
        mut request: GenerateRequest,
        options: &JobOptions,
    ) -> Result<GenerateRequest> {
        for key in &options.references {
            request
                .references
                .push(crate::references::load(self.app, key).await?);
        }
        Ok(request)
    }

    async fn store(
        &self,
        job: &ClaimedJob,
        subject: &likeness_subjects::Subject,
        style: &str,
        g: crate::provider::Generated,
    ) -> Outcome {
        let level = self.app.config.generate.png_optimization;
        let encode_started = Instant::now();
        let optimised = tokio::task::spawn_blocking(move || optimise_png(g.bytes, level)).await;
        let png = match optimised {
            Ok(Ok(png)) => png,
            Ok(Err(message)) => return failed("image.encode_failed", message, None),
            Err(e) => return failed("image.encode_failed", e.to_string(), None),
        };
        let encode_us = encode_started.elapsed().as_micros() as i64;
        let hash = hex_sha256(&png);
        let key = asset_key(subject.id.as_ref(), &subject.slug(), style, &hash, "png");
        let bytes = png.len() as u64;
        if let Err(e) = self.app.store.put(&key, Bytes::from(png)).await {
            let message = format!("cannot write {key}: {e}");
            self.stop.store(true, Ordering::Relaxed);
            *lock(&self.stop_reason) = Some(format!("storage failure: {message}"));
            return failed("store.failure", message, Some(self.retry_at(job)));
        }
        Outcome::Stored(Stored {
            width: g.width,
            height: g.height,
            bytes,
            content_hash: hash,
            storage_key: key,
            content_type: g.content_type.to_string(),
            render_us: g.render_us,
            encode_us,
        })
    }

    /// Exponential backoff with jitter (deterministic per job and attempt).
    fn retry_at(&self, job: &ClaimedJob) -> i64 {
        let q = &self.app.config.queue;
        let exp = q
            .retry_base_ms
            .saturating_mul(1 << (job.attempts.clamp(1, 16) - 1));
        let capped = exp.min(q.retry_max_seconds * 1000);
        let h = hex_sha256(format!("{}:{}", job.id, job.attempts).as_bytes());
        let jitter = u64::from_str_radix(&h[..4], 16).unwrap_or(0) % (capped / 5 + 1);
        now_ms() + (capped - capped / 10 + jitter) as i64
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn failed(code: &str, message: String, retry_at: Option<i64>) -> Outcome {
    Outcome::Failed {
        code: code.to_string(),
        message,
        retry_at,
    }
}

/// Lossless PNG optimisation (oxipng), metadata stripped.
pub fn optimise_png(png: Vec<u8>, level: u8) -> std::result::Result<Vec<u8>, String> {
    let mut options = oxipng::Options::from_preset(level);
    options.strip = oxipng::StripChunks::Safe;
    oxipng::optimize_from_memory(&png, &options)
        .map_err(|e| format!("PNG optimisation failed: {e}"))
}
