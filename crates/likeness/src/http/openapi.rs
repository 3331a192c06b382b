//! The OpenAPI document (`/openapi.json`) and Swagger UI (`/docs`), generated from the handlers'
//! annotations so the description cannot drift from the routes.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::schema::{ErrorBody, ErrorDetail, SubjectInput};
use super::{assets, health, jobs, metrics, openai, portraits, subjects};

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
