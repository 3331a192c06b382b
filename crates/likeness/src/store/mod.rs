//! Image bytes and private objects. Two backends behind one `Store` — a local folder or a
//! prefix in an S3 bucket, through `object_store` — and only opaque string keys cross this
//! boundary.
//!
//! Keys that start with `_` (reference photos under `_references/`) are private: the store
//! routes them to a separate backend (`<data-dir>/private`, or a `private` prefix beside the
//! public one, or `[storage] private_url`) that never shares a folder or prefix with the
//! public objects, so nothing serving the public side (`/assets/`, a CDN in front of a public
//! bucket) can reach them. The placeholder `_placeholder.png` is the one public `_` key.
//!
//! Invariants: keys are immutable (they contain the content hash, so the same key always holds
//! the same bytes) and writes are atomic, so a reader never sees a half-written image, even if
//! the writer is killed: S3 puts are atomic, and local writes are staged on the same file
//! system and renamed into place (`local.rs`). Nothing here prints a secret: locations are
//! shown as `file://…` or `s3://bucket/prefix`, never with credentials.

mod local;
pub mod migrate;
mod s3;
pub mod settings;
pub mod url;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use futures::stream::{BoxStream, StreamExt, TryStreamExt};
use object_store::path::Path as Key;
use object_store::{
    GetOptions, GetRange, ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload,
};

use crate::error::{Error, Result};
use local::Local;
pub use settings::{StorageConfig, StorageSettings};
pub use url::{Secret, StorageUrl};

/// The placeholder image: at the root and starting with `_`, yet public (served by `/assets`).
pub const PLACEHOLDER_KEY: &str = "_placeholder.png";

/// Whether `key` is private (reference photos and anything else under a `_` name): stored in
/// the private backend and never served. Subject ids start with a letter or digit, so no
/// subject's images can be named like this.
pub fn is_private(key: &str) -> bool {
    key.starts_with('_') && key != PLACEHOLDER_KEY
}

#[derive(Clone, Debug)]
pub struct Store {
    public: Backend,
    private: Backend,
    /// Where public objects are reachable from outside, without a trailing slash.
    public_base_url: Option<String>,
    data_dir: PathBuf,
}

/// One side of the store.
#[derive(Clone)]
struct Backend {
    inner: Arc<dyn ObjectStore>,
    /// Set for a local folder: real file paths for people, and where writes are staged.
    local: Option<Local>,
    url: StorageUrl,
}

/// By hand: object_store's S3 client prints its credentials in `Debug`.
impl std::fmt::Debug for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Backend({})", self.url)
    }
}

/// Whether the store may be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    ReadWrite,
    /// Nothing is created, swept or moved; writes fail (a read-only data directory, or the
    /// source of `migrate store`, which must not change).
    ReadOnly,
}

/// An object found by [`Store::list`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub key: String,
    pub size: u64,
    /// When the object was last written.
    pub modified: chrono::DateTime<chrono::Utc>,
}

/// What [`Store::read`] found.
pub enum Read {
    Found(Reading),
    Missing,
    /// The object is no longer the version `if_match` named (replaced since).
    Changed,
}

/// An object being read.
pub struct Reading {
    /// The whole object's size, whatever range is read.
    pub size: u64,
    /// The backend's own version tag (S3's ETag, a local file's inode, time and size): for
    /// reading the same version again, not for clients (it differs between backends).
    pub version: Option<String>,
    /// The bytes read, as they arrive.
    pub bytes: BoxStream<'static, Result<Bytes>>,
}

impl Store {
    /// Opens the store `settings` describe. Local folders are created (read-write), and on a
    /// local install private folders older versions kept among the public objects
    /// (`assets/_references`) move to the private folder.
    pub fn open(settings: &StorageSettings, data_dir: &Path, access: Access) -> Result<Store> {
        let public = Backend::open(&settings.public, settings, data_dir, access, false)?;
        let mut private = Backend::open(&settings.private, settings, data_dir, access, true)?;
        if let (Some(p), Some(q)) = (&public.local, &private.local) {
            match access {
                Access::ReadWrite => {
                    local::adopt_private_folders(&p.root, &q.root, is_private)?;
                }
                // Not moved yet (nothing may be written): read private keys where they are.
                Access::ReadOnly if !q.root.exists() && p.root.join("_references").is_dir() => {
                    private = Backend::open(&settings.public, settings, data_dir, access, true)?;
                }
                Access::ReadOnly => {}
            }
        }
        Ok(Store {
            public,
            private,
            public_base_url: settings.public_base_url.clone(),
            data_dir: data_dir.to_path_buf(),
        })
    }

    /// The default store of `data_dir` (`<data-dir>/assets` and `<data-dir>/private`), for
    /// tests and tools that have no config.
    pub fn open_default(data_dir: &Path) -> Result<Store> {
        let settings =
            StorageSettings::resolve(&StorageConfig::default(), None, data_dir, &|_| None)
                .map_err(Error::Config)?;
        Store::open(&settings, data_dir, Access::ReadWrite)
    }

    fn backend(&self, key: &str) -> &Backend {
        if is_private(key) {
            &self.private
        } else {
            &self.public
        }
    }

    /// Writes `bytes` under `key`. Keys are content-addressed, so rewriting one is harmless.
    pub async fn put(&self, key: &str, bytes: Bytes) -> Result<()> {
        let parsed = parse_key(key)?;
        let backend = self.backend(key);
        if let Some(local) = &backend.local {
            return local.put(parsed.as_ref(), bytes).await;
        }
        let options = PutOptions {
            mode: PutMode::Overwrite,
            ..Default::default()
        };
        backend
            .inner
            .put_opts(&parsed, PutPayload::from_bytes(bytes), options)
            .await
            .map_err(failure)?;
        Ok(())
    }

    pub async fn get(&self, key: &str) -> Result<Bytes> {
        let parsed = parse_key(key)?;
        let found = self
            .backend(key)
            .inner
            .get(&parsed)
            .await
            .map_err(failure)?;
        found.bytes().await.map_err(failure)
    }

    /// The bytes at `key`, or `None` when nothing is stored there.
    pub async fn get_opt(&self, key: &str) -> Result<Option<Bytes>> {
        let parsed = parse_key(key)?;
        match self.backend(key).inner.get(&parsed).await {
            Ok(found) => Ok(Some(found.bytes().await.map_err(failure)?)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(failure(e)),
        }
    }

    /// The object at `key` as a stream of its bytes (`range`: only those, end exclusive), read
    /// only if the backend's version tag is still `if_match` when one is given. For answers
    /// too large to hold in memory (`/assets`).
    pub async fn read(
        &self,
        key: &str,
        range: Option<std::ops::Range<u64>>,
        if_match: Option<String>,
    ) -> Result<Read> {
        let parsed = parse_key(key)?;
        let options = GetOptions {
            range: range.map(GetRange::Bounded),
            if_match,
            ..Default::default()
        };
        match self.backend(key).inner.get_opts(&parsed, options).await {
            Ok(found) => Ok(Read::Found(Reading {
                size: found.meta.size,
                version: found.meta.e_tag.clone(),
                bytes: found.into_stream().map_err(failure).boxed(),
            })),
            Err(object_store::Error::NotFound { .. }) => Ok(Read::Missing),
            Err(object_store::Error::Precondition { .. }) => Ok(Read::Changed),
            Err(e) => Err(failure(e)),
        }
    }

    /// The size of the object at `key`, or `None` when nothing is stored there.
    pub async fn size(&self, key: &str) -> Result<Option<u64>> {
        self.backend(key).size(&parse_key(key)?).await
    }

    pub async fn exists(&self, key: &str) -> Result<bool> {
        Ok(self.size(key).await?.is_some())
    }

    /// Both backends answer (a missing object is an answer): for `/readyz` and start-up, so a
    /// wrong endpoint or secret shows at once rather than at the first image.
    pub async fn check(&self) -> Result<()> {
        let probe = parse_key("_readyz")?;
        self.public.size(&probe).await?;
        self.private.size(&probe).await?;
        Ok(())
    }

    /// Deletes the object at `key` (nothing there is fine).
    pub async fn delete(&self, key: &str) -> Result<()> {
        let parsed = parse_key(key)?;
        match self.backend(key).inner.delete(&parsed).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(failure(e)),
        }
    }

    /// Every object, public and private, with its size (in no particular order).
    pub fn list(&self) -> BoxStream<'static, Result<Listed>> {
        let public = self.public.list(|key| !is_private(key));
        let private = self.private.list(is_private);
        public.chain(private).boxed()
    }

    /// The public objects under `folder/` (a subject's images and their variants).
    pub async fn list_folder(&self, folder: &str) -> Result<Vec<String>> {
        let prefix = parse_key(folder)?;
        let backend = &self.public;
        if backend
            .local
            .as_ref()
            .is_some_and(|l| !l.root.join(folder).is_dir())
        {
            return Ok(Vec::new());
        }
        backend
            .inner
            .list(Some(&prefix))
            .map_ok(|meta| meta.location.to_string())
            .try_collect()
            .await
            .map_err(failure)
    }

    /// The folder of the public objects when it is local (served directly by `/assets`).
    pub fn local_root(&self) -> Option<&Path> {
        self.public.local.as_ref().map(|l| l.root.as_path())
    }

    /// The data directory this store belongs to, for taking it out of messages shown to
    /// clients.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The file that holds `key`, when its backend is a local folder.
    pub fn path(&self, key: &str) -> Option<PathBuf> {
        self.backend(key)
            .local
            .as_ref()
            .map(|local| local.root.join(key))
    }

    /// Where a key can be found by a person: a file path for a local folder, else
    /// `s3://bucket/prefix/key` (never with credentials).
    pub fn locate(&self, key: &str) -> String {
        match self.path(key) {
            Some(path) => path.display().to_string(),
            None => self.backend(key).url.locate(key),
        }
    }

    /// `scheme://host[:port]` of `public_base_url`, for a page's image policy.
    pub fn public_origin(&self) -> Option<String> {
        let base = self.public_base_url.as_deref()?;
        let (scheme, rest) = base.split_once("://")?;
        let host = rest.split('/').next().filter(|h| !h.is_empty())?;
        Some(format!("{scheme}://{host}"))
    }

    /// `{public_base_url}/{key}` when `public_base_url` is set; never for a private key.
    pub fn public_url(&self, key: &str) -> Option<String> {
        let base = self.public_base_url.as_ref().filter(|_| !is_private(key))?;
        Some(format!("{base}/{key}"))
    }

    /// The URL a client fetches a public key from: [`Store::public_url`], else the server's
    /// own `/assets/{key}`. `None` for private keys, which have no URL.
    pub fn url(&self, key: &str) -> Option<String> {
        if is_private(key) {
            return None;
        }
        Some(
            self.public_url(key)
                .unwrap_or_else(|| format!("/assets/{key}")),
        )
    }

    /// The two locations, for a log line (no secrets).
    pub fn describe(&self) -> String {
        format!("public {}, private {}", self.public.url, self.private.url)
    }

    /// The public and the private location.
    pub fn locations(&self) -> [&StorageUrl; 2] {
        [&self.public.url, &self.private.url]
    }
}

impl Backend {
    fn open(
        url: &StorageUrl,
        settings: &StorageSettings,
        data_dir: &Path,
        access: Access,
        private: bool,
    ) -> Result<Backend> {
        let (inner, local) = match url {
            StorageUrl::File(root) => {
                let (inner, local) = match access {
                    Access::ReadWrite => Local::open(root, &staging_for(root, data_dir), private)?,
                    Access::ReadOnly => Local::open_read_only(root)?,
                };
                (inner, Some(local))
            }
            StorageUrl::S3 { bucket, prefix } => {
                let s3 = settings.s3.as_ref().ok_or_else(|| {
                    Error::Config(format!("{url} is in S3, but no S3 settings were resolved"))
                })?;
                (s3::open(bucket, prefix, s3)?, None)
            }
        };
        Ok(Backend {
            inner,
            local,
            url: url.clone(),
        })
    }

    async fn size(&self, key: &Key) -> Result<Option<u64>> {
        match self.inner.head(key).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(failure(e)),
        }
    }

    /// The objects of this backend whose keys pass `keep` (the other side's keys found here
    /// are not this side's objects: strays of an older layout).
    fn list(&self, keep: fn(&str) -> bool) -> BoxStream<'static, Result<Listed>> {
        // A local folder not created yet holds nothing (object_store would call it an error).
        if self.local.as_ref().is_some_and(|l| !l.root.exists()) {
            return futures::stream::empty().boxed();
        }
        self.inner
            .list(None)
            .map_err(failure)
            .try_filter_map(move |meta| {
                let key = meta.location.to_string();
                let found = keep(&key).then_some(Listed {
                    key,
                    size: meta.size,
                    modified: meta.last_modified,
                });
                futures::future::ready(Ok(found))
            })
            .boxed()
    }
}

/// Where writes to the local folder `root` are staged: `<data-dir>/tmp` when the folder is in
/// the data directory, else a hidden folder beside it, so the rename never crosses file
/// systems and staging files are never inside a folder that is served.
fn staging_for(root: &Path, data_dir: &Path) -> PathBuf {
    let data = std::path::absolute(data_dir).unwrap_or_else(|_| data_dir.to_path_buf());
    if root.starts_with(&data) {
        return data_dir.join("tmp");
    }
    let name = root
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "store".into());
    root.with_file_name(format!(".{name}.staging"))
}

/// A backend's error as ours, with what to check when the store refused who we are (the
/// message never holds a secret: object_store's errors name the request, not the signature).
fn failure(e: object_store::Error) -> Error {
    match e {
        object_store::Error::PermissionDenied { .. }
        | object_store::Error::Unauthenticated { .. } => Error::Store(format!(
            "{e} — check the S3 credentials (storage.access_key_id and \
                 storage.secret_access_key, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) and \
                 that they may read and write the bucket"
        )),
        e => Error::Store(e.to_string()),
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
mod tests;
