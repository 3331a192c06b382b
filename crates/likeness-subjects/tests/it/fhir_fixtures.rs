//! Every FHIR fixture in testdata/fhir, read one file at a time, against values read from the
//! files themselves (see testdata/SOURCES.md). Ages are as of 2026-11-21.

use crate::common;

use common::{read, testdata, today};
use likeness_subjects::{AgeBand, Gender, Source, Subject};

/// What one Patient must become.
struct Want {
    id: &'static str,
    name: Option<&'static str>,
    gender: Gender,
    gender_raw: Option<&'static str>,
    birth: Option<&'static str>,
    age: Option<u32>,
    deceased: bool,
    deceased_date: Option<&'static str>,
}

#[allow(clippy::too_many_arguments)]
fn p(
    id: &'static str,
    name: Option<&'static str>,
    gender_raw: Option<&'static str>,
    birth: Option<&'static str>,
    age: Option<u32>,
    deceased: bool,
    deceased_date: Option<&'static str>,
) -> Want {
    let gender = match gender_raw {
        Some("male") => Gender::Man,
        Some("female") => Gender::Woman,
        _ => Gender::Person,
    };
    Want {
        id,
        name,
        gender,
        gender_raw,
        birth,
        age,
        deceased,
        deceased_date,
    }
}

/// A living patient with a full birth date.
fn alive(
    id: &'static str,
    name: &'static str,
    g: &'static str,
    birth: &'static str,
    age: u32,
) -> Want {
    p(id, Some(name), Some(g), Some(birth), Some(age), false, None)
}

fn table() -> Vec<(&'static str, Vec<Want>, Vec<&'static str>)> {
    let hl7_bundle = vec![
        alive("1", "Eve Everywoman", "female", "1973-05-31", 53),
        p(
            "2",
            Some("Adam Everyman"),
            Some("male"),
            None,
            None,
            false,
            None,
        ),
        p(
            "3",
            Some("Kari Kidd"),
            Some("female"),
            None,
            None,
            false,
            None,
        ),
        p(
            "4",
            Some("Nancy Nuclear"),
            Some("female"),
            None,
            None,
            false,
            None,
        ),
        p(
            "5",
            Some("Neville Nuclear"),
            Some("male"),
            None,
            None,
            false,
            None,
        ),
        p(
            "6",
            Some("Ned Nuclear"),
            Some("male"),
            None,
            None,
            false,
            None,
        ),
        p(
            "7",
            Some("Nelda Nuclear"),
            Some("female"),
            None,
            None,
            false,
            None,
        ),
        p(
            "8",
            Some("Martha Mum"),
            Some("female"),
            None,
            None,
            false,
            None,
        ),
        // gender=other, deceasedDateTime, no birthDate.
        p(
            "9",
            Some("Stuart Sons"),
            Some("other"),
            None,
            None,
            true,
            Some("2002-08-24"),
        ),
        p(
            "10",
            Some("Boris Betterhalf"),
            Some("male"),
            None,
            None,
            false,
            None,
        ),
        p(
            "11",
            Some("Ralph Relative"),
            Some("male"),
            None,
            None,
            false,
            None,
        ),
        p(
            "12",
            Some("Carrie Contact"),
            Some("female"),
            None,
            None,
            false,
            None,
        ),
    ];
    let biobank = vec![
        alive(
            "mii-exa-test-data-biobank-patient-1",
            "Sabine Musterfrau",
            "female",
            "1975-11-03",
            51,
        ),
        alive(
            "mii-exa-test-data-biobank-patient-3",
            "Claudia Spender",
            "female",
            "1962-05-22",
            64,
        ),
        alive(
            "mii-exa-test-data-biobank-patient-4",
            "Dirk Probenspender",
            "male",
            "1978-09-11",
            48,
        ),
        alive(
            "mii-exa-test-data-biobank-patient-5",
            "Eva Gewebe",
            "female",
            "1991-01-30",
            35,
        ),
        alive(
            "mii-exa-test-data-biobank-patient-6",
            "Frank Blutprobe",
            "male",
            "1955-12-07",
            70,
        ),
        alive(
            "mii-exa-test-data-biobank-patient-7",
            "Greta Serum",
            "female",
            "1987-03-15",
            39,
        ),
        alive(
            "mii-exa-test-data-biobank-patient-8",
            "Heinrich Plasma",
            "male",
            "1969-07-28",
            57,
        ),
        alive(
            "mii-exa-test-data-biobank-patient-9",
            "Ingrid Biopsie",
            "female",
            "1983-10-04",
            43,
        ),
        alive(
            "mii-exa-test-data-biobank-patient-2",
            "Martin Testfall",
            "male",
            "1980-04-18",
            46,
        ),
    ];
    vec![
        (
            "hl7r4_Bundle-b248b1b2-1686-4b94-9936-37d7a5f94b51.json",
            hl7_bundle,
            vec![],
        ),
        // Given name only; "usual" name.
        (
            "hl7r4_Patient-animal.json",
            vec![alive("animal", "Kenzi", "female", "2010-03-23", 16)],
            vec![],
        ),
        // The name is only `text`.
        (
            "hl7r4_Patient-ch-example.json",
            vec![alive("ch-example", "张无忌", "male", "1974-12-25", 51)],
            vec![],
        ),
        // official beats usual ("Jim") and maiden ("Windsor").
        (
            "hl7r4_Patient-example.json",
            vec![alive(
                "example",
                "Peter James Chalmers",
                "male",
                "1974-12-25",
                51,
            )],
            vec![],
        ),
        // Parts beat text "Roel"; prefix "Drs." and suffix "PDEng." dropped.
        (
            "hl7r4_Patient-f201.json",
            vec![alive("f201", "Roelof Olaf Bor", "male", "1960-03-13", 66)],
            vec![],
        ),
        // No gender, no birth date, UPPERCASE kept.
        (
            "hl7r4_Patient-ihe-pcd.json",
            vec![p(
                "ihe-pcd",
                Some("ALBERT BROOKS"),
                None,
                None,
                None,
                false,
                None,
            )],
            vec![],
        ),
        // No name at all.
        (
            "hl7r4_Patient-newborn.json",
            vec![p(
                "newborn",
                None,
                Some("male"),
                Some("2017-09-05"),
                Some(9),
                false,
                None,
            )],
            vec![],
        ),
        (
            "hl7r4_Patient-pat2.json",
            vec![p(
                "pat2",
                Some("Duck D Donald"),
                Some("other"),
                None,
                None,
                false,
                None,
            )],
            vec![],
        ),
        // Prefix "Dr." dropped, multi-word family kept whole.
        (
            "isik-basis_Patient-PatientinMusterfrau.json",
            vec![alive(
                "PatientinMusterfrau",
                "Erika Fürstin von Musterfrau",
                "female",
                "1964-08-12",
                62,
            )],
            vec![],
        ),
        ("mii-kds_Bundle-biobank-1.trimmed.json", biobank, vec![]),
        // Year-only birth date: minimum age (born 1962-12-31 at the latest) is 63.
        (
            "mii-kds_Patient-mii-exa-test-data-patient-4.json",
            vec![p(
                "mii-exa-test-data-patient-4",
                None,
                Some("male"),
                Some("1962"),
                Some(63),
                false,
                None,
            )],
            vec![],
        ),
        (
            "synthea-fdp2021_Glenn0_Parker433.trimmed.json",
            vec![alive(
                "968fd401-9a01-1b75-498f-0cd102fd351e",
                "Glenn Parker",
                "female",
                "1997-02-13",
                29,
            )],
            vec![],
        ),
        (
            "synthea-fdp2021_Ramona980_Godinez202.trimmed.json",
            vec![alive(
                "6eb9f136-121e-2f36-9115-d450c210dced",
                "Ramona Godínez",
                "female",
                "1937-04-17",
                89,
            )],
            vec![],
        ),
        (
            "synthea-smart2019_Alyce744_OConner199.trimmed.json",
            vec![alive(
                "0ee300ef-0aa0-4360-9d1c-a8590e968d84",
                "Alyce O'Conner",
                "female",
                "1987-04-17",
                39,
            )],
            vec![],
        ),
        // Died aged 10.
        (
            "synthea-smart2019_Brice635_Jones311.trimmed.json",
            vec![p(
                "5a9cc8ab-7c3d-47a1-876f-ce122b47eb72",
                Some("Brice Jones"),
                Some("male"),
                Some("1919-11-12"),
                Some(10),
                true,
                Some("1929-11-27"),
            )],
            vec![],
        ),
        (
            "synthea-smart2019_Charis952_Blanda868.full.json",
            vec![alive(
                "a9b9f11a-8916-4ac1-9762-47b283ba4b30",
                "Charis Blanda",
                "female",
                "2019-04-26",
                7,
            )],
            vec![],
        ),
        (
            "synthea-smart2019_Hannah56_Sawayn19.trimmed.json",
            vec![alive(
                "ab04cb30-02a8-4b80-9a58-beb14d161a53",
                "Hannah Sawayn",
                "female",
                "1910-12-09",
                115,
            )],
            vec![],
        ),
        // Suffix "JD" (a degree) dropped, prefix "Mr." dropped.
        (
            "synthea-smart2019_Jose-Maria211_Cordero852.trimmed.json",
            vec![alive(
                "a2f66d87-ad55-4c53-906f-b581faae5fe8",
                "José María Cordero",
                "male",
                "1936-02-21",
                90,
            )],
            vec![],
        ),
        (
            "synthea-smart2019_Maria-del-Carmen27_Uribe503.trimmed.json",
            vec![alive(
                "9b4411b5-1ce4-47db-b9cd-b9c8fa9fc7f7",
                "María del Carmen Uribe",
                "female",
                "2005-09-28",
                21,
            )],
            vec![],
        ),
        // Suffix "PhD" dropped; deceasedDateTime 1996-08-31T22:29:35-04:00.
        (
            "synthea-smart2019_Tomas404_Oquendo599.trimmed.json",
            vec![p(
                "878981ca-1ffd-44bc-a9fb-c6dffb82b807",
                Some("Tomás Oquendo"),
                Some("male"),
                Some("1954-01-04"),
                Some(42),
                true,
                Some("1996-08-31"),
            )],
            vec![],
        ),
        (
            "synthea-smart2019_hospitalInformation_NO-PATIENT.trimmed.json",
            vec![],
            vec!["Bundle has no Patient entries (3 entries: Organization x3)"],
        ),
        (
            "synthea-smart2021_Miguel-Angel_Garica.trimmed.json",
            vec![p(
                "c92b99e8-0e77-4358-99bb-4b87d4f30bbe",
                Some("Miguel Ángel Garica"),
                Some("male"),
                Some("1936-08-18"),
                Some(82),
                true,
                Some("2019-05-14"),
            )],
            vec![],
        ),
        // The "old" name (Shaw) loses to the current one with no `use`; "PharmD" dropped.
        (
            "uscore-6.1.0_patient-example.json",
            vec![alive(
                "example",
                "Amy V. Baxter",
                "female",
                "1987-02-20",
                39,
            )],
            vec![],
        ),
        (
            "uscore-6.1.0_patient-infant-example.json",
            vec![alive(
                "infant-example",
                "Infant Example",
                "male",
                "2020-06-02",
                6,
            )],
            vec![],
        ),
    ]
}

fn check(file: &str, got: &Subject, want: &Want) {
    let ctx = format!("{file} / {}", want.id);
    assert_eq!(got.id.as_str(), want.id, "{ctx}");
    assert_eq!(got.source, Source::Fhir, "{ctx}");
    assert_eq!(got.name.as_deref(), want.name, "{ctx}");
    assert_eq!(got.gender, want.gender, "{ctx}");
    assert_eq!(got.gender_raw.as_deref(), want.gender_raw, "{ctx}");
    assert_eq!(
        got.birth_date.map(|d| d.to_string()).as_deref(),
        want.birth,
        "{ctx}"
    );
    assert_eq!(got.deceased, want.deceased, "{ctx}");
    assert_eq!(
        got.deceased_date.map(|d| d.to_string()).as_deref(),
        want.deceased_date,
        "{ctx}"
    );
    let demo = got.demographics(today());
    assert_eq!(demo.age, want.age, "{ctx}");
    assert_eq!(demo.age_band, want.age.map(AgeBand::from_age), "{ctx}");
    assert_eq!(demo.deceased, want.deceased, "{ctx}");
    assert_eq!(demo.gender, want.gender, "{ctx}");
    assert!(got.cohorts.is_empty(), "{ctx}");
}

#[test]
fn every_fixture_reads_as_expected() {
    let table = table();
    // The table covers every fixture file.
    let mut on_disk: Vec<String> = std::fs::read_dir(testdata("fhir"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    on_disk.sort();
    let mut covered: Vec<String> = table.iter().map(|(f, _, _)| f.to_string()).collect();
    covered.sort();
    assert_eq!(on_disk, covered);

    for (file, wants, notices) in &table {
        let got = read(&testdata(&format!("fhir/{file}")));
        assert_eq!(got.files, 1, "{file}");
        assert!(got.rejected.is_empty(), "{file}: {:?}", got.rejected);
        let messages: Vec<&str> = got.notices.iter().map(|n| n.message.as_str()).collect();
        assert_eq!(&messages, notices, "{file}");
        assert_eq!(got.subjects.len(), wants.len(), "{file}");
        for (s, w) in got.subjects.iter().zip(wants) {
            check(file, s, w);
        }
    }
}

#[test]
fn hl7_bundle_has_twelve_patients_and_biobank_nine() {
    let hl7 = read(&testdata(
        "fhir/hl7r4_Bundle-b248b1b2-1686-4b94-9936-37d7a5f94b51.json",
    ));
    assert_eq!(hl7.subjects.len(), 12);
    let mii = read(&testdata("fhir/mii-kds_Bundle-biobank-1.trimmed.json"));
    assert_eq!(mii.subjects.len(), 9);
    assert!(mii.notices.is_empty());
}

#[test]
fn animal_gets_species_and_breed() {
    let got = read(&testdata("fhir/hl7r4_Patient-animal.json"));
    let s = &got.subjects[0];
    assert_eq!(s.attributes.get("species").map(String::as_str), Some("Dog"));
    assert_eq!(
        s.attributes.get("breed").map(String::as_str),
        Some("Golden retriever")
    );
}

#[test]
fn newborn_without_name_falls_back() {
    let got = read(&testdata("fhir/hl7r4_Patient-newborn.json"));
    let s = &got.subjects[0];
    assert_eq!(s.display_name(), "Subject newborn");
    assert_eq!(s.slug(), "subject-newborn");
    assert_eq!(s.demographics(today()).display_name, "Subject newborn");
}

#[test]
fn slugs_of_fixture_names() {
    let cases = [
        (
            "synthea-smart2019_Tomas404_Oquendo599.trimmed.json",
            "tomas-oquendo",
        ),
        ("hl7r4_Patient-ch-example.json", "zhang-wu-ji"),
        (
            "isik-basis_Patient-PatientinMusterfrau.json",
            "erika-furstin-von-musterfrau",
        ),
        (
            "synthea-smart2019_Alyce744_OConner199.trimmed.json",
            "alyce-oconner",
        ),
        ("hl7r4_Patient-ihe-pcd.json", "albert-brooks"),
    ];
    for (file, slug) in cases {
        let got = read(&testdata(&format!("fhir/{file}")));
        assert_eq!(got.subjects[0].slug(), slug, "{file}");
    }
}

#[test]
fn whole_directory_in_order_with_duplicate_id_rejected() {
    let got = common::read_with(&[testdata("fhir")], &Default::default());
    assert_eq!(got.files, 24);
    // 12 + 9 bundle patients, 21 single-patient files, minus the duplicate "example".
    assert_eq!(got.subjects.len(), 12 + 9 + 21 - 1);
    assert_eq!(got.notices.len(), 1);
    assert_eq!(got.rejected.len(), 1);
    let dup = &got.rejected[0];
    assert!(
        dup.file.ends_with("uscore-6.1.0_patient-example.json"),
        "{dup:?}"
    );
    assert_eq!(dup.record, "resource (Patient/example)");
    assert!(
        dup.reason.contains("duplicate id") && dup.reason.contains("hl7r4_Patient-example.json"),
        "{dup:?}"
    );
    // Sorted file order: the HL7 bundle comes first.
    assert_eq!(got.subjects[0].id.as_str(), "1");
}

#[test]
fn import_cohort_is_added() {
    let opts = likeness_subjects::ReadOptions {
        cohort: Some("  ward 3 ".into()),
        ..Default::default()
    };
    let got = common::read_with(
        &[testdata("fhir/mii-kds_Bundle-biobank-1.trimmed.json")],
        &opts,
    );
    assert!(got.subjects.iter().all(|s| s.cohorts == ["ward 3"]));
}
