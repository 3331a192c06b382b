//! CSV and JSON subjects (JSONL lines, a JSON array, one JSON object, the HTTP API body):
//! one mapping from columns / keys to fields.
//!
//! Column and key names match case-insensitively (trimmed, inner whitespace read as `_`).
//! Each field takes the first candidate column that has a non-blank value in the record:
//!
//! | field | default candidates |
//! | --- | --- |
//! | `id` | id, person_id, subject_id, patient_id |
//! | `name` | name, display_name, display_first_last, full_name |
//! | `first_name` | first_name, firstname, first, given_name, given |
//! | `last_name` | last_name, lastname, last, family_name, family, surname |
//! | `gender` | gender, sex |
//! | `birth_date` | birth_date, birthdate, dob, date_of_birth |
//! | `deceased_date` | deceased_date, death_date, deathdate, date_of_death |
//! | `deceased` | deceased (true/false/yes/no/1/0, or a date) |
//! | `cohorts` | cohorts, cohort (`;`-separated in CSV; a JSON array or such a string in JSON) |
//!
//! `--map FIELD=COLUMN` replaces the candidates of FIELD with COLUMN alone; in CSV the column
//! must exist in the header. The name is the `name` column, else `first_name` + `last_name`
//! ([`crate::names`] rules either way). Every other non-blank column becomes an attribute
//! (key as normalised above, value trimmed); a JSON `attributes` object merges in last, so it
//! wins, with values stringified (strings as is, numbers and booleans in JSON form, `null`
//! skipped, arrays and objects as compact JSON).
//!
//! **Persona ids**: when a record has no id column at all (a personas file with `name,
//! description, …`), its id is the slug of its display name ([`crate::names::slugify`]:
//! `Ada Lovelace` → `ada-lovelace`); two personas with the same slug collide and the second
//! is rejected as a duplicate. A record that has an id column with a blank value is rejected,
//! as is one with neither an id nor a name.

use std::collections::BTreeMap;
use std::io::{self, BufRead};

use serde::de::IgnoredAny;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::{Emitter, MAX_CSV_FIELDS, MAX_LINE_BYTES};
use crate::date::PartialDate;
use crate::error::{RecordError, SourceError, quote};
use crate::id::SubjectId;
use crate::names::{clean_name, name_from_parts, slugify};
use crate::subject::{Gender, Source, Subject};

/// The fields `--map FIELD=COLUMN` accepts.
pub const MAP_FIELDS: &[&str] = &[
    "id",
    "name",
    "first_name",
    "last_name",
    "gender",
    "birth_date",
    "deceased_date",
    "deceased",
    "cohorts",
];

const DEFAULTS: [&[&str]; 9] = [
    &["id", "person_id", "subject_id", "patient_id"],
    &["name", "display_name", "display_first_last", "full_name"],
    &["first_name", "firstname", "first", "given_name", "given"],
    &[
        "last_name",
        "lastname",
        "last",
        "family_name",
        "family",
        "surname",
    ],
    &["gender", "sex"],
    &["birth_date", "birthdate", "dob", "date_of_birth"],
    &["deceased_date", "death_date", "deathdate", "date_of_death"],
    &["deceased"],
    &["cohorts", "cohort"],
];

const ID: usize = 0;
const NAME: usize = 1;
const FIRST: usize = 2;
const LAST: usize = 3;
const GENDER: usize = 4;
const BIRTH: usize = 5;
const DEATH_DATE: usize = 6;
const DECEASED: usize = 7;
const COHORTS: usize = 8;

/// Normalise a column or key name: trimmed, lowercase, inner whitespace runs become `_`,
/// invisible characters dropped.
pub(crate) fn norm_key(key: &str) -> String {
    crate::names::sanitize(key).to_lowercase().replace(' ', "_")
}

/// Resolved candidates per field.
#[derive(Clone, Debug)]
pub(crate) struct Mapping {
    candidates: Vec<Vec<String>>,
    overridden: Vec<bool>,
}

impl Default for Mapping {
    fn default() -> Self {
        Mapping {
            candidates: DEFAULTS
                .iter()
                .map(|c| c.iter().map(|s| s.to_string()).collect())
                .collect(),
            overridden: vec![false; MAP_FIELDS.len()],
        }
    }
}

impl Mapping {
    pub(crate) fn from_options(map: &BTreeMap<String, String>) -> Result<Mapping, SourceError> {
        let mut mapping = Mapping::default();
        for (field, column) in map {
            let f = field.trim().to_ascii_lowercase();
            let Some(index) = MAP_FIELDS.iter().position(|m| *m == f) else {
                return Err(SourceError::BadMap {
                    message: format!(
                        "unknown field {}; the fields are {}",
                        quote(field),
                        MAP_FIELDS.join(", ")
                    ),
                });
            };
            let column = norm_key(column);
            if column.is_empty() {
                return Err(SourceError::BadMap {
                    message: format!("the column for {f} is empty"),
                });
            }
            mapping.candidates[index] = vec![column];
            mapping.overridden[index] = true;
        }
        Ok(mapping)
    }
}

/// One value of a record.
enum Cell {
    Text(String),
    Json(Value),
}

impl Cell {
    fn from_json(value: &Value) -> Cell {
        match value {
            Value::String(s) => Cell::Text(s.clone()),
            Value::Null => Cell::Text(String::new()),
            Value::Bool(_) | Value::Number(_) => Cell::Text(value.to_string()),
            other => Cell::Json(other.clone()),
        }
    }

    fn is_blank(&self) -> bool {
        match self {
            Cell::Text(s) => s.trim().is_empty(),
            Cell::Json(_) => false,
        }
    }

    fn text(&self, key: &str) -> Result<&str, String> {
        match self {
            Cell::Text(s) => Ok(s.trim()),
            Cell::Json(v) => Err(format!("{key}: expected a string, got {}", json_type(v))),
        }
    }

    fn attribute(&self) -> String {
        match self {
            Cell::Text(s) => clean_value(s),
            Cell::Json(v) => v.to_string(),
        }
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// An attribute value: NFC, trimmed, control and bidi characters removed except line breaks
/// and tabs (descriptions may have paragraphs); `\r\n` becomes `\n`.
fn clean_value(raw: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let text: String = raw
        .replace("\r\n", "\n")
        .nfc()
        .filter(|&c| {
            matches!(c, '\n' | '\t')
                || !(c.is_control()
                    || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
                    || matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{FEFF}'))
        })
        .collect();
    text.trim().to_string()
}

/// Build a subject from normalised `(key, cell)` pairs plus JSON `attributes`.
fn build(
    cells: &[(String, Cell)],
    extra: Option<&Map<String, Value>>,
    mapping: &Mapping,
    source: Source,
) -> Result<Subject, String> {
    let mut consumed = vec![false; cells.len()];
    let mut pick = |field: usize| -> Option<(usize, &str, &Cell)> {
        for cand in &mapping.candidates[field] {
            if let Some(i) = cells.iter().position(|(k, c)| k == cand && !c.is_blank()) {
                consumed[i] = true;
                return Some((i, cells[i].0.as_str(), &cells[i].1));
            }
        }
        None
    };
    let id_cell = pick(ID);
    let name_cell = pick(NAME);
    let first_cell = pick(FIRST);
    let last_cell = pick(LAST);
    let gender_cell = pick(GENDER);
    let birth_cell = pick(BIRTH);
    let death_cell = pick(DEATH_DATE);
    let deceased_cell = pick(DECEASED);
    let cohorts_cell = pick(COHORTS);

    // Name first: the persona id rule needs it.
    let name = match name_cell {
        Some((_, key, cell)) => clean_name(cell.text(key)?).map_err(|e| e.to_string())?,
        None => None,
    };
    let name = match name {
        Some(name) => Some(name),
        None => {
            let first = first_cell.map(|(_, k, c)| c.text(k)).transpose()?;
            let last = last_cell.map(|(_, k, c)| c.text(k)).transpose()?;
            let given: Vec<&str> = first.into_iter().collect();
            name_from_parts(&given, last, &[]).map_err(|e| e.to_string())?
        }
    };

    let id = match id_cell {
        Some((_, key, cell)) => SubjectId::new(cell.text(key)?).map_err(|e| e.to_string())?,
        None => {
            let present: Vec<&str> = mapping.candidates[ID]
                .iter()
                .filter(|c| cells.iter().any(|(k, _)| k == *c))
                .map(String::as_str)
                .collect();
            if let Some(key) = present.first() {
                return Err(format!("no id: {key} is blank"));
            }
            if mapping.overridden[ID] {
                return Err(format!("no id: {} is missing", mapping.candidates[ID][0]));
            }
            match &name {
                Some(name) => SubjectId::new(slugify(name)).map_err(|e| e.to_string())?,
                None => return Err("no id and no name".into()),
            }
        }
    };

    let mut subject = Subject::new(id, source);
    subject.name = name;
    if let Some((_, key, cell)) = gender_cell {
        let raw = crate::names::sanitize(cell.text(key)?);
        subject.gender = Gender::from_source(Some(&raw));
        subject.gender_raw = Some(raw);
    }
    if let Some((_, key, cell)) = birth_cell {
        let date: PartialDate = cell.text(key)?.parse().map_err(|e| format!("{key}: {e}"))?;
        subject.birth_date = Some(date);
    }
    if let Some((_, key, cell)) = death_cell {
        let date: PartialDate = cell.text(key)?.parse().map_err(|e| format!("{key}: {e}"))?;
        subject.deceased_date = Some(date);
        subject.deceased = true;
    }
    if let Some((_, key, cell)) = deceased_cell {
        let text = cell.text(key)?;
        match text.to_ascii_lowercase().as_str() {
            "true" | "yes" | "y" | "1" | "t" => subject.deceased = true,
            "false" | "no" | "n" | "0" | "f" => {}
            _ => match text.parse::<PartialDate>() {
                Ok(date) => {
                    subject.deceased = true;
                    subject.deceased_date.get_or_insert(date);
                }
                Err(_) => {
                    return Err(format!(
                        "{key}: {} is neither true/false nor a date",
                        quote(text)
                    ));
                }
            },
        }
    }
    if let Some((_, key, cell)) = cohorts_cell {
        match cell {
            Cell::Text(s) => s.split(';').for_each(|c| subject.add_cohort(c)),
            Cell::Json(Value::Array(items)) => {
                for item in items {
                    match item {
                        Value::String(s) => subject.add_cohort(s),
                        Value::Number(_) | Value::Bool(_) => subject.add_cohort(&item.to_string()),
                        Value::Null => {}
                        other => {
                            return Err(format!(
                                "{key}: expected an array of strings, found {}",
                                json_type(other)
                            ));
                        }
                    }
                }
            }
            Cell::Json(other) => {
                return Err(format!(
                    "{key}: expected an array of strings, got {}",
                    json_type(other)
                ));
            }
        }
    }
    for (i, (key, cell)) in cells.iter().enumerate() {
        if consumed[i] || key.is_empty() || cell.is_blank() {
            continue;
        }
        if extra.is_some() && key == "attributes" {
            continue;
        }
        let value = cell.attribute();
        if !value.is_empty() {
            subject.attributes.entry(key.clone()).or_insert(value);
        }
    }
    if let Some(extra) = extra {
        for (key, value) in extra {
            let key = norm_key(key);
            let value = match value {
                Value::Null => continue,
                Value::String(s) => clean_value(s),
                other => other.to_string(),
            };
            if !key.is_empty() && !value.is_empty() {
                subject.attributes.insert(key, value);
            }
        }
    }
    Ok(subject)
}

fn from_object(
    obj: &Map<String, Value>,
    mapping: &Mapping,
    source: Source,
) -> Result<Subject, String> {
    let cells: Vec<(String, Cell)> = obj
        .iter()
        .map(|(k, v)| (norm_key(k), Cell::from_json(v)))
        .collect();
    let extra = match obj
        .iter()
        .find(|(k, _)| norm_key(k) == "attributes")
        .map(|(_, v)| v)
    {
        None | Some(Value::Null) => None,
        Some(Value::Object(map)) => Some(map),
        Some(other) => {
            return Err(format!(
                "attributes: expected an object, got {}",
                json_type(other)
            ));
        }
    };
    build(&cells, extra, mapping, source)
}

/// Build a subject from one JSON object in the JSONL / HTTP API shape
/// `{id, name, gender, birth_date, deceased_date, cohorts, attributes}` (roster-style keys
/// work too), with the default mapping and the same rules as the JSONL reader.
pub fn subject_from_json(obj: &Map<String, Value>, source: Source) -> Result<Subject, RecordError> {
    from_object(obj, &Mapping::default(), source).map_err(RecordError)
}

fn emit(result: Result<Subject, String>, file: &str, label: &str, out: &mut Emitter<'_>) {
    match result {
        Ok(subject) => out.subject(file, label, subject),
        Err(reason) => out.reject(file, label, &reason),
    }
}

/// The JSON type of a syntactically valid JSON text, from its first character (nothing is
/// built to tell).
pub(super) fn json_type_of(text: &str) -> &'static str {
    match text.trim_start().as_bytes().first() {
        Some(b'{') => "an object",
        Some(b'[') => "an array",
        Some(b'"') => "a string",
        Some(b't' | b'f') => "a boolean",
        Some(b'n') => "null",
        _ => "a number",
    }
}

/// One JSON object of subject fields, as an item of a JSON document (`label` is `item 3` or
/// `object`): held like a JSONL line, so at most [`MAX_LINE_BYTES`].
fn read_json_object(text: &str, label: &str, file: &str, mapping: &Mapping, out: &mut Emitter<'_>) {
    if !text.starts_with('{') {
        return out.reject(
            file,
            label,
            &format!("expected a JSON object, got {}", json_type_of(text)),
        );
    }
    if text.len() > MAX_LINE_BYTES {
        return out.reject(
            file,
            label,
            &format!(
                "the object is {} bytes; the limit is {MAX_LINE_BYTES}",
                text.len()
            ),
        );
    }
    match serde_json::from_str::<Map<String, Value>>(text) {
        Ok(obj) => emit(from_object(&obj, mapping, Source::Jsonl), file, label, out),
        Err(err) => out.reject(file, label, &format!("invalid JSON: {err}")),
    }
}

/// One JSONL line (trimmed, non-empty, UTF-8).
pub(super) fn read_json_line(
    text: &str,
    label: &str,
    file: &str,
    mapping: &Mapping,
    out: &mut Emitter<'_>,
) {
    // Only an object is built; anything else is only checked, to say what it is.
    let parsed = if text.starts_with('{') {
        serde_json::from_str::<Map<String, Value>>(text).map(Some)
    } else {
        serde_json::from_str::<IgnoredAny>(text).map(|_| None)
    };
    match parsed {
        Ok(Some(obj)) => emit(from_object(&obj, mapping, Source::Jsonl), file, label, out),
        Ok(None) => out.reject(
            file,
            label,
            &format!("expected a JSON object, got {}", json_type_of(text)),
        ),
        Err(err) => {
            let message = err.to_string();
            let message = message
                .rfind(" at line ")
                .map_or(message.as_str(), |i| &message[..i]);
            out.reject(
                file,
                label,
                &format!("invalid JSON at column {}: {message}", err.column()),
            )
        }
    }
}

/// A `.json` document of subjects: an array of objects, or one object.
///
/// The whole document is checked first without building anything, so a malformed one gives
/// one rejection and no subjects; then an array is read item by item (see `stream`), each
/// item held on its own.
pub(super) fn read_json_document(text: &str, file: &str, mapping: &Mapping, out: &mut Emitter<'_>) {
    if let Err(err) = serde_json::from_str::<IgnoredAny>(text) {
        return out.reject(file, "file", &format!("invalid JSON: {err}"));
    }
    let text = text.trim();
    match json_type_of(text) {
        "an array" => {
            let read = super::stream::array::<&RawValue>(text, &mut |i, item| {
                read_json_object(item.get(), &format!("item {}", i + 1), file, mapping, out)
            });
            match read {
                Ok(0) => out.notice(file, "the array is empty: no subjects"),
                Ok(_) => {}
                Err(err) => out.reject(file, "file", &format!("invalid JSON: {err}")),
            }
        }
        "an object" => read_json_object(text, "object", file, mapping, out),
        other => out.reject(
            file,
            "file",
            &format!("expected a JSON array of subject objects or one object, got {other}"),
        ),
    }
}

/// One CSV record, read with the size limits.
enum Row {
    /// No more records.
    End,
    /// A record, in [`CsvRows::field`].
    Record,
    /// A record of more than [`MAX_LINE_BYTES`] bytes (its size), skipped.
    TooLong(u64),
    /// A record of more than [`MAX_CSV_FIELDS`] fields, skipped.
    TooWide,
}

/// CSV records from a reader, parsed by `csv-core` (the `csv` crate's parser) into buffers that
/// never grow past the limits: a record over [`MAX_LINE_BYTES`] bytes or [`MAX_CSV_FIELDS`]
/// fields is read to its end without being kept, and reading goes on with the next one.
struct CsvRows<R> {
    reader: R,
    core: csv_core::Reader,
    /// The fields of the current record, back to back.
    fields: Vec<u8>,
    /// Where each field of the current record ends in `fields`.
    ends: Vec<usize>,
    len: usize,
}

impl<R: BufRead> CsvRows<R> {
    fn new(reader: R) -> Self {
        CsvRows {
            reader,
            core: csv_core::Reader::new(),
            fields: vec![0; 1024],
            ends: vec![0; 32],
            len: 0,
        }
    }

    /// The next record, as `csv::Reader::read_byte_record` reads it (blank lines skipped, `\r`,
    /// `\n` or `\r\n` endings, `"` quoting with `""` escapes), with the limits.
    fn next(&mut self) -> io::Result<Row> {
        use csv_core::ReadRecordResult;
        let limit = MAX_LINE_BYTES as u64;
        let (mut out_len, mut ends_len) = (0usize, 0usize);
        let mut bytes = 0u64;
        let mut too_long = false;
        let mut too_wide = false;
        loop {
            let input = self.reader.fill_buf()?;
            let (result, read, written, ended) = self.core.read_record(
                input,
                &mut self.fields[out_len..],
                &mut self.ends[ends_len..],
            );
            self.reader.consume(read);
            bytes += read as u64;
            out_len += written;
            ends_len += ended;
            too_long |= bytes > limit;
            match result {
                ReadRecordResult::InputEmpty => {}
                // Past a limit, keep parsing to the end of the record but drop what it holds.
                ReadRecordResult::OutputFull if too_long || too_wide => out_len = 0,
                ReadRecordResult::OutputFull => {
                    let grown = (self.fields.len() * 2).min(MAX_LINE_BYTES + 1);
                    self.fields.resize(grown.max(self.fields.len() + 1), 0);
                }
                ReadRecordResult::OutputEndsFull if too_long || too_wide => ends_len = 0,
                ReadRecordResult::OutputEndsFull if self.ends.len() >= MAX_CSV_FIELDS => {
                    too_wide = true;
                    ends_len = 0;
                }
                ReadRecordResult::OutputEndsFull => {
                    let grown = (self.ends.len() * 2).min(MAX_CSV_FIELDS);
                    self.ends.resize(grown, 0);
                }
                ReadRecordResult::Record | ReadRecordResult::End => {
                    let end = matches!(result, ReadRecordResult::End);
                    return Ok(if too_long {
                        Row::TooLong(bytes)
                    } else if too_wide {
                        Row::TooWide
                    } else if end {
                        Row::End
                    } else {
                        self.len = ends_len;
                        Row::Record
                    });
                }
            }
        }
    }

    fn len(&self) -> usize {
        self.len
    }

    /// Field `i` of the current record.
    fn field(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.fields[start..self.ends[i]]
    }

    fn fields(&self) -> impl Iterator<Item = &[u8]> {
        (0..self.len).map(|i| self.field(i))
    }
}

/// A CSV file with a header row. Rows are streamed; each is at most [`MAX_LINE_BYTES`] bytes
/// and [`MAX_CSV_FIELDS`] fields (a longer or wider row is rejected and skipped).
pub(super) fn read_csv(reader: impl BufRead, file: &str, mapping: &Mapping, out: &mut Emitter<'_>) {
    let mut rows = CsvRows::new(reader);
    let too_long = |what: &str, bytes: u64| {
        format!("the {what} is {bytes} bytes; the limit is {MAX_LINE_BYTES}")
    };
    let too_wide = |what: &str| {
        format!("the {what} has more than {MAX_CSV_FIELDS} fields; the limit is {MAX_CSV_FIELDS}")
    };
    match rows.next() {
        Ok(Row::Record) => {}
        Ok(Row::End) => return out.reject(file, "file", "the file is empty"),
        Ok(Row::TooLong(bytes)) => return out.reject(file, "header", &too_long("header", bytes)),
        Ok(Row::TooWide) => return out.reject(file, "header", &too_wide("header")),
        Err(err) => return out.reject(file, "header", &format!("cannot read the header: {err}")),
    }
    let mut keys = Vec::with_capacity(rows.len());
    for (i, field) in rows.fields().enumerate() {
        match std::str::from_utf8(field) {
            Ok(name) => keys.push(norm_key(name)),
            Err(_) => {
                return out.reject(
                    file,
                    "header",
                    &format!("column {} of the header is not valid UTF-8", i + 1),
                );
            }
        }
    }
    if keys.iter().all(String::is_empty) {
        return out.reject(file, "header", "the header row is blank");
    }
    for (field, overridden) in mapping.overridden.iter().enumerate() {
        let column = &mapping.candidates[field][0];
        if *overridden && !keys.contains(column) {
            return out.reject(
                file,
                "header",
                &format!(
                    "column {column} (--map {}={column}) is not in the header; the columns are {}",
                    MAP_FIELDS[field],
                    keys.join(", ")
                ),
            );
        }
    }
    // "row N" counts the records after the header (a quoted field may span lines, so this
    // is not a line number).
    let mut number = 0usize;
    let mut subjects_or_rejections = 0usize;
    loop {
        let row = rows.next();
        if !matches!(row, Ok(Row::End)) {
            number += 1;
        }
        let label = format!("row {number}");
        match row {
            Ok(Row::End) => break,
            Ok(Row::Record) => {}
            Ok(Row::TooLong(bytes)) => {
                subjects_or_rejections += 1;
                out.reject(file, &label, &too_long("row", bytes));
                continue;
            }
            Ok(Row::TooWide) => {
                subjects_or_rejections += 1;
                out.reject(file, &label, &too_wide("row"));
                continue;
            }
            Err(err) => {
                subjects_or_rejections += 1;
                out.reject(file, &label, &format!("cannot read: {err}"));
                break;
            }
        }
        if rows.fields().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            continue;
        }
        subjects_or_rejections += 1;
        if rows.len() != keys.len() {
            out.reject(
                file,
                &label,
                &format!(
                    "the row has {} fields; the header has {}",
                    rows.len(),
                    keys.len()
                ),
            );
            continue;
        }
        let mut cells = Vec::with_capacity(keys.len());
        let mut bad = None;
        for (i, field) in rows.fields().enumerate() {
            match std::str::from_utf8(field) {
                Ok(value) => cells.push((keys[i].clone(), Cell::Text(value.to_string()))),
                Err(_) => {
                    bad = Some(i);
                    break;
                }
            }
        }
        if let Some(i) = bad {
            let column = if keys[i].is_empty() {
                format!("column {}", i + 1)
            } else {
                keys[i].clone()
            };
            out.reject(file, &label, &format!("{column} is not valid UTF-8"));
            continue;
        }
        emit(build(&cells, None, mapping, Source::Csv), file, &label, out);
    }
    if subjects_or_rejections == 0 {
        out.notice(file, "the file has a header but no rows");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every record as `csv-core` gives it to [`read_csv`], limits included.
    fn rows(input: &[u8]) -> Vec<Result<Vec<Vec<u8>>, String>> {
        let mut rows = CsvRows::new(input);
        let mut out = Vec::new();
        loop {
            match rows.next().unwrap() {
                Row::End => return out,
                Row::Record => out.push(Ok(rows.fields().map(<[u8]>::to_vec).collect())),
                Row::TooLong(n) => out.push(Err(format!("too long: {n}"))),
                Row::TooWide => out.push(Err("too wide".into())),
            }
        }
    }

    /// The same records as the `csv` crate reads them (flexible, no headers).
    fn csv_crate(input: &[u8]) -> Vec<Result<Vec<Vec<u8>>, String>> {
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(input);
        rdr.byte_records()
            .map(|r| Ok(r.unwrap().iter().map(<[u8]>::to_vec).collect()))
            .collect()
    }

    #[test]
    fn records_match_the_csv_crate() {
        let inputs: &[&[u8]] = &[
            b"",
            b"\n\n",
            b"a,b\n1,2\n",
            b"a,b\r\n1,2\r\n\r\n3,4",
            b"a\r1\r2",
            b"\"quoted, comma\",\"multi\nline\",\"dq \"\"x\"\"\"\n",
            b"a\"b,c\n",
            b"\"unterminated\n,x\n",
            b",,,\n,\n",
            b"\xEF\xBB\xBFid\n1\n",
            b"x,\"y\"z,w\n",
        ];
        for input in inputs {
            assert_eq!(
                rows(input),
                csv_crate(input),
                "{:?}",
                String::from_utf8_lossy(input)
            );
        }
    }

    #[test]
    fn long_and_wide_records_are_skipped_and_reading_goes_on() {
        let mut input = b"a,b\n\"".to_vec();
        input.resize(input.len() + MAX_LINE_BYTES, b'x');
        input.extend_from_slice(b"\"\nc,d\n");
        let got = rows(&input);
        assert_eq!(got.len(), 3);
        assert_eq!(got[0], Ok(vec![b"a".to_vec(), b"b".to_vec()]));
        assert_eq!(got[1], Err(format!("too long: {}", MAX_LINE_BYTES + 3)));
        assert_eq!(got[2], Ok(vec![b"c".to_vec(), b"d".to_vec()]));

        let wide = format!("{}\n1,2\n", ",".repeat(MAX_CSV_FIELDS));
        let got = rows(wide.as_bytes());
        assert_eq!(got[0], Err("too wide".into()));
        assert_eq!(got[1], Ok(vec![b"1".to_vec(), b"2".to_vec()]));
        // Exactly the limit is fine.
        let widest = format!("{}\n", ",".repeat(MAX_CSV_FIELDS - 1));
        let got = rows(widest.as_bytes());
        assert_eq!(got[0].as_ref().map(Vec::len), Ok(MAX_CSV_FIELDS));
    }

    #[test]
    fn buffers_stay_within_the_limits() {
        let mut input = vec![b'"'];
        input.resize(3 * MAX_LINE_BYTES, b'x');
        let mut rows = CsvRows::new(input.as_slice());
        assert!(matches!(rows.next().unwrap(), Row::TooLong(_)));
        assert!(rows.fields.len() <= MAX_LINE_BYTES + 1);
        assert!(rows.ends.len() <= MAX_CSV_FIELDS);
        assert!(matches!(rows.next().unwrap(), Row::End));
    }
}
