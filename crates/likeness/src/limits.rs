//! What one generation may ask for, one limit per field, the same on every endpoint (the
//! avatars route, `/api/generate`, the OpenAI-compatible routes) and checked once more where
//! every request meets the queue (`http::generation::enqueue`).

use crate::job_options::JobOptions;

/// A prompt or the text added to one (`custom_prompt`, OpenAI's `prompt`), in characters.
pub const PROMPT_CHARS: usize = 4000;
/// A seed given as text, in characters.
pub const SEED_CHARS: usize = 200;
/// Sampler steps, for providers that have them.
pub const MAX_STEPS: u32 = 200;
/// Reference images on one job.
pub const MAX_REFERENCES: usize = 16;

/// `value` at most `max` characters, or a message naming `field`.
pub fn check_chars(field: &str, value: &str, max: usize) -> Result<(), String> {
    let n = value.chars().count();
    if n > max {
        return Err(format!("{field} has {n} characters; the limit is {max}"));
    }
    Ok(())
}

/// Every field of `options` within its limit.
pub fn check_job_options(options: &JobOptions) -> Result<(), String> {
    if let Some(p) = &options.custom_prompt {
        check_chars("custom_prompt", p, PROMPT_CHARS)?;
    }
    if let Some(s) = &options.seed {
        check_chars("seed", s, SEED_CHARS)?;
    }
    crate::bounds::check_opt("steps", options.steps, 1..=MAX_STEPS)?;
    if let Some(w) = options.identity_weight {
        crate::bounds::check_f64("identity_weight", f64::from(w), 0.0..=1.0)?;
    }
    let (min, max) = (likeness_paint::Size::MIN, likeness_paint::Size::MAX);
    crate::bounds::check_opt("width", options.width, min..=max)?;
    crate::bounds::check_opt("height", options.height, min..=max)?;
    if options.references.len() > MAX_REFERENCES {
        return Err(format!(
            "{} reference images; the limit is {MAX_REFERENCES}",
            options.references.len()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_field_has_its_limit() {
        let ok = JobOptions {
            custom_prompt: Some("é".repeat(PROMPT_CHARS)),
            seed: Some("s".repeat(SEED_CHARS)),
            ..JobOptions::default()
        };
        assert_eq!(check_job_options(&ok), Ok(()));
        let long_prompt = JobOptions {
            custom_prompt: Some("x".repeat(5 << 20)),
            ..JobOptions::default()
        };
        let e = check_job_options(&long_prompt).unwrap_err();
        assert!(e.starts_with("custom_prompt has 5242880 characters"), "{e}");
        let long_seed = JobOptions {
            seed: Some("1".repeat(1 << 20)),
            ..JobOptions::default()
        };
        assert!(
            check_job_options(&long_seed)
                .unwrap_err()
                .starts_with("seed")
        );
        let nan = JobOptions {
            identity_weight: Some(f32::NAN),
            ..JobOptions::default()
        };
        assert!(check_job_options(&nan).unwrap_err().contains("finite"));
    }
}
