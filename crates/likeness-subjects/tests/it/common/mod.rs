//! Shared helpers for the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use likeness_subjects::{Notice, ReadOptions, Record, Rejection, Subject, read_paths_as_of};

/// The fixed "today" of every test.
pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 21).unwrap()
}

pub fn testdata(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(rel)
}

#[derive(Debug, Default)]
pub struct Read {
    pub subjects: Vec<Subject>,
    pub rejected: Vec<Rejection>,
    pub notices: Vec<Notice>,
    pub files: usize,
}

pub fn read_with(paths: &[PathBuf], opts: &ReadOptions) -> Read {
    let mut out = Read::default();
    let summary = read_paths_as_of(paths, opts, today(), &mut |r| match r {
        Record::Subject(s) => out.subjects.push(s),
        Record::Rejected(r) => out.rejected.push(r),
        Record::Notice(n) => out.notices.push(n),
    })
    .expect("read_paths");
    assert_eq!(summary.subjects, out.subjects.len());
    assert_eq!(summary.rejected, out.rejected.len());
    assert_eq!(summary.notices, out.notices.len());
    out.files = summary.files;
    out
}

pub fn read(path: &Path) -> Read {
    read_with(&[path.to_path_buf()], &ReadOptions::default())
}

/// Write `bytes` to `dir/name` and read that one file.
pub fn read_bytes(dir: &Path, name: &str, bytes: &[u8]) -> Read {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    read(&path)
}
