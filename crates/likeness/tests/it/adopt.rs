//! `likeness adopt`: a folder of existing images matched to subjects, checked, stored and
//! recorded like generated versions, through the real binary and the real server.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, LOCATION};
use serde_json::Value;

use crate::util::server::{Server, client};
use crate::util::{Run, TestDir};

/// A JPEG of `w`×`h` with an EXIF block (orientation "rotate 90° clockwise" and a GPS
/// position) and a comment, as a phone or an old CMS leaves them.
fn jpeg_with_exif(w: u32, h: u32) -> Vec<u8> {
    let plain = encoded(w, h, image::ImageFormat::Jpeg);
    let mut tiff = Vec::new();
    tiff.extend_from_slice(b"MM\0\x2a\0\0\0\x08");
    // IFD0: Orientation = 6, and where the GPS IFD is (offset 38).
    tiff.extend_from_slice(&[0, 2]);
    tiff.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0]);
    tiff.extend_from_slice(&[0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 38]);
    tiff.extend_from_slice(&[0, 0, 0, 0]);
    // GPS IFD: latitude ref "N" and the latitude as three rationals at offset 68.
    tiff.extend_from_slice(&[0, 2]);
    tiff.extend_from_slice(&[0, 1, 0, 2, 0, 0, 0, 2, b'N', 0, 0, 0]);
    tiff.extend_from_slice(&[0, 2, 0, 5, 0, 0, 0, 3, 0, 0, 0, 68]);
    tiff.extend_from_slice(&[0, 0, 0, 0]);
    for (num, den) in [(52u32, 1u32), (31, 1), (4, 1)] {
        tiff.extend_from_slice(&num.to_be_bytes());
        tiff.extend_from_slice(&den.to_be_bytes());
    }
    assert_eq!(tiff.len(), 92);
    let mut app1 = vec![0xFF, 0xE1];
    app1.extend_from_slice(&((2 + 6 + tiff.len()) as u16).to_be_bytes());
    app1.extend_from_slice(b"Exif\0\0");
    app1.extend_from_slice(&tiff);
    let comment = b"GPS-SECRET ward 7";
    let mut com = vec![0xFF, 0xFE];
    com.extend_from_slice(&((2 + comment.len()) as u16).to_be_bytes());
    com.extend_from_slice(comment);
    [&plain[..2], &app1, &com, &plain[2..]].concat()
}

/// A picture with some structure (so encoders have work to do).
fn picture(w: u32, h: u32) -> image::RgbaImage {
    image::RgbaImage::from_fn(w, h, |x, y| {
        image::Rgba([
            (x * 7 % 256) as u8,
            (y * 5 % 256) as u8,
            ((x + y) % 256) as u8,
            255,
        ])
    })
}

fn encoded(w: u32, h: u32, format: image::ImageFormat) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    let img = image::DynamicImage::ImageRgba8(picture(w, h));
    let img = if format == image::ImageFormat::Jpeg {
        image::DynamicImage::ImageRgb8(img.to_rgb8())
    } else {
        img
    };
    img.write_to(&mut out, format).expect("encode");
    out.into_inner()
}

/// A PNG with a text chunk naming someone.
fn png_with_text(w: u32, h: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, w, h);
    encoder.set_color(png::ColorType::Rgba);
    encoder
        .add_text_chunk("Author".into(), "Dr Secret".into())
        .unwrap();
    let mut writer = encoder.write_header().unwrap();
    writer.write_image_data(picture(w, h).as_raw()).unwrap();
    writer.finish().unwrap();
    out
}

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path and a mode.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
}

fn import(t: &TestDir, name: &str, content: &str) {
    let f = t.write(name, content);
    t.run(&["import", f.to_str().unwrap()]).ok();
}

fn adopt(t: &TestDir, dir: &Path, extra: &[&str]) -> (Run, Value) {
    let mut args = vec!["--json", "adopt", dir.to_str().unwrap()];
    args.extend_from_slice(extra);
    let run = t.run(&args);
    let json = run.json();
    (run, json)
}

/// `file` → `code` of each entry of a report's list.
fn codes(report: &Value, list: &str) -> BTreeMap<String, String> {
    report[list]
        .as_array()
        .unwrap_or_else(|| panic!("{list} is a list: {report}"))
        .iter()
        .map(|p| {
            assert!(p["reason"].as_str().is_some_and(|r| !r.is_empty()), "{p}");
            (
                p["file"].as_str().unwrap().into(),
                p["code"].as_str().unwrap().into(),
            )
        })
        .collect()
}

/// `file` → the report's entry for an adopted (or already adopted) file.
fn files(report: &Value) -> BTreeMap<String, Value> {
    report["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["file"].as_str().unwrap().to_string(), f.clone()))
        .collect()
}

/// Subjects from CSV, JSONL and FHIR (accents in the name), two of them sharing a slug, and
/// the folder a hospital and a sports site would hand over.
fn hospital_folder(t: &TestDir) -> PathBuf {
    import(
        t,
        "people.csv",
        "id,name\np1,Ana López\np2,Ana Lopez\n76003,Kareem Abdul-Jabbar\n203500,Steven Adams\n",
    );
    import(
        t,
        "more.jsonl",
        "{\"id\":\"j1\",\"name\":\"Bo Diddley\"}\n{\"id\":\"j2\",\"name\":\"Zoë O'Brien\"}\n",
    );
    import(
        t,
        "patient.json",
        r#"{"resourceType":"Patient","id":"fhir-9",
            "name":[{"family":"Müller","given":["José"]}]}"#,
    );
    let dir = t.path().join("incoming");
    std::fs::create_dir_all(dir.join("old")).unwrap();
    let put = |name: &str, bytes: &[u8]| std::fs::write(dir.join(name), bytes).unwrap();
    put("jose-muller.png", &png_with_text(40, 30));
    put("ana-lopez.jpg", &encoded(20, 20, image::ImageFormat::Jpeg));
    put("76003_watercolor.jpg", &jpeg_with_exif(64, 48));
    put(
        "203500_steven-adams_flat-poster.png",
        &encoded(24, 24, image::ImageFormat::Png),
    );
    put(
        "203500_wrong-name_flat-poster.png",
        &encoded(25, 25, image::ImageFormat::Png),
    );
    put("j1.WEBP", &encoded(16, 16, image::ImageFormat::WebP));
    put("zoe-o'brien.png", &encoded(18, 18, image::ImageFormat::Png));
    put(
        "steven-adams.jpg",
        &encoded(21, 21, image::ImageFormat::Jpeg),
    );
    put("203500.png", &encoded(22, 22, image::ImageFormat::Png));
    put("nobody.png", &encoded(23, 23, image::ImageFormat::Png));
    let jpeg = encoded(30, 30, image::ImageFormat::Jpeg);
    put("p1.jpg", &jpeg[..jpeg.len() / 2]);
    put("p2.png", b"<html>not an image</html>");
    put("notes.txt", b"painted by the ward's volunteers");
    put(".DS_Store", b"\0\0\0\x01Bud1");
    put("old/j2.png", &encoded(19, 19, image::ImageFormat::Png));
    mkfifo(&dir.join("fifo.png"));
    dir
}

/// A dry run: the whole report, nothing stored or recorded.
fn dry_run(t: &TestDir, dir: &Path) -> Value {
    let before = t.asset_files();
    let (run, dry) = adopt(t, dir, &["--dry-run"]);
    assert_eq!(run.status, 2, "{}", run.stderr);
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["adopted"], 5, "{dry}");
    assert_eq!(dry["run_id"], Value::Null);
    assert_eq!(t.asset_files(), before, "a dry run stores nothing");
    assert_eq!(
        t.run(&["--json", "runs"]).ok().json(),
        serde_json::json!([])
    );
    assert_eq!(
        t.run(&["--json", "history", "fhir-9"]).ok().json(),
        serde_json::json!([])
    );
    dry
}

#[tokio::test]
async fn a_folder_is_matched_checked_and_adopted_once() {
    let t = TestDir::new();
    let dir = hospital_folder(&t);

    let dry = dry_run(&t, &dir);
    let (run, report) = adopt(&t, &dir, &[]);
    assert_eq!(run.status, 2, "some files were not adopted: {}", run.stderr);
    for key in [
        "ambiguous",
        "unmatched",
        "rejected",
        "kept_current",
        "ignored",
    ] {
        assert_eq!(report[key], dry[key], "{key}: the dry run said the same");
    }
    // The same files, keys and flags; only the asset ids are new.
    let without_ids = |r: &Value| {
        let mut files = r["files"].clone();
        for f in files.as_array_mut().unwrap() {
            assert_eq!(f["asset_id"].is_null(), r["dry_run"] == true, "{f}");
            f.as_object_mut().unwrap().remove("asset_id");
        }
        files
    };
    assert_eq!(without_ids(&report), without_ids(&dry));
    assert_eq!(
        (
            report["adopted"].as_u64(),
            report["already_adopted"].as_u64()
        ),
        (Some(5), Some(0))
    );
    let adopted = check_classified(&report);
    check_stored(&t, &dir, &adopted);
    let db = t.open_db().await;
    let integrity = db.integrity().await.unwrap();
    assert!(integrity.doubled_currents.is_empty(), "{integrity:?}");
    assert!(
        integrity.succeeded_without_asset.is_empty(),
        "{integrity:?}"
    );
    db.close().await;

    // Idempotent: the same folder again adopts nothing.
    let stored = t.asset_files();
    let (run, again) = adopt(&t, &dir, &[]);
    assert_eq!(run.status, 2);
    assert_eq!(
        (again["adopted"].as_u64(), again["already_adopted"].as_u64()),
        (Some(0), Some(5))
    );
    assert_eq!(again["run_id"], Value::Null, "no empty run: {again}");
    assert_eq!(t.asset_files(), stored);
    let runs = t.run(&["--json", "runs"]).ok().json();
    assert_eq!(runs.as_array().unwrap().len(), 1, "{runs}");
    assert_eq!(runs[0]["run_key"], "adopt:flat-poster+watercolor", "{runs}");
    for (file, entry) in files(&again) {
        assert_eq!(entry["outcome"], "already_adopted", "{file}");
        assert_eq!(entry["asset_id"], adopted[&file]["asset_id"], "{file}");
    }
}

/// Each file where it belongs: adopted (and how it was matched), ambiguous, unmatched,
/// refused or ignored, each with its code. Returns the adopted files' entries.
fn check_classified(report: &Value) -> BTreeMap<String, Value> {
    let adopted = files(report);
    let how: BTreeMap<&str, (&str, &str, &str)> = adopted
        .iter()
        .map(|(f, e)| {
            let s = |k: &str| e[k].as_str().unwrap();
            (f.as_str(), (s("subject_id"), s("style"), s("matched_by")))
        })
        .collect();
    assert_eq!(
        how,
        BTreeMap::from([
            (
                "203500_steven-adams_flat-poster.png",
                ("203500", "flat-poster", "{id}_{slug}_{style}")
            ),
            (
                "76003_watercolor.jpg",
                ("76003", "watercolor", "{id}_{style}")
            ),
            ("j1.WEBP", ("j1", "watercolor", "id")),
            ("jose-muller.png", ("fhir-9", "watercolor", "slug")),
            ("zoe-o'brien.png", ("j2", "watercolor", "slug")),
        ])
    );
    assert!(
        adopted
            .values()
            .all(|e| e["current"] == true && e["outcome"] == "adopted")
    );
    assert_eq!(
        codes(report, "ambiguous"),
        BTreeMap::from([
            ("203500.png".into(), "adopt.duplicate".into()),
            ("ana-lopez.jpg".into(), "subject.ambiguous".into()),
            ("steven-adams.jpg".into(), "adopt.duplicate".into()),
        ])
    );
    let ana = report["ambiguous"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["file"] == "ana-lopez.jpg")
        .unwrap();
    assert_eq!(ana["candidates"], serde_json::json!(["p1", "p2"]), "{ana}");
    assert_eq!(
        codes(report, "unmatched"),
        BTreeMap::from([
            (
                "203500_wrong-name_flat-poster.png".into(),
                "adopt.slug_mismatch".into()
            ),
            ("nobody.png".into(), "subject.not_found".into()),
        ])
    );
    assert_eq!(
        codes(report, "rejected"),
        BTreeMap::from([
            ("fifo.png".into(), "file.not_regular".into()),
            ("p1.jpg".into(), "image.corrupt".into()),
            ("p2.png".into(), "image.unsupported_format".into()),
        ])
    );
    let ignored: Vec<&str> = report["ignored"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["file"].as_str().unwrap())
        .collect();
    assert_eq!(ignored, [".DS_Store", "notes.txt", "old"]);

    adopted
}

/// The stored copies: through intake (metadata gone, orientation applied, WebP as PNG), under
/// content-addressed keys, recorded as `adopted` versions with the original's name and hash.
fn check_stored(t: &TestDir, dir: &Path, adopted: &BTreeMap<String, Value>) {
    let key = |file: &str| adopted[file]["key"].as_str().unwrap().to_string();
    let jpeg = t.asset_bytes(&key("76003_watercolor.jpg"));
    assert!(key("76003_watercolor.jpg").starts_with("76003/76003_kareem-abdul-jabbar_watercolor."));
    assert!(key("76003_watercolor.jpg").ends_with(".jpg"));
    for secret in [&b"Exif"[..], b"GPS-SECRET", b"MM\0\x2a"] {
        assert!(
            !jpeg.windows(secret.len()).any(|w| w == secret),
            "metadata left in the copy"
        );
    }
    let decoded = image::load_from_memory(&jpeg).unwrap();
    assert_eq!(
        (decoded.width(), decoded.height()),
        (48, 64),
        "EXIF orientation applied"
    );
    let png = t.asset_bytes(&key("jose-muller.png"));
    assert!(
        !png.windows(9).any(|w| w == b"Dr Secret"),
        "text chunk left in the copy"
    );
    assert_eq!(crate::util::png_dimensions_of(&png), (40, 30));
    let webp = key("j1.WEBP");
    assert!(
        webp.starts_with("j1/j1_bo-diddley_watercolor.") && webp.ends_with(".png"),
        "{webp}"
    );
    assert_eq!(
        crate::util::png_dimensions_of(&t.asset_bytes(&webp)),
        (16, 16)
    );

    let history = t.run(&["--json", "history", "76003"]).ok().json();
    let entry = &history.as_array().unwrap()[0];
    assert_eq!(
        (entry["provider"].as_str(), entry["model"].as_str()),
        (Some("adopted"), Some("file"))
    );
    assert_eq!(
        (entry["current"].as_bool(), entry["cost_usd"].as_f64()),
        (Some(true), Some(0.0))
    );
    assert_eq!(
        entry["storage_key"].as_str().unwrap(),
        key("76003_watercolor.jpg")
    );
    assert_eq!(
        entry["prompt"], "",
        "regenerating uses the style's own prompt"
    );
    let original = std::fs::read(dir.join("76003_watercolor.jpg")).unwrap();
    assert_eq!(entry["details"]["original_file"], "76003_watercolor.jpg");
    assert_eq!(
        entry["details"]["original_sha256"].as_str().unwrap(),
        likeness::hash::hex_sha256(&original)
    );
    assert_eq!(
        entry["content_hash"].as_str().unwrap(),
        likeness::hash::hex_sha256(&jpeg)
    );
    let resolved = t
        .run(&["--json", "resolve", "jose-muller", "--style", "watercolor"])
        .ok()
        .json();
    assert_eq!(
        (resolved["rule"].as_str(), resolved["key"].as_str()),
        (Some("current"), Some(key("jose-muller.png").as_str()))
    );
}

/// Two subjects; `s1` has a generated image in `initials` already.
fn with_a_current_image(t: &TestDir) -> PathBuf {
    import(
        t,
        "people.jsonl",
        "{\"id\":\"s1\",\"name\":\"Ada Lovelace\"}\n{\"id\":\"s2\",\"name\":\"Grace Hopper\"}\n",
    );
    t.run(&["generate", "--style", "initials", "--subject", "s1"])
        .ok();
    let dir = t.path().join("portraits");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("s1.png"), encoded(32, 32, image::ImageFormat::Png)).unwrap();
    std::fs::write(
        dir.join("grace-hopper.jpg"),
        encoded(36, 36, image::ImageFormat::Jpeg),
    )
    .unwrap();
    dir
}

fn current_key(t: &TestDir, id: &str) -> String {
    let history = t.run(&["--json", "history", id]).ok().json();
    let current: Vec<&Value> = history
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["current"] == true)
        .collect();
    assert_eq!(current.len(), 1, "{history}");
    current[0]["storage_key"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_current_image_is_kept_unless_forced_and_the_adopted_one_is_served() {
    let t = TestDir::new();
    let dir = with_a_current_image(&t);
    let generated = current_key(&t, "s1");

    let (run, report) = adopt(&t, &dir, &["--style", "initials"]);
    assert_eq!(run.status, 0, "every file adopted: {}", run.stdout);
    assert_eq!(report["adopted"], 2);
    let kept = &report["kept_current"].as_array().unwrap()[..];
    assert_eq!(kept.len(), 1, "{report}");
    assert_eq!(
        (kept[0]["file"].as_str(), kept[0]["subject_id"].as_str()),
        (Some("s1.png"), Some("s1"))
    );
    let adopted = files(&report);
    assert_eq!(adopted["s1.png"]["current"], false);
    assert_eq!(adopted["grace-hopper.jpg"]["current"], true);
    assert_eq!(
        current_key(&t, "s1"),
        generated,
        "the generated image stays current"
    );
    assert_eq!(
        t.run(&["--json", "history", "s1"])
            .ok()
            .json()
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // Again: nothing new, still kept; then --force makes the adopted one current, once.
    let (run, again) = adopt(&t, &dir, &["--style", "initials"]);
    assert_eq!(
        (
            run.status,
            again["adopted"].as_u64(),
            again["already_adopted"].as_u64()
        ),
        (0, Some(0), Some(2))
    );
    assert_eq!(again["kept_current"].as_array().unwrap().len(), 1);
    let (run, forced) = adopt(&t, &dir, &["--style", "initials", "--force"]);
    assert_eq!(
        (run.status, forced["adopted"].as_u64()),
        (0, Some(0)),
        "{forced}"
    );
    assert!(
        forced["kept_current"].as_array().unwrap().is_empty(),
        "{forced}"
    );
    let made: Vec<(String, Value)> = files(&forced)
        .into_iter()
        .filter(|(_, f)| f["made_current"] == true)
        .collect();
    assert_eq!(made.len(), 1, "{forced}");
    assert_eq!(made[0].0, "s1.png");
    let key = adopted["s1.png"]["key"].as_str().unwrap().to_string();
    assert_eq!(current_key(&t, "s1"), key);
    assert_eq!(
        t.run(&["--json", "history", "s1"])
            .ok()
            .json()
            .as_array()
            .unwrap()
            .len(),
        2
    );

    check_served(
        &t,
        &key,
        adopted["grace-hopper.jpg"]["key"].as_str().unwrap(),
    )
    .await;
}

/// Served like any version: by key (PNG and JPEG), and through the stable name.
async fn check_served(t: &TestDir, key: &str, grace: &str) {
    let server = Server::start(t, None);
    let c = client();
    let r = c
        .get(server.url(&format!("/assets/{key}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()[CONTENT_TYPE], "image/png");
    assert_eq!(r.bytes().await.unwrap().to_vec(), t.asset_bytes(key));
    let r = c
        .get(server.url("/assets/s1_ada-lovelace_initials.png"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(r.headers()[LOCATION], format!("/assets/{key}"));
    let r = c
        .get(server.url(&format!("/assets/{grace}")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        (r.status(), r.headers()[CONTENT_TYPE].to_str().unwrap()),
        (StatusCode::OK, "image/jpeg")
    );
}

#[test]
fn match_modes_and_usage_errors() {
    let t = TestDir::new();
    import(
        &t,
        "people.jsonl",
        "{\"id\":\"s1\",\"name\":\"Ada Lovelace\"}\n",
    );
    let dir = t.path().join("both");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("s1.png"), encoded(8, 8, image::ImageFormat::Png)).unwrap();
    std::fs::write(
        dir.join("Ada Lovelace.png"),
        encoded(9, 9, image::ImageFormat::Png),
    )
    .unwrap();

    // Both name s1 in the default style: neither is taken.
    let (run, auto) = adopt(&t, &dir, &["--dry-run"]);
    assert_eq!((run.status, auto["adopted"].as_u64()), (2, Some(0)));
    assert_eq!(codes(&auto, "ambiguous").len(), 2, "{auto}");
    let (run, by_id) = adopt(&t, &dir, &["--dry-run", "--match", "id"]);
    assert_eq!(run.status, 2);
    assert_eq!(files(&by_id).keys().collect::<Vec<_>>(), ["s1.png"]);
    assert_eq!(
        codes(&by_id, "unmatched").keys().collect::<Vec<_>>(),
        ["Ada Lovelace.png"]
    );
    let (_, by_slug) = adopt(&t, &dir, &["--dry-run", "--match", "slug"]);
    assert_eq!(
        files(&by_slug).keys().collect::<Vec<_>>(),
        ["Ada Lovelace.png"]
    );

    // What the user must fix: exit 1, and a message that says what.
    let file = dir.join("s1.png");
    for (args, says) in [
        (
            vec!["adopt", t.path().join("missing").to_str().unwrap()],
            "folder that holds the images",
        ),
        (vec!["adopt", file.to_str().unwrap()], "is not a folder"),
        (
            vec!["adopt", dir.to_str().unwrap(), "--style", "nope"],
            "nope",
        ),
        (
            vec!["adopt", dir.to_str().unwrap(), "--match", "name"],
            "--match",
        ),
    ] {
        let run = t.run(&args);
        assert_eq!(run.status, 1, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(says), "{args:?}: {}", run.stderr);
    }
    let run = t.run(&["--json", "adopt", dir.to_str().unwrap(), "--style", "nope"]);
    assert_eq!(run.json()["error"]["code"], "style.unknown");
    assert!(
        t.run(&["--json", "runs"])
            .ok()
            .json()
            .as_array()
            .unwrap()
            .is_empty()
    );
}
