//! Generation under a style's gates: call the provider chain, measure the image (quality;
//! identity against the reference photo, when there is one), and regenerate with a new seed,
//! up to the style's `attempts`, until an image passes. Then keep the best, marked, or fail
//! the job, as the style says (`[gates]` in likeness-styles).
//!
//! Without an active gate every image is still measured once and the figures recorded, so a
//! history shows quality and identity for every asset.

use std::sync::Arc;

use bytes::Bytes;
use likeness_styles::{Gates, OnFail};
use serde_json::{Value, json};

use crate::faces::{Faces, Judgement};
use crate::provider::{GenerateRequest, Generated, Provider, ProviderError};

/// An image that may be kept, with what was measured.
pub struct Judged {
    pub generated: Generated,
    pub judgement: Judgement,
    /// The gate's record (`attempts`, `passed`, `shortfalls`…), when the style has a gate.
    pub gate: Option<Value>,
    /// What every attempt cost together.
    pub cost_usd: f64,
    /// Time spent measuring every attempt (the worker's split counts it apart from render).
    pub measure: std::time::Duration,
}

/// What came of generating under the gate.
pub enum Verdict {
    Keep(Box<Judged>),
    /// No attempt passed and the style says `on_fail = "fail"`.
    Fail {
        message: String,
        gate: Value,
        cost_usd: f64,
    },
}

/// Generates `request` with `provider` under its style's gates. `reference` is the first
/// reference photo (store key and bytes), which identity is measured against. A provider
/// error on the first attempt is returned as it is (the worker decides about retries); on a
/// later attempt it ends the regeneration and the best image so far is judged as usual.
pub async fn generate(
    faces: &Faces,
    provider: &Arc<dyn Provider>,
    request: GenerateRequest,
    reference: Option<(String, Bytes)>,
) -> Result<Verdict, ProviderError> {
    let gates = request.style.gates.clone();
    let attempts = if gates.is_active() { gates.attempts } else { 1 };
    let expected = (request.width, request.height);
    let mut best: Option<(Rank, u32, Judged)> = None;
    let mut cost_usd = 0.0;
    let mut scores = Vec::new();
    let mut made = 0;
    let mut stopped_by = None;
    let mut measure = std::time::Duration::ZERO;
    for attempt in 1..=attempts {
        let mut this = request.clone();
        if attempt > 1 {
            this.seed = format!("{}~{attempt}", request.seed);
        }
        let generated = match provider.generate(this).await {
            Ok(g) => g,
            Err(e) if best.is_none() => return Err(e),
            Err(e) => {
                stopped_by = Some(format!("{}: {e}", e.code()));
                break;
            }
        };
        made = attempt;
        cost_usd += generated.cost_usd;
        let measuring = std::time::Instant::now();
        let size = (generated.width, generated.height);
        let counted = match (&generated.tones, &reference) {
            (Some(tones), None) => Judgement::from_tones(tones, size, expected),
            _ => None,
        };
        let judgement = match counted {
            Some(judgement) => judgement,
            None => {
                let output = Bytes::from(generated.bytes.clone());
                faces.judge(output, expected, reference.clone()).await
            }
        };
        measure += measuring.elapsed();
        let shortfalls = shortfalls(&gates, &judgement, reference.is_some());
        let rank = Rank::of(&judgement, shortfalls.len());
        scores.push(judgement.identity.map(|i| i.score));
        let passed = shortfalls.is_empty();
        let judged = Judged {
            generated,
            judgement,
            gate: None,
            cost_usd: 0.0,
            measure: std::time::Duration::ZERO,
        };
        if best.as_ref().is_none_or(|(r, _, _)| rank > *r) {
            best = Some((rank, attempt, judged));
        }
        if passed {
            break;
        }
    }
    let Some((_, kept_attempt, mut kept)) = best else {
        unreachable!("the first attempt either returned or set best")
    };
    kept.cost_usd = cost_usd;
    kept.measure = measure;
    if !gates.is_active() {
        return Ok(Verdict::Keep(Box::new(kept)));
    }
    let shortfalls = shortfalls(&gates, &kept.judgement, reference.is_some());
    let passed = shortfalls.is_empty();
    let mut record = json!({
        "passed": passed,
        "attempts": made,
        "max_attempts": gates.attempts,
        "kept_attempt": kept_attempt,
        "identity_scores": scores,
    });
    if !passed {
        record["shortfalls"] = json!(shortfalls);
    }
    if let Some(reason) = stopped_by {
        record["stopped_by"] = json!(reason);
    }
    if !passed && gates.on_fail == OnFail::Fail {
        return Ok(Verdict::Fail {
            message: format!(
                "no image passed the style's gates in {made} attempt{}: {}",
                if made == 1 { "" } else { "s" },
                shortfalls.join("; ")
            ),
            gate: record,
            cost_usd,
        });
    }
    kept.gate = Some(record);
    Ok(Verdict::Keep(Box::new(kept)))
}

/// What an image lacks against the gate, in words.
fn shortfalls(gates: &Gates, judgement: &Judgement, has_reference: bool) -> Vec<String> {
    let mut out = Vec::new();
    if gates.quality {
        match &judgement.quality {
            None => out.push("quality could not be measured".to_string()),
            Some(q) if !q.passed => out.push(format!("quality: {}", q.problems.join(", "))),
            Some(_) => {}
        }
    }
    if let (Some(min), true) = (gates.min_identity, has_reference) {
        match (&judgement.identity, &judgement.identity_error) {
            (Some(i), _) if !i.face_found => out.push("identity: no face in the image".into()),
            (Some(i), _) if i.score < min => {
                out.push(format!("identity {:.2} below {min:.2}", i.score))
            }
            (Some(_), _) => {}
            (None, reason) => out.push(format!(
                "identity could not be measured ({})",
                reason.as_deref().unwrap_or("unknown")
            )),
        }
    }
    out
}

/// How attempts compare: fewer shortfalls, then a higher identity score, then better
/// quality.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
struct Rank {
    passes: i32,
    identity: f32,
    quality: i32,
}

impl Rank {
    fn of(judgement: &Judgement, shortfalls: usize) -> Rank {
        Rank {
            passes: -(shortfalls as i32),
            identity: judgement.identity.map_or(0.0, |i| i.score),
            quality: judgement
                .quality
                .as_ref()
                .map_or(-100, |q| -(q.problems.len() as i32)),
        }
    }
}
