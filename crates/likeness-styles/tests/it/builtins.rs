//! The compiled-in styles: they parse, follow the house rules, and render clean prompts for a
//! spread of subjects without leaking identifiers to cloud providers.

use std::collections::BTreeMap;

use likeness_styles::{Audience, Catalog, Origin, PromptSubject, StyleKind};

const SCENARIOS: [&str; 12] = [
    "consultant",
    "speaker",
    "candid_walk",
    "desk_shot",
    "examination",
    "team_meeting",
    "lab_coat_portrait",
    "outdoor_professional",
    "research",
    "telehealth",
    "surgery_prep",
    "compassionate_care",
];

/// DiceBear's CC0 styles, shipped as `dicebear-<style>` (kind = "dicebear").
const DICEBEAR: [&str; 44] = [
    "blobs",
    "cameo",
    "cats",
    "clay",
    "constellation",
    "critters",
    "cutouts",
    "disco",
    "dogs",
    "gaze",
    "glass",
    "identicon",
    "initial-face",
    "initials",
    "landscape",
    "line-face",
    "loops",
    "lorelei-neutral",
    "lorelei",
    "marbles",
    "moods",
    "notionists-neutral",
    "notionists",
    "open-peeps",
    "patchwork",
    "pixel-art-neutral",
    "pixel-art",
    "pixelbot",
    "planets",
    "rings",
    "shadows",
    "shape-grid",
    "shapes",
    "slice",
    "sprouts",
    "squircles",
    "stack",
    "stripes",
    "thumbs",
    "triangles",
    "voxel-art",
    "voxel-bot",
    "waves",
    "weave",
];

/// The DiceBear styles that draw a person (the rest are abstract, animals, robots or faces
/// that are not the subject's).
const DICEBEAR_PORTRAITS: [&str; 10] = [
    "cutouts",
    "lorelei",
    "lorelei-neutral",
    "notionists",
    "notionists-neutral",
    "open-peeps",
    "pixel-art",
    "pixel-art-neutral",
    "shadows",
    "voxel-art",
];

const FAKE_NAME: &str = "Zephyrine Quillfeather-Okonkwo";
const FAKE_ID: &str = "pt-8d1f-unique-4471";
const FAKE_BIRTH: &str = "1951-02-03";

fn attrs(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn subject(gender: &str, age: Option<u32>, band: Option<&str>) -> PromptSubject {
    PromptSubject {
        id: FAKE_ID.into(),
        display_name: FAKE_NAME.into(),
        gender: gender.into(),
        age,
        age_band: band.map(str::to_string),
        birth_date: Some(FAKE_BIRTH.into()),
        ..PromptSubject::default()
    }
}

/// A spread of subjects, each with words its prompts must contain (Local audience).
fn spread() -> Vec<(PromptSubject, Vec<&'static str>)> {
    let mut with_everything = subject("woman", Some(34), None);
    with_everything.hair = Some("short curly black hair".into());
    with_everything.cohorts = vec!["cardiology".into()];
    with_everything.likeness_description = Some("an oval face with high cheekbones".into());
    with_everything.attributes = attrs(&[
        ("team_name", "Harbor Hawks"),
        ("team_colors", "teal and orange"),
        ("worldview", "tech"),
        (
            "description",
            "a cheerful night-shift nurse who loves puzzles",
        ),
        ("specialty", "oncologist"),
        ("first_name", "Zephyrine"),
        ("email", "zq@example.invalid"),
    ]);
    let mut deceased = subject("man", Some(83), None);
    deceased.deceased = true;
    vec![
        (subject("", None, None), vec!["a person"]),
        (subject("unknown", None, None), vec!["a person"]),
        (subject("person", Some(7), None), vec!["7-year-old child"]),
        (subject("", Some(7), None), vec!["child"]),
        (subject("man", Some(7), None), vec!["7-year-old boy"]),
        (subject("female", Some(15), None), vec!["teenage girl"]),
        (
            subject("woman", None, Some("elderly")),
            vec!["elderly woman"],
        ),
        (subject("man", None, Some("young_adult")), vec!["young man"]),
        (deceased, vec!["elderly man in his eighties"]),
        (subject("man", Some(0), None), vec!["baby boy"]),
        (with_everything, vec!["woman in her thirties"]),
    ]
}

fn assert_clean(style: &str, text: &str) {
    assert!(!text.is_empty(), "{style}: empty prompt");
    assert_eq!(text, text.trim(), "{style}: untrimmed prompt");
    for bad in [
        "None",
        " none",
        "undefined",
        "{{",
        "}}",
        "{%",
        "%}",
        "{#",
        "  ",
        "\n",
        " ,",
        ",,",
        " .",
    ] {
        assert!(
            !text.contains(bad),
            "{style}: prompt contains {bad:?}: {text}"
        );
    }
}

#[test]
fn catalog_holds_exactly_the_documented_builtins() {
    let catalog = Catalog::builtin();
    let mut expected: Vec<&str> = vec![
        "watercolor",
        "flat-poster",
        "cartoon",
        "initials",
        "geometric",
    ];
    expected.extend(SCENARIOS);
    let dicebear: Vec<String> = DICEBEAR.iter().map(|d| format!("dicebear-{d}")).collect();
    expected.extend(dicebear.iter().map(String::as_str));
    expected.sort_unstable();
    let names: Vec<&str> = catalog.list().map(|s| s.name.as_str()).collect();
    assert_eq!(names, expected, "list() is sorted by name and complete");
    assert_eq!(catalog.names().collect::<Vec<_>>(), expected);
}

#[test]
fn builtins_follow_the_house_rules() {
    for style in Catalog::builtin().list() {
        let n = &style.name;
        // Bumped when the drawing changes, so stored portraits are regenerated.
        let version = match n.as_str() {
            "watercolor" => 4,
            "geometric" => 2,
            _ => 1,
        };
        assert_eq!(style.version, version, "{n}");
        assert!(!style.send_identifiers, "{n}");
        assert!(
            !style.send_references,
            "{n}: photos stay home unless a user opts in"
        );
        assert_eq!(style.default_size, "512", "{n}");
        assert_eq!(style.origin, Origin::Builtin, "{n}");
        let chain: Vec<String> = style.providers.iter().map(ToString::to_string).collect();
        // Built-in looks never spend money unasked; the photographic scenarios need an image
        // model, ComfyUI on the user's GPU first.
        if style.kind == likeness_styles::StyleKind::Scenario {
            assert_eq!(
                chain,
                [
                    "comfyui",
                    "gemini:gemini-2.5-flash-image",
                    "openai:gpt-image-1"
                ],
                "{n}"
            );
            assert!(style.uses_cloud(), "{n}");
        } else {
            assert_eq!(chain, ["builtin"], "{n}");
            assert!(!style.uses_cloud(), "{n}");
        }
        assert!(
            !style.title.is_empty() && !style.description.is_empty(),
            "{n}"
        );
        assert!(style.negative_prompt.is_some(), "{n}");
        assert_eq!(style.fingerprint.len(), 64, "{n}");
        assert!(
            style.fingerprint.bytes().all(|b| b.is_ascii_hexdigit()),
            "{n}"
        );
        assert_eq!(
            style
                .dimensions(None)
                .unwrap()
                .0
                .max(style.dimensions(None).unwrap().1),
            512
        );
        style
            .check_cloud_safe()
            .unwrap_or_else(|e| panic!("{n}: {e}"));
    }
}

#[test]
fn kinds_and_renderers() {
    let catalog = Catalog::builtin();
    let renderer_kind = |name: &str| {
        catalog
            .get(name)
            .unwrap()
            .renderer
            .as_ref()
            .and_then(|r| r.get("kind"))
            .and_then(|k| k.as_str())
            .map(str::to_string)
    };
    assert_eq!(renderer_kind("watercolor").as_deref(), Some("watercolor"));
    assert_eq!(renderer_kind("initials").as_deref(), Some("initials"));
    assert_eq!(renderer_kind("geometric").as_deref(), Some("geometric"));
    assert_eq!(renderer_kind("flat-poster").as_deref(), Some("poster"));
    assert_eq!(renderer_kind("cartoon").as_deref(), Some("cartoon"));
    for name in ["watercolor", "flat-poster", "cartoon"] {
        assert_eq!(catalog.get(name).unwrap().kind, StyleKind::Portrait);
    }
    for name in ["initials", "geometric"] {
        assert_eq!(catalog.get(name).unwrap().kind, StyleKind::Fallback);
    }
    for name in SCENARIOS {
        let style = catalog.get(name).unwrap();
        assert_eq!(style.kind, StyleKind::Scenario, "{name}");
        assert!(style.renderer.is_none(), "{name}");
    }
    assert_eq!(
        catalog.get("flat-poster").unwrap().aspect_ratio.to_string(),
        "4:5"
    );
    assert_eq!(
        catalog.get("watercolor").unwrap().aspect_ratio.to_string(),
        "1:1"
    );
}

#[test]
fn dicebear_styles_carry_their_licence_and_recipe() {
    let catalog = Catalog::builtin();
    for d in DICEBEAR {
        let name = format!("dicebear-{d}");
        let style = catalog.get(&name).unwrap();
        let renderer = style.renderer.as_ref().unwrap();
        assert_eq!(renderer["kind"].as_str(), Some("dicebear"), "{name}");
        assert_eq!(renderer["style"].as_str(), Some(d), "{name}");
        assert_eq!(renderer.len(), 2, "{name}: only kind and style");
        assert_eq!(style.license.as_deref(), Some("CC0-1.0"), "{name}");
        let attribution = style.attribution.as_deref().unwrap();
        assert!(attribution.ends_with("DiceBear (dicebear.com)"), "{name}");
        assert!(style.title.starts_with("DiceBear "), "{name}");
        assert!(style.description.contains("CC0 1.0"), "{name}");
        assert_eq!(style.aspect_ratio.to_string(), "1:1", "{name}");
        let kind = if DICEBEAR_PORTRAITS.contains(&d) {
            StyleKind::Portrait
        } else {
            StyleKind::Fallback
        };
        assert_eq!(style.kind, kind, "{name}");
        let json = serde_json::to_value(style).unwrap();
        assert_eq!(json["license"], "CC0-1.0");
        assert_eq!(json["attribution"], attribution);
    }
    assert_eq!(
        catalog
            .get("dicebear-notionists")
            .unwrap()
            .attribution
            .as_deref(),
        Some("Notionists by Zoish, via DiceBear (dicebear.com)")
    );
    // The project's own looks say nothing about licences.
    for style in catalog.list().filter(|s| !s.name.starts_with("dicebear-")) {
        assert_eq!(style.license, None, "{}", style.name);
        assert_eq!(style.attribution, None, "{}", style.name);
    }
}

#[test]
fn prompts_render_cleanly_with_demographic_words() {
    let catalog = Catalog::builtin();
    for (subject, words) in spread() {
        for style in catalog.list() {
            for audience in [Audience::Local, Audience::Cloud] {
                let prompt = style
                    .render_prompt(&subject, audience)
                    .unwrap_or_else(|e| panic!("{}: {e}", style.name));
                assert_clean(&style.name, &prompt);
                let negative = style.render_negative_prompt(&subject, audience).unwrap();
                assert_clean(&style.name, negative.as_deref().unwrap_or("x"));
                if style.kind != StyleKind::Fallback {
                    assert!(
                        prompt.contains(&subject.person_phrase()),
                        "{}: missing {:?} in {prompt}",
                        style.name,
                        subject.person_phrase()
                    );
                    for w in &words {
                        assert!(
                            prompt.contains(w),
                            "{}: missing {w:?} in {prompt}",
                            style.name
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn unknown_demographics_leave_no_age_words() {
    let prompt = Catalog::builtin()
        .get("watercolor")
        .unwrap()
        .render_prompt(&subject("", None, None), Audience::Cloud)
        .unwrap();
    assert!(prompt.contains("watercolor portrait of a person in strict side profile"));
    for w in [
        "year-old", "elderly", "young", "child", "thirties", " man ", " woman ",
    ] {
        assert!(!prompt.contains(w), "{w:?} in {prompt}");
    }
}

#[test]
fn cloud_prompts_never_carry_identifiers() {
    let catalog = Catalog::builtin();
    for (subject, _) in spread() {
        for style in catalog.list() {
            let texts = [
                style.render_prompt(&subject, Audience::Cloud).unwrap(),
                style
                    .render_negative_prompt(&subject, Audience::Cloud)
                    .unwrap()
                    .unwrap_or_default(),
            ];
            for text in texts {
                for secret in [
                    FAKE_NAME,
                    "Zephyrine",
                    "Quillfeather",
                    FAKE_ID,
                    FAKE_BIRTH,
                    "1951",
                    "zq@",
                ] {
                    assert!(
                        !text.contains(secret),
                        "{}: {secret:?} leaked: {text}",
                        style.name
                    );
                }
            }
        }
    }
}

#[test]
fn cloud_ages_are_capped_at_ninety() {
    let watercolor = Catalog::builtin().get("watercolor").unwrap().clone();
    let s = subject("woman", Some(104), None);
    let local = watercolor.render_prompt(&s, Audience::Local).unwrap();
    let cloud = watercolor.render_prompt(&s, Audience::Cloud).unwrap();
    assert!(
        local.contains("very elderly woman over one hundred years old"),
        "{local}"
    );
    assert!(
        cloud.contains("an elderly woman in her nineties"),
        "{cloud}"
    );
}

#[test]
fn watercolor_follows_the_cruxmd_brief() {
    let style = Catalog::builtin().get("watercolor").unwrap().clone();
    let mut s = subject("man", Some(52), None);
    s.hair = Some("thinning grey hair".into());
    let p = style.render_prompt(&s, Audience::Cloud).unwrap();
    for w in [
        "a man in his fifties",
        "side profile",
        "facing toward the right",
        "head-and-shoulders \"observer\"",
        "#2F5E52",
        "#5A7D7C",
        "#D9A036",
        "near the eye",
        "#F0EAD6",
        "Feathery",
        "no hard lines",
        "No text",
        "His thinning grey hair",
    ] {
        assert!(p.contains(w), "missing {w:?} in {p}");
    }
    assert!(!p.contains("remembrance"));
    s.deceased = true;
    let p = style.render_prompt(&s, Audience::Cloud).unwrap();
    assert!(p.contains("remembrance"), "{p}");
}

#[test]
fn flat_poster_uses_team_attributes_when_present() {
    let style = Catalog::builtin().get("flat-poster").unwrap().clone();
    let mut s = subject("man", Some(24), None);
    let plain = style.render_prompt(&s, Audience::Cloud).unwrap();
    assert!(plain.contains("deep, solid brand colour"), "{plain}");
    assert!(plain.contains("three-tone warm ramp"));
    assert!(plain.contains("no text, no logos, no crests, no numbers"));
    s.attributes = attrs(&[("team_name", "Lakers")]);
    let team = style.render_prompt(&s, Audience::Cloud).unwrap();
    assert!(team.contains("team colours of the Lakers"), "{team}");
    s.attributes = attrs(&[
        ("team_name", "Lakers"),
        ("team_colors", "purple and gold"),
        ("skin_tone", "deep brown"),
    ]);
    let both = style.render_prompt(&s, Audience::Cloud).unwrap();
    assert!(
        both.contains("jersey in purple and gold, the colours of the Lakers"),
        "{both}"
    );
    assert!(both.contains("his deep brown complexion"), "{both}");
}

#[test]
fn cartoon_maps_worldviews_to_themes() {
    let style = Catalog::builtin().get("cartoon").unwrap().clone();
    let cases = [
        ("revolutionary", "red and black"),
        ("Moderate", "soft neutrals"),
        ("patriot", "red, white and blue"),
        ("skeptic", "mysterious tones"),
        ("tech", "blue and purple"),
        ("burnt out", "coffee-cup energy"),
        ("burnt_out", "coffee cup"),
        ("solar_punk", "a solar punk outlook"),
    ];
    for (worldview, expected) in cases {
        let mut s = subject("woman", Some(45), None);
        s.attributes = attrs(&[
            ("worldview", worldview),
            ("description", "runs a tiny bakery"),
        ]);
        let p = style.render_prompt(&s, Audience::Cloud).unwrap();
        assert!(
            p.contains(expected),
            "{worldview}: missing {expected:?} in {p}"
        );
        assert!(p.contains("Character notes: runs a tiny bakery."), "{p}");
        assert!(p.contains("front-facing"));
    }
    let p = style
        .render_prompt(&subject("", None, None), Audience::Cloud)
        .unwrap();
    assert!(p.contains("cheerful, balanced palette"), "{p}");
    assert!(!p.contains("Character notes"));
}

#[test]
fn scenarios_are_photographic_and_identity_preserving() {
    let catalog = Catalog::builtin();
    let mut s = subject("woman", Some(41), None);
    s.attributes = attrs(&[("specialty", "oncologist")]);
    for name in SCENARIOS {
        let p = catalog
            .get(name)
            .unwrap()
            .render_prompt(&s, Audience::Cloud)
            .unwrap();
        for w in [
            "the same person as in the reference photo",
            "a woman in her forties, an oncologist",
            "mm ",
            "lens at f/",
            "Photorealistic",
            "No text",
        ] {
            assert!(p.contains(w), "{name}: missing {w:?} in {p}");
        }
        assert!(p.contains("light"), "{name}: no lighting in {p}");
    }
    let p = catalog
        .get("consultant")
        .unwrap()
        .render_prompt(&subject("man", Some(60), None), Audience::Cloud)
        .unwrap();
    assert!(p.contains("a man in his sixties, a physician"), "{p}");
}

#[test]
fn styles_serialize_for_the_api() {
    let style = Catalog::builtin().get("flat-poster").unwrap().clone();
    let json = serde_json::to_value(&style).unwrap();
    assert_eq!(json["aspect_ratio"], "4:5");
    assert_eq!(json["providers"][0], "builtin");
    assert_eq!(json["origin"], "builtin");
    assert_eq!(json["kind"], "portrait");
    assert_eq!(json["sizes"]["1K"], 1024);
}
