//! Faces end to end through the binary: `models check`, `faces detect|compare|check`,
//! `generate --reference`, subjects' `reference_photo`, identity and quality on every asset,
//! and style gates. On the real public-domain photos `scripts/fetch-models --photos` fetches.

use crate::util;

use serde_json::Value;
use util::{TestDir, face_jpeg, face_photo, models_dir};

fn write_bytes(t: &TestDir, name: &str, bytes: &[u8]) -> String {
    let path = t.path().join(name);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).unwrap();
    }
    std::fs::write(&path, bytes).unwrap();
    path.display().to_string()
}

fn flipped_astronaut() -> Vec<u8> {
    let photo = image::load_from_memory(&face_photo("astronaut.png")).unwrap();
    let mut out = std::io::Cursor::new(Vec::new());
    photo
        .fliph()
        .write_to(&mut out, image::ImageFormat::Png)
        .unwrap();
    out.into_inner()
}

/// One subject per line of `(id, attributes)`, imported from JSONL.
fn import(t: &TestDir, subjects: &[(&str, Value)]) {
    let lines: Vec<String> = subjects
        .iter()
        .map(|(id, attributes)| {
            serde_json::json!({
                "id": id, "name": format!("Test {id}"), "gender": "female",
                "birth_date": "1956-11-19", "attributes": attributes,
            })
            .to_string()
        })
        .collect();
    let file = t.write("people.jsonl", &(lines.join("\n") + "\n"));
    t.run(&["--json", "import", file.to_str().unwrap()]).ok();
}

fn history(t: &TestDir, id: &str) -> Vec<Value> {
    t.run(&["--json", "history", id])
        .ok()
        .json()
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn models_check_reports_present_valid_and_missing_files() {
    let t = TestDir::new();
    let ok = t.run(&["--json", "models", "check"]).ok().json();
    assert_eq!(ok["ok"], true, "{ok}");
    let states: Vec<&str> = ok["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["ok", "ok"]);

    // An empty folder: exit 1, both missing, and the command that fetches them.
    let empty = t.path().join("no-models");
    std::fs::create_dir_all(&empty).unwrap();
    let mut cmd = t.command(&["models", "check"]);
    let out = cmd.env("LIKENESS_MODELS", &empty).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("missing") && text.contains("scripts/fetch-models"),
        "{text}"
    );

    // A truncated model is caught by its size, a same-size impostor by its checksum.
    let dir = t.path().join("bad-models");
    std::fs::create_dir_all(&dir).unwrap();
    let centerface = std::fs::read(models_dir().join("centerface.onnx")).unwrap();
    std::fs::write(dir.join("centerface.onnx"), &centerface[..1000]).unwrap();
    let dat =
        std::fs::read(models_dir().join("dlib_face_recognition_resnet_model_v1.dat")).unwrap();
    let mut impostor = dat.clone();
    impostor[5000] ^= 0xff;
    std::fs::write(
        dir.join("dlib_face_recognition_resnet_model_v1.dat"),
        impostor,
    )
    .unwrap();
    let out = t
        .command(&["--json", "models", "check"])
        .env("LIKENESS_MODELS", &dir)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["ok"], false);
    assert_eq!(report["files"][0]["state"], "wrong_size", "{report}");
    assert_eq!(report["files"][1]["state"], "wrong_checksum", "{report}");
}

#[test]
fn faces_detect_finds_the_astronaut_and_the_solvay_crowd() {
    let t = TestDir::new();
    let astronaut = write_bytes(&t, "astronaut.png", &face_photo("astronaut.png"));
    let found = t
        .run(&["--json", "faces", "detect", &astronaut])
        .ok()
        .json();
    let faces = found["faces"].as_array().unwrap();
    assert_eq!(faces.len(), 1, "{found}");
    let b = &faces[0]["box"];
    let near = |v: &Value, want: f64| (v.as_f64().unwrap() - want).abs() < 12.0;
    assert!(
        near(&b["x"], 180.0) && near(&b["y"], 62.0) && near(&b["width"], 91.0),
        "{b}"
    );
    assert_eq!(faces[0]["landmarks"].as_array().unwrap().len(), 5);
    assert!(faces[0]["score"].as_f64().unwrap() > 0.5);

    let solvay = write_bytes(&t, "solvay.png", &face_photo("solvay.png"));
    let crowd = t
        .run(&["--json", "faces", "detect", &solvay, "--max-side", "1700"])
        .ok()
        .json();
    let n = crowd["faces"].as_array().unwrap().len();
    assert!((27..=31).contains(&n), "{n} faces on the Solvay photo");

    // Human output names the count.
    let text = t.run(&["faces", "detect", &astronaut]).ok().stdout;
    assert!(text.starts_with("1 face(s) in "), "{text}");
}

#[test]
fn faces_compare_tells_same_person_from_a_crowd() {
    let t = TestDir::new();
    let a = write_bytes(&t, "a.png", &face_photo("astronaut.png"));
    let flipped = write_bytes(&t, "flipped.png", &flipped_astronaut());
    let small = write_bytes(&t, "small.jpg", &face_jpeg(380, 380));
    for other in [&flipped, &small] {
        let same = t
            .run(&["--json", "faces", "compare", &a, other])
            .ok()
            .json();
        assert!(same["distance"].as_f64().unwrap() < 0.6, "{same}");
        assert!(same["identity_score"].as_f64().unwrap() > 0.5, "{same}");
        assert_eq!(same["same_person"], true);
    }
    // A group photo has no single face to compare.
    let solvay = write_bytes(&t, "solvay.png", &face_photo("solvay.png"));
    let run = t.run(&["--json", "faces", "compare", &a, &solvay]);
    assert_eq!(run.status, 1);
    let err = run.json();
    assert_eq!(err["error"]["code"], "face.several", "{err}");
}

#[test]
fn faces_check_accepts_a_portrait_and_explains_refusals() {
    let t = TestDir::new();
    let good = write_bytes(&t, "me.jpg", &face_jpeg(900, 600));
    let ok = t.run(&["--json", "faces", "check", &good]).ok().json();
    assert_eq!(ok["ok"], true);
    // Landscape input is cropped square around the face.
    assert_eq!(
        (ok["width"].as_u64(), ok["height"].as_u64()),
        (Some(600), Some(600))
    );
    assert!(
        ok["colors"]["likeness_skin_tone"]
            .as_str()
            .unwrap()
            .starts_with('#')
    );

    let cases: [(&str, Vec<u8>, &str, &str); 3] = [
        (
            "group.png",
            face_photo("solvay.png"),
            "face.several",
            "faces (",
        ),
        ("tiny.jpg", face_jpeg(300, 300), "image.too_small", "512"),
        (
            "blank.png",
            blank_png(640, 640),
            "face.none_found",
            "no face found",
        ),
    ];
    for (name, bytes, code, words) in cases {
        let path = write_bytes(&t, name, &bytes);
        let run = t.run(&["--json", "faces", "check", &path]);
        assert_eq!(run.status, 1, "{name}: {}", run.stdout);
        let err = run.json();
        assert_eq!(err["error"]["code"], code, "{name}: {err}");
        let message = err["error"]["message"].as_str().unwrap();
        assert!(
            message.contains(words) && message.contains(name),
            "{name}: {message}"
        );
    }
}

fn blank_png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(w, h, image::Rgb([128, 128, 128]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

#[test]
fn generate_with_a_reference_scores_identity_and_samples_colours() {
    let t = TestDir::new();
    import(&t, &[("p1", serde_json::json!({}))]);
    let photo = write_bytes(&t, "p1.jpg", &face_jpeg(700, 700));
    t.run(&[
        "--json",
        "generate",
        "--subject",
        "p1",
        "--style",
        "watercolor",
        "--reference",
        &photo,
    ])
    .ok();
    let entries = history(&t, "p1");
    assert_eq!(entries.len(), 1);
    let e = &entries[0];
    assert_eq!(e["status"], "succeeded", "{e}");
    let details = &e["details"];
    // The built-in renderer draws no photo-real face: identity is measured and is low.
    assert!(details["identity"]["score"].is_number(), "{details}");
    assert!(e["identity_score"].as_f64().unwrap() < 0.5, "{e}");
    assert!(
        details["reference"]
            .as_str()
            .unwrap()
            .starts_with("_references/")
    );
    assert_eq!(details["quality"]["passed"], true, "{details}");

    // The sampled colours are on the subject and survive a re-import.
    let subject = t.run(&["--json", "subjects", "show", "p1"]).ok().json();
    let attrs = &subject["attributes"];
    assert!(
        attrs["likeness_skin_tone"]
            .as_str()
            .unwrap()
            .starts_with('#'),
        "{subject}"
    );

    // A group photo is refused before anything is queued.
    let group = write_bytes(&t, "group.png", &face_photo("solvay.png"));
    let run = t.run(&[
        "--json",
        "generate",
        "--subject",
        "p1",
        "--style",
        "watercolor",
        "--reference",
        &group,
    ]);
    assert_eq!(run.status, 1);
    assert_eq!(run.json()["error"]["code"], "face.several");
    assert_eq!(history(&t, "p1").len(), 1);
}

/// A user style on the built-in renderer whose gate no drawing can pass (its identity against
/// a photo is far below 0.9).
fn gated_style(t: &TestDir, on_fail: &str) {
    let styles = t.data_dir().join("styles");
    std::fs::create_dir_all(&styles).unwrap();
    std::fs::write(
        styles.join("gated.toml"),
        format!(
            "name = \"gated\"\nversion = 1\ntitle = \"Gated\"\nkind = \"portrait\"\n\
             aspect_ratio = \"1:1\"\nprompt = \"A portrait of {{{{ person }}}}.\"\n\
             [renderer]\nkind = \"watercolor\"\n\
             [gates]\nmin_identity = 0.9\nquality = true\nattempts = 2\non_fail = \"{on_fail}\"\n"
        ),
    )
    .unwrap();
}

#[test]
fn gates_regenerate_then_keep_the_best_or_fail() {
    let t = TestDir::new();
    import(
        &t,
        &[("p1", serde_json::json!({})), ("p2", serde_json::json!({}))],
    );
    let photo = write_bytes(&t, "p.jpg", &face_jpeg(600, 600));

    gated_style(&t, "keep_best");
    t.run(&[
        "--json",
        "generate",
        "--subject",
        "p1",
        "--style",
        "gated",
        "--reference",
        &photo,
    ])
    .ok();
    let kept = &history(&t, "p1")[0];
    assert_eq!(kept["status"], "succeeded", "{kept}");
    let gate = &kept["details"]["gate"];
    assert_eq!(gate["passed"], false, "{gate}");
    assert_eq!(gate["attempts"], 2);
    assert_eq!(gate["identity_scores"].as_array().unwrap().len(), 2);
    assert!(
        gate["shortfalls"][0]
            .as_str()
            .unwrap()
            .contains("below 0.90"),
        "{gate}"
    );

    gated_style(&t, "fail");
    let run = t.run(&[
        "--json",
        "generate",
        "--subject",
        "p2",
        "--style",
        "gated",
        "--reference",
        &photo,
    ]);
    assert_eq!(run.status, 2, "{}", run.stdout);
    let failed = &history(&t, "p2")[0];
    assert_eq!(failed["status"], "failed");
    assert_eq!(failed["error_code"], "gate.failed");
    assert!(
        failed["error_message"]
            .as_str()
            .unwrap()
            .contains("in 2 attempts"),
        "{failed}"
    );
}

#[test]
fn subjects_reference_photos_come_from_their_attribute_and_fail_alone() {
    let t = TestDir::new();
    let refs = t.data_dir().join("references");
    std::fs::create_dir_all(&refs).unwrap();
    std::fs::write(refs.join("ok.jpg"), face_jpeg(640, 640)).unwrap();
    std::fs::write(refs.join("group.png"), face_photo("solvay.png")).unwrap();
    import(
        &t,
        &[
            ("good", serde_json::json!({"reference_photo": "ok.jpg"})),
            ("crowd", serde_json::json!({"reference_photo": "group.png"})),
            (
                "escape",
                serde_json::json!({"reference_photo": "../likeness.db"}),
            ),
            ("none", serde_json::json!({})),
        ],
    );
    let run = t.run(&["--json", "generate", "--style", "initials"]);
    assert_eq!(run.status, 2, "{}", run.stdout);
    let status = |id: &str| history(&t, id)[0].clone();
    let good = status("good");
    assert_eq!(good["status"], "succeeded", "{good}");
    assert!(good["details"]["reference"].as_str().is_some(), "{good}");
    assert_eq!(status("none")["status"], "succeeded");
    assert!(status("none")["identity_score"].is_null());
    assert_eq!(status("crowd")["error_code"], "face.several");
    assert_eq!(status("escape")["error_code"], "usage.invalid");
}
