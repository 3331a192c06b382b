//! The local folder backend: writes staged in a sibling folder on the same file system and
//! renamed into place (object_store's own local staging would leave `name#N` files beside the
//! images after a crash), stale staging files swept at open, and the move of private folders
//! out of the public one for installs that kept reference photos in `assets/_references`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use object_store::ObjectStore;
use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;

use crate::error::{Error, Result};

/// A local backend: the folder objects live in and where writes are staged.
#[derive(Clone, Debug)]
pub(super) struct Local {
    pub root: PathBuf,
    pub staging: PathBuf,
}

/// Staging files older than this belong to writers that died; newer ones may be in flight.
const STALE_STAGING: Duration = Duration::from_secs(3600);

impl Local {
    /// Opens (creating) `root`, with writes staged in `staging` (same file system). A private
    /// folder is created readable by its owner only.
    pub fn open(
        root: &Path,
        staging: &Path,
        private: bool,
    ) -> Result<(Arc<dyn ObjectStore>, Local)> {
        create_dir(root, private)?;
        create_dir(staging, false)?;
        let root = root
            .canonicalize()
            .map_err(|e| Error::io(format!("cannot resolve {}", root.display()), e))?;
        let fs = LocalFileSystem::new_with_prefix(&root)?;
        sweep_stale(staging);
        let local = Local {
            root,
            staging: staging.to_path_buf(),
        };
        Ok((Arc::new(fs), local))
    }

    /// Opens `root` only to read (a read-only data directory): nothing is created or swept,
    /// and a missing folder reads as empty. Writes fail with the file system's error.
    pub fn open_read_only(root: &Path) -> Result<(Arc<dyn ObjectStore>, Local)> {
        let (root, inner): (PathBuf, Arc<dyn ObjectStore>) = match root.canonicalize() {
            Ok(root) => {
                let fs = LocalFileSystem::new_with_prefix(&root)?;
                (root, Arc::new(fs))
            }
            // Nothing written there yet (object_store wants an existing folder): reads find
            // nothing, which is the truth; writes still go through `put`, and fail.
            Err(_) => (root.to_path_buf(), Arc::new(InMemory::new())),
        };
        let local = Local {
            staging: root.join("..").join("tmp"),
            root,
        };
        Ok((inner, local))
    }

    /// Writes `bytes` at `relative` (a key object_store has parsed: no `..`, nothing absolute)
    /// so that the file is either absent or complete.
    pub async fn put(&self, relative: &str, bytes: bytes::Bytes) -> Result<()> {
        let dest = self.root.join(relative);
        let staging = self
            .staging
            .join(format!("{}.part", uuid::Uuid::now_v7().simple()));
        tokio::task::spawn_blocking(move || write_atomically(&staging, &dest, &bytes))
            .await
            .map_err(|e| Error::Store(format!("write task failed: {e}")))?
    }
}

fn create_dir(dir: &Path, private: bool) -> Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(dir)
        .map_err(|e| Error::io(format!("cannot create folder {}", dir.display()), e))
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

/// Moves the private folders (`is_private` names, e.g. `_references`) that older versions kept
/// inside the public folder into the private one, so their keys keep working and nothing
/// private is left where public objects are. A folder is renamed whole when the private side
/// has none yet; otherwise file by file, where a file already there wins (keys are
/// content-addressed: same key, same bytes). Returns how many folders were moved.
pub(super) fn adopt_private_folders(
    public_root: &Path,
    private_root: &Path,
    is_private: impl Fn(&str) -> bool,
) -> Result<usize> {
    let Ok(entries) = std::fs::read_dir(public_root) else {
        return Ok(0);
    };
    let mut moved = 0;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !is_private(&name) || !entry.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let dest = private_root.join(&name);
        merge_move(&entry.path(), &dest)?;
        tracing::info!(
            from = %entry.path().display(),
            to = %dest.display(),
            "moved a private folder out of the public asset folder"
        );
        moved += 1;
    }
    Ok(moved)
}

/// Moves the folder `from` to `to`, merging into an existing `to`; `from` is gone afterwards.
/// Another process opening the same data directory may be moving the same files: whatever
/// it has already moved is simply gone from `from`, which is fine.
fn merge_move(from: &Path, to: &Path) -> Result<()> {
    let fail = |what: &str, path: &Path, e: std::io::Error| {
        Error::Store(format!("cannot {what} {}: {e}", path.display()))
    };
    if !to.exists() {
        match std::fs::rename(from, to) {
            Ok(()) => return Ok(()),
            Err(e) if gone(&e) => return Ok(()),
            // Another file system, or another process created `to` meanwhile: merge below.
            Err(e) if e.raw_os_error() == Some(libc::EXDEV) || to.exists() => {}
            Err(e) => return Err(fail("move", from, e)),
        }
        std::fs::create_dir_all(to).map_err(|e| fail("create folder", to, e))?;
    }
    let entries = match std::fs::read_dir(from) {
        Ok(entries) => entries,
        Err(e) if gone(&e) => return Ok(()),
        Err(e) => return Err(fail("read", from, e)),
    };
    for entry in entries {
        let entry = entry.map_err(|e| fail("read", from, e))?;
        let (src, dest) = (entry.path(), to.join(entry.file_name()));
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            merge_move(&src, &dest)?;
            continue;
        }
        // A file already on the private side is complete (it got there by a rename) and holds
        // the same bytes (same key); otherwise the file is renamed over, or copied under a
        // hidden name and renamed, so `dest` is never a partial copy.
        let moved = if dest.exists() {
            std::fs::remove_file(&src)
        } else {
            match std::fs::rename(&src, &dest) {
                Err(e) if e.raw_os_error() == Some(libc::EXDEV) => {
                    copy_then_rename(&src, &dest).and_then(|()| std::fs::remove_file(&src))
                }
                other => other,
            }
        };
        if let Err(e) = moved
            && !gone(&e)
        {
            return Err(fail("move", &src, e));
        }
    }
    // Not empty: something wrote there meanwhile (an older version still running). Its files
    // move at the next open; `/assets` refuses `_` names in any case.
    if let Err(e) = std::fs::remove_dir(from)
        && !gone(&e)
    {
        tracing::warn!(folder = %from.display(), error = %e, "cannot remove the moved folder");
    }
    Ok(())
}

fn gone(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::NotFound
}

fn copy_then_rename(src: &Path, dest: &Path) -> std::io::Result<()> {
    let name = dest.file_name().map(|n| n.to_string_lossy().into_owned());
    let part = dest.with_file_name(format!(".{}.part", name.unwrap_or_default()));
    std::fs::copy(src, &part)?;
    std::fs::rename(&part, dest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_folders_move_out_and_merge() {
        let dir = tempfile::tempdir().unwrap();
        let (public, private) = (dir.path().join("assets"), dir.path().join("private"));
        std::fs::create_dir_all(public.join("_references")).unwrap();
        std::fs::create_dir_all(public.join("p1")).unwrap();
        std::fs::write(public.join("_references/a.jpg"), b"a").unwrap();
        std::fs::write(public.join("_references/b.jpg"), b"b").unwrap();
        std::fs::write(public.join("_placeholder.png"), b"png").unwrap();
        std::fs::write(public.join("p1/x.png"), b"x").unwrap();
        // A half-finished earlier move: one file is already on the private side.
        std::fs::create_dir_all(private.join("_references")).unwrap();
        std::fs::write(private.join("_references/a.jpg"), b"a").unwrap();

        let private_name = |n: &str| n.starts_with('_') && n != "_placeholder.png";
        assert_eq!(
            adopt_private_folders(&public, &private, private_name).unwrap(),
            1
        );
        assert!(!public.join("_references").exists());
        assert_eq!(
            std::fs::read(private.join("_references/a.jpg")).unwrap(),
            b"a"
        );
        assert_eq!(
            std::fs::read(private.join("_references/b.jpg")).unwrap(),
            b"b"
        );
        assert!(public.join("_placeholder.png").exists() && public.join("p1/x.png").exists());
        // Nothing left to do the second time.
        assert_eq!(
            adopt_private_folders(&public, &private, private_name).unwrap(),
            0
        );
    }
}
