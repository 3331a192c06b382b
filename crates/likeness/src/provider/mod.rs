//! Image providers behind one trait. A request carries the prompt, size, seed and the subject's
//! demographics; the answer is image bytes with metadata, or a typed error whose code and
//! retryability drive the queue (see DESIGN.md's provider error table).

pub mod builtin;

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
}

/// A reference image as a provider receives it.
#[derive(Debug, Clone)]
pub struct Reference {
    pub bytes: bytes::Bytes,
    pub content_type: &'static str,
}

#[derive(Debug, Clone)]
pub struct Generated {
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
    pub width: u32,
    pub height: u32,
    pub model: String,
    /// Time spent producing the image (rendering, or the remote call), in microseconds.
    pub render_us: i64,
    pub cost_usd: f64,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum ProviderError {
    #[error("provider {provider} cannot draw style {style:?}; it can draw: {}", can_draw.join(", "))]
    UnsupportedStyle {
        provider: String,
        style: String,
        can_draw: Vec<String>,
    },
    #[error("unknown provider {name:?}; available: {}", available.join(", "))]
    UnknownProvider {
        name: String,
        available: Vec<String>,
    },
    #[error("style {style:?} has an invalid renderer recipe: {message}")]
    BadRecipe { style: String, message: String },
    #[error("attribute {name} = {value:?} is not usable: expected {expected}")]
    BadAttribute {
        name: String,
        value: String,
        expected: String,
    },
    #[error("rendering failed: {0}")]
    Render(String),
}

impl ProviderError {
    pub fn code(&self) -> &'static str {
        match self {
            ProviderError::UnsupportedStyle { .. } => "provider.unsupported_style",
            ProviderError::UnknownProvider { .. } => "provider.unknown",
            ProviderError::BadRecipe { .. } => "provider.bad_recipe",
            ProviderError::BadAttribute { .. } => "provider.bad_attribute",
            ProviderError::Render(_) => "provider.render_failed",
        }
    }

    /// Whether trying again later could succeed.
    pub fn is_retryable(&self) -> bool {
        false
    }
}

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
    /// Estimated price of one image, for dry runs and run records.
    fn estimate_usd(&self, _width: u32, _height: u32) -> f64 {
        0.0
    }
    fn generate(&self, request: GenerateRequest) -> GenerateFuture<'_>;
}

/// The providers this build knows, by name.
#[derive(Debug, Clone)]
pub struct Providers {
    builtin: Arc<builtin::Builtin>,
}

impl Providers {
    pub fn new() -> Providers {
        Providers {
            builtin: Arc::new(builtin::Builtin::new()),
        }
    }

    pub fn names(&self) -> Vec<String> {
        vec!["builtin".to_string()]
    }

    pub fn get(&self, name: &str) -> Result<Arc<dyn Provider>, ProviderError> {
        match name {
            "builtin" => Ok(self.builtin.clone()),
            _ => Err(ProviderError::UnknownProvider {
                name: name.to_string(),
                available: self.names(),
            }),
        }
    }

    /// Picks the provider for a style: the `--provider` override, else the first link of the
    /// style's chain that this build has.
    pub fn for_style(
        &self,
        style: &Style,
        over: Option<&str>,
    ) -> Result<(Arc<dyn Provider>, Option<String>), ProviderError> {
        if let Some(name) = over {
            let (name, model) = match name.split_once(':') {
                Some((p, m)) => (p, Some(m.to_string())),
                None => (name, None),
            };
            return Ok((self.get(name)?, model));
        }
        let mut last = None;
        for link in &style.providers {
            match self.get(&link.provider) {
                Ok(p) => return Ok((p, link.model.clone())),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| ProviderError::UnknownProvider {
            name: String::new(),
            available: self.names(),
        }))
    }
}

impl Default for Providers {
    fn default() -> Self {
        Providers::new()
    }
}
