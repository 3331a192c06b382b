//! Any bytes through the FHIR readers: as a `.json` document (a Patient, a Bundle, anything)
//! and as `.ndjson`, each detected and with the kind forced to FHIR. An error is a rejection;
//! a panic, an abort, a timeout or memory past `-rss_limit_mb` is a bug, and so is a record
//! that breaks the checks in `check.rs`.

#![no_main]

mod check;

use libfuzzer_sys::fuzz_target;
use likeness_subjects::{Kind, ReadOptions};

fuzz_target!(|data: &[u8]| {
    for name in ["in.json", "in.ndjson"] {
        for kind in [None, Some(Kind::Fhir)] {
            let opts = ReadOptions {
                kind,
                ..Default::default()
            };
            check::read_and_check(name, data, &opts);
        }
    }
});
