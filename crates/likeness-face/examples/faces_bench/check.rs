//! `faces_bench check PHOTO [RUNS]`: the reference-photo check's CPU time, and where it goes.
//!
//! Two paths over the same bytes, each warmed up once, then RUNS times, each timed as decode,
//! detect, align (the chip) and embed:
//! - `single pass 640` (the path before issue 16): one detector pass at 640, the largest face;
//! - `check_reference` (today's): `Detector::detect_reference` (coarse pass, a finer one only
//!   when needed, landmark refinement on a crop), the largest face.
//!
//! The `check_reference` line also times the whole `FaceModels::check_reference` (which adds
//! sharpness, the square crop and colours), and gives the distance between the two paths'
//! embeddings: the faster search must not move the identity.
//!
//! CPU time is this thread's (`/proc/thread-self/schedstat`), so other jobs on the machine
//! slow the wall clock but not the figure. One JSON line per path.

use std::path::Path;

use image::RgbImage;
use likeness_face::identity::Embedding;
use likeness_face::{DetectOptions, Face, FaceError, FaceModels, ReferenceRules, align};

type Detect<'a> = &'a dyn Fn(&RgbImage) -> Result<Vec<Face>, FaceError>;

/// Per-stage CPU ms summed over the timed runs, and the last run's embedding.
struct Timed {
    stages: [f64; 4],
    embedding: Embedding,
}

pub fn run(models: &FaceModels, photo: &Path, runs: u32) -> Result<(), String> {
    let bytes = std::fs::read(photo).map_err(|e| format!("{}: {e}", photo.display()))?;
    let (w, h) = decode(&bytes)?.dimensions();
    let options = DetectOptions::default();
    let old = |image: &RgbImage| models.detector.detect_at(image, &options);
    let new = |image: &RgbImage| models.detector.detect_reference(image, &options);
    let single = time_path(models, &bytes, &old, runs)?;
    let reference = time_path(models, &bytes, &new, runs)?;
    let check_ms = time_check(models, &bytes, runs)?;
    let distance = single.embedding.distance(&reference.embedding);
    let n = f64::from(runs.max(1));
    for (name, timed) in [
        ("single pass 640", &single),
        ("check_reference", &reference),
    ] {
        let [decode_ms, detect_ms, align_ms, embed_ms] = timed.stages.map(|s| super::round(s / n));
        let mut line = serde_json::json!({
            "impl": "likeness",
            "path": name,
            "photo": photo.file_name().map(|f| f.to_string_lossy()),
            "size": [w, h],
            "runs": runs,
            "cpu_ms": super::round(timed.stages.iter().sum::<f64>() / n),
            "decode_ms": decode_ms,
            "detect_ms": detect_ms,
            "align_ms": align_ms,
            "embed_ms": embed_ms,
        });
        if name == "check_reference" {
            line["full_check_ms"] = super::round(check_ms / n).into();
            line["embedding_distance_to_single_pass"] =
                ((f64::from(distance) * 1e4).round() / 1e4).into();
        }
        println!("{line}");
    }
    Ok(())
}

fn decode(bytes: &[u8]) -> Result<RgbImage, String> {
    Ok(image::load_from_memory(bytes)
        .map_err(|e| e.to_string())?
        .into_rgb8())
}

/// Decode, `detect`, the largest face's chip and embedding; one warm-up, then `runs` timed.
fn time_path(
    models: &FaceModels,
    bytes: &[u8],
    detect: Detect,
    runs: u32,
) -> Result<Timed, String> {
    let mut stages = [0.0f64; 4];
    let mut embedding = None;
    for run in 0..=runs {
        let mut laps = [0.0f64; 5];
        laps[0] = cpu_ms();
        let image = decode(bytes)?;
        laps[1] = cpu_ms();
        let face = largest(detect(&image).map_err(|e| e.to_string())?).ok_or("no face found")?;
        laps[2] = cpu_ms();
        let chip = align::chip(&image, &face);
        laps[3] = cpu_ms();
        embedding = Some(models.embedder.embed(&chip).map_err(|e| e.to_string())?);
        laps[4] = cpu_ms();
        if run > 0 {
            for (stage, pair) in stages.iter_mut().zip(laps.windows(2)) {
                *stage += pair[1] - pair[0];
            }
        }
    }
    Ok(Timed {
        stages,
        embedding: embedding.expect("at least one run"),
    })
}

/// CPU ms of decode + `FaceModels::check_reference` summed over `runs` (after a warm-up).
fn time_check(models: &FaceModels, bytes: &[u8], runs: u32) -> Result<f64, String> {
    let mut total = 0.0;
    for run in 0..=runs {
        let start = cpu_ms();
        models
            .check_reference(&decode(bytes)?, &ReferenceRules::default())
            .map_err(|e| e.to_string())?;
        if run > 0 {
            total += cpu_ms() - start;
        }
    }
    Ok(total)
}

fn largest(faces: Vec<Face>) -> Option<Face> {
    let area = |f: &Face| f.bbox.width * f.bbox.height;
    faces.into_iter().max_by(|a, b| area(a).total_cmp(&area(b)))
}

/// This thread's CPU time in ms (Linux: the first field of schedstat, in ns).
fn cpu_ms() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(0.0, |ns| ns / 1e6)
}
