//! Per-request overrides of a job (seed, prompt, size, references, renderer keys), from the
//! HTTP API: stored with the job for the audit trail and read by the worker.

/// Per-request overrides of a job (from the HTTP API).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobOptions {
    /// Replaces the renderer seed (otherwise subject, style and style version).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<String>,
    /// Added to the style's prompt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_prompt: Option<String>,
    /// Pixels, instead of the style's size preset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// Sampler steps, for providers that have them (ComfyUI).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steps: Option<u32>,
    /// How strongly an identity-preserving provider keeps the reference face (0 to 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_weight: Option<f32>,
    /// Store keys of checked reference images (`_references/…`), sent to the provider.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
    /// Keys laid over the style's `[renderer]` table (`flip`, `rotate`, `background`, …), for
    /// the built-in renderer.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub renderer: serde_json::Map<String, serde_json::Value>,
}

impl JobOptions {
    pub fn is_empty(&self) -> bool {
        self == &JobOptions::default()
    }
}
