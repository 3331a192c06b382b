//! The folder: which entries are image files to adopt, and reading one without ever opening
//! anything but a regular file inside the folder.
//!
//! Only the folder's own entries are looked at (no recursion: a subfolder is listed as
//! ignored). Hidden entries and names without an image extension (`.png`, `.jpg`, `.jpeg`,
//! `.webp`, any case) are ignored. An image name that is not a regular file (a FIFO, a socket,
//! a device) is refused from the directory entry's own type, never opened. A symbolic link is
//! followed only when its target, resolved, is a regular file inside the folder. A file is
//! opened `O_NOFOLLOW | O_NONBLOCK` and its type checked again on the handle, so an entry
//! swapped for a link or a FIFO after the listing is refused too, and read up to the size cap.

use std::fs::File;
use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use super::{CODE_OUTSIDE_DIR, Ignored, Problem};
use crate::codes;
use crate::error::{Error, Result};

pub(super) const EXTENSIONS: [&str; 4] = ["png", "jpg", "jpeg", "webp"];

/// An image file of the folder, to be matched.
#[derive(Debug, Clone)]
pub(super) struct Candidate {
    /// The entry's name as listed (lossy for a name that is not UTF-8).
    pub name: String,
    /// The name without its extension, when the name is UTF-8.
    pub stem: Option<String>,
    /// What to open: the entry, or a link's target inside the folder.
    pub path: PathBuf,
}

#[derive(Debug, Default)]
pub(super) struct Listing {
    /// The folder, resolved.
    pub root: PathBuf,
    pub files: Vec<Candidate>,
    pub ignored: Vec<Ignored>,
    pub rejected: Vec<Problem>,
}

/// Lists `dir`'s image files, sorted by name. A `dir` that is not a readable folder is a
/// usage error.
pub(super) fn list(dir: &Path) -> Result<Listing> {
    let shown = dir.display();
    let meta = std::fs::metadata(dir).map_err(|e| {
        Error::Usage(format!(
            "cannot open {shown}: {e}; give the folder that holds the images"
        ))
    })?;
    if !meta.is_dir() {
        return Err(Error::Usage(format!(
            "{shown} is not a folder; give the folder that holds the images (adopt takes \
             every image directly inside it)"
        )));
    }
    let root =
        std::fs::canonicalize(dir).map_err(|e| Error::io(format!("cannot resolve {shown}"), e))?;
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(format!("cannot list {shown}"), e))? {
        entries.push(entry.map_err(|e| Error::io(format!("cannot list {shown}"), e))?);
    }
    entries.sort_by_key(|e| e.file_name());
    let mut listing = Listing::default();
    for entry in entries {
        classify(&root, &entry, &mut listing);
    }
    listing.root = root;
    Ok(listing)
}

fn classify(root: &Path, entry: &std::fs::DirEntry, listing: &mut Listing) {
    let os_name = entry.file_name();
    let name = os_name.to_string_lossy().into_owned();
    let ignore = |listing: &mut Listing, reason: &str| {
        listing.ignored.push(Ignored {
            file: name.clone(),
            reason: reason.to_string(),
        });
    };
    if name.starts_with('.') {
        return ignore(listing, "a hidden file");
    }
    let kind = match entry.file_type() {
        Ok(kind) => kind,
        Err(e) => {
            return listing
                .rejected
                .push(problem(&name, codes::IO_ERROR, e.to_string()));
        }
    };
    if kind.is_dir() {
        return ignore(
            listing,
            "a folder: adopt does not look inside folders (adopt it as a DIR of its own)",
        );
    }
    let path = Path::new(&os_name);
    let is_image = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.iter().any(|x| e.eq_ignore_ascii_case(x)));
    if !is_image {
        return ignore(listing, "not an image name (.png, .jpg, .jpeg or .webp)");
    }
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .map(str::to_string);
    let target = if kind.is_symlink() {
        match link_target(root, &entry.path()) {
            Ok(target) => target,
            Err(p) => return listing.rejected.push(Problem { file: name, ..p }),
        }
    } else if kind.is_file() {
        entry.path()
    } else {
        let reason = format!(
            "not a regular file ({}); it was not opened",
            crate::local_file::kind_name(&kind)
        );
        return listing
            .rejected
            .push(problem(&name, codes::FILE_NOT_REGULAR, reason));
    };
    listing.files.push(Candidate {
        name,
        stem,
        path: target,
    });
}

/// A link's target, when it is a regular file inside the folder.
fn link_target(root: &Path, link: &Path) -> Result<PathBuf, Problem> {
    let target = std::fs::canonicalize(link).map_err(|e| {
        problem(
            "",
            codes::IO_ERROR,
            format!("a symbolic link that leads nowhere ({e})"),
        )
    })?;
    if !target.starts_with(root) {
        return Err(problem(
            "",
            CODE_OUTSIDE_DIR,
            format!(
                "a symbolic link to {}, outside the folder: not followed (copy the file in)",
                target.display()
            ),
        ));
    }
    let kind = std::fs::symlink_metadata(&target)
        .map_err(|e| problem("", codes::IO_ERROR, e.to_string()))?
        .file_type();
    if !kind.is_file() {
        let reason = format!(
            "a symbolic link to {}, not a regular file; it was not opened",
            crate::local_file::kind_name(&kind)
        );
        return Err(problem("", codes::FILE_NOT_REGULAR, reason));
    }
    Ok(target)
}

fn problem(file: &str, code: &'static str, reason: String) -> Problem {
    Problem {
        file: file.to_string(),
        code,
        reason,
        candidates: Vec::new(),
    }
}

/// The bytes of a listed file, at most `max_bytes`; why not, as the report says it.
pub(super) fn read(file: &Candidate, max_bytes: usize) -> Result<Vec<u8>, Problem> {
    let fail = |code, reason: String| problem(&file.name, code, reason);
    let handle = File::options()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW)
        .open(&file.path)
        .map_err(|e| match e.raw_os_error() {
            Some(libc::ELOOP) => fail(
                codes::FILE_NOT_REGULAR,
                "it became a symbolic link after the folder was listed; not followed".into(),
            ),
            _ => fail(codes::IO_ERROR, format!("cannot open it: {e}")),
        })?;
    let meta = handle
        .metadata()
        .map_err(|e| fail(codes::IO_ERROR, format!("cannot read it: {e}")))?;
    if !meta.file_type().is_file() {
        let kind = crate::local_file::kind_name(&meta.file_type());
        return Err(fail(
            codes::FILE_NOT_REGULAR,
            format!("not a regular file ({kind})"),
        ));
    }
    let too_large = |size: u64| {
        let e = likeness_face::IntakeError::TooLarge {
            size,
            max: max_bytes as u64,
        };
        fail(e.code(), e.to_string())
    };
    if meta.len() > max_bytes as u64 {
        return Err(too_large(meta.len()));
    }
    // The file may grow while it is read: the cap holds anyway.
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    handle
        .take(max_bytes as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| fail(codes::IO_ERROR, format!("cannot read it: {e}")))?;
    if bytes.len() > max_bytes {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_image_files_directly_inside_are_candidates() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let d = dir.path();
        for name in ["b.PNG", "a.jpeg", ".hidden.png", "notes.txt", "c.webp"] {
            std::fs::write(d.join(name), b"x").unwrap();
        }
        std::fs::create_dir(d.join("sub.png")).unwrap();
        std::fs::write(outside.path().join("far.png"), b"x").unwrap();
        std::os::unix::fs::symlink(outside.path().join("far.png"), d.join("far.png")).unwrap();
        std::os::unix::fs::symlink(d.join("a.jpeg"), d.join("near.jpg")).unwrap();
        let fifo = std::ffi::CString::new(d.join("pipe.jpg").to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path and a mode.
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);

        let l = list(d).unwrap();
        let names: Vec<&str> = l.files.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["a.jpeg", "b.PNG", "c.webp", "near.jpg"]);
        assert_eq!(l.files[1].stem.as_deref(), Some("b"));
        let ignored: Vec<&str> = l.ignored.iter().map(|i| i.file.as_str()).collect();
        assert_eq!(ignored, [".hidden.png", "notes.txt", "sub.png"]);
        let rejected: Vec<(&str, &str)> = l
            .rejected
            .iter()
            .map(|p| (p.file.as_str(), p.code))
            .collect();
        assert_eq!(
            rejected,
            [
                ("far.png", CODE_OUTSIDE_DIR),
                ("pipe.jpg", codes::FILE_NOT_REGULAR)
            ]
        );
        assert!(l.rejected[1].reason.contains("FIFO"), "{:?}", l.rejected[1]);
    }

    #[test]
    fn a_folder_that_is_not_one_is_a_usage_error() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("x.png");
        std::fs::write(&file, b"x").unwrap();
        for path in [file, dir.path().join("missing")] {
            let e = list(&path).unwrap_err();
            assert!(e.is_usage(), "{e}");
            assert!(
                e.to_string().contains("folder that holds the images"),
                "{e}"
            );
        }
    }

    #[test]
    fn reads_are_capped_and_refuse_what_changed_into_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.png");
        std::fs::write(&path, b"0123456789").unwrap();
        let file = Candidate {
            name: "a.png".into(),
            stem: Some("a".into()),
            path: path.clone(),
        };
        assert_eq!(read(&file, 10).unwrap(), b"0123456789");
        assert_eq!(read(&file, 9).unwrap_err().code, "image.too_large");
        std::fs::remove_file(&path).unwrap();
        std::os::unix::fs::symlink("/dev/zero", &path).unwrap();
        let e = read(&file, 9).unwrap_err();
        assert_eq!(e.code, codes::FILE_NOT_REGULAR, "{e:?}");
    }
}
