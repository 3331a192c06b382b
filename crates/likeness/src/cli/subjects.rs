//! `likeness subjects`, `resolve` and `history`: looking at subjects and their images.

use std::process::ExitCode;

use clap::{Args, Subcommand};
use likeness::App;
use likeness::views::{HistoryEntry, SubjectView};
use likeness_subjects::Subject;

use super::output::{Output, duration};

#[derive(Debug, Subcommand)]
pub enum SubjectsCommand {
    /// List subjects (id order).
    List {
        /// Only subjects in this cohort.
        #[arg(long, value_name = "NAME")]
        cohort: Option<String>,
    },
    /// Show one subject as likeness normalised it: name, gender, age, age band, hair, ...
    Show {
        #[arg(value_name = "ID_OR_SLUG")]
        id: String,
    },
    /// Erase a person completely: the subject, every image and resized variant, reference
    /// photos, jobs, webhook deliveries that name them, and quotes of them in run records.
    /// What stays is a record that an erasure happened (when, who, how much), without the id.
    /// Safe to run again after a crash: it finishes what is left.
    #[command(after_help = "\
Examples:
  likeness subjects erase 76003
  likeness --json subjects erase 76003      # {subject_id, existed, assets_removed, ...}

The id is required (not a slug). Refused while a worker is drawing one of the subject's
images: wait for it (or cancel the run) and erase again.")]
    Erase {
        #[arg(value_name = "ID")]
        id: String,
    },
}

#[derive(Debug, Args)]
pub struct ResolveArgs {
    #[arg(value_name = "ID_OR_SLUG")]
    id: String,
    /// Style (default: the configured default style).
    #[arg(long, value_name = "NAME")]
    style: Option<String>,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    #[arg(value_name = "ID_OR_SLUG")]
    id: String,
}

fn view(s: &Subject, today: chrono::NaiveDate) -> SubjectView {
    SubjectView::new(s, today)
}

pub async fn run(app: &App, out: &Output, command: SubjectsCommand) -> anyhow::Result<ExitCode> {
    match command {
        SubjectsCommand::List { cohort } => {
            let mut all = Vec::new();
            let mut after: Option<String> = None;
            loop {
                let page = app
                    .db
                    .subjects_page(after.as_deref(), cohort.as_deref(), 1000)
                    .await?;
                let Some(last) = page.last() else { break };
                after = Some(last.id.to_string());
                all.extend(page.iter().map(|s| view(s, app.today)));
            }
            out.emit(&all, || {
                println!(
                    "{:<24} {:<32} {:<7} {:>4}  COHORTS",
                    "ID", "NAME", "GENDER", "AGE"
                );
                for s in &all {
                    let age = s.age.map(|a| a.to_string()).unwrap_or_else(|| "-".into());
                    println!(
                        "{:<24} {:<32} {:<7} {:>4}  {}",
                        s.id,
                        s.display_name,
                        s.gender,
                        age,
                        s.cohorts.join(",")
                    );
                }
                println!("{} subjects", all.len());
            })?;
        }
        SubjectsCommand::Erase { id } => {
            let actor = format!(
                "cli:{}",
                std::env::var("USER").unwrap_or_else(|_| "unknown".into())
            );
            let done = likeness::erase::erase(app, &id, &actor).await?;
            out.emit(&done, || {
                println!(
                    "erased {}: {} images and {} jobs from the database, {} files from the store",
                    done.subject_id, done.assets_removed, done.jobs_removed, done.objects_removed
                );
            })?;
        }
        SubjectsCommand::Show { id } => {
            let subject = app.db.find_subject(&id).await?;
            let v = view(&subject, app.today);
            out.emit(&v, || {
                println!("id:           {}", v.id);
                println!("source:       {}", v.source);
                println!("display name: {}", v.display_name);
                println!("slug:         {}", v.slug);
                println!(
                    "gender:       {}{}",
                    v.gender,
                    v.gender_raw
                        .as_ref()
                        .map(|g| format!(" (source: {g})"))
                        .unwrap_or_default()
                );
                println!("birth date:   {}", v.birth_date.as_deref().unwrap_or("-"));
                println!(
                    "age:          {}",
                    v.age
                        .map(|a| a.to_string())
                        .unwrap_or_else(|| "unknown".into())
                );
                println!(
                    "age band:     {}",
                    v.age_band.as_deref().unwrap_or("unknown")
                );
                if v.deceased {
                    println!(
                        "deceased:     yes{}",
                        v.deceased_date
                            .as_ref()
                            .map(|d| format!(" ({d})"))
                            .unwrap_or_default()
                    );
                }
                println!(
                    "hair:         {}",
                    v.hair.as_deref().unwrap_or("(renderer's choice)")
                );
                println!("cohorts:      {}", v.cohorts.join(", "));
                for (k, val) in &v.attributes {
                    println!("  {k}: {val}");
                }
            })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn resolve(app: &App, out: &Output, args: ResolveArgs) -> anyhow::Result<ExitCode> {
    let r = likeness::resolve::resolve(app, &args.id, args.style.as_deref()).await?;
    // A file path for a local store; else where the image is (`s3://…`, no credentials).
    let shown = r.path.clone().unwrap_or_else(|| app.store.locate(&r.key));
    out.emit(&r, || println!("{shown}"))?;
    Ok(ExitCode::SUCCESS)
}

pub async fn history(app: &App, out: &Output, args: HistoryArgs) -> anyhow::Result<ExitCode> {
    let subject = app.db.find_subject(&args.id).await?;
    let rows = app.db.history(subject.id.as_ref()).await?;
    let entries: Vec<HistoryEntry> = rows
        .into_iter()
        .map(|a| HistoryEntry::new(a, &app.store))
        .collect();
    out.emit(&entries, || {
        if entries.is_empty() {
            println!(
                "no images yet for {}; run `likeness generate --subject {}`",
                subject.id, subject.id
            );
        }
        for e in &entries {
            let mark = if e.current { "*" } else { " " };
            println!(
                "{mark} {} {} v{} {} {}:{} {} {}",
                e.created_at,
                e.style,
                e.style_version,
                e.status,
                e.provider,
                e.model,
                duration(e.total_ms),
                e.path
                    .clone()
                    .or_else(|| e.storage_key.as_deref().map(|k| app.store.locate(k)))
                    .unwrap_or_default()
            );
            if let (Some(code), Some(msg)) = (&e.error_code, &e.error_message) {
                println!("    error {code}: {msg}");
            }
            if let Some(score) = e.identity_score {
                println!("    identity score {score:.2} against the reference photo");
            }
            let d = e.details.as_ref();
            if let Some(problems) = d.and_then(|d| d.pointer("/quality/problems"))
                && problems.as_array().is_some_and(|p| !p.is_empty())
            {
                println!("    quality problems: {problems}");
            }
            if let Some(gate) = d.and_then(|d| d.get("gate")) {
                println!("    gate: {gate}");
            }
            println!("    prompt: {}", e.prompt);
        }
    })?;
    Ok(ExitCode::SUCCESS)
}
