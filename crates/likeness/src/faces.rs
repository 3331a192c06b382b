//! Faces in the service: where the models live, loading them once, checking reference photos
//! (intake, then exactly one clear face), and measuring generated images (quality, identity
//! against the reference).
//!
//! The models are loaded on first use, not at start-up: commands that never see a face (the
//! demo, imports) must not pay for them or need them.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use likeness_face::quality::{self, Quality};
use likeness_face::{
    DetectOptions, Embedding, Face, FaceModels, Format, Limits, MODEL_FILES, ModelFile,
    ReferenceRules, identity_score,
};
use serde::Serialize;

use crate::config::FacesConfig;
use crate::error::{Error, Result};
use crate::hash::hex_sha256;

/// Face models and rules, shared by every command and worker of a process (cheap to clone).
#[derive(Clone)]
pub struct Faces(Arc<Inner>);

struct Inner {
    dir: PathBuf,
    limits: Limits,
    rules: ReferenceRules,
    models: Mutex<Option<Arc<FaceModels>>>,
    /// Reference embeddings by store key: every job of a subject scores against the same photo.
    references: quick_cache::sync::Cache<String, Arc<Option<Embedding>>>,
    /// Memory for decoding uploads, in MiB: each decode first takes the share its header says
    /// it needs, so parallel uploads wait their turn instead of adding up.
    decode_budget: tokio::sync::Semaphore,
    decode_budget_mib: u32,
}

/// What `likeness models check` reports for one file.
#[derive(Debug, Clone, Serialize)]
pub struct ModelStatus {
    pub name: &'static str,
    pub purpose: &'static str,
    pub path: PathBuf,
    /// `ok`, `missing`, `wrong_size` or `wrong_checksum`.
    pub state: &'static str,
    pub size: Option<u64>,
}

/// A reference photo that passed intake and the face check.
#[derive(Debug, Clone)]
pub struct CheckedPhoto {
    /// Square around the face, metadata stripped.
    pub bytes: Vec<u8>,
    pub format: Format,
    pub width: u32,
    pub height: u32,
    pub face: Face,
    /// Sampled colours as subject attributes (`likeness_skin_tone`, `likeness_hair_color`).
    pub colors: Vec<(&'static str, String)>,
}

/// How close a generated face is to the reference.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Identity {
    /// 0–1, see `likeness_face::identity`: 0.5 is dlib's same-person line. 0 when the image
    /// shows no face.
    pub score: f32,
    /// Euclidean distance between the embeddings; none when no face was found.
    pub distance: Option<f32>,
    pub face_found: bool,
}

/// The measurements of one generated image, as recorded in the asset's details.
#[derive(Debug, Clone, Serialize)]
pub struct Judgement {
    /// The store key of the reference photo identity was measured against.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    pub quality: Option<QualityRecord>,
    pub identity: Option<Identity>,
    /// Why the identity could not be measured (e.g. `face.models_missing`), if it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity_error: Option<String>,
}

impl Judgement {
    /// A picture's quality from its tones as the renderer counted them while encoding
    /// (`likeness_paint::Tones`), without decoding it; `None` when the counts are not of a
    /// `size` picture. Only for pictures without a reference photo.
    pub fn from_tones(
        tones: &likeness_paint::Tones,
        size: (u32, u32),
        expected: (u32, u32),
    ) -> Option<Judgement> {
        let expected = Some(expected);
        let quality = match tones {
            likeness_paint::Tones::Palette(p) => {
                quality::measure_palette(&p.rgb, &p.counts, size, expected)
            }
            likeness_paint::Tones::Luma(hist) => quality::measure_luma(hist, size, expected),
        }?;
        Some(Judgement::quality_only(&quality))
    }

    /// A measure of quality alone (no reference photo to compare with).
    fn quality_only(quality: &Quality) -> Judgement {
        Judgement {
            reference: None,
            quality: Some(QualityRecord::from(quality)),
            identity: None,
            identity_error: None,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct QualityRecord {
    pub passed: bool,
    pub problems: Vec<&'static str>,
    pub mean_luma: f32,
    pub contrast: f32,
    pub dynamic_range: f32,
    pub dark_clipped: f32,
    pub bright_clipped: f32,
    pub width: u32,
    pub height: u32,
}

impl From<&Quality> for QualityRecord {
    fn from(q: &Quality) -> Self {
        let round = |v: f32| (v * 1000.0).round() / 1000.0;
        QualityRecord {
            passed: q.passed(),
            problems: q.problems.iter().map(|p| p.code()).collect(),
            mean_luma: round(q.mean_luma),
            contrast: round(q.contrast),
            dynamic_range: round(q.dynamic_range),
            dark_clipped: round(q.dark_clipped),
            bright_clipped: round(q.bright_clipped),
            width: q.width,
            height: q.height,
        }
    }
}

impl Faces {
    /// `env` is the process environment (a parameter so tests can pass their own).
    pub fn new(
        config: &FacesConfig,
        data_dir: &Path,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Self {
        let dir = env("LIKENESS_MODELS")
            .filter(|d| !d.trim().is_empty())
            .map(PathBuf::from)
            .or_else(|| config.models.clone())
            .unwrap_or_else(|| data_dir.join("models"));
        Faces(Arc::new(Inner {
            dir,
            limits: Limits {
                min_side: config.min_reference_side,
                ..Limits::reference()
            },
            rules: ReferenceRules {
                min_face: config.min_face,
                min_sharpness: config.min_sharpness,
                ..ReferenceRules::default()
            },
            models: Mutex::new(None),
            references: quick_cache::sync::Cache::new(256),
            decode_budget: tokio::sync::Semaphore::new(config.decode_budget_mib as usize),
            decode_budget_mib: config.decode_budget_mib,
        }))
    }

    pub fn models_dir(&self) -> &Path {
        &self.0.dir
    }

    /// The limits a reference photo's file must meet.
    pub fn limits(&self) -> &Limits {
        &self.0.limits
    }

    /// Each model file: present, the right size and checksum? Reads and hashes the files
    /// (about 30 MB), so it blocks.
    pub fn check_files(&self) -> Vec<ModelStatus> {
        MODEL_FILES
            .iter()
            .map(|file| {
                let path = self.0.dir.join(file.name);
                let (state, size) = match std::fs::metadata(&path) {
                    Err(_) => ("missing", None),
                    Ok(m) if m.len() != file.size => ("wrong_size", Some(m.len())),
                    Ok(m) => match std::fs::read(&path) {
                        Ok(bytes) if hex_sha256(&bytes) == file.sha256 => ("ok", Some(m.len())),
                        Ok(_) => ("wrong_checksum", Some(m.len())),
                        Err(_) => ("missing", None),
                    },
                };
                ModelStatus {
                    name: file.name,
                    purpose: file.purpose,
                    path,
                    state,
                    size,
                }
            })
            .collect()
    }

    /// The models, loaded on first use (about half a second). Blocks: call it from
    /// `spawn_blocking` or a command's main path.
    pub fn models(&self) -> Result<Arc<FaceModels>> {
        let mut slot = self.0.models.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(models) = slot.as_ref() {
            return Ok(models.clone());
        }
        let read = |file: &ModelFile| std::fs::read(self.0.dir.join(file.name));
        let missing: Vec<String> = MODEL_FILES
            .iter()
            .filter(|f| !self.0.dir.join(f.name).is_file())
            .map(|f| f.name.to_string())
            .collect();
        if !missing.is_empty() {
            return Err(Error::ModelsMissing {
                dir: self.0.dir.display().to_string(),
                missing,
            });
        }
        let io = |file: &ModelFile, e| {
            Error::io(
                format!("cannot read {}", self.0.dir.join(file.name).display()),
                e,
            )
        };
        let [centerface, dlib] = &MODEL_FILES;
        let models = FaceModels::from_bytes(
            &read(centerface).map_err(|e| io(centerface, e))?,
            &read(dlib).map_err(|e| io(dlib, e))?,
        )?;
        let models = Arc::new(models);
        *slot = Some(models.clone());
        Ok(models)
    }

    /// Checks a reference photo: intake (format, size, dimensions, orientation, metadata), then
    /// exactly one clear face; the result is cropped square around the face.
    pub async fn check_reference(&self, bytes: Vec<u8>) -> Result<CheckedPhoto> {
        // The header says what decoding will take (refusing what could never fit); wait for
        // that share of the budget. One image larger than the whole budget still runs, alone.
        let probe = likeness_face::probe(&bytes, &self.0.limits)?;
        // Intake's own peak, and the RGB copy the face check works on beside its output.
        let needed = likeness_face::intake_peak_bytes(&bytes, &self.0.limits)?
            + u64::from(probe.width) * u64::from(probe.height) * 3;
        let mib = needed
            .div_ceil(1 << 20)
            .clamp(1, u64::from(self.0.decode_budget_mib)) as u32;
        let _permit = self
            .0
            .decode_budget
            .acquire_many(mib)
            .await
            .map_err(|_| Error::Store("the decode budget is closed".into()))?;
        let faces = self.clone();
        blocking(move || faces.check_reference_blocking(&bytes)).await
    }

    fn check_reference_blocking(&self, bytes: &[u8]) -> Result<CheckedPhoto> {
        let intake = likeness_face::intake(bytes, &self.0.limits)?;
        let models = self.models()?;
        let checked = models.check_reference(&intake.image.to_rgb8(), &self.0.rules)?;
        let image = image::DynamicImage::ImageRgb8(checked.image);
        let (format, bytes) = likeness_face::encode(&image, intake.format)?;
        let mut colors = vec![("likeness_skin_tone", rgb_hex(checked.colors.skin))];
        if let Some(hair) = checked.colors.hair {
            colors.push(("likeness_hair_color", hair_color_name(hair).to_string()));
        }
        Ok(CheckedPhoto {
            bytes,
            format,
            width: image.width(),
            height: image.height(),
            face: checked.face,
            colors,
        })
    }

    /// Measures a generated image: its quality against the requested size, and, when there is
    /// a reference photo (its store key and bytes), how close its face is to it. Never fails:
    /// what cannot be measured is left out, with the reason.
    pub async fn judge(
        &self,
        output: Bytes,
        expected: (u32, u32),
        reference: Option<(String, Bytes)>,
    ) -> Judgement {
        // An indexed PNG (the renderer's flat pictures) is measured from its palette in a
        // fraction of a millisecond: here, without a trip to a blocking thread.
        if reference.is_none()
            && crate::encode::is_indexed_png(&output)
            && let Some(quality) = quality::measure_png(&output, Some(expected))
        {
            return Judgement::quality_only(&quality);
        }
        let faces = self.clone();
        let judged = tokio::task::spawn_blocking(move || {
            faces.judge_blocking(&output, expected, reference.as_ref())
        })
        .await;
        judged.unwrap_or_else(|e| Judgement {
            reference: None,
            quality: None,
            identity: None,
            identity_error: Some(format!("measuring stopped: {e}")),
        })
    }

    fn judge_blocking(
        &self,
        output: &[u8],
        expected: (u32, u32),
        reference: Option<&(String, Bytes)>,
    ) -> Judgement {
        if reference.is_none()
            && let Some(quality) = quality::measure_png(output, Some(expected))
        {
            return Judgement::quality_only(&quality);
        }
        let Ok(image) = image::load_from_memory(output).map(|i| i.to_rgb8()) else {
            return Judgement {
                reference: reference.map(|(key, _)| key.clone()),
                quality: None,
                identity: None,
                identity_error: reference.map(|_| "the image does not decode".into()),
            };
        };
        let quality = QualityRecord::from(&quality::measure(&image, Some(expected)));
        let (identity, identity_error) = match reference {
            None => (None, None),
            Some((key, bytes)) => match self.identity(&image, key, bytes) {
                Ok(identity) => (Some(identity), None),
                Err(e) => (None, Some(format!("{}: {e}", e.code()))),
            },
        };
        Judgement {
            reference: reference.map(|(key, _)| key.clone()),
            quality: Some(quality),
            identity,
            identity_error,
        }
    }

    fn identity(&self, image: &image::RgbImage, key: &str, reference: &[u8]) -> Result<Identity> {
        let models = self.models()?;
        let options = DetectOptions::default();
        let wanted = self.0.references.get_or_insert_with(key, || {
            let photo = image::load_from_memory(reference)
                .map_err(|e| Error::Corrupt(format!("reference {key} does not decode: {e}")))?
                .to_rgb8();
            Ok::<_, Error>(Arc::new(
                models.embed_main_face(&photo, &options)?.map(|(_, e)| e),
            ))
        })?;
        let Some(wanted) = wanted.as_ref() else {
            return Err(Error::Corrupt(format!("reference {key} shows no face")));
        };
        Ok(match models.embed_main_face(image, &options)? {
            None => Identity {
                score: 0.0,
                distance: None,
                face_found: false,
            },
            Some((_, embedding)) => {
                let distance = embedding.distance(wanted);
                Identity {
                    score: round3(identity_score(distance)),
                    distance: Some(round3(distance)),
                    face_found: true,
                }
            }
        })
    }
}

/// Runs face work off the async threads.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::Store(format!("face check stopped: {e}")))?
}

fn round3(v: f32) -> f32 {
    (v * 1000.0).round() / 1000.0
}

fn rgb_hex([r, g, b]: [u8; 3]) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// The renderer's hair colour nearest to a sampled one (by distance in RGB, on typical shades
/// of each name).
pub fn hair_color_name([r, g, b]: [u8; 3]) -> &'static str {
    const SHADES: [(&str, [i32; 3]); 8] = [
        ("black", [28, 24, 24]),
        ("dark_brown", [62, 44, 34]),
        ("brown", [106, 74, 52]),
        ("auburn", [134, 62, 38]),
        ("red", [184, 88, 44]),
        ("blond", [206, 172, 112]),
        ("grey", [148, 146, 142]),
        ("white", [226, 224, 220]),
    ];
    let (r, g, b) = (i32::from(r), i32::from(g), i32::from(b));
    SHADES
        .iter()
        .min_by_key(|(_, [sr, sg, sb])| (r - sr).pow(2) + (g - sg).pow(2) + (b - sb).pow(2))
        .map_or("brown", |(name, _)| name)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tones the renderer counts while encoding measure what its PNG decodes to, for every
    /// kind and frame (indexed, soft RGB, soft with transparent corners, RGBA): the two crates
    /// compute luma apart, and this is where they meet.
    #[test]
    fn the_renderers_tones_measure_what_its_png_holds() {
        let painter = likeness_paint::Painter::new();
        for kind in likeness_paint::KINDS {
            for frame in ["", "radius = 50"] {
                let toml_text = format!("kind = \"{kind}\"\n{frame}");
                let recipe: likeness_paint::Recipe = toml::from_str(&toml_text).unwrap();
                let sitter = likeness_paint::Sitter::new("tones");
                let size = likeness_paint::Size::square(96);
                let rendered = painter.render_png_timed(&recipe, &sitter, size).unwrap();
                let decoded = image::load_from_memory(&rendered.png).unwrap().to_rgb8();
                let want = quality::measure(&decoded, Some((96, 96)));
                let got = Judgement::from_tones(&rendered.tones, (96, 96), (96, 96));
                let got = got
                    .and_then(|j| j.quality)
                    .expect("the counts cover the picture");
                let want = QualityRecord::from(&want);
                assert_eq!(
                    serde_json::to_value(&got).unwrap(),
                    serde_json::to_value(&want).unwrap(),
                    "{toml_text}"
                );
            }
        }
    }

    #[test]
    fn hair_colours_map_to_the_renderer_names() {
        assert_eq!(hair_color_name([20, 18, 20]), "black");
        assert_eq!(hair_color_name([110, 80, 55]), "brown");
        assert_eq!(hair_color_name([220, 190, 120]), "blond");
        assert_eq!(hair_color_name([160, 160, 160]), "grey");
    }

    #[test]
    fn models_folder_comes_from_env_then_config_then_data_dir() {
        let config = FacesConfig::default();
        let none = |_: &str| None;
        let faces = Faces::new(&config, Path::new("/data"), &none);
        assert_eq!(faces.models_dir(), Path::new("/data/models"));
        let configured = FacesConfig {
            models: Some("/opt/models".into()),
            ..FacesConfig::default()
        };
        assert_eq!(
            Faces::new(&configured, Path::new("/data"), &none).models_dir(),
            Path::new("/opt/models")
        );
        let env = |k: &str| (k == "LIKENESS_MODELS").then(|| "/env/models".to_string());
        assert_eq!(
            Faces::new(&configured, Path::new("/data"), &env).models_dir(),
            Path::new("/env/models")
        );
    }

    #[test]
    fn missing_models_name_the_files_and_the_command() {
        let dir = tempfile::tempdir().unwrap();
        let faces = Faces::new(&FacesConfig::default(), dir.path(), &|_| None);
        let err = faces.models().err().unwrap();
        assert_eq!(err.code(), "face.models_missing");
        let text = err.to_string();
        assert!(
            text.contains("centerface.onnx") && text.contains("scripts/fetch-models"),
            "{text}"
        );
        let states: Vec<_> = faces.check_files().iter().map(|s| s.state).collect();
        assert_eq!(states, ["missing", "missing"]);
    }
}
