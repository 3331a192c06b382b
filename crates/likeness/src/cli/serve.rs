//! `likeness serve`: the HTTP service over the same data directory.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use likeness::App;

#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  likeness serve                                  # 127.0.0.1:8080, no token needed on loopback
  LIKENESS_API_TOKENS=s3cret likeness serve --listen 0.0.0.0:8080

Routes: /api/subjects[/{id}[/history]] (bearer auth), /assets/... (images, cached forever),
/healthz, /readyz. SIGTERM or Ctrl-C stops taking requests and finishes the ones in flight.")]
pub struct ServeArgs {
    /// Address to listen on (default: server.listen in the config, else 127.0.0.1:8080).
    /// Port 0 picks a free port; the address is printed on stderr.
    #[arg(long, value_name = "ADDR")]
    listen: Option<String>,
}

pub async fn run(app: Arc<App>, args: ServeArgs) -> anyhow::Result<ExitCode> {
    let listen = args
        .listen
        .unwrap_or_else(|| app.config.server.listen.clone());
    let addr: SocketAddr = listen
        .parse()
        .with_context(|| format!("--listen {listen:?} is not an address like 127.0.0.1:8080"))?;
    let mut tokens = app.config.server.api_tokens.clone();
    if let Ok(env) = std::env::var("LIKENESS_API_TOKENS") {
        tokens.extend(
            env.split(',')
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty()),
        );
    }
    likeness::http::check_exposure(&addr, &tokens)?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let bound = listener.local_addr()?;
    eprintln!("listening on http://{bound}");
    likeness::http::serve(app, listener, tokens, shutdown_signal()).await?;
    eprintln!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
