//! End-to-end tests of the `likeness` command line over the real fixtures.

use crate::util;

use util::{TestDir, png_dimensions, testdata};

fn import_fixtures(t: &TestDir) {
    t.run(&[
        "--json",
        "import",
        &testdata("fhir"),
        "--cohort",
        "patients",
    ])
    .ok();
    t.run(&[
        "--json",
        "import",
        &testdata("players/nba_players_shared.csv"),
        "--cohort",
        "nba",
    ])
    .ok();
}

#[test]
fn import_reports_counts_and_is_idempotent() {
    let t = TestDir::new();
    let first = t
        .run(&[
            "--json",
            "import",
            &testdata("players/nba_players_shared.csv"),
            "--cohort",
            "nba",
        ])
        .ok()
        .json();
    assert_eq!(first["imported"], 134, "{first}");
    assert_eq!(first["updated"], 0);
    let again = t
        .run(&[
            "--json",
            "import",
            &testdata("players/nba_players_shared.csv"),
            "--cohort",
            "nba",
        ])
        .ok()
        .json();
    assert_eq!(again["imported"], 0);
    assert_eq!(again["unchanged"], 134, "{again}");
    // The JSONL copy of the roster is the same subjects.
    let jsonl = t
        .run(&[
            "--json",
            "import",
            &testdata("players/nba_players_shared.jsonl"),
            "--kind",
            "jsonl",
        ])
        .json();
    assert_eq!(jsonl["imported"], 0, "{jsonl}");
}

#[test]
fn fhir_folder_imports_patients_and_reports_the_bundle_without_one() {
    let t = TestDir::new();
    let report = t.run(&["--json", "import", &testdata("fhir")]).ok().json();
    assert!(report["imported"].as_u64().unwrap() >= 30, "{report}");
    let notices = report["notices"].as_array().unwrap();
    assert!(
        notices
            .iter()
            .any(|n| n["file"].as_str().unwrap().contains("NO-PATIENT")),
        "the bundle with no Patient is reported: {report}"
    );
    // Found by slug as well as by id; Synthea's digit suffixes are gone from the name.
    let show = t
        .run(&["--json", "subjects", "show", "tomas-oquendo"])
        .ok()
        .json();
    assert_eq!(show["display_name"], "Tomás Oquendo", "{show}");
    assert_eq!(show["source"], "fhir");
    assert_eq!(show["deceased"], true);
}

#[test]
fn changed_record_updates_the_subject() {
    let t = TestDir::new();
    let f = t.write("people.jsonl", "{\"id\":\"p1\",\"name\":\"Ada Lovelace\",\"gender\":\"female\",\"birth_date\":\"1815-12-10\"}\n");
    let r = t
        .run(&["--json", "import", f.to_str().unwrap()])
        .ok()
        .json();
    assert_eq!(r["imported"], 1);
    t.write("people.jsonl", "{\"id\":\"p1\",\"name\":\"Augusta Ada King\",\"gender\":\"female\",\"birth_date\":\"1815-12-10\"}\n");
    let r = t
        .run(&["--json", "import", f.to_str().unwrap()])
        .ok()
        .json();
    assert_eq!(r["updated"], 1, "{r}");
    let show = t.run(&["--json", "subjects", "show", "p1"]).ok().json();
    assert_eq!(show["display_name"], "Augusta Ada King");
}

#[test]
fn bad_records_are_reported_and_the_rest_imports() {
    let t = TestDir::new();
    let long = "x".repeat(10_000);
    let content = format!(
        "{{\"id\":\"ok-1\",\"name\":\"Fine Person\"}}\nnot json\n{{\"id\":\"../../x\",\"name\":\"Path Like\"}}\n{{\"name\":\"No Id Here\",\"id\":\"\"}}\n{{\"id\":\"long\",\"name\":\"{long}\"}}\n{{\"id\":\"ok-2\",\"name\":\"Also Fine\"}}\n"
    );
    let f = t.write("mixed.jsonl", &content);
    let r = t
        .run(&["--json", "import", f.to_str().unwrap(), "--kind", "jsonl"])
        .ok()
        .json();
    assert_eq!(r["imported"], 2, "{r}");
    let rejected = r["rejected"].as_array().unwrap();
    assert_eq!(rejected.len(), 4, "{r}");
    for rej in rejected {
        assert!(rej["file"].as_str().unwrap().ends_with("mixed.jsonl"));
        assert!(!rej["reason"].as_str().unwrap().is_empty());
    }
    // Nothing was written outside the data directory.
    assert!(!t.path().join("x").exists());
}

#[test]
fn generate_writes_real_pngs_and_skips_existing_unless_forced() {
    let t = TestDir::new();
    import_fixtures(&t);
    t.run(&[
        "--json",
        "generate",
        "--subject",
        "76003",
        "--style",
        "initials",
    ])
    .ok();
    let first = t
        .run(&[
            "--json", "generate", "--cohort", "nba", "--style", "initials", "--limit", "5",
        ])
        .ok()
        .json();
    assert_eq!(first["planned"], 5, "{first}");
    assert_eq!(first["succeeded"], 5);
    assert_eq!(first["failed"], 0);
    assert_eq!(first["version"], 1);
    let pngs: Vec<_> = t
        .asset_files()
        .into_iter()
        .filter(|f| f.ends_with(".png"))
        .collect();
    assert_eq!(pngs.len(), 6, "{pngs:?}");
    for f in &pngs {
        assert_eq!(t.asset_png_dimensions(f), (512, 512));
    }
    // Same command again: those five are skipped, five more are generated (missing-only).
    let second = t
        .run(&[
            "--json", "generate", "--cohort", "nba", "--style", "initials", "--limit", "5",
        ])
        .ok()
        .json();
    assert_eq!(second["version"], 2, "{second}");
    assert_eq!(second["skipped"], 6, "the first five and 76003: {second}");
    assert_eq!(second["succeeded"], 5);
    // --force regenerates as a new version; the subject still has exactly one current image.
    let forced = t
        .run(&[
            "--json",
            "generate",
            "--subject",
            "76003",
            "--style",
            "initials",
            "--force",
        ])
        .ok()
        .json();
    assert_eq!(forced["succeeded"], 1, "{forced}");
    let history = t.run(&["--json", "history", "76003"]).ok().json();
    let entries = history.as_array().unwrap();
    assert_eq!(entries.len(), 2, "{history}");
    assert_eq!(entries.iter().filter(|e| e["current"] == true).count(), 1);
    for e in entries {
        for key in [
            "asset_id",
            "run_id",
            "style",
            "provider",
            "model",
            "status",
            "current",
            "created_at",
            "prompt",
            "error_code",
            "error_message",
            "path",
        ] {
            assert!(e.get(key).is_some(), "history entry lacks {key}: {e}");
        }
        assert_eq!(e["provider"], "builtin");
    }
    // Deterministic renderer: both versions are byte-identical, so they share one stored file.
    assert_eq!(entries[0]["path"], entries[1]["path"]);
    let resolved = t
        .run(&["--json", "resolve", "76003", "--style", "initials"])
        .ok()
        .json();
    assert_eq!(resolved["rule"], "current");
    assert_eq!(resolved["path"], entries[1]["path"]);
    // The stable name resolves to the same current version.
    let stable = t
        .run(&[
            "--json",
            "resolve",
            "76003_kareem-abdul-jabbar_initials.png",
        ])
        .ok()
        .json();
    assert_eq!(stable["path"], entries[1]["path"], "{stable}");
}

#[test]
fn dry_run_writes_nothing_and_prints_the_plan() {
    let t = TestDir::new();
    import_fixtures(&t);
    t.run(&[
        "--json", "generate", "--cohort", "nba", "--style", "initials", "--limit", "3",
    ])
    .ok();
    let before_files = t.asset_files();
    let before_runs = t.run(&["--json", "runs"]).ok().json();
    let plan = t
        .run(&[
            "--json",
            "generate",
            "--cohort",
            "nba",
            "--style",
            "initials",
            "--dry-run",
        ])
        .ok()
        .json();
    assert_eq!(plan["subjects"], 134, "{plan}");
    assert_eq!(plan["skipped"], 3);
    assert_eq!(plan["planned"], 131);
    assert_eq!(plan["skipped_by_reason"]["already has a current image"], 3);
    assert!(plan["sample_prompt"].as_str().unwrap().len() > 20, "{plan}");
    assert!(plan["estimated_cost_by_provider"]["builtin"].is_number());
    assert_eq!(t.asset_files(), before_files);
    assert_eq!(t.run(&["--json", "runs"]).ok().json(), before_runs);
    let human = t
        .run(&[
            "generate",
            "--cohort",
            "nba",
            "--style",
            "initials",
            "--dry-run",
        ])
        .ok();
    assert!(human.stdout.contains("dry run"), "{}", human.stdout);
    assert!(human.stdout.contains("sample prompt"));
}

#[test]
fn where_filters_and_multiple_styles() {
    let t = TestDir::new();
    import_fixtures(&t);
    let plan = t
        .run(&[
            "--json",
            "generate",
            "--where",
            "draft_year=2021",
            "--where",
            "source=csv",
            "--style",
            "initials,geometric",
            "--dry-run",
        ])
        .ok()
        .json();
    let subjects = plan["subjects"].as_u64().unwrap();
    assert!(subjects > 0, "{plan}");
    assert_eq!(
        plan["planned"].as_u64().unwrap(),
        subjects * 2,
        "two styles per subject: {plan}"
    );
    let r = t
        .run(&[
            "--json",
            "generate",
            "--where",
            "draft_year=2021",
            "--style",
            "initials,geometric",
        ])
        .ok()
        .json();
    assert_eq!(r["succeeded"].as_u64().unwrap(), subjects * 2, "{r}");
    let children = t
        .run(&[
            "--json",
            "generate",
            "--where",
            "age_band=child",
            "--where",
            "gender=woman",
            "--dry-run",
        ])
        .ok()
        .json();
    assert!(children["subjects"].as_u64().is_some());
}

#[test]
fn exit_codes_and_clear_errors() {
    let t = TestDir::new();
    import_fixtures(&t);
    // Unknown style: usage error, exit 1, JSON error document with a stable code.
    let r = t.run(&["--json", "generate", "--style", "no-such-style"]);
    assert_eq!(r.status, 1, "{}", r.stderr);
    assert_eq!(r.json()["error"]["code"], "style.unknown");
    // A photographic scenario with no provider set up: refused before planning, naming what
    // to set for each provider of its chain, once.
    let r = t.run(&["generate", "--style", "consultant"]);
    assert_eq!(r.status, 1, "{}", r.stderr);
    for what in [
        "consultant",
        "COMFYUI_URL",
        "GEMINI_API_KEY",
        "OPENAI_API_KEY",
    ] {
        assert_eq!(
            r.stderr.matches(what).count(),
            1,
            "{what} once: {}",
            r.stderr
        );
    }
    assert!(
        t.run(&["--json", "runs"])
            .ok()
            .json()
            .as_array()
            .unwrap()
            .is_empty()
    );
    // A style the built-in renderer cannot draw: exit 1 and the message lists what it can draw.
    let r = t.run(&["generate", "--style", "consultant", "--provider", "builtin"]);
    assert_eq!(r.status, 1);
    assert!(r.stderr.contains("consultant"), "{}", r.stderr);
    assert_eq!(
        r.stderr.matches("cannot draw").count(),
        1,
        "said once: {}",
        r.stderr
    );
    assert!(
        r.stderr.contains("initials") && r.stderr.contains("watercolor"),
        "{}",
        r.stderr
    );
    // Bad flags: exit 1.
    assert_eq!(t.run(&["generate", "--no-such-flag"]).status, 1);
    assert_eq!(t.run(&["generate", "--where", "novalue"]).status, 1);
    assert_eq!(t.run(&["subjects", "show", "nobody"]).status, 1);
    // A selection that matches nobody says so (and records no empty run).
    let r = t.run(&["generate", "--where", "draft_year=1800"]);
    assert_eq!(r.status, 1);
    assert!(r.stderr.contains("no subject matches"), "{}", r.stderr);
    assert_eq!(
        t.run(&["--json", "runs"]).ok().json(),
        serde_json::json!([])
    );
    // A dry run on a data directory that does not exist creates nothing.
    let empty = TestDir::new();
    let r = empty.run(&["generate", "--dry-run"]);
    assert_eq!(r.status, 1);
    assert!(!empty.data_dir().exists());
    // --help teaches and succeeds.
    let help = t.run(&["generate", "--help"]).ok();
    assert!(help.stdout.contains("--dry-run") && help.stdout.contains("Examples"));
}

#[test]
fn per_subject_failures_exit_2_and_are_recorded() {
    let t = TestDir::new();
    import_fixtures(&t);
    // A pinned attribute that is not a colour fails that subject, clearly; the others succeed.
    let f = t.write(
        "pinned.jsonl",
        "{\"id\":\"good-1\",\"name\":\"Ana Good\",\"attributes\":{\"skin_tone\":\"#8d5524\"}}\n\
         {\"id\":\"bad-1\",\"name\":\"Bo Bad\",\"attributes\":{\"skin_tone\":\"purple-ish\"}}\n\
         {\"id\":\"good-2\",\"name\":\"Cy Good\"}\n",
    );
    t.run(&[
        "--json",
        "import",
        f.to_str().unwrap(),
        "--cohort",
        "pinned",
    ])
    .ok();
    let r = t.run(&[
        "--json", "generate", "--cohort", "pinned", "--style", "initials",
    ]);
    assert_eq!(r.status, 2, "{}\n{}", r.stdout, r.stderr);
    let report = r.json();
    assert_eq!(report["failed"], 1, "{report}");
    assert_eq!(report["succeeded"], 2, "{report}");
    let failures = report["failures"].as_array().unwrap();
    assert_eq!(failures[0]["subject_id"], "bad-1");
    assert_eq!(failures[0]["code"], "provider.bad_attribute", "{report}");
    assert!(
        failures[0]["message"].as_str().unwrap().contains("#rrggbb"),
        "{report}"
    );
    let id = failures[0]["subject_id"].as_str().unwrap();
    let history = t.run(&["--json", "history", id]).ok().json();
    assert_eq!(history[0]["status"], "failed");
    assert!(history[0]["error_message"].as_str().is_some());
}

#[test]
fn resolve_falls_back_legacy_then_default_style_then_placeholder() {
    let t = TestDir::new();
    import_fixtures(&t);
    // Placeholder when nothing exists.
    let r = t
        .run(&["--json", "resolve", "76003", "--style", "geometric"])
        .ok()
        .json();
    assert_eq!(r["rule"], "placeholder", "{r}");
    // A file path on a local store; on S3 the key (and no path).
    let dims = match r["path"].as_str() {
        Some(path) => png_dimensions(std::path::Path::new(path)),
        None => t.asset_png_dimensions(r["key"].as_str().unwrap()),
    };
    assert_eq!(dims, (512, 512), "{r}");
    // Default style (watercolor) once it has an image.
    t.run(&["--json", "generate", "--subject", "76003"]).ok();
    let r = t
        .run(&["--json", "resolve", "76003", "--style", "geometric"])
        .ok()
        .json();
    assert_eq!(r["rule"], "default_style", "{r}");
    // A legacy file from an older pipeline wins over the default style.
    t.put_asset("76003_geometric.jpg", b"legacy");
    let r = t
        .run(&["--json", "resolve", "76003", "--style", "geometric"])
        .ok()
        .json();
    assert_eq!(r["rule"], "legacy", "{r}");
    // Path-like ids are refused, not looked up.
    let r = t.run(&["resolve", "../../etc/passwd"]);
    assert_eq!(r.status, 1);
}

#[test]
fn styles_prompt_shows_the_exact_prompt() {
    let t = TestDir::new();
    import_fixtures(&t);
    let r = t
        .run(&[
            "--json",
            "styles",
            "prompt",
            "watercolor",
            "--subject",
            "76003",
        ])
        .ok()
        .json();
    let prompt = r["prompt"].as_str().unwrap();
    assert!(
        prompt.contains("#2F5E52") || prompt.to_lowercase().contains("watercolor"),
        "{prompt}"
    );
    let list = t.run(&["--json", "styles", "list"]).ok().json();
    let names: Vec<_> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect();
    for n in [
        "watercolor",
        "flat-poster",
        "cartoon",
        "initials",
        "geometric",
        "consultant",
        "compassionate_care",
    ] {
        assert!(names.contains(&n.to_string()), "{n} missing from {names:?}");
    }
}

#[test]
fn render_and_sheet_draw_without_a_data_directory() {
    let t = TestDir::new();
    let out = t.path().join("poster.png");
    let r = t
        .run(&[
            "--json",
            "render",
            "--style",
            "watercolor",
            "--name",
            "Ada Lovelace",
            "--gender",
            "woman",
            "--age",
            "36",
            "--size",
            "200",
            "--out",
            out.to_str().unwrap(),
        ])
        .ok()
        .json();
    assert_eq!(
        (r["width"].as_u64(), r["height"].as_u64()),
        (Some(200), Some(200))
    );
    assert_eq!(util::png_dimensions(&out), (200, 200));
    // The same seed draws the same picture; WebP is the same drawing, encoded losslessly.
    let again = t.path().join("again.png");
    t.run(&[
        "render",
        "--style",
        "watercolor",
        "--name",
        "Ada Lovelace",
        "--gender",
        "woman",
        "--age",
        "36",
        "--size",
        "200",
        "--out",
        again.to_str().unwrap(),
    ])
    .ok();
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&again).unwrap());
    let webp = t.path().join("a.webp");
    t.run(&[
        "render",
        "--style",
        "initials",
        "--name",
        "Ada",
        "--out",
        webp.to_str().unwrap(),
    ])
    .ok();
    assert_eq!(&std::fs::read(&webp).unwrap()[8..12], b"WEBP");

    let sheet = t.path().join("sheet.png");
    let s = t
        .run(&[
            "--json",
            "sheet",
            "--style",
            "geometric",
            "--count",
            "12",
            "--size",
            "64",
            "--columns",
            "4",
            "--out",
            sheet.to_str().unwrap(),
        ])
        .ok()
        .json();
    assert_eq!(s["portraits"].as_array().unwrap().len(), 12);
    let (w, h) = util::png_dimensions(&sheet);
    assert_eq!(
        (w, h),
        (
            s["width"].as_u64().unwrap() as u32,
            s["height"].as_u64().unwrap() as u32
        )
    );
    assert!(w > 4 * 64 && h > 3 * 64 && h < 4 * 64 + 64, "{w}x{h}");
    let ages: std::collections::BTreeSet<u64> = s["portraits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["age"].as_u64().unwrap())
        .collect();
    assert!(ages.len() >= 8, "a spread of ages: {ages:?}");

    // Clear errors, and nothing half-written or created on the way.
    let x = |name: &str| t.path().join(name).to_str().unwrap().to_string();
    let bad = t.run(&["render", "--style", "watercolor", "--out", &x("x.jpg")]);
    assert_eq!(bad.status, 1);
    assert!(bad.stderr.contains(".png, .webp or .svg"), "{}", bad.stderr);
    // SVG: the drawing itself, the same one the PNG rasterises.
    let svg = t.path().join("ada.svg");
    t.run(&[
        "render",
        "--style",
        "flat-poster",
        "--attr",
        "glasses=yes",
        "--attr",
        "team_colors=#1d428a,#ffc72c",
        "--out",
        svg.to_str().unwrap(),
    ])
    .ok();
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(
        text.starts_with("<svg") && text.trim_end().ends_with("</svg>"),
        "{}",
        &text[..80]
    );
    assert!(
        text.to_lowercase().contains("#1d428a"),
        "team colour in the drawing"
    );
    std::fs::remove_file(&svg).unwrap();
    // --svg: the drawing whatever the file is called.
    t.run(&[
        "render",
        "--style",
        "geometric",
        "--svg",
        "--out",
        &x("g.out"),
    ])
    .ok();
    assert!(
        std::fs::read_to_string(x("g.out"))
            .unwrap()
            .starts_with("<svg")
    );
    let bad = t.run(&["render", "--style", "consultant", "--out", &x("x.png")]);
    assert_eq!(bad.status, 1);
    assert!(bad.stderr.contains("cannot draw"), "{}", bad.stderr);
    let bad = t.run(&[
        "render",
        "--style",
        "initials",
        "--attr",
        "skin_tone",
        "--out",
        &x("x.png"),
    ]);
    assert!(bad.stderr.contains("KEY=VALUE"), "{}", bad.stderr);
    assert!(
        !t.data_dir().exists(),
        "render and sheet never create the data directory"
    );
    let mut left: Vec<_> = std::fs::read_dir(t.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(
        left,
        ["a.webp", "again.png", "g.out", "poster.png", "sheet.png"]
    );
}

#[test]
fn look_flags_move_the_figure_and_bad_ones_are_refused() {
    let t = TestDir::new();
    let draw = |name: &str, extra: &[&str]| {
        let out = t.path().join(name);
        let mut args = vec![
            "render",
            "--style",
            "geometric",
            "--option",
            "variant=bauhaus",
            "--seed",
            "look",
            "--size",
            "64",
        ];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["--out", out.to_str().unwrap()]);
        t.run(&args).ok();
        image::open(&out).unwrap().to_rgba8()
    };
    let plain = draw("plain.png", &[]);
    let flipped = draw("flipped.png", &["--flip", "horizontal"]);
    let mirrored = image::imageops::flip_horizontal(&plain);
    let diff = |a: &image::RgbaImage, b: &image::RgbaImage| -> f64 {
        let sum: u64 = a
            .as_raw()
            .iter()
            .zip(b.as_raw())
            .map(|(x, y)| u64::from(x.abs_diff(*y)))
            .sum();
        sum as f64 / a.as_raw().len() as f64
    };
    // The flip is a mirror image (up to anti-aliasing), and not the original.
    assert!(
        diff(&flipped, &mirrored) < 2.0,
        "{}",
        diff(&flipped, &mirrored)
    );
    assert!(diff(&flipped, &plain) > 10.0, "{}", diff(&flipped, &plain));

    // Shrunk on a background: the corners show the background colour.
    let small = draw("small.png", &["--scale", "0.5", "--background", "#123456"]);
    assert_eq!(small.get_pixel(1, 1).0, [0x12, 0x34, 0x56, 255]);
    assert_ne!(small.get_pixel(32, 32).0, [0x12, 0x34, 0x56, 255]);
    // A circle: transparent corners.
    let round = draw("round.png", &["--radius", "50"]);
    assert_eq!(round.get_pixel(0, 0).0[3], 0);

    let out = t.path().join("x.png");
    let bad = t.run(&[
        "render",
        "--style",
        "initials",
        "--rotate",
        "400",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(bad.status, 1);
    assert!(
        bad.stderr.contains("rotate must be -360..=360"),
        "{}",
        bad.stderr
    );
    let bad = t.run(&[
        "render",
        "--style",
        "initials",
        "--palette",
        "#ffffff,#000000",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        bad.stderr.contains("unknown field `palette`"),
        "{}",
        bad.stderr
    );
    assert!(!out.exists());
}

#[test]
fn a_closed_stdout_ends_a_command_quietly() {
    let t = TestDir::new();
    // The reading end is gone before the command starts, so its first line meets EPIPE.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = t.path().join("sheet.png");
    let run = t
        .command(&[
            "sheet", "--style", "initials", "--count", "4", "--size", "32",
        ])
        .args(["--out", out.to_str().unwrap()])
        .stdout(writer)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(out.exists(), "the work is done before the report");
}
