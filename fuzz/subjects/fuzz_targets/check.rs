//! What every read must give, whatever the bytes: shared by the `fhir` and `tabular` targets.

use chrono::NaiveDate;
use likeness_subjects::demographics::checked_age;
use likeness_subjects::{
    MAX_NAME_CHARS, ReadOptions, ReadSummary, Record, Subject, SubjectId, read_bytes,
};

/// The fixed "today" of the targets (so a crash reproduces on any day).
pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 21).unwrap()
}

/// Read `data` as the file `name` with `opts` and check the records and the summary.
pub fn read_and_check(name: &str, data: &[u8], opts: &ReadOptions) {
    let mut records = Vec::new();
    let summary = read_bytes(name, data, opts, today(), &mut |r| records.push(r))
        .expect("the options are valid, so reading bytes never fails as a whole");
    let mut seen = ReadSummary::default();
    let mut ids = std::collections::HashSet::new();
    for (i, record) in records.iter().enumerate() {
        match record {
            Record::Subject(s) => {
                seen.subjects += 1;
                subject(s, opts);
                assert!(ids.insert(s.id.clone()), "duplicate id {} emitted", s.id);
                // An implausible age is followed by its notice, and only then.
                let notice = match records.get(i + 1) {
                    Some(Record::Notice(n)) => Some(n.message.as_str()),
                    _ => None,
                };
                match checked_age(s, today()) {
                    Err(problem) => {
                        let message = notice.expect("an implausible age has a notice");
                        assert!(message.ends_with(&problem.to_string()), "{message}");
                        assert!(s.demographics(today()).age.is_none());
                    }
                    Ok(age) => {
                        assert!(notice.is_none_or(|m| !m.ends_with("age treated as unknown")));
                        assert_eq!(s.demographics(today()).age, age);
                        assert!(age.is_none_or(|a| a <= likeness_subjects::date::MAX_AGE));
                    }
                }
            }
            Record::Rejected(r) => {
                seen.rejected += 1;
                assert_eq!(r.file, name);
                assert!(!r.record.is_empty() && !r.reason.is_empty(), "{r:?}");
            }
            Record::Notice(n) => {
                seen.notices += 1;
                assert_eq!(n.file, name);
                assert!(!n.message.is_empty());
            }
        }
    }
    seen.files = summary.files;
    assert_eq!(summary, seen, "the summary counts what was emitted");
    assert!(summary.files <= 1);
}

/// The invariants of a subject that leaves the crate (see `Subject`'s docs).
fn subject(s: &Subject, opts: &ReadOptions) {
    let id = s.id.as_str();
    assert_eq!(
        SubjectId::new(id).as_ref(),
        Ok(&s.id),
        "id {id:?} passes validation"
    );
    assert!(!id.is_empty() && id.len() <= 128);
    assert!(id.starts_with(|c: char| c.is_ascii_alphanumeric()));
    assert!(
        id.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
    );
    if let Some(name) = &s.name {
        let count = name.chars().count();
        assert!((1..=MAX_NAME_CHARS).contains(&count), "{name:?}");
        assert!(!name.chars().any(char::is_control), "{name:?}");
        assert_eq!(name.trim(), name);
    }
    assert!(s.cohorts.windows(2).all(|w| w[0] < w[1]), "{:?}", s.cohorts);
    assert!(s.cohorts.iter().all(|c| !c.is_empty()));
    if let Some(cohort) = &opts.cohort {
        assert!(s.cohorts.contains(cohort));
    }
    for (key, value) in &s.attributes {
        assert!(!key.is_empty() && key.trim() == key, "{key:?}");
        assert!(
            !value.is_empty() && value.trim() == value,
            "{key:?}={value:?}"
        );
    }
    assert!(s.deceased_date.is_none() || s.deceased);
    // What is stored is what comes back.
    let json = serde_json::to_string(s).expect("a subject serialises");
    let back: Subject = serde_json::from_str(&json).expect("and deserialises");
    assert_eq!(&back, s);
    let _ = s.slug();
}
