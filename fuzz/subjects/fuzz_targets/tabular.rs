//! Any bytes through the CSV and JSON subject readers (`.csv`, `.jsonl`, and a `.json` array or
//! object), with the default columns and with a column map and an import cohort. An error is a
//! rejection; a panic, an abort, a timeout or memory past `-rss_limit_mb` is a bug, and so is a
//! record that breaks the checks in `check.rs`.

#![no_main]

mod check;

use libfuzzer_sys::fuzz_target;
use likeness_subjects::{Kind, ReadOptions};

fuzz_target!(|data: &[u8]| {
    // The seeds in corpus/tabular/mapped.* use these columns.
    let map = [
        ("id", "key"),
        ("name", "who"),
        ("birth_date", "born"),
        ("deceased_date", "died"),
        ("cohorts", "groups"),
    ]
    .into_iter()
    .map(|(field, column)| (field.to_string(), column.to_string()))
    .collect();
    let mapped = ReadOptions {
        map,
        cohort: Some("fuzz".into()),
        ..Default::default()
    };
    for name in ["in.csv", "in.jsonl", "in.json"] {
        check::read_and_check(name, data, &ReadOptions::default());
        check::read_and_check(name, data, &mapped);
    }
    // JSON lines forced to be subjects, even when they look like FHIR.
    let forced = ReadOptions {
        kind: Some(Kind::Jsonl),
        ..Default::default()
    };
    check::read_and_check("in.jsonl", data, &forced);
});
