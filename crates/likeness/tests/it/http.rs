//! The HTTP service, black-box: the real `likeness serve` on 127.0.0.1:0, driven by an HTTP
//! client. Routes, auth, error shapes, caching headers, 304s and ranges, hostile paths, shutdown.

use crate::util;

use std::process::Stdio;

use reqwest::StatusCode;
use reqwest::header::{
    CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH, LOCATION, RANGE, WWW_AUTHENTICATE,
};
use serde_json::{Value, json};
use util::TestDir;
use util::server::{Server, client, error_code, raw_request};

#[tokio::test]
async fn health_and_readiness() {
    let t = TestDir::new();
    let server = Server::start(&t, None);
    let c = client();
    let r = c.get(server.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = c.get(server.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap()["database"], "ok");
    let r = c.get(server.url("/nope")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(error_code(r).await, "http.not_found");
    let stderr = server.stderr.clone();
    let status = server.terminate();
    std::thread::sleep(std::time::Duration::from_millis(100));
    assert!(
        status.success(),
        "SIGTERM is a clean stop ({status}): {:?}",
        stderr.lock().unwrap()
    );

    // One access-log line per request, written out before exit; no colour codes in a pipe.
    std::thread::sleep(std::time::Duration::from_millis(100));
    let logs = stderr.lock().unwrap().clone();
    assert!(
        logs.iter().any(|l| l.contains("likeness::access")
            && l.contains("path=/readyz")
            && l.contains("status=200")),
        "{logs:?}"
    );
    assert!(
        logs.iter()
            .any(|l| l.contains("path=/nope") && l.contains("status=404")),
        "{logs:?}"
    );
    assert!(
        logs.iter().all(|l| !l.contains('\x1b')),
        "ANSI escapes in a pipe: {logs:?}"
    );
}

#[tokio::test]
async fn api_requires_a_valid_bearer_token() {
    let t = TestDir::new();
    let server = Server::start(&t, Some("first-token-0123456, second-token-0123456"));
    let c = client();
    let r = c.get(server.url("/api/subjects")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(
        r.headers()
            .get(WWW_AUTHENTICATE)
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("Bearer")
    );
    assert_eq!(error_code(r).await, "auth.unauthorized");
    let r = c
        .get(server.url("/api/subjects"))
        .bearer_auth("wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    for token in ["first-token-0123456", "second-token-0123456"] {
        let r = c
            .get(server.url("/api/subjects"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{token}");
    }
    // Health checks and images stay public.
    let r = c.get(server.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_viewer_token_reads_and_is_refused_every_change() {
    let t = TestDir::new();
    t.write(
        "data/likeness.toml",
        "[[server.tokens]]\ntoken = \"viewer-token-0123456\"\nrole = \"viewer\"\nname = \"desk\"\n",
    );
    let server = Server::start(&t, Some("admin-token-01234567"));
    let c = client();
    let ada = json!({"id": "ada", "name": "Ada Lovelace"});
    let r = c
        .get(server.url("/api/subjects"))
        .bearer_auth("viewer-token-0123456")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let changes = [
        (reqwest::Method::POST, "/api/subjects"),
        (reqwest::Method::PUT, "/api/subjects/ada"),
        (reqwest::Method::POST, "/api/generate"),
        (reqwest::Method::POST, "/v1/images/generations"),
        (reqwest::Method::DELETE, "/api/subjects/ada"),
    ];
    for (method, path) in changes {
        let r = c
            .request(method.clone(), server.url(path))
            .bearer_auth("viewer-token-0123456")
            .json(&ada)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{method} {path}");
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "auth.forbidden", "{body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("desk") && !message.contains("viewer-token-0123456"),
            "{message}"
        );
    }
    // Nothing was written; the admin token still may write.
    let r = c
        .get(server.url("/api/subjects/ada"))
        .bearer_auth("viewer-token-0123456")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = c
        .post(server.url("/api/subjects"))
        .bearer_auth("admin-token-01234567")
        .json(&ada)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
}

#[test]
fn refuses_to_expose_an_unauthenticated_api() {
    let t = TestDir::new();
    let r = t.run(&["serve", "--listen", "0.0.0.0:0"]);
    assert_eq!(r.status, 1);
    assert!(r.stderr.contains("without API tokens"), "{}", r.stderr);
}

#[tokio::test]
async fn subjects_create_update_list_show_and_reject_bad_input() {
    let t = TestDir::new();
    let server = Server::start(&t, None);
    let c = client();
    let ada = json!({"id": "ada", "name": "Ada Lovelace", "gender": "female", "birth_date": "1815-12-10",
                     "cohorts": ["math"], "attributes": {"field": "computing"}});
    let r = c
        .post(server.url("/api/subjects"))
        .json(&ada)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap()["imported"], 1);
    let r = c
        .post(server.url("/api/subjects"))
        .json(&ada)
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["unchanged"], 1);

    // A batch with one bad subject writes nothing and says which one and why.
    let batch = json!({"subjects": [
        {"id": "grace", "name": "Grace Hopper", "gender": "female"},
        {"id": "../../etc/passwd", "name": "Path Like"},
    ]});
    let r = c
        .post(server.url("/api/subjects"))
        .json(&batch)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "subject.invalid");
    assert_eq!(body["error"]["details"][0]["index"], 1, "{body}");
    let r = c
        .get(server.url("/api/subjects/grace"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(error_code(r).await, "subject.not_found");

    let batch = json!({"subjects": [{"id": "grace", "name": "Grace Hopper"}, {"id": "alan", "name": "Alan Turing"}]});
    let r = c
        .post(server.url("/api/subjects"))
        .json(&batch)
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["imported"], 2);

    let show: Value = c
        .get(server.url("/api/subjects/ada"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(show["display_name"], "Ada Lovelace");
    assert_eq!(show["gender"], "woman");
    assert_eq!(show["source"], "api");
    // Paging: one at a time, in id order, until next_after is null.
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let mut url = server.url("/api/subjects?limit=1");
        if let Some(a) = &after {
            url.push_str(&format!("&after={a}"));
        }
        let page: Value = c.get(url).send().await.unwrap().json().await.unwrap();
        for s in page["subjects"].as_array().unwrap() {
            seen.push(s["id"].as_str().unwrap().to_string());
        }
        match page["next_after"].as_str() {
            Some(a) => after = Some(a.to_string()),
            None => break,
        }
        assert!(seen.len() < 10, "paging must end");
    }
    assert_eq!(seen, ["ada", "alan", "grace"]);
    let found: Value = c
        .get(server.url("/api/subjects?q=HOPPER"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(found["subjects"].as_array().unwrap().len(), 1);
    let math: Value = c
        .get(server.url("/api/subjects?cohort=math"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(math["subjects"][0]["id"], "ada");

    // Malformed requests: clear 4xx in the one error shape.
    let r = c
        .post(server.url("/api/subjects"))
        .header(CONTENT_TYPE, "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_code(r).await, "http.bad_json");
    let r = c
        .post(server.url("/api/subjects"))
        .body("id=ada")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let r = c
        .get(server.url("/api/subjects?limit=abc"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_code(r).await, "http.bad_query");
    // An oversized body is refused from its declared length, before it is read.
    let answer = raw_request(
        &server.base,
        "POST /api/subjects HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 15728640\r\n\r\n",
    );
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
}

#[tokio::test]
async fn assets_are_cached_forever_and_the_stable_name_redirects() {
    let t = TestDir::new();
    let f = t.write(
        "one.jsonl",
        "{\"id\":\"p1\",\"name\":\"Jane Doe\",\"gender\":\"female\"}\n",
    );
    t.run(&["import", f.to_str().unwrap()]).ok();
    t.run(&["generate", "--style", "initials"]).ok();
    let history = t.run(&["--json", "history", "p1"]).ok().json();
    let key = history[0]["storage_key"].as_str().unwrap().to_string();
    let server = Server::start(&t, Some("secret-0123456789ab"));
    let c = client();

    let r = c
        .get(server.url(&format!("/assets/{key}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.headers()[CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(r.headers()[CONTENT_TYPE], "image/png");
    let etag = r
        .headers()
        .get(ETAG)
        .expect("strong ETag")
        .to_str()
        .unwrap()
        .to_string();
    assert!(!etag.starts_with("W/"), "strong: {etag}");
    let bytes = r.bytes().await.unwrap();
    let decoded = png::Decoder::new(std::io::Cursor::new(bytes.to_vec()))
        .read_info()
        .unwrap();
    assert_eq!(decoded.info().width, 512);

    let r = c
        .get(server.url(&format!("/assets/{key}")))
        .header(IF_NONE_MATCH, &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
    let r = c
        .get(server.url(&format!("/assets/{key}")))
        .header(RANGE, "bytes=0-7")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(r.bytes().await.unwrap().as_ref(), &bytes[..8]);

    let r = c
        .get(server.url("/assets/p1_jane-doe_initials.png"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(r.headers()[LOCATION], format!("/assets/{key}"));
    assert_eq!(r.headers()[CACHE_CONTROL], "public, max-age=60");

    // Hostile paths: never anything outside the asset folder.
    for path in [
        "/assets/../likeness.db",
        "/assets/%2e%2e/likeness.db",
        "/assets/..%2flikeness.db",
        "/assets/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/assets//etc/passwd",
        "/assets/nope.png",
    ] {
        let r = c.get(server.url(path)).send().await.unwrap();
        assert!(r.status().is_client_error(), "{path}: {}", r.status());
        let body = r.bytes().await.unwrap();
        assert!(
            !body.starts_with(b"SQLite format"),
            "{path} leaked the database"
        );
        assert!(
            !String::from_utf8_lossy(&body).contains("root:"),
            "{path} leaked /etc/passwd"
        );
    }
}

/// Creates a subject without the background portrait, so tests count assets exactly.
async fn create_subject(c: &reqwest::Client, server: &Server, body: Value) {
    let r = c
        .post(server.url("/api/subjects?generate=false"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
}

#[tokio::test]
async fn generate_on_demand_waits_for_the_image_or_answers_202() {
    let t = TestDir::new();
    let server = Server::start(&t, None);
    let c = client();
    create_subject(
        &c,
        &server,
        json!({"id": "p7", "name": "Mary Seacole", "gender": "female", "birth_date": "1805-11-23"}),
    )
    .await;

    let r = c
        .post(server.url("/api/avatars/generate/p7?wait=true"))
        .json(&json!({"style": "initials"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let job: Value = r.json().await.unwrap();
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(job["asset"]["provider"], "builtin");
    let url = job["asset"]["url"].as_str().unwrap().to_string();
    let r = c.get(server.url(&url)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()[CONTENT_TYPE], "image/png");

    // Without wait: 202 with the job, which completes in the background.
    let r = c
        .post(server.url("/api/avatars/generate/p7"))
        .json(&json!({"style": "initials", "seed": "another"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let job: Value = r.json().await.unwrap();
    let id = job["id"].as_str().unwrap().to_string();
    let mut status = String::new();
    for _ in 0..200 {
        let j: Value = c
            .get(server.url(&format!("/api/jobs/{id}")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        status = j["status"].as_str().unwrap().to_string();
        if status == "succeeded" || status == "failed" {
            assert_eq!(
                j["asset"]["seed"], "another",
                "the seed override is used: {j}"
            );
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(status, "succeeded");
    // An explicit request always regenerates: two versions, one current.
    let history: Value = c
        .get(server.url("/api/subjects/p7/history"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let assets = history["assets"].as_array().unwrap();
    assert_eq!(assets.len(), 2, "{history}");
    assert_eq!(assets.iter().filter(|a| a["current"] == true).count(), 1);
    let runs: Value = c
        .get(server.url("/api/runs"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        runs["runs"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["run_key"] == "api:initials"),
        "{runs}"
    );

    // Renderer options (DiceBear's names) reach the built-in renderer: a circle on a given
    // background.
    let r = c
        .post(server.url("/api/avatars/generate/p7?wait=true"))
        .json(
            &json!({"style": "initials", "options": {"shape": "circle", "background": "#123456"}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let job: Value = r.json().await.unwrap();
    let url = job["asset"]["url"].as_str().unwrap().to_string();
    let png = c
        .get(server.url(&url))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let img = image::load_from_memory(&png).unwrap().to_rgba8();
    assert_eq!(img.get_pixel(0, 0).0[3], 0, "transparent corner");
    let (w, h) = img.dimensions();
    assert_eq!(img.get_pixel(w / 2, h / 10).0, [0x12, 0x34, 0x56, 255]);
    let r = c
        .post(server.url("/api/avatars/generate/p7"))
        .json(&json!({"style": "initials", "options": {"flip": "sideways"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["error"]["code"], "provider.bad_recipe", "{e}");
    assert!(
        e["error"]["message"].as_str().unwrap().contains("sideways"),
        "{e}"
    );

    // Clear errors.
    let r = c
        .post(server.url("/api/avatars/generate/nobody"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(error_code(r).await, "subject.not_found");
    let r = c
        .post(server.url("/api/avatars/generate/p7"))
        .json(&json!({"style": "consultant"}))
        .send()
        .await
        .unwrap();
    // A photographic scenario with no provider set up: 503 with what to set.
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    let e: serde_json::Value = r.json().await.unwrap();
    assert_eq!(e["error"]["code"], "provider.no_key", "{e}");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("COMFYUI_URL"),
        "{e}"
    );
    let r = c
        .post(server.url("/api/avatars/generate/p7"))
        .json(&json!({"style": "consultant", "provider": "builtin"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_code(r).await, "provider.unsupported_style");
    let r = c
        .post(server.url("/api/avatars/generate/p7"))
        .json(&json!({"style": "nope"}))
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(r).await, "style.unknown");
    let r = c
        .post(server.url("/api/avatars/generate/p7"))
        .json(&json!({"colour": "red"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_code(r).await, "http.bad_json");
    let r = c.get(server.url("/api/jobs/nope")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(server.terminate().success());
}

#[tokio::test]
async fn a_separate_worker_process_does_the_work_when_serve_has_none() {
    let t = TestDir::new();
    let server = Server::start_with(&t, None, &["--workers", "0"]);
    let c = client();
    create_subject(&c, &server, json!({"id": "w1", "name": "Wen Worker"})).await;
    let mut worker = t
        .command(&["worker", "--concurrency", "1"])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let r = c
        .post(server.url("/api/avatars/generate/w1?wait=true&timeout=30"))
        .json(&json!({"style": "geometric"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let job: Value = r.json().await.unwrap();
    assert_eq!(job["status"], "succeeded", "{job}");
    std::process::Command::new("kill")
        .args(["-TERM", &worker.id().to_string()])
        .status()
        .unwrap();
    assert!(
        worker.wait().unwrap().success(),
        "the worker stops cleanly on SIGTERM"
    );
}

#[tokio::test]
async fn new_subjects_get_a_portrait_in_the_background_and_avatar_redirects() {
    let t = TestDir::new();
    let server = Server::start(&t, None);
    let c = client();
    // Before anything exists, the avatar is the placeholder.
    let r = c
        .get(server.url("/api/subjects/n1/avatar"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(r.headers()["x-likeness-rule"], "placeholder");

    let r = c
        .post(server.url("/api/subjects"))
        .json(&json!({"id": "n1", "name": "Nia New", "gender": "female"}))
        .send()
        .await
        .unwrap();
    let created: Value = r.json().await.unwrap();
    assert_eq!(created["queued"]["jobs"], 1, "{created}");
    assert_eq!(created["queued"]["style"], "watercolor");
    // Generous deadlines: CI runs this beside other suites on two cores.
    let mut rule = String::new();
    for _ in 0..1200 {
        let r = c
            .get(server.url("/api/subjects/n1/avatar"))
            .send()
            .await
            .unwrap();
        rule = r.headers()["x-likeness-rule"].to_str().unwrap().to_string();
        if rule == "current" {
            let location = r.headers()[LOCATION].to_str().unwrap().to_string();
            let img = c.get(server.url(&location)).send().await.unwrap();
            assert_eq!(img.status(), StatusCode::OK);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(rule, "current", "the background portrait arrived");
    // The run that made it completes: the worker closes the run just after it records the
    // portrait, so the status is polled rather than read once.
    let mut runs = Value::Null;
    for _ in 0..600 {
        runs = c
            .get(server.url("/api/runs"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if runs["runs"][0]["status"] == "completed" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(runs["runs"][0]["status"], "completed", "{runs}");
    // Sending the same subject again queues nothing; opting out queues nothing.
    let again: Value = c
        .post(server.url("/api/subjects"))
        .json(&json!({"id": "n1", "name": "Nia New", "gender": "female"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(again["queued"], Value::Null, "{again}");
    let opted: Value = c
        .post(server.url("/api/subjects?generate=false"))
        .json(&json!({"id": "n2", "name": "No Portrait"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(opted["queued"], Value::Null, "{opted}");
}

#[tokio::test]
async fn generation_is_rate_limited_per_token_with_retry_after() {
    let t = TestDir::new();
    t.write("data/likeness.toml", "[server]\ngenerate_per_minute = 2\n");
    let server = Server::start(&t, Some("alpha-token-0123456,beta-token-01234567"));
    let c = client();
    let r = c
        .post(server.url("/api/subjects?generate=false"))
        .bearer_auth("alpha-token-0123456")
        .json(&json!({"id": "r1", "name": "Rae Limit"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    for _ in 0..2 {
        let r = c
            .post(server.url("/api/avatars/generate/r1"))
            .bearer_auth("alpha-token-0123456")
            .json(&json!({"style": "initials"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::ACCEPTED);
    }
    let r = c
        .post(server.url("/api/avatars/generate/r1"))
        .bearer_auth("alpha-token-0123456")
        .json(&json!({"style": "initials"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=31).contains(&retry), "{retry}");
    assert_eq!(error_code(r).await, "http.rate_limited");
    // Another token has its own budget.
    let r = c
        .post(server.url("/api/avatars/generate/r1"))
        .bearer_auth("beta-token-01234567")
        .json(&json!({"style": "initials"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::ACCEPTED);
}

#[tokio::test]
async fn job_events_stream_from_queued_to_succeeded_then_end() {
    let t = TestDir::new();
    let server = Server::start_with(&t, None, &["--workers", "0"]);
    let c = client();
    create_subject(&c, &server, json!({"id": "e1", "name": "Eve Events"})).await;
    let job: Value = c
        .post(server.url("/api/avatars/generate/e1"))
        .json(&json!({"style": "watercolor"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = job["id"].as_str().unwrap().to_string();
    let events_url = server.url(&format!("/api/jobs/{id}/events"));
    let stream = tokio::spawn(async move {
        let r = client().get(events_url).send().await.unwrap();
        assert_eq!(r.headers()[CONTENT_TYPE], "text/event-stream");
        r.text().await.unwrap() // the stream ends after the final state
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let mut worker = t
        .command(&["worker", "--concurrency", "1"])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let text = tokio::time::timeout(std::time::Duration::from_secs(60), stream)
        .await
        .unwrap()
        .unwrap();
    let _ = worker.kill();
    let _ = worker.wait();
    let names: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("event: "))
        .collect();
    assert_eq!(names.first(), Some(&"queued"), "{text}");
    assert_eq!(names.last(), Some(&"succeeded"), "{text}");
    let last_data = text
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .next_back()
        .unwrap();
    let last: Value = serde_json::from_str(last_data).unwrap();
    assert!(
        last["asset"]["url"]
            .as_str()
            .unwrap()
            .starts_with("/assets/"),
        "{last}"
    );
    // A finished job's stream is its final state alone.
    let again = client()
        .get(server.url(&format!("/api/jobs/{id}/events")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let names: Vec<&str> = again
        .lines()
        .filter_map(|l| l.strip_prefix("event: "))
        .collect();
    assert_eq!(names, ["succeeded"], "{again}");
}

#[tokio::test]
async fn metrics_count_requests_jobs_and_generations_and_logs_can_be_json() {
    let t = TestDir::new();
    let server = Server::start_with(&t, Some("metrics-secret-token"), &["--log-format", "json"]);
    let c = client();
    c.get(server.url("/healthz")).send().await.unwrap();
    c.get(server.url("/healthz")).send().await.unwrap();
    let r = c
        .post(server.url("/api/subjects?generate=false"))
        .bearer_auth("metrics-secret-token")
        .json(&json!({"id": "m1", "name": "Max Metric"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = c
        .post(server.url("/api/avatars/generate/m1?wait=true"))
        .bearer_auth("metrics-secret-token")
        .json(&json!({"style": "initials"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    c.get(server.url("/api/subjects/m1"))
        .bearer_auth("metrics-secret-token")
        .send()
        .await
        .unwrap();

    // Metrics reveal counts and costs: with tokens configured they need one.
    let r = c.get(server.url("/metrics")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = c
        .get(server.url("/metrics"))
        .bearer_auth("metrics-secret-token")
        .send()
        .await
        .unwrap();
    assert!(
        r.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = r.text().await.unwrap();
    let value = |series: &str| -> f64 {
        text.lines()
            .find_map(|l| {
                l.strip_prefix(series)
                    .map(|v| v.trim().parse::<f64>().unwrap())
            })
            .unwrap_or_else(|| panic!("no {series} in\n{text}"))
    };
    assert_eq!(
        value("likeness_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"}"),
        2.0
    );
    // Routes are labelled by pattern, not by id.
    assert_eq!(
        value(
            "likeness_http_requests_total{method=\"GET\",route=\"/api/subjects/{id}\",status=\"200\"}"
        ),
        1.0
    );
    assert_eq!(
        value(
            "likeness_http_request_duration_seconds_count{method=\"GET\",route=\"/healthz\",status=\"200\"}"
        ),
        2.0
    );
    assert_eq!(value("likeness_jobs{status=\"succeeded\"}"), 1.0);
    assert_eq!(value("likeness_jobs{status=\"queued\"}"), 0.0);
    assert_eq!(
        value("likeness_generations_total{provider=\"builtin\",status=\"succeeded\"}"),
        1.0
    );
    assert_eq!(value("likeness_cost_usd_total{provider=\"builtin\"}"), 0.0);

    // Logs are JSON objects, one per line, and never carry the token.
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let logs = server.stderr.lock().unwrap().clone();
    let json_lines: Vec<Value> = logs
        .iter()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    assert!(json_lines.iter().any(|l| l["level"] == "INFO"), "{logs:?}");
    assert!(
        json_lines.iter().any(|l| l["target"] == "likeness::access"
            && l["fields"]["path"] == "/metrics"
            && l["fields"]["status"] == 200),
        "no access-log line for /metrics: {logs:?}"
    );
    assert!(
        logs.iter().all(|l| !l.contains("metrics-secret-token")),
        "a token leaked into the logs"
    );
}

/// The real `openai` Python package as the client. `scripts/test` installs it (pinned) and
/// sets LIKENESS_TEST_PYTHON; under CI its absence is a failure, elsewhere a loud skip.
#[tokio::test]
async fn the_official_openai_client_works_against_likeness() {
    let Some(python) = std::env::var_os("LIKENESS_TEST_PYTHON") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must run this test: set LIKENESS_TEST_PYTHON (scripts/test does)"
        );
        eprintln!(
            "SKIPPED: set LIKENESS_TEST_PYTHON to a python with `openai` installed (scripts/test does)"
        );
        return;
    };
    let t = TestDir::new();
    let server = Server::start(&t, Some("sk-likeness-test"));
    let script = t.write(
        "client.py",
        r#"
import base64, io, sys
import openai

base, key, face_path = sys.argv[1], sys.argv[2], sys.argv[3]
client = openai.OpenAI(base_url=base + "/v1", api_key=key, max_retries=0)
face = open(face_path, "rb").read()

r = client.images.generate(model="initials", prompt="Grace Hopper", n=2, size="256x256")
assert len(r.data) == 2, r
for d in r.data:
    assert d.url.startswith(base + "/assets/"), d.url
assert r.data[0].url != r.data[1].url, "n images are n different seeds"

r2 = client.images.generate(model="geometric", prompt="Ada Lovelace", response_format="b64_json")
png = base64.b64decode(r2.data[0].b64_json)
assert png[:8] == b"\x89PNG\r\n\x1a\n", png[:8]

r3 = client.images.edit(model="initials", image=("me.jpg", io.BytesIO(face), "image/jpeg"),
                        prompt="the same, smiling", size="128x128", response_format="b64_json")
edited = base64.b64decode(r3.data[0].b64_json)
assert edited[:8] == b"\x89PNG\r\n\x1a\n", edited[:8]
r4 = client.images.edit(model="initials", prompt="both of them",
                        image=[("a.jpg", io.BytesIO(face), "image/jpeg"), ("b.jpg", io.BytesIO(face), "image/jpeg")])
assert r4.data[0].url.startswith(base + "/assets/"), r4.data[0].url
try:
    client.images.edit(model="initials", image=("bad.png", io.BytesIO(png[:100]), "image/png"), prompt="x")
    raise SystemExit("expected BadRequestError for a truncated image")
except openai.BadRequestError as e:
    assert "image 1" in str(e), e

try:
    client.images.generate(model="dall-e-3", prompt="a cat")
    raise SystemExit("expected BadRequestError")
except openai.BadRequestError as e:
    assert "unknown model" in str(e), e

try:
    openai.OpenAI(base_url=base + "/v1", api_key="wrong", max_retries=0).images.generate(model="initials", prompt="x")
    raise SystemExit("expected AuthenticationError")
except openai.AuthenticationError:
    pass

print(r.data[0].url)
"#,
    );
    let face = t.path().join("face.jpg");
    std::fs::write(&face, util::face_jpeg(600, 600)).unwrap();
    let out = std::process::Command::new(python)
        .arg(&script)
        .arg(&server.base)
        .arg("sk-likeness-test")
        .arg(&face)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "python client failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let url = stdout.trim().lines().last().unwrap().to_string();
    let r = client().get(&url).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap();
    let decoded = png::Decoder::new(std::io::Cursor::new(bytes.to_vec()))
        .read_info()
        .unwrap();
    assert_eq!(decoded.info().width, 256, "size is exact pixels");
    // The request is audited like any other generation.
    let history = t
        .run(&["--json", "subjects", "list", "--cohort", "openai"])
        .ok()
        .json();
    assert_eq!(
        history.as_array().unwrap().len(),
        4,
        "one ad-hoc subject per prompt and reference images (2 generations, 2 edits): {history}"
    );
}

#[tokio::test]
async fn cors_only_for_configured_origins() {
    let preflight = |c: &reqwest::Client, url: String, origin: &str| {
        c.request(reqwest::Method::OPTIONS, url)
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization,content-type",
            )
            .send()
    };
    let t = TestDir::new();
    t.write(
        "data/likeness.toml",
        "[server]\ncors_origins = [\"https://app.example\"]\n",
    );
    let server = Server::start(&t, Some("token-0123456789ab"));
    let c = client();
    let r = preflight(&c, server.url("/api/subjects"), "https://app.example")
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "https://app.example"
    );
    let r = preflight(&c, server.url("/api/subjects"), "https://evil.example")
        .await
        .unwrap();
    assert!(r.headers().get("access-control-allow-origin").is_none());

    let plain = TestDir::new();
    let server = Server::start(&plain, None);
    let r = c
        .get(server.url("/healthz"))
        .header("origin", "https://app.example")
        .send()
        .await
        .unwrap();
    assert!(
        r.headers().get("access-control-allow-origin").is_none(),
        "no CORS unless configured"
    );
}

#[tokio::test]
async fn sigterm_finishes_in_flight_jobs_and_leaves_the_rest_queued() {
    let t = TestDir::new();
    t.write("data/likeness.toml", "[server]\ngenerate_per_minute = 0\n");
    let server = Server::start_with(&t, None, &["--workers", "1"]);
    let c = client();
    create_subject(&c, &server, json!({"id": "g1", "name": "Gus Graceful"})).await;
    for _ in 0..40 {
        let r = c
            .post(server.url("/api/avatars/generate/g1"))
            .json(&json!({"style": "watercolor"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::ACCEPTED);
    }
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(server.terminate().success(), "clean exit on SIGTERM");
    let rt_counts = {
        let db = t.open_db().await;
        let counts = db.jobs_by_status().await.unwrap();
        db.close().await;
        counts
            .into_iter()
            .filter(|(_, n)| *n > 0)
            .collect::<std::collections::BTreeMap<_, _>>()
    };
    assert_eq!(
        rt_counts.get("running"),
        None,
        "no job left claimed: {rt_counts:?}"
    );
    assert_eq!(rt_counts.get("failed"), None, "{rt_counts:?}");
    let done = rt_counts.get("succeeded").copied().unwrap_or(0);
    let queued = rt_counts.get("queued").copied().unwrap_or(0);
    assert_eq!(done + queued, 40, "{rt_counts:?}");
    assert!(
        queued > 0,
        "the server stopped before draining the queue: {rt_counts:?}"
    );
}

#[tokio::test]
async fn resized_variants_come_from_a_fixed_set_of_widths_and_are_cached() {
    let t = TestDir::new();
    let f = t.write("one.jsonl", "{\"id\":\"v1\",\"name\":\"Vera Variant\"}\n");
    t.run(&["import", f.to_str().unwrap()]).ok();
    t.run(&["generate", "--style", "watercolor"]).ok();
    let key = t.run(&["--json", "history", "v1"]).ok().json()[0]["storage_key"]
        .as_str()
        .unwrap()
        .to_string();
    let server = Server::start(&t, None);
    let c = client();

    let r = c
        .get(server.url(&format!("/assets/{key}?w=64")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.headers()[CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    let etag = r.headers()[ETAG].to_str().unwrap().to_string();
    let bytes = r.bytes().await.unwrap();
    let decoded = png::Decoder::new(std::io::Cursor::new(bytes.to_vec()))
        .read_info()
        .unwrap();
    assert_eq!((decoded.info().width, decoded.info().height), (64, 64));
    // Stored once, beside the original, and answered from the store afterwards.
    let variant = key.replace(".png", ".w64.png");
    assert!(t.asset_files().contains(&variant), "{variant}");
    let r = c
        .get(server.url(&format!("/assets/{key}?w=64")))
        .header(IF_NONE_MATCH, &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_MODIFIED);

    for bad in ["65", "100000", "-1", "abc"] {
        let r = c
            .get(server.url(&format!("/assets/{key}?w={bad}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "w={bad}");
        assert_eq!(error_code(r).await, "http.bad_width");
    }
    let r = c
        .get(server.url("/assets/v1/missing.png?w=64"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = c
        .get(server.url("/assets/v1/..%2f..%2flikeness.db?w=64"))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error(), "{}", r.status());
    assert_eq!(
        t.asset_files().len(),
        2,
        "only the original and its one variant: {:?}",
        t.asset_files()
    );
}

#[tokio::test]
async fn openapi_document_and_swagger_ui_are_served_offline() {
    let t = TestDir::new();
    let server = Server::start(&t, Some("token-0123456789ab"));
    let c = client();
    let r = c.get(server.url("/openapi.json")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let doc: Value = r.json().await.unwrap();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3."),
        "{}",
        doc["openapi"]
    );
    for path in [
        "/api/subjects",
        "/api/subjects/{id}",
        "/api/subjects/{id}/history",
        "/api/subjects/{id}/avatar",
        "/api/avatars/generate/{subject_id}",
        "/api/jobs/{id}",
        "/api/jobs/{id}/events",
        "/api/runs",
        "/v1/images/generations",
        "/assets/{path}",
        "/healthz",
        "/readyz",
        "/metrics",
    ] {
        assert!(
            doc["paths"].get(path).is_some(),
            "{path} missing from the OpenAPI document"
        );
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let r = c.get(server.url("/docs/")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().to_lowercase().contains("swagger"));
}

/// Found by bench/serve.sh: planning held the write lock on one pooled connection and looked
/// the subject up on another, so enough concurrent requests deadlocked the pool.
#[tokio::test]
async fn many_concurrent_generations_all_complete() {
    let t = TestDir::new();
    t.write("data/likeness.toml", "[server]\ngenerate_per_minute = 0\n");
    let server = Server::start(&t, None);
    let c = client();
    for i in 0..4 {
        create_subject(
            &c,
            &server,
            json!({"id": format!("c{i}"), "name": format!("Con Current {i}")}),
        )
        .await;
    }
    let started = std::time::Instant::now();
    let requests = (0..16).map(|i| {
        let c = c.clone();
        let url = server.url(&format!(
            "/api/avatars/generate/c{}?wait=true&timeout=60",
            i % 4
        ));
        async move {
            let r = c
                .post(url)
                .json(&json!({"style": "initials"}))
                .send()
                .await
                .unwrap();
            (r.status(), r.json::<Value>().await.unwrap())
        }
    });
    for (status, body) in futures::future::join_all(requests).await {
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["status"], "succeeded", "{body}");
    }
    assert!(
        started.elapsed() < std::time::Duration::from_secs(25),
        "no stall waiting on the busy timeout"
    );
}
