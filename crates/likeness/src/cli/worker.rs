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
Runs until SIGTERM or Ctrl-C, then finishes the jobs in flight. Jobs held by a worker that dies
go back to the queue when their lease runs out (queue.lease_seconds).")]
pub struct WorkerArgs {
    /// Jobs worked at once (default: generate.concurrency, else enough for the most parallel
    /// usable provider, at least one per core).
    #[arg(long, value_name = "N", value_parser = super::concurrency_flag)]
    concurrency: Option<usize>,
}

pub async fn run(app: Arc<App>, args: WorkerArgs) -> anyhow::Result<ExitCode> {
    super::serve::check_store(&app).await?;
    let stop = Arc::new(AtomicBool::new(false));
    let concurrency = app.worker_count(args.concurrency);
    let workers = super::serve::spawn_workers(app.clone(), concurrency, stop.clone());
    eprintln!("worker started ({concurrency} at once); SIGTERM or Ctrl-C stops it");
    super::serve::shutdown_signal().await;
    stop.store(true, Ordering::Relaxed);
    app.work_available.notify_waiters();
    workers.await.context("worker task failed")??;
    eprintln!("worker stopped");
    Ok(ExitCode::SUCCESS)
}
