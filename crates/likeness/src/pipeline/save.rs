//! Saving a generated image: encoded in the style's `format` (`encode.rs`): PNGs are
//! optimised losslessly (oxipng, metadata stripped); JPEGs from remote providers are kept as
//! they came back from the check in `provider::http` (already re-encoded without metadata)
//! while the style asks for PNG. Then the content-addressed key, then the store.

use std::time::Instant;

use bytes::Bytes;

use crate::db::assets::Stored;
use crate::encode::{self, OutputFormat};
use crate::hash::hex_sha256;
use crate::provider::Generated;
use crate::store::{Store, asset_key};

pub use crate::encode::optimise_png;

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
    format: OutputFormat,
    g: Generated,
) -> Result<Stored, SaveError> {
    // The common case (a PNG style given the renderer's PNG at preset 0, or a provider's
    // JPEG) encodes nothing: stored as it came, without the ~0.4 ms round trip through the
    // blocking pool, and with no encoding time to report.
    let as_drawn = g.drawn_here && png_level == 0;
    let (encoded, encode_us) = match passed_through(g.bytes, g.content_type, format, as_drawn) {
        Ok(encoded) => (encoded, 0),
        Err(bytes) => {
            let content_type = g.content_type;
            tokio::task::spawn_blocking(move || {
                // Timed here, not around the await: the wait for a blocking thread is not
                // encoding.
                let started = Instant::now();
                let encoded = in_format(bytes, content_type, format, png_level, as_drawn)?;
                Ok::<_, String>((encoded, started.elapsed().as_micros() as i64))
            })
            .await
            .map_err(|e| SaveError::Encode(e.to_string()))?
            .map_err(SaveError::Encode)?
        }
    };
    let hash = hex_sha256(&encoded.bytes);
    let key = asset_key(
        subject.id.as_ref(),
        &subject.slug(),
        style,
        &hash,
        encoded.ext,
    );
    // The PNG beside an AVIF goes first: once the AVIF is there, something may derive from it.
    if let Some(png) = encoded.png {
        let png_key = asset_key(subject.id.as_ref(), &subject.slug(), style, &hash, "png");
        store
            .put(&png_key, Bytes::from(png))
            .await
            .map_err(|e| SaveError::Store(format!("cannot write {png_key}: {e}")))?;
    }
    let len = encoded.bytes.len() as u64;
    store
        .put(&key, Bytes::from(encoded.bytes))
        .await
        .map_err(|e| SaveError::Store(format!("cannot write {key}: {e}")))?;
    Ok(Stored {
        width: g.width,
        height: g.height,
        bytes: len,
        content_hash: hash,
        storage_key: key,
        content_type: encoded.content_type.to_string(),
        render_us: g.render_us,
        encode_us,
    })
}

/// An image as it is stored.
struct Encoded {
    bytes: Vec<u8>,
    content_type: &'static str,
    ext: &'static str,
    /// For an AVIF: the same picture as PNG, stored beside it under the same stem, since the
    /// server links no AVIF decoder and resized or other-format variants are made from it.
    png: Option<Vec<u8>>,
}

/// `bytes` as they are stored when nothing needs encoding (`Err` gives them back otherwise):
/// a PNG style and a provider's JPEG, or the renderer's PNG at preset 0 (`as_drawn`), which
/// oxipng's preset 0 would recompress at several times the cost of drawing it (watercolor at
/// 512 px: ~30 ms against ~7) for a quarter fewer bytes.
fn passed_through(
    bytes: Vec<u8>,
    content_type: &str,
    format: OutputFormat,
    as_drawn: bool,
) -> Result<Encoded, Vec<u8>> {
    if format != OutputFormat::Png {
        return Err(bytes);
    }
    let (content_type, ext) = match content_type {
        "image/jpeg" => ("image/jpeg", "jpg"),
        "image/png" if as_drawn => ("image/png", "png"),
        _ => return Err(bytes),
    };
    Ok(Encoded {
        bytes,
        content_type,
        ext,
        png: None,
    })
}

/// `bytes` (a provider's PNG or JPEG) in the style's `format`.
fn in_format(
    bytes: Vec<u8>,
    content_type: &str,
    format: OutputFormat,
    png_level: u8,
    as_drawn: bool,
) -> Result<Encoded, String> {
    let as_png = |bytes: Vec<u8>| match as_drawn {
        true => Ok(bytes),
        false => optimise_png(bytes, png_level),
    };
    if format == OutputFormat::Png {
        return Ok(match content_type {
            "image/jpeg" => Encoded {
                bytes,
                content_type: "image/jpeg",
                ext: "jpg",
                png: None,
            },
            _ => Encoded {
                bytes: as_png(bytes)?,
                content_type: "image/png",
                ext: "png",
                png: None,
            },
        });
    }
    let decoded = encode::decode(&bytes)?;
    let rgba = encode::Rgba {
        pixels: decoded.as_raw(),
        width: decoded.width(),
        height: decoded.height(),
    };
    let png = match format {
        OutputFormat::Avif { .. } if content_type == "image/png" => Some(as_png(bytes)?),
        OutputFormat::Avif { .. } => Some(encode::encode(&rgba, OutputFormat::Png, png_level)?),
        _ => None,
    };
    Ok(Encoded {
        bytes: encode::encode(&rgba, format, png_level)?,
        content_type: format.content_type(),
        ext: format.ext(),
        png,
    })
}
