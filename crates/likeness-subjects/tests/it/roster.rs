//! The player roster (testdata/players) as CSV and as JSONL: same 134 subjects, checked
//! against the source rows parsed independently here.

use crate::common;

use std::collections::BTreeMap;

use common::{read, testdata, today};
use likeness_subjects::{Gender, Source, Subject};

/// The CSV rows as header → value maps, parsed directly with the csv crate.
fn source_rows() -> Vec<BTreeMap<String, String>> {
    let mut rdr = csv::Reader::from_path(testdata("players/nba_players_shared.csv")).unwrap();
    let headers = rdr.headers().unwrap().clone();
    rdr.records()
        .map(|r| {
            let r = r.unwrap();
            headers
                .iter()
                .map(String::from)
                .zip(r.iter().map(String::from))
                .collect()
        })
        .collect()
}

fn csv_subjects() -> Vec<Subject> {
    let got = read(&testdata("players/nba_players_shared.csv"));
    assert!(got.rejected.is_empty(), "{:?}", got.rejected);
    assert_oldest_player_noticed(&got.notices, "row 63");
    got.subjects
}

fn jsonl_subjects() -> Vec<Subject> {
    let got = read(&testdata("players/nba_players_shared.jsonl"));
    assert!(got.rejected.is_empty(), "{:?}", got.rejected);
    assert_oldest_player_noticed(&got.notices, "line 63");
    got.subjects
}

/// The one notice of the roster: Matthew Hickey (77016), born 1902-01-30 and not deceased in
/// the data, would be 124.
fn assert_oldest_player_noticed(notices: &[likeness_subjects::Notice], record: &str) {
    let messages: Vec<&str> = notices.iter().map(|n| n.message.as_str()).collect();
    let want = format!(
        "{record}: birth date 1902-01-30 gives an age of 124, over the plausible maximum of \
         120; age treated as unknown"
    );
    assert_eq!(messages, [want.as_str()]);
}

#[test]
fn csv_matches_the_source_rows() {
    let rows = source_rows();
    let subjects = csv_subjects();
    assert_eq!(rows.len(), 134);
    assert_eq!(subjects.len(), 134);
    for (row, s) in rows.iter().zip(&subjects) {
        let ctx = &row["person_id"];
        assert_eq!(s.id.as_str(), row["person_id"], "{ctx}");
        assert_eq!(s.source, Source::Csv);
        assert_eq!(
            s.name.as_deref(),
            Some(row["display_first_last"].as_str()),
            "{ctx}"
        );
        assert_eq!(
            s.birth_date.unwrap().to_string(),
            row["birthdate"][..10],
            "{ctx}"
        );
        // No gender column: neutral.
        assert_eq!(s.gender, Gender::Person);
        assert_eq!(s.gender_raw, None);
        assert!(!s.deceased);
        for key in [
            "team_name",
            "draft_year",
            "position",
            "school",
            "country",
            "team_city",
        ] {
            let want = row[key].trim();
            let got = s.attributes.get(key).map(String::as_str);
            if want.is_empty() {
                assert_eq!(got, None, "{ctx} {key}");
            } else {
                assert_eq!(got, Some(want), "{ctx} {key}");
            }
        }
        // Fields are not repeated as attributes.
        for key in [
            "person_id",
            "display_first_last",
            "first_name",
            "last_name",
            "birthdate",
        ] {
            assert!(!s.attributes.contains_key(key), "{ctx} {key}");
        }
    }
}

#[test]
fn jsonl_gives_the_same_subjects_as_csv() {
    let from_csv = csv_subjects();
    let from_jsonl = jsonl_subjects();
    assert_eq!(from_jsonl.len(), 134);
    for (c, j) in from_csv.iter().zip(&from_jsonl) {
        assert_eq!(j.source, Source::Jsonl);
        let mut j = j.clone();
        j.source = Source::Csv;
        assert_eq!(c, &j);
    }
}

#[test]
fn special_rows() {
    let subjects = csv_subjects();
    let by_id = |id: &str| subjects.iter().find(|s| s.id.as_str() == id).unwrap();
    // Whitespace-only school counts as empty.
    assert!(!by_id("202357").attributes.contains_key("school"));
    // Blank position, school and years.
    let ball = by_id("1629071");
    assert_eq!(ball.name.as_deref(), Some("LiAngelo Ball"));
    assert!(!ball.attributes.contains_key("position"));
    assert!(!ball.attributes.contains_key("from_year"));
    // "Undrafted" is just a value.
    let undrafted = subjects
        .iter()
        .filter(|s| s.attributes.get("draft_year").map(String::as_str) == Some("Undrafted"))
        .count();
    assert_eq!(undrafted, 35);
    // Names with periods, apostrophes, hyphens and suffixes survive.
    for (id, name) in [
        ("769", "B.J. Armstrong"),
        ("979", "Jermaine O'Neal"),
        ("76003", "Kareem Abdul-Jabbar"),
        ("1628963", "Marvin Bagley III"),
        ("1628976", "Wendell Carter Jr."),
        ("1627761", "DeAndre' Bembry"),
    ] {
        assert_eq!(by_id(id).name.as_deref(), Some(name));
    }
    assert_eq!(by_id("979").slug(), "jermaine-oneal");
    assert_eq!(by_id("1628976").slug(), "wendell-carter-jr");
    // Oldest: born 1902-01-30, not deceased in the data: 124 on 2026-11-21, over 120, so no
    // age (and a notice, see `csv_subjects`); the birth date is kept.
    assert_eq!(by_id("77016").demographics(today()).age, None);
    assert_eq!(
        by_id("77016").birth_date.map(|d| d.to_string()).as_deref(),
        Some("1902-01-30")
    );
}

#[test]
fn where_matching_on_the_roster() {
    let rows = source_rows();
    let subjects = csv_subjects();
    let count_rows = |key: &str, value: &str| rows.iter().filter(|r| r[key] == value).count();
    let count = |field: &str, value: &str| {
        subjects
            .iter()
            .filter(|s| s.matches(field, value, today()))
            .count()
    };
    assert_eq!(count("position", "guard"), count_rows("position", "Guard"));
    assert_eq!(
        count("POSITION", " Center "),
        count_rows("position", "Center")
    );
    assert_eq!(count("draft_year", "undrafted"), 35);
    assert_eq!(
        count("team_name", "Lakers"),
        count_rows("team_name", "Lakers")
    );
    assert_eq!(count("gender", "person"), 134);
    assert_eq!(count("source", "csv"), 134);
    assert_eq!(count("id", "76003"), 1);
    assert_eq!(count("nonexistent", "x"), 0);
}

#[test]
fn map_overrides_columns() {
    let opts = likeness_subjects::ReadOptions {
        map: [("name".to_string(), "display_last_comma_first".to_string())]
            .into_iter()
            .collect(),
        cohort: Some("nba".into()),
        ..Default::default()
    };
    let got = common::read_with(&[testdata("players/nba_players_shared.csv")], &opts);
    assert_eq!(got.subjects.len(), 134);
    let first = &got.subjects[0];
    assert_eq!(first.name.as_deref(), Some("Abdul-Jabbar, Kareem"));
    assert!(!first.attributes.contains_key("display_last_comma_first"));
    // The default name column is now an ordinary attribute.
    assert_eq!(
        first.attributes["display_first_last"],
        "Kareem Abdul-Jabbar"
    );
    assert_eq!(first.cohorts, ["nba"]);
}
