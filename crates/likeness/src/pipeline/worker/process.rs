//! Working one claimed job: its prompt, its reference photos, the provider chain under the
//! style's gates (`judge.rs`), the save, and what a failure does to the job and the batch. The
//! attempt it returns is recorded with its group (`record.rs`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use likeness_subjects::Subject;

use super::Workers;
use crate::db::assets::{NewAsset, Outcome};
use crate::db::queue::ClaimedJob;
use crate::error::{Error, Result};
use crate::events::JobEvent;
use crate::hash::hex_sha256;
use crate::job_options::JobOptions;
use crate::pipeline::group::Done;
use crate::pipeline::judge::{self, Judged, Verdict};
use crate::pipeline::plan::PlannedStyle;
use crate::pipeline::save::{self, SaveError};
use crate::pipeline::timings::Phase;
use crate::pipeline::{prompt_subject, seed};
use crate::provider::{GenerateRequest, Generated, ProgressSink, ProviderError};

impl Workers<'_> {
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
    pub(super) async fn process(&self, job: ClaimedJob) -> Result<Done> {
        let started = Instant::now();
        self.publish(JobEvent::new(&job, "running"));
        let styles = self.styles_of(&job.run_id).await?;
        let Some(planned) = styles.iter().find(|s| s.style.name == job.style) else {
            return Err(Error::Corrupt(format!(
                "job {} names style {} outside its run",
                job.id, job.style
            )));
        };
        let mut job = job;
        let subject = job.subject.take().ok_or_else(|| {
            Error::Corrupt(format!(
                "job {} names missing subject {}",
                job.id, job.subject_id
            ))
        })?;
        let style = &planned.style;
        let seed = job
            .options
            .seed
            .clone()
            .unwrap_or_else(|| seed(subject.id.as_ref(), &style.name, style.version));
        let mut asset = new_asset(&job, planned, &seed);
        asset.outcome = self.make(&job, &subject, planned, &mut asset, seed).await;
        asset.total_ms = started.elapsed().as_millis() as i64;
        Ok(done(job, asset, started))
    }

    /// Prompts, references, the provider chain under the style's gates, and the save: what
    /// came of the attempt. Fills in the asset's prompt, provider, cost and details.
    async fn make(
        &self,
        job: &ClaimedJob,
        subject: &Subject,
        planned: &PlannedStyle,
        asset: &mut NewAsset,
        seed: String,
    ) -> Outcome {
        let style = &planned.style;
        let ps = prompt_subject(subject, self.app.today);
        let prompts = style
            .render_prompt(&ps, planned.audience())
            .and_then(|p| Ok((p, style.render_negative_prompt(&ps, planned.audience())?)));
        let (mut prompt, negative) = match prompts {
            Err(e) => return failed(e.code(), e.to_string(), None),
            Ok(prompts) => prompts,
        };
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
            progress: Some(self.progress_sink(job)),
        };
        let (request, first_key) = match self.with_references(request, &job.options, subject).await
        {
            Err(e) => return failed(e.code(), e.to_string(), None),
            Ok(loaded) => loaded,
        };
        // Identity is measured against the first reference photo.
        let reference = first_key
            .zip(request.references.first())
            .map(|(key, r)| (key, r.bytes.clone()));
        let making = Instant::now();
        let verdict = judge::generate(&self.app.faces, &planned.provider, request, reference).await;
        self.time_making(making.elapsed(), &verdict);
        match verdict {
            Err(e) => self.provider_failed(job, &e),
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
                self.save(job, subject, style, judged.generated).await
            }
        }
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

/// The record of an attempt before it is made: failed with no code until it is.
fn new_asset(job: &ClaimedJob, planned: &PlannedStyle, seed: &str) -> NewAsset {
    let style = &planned.style;
    NewAsset {
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
        seed: seed.to_string(),
        prompt: String::new(),
        negative_prompt: None,
        total_ms: 0,
        cost_usd: 0.0,
        details: None,
        outcome: failed("", String::new(), None),
    }
}

/// The attempt to record: a final failure's code and message, or whether it retries.
fn done(job: ClaimedJob, asset: NewAsset, started: Instant) -> Done {
    let (error, retrying) = match &asset.outcome {
        Outcome::Failed {
            code,
            message,
            retry_at: None,
        } => (Some((code.clone(), message.clone())), false),
        Outcome::Failed {
            retry_at: Some(_), ..
        } => (None, true),
        Outcome::Stored(_) => (None, false),
    };
    Done {
        job,
        asset,
        retrying,
        error,
        started,
    }
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
