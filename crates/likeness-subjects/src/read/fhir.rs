//! FHIR R4: a Patient, a Bundle of any type (Patients among other entries, nested Bundles
//! too), or NDJSON with one resource per line.
//!
//! Only the fields used are modelled (hand-written serde structs, unknown fields ignored), so
//! the rest of a resource may be anything. Bundle entries are read one at a time and kept as
//! raw JSON (a slice of the document, not a copy) until their `resourceType` is known, so an
//! Organization's `name` (a string) never meets the Patient's `name` (an array), and a big or
//! deeply nested Bundle is never built whole. A Bundle is checked whole before its first entry
//! is read: a malformed one is one rejection and no subjects. A Patient over
//! [`super::MAX_LINE_BYTES`] is rejected before it is parsed. Resource types from the file are
//! shown in notices as FHIR names, or quoted and shortened when they are not.
//!
//! Patient → Subject:
//! * id: `Patient.id`; inside a Bundle, when it is missing, the id from `fullUrl`
//!   (`urn:uuid:<id>` or `…/Patient/<id>[/_history/…]`). No usable id → rejected. The id must
//!   be a valid [`SubjectId`].
//! * name: [`crate::names`] rule 4 over `Patient.name`.
//! * gender: `Patient.gender` through [`Gender::from_source`]; the raw code is kept.
//! * birth_date: `birthDate` (partial dates allowed).
//! * deceased: `deceasedBoolean`, or `deceasedDateTime` (its date part; implies deceased).
//! * attributes: `species` and `breed` from the `patient-animal` extension (coding display,
//!   else code, else text); `email` from `Patient.telecom` (system `email`; the lowest `rank`
//!   first, an `old` address never).
//! * cohorts: none from FHIR (the import cohort is added by the reader).

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::{Emitter, MAX_LINE_BYTES, stream};
use crate::date::PartialDate;
use crate::id::SubjectId;
use crate::names::{HumanName, fhir_display_name};
use crate::subject::{Gender, Source, Subject};

const ANIMAL_EXTENSION: &str = "http://hl7.org/fhir/StructureDefinition/patient-animal";

/// Just the `resourceType`, kept raw (a non-string one is not built either); every other
/// member is skipped.
#[derive(Deserialize)]
struct Head<'a> {
    #[serde(rename = "resourceType", borrow)]
    resource_type: Option<&'a RawValue>,
}

/// A Bundle entry; the resource stays a slice of the document until its type is known.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Entry<'a> {
    #[serde(borrow)]
    full_url: Option<Cow<'a, str>>,
    #[serde(borrow)]
    resource: Option<&'a RawValue>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Patient {
    id: Option<String>,
    name: Option<Vec<HumanName>>,
    gender: Option<String>,
    birth_date: Option<String>,
    deceased_boolean: Option<bool>,
    deceased_date_time: Option<String>,
    extension: Option<Vec<Extension>>,
    telecom: Option<Vec<ContactPoint>>,
}

/// `Patient.telecom`: only e-mail addresses are read (for Gravatar-style avatar lookups).
#[derive(Deserialize)]
struct ContactPoint {
    system: Option<String>,
    value: Option<String>,
    #[serde(rename = "use")]
    purpose: Option<String>,
    rank: Option<u32>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Extension {
    url: Option<String>,
    extension: Option<Vec<Extension>>,
    value_codeable_concept: Option<CodeableConcept>,
}

#[derive(Deserialize)]
struct CodeableConcept {
    coding: Option<Vec<Coding>>,
    text: Option<String>,
}

#[derive(Deserialize)]
struct Coding {
    code: Option<String>,
    display: Option<String>,
}

impl CodeableConcept {
    fn label(&self) -> Option<String> {
        let from_coding = self.coding.iter().flatten().find_map(|c| {
            c.display
                .as_deref()
                .or(c.code.as_deref())
                .map(str::trim)
                .filter(|s| !s.is_empty())
        });
        from_coding
            .or(self
                .text
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty()))
            .map(crate::names::sanitize)
    }
}

/// The `resourceType` of a JSON document, if it is an object that has a string one.
/// Syntax errors are returned (with serde's line and column).
pub(super) fn resource_type(text: &str) -> Result<Option<String>, serde_json::Error> {
    if !text.trim_start().starts_with('{') {
        return Ok(None);
    }
    let head: Head = serde_json::from_str(text)?;
    Ok(head
        .resource_type
        .and_then(|raw| serde_json::from_str::<String>(raw.get()).ok()))
}

/// The most resource types a notice lists.
const SHOWN_TYPES: usize = 10;

/// What a resource (recursively, for Bundles) held.
#[derive(Default)]
struct Tally {
    patients: usize,
    entries: usize,
    others: BTreeMap<String, usize>,
}

/// A resource type as shown in a message: a name as FHIR spells them (`Organization`) as is,
/// anything else quoted, escaped and shortened (it comes from the file: it may be megabytes
/// long or hold terminal escapes).
fn shown_type(resource_type: &str) -> Cow<'_, str> {
    let plain = (1..=64).contains(&resource_type.len())
        && resource_type.starts_with(|c: char| c.is_ascii_alphabetic())
        && resource_type.chars().all(|c| c.is_ascii_alphanumeric());
    if plain {
        Cow::Borrowed(resource_type)
    } else {
        Cow::Owned(crate::error::quote(resource_type))
    }
}

impl Tally {
    /// Count one resource of another type (as shown: see [`shown_type`]).
    fn other(&mut self, shown: &str) {
        *self.others.entry(shown.to_string()).or_default() += 1;
    }

    fn merge(&mut self, other: Tally) {
        self.patients += other.patients;
        for (k, v) in other.others {
            *self.others.entry(k).or_default() += v;
        }
    }

    /// `Organization x3, Observation x1` (most frequent first; at most [`SHOWN_TYPES`], then
    /// `and N more types`).
    fn describe_others(&self) -> String {
        let mut others: Vec<(&String, &usize)> = self.others.iter().collect();
        others.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let mut shown: Vec<String> = others
            .iter()
            .take(SHOWN_TYPES)
            .map(|(k, v)| format!("{k} x{v}"))
            .collect();
        if others.len() > SHOWN_TYPES {
            shown.push(format!("and {} more types", others.len() - SHOWN_TYPES));
        }
        shown.join(", ")
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A serde_json error without its position (for sub-documents, where the position would
/// be relative to the entry).
fn without_position(err: &serde_json::Error) -> String {
    let text = err.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

/// Read one FHIR JSON document (already known to be UTF-8).
pub(super) fn read_document(text: &str, file: &str, out: &mut Emitter<'_>) {
    let rt = match resource_type(text) {
        Ok(Some(rt)) => rt,
        Ok(None) => {
            return out.reject(
                file,
                "file",
                "not a FHIR resource: expected a JSON object with a resourceType",
            );
        }
        Err(err) => return out.reject(file, "file", &format!("invalid JSON: {err}")),
    };
    let tally = resource(text, &rt, "", None, file, out);
    if rt == "Bundle" && tally.patients == 0 {
        let detail = if tally.entries == 0 {
            "0 entries".to_string()
        } else if tally.others.is_empty() {
            plural(tally.entries, "entry", "entries")
        } else {
            format!(
                "{}: {}",
                plural(tally.entries, "entry", "entries"),
                tally.describe_others()
            )
        };
        out.notice(file, &format!("Bundle has no Patient entries ({detail})"));
    } else if rt != "Bundle" && rt != "Patient" {
        out.notice(
            file,
            &format!(
                "the resource is a {}, not a Patient or a Bundle: no subjects",
                shown_type(&rt)
            ),
        );
    }
}

/// NDJSON bookkeeping across lines.
#[derive(Default)]
pub(super) struct LinesState {
    tally: Tally,
    resources: usize,
}

impl LinesState {
    pub(super) fn finish(&self, file: &str, out: &mut Emitter<'_>) {
        if self.tally.patients == 0 && self.resources > 0 {
            let mut message = format!(
                "NDJSON has no Patient resources ({}",
                plural(self.resources, "resource", "resources")
            );
            if !self.tally.others.is_empty() {
                message.push_str(&format!(": {}", self.tally.describe_others()));
            }
            message.push(')');
            out.notice(file, &message);
        }
    }
}

/// Read one NDJSON line (trimmed, non-empty, UTF-8).
pub(super) fn read_line(
    text: &str,
    label: &str,
    file: &str,
    state: &mut LinesState,
    out: &mut Emitter<'_>,
) {
    let rt = match resource_type(text) {
        Ok(Some(rt)) => rt,
        Ok(None) => {
            return out.reject(
                file,
                label,
                "not a FHIR resource: expected a JSON object with a resourceType",
            );
        }
        Err(err) => {
            return out.reject(
                file,
                label,
                &format!(
                    "invalid JSON at column {}: {}",
                    err.column(),
                    without_position(&err)
                ),
            );
        }
    };
    state.resources += 1;
    let tally = resource(text, &rt, label, None, file, out);
    state.tally.merge(tally);
}

/// Handle one resource whose type is known; `path` is where it is ("" for a whole document,
/// "line 4", "entry 3", "line 4 > entry 2"…).
fn resource(
    json: &str,
    rt: &str,
    path: &str,
    full_url: Option<&str>,
    file: &str,
    out: &mut Emitter<'_>,
) -> Tally {
    let mut tally = Tally::default();
    match rt {
        "Patient" => {
            tally.patients += 1;
            patient(json, path, full_url, file, out);
        }
        "Bundle" => {
            // Entry by entry, never all at once (see `stream`). The whole Bundle is checked
            // first, so a malformed one gives one rejection and no subjects.
            let label = if path.is_empty() {
                "resource (Bundle)"
            } else {
                path
            };
            if let Err(err) = stream::member_array::<Entry>(json, "entry", &mut |_, _| {}) {
                out.reject(file, label, &format!("invalid Bundle: {err}"));
                return tally;
            }
            let read = stream::member_array::<Entry>(json, "entry", &mut |i, entry| {
                tally.entries += 1;
                let child = if path.is_empty() {
                    format!("entry {}", i + 1)
                } else {
                    format!("{path} > entry {}", i + 1)
                };
                let Some(raw) = entry.resource else {
                    tally.other("(no resource)");
                    return;
                };
                match resource_type(raw.get()) {
                    Ok(Some(child_rt)) => {
                        let sub = resource(
                            raw.get(),
                            &child_rt,
                            &child,
                            entry.full_url.as_deref(),
                            file,
                            out,
                        );
                        tally.merge(sub);
                    }
                    Ok(None) => tally.other("(no resourceType)"),
                    Err(err) => out.reject(
                        file,
                        &child,
                        &format!("invalid JSON: {}", without_position(&err)),
                    ),
                }
            });
            // The same text parsed the same way a moment ago: this cannot fail, but if it
            // did, it is one more rejection, not a panic.
            if let Err(err) = read {
                out.reject(file, label, &format!("invalid Bundle: {err}"));
            }
        }
        other => tally.other(&shown_type(other)),
    }
    tally
}

fn patient(json: &str, path: &str, full_url: Option<&str>, file: &str, out: &mut Emitter<'_>) {
    let base = if path.is_empty() { "resource" } else { path };
    // One record, one limit: a Patient is held like a JSONL line (its names and extensions
    // cost many times their text once parsed).
    if json.len() > MAX_LINE_BYTES {
        return out.reject(
            file,
            &format!("{base} (Patient)"),
            &format!(
                "the Patient is {} bytes; the limit is {MAX_LINE_BYTES}",
                json.len()
            ),
        );
    }
    let patient: Patient = match serde_json::from_str(json) {
        Ok(p) => p,
        Err(err) => {
            let shown = if path.is_empty() {
                err.to_string()
            } else {
                without_position(&err)
            };
            return out.reject(
                file,
                &format!("{base} (Patient)"),
                &format!("invalid Patient: {shown}"),
            );
        }
    };
    let declared = patient
        .id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let raw_id = match declared {
        Some(id) => id.to_string(),
        None => match full_url.and_then(id_from_full_url) {
            Some(id) => id,
            None => {
                let reason = match full_url {
                    Some(url) => format!(
                        "the Patient has no id, and its fullUrl {} does not give one",
                        crate::error::quote(url)
                    ),
                    None => "the Patient has no id".to_string(),
                };
                return out.reject(file, &format!("{base} (Patient)"), &reason);
            }
        },
    };
    let id = match SubjectId::new(raw_id) {
        Ok(id) => id,
        Err(err) => return out.reject(file, &format!("{base} (Patient)"), &err.to_string()),
    };
    let label = format!("{base} (Patient/{id})");
    match to_subject(patient, id) {
        Ok(subject) => out.subject(file, &label, subject),
        Err(reason) => out.reject(file, &label, &reason),
    }
}

fn to_subject(patient: Patient, id: SubjectId) -> Result<Subject, String> {
    let mut subject = Subject::new(id, Source::Fhir);
    subject.name = fhir_display_name(patient.name.as_deref().unwrap_or_default())
        .map_err(|e| e.to_string())?;
    let gender_raw = patient
        .gender
        .as_deref()
        .map(crate::names::sanitize)
        .filter(|g| !g.is_empty());
    subject.gender = Gender::from_source(gender_raw.as_deref());
    subject.gender_raw = gender_raw;
    if let Some(bd) = patient.birth_date.as_deref() {
        let date: PartialDate = bd.parse().map_err(|e| format!("birthDate: {e}"))?;
        subject.birth_date = Some(date);
    }
    if let Some(dt) = patient.deceased_date_time.as_deref() {
        let date: PartialDate = dt.parse().map_err(|e| format!("deceasedDateTime: {e}"))?;
        subject.deceased_date = Some(date);
        subject.deceased = true;
    }
    if patient.deceased_boolean == Some(true) {
        subject.deceased = true;
    }
    for ext in patient.extension.iter().flatten() {
        if ext.url.as_deref() != Some(ANIMAL_EXTENSION) {
            continue;
        }
        for part in ext.extension.iter().flatten() {
            let key = match part.url.as_deref() {
                Some("species") => "species",
                Some("breed") => "breed",
                _ => continue,
            };
            if let Some(value) = part
                .value_codeable_concept
                .as_ref()
                .and_then(CodeableConcept::label)
            {
                subject.attributes.insert(key.to_string(), value);
            }
        }
    }
    if let Some(email) = preferred_email(patient.telecom.as_deref().unwrap_or_default()) {
        subject.attributes.insert("email".to_string(), email);
    }
    Ok(subject)
}

/// The e-mail address to look a patient up by: the best-ranked current one (FHIR: rank 1 is
/// the most preferred; unranked ones come after ranked ones, in file order).
fn preferred_email(telecom: &[ContactPoint]) -> Option<String> {
    telecom
        .iter()
        .filter(|c| c.system.as_deref() == Some("email") && c.purpose.as_deref() != Some("old"))
        .filter_map(|c| {
            let value = crate::names::sanitize(c.value.as_deref()?);
            (!value.is_empty()).then_some((c.rank.unwrap_or(u32::MAX), value))
        })
        .min_by_key(|(rank, _)| *rank)
        .map(|(_, value)| value)
}

/// `urn:uuid:<id>`, `urn:oid:<id>`, or a URL ending in `Patient/<id>` (optionally followed by
/// `/_history/<v>`). The result still has to pass [`SubjectId`] validation.
fn id_from_full_url(url: &str) -> Option<String> {
    let url = url.trim();
    for scheme in ["urn:uuid:", "urn:oid:"] {
        if let Some(rest) = url.strip_prefix(scheme) {
            return Some(rest.to_string()).filter(|s| !s.is_empty());
        }
    }
    let url = url.split(['?', '#']).next().unwrap_or(url);
    let segments: Vec<&str> = url.split('/').collect();
    let at = segments.iter().rposition(|s| *s == "Patient")?;
    segments
        .get(at + 1)
        .filter(|s| !s.is_empty())
        .map(|s| s.to_string())
}

#[cfg(test)]
mod tests {
    use super::id_from_full_url;
    use crate::read::{ReadOptions, Record, read_bytes};

    fn email_of(patient: &str) -> Option<String> {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        let mut records = Vec::new();
        read_bytes(
            "p.json",
            patient.as_bytes(),
            &ReadOptions::default(),
            today,
            &mut |r| records.push(r),
        )
        .unwrap();
        match records.as_slice() {
            [Record::Subject(s)] => s.attributes.get("email").cloned(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn email_comes_from_the_best_ranked_current_telecom() {
        let p = |telecom: &str| {
            format!(r#"{{"resourceType":"Patient","id":"p1","telecom":[{telecom}]}}"#)
        };
        let phone = r#"{"system":"phone","value":"555-0100"}"#;
        let old = r#"{"system":"email","value":"old@example.org","use":"old","rank":1}"#;
        let home = r#"{"system":"email","value":" Ann@Example.org ","use":"home"}"#;
        let work = r#"{"system":"email","value":"ann@work.example","rank":2}"#;
        assert_eq!(email_of(&p(phone)), None);
        assert_eq!(
            email_of(&p(&[phone, home].join(","))).as_deref(),
            Some("Ann@Example.org")
        );
        assert_eq!(
            email_of(&p(&[old, home, work].join(","))).as_deref(),
            Some("ann@work.example")
        );
        assert_eq!(email_of(&p(old)), None);
        assert_eq!(email_of(r#"{"resourceType":"Patient","id":"p1"}"#), None);
    }

    #[test]
    fn full_url_ids() {
        let cases = [
            (
                "urn:uuid:968fd401-9a01-1b75-498f-0cd102fd351e",
                Some("968fd401-9a01-1b75-498f-0cd102fd351e"),
            ),
            ("http://hl7.org/fhir/Patient/1", Some("1")),
            (
                "https://example.org/fhir/Patient/xyz/_history/2",
                Some("xyz"),
            ),
            ("https://example.org/fhir/Observation/xyz", None),
            ("urn:uuid:", None),
            ("https://example.org/fhir/Patient/", None),
            ("", None),
        ];
        for (url, want) in cases {
            assert_eq!(id_from_full_url(url).as_deref(), want, "{url}");
        }
    }
}
