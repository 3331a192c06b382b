//! Where objects live, as the config and the command line name it (`file://PATH` or
//! `s3://BUCKET/PREFIX`), and how such names and secrets are shown to people: never with a
//! password or a secret key in them.

use std::fmt;
use std::path::{Component, Path, PathBuf};

/// A storage location: a local folder, or a prefix in an S3 bucket (empty: the whole bucket).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorageUrl {
    File(PathBuf),
    S3 { bucket: String, prefix: String },
}

/// Longest prefix accepted: keys go under it, and S3 keys are at most 1024 bytes.
const MAX_PREFIX_BYTES: usize = 512;

impl StorageUrl {
    /// Parses `text`; `setting` names where it came from (`storage.url`, `--storage-url`,
    /// `LIKENESS_STORAGE_URL`, `--to`), for the message. A relative `file://` path is kept
    /// relative: [`StorageUrl::in_data_dir`] anchors it.
    pub fn parse(setting: &str, text: &str) -> Result<StorageUrl, String> {
        let text = text.trim();
        let teach = || {
            format!(
                "{setting} must be file://PATH or s3://BUCKET/PREFIX, got {:?}",
                mask(text)
            )
        };
        if let Some(path) = text.strip_prefix("file://") {
            if path.is_empty() || path.chars().any(char::is_control) {
                return Err(teach());
            }
            return Ok(StorageUrl::File(PathBuf::from(path)));
        }
        let Some(rest) = text.strip_prefix("s3://") else {
            return Err(teach());
        };
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.contains('@') {
            return Err(format!(
                "{setting} {:?} carries credentials: put them in storage.access_key_id and \
                 storage.secret_access_key (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), \
                 not in the URL",
                mask(text)
            ));
        }
        check_bucket(setting, bucket)?;
        let prefix = prefix.trim_end_matches('/');
        check_prefix(setting, prefix)?;
        Ok(StorageUrl::S3 {
            bucket: bucket.to_string(),
            prefix: prefix.to_string(),
        })
    }

    /// This location with a relative folder taken as inside `data_dir`, and `.` and `..`
    /// resolved, so two spellings of one folder compare equal.
    pub fn in_data_dir(self, data_dir: &Path) -> StorageUrl {
        match self {
            StorageUrl::File(path) => {
                let joined = data_dir.join(path);
                // Absolute (against the working directory, without touching the file system)
                // so a relative data directory compares with absolute settings.
                StorageUrl::File(normalise(&std::path::absolute(&joined).unwrap_or(joined)))
            }
            s3 => s3,
        }
    }

    /// The default home of private objects: a `private` folder or prefix beside this one
    /// (`<data-dir>/assets` → `<data-dir>/private`, `s3://b/site/public` → `s3://b/site/private`).
    /// A bucket's root has nothing beside it inside the bucket, so it needs an explicit
    /// `private_url`: a `private/` prefix inside it would be public.
    pub fn private_beside(&self) -> Result<StorageUrl, String> {
        match self {
            StorageUrl::File(path) => path
                .parent()
                .map(|parent| StorageUrl::File(parent.join("private")))
                .ok_or_else(|| {
                    format!(
                        "storage.url {self} has no folder beside it for private objects: set \
                         storage.private_url"
                    )
                }),
            StorageUrl::S3 { bucket, prefix } if !prefix.is_empty() => {
                let parent = prefix.rsplit_once('/').map(|(p, _)| p);
                Ok(StorageUrl::S3 {
                    bucket: bucket.clone(),
                    prefix: parent.map_or("private".into(), |p| format!("{p}/private")),
                })
            }
            StorageUrl::S3 { .. } => Err(format!(
                "storage.url {self} is a whole bucket, so a private prefix inside it would be \
                 public too: use a prefix (s3://BUCKET/public, private objects then go to \
                 s3://BUCKET/private) or set storage.private_url to another bucket or prefix"
            )),
        }
    }

    /// Whether one location contains the other (or they are the same), compared by whole
    /// folder or prefix segments.
    pub fn overlaps(&self, other: &StorageUrl) -> bool {
        match (self, other) {
            (StorageUrl::File(a), StorageUrl::File(b)) => a.starts_with(b) || b.starts_with(a),
            (
                StorageUrl::S3 {
                    bucket: a,
                    prefix: pa,
                },
                StorageUrl::S3 {
                    bucket: b,
                    prefix: pb,
                },
            ) => a == b && (segment_prefix(pa, pb) || segment_prefix(pb, pa)),
            _ => false,
        }
    }

    /// Where `key` is, for people: a file path, or `s3://bucket/prefix/key`.
    pub fn locate(&self, key: &str) -> String {
        match self {
            StorageUrl::File(root) => root.join(key).display().to_string(),
            StorageUrl::S3 { .. } => format!("{self}/{key}"),
        }
    }
}

impl fmt::Display for StorageUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StorageUrl::File(path) => write!(f, "file://{}", path.display()),
            StorageUrl::S3 { bucket, prefix } if prefix.is_empty() => write!(f, "s3://{bucket}"),
            StorageUrl::S3 { bucket, prefix } => write!(f, "s3://{bucket}/{prefix}"),
        }
    }
}

/// Whether `prefix` is `of` or one of its parent prefixes, by whole segments (`a/b` is a
/// prefix of `a/b/c`, not of `a/bc`); the empty prefix (a whole bucket) contains everything.
fn segment_prefix(prefix: &str, of: &str) -> bool {
    prefix.is_empty() || of == prefix || of.starts_with(&format!("{prefix}/"))
}

/// S3's bucket naming rules (3–63 lowercase letters, digits, dots and hyphens, a letter or
/// digit at each end): checked here so a typo fails at load, not at the first upload.
fn check_bucket(setting: &str, bucket: &str) -> Result<(), String> {
    let alnum = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    let ok = (3..=63).contains(&bucket.len())
        && bucket
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-')
        && alnum(bucket.chars().next())
        && alnum(bucket.chars().last());
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{setting}: {:?} is not a bucket name (3 to 63 lowercase letters, digits, dots and \
             hyphens, starting and ending with a letter or digit)",
            bucket.chars().take(80).collect::<String>()
        ))
    }
}

/// A prefix is folder-like: segments that are not empty, `.` or `..`, no backslashes or
/// control characters, and short enough to leave room for the keys under it.
fn check_prefix(setting: &str, prefix: &str) -> Result<(), String> {
    if prefix.is_empty() {
        return Ok(());
    }
    let bad_segment = prefix.split('/').any(|s| {
        s.is_empty() || s == "." || s == ".." || s.chars().any(|c| c == '\\' || c.is_control())
    });
    if bad_segment || prefix.len() > MAX_PREFIX_BYTES {
        return Err(format!(
            "{setting}: prefix {:?} must be segments separated by single slashes, without `.`, \
             `..`, backslashes or control characters, at most {MAX_PREFIX_BYTES} bytes",
            prefix.chars().take(80).collect::<String>()
        ));
    }
    Ok(())
}

/// `path` with `.` dropped and `..` taken back, without touching the file system (the folder
/// may not exist yet).
fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// `text` (a URL, or what was meant to be one) with the password of its user part replaced by
/// `***`: `https://user:pw@host/x` → `https://user:***@host/x`. Text that is not a URL with a
/// user part comes back unchanged.
pub fn mask(text: &str) -> String {
    let Some((scheme, rest)) = text.split_once("://") else {
        return text.to_string();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let Some((user_info, host)) = authority.rsplit_once('@') else {
        return text.to_string();
    };
    let user = user_info.split_once(':').map_or(user_info, |(u, _)| u);
    if user.len() == user_info.len() {
        return text.to_string();
    }
    format!("{scheme}://{user}:***@{host}{tail}")
}

/// A secret from the config (an S3 secret key): shown as `***` by `Debug` and `Display`, so
/// it cannot reach a log line, an error or `--json` output by accident.
#[derive(Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The secret itself, for the one place that needs it (signing requests).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_parse_into_folders_and_bucket_prefixes() {
        let p = |t: &str| StorageUrl::parse("storage.url", t);
        assert_eq!(
            p("file:///srv/likeness/assets").unwrap(),
            StorageUrl::File("/srv/likeness/assets".into())
        );
        assert_eq!(
            p("s3://avatars/site/public/").unwrap(),
            StorageUrl::S3 {
                bucket: "avatars".into(),
                prefix: "site/public".into()
            }
        );
        assert_eq!(
            p("s3://avatars").unwrap().to_string(),
            "s3://avatars",
            "a whole bucket"
        );
        let relative = p("file://images").unwrap().in_data_dir(Path::new("/d"));
        assert_eq!(relative, StorageUrl::File("/d/images".into()));
        let dotted = p("file:///d/x/../assets")
            .unwrap()
            .in_data_dir(Path::new("/"));
        assert_eq!(dotted, StorageUrl::File("/d/assets".into()));
    }

    #[test]
    fn bad_urls_teach_the_two_forms_and_hide_passwords() {
        for bad in [
            "/srv/assets",
            "http://example.org/x",
            "s3:/bucket",
            "file://",
            "",
        ] {
            let err = StorageUrl::parse("storage.url", bad).unwrap_err();
            assert!(
                err.contains("storage.url must be file://PATH or s3://BUCKET/PREFIX"),
                "{bad}: {err}"
            );
        }
        let err = StorageUrl::parse("--to", "https://u:hunter2@host/x").unwrap_err();
        assert!(err.starts_with("--to must be"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
        let err = StorageUrl::parse("storage.url", "s3://AK:hunter2@bucket/x").unwrap_err();
        assert!(err.contains("carries credentials"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
        for bad in [
            "s3://Upper/x",
            "s3://ab/x",
            "s3://-b-/x",
            "s3://b_b/x",
            "s3:///x",
        ] {
            let err = StorageUrl::parse("storage.url", bad).unwrap_err();
            assert!(err.contains("is not a bucket name"), "{bad}: {err}");
        }
        for bad in ["s3://bucket/a//b", "s3://bucket/../b", "s3://bucket/a\\b"] {
            let err = StorageUrl::parse("storage.url", bad).unwrap_err();
            assert!(err.contains("prefix"), "{bad}: {err}");
        }
    }

    #[test]
    fn private_objects_go_beside_the_public_ones_never_inside() {
        let s3 = |t: &str| StorageUrl::parse("x", t).unwrap();
        assert_eq!(
            s3("s3://bkt/site/public").private_beside().unwrap(),
            s3("s3://bkt/site/private")
        );
        assert_eq!(
            s3("s3://bkt/public").private_beside().unwrap(),
            s3("s3://bkt/private")
        );
        let err = s3("s3://bkt").private_beside().unwrap_err();
        assert!(err.contains("private_url"), "{err}");
        assert_eq!(
            StorageUrl::File("/d/assets".into())
                .private_beside()
                .unwrap(),
            StorageUrl::File("/d/private".into())
        );
        assert!(s3("s3://bkt").overlaps(&s3("s3://bkt/private")));
        assert!(s3("s3://bkt/a").overlaps(&s3("s3://bkt/a/b")));
        assert!(!s3("s3://bkt/a").overlaps(&s3("s3://bkt/ab")));
        assert!(!s3("s3://bkt/a").overlaps(&s3("s3://ckt/a")));
        let file = |p: &str| StorageUrl::File(p.into());
        assert!(file("/d").overlaps(&file("/d/private")));
        assert!(!file("/d/assets").overlaps(&file("/d/private")));
    }

    #[test]
    fn masks_passwords_and_secrets() {
        assert_eq!(
            mask("https://user:pw@host:9000/x?y"),
            "https://user:***@host:9000/x?y"
        );
        assert_eq!(mask("http://host/a@b"), "http://host/a@b");
        assert_eq!(mask("http://user@host"), "http://user@host");
        assert_eq!(mask("not a url"), "not a url");
        let secret = Secret::new("hunter2");
        assert_eq!(format!("{secret} {secret:?}"), "*** ***");
        assert_eq!(secret.expose(), "hunter2");
    }
}
