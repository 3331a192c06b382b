//! Webhooks against the real server and a real receiver: signatures verified by the official
//! `standardwebhooks` Python package, a receiver that fails and then recovers, every attempt
//! recorded, deliveries that survive a restart, the SSRF guard on endpoint URLs.

use crate::util;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};
use util::TestDir;
use util::server::{Server, client, error_code};

const TOKEN: &str = "webhook-test-token-0123";

/// A receiver on 127.0.0.1 that logs every POST (headers and body, as received) and answers
/// 500 to the first `fail_first` of them, 204 after.
const RECEIVER: &str = r#"
import json, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

log_path, fail_first, port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
lock = threading.Lock()
seen = [0]

class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", 0))).decode()
        with lock:
            seen[0] += 1
            n = seen[0]
            with open(log_path, "a") as f:
                f.write(json.dumps({"headers": {k.lower(): v for k, v in self.headers.items()},
                                    "body": body}) + "\n")
        self.send_response(500 if n <= fail_first else 204)
        self.end_headers()
    def log_message(self, *args):
        pass

server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
"#;

/// Verifies every logged request with `standardwebhooks`, and that a changed body does not
/// verify; prints the verified payloads as one JSON array.
const VERIFY: &str = r#"
import json, sys
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

secret, log_path = sys.argv[1], sys.argv[2]
hook = Webhook(secret)
out = []
for line in open(log_path):
    req = json.loads(line)
    out.append({"id": req["headers"]["webhook-id"], "payload": hook.verify(req["body"], req["headers"])})
    try:
        hook.verify(req["body"].replace("}", " }", 1), req["headers"])
        raise SystemExit("a changed body verified")
    except WebhookVerificationError:
        pass
print(json.dumps(out))
"#;

fn python() -> Option<std::ffi::OsString> {
    let python = std::env::var_os("LIKENESS_TEST_PYTHON");
    if python.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must run this test: set LIKENESS_TEST_PYTHON (scripts/test does)"
        );
        eprintln!(
            "SKIPPED: set LIKENESS_TEST_PYTHON to a python with `standardwebhooks` (scripts/test does)"
        );
    }
    python
}

struct Receiver {
    child: Child,
    port: u16,
}

impl Receiver {
    fn start(
        python: &std::ffi::OsStr,
        t: &TestDir,
        log: &str,
        fail_first: u32,
        port: u16,
    ) -> Receiver {
        let script = t.write("receiver.py", RECEIVER);
        let mut child = Command::new(python)
            .arg(&script)
            .arg(t.path().join(log))
            .arg(fail_first.to_string())
            .arg(port.to_string())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line.trim().parse().expect("the receiver's port");
        Receiver { child, port }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn configured(t: &TestDir) {
    t.write(
        "data/likeness.toml",
        "[fetch]\nallow_networks = [\"127.0.0.0/8\"]\n[webhooks]\nretry_base_ms = 100\n",
    );
    let people = t.write("people.jsonl", r#"{"id":"p1","name":"Ada Lovelace"}"#);
    t.run(&["import", people.to_str().unwrap()]).ok();
}

async fn create(server: &Server, url: &str, events: &[&str]) -> reqwest::Response {
    client()
        .post(server.url("/api/webhooks"))
        .bearer_auth(TOKEN)
        .json(&json!({"url": url, "events": events, "description": "test receiver"}))
        .send()
        .await
        .unwrap()
}

async fn deliveries(server: &Server, id: &str) -> Vec<Value> {
    let r = client()
        .get(server.url(&format!("/api/webhooks/{id}/deliveries")))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.json::<Value>().await.unwrap()["deliveries"]
        .as_array()
        .unwrap()
        .clone()
}

/// Waits until `n` deliveries of the endpoint are delivered.
async fn wait_delivered(server: &Server, id: &str, n: usize) -> Vec<Value> {
    let start = Instant::now();
    loop {
        let all = deliveries(server, id).await;
        if all.iter().filter(|d| d["status"] == "delivered").count() >= n {
            return all;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "not delivered in time: {all:#?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn generate(server: &Server) -> Value {
    let r = client()
        .post(server.url("/api/avatars/generate/p1?wait=true"))
        .bearer_auth(TOKEN)
        .json(&json!({"style": "initials"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

#[tokio::test]
async fn signed_deliveries_verify_with_standardwebhooks_and_survive_a_failing_receiver() {
    let Some(python) = python() else { return };
    let t = TestDir::new();
    configured(&t);
    let receiver = Receiver::start(&python, &t, "received.jsonl", 2, 0);
    let server = Server::start(&t, Some(TOKEN));
    let url = format!("http://127.0.0.1:{}/hooks", receiver.port);
    let r = create(&server, &url, &["job.succeeded", "run.completed"]).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let hook: Value = r.json().await.unwrap();
    let (id, secret) = (
        hook["id"].as_str().unwrap(),
        hook["secret"].as_str().unwrap(),
    );
    assert!(secret.starts_with("whsec_"), "{hook}");

    let job = generate(&server).await;
    let all = wait_delivered(&server, id, 2).await;
    assert_eq!(
        all.len(),
        2,
        "one job.succeeded, one run.completed: {all:#?}"
    );
    // The first two requests failed (500), each recorded; the retries were delivered.
    let tries: Vec<&Value> = all
        .iter()
        .flat_map(|d| d["tries"].as_array().unwrap())
        .collect();
    assert_eq!(tries.len(), 4, "{all:#?}");
    assert_eq!(
        tries.iter().filter(|t| t["status_code"] == 500).count(),
        2,
        "{all:#?}"
    );
    assert!(
        tries
            .iter()
            .filter(|t| t["status_code"] == 500)
            .all(|t| t["error"].as_str().unwrap().contains("500"))
    );

    // What the receiver got, verified by the official package.
    let verify = t.write("verify.py", VERIFY);
    let out = Command::new(&python)
        .arg(&verify)
        .arg(secret)
        .arg(t.path().join("received.jsonl"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let verified: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(verified.len(), 4, "every request, the failed ones too");
    let mut ids: Vec<&str> = verified.iter().map(|v| v["id"].as_str().unwrap()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(
        ids.len(),
        2,
        "a retry keeps its webhook-id, so receivers can drop duplicates"
    );
    let succeeded = verified
        .iter()
        .find(|v| v["payload"]["type"] == "job.succeeded")
        .expect("a job.succeeded")["payload"]
        .clone();
    let data = &succeeded["data"];
    assert_eq!(data["job_id"], job["id"]);
    assert_eq!(data["asset_id"], job["asset_id"]);
    assert_eq!(data["subject_id"], "p1");
    assert_eq!(data["style"], "initials");
    let body = succeeded.to_string();
    assert!(
        !body.contains("Ada") && !body.contains("Lovelace"),
        "no PHI beyond ids: {body}"
    );
    let asset_url = data["asset_url"].as_str().unwrap();
    assert!(asset_url.starts_with("/assets/p1/"), "{asset_url}");
    let image = client().get(server.url(asset_url)).send().await.unwrap();
    assert_eq!(image.status(), StatusCode::OK);
    assert!(
        verified
            .iter()
            .any(|v| v["payload"]["type"] == "run.completed"
                && v["payload"]["data"]["run_id"] == data["run_id"])
    );

    // Removed: gone from the list, its deliveries with it.
    let r = client()
        .delete(server.url(&format!("/api/webhooks/{id}")))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = client()
        .get(server.url(&format!("/api/webhooks/{id}")))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

/// An event queued while the receiver is down is delivered after the server is restarted
/// and the receiver is back: the outbox is in the database, not in the process.
#[tokio::test]
async fn a_delivery_waits_for_the_receiver_across_a_restart() {
    let Some(python) = python() else { return };
    let t = TestDir::new();
    configured(&t);
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let server = Server::start(&t, Some(TOKEN));
    let url = format!("http://127.0.0.1:{port}/down");
    let hook: Value = create(&server, &url, &["job.succeeded"])
        .await
        .json()
        .await
        .unwrap();
    let id = hook["id"].as_str().unwrap().to_string();
    generate(&server).await;
    // Refused connections, recorded as such.
    let start = Instant::now();
    while deliveries(&server, &id).await[0]["tries"]
        .as_array()
        .unwrap()
        .is_empty()
    {
        assert!(start.elapsed() < Duration::from_secs(20));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let first = deliveries(&server, &id).await;
    assert_eq!(first[0]["status"], "pending", "{first:#?}");
    assert!(first[0]["tries"][0]["status_code"].is_null());
    assert!(
        first[0]["tries"][0]["error"]
            .as_str()
            .unwrap()
            .contains("127.0.0.1"),
        "{first:#?}"
    );
    let status = server.terminate();
    assert!(status.success());

    let _receiver = Receiver::start(&python, &t, "late.jsonl", 0, port);
    let server = Server::start(&t, Some(TOKEN));
    let all = wait_delivered(&server, &id, 1).await;
    assert_eq!(all.len(), 1);
    let log = std::fs::read_to_string(t.path().join("late.jsonl")).unwrap();
    assert_eq!(log.lines().count(), 1, "{log}");
    assert!(
        log.contains(all[0]["id"].as_str().unwrap()),
        "the same webhook-id: {log}"
    );
}

#[tokio::test]
async fn endpoints_are_checked_and_config_endpoints_are_listed() {
    let t = TestDir::new();
    t.write(
        "data/likeness.toml",
        "[[webhooks.endpoints]]\nurl = \"https://hooks.example.org/likeness\"\nevents = [\"subject.erased\"]\n\
         secret = \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"\ndescription = \"from the file\"\n",
    );
    let server = Server::start(&t, Some(TOKEN));
    for (body, code) in [
        (
            json!({"url": "http://169.254.169.254/latest", "events": ["job.failed"]}),
            "fetch.forbidden_address",
        ),
        (
            json!({"url": "http://127.0.0.1:9/", "events": ["job.failed"]}),
            "fetch.forbidden_address",
        ),
        (
            json!({"url": "ftp://example.org/", "events": ["job.failed"]}),
            "fetch.scheme",
        ),
        (
            json!({"url": "https://u:p@example.org/", "events": ["job.failed"]}),
            "fetch.credentials",
        ),
        (
            json!({"url": "https://example.org/", "events": ["job.exploded"]}),
            "http.bad_request",
        ),
        (
            json!({"url": "https://example.org/", "events": []}),
            "http.bad_request",
        ),
        (
            json!({"url": "https://example.org/", "events": ["job.failed"], "secret": "x"}),
            "http.bad_json",
        ),
    ] {
        let r = client()
            .post(server.url("/api/webhooks"))
            .bearer_auth(TOKEN)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(error_code(r).await, code, "{body}");
    }
    let r = client()
        .get(server.url("/api/webhooks"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let list: Value = client()
        .get(server.url("/api/webhooks"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let hooks = list["webhooks"].as_array().unwrap();
    assert_eq!(hooks.len(), 1, "{list}");
    assert_eq!(hooks[0]["origin"], "config");
    assert_eq!(hooks[0]["description"], "from the file");
    assert!(
        hooks[0].get("secret").is_none(),
        "secrets are never listed: {list}"
    );
    let id = hooks[0]["id"].as_str().unwrap();
    let r = client()
        .delete(server.url(&format!("/api/webhooks/{id}")))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("config"));
}
