//! One matched file made ready to record: read (capped), hashed, compared with what the
//! subject already has in the style, put through intake (sniffed, size-capped, decoded under
//! limits, re-encoded without metadata), a PNG optimised as generated ones are, and written to
//! the store under its content-addressed key (unless this is a dry run).
//!
//! Files are taken in a few at once; each first waits for its share of the decode budget
//! (`faces.decode_budget_mib`, what the API's uploads share), sized from its header by
//! `intake_peak_bytes`, so a folder of 40-megapixel scans cannot add up past it.

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use likeness_face::{Format, Limits};

use super::scan;
use super::{Matched, Problem};
use crate::app::App;
use crate::db::adopt::Existing;
use crate::db::assets::Stored;
use crate::error::{Error, Result};
use crate::hash::hex_sha256;
use crate::pipeline::save::optimise_png;
use crate::store::asset_key;

/// What became of a matched file.
#[derive(Debug)]
pub(super) enum Prepared {
    /// A new image, stored (or, in a dry run, ready to be).
    New {
        stored: Stored,
        original_sha256: String,
        original_bytes: u64,
        total_ms: i64,
    },
    /// The subject has this image in the style already (the same file, or the same image).
    Already(Existing),
    Rejected(Problem),
}

/// How to take files in.
#[derive(Debug, Clone)]
pub(super) struct Intake {
    pub limits: Limits,
    pub png_level: u8,
    pub dry_run: bool,
    /// Memory for decoding, in MiB.
    budget: Arc<tokio::sync::Semaphore>,
    budget_mib: u32,
}

impl Intake {
    /// The limits the API's uploads have (size, sides, pixels, decoded bytes), without the
    /// shortest side that only reference photos of faces need, and its decode budget.
    pub(super) fn new(app: &App, dry_run: bool) -> Intake {
        let budget_mib = app.config.faces.decode_budget_mib.max(1);
        Intake {
            limits: Limits {
                min_side: Limits::default().min_side,
                ..app.faces.limits().clone()
            },
            png_level: app.config.generate.png_optimization,
            dry_run,
            budget: Arc::new(tokio::sync::Semaphore::new(budget_mib as usize)),
            budget_mib,
        }
    }
}

/// The checked image, before it is stored.
struct Checked {
    bytes: Vec<u8>,
    content_hash: String,
    format: Format,
    width: u32,
    height: u32,
    render_us: i64,
    encode_us: i64,
}

/// Prepares `m`; `existing` is what its subject has in its style. Only the store failing is
/// an error (the adoption stops); everything wrong with the file is a [`Prepared::Rejected`].
pub(super) async fn prepare(
    app: &App,
    intake: &Intake,
    m: &Matched,
    existing: Vec<Existing>,
) -> Result<Prepared> {
    let started = Instant::now();
    let file = m.file.clone();
    let max = intake.limits.max_bytes;
    let original = match blocking(move || scan::read(&file, max)).await? {
        Ok(bytes) => bytes,
        Err(problem) => return Ok(Prepared::Rejected(problem)),
    };
    let original_sha256 = hex_sha256(&original);
    let same_file = existing
        .iter()
        .find(|e| e.original_sha256.as_deref() == Some(original_sha256.as_str()));
    if let Some(same) = same_file {
        return Ok(Prepared::Already(same.clone()));
    }
    let original_bytes = original.len() as u64;
    let checked = match check(intake, &m.file.name, original).await? {
        Ok(checked) => checked,
        Err(problem) => return Ok(Prepared::Rejected(problem)),
    };
    let same_image = existing
        .into_iter()
        .find(|e| e.content_hash.as_deref() == Some(checked.content_hash.as_str()));
    if let Some(same) = same_image {
        return Ok(Prepared::Already(same));
    }
    let stored = store(app, intake, m, checked).await?;
    Ok(Prepared::New {
        stored,
        original_sha256,
        original_bytes,
        total_ms: started.elapsed().as_millis() as i64,
    })
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::Corrupt(format!("the intake of a file stopped: {e}")))
}

/// Intake and PNG optimisation, within the decode budget.
async fn check(intake: &Intake, name: &str, original: Vec<u8>) -> Result<Result<Checked, Problem>> {
    let refused = |e: likeness_face::IntakeError| Problem {
        file: name.to_string(),
        code: e.code(),
        reason: e.to_string(),
        candidates: Vec::new(),
    };
    // The header says what decoding will take (refusing what could never fit); one image
    // larger than the whole budget still runs, alone.
    let needed = match likeness_face::intake_peak_bytes(&original, &intake.limits) {
        Ok(needed) => needed,
        Err(e) => return Ok(Err(refused(e))),
    };
    let mib = needed
        .div_ceil(1 << 20)
        .clamp(1, u64::from(intake.budget_mib)) as u32;
    let _permit = intake
        .budget
        .acquire_many(mib)
        .await
        .map_err(|_| Error::Corrupt("the decode budget is closed".into()))?;
    let (limits, level) = (intake.limits.clone(), intake.png_level);
    let checked = blocking(move || encode(&original, &limits, level)).await?;
    Ok(checked.map_err(refused))
}

fn encode(
    original: &[u8],
    limits: &Limits,
    png_level: u8,
) -> Result<Checked, likeness_face::IntakeError> {
    let started = Instant::now();
    let taken = likeness_face::intake(original, limits)?;
    let render_us = started.elapsed().as_micros() as i64;
    let started = Instant::now();
    let bytes = match taken.format {
        Format::Png => optimise_png(taken.bytes, png_level)
            .map_err(|detail| likeness_face::IntakeError::EncodeFailed { detail })?,
        _ => taken.bytes,
    };
    Ok(Checked {
        content_hash: hex_sha256(&bytes),
        bytes,
        format: taken.format,
        width: taken.width,
        height: taken.height,
        render_us,
        encode_us: started.elapsed().as_micros() as i64,
    })
}

/// Writes the image under its content-addressed key (not in a dry run).
async fn store(app: &App, intake: &Intake, m: &Matched, checked: Checked) -> Result<Stored> {
    let ext = match checked.format {
        Format::Jpeg => "jpg",
        _ => "png",
    };
    let key = asset_key(&m.subject_id, &m.slug, &m.style, &checked.content_hash, ext);
    let len = checked.bytes.len() as u64;
    if !intake.dry_run {
        app.store
            .put(&key, Bytes::from(checked.bytes))
            .await
            .map_err(|e| Error::Store(format!("cannot write {key}: {e}")))?;
    }
    Ok(Stored {
        width: checked.width,
        height: checked.height,
        bytes: len,
        content_hash: checked.content_hash,
        storage_key: key,
        content_type: checked.format.mime().to_string(),
        render_us: checked.render_us,
        encode_us: checked.encode_us,
    })
}
