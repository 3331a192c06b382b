//! Requests a client library would not send, or a hostile one would.

use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, LOCATION};
use serde_json::{Value, json};

use crate::util::TestDir;
use crate::util::server::{Server, client, error_code, raw_request};

const TOKEN: &str = "hostile-token-0123456789";

/// A server with `config` written first.
fn server_with(t: &TestDir, config: &str) -> Server {
    t.write("data/likeness.toml", config);
    Server::start(t, Some(TOKEN))
}

/// Creates (or updates) one subject over the API without queueing its portrait.
async fn put_subject(server: &Server, subject: Value) {
    let r = client()
        .post(server.url("/api/subjects?generate=false"))
        .bearer_auth(TOKEN)
        .json(&subject)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

/// Generates `id`'s `initials` portrait and waits for the job: the job as JSON.
async fn generate_initials(server: &Server, id: &str) -> Value {
    client()
        .post(server.url(&format!("/api/avatars/generate/{id}?wait=true")))
        .bearer_auth(TOKEN)
        .json(&json!({"style": "initials"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_auth_scheme_is_case_insensitive_and_anything_else_is_refused() {
    let t = TestDir::new();
    let server = Server::start(&t, Some(TOKEN));
    let c = client();
    for scheme in ["Bearer", "bearer", "BEARER"] {
        let r = c
            .get(server.url("/api/subjects"))
            .header("authorization", format!("{scheme} {TOKEN}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{scheme}");
    }
    for header in [
        format!("Basic {TOKEN}"),
        format!("Bearer{TOKEN}"),
        "Bearer ".to_string(),
        "Bearer  ".to_string(),
        format!("Bearer {TOKEN}x"),
        TOKEN.to_string(),
    ] {
        let r = c
            .get(server.url("/api/subjects"))
            .header("authorization", &header)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{header:?}");
    }
}

#[tokio::test]
async fn metrics_need_a_token_and_a_metrics_token_opens_only_metrics() {
    let t = TestDir::new();
    let metrics_token = "scraper-token-0123456789";
    let server = server_with(
        &t,
        &format!("[server]\nmetrics_token = \"{metrics_token}\"\n"),
    );
    let c = client();
    let get = |path: &str, token: Option<&str>| {
        let mut r = c.get(server.url(path));
        if let Some(token) = token {
            r = r.bearer_auth(token);
        }
        r.send()
    };
    assert_eq!(
        get("/metrics", None).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        get("/metrics", Some("wrong-token-0123456789"))
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        get("/metrics", Some(metrics_token)).await.unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(
        get("/metrics", Some(TOKEN)).await.unwrap().status(),
        StatusCode::OK
    );
    // The scraper's token is no key to the API.
    assert_eq!(
        get("/api/subjects", Some(metrics_token))
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
    // What stays public: health, the API description, images.
    for path in ["/healthz", "/readyz", "/openapi.json"] {
        assert_eq!(
            get(path, None).await.unwrap().status(),
            StatusCode::OK,
            "{path}"
        );
    }
}

#[tokio::test]
async fn made_up_methods_do_not_grow_the_metrics() {
    let t = TestDir::new();
    let server = Server::start(&t, Some(TOKEN));
    for i in 0..60 {
        let answer = raw_request(
            &server.base,
            &format!("XMETHOD{i} /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
        );
        assert!(answer.starts_with("HTTP/1.1 405"), "{answer}");
    }
    let text = client()
        .get(server.url("/metrics"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !text.contains("XMETHOD"),
        "a request's method became a label"
    );
    let series = text
        .lines()
        .filter(|l| l.starts_with("likeness_http_requests_total{"))
        .count();
    assert!(
        series <= 2,
        "{series} series after 60 made-up methods:\n{text}"
    );
    assert!(text.contains("method=\"other\""), "{text}");
}

#[tokio::test]
async fn broken_bodies_are_400_and_each_refusal_has_its_own_code() {
    let t = TestDir::new();
    let server = server_with(&t, "[server]\nmax_body_bytes = 65536\n");
    let auth = format!("Authorization: Bearer {TOKEN}\r\n");
    // A chunked multipart body whose chunk size is not hex.
    let answer = raw_request(
        &server.base,
        &format!(
            "POST /v1/images/edits HTTP/1.1\r\nHost: x\r\n{auth}Content-Type: multipart/form-data; \
             boundary=XX\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n10\r\n--XX\r\nContent-Disp\r\nzz\r\nbroken\r\n0\r\n\r\n"
        ),
    );
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    // A multipart body that ends in the middle of a part.
    let body = "--XX\r\nContent-Disposition: form-data; name=\"prompt\"\r\n\r\nhello";
    let answer = raw_request(
        &server.base,
        &format!(
            "POST /v1/images/edits HTTP/1.1\r\nHost: x\r\n{auth}Content-Type: multipart/form-data; \
             boundary=XX\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    );
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    // Broken chunked JSON bodies on the other body-reading routes.
    for path in [
        "/api/subjects",
        "/api/generate",
        "/api/avatars/generate/x",
        "/v1/images/generations",
    ] {
        let answer = raw_request(
            &server.base,
            &format!(
                "POST {path} HTTP/1.1\r\nHost: x\r\n{auth}Content-Type: application/json\r\n\
                 Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\n{{\"a\":\r\nqq\r\n"
            ),
        );
        assert!(answer.starts_with("HTTP/1.1 400"), "{path}: {answer}");
    }
    // Too large is 413 with its own code on every JSON route, not `http.bad_json`.
    let big = json!({"id": "x", "name": "y".repeat(100_000)});
    for path in ["/api/subjects", "/api/generate", "/api/avatars/generate/x"] {
        let r = client()
            .post(server.url(path))
            .bearer_auth(TOKEN)
            .json(&big)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE, "{path}");
        assert_eq!(error_code(r).await, "http.body_too_large", "{path}");
    }
    // Not JSON by its type: 415, by its content: 400.
    let r = client()
        .post(server.url("/api/subjects"))
        .bearer_auth(TOKEN)
        .header(CONTENT_TYPE, "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let r = client()
        .post(server.url("/api/subjects"))
        .bearer_auth(TOKEN)
        .header(CONTENT_TYPE, "application/json")
        .body("{\"id\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_code(r).await, "http.bad_json");
}

#[tokio::test]
async fn asset_paths_never_answer_500_or_show_a_server_path() {
    let t = TestDir::new();
    let server = Server::start(&t, Some(TOKEN));
    let data_dir = t.data_dir().canonicalize().unwrap().display().to_string();
    let c = client();
    for path in [
        format!("/assets/{}.png", "a".repeat(300)),
        format!("/assets/p1/{}.png", "b".repeat(256)),
        format!("/assets/{}", "c/".repeat(600)),
        format!("/assets/{}_x_initials.png", "d".repeat(300)),
    ] {
        let r = c.get(server.url(&path)).send().await.unwrap();
        let status = r.status();
        let body = r.text().await.unwrap();
        assert!(
            status == StatusCode::NOT_FOUND || status == StatusCode::BAD_REQUEST,
            "{status} {body}"
        );
        assert!(
            !body.contains(&data_dir),
            "the data directory in a response: {body}"
        );
    }
    let logs = server.stderr.lock().unwrap().join("\n");
    assert!(
        !logs.contains(" ERROR "),
        "an over-long name is not a server error: {logs}"
    );
}

#[tokio::test]
async fn variants_are_made_only_of_originals() {
    let t = TestDir::new();
    let server = Server::start(&t, Some(TOKEN));
    let c = client();
    put_subject(&server, json!({"id": "v1", "name": "Vera Variant"})).await;
    let job = generate_initials(&server, "v1").await;
    let url = job["asset"]["url"].as_str().expect("an image").to_string();
    let r = c
        .get(server.url(&format!("{url}?w=64")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let variant = url.replace(".png", ".w64.png");
    assert_eq!(
        c.get(server.url(&variant)).send().await.unwrap().status(),
        StatusCode::OK
    );
    // A variant of the variant, chained: there is none (404), nothing stored.
    let before = t.asset_files().len();
    for w in ["32", "48", "96"] {
        let r = c
            .get(server.url(&format!("{variant}?w={w}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{variant}?w={w}");
        assert_eq!(error_code(r).await, "http.not_found");
    }
    assert_eq!(t.asset_files().len(), before, "{:?}", t.asset_files());
}

#[tokio::test]
async fn a_wrong_slug_is_not_found_and_unknown_subjects_get_an_image() {
    let t = TestDir::new();
    let server = Server::start(&t, Some(TOKEN));
    let c = client();
    put_subject(&server, json!({"id": "1661", "name": "Cooper Flagg"})).await;
    generate_initials(&server, "1661").await;
    let r = c
        .get(server.url("/assets/1661_cooper-flagg_initials.png"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TEMPORARY_REDIRECT);
    // The id alone must not reveal the name-derived slug.
    let r = c
        .get(server.url("/assets/1661_x_initials.png"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(r.headers().get(LOCATION).is_none());
    let body = r.text().await.unwrap();
    assert!(!body.contains("cooper"), "{body}");

    // The placeholder for an unknown subject is an image, not a 404.
    let r = c
        .get(server.url("/api/subjects/nobody-here/avatar"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(r.headers()["x-likeness-rule"], "placeholder");
    let location = r.headers()[LOCATION].to_str().unwrap().to_string();
    let r = c.get(server.url(&location)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{location}");
    assert_eq!(r.headers()[CONTENT_TYPE], "image/png");
    let png = r.bytes().await.unwrap();
    let decoded = image::load_from_memory(&png).expect("the placeholder decodes");
    assert!(decoded.width() >= 64);
    // Other private keys stay private.
    let r = c
        .get(server.url("/assets/_references/x.png"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn new_subjects_spend_the_generation_budget() {
    let t = TestDir::new();
    let server = server_with(&t, "[server]\ngenerate_per_minute = 3\n");
    let c = client();
    let subjects: Vec<Value> = (0..50)
        .map(|i| json!({"id": format!("b{i}"), "name": format!("Budget Person {i}")}))
        .collect();
    let r = c
        .post(server.url("/api/subjects"))
        .bearer_auth(TOKEN)
        .json(&json!({"subjects": subjects}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let answer: Value = r.json().await.unwrap();
    assert_eq!(answer["imported"], 50, "{answer}");
    assert_eq!(answer["queued"]["jobs"], 3, "{answer}");
    assert_eq!(
        answer["not_queued"]["ids"].as_array().unwrap().len(),
        47,
        "{answer}"
    );
    // The budget is spent: neither more subjects nor a direct request queue anything.
    let r = c
        .post(server.url("/api/subjects"))
        .bearer_auth(TOKEN)
        .json(&json!({"id": "b-late", "name": "Late Person"}))
        .send()
        .await
        .unwrap();
    let answer: Value = r.json().await.unwrap();
    assert_eq!(answer["queued"], Value::Null, "{answer}");
    assert_eq!(answer["not_queued"]["ids"], json!(["b-late"]), "{answer}");
    let r = c
        .post(server.url("/api/avatars/generate/b0"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn every_generating_endpoint_has_the_same_field_limits() {
    let t = TestDir::new();
    let server = server_with(&t, "[server]\ngenerate_per_minute = 0\n");
    let c = client();
    put_subject(&server, json!({"id": "f1", "name": "Field Limit"})).await;
    let long_prompt = "p".repeat(5 << 20);
    let long_seed = "1".repeat(1 << 20);
    let requests = [
        (
            "/api/avatars/generate/f1",
            json!({"style": "initials", "custom_prompt": long_prompt}),
        ),
        (
            "/api/avatars/generate/f1",
            json!({"style": "initials", "seed": long_seed}),
        ),
        (
            "/api/generate",
            json!({"style": "initials", "subject_id": "f1", "custom_prompt": long_prompt}),
        ),
        (
            "/api/generate",
            json!({"style": "initials", "subject_id": "f1", "settings": {"seed": long_seed}}),
        ),
        (
            "/v1/images/generations",
            json!({"model": "initials", "prompt": long_prompt}),
        ),
    ];
    for (path, body) in requests {
        let r = c
            .post(server.url(path))
            .bearer_auth(TOKEN)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{path}");
        let text = r.text().await.unwrap();
        assert!(
            text.contains("4000") || text.contains("200"),
            "{path}: the limit is named: {}",
            &text[..text.len().min(300)]
        );
    }
    // Numbers JSON cannot hold as finite floats, and ones out of the option's range.
    for options in [
        r#"{"rotate": 1e400}"#,
        r#"{"rotate": -1e999}"#,
        r#"{"rotate": 400}"#,
        r#"{"scale": 0}"#,
    ] {
        let body = format!(r#"{{"style": "initials", "options": {options}}}"#);
        let r = c
            .post(server.url("/api/avatars/generate/f1"))
            .bearer_auth(TOKEN)
            .header(CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{options}");
    }
    // At the limit, accepted everywhere.
    let at_limit = "é".repeat(4000);
    let r = c
        .post(server.url("/api/avatars/generate/f1"))
        .bearer_auth(TOKEN)
        .json(&json!({"style": "initials", "custom_prompt": at_limit}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let r = c
        .post(server.url("/api/generate"))
        .bearer_auth(TOKEN)
        .json(&json!({"style": "initials", "subject_id": "f1", "custom_prompt": at_limit}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn recorded_errors_do_not_show_server_paths() {
    let t = TestDir::new();
    let server = Server::start(&t, Some(TOKEN));
    let data_dir = t.data_dir().canonicalize().unwrap().display().to_string();
    let c = client();
    // A reference photo path that does not exist: the job fails reading it, and the message
    // the worker records names the file on the server.
    put_subject(
        &server,
        json!({"id": "r1", "name": "Rita Ref", "attributes": {"reference_photo": "gone.jpg"}}),
    )
    .await;
    let job = generate_initials(&server, "r1").await;
    assert_eq!(job["status"], "failed", "{job}");
    let history = c
        .get(server.url("/api/subjects/r1/history"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for text in [job.to_string(), history] {
        assert!(!text.contains(&data_dir), "a server path in {text}");
    }
    let r = c
        .post(server.url("/api/generate"))
        .bearer_auth(TOKEN)
        .json(&json!({"style": "initials", "subject_id": "r1"}))
        .send()
        .await
        .unwrap();
    let text = r.text().await.unwrap();
    assert!(!text.contains(&data_dir), "a server path in {text}");
}

#[tokio::test]
async fn generation_bodies_must_say_they_are_json() {
    let t = TestDir::new();
    let server = Server::start(&t, None);
    put_subject(&server, json!({"id": "j1", "name": "Jo Json"})).await;
    // What a web page can send cross-site without a preflight: text/plain.
    let c = client();
    for (path, body) in [
        ("/api/generate", r#"{"subject_id":"j1","style":"initials"}"#),
        ("/api/avatars/generate/j1", r#"{"style":"initials"}"#),
        (
            "/v1/images/generations",
            r#"{"model":"initials","prompt":"x"}"#,
        ),
    ] {
        let r = c
            .post(server.url(path))
            .header(CONTENT_TYPE, "text/plain")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "{path}");
        let r = c
            .post(server.url(path))
            .header(CONTENT_TYPE, "application/json; charset=utf-8")
            .body(body)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{path}: {}", r.status());
    }
    // No body at all still means "the defaults" on the avatars route.
    let r = c
        .post(server.url("/api/avatars/generate/j1"))
        .header(CONTENT_TYPE, "text/plain")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::ACCEPTED);
}

#[tokio::test]
async fn missing_face_models_do_not_show_where_they_were_looked_for() {
    let t = TestDir::new();
    let empty = t.path().join("no-models");
    std::fs::create_dir_all(&empty).unwrap();
    let mut cmd = Server::command(&t, None, &[]);
    cmd.env("LIKENESS_MODELS", &empty);
    let server = Server::spawn(cmd);
    let photo = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        crate::util::face_jpeg(640, 640),
    );
    let r = client()
        .post(server.url("/api/generate"))
        .json(&json!({"style": "initials", "reference_image": photo}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    let text = r.text().await.unwrap();
    assert!(text.contains("face.models_missing"), "{text}");
    assert!(
        !text.contains(&*empty.to_string_lossy()),
        "a server path in {text}"
    );
}
