//! Request checks the real Gemini Developer API makes before generating, with its error
//! bodies: the proto-JSON parser's unknown-field errors, base64 decoding of inline data, and
//! the image-config rules (uppercase `K`, no `imageSize` on gemini-2.5-flash-image).
//! Input keys may be camelCase or snake_case, as the proto-JSON parser accepts both.

use axum::response::Response;
use base64::Engine;
use serde_json::{Value, json};

use super::status_error;

/// What the reply needs to know about an accepted request.
#[derive(Debug, Clone)]
pub struct Accepted {
    /// `imageConfig.aspectRatio`, default 1:1.
    pub aspect_ratio: String,
    pub image_size: Option<String>,
    /// Whether the answer may hold an image (IMAGE among the modalities, or modalities left
    /// out on an image model).
    pub wants_image: bool,
    pub references: usize,
}

/// `camel` or `snake` key of an object.
pub fn field<'a>(v: &'a Value, camel: &str, snake: &str) -> Option<&'a Value> {
    v.get(camel).or_else(|| v.get(snake))
}

/// generationConfig fields the v1beta proto has (camelCase and snake_case spellings).
const GENERATION_CONFIG: &[&str] = &[
    "responseModalities",
    "imageConfig",
    "thinkingConfig",
    "temperature",
    "topP",
    "topK",
    "candidateCount",
    "maxOutputTokens",
    "stopSequences",
    "seed",
    "responseMimeType",
    "responseSchema",
    "responseJsonSchema",
    "presencePenalty",
    "frequencyPenalty",
    "responseLogprobs",
    "logprobs",
    "mediaResolution",
    "speechConfig",
    "enableEnhancedCivicAnswers",
];

const IMAGE_CONFIG: &[&str] = &["aspectRatio", "imageSize"];

const ASPECT_RATIOS: &[&str] = &[
    "1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9",
];
/// The extreme ratios only gemini-3.1-flash-image draws.
const EXTREME_RATIOS: &[&str] = &["1:4", "4:1", "1:8", "8:1"];

fn snake(camel: &str) -> String {
    let mut s = String::new();
    for c in camel.chars() {
        if c.is_ascii_uppercase() {
            s.push('_');
            s.push(c.to_ascii_lowercase());
        } else {
            s.push(c);
        }
    }
    s
}

fn known(name: &str, fields: &[&str]) -> bool {
    fields.iter().any(|f| *f == name || snake(f) == name)
}

fn invalid_argument(message: &str) -> Box<Response> {
    Box::new(status_error(400, "INVALID_ARGUMENT", message, vec![]))
}

/// The parser's answer to a field that does not exist at `at`.
fn unknown_name(name: &str, at: &str) -> Box<Response> {
    let message = format!(
        "Invalid JSON payload received. Unknown name \"{name}\" at '{at}': Cannot find field."
    );
    Box::new(status_error(
        400,
        "INVALID_ARGUMENT",
        &message,
        vec![json!({
            "@type": "type.googleapis.com/google.rpc.BadRequest",
            "fieldViolations": [{"field": at, "description": message}],
        })],
    ))
}

/// Checks a parsed body for `model`; the error response the real server would send, if any.
pub fn check(model: &str, body: &Value) -> Result<Accepted, Box<Response>> {
    let contents = body
        .get("contents")
        .and_then(Value::as_array)
        .filter(|c| !c.is_empty())
        .ok_or_else(|| {
            invalid_argument("* GenerateContentRequest.contents: contents is not specified\n")
        })?;
    let mut references = 0;
    for (i, content) in contents.iter().enumerate() {
        let parts = content.get("parts").and_then(Value::as_array);
        for (j, part) in parts.into_iter().flatten().enumerate() {
            let Some(blob) = field(part, "inlineData", "inline_data") else {
                continue;
            };
            references += 1;
            let data = blob.get("data").and_then(Value::as_str).unwrap_or_default();
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(data)
                .or_else(|_| base64::engine::general_purpose::URL_SAFE.decode(data));
            if decoded.is_err() {
                let shown: String = data.chars().take(40).collect();
                return Err(invalid_argument(&format!(
                    "Invalid value at 'contents[{i}].parts[{j}].inline_data.data' (TYPE_BYTES), \
                     Base64 decoding failed for \"{shown}\""
                )));
            }
            if field(blob, "mimeType", "mime_type")
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
            {
                return Err(invalid_argument("Request contains an invalid argument."));
            }
        }
    }
    let image_model = model.contains("image");
    let mut accepted = Accepted {
        aspect_ratio: "1:1".into(),
        image_size: None,
        wants_image: image_model,
        references,
    };
    let Some(config) = field(body, "generationConfig", "generation_config") else {
        return Ok(accepted);
    };
    let config = config
        .as_object()
        .ok_or_else(|| invalid_argument("Invalid JSON payload received. Expected an object."))?;
    if let Some(name) = config.keys().find(|k| !known(k, GENERATION_CONFIG)) {
        return Err(unknown_name(name, "generation_config"));
    }
    let config = Value::Object(config.clone());
    if let Some(modalities) = field(&config, "responseModalities", "response_modalities") {
        let list: Vec<&str> = modalities
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if let Some(bad) = list
            .iter()
            .find(|m| !matches!(**m, "TEXT" | "IMAGE" | "AUDIO"))
        {
            return Err(invalid_argument(&format!(
                "Invalid value at 'generation_config.response_modalities[0]' \
                 (type.googleapis.com/google.ai.generativelanguage.v1beta.GenerationConfig.Modality), \"{bad}\""
            )));
        }
        accepted.wants_image = list.contains(&"IMAGE");
        if accepted.wants_image && !image_model {
            return Err(invalid_argument(
                "Model does not support the requested response modalities: image",
            ));
        }
    }
    if let Some(image) = field(&config, "imageConfig", "image_config") {
        let image = image.as_object().ok_or_else(|| {
            invalid_argument("Invalid JSON payload received. Expected an object.")
        })?;
        if let Some(name) = image.keys().find(|k| !known(k, IMAGE_CONFIG)) {
            return Err(unknown_name(name, "generation_config.image_config"));
        }
        let image = Value::Object(image.clone());
        let flash31 = model.starts_with("gemini-3.1-flash-image");
        if let Some(ratio) = field(&image, "aspectRatio", "aspect_ratio") {
            let ratio = ratio.as_str().unwrap_or_default();
            let extreme = flash31 && EXTREME_RATIOS.contains(&ratio);
            if !ASPECT_RATIOS.contains(&ratio) && !extreme {
                return Err(invalid_argument("Request contains an invalid argument."));
            }
            accepted.aspect_ratio = ratio.to_string();
        }
        if let Some(size) = field(&image, "imageSize", "image_size") {
            let size = size.as_str().unwrap_or_default();
            let gemini3 = model.starts_with("gemini-3");
            let allowed = matches!(size, "1K" | "2K" | "4K") || (flash31 && size == "512");
            // "1k", "512px" and any size on gemini-2.5-flash-image are refused.
            if !gemini3 || !allowed {
                return Err(invalid_argument("Request contains an invalid argument."));
            }
            accepted.image_size = Some(size.to_string());
        }
    }
    Ok(accepted)
}
