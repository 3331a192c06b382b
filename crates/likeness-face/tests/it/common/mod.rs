//! Shared by the face tests: the models and photos `scripts/fetch-models --photos` fetched.
//!
//! They live in `$LIKENESS_MODELS` or, by default, `target/models` (where `scripts/test` puts
//! them). A missing file fails the test with the command that fetches it: these tests never
//! pass by skipping.

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::OnceLock;

use image::RgbImage;
use likeness_face::FaceModels;

pub fn models_dir() -> PathBuf {
    match std::env::var_os("LIKENESS_MODELS") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/models"),
    }
}

pub fn read(name: &str) -> Vec<u8> {
    let path = models_dir().join(name);
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} — run `scripts/fetch-models --photos target/models` (scripts/test does)",
            path.display()
        )
    })
}

/// Both models, loaded once per test binary.
pub fn models() -> &'static FaceModels {
    static MODELS: OnceLock<FaceModels> = OnceLock::new();
    MODELS.get_or_init(|| {
        FaceModels::from_bytes(
            &read("centerface.onnx"),
            &read("dlib_face_recognition_resnet_model_v1.dat"),
        )
        .expect("models load")
    })
}

/// A photo from `photos/` (`astronaut.png`, `solvay.png`), as RGB.
pub fn photo(name: &str) -> RgbImage {
    image::load_from_memory(&read(&format!("photos/{name}")))
        .expect("photo decodes")
        .into_rgb8()
}
