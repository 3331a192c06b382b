//! Bad input never panics: each bad file or record is reported with its file, record and
//! reason, and the rest of the import goes on.

use crate::common;

use common::{read, read_bytes, read_with};
use likeness_subjects::{Kind, ReadOptions, Record, SourceError, read_paths};
use std::path::PathBuf;

fn dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn ids(r: &common::Read) -> Vec<&str> {
    r.subjects.iter().map(|s| s.id.as_str()).collect()
}

#[test]
fn jsonl_bad_lines_are_rejected_and_the_rest_goes_on() {
    let d = dir();
    let long = "x".repeat(10_000);
    let text = format!(
        concat!(
            "{{\"id\": \"a\", \"name\": \"Ann\"}}\n",
            "{{\"id\": \"b\", \"name\": \n", // 2: malformed JSON
            "[1, 2]\n",                      // 3: not an object
            "{{\"name\": \"No Id\", \"id\": \"  \"}}\n", // 4: blank id
            "{{\"id\": \"../../x\"}}\n",     // 5: path traversal id
            "{{\"id\": \"c\", \"name\": \"{long}\"}}\n", // 6: 10,000-character name
            "\n",                            // 7: blank, skipped
            "{{\"id\": \"d\", \"birth_date\": \"17/05/1962\"}}\n", // 8: bad date
            "{{\"id\": \"e\"}}\n",
        ),
        long = long
    );
    let got = read_bytes(d.path(), "subjects.jsonl", text.as_bytes());
    assert_eq!(ids(&got), ["a", "e"]);
    let rejected: Vec<(&str, &str)> = got
        .rejected
        .iter()
        .map(|r| (r.record.as_str(), r.reason.as_str()))
        .collect();
    assert_eq!(rejected.len(), 6, "{rejected:?}");
    assert_eq!(rejected[0].0, "line 2");
    assert!(
        rejected[0].1.starts_with("invalid JSON at column"),
        "{}",
        rejected[0].1
    );
    assert_eq!(
        rejected[1],
        ("line 3", "expected a JSON object, got an array")
    );
    assert_eq!(rejected[2], ("line 4", "no id: id is blank"));
    assert_eq!(rejected[3].0, "line 5");
    assert!(
        rejected[3].1.contains("invalid subject id \"../../x\""),
        "{}",
        rejected[3].1
    );
    assert_eq!(
        rejected[4],
        ("line 6", "name is 10000 characters; the limit is 200")
    );
    assert_eq!(rejected[5].0, "line 8");
    assert!(
        rejected[5]
            .1
            .starts_with("birth_date: \"17/05/1962\" is not a date"),
        "{}",
        rejected[5].1
    );
    assert!(
        got.rejected
            .iter()
            .all(|r| r.file.ends_with("subjects.jsonl"))
    );
}

#[test]
fn unsafe_ids_are_rejected_everywhere() {
    let d = dir();
    for bad in ["../../x", "a/b", "C:\\x", ".hidden", "-rf", "a b", "ü"] {
        let line = serde_json::json!({ "id": bad, "name": "X" }).to_string();
        let got = read_bytes(d.path(), "one.jsonl", line.as_bytes());
        assert!(got.subjects.is_empty(), "{bad}");
        assert_eq!(got.rejected.len(), 1, "{bad}");
        assert!(
            got.rejected[0].reason.contains("invalid subject id"),
            "{bad}"
        );

        let patient = serde_json::json!({ "resourceType": "Patient", "id": bad }).to_string();
        let got = read_bytes(d.path(), "p.json", patient.as_bytes());
        assert!(got.subjects.is_empty(), "{bad}");
        assert_eq!(got.rejected[0].record, "resource (Patient)", "{bad}");
    }
}

#[test]
fn empty_files_are_rejected() {
    let d = dir();
    for name in ["e.json", "e.jsonl", "e.ndjson", "e.csv"] {
        let got = read_bytes(d.path(), name, b"");
        assert_eq!(got.rejected.len(), 1, "{name}");
        assert_eq!(got.rejected[0].record, "file");
        assert_eq!(got.rejected[0].reason, "the file is empty", "{name}");
    }
    // Whitespace only.
    for name in ["w.json", "w.jsonl"] {
        let got = read_bytes(d.path(), name, b"  \n\n ");
        assert_eq!(got.rejected[0].reason, "the file is empty", "{name}");
    }
    // A header and nothing else.
    let got = read_bytes(d.path(), "h.csv", b"id,name\n");
    assert!(got.rejected.is_empty());
    assert_eq!(got.notices[0].message, "the file has a header but no rows");
}

#[test]
fn binary_files_are_rejected() {
    let d = dir();
    let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10";
    for name in ["img.json", "img.jsonl", "img.csv"] {
        let got = read_bytes(d.path(), name, png);
        assert!(got.subjects.is_empty());
        assert_eq!(got.rejected.len(), 1, "{name}");
        assert!(
            got.rejected[0].reason.contains("binary"),
            "{name}: {:?}",
            got.rejected
        );
    }
    // No NUL bytes but not UTF-8 either.
    let got = read_bytes(
        d.path(),
        "latin1.json",
        b"{\"resourceType\": \"Patient\", \"id\": \"x\xe9\"}",
    );
    assert_eq!(got.rejected[0].reason, "not valid UTF-8 (at byte 36)");
}

#[test]
fn utf8_bom_is_skipped() {
    let d = dir();
    let got = read_bytes(d.path(), "bom.csv", "\u{feff}id,name\n1,Ann\n".as_bytes());
    assert_eq!(ids(&got), ["1"]);
    assert_eq!(got.subjects[0].name.as_deref(), Some("Ann"));
    let got = read_bytes(d.path(), "bom.jsonl", "\u{feff}{\"id\":\"2\"}\n".as_bytes());
    assert_eq!(ids(&got), ["2"]);
    let got = read_bytes(
        d.path(),
        "bom.json",
        "\u{feff}{\"resourceType\":\"Patient\",\"id\":\"3\"}".as_bytes(),
    );
    assert_eq!(ids(&got), ["3"]);
}

#[test]
fn invalid_utf8_is_per_record_in_line_formats() {
    let d = dir();
    let got = read_bytes(
        d.path(),
        "mixed.jsonl",
        b"{\"id\":\"a\"}\n{\"id\":\"b\xff\"}\n{\"id\":\"c\"}\n",
    );
    assert_eq!(ids(&got), ["a", "c"]);
    assert_eq!(got.rejected[0].record, "line 2");
    assert!(got.rejected[0].reason.starts_with("not valid UTF-8"));

    let got = read_bytes(d.path(), "mixed.csv", b"id,name\na,Ann\nb,B\xffb\nc,Cy\n");
    assert_eq!(ids(&got), ["a", "c"]);
    assert_eq!(got.rejected[0].record, "row 2");
    assert_eq!(got.rejected[0].reason, "name is not valid UTF-8");
}

#[test]
fn csv_rows_with_the_wrong_number_of_fields() {
    let d = dir();
    let got = read_bytes(
        d.path(),
        "r.csv",
        b"id,name,team\r\n1,Ann,A\r\n2,Bo\r\n3,Cy,C,extra\r\n4,Di,D\r\n",
    );
    assert_eq!(ids(&got), ["1", "4"]);
    assert_eq!(got.rejected.len(), 2);
    assert_eq!(got.rejected[0].record, "row 2");
    assert_eq!(got.rejected[1].record, "row 3");
    assert_eq!(
        got.rejected[0].reason,
        "the row has 2 fields; the header has 3"
    );
    assert_eq!(
        got.rejected[1].reason,
        "the row has 4 fields; the header has 3"
    );
    assert_eq!(got.subjects[1].attributes["team"], "D");
}

#[test]
fn malformed_fhir_json_reports_line_and_column() {
    let d = dir();
    let got = read_bytes(
        d.path(),
        "bad.json",
        b"{\n  \"resourceType\": \"Patient\",\n  \"id\": \"x\",,\n}",
    );
    assert_eq!(got.rejected.len(), 1);
    let r = &got.rejected[0];
    assert_eq!(r.record, "file");
    assert!(
        r.reason.starts_with("invalid JSON: ") && r.reason.contains("line 3 column"),
        "{}",
        r.reason
    );
}

#[test]
fn deeply_nested_json_does_not_overflow() {
    let d = dir();
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let got = read_bytes(d.path(), "deep.json", deep.as_bytes());
    assert_eq!(got.rejected.len(), 1);
    let deep_obj = format!(
        "{{\"resourceType\":\"Bundle\",\"entry\":{}{}}}",
        "[".repeat(50_000),
        "]".repeat(50_000)
    );
    let got = read_bytes(d.path(), "deep2.json", deep_obj.as_bytes());
    assert_eq!(got.rejected.len(), 1);
    let got = read_bytes(d.path(), "deep.jsonl", deep.as_bytes());
    assert_eq!(got.rejected.len(), 1);
}

#[test]
fn bundle_entries_without_ids_use_full_url_or_are_rejected() {
    let d = dir();
    let bundle = serde_json::json!({
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            { "fullUrl": "urn:uuid:0b6c1ea5-0b9e-4b7e-8f57-3f7e6c8f9a11",
              "resource": { "resourceType": "Patient", "gender": "female" } },
            { "fullUrl": "https://example.org/fhir/Patient/from-url/_history/3",
              "resource": { "resourceType": "Patient" } },
            { "resource": { "resourceType": "Patient" } },
            { "fullUrl": "https://example.org/fhir/Patient/bad$id",
              "resource": { "resourceType": "Patient" } },
            { "resource": { "resourceType": "Patient", "id": "ok", "gender": 5 } },
            { "resource": { "resourceType": "Patient", "id": "late", "birthDate": "1970-13-01" } },
            { "resource": { "resourceType": "Organization", "name": "Not a HumanName" } },
            { "resource": { "resourceType": "Patient", "id": "last",
                            "name": [{ "given": [null, "Ada"], "family": "Lovelace" }] } }
        ]
    });
    let got = read_bytes(d.path(), "b.json", bundle.to_string().as_bytes());
    assert_eq!(
        ids(&got),
        ["0b6c1ea5-0b9e-4b7e-8f57-3f7e6c8f9a11", "from-url", "last"]
    );
    assert_eq!(got.subjects[2].name.as_deref(), Some("Ada Lovelace"));
    let rejected: Vec<(&str, &str)> = got
        .rejected
        .iter()
        .map(|r| (r.record.as_str(), r.reason.as_str()))
        .collect();
    assert_eq!(rejected.len(), 4, "{rejected:?}");
    assert_eq!(rejected[0], ("entry 3 (Patient)", "the Patient has no id"));
    assert_eq!(rejected[1].0, "entry 4 (Patient)");
    assert!(
        rejected[1].1.contains("invalid subject id \"bad$id\""),
        "{}",
        rejected[1].1
    );
    assert_eq!(rejected[2].0, "entry 5 (Patient)");
    assert!(
        rejected[2]
            .1
            .starts_with("invalid Patient: invalid type: integer `5`"),
        "{}",
        rejected[2].1
    );
    assert_eq!(rejected[3].0, "entry 6 (Patient/late)");
    assert!(
        rejected[3].1.starts_with("birthDate: "),
        "{}",
        rejected[3].1
    );
    assert!(got.notices.is_empty());
}

#[test]
fn fhir_name_too_long_and_hostile_characters() {
    let d = dir();
    let patient = serde_json::json!({
        "resourceType": "Patient", "id": "long",
        "name": [{ "family": "y".repeat(10_000) }]
    });
    let got = read_bytes(d.path(), "long.json", patient.to_string().as_bytes());
    assert_eq!(got.rejected[0].record, "resource (Patient/long)");
    assert_eq!(
        got.rejected[0].reason,
        "name is 10000 characters; the limit is 200"
    );

    let patient = serde_json::json!({
        "resourceType": "Patient", "id": "evil",
        "name": [{ "given": ["Mal\u{202E}lory\u{0007}"], "family": "Smi\u{0000}th" }]
    });
    let got = read_bytes(d.path(), "evil.json", patient.to_string().as_bytes());
    assert_eq!(got.subjects[0].name.as_deref(), Some("Mallory Smith"));
}

#[test]
fn non_patient_resources_give_notices() {
    let d = dir();
    let obs = serde_json::json!({ "resourceType": "Observation", "id": "o1" });
    let got = read_bytes(d.path(), "obs.json", obs.to_string().as_bytes());
    assert!(got.subjects.is_empty() && got.rejected.is_empty());
    assert_eq!(
        got.notices[0].message,
        "the resource is a Observation, not a Patient or a Bundle: no subjects"
    );

    let empty = serde_json::json!({ "resourceType": "Bundle", "type": "searchset" });
    let got = read_bytes(d.path(), "empty-bundle.json", empty.to_string().as_bytes());
    assert_eq!(
        got.notices[0].message,
        "Bundle has no Patient entries (0 entries)"
    );

    // A JSON object that is not FHIR, read as FHIR.
    let opts = ReadOptions {
        kind: Some(Kind::Fhir),
        ..Default::default()
    };
    let path = d.path().join("plain.json");
    std::fs::write(&path, b"{\"id\": \"x\"}").unwrap();
    let got = read_with(&[path], &opts);
    assert_eq!(
        got.rejected[0].reason,
        "not a FHIR resource: expected a JSON object with a resourceType"
    );
}

#[test]
fn ndjson_fhir_is_detected_and_streamed() {
    let d = dir();
    let text = concat!(
        "{\"resourceType\":\"Patient\",\"id\":\"p1\",\"gender\":\"female\",\"birthDate\":\"1990-02\"}\n",
        "{\"resourceType\":\"Observation\",\"id\":\"o1\"}\n",
        "not json\n",
        "{\"resourceType\":\"Bundle\",\"entry\":[{\"resource\":{\"resourceType\":\"Patient\",\"id\":\"p2\"}}]}\n",
    );
    for name in ["export.ndjson", "export.jsonl"] {
        let got = read_bytes(d.path(), name, text.as_bytes());
        assert_eq!(ids(&got), ["p1", "p2"], "{name}");
        assert_eq!(got.subjects[0].birth_date.unwrap().to_string(), "1990-02");
        assert_eq!(got.rejected.len(), 1);
        assert_eq!(got.rejected[0].record, "line 3");
        assert!(got.notices.is_empty());
    }
    // A first line that is not JSON does not stop the detection.
    let got = read_bytes(
        d.path(),
        "late.ndjson",
        b"garbage\n{\"resourceType\":\"Patient\",\"id\":\"p9\"}\n",
    );
    assert_eq!(ids(&got), ["p9"]);
    assert_eq!(got.rejected[0].record, "line 1");
    // No Patients at all.
    let got = read_bytes(
        d.path(),
        "obs.ndjson",
        b"{\"resourceType\":\"Observation\"}\n{\"resourceType\":\"Observation\"}\n",
    );
    assert_eq!(
        got.notices[0].message,
        "NDJSON has no Patient resources (2 resources: Observation x2)"
    );
}

#[test]
fn future_and_impossible_dates_do_not_panic() {
    let d = dir();
    let text = concat!(
        "{\"id\":\"future\",\"birth_date\":\"2099-01-01\"}\n",
        "{\"id\":\"ancient\",\"birth_date\":\"1001\"}\n",
        "{\"id\":\"died-first\",\"birth_date\":\"1990\",\"deceased_date\":\"1980-01-01\"}\n",
        "{\"id\":\"feb30\",\"birth_date\":\"2001-02-30\"}\n",
        "{\"id\":\"y0\",\"birth_date\":\"0000\"}\n",
    );
    let got = read_bytes(d.path(), "dates.jsonl", text.as_bytes());
    assert_eq!(ids(&got), ["future", "ancient", "died-first"]);
    for s in &got.subjects {
        let demo = s.demographics(common::today());
        assert_eq!(demo.age, None, "{}", s.id);
        assert_eq!(demo.age_band, None, "{}", s.id);
    }
    assert_eq!(got.rejected.len(), 2);
}

#[test]
fn missing_paths_and_bad_options_are_source_errors() {
    let missing = PathBuf::from("/definitely/not/here.csv");
    let err = read_paths(&[missing], &ReadOptions::default(), &mut |_| {}).unwrap_err();
    assert_eq!(err.code(), "source.not_found");
    assert!(matches!(err, SourceError::NotFound { .. }));

    let d = dir();
    let opts = ReadOptions {
        map: [("colour".to_string(), "x".to_string())]
            .into_iter()
            .collect(),
        ..Default::default()
    };
    let err = read_paths(&[d.path().to_path_buf()], &opts, &mut |_| {}).unwrap_err();
    assert_eq!(err.code(), "source.bad_map");
    assert!(
        err.to_string().contains("unknown field \"colour\""),
        "{err}"
    );

    let opts = ReadOptions {
        map: [("name".to_string(), "  ".to_string())]
            .into_iter()
            .collect(),
        ..Default::default()
    };
    let err = read_paths(&[d.path().to_path_buf()], &opts, &mut |_| {}).unwrap_err();
    assert_eq!(err.code(), "source.bad_map");

    let opts = ReadOptions {
        cohort: Some(" \t".into()),
        ..Default::default()
    };
    let err = read_paths(&[d.path().to_path_buf()], &opts, &mut |_| {}).unwrap_err();
    assert_eq!(err.code(), "source.bad_cohort");

    // A mapped column missing from a CSV header rejects that file.
    let path = d.path().join("x.csv");
    std::fs::write(&path, b"id,name\n1,A\n").unwrap();
    let opts = ReadOptions {
        map: [("name".to_string(), "Full Name".to_string())]
            .into_iter()
            .collect(),
        ..Default::default()
    };
    let got = read_with(&[path], &opts);
    assert_eq!(got.rejected[0].record, "header");
    assert!(
        got.rejected[0]
            .reason
            .starts_with("column full_name (--map name=full_name) is not in the header")
    );
}

#[test]
fn personas_get_slug_ids_and_collisions_are_rejected() {
    let d = dir();
    let csv = "name,description,worldview\n\
               Ada Lovelace,\"Mathematician,\nfirst programmer\",optimist\n\
               牧野 爛漫,Botanist,\n\
               ada lovelace,A second Ada,\n\
               ,nameless,\n";
    let got = read_bytes(d.path(), "personas.csv", csv.as_bytes());
    assert_eq!(ids(&got), ["ada-lovelace", "mu-ye-lan-man"]);
    assert_eq!(
        got.subjects[0].attributes["description"],
        "Mathematician,\nfirst programmer"
    );
    assert_eq!(got.subjects[0].attributes["worldview"], "optimist");
    assert!(!got.subjects[1].attributes.contains_key("worldview"));
    assert_eq!(got.rejected.len(), 2);
    assert_eq!(got.rejected[0].record, "row 3");
    assert!(
        got.rejected[0]
            .reason
            .starts_with("duplicate id \"ada-lovelace\"")
    );
    assert_eq!(got.rejected[1].reason, "no id and no name");
}

#[test]
fn api_shape_jsonl_and_json_array() {
    let d = dir();
    let line = serde_json::json!({
        "id": "u-1", "name": "  Grace   Hopper ", "gender": "F", "birth_date": "1906-12-09",
        "deceased_date": "1992-01-01", "cohorts": ["navy", "Pioneers", "navy", ""],
        "attributes": { "hair_color": "Gray", "rank": 3, "flag": true, "none": null, "list": [1, 2] },
        "team": "Harvard"
    })
    .to_string();
    let got = read_bytes(d.path(), "api.jsonl", line.as_bytes());
    let s = &got.subjects[0];
    assert_eq!(s.name.as_deref(), Some("Grace Hopper"));
    assert_eq!(s.gender, likeness_subjects::Gender::Woman);
    assert_eq!(s.gender_raw.as_deref(), Some("F"));
    assert!(s.deceased);
    assert_eq!(s.cohorts, ["Pioneers", "navy"]);
    let attrs: Vec<(&str, &str)> = s
        .attributes
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        attrs,
        [
            ("flag", "true"),
            ("hair_color", "Gray"),
            ("list", "[1,2]"),
            ("rank", "3"),
            ("team", "Harvard")
        ]
    );
    // Age at death (minimum rule: died 1992-01-01 at the earliest), grey hair from the attribute.
    let demo = s.demographics(common::today());
    assert_eq!(demo.age, Some(85));
    assert_eq!(demo.hair.color.as_deref(), Some("grey"));

    let array = "[{\"id\": 7, \"first_name\": \"Tomás404\", \"last_name\": \"Oquendo599\", \"cohorts\": \"a; b\"}, 5]";
    let got = read_bytes(d.path(), "list.json", array.as_bytes());
    assert_eq!(ids(&got), ["7"]);
    assert_eq!(got.subjects[0].name.as_deref(), Some("Tomás Oquendo"));
    assert_eq!(got.subjects[0].cohorts, ["a", "b"]);
    assert_eq!(got.rejected[0].record, "item 2");
}

#[test]
fn directories_are_walked_in_order_skipping_hidden_and_unknown() {
    let d = dir();
    let root = d.path();
    std::fs::create_dir_all(root.join("b/.git")).unwrap();
    std::fs::create_dir_all(root.join("a")).unwrap();
    std::fs::write(root.join("b/2.jsonl"), b"{\"id\":\"b2\"}\n").unwrap();
    std::fs::write(root.join("b/.git/config.json"), b"{\"id\":\"nope\"}").unwrap();
    std::fs::write(root.join("a/1.csv"), b"id\na1\n").unwrap();
    std::fs::write(root.join(".hidden.csv"), b"id\nh\n").unwrap();
    std::fs::write(root.join("README.md"), b"# notes").unwrap();
    std::fs::write(root.join("c.JSON"), b"{\"id\":\"c\"}").unwrap();
    let got = read_with(&[root.to_path_buf()], &ReadOptions::default());
    assert_eq!(ids(&got), ["a1", "b2", "c"]);
    assert_eq!(got.files, 3);
    let notes: Vec<String> = got
        .notices
        .iter()
        .map(|n| {
            format!(
                "{}: {}",
                n.file.trim_start_matches(&*root.display().to_string()),
                n.message
            )
        })
        .collect();
    assert_eq!(
        notes,
        [
            "/.hidden.csv: skipped: hidden file or directory",
            "/README.md: skipped: extension .md is not .json, .jsonl, .ndjson or .csv",
            "/b/.git: skipped: hidden file or directory",
        ]
    );

    // With a kind, only fitting extensions are read from directories.
    let opts = ReadOptions {
        kind: Some(Kind::Csv),
        ..Default::default()
    };
    let got = read_with(&[root.to_path_buf()], &opts);
    assert_eq!(ids(&got), ["a1"]);

    // A file named explicitly with an unknown extension needs a kind.
    let txt = root.join("people.txt");
    std::fs::write(&txt, b"id,name\nt1,Tee\n").unwrap();
    let got = read(&txt);
    assert_eq!(got.rejected[0].record, "file");
    let got = read_with(&[txt], &opts);
    assert_eq!(ids(&got), ["t1"]);
}

#[test]
fn records_stream_in_order() {
    let d = dir();
    let path = d.path().join("s.jsonl");
    std::fs::write(&path, b"{\"id\":\"1\"}\nnope\n{\"id\":\"2\"}\n").unwrap();
    let mut kinds = Vec::new();
    read_paths(&[path], &ReadOptions::default(), &mut |r| {
        kinds.push(match r {
            Record::Subject(s) => s.id.to_string(),
            Record::Rejected(r) => r.record,
            Record::Notice(n) => n.message,
        })
    })
    .unwrap();
    assert_eq!(kinds, ["1", "line 2", "2"]);
}

#[test]
fn overlong_jsonl_line_is_skipped() {
    let d = dir();
    let mut text = Vec::new();
    text.extend_from_slice(b"{\"id\":\"a\"}\n{\"id\":\"b\",\"pad\":\"");
    text.resize(
        text.len() + likeness_subjects::read::MAX_LINE_BYTES + 10,
        b'x',
    );
    text.extend_from_slice(b"\"}\n{\"id\":\"c\"}\n");
    let got = read_bytes(d.path(), "big.jsonl", &text);
    assert_eq!(ids(&got), ["a", "c"]);
    assert_eq!(got.rejected.len(), 1);
    assert_eq!(got.rejected[0].record, "line 2");
    assert!(
        got.rejected[0].reason.contains("the limit is 16777216"),
        "{}",
        got.rejected[0].reason
    );
}

#[test]
fn synthea_style_csv_uses_the_default_mapping_case_insensitively() {
    let d = dir();
    let csv = "Id,BIRTHDATE,DEATHDATE,PREFIX,FIRST,LAST,SUFFIX,GENDER,Cohorts\n\
               a1,1954-01-04,1996-08-31,Mr.,Tomás404,Oquendo599,PhD,M,ward-1; trial\n\
               a2,2019-04-26,,,Charis952,Blanda868,,F,\n";
    let got = read_bytes(d.path(), "patients.csv", csv.as_bytes());
    assert!(got.rejected.is_empty(), "{:?}", got.rejected);
    let s = &got.subjects[0];
    assert_eq!(s.name.as_deref(), Some("Tomás Oquendo"));
    assert_eq!(s.gender, likeness_subjects::Gender::Man);
    assert!(s.deceased);
    assert_eq!(s.demographics(common::today()).age, Some(42));
    assert_eq!(s.cohorts, ["trial", "ward-1"]);
    // Columns that are not fields stay as attributes (lowercased keys).
    assert_eq!(s.attributes["prefix"], "Mr.");
    assert_eq!(s.attributes["suffix"], "PhD");
    assert!(!s.attributes.contains_key("first") && !s.attributes.contains_key("deathdate"));
    let s = &got.subjects[1];
    assert_eq!(s.name.as_deref(), Some("Charis Blanda"));
    assert!(!s.deceased);
    assert!(s.cohorts.is_empty());
}

#[test]
fn map_renames_id_and_deceased_column() {
    let d = dir();
    let path = d.path().join("m.csv");
    std::fs::write(
        &path,
        b"uuid,Full Name,dead,id\nu1,Ann Lee,yes,not-me\nu2,Bo,1999-05,x\nu3,Cy,maybe,y\n",
    )
    .unwrap();
    let opts = ReadOptions {
        map: [("id", "UUID"), ("name", "full name"), ("deceased", "dead")]
            .into_iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect(),
        ..Default::default()
    };
    let got = read_with(&[path], &opts);
    assert_eq!(ids(&got), ["u1", "u2"]);
    assert!(got.subjects[0].deceased && got.subjects[0].deceased_date.is_none());
    assert_eq!(
        got.subjects[1].deceased_date.unwrap().to_string(),
        "1999-05"
    );
    // The default id column is an ordinary attribute now.
    assert_eq!(got.subjects[0].attributes["id"], "not-me");
    assert_eq!(got.rejected[0].record, "row 3");
    assert_eq!(
        got.rejected[0].reason,
        "dead: \"maybe\" is neither true/false nor a date"
    );
}

/// The same six people in FHIR, CSV and JSONL (`testdata/implausible/`): a placeholder birth
/// date, one 123 years ago, one in the future, a death before the birth, .NET's
/// `DateTime.MinValue`, and one plain record. CSV and JSONL add a historical persona.
#[test]
fn implausible_birth_dates_give_unknown_age_and_a_notice() {
    let wanted_notices = [
        "birth date 1900-01-01 looks like a placeholder; age treated as unknown",
        "birth date 1903-05-01 gives an age of 123, over the plausible maximum of 120; \
         age treated as unknown",
        "birth date 2030-01-01 is in the future; age treated as unknown",
        "deceased date 1980-06-01 is before the birth date 1990-03-04; age treated as unknown",
        "birth date 0001-01-01 looks like a placeholder; age treated as unknown",
    ];
    let records = [
        [
            "entry 1 (Patient/placeholder-1900)",
            "entry 2 (Patient/too-old)",
            "entry 3 (Patient/future)",
            "entry 4 (Patient/died-first)",
            "entry 5 (Patient/net-min)",
        ],
        ["row 1", "row 2", "row 3", "row 4", "row 5"],
        ["line 1", "line 2", "line 3", "line 4", "line 5"],
    ];
    let files = ["bundle.json", "subjects.csv", "subjects.jsonl"];
    for (file, records) in files.iter().zip(records) {
        let got = read(&common::testdata(&format!("implausible/{file}")));
        assert!(got.rejected.is_empty(), "{file}: {:?}", got.rejected);
        // Nothing is lost: every record is a subject and keeps its dates as given.
        let births: Vec<String> = got
            .subjects
            .iter()
            .take(6)
            .map(|s| s.birth_date.unwrap().to_string())
            .collect();
        assert_eq!(
            births,
            [
                "1900-01-01",
                "1903-05-01",
                "2030-01-01",
                "1990-03-04",
                "0001-01-01",
                "1962-05-22"
            ],
            "{file}"
        );
        assert_eq!(
            got.subjects[3].deceased_date.unwrap().to_string(),
            "1980-06-01"
        );
        let ages: Vec<Option<u32>> = got
            .subjects
            .iter()
            .map(|s| s.demographics(common::today()).age)
            .collect();
        let mut want_ages = vec![None, None, None, None, None, Some(64)];
        if *file != "bundle.json" {
            // Ada Lovelace, 1815-12-10 to 1852-11-27: an age at death, not a placeholder.
            want_ages.push(Some(36));
        }
        assert_eq!(ages, want_ages, "{file}");
        // One notice per implausible record, naming the record and saying what is wrong.
        let notices: Vec<String> = got.notices.iter().map(|n| n.message.clone()).collect();
        let want: Vec<String> = records
            .iter()
            .zip(wanted_notices)
            .map(|(record, message)| format!("{record}: {message}"))
            .collect();
        assert_eq!(notices, want, "{file}");
        assert!(got.notices.iter().all(|n| n.file.ends_with(file)));
    }
}

/// A lone FHIR Patient born on 1900-01-01: a subject with the date kept, no age, one notice.
#[test]
fn fhir_patient_with_placeholder_birth_date() {
    let d = dir();
    let got = read_bytes(
        d.path(),
        "p.json",
        br#"{"resourceType": "Patient", "id": "p1", "birthDate": "1900-01-01"}"#,
    );
    assert_eq!(ids(&got), ["p1"]);
    let s = &got.subjects[0];
    assert_eq!(s.birth_date.unwrap().to_string(), "1900-01-01");
    assert_eq!(
        s.field("birth_date", common::today()).as_deref(),
        Some("1900-01-01")
    );
    let demo = s.demographics(common::today());
    assert_eq!((demo.age, demo.age_band), (None, None));
    assert_eq!(got.notices.len(), 1);
    assert_eq!(
        got.notices[0].message,
        "resource (Patient/p1): birth date 1900-01-01 looks like a placeholder; \
         age treated as unknown"
    );
}

/// Run [`read_with`] on its own thread and fail, instead of hanging, if it takes more than a
/// few seconds (opening a FIFO for reading blocks until a writer comes).
fn read_promptly(paths: &[PathBuf], opts: &ReadOptions) -> common::Read {
    let (paths, opts) = (paths.to_vec(), opts.clone());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(read_with(&paths, &opts));
    });
    rx.recv_timeout(std::time::Duration::from_secs(10))
        .expect("read_paths did not return within 10 s: it blocked on a special file")
}

#[cfg(unix)]
fn mkfifo(path: &std::path::Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(status.success());
}

#[cfg(unix)]
#[test]
fn fifos_are_rejected_without_blocking() {
    let d = dir();
    let root = d.path();
    std::fs::write(root.join("a.jsonl"), b"{\"id\":\"a\"}\n").unwrap();
    mkfifo(&root.join("b.csv"));
    mkfifo(&root.join("c.jsonl"));
    std::fs::write(root.join("d.csv"), b"id\nd\n").unwrap();
    // A directory walk: the FIFOs are rejected, the regular files around them are read.
    let got = read_promptly(&[root.to_path_buf()], &ReadOptions::default());
    assert_eq!(ids(&got), ["a", "d"]);
    assert_eq!(got.files, 2);
    let rejected: Vec<(String, &str, &str)> = got
        .rejected
        .iter()
        .map(|r| {
            let name = std::path::Path::new(&r.file).file_name().unwrap();
            (
                name.to_string_lossy().into_owned(),
                r.record.as_str(),
                r.reason.as_str(),
            )
        })
        .collect();
    assert_eq!(
        rejected,
        [
            ("b.csv".to_string(), "file", "not a regular file (a FIFO)"),
            ("c.jsonl".to_string(), "file", "not a regular file (a FIFO)"),
        ]
    );
    // Named explicitly, with or without a kind.
    for kind in [None, Some(Kind::Csv)] {
        let opts = ReadOptions {
            kind,
            ..Default::default()
        };
        let got = read_promptly(&[root.join("b.csv")], &opts);
        assert_eq!(got.files, 0);
        assert_eq!(got.rejected.len(), 1);
        assert_eq!(got.rejected[0].reason, "not a regular file (a FIFO)");
    }
}

#[cfg(unix)]
#[test]
fn devices_and_sockets_are_rejected() {
    let d = dir();
    let root = d.path();
    // A symlink that looks like a CSV file but leads to /dev/zero.
    std::os::unix::fs::symlink("/dev/zero", root.join("x.csv")).unwrap();
    std::os::unix::fs::symlink("/dev/null", root.join("n.jsonl")).unwrap();
    let _socket = std::os::unix::net::UnixListener::bind(root.join("s.json")).unwrap();
    std::fs::write(root.join("y.csv"), b"id\ny\n").unwrap();
    let got = read_promptly(&[root.to_path_buf()], &ReadOptions::default());
    assert_eq!(ids(&got), ["y"]);
    let reasons: Vec<&str> = got.rejected.iter().map(|r| r.reason.as_str()).collect();
    assert_eq!(
        reasons,
        [
            "not a regular file (a character device)",
            "not a regular file (a socket)",
            "not a regular file (a character device)",
        ]
    );
    for path in [root.join("x.csv"), PathBuf::from("/dev/zero")] {
        let opts = ReadOptions {
            kind: Some(Kind::Jsonl),
            ..Default::default()
        };
        let got = read_promptly(std::slice::from_ref(&path), &opts);
        assert_eq!(got.files, 0, "{}", path.display());
        assert_eq!(
            got.rejected[0].reason,
            "not a regular file (a character device)",
            "{}",
            path.display()
        );
    }
}

#[test]
fn overlong_csv_record_is_skipped_and_the_rest_goes_on() {
    let limit = likeness_subjects::read::MAX_LINE_BYTES;
    let d = dir();
    // A quoted field may span lines: the limit is on the record, not the line.
    let mut text = b"id,bio\na,short\nb,\"".to_vec();
    for _ in 0..(limit / 64 + 1) {
        text.extend_from_slice(&[b'x'; 63]);
        text.push(b'\n');
    }
    text.extend_from_slice(b"\"\nc,also short\n");
    let got = read_bytes(d.path(), "big.csv", &text);
    assert_eq!(ids(&got), ["a", "c"]);
    assert_eq!(got.rejected.len(), 1);
    assert_eq!(got.rejected[0].record, "row 2");
    assert!(
        got.rejected[0]
            .reason
            .contains(&format!("the limit is {limit}")),
        "{}",
        got.rejected[0].reason
    );
    // An unterminated quoted field running to the end of the file.
    let mut text = b"id,bio\na,short\nb,\"".to_vec();
    text.resize(text.len() + limit + 10, b'y');
    let got = read_bytes(d.path(), "open.csv", &text);
    assert_eq!(ids(&got), ["a"]);
    assert_eq!(got.rejected.len(), 1);
    assert!(got.rejected[0].reason.contains("the limit is"));
    // A header longer than the limit rejects the file.
    let mut text = b"id,".to_vec();
    text.resize(text.len() + limit + 10, b'h');
    text.extend_from_slice(b"\n1,x\n");
    let got = read_bytes(d.path(), "wide.csv", &text);
    assert!(got.subjects.is_empty());
    assert_eq!(got.rejected[0].record, "header");
    assert!(got.rejected[0].reason.contains("the limit is"));
}

#[test]
fn overlong_last_line_without_newline_is_rejected_with_the_limit() {
    let limit = likeness_subjects::read::MAX_LINE_BYTES;
    let d = dir();
    let mut text = b"{\"id\":\"a\"}\n{\"id\":\"b\",\"pad\":\"".to_vec();
    text.resize(text.len() + limit + 10, b'x');
    for name in ["big.jsonl", "big.ndjson"] {
        let got = read_bytes(d.path(), name, &text);
        assert_eq!(ids(&got), ["a"], "{name}");
        assert_eq!(got.rejected.len(), 1, "{name}");
        assert_eq!(got.rejected[0].record, "line 2");
        assert_eq!(
            got.rejected[0].reason,
            format!(
                "the line is {} bytes; the limit is {limit}",
                text.len() - 11
            )
        );
    }
}

/// One record, one limit, in every format: a Patient, an item of a JSON array and a lone JSON
/// object are held like a JSONL line, so at most MAX_LINE_BYTES each.
#[test]
fn records_over_the_limit_in_json_documents() {
    let limit = likeness_subjects::read::MAX_LINE_BYTES;
    let pad = "x".repeat(limit);
    let d = dir();
    let big =
        format!("{{\"resourceType\":\"Patient\",\"id\":\"big\",\"text\":{{\"div\":\"{pad}\"}}}}");
    let bundle = format!(
        "{{\"resourceType\":\"Bundle\",\"entry\":[{{\"resource\":{big}}},\
         {{\"resource\":{{\"resourceType\":\"Patient\",\"id\":\"small\"}}}}]}}"
    );
    let got = read_bytes(d.path(), "bundle.json", bundle.as_bytes());
    assert_eq!(ids(&got), ["small"]);
    assert_eq!(got.rejected[0].record, "entry 1 (Patient)");
    assert_eq!(
        got.rejected[0].reason,
        format!("the Patient is {} bytes; the limit is {limit}", big.len())
    );
    let item = format!("{{\"id\":\"b\",\"bio\":\"{pad}\"}}");
    let items = format!("[{{\"id\":\"a\"}}, {item}, {{\"id\":\"c\"}}]");
    let got = read_bytes(d.path(), "items.json", items.as_bytes());
    assert_eq!(ids(&got), ["a", "c"]);
    assert_eq!(got.rejected[0].record, "item 2");
    assert_eq!(
        got.rejected[0].reason,
        format!("the object is {} bytes; the limit is {limit}", item.len())
    );
    let object = format!("{{\"id\":\"b\",\"bio\":\"{pad}\"}}");
    let got = read_bytes(d.path(), "object.json", object.as_bytes());
    assert!(got.subjects.is_empty());
    assert_eq!(got.rejected[0].record, "object");
}

/// A malformed document gives one rejection and no subjects, even when its first items are
/// fine (the document is checked whole before it is read item by item).
#[test]
fn malformed_json_documents_give_no_subjects() {
    let d = dir();
    for (name, text) in [
        ("items.json", "[{\"id\":\"a\"}, {\"id\":\"b\"}, {\"id\":"),
        (
            "bundle.json",
            "{\"resourceType\":\"Bundle\",\"entry\":[{\"resource\":\
             {\"resourceType\":\"Patient\",\"id\":\"a\"}}, {\"fullUrl\": 7}]}",
        ),
    ] {
        let got = read_bytes(d.path(), name, text.as_bytes());
        assert!(got.subjects.is_empty(), "{name}");
        assert_eq!(got.rejected.len(), 1, "{name}");
    }
}

/// Resource types come from the file: a long or strange one is quoted and shortened in
/// notices, and a Bundle of many types lists ten of them.
#[test]
fn resource_types_in_notices_are_shown_safely() {
    let d = dir();
    let long = "X".repeat(100_000);
    let text = format!("{{\"resourceType\":\"\\u001b[31m{long}\"}}");
    let got = read_bytes(d.path(), "odd.json", text.as_bytes());
    let message = &got.notices[0].message;
    assert!(
        message.starts_with("the resource is a \"\\u{1b}[31mXXX"),
        "{message}"
    );
    assert!(message.len() < 200, "{message}");
    let entries: Vec<String> = (0..25)
        .map(|i| format!("{{\"resource\":{{\"resourceType\":\"Type{i:02}\"}}}}"))
        .collect();
    let text = format!(
        "{{\"resourceType\":\"Bundle\",\"entry\":[{}]}}",
        entries.join(",")
    );
    let got = read_bytes(d.path(), "many.json", text.as_bytes());
    assert_eq!(
        got.notices[0].message,
        "Bundle has no Patient entries (25 entries: Type00 x1, Type01 x1, Type02 x1, \
         Type03 x1, Type04 x1, Type05 x1, Type06 x1, Type07 x1, Type08 x1, Type09 x1, \
         and 15 more types)"
    );
}
