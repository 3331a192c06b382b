//! Image bytes. One `object_store` trait object serves the local folder today and
//! S3-compatible storage later; only opaque string keys cross this boundary.
//!
//! Invariants: keys are immutable (they contain the content hash, so the same key always holds
//! the same bytes) and writes are atomic (a staging file renamed into place), so a reader never
//! sees a half-written image, even if the writer is killed.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use object_store::local::LocalFileSystem;
use object_store::path::Path as Key;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload};

use crate::error::{Error, Result};

#[derive(Clone, Debug)]
pub struct Store {
    inner: Arc<dyn ObjectStore>,
    /// Set for the local folder, so commands can print real file paths.
    local_root: Option<PathBuf>,
}

impl Store {
    /// A store in a local folder (created if missing).
    pub fn local(root: &Path) -> Result<Store> {
        std::fs::create_dir_all(root)
            .map_err(|e| Error::io(format!("cannot create asset folder {}", root.display()), e))?;
        let root = root
            .canonicalize()
            .map_err(|e| Error::io(format!("cannot resolve {}", root.display()), e))?;
        let fs = LocalFileSystem::new_with_prefix(&root)?;
        Ok(Store {
            inner: Arc::new(fs),
            local_root: Some(root),
        })
    }

    /// Writes `bytes` under `key`. Keys are content-addressed, so rewriting one is harmless.
    pub async fn put(&self, key: &str, bytes: Bytes) -> Result<()> {
        let key = parse_key(key)?;
        let options = PutOptions {
            mode: PutMode::Overwrite,
            ..Default::default()
        };
        self.inner
            .put_opts(&key, PutPayload::from_bytes(bytes), options)
            .await?;
        Ok(())
    }

    pub async fn get(&self, key: &str) -> Result<Bytes> {
        let key = parse_key(key)?;
        Ok(self.inner.get(&key).await?.bytes().await?)
    }

    pub async fn exists(&self, key: &str) -> Result<bool> {
        let key = parse_key(key)?;
        match self.inner.head(&key).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Where a key can be found by a person: a file path for the local folder.
    pub fn locate(&self, key: &str) -> String {
        match &self.local_root {
            Some(root) => root.join(key).display().to_string(),
            None => key.to_string(),
        }
    }
}

fn parse_key(key: &str) -> Result<Key> {
    Key::parse(key).map_err(|e| Error::Store(format!("invalid storage key {key:?}: {e}")))
}

/// The immutable key of an image: under the subject's folder, named after the stable alias
/// `{subject_id}_{slug}_{style}` plus a content-hash part, e.g.
/// `p-17/p-17_jane-doe_watercolor.3fa2c9d1e07b4c55.png`.
pub fn asset_key(
    subject_id: &str,
    slug: &str,
    style: &str,
    content_hash: &str,
    ext: &str,
) -> String {
    let short = &content_hash[..content_hash.len().min(16)];
    format!(
        "{subject_id}/{}.{short}.{ext}",
        stable_name(subject_id, slug, style)
    )
}

/// The stable name that always means "the current image" of a subject in a style.
pub fn stable_name(subject_id: &str, slug: &str, style: &str) -> String {
    format!("{subject_id}_{slug}_{style}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_readable_and_content_addressed() {
        let key = asset_key(
            "p-17",
            "jane-doe",
            "watercolor",
            "3fa2c9d1e07b4c55aa00",
            "png",
        );
        assert_eq!(key, "p-17/p-17_jane-doe_watercolor.3fa2c9d1e07b4c55.png");
    }

    #[tokio::test]
    async fn put_get_roundtrip_leaves_no_staging_files() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::local(dir.path()).unwrap();
        store
            .put("a/b.png", Bytes::from_static(b"png bytes"))
            .await
            .unwrap();
        store
            .put("a/b.png", Bytes::from_static(b"png bytes"))
            .await
            .unwrap();
        assert_eq!(store.get("a/b.png").await.unwrap().as_ref(), b"png bytes");
        assert!(store.exists("a/b.png").await.unwrap());
        assert!(!store.exists("a/c.png").await.unwrap());
        let names: Vec<_> = std::fs::read_dir(dir.path().join("a"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, vec!["b.png".to_string()]);
    }

    #[tokio::test]
    async fn keys_cannot_escape_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::local(&dir.path().join("assets")).unwrap();
        assert!(
            store
                .put("../escape.png", Bytes::from_static(b"x"))
                .await
                .is_err()
        );
        assert!(!dir.path().join("escape.png").exists());
    }
}
