//! The OpenAPI document (`/openapi.json`) and Swagger UI (`/docs`), generated from the handlers'
//! annotations so the description cannot drift from the routes.

use std::collections::BTreeMap;

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

use super::{assets, health, jobs, metrics, openai, portraits, subjects};

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

#[derive(OpenApi)]
#[openapi(
    info(title = "likeness", description = "Consistent, audited portraits for subjects: subjects, on-demand generation, jobs and runs, images."),
    paths(
        subjects::list, subjects::create, subjects::show, subjects::history, subjects::avatar,
        jobs::generate, jobs::job, jobs::job_events, jobs::runs, jobs::run_one, portraits::generate,
        openai::generations, openai::edits, assets::asset, health::healthy, health::ready, metrics::render,
    ),
    components(schemas(ErrorBody, ErrorDetail, SubjectInput)),
    modifiers(&Bearer),
)]
pub struct ApiDoc;

struct Bearer;

impl Modify for Bearer {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}
