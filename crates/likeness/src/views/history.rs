//! One generation attempt in a subject's history.

use serde::Serialize;

use crate::db::assets::AssetRow;
use crate::store::Store;

/// One generation attempt in a subject's history.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryEntry {
    pub asset_id: String,
    pub run_id: String,
    pub style: String,
    pub style_version: i64,
    pub provider: String,
    pub model: String,
    pub seed: String,
    pub status: String,
    pub current: bool,
    pub created_at: String,
    pub prompt: String,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub bytes: Option<i64>,
    pub content_hash: Option<String>,
    pub storage_key: Option<String>,
    pub total_ms: i64,
    pub cost_usd: f64,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    /// 0–1 against the subject's reference photo (0.5 is the same-person line); none when
    /// the job had no reference. From `details.identity`.
    pub identity_score: Option<f64>,
    /// Attempts, the fallback chain's earlier failures (`fallback`), the provider's revised
    /// prompt and its own facts (usage, finish reason, ids), what was measured (`quality`,
    /// `identity`) and the style's gate (`gate`: attempts, passed, shortfalls).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<serde_json::Value>,
    /// The image's file, when the store is a local folder (never a path for other stores).
    pub path: Option<String>,
    /// Where a client fetches the image: `{public_base_url}/{key}`, else `/assets/{key}` on
    /// the server.
    pub url: Option<String>,
}

impl HistoryEntry {
    pub fn new(a: AssetRow, store: &Store) -> HistoryEntry {
        HistoryEntry {
            path: a
                .storage_key
                .as_deref()
                .and_then(|k| store.path(k))
                .map(|p| p.display().to_string()),
            url: a.storage_key.as_deref().and_then(|k| store.url(k)),
            asset_id: a.asset_id,
            run_id: a.run_id,
            style: a.style,
            style_version: a.style_version,
            provider: a.provider,
            model: a.model,
            seed: a.seed,
            status: a.status,
            current: a.current,
            created_at: a.created_at.text(),
            prompt: a.prompt,
            width: a.width,
            height: a.height,
            bytes: a.bytes,
            content_hash: a.content_hash,
            storage_key: a.storage_key,
            total_ms: a.total_ms,
            cost_usd: a.cost_usd,
            error_code: a.error_code,
            error_message: a.error_message,
            identity_score: a
                .details
                .as_ref()
                .and_then(|d| d.pointer("/identity/score"))
                .and_then(serde_json::Value::as_f64),
            details: a.details,
        }
    }
}
