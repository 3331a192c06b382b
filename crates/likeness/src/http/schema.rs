//! The API's shapes as `/openapi.json` describes them. Request bodies are written here as JSON
//! Schema (the handlers read them with serde and the import rules, whose leniencies and limits
//! a derive cannot say); path and query types are small `ToSchema` types the annotations name.
//! The contract test (`tests/it/openapi.rs`) fuzzes the server against these, so a schema that
//! drifts from a handler fails there.

use serde_json::{Value, json};
use utoipa::ToSchema;

use crate::limits::{PROMPT_CHARS, SEED_CHARS};

/// Every error: `{"error": {"code", "message", "details"}}` (the `/v1` routes answer in
/// OpenAI's shape, `OpenAiErrorBody`, except for the auth layer's 401 and 403).
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
    /// Per-item reasons where there are several (e.g. `[{index, reason}]`), else null.
    #[schema(required = true)]
    details: Option<serde_json::Value>,
}

// Types the annotations name for path and query parameters. Each is a component of the
// document whose schema `components` writes (as a derive cannot: patterns, enums from the
// server's catalog).

/// A subject's id or the slug of its name.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct SubjectRef(String);

/// A job's or a run's id.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct Uuid(String);

/// A key under `/assets/`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct AssetKey(String);

/// A style of this server's catalog.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct CatalogStyle(String);

/// A width `/assets` resizes to.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct VariantWidth(u32);

/// Rust's `char::is_whitespace` (Unicode White_Space), which `str::trim` strips. Spelled out:
/// `\s` differs between regex engines (Python's includes U+001C–U+001F, Rust's does not).
const WHITE_SPACE: &str = r"\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000";

/// A subject id: 1 to 128 characters of `[A-Za-z0-9._-]`, the first a letter or a digit
/// (`likeness_subjects::SubjectId`).
const ID_PATTERN: &str = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$";

/// The names a server knows, which the document lists as enums: what it can draw depends on
/// its catalog and on which providers have keys.
#[derive(Debug, Default, Clone)]
pub struct Names {
    /// Every style of the catalog.
    pub catalog: Vec<String>,
    /// Styles some usable provider draws.
    pub drawable: Vec<String>,
    /// The drawable styles of kind `scenario`.
    pub scenarios: Vec<String>,
    /// Providers that can be used (the built-in renderer always).
    pub providers: Vec<String>,
}

/// `{"enum": names}`, or a schema nothing matches when there are none.
fn one_of_names(names: &[String], description: &str) -> Value {
    if names.is_empty() {
        return json!({"not": {}, "description": format!("{description} (none on this server)")});
    }
    json!({"type": "string", "enum": names, "description": description})
}

fn nullable(schema: Value) -> Value {
    json!({"anyOf": [schema, {"type": "null"}]})
}

fn schema_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

/// `provider:model` for a usable provider: the model is one word (no white space, no NUL),
/// checked by the provider itself.
fn provider_model(names: &Names) -> Value {
    let providers = names.providers.join("|");
    json!({
        "type": "string",
        "pattern": format!("^({providers}):[^:\\x00{WHITE_SPACE}][^\\x00{WHITE_SPACE}]*$"),
    })
}

/// The parameters' components: patterns a derive cannot write.
fn parameter_components() -> Vec<(&'static str, Value)> {
    // One segment of an asset key: not empty, `.` or `..`; no `/`, `\` or control character.
    let segment = r"(?!\.\.?(/|$))[^/\\\x00-\x1F\x7F-\x9F]+";
    vec![
        (
            "SubjectRef",
            json!({
                "type": "string", "pattern": ID_PATTERN,
                "description": "a subject's id, or the slug of its name (`ada-lovelace`) when \
                    one subject has it",
            }),
        ),
        ("Uuid", json!({"type": "string", "format": "uuid"})),
        (
            "AssetKey",
            json!({
                "type": "string", "pattern": format!("^{segment}(/{segment})*$"),
                "description": "a key from the API (`storage_key`), or a stable name \
                    `{id}_{slug}_{style}.png`; empty segments, `.`, `..`, `\\` and control \
                    characters are refused with 400, anything else not stored is a 404",
            }),
        ),
        (
            "VariantWidth",
            json!({
                "type": "integer", "enum": super::assets::VARIANT_WIDTHS,
                "description": "a width `/assets` resizes to",
            }),
        ),
    ]
}

/// Every component this module writes as JSON, by name.
pub fn components(names: &Names) -> Vec<(&'static str, Value)> {
    let mut all = parameter_components();
    all.extend([
        (
            "CatalogStyle",
            one_of_names(&names.catalog, "a style of this server's catalog"),
        ),
        (
            "StyleName",
            one_of_names(
                &names.drawable,
                "a style this server can make images in now",
            ),
        ),
        (
            "ScenarioName",
            one_of_names(
                &names.scenarios,
                "a scenario style (consultant, speaker…) this server can make images in now",
            ),
        ),
        (
            "ProviderSpec",
            json!({
                "description": "a usable provider, or `provider:model`, instead of the style's chain",
                "anyOf": [
                    one_of_names(&names.providers, "a provider usable on this server"),
                    provider_model(names),
                ],
            }),
        ),
        (
            "Model",
            json!({
                "description": "a likeness style, or `provider:model` for the default style",
                "anyOf": [schema_ref("StyleName"), provider_model(names)],
            }),
        ),
        ("Prompt", prompt()),
        ("Seed", seed()),
        ("PartialDate", partial_date()),
        ("SubjectInput", subject_input()),
        ("SubjectBatch", subject_batch()),
        (
            "SubjectsRequest",
            json!({"oneOf": [schema_ref("SubjectInput"), schema_ref("SubjectBatch")]}),
        ),
        ("RendererOptions", renderer_options()),
        ("GenerateBody", generate_body()),
        ("PortraitSettings", portrait_settings()),
        ("PortraitRequest", portrait_request()),
        ("ReferencePhoto", reference_photo()),
        ("Size", size()),
        ("ImagesRequest", images_request()),
        ("ImagesEditForm", images_edit_form()),
        ("OpenAiErrorBody", openai_error()),
        ("JobEvent", job_event()),
    ]);
    all
}

/// Text added to a prompt: NUL cannot be stored (PostgreSQL refuses it in text).
fn prompt() -> Value {
    json!({
        "type": "string", "maxLength": PROMPT_CHARS, "pattern": r"^[^\x00]*$",
        "description": format!("at most {PROMPT_CHARS} characters (counted before trimming), no NUL"),
    })
}

fn seed() -> Value {
    json!({
        "type": "string", "maxLength": SEED_CHARS, "pattern": r"^[^\x00]*$",
        "description": format!(
            "any text of at most {SEED_CHARS} characters, no NUL: the same seed draws the same \
             picture"
        ),
    })
}

/// `1962`, `1962-05` or `1962-05-17`; blank is the same as absent.
fn partial_date() -> Value {
    let ws = format!("[{WHITE_SPACE}]*");
    json!({
        "description": "`1962`, `1962-05` or `1962-05-17` (year 0001 to 9999); blank is the \
            same as absent",
        "anyOf": [
            {"type": "string", "pattern": format!("^{ws}(?!0000)[0-9]{{4}}(-(0[1-9]|1[0-2]))?{ws}$")},
            {"type": "string", "format": "date", "pattern": "^(?!0000)"},
            {"type": "string", "pattern": format!("^{ws}$")},
            {"type": "null"},
        ],
    })
}

/// A value the import rules keep as text: a string, or a number or boolean written as text.
fn scalar() -> Value {
    json!({"type": ["string", "number", "boolean", "null"]})
}

fn subject_input() -> Value {
    let max_name = likeness_subjects::MAX_NAME_CHARS;
    json!({
        "type": "object",
        "description": "A subject in the JSONL import's shape. Other keys are kept as attributes; \
            roster-style names of the fields (`first_name`, `last_name`, `sex`, `dob`, …) are read \
            as those fields, as the import reads them.",
        "required": ["id"],
        "properties": {
            "id": {
                "type": "string", "pattern": ID_PATTERN,
                "description": "1 to 128 characters of A-Z, a-z, 0-9, `.`, `_` and `-`, \
                    starting with a letter or digit",
            },
            "name": {
                "type": ["string", "null"], "maxLength": max_name,
                "description": format!("the display name, cleaned (NFC, white space collapsed, \
                    control characters dropped, Synthea's digits removed); at most {max_name} \
                    characters"),
            },
            "gender": {
                "type": ["string", "null"],
                "description": "male/female/other/unknown (or man/woman/person); anything \
                    else is a person",
            },
            "birth_date": schema_ref("PartialDate"),
            "deceased_date": schema_ref("PartialDate"),
            "deceased": {"type": ["boolean", "null"]},
            "cohorts": {"type": ["array", "null"], "items": {"type": "string"}},
            "attributes": {
                "type": ["object", "null"],
                "additionalProperties": scalar(),
                "description": "free attributes: team_name, position, worldview, skin_tone (#rrggbb), \
                    hair_color, …; the built-in poster also reads hair_style, glasses (yes/no), \
                    facial_hair, head_covering, team_colors (#rrggbb,#rrggbb) and jersey_color",
            },
        },
        "additionalProperties": scalar(),
        "not": {"required": ["subjects"]},
    })
}

fn subject_batch() -> Value {
    json!({
        "type": "object",
        "description": "Several subjects, all or nothing; other keys are ignored.",
        "required": ["subjects"],
        "properties": {
            "subjects": {
                "type": "array", "minItems": 1, "maxItems": super::subjects::MAX_SUBJECTS_PER_REQUEST,
                "items": schema_ref("SubjectInput"),
            },
        },
    })
}

/// A number within `lo..=hi`, or null (the style's own).
fn span(lo: f64, hi: f64, what: &str) -> Value {
    json!({"type": ["number", "null"], "minimum": lo, "maximum": hi, "description": what})
}

fn color() -> Value {
    json!({"type": "string", "pattern": "^#([0-9A-Fa-f]{3}|[0-9A-Fa-f]{6})$"})
}

/// The options every kind the built-in renderer draws shares (likeness-paint's `Frame`, and
/// the same names for `dicebear`), at the ranges both accept. Numbers may also be a
/// `[min, max]` range the seed picks from, which JSON Schema cannot say (min ≤ max).
fn renderer_options() -> Value {
    json!({
        "type": "object",
        "description": "Options for the built-in renderer, laid over the style's `[renderer]` \
            table (styles it draws; others refuse options with 400). A number may also be a \
            `[min, max]` range the seed picks from. The kinds have more keys of their own \
            (`palette`, `variants`, …): see the style files.",
        "additionalProperties": false,
        "properties": {
            "radius": span(0.0, 50.0, "corner radius, percent of the shorter side"),
            "rotate": span(-360.0, 360.0, "turn the figure, degrees"),
            "scale": span(0.1, 10.0, "size the figure (1 is its own size)"),
            "translate_x": span(-100.0, 100.0, "move the figure, percent of the width"),
            "translate_y": span(-100.0, 100.0, "move the figure, percent of the height"),
            "flip": {"enum": ["none", "horizontal", "vertical", "both", null]},
            "background": {
                "description": "background colours (`#rgb` or `#rrggbb`): the seed picks one, or \
                    two form a gradient (the drawn kinds also take one colour without the list)",
                "type": "array", "items": color(),
            },
            "background_fill": {"enum": ["solid", "linear", "radial", null]},
        },
        "dependentSchemas": {
            "background_fill": {"anyOf": [
                {"properties": {"background_fill": {"type": "null"}}},
                {"required": ["background"], "properties": {"background": {"minItems": 1}}},
            ]},
        },
    })
}

fn generate_body() -> Value {
    json!({
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "style": nullable(schema_ref("StyleName")),
            "provider": nullable(schema_ref("ProviderSpec")),
            "custom_prompt": nullable(schema_ref("Prompt")),
            "seed": nullable(schema_ref("Seed")),
            "options": nullable(schema_ref("RendererOptions")),
        },
    })
}

fn portrait_settings() -> Value {
    let (min, max) = (likeness_paint::Size::MIN, likeness_paint::Size::MAX);
    let pixels = json!({"type": ["integer", "null"], "minimum": min, "maximum": max});
    json!({
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "width": pixels,
            "height": pixels,
            "steps": {"type": ["integer", "null"], "minimum": 1, "maximum": crate::limits::MAX_STEPS},
            "identity_weight": {"type": ["number", "null"], "minimum": 0, "maximum": 1},
            "seed": {"anyOf": [
                {"type": ["number", "null"]},
                {"type": "string", "minLength": 1, "maxLength": SEED_CHARS, "pattern": r"^[^\x00]*$"},
            ]},
        },
    })
}

/// A photo of one face (JPEG, PNG or WebP): base64, a `data:` URL or an http(s) URL.
fn reference_photo() -> Value {
    json!({
        "type": "string",
        "format": "reference-photo",
        "description": "a JPEG, PNG or WebP photo of exactly one clear face: base64, a `data:` \
            URL, or an http(s) URL (fetched with the SSRF guard). Refused with 400 when it is \
            not an image, 413 when too large, 422 when it does not show one clear face",
    })
}

fn portrait_request() -> Value {
    json!({
        "type": "object",
        "additionalProperties": false,
        "description": "A portrait from a reference photo, or of an imported subject (`subject_id`); \
            `style` and `scenario` name the same thing (send one).",
        "properties": {
            "reference_image": nullable(schema_ref("ReferencePhoto")),
            "style": nullable(schema_ref("StyleName")),
            "scenario": nullable(schema_ref("ScenarioName")),
            "custom_prompt": nullable(schema_ref("Prompt")),
            "subject_id": nullable(schema_ref("SubjectRef")),
            "provider": nullable(schema_ref("ProviderSpec")),
            "settings": schema_ref("PortraitSettings"),
            "options": nullable(schema_ref("RendererOptions")),
            "return_base64": {"type": "boolean"},
        },
        "anyOf": [
            {
                "required": ["reference_image"],
                "properties": {"reference_image": schema_ref("ReferencePhoto")},
            },
            {"required": ["subject_id"], "properties": {"subject_id": schema_ref("SubjectRef")}},
        ],
    })
}

/// OpenAI's `size`: `auto`, or `WIDTHxHEIGHT` in exact pixels, each 16 to 4096.
fn size() -> Value {
    // 16..=4096, as Rust parses a u32 (an optional `+`, leading zeros).
    let n = r"\+?0*(1[6-9]|[2-9][0-9]|[1-9][0-9]{2}|[1-3][0-9]{3}|40[0-8][0-9]|409[0-6])";
    json!({
        "type": "string",
        "pattern": format!("^(auto|{n}x{n})$"),
        "description": "`auto` (the style's size) or `WIDTHxHEIGHT`, exact pixels, each 16 to 4096",
    })
}

/// OpenAI's prompt: required and not blank.
fn openai_prompt() -> Value {
    json!({"allOf": [schema_ref("Prompt"), {"pattern": format!("[^{WHITE_SPACE}]")}]})
}

fn images_request() -> Value {
    json!({
        "type": "object",
        "description": "OpenAI's request. Knobs likeness has no use for (quality, style, user, \
            background, moderation, output_compression, input_fidelity) are accepted and ignored.",
        "required": ["prompt"],
        "properties": {
            "model": nullable(schema_ref("Model")),
            "prompt": openai_prompt(),
            "n": {"type": ["integer", "null"], "minimum": 1, "maximum": super::openai::MAX_IMAGES},
            "size": nullable(schema_ref("Size")),
            "response_format": {"enum": ["url", "b64_json", null]},
            "output_format": {"enum": ["png", null]},
            "options": nullable(schema_ref("RendererOptions")),
        },
    })
}

fn images_edit_form() -> Value {
    json!({
        "type": "object",
        "description": "The fields of /v1/images/generations as form fields, and the images: \
            `image` (or `image[]`, repeated, up to 16), each a JPEG, PNG or WebP photo of one \
            clear face, which become the jobs' reference images. `mask` is refused.",
        "required": ["image", "prompt"],
        "properties": {
            "image": {"type": "string", "format": "binary"},
            "prompt": openai_prompt(),
            "model": schema_ref("Model"),
            "n": {"type": "integer", "minimum": 1, "maximum": super::openai::MAX_IMAGES},
            "size": schema_ref("Size"),
            "response_format": {"enum": ["url", "b64_json"]},
            "output_format": {"enum": ["png"]},
            "options": schema_ref("RendererOptions"),
        },
        "not": {"required": ["mask"]},
        // Other fields (the SDKs' `quality`, `user`, …) are read and ignored; a name must fit
        // a part's header.
        "propertyNames": {"pattern": r"^[A-Za-z0-9_.\[\]-]+$"},
    })
}

fn openai_error() -> Value {
    json!({
        "type": "object",
        "description": "OpenAI's error shape, which its clients read.",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["message", "type", "param", "code"],
                "properties": {
                    "message": {"type": "string"},
                    "type": {"enum": [
                        "invalid_request_error", "authentication_error", "rate_limit_error",
                        "server_error",
                    ]},
                    "param": {"type": "null"},
                    "code": {"type": "string", "description": "likeness's stable code"},
                },
            },
        },
    })
}

/// One Server-Sent Event of `/api/jobs/{id}/events` (OpenAPI 3.1 describes an event stream
/// by its events).
fn job_event() -> Value {
    json!({
        "type": "object",
        "required": ["event", "data"],
        "properties": {
            "event": {
                "type": "string",
                "description": "the job's status (`queued`, `running`, `retrying`, `succeeded`, \
                    `failed`, `skipped`), or `progress`",
            },
            "data": {
                "type": "string", "contentMediaType": "application/json",
                "description": "the job as JSON, with its asset once there is one; for \
                    `progress`, `{job_id, value, max}`",
            },
        },
    })
}
