//! Quality gates: what a generated image must reach before it is kept, and what happens when
//! it does not.

use serde::{Deserialize, Serialize};

/// The most generations a gate may ask for per job: each one costs a provider call.
pub const MAX_GATE_ATTEMPTS: u32 = 5;

/// A style's `[gates]` table. Without one, images are measured and recorded but never
/// regenerated.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Gates {
    /// The lowest identity score (0–1; 0.5 is dlib's same-person line) accepted. Checked only
    /// when the job has a reference photo.
    pub min_identity: Option<f32>,
    /// The image-quality checks (not black, dynamic range, contrast, exposure, dimensions)
    /// must all pass.
    pub quality: bool,
    /// Generations at most (1 to 5), each with its own seed, until one passes.
    pub attempts: u32,
    /// When no attempt passes: keep the best one and mark it, or fail the job.
    pub on_fail: OnFail,
}

/// What a gate does when every attempt falls short.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OnFail {
    /// Keep the best attempt, recorded as below the gate.
    KeepBest,
    /// Fail the job (`gate.failed`), keeping nothing.
    Fail,
}

impl Default for Gates {
    fn default() -> Self {
        Gates {
            min_identity: None,
            quality: false,
            attempts: 1,
            on_fail: OnFail::KeepBest,
        }
    }
}

impl Gates {
    /// What is wrong with the table, for the style's error message.
    pub(crate) fn problem(&self) -> Option<String> {
        if let Some(min) = self.min_identity
            && !(0.0..=1.0).contains(&min)
        {
            return Some(format!(
                "gates.min_identity must be between 0 and 1 (0.5 is the same-person line), not {min}"
            ));
        }
        if !(1..=MAX_GATE_ATTEMPTS).contains(&self.attempts) {
            return Some(format!(
                "gates.attempts must be 1 to {MAX_GATE_ATTEMPTS}, not {}",
                self.attempts
            ));
        }
        None
    }

    /// True when the gate asks for anything beyond recording.
    pub fn is_active(&self) -> bool {
        self.min_identity.is_some() || self.quality
    }
}
