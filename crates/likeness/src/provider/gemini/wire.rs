//! What goes over the wire to `generateContent`: the model's capabilities (reference limit,
//! which `imageSize` values it takes), the nearest aspect ratio, and the JSON body
//! (camelCase, as the official SDK sends it; research notes §1.2).

use base64::Engine;
use serde_json::{Value, json};

use crate::provider::Reference;

/// What a model family accepts. Names are matched by prefix so `-preview` and dated variants
/// share their family's limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// gemini-2.5-flash-image: 1K only; `imageSize` must stay off (the server rejects it).
    Flash25,
    /// gemini-3-pro-image(-preview), "Nano Banana Pro": 1K/2K/4K, up to 14 references.
    Pro3,
    /// gemini-3.1-flash-image(-preview), "Nano Banana 2": adds 512.
    Flash31,
    /// A name we do not know: sent as is, with the conservative 2.5 limits (the server decides).
    Unknown,
}

impl Family {
    pub fn of(model: &str) -> Family {
        let m = model.strip_prefix("models/").unwrap_or(model);
        if m.starts_with("gemini-3.1-flash-image") {
            Family::Flash31
        } else if m.starts_with("gemini-3-pro-image") || m.starts_with("nano-banana-pro") {
            Family::Pro3
        } else if m.starts_with("gemini-2.5-flash-image") {
            Family::Flash25
        } else {
            Family::Unknown
        }
    }

    /// Reference images the model takes in one request.
    pub fn max_references(self) -> usize {
        match self {
            Family::Pro3 | Family::Flash31 => 14,
            Family::Flash25 | Family::Unknown => 3,
        }
    }

    /// Whether `imageConfig.imageSize` may be sent at all (Gemini 3 models only).
    pub fn takes_image_size(self) -> bool {
        matches!(self, Family::Pro3 | Family::Flash31)
    }
}

/// The aspect ratios `imageConfig.aspectRatio` accepts on every image model.
pub const ASPECT_RATIOS: &[(&str, u32, u32)] = &[
    ("1:1", 1, 1),
    ("2:3", 2, 3),
    ("3:2", 3, 2),
    ("3:4", 3, 4),
    ("4:3", 4, 3),
    ("4:5", 4, 5),
    ("5:4", 5, 4),
    ("9:16", 9, 16),
    ("16:9", 16, 9),
    ("21:9", 21, 9),
];

/// The supported ratio nearest to `width:height`, compared on a log scale so 2:1 and 1:2 are
/// equally far from 1:1.
pub fn aspect_ratio(width: u32, height: u32) -> &'static str {
    let want = (width.max(1) as f64 / height.max(1) as f64).ln();
    ASPECT_RATIOS
        .iter()
        .min_by(|a, b| {
            let da = ((a.1 as f64 / a.2 as f64).ln() - want).abs();
            let db = ((b.1 as f64 / b.2 as f64).ln() - want).abs();
            da.total_cmp(&db)
        })
        .map(|r| r.0)
        .unwrap_or("1:1")
}

/// The size label for an image whose long edge is `max(width, height)`: the smallest size
/// that covers it ("512" only where the model has it). Also the price table's size label.
pub fn size_label(family: Family, width: u32, height: u32) -> &'static str {
    let edge = width.max(height);
    if edge <= 512 && family == Family::Flash31 {
        "512"
    } else if edge <= 1024 {
        "1K"
    } else if edge <= 2048 {
        "2K"
    } else {
        "4K"
    }
}

/// The `imageSize` to send, or None where the model has a single size.
pub fn image_size(family: Family, width: u32, height: u32) -> Option<&'static str> {
    family
        .takes_image_size()
        .then(|| size_label(family, width, height))
}

/// A reference image as a part of the user's turn.
pub fn inline_image(reference: &Reference) -> Value {
    json!({"inlineData": {
        "mimeType": reference.content_type,
        "data": base64::engine::general_purpose::STANDARD.encode(&reference.bytes),
    }})
}

/// The prompt as Gemini gets it: it has no negative-prompt field, so what to avoid is said in
/// words after the prompt.
pub fn prompt_text(prompt: &str, negative: Option<&str>) -> String {
    match negative.map(str::trim).filter(|n| !n.is_empty()) {
        Some(n) => format!("{prompt}\n\nAvoid: {n}"),
        None => prompt.to_string(),
    }
}

/// The body of an image generation.
pub fn image_body(
    text: &str,
    references: &[Reference],
    aspect_ratio: &str,
    image_size: Option<&str>,
) -> Value {
    let mut parts = vec![json!({"text": text})];
    parts.extend(references.iter().map(inline_image));
    let mut image_config = json!({"aspectRatio": aspect_ratio});
    if let Some(size) = image_size {
        image_config["imageSize"] = json!(size);
    }
    json!({
        "contents": [{"role": "user", "parts": parts}],
        "generationConfig": {
            // IMAGE alone: with TEXT allowed the model more often answers in words only.
            "responseModalities": ["IMAGE"],
            "imageConfig": image_config,
        },
    })
}

/// The fixed instruction of `describe`: visible features only, in neutral words.
pub const DESCRIBE_INSTRUCTION: &str = "Describe the person in this photo in one sentence, \
     for an illustrator. Mention only visible features: hair colour and style, facial hair, \
     glasses, apparent age range, and skin tone in neutral terms. Do not guess identity, \
     ethnicity, health or emotion, and do not give any name.";

/// The body of a text-only vision call about one photo.
pub fn describe_body(reference: &Reference) -> Value {
    json!({
        "contents": [{"role": "user", "parts": [
            {"text": DESCRIBE_INSTRUCTION},
            inline_image(reference),
        ]}],
        "generationConfig": {"responseModalities": ["TEXT"]},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_are_known_by_prefix() {
        assert_eq!(Family::of("gemini-2.5-flash-image"), Family::Flash25);
        assert_eq!(Family::of("gemini-3-pro-image-preview"), Family::Pro3);
        assert_eq!(Family::of("models/gemini-3-pro-image"), Family::Pro3);
        assert_eq!(
            Family::of("gemini-3.1-flash-image-preview"),
            Family::Flash31
        );
        assert_eq!(Family::of("gemini-9-ultra-image"), Family::Unknown);
        assert_eq!(Family::of("gemini-2.5-flash-image").max_references(), 3);
        assert_eq!(Family::of("gemini-3-pro-image").max_references(), 14);
        assert_eq!(Family::of("gemini-3.1-flash-image").max_references(), 14);
    }

    #[test]
    fn aspect_ratios_are_the_nearest_supported() {
        assert_eq!(aspect_ratio(1024, 1024), "1:1");
        assert_eq!(aspect_ratio(1024, 1536), "2:3");
        assert_eq!(aspect_ratio(1536, 1024), "3:2");
        assert_eq!(aspect_ratio(768, 1024), "3:4");
        assert_eq!(aspect_ratio(800, 1000), "4:5");
        assert_eq!(aspect_ratio(1920, 1080), "16:9");
        assert_eq!(aspect_ratio(1080, 1920), "9:16");
        assert_eq!(aspect_ratio(2560, 1080), "21:9");
        // Beyond the extremes: the extreme.
        assert_eq!(aspect_ratio(4000, 100), "21:9");
        assert_eq!(aspect_ratio(100, 4000), "9:16");
        // Near 1:1 but not quite.
        assert_eq!(aspect_ratio(1000, 1030), "1:1");
        assert_eq!(aspect_ratio(0, 0), "1:1");
    }

    #[test]
    fn image_sizes_only_for_gemini_3_with_uppercase_k() {
        assert_eq!(image_size(Family::Flash25, 4096, 4096), None);
        assert_eq!(image_size(Family::Unknown, 2048, 2048), None);
        assert_eq!(image_size(Family::Pro3, 512, 512), Some("1K"));
        assert_eq!(image_size(Family::Pro3, 1024, 768), Some("1K"));
        assert_eq!(image_size(Family::Pro3, 1025, 768), Some("2K"));
        assert_eq!(image_size(Family::Pro3, 1024, 2048), Some("2K"));
        assert_eq!(image_size(Family::Pro3, 2049, 100), Some("4K"));
        assert_eq!(image_size(Family::Flash31, 512, 384), Some("512"));
        assert_eq!(image_size(Family::Flash31, 513, 384), Some("1K"));
        assert_eq!(size_label(Family::Flash25, 2048, 2048), "2K");
    }

    #[test]
    fn the_negative_prompt_is_said_in_words() {
        assert_eq!(prompt_text("a cat", None), "a cat");
        assert_eq!(prompt_text("a cat", Some("  ")), "a cat");
        assert_eq!(prompt_text("a cat", Some("dogs")), "a cat\n\nAvoid: dogs");
    }

    #[test]
    fn bodies_are_camel_case() {
        let r = Reference {
            bytes: bytes::Bytes::from_static(b"\x89PNG"),
            content_type: "image/png",
        };
        let b = image_body("hi", std::slice::from_ref(&r), "3:4", Some("2K"));
        assert_eq!(b["contents"][0]["parts"][0]["text"], "hi");
        assert_eq!(
            b["contents"][0]["parts"][1]["inlineData"]["data"],
            "iVBORw=="
        );
        assert_eq!(
            b["contents"][0]["parts"][1]["inlineData"]["mimeType"],
            "image/png"
        );
        assert_eq!(
            b["generationConfig"]["imageConfig"],
            json!({"aspectRatio": "3:4", "imageSize": "2K"})
        );
        let b = image_body("hi", &[], "1:1", None);
        assert!(
            b["generationConfig"]["imageConfig"]
                .get("imageSize")
                .is_none()
        );
        let d = describe_body(&r);
        assert_eq!(d["generationConfig"]["responseModalities"], json!(["TEXT"]));
    }
}
