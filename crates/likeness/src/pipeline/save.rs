//! Saving a generated image: PNGs are optimised losslessly (oxipng, metadata stripped); JPEGs
//! from remote providers are kept as they came back from the check in `provider::http`
//! (already re-encoded without metadata). Then the content-addressed key, then the store.

use std::time::Instant;

use bytes::Bytes;

use crate::db::assets::Stored;
use crate::hash::hex_sha256;
use crate::provider::Generated;
use crate::store::{Store, asset_key};

/// Why an image could not be saved.
#[derive(Debug)]
pub enum SaveError {
    Encode(String),
    /// The store refused the write: the batch stops (nothing else will work).
    Store(String),
}

pub async fn save(
    store: &Store,
    png_level: u8,
    subject: &likeness_subjects::Subject,
    style: &str,
    g: Generated,
) -> Result<Stored, SaveError> {
    let encode_started = Instant::now();
    let (content_type, ext) = match g.content_type {
        "image/jpeg" => ("image/jpeg", "jpg"),
        _ => ("image/png", "png"),
    };
    let bytes = if ext == "png" && !(png_level == 0 && is_indexed(&g.bytes)) {
        tokio::task::spawn_blocking(move || optimise_png(g.bytes, png_level))
            .await
            .map_err(|e| SaveError::Encode(e.to_string()))?
            .map_err(SaveError::Encode)?
    } else {
        g.bytes
    };
    let encode_us = encode_started.elapsed().as_micros() as i64;
    let hash = hex_sha256(&bytes);
    let key = asset_key(subject.id.as_ref(), &subject.slug(), style, &hash, ext);
    let len = bytes.len() as u64;
    store
        .put(&key, Bytes::from(bytes))
        .await
        .map_err(|e| SaveError::Store(format!("cannot write {key}: {e}")))?;
    Ok(Stored {
        width: g.width,
        height: g.height,
        bytes: len,
        content_hash: hash,
        storage_key: key,
        content_type: content_type.to_string(),
        render_us: g.render_us,
        encode_us,
    })
}

/// Whether a PNG is already indexed (the built-in renderer writes flat pictures so): oxipng's
/// preset 0 would only recompress it, at twice the cost of drawing it, for a few percent.
fn is_indexed(png: &[u8]) -> bool {
    png.len() > 25 && &png[12..16] == b"IHDR" && png[25] == 3
}

/// Lossless PNG optimisation (oxipng), metadata stripped.
pub fn optimise_png(png: Vec<u8>, level: u8) -> std::result::Result<Vec<u8>, String> {
    let mut options = oxipng::Options::from_preset(level);
    options.strip = oxipng::StripChunks::Safe;
    oxipng::optimize_from_memory(&png, &options)
        .map_err(|e| format!("PNG optimisation failed: {e}"))
}
