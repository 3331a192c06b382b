//! The face error: stable codes, HTTP statuses, and messages that say what to fix.

/// Why a face step failed: a model that would not load, or a photo that is not a usable
/// reference.
///
/// [`code`](Self::code) is the stable machine string (`face.*`), published in the API and never
/// renamed; [`http_status`](Self::http_status) is what the HTTP layer should send. The
/// `Display` text is for people: it names the problem and what to do.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum FaceError {
    /// A model file is not what it should be (`face.model_invalid`): truncated, another file,
    /// an unexpected layer. `model` names the file.
    #[error("the face model {model} is not usable ({detail}) — run scripts/fetch-models again")]
    ModelInvalid { model: &'static str, detail: String },

    /// Inference itself failed (`face.inference`). Not the photo's fault.
    #[error("face {stage} failed: {detail}")]
    Inference { stage: &'static str, detail: String },

    /// No face in the photo (`face.none_found`).
    #[error(
        "no face found in the photo — send a photo where one face is clearly visible, facing \
         the camera"
    )]
    NoneFound,

    /// More than one face (`face.several`). `boxes` are (x, y, width, height) in the photo's
    /// pixels, largest first, so the user can crop to one.
    #[error("{}", several_message(.boxes))]
    Several { boxes: Vec<(u32, u32, u32, u32)> },

    /// The face is smaller than the rules allow (`face.too_small`).
    #[error(
        "the face is too small ({width}×{height} px; at least {min} px wide is needed) — send a \
         closer or larger photo"
    )]
    TooSmall { width: u32, height: u32, min: u32 },

    /// The face is out of focus or motion-blurred (`face.blurred`). `sharpness` is the
    /// variance of the Laplacian over the face, `min` the rule.
    #[error(
        "the face is too blurred (sharpness {sharpness:.0}, at least {min:.0} needed) — send a \
         sharper photo"
    )]
    Blurred { sharpness: f32, min: f32 },
}

fn several_message(boxes: &[(u32, u32, u32, u32)]) -> String {
    let shown: Vec<String> = boxes
        .iter()
        .take(5)
        .map(|(x, y, w, h)| format!("{w}×{h} at ({x}, {y})"))
        .collect();
    let more = if boxes.len() > 5 {
        format!(" and {} more", boxes.len() - 5)
    } else {
        String::new()
    };
    format!(
        "the photo shows {} faces ({}{more}) — a reference must show one person: crop the photo \
         to one face",
        boxes.len(),
        shown.join(", ")
    )
}

impl FaceError {
    /// The stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            FaceError::ModelInvalid { .. } => "face.model_invalid",
            FaceError::Inference { .. } => "face.inference",
            FaceError::NoneFound => "face.none_found",
            FaceError::Several { .. } => "face.several",
            FaceError::TooSmall { .. } => "face.too_small",
            FaceError::Blurred { .. } => "face.blurred",
        }
    }

    /// The HTTP status: 422 for a photo that is a valid image but not a usable reference, 500
    /// for the service's own failures.
    pub fn http_status(&self) -> u16 {
        match self {
            FaceError::ModelInvalid { .. } | FaceError::Inference { .. } => 500,
            _ => 422,
        }
    }

    /// True when the photo is at fault (the same photo will always fail), false when the
    /// service is.
    pub fn is_photo_problem(&self) -> bool {
        self.http_status() == 422
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn several_names_count_and_places() {
        let boxes: Vec<_> = (0..7).map(|i| (i * 10, 5, 40, 50)).collect();
        let e = FaceError::Several { boxes };
        let text = e.to_string();
        assert!(
            text.starts_with("the photo shows 7 faces (40×50 at (0, 5), "),
            "{text}"
        );
        assert!(text.contains("and 2 more"), "{text}");
        assert_eq!((e.code(), e.http_status()), ("face.several", 422));
    }
}
