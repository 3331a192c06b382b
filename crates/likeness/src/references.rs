//! Reference photos: checked by likeness-face's intake, then stored under a content-addressed
//! key in the private `_references/` folder. The key travels in the job's options, so the audit
//! trail says which photo an image was made from, and workers in any process can load it.
//!
//! Invariant: `_references/` is never served by `/assets` (subject ids start with a letter or
//! digit, so no subject folder can be named like it).

use bytes::Bytes;
use likeness_face::{Format, Limits};

use crate::app::App;
use crate::db::subjects::hex_sha256;
use crate::error::{Error, Result};
use crate::provider::Reference;

/// The folder of reference images in the store.
pub const PREFIX: &str = "_references/";

/// A reference image, checked and stored.
#[derive(Debug, Clone)]
pub struct Stored {
    pub key: String,
    pub format: Format,
    pub width: u32,
    pub height: u32,
}

/// Checks `bytes` (format, size, dimensions; orientation applied, metadata stripped) and
/// stores the clean image. The same photo always lands under the same key.
pub async fn store(app: &App, bytes: Vec<u8>, limits: Limits) -> Result<Stored> {
    let checked = tokio::task::spawn_blocking(move || likeness_face::intake(&bytes, &limits))
        .await
        .map_err(|e| Error::Store(format!("reference check stopped: {e}")))??;
    let key = format!(
        "{PREFIX}{}.{}",
        &hex_sha256(&checked.bytes)[..32],
        checked.format.extension()
    );
    if !app.store.exists(&key).await? {
        app.store.put(&key, Bytes::from(checked.bytes)).await?;
    }
    Ok(Stored {
        key,
        format: checked.format,
        width: checked.width,
        height: checked.height,
    })
}

/// The stored reference at `key`, as a provider receives it.
pub async fn load(app: &App, key: &str) -> Result<Reference> {
    if !key.starts_with(PREFIX) {
        return Err(Error::ReferenceMissing(key.to_string()));
    }
    let bytes = app
        .store
        .get_opt(key)
        .await?
        .ok_or_else(|| Error::ReferenceMissing(key.to_string()))?;
    let content_type = likeness_face::sniff(&bytes)
        .map(|f| f.mime())
        .ok_or_else(|| Error::Corrupt(format!("reference {key} is not an image")))?;
    Ok(Reference {
        bytes,
        content_type,
    })
}
