//! The OpenAPI 3.1 document (`/openapi.json`) and Swagger UI (`/docs`). The operations come
//! from the handlers' `#[utoipa::path]` annotations, so the description cannot drift from the
//! routes; `document` then adds what only the running server knows (the styles it can draw,
//! its usable providers) and what every route shares (auth, body limits), so a route
//! documents only its own answers. `tests/it/openapi.rs` validates the served document and
//! fuzzes the server against it.

use serde_json::{Map, Value, json};
use utoipa::OpenApi;

use super::schema::{ErrorBody, ErrorDetail, Names};
use super::{assets, health, jobs, metrics, openai, portraits, subjects};
use crate::app::App;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "likeness",
        description = "Consistent, audited portraits for subjects: subjects, on-demand generation, \
            jobs and runs, images.\n\nThe API takes `Authorization: Bearer <token>`; a viewer \
            token reads and is refused (403) anything else. Every error is `{\"error\": {code, \
            message, details}}` with a stable code (the `/v1` routes answer in OpenAI's shape). \
            Bodies over `server.max_body_bytes` are refused with 413. Enums of styles and \
            providers are this server's: what it can draw now.",
    ),
    paths(
        subjects::list,
        subjects::create,
        subjects::show,
        subjects::history,
        subjects::avatar,
        jobs::generate,
        jobs::job,
        jobs::job_events,
        jobs::runs,
        jobs::run_one,
        portraits::generate,
        openai::generations,
        openai::edits,
        assets::asset,
        health::healthy,
        health::ready,
        metrics::render,
        super::dicebear::avatar,
        super::avatar::by_hash,
        super::avatar::by_username,
        super::avatar::by_username_sized,
        super::webhooks::create,
        super::webhooks::list,
        super::webhooks::show,
        super::webhooks::remove,
        super::webhooks::deliveries,
        super::erase::erase_subject,
        super::erase::erasures,
    ),
    components(schemas(ErrorBody, ErrorDetail))
)]
pub struct ApiDoc;

/// The document this server serves: `ApiDoc` with the server's names, the bearer scheme and
/// the answers every route shares.
pub fn document(app: &App) -> Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
    complete(&mut doc, &names(app));
    doc
}

/// What this server can do now: its catalog, and which styles and providers it can use.
pub fn names(app: &App) -> Names {
    use crate::pipeline::plan::PlannedStyle;
    let catalog: Vec<String> = app.catalog.names().map(str::to_string).collect();
    let drawable: Vec<String> = catalog
        .iter()
        .filter(|s| PlannedStyle::resolve(app, s, None, None).is_ok())
        .cloned()
        .collect();
    let scenarios = drawable
        .iter()
        .filter(|s| {
            app.catalog
                .get(s)
                .is_ok_and(|s| s.kind == likeness_styles::StyleKind::Scenario)
        })
        .cloned()
        .collect();
    let providers = (app.providers.names().into_iter())
        .filter(|p| app.providers.get(p).is_ok_and(|p| p.ready().is_ok()))
        .collect();
    Names {
        catalog,
        drawable,
        scenarios,
        providers,
    }
}

/// Adds the components, the security scheme and the shared answers to `doc`.
pub fn complete(doc: &mut Value, names: &Names) {
    let components = doc["components"]
        .as_object_mut()
        .map(std::mem::take)
        .unwrap_or_default();
    let mut components = Value::Object(components);
    for (name, schema) in super::schema::components(names) {
        components["schemas"][name] = schema;
    }
    components["securitySchemes"]["bearer"] = json!({
        "type": "http", "scheme": "bearer",
        "description": "an API token (`server.api_tokens`, `LIKENESS_API_TOKENS`, \
            `[[server.tokens]]`); `/metrics` also takes `server.metrics_token`",
    });
    doc["components"] = components;
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, operation) in item.iter_mut() {
            if let Some(operation) = operation.as_object_mut() {
                shared_answers(path, method, operation);
                link(operation);
                // `method(get, head)` gives both one id; ids must be unique.
                if method == "head"
                    && let Some(Value::String(id)) = operation.get_mut("operationId")
                {
                    id.push_str("_head");
                }
            }
        }
    }
}

/// The answers of the layers every route sits behind: auth (401, and 403 for a viewer's
/// non-GET), the body limit (413) and body parsing (400, 415). `security(())` (an empty
/// requirement: optional) becomes `[]`, public, which is what the public routes are.
fn shared_answers(path: &str, method: &str, operation: &mut Map<String, Value>) {
    let public = operation
        .get("security")
        .and_then(Value::as_array)
        .is_none_or(|s| s.iter().all(|r| r.as_object().is_some_and(Map::is_empty)));
    if public {
        operation.insert("security".into(), json!([]));
    }
    let openai = path.starts_with("/v1/");
    let error = |shape: &str| json!({"$ref": format!("#/components/schemas/{shape}")});
    let ours = error("ErrorBody");
    let theirs = if openai {
        error("OpenAiErrorBody")
    } else {
        ours.clone()
    };
    let responses = operation
        .entry("responses")
        .or_insert_with(|| json!({}))
        .as_object_mut();
    let Some(responses) = responses else { return };
    let mut add = |status: &str, description: &str, body: &Value| {
        responses.entry(status).or_insert_with(|| {
            json!({"description": description, "content": {"application/json": {"schema": body}}})
        });
    };
    if !public {
        add(
            "401",
            "no `Authorization: Bearer` token, or one this server does not know \
             (`auth.unauthorized`)",
            &ours,
        );
        if !matches!(method, "get" | "head") {
            add(
                "403",
                "a viewer token: it reads, and changes nothing (`auth.forbidden`)",
                &ours,
            );
        }
        if let Some(unauthorized) = responses.get_mut("401") {
            unauthorized["headers"]["WWW-Authenticate"] = json!({
                "description": "`Bearer realm=\"likeness\"`", "schema": {"type": "string"},
            });
        }
    }
    body_answers(path, method, operation, ours, theirs);
}

/// What a route that reads a body also answers: 400 (unreadable), 413 (too large; the body
/// limit answers before the route reads a byte, in likeness's shape), 415 (not the content
/// type it reads).
fn body_answers(
    path: &str,
    method: &str,
    operation: &mut Map<String, Value>,
    ours: Value,
    theirs: Value,
) {
    let Some(body) = operation.get_mut("requestBody") else {
        return;
    };
    // A body given as `ref(...)` has no Rust type for utoipa to read optionality from.
    body["required"] = json!(!OPTIONAL_BODIES.contains(&(method, path)));
    encode_parts(body);
    let Some(responses) = operation
        .get_mut("responses")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    let mut add = |status: &str, description: &str, body: Value| {
        responses.entry(status).or_insert_with(|| {
            json!({"description": description, "content": {"application/json": {"schema": body}}})
        });
    };
    add(
        "400",
        "a body that cannot be read: malformed JSON, or a broken form",
        theirs.clone(),
    );
    let too_large = if ours == theirs {
        ours
    } else {
        json!({"oneOf": [ours, theirs.clone()]})
    };
    add(
        "413",
        "a body over `server.max_body_bytes` (`http.body_too_large`)",
        too_large,
    );
    add(
        "415",
        "a body that is not sent with the content type the route reads",
        theirs,
    );
}

/// Where an answer's ids lead, as OpenAPI links: (operation, status, target operation, its
/// parameter, where the value is in the answer). Clients read them; the fuzzer's stateful
/// phase follows them to real subjects, jobs, runs and images.
const LINKS: &[(&str, &str, &str, &str, &str)] = &[
    ("create", "200", "show", "id", "/ids/0"),
    ("create", "200", "history", "id", "/ids/0"),
    ("create", "200", "avatar", "id", "/ids/0"),
    ("create", "200", "generate_avatar", "subject_id", "/ids/0"),
    ("list", "200", "show", "id", "/subjects/0/id"),
    ("history", "200", "asset", "path", "/assets/0/storage_key"),
    ("history", "200", "run_one", "id", "/assets/0/run_id"),
    ("generate_avatar", "200", "job", "id", "/id"),
    (
        "generate_avatar",
        "200",
        "asset",
        "path",
        "/asset/storage_key",
    ),
    ("generate_avatar", "202", "job", "id", "/id"),
    ("generate_avatar", "202", "job_events", "id", "/id"),
    ("generate_avatar", "202", "run_one", "id", "/run_id"),
    ("job", "200", "run_one", "id", "/run_id"),
    ("job", "200", "history", "id", "/subject_id"),
    ("job", "200", "asset", "path", "/asset/storage_key"),
    ("runs", "200", "run_one", "id", "/runs/0/id"),
    ("generate_portrait", "200", "job", "id", "/metadata/job_id"),
    (
        "generate_portrait",
        "200",
        "show",
        "id",
        "/metadata/subject_id",
    ),
    ("generate_portrait", "200", "asset", "path", "/output_key"),
];

/// Adds `LINKS` to the answers they start from.
fn link(operation: &mut Map<String, Value>) {
    let id = operation
        .get("operationId")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    for (from, status, to, parameter, pointer) in LINKS.iter().filter(|l| l.0 == id) {
        if let Some(answer) = operation
            .get_mut("responses")
            .and_then(|r| r.get_mut(*status))
        {
            answer["links"][format!("{to}_{parameter}_from_{from}")] = json!({
                "operationId": to,
                "parameters": {*parameter: format!("$response.body#{pointer}")},
            });
        }
    }
}

/// Operations whose body may be left out (an empty body takes the defaults).
const OPTIONAL_BODIES: &[(&str, &str)] = &[("post", "/api/avatars/generate/{subject_id}")];

/// Multipart parts the route reads in a type of their own: uploads are images, `options` is
/// JSON, the rest text. Said per part (`encoding`), so clients and fuzzers send them that way.
fn encode_parts(body: &mut Value) {
    let Some(form) = body["content"].get_mut("multipart/form-data") else {
        return;
    };
    form["encoding"] = json!({
        "image": {"contentType": "image/jpeg, image/png, image/webp"},
        "options": {"contentType": "application/json"},
        "prompt": {"contentType": "text/plain"},
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Value {
        let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
        let names = Names {
            catalog: vec!["initials".into(), "consultant".into()],
            drawable: vec!["initials".into()],
            scenarios: vec![],
            providers: vec!["builtin".into()],
        };
        complete(&mut doc, &names);
        doc
    }

    fn operations(doc: &Value) -> Vec<(String, String, Value)> {
        let mut out = Vec::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                out.push((path.clone(), method.clone(), op.clone()));
            }
        }
        out
    }

    #[test]
    fn every_answer_is_described_and_auth_is_said() {
        let doc = doc();
        assert_eq!(doc["openapi"], "3.1.0");
        assert_eq!(
            doc["components"]["securitySchemes"]["bearer"]["scheme"],
            "bearer"
        );
        for (path, method, op) in operations(&doc) {
            let responses = op["responses"].as_object().unwrap();
            assert!(
                responses
                    .keys()
                    .any(|s| s.starts_with('2') || s.starts_with('3')),
                "{method} {path}: no success answer"
            );
            for (status, r) in responses {
                let described = r["description"].as_str().is_some_and(|d| !d.is_empty());
                assert!(described, "{method} {path} {status}: no description");
            }
            let security = op["security"].as_array().expect("security said");
            if security.is_empty() {
                continue;
            }
            assert_eq!(security, &[json!({"bearer": []})], "{method} {path}");
            assert!(responses.contains_key("401"), "{method} {path}: 401");
            if method != "get" {
                assert!(responses.contains_key("403"), "{method} {path}: 403");
            }
            if op.get("requestBody").is_some() {
                for status in ["400", "413", "415"] {
                    assert!(responses.contains_key(status), "{method} {path}: {status}");
                }
            }
        }
    }

    #[test]
    fn public_routes_say_so() {
        let doc = doc();
        for path in ["/healthz", "/readyz", "/assets/{path}"] {
            assert_eq!(doc["paths"][path]["get"]["security"], json!([]), "{path}");
        }
        assert_eq!(
            doc["paths"]["/metrics"]["get"]["security"],
            json!([{"bearer": []}])
        );
    }

    #[test]
    fn limits_are_the_services() {
        let doc = doc();
        let schemas = &doc["components"]["schemas"];
        assert_eq!(schemas["Prompt"]["maxLength"], crate::limits::PROMPT_CHARS);
        assert_eq!(schemas["Seed"]["maxLength"], crate::limits::SEED_CHARS);
        let settings = &schemas["PortraitSettings"]["properties"];
        assert_eq!(settings["steps"]["maximum"], crate::limits::MAX_STEPS);
        assert_eq!(settings["width"]["maximum"], likeness_paint::Size::MAX);
        let batch = &schemas["SubjectBatch"]["properties"]["subjects"];
        assert_eq!(batch["maxItems"], subjects::MAX_SUBJECTS_PER_REQUEST);
        let id = schemas["SubjectRef"]["pattern"].as_str().unwrap();
        let max = likeness_subjects::id::MAX_ID_LEN - 1;
        assert!(id.ends_with(&format!("{{0,{max}}}$")), "{id}");
        // The server's names, not every style: a style it cannot draw is not offered.
        assert_eq!(schemas["StyleName"]["enum"], json!(["initials"]));
        assert_eq!(
            schemas["CatalogStyle"]["enum"],
            json!(["initials", "consultant"])
        );
        assert!(schemas["ScenarioName"]["not"].is_object());
    }
}
