//! Shapes that exist only to describe the API in its OpenAPI document (the handlers build
//! these bodies with `serde_json`); kept apart from `openapi.rs`, which names the handlers.

use std::collections::BTreeMap;

use utoipa::ToSchema;

/// Every error: `{"error": {"code", "message", "details"}}` (the `/v1` routes use OpenAI's).
#[derive(ToSchema)]
#[allow(dead_code)] // documentation only
pub struct ErrorBody {
    error: ErrorDetail,
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ErrorDetail {
    /// Stable machine-readable code, e.g. `subject.not_found`.
    code: String,
    /// What went wrong and what to fix.
    message: String,
    /// Per-item reasons where there are several (e.g. `[{index, reason}]`).
    details: Option<serde_json::Value>,
}

/// A subject as the API (and the JSONL import) takes it.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct SubjectInput {
    /// 1–128 characters of `[A-Za-z0-9._-]`, starting with a letter or digit.
    id: String,
    name: Option<String>,
    /// male/female/other/unknown (or man/woman/person).
    gender: Option<String>,
    /// `1962`, `1962-05` or `1962-05-17`.
    birth_date: Option<String>,
    deceased_date: Option<String>,
    cohorts: Option<Vec<String>>,
    /// Free attributes: team_name, position, worldview, skin_tone (#rrggbb), hair_color, ...
    /// The built-in poster also reads hair_style, glasses (yes/no), facial_hair, head_covering,
    /// team_colors (#rrggbb,#rrggbb) and jersey_color.
    attributes: Option<BTreeMap<String, String>>,
}
