//! Output formats (issue 16): a style's `format` decides how its images are stored (PNG, WebP
//! lossless or lossy, AVIF), every format decodes at the size asked and encodes the same way
//! twice; `/assets/` and `/avatar/` negotiate from `Accept` with `Vary: Accept`, store each
//! derived variant once beside its original, and give each format its own ETag.

use std::collections::BTreeMap;

use futures::TryStreamExt;
use likeness::encode::{self, OutputFormat, Rgba};
use md5::{Digest, Md5};
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, CONTENT_TYPE, ETAG, IF_NONE_MATCH, VARY};

use crate::util;
use util::TestDir;
use util::server::{Server, client, error_code};

const BROWSER: &str = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8";

/// A copy of the built-in initials style at 256 px, named `name`, stored as `format`.
fn style(name: &str, format_lines: &str) -> String {
    format!(
        "name = \"{name}\"\nversion = 1\ntitle = \"Initials ({name})\"\nkind = \"fallback\"\n\
         aspect_ratio = \"1:1\"\ndefault_size = \"256\"\nproviders = [\"builtin\"]\n{format_lines}\n\
         prompt = \"Two initials on a flat colour.\"\n\n[sizes]\n\"256\" = 256\n\n\
         [renderer]\nkind = \"initials\"\n"
    )
}

/// The (width, height) of an image, decoded: by `image` for PNG, JPEG and WebP, by Pillow
/// (the test venv's, `LIKENESS_TEST_PYTHON`) for AVIF, which no Rust decoder here reads.
fn decoded_size(bytes: &[u8]) -> (u32, u32) {
    if encode::sniff(bytes) != Some("image/avif") {
        let image = image::load_from_memory(bytes).expect("a decodable image");
        return (image.width(), image.height());
    }
    let Some(python) = std::env::var_os("LIKENESS_TEST_PYTHON") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must decode AVIF: set LIKENESS_TEST_PYTHON (scripts/test does)"
        );
        eprintln!("SKIPPED decoding AVIF: set LIKENESS_TEST_PYTHON (Pillow reads AVIF)");
        return avif_declared_size(bytes);
    };
    let script = "import io, sys\nfrom PIL import Image\n\
        im = Image.open(io.BytesIO(sys.stdin.buffer.read()))\nim.load()\nprint(*im.size)";
    let mut child = std::process::Command::new(python)
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("run the test python");
    use std::io::Write;
    child.stdin.take().unwrap().write_all(bytes).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "Pillow could not decode the AVIF");
    let text = String::from_utf8(out.stdout).unwrap();
    let mut sides = text.split_whitespace().map(|s| s.parse::<u32>().unwrap());
    (sides.next().unwrap(), sides.next().unwrap())
}

/// The size an AVIF's `ispe` property declares (without Pillow).
fn avif_declared_size(bytes: &[u8]) -> (u32, u32) {
    let at = bytes
        .windows(4)
        .position(|w| w == b"ispe")
        .expect("an ispe box");
    let word = |i: usize| u32::from_be_bytes(bytes[i..i + 4].try_into().unwrap());
    (word(at + 8), word(at + 12))
}

/// The storage key of the current image of `id` in `style`.
fn current(t: &TestDir, id: &str, style: &str) -> String {
    let history = t.run(&["--json", "history", id]).ok().json();
    let row = history
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["current"] == true && h["style"] == style)
        .unwrap_or_else(|| panic!("a current {style} image: {history}"))
        .clone();
    row["storage_key"].as_str().unwrap().to_string()
}

/// When each object of the store was last written.
fn written(t: &TestDir) -> BTreeMap<String, chrono::DateTime<chrono::Utc>> {
    let store = t.store();
    util::stack::block_on(async move { store.list().try_collect::<Vec<_>>().await })
        .expect("list the store")
        .into_iter()
        .map(|o| (o.key, o.modified))
        .collect()
}

fn one_subject(t: &TestDir) {
    let f = t.write(
        "one.csv",
        "id,name,email,username\nf1,Frida Format,frida@example.org,frida\n",
    );
    t.run(&["import", f.to_str().unwrap()]).ok();
}

#[test]
fn a_style_format_decides_the_stored_file_and_every_format_decodes() {
    let t = TestDir::new();
    t.write(
        "data/styles/init-webp.toml",
        &style("init-webp", "format = \"webp\""),
    );
    t.write(
        "data/styles/init-lossy.toml",
        &style("init-lossy", "format = \"webp-lossy\"\nquality = 75"),
    );
    t.write(
        "data/styles/init-avif.toml",
        &style("init-avif", "format = \"avif\""),
    );
    one_subject(&t);
    for (name, ext, content_type) in [
        ("init-webp", "webp", "image/webp"),
        ("init-lossy", "webp", "image/webp"),
        ("init-avif", "avif", "image/avif"),
    ] {
        t.run(&["generate", "--style", name]).ok();
        let key = current(&t, "f1", name);
        assert!(key.ends_with(&format!(".{ext}")), "{key}");
        let bytes = t.asset_bytes(&key);
        assert_eq!(encode::sniff(&bytes), Some(content_type), "{name}");
        assert_eq!(decoded_size(&bytes), (256, 256), "{name}");
        // Drawn again (a new version): the same picture, so the same bytes and key.
        t.run(&["generate", "--style", name, "--force"]).ok();
        assert_eq!(current(&t, "f1", name), key, "{name} is deterministic");
    }
    // An AVIF keeps a PNG of the same picture beside it (no AVIF decoder on the server).
    let avif = current(&t, "f1", "init-avif");
    let png = avif.replace(".avif", ".png");
    assert_eq!(decoded_size(&t.asset_bytes(&png)), (256, 256));

    // The encoder itself: twice the same bytes for every format.
    let pixels = image::load_from_memory(&t.asset_bytes(&png))
        .unwrap()
        .into_rgba8();
    let rgba = Rgba {
        pixels: pixels.as_raw(),
        width: 256,
        height: 256,
    };
    for format in [
        OutputFormat::Png,
        OutputFormat::Webp,
        OutputFormat::WebpLossy { quality: 80 },
        OutputFormat::Avif { quality: 70 },
    ] {
        let a = encode::encode(&rgba, format, 2).unwrap();
        assert_eq!(a, encode::encode(&rgba, format, 2).unwrap(), "{format}");
        assert_eq!(decoded_size(&a), (256, 256), "{format}");
    }
}

#[test]
fn a_bad_format_fails_at_load_with_its_line() {
    let t = TestDir::new();
    t.write(
        "data/styles/bad-one.toml",
        &style("bad-one", "format = \"jpeg2000\""),
    );
    let run = t.run(&["styles", "list"]);
    assert_ne!(run.status, 0, "{}", run.stdout);
    assert!(
        run.stderr.contains("jpeg2000") && run.stderr.contains("webp-lossy"),
        "{}",
        run.stderr
    );
    t.write(
        "data/styles/bad-one.toml",
        &style("bad-one", "format = \"png\"\nquality = 80"),
    );
    let run = t.run(&["styles", "list"]);
    assert!(run.stderr.contains("lossless"), "{}", run.stderr);
}

#[tokio::test]
async fn assets_answer_in_the_format_accept_names_and_store_it_once() {
    let t = TestDir::new();
    one_subject(&t);
    t.run(&["generate", "--style", "initials"]).ok();
    let key = current(&t, "f1", "initials");
    let stem = key.strip_suffix(".png").unwrap().to_string();
    let server = Server::start(&t, None);
    let c = client();
    let get = |accept: Option<&str>, query: &str| {
        let mut request = c.get(server.url(&format!("/assets/{key}{query}")));
        if let Some(accept) = accept {
            request = request.header(ACCEPT, accept);
        }
        request.send()
    };

    let mut etags = BTreeMap::new();
    for (accept, want) in [
        (None, "image/png"),
        (Some("*/*"), "image/png"),
        (Some(BROWSER), "image/avif"),
        (Some("image/webp,*/*;q=0.8"), "image/webp"),
        (
            Some("image/avif;q=0, image/webp;q=0.5, image/png"),
            "image/png",
        ),
    ] {
        let r = get(accept, "").await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{accept:?}");
        assert_eq!(r.headers()[CONTENT_TYPE], want, "{accept:?}");
        assert_eq!(r.headers()[VARY], "Accept", "{accept:?}");
        let etag = r.headers()[ETAG].to_str().unwrap().to_string();
        let bytes = r.bytes().await.unwrap();
        assert_eq!(encode::sniff(&bytes), Some(want));
        assert_eq!(decoded_size(&bytes), (512, 512), "{accept:?}");
        assert_eq!(*etags.entry(want).or_insert(etag.clone()), etag, "{want}");
    }
    assert_eq!(etags.len(), 3, "one ETag per format: {etags:?}");
    let files = t.asset_files();
    for ext in ["png", "webp", "avif"] {
        assert!(files.contains(&format!("{stem}.{ext}")), "{ext}: {files:?}");
    }

    // Asked again: answered from the store, not made (or written) again; 304 on its ETag.
    let before = written(&t);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let r = get(Some(BROWSER), "").await.unwrap();
    assert_eq!(r.headers()[CONTENT_TYPE], "image/avif");
    let r = c
        .get(server.url(&format!("/assets/{key}")))
        .header(ACCEPT, BROWSER)
        .header(IF_NONE_MATCH, &etags["image/avif"])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(r.headers()[VARY], "Accept");
    assert_eq!(written(&t), before, "nothing written again");

    // Resized variants are negotiated too, each stored once.
    let r = get(Some("image/webp"), "?w=64").await.unwrap();
    assert_eq!(r.headers()[CONTENT_TYPE], "image/webp");
    assert_eq!(decoded_size(&r.bytes().await.unwrap()), (64, 64));
    assert!(t.asset_files().contains(&format!("{stem}.w64.webp")));

    // A header that is not a list of media ranges is refused, with its code.
    let r = get(Some("image/webp;q=2"), "").await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_code(r).await, "http.bad_accept");
}

#[tokio::test]
async fn an_avif_original_is_served_as_png_to_clients_without_avif() {
    let t = TestDir::new();
    t.write(
        "data/styles/init-avif.toml",
        &style("init-avif", "format = \"avif\""),
    );
    one_subject(&t);
    t.run(&["generate", "--style", "init-avif"]).ok();
    let key = current(&t, "f1", "init-avif");
    let server = Server::start(&t, None);
    let c = client();
    for (accept, want) in [
        ("*/*", "image/avif"),
        (BROWSER, "image/avif"),
        ("image/png", "image/png"),
        ("image/webp,image/png;q=0.5", "image/webp"),
    ] {
        let r = c
            .get(server.url(&format!("/assets/{key}")))
            .header(ACCEPT, accept)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{accept}");
        assert_eq!(r.headers()[CONTENT_TYPE], want, "{accept}");
        assert_eq!(decoded_size(&r.bytes().await.unwrap()), (256, 256));
    }
    let r = c
        .get(server.url(&format!("/assets/{key}?w=32")))
        .header(ACCEPT, "image/png")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()[CONTENT_TYPE], "image/png");
    assert_eq!(decoded_size(&r.bytes().await.unwrap()), (32, 32));
}

#[tokio::test]
async fn avatars_negotiate_without_an_extension_and_keep_an_explicit_one() {
    let t = TestDir::new();
    one_subject(&t);
    t.run(&["generate", "--style", "initials"]).ok();
    t.write("data/likeness.toml", "default_style = \"initials\"\n");
    let hash = likeness::hash::hex(&Md5::digest(b"frida@example.org"));
    let unknown = likeness::hash::hex(&Md5::digest(b"nobody@example.org"));
    let server = Server::start(&t, None);
    let c = client();
    for (path, accept, want, varies) in [
        (format!("/avatar/{hash}"), BROWSER, "image/avif", true),
        (
            format!("/avatar/{hash}?s=64"),
            "image/webp",
            "image/webp",
            true,
        ),
        (format!("/avatar/{hash}"), "*/*", "image/png", true),
        (format!("/avatar/{hash}.png"), BROWSER, "image/png", false),
        (format!("/avatar/{hash}.webp"), "*/*", "image/webp", false),
        (
            format!("/avatar/{unknown}?d=identicon"),
            BROWSER,
            "image/avif",
            true,
        ),
        (
            "/avatar/u/frida/48".to_string(),
            BROWSER,
            "image/avif",
            true,
        ),
    ] {
        let r = c
            .get(server.url(&path))
            .header(ACCEPT, accept)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        assert_eq!(r.headers()[CONTENT_TYPE], want, "{path} {accept}");
        assert_eq!(r.headers().contains_key(VARY), varies, "{path}");
        let etag = r.headers()[ETAG].clone();
        let side = decoded_size(&r.bytes().await.unwrap()).0;
        assert!([80, 64, 48].contains(&side), "{path}: {side}");
        let again = c
            .get(server.url(&path))
            .header(ACCEPT, accept)
            .header(IF_NONE_MATCH, etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{path}");
    }
    let r = c
        .get(server.url(&format!("/avatar/{hash}")))
        .header(ACCEPT, "image/*;q=nope")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_code(r).await, "http.bad_accept");
}

#[tokio::test]
async fn variants_keep_their_etags_apart_are_made_once_and_refuse_hostile_keys() {
    let t = TestDir::new();
    one_subject(&t);
    t.run(&["generate", "--style", "initials"]).ok();
    let key = current(&t, "f1", "initials");
    let stem = key.strip_suffix(".png").unwrap().to_string();
    // A picture far over 4096 × 4096 under a key shaped like an original's: a few KB stored,
    // 100 MB decoded. Variants of it are refused from its header, before any decoding.
    let huge_key = "f1/huge.0123456789abcdef.png";
    let mut huge = std::io::Cursor::new(Vec::new());
    image::GrayImage::new(5000, 5000)
        .write_to(&mut huge, image::ImageFormat::Png)
        .unwrap();
    t.put_asset(huge_key, huge.get_ref());
    let server = Server::start(&t, None);
    let c = client();
    let asset = |path: &str, accept: &str| {
        c.get(server.url(&format!("/assets/{path}")))
            .header(ACCEPT, accept)
            .send()
    };

    // Eight clients ask for the AVIF nobody made yet, at once: one picture for all, stored
    // once, whole.
    let answers = futures::future::join_all((0..8).map(|_| asset(&key, BROWSER))).await;
    let mut bodies = Vec::new();
    for r in answers {
        let r = r.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()[CONTENT_TYPE], "image/avif");
        bodies.push((r.headers()[ETAG].clone(), r.bytes().await.unwrap()));
    }
    assert!(
        bodies.windows(2).all(|w| w[0] == w[1]),
        "the same answer each time"
    );
    assert_eq!(decoded_size(&bodies[0].1), (512, 512));
    assert_eq!(t.asset_bytes(&format!("{stem}.avif")), bodies[0].1.to_vec());
    let made: Vec<String> = t
        .asset_files()
        .into_iter()
        .filter(|f| f.starts_with(&stem))
        .collect();
    assert_eq!(
        made,
        [format!("{stem}.avif"), key.clone()],
        "nothing else written"
    );

    // The PNG's ETag does not answer for the AVIF: a cache holding the PNG gets the AVIF.
    let png = asset(&key, "image/png").await.unwrap();
    let png_etag = png.headers()[ETAG].clone();
    assert_ne!(png_etag, bodies[0].0);
    let r = c
        .get(server.url(&format!("/assets/{key}")))
        .header(ACCEPT, BROWSER)
        .header(IF_NONE_MATCH, png_etag.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()[CONTENT_TYPE], "image/avif");
    assert_eq!(r.headers()[VARY], "Accept");

    // q=0 refuses a type even when a wildcard would take it.
    let r = asset(&key, "image/avif;q=0,image/webp;q=0,*/*")
        .await
        .unwrap();
    assert_eq!(r.headers()[CONTENT_TYPE], "image/png");
    assert_eq!(r.headers()[VARY], "Accept");

    // The oversized picture: served as stored, never decoded for a variant.
    let r = asset(huge_key, "*/*").await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()[CONTENT_TYPE], "image/png");
    let r = asset(huge_key, "image/webp").await.unwrap();
    assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(error_code(r).await, "image.encode_failed");
    let r = asset(&format!("{huge_key}?w=64"), "image/png")
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(error_code(r).await, "image.resize_failed");
    let files = t.asset_files();
    assert!(
        !files
            .iter()
            .any(|f| f.starts_with("f1/huge.") && f != huge_key),
        "no variant of the oversized picture: {files:?}"
    );

    // Keys that climb out of the asset folder are refused before any variant is named.
    for path in [
        format!("f1/..%2F..%2F{}", key.rsplit('/').next().unwrap()),
        "..%2Fx.0123456789abcdef.png".to_string(),
        format!("{key}%2F..%2F..%2Fx.0123456789abcdef.png"),
    ] {
        let r = asset(&path, BROWSER).await.unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{path}");
        assert_eq!(error_code(r).await, "http.bad_path", "{path}");
    }
    assert_eq!(t.asset_files().len(), files.len(), "nothing written");
}
