//! The model types: ids, dates, the age rule, age bands, hair, gender, where-matching, serde.

use crate::common;

use std::str::FromStr;

use chrono::NaiveDate;
use common::today;
use likeness_subjects::date::age_between;
use likeness_subjects::{
    AgeBand, Gender, Kind, PartialDate, Source, Subject, SubjectId, subject_from_json,
};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn subject(id: &str) -> Subject {
    Subject::new(SubjectId::new(id).unwrap(), Source::Api)
}

#[test]
fn subject_id_validation() {
    let max = "a".repeat(128);
    for ok in [
        "a",
        "Z",
        "0",
        "1629071",
        "968fd401-9a01-1b75-498f-0cd102fd351e",
        "mii-exa-test-data-patient-4",
        "PatientinMusterfrau",
        "a.b_c-d",
        "a..b",
        max.as_str(),
    ] {
        let id = SubjectId::from_str(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
        assert_eq!(id.as_str(), ok);
        assert_eq!(id.to_string(), ok);
        assert_eq!(AsRef::<str>::as_ref(&id), ok);
        assert_eq!(SubjectId::try_from(ok.to_string()).unwrap(), id);
    }
    let too_long = "a".repeat(129);
    for bad in [
        "",
        "../../x",
        "..",
        "a/b",
        "C:\\x",
        "C:x",
        ".x",
        "-x",
        "_x",
        "a b",
        " a",
        "é",
        "a\0",
        "x\n",
        "%2e%2e",
        too_long.as_str(),
    ] {
        let err = SubjectId::from_str(bad).expect_err(bad);
        let msg = err.to_string();
        assert!(
            msg.contains("A-Z, a-z, 0-9, '.', '_' and '-'"),
            "{bad}: {msg}"
        );
        assert!(SubjectId::try_from(bad.to_string()).is_err());
    }
    assert_eq!(
        SubjectId::from_str("a/b").unwrap_err().to_string(),
        "invalid subject id \"a/b\": it contains '/'; an id is 1 to 128 characters of A-Z, a-z, \
         0-9, '.', '_' and '-', starting with a letter or digit"
    );
    // Deserialisation validates; serialisation is a plain string.
    assert!(serde_json::from_str::<SubjectId>("\"../x\"").is_err());
    let id: SubjectId = serde_json::from_str("\"abc\"").unwrap();
    assert_eq!(serde_json::to_string(&id).unwrap(), "\"abc\"");
    // Ord and Hash are by string.
    let mut ids = [SubjectId::new("b").unwrap(), SubjectId::new("a").unwrap()];
    ids.sort();
    assert_eq!(ids[0].as_str(), "a");
}

#[test]
fn partial_date_parsing() {
    type Case = (&'static str, i32, Option<u32>, Option<u32>, &'static str);
    let ok: &[Case] = &[
        ("1962", 1962, None, None, "1962"),
        ("1962-05", 1962, Some(5), None, "1962-05"),
        ("1962-05-17", 1962, Some(5), Some(17), "1962-05-17"),
        (" 1962-05-17 ", 1962, Some(5), Some(17), "1962-05-17"),
        ("1947-04-16 00:00:00", 1947, Some(4), Some(16), "1947-04-16"),
        (
            "2019-03-02T10:11:12+01:00",
            2019,
            Some(3),
            Some(2),
            "2019-03-02",
        ),
        (
            "1929-11-27T23:27:48-05:00",
            1929,
            Some(11),
            Some(27),
            "1929-11-27",
        ),
        ("2019-03-02T10:11:12Z", 2019, Some(3), Some(2), "2019-03-02"),
        (
            "2019-03-02T10:11:12.123+00:00",
            2019,
            Some(3),
            Some(2),
            "2019-03-02",
        ),
        ("2024-02-29", 2024, Some(2), Some(29), "2024-02-29"),
        ("0001", 1, None, None, "0001"),
    ];
    for (input, y, m, d, shown) in ok {
        let date = PartialDate::from_str(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(
            (date.year(), date.month(), date.day()),
            (*y, *m, *d),
            "{input}"
        );
        assert_eq!(date.to_string(), *shown);
        assert_eq!(
            serde_json::to_string(&date).unwrap(),
            format!("\"{shown}\"")
        );
        let back: PartialDate = serde_json::from_str(&format!("\"{shown}\"")).unwrap();
        assert_eq!(back, date);
    }
    for bad in [
        "",
        "62",
        "19620",
        "1962-5",
        "1962-5-17",
        "1962-13",
        "1962-00",
        "1962-02-30",
        "2023-02-29",
        "1962-05-00",
        "1962-05-17T",
        "1962T10:00",
        "1962-05T10:00",
        "1962-05-17 garbage",
        "17/05/1962",
        "05/17/1962",
        "1962-05-17-01",
        "+1962",
        "-1962",
        "0000",
        "１９６２",
    ] {
        let err = PartialDate::from_str(bad).expect_err(bad);
        assert!(
            err.to_string()
                .contains("expected YYYY, YYYY-MM or YYYY-MM-DD"),
            "{bad}: {err}"
        );
    }
    assert!(serde_json::from_str::<PartialDate>("\"1962-13\"").is_err());
    assert!(PartialDate::new(1962, None, Some(3)).is_err());
}

#[test]
fn partial_date_ranges() {
    let d = |s: &str| PartialDate::from_str(s).unwrap();
    assert_eq!(
        (d("1962").earliest(), d("1962").latest()),
        (day(1962, 1, 1), day(1962, 12, 31))
    );
    assert_eq!(
        (d("2024-02").earliest(), d("2024-02").latest()),
        (day(2024, 2, 1), day(2024, 2, 29))
    );
    assert_eq!(d("2023-12").latest(), day(2023, 12, 31));
    assert_eq!(d("9999-12").latest(), day(9999, 12, 31));
    assert_eq!(d("1962-05-17").earliest(), d("1962-05-17").latest());
}

#[test]
fn age_rule() {
    let d = |s: &str| PartialDate::from_str(s).unwrap();
    let cases: &[(&str, &str, Option<u32>)] = &[
        ("1962-05-17", "2026-11-21", Some(64)),
        ("1962-11-21", "2026-11-21", Some(64)),
        ("1962-11-22", "2026-11-21", Some(63)),
        // Year only: the minimum age, as if born on 31 December.
        ("1962", "2026-11-21", Some(63)),
        ("1962", "2026-12-31", Some(64)),
        // Year and month: as if born on the last day of the month.
        ("1962-05", "2026-05-30", Some(63)),
        ("1962-05", "2026-05-31", Some(64)),
        // Leap-day birthdays count on 1 March in common years.
        ("2000-02-29", "2025-02-28", Some(24)),
        ("2000-02-29", "2025-03-01", Some(25)),
        ("2000-02-29", "2024-02-29", Some(24)),
        // Same day, same year.
        ("2026-11-21", "2026-11-21", Some(0)),
        ("2026", "2026-11-21", Some(0)),
        // Future births, death before birth.
        ("2026-11-22", "2026-11-21", None),
        ("2099", "2026-11-21", None),
        ("1990", "1980", None),
        // Born and died in the same (year-only) year.
        ("1990", "1990", Some(0)),
        // Death in year only: counted from 1 January.
        ("1936-08-18", "2019", Some(82)),
        // Born in May of a year given alone for the death: the ranges overlap, age 0.
        ("1990-05", "1990", Some(0)),
        // Over 120 is bad data.
        ("1906-11-21", "2026-11-21", Some(120)),
        ("1906-11-22", "2026-11-21", Some(119)),
        ("1905-11-21", "2026-11-21", None),
        ("1896-11-21", "2026-11-21", None),
        ("1001", "2026-11-21", None),
        // A date rule only: placeholders are the subject rule's business.
        ("1900-01-01", "1950-06-01", Some(50)),
    ];
    for (birth, on, want) in cases {
        assert_eq!(age_between(&d(birth), &d(on)), *want, "{birth} on {on}");
    }
}

#[test]
fn age_of_deceased_subjects() {
    let mut s = subject("x");
    s.birth_date = Some("1954-01-04".parse().unwrap());
    assert_eq!(s.demographics(today()).age, Some(72));
    s.deceased = true;
    assert_eq!(
        s.demographics(today()).age,
        None,
        "deceased without a date: no age"
    );
    s.deceased_date = Some("1996-08-31".parse().unwrap());
    assert_eq!(s.demographics(today()).age, Some(42));
    // A death date after today counts to today.
    s.deceased_date = Some("2030-01-01".parse().unwrap());
    assert_eq!(s.demographics(today()).age, Some(72));
    assert!(s.demographics(today()).deceased);
}

#[test]
fn age_band_boundaries() {
    let cases = [
        (0, AgeBand::Infant),
        (1, AgeBand::Infant),
        (2, AgeBand::Child),
        (12, AgeBand::Child),
        (13, AgeBand::Teen),
        (17, AgeBand::Teen),
        (18, AgeBand::YoungAdult),
        (29, AgeBand::YoungAdult),
        (30, AgeBand::Adult),
        (44, AgeBand::Adult),
        (45, AgeBand::MiddleAged),
        (64, AgeBand::MiddleAged),
        (65, AgeBand::Senior),
        (79, AgeBand::Senior),
        (80, AgeBand::Elderly),
        (130, AgeBand::Elderly),
    ];
    for (age, band) in cases {
        assert_eq!(AgeBand::from_age(age), band, "{age}");
    }
    for band in AgeBand::ALL {
        assert_eq!(AgeBand::from_str(band.as_str()).unwrap(), band);
        assert_eq!(
            serde_json::to_string(&band).unwrap(),
            format!("\"{}\"", band.as_str())
        );
    }
    assert_eq!(AgeBand::YoungAdult.as_str(), "young_adult");
    assert_eq!(AgeBand::MiddleAged.as_str(), "middle_aged");
    assert_eq!(
        AgeBand::from_str("Young-Adult").unwrap(),
        AgeBand::YoungAdult
    );
    assert_eq!(
        AgeBand::from_str("middle aged").unwrap(),
        AgeBand::MiddleAged
    );
    let err = AgeBand::from_str("old").unwrap_err().to_string();
    assert!(err.contains("infant, child, teen"), "{err}");
}

fn aged(years_before_today: i32) -> Subject {
    let mut s = subject("h");
    s.birth_date = Some(PartialDate::new(2026 - years_before_today, Some(1), Some(1)).unwrap());
    s
}

#[test]
fn hair_from_age() {
    type Case = (
        i32,
        Option<&'static str>,
        Option<&'static str>,
        Option<&'static str>,
    );
    let cases: &[Case] = &[
        (0, None, Some("short"), Some("fine wispy baby hair")),
        (1, None, Some("short"), Some("fine wispy baby hair")),
        (2, None, None, None),
        (40, None, None, None),
        (54, None, None, None),
        (55, Some("grey"), None, Some("greying hair")),
        (64, Some("grey"), None, Some("greying hair")),
        (65, Some("grey"), None, Some("grey hair")),
        (79, Some("grey"), None, Some("grey hair")),
        (80, Some("white"), None, Some("white hair")),
        (115, Some("white"), None, Some("white hair")),
    ];
    for (age, color, length, description) in cases {
        let s = aged(*age);
        let demo = s.demographics(today());
        assert_eq!(demo.age, Some(*age as u32));
        assert_eq!(demo.hair.color.as_deref(), *color, "{age}");
        assert_eq!(demo.hair.length.as_deref(), *length, "{age}");
        assert_eq!(demo.hair.description.as_deref(), *description, "{age}");
    }
    // No age, no inference.
    let demo = subject("n").demographics(today());
    assert_eq!(demo.hair, Default::default());
}

#[test]
fn hair_from_attributes() {
    let mut s = aged(70);
    s.attributes.insert("hair_color".into(), "Blonde".into());
    let hair = s.demographics(today()).hair;
    assert_eq!(hair.color.as_deref(), Some("blond"));
    assert_eq!(
        hair.description, None,
        "the inferred 'grey hair' would contradict"
    );

    s.attributes
        .insert("hair_length".into(), "Shoulder-length".into());
    s.attributes.insert("hair".into(), "a blond bob".into());
    let hair = s.demographics(today()).hair;
    assert_eq!(hair.length.as_deref(), Some("medium"));
    assert_eq!(hair.description.as_deref(), Some("a blond bob"));

    // Unrecognised values are ignored.
    let mut s = aged(85);
    s.attributes.insert("hair_color".into(), "purple".into());
    let hair = s.demographics(today()).hair;
    assert_eq!(hair.color.as_deref(), Some("white"));
    assert_eq!(hair.description.as_deref(), Some("white hair"));

    for (raw, want) in [
        ("Dark Brown", "dark_brown"),
        ("gray", "grey"),
        ("ginger", "red"),
        ("auburn", "auburn"),
        ("BLACK", "black"),
    ] {
        assert_eq!(
            likeness_subjects::demographics::normalize_hair_color(raw),
            Some(want),
            "{raw}"
        );
    }
    assert_eq!(
        likeness_subjects::demographics::normalize_hair_length("Bald"),
        Some("bald")
    );
}

#[test]
fn gender_mapping() {
    let cases = [
        (Some("male"), Gender::Man),
        (Some(" Male "), Gender::Man),
        (Some("M"), Gender::Man),
        (Some("man"), Gender::Man),
        (Some("boy"), Gender::Man),
        (Some("female"), Gender::Woman),
        (Some("F"), Gender::Woman),
        (Some("Woman"), Gender::Woman),
        (Some("girl"), Gender::Woman),
        (Some("other"), Gender::Person),
        (Some("unknown"), Gender::Person),
        (Some("non-binary"), Gender::Person),
        (Some(""), Gender::Person),
        (None, Gender::Person),
    ];
    for (raw, want) in cases {
        assert_eq!(Gender::from_source(raw), want, "{raw:?}");
    }
    assert_eq!(Gender::from_str("WOMAN").unwrap(), Gender::Woman);
    assert!(
        Gender::from_str("male")
            .unwrap_err()
            .to_string()
            .contains("man, woman, person")
    );
    assert_eq!(
        serde_json::to_string(&Gender::Person).unwrap(),
        "\"person\""
    );
    assert_eq!(Gender::Man.as_str(), "man");
}

#[test]
fn source_and_kind_names() {
    for s in [Source::Fhir, Source::Csv, Source::Jsonl, Source::Api] {
        assert_eq!(Source::from_str(s.as_str()).unwrap(), s);
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            format!("\"{}\"", s.as_str())
        );
    }
    assert!(Source::from_str("xml").is_err());
    for k in [Kind::Fhir, Kind::Csv, Kind::Jsonl] {
        assert_eq!(Kind::from_str(k.as_str()).unwrap(), k);
    }
    assert_eq!(Kind::from_str(" CSV ").unwrap(), Kind::Csv);
    assert!(
        Kind::from_str("ndjson")
            .unwrap_err()
            .to_string()
            .contains("fhir, csv, jsonl")
    );
}

#[test]
fn where_matching() {
    let mut s = subject("p-1");
    s.name = Some("Tomás Oquendo".into());
    s.gender = Gender::Man;
    s.gender_raw = Some("male".into());
    s.birth_date = Some("1954-01-04".parse().unwrap());
    s.add_cohort("Ward 3");
    s.add_cohort("trial-A");
    s.attributes.insert("team_name".into(), "Lakers".into());
    let t = today();
    let yes = [
        ("id", "p-1"),
        ("ID", "P-1"),
        ("source", "api"),
        ("name", "tomás oquendo"),
        ("display_name", "Tomás Oquendo"),
        ("slug", "tomas-oquendo"),
        ("gender", "MAN"),
        ("gender_raw", "male"),
        ("age", "72"),
        ("age", " 72 "),
        ("age_band", "senior"),
        ("age_band", "Senior"),
        ("deceased", "false"),
        ("birth_date", "1954-01-04"),
        ("cohort", "ward 3"),
        ("cohort", "TRIAL-a"),
        ("cohorts", "trial-a"),
        ("team_name", "lakers"),
        ("TEAM_NAME", "Lakers"),
    ];
    for (f, v) in yes {
        assert!(s.matches(f, v, t), "{f}={v}");
    }
    let no = [
        ("id", "p-2"),
        ("gender", "woman"),
        ("age", "71"),
        ("age_band", "elderly"),
        ("age_band", "nonsense"),
        ("deceased", "true"),
        ("cohort", "ward"),
        ("cohort", "Ward 3;trial-A"),
        ("team_name", "Celtics"),
        ("position", ""),
        ("deceased_date", ""),
        ("unknown", "x"),
    ];
    for (f, v) in no {
        assert!(!s.matches(f, v, t), "{f}={v}");
    }
    assert_eq!(s.field("cohorts", t).as_deref(), Some("Ward 3;trial-A"));
    assert_eq!(s.field("age_band", t).as_deref(), Some("senior"));
    assert_eq!(s.field("position", t), None);
    // No name: `name` has no value, the display name falls back.
    let bare = subject("b");
    assert_eq!(bare.field("name", t), None);
    assert_eq!(bare.field("display_name", t).as_deref(), Some("Subject b"));
    assert!(!bare.matches("age", "0", t));
}

#[test]
fn cohorts_stay_sorted_and_unique() {
    let mut s = subject("c");
    for c in ["b", "a", " b ", "", "  ", "c\u{202E}", "a"] {
        s.add_cohort(c);
    }
    assert_eq!(s.cohorts, ["a", "b", "c"]);
}

#[test]
fn subject_serde_round_trip() {
    let obj = serde_json::json!({
        "id": "x-1", "name": "Ann", "gender": "female", "birth_date": "1962",
        "cohorts": ["b", "a"], "attributes": {"team": "A"}
    });
    let s = subject_from_json(obj.as_object().unwrap(), Source::Api).unwrap();
    assert_eq!(s.source, Source::Api);
    assert_eq!(s.cohorts, ["a", "b"]);
    let json = serde_json::to_value(&s).unwrap();
    assert_eq!(json["birth_date"], "1962");
    assert_eq!(json["gender"], "woman");
    assert_eq!(json["source"], "api");
    let back: Subject = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(back, s);
    let mut bad = json;
    bad["id"] = "../etc".into();
    assert!(serde_json::from_value::<Subject>(bad).is_err());

    let err = subject_from_json(
        serde_json::json!({"name": "x".repeat(300)})
            .as_object()
            .unwrap(),
        Source::Api,
    )
    .unwrap_err();
    assert_eq!(err.to_string(), "name is 300 characters; the limit is 200");
    let err = subject_from_json(
        serde_json::json!({"id": "a", "cohorts": {"x": 1}})
            .as_object()
            .unwrap(),
        Source::Api,
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "cohorts: expected an array of strings, got an object"
    );
    // Persona rule for the API too.
    let s = subject_from_json(
        serde_json::json!({"name": "Ada Lovelace"})
            .as_object()
            .unwrap(),
        Source::Api,
    )
    .unwrap();
    assert_eq!(s.id.as_str(), "ada-lovelace");
}

#[test]
fn demographics_serialise() {
    let mut s = aged(0);
    s.gender = Gender::Woman;
    let json = serde_json::to_value(s.demographics(today())).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "display_name": "Subject h",
            "gender": "woman",
            "age": 0,
            "age_band": "infant",
            "hair": {"color": null, "length": "short", "description": "fine wispy baby hair"},
            "deceased": false
        })
    );
}

#[test]
fn implausible_birth_dates_give_no_age() {
    let born = |date: &str| {
        let mut s = subject("x");
        s.birth_date = Some(date.parse().unwrap());
        s
    };
    // Placeholders that exports use for "unknown": no age, whatever today is.
    for placeholder in [
        "0001-01-01",
        "0001",
        "1753-01-01",
        "1800-01-01",
        "1850-01-01",
        "1899-12-30",
        "1899-12-31",
        "1900-01-01",
        "1901-01-01",
    ] {
        let s = born(placeholder);
        assert_eq!(s.demographics(today()).age, None, "{placeholder}");
        assert_eq!(
            likeness_subjects::demographics::age(&s, day(1950, 6, 1)),
            None,
            "{placeholder} is a placeholder even when the age would be plausible"
        );
    }
    // Over 120 (the documented maximum), in the future, died before born.
    assert_eq!(born("1903-05-01").demographics(today()).age, None);
    assert_eq!(born("1906-11-21").demographics(today()).age, Some(120));
    assert_eq!(born("1906-11-22").demographics(today()).age, Some(119));
    assert_eq!(born("1906-11-20").demographics(today()).age, Some(120));
    assert_eq!(born("1905-11-21").demographics(today()).age, None);
    assert_eq!(born("2030-01-01").demographics(today()).age, None);
    let mut s = born("1990-03-04");
    s.deceased_date = Some("1980".parse().unwrap());
    s.deceased = true;
    assert_eq!(s.demographics(today()).age, None);
    // Near-placeholders are ordinary dates.
    assert_eq!(
        born("1900-01-02").demographics(day(1950, 6, 1)).age,
        Some(50)
    );
    assert_eq!(born("1950-01-01").demographics(today()).age, Some(76));
    // A historical persona keeps the age at death, even born before 1850.
    let mut ada = born("1815-12-10");
    ada.deceased_date = Some("1852-11-27".parse().unwrap());
    ada.deceased = true;
    assert_eq!(ada.demographics(today()).age, Some(36));
    // Alive, she would be 210: no age.
    assert_eq!(born("1815-12-10").demographics(today()).age, None);
    assert_eq!(likeness_subjects::date::MAX_AGE, 120);
}
