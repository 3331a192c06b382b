//! Storage end to end: the S3 backend against a real S3 server (SeaweedFS from
//! `scripts/test-services`), private objects kept away from public ones, `public_base_url`
//! redirects, the move of old installs' reference photos, and `migrate store`.
//!
//! S3 tests read LIKENESS_TEST_S3_ENDPOINT, _BUCKET, _REGION, _ACCESS_KEY_ID and
//! _SECRET_ACCESS_KEY. Without an endpoint they skip, except under CI (env `CI` set), where a
//! missing server is a failure. Each test works under its own random prefix of the bucket.

use crate::util;

use std::collections::BTreeMap;
use std::process::Command;

use futures::TryStreamExt;
use likeness::store::settings::Given;
use likeness::store::{Access, StorageConfig, StorageSettings, Store};
use object_store::ObjectStore;
use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, ETAG, IF_NONE_MATCH, LOCATION, RANGE};
use serde_json::Value;
use util::TestDir;
use util::server::{Server, client};

/// The S3 server the tests talk to.
#[derive(Clone)]
struct S3 {
    endpoint: String,
    bucket: String,
    region: String,
    key_id: String,
    secret: String,
    /// This test's own prefix in the bucket.
    prefix: String,
}

/// The test S3 server, or `None` (the test skips) when none is configured. Under CI a missing
/// server fails the test instead: skipping there would hide that S3 was never tested.
fn s3() -> Option<S3> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let Some(endpoint) = var("LIKENESS_TEST_S3_ENDPOINT") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but LIKENESS_TEST_S3_ENDPOINT is not: start the S3 server with \
             `eval \"$(scripts/test-services start DIR)\"` (scripts/test does)"
        );
        eprintln!("skipped: LIKENESS_TEST_S3_ENDPOINT is not set");
        return None;
    };
    let need = |name: &str| {
        var(name).unwrap_or_else(|| panic!("LIKENESS_TEST_S3_ENDPOINT is set but {name} is not"))
    };
    Some(S3 {
        endpoint,
        bucket: need("LIKENESS_TEST_S3_BUCKET"),
        region: var("LIKENESS_TEST_S3_REGION").unwrap_or_else(|| "us-east-1".into()),
        key_id: need("LIKENESS_TEST_S3_ACCESS_KEY_ID"),
        secret: need("LIKENESS_TEST_S3_SECRET_ACCESS_KEY"),
        prefix: format!("test-{}", uuid::Uuid::now_v7().simple()),
    })
}

impl S3 {
    /// `s3://bucket/<test prefix>/<name>`.
    fn url(&self, name: &str) -> String {
        format!("s3://{}/{}/{name}", self.bucket, self.prefix)
    }

    /// The standard AWS variables, as an operator would set them; nothing else of AWS leaks
    /// in from the test's own environment.
    fn env(&self, secret: &str) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.endpoint.clone()),
            ("AWS_REGION", self.region.clone()),
            ("AWS_ALLOW_HTTP", "true".into()),
            ("AWS_ACCESS_KEY_ID", self.key_id.clone()),
            ("AWS_SECRET_ACCESS_KEY", secret.to_string()),
        ]
    }

    fn apply(&self, cmd: &mut Command, secret: &str) {
        cmd.env_remove("LIKENESS_STORAGE_URL")
            .env_remove("AWS_SESSION_TOKEN")
            .env_remove("AWS_PROFILE");
        for (k, v) in self.env(secret) {
            cmd.env(k, v);
        }
    }

    /// The likeness store at `public` (and `private` beside it), through the library.
    fn store(&self, data_dir: &std::path::Path, public: &str) -> Store {
        let env: BTreeMap<&str, String> = self.env(&self.secret).into_iter().collect();
        let settings = StorageSettings::at(
            &StorageConfig::default(),
            Some(Given {
                setting: "test",
                url: public,
            }),
            None,
            data_dir,
            &|k| env.get(k).cloned(),
        )
        .unwrap();
        Store::open(&settings, data_dir, Access::ReadWrite).unwrap()
    }

    /// The bucket itself, under no prefix: to see what is really where.
    fn raw(&self) -> object_store::aws::AmazonS3 {
        likeness::fetch::install_crypto_provider();
        object_store::aws::AmazonS3Builder::new()
            .with_endpoint(&self.endpoint)
            .with_allow_http(true)
            .with_region(&self.region)
            .with_bucket_name(&self.bucket)
            .with_access_key_id(&self.key_id)
            .with_secret_access_key(&self.secret)
            .build()
            .unwrap()
    }

    /// Every object under `<test prefix>/<name>/`, by key relative to it, with its ETag.
    async fn objects(&self, name: &str) -> BTreeMap<String, String> {
        let prefix = object_store::path::Path::from(format!("{}/{name}", self.prefix));
        let listed: Vec<_> = self.raw().list(Some(&prefix)).try_collect().await.unwrap();
        listed
            .into_iter()
            .map(|m| {
                let key = m.location.as_ref()[prefix.as_ref().len() + 1..].to_string();
                (key, m.e_tag.unwrap_or_default())
            })
            .collect()
    }

    async fn raw_get(&self, key: &str) -> Vec<u8> {
        use object_store::ObjectStoreExt;
        let path = object_store::path::Path::from(format!("{}/{key}", self.prefix));
        let got = self.raw().get(&path).await.unwrap();
        got.bytes().await.unwrap().to_vec()
    }
}

/// `likeness` in `t` on the store at `url`, with S3 settings from the AWS variables.
fn run_s3(t: &TestDir, s3: &S3, url: &str, args: &[&str]) -> util::Run {
    run_with_secret(t, s3, url, &s3.secret, args)
}

fn run_with_secret(t: &TestDir, s3: &S3, url: &str, secret: &str, args: &[&str]) -> util::Run {
    let mut full = vec!["--storage-url", url];
    full.extend_from_slice(args);
    let mut cmd = t.command(&full);
    s3.apply(&mut cmd, secret);
    output(cmd)
}

/// Two subjects imported and drawn in `initials`; returns p1's storage key.
fn generate(run: &dyn Fn(&[&str]) -> util::Run, t: &TestDir) -> String {
    let f = t.write(
        "two.jsonl",
        "{\"id\":\"p1\",\"name\":\"Jane Doe\",\"gender\":\"female\"}\n\
         {\"id\":\"p2\",\"name\":\"John Roe\",\"gender\":\"male\"}\n",
    );
    run(&["import", f.to_str().unwrap()]).ok();
    run(&["--json", "generate", "--style", "initials"]).ok();
    let history = run(&["--json", "history", "p1"]).ok().json();
    history[0]["storage_key"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn s3_store_roundtrip_keeps_private_objects_out_of_the_public_prefix() {
    let Some(s3) = s3() else { return };
    let t = TestDir::new();
    let store = s3.store(&t.data_dir(), &s3.url("public"));
    let png = bytes::Bytes::from_static(b"\x89PNG\r\n\x1a\nnot really");
    store.put("p1/a.png", png.clone()).await.unwrap();
    store
        .put("_references/x.jpg", bytes::Bytes::from_static(b"face"))
        .await
        .unwrap();
    store
        .put("_placeholder.png", bytes::Bytes::from_static(b"ph"))
        .await
        .unwrap();
    assert_eq!(store.get("p1/a.png").await.unwrap(), png);
    assert_eq!(store.get_opt("p1/none.png").await.unwrap(), None);
    assert!(store.exists("_references/x.jpg").await.unwrap());
    assert!(!store.exists("_references/y.jpg").await.unwrap());
    assert_eq!(
        store.size("p1/a.png").await.unwrap(),
        Some(png.len() as u64)
    );
    store.check().await.unwrap();
    let mut listed: Vec<_> = store.list().map_ok(|l| l.key).try_collect().await.unwrap();
    listed.sort();
    assert_eq!(
        listed,
        ["_placeholder.png", "_references/x.jpg", "p1/a.png"]
    );

    // What the bucket holds: the reference only under the private prefix.
    let public: Vec<_> = s3.objects("public").await.into_keys().collect();
    assert_eq!(public, ["_placeholder.png", "p1/a.png"]);
    let private: Vec<_> = s3.objects("private").await.into_keys().collect();
    assert_eq!(private, ["_references/x.jpg"]);
    assert_eq!(
        store.locate("p1/a.png"),
        format!("{}/p1/a.png", s3.url("public"))
    );
    assert_eq!(store.path("p1/a.png"), None);
    assert_eq!(store.url("_references/x.jpg"), None);
}

#[tokio::test]
async fn the_cli_on_s3_gives_keys_and_urls_never_paths_or_secrets() {
    let Some(s3) = s3() else { return };
    let t = TestDir::new();
    let url = s3.url("public");
    let run = |args: &[&str]| run_s3(&t, &s3, &url, args);
    let key = generate(&run, &t);

    // Nothing was written locally but the database: the images are in the bucket.
    assert!(t.asset_files().is_empty(), "{:?}", t.asset_files());
    assert!(!t.data_dir().join("private").exists());
    assert!(s3.objects("public").await.contains_key(&key));

    let data_dir = t.data_dir().display().to_string();
    let resolved = run(&["--json", "resolve", "p1", "--style", "initials"]).ok();
    let history = run(&["--json", "history", "p1"]).ok();
    for out in [&resolved, &history] {
        assert!(!out.stdout.contains(&data_dir), "{}", out.stdout);
        assert!(!out.stdout.contains(&s3.secret), "{}", out.stdout);
        assert!(!out.stderr.contains(&s3.secret), "{}", out.stderr);
    }
    let r = resolved.json();
    assert_eq!(r["key"], key.as_str());
    assert_eq!(r["path"], Value::Null, "{r}");
    assert_eq!(r["url"], format!("/assets/{key}"));
    let h = history.json();
    assert_eq!(h[0]["path"], Value::Null, "{h}");
    assert_eq!(h[0]["url"], format!("/assets/{key}"));
    // People are shown where the image is, without credentials.
    let human = run(&["resolve", "p1", "--style", "initials"]).ok();
    assert_eq!(human.stdout.trim(), format!("{url}/{key}"));
}

#[tokio::test]
async fn serve_on_s3_answers_like_a_local_folder_and_logs_no_secret() {
    let Some(s3) = s3() else { return };
    let t = TestDir::new();
    let url = s3.url("public");
    let key = generate(&|args| run_s3(&t, &s3, &url, args), &t);
    let stored = s3.raw_get(&format!("public/{key}")).await;
    assert!(stored.starts_with(b"\x89PNG"));
    // A reference photo, put through the library: it lands in the private prefix.
    let store = s3.store(&t.data_dir(), &url);
    let face = bytes::Bytes::from_static(b"face");
    store.put("_references/x.jpg", face).await.unwrap();

    let mut cmd = Server::command(&t, None, &["--storage-url", &url]);
    s3.apply(&mut cmd, &s3.secret);
    let server = LoggedServer::spawn(cmd, &t.path().join("serve.log"));
    let c = client();
    let asset = server.url(&format!("/assets/{key}"));
    let r = get(&c, &asset).await;
    assert_eq!(r.status(), StatusCode::OK);
    let immutable = "public, max-age=31536000, immutable";
    assert_eq!(r.headers()[CACHE_CONTROL], immutable);
    let etag = r.headers()[ETAG].to_str().unwrap().to_string();
    assert_eq!(r.bytes().await.unwrap().as_ref(), stored.as_slice());
    let r = get_with(&c, &asset, IF_NONE_MATCH, &etag).await;
    assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
    let r = get_with(&c, &asset, RANGE, "bytes=0-7").await;
    assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(r.bytes().await.unwrap().as_ref(), &stored[..8]);
    let r = get(&c, server.url("/assets/p1_jane-doe_initials.png")).await;
    assert_eq!(r.status(), StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(r.headers()[LOCATION], format!("/assets/{key}"));

    // A resized variant is made once and stored in the same bucket, beside its original.
    let r = get(&c, format!("{asset}?w=64")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let variant = format!("{}.w64.png", key.trim_end_matches(".png"));
    assert!(s3.objects("public").await.contains_key(&variant));

    // The reference is in no public place: not /assets, not the public prefix.
    for path in ["/_references/x.jpg", "/private/_references/x.jpg"] {
        let r = get(&c, server.url(&format!("/assets{path}"))).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let public = s3.objects("public").await;
    assert!(!public.keys().any(|k| k.contains("_references")));

    // The API gives URLs and keys; readiness asks both prefixes; nothing shows a secret.
    let r = get(&c, server.url("/api/subjects/p1/history")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let body = r.text().await.unwrap();
    assert!(body.contains(&format!("\"/assets/{key}\"")), "{body}");
    let data_dir = t.data_dir().display().to_string();
    assert!(!body.contains(&data_dir) && !body.contains("\"path\""));
    assert_eq!(
        get(&c, server.url("/readyz")).await.status(),
        StatusCode::OK
    );
    let metrics = get(&c, server.url("/metrics")).await.text().await.unwrap();
    assert!(!metrics.contains(&s3.secret));
    let logs = server.stop();
    assert!(logs.contains("storage") && logs.contains(&url), "{logs}");
    assert!(!logs.contains(&s3.secret), "{logs}");
}

/// `likeness serve` with everything it writes on stderr kept in a file, from the first line
/// (the util server keeps only what follows its address).
struct LoggedServer {
    child: std::process::Child,
    base: String,
    log: std::path::PathBuf,
}

impl LoggedServer {
    fn spawn(mut cmd: Command, log: &std::path::Path) -> LoggedServer {
        let file = std::fs::File::create(log).unwrap();
        let child = cmd
            .stdout(std::process::Stdio::null())
            .stderr(file)
            .spawn()
            .unwrap();
        // Owned at once, so a failure below still stops the process (Drop).
        let mut server = LoggedServer {
            child,
            base: String::new(),
            log: log.to_path_buf(),
        };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let text = std::fs::read_to_string(log).unwrap_or_default();
            if let Some(line) = text.lines().find(|l| l.starts_with("listening on ")) {
                server.base = line["listening on ".len()..].trim().to_string();
                return server;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "serve did not start:\n{text}"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// SIGTERM, wait, and everything it logged.
    fn stop(mut self) -> String {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(self.child.wait().unwrap().success());
        std::fs::read_to_string(&self.log).unwrap()
    }
}

impl Drop for LoggedServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn api_generate_on_s3_keeps_the_reference_private_and_names_no_file() {
    let Some(s3) = s3() else { return };
    let t = TestDir::new();
    let url = s3.url("public");
    let mut cmd = Server::command(&t, None, &["--storage-url", &url]);
    s3.apply(&mut cmd, &s3.secret);
    let server = LoggedServer::spawn(cmd, &t.path().join("serve.log"));
    let c = client();
    let photo = util::face_jpeg(640, 800);
    let r = c
        .post(server.url("/api/generate"))
        .json(&serde_json::json!({
            "reference_image": format!("data:image/jpeg;base64,{}", b64(&photo)),
            "style": "initials",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let answer: Value = r.json().await.unwrap();
    let key = answer["output_key"].as_str().unwrap().to_string();
    assert_eq!(answer["output_path"], Value::Null, "{answer}");
    assert_eq!(answer["output_url"], server.url(&format!("/assets/{key}")));
    let reference = answer["metadata"]["reference"]["key"].as_str().unwrap();
    assert!(reference.starts_with("_references/"), "{answer}");
    let text = answer.to_string();
    assert!(
        !text.contains(&t.data_dir().display().to_string()),
        "{text}"
    );

    // The reference is in the private prefix only, and /assets will not serve it.
    assert!(s3.objects("private").await.contains_key(reference));
    assert!(!s3.objects("public").await.contains_key(reference));
    assert!(s3.objects("public").await.contains_key(&key));
    let r = get(&c, server.url(&format!("/assets/{reference}"))).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = get(&c, answer["output_url"].as_str().unwrap()).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(!server.stop().contains(&s3.secret));
}

fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[tokio::test]
async fn public_base_url_redirects_assets_to_the_bucket() {
    let Some(s3) = s3() else { return };
    let t = TestDir::new();
    let url = s3.url("public");
    let cdn = "https://cdn.example.org/avatars";
    std::fs::create_dir_all(t.data_dir()).unwrap();
    std::fs::write(
        t.data_dir().join("likeness.toml"),
        format!("[storage]\npublic_base_url = \"{cdn}/\"\n"),
    )
    .unwrap();
    let run = |args: &[&str]| run_s3(&t, &s3, &url, args);
    let key = generate(&run, &t);
    let h = run(&["--json", "history", "p1"]).ok().json();
    assert_eq!(h[0]["url"], format!("{cdn}/{key}"));

    let mut cmd = Server::command(&t, None, &["--storage-url", &url]);
    s3.apply(&mut cmd, &s3.secret);
    let server = Server::spawn(cmd);
    let c = client();
    let r = get(&c, server.url(&format!("/assets/{key}"))).await;
    assert_eq!(r.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(r.headers()[LOCATION], format!("{cdn}/{key}"));
    assert_eq!(
        r.headers()[CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    let r = get(&c, server.url("/assets/p1_jane-doe_initials.png")).await;
    assert_eq!(r.status(), StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(r.headers()[LOCATION], format!("{cdn}/{key}"));
    assert_eq!(r.headers()[CACHE_CONTROL], "public, max-age=60");
    // Variants are made in the store, then served from the public URL too.
    let r = get(&c, server.url(&format!("/assets/{key}?w=64"))).await;
    assert_eq!(r.status(), StatusCode::PERMANENT_REDIRECT);
    let variant = format!("{}.w64.png", key.trim_end_matches(".png"));
    assert_eq!(r.headers()[LOCATION], format!("{cdn}/{variant}"));
    assert!(s3.objects("public").await.contains_key(&variant));
    let r = get(&c, server.url("/assets/_references/x.jpg")).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn migrate_store_copies_once_verifies_and_leaves_the_source_alone() {
    let Some(s3) = s3() else { return };
    let t = TestDir::sqlite();
    // A local install with images and a reference photo.
    let key = generate(&|args| t.run(args), &t);
    let store = Store::open_default(&t.data_dir()).unwrap();
    store
        .put("_references/r.jpg", bytes::Bytes::from_static(b"face"))
        .await
        .unwrap();
    let local_files = local_snapshot(&t);
    let total = local_files.len();

    let to = s3.url("a/public");
    let mut first = t.command(&["--json", "migrate", "store", "--to", &to]);
    s3.apply(&mut first, &s3.secret);
    let first = output(first);
    let summary: Value = serde_json::from_str(&first.stdout).unwrap();
    assert_eq!(
        summary,
        serde_json::json!({"copied": total, "already_present": 0, "verified": total}),
        "{}",
        first.stderr
    );
    assert!(!first.stderr.contains(&s3.secret));
    assert_eq!(local_snapshot(&t), local_files, "the source is unchanged");
    assert!(s3.objects("a/public").await.contains_key(&key));
    let private: Vec<_> = s3.objects("a/private").await.into_keys().collect();
    assert_eq!(private, ["_references/r.jpg"]);

    // Again: nothing to copy, everything verified.
    let mut again = t.command(&["--json", "migrate", "store", "--to", &to]);
    s3.apply(&mut again, &s3.secret);
    let again: Value = serde_json::from_str(&output(again).stdout).unwrap();
    assert_eq!(
        again,
        serde_json::json!({"copied": 0, "already_present": total, "verified": total})
    );

    // From that bucket prefix to a second one; the first stays as it was.
    let before = s3.objects("a/public").await;
    let moved = run_s3(
        &t,
        &s3,
        &to,
        &["--json", "migrate", "store", "--to", &s3.url("b/public")],
    )
    .ok()
    .json();
    assert_eq!(moved["copied"], total, "{moved}");
    assert_eq!(s3.objects("a/public").await, before);
    assert_eq!(
        s3.objects("b/public").await.keys().collect::<Vec<_>>(),
        before.keys().collect::<Vec<_>>()
    );
    // The copy serves: resolve finds the current image there.
    let r = run_s3(
        &t,
        &s3,
        &s3.url("b/public"),
        &["--json", "resolve", "p1", "--style", "initials"],
    )
    .ok()
    .json();
    assert_eq!(r["key"], key.as_str());
}

#[test]
fn a_wrong_secret_is_a_store_failure_not_a_panic() {
    let Some(s3) = s3() else { return };
    let t = TestDir::new();
    let url = s3.url("public");
    let wrong = "not-the-secret-0123456789";
    // Opening the store sends nothing: the import (database only) works.
    let f = t.write("one.jsonl", "{\"id\":\"p1\",\"name\":\"Jane Doe\"}\n");
    run_with_secret(&t, &s3, &url, wrong, &["import", f.to_str().unwrap()]).ok();
    // Resolving looks in the store (for legacy files), which refuses the signature.
    let r = run_with_secret(&t, &s3, &url, wrong, &["--json", "resolve", "p1"]);
    assert_ne!(r.status, 0);
    let doc: Value = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", r.stdout, r.stderr));
    assert_eq!(doc["error"]["code"], "store.failure", "{doc}");
    assert!(!r.stdout.contains(wrong) && !r.stderr.contains(wrong));
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);

    // serve refuses to start, with the store's answer, instead of failing every image later.
    let r = run_with_secret(&t, &s3, &url, wrong, &["serve", "--listen", "127.0.0.1:0"]);
    assert_eq!(r.status, 1, "{}", r.stderr);
    assert!(r.stderr.contains("storage"), "{}", r.stderr);
    assert!(!r.stderr.contains(wrong) && !r.stderr.contains("panicked"));
}

#[test]
fn s3_without_credentials_is_a_config_error_naming_both_places() {
    let t = TestDir::new();
    let mut cmd = t.command(&[
        "--json",
        "--storage-url",
        "s3://some-bucket/public",
        "subjects",
        "list",
    ]);
    for var in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "LIKENESS_STORAGE_URL",
    ] {
        cmd.env_remove(var);
    }
    let r = output(cmd);
    assert_eq!(r.status, 1);
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(doc["error"]["code"], "config.invalid");
    let message = doc["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("storage.access_key_id") && message.contains("AWS_ACCESS_KEY_ID"),
        "{message}"
    );
    let bad = t.run(&["--storage-url", "/srv/assets", "subjects", "list"]);
    assert!(
        bad.stderr
            .contains("--storage-url must be file://PATH or s3://BUCKET/PREFIX"),
        "{}",
        bad.stderr
    );
}

#[test]
fn an_old_install_keeps_its_reference_photos_in_the_private_folder() {
    // An old install is a local one, whatever stack the other tests run on.
    let t = TestDir::sqlite();
    let f = t.write("one.jsonl", "{\"id\":\"p1\",\"name\":\"Jane Doe\"}\n");
    t.run(&["import", f.to_str().unwrap()]).ok();
    // As an older version left it: reference photos among the public images.
    let old = t.data_dir().join("assets/_references");
    std::fs::create_dir_all(&old).unwrap();
    std::fs::write(old.join("abc.jpg"), b"face").unwrap();
    // Looking does not move anything.
    t.run(&["subjects", "list"]).ok();
    assert!(old.join("abc.jpg").exists());
    // The next command that writes moves them, keys unchanged.
    t.run(&["generate", "--style", "initials"]).ok();
    assert!(!old.exists());
    let moved = t.data_dir().join("private/_references/abc.jpg");
    assert_eq!(std::fs::read(moved).unwrap(), b"face");
    assert!(t.asset_files().iter().all(|f| !f.contains("_references")));
}

#[tokio::test]
async fn a_local_store_with_public_base_url_redirects_and_keeps_references_private() {
    let t = TestDir::new();
    std::fs::create_dir_all(t.data_dir()).unwrap();
    std::fs::write(
        t.data_dir().join("likeness.toml"),
        "[storage]\npublic_base_url = \"https://img.example.org\"\n",
    )
    .unwrap();
    let key = generate(&|args| t.run(args), &t);
    let server = Server::start(&t, None);
    let c = client();
    let r = get(&c, server.url(&format!("/assets/{key}"))).await;
    assert_eq!(r.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(
        r.headers()[LOCATION],
        format!("https://img.example.org/{key}")
    );
    let r = get(&c, server.url("/api/subjects/p1/avatar?style=initials")).await;
    assert_eq!(r.status(), StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(
        r.headers()[LOCATION],
        format!("https://img.example.org/{key}")
    );
}

async fn get(c: &reqwest::Client, url: impl reqwest::IntoUrl) -> reqwest::Response {
    c.get(url).send().await.unwrap()
}

async fn get_with(
    c: &reqwest::Client,
    url: impl reqwest::IntoUrl,
    name: reqwest::header::HeaderName,
    value: &str,
) -> reqwest::Response {
    c.get(url).header(name, value).send().await.unwrap()
}

fn output(mut cmd: Command) -> util::Run {
    let out = cmd.output().expect("run likeness");
    util::Run {
        status: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Every file of the local store (public and private) with its bytes and modification time.
fn local_snapshot(t: &TestDir) -> BTreeMap<String, (Vec<u8>, std::time::SystemTime)> {
    let mut out = BTreeMap::new();
    for side in ["assets", "private"] {
        let root = t.data_dir().join(side);
        for entry in walk(&root) {
            let meta = std::fs::metadata(&entry).unwrap();
            let rel = entry.strip_prefix(&root).unwrap().display().to_string();
            out.insert(
                format!("{side}/{rel}"),
                (std::fs::read(&entry).unwrap(), meta.modified().unwrap()),
            );
        }
    }
    out
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for e in entries.flatten() {
        if e.path().is_dir() {
            out.extend(walk(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out
}

/// A PNG-looking object larger than `/assets` reads whole (1 MiB), its bytes varying so a
/// misplaced range shows.
fn large_png(len: usize) -> bytes::Bytes {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend((0..len - 8).map(|i| (i as u32).wrapping_mul(2_654_435_761).to_le_bytes()[3]));
    bytes.into()
}

#[tokio::test]
async fn a_large_asset_streams_from_s3_with_the_etag_a_local_folder_gives() {
    let Some(s3) = s3() else { return };
    let big = large_png((3 << 20) + 17);
    let key = "p1/p1_big_initials.0123456789abcdef.png";
    let content_etag = format!("\"{}\"", &likeness::hash::hex_sha256(&big)[..32]);

    let on_s3 = TestDir::new();
    let url = s3.url("public");
    s3.store(&on_s3.data_dir(), &url)
        .put(key, big.clone())
        .await
        .unwrap();
    let mut cmd = Server::command(&on_s3, None, &["--storage-url", &url]);
    s3.apply(&mut cmd, &s3.secret);
    let s3_server = LoggedServer::spawn(cmd, &on_s3.path().join("serve.log"));

    // The same bytes in a local folder (whatever stack the suite runs on).
    let local = TestDir::new();
    Store::open_default(&local.data_dir())
        .unwrap()
        .put(key, big.clone())
        .await
        .unwrap();
    let mut cmd = Server::command(&local, None, &[]);
    cmd.env_remove("LIKENESS_STORAGE_URL");
    let local_server = LoggedServer::spawn(cmd, &local.path().join("serve.log"));

    let c = client();
    for base in [s3_server.url(""), local_server.url("")] {
        let asset = format!("{base}/assets/{key}");
        let r = get(&c, &asset).await;
        assert_eq!(r.status(), StatusCode::OK, "{base}");
        assert_eq!(
            r.headers()[ETAG],
            content_etag.as_str(),
            "{base}: the content's hash"
        );
        assert_eq!(
            r.headers()[CACHE_CONTROL],
            "public, max-age=31536000, immutable"
        );
        assert_eq!(r.headers()["content-type"], "image/png");
        assert_eq!(r.content_length(), Some(big.len() as u64));
        assert!(
            r.bytes().await.unwrap() == big,
            "{base}: the whole object, byte for byte"
        );

        let r = get_with(&c, &asset, RANGE, "bytes=1000000-2100000").await;
        assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT, "{base}");
        let total = big.len();
        assert_eq!(
            r.headers()["content-range"],
            format!("bytes 1000000-2100000/{total}").as_str()
        );
        assert!(
            r.bytes().await.unwrap() == big.slice(1_000_000..2_100_001),
            "{base}"
        );
        let r = get_with(&c, &asset, RANGE, "bytes=-5").await;
        assert_eq!(
            r.bytes().await.unwrap().as_ref(),
            &big[total - 5..],
            "{base}"
        );
        let r = get_with(&c, &asset, RANGE, &format!("bytes={total}-")).await;
        assert_eq!(r.status(), StatusCode::RANGE_NOT_SATISFIABLE, "{base}");

        let r = get_with(&c, &asset, IF_NONE_MATCH, &content_etag).await;
        assert_eq!(r.status(), StatusCode::NOT_MODIFIED, "{base}");
        let r = c.head(&asset).send().await.unwrap();
        assert_eq!(r.headers()[ETAG], content_etag.as_str(), "{base}");
        let r = get(
            &c,
            format!("{base}/assets/p1/p1_missing.0123456789abcdef.png"),
        )
        .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{base}");
    }
    s3_server.stop();
    local_server.stop();
}
