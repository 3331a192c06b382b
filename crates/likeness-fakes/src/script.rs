//! What every fake shares: the server on an ephemeral port, the request log, the reply script
//! and the quota.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use futures::StreamExt;

/// A fake server running on 127.0.0.1. Dropping it stops it.
pub struct Server {
    pub addr: SocketAddr,
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub url: String,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    /// Serves `router` on an ephemeral port of 127.0.0.1.
    pub async fn start(router: axum::Router) -> std::io::Result<Server> {
        Server::start_on("127.0.0.1:0", router).await
    }

    pub async fn start_on(addr: &str, router: axum::Router) -> std::io::Result<Server> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Ok(Server {
            addr,
            url: format!("http://{addr}"),
            task,
        })
    }

    /// Runs until the server stops (for the `likeness-fake` binary).
    pub async fn wait(mut self) {
        let task = std::mem::replace(&mut self.task, tokio::spawn(async {}));
        let _ = task.await;
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// One request as the fake received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: Method,
    pub path: String,
    pub query: String,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub at: Instant,
}

impl Recorded {
    pub fn new(method: &Method, uri: &Uri, headers: &HeaderMap, body: &Bytes) -> Recorded {
        Recorded {
            method: method.clone(),
            path: uri.path().to_string(),
            query: uri.query().unwrap_or_default().to_string(),
            headers: headers.clone(),
            body: body.clone(),
            at: Instant::now(),
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// Every request a fake received, in order.
#[derive(Debug, Default)]
pub struct Log(Mutex<Vec<Recorded>>);

impl Log {
    pub fn push(&self, r: Recorded) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).push(r);
    }

    pub fn all(&self) -> Vec<Recorded> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn len(&self) -> usize {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Replies in order, one per request, then `default` for ever.
#[derive(Debug)]
pub struct Script<R: Clone> {
    queue: Mutex<VecDeque<R>>,
    default: Mutex<R>,
}

impl<R: Clone> Script<R> {
    pub fn new(default: R) -> Script<R> {
        Script {
            queue: Mutex::new(VecDeque::new()),
            default: Mutex::new(default),
        }
    }

    pub fn push(&self, reply: R) {
        self.queue
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push_back(reply);
    }

    pub fn set_default(&self, reply: R) {
        *self.default.lock().unwrap_or_else(|p| p.into_inner()) = reply;
    }

    pub fn next(&self) -> R {
        let queued = self
            .queue
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pop_front();
        queued.unwrap_or_else(|| {
            self.default
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone()
        })
    }
}

/// A provider's rate limit: a token bucket of `burst` requests refilled at `per_minute`.
/// Requests beyond it get the provider's 429 with a retry delay of `retry_after`.
#[derive(Debug)]
pub struct Quota {
    pub per_minute: f64,
    pub burst: f64,
    pub retry_after: Duration,
    state: Mutex<(f64, Instant)>,
    /// Requests let through and refused, for benchmarks.
    pub counts: Mutex<(u64, u64)>,
}

impl Quota {
    pub fn new(per_minute: f64, burst: f64, retry_after: Duration) -> Quota {
        Quota {
            per_minute,
            burst,
            retry_after,
            state: Mutex::new((burst, Instant::now())),
            counts: Mutex::new((0, 0)),
        }
    }

    /// Takes a token; `Err(retry_after)` when there is none.
    pub fn take(&self) -> Result<(), Duration> {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        let refill = now.duration_since(s.1).as_secs_f64() * self.per_minute / 60.0;
        s.0 = (s.0 + refill).min(self.burst);
        s.1 = now;
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        if s.0 >= 1.0 {
            s.0 -= 1.0;
            counts.0 += 1;
            Ok(())
        } else {
            counts.1 += 1;
            Err(self.retry_after)
        }
    }
}

/// A reply with exactly these parts.
pub fn raw(status: u16, headers: &[(&str, &str)], body: impl Into<Body>) -> Response {
    let mut b = Response::builder()
        .status(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR));
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    b.body(body.into()).expect("valid response parts")
}

/// A JSON reply.
pub fn json(status: u16, value: &serde_json::Value) -> Response {
    raw(
        status,
        &[("content-type", "application/json; charset=UTF-8")],
        value.to_string(),
    )
}

/// A reply whose body stops after `prefix` with the connection dropped mid-body (the client
/// sees an incomplete chunked body), as a proxy or a crashed server leaves it.
pub fn cut_short(status: u16, content_type: &str, prefix: Vec<u8>) -> Response {
    // The pause lets the prefix reach the client before the drop; without it hyper fails the
    // response before flushing anything and the client sees no answer at all.
    let stream = futures::stream::iter(vec![Ok::<Bytes, std::io::Error>(Bytes::from(prefix))])
        .chain(futures::stream::once(async {
            tokio::time::sleep(Duration::from_millis(50)).await;
            Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "fake: connection dropped mid-body",
            ))
        }));
    raw(
        status,
        &[("content-type", content_type)],
        Body::from_stream(stream),
    )
}

/// Waits `delay` (a slow reply), then returns.
pub async fn slow(delay: Duration) {
    tokio::time::sleep(delay).await;
}

/// The shared state a fake's handlers hold.
pub type Shared<R> = Arc<(Script<R>, Log, Mutex<Option<Arc<Quota>>>)>;
