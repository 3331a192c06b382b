//! Reading a file a user named (`--config`, `--reference`, `faces check`, a subject's
//! `reference_photo` path): regular files only, with the size cap enforced while reading.
//!
//! A size check on the path is not enough: a FIFO or `/dev/zero` reports size 0, then opening
//! the FIFO blocks until a writer appears and reading `/dev/zero` never ends. So the file is
//! opened with `O_NONBLOCK` (which keeps `open` on a FIFO from waiting and means nothing for a
//! regular file), its type is checked on the open handle (no race with a rename), and at most
//! `max_bytes + 1` bytes are read.

use std::fs::File;
use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum LocalFileError {
    #[error("{path} is not a regular file ({kind}); give the path of a file")]
    NotRegular { path: String, kind: &'static str },
    #[error("{path} is larger than {max} bytes")]
    TooLarge { path: String, size: u64, max: u64 },
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// The bytes of the regular file at `path`, at most `max_bytes` of them.
pub fn read_regular(path: &Path, max_bytes: u64) -> Result<Vec<u8>, LocalFileError> {
    let shown = || path.display().to_string();
    let io = |source| LocalFileError::Io {
        path: shown(),
        source,
    };
    let file = File::options()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    let kind = meta.file_type();
    if !kind.is_file() {
        let kind = kind_name(&kind);
        return Err(LocalFileError::NotRegular {
            path: shown(),
            kind,
        });
    }
    if meta.len() > max_bytes {
        return Err(LocalFileError::TooLarge {
            path: shown(),
            size: meta.len(),
            max: max_bytes,
        });
    }
    // The size on disk can change while we read (a file being written): the cap holds anyway.
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(max_bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > max_bytes {
        return Err(LocalFileError::TooLarge {
            path: shown(),
            size: bytes.len() as u64,
            max: max_bytes,
        });
    }
    Ok(bytes)
}

/// A photo from disk: [`read_regular`], with an oversized file refused as an upload would be
/// (`image.too_large`).
pub fn read_photo(path: &Path, max_bytes: usize) -> crate::Result<Vec<u8>> {
    read_regular(path, max_bytes as u64).map_err(|e| match e {
        LocalFileError::TooLarge { size, max, .. } => {
            likeness_face::IntakeError::TooLarge { size, max }.into()
        }
        e => e.into(),
    })
}

/// What a file that is not a regular one is, for messages ("a FIFO", "a directory").
pub fn kind_name(kind: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_dir() {
        "a directory"
    } else if kind.is_fifo() {
        "a FIFO"
    } else if kind.is_char_device() {
        "a character device"
    } else if kind.is_block_device() {
        "a block device"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "not a file"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// Runs `f` on a thread and fails the test if it does not return within a few seconds
    /// (a FIFO or `/dev/zero` read would otherwise hang the test run, not fail it).
    fn promptly<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(f());
        });
        rx.recv_timeout(Duration::from_secs(10))
            .expect("the read did not return: it blocked")
    }

    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("photo.jpg");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path and a mode.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let e = promptly(move || read_regular(&fifo, 1024).unwrap_err());
        assert!(
            matches!(e, LocalFileError::NotRegular { kind: "a FIFO", .. }),
            "{e}"
        );
        assert!(e.to_string().contains("not a regular file (a FIFO)"), "{e}");
    }

    #[test]
    fn devices_and_directories_are_refused() {
        let e = promptly(|| read_regular(Path::new("/dev/zero"), 1024).unwrap_err());
        assert!(e.to_string().contains("a character device"), "{e}");
        let dir = tempfile::tempdir().unwrap();
        let e = read_regular(dir.path(), 1024).unwrap_err();
        assert!(e.to_string().contains("a directory"), "{e}");
    }

    #[test]
    fn the_cap_holds_and_small_files_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.toml");
        std::fs::write(&path, b"0123456789").unwrap();
        assert_eq!(read_regular(&path, 10).unwrap(), b"0123456789");
        let e = read_regular(&path, 9).unwrap_err();
        assert!(
            matches!(
                e,
                LocalFileError::TooLarge {
                    size: 10,
                    max: 9,
                    ..
                }
            ),
            "{e}"
        );
        let e = read_regular(&dir.path().join("missing"), 9).unwrap_err();
        assert!(e.to_string().starts_with("cannot read"), "{e}");
    }
}
