//! Images from outside, black-box: `POST /api/generate` (the doctor pipeline's request, with a
//! reference photo as base64 or URL) and `POST /v1/images/edits` (multipart), and the hostile
//! inputs each must refuse with a clear 4xx: garbage base64, truncated and huge-dimension
//! images, wrong types, oversized bodies, private URLs, path-like ids. Nothing may be written
//! outside the data directory.

use crate::util;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use base64::Engine;
use reqwest::StatusCode;
use serde_json::{Value, json};
use util::TestDir;
use util::server::{Server, client, error_code, raw_request};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// A photo-like JPEG (a gradient, so it is not trivially compressible) of `w`×`h`.
fn jpeg(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([
            (x * 255 / w) as u8,
            (y * 255 / h) as u8,
            ((x + y) % 256) as u8,
        ])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
    out.into_inner()
}

fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbaImage::from_fn(w, h, |x, y| image::Rgba([x as u8, y as u8, 90, 255]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// A PNG whose header claims `w`×`h` (a decompression bomb's calling card), with a valid CRC.
fn png_claiming(w: u32, h: u32) -> Vec<u8> {
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend_from_slice(&13u32.to_be_bytes());
    out.extend_from_slice(&ihdr);
    out.extend_from_slice(&crc32(&ihdr).to_be_bytes());
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// Serves `body` to every connection on 127.0.0.1 and counts the connections.
fn image_server(body: Vec<u8>) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            counter.fetch_add(1, Ordering::SeqCst);
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    (url, hits)
}

/// A data directory whose config allows `extra` and turns the rate limit off (these tests send
/// many requests on purpose).
fn data_dir_with(extra: &str) -> TestDir {
    let t = TestDir::new();
    std::fs::create_dir_all(t.data_dir()).unwrap();
    std::fs::write(
        t.data_dir().join("likeness.toml"),
        format!("[server]\ngenerate_per_minute = 0\n{extra}"),
    )
    .unwrap();
    t
}

/// Every path under the test's root that is outside the data directory, except what the test
/// wrote itself.
fn strays(t: &TestDir) -> Vec<String> {
    let data = t.data_dir();
    let mut out = Vec::new();
    for entry in std::fs::read_dir(t.path()).unwrap().flatten() {
        if entry.path() != data {
            out.push(entry.path().display().to_string());
        }
    }
    out
}

async fn post_generate(c: &reqwest::Client, server: &Server, body: Value) -> reqwest::Response {
    c.post(server.url("/api/generate"))
        .bearer_auth("t0k-0123456789abcd")
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// A scenario the built-in renderer can draw (the built-in scenarios need an image provider).
const CLINIC_SKETCH: &str = r#"
name = "clinic_sketch"
version = 1
title = "Clinic sketch"
description = "A watercolor scene for tests."
kind = "scenario"
aspect_ratio = "4:5"
default_size = "512"
providers = ["builtin"]
prompt = "A watercolor portrait of {{ person }} in a clinic."
[renderer]
kind = "watercolor"
"#;

/// A data directory with the `clinic_sketch` scenario.
fn with_clinic_sketch() -> TestDir {
    let t = data_dir_with("");
    t.write("data/styles/clinic_sketch.toml", CLINIC_SKETCH);
    t
}

#[tokio::test]
async fn api_generate_from_a_base64_reference_answers_in_the_doctor_pipeline_shape() {
    let t = with_clinic_sketch();
    let server = Server::start(&t, Some("t0k-0123456789abcd"));
    let c = client();
    let photo = util::face_jpeg(640, 800);
    let body = json!({
        "reference_image": format!("data:image/jpeg;base64,{}", B64.encode(&photo)),
        "scenario": "clinic_sketch",
        "custom_prompt": "wearing a navy blazer",
        "settings": {"width": 400, "height": 500, "seed": 42, "steps": 30, "identity_weight": 0.8},
        "return_base64": true,
    });
    let r = post_generate(&c, &server, body.clone()).await;
    assert_eq!(r.status(), StatusCode::OK);
    let answer: Value = r.json().await.unwrap();
    assert_eq!(answer["status"], "success", "{answer}");
    let m = &answer["metadata"];
    assert_eq!(m["style"], "clinic_sketch");
    assert_eq!(m["style_name"], "Clinic sketch");
    assert_eq!(m["resolution"], "400x500");
    assert_eq!(m["provider"], "builtin");
    assert_eq!(m["seed"], "42");
    // Scored against the reference: a drawing is not the same person.
    let score = m["identity_score"].as_f64().unwrap();
    assert!((0.0..0.5).contains(&score), "{m}");
    assert_eq!(m["quality"]["passed"], true, "{m}");
    assert!(m["generation_time_ms"].as_i64().unwrap() >= 0);
    assert!(
        m["prompt_used"].as_str().unwrap().contains("navy blazer"),
        "{m}"
    );
    assert!(m["timestamp"].as_str().unwrap().starts_with("20"));
    assert_eq!(m["reference"]["width"], 640);
    assert_eq!(m["reference"]["format"], "JPEG");

    // The image is where the answer says, in three ways, and they agree.
    let inline = B64
        .decode(answer["output_base64"].as_str().unwrap())
        .unwrap();
    let served = c
        .get(answer["output_url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(served.status(), StatusCode::OK);
    assert_eq!(served.bytes().await.unwrap().as_ref(), inline.as_slice());
    // Stored as answered: the file on a local store, the object on S3 (no path then).
    let stored = match answer["output_path"].as_str() {
        Some(path) => std::fs::read(path).unwrap(),
        None => t.asset_bytes(answer["output_key"].as_str().unwrap()),
    };
    assert_eq!(stored, inline);
    let decoded = image::load_from_memory(&inline).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (400, 500));

    // The reference is stored, cleaned, and private.
    let key = m["reference"]["key"].as_str().unwrap();
    assert!(
        key.starts_with("_references/") && key.ends_with(".jpg"),
        "{key}"
    );
    assert!(
        t.private_files().iter().any(|k| k == key),
        "{:?}",
        t.private_files()
    );
    let r = c
        .get(server.url(&format!("/assets/{key}")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::NOT_FOUND,
        "references are never served"
    );

    // The job carries the settings and the reference, for the audit trail.
    let job: Value = c
        .get(server.url(&format!("/api/jobs/{}", m["job_id"].as_str().unwrap())))
        .bearer_auth("t0k-0123456789abcd")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(job["options"]["references"][0], key, "{job}");
    assert_eq!(job["options"]["steps"], 30, "{job}");

    // The same photo again is the same ad-hoc subject, with a second image in its history.
    let again: Value = post_generate(&c, &server, body).await.json().await.unwrap();
    assert_eq!(again["metadata"]["subject_id"], m["subject_id"]);
    let history: Value = c
        .get(server.url(&format!(
            "/api/subjects/{}/history",
            m["subject_id"].as_str().unwrap()
        )))
        .bearer_auth("t0k-0123456789abcd")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(history["assets"].as_array().unwrap().len(), 2, "{history}");

    // The built-in scenarios are photographs: with no provider set up, the answer says what to
    // set instead of guessing.
    let r = post_generate(
        &c,
        &server,
        json!({"reference_image": B64.encode(&photo), "scenario": "consultant"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["error"]["code"], "provider.no_key", "{e}");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("COMFYUI_URL"),
        "{e}"
    );
    assert!(strays(&t).is_empty(), "{:?}", strays(&t));
}

#[tokio::test]
async fn api_generate_refuses_hostile_input_with_clear_4xx() {
    let t = data_dir_with("");
    let server = Server::start(&t, Some("t0k-0123456789abcd"));
    let c = client();
    let (private_url, hits) = image_server(jpeg(600, 600));
    let truncated = {
        let p = png(600, 600);
        p[..p.len() / 2].to_vec()
    };
    let cases: Vec<(&str, Value, StatusCode, &str)> = vec![
        (
            "base64 garbage",
            json!({"reference_image": "not base64!!"}),
            StatusCode::BAD_REQUEST,
            "image.bad_base64",
        ),
        (
            "truncated PNG",
            json!({"reference_image": B64.encode(&truncated)}),
            StatusCode::BAD_REQUEST,
            "image.corrupt",
        ),
        (
            "100000x100000 header",
            json!({"reference_image": B64.encode(png_claiming(100_000, 100_000))}),
            StatusCode::BAD_REQUEST,
            "image.too_big_dimensions",
        ),
        (
            "GIF",
            json!({"reference_image": B64.encode(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;")}),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "image.unsupported_format",
        ),
        (
            "HTML",
            json!({"reference_image": B64.encode(b"<!doctype html><html></html>")}),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "image.unsupported_format",
        ),
        (
            "too small",
            json!({"reference_image": B64.encode(jpeg(100, 100))}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "image.too_small",
        ),
        (
            "10.5 MB decoded",
            json!({"reference_image": "A".repeat(14_000_000)}),
            StatusCode::PAYLOAD_TOO_LARGE,
            "image.too_large",
        ),
        (
            "loopback URL",
            json!({"reference_image": format!("{private_url}/me.jpg")}),
            StatusCode::BAD_REQUEST,
            "fetch.forbidden_address",
        ),
        (
            "localhost URL",
            json!({"reference_image": format!("{}/me.jpg", private_url.replace("127.0.0.1", "localhost"))}),
            StatusCode::BAD_REQUEST,
            "fetch.forbidden_address",
        ),
        (
            "cloud metadata URL",
            json!({"reference_image": "http://169.254.169.254/latest/meta-data/"}),
            StatusCode::BAD_REQUEST,
            "fetch.forbidden_address",
        ),
        (
            "mapped IPv6 URL",
            json!({"reference_image": "http://[::ffff:127.0.0.1]/x.jpg"}),
            StatusCode::BAD_REQUEST,
            "fetch.forbidden_address",
        ),
        (
            "unknown field",
            json!({"reference_imag": "x"}),
            StatusCode::BAD_REQUEST,
            "http.bad_json",
        ),
        (
            "width 0",
            json!({"subject_id": "nobody", "settings": {"width": 0}}),
            StatusCode::BAD_REQUEST,
            "http.bad_setting",
        ),
        (
            "identity_weight 2",
            json!({"subject_id": "nobody", "settings": {"identity_weight": 2.0}}),
            StatusCode::BAD_REQUEST,
            "http.bad_setting",
        ),
        (
            "a style as scenario",
            json!({"subject_id": "nobody", "scenario": "watercolor"}),
            StatusCode::BAD_REQUEST,
            "style.not_a_scenario",
        ),
        (
            "unknown style",
            json!({"subject_id": "nobody", "style": "../../etc/passwd"}),
            StatusCode::BAD_REQUEST,
            "style.unknown",
        ),
        (
            "path-like subject",
            json!({"subject_id": "../../likeness.db"}),
            StatusCode::NOT_FOUND,
            "subject.not_found",
        ),
        (
            "nothing to draw",
            json!({}),
            StatusCode::BAD_REQUEST,
            "http.missing_field",
        ),
    ];
    for (what, body, status, code) in cases {
        let r = post_generate(&c, &server, body).await;
        assert_eq!(r.status(), status, "{what}");
        let body: Value = r
            .json()
            .await
            .unwrap_or_else(|e| panic!("{what}: not JSON: {e}"));
        assert_eq!(body["error"]["code"], code, "{what}: {body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(
            message.len() > 20,
            "{what}: a message that says what to fix: {message}"
        );
    }
    for url in [
        "file:///etc/passwd",
        "ftp://example.org/x.jpg",
        "http://user:pw@example.org/x.jpg",
    ] {
        let r = post_generate(&c, &server, json!({"reference_image": url})).await;
        assert!(r.status().is_client_error(), "{url}: {}", r.status());
    }
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "a private address was contacted"
    );

    // A body over server.max_body_bytes is refused from its declared length.
    let answer = raw_request(
        &server.base,
        "POST /api/generate HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t0k-0123456789abcd\r\nContent-Type: application/json\r\nContent-Length: 20000000\r\n\r\n",
    );
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(
        answer.contains("\"http.body_too_large\""),
        "the one JSON shape: {answer}"
    );
    // The same when the length is not declared: the limit applies while reading.
    let chunk = "x".repeat(1 << 20);
    let mut chunked = String::from(
        "POST /api/generate HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t0k-0123456789abcd\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
    );
    for _ in 0..16 {
        chunked.push_str(&format!("{:x}\r\n{chunk}\r\n", chunk.len()));
    }
    chunked.push_str("0\r\n\r\n");
    let answer = raw_request(&server.base, &chunked);
    assert!(
        answer.starts_with("HTTP/1.1 413"),
        "{}",
        &answer[..answer.len().min(300)]
    );
    assert!(answer.contains("\"http.body_too_large\""), "{answer}");
    // A method the route does not take: still the JSON shape, with Allow.
    let r = c
        .get(server.url("/api/generate"))
        .bearer_auth("t0k-0123456789abcd")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(r.headers().get("allow").is_some());
    assert_eq!(error_code(r).await, "http.method_not_allowed");
    // No token, no work.
    let r = c
        .post(server.url("/api/generate"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    // Nothing was generated, nothing stored, nothing written elsewhere.
    let stored = t.asset_files();
    assert!(stored.is_empty(), "{stored:?}");
    assert!(t.private_files().is_empty(), "{:?}", t.private_files());
    assert!(walk(&t.data_dir().join("tmp")).is_empty());
    assert!(strays(&t).is_empty(), "{:?}", strays(&t));
    assert!(server.terminate().success());
}

fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        if e.path().is_dir() {
            out.extend(walk(&e.path()));
        } else {
            out.push(e.path().display().to_string());
        }
    }
    out
}

#[tokio::test]
async fn api_generate_fetches_a_reference_url_from_an_allowed_network() {
    let t = data_dir_with("[fetch]\nallow_networks = [\"127.0.0.0/8\"]\n");
    let server = Server::start(&t, Some("t0k-0123456789abcd"));
    let c = client();
    let photo = util::face_jpeg(700, 700);
    let (url, hits) = image_server(photo);
    let r = post_generate(
        &c,
        &server,
        json!({"reference_image": format!("{url}/doctor.jpg"), "style": "initials"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let answer: Value = r.json().await.unwrap();
    assert_eq!(hits.load(Ordering::SeqCst), 1);
    assert_eq!(answer["metadata"]["reference"]["width"], 700, "{answer}");
    assert!(answer.get("output_base64").is_none(), "only when asked for");
    // Still refused: link-local is not in the allowed network.
    let r = post_generate(
        &c,
        &server,
        json!({"reference_image": "http://169.254.169.254/x.jpg", "style": "initials"}),
    )
    .await;
    assert_eq!(error_code(r).await, "fetch.forbidden_address");
}

#[tokio::test]
async fn openai_edits_take_multipart_images_and_refuse_bad_ones_in_openai_shape() {
    let t = data_dir_with("");
    let server = Server::start(&t, Some("sk-test-0123456789"));
    let c = client();
    let form = |image: Vec<u8>, name: &'static str| {
        reqwest::multipart::Form::new()
            .text("model", "initials")
            .text("prompt", "a friendly portrait")
            .text("size", "256x256")
            .text("response_format", "b64_json")
            .part(
                name,
                reqwest::multipart::Part::bytes(image).file_name("photo.png"),
            )
    };
    let r = c
        .post(server.url("/v1/images/edits"))
        .bearer_auth("sk-test-0123456789")
        .multipart(form(util::face_jpeg(600, 600), "image[]"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let answer: Value = r.json().await.unwrap();
    let bytes = B64
        .decode(answer["data"][0]["b64_json"].as_str().unwrap())
        .unwrap();
    let img = image::load_from_memory(&bytes).unwrap();
    assert_eq!((img.width(), img.height()), (256, 256));

    let openai_error = |v: &Value| v["error"]["type"].as_str().map(String::from);
    let truncated = {
        let p = png(600, 600);
        p[..200].to_vec()
    };
    for (what, image, status) in [
        ("truncated", truncated, StatusCode::BAD_REQUEST),
        (
            "huge header",
            png_claiming(70_000, 70_000),
            StatusCode::BAD_REQUEST,
        ),
        (
            "text",
            b"hello, I am not an image".to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
    ] {
        let r = c
            .post(server.url("/v1/images/edits"))
            .bearer_auth("sk-test-0123456789")
            .multipart(form(image, "image"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), status, "{what}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(
            openai_error(&v).as_deref(),
            Some("invalid_request_error"),
            "{what}: {v}"
        );
        assert!(
            v["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with("image 1: "),
            "{v}"
        );
    }
    // JSON instead of multipart, and a form without an image.
    let r = c
        .post(server.url("/v1/images/edits"))
        .bearer_auth("sk-test-0123456789")
        .json(&json!({"prompt": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let r = c
        .post(server.url("/v1/images/edits"))
        .bearer_auth("sk-test-0123456789")
        .multipart(reqwest::multipart::Form::new().text("prompt", "x"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let only_the_good_one: Vec<_> = t
        .private_files()
        .into_iter()
        .filter(|p| p.contains("_references"))
        .collect();
    assert_eq!(only_the_good_one.len(), 1, "{only_the_good_one:?}");
    assert!(strays(&t).is_empty(), "{:?}", strays(&t));
}

#[tokio::test]
async fn path_like_ids_and_asset_paths_never_leave_the_data_directory() {
    let t = data_dir_with("");
    let server = Server::start(&t, Some("t0k-0123456789abcd"));
    let c = client();
    for id in [
        "../evil",
        "..",
        "/etc/passwd",
        "a/b",
        "%2e%2e",
        "C:\\x",
        "a\u{0}b",
        "",
    ] {
        let r = c
            .post(server.url("/api/subjects?generate=false"))
            .bearer_auth("t0k-0123456789abcd")
            .json(&json!({"id": id, "name": "Eve"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{id:?}");
    }
    for path in [
        "/api/subjects/..%2f..%2flikeness.db",
        "/api/subjects/%2e%2e/history",
        "/api/subjects/..%2Fx/avatar",
        "/api/avatars/generate/..%2f..%2fetc%2fpasswd",
        "/assets/_references/..%2f..%2flikeness.db",
        "/assets/%2fetc%2fpasswd",
        "/assets/a%5c..%5c..%5clikeness.db",
    ] {
        let r = if path.contains("generate") {
            c.post(server.url(path))
                .bearer_auth("t0k-0123456789abcd")
                .send()
                .await
                .unwrap()
        } else {
            c.get(server.url(path))
                .bearer_auth("t0k-0123456789abcd")
                .send()
                .await
                .unwrap()
        };
        assert!(r.status().is_client_error(), "{path}: {}", r.status());
        let body = r.bytes().await.unwrap();
        assert!(
            !body.starts_with(b"SQLite format"),
            "{path} leaked the database"
        );
    }
    assert!(t.asset_files().is_empty());
    assert!(strays(&t).is_empty(), "{:?}", strays(&t));
}

/// Whether the PNG in `b64` has a transparent top-left corner (a circle or a 50 % radius).
fn corner_is_clear(b64: &str) -> bool {
    let img = image::load_from_memory(&B64.decode(b64).unwrap())
        .unwrap()
        .to_rgba8();
    img.get_pixel(0, 0).0[3] == 0
}

/// Sends an OpenAI-compatible request and says whether its first image has a clear corner.
async fn openai_corner_clear(request: reqwest::RequestBuilder) -> bool {
    let r = request
        .bearer_auth("t0k-0123456789abcd")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let answer: Value = r.json().await.unwrap();
    corner_is_clear(answer["data"][0]["b64_json"].as_str().unwrap())
}

#[tokio::test]
async fn renderer_options_reach_api_generate_and_the_openai_endpoints() {
    let t = with_clinic_sketch();
    let server = Server::start(&t, Some("t0k-0123456789abcd"));
    let c = client();
    let photo = B64.encode(util::face_jpeg(600, 600));

    // /api/generate: a circle, and without options, a square.
    for (options, clear) in [(json!({"shape": "circle"}), true), (Value::Null, false)] {
        let mut body = json!({"reference_image": photo, "scenario": "clinic_sketch",
                              "return_base64": true, "settings": {"width": 256, "height": 320}});
        if !options.is_null() {
            body["options"] = options;
        }
        let r = post_generate(&c, &server, body).await;
        assert_eq!(r.status(), StatusCode::OK);
        let answer: Value = r.json().await.unwrap();
        let png = answer["output_base64"].as_str().unwrap();
        assert_eq!(corner_is_clear(png), clear, "{}", answer["metadata"]);
    }
    let r = post_generate(
        &c,
        &server,
        json!({"reference_image": photo, "scenario": "clinic_sketch", "options": {"flip": "sideways"}}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_code(r).await, "provider.bad_recipe");

    // /v1/images/generations (OpenAI clients send it with `extra_body`).
    assert!(
        openai_corner_clear(c.post(server.url("/v1/images/generations")).json(
            &json!({"model": "initials", "prompt": "Mei Lin", "size": "256x256",
                      "response_format": "b64_json", "options": {"radius": 50}}),
        ))
        .await
    );
    let r = c
        .post(server.url("/v1/images/generations"))
        .bearer_auth("t0k-0123456789abcd")
        .json(&json!({"model": "initials", "prompt": "x", "options": {"rotate": "lots"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        (r.status(), error_code(r).await.as_str()),
        (StatusCode::BAD_REQUEST, "provider.bad_recipe")
    );

    // /v1/images/edits: a form field holding JSON.
    let form = |options: &str| {
        reqwest::multipart::Form::new()
            .text("model", "initials")
            .text("prompt", "a friendly portrait")
            .text("size", "256x256")
            .text("response_format", "b64_json")
            .text("options", options.to_string())
            .part(
                "image",
                reqwest::multipart::Part::bytes(util::face_jpeg(600, 600)).file_name("photo.jpg"),
            )
    };
    assert!(
        openai_corner_clear(
            c.post(server.url("/v1/images/edits"))
                .multipart(form(r#"{"shape": "circle"}"#))
        )
        .await
    );
    let r = c
        .post(server.url("/v1/images/edits"))
        .bearer_auth("t0k-0123456789abcd")
        .multipart(form("{not json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let e: Value = r.json().await.unwrap();
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("`options`"),
        "{e}"
    );
}

#[tokio::test]
async fn reference_photos_without_exactly_one_clear_face_are_refused_with_4xx() {
    let t = data_dir_with("");
    let server = Server::start(&t, Some("t0k-0123456789abcd"));
    let c = client();
    let grey = {
        let img = image::RgbImage::from_pixel(640, 640, image::Rgb([120, 120, 120]));
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png).unwrap();
        out.into_inner()
    };
    let group = util::face_photo("solvay.png");
    for (what, photo, code) in [
        ("a group photo", group.clone(), "face.several"),
        ("a blank wall", grey, "face.none_found"),
    ] {
        let r = post_generate(
            &c,
            &server,
            json!({"reference_image": B64.encode(&photo), "style": "initials"}),
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{what}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["error"]["code"], code, "{what}: {v}");
        let message = v["error"]["message"].as_str().unwrap();
        assert!(message.starts_with("reference_image: "), "{message}");
    }
    // The count and places, so the caller can crop.
    let r = post_generate(
        &c,
        &server,
        json!({"reference_image": B64.encode(&group), "style": "initials"}),
    )
    .await;
    let v: Value = r.json().await.unwrap();
    let message = v["error"]["message"].as_str().unwrap();
    assert!(
        message.contains(" faces (") && message.contains(" at ("),
        "{message}"
    );

    // The same refusal in OpenAI's shape on /v1/images/edits.
    let form = reqwest::multipart::Form::new()
        .text("model", "initials")
        .text("prompt", "a portrait")
        .part(
            "image",
            reqwest::multipart::Part::bytes(group).file_name("team.png"),
        );
    let r = c
        .post(server.url("/v1/images/edits"))
        .bearer_auth("t0k-0123456789abcd")
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["type"], "invalid_request_error", "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("image 1: the photo shows")
    );

    // Nothing was queued for any of them.
    let runs: Value = c
        .get(server.url("/api/runs"))
        .bearer_auth("t0k-0123456789abcd")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(runs["runs"].as_array().map(Vec::len), Some(0), "{runs}");
}
