//! Image bytes. One `object_store` trait object serves the local folder today and
//! S3-compatible storage later; only opaque string keys cross this boundary.
//!
//! Invariants: keys are immutable (they contain the content hash, so the same key always holds
//! the same bytes) and writes are atomic, so a reader never sees a half-written image, even if
//! the writer is killed. For the local folder, writes are staged in a sibling `tmp/` folder on
//! the same filesystem and renamed into place, so the asset folder only ever holds complete
//! files (object_store's own local staging would leave `name#N` files beside them after a
//! crash); stale staging files are swept when the store is opened.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use object_store::local::LocalFileSystem;
use object_store::path::Path as Key;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload};

use crate::error::{Error, Result};

#[derive(Clone, Debug)]
pub struct Store {
    inner: Arc<dyn ObjectStore>,
    /// Set for the local folder: real file paths for people, and where writes are staged.
    local: Option<Local>,
}

#[derive(Clone, Debug)]
struct Local {
    root: PathBuf,
    staging: PathBuf,
}

/// Staging files older than this belong to writers that died; newer ones may be in flight.
const STALE_STAGING: Duration = Duration::from_secs(3600);

impl Store {
    /// A store in a local folder (created if missing); writes are staged in `staging`, which
    /// must be on the same filesystem.
    pub fn local(root: &Path, staging: &Path) -> Result<Store> {
        for dir in [root, staging] {
            std::fs::create_dir_all(dir)
                .map_err(|e| Error::io(format!("cannot create folder {}", dir.display()), e))?;
        }
        let root = root
            .canonicalize()
            .map_err(|e| Error::io(format!("cannot resolve {}", root.display()), e))?;
        let fs = LocalFileSystem::new_with_prefix(&root)?;
        sweep_stale(staging);
        Ok(Store {
            inner: Arc::new(fs),
            local: Some(Local {
                root,
                staging: staging.to_path_buf(),
            }),
        })
    }

    /// A local folder opened only to read (a read-only data directory): nothing is created or
    /// swept. Writes fail with the file system's error.
    pub fn local_read_only(root: &Path) -> Result<Store> {
        let root = match root.canonicalize() {
            Ok(root) => root,
            // No image written yet: reads find nothing, which is the truth.
            Err(_) => root.to_path_buf(),
        };
        let fs = LocalFileSystem::new_with_prefix(&root)?;
        Ok(Store {
            inner: Arc::new(fs),
            local: Some(Local {
                staging: root.join("..").join("tmp"),
                root,
            }),
        })
    }

    /// Writes `bytes` under `key`. Keys are content-addressed, so rewriting one is harmless.
    pub async fn put(&self, key: &str, bytes: Bytes) -> Result<()> {
        let parsed = parse_key(key)?;
        if let Some(local) = &self.local {
            let dest = self.inner_path(&parsed)?;
            let staging = local
                .staging
                .join(format!("{}.part", uuid::Uuid::now_v7().simple()));
            return tokio::task::spawn_blocking(move || write_atomically(&staging, &dest, &bytes))
                .await
                .map_err(|e| Error::Store(format!("write task failed: {e}")))?;
        }
        let options = PutOptions {
            mode: PutMode::Overwrite,
            ..Default::default()
        };
        self.inner
            .put_opts(&parsed, PutPayload::from_bytes(bytes), options)
            .await?;
        Ok(())
    }

    fn inner_path(&self, key: &Key) -> Result<PathBuf> {
        let local = self
            .local
            .as_ref()
            .ok_or_else(|| Error::Store("not a local store".into()))?;
        // object_store::path::Path has already refused `..`, empty and absolute segments.
        Ok(local.root.join(key.as_ref()))
    }

    pub async fn get(&self, key: &str) -> Result<Bytes> {
        let key = parse_key(key)?;
        Ok(self.inner.get(&key).await?.bytes().await?)
    }

    /// The bytes at `key`, or `None` when nothing is stored there.
    pub async fn get_opt(&self, key: &str) -> Result<Option<Bytes>> {
        let key = parse_key(key)?;
        match self.inner.get(&key).await {
            Ok(found) => Ok(Some(found.bytes().await?)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn exists(&self, key: &str) -> Result<bool> {
        let key = parse_key(key)?;
        match self.inner.head(&key).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// The folder of a local store (served directly by `/assets`).
    pub fn local_root(&self) -> Option<&Path> {
        self.local.as_ref().map(|l| l.root.as_path())
    }

    /// Where a key can be found by a person: a file path for the local folder.
    pub fn locate(&self, key: &str) -> String {
        match &self.local {
            Some(local) => local.root.join(key).display().to_string(),
            None => key.to_string(),
        }
    }
}

/// Writes `bytes` to `staging`, then renames it to `dest`: `dest` is either absent or complete.
fn write_atomically(staging: &Path, dest: &Path, bytes: &[u8]) -> Result<()> {
    let fail = |what: &str, path: &Path, e: std::io::Error| {
        Error::Store(format!("cannot {what} {}: {e}", path.display()))
    };
    if let Some(dir) = dest.parent() {
        std::fs::create_dir_all(dir).map_err(|e| fail("create folder", dir, e))?;
    }
    std::fs::write(staging, bytes).map_err(|e| fail("write", staging, e))?;
    std::fs::rename(staging, dest).map_err(|e| {
        let _ = std::fs::remove_file(staging);
        fail("move into place", dest, e)
    })
}

/// Removes staging files left by writers that died long ago. Best effort: a failure here only
/// leaves litter in the staging folder, never in the asset folder.
fn sweep_stale(staging: &Path) {
    let Ok(entries) = std::fs::read_dir(staging) else {
        return;
    };
    for entry in entries.flatten() {
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > STALE_STAGING);
        if old && entry.file_name().to_string_lossy().ends_with(".part") {
            let _ = std::fs::remove_file(entry.path());
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
        let store = Store::local(&dir.path().join("assets"), &dir.path().join("tmp")).unwrap();
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
        let names: Vec<_> = std::fs::read_dir(dir.path().join("assets/a"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, vec!["b.png".to_string()]);
        assert_eq!(
            std::fs::read_dir(dir.path().join("tmp")).unwrap().count(),
            0
        );
    }

    #[tokio::test]
    async fn keys_cannot_escape_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::local(&dir.path().join("assets"), &dir.path().join("tmp")).unwrap();
        assert!(
            store
                .put("../escape.png", Bytes::from_static(b"x"))
                .await
                .is_err()
        );
        assert!(!dir.path().join("escape.png").exists());
    }
}
