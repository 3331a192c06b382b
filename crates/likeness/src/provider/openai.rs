//! OpenAI's images API with the gpt-image models (../shared/research/provider-apis.md §3).
//!
//! Without references: `POST {base}/images/generations` with a JSON body. With references:
//! `POST {base}/images/edits` as multipart, one file as `image`, several as repeated
//! `image[]` parts (up to 16), which keeps the face of the references. gpt-image models
//! always answer `b64_json` and reject `response_format`, so it is never sent.
//!
//! No `user` field is sent: OpenAI suggests a hashed end-user id there, but a plain hash of a
//! short patient id is undone by trying every id, and anything keyed by a secret we hold is
//! no more use to OpenAI's abuse team than nothing.
//!
//! `size.rs` picks the size and the price, `answer.rs` maps answers and errors. One attempt
//! per call; `guard.rs` retries.

mod answer;
mod size;

use std::time::Instant;

use likeness_styles::Style;
use reqwest::multipart::{Form, Part};
use serde_json::json;

use super::http::HttpClient;
use super::settings::ProviderSettings;
use super::{GenerateFuture, GenerateRequest, Generated, Provider, ProviderError, Reference};

pub use size::api_size;

/// The most reference images the edits endpoint takes.
pub const MAX_REFERENCES: usize = 16;

#[derive(Debug)]
pub struct OpenAi {
    settings: ProviderSettings,
    http: HttpClient,
}

impl OpenAi {
    pub fn new(settings: ProviderSettings) -> OpenAi {
        OpenAi {
            http: HttpClient::new("openai", &settings),
            settings,
        }
    }

    /// The quality setting as sent: none (the server's `auto`) when unset.
    fn quality(&self) -> Option<&str> {
        non_empty(self.settings.quality.as_deref())
    }

    async fn call(&self, request: GenerateRequest) -> Result<Generated, ProviderError> {
        let key = self.settings.key()?;
        let started = Instant::now();
        let model = non_empty(request.model.as_deref())
            .unwrap_or(&self.settings.model)
            .to_string();
        let (w, h) = api_size(&model, request.width, request.height);
        let size = format!("{w}x{h}");
        let prompt = prompt(&request);
        let base = &self.settings.base_url;
        let sent = request.references.len().min(MAX_REFERENCES);
        let builder = if request.references.is_empty() {
            let mut body = json!({
                "model": model,
                "prompt": prompt,
                "n": 1,
                "size": size,
                "output_format": "png",
            });
            if let Some(q) = self.quality() {
                body["quality"] = q.into();
            }
            self.http
                .inner()
                .post(format!("{base}/images/generations"))
                .json(&body)
        } else {
            let mut form = Form::new()
                .text("model", model.clone())
                .text("prompt", prompt)
                .text("n", "1")
                .text("size", size.clone())
                .text("output_format", "png");
            if let Some(q) = self.quality() {
                form = form.text("quality", q.to_string());
            }
            // gpt-image-1-mini has no input_fidelity and refuses it.
            if let Some(f) = non_empty(self.settings.input_fidelity.as_deref())
                && !model.starts_with("gpt-image-1-mini")
            {
                form = form.text("input_fidelity", f.to_string());
            }
            let refs = &request.references[..sent];
            let field = if refs.len() == 1 { "image" } else { "image[]" };
            for (i, r) in refs.iter().enumerate() {
                form = form.part(field, reference_part(i, r));
            }
            self.http
                .inner()
                .post(format!("{base}/images/edits"))
                .multipart(form)
        };
        let reply = self.http.send(builder.bearer_auth(key)).await?;
        if !(200..300).contains(&reply.status) {
            return Err(answer::error(&reply));
        }
        let answer = answer::image(&reply)?;
        let mut details = answer.details;
        if !request.references.is_empty() {
            details.insert("references_sent".into(), sent.into());
            if request.references.len() > sent {
                details.insert(
                    "references_dropped".into(),
                    (request.references.len() - sent).into(),
                );
            }
        }
        // The cost of what was drawn: the answer's quality and size when it names them (what
        // `auto` became), else the estimate.
        let billed_size = answer
            .size
            .as_deref()
            .and_then(parse_size)
            .unwrap_or((w, h));
        let billed_quality = answer
            .quality
            .as_deref()
            .filter(|q| ["low", "medium", "high"].contains(q))
            .unwrap_or_else(|| size::priced_quality(self.quality()));
        Ok(Generated {
            bytes: answer.image.bytes,
            content_type: answer.image.content_type,
            width: answer.image.width,
            height: answer.image.height,
            provider: "openai".into(),
            cost_usd: size::price(&self.settings, &model, billed_quality, billed_size),
            model,
            render_us: started.elapsed().as_micros() as i64,
            revised_prompt: answer.revised_prompt,
            details,
            ..Default::default()
        })
    }
}

impl Provider for OpenAi {
    fn name(&self) -> &'static str {
        "openai"
    }

    fn default_model(&self) -> &str {
        &self.settings.model
    }

    fn check_style(&self, _style: &Style) -> Result<(), ProviderError> {
        Ok(())
    }

    fn ready(&self) -> Result<(), ProviderError> {
        self.settings.key().map(|_| ())
    }

    /// The list price at the quality setting (`medium` for none or `auto`, see
    /// `size::PRICED_QUALITY`) and the size that would be sent.
    fn estimate_usd(&self, model: &str, width: u32, height: u32) -> f64 {
        let quality = size::priced_quality(self.quality());
        size::price(
            &self.settings,
            model,
            quality,
            api_size(model, width, height),
        )
    }

    fn concurrency(&self) -> usize {
        self.settings.concurrency
    }

    fn generate(&self, request: GenerateRequest) -> GenerateFuture<'_> {
        Box::pin(self.call(request))
    }
}

fn non_empty(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

/// The prompt with the negative prompt folded in: the images API has no field for it.
fn prompt(request: &GenerateRequest) -> String {
    match non_empty(request.negative_prompt.as_deref()) {
        Some(avoid) => format!("{}\n\nAvoid: {avoid}", request.prompt.trim_end()),
        None => request.prompt.clone(),
    }
}

/// One reference as a file part: `reference-N.png` (or .jpg, .webp) with its content type.
fn reference_part(i: usize, r: &Reference) -> Part {
    let ext = match r.content_type {
        "image/jpeg" => "jpg",
        "image/webp" => "webp",
        _ => "png",
    };
    let name = format!("reference-{}.{ext}", i + 1);
    let part = || Part::bytes(r.bytes.to_vec()).file_name(name.clone());
    // Content types come from intake's sniffing, so always parse; the fallback is a bare part.
    part().mime_str(r.content_type).unwrap_or_else(|_| part())
}

fn parse_size(s: &str) -> Option<(u32, u32)> {
    let (w, h) = s.split_once('x')?;
    Some((w.parse().ok()?, h.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_negative_prompt_is_folded_into_the_prompt() {
        let mut r = super::super::sample_request("consultant");
        r.prompt = "A portrait".into();
        assert_eq!(prompt(&r), "A portrait");
        r.negative_prompt = Some("  ".into());
        assert_eq!(prompt(&r), "A portrait");
        r.negative_prompt = Some("text, watermarks".into());
        assert_eq!(prompt(&r), "A portrait\n\nAvoid: text, watermarks");
    }
}
