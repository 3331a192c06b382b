//! A fake OpenAI images API (`/v1/images/generations` as JSON, `/v1/images/edits` as
//! multipart) that checks requests the way the real server does and answers with its exact
//! success and failure shapes (../shared/research/provider-apis.md §3).
//!
//! Order of checks, as on the real service: the bearer key (401), the quota (429), the body
//! (400/404), then the scripted reply. Image endpoints send no `x-ratelimit-*` headers, so
//! clients cannot lean on them.

use std::collections::BTreeMap;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, State};
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use axum::routing::post;
use serde_json::Value;

use crate::script::{self, Log, Quota, Recorded, Script, Server};

mod answers;

use answers::{bad_key, error, rate_limited, render};

/// What the fake answers to a valid request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// A real PNG with the requested size's aspect (64 px long edge), with `usage`.
    Image,
    /// 400 `moderation_blocked` with `moderation_details.moderation_stage` = `stage`.
    ModerationBlocked { stage: String },
    /// 400 `content_policy_violation` (the dall-e era shape).
    ContentPolicy,
    /// 429 `rate_limit_exceeded` with these retry headers.
    RateLimited {
        retry_after_ms: Option<u64>,
        retry_after: Option<String>,
    },
    /// 429 `insufficient_quota`: no credit left.
    InsufficientQuota,
    /// 400 `billing_hard_limit_reached`.
    BillingLimit,
    /// 403: the organisation is not verified for gpt-image models.
    OrgNotVerified,
    /// 401 `invalid_api_key`, whatever the key.
    BadKey,
    /// 500 `server_error`.
    Server,
    /// 503, overloaded.
    Unavailable,
    /// Waits, then answers with the inner reply.
    Slow(Duration, Box<Reply>),
    /// A 200 whose body stops halfway with the connection dropped.
    Truncated,
    /// `b64_json` that is not base64.
    BadBase64,
    /// `b64_json` that decodes to text, not an image.
    NotAnImage,
    /// A valid answer padded to at least this many bytes.
    Oversize(usize),
    /// `"data": []`.
    NoData,
    /// Exactly this status and body (JSON content type).
    Raw { status: u16, body: String },
}

/// One file part of a multipart request.
#[derive(Debug, Clone)]
pub struct Upload {
    /// `image`, `image[]` or `mask`.
    pub field: String,
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub bytes: Bytes,
}

/// A multipart request as parsed by the fake: text fields and file parts in order.
#[derive(Debug, Clone, Default)]
pub struct Form {
    pub fields: BTreeMap<String, String>,
    pub images: Vec<Upload>,
}

impl Form {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }
}

#[derive(Debug)]
struct Inner {
    script: Script<Reply>,
    log: Log,
    forms: Mutex<Vec<Form>>,
    quota: Mutex<Option<Arc<Quota>>>,
    /// The only key accepted; `None`: any key that starts with `sk-`.
    key: Mutex<Option<String>>,
    ids: AtomicU64,
}

/// The running fake. Dropping it stops the server.
pub struct OpenAiFake {
    pub server: Server,
    inner: Arc<Inner>,
}

/// Models the images API knows today; dall-e-2 and dall-e-3 were retired on 2026-05-12.
const MODELS: &[&str] = &[
    "gpt-image-1",
    "gpt-image-1-mini",
    "gpt-image-1.5",
    "gpt-image-2",
    "gpt-image-2-2026-04-21",
    "chatgpt-image-latest",
];

const FIXED_SIZES: &[&str] = &["1024x1024", "1024x1536", "1536x1024", "auto"];

impl OpenAiFake {
    /// Starts on an ephemeral port of 127.0.0.1, answering `Reply::Image` by default.
    pub async fn start() -> OpenAiFake {
        OpenAiFake::start_on("127.0.0.1:0")
            .await
            .expect("binding the fake OpenAI server")
    }

    pub async fn start_on(addr: &str) -> std::io::Result<OpenAiFake> {
        let inner = Arc::new(Inner {
            script: Script::new(Reply::Image),
            log: Log::default(),
            forms: Mutex::default(),
            quota: Mutex::default(),
            key: Mutex::default(),
            ids: AtomicU64::new(1),
        });
        let router = axum::Router::new()
            .route("/v1/images/generations", post(generations))
            .route("/v1/images/edits", post(edits))
            // 16 references of several MB each are legal.
            .layer(DefaultBodyLimit::max(256 * 1024 * 1024))
            .with_state(inner.clone());
        Ok(OpenAiFake {
            server: Server::start_on(addr, router).await?,
            inner,
        })
    }

    /// The base URL a client is configured with: `http://127.0.0.1:PORT/v1`.
    pub fn base_url(&self) -> String {
        format!("{}/v1", self.server.url)
    }

    pub fn push(&self, reply: Reply) {
        self.inner.script.push(reply);
    }

    pub fn set_default(&self, reply: Reply) {
        self.inner.script.set_default(reply);
    }

    /// Every request received, raw bodies included, in order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.inner.log.all()
    }

    /// Every multipart body received on `/v1/images/edits`, parsed, in order.
    pub fn forms(&self) -> Vec<Form> {
        self.inner
            .forms
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn set_quota(&self, quota: Option<Arc<Quota>>) {
        *self.inner.quota.lock().unwrap_or_else(|p| p.into_inner()) = quota;
    }

    /// Accept only this key (`None`: any key starting with `sk-`).
    pub fn set_key(&self, key: Option<&str>) {
        *self.inner.key.lock().unwrap_or_else(|p| p.into_inner()) = key.map(str::to_string);
    }
}

/// The parameters both endpoints share, whatever the encoding.
#[derive(Debug, Default)]
struct Params {
    model: Option<String>,
    prompt: Option<String>,
    size: Option<String>,
    quality: Option<String>,
    output_format: Option<String>,
    n: Option<String>,
    input_fidelity: Option<String>,
    response_format: bool,
    images: usize,
    edit: bool,
}

async fn generations(
    State(inner): State<Arc<Inner>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(refused) = gate(&inner, Recorded::new(&method, &uri, &headers, &body)) {
        return refused;
    }
    let Ok(Value::Object(v)) = serde_json::from_slice::<Value>(&body) else {
        return error(
            &inner,
            400,
            "We could not parse the JSON body of your request. (HINT: This likely means you \
             aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, \
             but what was sent was not valid JSON.)",
            "invalid_request_error",
            None,
            None,
        );
    };
    let text = |k: &str| {
        v.get(k).and_then(|x| match x {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
    };
    let params = Params {
        model: text("model"),
        prompt: text("prompt"),
        size: text("size"),
        quality: text("quality"),
        output_format: text("output_format"),
        n: text("n"),
        input_fidelity: text("input_fidelity"),
        response_format: v.contains_key("response_format"),
        images: 0,
        edit: false,
    };
    answer(&inner, params).await
}

async fn edits(
    State(inner): State<Arc<Inner>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(refused) = gate(&inner, Recorded::new(&method, &uri, &headers, &body)) {
        return refused;
    }
    let form = match parse_form(&headers, body).await {
        Ok(f) => f,
        Err(message) => return error(&inner, 400, &message, "invalid_request_error", None, None),
    };
    inner
        .forms
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(form.clone());
    let text = |k: &str| form.fields.get(k).cloned();
    let params = Params {
        model: text("model"),
        prompt: text("prompt"),
        size: text("size"),
        quality: text("quality"),
        output_format: text("output_format"),
        n: text("n"),
        input_fidelity: text("input_fidelity"),
        response_format: form.fields.contains_key("response_format"),
        images: form.images.iter().filter(|u| u.field != "mask").count(),
        edit: true,
    };
    answer(&inner, params).await
}

async fn parse_form(headers: &HeaderMap, body: Bytes) -> Result<Form, String> {
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    if !content_type.starts_with("multipart/form-data") {
        return Err(format!(
            "Invalid Content-Type header ({content_type}), expected multipart/form-data."
        ));
    }
    let request = axum::http::Request::builder()
        .header("content-type", &content_type)
        .body(Body::from(body))
        .map_err(|e| e.to_string())?;
    let mut multipart = Multipart::from_request(request, &())
        .await
        .map_err(|e| format!("Could not parse multipart form: {e}"))?;
    let mut form = Form::default();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(format!("Could not parse multipart form: {e}")),
        };
        let name = field.name().unwrap_or_default().to_string();
        let filename = field.file_name().map(str::to_string);
        let content_type = field.content_type().map(str::to_string);
        let bytes = field
            .bytes()
            .await
            .map_err(|e| format!("Could not parse multipart form: {e}"))?;
        if matches!(name.as_str(), "image" | "image[]" | "mask") {
            form.images.push(Upload {
                field: name,
                filename,
                content_type,
                bytes,
            });
        } else {
            form.fields
                .insert(name, String::from_utf8_lossy(&bytes).into_owned());
        }
    }
    Ok(form)
}

/// Logs the request, then checks the key, then the quota: what a request meets before its
/// body is read.
fn gate(inner: &Inner, request: Recorded) -> Option<Response> {
    let headers = &request.headers.clone();
    inner.log.push(request);
    let bearer = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|k| !k.is_empty());
    let Some(key) = bearer else {
        return Some(error(
            inner,
            401,
            "You didn't provide an API key. You need to provide your API key in an \
             Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or \
             as the password field (with blank username) if you're accessing the API from \
             your browser and are prompted for a username and password. You can obtain an API \
             key from https://platform.openai.com/account/api-keys.",
            "invalid_request_error",
            None,
            Some("invalid_api_key"),
        ));
    };
    let accepted = match &*inner.key.lock().unwrap_or_else(|p| p.into_inner()) {
        Some(k) => k == key,
        None => key.starts_with("sk-"),
    };
    if !accepted {
        return Some(bad_key(inner, key));
    }
    let quota = inner
        .quota
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    if let Some(q) = quota
        && let Err(wait) = q.take()
    {
        let limit = q.per_minute.round() as u64;
        return Some(rate_limited(
            inner,
            limit,
            Some(wait.as_millis() as u64),
            Some(wait.as_secs_f64().ceil().max(1.0).to_string()),
        ));
    }
    None
}

/// Checks the body like the server, then plays the script.
async fn answer(inner: &Inner, p: Params) -> Response {
    let invalid = |message: &str, param: &str, code: &str| {
        error(
            inner,
            400,
            message,
            "invalid_request_error",
            Some(param),
            Some(code),
        )
    };
    // The real default for generations is dall-e-2, which no longer exists.
    let model = p
        .model
        .clone()
        .unwrap_or_else(|| if p.edit { "gpt-image-1.5" } else { "dall-e-2" }.to_string());
    if !MODELS.contains(&model.as_str()) {
        return error(
            inner,
            404,
            &format!("The model `{model}` does not exist or you do not have access to it."),
            "invalid_request_error",
            None,
            Some("model_not_found"),
        );
    }
    if p.response_format {
        return invalid(
            "Unknown parameter: 'response_format'.",
            "response_format",
            "unknown_parameter",
        );
    }
    if p.prompt.as_deref().is_none_or(|s| s.trim().is_empty()) {
        return invalid(
            "Missing required parameter: 'prompt'.",
            "prompt",
            "missing_required_parameter",
        );
    }
    if p.edit && p.images == 0 {
        return invalid(
            "Missing required parameter: 'image'.",
            "image",
            "missing_required_parameter",
        );
    }
    if p.images > 16 {
        return invalid(
            &format!(
                "Too many images: {}. At most 16 images are allowed.",
                p.images
            ),
            "image",
            "invalid_value",
        );
    }
    let size = p.size.clone().unwrap_or_else(|| "auto".into());
    if let Err(message) = check_size(&model, &size) {
        return invalid(&message, "size", "invalid_value");
    }
    if let Some(q) = &p.quality
        && !["low", "medium", "high", "auto"].contains(&q.as_str())
    {
        return invalid(
            &format!(
                "Invalid value: '{q}'. Supported values are: 'low', 'medium', 'high', and 'auto'."
            ),
            "quality",
            "invalid_value",
        );
    }
    if let Some(f) = &p.output_format
        && !["png", "jpeg", "webp"].contains(&f.as_str())
    {
        return invalid(
            &format!("Invalid value: '{f}'. Supported values are: 'png', 'jpeg', and 'webp'."),
            "output_format",
            "invalid_value",
        );
    }
    if let Some(n) = &p.n
        && !n.parse::<u32>().is_ok_and(|n| (1..=10).contains(&n))
    {
        return invalid(
            &format!("Invalid value: '{n}'. n must be between 1 and 10."),
            "n",
            "invalid_value",
        );
    }
    if let Some(f) = &p.input_fidelity {
        if model == "gpt-image-1-mini" {
            return invalid(
                "input_fidelity is not supported for gpt-image-1-mini.",
                "input_fidelity",
                "unsupported_parameter",
            );
        }
        if !["high", "low"].contains(&f.as_str()) {
            return invalid(
                &format!("Invalid value: '{f}'. Supported values are: 'high' and 'low'."),
                "input_fidelity",
                "invalid_value",
            );
        }
    }
    let mut reply = inner.script.next();
    while let Reply::Slow(delay, then) = reply {
        script::slow(delay).await;
        reply = *then;
    }
    render(inner, reply, &p, &model, &size)
}

/// Sizes the model accepts: three fixed ones (and `auto`) for gpt-image-1*, any multiple of 16
/// within 3:1 and 655 360..8 294 400 pixels (3840 px edge) for gpt-image-2.
fn check_size(model: &str, size: &str) -> Result<(), String> {
    if size == "auto" {
        return Ok(());
    }
    if !model.starts_with("gpt-image-2") {
        return if FIXED_SIZES.contains(&size) {
            Ok(())
        } else {
            Err(format!(
                "Invalid value: '{size}'. Supported values are: '1024x1024', '1024x1536', \
                 '1536x1024', and 'auto'."
            ))
        };
    }
    let (w, h) = parse_size(size).ok_or_else(|| format!("Invalid value: '{size}'."))?;
    let (long, short) = (w.max(h) as u64, w.min(h) as u64);
    let ok = w % 16 == 0
        && h % 16 == 0
        && long <= 3840
        && long <= 3 * short
        && (655_360..=8_294_400).contains(&(long * short));
    ok.then_some(()).ok_or_else(|| {
        format!(
            "Invalid value: '{size}'. Width and height must be multiples of 16, the long edge \
             at most 3840 px, the ratio within 3:1, and the image between 655360 and 8294400 \
             pixels."
        )
    })
}

fn parse_size(size: &str) -> Option<(u32, u32)> {
    let (w, h) = size.split_once('x')?;
    Some((w.parse().ok()?, h.parse().ok()?))
}
