//! `likeness generate`: plan (or resume) a run and work it with in-process workers.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Context;
use clap::Args;
use likeness::App;
use likeness::job_options::JobOptions;
use likeness::pipeline::plan::{Filter, Selection};
use likeness::pipeline::run::{self, DryRun, GenerateOptions, RunReport};

use super::output::{Output, duration, usd};
use super::progress::Reporter;

#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  likeness generate                                   # all subjects, default style, missing only
  likeness generate --cohort nba --style watercolor,initials
  likeness generate --where age_band=child --where gender=woman --dry-run
  likeness generate --subject 76003 --force           # regenerate one subject as a new version
  likeness generate --style consultant --dry-run      # a paid provider: what would it cost?
  likeness generate --style consultant --max-cost 5   # never past $5; the rest stays queued
  likeness generate --likeness-url 'https://cdn.example.org/{id}.png'   # describe photos first
  likeness generate --cohort nba --enqueue-only && likeness worker --drain   # workers elsewhere

Exit status: 0 when nothing failed, 2 when some subjects failed or the batch stopped early (a
provider down, a refused key, the --max-cost budget: the rest stays queued), 1 for usage or
config errors. Interrupted (Ctrl-C, kill -9, power loss)? Run the same command again: it
resumes the run.")]
pub struct GenerateArgs {
    /// Every subject (the default when no selector is given).
    #[arg(long, conflicts_with_all = ["subject", "cohort"])]
    all: bool,
    /// A subject id or slug; repeat for several.
    #[arg(long, value_name = "ID_OR_SLUG", num_args = 1..)]
    subject: Vec<String>,
    /// Only subjects in this cohort.
    #[arg(long, value_name = "NAME")]
    cohort: Option<String>,
    /// Only subjects whose field or attribute equals VALUE (id, source, name, gender, age,
    /// age_band, deceased, cohort, or any attribute such as draft_year). Repeat: all must hold.
    #[arg(long = "where", value_name = "FIELD=VALUE")]
    filters: Vec<Filter>,
    /// Style(s) to generate; several (comma-separated) make one run covering each per subject.
    /// Default: the configured default style. `likeness styles list` shows them.
    #[arg(long, value_name = "NAME[,NAME...]", value_delimiter = ',')]
    style: Vec<String>,
    /// Size preset of the style: 512, 1K or 2K (the long edge).
    #[arg(long, value_name = "PRESET")]
    size: Option<String>,
    /// Regenerate subjects that already have a current image (as a new version).
    #[arg(long)]
    force: bool,
    /// Print the plan (counts, skips and why, estimated cost, a sample prompt); write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Plan the run (or find the unfinished one), print it and exit without working it: the
    /// jobs wait in the queue for `likeness worker`s (on this or other machines sharing the
    /// database and store) and `serve`s. `--json` prints the usual report, with `remaining`.
    #[arg(long, conflicts_with_all = ["dry_run", "concurrency"])]
    enqueue_only: bool,
    /// After the run, print where the workers' time went: render, measure, encode, store,
    /// database and scheduling, each as a share (`--json` always has it as `time_split`).
    #[arg(long)]
    timings: bool,
    /// Generate for at most N subjects.
    #[arg(long, value_name = "N")]
    limit: Option<u64>,
    /// File the run under KEY; runs with the same key are versions 1, 2, 3, ...
    /// Default: derived from the styles and selection, so repeating a command resumes it.
    #[arg(long, value_name = "KEY")]
    run_key: Option<String>,
    /// Free text recorded on the run.
    #[arg(long, value_name = "TEXT")]
    notes: Option<String>,
    /// Jobs worked at once (default: config, else what the style's providers want: one per CPU
    /// core for the built-in renderer, more for remote providers).
    #[arg(long, value_name = "N", value_parser = super::concurrency_flag)]
    concurrency: Option<usize>,
    /// Use this provider (or provider:model) instead of the style's chain.
    #[arg(long, value_name = "NAME")]
    provider: Option<String>,
    /// Stop before this batch would spend more than USD (list prices from the config's price
    /// table; jobs left stay queued). With --dry-run, says how many images fit.
    #[arg(long, value_name = "USD", value_parser = parse_usd)]
    max_cost: Option<f64>,
    /// First have Gemini describe each subject's photo (hair, glasses, apparent age; never
    /// identity) and cache it as `likeness_description` for prompts. The photo is the
    /// subject's `photo_url` attribute or --likeness-url. Needs GEMINI_API_KEY.
    #[arg(long)]
    fetch_likeness: bool,
    /// Where subjects' photos are, with {id} and {slug} filled in, e.g.
    /// 'https://cdn.example.org/headshots/{id}.png' (implies --fetch-likeness).
    #[arg(long, value_name = "URL_TEMPLATE")]
    likeness_url: Option<String>,
    /// With --fetch-likeness: describe again even when a description of the same photo is cached.
    #[arg(long)]
    refresh_likeness: bool,
    /// A reference photo of the one --subject (JPEG, PNG or WebP, at least 512 px, exactly one
    /// clear face; `likeness faces check PATH` tries one). It is checked locally, stored
    /// without metadata, sent to identity-preserving providers, scored against every output,
    /// and its skin and hair colours go to the built-in renderer. Implies --force.
    #[arg(long, value_name = "PATH")]
    reference: Option<PathBuf>,
}

fn parse_usd(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .trim()
        .trim_start_matches('$')
        .parse()
        .map_err(|_| format!("expected an amount in USD such as 2.50, got {s:?}"))?;
    if v.is_finite() && v >= 0.0 {
        Ok(v)
    } else {
        Err(format!("expected a positive amount in USD, got {s:?}"))
    }
}

pub async fn run(app: &App, out: &Output, args: GenerateArgs) -> anyhow::Result<ExitCode> {
    let styles = if args.style.is_empty() {
        vec![app.config.default_style.clone()]
    } else {
        args.style.clone()
    };
    let mut options = GenerateOptions {
        styles,
        selection: Selection {
            subjects: args.subject.clone(),
            cohort: args.cohort.clone(),
            filters: args.filters.clone(),
            limit: args.limit,
            force: args.force,
        },
        size: args.size.clone(),
        provider: args.provider.clone(),
        run_key: args.run_key.clone(),
        notes: args.notes.clone(),
        resume: true,
        job_options: None,
    };
    if let Some(c) = &args.cohort
        && !app.db.cohort_exists(c).await?
    {
        anyhow::bail!("no subject is in cohort {c:?}; `likeness subjects list` shows cohorts");
    }
    if let Some(path) = &args.reference {
        options.job_options = Some(reference(app, &args.subject, path, args.dry_run).await?);
        options.selection.force = true;
    }
    if (args.fetch_likeness || args.likeness_url.is_some()) && !args.dry_run {
        fetch_likeness(app, out, &options, &args).await?;
    }
    if args.dry_run {
        let plan = run::dry_run(app, &options).await?;
        out.emit(&plan, || print_dry_run(&plan, args.max_cost))?;
        return Ok(ExitCode::SUCCESS);
    }
    let started = std::time::Instant::now();
    let prepared = run::prepare(app, &options).await?;
    if args.enqueue_only {
        // With --max-cost, the workers that take the jobs spend from the run's budget.
        app.db
            .set_run_budget(&prepared.run.id, args.max_cost)
            .await?;
        let report = run::report(app, &prepared, started, None).await?;
        out.emit(&report, || {
            eprintln!(
                "run {} version {} ({}): {} jobs queued for workers (`likeness worker`)",
                report.run_key, report.version, report.run_id, report.remaining
            )
        })?;
        return Ok(ExitCode::SUCCESS);
    }
    let counts = app.db.run_counts(&prepared.run.id).await?;
    if !out.json {
        let r = &prepared.run;
        let verb = if prepared.resumed {
            "resuming"
        } else {
            "starting"
        };
        eprintln!(
            "{verb} run {} version {} ({}): {} to generate, {} skipped, {} already done",
            r.run_key,
            r.version,
            r.id,
            r.planned,
            r.skipped,
            counts.succeeded + counts.failed
        );
    }
    let progress = Reporter::new(
        out.json,
        prepared.run.planned as u64,
        (counts.succeeded + counts.failed) as u64,
    );
    let stop = Arc::new(AtomicBool::new(false));
    let ctrl_c = {
        let stop = stop.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!("stopping after the jobs in flight; press Ctrl-C again to quit at once");
                stop.store(true, Ordering::Relaxed);
                if tokio::signal::ctrl_c().await.is_ok() {
                    std::process::exit(130);
                }
            }
        })
    };
    let concurrency = run::concurrency(app, &prepared, args.concurrency);
    let report = run::execute(app, &prepared, concurrency, args.max_cost, &progress, stop).await;
    ctrl_c.abort();
    progress.finish();
    let report = report?;
    out.emit(&report, || {
        print_report(&report);
        if args.timings
            && let Some(split) = &report.time_split
        {
            println!("{}", split.describe());
        }
    })?;
    Ok(if report.failed > 0 || report.stopped.is_some() {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

/// Checks `--reference PATH` and, unless this is a dry run, stores it and the colours sampled
/// from it on the subject. The jobs carry the stored photo's key.
async fn reference(
    app: &App,
    subjects: &[String],
    path: &Path,
    dry_run: bool,
) -> anyhow::Result<JobOptions> {
    let [subject] = subjects else {
        anyhow::bail!(
            "--reference needs exactly one --subject: a reference photo shows one person"
        );
    };
    let subject = app.db.find_subject(subject).await?;
    let bytes = likeness::local_file::read_photo(path, app.faces.limits().max_bytes)?;
    if dry_run {
        app.faces
            .check_reference(bytes)
            .await
            .with_context(|| path.display().to_string())?;
        return Ok(JobOptions::default());
    }
    let stored = likeness::references::store(app, bytes)
        .await
        .with_context(|| path.display().to_string())?;
    likeness::references::remember_colors(app, subject.id.as_ref(), &stored).await?;
    Ok(JobOptions {
        references: vec![stored.key],
        ..JobOptions::default()
    })
}

/// Describes the selected subjects' photos before planning, so the prompts can use them.
async fn fetch_likeness(
    app: &App,
    out: &Output,
    options: &GenerateOptions,
    args: &GenerateArgs,
) -> anyhow::Result<()> {
    let subjects = likeness::pipeline::plan::selected(app, &options.selection).await?;
    if !out.json {
        eprintln!("describing the photos of {} subjects", subjects.len());
    }
    let report = likeness::describe::describe_subjects(
        app,
        subjects,
        &likeness::describe::DescribeOptions {
            url_template: args.likeness_url.clone(),
            refresh: args.refresh_likeness,
        },
    )
    .await?;
    if !out.json {
        eprintln!(
            "likeness descriptions: {} new, {} cached, {} without a photo, {} failed",
            report.described,
            report.cached,
            report.without_photo,
            report.failed.len()
        );
        for f in &report.failed {
            eprintln!("  {}: {}: {}", f.subject_id, f.code, f.message);
        }
    }
    Ok(())
}

fn print_dry_run(plan: &DryRun, max_cost: Option<f64>) {
    println!("dry run: nothing was written");
    match &plan.resumes_run {
        Some(id) => println!(
            "run key {}: would resume unfinished run {id} ({} jobs remaining)",
            plan.run_key,
            plan.remaining.unwrap_or(0)
        ),
        None => println!(
            "run key {} (would be version {})",
            plan.run_key, plan.version
        ),
    }
    let p = &plan.plan;
    println!("subjects matched: {}", p.subjects);
    println!("to generate:      {}", p.planned);
    println!("skipped:          {}", p.skipped);
    for (reason, n) in &p.skipped_by_reason {
        println!("  {n} {reason}");
    }
    if p.over_limit > 0 {
        println!("left out by --limit: {}", p.over_limit);
    }
    println!("estimated cost:   {}", usd(p.estimated_cost_usd));
    for (provider, cost) in &p.estimated_cost_by_provider {
        println!("  {provider}: {}", usd(*cost));
    }
    if let Some(limit) = max_cost
        && p.estimated_cost_usd > limit
        && p.planned > 0
    {
        let each = p.estimated_cost_usd / p.planned as f64;
        println!(
            "--max-cost {}: about {} of {} images fit; the batch would stop there",
            usd(limit),
            (limit / each).floor(),
            p.planned
        );
    }
    match &p.sample_prompt {
        Some(prompt) => println!("sample prompt:    {prompt}"),
        None => println!("sample prompt:    (nothing to generate)"),
    }
}

fn print_report(r: &RunReport) {
    println!(
        "run {} version {}: {} succeeded, {} failed, {} skipped in {} (cost {})",
        r.run_key,
        r.version,
        r.succeeded,
        r.failed,
        r.skipped,
        duration(r.duration_ms),
        usd(r.actual_cost_usd)
    );
    for f in &r.failures {
        println!(
            "  failed: {} ({}): {}: {}",
            f.subject_id, f.style, f.code, f.message
        );
    }
    if let Some(why) = &r.stopped {
        println!(
            "stopped early ({why}); {} jobs remain queued. Run the same command again to resume.",
            r.remaining
        );
    }
}
