//! `likeness serve`: the HTTP service over the same data directory.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Context;
use clap::Args;
use likeness::App;
use likeness::pipeline::worker::{Silent, Workers};

#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  likeness serve                                  # 127.0.0.1:8080, no token needed on loopback
  LIKENESS_API_TOKENS=$(openssl rand -hex 24) likeness serve --listen 0.0.0.0:8080

Routes: /api/subjects[/{id}[/history]] (bearer auth), /assets/... (images, cached forever),
/api/avatars/generate/{id}[?wait=true], /api/jobs/{id}, /api/runs[/{id}], /healthz, /readyz.
SIGTERM or Ctrl-C stops taking requests and jobs and finishes the ones in flight.")]
pub struct ServeArgs {
    /// Address to listen on (default: server.listen in the config, else 127.0.0.1:8080).
    /// Port 0 picks a free port; the address is printed on stderr.
    #[arg(long, value_name = "ADDR")]
    listen: Option<String>,
    /// Queue workers in this process (default: generate.concurrency, else enough for the most
    /// parallel usable provider, at least one per core); 0 leaves
    /// the jobs to `likeness worker` processes.
    #[arg(long, value_name = "N", value_parser = super::workers_flag)]
    workers: Option<usize>,
}

pub async fn run(app: Arc<App>, args: ServeArgs) -> anyhow::Result<ExitCode> {
    let listen = args
        .listen
        .unwrap_or_else(|| app.config.server.listen.clone());
    let addr: SocketAddr = listen
        .parse()
        .with_context(|| format!("--listen {listen:?} is not an address like 127.0.0.1:8080"))?;
    let access = likeness::http::Access {
        api_tokens: app
            .config
            .api_tokens(std::env::var("LIKENESS_API_TOKENS").ok().as_deref())?,
        metrics_token: app
            .config
            .metrics_token(std::env::var("LIKENESS_METRICS_TOKEN").ok().as_deref())?,
    };
    likeness::http::check_exposure(&addr, &access)?;
    check_store(&app).await?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let bound = listener.local_addr()?;
    app.listen_to_others();
    let stop = Arc::new(AtomicBool::new(false));
    let workers = match args.workers {
        Some(0) => None,
        n => Some(spawn_workers(
            app.clone(),
            app.worker_count(n),
            stop.clone(),
            false,
        )),
    };
    let sender = likeness::webhooks::sender::start(app.clone(), stop.clone()).await?;
    // Installed before saying we listen: a SIGTERM sent as soon as we answer must stop us
    // cleanly, not kill us by its default action.
    let signal = shutdown_signal();
    eprintln!("listening on http://{bound}");
    let shutdown = {
        let app = app.clone();
        async move {
            signal.await;
            // Stop taking jobs; the ones in flight finish before the process exits.
            stop.store(true, Ordering::Relaxed);
            app.work_available.notify_waiters();
        }
    };
    likeness::http::serve(app, listener, access, shutdown).await?;
    if let Some(workers) = workers {
        workers.await.context("worker task failed")??;
    }
    sender.await.context("webhook sender failed")?;
    eprintln!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// Queue workers over every run, until `stop`.
pub fn spawn_workers(
    app: Arc<App>,
    concurrency: usize,
    stop: Arc<AtomicBool>,
    drain: bool,
) -> tokio::task::JoinHandle<likeness::Result<()>> {
    tokio::spawn(async move {
        let silent = Silent;
        Workers::new(&app, None, &silent, stop)
            .with_drain(drain)
            .run(concurrency)
            .await
    })
}

/// Ctrl-C or SIGTERM. The SIGTERM handler is installed by this call, not when the future is
/// first polled, so a signal in between is not lost to its default action (death by signal).
pub fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    async move {
        let ctrl_c = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        #[cfg(unix)]
        let term = async move {
            match term {
                Some(mut s) => {
                    s.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        #[cfg(not(unix))]
        let term = std::future::pending::<()>();
        tokio::select! {
            _ = ctrl_c => {},
            _ = term => {},
        }
    }
}

/// Logs where images go and asks both sides of the store once, so a wrong endpoint, bucket
/// or secret stops the start with the store's answer instead of failing every image later.
pub(super) async fn check_store(app: &App) -> anyhow::Result<()> {
    tracing::info!(store = %app.store.describe(), "storage");
    app.store.check().await?;
    Ok(())
}
