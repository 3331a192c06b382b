//! `likeness migrate db --to URL`: copy every row of the configured database into another,
//! verified, resumable and idempotent; the source is only read.

use std::process::ExitCode;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Args;
use likeness::App;
use likeness::db::migrate::{Phase, Progress};
use likeness::db::{DatabaseUrl, Db};
use serde::Serialize;

use super::output::Output;

#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  likeness migrate db --to postgres://likeness:PASSWORD@db:5432/likeness
  PGPASSWORD=… likeness migrate db --to postgres://likeness@db/likeness   # no password in argv
  likeness migrate db --to sqlite:///srv/likeness/likeness.db --json

Moving an installation from SQLite and a folder to PostgreSQL and S3:
  1. stop `likeness serve` and every `likeness worker`: the source should be quiet while it is
     copied (jobs running in it are copied as running, and a warning says so)
  2. likeness migrate db --to postgres://likeness:PASSWORD@db:5432/likeness
  3. likeness migrate store --to s3://bucket/prefix            # the images
  4. set `[database] url` and `[storage] url` in the config (or LIKENESS_DATABASE_URL), start
     again

Every row is copied: subjects and their cohorts, runs, jobs and assets (with their costs and
audit details). The destination is created and brought up to date if needed; it must be empty
or hold an earlier copy of this database (rows from anywhere else are refused). An interrupted
copy resumes where it stopped, and a second run copies nothing. Afterwards every table is
compared with the source (row counts and a digest of the content); a difference fails the
command and names the table and rows. The source is never written to.

--json prints {\"copied\": N, \"already_present\": N, \"verified\": N}.")]
pub struct MigrateDbArgs {
    /// The database to copy into: postgres://USER:PASSWORD@HOST:PORT/DB (the password may
    /// come from PGPASSWORD or ~/.pgpass instead) or sqlite://PATH (relative to the data
    /// directory). Never the database likeness is using.
    #[arg(long, value_name = "URL")]
    pub to: String,
}

/// The `--json` summary.
#[derive(Debug, Serialize)]
struct Summary {
    copied: u64,
    already_present: u64,
    verified: u64,
}

pub async fn run(app: &App, out: &Output, args: MigrateDbArgs) -> anyhow::Result<ExitCode> {
    let env = |_: &str| None;
    let options = app
        .config
        .database_options(&app.data_dir, Some(&args.to), &env, 1)
        .context("the destination (--to)")?;
    if options.url.same_database(app.db.url()) {
        return Err(likeness::Error::CopyRefused(format!(
            "--to {} is the database likeness already uses: give another database",
            options.url.redacted()
        ))
        .into());
    }
    if let DatabaseUrl::Sqlite(path) = &options.url
        && let Some(dir) = path.parent()
    {
        std::fs::create_dir_all(dir).map_err(|e| {
            likeness::Error::io(format!("cannot create folder {}", dir.display()), e)
        })?;
    }
    let workers = app.db.running_workers(None).await?;
    if !workers.is_empty() {
        eprintln!(
            "warning: {} worker(s) hold running jobs in the source ({}). Their jobs are copied \
             as running and go back to the queue on the destination when their lease runs \
             out, but anything recorded from now on is not copied: stop `likeness serve` and \
             `likeness worker` first",
            workers.len(),
            workers.join(", ")
        );
    }
    if !out.json {
        eprintln!(
            "copying {} into {}",
            app.db.describe(),
            options.url.redacted()
        );
    }
    let dest = Db::open(&options).await.context("the destination (--to)")?;
    let lines = Lines::new(out.json);
    let outcome = app
        .db
        .copy_into(&dest, &|p: Progress<'_>| lines.show(p))
        .await;
    dest.close().await;
    let report = outcome?;
    let summary = Summary {
        copied: report.copied,
        already_present: report.already_present,
        verified: report.verified,
    };
    out.emit(&summary, || {
        println!("copied: {}", report.copied);
        println!("already present: {}", report.already_present);
        println!("verified: {}", report.verified);
        for t in &report.tables {
            println!(
                "  {:<16} {:>8} rows in the source, {:>8} in the destination ({} copied)",
                t.table, t.source_rows, t.destination_rows, t.copied
            );
        }
        println!(
            "next: `likeness migrate store --to s3://BUCKET/PREFIX` for the images, then set \
             `[database] url = \"{}\"` (or LIKENESS_DATABASE_URL) and `[storage] url`",
            options.url.redacted()
        );
    })?;
    if report.running_jobs > 0 {
        eprintln!(
            "warning: {} job(s) were running in the source when it was copied",
            report.running_jobs
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Progress lines on stderr: one per table and pass, and one every few seconds in between.
struct Lines {
    silent: bool,
    last: Mutex<Instant>,
}

impl Lines {
    fn new(silent: bool) -> Lines {
        Lines {
            silent,
            last: Mutex::new(Instant::now()),
        }
    }

    fn show(&self, p: Progress<'_>) {
        if self.silent {
            return;
        }
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        if !p.finished && last.elapsed() < Duration::from_secs(2) {
            return;
        }
        *last = Instant::now();
        let (table, done, total) = (p.table, p.done, p.total);
        match (p.phase, p.finished) {
            (Phase::Checking, _) => {
                eprintln!("checking: {table}: {done}/{total} rows of the destination")
            }
            (Phase::Copying, false) => {
                eprintln!("copying: {table}: {done}/{total} rows, {} copied", p.copied)
            }
            (Phase::Copying, true) => eprintln!(
                "copied: {table}: {} of {total} rows ({} already present)",
                p.copied,
                done - p.copied
            ),
            (Phase::Verifying, false) => eprintln!("verifying: {table}: {done}/{total} rows"),
            (Phase::Verifying, true) => eprintln!("verifying: {table}: {done} rows read back"),
        }
    }
}
