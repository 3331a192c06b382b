//! ComfyUI on the operator's own GPU, by default FLUX.1-dev with PuLID-Flux keeping the face of
//! a reference photo (docs/comfyui.md; wire formats in ../shared/research/provider-apis.md §4).
//!
//! One generation is the exchange of ComfyUI's reference client: open the websocket
//! (`/ws?clientId=…`) first, upload the reference (`POST /upload/image`), queue the filled
//! workflow (`POST /prompt`), follow progress until `executing` with `node: null` (or poll
//! `/history/{id}` when the socket is unavailable), then read the history entry and fetch the
//! saved image (`GET /view`). The whole exchange is bounded by `timeout_seconds`.

mod answer;
mod socket;
pub mod workflow;

use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use likeness_styles::Style;

use super::http::{self, HttpClient, Reply};
use super::settings::ProviderSettings;
use super::{GenerateFuture, GenerateRequest, Generated, Provider, ProviderError, Reference};
use answer::{failed, pick_image, refusal, status_error};
use workflow::Template;

const PROVIDER: &str = "comfyui";

/// How often `/history/{id}` is asked when there is no websocket.
const POLL: Duration = Duration::from_millis(500);

#[derive(Debug)]
pub struct ComfyUi {
    settings: ProviderSettings,
    http: HttpClient,
    /// Read once at construction; a broken user template is reported by `ready` and every
    /// `generate`.
    template: Result<Template, String>,
}

impl ComfyUi {
    pub fn new(settings: ProviderSettings) -> ComfyUi {
        let template = match &settings.workflow {
            Some(path) => Template::load(path),
            None => Ok(Template::builtin()),
        };
        ComfyUi {
            http: HttpClient::new(PROVIDER, &settings),
            settings,
            template,
        }
    }

    fn template(&self) -> Result<&Template, ProviderError> {
        self.template.as_ref().map_err(|e| {
            bad_request(
                400,
                format!("{e} (fix the file or unset workflow in [providers.comfyui])"),
            )
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.settings.base_url)
    }

    /// One request; a refused connection says how to point likeness at ComfyUI.
    async fn send(&self, request: reqwest::RequestBuilder) -> Result<Reply, ProviderError> {
        self.http.send(request).await.map_err(|e| match e {
            ProviderError::Unavailable { provider, message } => ProviderError::Unavailable {
                provider,
                message: format!(
                    "{message} — is ComfyUI running at {}? Start it, or set COMFYUI_URL \
                     (or base_url in [providers.comfyui])",
                    self.settings.base_url
                ),
            },
            other => other,
        })
    }

    /// Uploads a reference under a name made from its bytes (so the same photo reuses one
    /// file) and returns the value for LoadImage's `image` input and the upload's answer.
    async fn upload(&self, reference: &Reference) -> Result<(String, Value), ProviderError> {
        let ext = match reference.content_type {
            "image/jpeg" => "jpg",
            "image/webp" => "webp",
            _ => "png",
        };
        let hash = crate::hash::hex_sha256(&reference.bytes);
        let filename = format!("likeness-{}.{ext}", &hash[..16]);
        let boundary = format!("likeness-boundary-{}", uuid::Uuid::now_v7().simple());
        let mut body = Vec::with_capacity(reference.bytes.len() + 512);
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; \
                 filename=\"{filename}\"\r\nContent-Type: {}\r\n\r\n",
                reference.content_type
            )
            .as_bytes(),
        );
        body.extend_from_slice(&reference.bytes);
        for (field, value) in [("overwrite", "true"), ("type", "input")] {
            body.extend_from_slice(
                format!(
                    "\r\n--{boundary}\r\nContent-Disposition: form-data; \
                     name=\"{field}\"\r\n\r\n{value}"
                )
                .as_bytes(),
            );
        }
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let request = self
            .http
            .inner()
            .post(self.url("/upload/image"))
            .header(
                reqwest::header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body);
        let reply = self.send(request).await?;
        if reply.status != 200 {
            return Err(status_error(&reply, "uploading the reference photo"));
        }
        let answer = reply.json().map_err(bad_response)?;
        let Some(name) = answer["name"].as_str().filter(|n| !n.is_empty()) else {
            return Err(bad_response(format!(
                "the upload answer has no name: {}",
                http::preview(&reply.body)
            )));
        };
        let image = match answer["subfolder"].as_str().unwrap_or("") {
            "" => name.to_string(),
            sub => format!("{sub}/{name}"),
        };
        Ok((image, answer))
    }

    /// `POST /prompt`: the prompt id and queue number, or ComfyUI's validation refusal.
    async fn queue(
        &self,
        graph: &Map<String, Value>,
        client_id: &str,
    ) -> Result<Value, ProviderError> {
        let body = json!({"prompt": graph, "client_id": client_id});
        let request = self.http.inner().post(self.url("/prompt")).json(&body);
        let reply = self.send(request).await?;
        if reply.status == 400 {
            return Err(bad_request(400, refusal(&reply.body)));
        }
        if reply.status != 200 {
            return Err(status_error(&reply, "queueing the prompt"));
        }
        let answer = reply.json().map_err(bad_response)?;
        if !answer["prompt_id"].is_string() {
            return Err(bad_response(format!(
                "/prompt answered without a prompt_id: {}",
                http::preview(&reply.body)
            )));
        }
        Ok(answer)
    }

    /// `GET /history/{id}`: the entry once the prompt has finished, None before (`{}`).
    async fn history(&self, prompt_id: &str) -> Result<Option<Value>, ProviderError> {
        let request = self
            .http
            .inner()
            .get(self.url(&format!("/history/{}", encode(prompt_id))));
        let reply = self.send(request).await?;
        if reply.status != 200 {
            return Err(status_error(&reply, "reading the history"));
        }
        let mut all = reply.json().map_err(bad_response)?;
        Ok(all.get_mut(prompt_id).map(Value::take))
    }

    /// Polls the history until the prompt has an entry (bounded by the caller's timeout).
    async fn wait_for_history(&self, prompt_id: &str) -> Result<Value, ProviderError> {
        loop {
            if let Some(entry) = self.history(prompt_id).await? {
                return Ok(entry);
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// `GET /view` of one output image, checked like any returned image.
    async fn fetch(&self, image: &Value) -> Result<http::CheckedImage, ProviderError> {
        let field = |k: &str| encode(image[k].as_str().unwrap_or(""));
        let url = self.url(&format!(
            "/view?filename={}&subfolder={}&type={}",
            field("filename"),
            field("subfolder"),
            field("type")
        ));
        let reply = self.send(self.http.inner().get(url)).await?;
        if reply.status != 200 {
            return Err(status_error(&reply, "fetching the image"));
        }
        http::image_from_bytes(PROVIDER, reply.body.to_vec()).map_err(|e| {
            bad_response(format!(
                "output {} is not a usable image: {e}",
                image["filename"]
            ))
        })
    }

    /// Best effort after a timeout, so that a retry does not wait behind the abandoned prompt
    /// on the GPU: drop it from the queue, and stop it if it is running (`/interrupt` with a
    /// prompt id stops only that prompt; see docs/comfyui.md for older servers).
    async fn cancel(&self, prompt_id: &str) {
        let wait = Duration::from_secs(2);
        let client = self.http.inner();
        let delete = client
            .post(self.url("/queue"))
            .json(&json!({"delete": [prompt_id]}));
        let _ = tokio::time::timeout(wait, delete.send()).await;
        let interrupt = client
            .post(self.url("/interrupt"))
            .json(&json!({"prompt_id": prompt_id}));
        let _ = tokio::time::timeout(wait, interrupt.send()).await;
    }

    /// The whole exchange; `queued` gets the prompt id as soon as ComfyUI has it.
    async fn exchange(
        &self,
        request: &GenerateRequest,
        queued_id: &std::sync::Mutex<Option<String>>,
    ) -> Result<Generated, ProviderError> {
        let template = self.template()?;
        let reference = if template.uses("reference") {
            // PuLID-Flux silently keeps no identity without a face: refuse before any call.
            let Some(first) = request.references.first() else {
                return Err(ProviderError::NeedsReference {
                    provider: PROVIDER.into(),
                    message: format!(
                        "the workflow {} needs a reference photo ({{{{reference}}}} feeds its \
                         LoadImage node) and this subject has none; add a reference photo, or \
                         use a workflow without {{{{reference}}}}",
                        template.name
                    ),
                });
            };
            http::image_from_bytes(PROVIDER, first.bytes.to_vec()).map_err(|e| {
                ProviderError::NeedsReference {
                    provider: PROVIDER.into(),
                    message: format!("the reference photo is not usable: {e}"),
                }
            })?;
            Some(first)
        } else {
            None
        };
        let mut values = self.values(request);
        let client_id = uuid::Uuid::now_v7().to_string();
        let connect_wait = Duration::from_secs(self.settings.connect_timeout_seconds);
        let mut socket = match socket::url(&self.settings.base_url, &client_id) {
            Some(url) => socket::connect(&url, connect_wait).await,
            None => Err("https base_url: progress by polling /history".into()),
        };
        let mut details = Map::new();
        if let Some(reference) = reference {
            let (image, answer) = self.upload(reference).await?;
            values.insert("reference".into(), Value::from(image));
            details.insert("reference_upload".into(), answer);
        }
        let graph = template.fill(&values);
        let queued = self.queue(&graph, &client_id).await?;
        let prompt_id = queued["prompt_id"].as_str().unwrap_or_default().to_string();
        *queued_id.lock().unwrap_or_else(|p| p.into_inner()) = Some(prompt_id.clone());

        let mut events = "websocket".to_string();
        let mut entry = None;
        match &mut socket {
            Ok(ws) => match socket::follow(ws, &prompt_id, request).await {
                socket::Outcome::Finished => entry = self.history(&prompt_id).await?,
                socket::Outcome::Failed(e) => return Err(e),
                socket::Outcome::Lost(why) => events = format!("history polling ({why})"),
            },
            Err(why) => events = format!("history polling ({why})"),
        }
        if let Ok(ws) = &mut socket {
            let _ = ws.close(None).await;
        }
        let entry = match entry {
            Some(e) => e,
            None => self.wait_for_history(&prompt_id).await?,
        };
        failed(&entry)?;
        let (node, image) = pick_image(&entry, &graph).ok_or_else(|| {
            bad_response(format!(
                "prompt {prompt_id} finished without an image (outputs: {}); the workflow \
                 needs a SaveImage node",
                http::preview(entry["outputs"].to_string().as_bytes())
            ))
        })?;
        let checked = self.fetch(&image).await?;

        details.insert("prompt_id".into(), Value::from(prompt_id));
        details.insert("number".into(), queued["number"].clone());
        details.insert("client_id".into(), Value::from(client_id));
        details.insert("workflow".into(), Value::from(template.name.clone()));
        details.insert("output".into(), json!({"node": node, "image": image}));
        details.insert("seed".into(), values["seed"].clone());
        details.insert("events".into(), Value::from(events));
        if queued["node_errors"]
            .as_object()
            .is_some_and(|m| !m.is_empty())
        {
            details.insert("node_errors".into(), queued["node_errors"].clone());
        }
        Ok(Generated {
            bytes: checked.bytes,
            content_type: checked.content_type,
            width: checked.width,
            height: checked.height,
            provider: PROVIDER.into(),
            model: request
                .model
                .clone()
                .unwrap_or_else(|| self.settings.model.clone()),
            cost_usd: 0.0,
            details,
            ..Default::default()
        })
    }

    /// Every placeholder's value for this request (the reference is set after its upload).
    fn values(&self, request: &GenerateRequest) -> workflow::Values {
        let steps = request.steps.or(self.settings.steps).unwrap_or(20);
        let mut v = Map::new();
        v.insert("prompt".into(), Value::from(request.prompt.clone()));
        let negative = request.negative_prompt.clone().unwrap_or_default();
        v.insert("negative_prompt".into(), Value::from(negative));
        v.insert(
            "seed".into(),
            Value::from(workflow::seed_number(&request.seed)),
        );
        v.insert(
            "width".into(),
            Value::from(workflow::align16(request.width)),
        );
        v.insert(
            "height".into(),
            Value::from(workflow::align16(request.height)),
        );
        v.insert("steps".into(), Value::from(steps));
        v.insert(
            "guidance".into(),
            Value::from(self.settings.guidance.unwrap_or(3.5)),
        );
        let weight = request.identity_weight.unwrap_or(1.0);
        v.insert("identity_weight".into(), workflow::decimal(weight));
        v.insert("start_at".into(), Value::from(0.0));
        v.insert("end_at".into(), Value::from(1.0));
        v.insert("reference".into(), Value::from(""));
        v
    }
}

impl Provider for ComfyUi {
    fn name(&self) -> &'static str {
        PROVIDER
    }

    fn default_model(&self) -> &str {
        &self.settings.model
    }

    fn check_style(&self, _style: &Style) -> Result<(), ProviderError> {
        Ok(())
    }

    /// The operator's own GPU: prompts and references stay in the operator's hands.
    fn audience(&self) -> likeness_styles::Audience {
        likeness_styles::Audience::Local
    }

    /// No key; only a broken workflow template makes it unusable (a stopped server shows up
    /// as `Unavailable` on the first call).
    fn ready(&self) -> Result<(), ProviderError> {
        self.template().map(|_| ())
    }

    fn concurrency(&self) -> usize {
        self.settings.concurrency
    }

    fn generate(&self, request: GenerateRequest) -> GenerateFuture<'_> {
        Box::pin(async move {
            let started = Instant::now();
            let limit = Duration::from_secs(self.settings.timeout_seconds);
            let queued = std::sync::Mutex::new(None);
            let Ok(result) = tokio::time::timeout(limit, self.exchange(&request, &queued)).await
            else {
                let id = queued.lock().unwrap_or_else(|p| p.into_inner()).take();
                if let Some(id) = id {
                    self.cancel(&id).await;
                }
                return Err(ProviderError::Timeout {
                    provider: PROVIDER.into(),
                    seconds: self.settings.timeout_seconds,
                });
            };
            let mut generated = result?;
            generated.render_us = i64::try_from(started.elapsed().as_micros()).unwrap_or(i64::MAX);
            Ok(generated)
        })
    }
}

fn bad_request(status: u16, message: String) -> ProviderError {
    ProviderError::BadRequest {
        provider: PROVIDER.into(),
        status,
        message,
    }
}

fn bad_response(message: String) -> ProviderError {
    ProviderError::BadResponse {
        provider: PROVIDER.into(),
        message,
    }
}

/// Percent-encodes a query or path value.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(super::encode("a b/(1).png"), "a%20b%2F%281%29.png");
    }
}
