//! What both HTTP targets share: one data directory, app, router and two queue workers set up
//! once per process, a request sent in-process (`tower::ServiceExt::oneshot`, no socket), and
//! the invariants every answer must keep.
//!
//! Invariants (beyond "no panic"):
//! - never a 500, and a 5xx only where the service legitimately cannot help (see
//!   [`legitimate_5xx`]);
//! - every answer is JSON; an error carries `error.code` and `error.message` (and `details` on
//!   `/api`, OpenAI's `type` on `/v1`);
//! - no error message names a path in the data directory (but see [`PATH_IN_MESSAGE_KNOWN`]);
//! - a request answers within [`HANG`] unless jobs are being worked (a request still open
//!   with none in flight is a hang). One still waiting on jobs at [`REQUEST_LIMIT`] is given
//!   up unjudged: under ASan one 4096 px watercolor takes ~18 s, and `n` may be 10.
//!
//! Nothing leaves the machine: [`isolate_network`] moves the process into a network namespace
//! of its own (no interface up, not even loopback) before any thread starts, so a reference
//! URL or a subject's `reference_photo` URL the fuzzer writes cannot reach anything.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, LazyLock, OnceLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderValue, Request, StatusCode, header};
use likeness::App;
use likeness::app::Mode;
use likeness::pipeline::worker::{Silent, Workers};
use serde_json::Value;
use tower::ServiceExt;

/// A request still running after this long with no job in flight is a hang.
pub const HANG: Duration = Duration::from_secs(10);
/// A request whose jobs are still being drawn after this long is dropped, not judged (the
/// jobs go on; later inputs drain them).
pub const REQUEST_LIMIT: Duration = Duration::from_secs(20);
/// The most one input may take, request and queue drain together: under libFuzzer's
/// `-timeout=30`, so a slow but legitimate generation is not reported as a timeout.
pub const HARD_LIMIT: Duration = Duration::from_secs(25);

/// The subject created at set-up, for `POST /api/avatars/generate/fz1`.
pub const SUBJECT: &str = "fz1";

/// Whose error shape a route answers in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `{"error": {"code", "message", "details"}}`
    Likeness,
    /// `{"error": {"message", "type", "param", "code"}}`
    OpenAi,
}

#[derive(Debug, Clone, Copy)]
pub struct Route {
    pub path: &'static str,
    pub shape: Shape,
}

pub const SUBJECTS: Route = Route {
    path: "/api/subjects?generate=false",
    shape: Shape::Likeness,
};
pub const AVATAR: Route = Route {
    path: "/api/avatars/generate/fz1",
    shape: Shape::Likeness,
};
pub const GENERATE: Route = Route {
    path: "/api/generate",
    shape: Shape::Likeness,
};
pub const OPENAI_GENERATIONS: Route = Route {
    path: "/v1/images/generations",
    shape: Shape::OpenAi,
};
pub const OPENAI_EDITS: Route = Route {
    path: "/v1/images/edits",
    shape: Shape::OpenAi,
};

/// Environment variables that would give the app a cloud provider (whose calls would fail and
/// retry inside the sandbox, slowly) or real face models (slow under sanitizers).
const REFUSED_ENV: &[&str] = &[
    "GEMINI_API_KEY",
    "OPENAI_API_KEY",
    "GEMINI_BASE_URL",
    "OPENAI_BASE_URL",
    "COMFYUI_URL",
    "LIKENESS_MODELS",
];

pub struct Harness {
    pub rt: tokio::runtime::Runtime,
    pub router: Router,
    pub app: Arc<App>,
    pub data_dir: PathBuf,
}

static DATA_DIR: OnceLock<PathBuf> = OnceLock::new();

/// `LIKENESS_FUZZ_VERBOSE=1`: every request and its answer on stderr (for reproducing).
static VERBOSE: LazyLock<bool> =
    LazyLock::new(|| std::env::var_os("LIKENESS_FUZZ_VERBOSE").is_some_and(|v| v == "1"));

pub static HARNESS: LazyLock<Harness> = LazyLock::new(setup);

/// For `fuzz_target!(init: …)`: the sandbox, then the set-up, before the first input is timed.
pub fn init() {
    isolate_network();
    LazyLock::force(&HARNESS);
}

/// Moves the process into a new network namespace (as root directly, otherwise inside a new
/// user namespace), then checks that only a loopback interface, down, is left. Runs in
/// libFuzzer's `LLVMFuzzerInitialize`, before libFuzzer or tokio start a thread (a user
/// namespace can only be entered single-threaded; threads started later inherit the
/// namespace). Exits if the sandbox cannot be had: the targets are never run with the network.
pub fn isolate_network() {
    let attempts = [libc::CLONE_NEWNET, libc::CLONE_NEWUSER | libc::CLONE_NEWNET];
    // SAFETY: unshare(2) takes flags only and touches no memory of ours.
    let ok = attempts.iter().any(|&f| unsafe { libc::unshare(f) } == 0);
    if !ok {
        eprintln!(
            "likeness-fuzz-http: cannot enter a network namespace of its own ({}); the targets \
             refuse to run with the network. Allow unprivileged user namespaces \
             (kernel.unprivileged_userns_clone=1) or run as root.",
            std::io::Error::last_os_error()
        );
        std::process::exit(2);
    }
    let dev = std::fs::read_to_string("/proc/self/net/dev").unwrap_or_default();
    let interfaces: Vec<&str> = dev
        .lines()
        .skip(2)
        .filter_map(|l| l.split(':').next())
        .map(str::trim)
        .collect();
    if interfaces.iter().any(|i| *i != "lo") {
        eprintln!("likeness-fuzz-http: the network namespace still has {interfaces:?}");
        std::process::exit(2);
    }
}

fn setup() -> Harness {
    if let Some(var) = REFUSED_ENV.iter().find(|v| std::env::var_os(v).is_some()) {
        eprintln!("likeness-fuzz-http: unset {var}: the targets run with the built-in renderer only");
        std::process::exit(2);
    }
    sweep_stale_dirs();
    let dir = tempfile::Builder::new()
        .prefix(&format!("likeness-fuzz-http-{}-", std::process::id()))
        .tempdir()
        .expect("a temporary data directory")
        .keep();
    DATA_DIR.set(dir.clone()).expect("set up once");
    // SAFETY: registering a plain `extern "C" fn` with no arguments.
    unsafe { libc::atexit(remove_data_dir) };
    std::fs::write(dir.join("likeness.toml"), CONFIG).expect("write likeness.toml");

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let (app, router) = rt.block_on(async {
        let app = Arc::new(
            App::open(&dir, None, Mode::ReadWrite)
                .await
                .expect("open the data directory"),
        );
        let router = likeness::http::router(app.clone(), likeness::http::Access::default())
            .expect("build the router");
        (app, router)
    });
    // Two workers, as `likeness serve` runs them (`cli/serve.rs::spawn_workers`), so a valid
    // generation finishes with the built-in renderer instead of waiting out the 120 s.
    {
        let app = app.clone();
        let stop = Arc::new(AtomicBool::new(false));
        rt.spawn(async move {
            let silent = Silent;
            if let Err(e) = Workers::new(&app, None, &silent, stop).run(2).await {
                eprintln!("likeness-fuzz-http: the workers stopped: {e}");
                std::process::abort();
            }
        });
    }
    let harness = Harness {
        rt,
        router,
        app,
        data_dir: dir,
    };
    // The subject the avatars route generates for.
    let created = harness.send(
        SUBJECTS,
        HeaderValue::from_static("application/json"),
        format!(r#"{{"id":"{SUBJECT}","name":"Fuzz One","gender":"female"}}"#).into_bytes(),
    );
    assert_eq!(created.status, StatusCode::OK, "create {SUBJECT}: {created:?}");
    harness
}

/// `generate_per_minute = 0`: no rate limit (every input would be a 429 after ten). The fetch
/// timeouts are short (nothing answers inside the sandbox anyway). Reference photos down to
/// 64 px, so a small PNG gets past intake to the face models (absent: 503
/// `face.models_missing`). Retries soon and few, so the queue drains between inputs.
const CONFIG: &str = r#"
[server]
generate_per_minute = 0
max_body_bytes = 1048576
asset_cache_bytes = 0

[fetch]
connect_timeout_seconds = 1
timeout_seconds = 2

[faces]
min_reference_side = 64

[generate]
concurrency = 2
max_attempts = 2

[queue]
retry_base_ms = 20
retry_max_seconds = 1
"#;

extern "C" fn remove_data_dir() {
    if let Some(dir) = DATA_DIR.get() {
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// Data directories of earlier runs that died (a crash skips `atexit`): their process is gone.
fn sweep_stale_dirs() {
    let tmp = std::env::temp_dir();
    let Ok(entries) = std::fs::read_dir(&tmp) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix("likeness-fuzz-http-")) else {
            continue;
        };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// One answer, read whole.
pub struct Reply {
    pub status: StatusCode,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
    pub elapsed: Duration,
}

impl std::fmt::Debug for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({:?}, {} ms): {}",
            self.status,
            self.content_type.as_deref().unwrap_or("no content-type"),
            self.elapsed.as_millis(),
            preview(&self.body, 2000)
        )
    }
}

/// Up to `max` bytes, as text with non-printable bytes escaped.
pub fn preview(bytes: &[u8], max: usize) -> String {
    let cut = &bytes[..bytes.len().min(max)];
    let mut s = String::from_utf8_lossy(cut).escape_debug().to_string();
    if bytes.len() > max {
        s.push_str(&format!("… ({} bytes)", bytes.len()));
    }
    s
}

impl Harness {
    /// Sends one POST, checks the answer's invariants, then waits for the jobs it queued.
    /// Panics (libFuzzer reports a crash) when an invariant breaks.
    pub fn exercise(&self, route: Route, content_type: HeaderValue, body: Vec<u8>) {
        let start = Instant::now();
        let request_preview = preview(&body, 4000);
        let type_preview = preview(content_type.as_bytes(), 400);
        let short = if *VERBOSE {
            preview(&body, 300)
        } else {
            String::new()
        };
        let describe = |what: &str| {
            format!(
                "{what}\n  POST {}\n  content-type: {type_preview}\n  body: {request_preview}",
                route.path
            )
        };
        let reply = match self.try_send(route, content_type, body, start) {
            Ok(Some(reply)) => reply,
            Ok(None) => {
                eprintln!(
                    "likeness-fuzz-http: POST {} still waiting on its jobs after {} s; not judged",
                    route.path,
                    REQUEST_LIMIT.as_secs()
                );
                self.drain(start);
                return;
            }
            Err(waited) => panic!("{}", describe(&waited)),
        };
        if *VERBOSE {
            eprintln!("POST {} [{type_preview}] {short}\n  -> {reply:?}", route.path);
        }
        if let Err(broken) = check(route, &reply) {
            panic!("{}\n  answer: {reply:?}", describe(&broken));
        }
        self.drain(start);
    }

    /// Sends one POST and reads the whole answer, without checks (for set-up).
    pub fn send(&self, route: Route, content_type: HeaderValue, body: Vec<u8>) -> Reply {
        self.try_send(route, content_type, body, Instant::now())
            .unwrap_or_else(|e| panic!("{e}"))
            .expect("an answer within the time limit")
    }

    fn try_send(
        &self,
        route: Route,
        content_type: HeaderValue,
        body: Vec<u8>,
        start: Instant,
    ) -> Result<Option<Reply>, String> {
        let request = Request::post(route.path)
            .header(header::CONTENT_TYPE, content_type)
            .header(header::HOST, "127.0.0.1:8080")
            .body(Body::from(body))
            .map_err(|e| format!("cannot build the request: {e}"))?;
        let router = self.router.clone();
        self.rt.block_on(async {
            let call = async move {
                let response = router.oneshot(request).await.expect("infallible");
                let status = response.status();
                let content_type = response
                    .headers()
                    .get(header::CONTENT_TYPE)
                    .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
                let body = axum::body::to_bytes(response.into_body(), usize::MAX)
                    .await
                    .map_err(|e| format!("the answer's body broke off: {e}"))?;
                Ok::<_, String>((status, content_type, body.to_vec()))
            };
            tokio::pin!(call);
            // A hang is a request still open with nothing being worked for it; a generation
            // the workers are drawing may take longer (big sizes, `n` up to 10).
            let mut deadline = start + HANG;
            let mut idle = 0;
            loop {
                let waited =
                    tokio::time::timeout_at(tokio::time::Instant::from_std(deadline), &mut call);
                if let Ok(done) = waited.await {
                    let (status, content_type, body) = done?;
                    return Ok(Some(Reply {
                        status,
                        content_type,
                        body,
                        elapsed: start.elapsed(),
                    }));
                }
                // Twice idle, a second apart: a handler gets the time it takes to notice that
                // its jobs have just finished (it polls every 250 ms).
                if self.jobs_in_flight().await {
                    idle = 0;
                    if start.elapsed() >= REQUEST_LIMIT {
                        return Ok(None);
                    }
                } else {
                    idle += 1;
                    if idle == 2 {
                        return Err(format!(
                            "no answer within {} s, and no job in flight",
                            start.elapsed().as_secs()
                        ));
                    }
                }
                deadline = Instant::now() + Duration::from_secs(1);
            }
        })
    }

    /// Whether a job is running, or queued and due within a second (a retry waiting longer
    /// is left for later inputs).
    async fn jobs_in_flight(&self) -> bool {
        let db = &self.app.db;
        match db.running_workers(None).await {
            Ok(running) if !running.is_empty() => return true,
            Ok(_) => {}
            Err(_) => return true,
        }
        let soon = now_ms() + 1000;
        match db.next_due(None).await {
            Ok(Some(due)) => due <= soon,
            Ok(None) => false,
            Err(_) => true,
        }
    }

    /// Waits (up to the input's budget) until the jobs this input queued are done, so work
    /// does not pile up behind later inputs and per-input cost stays that input's.
    fn drain(&self, start: Instant) {
        self.rt.block_on(async {
            while start.elapsed() < HARD_LIMIT && self.jobs_in_flight().await {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        });
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// The 5xx answers that are the service telling the truth rather than failing: the face
/// models are not installed (503 `face.models_missing`, which a reference photo that passes
/// intake reaches here); a provider that cannot be used, failing or timing out (502/503
/// `provider.*`, e.g. a request naming `"provider": "gemini"` with no key); a reference URL
/// whose server cannot be reached or answers badly (502 `fetch.connect`, `fetch.status`,
/// `fetch.redirects`: inside the sandbox every public address is unreachable); something not
/// ready in time (504 `generation.timeout`, `openai.timeout`, `fetch.timeout`). A 500 never
/// is (`fetch.client` included): it means a bug or a broken data directory, and this one is
/// fresh.
pub fn legitimate_5xx(status: StatusCode, code: &str) -> bool {
    match status.as_u16() {
        503 => code == "face.models_missing" || code.starts_with("provider."),
        502 => {
            code.starts_with("provider.")
                || matches!(code, "fetch.connect" | "fetch.status" | "fetch.redirects")
        }
        504 => matches!(
            code,
            "generation.timeout" | "openai.timeout" | "fetch.timeout"
        ),
        _ => false,
    }
}

/// Error codes whose message is known to name a path in the data directory, reported and left
/// to the service's owners: `face.models_missing` tells the operator where to put the models
/// (`<data-dir>/models`), and a client sees it too.
const PATH_IN_MESSAGE_KNOWN: &[&str] = &["face.models_missing"];

/// The invariants of one answer; the reason when one breaks.
pub fn check(route: Route, reply: &Reply) -> Result<(), String> {
    let status = reply.status;
    let is_json = reply
        .content_type
        .as_deref()
        .is_some_and(|c| c.starts_with("application/json"));
    if !is_json {
        return Err(format!("{status} answered without a JSON content-type"));
    }
    let value: Value = serde_json::from_slice(&reply.body)
        .map_err(|e| format!("{status} answered with a body that is not JSON: {e}"))?;
    if status.is_success() {
        return if value.is_object() {
            Ok(())
        } else {
            Err(format!("{status} answered with JSON that is not an object"))
        };
    }
    if !(status.is_client_error() || status.is_server_error()) {
        return Err(format!("unexpected status {status}"));
    }
    let error = value
        .get("error")
        .and_then(Value::as_object)
        .ok_or_else(|| format!("{status} without an `error` object"))?;
    let code = error
        .get("code")
        .and_then(Value::as_str)
        .filter(|c| !c.is_empty())
        .ok_or_else(|| format!("{status} without `error.code`"))?;
    if !error.get("message").is_some_and(Value::is_string) {
        return Err(format!("{status} {code} without `error.message`"));
    }
    match route.shape {
        Shape::Likeness if !error.contains_key("details") => {
            return Err(format!("{status} {code} without `error.details`"));
        }
        Shape::OpenAi => {
            let kind = error.get("type").and_then(Value::as_str);
            let expected = match status {
                StatusCode::UNAUTHORIZED => "authentication_error",
                StatusCode::TOO_MANY_REQUESTS => "rate_limit_error",
                s if s.is_client_error() => "invalid_request_error",
                _ => "server_error",
            };
            if kind != Some(expected) {
                return Err(format!(
                    "{status} {code} not in OpenAI's shape: `error.type` is {kind:?}, not \
                     {expected:?}"
                ));
            }
            if !error.contains_key("param") {
                return Err(format!("{status} {code} not in OpenAI's shape: no `error.param`"));
            }
        }
        Shape::Likeness => {}
    }
    if let Some(dir) = DATA_DIR.get().and_then(|d| d.to_str()) {
        let message = error.get("message").and_then(Value::as_str).unwrap_or_default();
        if message.contains(dir) && !PATH_IN_MESSAGE_KNOWN.contains(&code) {
            return Err(format!("{status} {code} names a path on the server: {message:?}"));
        }
    }
    if status == StatusCode::INTERNAL_SERVER_ERROR {
        return Err(format!("500 {code}"));
    }
    if status.is_server_error() && !legitimate_5xx(status, code) {
        return Err(format!("{status} {code} is not a 5xx this request may get"));
    }
    Ok(())
}
