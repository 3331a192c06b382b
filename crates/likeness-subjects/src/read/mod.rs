//! Reading subjects from files: FHIR R4 (JSON resources and NDJSON), CSV and JSONL.
//!
//! [`read_paths`] walks the paths it is given and streams [`Record`]s to a sink: one file at
//! a time, one record at a time for line- and row-based formats. A FHIR JSON document is read
//! whole (it is one JSON value); JSONL, NDJSON and CSV are read line by line / row by row.
//! Nothing but ids (for duplicate detection) is kept across records.
//!
//! Failure policy: a path that does not exist, or a bad `--map`/cohort, is a [`SourceError`]
//! up front. Everything else — an unreadable file, a special file, invalid UTF-8, malformed
//! JSON, a record over the limits, a row with the wrong number of fields, a record without an
//! id — is a [`Rejection`] naming the file and the record, and the import goes on. Files that
//! hold no subjects by design (a Bundle of Organizations) give a [`Notice`].
//!
//! Ages: every subject read is checked with [`crate::demographics::checked_age`] as of today
//! (the clock's UTC date for [`read_paths`], the date given to [`read_paths_as_of`]). When its
//! dates give no believable age — a placeholder birth date such as `1900-01-01`, a birth after
//! today, a death before the birth, an age over 120 — the subject is still read, with its dates
//! as given, and a [`Notice`] follows it: `"row 3: birth date 1900-01-01 looks like a
//! placeholder; age treated as unknown"` (the record, then what is wrong). The age is then
//! `None` wherever it is computed ([`crate::demographics::age`]).
//!
//! Format detection when [`ReadOptions::kind`] is `None`, per file, by extension:
//! `.csv` → CSV; `.jsonl`/`.ndjson` → NDJSON FHIR if the first JSON line is an object with a
//! `resourceType`, else JSONL subjects; `.json` → a FHIR resource if the document is an
//! object with a `resourceType`, else subjects (an array of objects, or one object). Inside
//! directories, files with other extensions are skipped with a notice, as are hidden files
//! and directories (name starting with `.`). A file named explicitly with an unknown
//! extension is rejected unless a kind is given.
//!
//! **Regular files only, every read bounded.** A FIFO, socket or device — named explicitly,
//! met in a directory, or reached through a symlink — is rejected (`not a regular file (a
//! FIFO)`) without being opened. Files are opened non-blocking and their type is checked again
//! on the open handle, so a file swapped for a FIFO after the first check cannot block the
//! import either. A JSON document is read up to [`MAX_JSON_FILE_BYTES`]. One record — a JSONL
//! / NDJSON line, a CSV record (quoted fields may span lines), an item of a JSON array, a FHIR
//! Patient — is at most [`MAX_LINE_BYTES`], a CSV record at most [`MAX_CSV_FIELDS`] fields: a
//! bigger one is rejected with the limit in the reason and skipped, and reading goes on after
//! it. A JSON document is checked whole without building anything, then read item by item or
//! Bundle entry by entry, borrowing from its text: memory is the document's text plus one
//! record being parsed (a parsed record can take up to about 50 times its text, so under
//! 1 GiB at the record limit), never a tree of the whole document, nor a copy per nested
//! Bundle.
//! [`read_bytes`] reads bytes already in memory through the same code, as if they were one
//! regular file.
//!
//! Ids must be unique across one call: a later record with an id already seen is rejected
//! with a pointer to the first one (so two files both holding `Patient/example` do not
//! silently overwrite each other).

mod fhir;
mod lines;
mod stream;
mod tabular;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::fs::{File, FileType, OpenOptions};
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use chrono::NaiveDate;
use serde::Serialize;

use crate::error::{ParseEnumError, SourceError};
use crate::subject::Subject;

pub use tabular::{MAP_FIELDS, subject_from_json};

/// The longest cohort name accepted in [`ReadOptions::cohort`], in characters.
pub const MAX_COHORT_CHARS: usize = 128;
/// JSON documents (`.json`) larger than this are rejected (use NDJSON / JSONL for big data).
pub const MAX_JSON_FILE_BYTES: u64 = 256 * 1024 * 1024;
/// One record longer than this — a JSONL / NDJSON line, a CSV record (a quoted field may span
/// lines), an item of a `.json` array or a lone object, a FHIR Patient — is rejected and
/// skipped; the readers never hold more of one.
pub const MAX_LINE_BYTES: usize = 16 * 1024 * 1024;
/// CSV records (the header too) with more fields than this are rejected and skipped: wide
/// enough for any real export, and it keeps a line of commas from costing a string and an
/// attribute per byte.
pub const MAX_CSV_FIELDS: usize = 10_000;

/// A source format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Fhir,
    Csv,
    Jsonl,
}

impl Kind {
    pub fn as_str(&self) -> &'static str {
        match self {
            Kind::Fhir => "fhir",
            Kind::Csv => "csv",
            Kind::Jsonl => "jsonl",
        }
    }
}

impl FromStr for Kind {
    type Err = ParseEnumError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "fhir" => Ok(Kind::Fhir),
            "csv" => Ok(Kind::Csv),
            "jsonl" => Ok(Kind::Jsonl),
            _ => Err(ParseEnumError::new("kind", s, "fhir, csv, jsonl")),
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How to read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// `None`: detect per file (see the module docs).
    pub kind: Option<Kind>,
    /// Added to every subject's cohorts.
    pub cohort: Option<String>,
    /// `FIELD -> COLUMN` overrides for CSV and JSONL (see [`MAP_FIELDS`]); columns and keys
    /// match case-insensitively. Ignored for FHIR.
    pub map: BTreeMap<String, String>,
}

/// One thing read.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Record {
    Subject(Subject),
    Rejected(Rejection),
    Notice(Notice),
}

/// A file or record that could not be used, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Rejection {
    /// The file, as reached from the paths given.
    pub file: String,
    /// Which record: `"file"` or `"header"` for the whole file, `"line 7"` (JSONL, NDJSON),
    /// `"row 12"` (CSV: the 12th record after the header), `"item 2"` (JSON array),
    /// `"entry 3 (Patient/abc)"` (Bundle), `"resource (Patient/abc)"` (a lone resource),
    /// `"line 4 > entry 2 (Patient/abc)"` (nested). Numbers are 1-based.
    pub record: String,
    pub reason: String,
}

/// Something worth knowing that is not a failure.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Notice {
    pub file: String,
    pub message: String,
}

/// Counts for one [`read_paths`] call.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ReadSummary {
    /// Files opened and read (skipped files are not counted).
    pub files: usize,
    pub subjects: usize,
    pub rejected: usize,
    pub notices: usize,
}

/// Read subjects from files and directories, streaming records to `sink`.
///
/// Directories are walked recursively in file-name order. See the module docs for detection,
/// skipping and the failure policy. Ages are checked for plausibility as of today's date (UTC)
/// read from the clock, as the rest of the application does; [`read_paths_as_of`] takes the
/// date instead.
pub fn read_paths(
    paths: &[PathBuf],
    opts: &ReadOptions,
    sink: &mut dyn FnMut(Record),
) -> Result<ReadSummary, SourceError> {
    read_paths_as_of(paths, opts, chrono::Utc::now().date_naive(), sink)
}

/// [`read_paths`] with the date that ages are checked against (see
/// [`crate::demographics::checked_age`]): a subject whose dates give no believable age on
/// `today` gets a [`Notice`].
pub fn read_paths_as_of(
    paths: &[PathBuf],
    opts: &ReadOptions,
    today: NaiveDate,
    sink: &mut dyn FnMut(Record),
) -> Result<ReadSummary, SourceError> {
    let map = tabular::Mapping::from_options(&opts.map)?;
    let mut out = Emitter::new(opts, today, sink)?;
    // Check every path before reading any, so a typo fails before half an import. Nothing is
    // opened here: `metadata` follows symlinks but does not block on a FIFO or touch a device.
    let mut types = Vec::with_capacity(paths.len());
    for path in paths {
        match std::fs::metadata(path) {
            Ok(meta) => types.push(meta.file_type()),
            Err(source) => {
                return Err(if source.kind() == io::ErrorKind::NotFound {
                    SourceError::NotFound { path: path.clone() }
                } else {
                    SourceError::Unreadable {
                        path: path.clone(),
                        source,
                    }
                });
            }
        }
    }
    for (path, file_type) in paths.iter().zip(types) {
        let file = path.display().to_string();
        if file_type.is_dir() {
            read_dir(path, opts.kind, &map, &mut out);
        } else if !file_type.is_file() {
            out.reject(&file, "file", &not_regular(file_type));
        } else {
            match plan_for(path, opts.kind) {
                Some(plan) => read_file(path, &file, plan, &map, &mut out),
                None => out.reject(&file, "file", UNKNOWN_FORMAT),
            }
        }
    }
    Ok(out.summary)
}

/// Read subjects from bytes already in memory, as if they were the one regular file `name`:
/// the format comes from `name`'s extension unless [`ReadOptions::kind`] says, and the checks,
/// limits, records and summary are those [`read_paths_as_of`] gives for such a file (`name` is
/// the `file` of every record). Nothing is opened. The fuzz targets read through this.
pub fn read_bytes(
    name: &str,
    bytes: &[u8],
    opts: &ReadOptions,
    today: NaiveDate,
    sink: &mut dyn FnMut(Record),
) -> Result<ReadSummary, SourceError> {
    let map = tabular::Mapping::from_options(&opts.map)?;
    let mut out = Emitter::new(opts, today, sink)?;
    match plan_for(Path::new(name), opts.kind) {
        Some(plan) => {
            out.summary.files += 1;
            read_source(bytes, bytes.len() as u64, name, plan, &map, &mut out);
        }
        None => out.reject(name, "file", UNKNOWN_FORMAT),
    }
    Ok(out.summary)
}

const UNKNOWN_FORMAT: &str = "cannot tell the format from the file name; \
                              expected .json, .jsonl, .ndjson or .csv, or give the kind";

fn check_cohort(raw: &str) -> Result<String, SourceError> {
    let cohort = crate::names::sanitize(raw);
    let count = cohort.chars().count();
    if count == 0 {
        return Err(SourceError::BadCohort {
            message: "the cohort is empty".into(),
        });
    }
    if count > MAX_COHORT_CHARS {
        return Err(SourceError::BadCohort {
            message: format!("the cohort is {count} characters; the limit is {MAX_COHORT_CHARS}"),
        });
    }
    Ok(cohort)
}

fn read_dir(root: &Path, kind: Option<Kind>, map: &tabular::Mapping, out: &mut Emitter<'_>) {
    let walker = walkdir::WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !is_hidden(e.path()));
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                let file = err.path().unwrap_or(root).display().to_string();
                out.reject(&file, "file", &format!("cannot read: {err}"));
                continue;
            }
        };
        let path = entry.path();
        let file = path.display().to_string();
        if entry.file_type().is_dir() {
            // Report hidden children once each, without descending into them.
            if let Ok(children) = std::fs::read_dir(path) {
                let mut hidden: Vec<String> = children
                    .filter_map(Result::ok)
                    .filter(|c| is_hidden(&c.path()))
                    .map(|c| c.path().display().to_string())
                    .collect();
                hidden.sort();
                for h in hidden {
                    out.notice(&h, "skipped: hidden file or directory");
                }
            }
            continue;
        }
        // With `follow_links`, this is the type of what a symlink points to.
        if !entry.file_type().is_file() {
            out.reject(&file, "file", &not_regular(entry.file_type()));
            continue;
        }
        match plan_for(path, kind) {
            Some(plan) if kind.is_none() || ext_fits(path, kind) => {
                read_file(path, &file, plan, map, out)
            }
            _ => out.notice(&file, &skip_message(path, kind)),
        }
    }
}

fn is_hidden(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with('.'))
}

fn extension(path: &Path) -> String {
    path.extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// In a directory walk with an explicit kind, only files whose extension suits the kind.
fn ext_fits(path: &Path, kind: Option<Kind>) -> bool {
    let ext = extension(path);
    match kind {
        None => true,
        Some(Kind::Csv) => ext == "csv",
        Some(Kind::Fhir | Kind::Jsonl) => matches!(ext.as_str(), "json" | "jsonl" | "ndjson"),
    }
}

fn skip_message(path: &Path, kind: Option<Kind>) -> String {
    let ext = extension(path);
    let shown = if ext.is_empty() {
        "no extension".to_string()
    } else {
        format!("extension .{ext}")
    };
    match kind {
        Some(kind) => format!("skipped: {shown} does not fit kind {kind}"),
        None => format!("skipped: {shown} is not .json, .jsonl, .ndjson or .csv"),
    }
}

/// How one file is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Plan {
    /// One JSON document: FHIR if it has a resourceType (or the kind says FHIR), else subjects.
    JsonDocument {
        kind: Option<Kind>,
    },
    /// One JSON value per line: NDJSON FHIR or JSONL subjects (sniffed unless given).
    JsonLines {
        kind: Option<Kind>,
    },
    Csv,
}

fn plan_for(path: &Path, kind: Option<Kind>) -> Option<Plan> {
    let ext = extension(path);
    let lines = matches!(ext.as_str(), "jsonl" | "ndjson");
    match kind {
        Some(Kind::Csv) => Some(Plan::Csv),
        Some(k) if lines => Some(Plan::JsonLines { kind: Some(k) }),
        Some(k) => Some(Plan::JsonDocument { kind: Some(k) }),
        None if lines => Some(Plan::JsonLines { kind: None }),
        None if ext == "json" => Some(Plan::JsonDocument { kind: None }),
        None if ext == "csv" => Some(Plan::Csv),
        None => None,
    }
}

fn read_file(path: &Path, file: &str, plan: Plan, map: &tabular::Mapping, out: &mut Emitter<'_>) {
    let (handle, size) = match open_regular(path) {
        Ok(opened) => opened,
        Err(reason) => return out.reject(file, "file", &reason),
    };
    out.summary.files += 1;
    read_source(BufReader::new(handle), size, file, plan, map, out);
}

/// Open a file for reading only if it is a regular file, without ever blocking on or reading
/// from anything else.
///
/// The caller has checked the path's type already, but the path may have changed since (a FIFO
/// swapped in for a file). So the open does not wait (`O_NONBLOCK`: a FIFO without a writer
/// opens at once instead of blocking until one comes; `O_NOCTTY`: a terminal never becomes
/// ours), and the type is checked again on the open handle (`fstat`), so what is read is what
/// was checked. `O_NONBLOCK` changes nothing for reads from a regular file.
///
/// Gives the file and its size.
fn open_regular(path: &Path) -> Result<(File, u64), String> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    let handle = options
        .open(path)
        .map_err(|err| format!("cannot open: {err}"))?;
    let meta = handle
        .metadata()
        .map_err(|err| format!("cannot read: {err}"))?;
    if !meta.is_file() {
        return Err(not_regular(meta.file_type()));
    }
    Ok((handle, meta.len()))
}

/// `not a regular file (a FIFO)`.
fn not_regular(file_type: FileType) -> String {
    format!("not a regular file ({})", file_kind(file_type))
}

fn file_kind(file_type: FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO";
        }
        if file_type.is_socket() {
            return "a socket";
        }
        if file_type.is_char_device() {
            return "a character device";
        }
        if file_type.is_block_device() {
            return "a block device";
        }
    }
    if file_type.is_dir() {
        "a directory"
    } else if file_type.is_symlink() {
        "a symbolic link"
    } else {
        "a special file"
    }
}

/// Read one file's bytes (from disk or memory) with the checks every format shares.
fn read_source(
    mut reader: impl BufRead,
    size: u64,
    file: &str,
    plan: Plan,
    map: &tabular::Mapping,
    out: &mut Emitter<'_>,
) {
    // Empty files and binary files are rejected whatever the format; a UTF-8 BOM is skipped.
    let head = match reader.fill_buf() {
        Ok(head) => head,
        Err(err) => return out.reject(file, "file", &format!("cannot read: {err}")),
    };
    if head.is_empty() {
        return out.reject(file, "file", "the file is empty");
    }
    if head.contains(&0) {
        return out.reject(
            file,
            "file",
            "the file contains NUL bytes: it is binary (or UTF-16), not UTF-8 text",
        );
    }
    if head.starts_with(b"\xEF\xBB\xBF") {
        reader.consume(3);
    }
    match plan {
        Plan::Csv => tabular::read_csv(reader, file, map, out),
        Plan::JsonLines { kind } => lines::read_lines(reader, file, kind, map, out),
        Plan::JsonDocument { kind } => read_document(reader, size, file, kind, map, out),
    }
}

/// `size`: what the file said its size was, so that its text is allocated once (it may have
/// grown since: the limit still holds).
fn read_document(
    reader: impl Read,
    size: u64,
    file: &str,
    kind: Option<Kind>,
    map: &tabular::Mapping,
    out: &mut Emitter<'_>,
) {
    let capacity = size.min(MAX_JSON_FILE_BYTES + 1);
    let mut bytes = Vec::with_capacity(usize::try_from(capacity).unwrap_or(0));
    if let Err(err) = reader.take(MAX_JSON_FILE_BYTES + 1).read_to_end(&mut bytes) {
        return out.reject(file, "file", &format!("cannot read: {err}"));
    }
    if bytes.len() as u64 > MAX_JSON_FILE_BYTES {
        return out.reject(
            file,
            "file",
            &format!(
                "the file is larger than {} MiB; split it or use NDJSON / JSONL",
                MAX_JSON_FILE_BYTES / (1024 * 1024)
            ),
        );
    }
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => {
            let at = err.utf8_error().valid_up_to();
            return out.reject(file, "file", &format!("not valid UTF-8 (at byte {at})"));
        }
    };
    if text.trim().is_empty() {
        return out.reject(file, "file", "the file is empty");
    }
    let is_fhir = match kind {
        Some(Kind::Fhir) => true,
        Some(_) => false,
        None => match fhir::resource_type(&text) {
            Ok(rt) => rt.is_some(),
            Err(err) => return out.reject(file, "file", &format!("invalid JSON: {err}")),
        },
    };
    if is_fhir {
        fhir::read_document(&text, file, out);
    } else {
        tabular::read_json_document(&text, file, map, out);
    }
}

/// Where records go: adds the import cohort, checks id uniqueness, counts.
pub(crate) struct Emitter<'s> {
    sink: &'s mut dyn FnMut(Record),
    cohort: Option<String>,
    /// id → where it was first seen ("file, record").
    seen: HashMap<String, String>,
    summary: ReadSummary,
    /// For the plausibility of ages ([`crate::demographics::checked_age`]).
    today: NaiveDate,
}

impl<'s> Emitter<'s> {
    fn new(
        opts: &ReadOptions,
        today: NaiveDate,
        sink: &'s mut dyn FnMut(Record),
    ) -> Result<Emitter<'s>, SourceError> {
        let cohort = match &opts.cohort {
            None => None,
            Some(raw) => Some(check_cohort(raw)?),
        };
        Ok(Emitter {
            sink,
            cohort,
            seen: HashMap::new(),
            summary: ReadSummary::default(),
            today,
        })
    }

    pub(crate) fn subject(&mut self, file: &str, record: &str, mut subject: Subject) {
        let where_ = format!("{file}, {record}");
        if let Some(first) = self.seen.get(subject.id.as_str()) {
            let reason = format!(
                "duplicate id {:?}: already read from {first}",
                subject.id.as_str()
            );
            return self.reject(file, record, &reason);
        }
        self.seen.insert(subject.id.as_str().to_string(), where_);
        if let Some(cohort) = &self.cohort {
            subject.add_cohort(cohort);
        }
        let problem = crate::demographics::checked_age(&subject, self.today).err();
        self.summary.subjects += 1;
        (self.sink)(Record::Subject(subject));
        if let Some(problem) = problem {
            self.notice(file, &format!("{record}: {problem}"));
        }
    }

    pub(crate) fn reject(&mut self, file: &str, record: &str, reason: &str) {
        self.summary.rejected += 1;
        (self.sink)(Record::Rejected(Rejection {
            file: file.to_string(),
            record: record.to_string(),
            reason: reason.to_string(),
        }));
    }

    pub(crate) fn notice(&mut self, file: &str, message: &str) {
        self.summary.notices += 1;
        (self.sink)(Record::Notice(Notice {
            file: file.to_string(),
            message: message.to_string(),
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The second check, on the open handle: a FIFO that passed no first check (swapped in
    /// after it) is refused at once instead of blocking the open or the reads.
    #[cfg(unix)]
    #[test]
    fn open_regular_refuses_what_is_not_a_regular_file() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("p.csv");
        let status = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(status.success());
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(open_regular(&fifo).map(|_| ()));
        });
        let got = rx
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("opening a FIFO must not block");
        assert_eq!(got, Err("not a regular file (a FIFO)".to_string()));
        assert_eq!(
            open_regular(Path::new("/dev/null")).map(|_| ()),
            Err("not a regular file (a character device)".to_string())
        );
        assert_eq!(
            open_regular(dir.path()).map(|_| ()),
            Err("not a regular file (a directory)".to_string())
        );
        let file = dir.path().join("f.csv");
        std::fs::write(&file, b"id\n1\n").unwrap();
        assert_eq!(open_regular(&file).map(|(_, size)| size), Ok(5));
    }

    #[test]
    fn read_bytes_reads_like_a_file() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 21).unwrap();
        let mut records = Vec::new();
        let summary = read_bytes(
            "people.csv",
            b"\xEF\xBB\xBFid,name\n1,Ann\n2,\n",
            &ReadOptions {
                cohort: Some("c".into()),
                ..Default::default()
            },
            today,
            &mut |r| records.push(r),
        )
        .unwrap();
        assert_eq!(
            summary,
            ReadSummary {
                files: 1,
                subjects: 2,
                rejected: 0,
                notices: 0
            }
        );
        let Record::Subject(s) = &records[0] else {
            panic!("{records:?}");
        };
        assert_eq!(
            (s.id.as_str(), s.cohorts.as_slice()),
            ("1", ["c".to_string()].as_slice())
        );
        // The name decides the format; an unknown one is a rejection, as for a file.
        let mut records = Vec::new();
        let summary = read_bytes(
            "notes.txt",
            b"id\n1\n",
            &ReadOptions::default(),
            today,
            &mut |r| records.push(r),
        )
        .unwrap();
        assert_eq!((summary.files, summary.rejected), (0, 1));
        let err = read_bytes(
            "x.csv",
            b"",
            &ReadOptions {
                cohort: Some(" ".into()),
                ..Default::default()
            },
            today,
            &mut |_| {},
        )
        .unwrap_err();
        assert_eq!(err.code(), "source.bad_cohort");
    }
}
