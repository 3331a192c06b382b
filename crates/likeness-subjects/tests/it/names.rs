//! The name rules, as tables.

use crate::common;

use likeness_subjects::MAX_NAME_CHARS;
use likeness_subjects::names::{
    NameError, clean_name, is_generational_suffix, name_from_parts, slugify, strip_generated_digits,
};

#[test]
fn free_text_names() {
    let cases: &[(&str, Option<&str>)] = &[
        // Synthea digits go, per token.
        ("Tomás404 Oquendo599", Some("Tomás Oquendo")),
        ("José María211", Some("José María")),
        ("Godínez202", Some("Godínez")),
        ("O'Conner199", Some("O'Conner")),
        ("Glenn0 Parker433", Some("Glenn Parker")),
        // Real names survive.
        ("D'Amore", Some("D'Amore")),
        ("O'Conner", Some("O'Conner")),
        ("van de Heuvel", Some("van de Heuvel")),
        (
            "Markgraf von Brandenburg-Schwedt",
            Some("Markgraf von Brandenburg-Schwedt"),
        ),
        ("Fürstin von Musterfrau", Some("Fürstin von Musterfrau")),
        ("牧野 爛漫", Some("牧野 爛漫")),
        ("张无忌", Some("张无忌")),
        ("B.J. Armstrong", Some("B.J. Armstrong")),
        ("Wendell Carter Jr.", Some("Wendell Carter Jr.")),
        ("Trey Murphy III", Some("Trey Murphy III")),
        ("DeAndre' Bembry", Some("DeAndre' Bembry")),
        ("Kareem Abdul-Jabbar", Some("Kareem Abdul-Jabbar")),
        // All-digit tokens and digits inside tokens are kept.
        ("Route 66", Some("Route 66")),
        ("R2D2", Some("R2D2")),
        ("1999", Some("1999")),
        // Casing is kept.
        ("ALBERT BROOKS", Some("ALBERT BROOKS")),
        ("mcdonald", Some("mcdonald")),
        // NFD becomes NFC (then the digit rule still applies).
        ("Toma\u{301}s", Some("Tomás")),
        ("Toma\u{301}s404 Oquendo599", Some("Tomás Oquendo")),
        ("Go\u{301}mez", Some("Gómez")),
        // Bidi overrides, isolates and marks are removed.
        ("\u{202E}Mallory\u{202C} Smith", Some("Mallory Smith")),
        ("\u{2066}Ann\u{2069}", Some("Ann")),
        ("Eve\u{200F}", Some("Eve")),
        // Control characters: whitespace ones become spaces, others vanish.
        ("Ann\u{0}\u{7}e", Some("Anne")),
        ("Ann\tMarie\nSmith\r\n", Some("Ann Marie Smith")),
        ("\u{feff}Zoë", Some("Zoë")),
        // Whitespace collapses, NBSP included.
        ("  Ann   Marie  ", Some("Ann Marie")),
        ("Ann\u{a0}Marie", Some("Ann Marie")),
        // Nothing left.
        ("", None),
        ("   ", None),
        ("\u{202E}\u{0}", None),
    ];
    for (input, want) in cases {
        assert_eq!(clean_name(input).unwrap().as_deref(), *want, "{input:?}");
    }
}

#[test]
fn nfc_output_is_composed() {
    let name = clean_name("Jose\u{301}").unwrap().unwrap();
    assert_eq!(name, "Jos\u{e9}");
    assert_eq!(name.chars().count(), 4);
}

#[test]
fn length_limit() {
    let ok = "é".repeat(MAX_NAME_CHARS);
    assert_eq!(clean_name(&ok).unwrap().unwrap().chars().count(), 200);
    let too_long = "a".repeat(MAX_NAME_CHARS + 1);
    let err = clean_name(&too_long).unwrap_err();
    assert_eq!(err, NameError::TooLong(201));
    assert_eq!(err.to_string(), "name is 201 characters; the limit is 200");
    // Counted after cleaning: spaces that collapse do not count.
    let spaced = format!("{}     {}", "a".repeat(100), "b".repeat(99));
    assert!(clean_name(&spaced).is_ok());
    let err = clean_name(&"x".repeat(10_000)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "name is 10000 characters; the limit is 200"
    );
    let err = name_from_parts(&[&"g".repeat(150)], Some(&"f".repeat(150)), &[]).unwrap_err();
    assert_eq!(err, NameError::TooLong(301));
}

#[test]
fn structured_names() {
    #[allow(clippy::type_complexity)]
    let cases: &[(&[&str], Option<&str>, &[&str], Option<&str>)] = &[
        (
            &["Tomás404"],
            Some("Oquendo599"),
            &["PhD"],
            Some("Tomás Oquendo"),
        ),
        (
            &["José María211"],
            Some("Cordero852"),
            &["JD"],
            Some("José María Cordero"),
        ),
        (
            &["María del Carmen27"],
            Some("Uribe503"),
            &[],
            Some("María del Carmen Uribe"),
        ),
        (
            &["Peter", "James"],
            Some("Chalmers"),
            &[],
            Some("Peter James Chalmers"),
        ),
        (
            &["Roelof Olaf"],
            Some("Bor"),
            &["PDEng."],
            Some("Roelof Olaf Bor"),
        ),
        (
            &["Amy", "V."],
            Some("Baxter"),
            &["PharmD"],
            Some("Amy V. Baxter"),
        ),
        (
            &["Martin Luther"],
            Some("King"),
            &["Jr."],
            Some("Martin Luther King Jr."),
        ),
        (&["Henry"], Some("Ford"), &["II"], Some("Henry Ford II")),
        (&["Trey"], Some("Murphy"), &["III"], Some("Trey Murphy III")),
        (
            &["John"],
            Some("Smith"),
            &["Sr", "MSc"],
            Some("John Smith Sr"),
        ),
        (
            &["Erika"],
            Some("Fürstin von Musterfrau"),
            &[],
            Some("Erika Fürstin von Musterfrau"),
        ),
        (&["Kenzi"], None, &[], Some("Kenzi")),
        (&[], Some("Gabler"), &[], Some("Gabler")),
        (&["  ", ""], Some(" "), &["Jr."], None),
        // CJK: family first.
        (&["爛漫"], Some("牧野"), &[], Some("牧野 爛漫")),
        (&["无忌"], Some("张"), &[], Some("张 无忌")),
        (&["민준"], Some("김"), &[], Some("김 민준")),
        (&["ひろし"], Some("やまだ"), &[], Some("やまだ ひろし")),
        // Mixed scripts keep the western order.
        (&["Ken"], Some("渡辺"), &[], Some("Ken 渡辺")),
        (&["Alice"], Some("O'Conner199"), &[], Some("Alice O'Conner")),
    ];
    for (given, family, suffixes, want) in cases {
        let got = name_from_parts(given, *family, suffixes).unwrap();
        assert_eq!(got.as_deref(), *want, "{given:?} {family:?} {suffixes:?}");
    }
}

#[test]
fn digit_rule_per_token() {
    let cases = [
        ("Tomás404", "Tomás"),
        ("Godínez202", "Godínez"),
        ("O'Conner199", "O'Conner"),
        ("Brandenburg-Schwedt12", "Brandenburg-Schwedt"),
        ("爛漫1", "爛漫"),
        ("404", "404"),
        ("R2D2", "R2D2"),
        ("A1B", "A1B"),
        ("'12", "'12"),
        ("Jr.", "Jr."),
        ("III", "III"),
        ("x²", "x²"),
        ("Ann٣", "Ann٣"), // only ASCII digits are stripped
    ];
    for (token, want) in cases {
        assert_eq!(strip_generated_digits(token), want, "{token}");
    }
}

#[test]
fn generational_suffixes() {
    for s in [
        "Jr.", "Jr", "jr", "Sr.", "II", "III", "IV", "V", "2nd", "3rd", "4th",
    ] {
        assert!(is_generational_suffix(s), "{s}");
    }
    for s in ["PhD", "MSc", "JD", "PDEng.", "MD", "ii", "Esq.", "", "nd"] {
        assert!(!is_generational_suffix(s), "{s}");
    }
}

#[test]
fn slugs() {
    let cases = [
        ("Tomás Oquendo", "tomas-oquendo"),
        ("牧野 爛漫", "mu-ye-lan-man"),
        ("张无忌", "zhang-wu-ji"),
        ("Shaquille O'Neal", "shaquille-oneal"),
        ("B.J. Armstrong", "b-j-armstrong"),
        (
            "Erika Fürstin von Musterfrau",
            "erika-furstin-von-musterfrau",
        ),
        ("Subject newborn", "subject-newborn"),
        ("  --Ann--  ", "ann"),
        ("", "subject"),
        ("!!!", "subject"),
    ];
    for (name, want) in cases {
        assert_eq!(slugify(name), want, "{name}");
    }
    let long = slugify(&"word ".repeat(20));
    assert!(
        long.len() <= 48 && !long.ends_with('-') && long.starts_with("word-"),
        "{long}"
    );
    assert_eq!(long, "word-word-word-word-word-word-word-word-word");
    assert_eq!(slugify(&"a".repeat(100)), "a".repeat(48));
    for name in ["Ωμέγα", "Привет мир", "😀 smile", "\u{202E}x"] {
        let s = slugify(name);
        assert!(!s.is_empty() && s.len() <= 48, "{name}: {s}");
        assert!(
            s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "{name}: {s}"
        );
    }
}

/// Which FHIR name is chosen, through the reader.
#[test]
fn fhir_name_choice() {
    let d = tempfile::tempdir().unwrap();
    let cases = [
        (
            serde_json::json!([{"use": "old", "family": "Shaw", "given": ["Amy"]},
                            {"family": "Baxter", "given": ["Amy"]}]),
            Some("Amy Baxter"),
        ),
        (
            serde_json::json!([{"use": "usual", "given": ["Jim"]},
                            {"use": "official", "family": "Chalmers", "given": ["Peter"]}]),
            Some("Peter Chalmers"),
        ),
        (
            serde_json::json!([{"use": "official", "text": "  "},
                            {"use": "usual", "given": ["Jim"]}]),
            Some("Jim"),
        ),
        (
            serde_json::json!([{"use": "maiden", "family": "Gabler"}]),
            Some("Gabler"),
        ),
        (
            serde_json::json!([{"text": "Roel", "family": "Bor", "given": ["Roelof"]}]),
            Some("Roelof Bor"),
        ),
        (
            serde_json::json!([{"text": "Dr. Roel Bor"}]),
            Some("Dr. Roel Bor"),
        ),
        (
            serde_json::json!([{"family": "牧野", "given": ["爛漫"], "prefix": ["Dr."]}]),
            Some("牧野 爛漫"),
        ),
        (serde_json::json!([]), None),
    ];
    for (i, (names, want)) in cases.into_iter().enumerate() {
        let patient =
            serde_json::json!({"resourceType": "Patient", "id": format!("p{i}"), "name": names});
        let got = common::read_bytes(d.path(), "p.json", patient.to_string().as_bytes());
        assert!(got.rejected.is_empty(), "{i}: {:?}", got.rejected);
        assert_eq!(got.subjects[0].name.as_deref(), want, "case {i}");
    }
}
