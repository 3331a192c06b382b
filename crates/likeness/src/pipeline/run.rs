//! A `generate` from start to end: find or plan the run, work it, report.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use serde::Serialize;

use crate::app::App;
use crate::db::runs::{Created, NewRun, Run, RunStyle, STATUS_RUNNING};
use crate::error::{Error, Result};
use crate::hash::hex_sha256;
use crate::job_options::JobOptions;
use crate::pipeline::plan::{self, JobWriter, PlanSummary, PlannedStyle, Selection};
use crate::pipeline::worker::{Progress, Workers};
use crate::worker_identity::dead_local_workers;

/// What the user asked `generate` for.
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    pub styles: Vec<String>,
    pub selection: Selection,
    pub size: Option<String>,
    pub provider: Option<String>,
    pub run_key: Option<String>,
    pub notes: Option<String>,
    /// Pick up an unfinished run with the same key (the CLI); the API plans afresh every time.
    pub resume: bool,
    /// Per-request overrides for every job of the run.
    pub job_options: Option<JobOptions>,
}

impl GenerateOptions {
    /// The key a run is filed under. Without `--run-key` it is derived from the styles and the
    /// selection (e.g. `watercolor+initials:cohort=nba:draft_year=2021`), so repeating the same
    /// command finds (and resumes) the same run.
    pub fn run_key(&self) -> String {
        if let Some(k) = &self.run_key {
            return k.clone();
        }
        let sel = &self.selection;
        let mut parts = vec![self.styles.join("+")];
        match sel.subjects.len() {
            0 => {}
            1..=3 => parts.push(format!("subject={}", sel.subjects.join(","))),
            n => {
                let digest = hex_sha256(sel.subjects.join("\n").as_bytes());
                parts.push(format!("subjects={n}#{}", &digest[..8]));
            }
        }
        parts.extend(sel.cohort.iter().map(|c| format!("cohort={c}")));
        parts.extend(
            sel.filters
                .iter()
                .map(|f| format!("{}={}", f.field, f.value)),
        );
        parts.extend(sel.limit.map(|l| format!("limit={l}")));
        parts.extend(self.size.iter().map(|s| format!("size={s}")));
        parts.extend(self.provider.iter().map(|p| format!("provider={p}")));
        parts.join(":")
    }
}

/// A run ready to be worked.
pub struct Prepared {
    pub run: Run,
    pub styles: Vec<PlannedStyle>,
    /// True when an unfinished run with this key was picked up again.
    pub resumed: bool,
    pub summary: Option<PlanSummary>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DryRun {
    pub run_key: String,
    /// The version a real run would get.
    pub version: i64,
    /// Set when the real command would resume an unfinished run instead of planning.
    pub resumes_run: Option<String>,
    pub remaining: Option<i64>,
    #[serde(flatten)]
    pub plan: PlanSummary,
}

fn resolve_styles(app: &App, opts: &GenerateOptions) -> Result<Vec<PlannedStyle>> {
    if opts.styles.is_empty() {
        return Err(Error::Usage("no style given".into()));
    }
    opts.styles
        .iter()
        .map(|s| PlannedStyle::resolve(app, s, opts.provider.as_deref(), opts.size.as_deref()))
        .collect()
}

/// Plans without writing anything: no rows, no files.
pub async fn dry_run(app: &App, opts: &GenerateOptions) -> Result<DryRun> {
    plan::check_filters(&opts.selection.filters)?;
    let styles = resolve_styles(app, opts)?;
    let key = opts.run_key();
    let latest = app.db.latest_run(&key).await?;
    let summary = plan::walk(app, &opts.selection, &styles, None).await?;
    let (resumes_run, remaining) = match &latest {
        Some(r) if r.status == STATUS_RUNNING => (
            Some(r.id.clone()),
            Some(app.db.run_counts(&r.id).await?.remaining()),
        ),
        _ => (None, None),
    };
    Ok(DryRun {
        run_key: key,
        version: latest.map(|r| r.version + 1).unwrap_or(1),
        resumes_run,
        remaining,
        plan: summary,
    })
}

/// Resumes the unfinished run of this key, or plans a new version of it: the run and all its
/// jobs are written in one transaction, under a lock on the key, so two `generate`s started
/// together (on one machine or two) cannot both plan it: the later one resumes the first's run.
pub async fn prepare(app: &App, opts: &GenerateOptions) -> Result<Prepared> {
    plan::check_filters(&opts.selection.filters)?;
    let key = opts.run_key();
    if opts.resume
        && let Some(run) = app.db.latest_run(&key).await?
        && run.status == STATUS_RUNNING
    {
        return resume(app, opts, run);
    }
    let styles = resolve_styles(app, opts)?;
    let mut writer = JobWriter::default();
    let summary = plan::walk(app, &opts.selection, &styles, Some(&mut writer)).await?;
    if summary.subjects == 0 {
        return Err(Error::Usage(
            "no subject matches this selection; `likeness subjects list` shows what is imported"
                .into(),
        ));
    }
    let run = NewRun {
        id: uuid::Uuid::now_v7().to_string(),
        run_key: key,
        styles: styles
            .iter()
            .map(|p| RunStyle {
                name: p.style.name.clone(),
                version: p.style.version,
                fingerprint: p.style.fingerprint.clone(),
                prompt_template: p.style.prompt.clone(),
            })
            .collect(),
        provider: opts.provider.clone(),
        size: opts.size.clone(),
        selection: serde_json::to_value(&opts.selection)
            .map_err(|e| Error::Corrupt(e.to_string()))?,
        notes: opts.notes.clone(),
        planned: summary.planned as i64,
        skipped: summary.skipped as i64,
        estimated_cost_usd: summary.estimated_cost_usd,
        job_options: opts.job_options.clone(),
        max_attempts: app.config.generate.max_attempts,
    };
    match app.db.create_run(run, &writer.jobs, opts.resume).await? {
        Created::Run(run) => Ok(Prepared {
            run,
            styles,
            resumed: false,
            summary: Some(summary),
        }),
        Created::Unfinished(run) => resume(app, opts, run),
    }
}

/// Picks up an unfinished run, with the styles it was planned with.
fn resume(app: &App, opts: &GenerateOptions, run: Run) -> Result<Prepared> {
    let names: Vec<&str> = run.styles.iter().map(|s| s.name.as_str()).collect();
    if names != opts.styles.iter().map(String::as_str).collect::<Vec<_>>() {
        return Err(Error::Usage(format!(
            "run {:?} (version {}) is unfinished and uses styles {}; finish it with the same \
             styles, or pass another --run-key",
            run.run_key,
            run.version,
            names.join(",")
        )));
    }
    let styles = run
        .styles
        .iter()
        .map(|s| PlannedStyle::resolve(app, &s.name, run.provider.as_deref(), run.size.as_deref()))
        .collect::<Result<Vec<_>>>()?;
    Ok(Prepared {
        run,
        styles,
        resumed: true,
        summary: None,
    })
}

#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    pub subject_id: String,
    pub style: String,
    pub code: String,
    pub message: String,
}

/// What `generate --json` prints.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    pub run_id: String,
    pub run_key: String,
    pub version: i64,
    pub resumed: bool,
    pub planned: i64,
    pub succeeded: i64,
    pub failed: i64,
    pub skipped: i64,
    /// Jobs still queued when the batch stopped early (resume with the same command).
    pub remaining: i64,
    pub estimated_cost_usd: f64,
    pub actual_cost_usd: f64,
    /// With `--max-cost`: the limit, and what this invocation spent of it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_cost_usd: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spent_usd: Option<f64>,
    pub duration_ms: i64,
    /// Wall time of this invocation (a resumed run's `duration_ms` includes earlier sessions).
    pub elapsed_ms: i64,
    /// Time spent inside providers and the PNG optimiser over the run's attempts; the rest of
    /// a worker's time is the pipeline's own overhead (queue, database, storage).
    pub render_ms: i64,
    pub encode_ms: i64,
    /// This invocation's worker time by phase (`--timings`); none when it worked nothing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_split: Option<crate::pipeline::timings::TimeSplit>,
    pub stopped: Option<String>,
    pub failures: Vec<Failure>,
}

/// Jobs in flight for a batch: the flag, else the config, else what the run's providers want
/// (one per core for the built-in renderer; more for remote providers, which mostly wait).
pub fn concurrency(app: &App, prepared: &Prepared, flag: Option<usize>) -> usize {
    if flag.is_some() || app.config.generate.concurrency > 0 {
        return app.config.concurrency(flag);
    }
    prepared
        .styles
        .iter()
        .map(|s| s.provider.concurrency())
        .max()
        .unwrap_or_else(|| app.config.concurrency(None))
        .max(1)
}

/// Works a prepared run with `concurrency` workers in this process until it is done, stopped,
/// or (with `max_cost_usd`) about to spend more than that.
pub async fn execute(
    app: &App,
    prepared: &Prepared,
    concurrency: usize,
    max_cost_usd: Option<f64>,
    progress: &dyn Progress,
    stop: Arc<AtomicBool>,
) -> Result<RunReport> {
    let started = Instant::now();
    let run = &prepared.run;
    // A process killed while holding jobs left them "running"; hand them back right away
    // instead of waiting for their leases to run out.
    let dead = dead_local_workers(&app.db.running_workers(Some(&run.id)).await?);
    app.db.reap(Some(&run.id), &dead).await?;
    // The budget is the run's, in the database, so every process working its jobs (this one,
    // `serve`s, `likeness worker`s elsewhere) spends from the same sum.
    app.db.set_run_budget(&run.id, max_cost_usd).await?;
    let workers = Workers::new(app, Some(run.id.clone()), progress, stop.clone())
        .with_styles(&run.id, prepared.styles.clone());
    let working = Instant::now();
    workers.run(concurrency).await?;
    let split = workers.timings.split(working.elapsed(), concurrency);
    let stopped = workers
        .stop_reason
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    let interrupted = stop.load(Ordering::Relaxed);
    let stopped = stopped.or(interrupted.then(|| "interrupted".to_string()));
    let mut report = report(app, prepared, started, stopped).await?;
    report.time_split = Some(split);
    Ok(report)
}

/// The run as it stands, for `generate`'s report: after working it, or right after planning
/// it (`--enqueue-only`, which leaves the work to `likeness worker`s).
pub async fn report(
    app: &App,
    prepared: &Prepared,
    started: Instant,
    stopped: Option<String>,
) -> Result<RunReport> {
    let run = &prepared.run;
    let budget = app.db.run_budget(&run.id).await?;
    let counts = app.db.run_counts(&run.id).await?;
    if counts.remaining() == 0 {
        app.db.finish_run(run).await?;
    }
    let finished = app.db.run(&run.id).await?.unwrap_or_else(|| run.clone());
    let failures = app
        .db
        .failed_jobs(&run.id)
        .await?
        .into_iter()
        .map(|f| Failure {
            subject_id: f.subject_id,
            style: f.style,
            code: f.code,
            message: f.message,
        })
        .collect();
    let timing = app.db.run_timing(&run.id).await?;
    Ok(RunReport {
        run_id: run.id.clone(),
        run_key: run.run_key.clone(),
        version: run.version,
        resumed: prepared.resumed,
        planned: run.planned,
        succeeded: counts.succeeded,
        failed: counts.failed,
        skipped: counts.skipped,
        remaining: counts.remaining(),
        estimated_cost_usd: run.estimated_cost_usd,
        actual_cost_usd: app.db.run_actual_cost(&run.id).await?,
        max_cost_usd: budget.as_ref().map(|b| b.limit_usd),
        spent_usd: budget.as_ref().map(|b| b.spent_usd),
        duration_ms: finished
            .duration_ms
            .unwrap_or(started.elapsed().as_millis() as i64),
        elapsed_ms: started.elapsed().as_millis() as i64,
        render_ms: timing.0 / 1000,
        encode_ms: timing.1 / 1000,
        time_split: None,
        stopped,
        failures,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::plan::Filter;

    fn options(selection: Selection) -> GenerateOptions {
        GenerateOptions {
            styles: vec!["watercolor".into(), "initials".into()],
            selection,
            size: None,
            provider: None,
            run_key: None,
            notes: None,
            resume: true,
            job_options: None,
        }
    }

    #[test]
    fn default_run_keys_are_readable_and_stable() {
        assert_eq!(
            options(Selection::default()).run_key(),
            "watercolor+initials"
        );
        let forced = Selection {
            force: true,
            ..Selection::default()
        };
        assert_eq!(
            options(forced).run_key(),
            "watercolor+initials",
            "--force is a new version, not a new key"
        );
        let sel = Selection {
            cohort: Some("nba".into()),
            filters: vec![Filter {
                field: "draft_year".into(),
                value: "2021".into(),
            }],
            limit: Some(5),
            ..Selection::default()
        };
        assert_eq!(
            options(sel).run_key(),
            "watercolor+initials:cohort=nba:draft_year=2021:limit=5"
        );
        let many = Selection {
            subjects: (0..10).map(|i| i.to_string()).collect(),
            ..Selection::default()
        };
        let key = options(many.clone()).run_key();
        assert!(key.starts_with("watercolor+initials:subjects=10#"), "{key}");
        assert_eq!(key, options(many).run_key());
        let explicit = GenerateOptions {
            run_key: Some("nightly".into()),
            ..options(Selection::default())
        };
        assert_eq!(explicit.run_key(), "nightly");
    }
}
