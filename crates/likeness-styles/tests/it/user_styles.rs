//! User style directories: overrides, additions, errors, identifiers and sizing.

use std::fs;
use std::path::{Path, PathBuf};

use likeness_styles::{
    Audience, Catalog, Origin, PromptSubject, ProviderRef, Style, StyleError, StyleKind,
};

const FAKE_NAME: &str = "Zephyrine Quillfeather-Okonkwo";

fn write(dir: &Path, file: &str, body: &str) -> PathBuf {
    let path = dir.join(file);
    fs::write(&path, body).unwrap();
    path
}

/// A valid style file with `extra` lines inserted before the prompt.
fn style_src(name: &str, extra: &str, prompt: &str) -> String {
    format!(
        "name = \"{name}\"\nversion = 1\ntitle = \"Test {name}\"\nkind = \"portrait\"\n\
         aspect_ratio = \"1:1\"\n{extra}\nprompt = \"\"\"\n{prompt}\n\"\"\"\n"
    )
}

fn subject() -> PromptSubject {
    PromptSubject {
        id: "pt-0042".into(),
        display_name: FAKE_NAME.into(),
        gender: "woman".into(),
        age: Some(29),
        ..PromptSubject::default()
    }
}

fn load_err(file: &str, body: &str) -> (StyleError, String) {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), file, body);
    let err = Catalog::load(&[dir.path().to_path_buf()]).unwrap_err();
    let msg = err.to_string();
    (err, msg)
}

#[test]
fn user_file_replaces_builtin_and_adds_new_styles() {
    let dir = tempfile::tempdir().unwrap();
    let builtin = Catalog::builtin().get("watercolor").unwrap().clone();
    let src = "name = \"watercolor\"\nversion = 2\ntitle = \"Watercolor v2\"\n\
               kind = \"portrait\"\naspect_ratio = \"1:1\"\n\
               prompt = \"A warmer watercolor of {{ person }}.\"\n\
               [renderer]\nkind = \"watercolor\"\n";
    let path = write(dir.path(), "watercolor.toml", src);
    write(
        dir.path(),
        "sepia-portrait.toml",
        &style_src("sepia-portrait", "", "A sepia photograph of {{ person }}."),
    );
    write(dir.path(), "notes.txt", "not a style");
    write(dir.path(), ".hidden.toml", "this is = not [valid");

    let catalog = Catalog::load(&[dir.path().to_path_buf()]).unwrap();
    let w = catalog.get("watercolor").unwrap();
    assert_eq!(w.version, 2);
    assert_eq!(w.origin, Origin::File(path));
    assert_ne!(w.fingerprint, builtin.fingerprint);
    assert_eq!(
        w.render_prompt(&subject(), Audience::Cloud).unwrap(),
        "A warmer watercolor of a young woman in her twenties."
    );
    let sepia = catalog.get("sepia-portrait").unwrap();
    assert!(matches!(sepia.origin, Origin::File(_)));
    assert_eq!(
        sepia.providers,
        vec!["builtin".parse::<ProviderRef>().unwrap()]
    );
    assert_eq!(catalog.len(), Catalog::builtin().len() + 1);
    let names: Vec<&str> = catalog.names().collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted);
}

#[test]
fn later_directories_win_and_missing_directories_are_skipped() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    write(
        a.path(),
        "house.toml",
        &style_src("house", "", "first {{ person }}"),
    );
    let second = write(
        b.path(),
        "house.toml",
        &style_src("house", "", "second {{ person }}"),
    );
    let missing = a.path().join("does-not-exist");
    let catalog =
        Catalog::load(&[missing, a.path().to_path_buf(), b.path().to_path_buf()]).unwrap();
    let house = catalog.get("house").unwrap();
    assert_eq!(house.origin, Origin::File(second));
    assert_eq!(
        house.render_prompt(&subject(), Audience::Local).unwrap(),
        "second a young woman in her twenties"
    );
}

#[test]
fn a_file_in_place_of_a_directory_is_an_io_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "plain.toml", "x = 1");
    let err = Catalog::load(&[file]).unwrap_err();
    assert_eq!(err.code(), "style.io");
    assert!(err.to_string().contains("plain.toml"), "{err}");
}

#[test]
fn unknown_key_is_a_parse_error_with_position() {
    let body = style_src("typo", "nmae = \"x\"", "Hi {{ person }}");
    let (err, msg) = load_err("typo.toml", &body);
    assert_eq!(err.code(), "style.parse");
    assert!(msg.contains("typo.toml:6:1"), "{msg}");
    assert!(msg.contains("unknown field `nmae`"), "{msg}");
}

#[test]
fn bad_toml_is_a_parse_error_with_position() {
    let (err, msg) = load_err("broken.toml", "name = \"broken\"\nversion = \n");
    assert_eq!(err.code(), "style.parse");
    assert!(msg.contains("broken.toml:2:"), "{msg}");
    let StyleError::Parse { line, column, .. } = err else {
        panic!("not a parse error")
    };
    assert_eq!(line, Some(2));
    assert!(column.is_some());
}

#[test]
fn wrong_kind_is_a_parse_error() {
    let body = style_src("k", "", "x").replace("\"portrait\"", "\"portait\"");
    let (err, msg) = load_err("k.toml", &body);
    assert_eq!(err.code(), "style.parse");
    assert!(
        msg.contains("k.toml:4:8") && msg.contains("portait"),
        "{msg}"
    );
}

#[test]
fn template_syntax_error_names_file_and_lines() {
    // prompt = """ is on file line 7, so template line 2 is file line 9
    let body = style_src(
        "syntax",
        "",
        "Portrait of {{ person }}\n{% if subject.hair %}no end",
    );
    let (err, msg) = load_err("syntax.toml", &body);
    assert_eq!(err.code(), "style.template");
    assert!(msg.contains("syntax.toml:9"), "{msg}");
    assert!(msg.contains("template line 2"), "{msg}");
    assert!(msg.contains("syntax error"), "{msg}");
}

#[test]
fn misspelled_variable_fails_at_load() {
    let body = style_src("typo-var", "", "A portrait of {{ persn }}.");
    let (err, msg) = load_err("typo-var.toml", &body);
    assert_eq!(err.code(), "style.template");
    assert!(
        msg.contains("typo-var.toml:8") && msg.contains("persn"),
        "{msg}"
    );

    let body = style_src("typo-field", "", "{% if subject.hiar %}x{% endif %}");
    let (err, msg) = load_err("typo-field.toml", &body);
    assert_eq!(err.code(), "style.template");
    assert!(msg.contains("subject.hiar"), "{msg}");
}

#[test]
fn templates_that_break_on_missing_demographics_fail_at_load() {
    let body = style_src("age-math", "", "born {{ 2026 - subject.age }}");
    let (err, _) = load_err("age-math.toml", &body);
    assert_eq!(err.code(), "style.template");
}

#[test]
fn name_must_match_file_stem() {
    let (err, msg) = load_err("other.toml", &style_src("watercolor", "", "x"));
    assert_eq!(err.code(), "style.invalid");
    assert!(msg.contains("other.toml:1:8"), "{msg}");
    assert!(msg.contains("`watercolor`"), "{msg}");
}

#[test]
fn invalid_values_are_rejected_with_the_file_name() {
    let cases: [(&str, String, &str); 6] = [
        (
            "ratio.toml",
            style_src("ratio", "", "x").replace("\"1:1\"", "\"16x9\""),
            "aspect_ratio",
        ),
        (
            "zero.toml",
            style_src("zero", "", "x").replace("\"1:1\"", "\"0:1\""),
            "aspect_ratio",
        ),
        ("Caps.toml", style_src("Caps", "", "x"), "must match"),
        (
            "ver.toml",
            style_src("ver", "", "x").replace("version = 1", "version = 0"),
            "version",
        ),
        (
            "size.toml",
            style_src("size", "default_size = \"4K\"", "x"),
            "default_size `4K`",
        ),
        (
            "prov.toml",
            style_src(
                "prov",
                "providers = [\"gemni:gemini-2.5-flash-image\"]",
                "x",
            ),
            "did you mean `gemini`",
        ),
    ];
    for (file, body, needle) in cases {
        let (err, msg) = load_err(file, &body);
        assert_eq!(err.code(), "style.invalid", "{file}: {msg}");
        assert!(msg.contains(file), "{msg}");
        assert!(msg.contains(needle), "{file}: {msg}");
    }
}

#[test]
fn identifiers_fail_for_cloud_without_send_identifiers() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "named.toml",
        &style_src(
            "named",
            "",
            "A portrait of {{ subject.display_name }}, {{ person }}.",
        ),
    );
    write(
        dir.path(),
        "named-ok.toml",
        &style_src(
            "named-ok",
            "send_identifiers = true",
            "A portrait of {{ subject.display_name }}, {{ person }}.",
        ),
    );
    let catalog = Catalog::load(&[dir.path().to_path_buf()]).unwrap();

    let named = catalog.get("named").unwrap();
    let local = named.render_prompt(&subject(), Audience::Local).unwrap();
    assert!(local.contains(FAKE_NAME), "{local}");
    let err = named
        .render_prompt(&subject(), Audience::Cloud)
        .unwrap_err();
    assert_eq!(err.code(), "style.identifier_in_cloud_prompt");
    assert!(err.to_string().contains("`named`"), "{err}");
    assert!(err.to_string().contains("subject.display_name"), "{err}");
    assert!(
        !err.to_string().contains(FAKE_NAME),
        "the error must not leak the name"
    );
    let err = named.check_cloud_safe().unwrap_err();
    assert_eq!(err.code(), "style.identifier_in_cloud_prompt");

    let ok = catalog.get("named-ok").unwrap();
    ok.check_cloud_safe().unwrap();
    let cloud = ok.render_prompt(&subject(), Audience::Cloud).unwrap();
    assert_eq!(
        cloud,
        format!("A portrait of {FAKE_NAME}, a young woman in her twenties.")
    );
}

#[test]
fn identifier_lookups_are_caught_even_when_guarded_or_absent() {
    for (name, prompt, field) in [
        ("by-id", "{{ person }} {{ subject.id }}", "subject.id"),
        (
            "by-birth",
            "{{ person }}{% if subject.birth_date %} born {{ subject.birth_date }}{% endif %}",
            "subject.birth_date",
        ),
        (
            "by-attr",
            "{{ person }} {{ attributes.first_name | default('') }}",
            "attributes.first_name",
        ),
        (
            "by-defined",
            "{% if subject.display_name is defined %}x{% endif %}",
            "subject.display_name",
        ),
    ] {
        let style = Style::from_toml_str(
            &style_src(name, "", prompt),
            Origin::File(format!("/styles/{name}.toml").into()),
        )
        .unwrap();
        let err = style
            .render_prompt(&subject(), Audience::Cloud)
            .unwrap_err();
        assert_eq!(err.code(), "style.identifier_in_cloud_prompt", "{name}");
        assert!(err.to_string().contains(field), "{err}");
        assert!(
            style.render_prompt(&subject(), Audience::Local).is_ok(),
            "{name}"
        );
    }
}

#[test]
fn audience_branches_keep_local_only_identifiers_out_of_cloud_prompts() {
    let style = Style::from_toml_str(
        &style_src(
            "branchy",
            "providers = [\"gemini:gemini-3-pro-image\", \"builtin\"]",
            "Portrait of {{ person }}{% if audience == 'local' %} named {{ subject.display_name }}{% endif %}.",
        ),
        Origin::File("/styles/branchy.toml".into()),
    )
    .unwrap();
    assert!(style.uses_cloud());
    assert_eq!(
        style.render_prompt(&subject(), Audience::Cloud).unwrap(),
        "Portrait of a young woman in her twenties."
    );
    assert!(
        style
            .render_prompt(&subject(), Audience::Local)
            .unwrap()
            .contains(FAKE_NAME)
    );
}

#[test]
fn cloud_chains_are_checked_at_load() {
    let body = style_src(
        "leaky",
        "providers = [\"openai:gpt-image-1\"]",
        "{{ person }} called {{ subject.display_name }}",
    );
    let (err, msg) = load_err("leaky.toml", &body);
    assert_eq!(err.code(), "style.identifier_in_cloud_prompt");
    assert!(
        msg.contains("leaky.toml") && msg.contains("`leaky`"),
        "{msg}"
    );
}

#[test]
fn license_and_attribution_are_optional_and_checked() {
    let style = Style::from_toml_str(
        &style_src(
            "lic",
            "license = \"CC-BY-4.0 OR MIT\"\nattribution = \" Look by A. Artist \"",
            "{{ person }}",
        ),
        Origin::File("/x/lic.toml".into()),
    )
    .unwrap();
    assert_eq!(style.license.as_deref(), Some("CC-BY-4.0 OR MIT"));
    assert_eq!(style.attribution.as_deref(), Some("Look by A. Artist"));
    let plain = Style::from_toml_str(
        &style_src("plain", "", "x"),
        Origin::File("/x/plain.toml".into()),
    )
    .unwrap();
    assert_eq!((plain.license, plain.attribution), (None, None));
    for (extra, needle) in [
        ("license = \"CC0 1.0\"", "SPDX"),
        ("license = \"\"", "SPDX"),
        (
            "attribution = \"  \"",
            "attribution must be one non-empty line",
        ),
        (
            "attribution = \"a\\nb\"",
            "attribution must be one non-empty line",
        ),
    ] {
        let (err, msg) = load_err("lic.toml", &style_src("lic", extra, "x"));
        assert_eq!(err.code(), "style.invalid", "{extra}: {msg}");
        assert!(msg.contains(needle), "{extra}: {msg}");
        assert!(
            msg.contains("lic.toml:6:"),
            "{extra}: names the line: {msg}"
        );
    }
}

#[test]
fn provider_chain_and_optional_fields() {
    let style = Style::from_toml_str(
        &style_src(
            "chain",
            "providers = [\"gemini:gemini-2.5-flash-image\", \"openai:gpt-image-1\", \"comfyui\", \"builtin\"]\n\
             negative_prompt = \"{% if subject.age %}{% endif %}\"",
            "{% if subject.age %}aged {{ subject.age }}{% endif %} {{ subject.hair }} {{ person }}",
        ),
        Origin::File("/x/chain.toml".into()),
    )
    .unwrap();
    let chain: Vec<String> = style.providers.iter().map(ToString::to_string).collect();
    assert_eq!(
        chain,
        [
            "gemini:gemini-2.5-flash-image",
            "openai:gpt-image-1",
            "comfyui",
            "builtin"
        ]
    );
    assert_eq!(style.providers[0].audience(), Audience::Cloud);
    assert_eq!(style.providers[2].audience(), Audience::Local);
    assert_eq!(style.kind, StyleKind::Portrait);
    let nobody = PromptSubject::default();
    assert_eq!(
        style.render_prompt(&nobody, Audience::Cloud).unwrap(),
        "a person"
    );
    assert_eq!(
        style
            .render_negative_prompt(&nobody, Audience::Cloud)
            .unwrap(),
        None
    );
    assert_eq!(
        style.render_prompt(&subject(), Audience::Local).unwrap(),
        "aged 29 a young woman in her twenties"
    );
}

#[test]
fn filters_make_prompts_pleasant() {
    let style = Style::from_toml_str(
        &style_src(
            "filters",
            "",
            "{{ attributes.role | article }} | {{ subject.age_band | humanize }} | \
             {{ ['red', 'white', 'blue'] | natural_join }} | {{ ['tea', 'coffee'] | natural_join('or') }} | \
             {{ attributes.team_colors | default('navy and white') }} | {{ pronouns.subject }}/{{ pronouns.object }}",
        ),
        Origin::File("/x/filters.toml".into()),
    )
    .unwrap();
    let mut s = subject();
    s.attributes.insert("role".into(), "oncologist".into());
    assert_eq!(
        style.render_prompt(&s, Audience::Cloud).unwrap(),
        "an oncologist | young adult | red, white and blue | tea or coffee | navy and white | she/her"
    );
}

#[test]
fn dimensions_follow_the_documented_rounding() {
    let catalog = Catalog::builtin();
    let dims =
        |name: &str, preset: Option<&str>| catalog.get(name).unwrap().dimensions(preset).unwrap();
    assert_eq!(dims("watercolor", None), (512, 512));
    assert_eq!(dims("watercolor", Some("512")), (512, 512));
    assert_eq!(dims("watercolor", Some("1K")), (1024, 1024));
    assert_eq!(dims("watercolor", Some("2K")), (2048, 2048));
    assert_eq!(dims("flat-poster", None), (410, 512)); // 409.6 -> 410
    assert_eq!(dims("flat-poster", Some("1K")), (820, 1024)); // 819.2 -> 820
    assert_eq!(dims("flat-poster", Some("2K")), (1638, 2048)); // 1638.4 -> 1638
    assert_eq!(dims("telehealth", Some("1K")), (1024, 576)); // 16:9
    assert_eq!(dims("speaker", None), (512, 342)); // 3:2, 341.3 -> 342

    let custom = Style::from_toml_str(
        "name = \"custom\"\nversion = 1\ntitle = \"t\"\nkind = \"fallback\"\naspect_ratio = \"3:4\"\n\
         default_size = \"thumb\"\nprompt = \"x\"\n[sizes]\nthumb = 128\nhd = 1080\n",
        Origin::File("/x/custom.toml".into()),
    )
    .unwrap();
    assert_eq!(custom.dimensions(None).unwrap(), (96, 128));
    assert_eq!(custom.dimensions(Some("hd")).unwrap(), (810, 1080));

    let err = catalog
        .get("flat-poster")
        .unwrap()
        .dimensions(Some("4K"))
        .unwrap_err();
    assert_eq!(err.code(), "style.bad_size");
    assert!(err.to_string().contains("512, 1K, 2K"), "{err}");
    assert!(err.to_string().contains("`4K`"), "{err}");
    let err = custom.dimensions(Some("1K")).unwrap_err();
    assert!(err.to_string().contains("thumb, hd"), "{err}");
}

#[test]
fn unknown_style_lists_names_and_suggests() {
    let catalog = Catalog::builtin();
    let err = catalog.get("watercolour").unwrap_err();
    assert_eq!(err.code(), "style.unknown");
    let msg = err.to_string();
    assert!(msg.contains("did you mean `watercolor`?"), "{msg}");
    for name in ["cartoon", "flat-poster", "telehealth", "initials"] {
        assert!(msg.contains(name), "{msg}");
    }
    let StyleError::Unknown { available, .. } = catalog.get("nothing-like-it").unwrap_err() else {
        panic!("not Unknown")
    };
    assert_eq!(available.len(), catalog.len());
    let msg = catalog.get("nothing-like-it").unwrap_err().to_string();
    assert!(!msg.contains("did you mean"), "{msg}");
}

#[test]
fn values_are_not_html_escaped() {
    let style = Catalog::builtin().get("flat-poster").unwrap().clone();
    let mut s = subject();
    s.attributes
        .insert("team_name".into(), "Hawks & Doves \"Club\" <Rovers>".into());
    let p = style.render_prompt(&s, Audience::Cloud).unwrap();
    assert!(p.contains("the Hawks & Doves \"Club\" <Rovers>"), "{p}");
}

#[test]
fn gates_are_read_checked_and_default_to_recording_only() {
    let with = |gates: &str| {
        format!(
            "name = \"gated\"\nversion = 1\ntitle = \"Gated\"\nkind = \"portrait\"\n\
             aspect_ratio = \"1:1\"\nprompt = \"A portrait of {{{{ person }}}}.\"\n{gates}"
        )
    };
    let plain = Style::from_toml_str(&with(""), Origin::Builtin).unwrap();
    assert_eq!(plain.gates, likeness_styles::Gates::default());
    assert!(!plain.gates.is_active());

    let gated = Style::from_toml_str(
        &with("[gates]\nmin_identity = 0.55\nquality = true\nattempts = 3\non_fail = \"fail\"\n"),
        Origin::Builtin,
    )
    .unwrap();
    assert_eq!(gated.gates.min_identity, Some(0.55));
    assert_eq!(gated.gates.attempts, 3);
    assert_eq!(gated.gates.on_fail, likeness_styles::OnFail::Fail);
    assert!(gated.gates.is_active());

    let err = Style::from_toml_str(&with("[gates]\nattempts = 9\n"), Origin::Builtin).unwrap_err();
    assert!(
        err.to_string()
            .contains("gates.attempts must be 1 to 5, not 9"),
        "{err}"
    );
    let err =
        Style::from_toml_str(&with("[gates]\nmin_identity = 60\n"), Origin::Builtin).unwrap_err();
    assert!(err.to_string().contains("between 0 and 1"), "{err}");
    let err =
        Style::from_toml_str(&with("[gates]\nmin_idenity = 0.5\n"), Origin::Builtin).unwrap_err();
    assert!(err.to_string().contains("min_idenity"), "{err}");
}
