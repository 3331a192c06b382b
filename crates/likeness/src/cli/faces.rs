//! `likeness faces detect|compare|check` and `likeness models check`: the face models on the
//! command line, for checking a photo before uploading it and for scripts. None of them opens
//! the database.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use likeness::config::Config;
use likeness::faces::Faces;
use likeness_face::{DetectOptions, Face, FaceError, Limits, identity};
use serde::Serialize;
use serde_json::json;

use super::output::Output;

#[derive(Debug, Subcommand)]
pub enum FacesCommand {
    /// Find the faces in a photo: box, score and five landmarks (eyes, nose tip, mouth
    /// corners), in the photo's pixels after EXIF orientation.
    ///
    /// Example: likeness faces detect team.jpg --max-side 1600 --json
    Detect(DetectArgs),
    /// Compare the one face in each of two photos: the distance between their identity
    /// embeddings and a 0–1 identity score (0.5 is dlib's same-person line, distance 0.6).
    ///
    /// Example: likeness faces compare badge.jpg portrait.png
    Compare(CompareArgs),
    /// Check a photo as a reference photo, as `generate --reference` and the API would:
    /// JPEG, PNG or WebP up to 10 MB, at least 512 px a side, exactly one clear face.
    ///
    /// Example: likeness faces check me.jpg
    Check(CheckArgs),
}

#[derive(Debug, Args)]
pub struct DetectArgs {
    /// The photo (JPEG, PNG or WebP).
    pub image: PathBuf,
    /// Scale the photo so its longer side is at most this before detecting. Raise it for
    /// group photos with small faces (about 40 px faces need 1600 on a 1600 px photo).
    #[arg(long, default_value_t = DetectOptions::default().max_side)]
    pub max_side: u32,
    /// The lowest detector score kept (0–1).
    #[arg(long, default_value_t = DetectOptions::default().threshold)]
    pub threshold: f32,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The first photo: exactly one face.
    pub a: PathBuf,
    /// The second photo: exactly one face.
    pub b: PathBuf,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The photo to check.
    pub image: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum ModelsCommand {
    /// Say which face models are present and valid (size and sha256 against the pins of
    /// scripts/fetch-models), and load them.
    ///
    /// Example: likeness models check --json
    Check,
}

/// The faces as `detect --json` prints them.
#[derive(Debug, Serialize)]
struct FaceView {
    #[serde(rename = "box")]
    bbox: BoxView,
    score: f32,
    landmarks: [[f32; 2]; 5],
}

#[derive(Debug, Serialize)]
struct BoxView {
    x: f32,
    y: f32,
    width: f32,
    height: f32,
}

impl From<&Face> for FaceView {
    fn from(f: &Face) -> Self {
        let r = |v: f32| (v * 10.0).round() / 10.0;
        FaceView {
            bbox: BoxView {
                x: r(f.bbox.x),
                y: r(f.bbox.y),
                width: r(f.bbox.width),
                height: r(f.bbox.height),
            },
            score: (f.score * 1000.0).round() / 1000.0,
            landmarks: f.landmarks.map(|[x, y]| [r(x), r(y)]),
        }
    }
}

fn faces(data_dir: &Path, config: Option<&Path>) -> anyhow::Result<Faces> {
    let config = Config::load(config, data_dir)?;
    Ok(Faces::new(&config.faces, data_dir, &|k| {
        std::env::var(k).ok()
    }))
}

/// A photo from disk through intake (format, size and dimension limits, EXIF orientation).
fn photo(path: &Path) -> anyhow::Result<image::RgbImage> {
    let limits = Limits::default();
    let bytes = likeness::local_file::read_photo(path, limits.max_bytes)?;
    let checked = likeness_face::intake(&bytes, &limits)
        .map_err(likeness::Error::from)
        .with_context(|| path.display().to_string())?;
    Ok(checked.image.to_rgb8())
}

pub async fn run(
    data_dir: &Path,
    config: Option<&Path>,
    out: &Output,
    command: FacesCommand,
) -> anyhow::Result<ExitCode> {
    let faces = faces(data_dir, config)?;
    let out = *out;
    match command {
        FacesCommand::Check(args) => check(&faces, &out, args).await,
        FacesCommand::Detect(args) => {
            tokio::task::spawn_blocking(move || detect(&faces, &out, args)).await?
        }
        FacesCommand::Compare(args) => {
            tokio::task::spawn_blocking(move || compare(&faces, &out, args)).await?
        }
    }
}

fn detect(faces: &Faces, out: &Output, args: DetectArgs) -> anyhow::Result<ExitCode> {
    if !(0.0..=1.0).contains(&args.threshold) {
        anyhow::bail!("--threshold must be between 0 and 1");
    }
    let image = photo(&args.image)?;
    let options = DetectOptions {
        max_side: args.max_side.clamp(32, 8192),
        threshold: args.threshold,
    };
    let found = faces.models()?.detect(&image, &options)?;
    let views: Vec<FaceView> = found.iter().map(FaceView::from).collect();
    out.emit(&json!({ "faces": views }), || {
        let (w, h) = image.dimensions();
        println!("{} face(s) in {} ({w}×{h})", views.len(), args.image.display());
        for (i, f) in views.iter().enumerate() {
            let [le, re, nose, lm, rm] = f.landmarks;
            println!(
                "{:>3}. box {:.0},{:.0} {:.0}×{:.0}  score {:.2}  eyes ({:.0},{:.0}) ({:.0},{:.0})  \
                 nose ({:.0},{:.0})  mouth ({:.0},{:.0}) ({:.0},{:.0})",
                i + 1,
                f.bbox.x,
                f.bbox.y,
                f.bbox.width,
                f.bbox.height,
                f.score,
                le[0], le[1], re[0], re[1], nose[0], nose[1], lm[0], lm[1], rm[0], rm[1]
            );
        }
    })?;
    Ok(ExitCode::SUCCESS)
}

/// The single face of a photo, or why there is not exactly one.
fn single(faces: &Faces, path: &Path) -> anyhow::Result<likeness_face::Embedding> {
    let image = photo(path)?;
    let models = faces.models()?;
    let mut found = models.detect(&image, &DetectOptions::default())?;
    let face = match found.len() {
        0 => Err(FaceError::NoneFound),
        1 => Ok(found.remove(0)),
        _ => Err(FaceError::Several {
            boxes: found.iter().map(|f| f.bbox.pixels()).collect(),
        }),
    }
    .map_err(likeness::Error::from)
    .with_context(|| path.display().to_string())?;
    Ok(models.embed(&image, &face)?)
}

fn compare(faces: &Faces, out: &Output, args: CompareArgs) -> anyhow::Result<ExitCode> {
    let a = single(faces, &args.a)?;
    let b = single(faces, &args.b)?;
    let distance = a.distance(&b);
    let score = identity::identity_score(distance);
    let same = identity::same_person(distance);
    let r3 = |v: f32| (v * 1000.0).round() / 1000.0;
    out.emit(
        &json!({ "distance": r3(distance), "identity_score": r3(score), "same_person": same }),
        || {
            println!(
                "distance {distance:.3}, identity score {score:.2}: {} (dlib's line is distance {})",
                if same {
                    "the same person"
                } else {
                    "different people"
                },
                identity::SAME_PERSON_DISTANCE
            )
        },
    )?;
    Ok(ExitCode::SUCCESS)
}

async fn check(faces: &Faces, out: &Output, args: CheckArgs) -> anyhow::Result<ExitCode> {
    let bytes = likeness::local_file::read_photo(&args.image, faces.limits().max_bytes)?;
    let checked = faces
        .check_reference(bytes)
        .await
        .with_context(|| args.image.display().to_string())?;
    let face = FaceView::from(&checked.face);
    let colors: serde_json::Map<_, _> = checked
        .colors
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    out.emit(
        &json!({
            "ok": true,
            "width": checked.width,
            "height": checked.height,
            "face": face,
            "colors": colors,
        }),
        || {
            println!(
                "{}: a usable reference photo — one face, {:.0}×{:.0} px, stored as {}×{} {}",
                args.image.display(),
                face.bbox.width,
                face.bbox.height,
                checked.width,
                checked.height,
                checked.format.mime()
            );
            for (k, v) in &checked.colors {
                println!("  {k} = {v}");
            }
        },
    )?;
    Ok(ExitCode::SUCCESS)
}

pub async fn models(
    data_dir: &Path,
    config: Option<&Path>,
    out: &Output,
    ModelsCommand::Check: ModelsCommand,
) -> anyhow::Result<ExitCode> {
    let faces = faces(data_dir, config)?;
    let (files, loaded) = tokio::task::spawn_blocking(move || {
        let files = faces.check_files();
        let loaded = files
            .iter()
            .all(|f| f.state == "ok")
            .then(|| faces.models().map(|_| ()).map_err(|e| e.to_string()));
        (files, loaded)
    })
    .await?;
    let ok = matches!(loaded, Some(Ok(())));
    let dir = files
        .first()
        .and_then(|f| f.path.parent())
        .map(PathBuf::from);
    out.emit(
        &json!({
            "ok": ok,
            "dir": dir,
            "files": files,
            "load_error": loaded.as_ref().and_then(|l| l.as_ref().err()),
        }),
        || {
            if let Some(dir) = &dir {
                println!("face models in {}", dir.display());
            }
            for f in &files {
                println!("  {:<44} {:<15} {}", f.name, f.state, f.purpose);
            }
            match &loaded {
                Some(Ok(())) => println!("both models load: faces are ready"),
                Some(Err(e)) => println!("the models do not load: {e}"),
                None => println!(
                    "fetch them with: scripts/fetch-models {}",
                    dir.as_deref().unwrap_or(Path::new("DIR")).display()
                ),
            }
        },
    )?;
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
