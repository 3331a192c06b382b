//! Erasing a person: every trace in the store and the database gone (checked by listing the
//! store and reading the SQLite files), their URLs answering as for a stranger, a tombstone
//! without the id, a webhook told, and a crashed erasure finished by the next run.

use crate::util;

use md5::{Digest, Md5};
use reqwest::StatusCode;
use serde_json::{Value, json};
use util::TestDir;
use util::server::{Server, client, error_code};

const TOKEN: &str = "erase-test-token-012345";
const ID: &str = "zq-7781";
const NAME: &str = "Zenobia Quartermaine";
const EMAIL: &str = "zenobia.q@example.org";

fn md5_hex(s: &str) -> String {
    likeness::hash::hex(&Md5::digest(s.as_bytes()))
}

/// Zenobia (with an address, a local reference photo and a legacy file) and Ada, both drawn;
/// Zenobia also by a run of her own.
fn seeded() -> TestDir {
    let t = TestDir::new();
    t.write(
        "data/likeness.toml",
        "[fetch]\nallow_networks = [\"127.0.0.0/8\"]\n[webhooks]\nmax_attempts = 1\n",
    );
    let people = t.write(
        "people.csv",
        &format!(
            "id,name,email,reference_photo\n{ID},{NAME},{EMAIL},zq.png\nada-1,Ada Lovelace,ada@example.org,\n"
        ),
    );
    t.run(&["import", people.to_str().unwrap()]).ok();
    let photo = t.data_dir().join("references/zq.png");
    std::fs::create_dir_all(photo.parent().unwrap()).unwrap();
    std::fs::write(&photo, util::face_photo("astronaut.png")).unwrap();
    t.run(&["generate", "--style", "initials"]).ok();
    t.run(&["generate", "--style", "geometric", "--subject", ID])
        .ok();
    t.put_asset(&format!("{ID}_watercolor.png"), b"\x89PNG legacy");
    t
}

async fn get_json(server: &Server, path: &str) -> Value {
    let r = client()
        .get(server.url(path))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    r.json().await.unwrap()
}

fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

fn keys_of(t: &TestDir, id: &str) -> Vec<String> {
    t.asset_files()
        .into_iter()
        .filter(|k| k.starts_with(&format!("{id}/")))
        .collect()
}

#[tokio::test]
async fn erasing_leaves_nothing_that_names_the_person() {
    let t = seeded();
    let server = Server::start(&t, Some(TOKEN));
    let c = client();
    // A resized variant, and a webhook endpoint (nobody listens; deliveries stay pending).
    let history = t.run(&["--json", "history", ID]).ok().json();
    let key = history[0]["storage_key"].as_str().unwrap().to_string();
    let r = c
        .get(server.url(&format!("/assets/{key}?w=64")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let hook: Value = c
        .post(server.url("/api/webhooks"))
        .bearer_auth(TOKEN)
        .json(&json!({"url": format!("http://127.0.0.1:{}/x", closed_port()), "events": ["job.succeeded", "subject.erased"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let hook_id = hook["id"].as_str().unwrap();
    let r = c
        .post(server.url(&format!("/api/avatars/generate/{ID}?wait=true")))
        .bearer_auth(TOKEN)
        .json(&json!({"style": "initials"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        keys_of(&t, ID).len() >= 3,
        "images and a variant: {:?}",
        t.asset_files()
    );
    let ada_before = keys_of(&t, "ada-1");

    // A viewer may not erase.
    let r = c
        .delete(server.url(&format!("/api/subjects/{ID}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = c
        .delete(server.url(&format!("/api/subjects/{ID}")))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let done: Value = r.json().await.unwrap();
    assert_eq!(done["existed"], true);
    assert!(done["assets_removed"].as_i64().unwrap() >= 3, "{done}");
    assert!(
        done["objects_removed"].as_i64().unwrap() >= 5,
        "images, variant, legacy, reference photo and file: {done}"
    );

    // The store: nothing of hers, all of Ada's.
    assert_eq!(keys_of(&t, ID), Vec::<String>::new());
    assert!(
        !t.asset_files().iter().any(|k| k.contains(ID)),
        "{:?}",
        t.asset_files()
    );
    assert_eq!(keys_of(&t, "ada-1"), ada_before);
    assert!(
        !t.data_dir().join("references/zq.png").exists(),
        "the local reference photo"
    );

    // Her URLs answer as for a stranger.
    let r = c
        .get(server.url(&format!("/api/subjects/{ID}")))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = c
        .get(server.url(&format!("/assets/{key}")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::NOT_FOUND,
        "not even from the server's memory"
    );
    let stable = format!("/assets/{ID}_zenobia-quartermaine_initials.png");
    let r = c.get(server.url(&stable)).send().await.unwrap();
    let stranger = c
        .get(server.url("/assets/nobody-1_nobody_initials.png"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), stranger.status(), "as for a stranger");
    assert_eq!(
        r.headers().get("location"),
        stranger.headers().get("location")
    );
    let r = c
        .get(server.url(&format!("/avatar/{}?d=404", md5_hex(EMAIL))))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let runs = t.run(&["--json", "runs"]).ok().stdout;
    assert!(!runs.contains(ID) && !runs.contains("Zenobia"), "{runs}");

    // The tombstone says that, when and who; not whom.
    let list = get_json(&server, "/api/erasures").await;
    let tombstones = list["erasures"].as_array().unwrap();
    assert_eq!(tombstones.len(), 1, "{list}");
    assert_eq!(tombstones[0]["status"], "done");
    assert!(!list.to_string().contains(ID), "{list}");
    // Webhooks: her job.succeeded delivery is gone; subject.erased is queued.
    let listed = format!("/api/webhooks/{hook_id}/deliveries");
    let deliveries = get_json(&server, &listed).await;
    let events: Vec<&str> = deliveries["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["event"].as_str().unwrap())
        .collect();
    assert_eq!(events, ["subject.erased"], "{deliveries}");
    // Once sent (here: given up on, nobody listens), its payload forgets her too.
    let start = std::time::Instant::now();
    loop {
        let now = get_json(&server, &listed).await;
        let d = &now["deliveries"][0];
        if d["status"] == "failed" {
            assert_eq!(d["data"], json!({}), "{d}");
            break;
        }
        assert!(start.elapsed().as_secs() < 20, "{d}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }

    // Again: nothing to erase.
    let r = c
        .delete(server.url(&format!("/api/subjects/{ID}")))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(error_code(r).await, "subject.not_found");

    // The database files hold no copy (SQLite: the file and its write-ahead log, read raw).
    if t.database_url().is_none() {
        // A clean stop: the sender finishes what it was doing (the compaction after the
        // notice was given up on) before the process exits.
        assert!(server.terminate().success());
        for entry in std::fs::read_dir(t.data_dir()).unwrap() {
            let path = entry.unwrap().path();
            if !path.is_file() {
                continue;
            }
            let bytes = std::fs::read(&path).unwrap();
            for needle in [NAME, EMAIL, ID, &md5_hex(EMAIL)] {
                assert!(
                    !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                    "{needle:?} is still readable in {}",
                    path.display()
                );
            }
        }
    }
}

/// A run that died after deleting some objects (its tombstone pending) is finished by the
/// next: nothing left behind, one tombstone.
#[tokio::test]
async fn a_crashed_erasure_is_finished_by_the_next_run() {
    let t = seeded();
    {
        let db = t.open_db().await;
        db.begin_erasure(ID, "cli:crashed").await.unwrap();
    }
    // As if killed midway: one of her images already gone.
    let first = keys_of(&t, ID).remove(0);
    t.delete_asset(&first);

    let done = t.run(&["--json", "subjects", "erase", ID]).ok().json();
    assert_eq!(done["existed"], true);
    assert_eq!(keys_of(&t, ID), Vec::<String>::new());
    let db = t.open_db().await;
    let tombstones = db.erasures().await.unwrap();
    assert_eq!(tombstones.len(), 1, "{tombstones:?}");
    assert_eq!(
        tombstones[0].actor, "cli:crashed",
        "the first run's tombstone, finished"
    );
    assert_eq!(db.pending_erasure(ID).await.unwrap(), None);
    let again = t.run(&["subjects", "erase", ID]);
    assert_eq!(again.status, 1, "nothing left: {}", again.stderr);
    assert!(again.stderr.contains("no subject"), "{}", again.stderr);
    let bad = t.run(&["subjects", "erase", "../etc"]);
    assert_eq!(bad.status, 1);
    assert!(bad.stderr.contains("not a subject id"), "{}", bad.stderr);
}
