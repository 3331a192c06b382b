//! Workers and servers on many processes, on PostgreSQL and S3: several `likeness worker`s
//! killed at random, a database restart in the middle of a batch, a worker paused past its
//! lease (its late result fenced off), job events crossing from the server that works a job to
//! the server a client listens on, and one budget for all. Every worker runs in a data
//! directory of its own, empty but for its config, as on another machine: nothing relies on a
//! shared disk. Each test skips only when no test PostgreSQL is given and CI is unset
//! (`util::stack::postgres_url`).

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use likeness_fakes::gemini::{GeminiFake, Reply};
use serde_json::json;

use crate::util::server::{Server, client};
use crate::util::stack::postgres_url;
use crate::util::{TestDir, synthetic_subjects};

/// A data directory on a fresh PostgreSQL database and S3 prefix, with `n` subjects and short
/// leases.
fn setup(server: &str, n: usize, lease_seconds: u32) -> TestDir {
    let t = TestDir::postgres_and_s3(server);
    t.write(
        "data/likeness.toml",
        &format!("[queue]\nlease_seconds = {lease_seconds}\nretry_base_ms = 50\n"),
    );
    let file = t.write("people.jsonl", &synthetic_subjects(n));
    t.run(&["import", file.to_str().unwrap()]).ok();
    t
}

/// A config pointing Gemini at `fake` (after `config`), and a style `cloudy` drawn by
/// `provider`.
fn cloudy(t: &TestDir, fake: &GeminiFake, config: &str, provider: &str) {
    t.write(
        "data/likeness.toml",
        &format!(
            "{config}\n[providers.gemini]\nbase_url = \"{}\"\nmax_attempts = 1\n",
            fake.base_url()
        ),
    );
    t.write(
        "data/styles/cloudy.toml",
        &format!(
            r#"name = "cloudy"
version = 1
title = "Cloudy"
description = "A portrait from a cloud model."
kind = "portrait"
aspect_ratio = "1:1"
default_size = "1K"
providers = ["{provider}"]
prompt = "A calm portrait, soft light."

[renderer]
kind = "initials"
"#
        ),
    );
}

fn enqueue(t: &TestDir, style: &str) -> serde_json::Value {
    let out = t
        .command(&["--json", "generate", "--style", style, "--enqueue-only"])
        .env("GEMINI_API_KEY", "test-key")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A `likeness worker` on "another machine": a data directory of its own holding only the
/// config and styles, on the same database and store.
struct Machine {
    child: Child,
    _dir: TestDir,
}

impl Machine {
    fn kill(&mut self) {
        self.child.kill().ok(); // SIGKILL
        self.child.wait().ok();
    }

    fn is_running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }
}

/// A failed assertion must not leave workers running after the test.
impl Drop for Machine {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A PostgreSQL and SeaweedFS of one test's own (`scripts/test-services`), stopped when the
/// test ends, failed or not.
struct OwnServices {
    dir: tempfile::TempDir,
    postgres_url: String,
}

const TEST_SERVICES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/test-services");

impl OwnServices {
    fn start() -> OwnServices {
        let dir = tempfile::tempdir().unwrap();
        let start = std::process::Command::new(TEST_SERVICES)
            .args(["start", dir.path().to_str().unwrap()])
            .stderr(Stdio::inherit())
            .output()
            .unwrap();
        // Made before the assertions, so that a half-started set is stopped too.
        let mut services = OwnServices {
            dir,
            postgres_url: String::new(),
        };
        assert!(start.status.success(), "scripts/test-services start failed");
        let exports = String::from_utf8_lossy(&start.stdout).to_string();
        services.postgres_url = exports
            .lines()
            .find_map(|l| l.strip_prefix("export LIKENESS_TEST_POSTGRES_URL="))
            .expect("the test PostgreSQL URL")
            .to_string();
        services
    }

    fn restart_postgres(&self) -> std::process::ExitStatus {
        std::process::Command::new(TEST_SERVICES)
            .args(["restart-postgres", self.dir.path().to_str().unwrap()])
            .status()
            .unwrap()
    }
}

impl Drop for OwnServices {
    fn drop(&mut self) {
        let _ = std::process::Command::new(TEST_SERVICES)
            .args(["stop", self.dir.path().to_str().unwrap()])
            .status();
    }
}

fn worker(t: &TestDir, extra_env: &[(&str, &str)]) -> Machine {
    worker_logging_to(t, extra_env, Stdio::null())
}

fn worker_logging_to(t: &TestDir, extra_env: &[(&str, &str)], log: Stdio) -> Machine {
    let dir = t.another_machine();
    std::fs::create_dir_all(dir.data_dir().join("styles")).unwrap();
    let config = t.data_dir().join("likeness.toml");
    if config.exists() {
        std::fs::copy(&config, dir.data_dir().join("likeness.toml")).unwrap();
    }
    for style in std::fs::read_dir(t.data_dir().join("styles"))
        .into_iter()
        .flatten()
        .flatten()
    {
        std::fs::copy(
            style.path(),
            dir.data_dir().join("styles").join(style.file_name()),
        )
        .unwrap();
    }
    let mut cmd = dir.command(&["worker", "--concurrency", "2"]);
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    let child = cmd
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start a worker");
    Machine { child, _dir: dir }
}

/// Every invariant of "kill it at any moment", read from the database and the store.
async fn check_every_job_ended_once(t: &TestDir, expected: usize) {
    let db = t.open_db().await;
    let check = db.integrity().await.unwrap();
    assert_eq!(
        check.jobs_by_status.get("succeeded").copied().unwrap_or(0) as usize,
        expected,
        "{check:?}"
    );
    for status in ["queued", "running", "failed"] {
        assert_eq!(check.jobs_by_status[status], 0, "{status}: {check:?}");
    }
    assert_eq!(
        check.current.len(),
        expected,
        "one current per subject and style"
    );
    assert!(check.doubled_currents.is_empty(), "{check:?}");
    assert!(check.jobs_succeeded_twice.is_empty(), "{check:?}");
    assert!(check.succeeded_without_asset.is_empty(), "{check:?}");
    // No dangling row: every current asset's object is there, complete, of its size.
    for a in &check.current {
        let dims = t.asset_png_dimensions(&a.storage_key);
        assert_eq!(dims, (a.width as u32, a.height as u32), "{}", a.storage_key);
    }
    db.close().await;
}

fn wait_until(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

fn unfinished(t: &TestDir) -> i64 {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let db = t.open_db().await;
        // `worker --drain` asks the cheaper question; both must agree. Workers may finish a
        // job between the questions, and unfinished jobs only ever become fewer here, so
        // the count is checked against an answer from before it and one from after it.
        let before = db.has_unfinished_jobs().await.unwrap();
        let n = db.unfinished_jobs().await.unwrap();
        let after = db.has_unfinished_jobs().await.unwrap();
        assert!(n == 0 || before, "{n} unfinished, but none just before");
        assert!(n > 0 || !after, "none unfinished, but some just after");
        db.close().await;
        n
    })
}

#[test]
fn workers_killed_at_random_finish_every_job_once() {
    let Some(server) = postgres_url() else { return };
    const SUBJECTS: usize = 60;
    let t = setup(&server, SUBJECTS, 3);
    let plan = enqueue(&t, "watercolor");
    assert_eq!(plan["planned"], SUBJECTS as u64, "{plan}");
    assert_eq!(plan["remaining"], SUBJECTS as u64, "{plan}");

    let mut workers: Vec<Machine> = (0..3).map(|_| worker(&t, &[])).collect();
    let mut kills = 0;
    let mut rng = 0x9e37_79b9_u32;
    let started = Instant::now();
    while unfinished(&t) > 0 && started.elapsed() < Duration::from_secs(240) {
        rng ^= rng << 13;
        rng ^= rng >> 17;
        rng ^= rng << 5;
        // The first kills come quickly: a fast machine finished the whole batch within two
        // of the longer pauses once (cold CI, 2026-12-07), and then nothing was killed.
        let pause = if kills < 3 {
            80 + rng % 220
        } else {
            150 + rng % 600
        };
        std::thread::sleep(Duration::from_millis(u64::from(pause)));
        if kills < 8 {
            let i = (rng as usize) % workers.len();
            workers[i].kill(); // mid-job more often than not
            kills += 1;
            workers[i] = worker(&t, &[]);
        }
    }
    assert!(kills >= 3, "the batch ended before the kills ({kills})");
    // The last workers drain what the killed ones left.
    for mut w in workers {
        w.kill();
    }
    let drain = t
        .another_machine()
        .run(&["worker", "--drain", "--concurrency", "2"]);
    assert_eq!(drain.status, 0, "{}", drain.stderr);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(check_every_job_ended_once(&t, SUBJECTS));

    // Kills between writing an image and recording it leave orphans; a sweep removes them
    // and nothing else: afterwards every object is referenced, and every record still has
    // its object.
    let swept = t.run(&["--json", "sweep", "--older-than", "0"]).ok().json();
    assert_eq!(swept["referenced"], SUBJECTS as u64, "{swept}");
    let again = t
        .run(&["--json", "sweep", "--older-than", "0", "--dry-run"])
        .ok()
        .json();
    assert_eq!(again["removed"], 0, "no orphan left: {again}");
    assert_eq!(again["listed"], SUBJECTS as u64, "{again}");
    rt.block_on(check_every_job_ended_once(&t, SUBJECTS));
}

#[test]
fn a_database_restart_mid_batch_loses_nothing() {
    if postgres_url().is_none() {
        return;
    }
    // A PostgreSQL of this test's own, to restart without disturbing the other tests.
    let services = OwnServices::start();

    const SUBJECTS: usize = 40;
    let t = setup(&services.postgres_url, SUBJECTS, 3);
    enqueue(&t, "watercolor");
    let mut workers: Vec<Machine> = (0..2).map(|_| worker(&t, &[])).collect();
    let some_done = wait_until(Duration::from_secs(120), || {
        unfinished(&t) < SUBJECTS as i64
    });
    let restart = services.restart_postgres();
    let drained = wait_until(Duration::from_secs(240), || unfinished(&t) == 0);
    for w in &mut workers {
        // Still alive: a database restart is survived, not a reason to exit.
        let alive = w.is_running();
        w.kill();
        assert!(alive, "a worker exited when the database restarted");
    }
    assert!(some_done, "no job finished before the restart");
    assert!(restart.success(), "restart-postgres failed");
    assert!(drained, "the batch did not finish after the restart");
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(check_every_job_ended_once(&t, SUBJECTS));
    // The test's database goes before its server.
    drop(t);
    drop(services);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_worker_paused_past_its_lease_is_fenced() {
    let Some(server) = postgres_url() else { return };
    // Each image takes 3 s at the fake, and leases last 2 s: a worker stopped while it waits
    // loses its job to the other, and its late answer must be turned away.
    let fake = GeminiFake::start().await;
    fake.set_default(Reply::Slow(
        Duration::from_millis(3000),
        Box::new(Reply::Image),
    ));
    let t = setup(&server, 4, 2);
    cloudy(
        &t,
        &fake,
        "[queue]\nlease_seconds = 2\nretry_base_ms = 50\n",
        "gemini",
    );
    let plan = enqueue(&t, "cloudy");
    assert_eq!(plan["planned"], 4, "{plan}");
    let key = [("GEMINI_API_KEY", "test-key")];
    let log = t.path().join("paused.log");
    let mut paused = worker_logging_to(&t, &key, std::fs::File::create(&log).unwrap().into());
    // Let it claim, then stop it mid-request for longer than its lease.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let pid = paused.child.id().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-STOP", &pid])
            .status()
            .unwrap()
            .success()
    );
    let mut other = worker(&t, &key);
    tokio::time::sleep(Duration::from_secs(9)).await;
    assert!(
        std::process::Command::new("kill")
            .args(["-CONT", &pid])
            .status()
            .unwrap()
            .success()
    );
    let db = t.open_db().await;
    let deadline = Instant::now() + Duration::from_secs(60);
    while db.unfinished_jobs().await.unwrap() > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // The paused worker's answers come back after it resumes; give them time to be refused.
    tokio::time::sleep(Duration::from_secs(4)).await;
    paused.kill();
    other.kill();
    let check = db.integrity().await.unwrap();
    assert_eq!(check.jobs_by_status["succeeded"], 4, "{check:?}");
    assert!(check.doubled_currents.is_empty(), "{check:?}");
    assert!(check.jobs_succeeded_twice.is_empty(), "{check:?}");
    // The fake saw more requests than jobs: the stalled attempts were redone elsewhere, and
    // the paused worker's late results were turned away by the fencing token.
    assert!(
        fake.requests().len() > 4,
        "{} requests",
        fake.requests().len()
    );
    let said = std::fs::read_to_string(&log).unwrap();
    assert!(
        said.contains("lease lost"),
        "the paused worker's log:\n{said}"
    );
    db.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn job_events_reach_a_client_on_another_server() {
    let Some(server) = postgres_url() else { return };
    let t = setup(&server, 1, 30);
    // `front` takes requests and works nothing; `back` works the queue and takes no request.
    let front = Server::start_with(&t, None, &["--workers", "0"]);
    let back_machine = t.another_machine();
    let back = Server::start_with(&back_machine, None, &["--workers", "2"]);
    let http = client();
    let started = Instant::now();
    let r = http
        .post(front.url("/api/avatars/generate/s00000"))
        .json(&json!({"style": "initials"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    let job: serde_json::Value = r.json().await.unwrap();
    let id = job["id"].as_str().expect("the job's id").to_string();
    let mut events = http
        .get(front.url(&format!("/api/jobs/{id}/events")))
        .send()
        .await
        .unwrap();
    let mut seen = String::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !seen.contains("event: succeeded") && Instant::now() < deadline {
        match tokio::time::timeout(Duration::from_secs(5), events.chunk()).await {
            Ok(Ok(Some(chunk))) => seen.push_str(&String::from_utf8_lossy(&chunk)),
            Ok(_) => break,
            Err(_) => continue,
        }
    }
    assert!(seen.contains("event: succeeded"), "{seen}");
    assert!(started.elapsed() < Duration::from_secs(20));
    drop(back);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_budget_holds_across_worker_processes() {
    let Some(server) = postgres_url() else { return };
    // $0.039 an image (gemini-2.5-flash-image's list price): $0.12 buys three, whoever works.
    let fake = GeminiFake::start().await;
    fake.set_default(Reply::Slow(
        Duration::from_millis(300),
        Box::new(Reply::Image),
    ));
    let t = setup(&server, 10, 30);
    cloudy(&t, &fake, "", "gemini:gemini-2.5-flash-image");
    let out = t
        .command(&[
            "--json",
            "generate",
            "--style",
            "cloudy",
            "--enqueue-only",
            "--max-cost",
            "0.12",
        ])
        .env("GEMINI_API_KEY", "test-key")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let key = [("GEMINI_API_KEY", "test-key")];
    let mut workers: Vec<Machine> = (0..3).map(|_| worker(&t, &key)).collect();
    let db = t.open_db().await;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let counts = db.jobs_by_status().await.unwrap();
        if counts["running"] == 0 && counts["succeeded"] >= 3 || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    for w in &mut workers {
        w.kill();
    }
    let counts = db.jobs_by_status().await.unwrap();
    assert_eq!(
        counts["succeeded"], 3,
        "three images fit in $0.12: {counts:?}"
    );
    assert_eq!(
        counts["queued"], 7,
        "the rest wait for more budget: {counts:?}"
    );
    assert_eq!(fake.requests().len(), 3, "no request beyond the budget");
    // What waits for budget does not keep a draining worker alive.
    let drain = t
        .another_machine()
        .command(&["worker", "--drain"])
        .env("GEMINI_API_KEY", "test-key")
        .output()
        .unwrap();
    assert!(
        drain.status.success(),
        "{}",
        String::from_utf8_lossy(&drain.stderr)
    );
    assert_eq!(db.jobs_by_status().await.unwrap()["queued"], 7);
    db.close().await;
}
