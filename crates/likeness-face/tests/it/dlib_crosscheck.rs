//! likeness's embedder against dlib itself: the same 150×150 chips through our pure-Rust
//! forward pass and through dlib (`face_recognition`'s encoder, via `dlib_embed.py`) must
//! agree on every component to 1e-4.
//!
//! The chips are the aligned chips likeness itself embeds (`align::chip` on the faces the
//! detector finds), plus a few plain crops so the check does not depend on alignment.

use crate::common;

use std::path::Path;
use std::process::Command;

use image::RgbImage;
use image::imageops::{self, FilterType};
use likeness_face::{DetectOptions, Embedder, align};

/// The agreement required on every component.
const TOLERANCE: f32 = 1e-4;

/// A square of `side` pixels centred on (`cx`, `cy`), resized to the 150×150 chip.
fn crop(photo: &RgbImage, cx: u32, cy: u32, side: u32) -> RgbImage {
    let square = imageops::crop_imm(photo, cx - side / 2, cy - side / 2, side, side).to_image();
    imageops::resize(&square, 150, 150, FilterType::Triangle)
}

/// Named chips from the real photos: the aligned chips of the astronaut, of her mirror image
/// and of ten Solvay faces; and two plain crops.
fn chips() -> Vec<(String, RgbImage)> {
    let astronaut = common::photo("astronaut.png");
    let solvay = common::photo("solvay.png");
    let detector = &common::models().detector;
    let mut chips = Vec::new();
    let mirrored = imageops::flip_horizontal(&astronaut);
    for (name, photo) in [("astronaut", &astronaut), ("astronaut-mirrored", &mirrored)] {
        let faces = detector.detect(photo, &DetectOptions::default()).unwrap();
        assert_eq!(faces.len(), 1, "{name}");
        chips.push((format!("{name}-aligned"), align::chip(photo, &faces[0])));
    }
    let options = DetectOptions {
        max_side: 960,
        ..DetectOptions::default()
    };
    let faces = detector.detect(&solvay, &options).unwrap();
    assert!(faces.len() >= 10, "{} Solvay faces", faces.len());
    for (i, face) in faces.iter().take(10).enumerate() {
        chips.push((format!("solvay-{i}-aligned"), align::chip(&solvay, face)));
    }
    chips.push((
        "astronaut-crop".to_string(),
        crop(&astronaut, 225, 118, 150),
    ));
    chips.push((
        "solvay-einstein-crop".to_string(),
        crop(&solvay, 894, 280, 100),
    ));
    chips
}

fn dlib_embeddings(python: &std::ffi::OsStr, paths: &[String]) -> serde_json::Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/dlib_embed.py");
    let out = Command::new(python)
        .arg(&script)
        .args(paths)
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "dlib_embed.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("dlib_embed.py prints JSON")
}

/// Real dlib, run by `scripts/test`'s Python (LIKENESS_TEST_PYTHON); under CI its absence is
/// a failure, elsewhere a loud skip.
#[test]
fn embeddings_match_dlib() {
    let Some(python) = std::env::var_os("LIKENESS_TEST_PYTHON") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must run this test: set LIKENESS_TEST_PYTHON (scripts/test does)"
        );
        eprintln!(
            "SKIPPED: set LIKENESS_TEST_PYTHON to a python with dlib and face_recognition \
             (scripts/test does)"
        );
        return;
    };
    let embedder =
        Embedder::from_dat(&common::read("dlib_face_recognition_resnet_model_v1.dat")).unwrap();
    let chips = chips();
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for (name, chip) in &chips {
        let path = dir.path().join(format!("{name}.png"));
        chip.save(&path).unwrap();
        paths.push(path.to_str().expect("a UTF-8 temp path").to_string());
    }
    let dlib = dlib_embeddings(&python, &paths);

    let mut worst = 0f32;
    let mut ours_all = Vec::new();
    for ((name, chip), path) in chips.iter().zip(&paths) {
        let ours = embedder.embed(chip).unwrap();
        let theirs: Vec<f32> = dlib[path]
            .as_array()
            .unwrap_or_else(|| panic!("no dlib embedding for {name}"))
            .iter()
            .map(|v| v.as_f64().expect("a number") as f32)
            .collect();
        assert_eq!(theirs.len(), 128, "{name}");
        let diff = ours
            .0
            .iter()
            .zip(&theirs)
            .map(|(a, b)| (a - b).abs())
            .fold(0f32, f32::max);
        println!("{name}: max |likeness − dlib| = {diff:.2e}");
        assert!(diff < TOLERANCE, "{name}: max |diff| {diff:e}");
        worst = worst.max(diff);
        ours_all.push((name, ours));
    }
    println!("all {} chips: max |diff| = {worst:.2e}", chips.len());

    // The chips are really different inputs, so the agreement is not one case repeated.
    for (i, (a, ea)) in ours_all.iter().enumerate() {
        for (b, eb) in &ours_all[i + 1..] {
            assert!(ea.distance(eb) > 0.01, "{a} and {b} embed alike");
        }
    }
}
