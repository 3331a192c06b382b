//! `likeness sweep`: remove the orphan images a crash can leave in the store.

use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use likeness::App;

use super::output::Output;

#[derive(Debug, Args)]
#[command(after_help = "\
An image is written to the store before its attempt is recorded, so a process killed between
the two leaves an image nothing refers to (the job is redone, and its image recorded). A sweep
lists the store, keeps what the database refers to (images of attempts, reference photos of
jobs, their resized variants, the placeholder) and removes the rest that is older than
--older-than (younger objects may be images being written right now). Safe while servers and
workers run.

Examples:
  likeness sweep --dry-run          # what would go
  likeness sweep                    # remove orphans older than an hour")]
pub struct SweepArgs {
    /// Leave alone objects written less than this many seconds ago (in flight elsewhere).
    #[arg(long, value_name = "SECONDS", default_value_t = 3600,
          value_parser = clap::value_parser!(u64).range(0..=31_536_000))]
    older_than: u64,
    /// Report what would be removed; remove nothing.
    #[arg(long)]
    dry_run: bool,
}

pub async fn run(app: &App, out: &Output, args: SweepArgs) -> anyhow::Result<ExitCode> {
    let grace = Duration::from_secs(args.older_than);
    let report = likeness::sweep::sweep(app, grace, args.dry_run).await?;
    out.emit(&report, || {
        let verb = if report.dry_run {
            "would remove"
        } else {
            "removed"
        };
        eprintln!(
            "{} objects in {}: {} referenced, {verb} {} orphans, {} too recent to judge",
            report.listed,
            app.store.describe(),
            report.referenced,
            report.removed,
            report.too_recent
        );
    })?;
    Ok(ExitCode::SUCCESS)
}
