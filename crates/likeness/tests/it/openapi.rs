//! The OpenAPI contract, against the real server: `/openapi.json` is a valid OpenAPI 3.1
//! document (openapi-spec-validator), says what the routes do (checked here against the
//! server, route by route), and holds when schemathesis throws schema-driven requests at it
//! with every check on: schema-valid requests accepted, invalid ones refused, every status,
//! content type and header documented, no 5xx.

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use reqwest::StatusCode;
use serde_json::Value;

use crate::util;
use util::TestDir;
use util::server::{Server, client, error_code};

const ADMIN: &str = "admin-token-openapi-0123456789";
const VIEWER: &str = "viewer-token-openapi-0123456789";

/// The server as the contract is checked against it: generation not rate limited (the
/// fuzzer's volume would spend any per-minute budget; 429 is documented, and tested in
/// http.rs), a viewer token beside the admin one, and `initials`, the cheapest drawing, as the
/// default style, so the portraits new subjects get queued cost little.
fn start(t: &TestDir) -> Server {
    t.write(
        "data/likeness.toml",
        &format!(
            "default_style = \"initials\"\n[server]\ngenerate_per_minute = 0\n\
             [[server.tokens]]\ntoken = \"{VIEWER}\"\nrole = \"viewer\"\n"
        ),
    );
    Server::start(t, Some(ADMIN))
}

async fn served_document(server: &Server) -> Value {
    let r = client()
        .get(server.url("/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.expect("the document is JSON")
}

/// Every operation of the document: (method, path template, operation).
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("a path item") {
            out.push((method.clone(), path.clone(), op.clone()));
        }
    }
    out
}

/// `template` with every `{param}` replaced by a value that names nothing: auth answers before
/// any handler looks.
fn concrete(template: &str) -> String {
    let mut out = String::new();
    for (i, part) in template.split(['{', '}']).enumerate() {
        out.push_str(if i % 2 == 0 { part } else { "nobody-here" });
    }
    out
}

async fn status_of(server: &Server, method: &str, path: &str, token: Option<&str>) -> StatusCode {
    let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
    let mut request = client().request(method, server.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap().status()
}

#[tokio::test]
async fn the_served_document_says_what_the_routes_do() {
    let t = TestDir::new();
    let server = start(&t);
    let doc = served_document(&server).await;
    assert_eq!(doc["openapi"], "3.1.0");
    let bearer = &doc["components"]["securitySchemes"]["bearer"];
    assert_eq!(
        (&bearer["type"], &bearer["scheme"]),
        (&"http".into(), &"bearer".into())
    );

    let ops = operations(&doc);
    assert!(ops.len() >= 17, "{} operations", ops.len());
    for (method, path, op) in &ops {
        let at = format!("{method} {path}");
        let responses = op["responses"].as_object().expect("responses");
        assert!(
            responses
                .keys()
                .any(|s| s.starts_with('2') || s.starts_with('3')),
            "{at}: no success answer"
        );
        for (status, r) in responses {
            let described = r["description"]
                .as_str()
                .is_some_and(|d| !d.trim().is_empty());
            assert!(described, "{at} {status}: every answer says what it means");
        }
        let security = op["security"].as_array().unwrap_or_else(|| {
            panic!("{at}: say `security` (bearer, or `security(())` for a public route)")
        });
        let path = concrete(path);
        if security.is_empty() {
            // Public on purpose: no token, and no 401.
            let status = status_of(&server, method, &path, None).await;
            assert_ne!(
                status,
                StatusCode::UNAUTHORIZED,
                "{at} is documented as public"
            );
            continue;
        }
        assert!(responses.contains_key("401"), "{at}: 401 documented");
        assert_eq!(
            status_of(&server, method, &path, None).await,
            StatusCode::UNAUTHORIZED,
            "{at} without a token"
        );
        assert_eq!(
            status_of(&server, method, &path, Some("not-a-token-of-this-server")).await,
            StatusCode::UNAUTHORIZED,
            "{at} with a bad token"
        );
        if method != "get" {
            assert!(responses.contains_key("403"), "{at}: 403 documented");
            assert_eq!(
                status_of(&server, method, &path, Some(VIEWER)).await,
                StatusCode::FORBIDDEN,
                "{at} with a viewer token"
            );
        }
        if op.get("requestBody").is_some() {
            for status in ["400", "413", "415"] {
                assert!(responses.contains_key(status), "{at}: {status} documented");
            }
        }
    }
    for public in ["/healthz", "/readyz", "/assets/{path}"] {
        assert_eq!(
            doc["paths"][public]["get"]["security"],
            serde_json::json!([])
        );
    }

    // The enums are this server's: no provider key here, so the scenario styles (cloud
    // providers only) are in the catalog but not offered for generation.
    let schemas = &doc["components"]["schemas"];
    let names = |schema: &str| -> Vec<String> {
        let list = schemas[schema]["enum"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        list.iter()
            .filter_map(|v| v.as_str().map(String::from))
            .collect()
    };
    assert!(names("CatalogStyle").contains(&"consultant".to_string()));
    assert!(!names("StyleName").contains(&"consultant".to_string()));
    assert!(names("StyleName").contains(&"initials".to_string()));
    let providers = &schemas["ProviderSpec"]["anyOf"][0]["enum"];
    assert_eq!(providers, &serde_json::json!(["builtin"]));
    // What the document promises about NUL (refused: PostgreSQL cannot store it) the server
    // does, whichever database it has.
    let r = client()
        .post(server.url("/v1/images/generations"))
        .bearer_auth(ADMIN)
        .json(&serde_json::json!({"model": "initials", "prompt": "a\u{0}b"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "http.bad_text", "{body}");
    let r = client()
        .get(server.url("/api/subjects/a%00b"))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(error_code(r).await, "subject.not_found");
}

/// The venv's python (`LIKENESS_TEST_PYTHON`, set by scripts/test), or `None` to skip: CI must
/// run this test.
fn test_python() -> Option<PathBuf> {
    let Some(python) = std::env::var_os("LIKENESS_TEST_PYTHON") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must run the OpenAPI contract test: set LIKENESS_TEST_PYTHON (scripts/test does)"
        );
        eprintln!(
            "SKIPPED: set LIKENESS_TEST_PYTHON to a python with schemathesis and \
             openapi-spec-validator (scripts/test-requirements.txt; scripts/test does)"
        );
        return None;
    };
    Some(PathBuf::from(python))
}

/// What schemathesis cannot learn from a schema. A reference photo (format `reference-photo`)
/// and image uploads must show one face: random bytes are refused, as they must be, so no
/// generated photo could ever be accepted. And multipart text parts (`prompt`): the coverage
/// phase fills a required part it has no strategy for with "", which the schema itself
/// refuses (`prompt` is not blank); with one it sends a prompt.
const HOOKS: &str = r#"
import base64, os
import schemathesis
from hypothesis import strategies as st

photo = open(os.environ["LIKENESS_TEST_PHOTO"], "rb").read()
encoded = base64.b64encode(photo).decode()
schemathesis.openapi.format(
    "reference-photo", st.sampled_from([encoded, "data:image/jpeg;base64," + encoded])
)
schemathesis.openapi.media_type("image/jpeg", st.just(photo))
# Webhook endpoints: public http(s) URLs (the server refuses private and loopback addresses,
# which no schema can tell apart); nothing listens there, deliveries just stay pending.
schemathesis.openapi.format(
    "webhook-url",
    st.sampled_from(["https://hooks.example.org/likeness", "http://example.com/a?b=c"]),
)

# Rust's white space (str::trim), which decides what a blank prompt is.
blank = " \t\n\r\x0b\x0c\x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000"
blank += "".join(map(chr, range(0x2000, 0x200B)))
schemathesis.openapi.media_type(
    "text/plain",
    st.text(min_size=1, max_size=40)
    .filter(lambda t: "\x00" not in t and t.strip(blank))
    .map(str.encode),
)
"#;

/// Test cases per operation: enough to reach every branch the schemas describe, few enough
/// that a run stays around a minute on two cores (about 40 s at 25, 75 s at 50; it runs once
/// per stack).
const MAX_EXAMPLES: &str = "40";

fn run_python(python: &PathBuf, args: &[&str], t: &TestDir) -> (bool, String) {
    let started = Instant::now();
    let out = Command::new(python)
        .args(args)
        .current_dir(t.path())
        .env("PYTHONPATH", t.path())
        .env("SCHEMATHESIS_HOOKS", "likeness_contract_hooks")
        .env("LIKENESS_TEST_PHOTO", t.path().join("face.jpg"))
        .output()
        .unwrap();
    let text = format!(
        "{}\n{}\n({:.0} s)",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        started.elapsed().as_secs_f64()
    );
    (out.status.success(), text)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_document_is_openapi_3_1_and_the_server_keeps_it() {
    let Some(python) = test_python() else { return };
    let t = TestDir::new();
    let server = start(&t);
    let doc = served_document(&server).await;
    let file = t.write("openapi.json", &doc.to_string());
    t.write("likeness_contract_hooks.py", HOOKS);
    std::fs::write(t.path().join("face.jpg"), util::face_jpeg(512, 512)).unwrap();

    let file = file.to_string_lossy().into_owned();
    let (valid, report) = run_python(&python, &["-m", "openapi_spec_validator", &file], &t);
    assert!(valid, "/openapi.json is not valid OpenAPI:\n{report}");

    let url = server.url("/openapi.json");
    let auth = format!("Authorization: Bearer {ADMIN}");
    // Every check; a fixed seed and no example database, so a run is reproducible (and
    // leaves nothing behind). Positive and negative cases, every phase. Two settings, not
    // exclusions: the generating routes answer when the image is done, bounded at 120 s by
    // design, so a response may take that long (the default limit is 10 s); and one worker,
    // as two run hypothesis in two threads, where CPython 3.11's `ast.parse` (used to describe
    // lambdas) races and fails with "AST constructor recursion depth mismatch" (gh-106905).
    let args = [
        "-m",
        "schemathesis.cli",
        "run",
        &url,
        "--checks",
        "all",
        "--max-response-time",
        "125",
        "--header",
        &auth,
        "--seed",
        "20250611",
        "--max-examples",
        MAX_EXAMPLES,
        "--workers",
        "1",
        "--generation-database",
        "none",
        "--request-timeout",
        "150",
        "--no-color",
    ];
    let (held, report) = run_python(&python, &args, &t);
    let logs = server.stderr.lock().unwrap();
    let tail = logs[logs.len().saturating_sub(40)..].join("\n");
    assert!(
        held,
        "schemathesis found the server and its document disagree:\n{report}\n\n\
         the server log's end:\n{tail}"
    );
    eprintln!(
        "{}",
        report.lines().rev().take(3).collect::<Vec<_>>().join("\n")
    );
}
