//! Image providers behind one trait. A request carries the prompt, size, seed and the subject's
//! demographics; the answer is image bytes with metadata, or a typed error whose code and
//! retryability drive the queue (see DESIGN.md's provider error table).
//!
//! Each provider file makes one attempt per call and maps the wire format (`builtin.rs`,
//! `gemini/`, `openai.rs`, `comfyui/`). Around the remote ones, `guard.rs` paces requests
//! (`limiter.rs`), retries with backoff and opens the breaker (`breaker.rs`); `chain.rs` walks
//! a style's fallback chain. `http.rs` is the shared wire plumbing, `settings.rs` the
//! `[providers.*]` config with prices.

pub mod breaker;
pub mod builtin;
pub mod chain;
pub mod comfyui;
mod error;
pub mod gemini;
pub mod guard;
pub mod http;
pub mod limiter;
pub mod openai;
pub mod settings;
#[cfg(test)]
mod tests;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use likeness_styles::Style;
use likeness_subjects::{Demographics, Subject};

/// Everything a provider needs for one image. Owned, so CPU-bound providers can move it to a
/// blocking thread.
#[derive(Debug, Clone)]
pub struct GenerateRequest {
    pub style: Arc<Style>,
    pub model: Option<String>,
    pub prompt: String,
    pub negative_prompt: Option<String>,
    pub width: u32,
    pub height: u32,
    pub seed: String,
    pub subject: Subject,
    pub demographics: Demographics,
    /// Checked reference photos (likeness-face intake: JPEG or PNG, metadata stripped).
    pub references: Vec<Reference>,
    /// Sampler steps, for providers that have them.
    pub steps: Option<u32>,
    /// How strongly an identity-preserving provider keeps the reference face (0 to 1).
    pub identity_weight: Option<f32>,
    /// Keys laid over the style's `[renderer]` table for this request (`flip`, `rotate`,
    /// `background`, `palette`, …). Only the built-in renderer reads them.
    pub renderer_options: serde_json::Map<String, serde_json::Value>,
    /// Told about progress of long generations (ComfyUI's sampler steps), when someone listens.
    pub progress: Option<ProgressSink>,
}

/// Receives `(value, max)` progress of one generation.
#[derive(Clone)]
pub struct ProgressSink(pub Arc<dyn Fn(u32, u32) + Send + Sync>);

impl std::fmt::Debug for ProgressSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ProgressSink")
    }
}

impl GenerateRequest {
    pub fn report_progress(&self, value: u32, max: u32) {
        if let Some(p) = &self.progress {
            (p.0)(value, max);
        }
    }
}

/// A reference image as a provider receives it.
#[derive(Debug, Clone)]
pub struct Reference {
    pub bytes: bytes::Bytes,
    pub content_type: &'static str,
}

#[derive(Debug, Clone, Default)]
pub struct Generated {
    pub bytes: Vec<u8>,
    /// `image/png` or `image/jpeg` (remote images pass `http::image_from_bytes`).
    pub content_type: &'static str,
    pub width: u32,
    pub height: u32,
    /// The provider that made it (set by the provider; in a chain, the link that succeeded).
    pub provider: String,
    pub model: String,
    /// Time spent producing the image (rendering, or the remote call), in microseconds.
    pub render_us: i64,
    /// Of `render_us`, the time the provider spent encoding its own image (the built-in
    /// renderer's PNG encode), in microseconds; 0 when it cannot tell.
    pub render_encode_us: i64,
    /// The tones of the built-in renderer's PNG, counted while it encoded it, so the pipeline
    /// measures its quality without decoding it.
    pub tones: Option<likeness_paint::Tones>,
    /// Drawn by the built-in renderer: a PNG without metadata to strip, so at
    /// `png_optimization = 0` it is stored as drawn (`pipeline/save.rs`). A provider's PNG
    /// always goes through oxipng, which also strips what the provider wrote into it.
    pub drawn_here: bool,
    pub cost_usd: f64,
    /// The prompt as the provider rewrote it, when it says so.
    pub revised_prompt: Option<String>,
    /// Provider facts for the audit record: usage, finish reason, prompt id, ...
    pub details: serde_json::Map<String, serde_json::Value>,
    /// Calls made to the provider for this image, retries included (set by `guard.rs`).
    pub attempts: u32,
    /// Why earlier links of the chain did not make it, in order (`"gemini:…: provider.no_key: …"`).
    pub fallback: Vec<String>,
}

pub use error::ProviderError;

pub type GenerateFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Generated, ProviderError>> + Send + 'a>>;

pub trait Provider: Send + Sync + std::fmt::Debug {
    fn name(&self) -> &'static str;
    /// The default model name recorded on assets.
    fn default_model(&self) -> &str;
    /// Checked before a run is planned, so a batch never starts with a style it cannot draw.
    fn check_style(&self, style: &Style) -> Result<(), ProviderError>;
    /// Who sees the prompt: the built-in renderer runs here; anything else is a third party, so
    /// prompts for it carry no identifiers unless the style allows them.
    fn audience(&self) -> likeness_styles::Audience {
        likeness_styles::Audience::Cloud
    }
    /// Whether it can be used at all; `NoKey` when its key is missing.
    fn ready(&self) -> Result<(), ProviderError> {
        Ok(())
    }
    /// List price of one image of `model` at this size, for dry runs, budgets and records.
    fn estimate_usd(&self, _model: &str, _width: u32, _height: u32) -> f64 {
        0.0
    }
    /// Generations worth keeping in flight at once in one process.
    fn concurrency(&self) -> usize {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
    }
    fn generate(&self, request: GenerateRequest) -> GenerateFuture<'_>;
}

/// The providers of this process, by name, built once from the config: the remote ones are
/// wrapped in their guard, so every worker of the process shares one pace, one breaker.
#[derive(Debug, Clone)]
pub struct Providers {
    builtin: Arc<builtin::Builtin>,
    remote: Vec<Arc<guard::Guarded>>,
    warnings: Arc<chain::Warnings>,
    /// Gemini with text output, for describing reference photos (`--fetch-likeness`).
    describer: Arc<gemini::Gemini>,
}

impl Providers {
    /// Only the built-in renderer and the remote providers with default settings (keys from
    /// the environment).
    pub fn new() -> Providers {
        Providers::from_config(&Default::default(), &|k| std::env::var(k).ok())
            .expect("default provider settings are valid")
    }

    /// Builds every provider from `[providers.*]`; `env` supplies keys and endpoints.
    pub fn from_config(
        config: &std::collections::BTreeMap<String, settings::ProviderConfig>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Providers, String> {
        let mut remote = Vec::new();
        let mut describer = None;
        for s in settings::resolve_all(config, env)? {
            let inner: Arc<dyn Provider> = match s.name {
                "gemini" => {
                    // The same client serves images and photo descriptions.
                    let g = Arc::new(gemini::Gemini::new(s.clone()));
                    describer = Some(g.clone());
                    g
                }
                "openai" => Arc::new(openai::OpenAi::new(s.clone())),
                _ => Arc::new(comfyui::ComfyUi::new(s.clone())),
            };
            remote.push(Arc::new(guard::Guarded::new(inner, &s)));
        }
        Ok(Providers {
            builtin: Arc::new(builtin::Builtin::new()),
            remote,
            warnings: Arc::default(),
            describer: describer.expect("gemini is a remote provider"),
        })
    }

    /// Paces every remote provider from slots shared with the other processes of this
    /// installation (the database), so their quotas hold across machines.
    pub fn share_pace(&self, slots: Arc<dyn limiter::SharedSlots>) {
        for g in &self.remote {
            g.share_pace(slots.clone());
        }
    }

    pub fn names(&self) -> Vec<String> {
        std::iter::once("builtin".to_string())
            .chain(self.remote.iter().map(|g| g.name().to_string()))
            .collect()
    }

    pub fn get(&self, name: &str) -> Result<Arc<dyn Provider>, ProviderError> {
        if name == "builtin" {
            return Ok(self.builtin.clone());
        }
        match self.remote.iter().find(|g| g.name() == name) {
            Some(g) => Ok(g.clone()),
            None => Err(ProviderError::UnknownProvider {
                name: name.to_string(),
                available: self.names(),
            }),
        }
    }

    /// The vision model that describes photos; `NoKey` without a Gemini key.
    pub fn describer(&self) -> Result<Arc<gemini::Gemini>, ProviderError> {
        self.describer.ready()?;
        Ok(self.describer.clone())
    }

    /// The most generations any usable provider wants in flight at once.
    pub fn most_parallel(&self) -> usize {
        self.remote
            .iter()
            .filter(|g| g.ready().is_ok())
            .map(|g| g.concurrency())
            .chain(std::iter::once(self.builtin.concurrency()))
            .max()
            .unwrap_or(1)
    }

    /// The guarded remote provider `name`, for its pace and breaker state.
    pub fn guarded(&self, name: &str) -> Option<&Arc<guard::Guarded>> {
        self.remote.iter().find(|g| g.name() == name)
    }

    /// The chain that draws a style: the `--provider` override alone (`name` or
    /// `name:model`), else the style's `providers` list in order.
    pub fn for_style(
        &self,
        style: &Style,
        over: Option<&str>,
    ) -> Result<(Arc<dyn Provider>, Option<String>), ProviderError> {
        let refs: Vec<likeness_styles::ProviderRef> = match over {
            Some(text) => vec![text.parse().map_err(|_| ProviderError::UnknownProvider {
                name: text.to_string(),
                available: self.names(),
            })?],
            None => style.providers.clone(),
        };
        let mut links = Vec::with_capacity(refs.len());
        for r in &refs {
            links.push(chain::Link {
                provider: self.get(&r.provider)?,
                model: r.model.clone(),
            });
        }
        if links.is_empty() {
            return Err(ProviderError::UnknownProvider {
                name: String::new(),
                available: self.names(),
            });
        }
        let model = links[0].model.clone();
        Ok((
            Arc::new(chain::Chain::new(links, self.warnings.clone())),
            model,
        ))
    }
}

impl Default for Providers {
    fn default() -> Self {
        Providers::new()
    }
}

/// A request for `style` of the built-in catalog, for a 42-year-old woman named Ada Example
/// (id `ada-1`), 1024 × 1024, no references. For tests and examples.
#[doc(hidden)]
pub fn sample_request(style: &str) -> GenerateRequest {
    let style = likeness_styles::Catalog::builtin()
        .get(style)
        .expect("a built-in style")
        .clone();
    let mut subject = Subject::new(
        likeness_subjects::SubjectId::new("ada-1").expect("a valid id"),
        likeness_subjects::Source::Api,
    );
    subject.name = Some("Ada Example".into());
    subject.gender = likeness_subjects::Gender::Woman;
    subject.birth_date = likeness_subjects::PartialDate::new(1984, Some(3), Some(9)).ok();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 21).expect("a date");
    GenerateRequest {
        prompt: format!("A portrait in the {} style", style.name),
        style: Arc::new(style),
        model: None,
        negative_prompt: None,
        width: 1024,
        height: 1024,
        seed: "ada-1:test:1".into(),
        demographics: subject.demographics(today),
        subject,
        references: Vec::new(),
        steps: None,
        identity_weight: None,
        renderer_options: Default::default(),
        progress: None,
    }
}
