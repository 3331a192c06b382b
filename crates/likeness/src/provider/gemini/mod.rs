//! Gemini's native image output ("Nano Banana": gemini-2.5-flash-image, gemini-3-pro-image,
//! gemini-3.1-flash-image) through `POST /v1beta/models/{model}:generateContent`, and a
//! text-only vision call that describes a reference photo.
//!
//! One attempt per call (`guard.rs` retries). `wire.rs` builds the request, `answer.rs` reads
//! the answer and maps every failure shape of ../shared/research/provider-apis.md §1.

mod answer;
mod wire;

use std::time::Instant;

use likeness_styles::Style;
use serde_json::{Value, json};

use super::http::{HttpClient, image_from_base64};
use super::settings::ProviderSettings;
use super::{GenerateFuture, GenerateRequest, Generated, Provider, ProviderError, Reference};

pub use wire::{Family, aspect_ratio, image_size, size_label};

/// The vision model `describe` uses when the caller names none.
pub const DESCRIBE_MODEL: &str = "gemini-2.5-flash";

/// Longest description kept, in characters.
const DESCRIPTION_CAP: usize = 400;

#[derive(Debug)]
pub struct Gemini {
    settings: ProviderSettings,
    client: HttpClient,
}

/// `models/x` and `x` name the same model; the URL and the family want the bare name.
fn bare(model: &str) -> &str {
    model.strip_prefix("models/").unwrap_or(model)
}

impl Gemini {
    pub fn new(settings: ProviderSettings) -> Gemini {
        let client = HttpClient::new("gemini", &settings);
        Gemini { settings, client }
    }

    /// One `generateContent` call: the 2xx body as JSON, or the typed error of the answer.
    async fn call(&self, model: &str, body: &Value) -> Result<Value, ProviderError> {
        let key = self.settings.key()?;
        let url = format!(
            "{}/v1beta/models/{}:generateContent",
            self.settings.base_url,
            bare(model)
        );
        // The key goes in a header, not `?key=`, so it stays out of proxy and access logs.
        let request = self
            .client
            .inner()
            .post(url)
            .header("x-goog-api-key", key)
            .json(body);
        let reply = self.client.send(request).await?;
        answer::json_or_error(&reply, model)
    }

    /// A one-sentence description of the visible features of the person in `reference`
    /// (hair, facial hair, glasses, apparent age, skin tone in neutral words), for prompts.
    /// `model` defaults to [`DESCRIBE_MODEL`]. Errors map as for `generate`.
    pub async fn describe(
        &self,
        reference: &Reference,
        model: Option<&str>,
    ) -> Result<String, ProviderError> {
        let model = model.unwrap_or(DESCRIBE_MODEL);
        let v = self.call(model, &wire::describe_body(reference)).await?;
        let text = answer::texts(&v).join(" ");
        let text = text.trim();
        if text.is_empty() {
            return Err(answer::refusal(&v));
        }
        Ok(text
            .chars()
            .take(DESCRIPTION_CAP)
            .collect::<String>()
            .trim_end()
            .to_string())
    }

    async fn generate_once(&self, request: GenerateRequest) -> Result<Generated, ProviderError> {
        let started = Instant::now();
        let model = request
            .model
            .clone()
            .unwrap_or_else(|| self.settings.model.clone());
        let family = Family::of(&model);
        let ratio = aspect_ratio(request.width, request.height);
        let size = image_size(family, request.width, request.height);
        let limit = family.max_references();
        let sent = request.references.len().min(limit);
        let dropped = request.references.len() - sent;
        if dropped > 0 {
            tracing::warn!(
                model = %model,
                given = request.references.len(),
                limit,
                "gemini: sending only the first {limit} reference images"
            );
        }
        let text = wire::prompt_text(&request.prompt, request.negative_prompt.as_deref());
        let body = wire::image_body(&text, &request.references[..sent], ratio, size);
        let v = self.call(&model, &body).await?;
        let Some(data) = answer::image_data(&v).map(str::to_string) else {
            return Err(answer::refusal(&v));
        };
        // Decoding a 4K image takes a while: keep it off the async workers.
        let image = tokio::task::spawn_blocking(move || image_from_base64("gemini", &data))
            .await
            .map_err(|e| ProviderError::BadResponse {
                provider: "gemini".into(),
                message: format!("checking the image failed: {e}"),
            })??;
        let mut details = answer::details(&v);
        details.insert("aspectRatio".into(), json!(ratio));
        if let Some(size) = size {
            details.insert("imageSize".into(), json!(size));
        }
        if !request.references.is_empty() {
            details.insert("references_sent".into(), json!(sent));
        }
        if dropped > 0 {
            details.insert("references_dropped".into(), json!(dropped));
        }
        Ok(Generated {
            bytes: image.bytes,
            content_type: image.content_type,
            width: image.width,
            height: image.height,
            provider: "gemini".into(),
            cost_usd: self.estimate_usd(&model, request.width, request.height),
            model,
            render_us: started.elapsed().as_micros() as i64,
            details,
            ..Generated::default()
        })
    }
}

impl Provider for Gemini {
    fn name(&self) -> &'static str {
        "gemini"
    }

    fn default_model(&self) -> &str {
        &self.settings.model
    }

    /// Gemini draws any style from its prompt.
    fn check_style(&self, _style: &Style) -> Result<(), ProviderError> {
        Ok(())
    }

    fn ready(&self) -> Result<(), ProviderError> {
        self.settings.key().map(|_| ())
    }

    fn estimate_usd(&self, model: &str, width: u32, height: u32) -> f64 {
        let model = bare(model);
        self.settings
            .price(model, size_label(Family::of(model), width, height))
    }

    fn concurrency(&self) -> usize {
        self.settings.concurrency
    }

    fn generate(&self, request: GenerateRequest) -> GenerateFuture<'_> {
        Box::pin(self.generate_once(request))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gemini(key: Option<&str>) -> Gemini {
        let config = crate::provider::settings::ProviderConfig {
            api_key: key.map(str::to_string),
            ..Default::default()
        };
        Gemini::new(ProviderSettings::resolve("gemini", Some(&config), &|_| None).unwrap())
    }

    #[test]
    fn without_a_key_it_is_not_ready() {
        let e = gemini(None).ready().unwrap_err();
        assert!(
            matches!(&e, ProviderError::NoKey { provider, env } if provider == "gemini" && env == "GEMINI_API_KEY"),
            "{e:?}"
        );
        assert!(gemini(Some("k")).ready().is_ok());
    }

    #[test]
    fn estimates_use_the_size_label_of_the_long_edge() {
        let g = gemini(Some("k"));
        assert_eq!(g.estimate_usd("gemini-2.5-flash-image", 4096, 4096), 0.039);
        assert_eq!(g.estimate_usd("gemini-3-pro-image", 1024, 1024), 0.134);
        assert_eq!(g.estimate_usd("gemini-3-pro-image", 4096, 2048), 0.24);
        assert_eq!(
            g.estimate_usd("models/gemini-3-pro-image", 4096, 2048),
            0.24
        );
        assert_eq!(g.estimate_usd("gemini-3.1-flash-image", 512, 512), 0.045);
        assert_eq!(g.estimate_usd("gemini-3.1-flash-image", 2048, 1024), 0.101);
        assert_eq!(g.concurrency(), 8);
    }
}
