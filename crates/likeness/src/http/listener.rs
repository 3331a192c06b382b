//! Accepting connections. axum's own `serve` has no header-read timeout and no bound on
//! connections, so a few hundred slow or idle clients could hold every file descriptor and make
//! `/healthz` time out. This loop serves the same router through hyper with:
//!
//! - a request-head timeout that also closes idle keep-alive connections (hyper starts it each
//!   time it waits for a request head);
//! - a bound on connections served at once: one more is answered `503` with the JSON error
//!   shape and closed, at once, instead of queueing behind the others;
//! - TCP_NODELAY (small answers must not wait on Nagle's algorithm and a delayed ACK);
//! - accept errors (EMFILE…) logged and retried after a pause instead of ending the server;
//! - graceful shutdown: stop accepting, let requests in flight finish, bounded.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

/// How the server treats connections (from `[server]`).
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    pub max_connections: usize,
    pub header_timeout: Duration,
}

/// How long requests in flight may take to finish after a shutdown signal.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// File descriptors kept for everything but client connections: the database pool, store
/// files, outgoing provider connections, logs.
const RESERVED_FDS: u64 = 128;

/// Serves `router` on `listener` until `shutdown` completes.
pub async fn serve_connections(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true);
    tokio::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of descriptors or a connection reset before accept: wait a little
                    // so a full table does not spin the loop.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY");
        }
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            tokio::spawn(refuse_busy(stream, limits.max_connections));
            continue;
        };
        let service = TowerToHyperService::new(router.clone());
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            // Errors here are the client's (a reset, a header timeout): nothing to report.
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection ended");
            }
            drop(permit);
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(SHUTDOWN_GRACE) => {
            tracing::warn!("requests still in flight after {SHUTDOWN_GRACE:?}; stopping anyway");
        }
    }
}

/// A plain `503` for a connection over the bound: written at once, then closed, so a flood of
/// connections never waits in the kernel's queue or holds a descriptor for long.
async fn refuse_busy(mut stream: TcpStream, max: usize) {
    let body = format!(
        "{{\"error\":{{\"code\":\"http.too_many_connections\",\"message\":\"the server is \
         serving {max} connections (server.max_connections); retry shortly\",\"details\":null}}}}"
    );
    let response = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n\
         retry-after: 1\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    let write = async {
        stream.write_all(response.as_bytes()).await?;
        stream.shutdown().await
    };
    let _ = tokio::time::timeout(Duration::from_secs(1), write).await;
}

/// Raises the soft limit on open files to the hard limit (a default of 256 or 1024 is far below
/// what a server needs) and returns the connections that fit beside [`RESERVED_FDS`].
pub fn raise_fd_limit() -> Option<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write the struct passed by pointer.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return None;
        }
        if limit.rlim_cur < limit.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: limit.rlim_max,
                rlim_max: limit.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                limit.rlim_cur = limit.rlim_max;
            }
        }
    }
    Some(limit.rlim_cur.saturating_sub(RESERVED_FDS))
}

/// `configured` connections, lowered (with a warning) to what the descriptor limit allows.
pub fn connection_bound(configured: usize) -> usize {
    match raise_fd_limit() {
        Some(fit) if (configured as u64) > fit => {
            let bound = fit.max(8) as usize;
            tracing::warn!(
                "server.max_connections = {configured} does not fit the open-file limit; \
                 serving at most {bound} connections (raise `ulimit -n` for more)"
            );
            bound
        }
        _ => configured,
    }
}
