//! Reference photos: checked by likeness-face's intake, then stored under a content-addressed
//! key in the private `_references/` folder. The key travels in the job's options, so the audit
//! trail says which photo an image was made from, and workers in any process can load it.
//!
//! Invariant: `_references/` keys are private (`store::is_private`): the store keeps them in
//! its private backend (`<data-dir>/private`, or a private prefix or bucket), never beside the
//! public images, and `/assets` refuses them (subject ids start with a letter or digit, so no
//! subject folder can be named like it).

use std::path::Path;

use bytes::Bytes;
use likeness_face::Format;
use likeness_subjects::Subject;

use crate::app::App;
use crate::error::{Error, Result};
use crate::hash::hex_sha256;
use crate::provider::Reference;

/// The folder of reference images in the store.
pub const PREFIX: &str = "_references/";

/// A reference photo, checked and stored.
#[derive(Debug, Clone)]
pub struct Stored {
    pub key: String,
    pub format: Format,
    pub width: u32,
    pub height: u32,
    /// The face found, in the stored image's pixels.
    pub face: likeness_face::Face,
    /// Colours sampled from the photo, as derived subject attributes.
    pub colors: Vec<(&'static str, String)>,
}

/// Checks a reference photo (intake: format, size, dimensions, orientation, metadata; then
/// exactly one clear face, cropped square around it) and stores the clean image. The same
/// photo always lands under the same key.
pub async fn store(app: &App, bytes: Vec<u8>) -> Result<Stored> {
    let checked = app.faces.check_reference(bytes).await?;
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
        face: checked.face,
        colors: checked.colors,
    })
}

/// Stores the colours sampled from a subject's reference photo on the subject, where the
/// built-in renderer reads them (`likeness_skin_tone`, `likeness_hair_color`); an import
/// never overwrites them, and the subject's own `skin_tone`/`hair_color` still win.
pub async fn remember_colors(app: &App, subject_id: &str, stored: &Stored) -> Result<()> {
    app.db.set_derived(subject_id, &stored.colors).await
}

/// The subject attribute naming a subject's reference photo: an http(s) URL (downloaded
/// through the SSRF-safe fetcher) or a file path inside `<data-dir>/references/`.
pub const ATTRIBUTE: &str = "reference_photo";

/// The subject's reference photo from its `reference_photo` attribute, checked and stored
/// (and its colours remembered); `None` when the subject has none.
pub async fn from_subject(app: &App, subject: &Subject) -> Result<Option<Stored>> {
    let Some(given) = subject
        .attributes
        .get(ATTRIBUTE)
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
    else {
        return Ok(None);
    };
    let bytes = if crate::fetch::is_http_url(given) {
        let fetcher = crate::fetch::Fetcher::new(app.config.fetch_policy()?)
            .map_err(|e| Error::Config(format!("cannot set up downloads: {e}")))?;
        fetcher.get(given).await?.bytes.to_vec()
    } else {
        read_local(
            &app.data_dir.join("references"),
            given,
            app.faces.limits().max_bytes,
        )?
    };
    let stored = store(app, bytes).await?;
    remember_colors(app, subject.id.as_ref(), &stored).await?;
    Ok(Some(stored))
}

/// Reads `relative` inside `folder` (see [`local_path`]).
fn read_local(folder: &Path, relative: &str, max_bytes: usize) -> Result<Vec<u8>> {
    crate::local_file::read_photo(&local_path(folder, relative)?, max_bytes)
}

/// The file `relative` names inside `folder`, refusing anything that would leave it: absolute
/// paths, `..`, and symbolic links pointing out.
pub fn local_path(folder: &Path, relative: &str) -> Result<std::path::PathBuf> {
    let path = Path::new(relative);
    let plain = path
        .components()
        .all(|c| matches!(c, std::path::Component::Normal(_)));
    let outside = || {
        Error::Usage(format!(
            "{ATTRIBUTE} {relative:?} must be an http(s) URL or a path inside {}",
            folder.display()
        ))
    };
    if !plain || relative.contains('\\') {
        return Err(outside());
    }
    let root = folder
        .canonicalize()
        .map_err(|e| Error::io(format!("cannot open {}", folder.display()), e))?;
    let file = root
        .join(path)
        .canonicalize()
        .map_err(|e| Error::io(format!("cannot open {}", folder.join(path).display()), e))?;
    if !file.starts_with(&root) {
        return Err(outside());
    }
    Ok(file)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_references_stay_inside_their_folder() {
        let root = tempfile::tempdir().unwrap();
        let folder = root.path().join("references");
        std::fs::create_dir_all(folder.join("team")).unwrap();
        std::fs::write(folder.join("team/a.png"), b"png").unwrap();
        std::fs::write(root.path().join("secret.txt"), b"secret").unwrap();
        assert_eq!(read_local(&folder, "team/a.png", 100).unwrap(), b"png");
        for bad in [
            "../secret.txt",
            "/etc/passwd",
            "team/../../secret.txt",
            "team\\a.png",
        ] {
            let err = read_local(&folder, bad, 100).unwrap_err();
            assert_eq!(err.code(), "usage.invalid", "{bad}: {err}");
        }
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(root.path().join("secret.txt"), folder.join("link.png"))
                .unwrap();
            let err = read_local(&folder, "link.png", 100).unwrap_err();
            assert!(err.to_string().contains("must be an http(s) URL"), "{err}");
        }
        let err = read_local(&folder, "team/a.png", 2).unwrap_err();
        assert_eq!(err.code(), "image.too_large");
    }
}
