//! Benchmark (not a test): decode → detect → embed every face, per photo, for `bench/faces.sh`.
//!
//! ```sh
//! cargo run --release -p likeness-face --example faces_bench -- DIR [LABEL]
//! cargo run --release -p likeness-face --example faces_bench -- check PHOTO [RUNS]
//! cargo run --release -p likeness-face --example faces_bench -- labelled OUT
//! ```
//!
//! `check` times the reference-photo check (`faces_bench/check.rs`); `labelled` scores
//! detection on the labelled set and writes the set with its soft variants to OUT for the
//! Python peer (`faces_bench/labelled.rs`).
//!
//! Loads `centerface.onnx` and the dlib ResNet from `$LIKENESS_MODELS` (default
//! `target/models`), warms up on the first photo (untimed, as the Python peer does), then times
//! each photo in DIR (`.png`, `.jpg`, `.jpeg`, `.webp`, sorted by name): decode, `detect` with
//! the default options, `embed` for every face found. Prints one JSON line: model load time and
//! per-photo milliseconds (mean, p50, p95), the same shape as `bench/faces_peer.py`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use likeness_face::{DetectOptions, FaceModels};

#[path = "faces_bench/check.rs"]
mod check;
#[path = "faces_bench/labelled.rs"]
mod labelled;

fn main() {
    if let Err(e) = run() {
        eprintln!("faces_bench: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let first = args
        .next()
        .ok_or("usage: faces_bench DIR [LABEL] | check PHOTO [RUNS] | labelled OUT")?;
    let (models, load_ms) = load()?;
    match first.as_str() {
        "check" => {
            let photo = PathBuf::from(args.next().ok_or("usage: faces_bench check PHOTO")?);
            let runs = match args.next() {
                Some(r) => r.parse().map_err(|_| format!("RUNS: not a number: {r}"))?,
                None => 20,
            };
            return check::run(&models, &photo, runs);
        }
        "labelled" => {
            let out = PathBuf::from(args.next().ok_or("usage: faces_bench labelled OUT")?);
            return labelled::run(&models, &out);
        }
        _ => {}
    }
    let dir = PathBuf::from(first);
    let label = args.next().unwrap_or_else(|| "photos".into());

    let photos = photos(&dir)?;
    let first = photos
        .first()
        .ok_or(format!("no photos in {}", dir.display()))?;
    process(&models, first)?;

    let (mut times, mut faces) = (Vec::with_capacity(photos.len()), 0);
    for path in &photos {
        let started = Instant::now();
        faces += process(&models, path)?;
        times.push(ms(started));
    }
    times.sort_by(f64::total_cmp);
    let mean = times.iter().sum::<f64>() / times.len() as f64;
    let line = serde_json::json!({
        "impl": "likeness",
        "set": label,
        "photos": photos.len(),
        "faces": faces,
        "load_ms": round(load_ms),
        "mean_ms": round(mean),
        "p50_ms": round(percentile(&times, 0.50)),
        "p95_ms": round(percentile(&times, 0.95)),
    });
    println!("{line}");
    Ok(())
}

/// Both models from `$LIKENESS_MODELS` (default `target/models`), and the load time in ms.
fn load() -> Result<(FaceModels, f64), String> {
    let models_dir = std::env::var_os("LIKENESS_MODELS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/models"));
    let read = |name: &str| {
        let path = models_dir.join(name);
        std::fs::read(&path).map_err(|e| {
            format!(
                "{}: {e} — run `scripts/fetch-models --photos target/models`",
                path.display()
            )
        })
    };
    let started = Instant::now();
    let centerface = read("centerface.onnx")?;
    let resnet = read("dlib_face_recognition_resnet_model_v1.dat")?;
    let models = FaceModels::from_bytes(&centerface, &resnet).map_err(|e| e.to_string())?;
    Ok((models, ms(started)))
}

/// Decode, detect, embed every face: what a reference photo or a judged output costs.
fn process(models: &FaceModels, path: &Path) -> Result<usize, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let image = image::load_from_memory(&bytes)
        .map_err(|e| format!("{}: {e}", path.display()))?
        .into_rgb8();
    let faces = models
        .detect(&image, &DetectOptions::default())
        .map_err(|e| format!("{}: {e}", path.display()))?;
    for face in &faces {
        models
            .embed(&image, face)
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(faces.len())
}

fn photos(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut photos: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
            ["png", "jpg", "jpeg", "webp"].contains(&ext.to_ascii_lowercase().as_str())
        })
        .collect();
    photos.sort();
    Ok(photos)
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[f64], q: f64) -> f64 {
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn round(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}
