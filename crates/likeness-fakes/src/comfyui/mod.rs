//! A fake ComfyUI server (../shared/research/provider-apis.md §4): `/upload/image` with its
//! rename rules, `/prompt` with the real validation error bodies, the websocket's event order
//! (`status → execution_start → execution_cached → executing(n)… progress… executed →
//! execution_success → executing(null)`), `/history/{id}` answering `{}` until the prompt is
//! done, `/view` serving the saved PNG, and `/queue` + `/interrupt` (a targeted interrupt stops
//! a running prompt at its next step). One scripted [`Reply`] per queued prompt.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ws::{Message, WebSocketUpgrade};
use axum::extract::{FromRequest, Multipart, Path, Query, Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::{Map, Value, json};
use tokio::sync::mpsc;

mod prompt;

use crate::script::{Log, Recorded, Script, Server, json, raw};

/// What the fake does with the next queued prompt.
#[derive(Debug, Clone, Default)]
pub enum Reply {
    /// Runs and saves a real PNG of the latent's size scaled down 8×.
    #[default]
    Success,
    /// A node raises: ws `execution_error`, then `executing` null; history `status_str:"error"`.
    ExecutionError {
        node_type: String,
        exception_type: String,
        message: String,
    },
    /// Cancelled on the server: `execution_interrupted`.
    Interrupted,
    /// Waits this long between sampler progress events.
    Slow(Duration),
    /// Succeeds without any output (a workflow whose save node never ran).
    NoOutputs,
    /// `/prompt` answers the 400 `value_not_in_list` for UNETLoader's `unet_name`.
    ValidationError,
    /// `/view` serves bytes that are not an image.
    CorruptImage,
    /// The websocket is closed right after `execution_start`; the prompt still finishes.
    DropSocket,
}

/// One file received by `/upload/image`.
#[derive(Debug, Clone)]
pub struct Upload {
    /// The name the client sent.
    pub sent_name: String,
    /// The name the fake answered (renamed on a clash).
    pub name: String,
    pub subfolder: String,
    pub kind: String,
    pub overwrite: bool,
    pub bytes: Vec<u8>,
}

/// Node classes the fake knows, as a ComfyUI with PuLID-Flux installed would.
const INSTALLED: &[&str] = &[
    "UNETLoader",
    "DualCLIPLoader",
    "CLIPLoader",
    "VAELoader",
    "CheckpointLoaderSimple",
    "CLIPTextEncode",
    "FluxGuidance",
    "EmptySD3LatentImage",
    "EmptyLatentImage",
    "RandomNoise",
    "KSamplerSelect",
    "KSampler",
    "LoadImage",
    "PulidFluxInsightFaceLoader",
    "PulidFluxEvaClipLoader",
    "PulidFluxModelLoader",
    "ApplyPulidFlux",
    "FixPulidFluxPatch",
    "BasicScheduler",
    "BasicGuider",
    "SamplerCustomAdvanced",
    "VAEDecode",
    "SaveImage",
    "PreviewImage",
];

#[derive(Debug)]
struct Inner {
    script: Script<Reply>,
    log: Log,
    uploads: Mutex<Vec<Upload>>,
    /// Files by `type/subfolder/name`.
    files: Mutex<BTreeMap<String, Vec<u8>>>,
    history: Mutex<BTreeMap<String, Value>>,
    posted: Mutex<Vec<Value>>,
    sockets: Mutex<HashMap<String, mpsc::UnboundedSender<Message>>>,
    counter: AtomicU64,
    installed: Mutex<BTreeSet<String>>,
    unet_models: Mutex<Vec<String>>,
    ignore_overwrite: AtomicBool,
    /// Prompts asked to stop (`POST /interrupt`); `"*"` stops whatever runs.
    interrupted: Mutex<BTreeSet<String>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn key(kind: &str, subfolder: &str, name: &str) -> String {
    format!("{kind}/{subfolder}/{name}")
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// A fake ComfyUI on 127.0.0.1.
pub struct ComfyFake {
    pub server: Server,
    inner: Arc<Inner>,
}

impl ComfyFake {
    pub async fn start() -> std::io::Result<ComfyFake> {
        let inner = Arc::new(Inner {
            script: Script::new(Reply::Success),
            log: Log::default(),
            uploads: Mutex::default(),
            files: Mutex::default(),
            history: Mutex::default(),
            posted: Mutex::default(),
            sockets: Mutex::default(),
            counter: AtomicU64::new(0),
            installed: Mutex::new(INSTALLED.iter().map(|s| s.to_string()).collect()),
            unet_models: Mutex::new(vec![
                "flux1-dev.safetensors".into(),
                "flux1-schnell.safetensors".into(),
            ]),
            ignore_overwrite: AtomicBool::new(false),
            interrupted: Mutex::default(),
        });
        let routes = Router::new()
            .route("/upload/image", post(upload))
            .route("/prompt", post(prompt::prompt))
            .route("/queue", post(queue))
            .route("/interrupt", post(interrupt))
            .route("/ws", get(socket))
            .route("/history/{id}", get(history_one))
            .route("/history", get(history_all))
            .route("/view", get(view))
            .route("/system_stats", get(system_stats))
            .route("/object_info", get(object_info));
        let router = routes
            .clone()
            .nest("/api", routes)
            .layer(middleware::from_fn_with_state(inner.clone(), record))
            .with_state(inner.clone());
        Ok(ComfyFake {
            server: Server::start(router).await?,
            inner,
        })
    }

    pub fn url(&self) -> &str {
        &self.server.url
    }

    pub fn push(&self, reply: Reply) {
        self.inner.script.push(reply);
    }

    pub fn set_default(&self, reply: Reply) {
        self.inner.script.set_default(reply);
    }

    /// Every HTTP request in order (the websocket handshake included, as `GET /ws`).
    pub fn requests(&self) -> Vec<Recorded> {
        self.inner.log.all()
    }

    pub fn uploaded_files(&self) -> Vec<Upload> {
        lock(&self.inner.uploads).clone()
    }

    /// The JSON bodies posted to `/prompt` (`{"prompt": graph, "client_id": …}`).
    pub fn posted_prompts(&self) -> Vec<Value> {
        lock(&self.inner.posted).clone()
    }

    /// Makes `class` unknown, as when its custom node pack is not installed.
    pub fn uninstall(&self, class: &str) {
        lock(&self.inner.installed).remove(class);
    }

    /// The files in `models/unet` that UNETLoader accepts.
    pub fn set_unet_models(&self, names: &[&str]) {
        *lock(&self.inner.unet_models) = names.iter().map(|s| s.to_string()).collect();
    }

    /// Puts a file into ComfyUI's `input` folder, as if uploaded earlier.
    pub fn put_input(&self, name: &str, bytes: Vec<u8>) {
        lock(&self.inner.files).insert(key("input", "", name), bytes);
    }

    /// Renames clashing uploads even when the client asks to overwrite, so tests can prove
    /// the client uses the name the server answers.
    pub fn ignore_overwrite(&self, on: bool) {
        self.inner.ignore_overwrite.store(on, Ordering::SeqCst);
    }
}

/// Records every request with its whole body, then hands it on.
async fn record(State(s): State<Arc<Inner>>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, 256 * 1024 * 1024)
        .await
        .unwrap_or_default();
    s.log.push(Recorded::new(
        &parts.method,
        &parts.uri,
        &parts.headers,
        &bytes,
    ));
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

async fn upload(State(s): State<Arc<Inner>>, request: Request) -> Response {
    let Ok(mut form) = Multipart::from_request(request, &()).await else {
        return raw(400, &[], "");
    };
    let (mut file, mut overwrite, mut kind, mut subfolder) =
        (None, false, "input".to_string(), String::new());
    while let Ok(Some(field)) = form.next_field().await {
        let name = field.name().unwrap_or("").to_string();
        let filename = field.file_name().map(str::to_string);
        let Ok(data) = field.bytes().await else {
            return raw(400, &[], "");
        };
        let text = String::from_utf8_lossy(&data).to_string();
        match name.as_str() {
            "image" => file = filename.map(|f| (f, data.to_vec())),
            "overwrite" => overwrite = text == "true" || text == "1",
            "type" => kind = text,
            "subfolder" => subfolder = text,
            _ => {}
        }
    }
    // ComfyUI answers a bare 400 without a file.
    let Some((sent_name, bytes)) = file.filter(|(f, _)| !f.is_empty()) else {
        return raw(400, &[], "");
    };
    if !["input", "temp", "output"].contains(&kind.as_str())
        || sent_name.contains("..")
        || sent_name.contains('/')
        || subfolder.contains("..")
    {
        return raw(400, &[], "");
    }
    let mut name = sent_name.clone();
    let mut files = lock(&s.files);
    if !overwrite || s.ignore_overwrite.load(Ordering::SeqCst) {
        let (stem, ext) = match sent_name.rfind('.') {
            Some(i) => (&sent_name[..i], &sent_name[i..]),
            None => (sent_name.as_str(), ""),
        };
        let mut i = 1;
        // Identical bytes reuse the file; different bytes get "name (1).png".
        while let Some(existing) = files.get(&key(&kind, &subfolder, &name)) {
            if *existing == bytes {
                break;
            }
            name = format!("{stem} ({i}){ext}");
            i += 1;
        }
    }
    files.insert(key(&kind, &subfolder, &name), bytes.clone());
    drop(files);
    lock(&s.uploads).push(Upload {
        sent_name,
        name: name.clone(),
        subfolder: subfolder.clone(),
        kind: kind.clone(),
        overwrite,
        bytes,
    });
    json(
        200,
        &json!({"name": name, "subfolder": subfolder, "type": kind}),
    )
}

async fn socket(
    State(s): State<Arc<Inner>>,
    Query(q): Query<HashMap<String, String>>,
    upgrade: WebSocketUpgrade,
) -> Response {
    let id = q
        .get("clientId")
        .cloned()
        .unwrap_or_else(|| format!("sid-{}", now_ms()));
    let (tx, mut rx) = mpsc::unbounded_channel::<Message>();
    let status = json!({"type": "status", "data": {"status": {"exec_info": {"queue_remaining": 0}}, "sid": id}});
    let _ = tx.send(Message::Text(status.to_string().into()));
    // Registered before the upgrade completes, so a prompt queued right after the handshake
    // cannot lose its events.
    lock(&s.sockets).insert(id.clone(), tx.clone());
    upgrade.on_upgrade(move |mut ws| async move {
        loop {
            tokio::select! {
                out = rx.recv() => match out {
                    Some(Message::Close(frame)) => {
                        let _ = ws.send(Message::Close(frame)).await;
                        break;
                    }
                    Some(m) => if ws.send(m).await.is_err() { break },
                    None => break,
                },
                incoming = ws.recv() => match incoming {
                    None | Some(Err(_)) | Some(Ok(Message::Close(_))) => break,
                    Some(Ok(_)) => {}
                },
            }
        }
        let mut sockets = lock(&s.sockets);
        if sockets.get(&id).is_some_and(|t| t.same_channel(&tx)) {
            sockets.remove(&id);
        }
    })
}

/// `{"delete": [ids]}` / `{"clear": true}`: prompts run at once here, so nothing is pending.
async fn queue() -> Response {
    raw(200, &[], "")
}

/// `{"prompt_id": id}` stops that prompt; no body stops whatever runs.
async fn interrupt(State(s): State<Arc<Inner>>, body: axum::body::Bytes) -> Response {
    let target = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v["prompt_id"].as_str().map(str::to_string))
        .unwrap_or_else(|| "*".into());
    lock(&s.interrupted).insert(target);
    raw(200, &[], "")
}

async fn history_one(State(s): State<Arc<Inner>>, Path(id): Path<String>) -> Response {
    match lock(&s.history).get(&id) {
        Some(entry) => json(200, &json!({id: entry})),
        None => json(200, &json!({})),
    }
}

async fn history_all(State(s): State<Arc<Inner>>) -> Response {
    json(
        200,
        &Value::Object(lock(&s.history).clone().into_iter().collect()),
    )
}

async fn view(State(s): State<Arc<Inner>>, Query(q): Query<HashMap<String, String>>) -> Response {
    let get = |k: &str| q.get(k).cloned().unwrap_or_default();
    let (filename, subfolder) = (get("filename"), get("subfolder"));
    let kind = q.get("type").cloned().unwrap_or_else(|| "output".into());
    if filename.is_empty() || filename.contains("..") || filename.starts_with('/') {
        return raw(400, &[], "");
    }
    if subfolder.contains("..") || subfolder.starts_with('/') {
        return raw(403, &[], "");
    }
    match lock(&s.files).get(&key(&kind, &subfolder, &filename)) {
        Some(bytes) => raw(
            200,
            &[
                ("content-type", "image/png"),
                ("content-disposition", &format!("filename=\"{filename}\"")),
            ],
            bytes.clone(),
        ),
        None => raw(404, &[], "404: Not Found"),
    }
}

async fn system_stats() -> Response {
    json(
        200,
        &json!({"system": {"os": "posix", "ram_total": 68_719_476_736u64, "ram_free": 34_359_738_368u64,
        "comfyui_version": "0.3.66", "required_frontend_version": "1.28.7", "python_version": "3.12.3",
        "pytorch_version": "2.8.0+cu128", "embedded_python": false, "argv": ["main.py"]},
        "devices": [{"name": "cuda:0 NVIDIA GeForce RTX 4090 : cudaMallocAsync", "type": "cuda", "index": 0,
            "vram_total": 25_757_220_864u64, "vram_free": 24_000_000_000u64,
            "torch_vram_total": 0, "torch_vram_free": 0}]}),
    )
}

async fn object_info(State(s): State<Arc<Inner>>) -> Response {
    let all: Map<String, Value> = lock(&s.installed)
        .iter()
        .map(|c| (c.clone(), json!({"name": c, "display_name": c, "input": {"required": {}}, "output_node": c == "SaveImage" || c == "PreviewImage"})))
        .collect();
    json(200, &Value::Object(all))
}
