//! `likeness worker`: queue workers only, over every run, for scaling out beside `serve
//! --workers 0` or on other machines sharing the database and store.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Context;
use clap::Args;
use likeness::App;

#[derive(Debug, Args)]
#[command(after_help = "\
Runs until SIGTERM or Ctrl-C (or, with --drain, until no job is queued or running), then
finishes the jobs in flight. Jobs held by a worker that dies go back to the queue when their
lease runs out (queue.lease_seconds). Workers on other machines need only the same
--database-url (PostgreSQL) and --storage-url: no shared disk.

Examples:
  likeness worker                                     # work every run until stopped
  likeness generate --cohort nba --enqueue-only && likeness worker --drain")]
pub struct WorkerArgs {
    /// Jobs worked at once (default: generate.concurrency, else enough for the most parallel
    /// usable provider, at least one per core).
    #[arg(long, value_name = "N", value_parser = super::concurrency_flag)]
    concurrency: Option<usize>,
    /// Exit once no job of any run is queued or running (batch machines, scripts).
    #[arg(long)]
    drain: bool,
}

pub async fn run(app: Arc<App>, args: WorkerArgs) -> anyhow::Result<ExitCode> {
    super::serve::check_store(&app).await?;
    let stop = Arc::new(AtomicBool::new(false));
    let concurrency = app.worker_count(args.concurrency);
    app.listen_to_others();
    let mut workers =
        super::serve::spawn_workers(app.clone(), concurrency, stop.clone(), args.drain);
    // Webhook deliveries are sent from every worker process too (at most one sender each).
    let sender_stop = Arc::new(AtomicBool::new(false));
    let sender = likeness::webhooks::sender::start(app.clone(), sender_stop.clone()).await?;
    let until = if args.drain {
        "until the queue is empty"
    } else {
        "until stopped"
    };
    // Installed before saying we started, so an early SIGTERM stops us cleanly.
    let signal = super::serve::shutdown_signal();
    eprintln!("worker started ({concurrency} at once, {until}); SIGTERM or Ctrl-C stops it");
    let finished = tokio::select! {
        done = &mut workers => Some(done),
        () = signal => None,
    };
    let done = match finished {
        Some(done) => done,
        None => {
            stop.store(true, Ordering::Relaxed);
            app.work_available.notify_waiters();
            workers.await
        }
    };
    done.context("worker task failed")??;
    sender_stop.store(true, Ordering::Relaxed);
    sender.await.context("webhook sender failed")?;
    eprintln!("worker stopped");
    Ok(ExitCode::SUCCESS)
}
