//! Several processes on one data directory: two `generate`s of the same command never plan the
//! same work twice (the second normally resumes the first's run), and an import running beside
//! them is not disturbed. (The planning race itself — both processes planning version 1 — is
//! closed by taking the write lock before looking for an unfinished run; its window is too short
//! to hit reliably from a test, so this checks the behaviour, not the race.)

use crate::util;

use std::process::Stdio;

use util::{TestDir, synthetic_subjects};

#[test]
fn two_generates_share_one_run_beside_an_import() {
    let t = TestDir::new();
    let file = t.write("people.jsonl", &synthetic_subjects(150));
    t.run(&["--json", "import", file.to_str().unwrap()]).ok();
    let more: String = (0..100)
        .map(|i| {
            format!("{{\"id\":\"late-{i}\",\"name\":\"Late Comer {i}\",\"gender\":\"female\"}}\n")
        })
        .collect();
    let more = t.write("more.jsonl", &more);

    let args = [
        "--json",
        "generate",
        "--style",
        "initials,watercolor",
        "--concurrency",
        "2",
    ];
    let a = t
        .command(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Start the second one once the first is demonstrably mid-batch.
    let started = std::time::Instant::now();
    while t.asset_files().len() < 10 && started.elapsed() < std::time::Duration::from_secs(60) {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let b = t
        .command(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let import = t.run(&["--json", "import", more.to_str().unwrap()]);
    let a = a.wait_with_output().unwrap();
    let b = b.wait_with_output().unwrap();

    assert_eq!(import.status, 0, "import beside a batch: {}", import.stdout);
    assert_eq!(import.json()["imported"], 100);
    let reports: Vec<serde_json::Value> = [&a, &b]
        .iter()
        .map(|o| {
            assert_eq!(
                o.status.code(),
                Some(0),
                "{}",
                String::from_utf8_lossy(&o.stderr)
            );
            serde_json::from_slice(&o.stdout).unwrap()
        })
        .collect();
    for r in &reports {
        assert_eq!(r["failed"], 0, "{r}");
    }
    let runs = t.run(&["--json", "runs"]).ok().json();
    let runs = runs.as_array().unwrap();
    if reports[0]["run_id"] == reports[1]["run_id"] {
        // The usual case: the second process resumed the first one's run and they shared it.
        assert_eq!(
            reports.iter().filter(|r| r["resumed"] == true).count(),
            1,
            "{reports:?}"
        );
        assert_eq!(runs.len(), 1, "{runs:?}");
    } else {
        // SQLite gives no fairness between writers: if the second process only got the write
        // lock after the first finished, it correctly planned the next version, which then
        // covers only what was still missing (the late subjects).
        assert_eq!(runs.len(), 2, "{runs:?}");
        let second = runs.iter().find(|r| r["version"] == 2).expect("version 2");
        assert_eq!(second["skipped"], 300, "{second}");
    }
    let succeeded: i64 = runs
        .iter()
        .map(|r| r["counts"]["succeeded"].as_i64().unwrap())
        .sum();
    let pngs = t
        .asset_files()
        .iter()
        .filter(|f| f.ends_with(".png"))
        .count();
    assert_eq!(
        pngs as i64, succeeded,
        "one file per job: nothing drawn twice"
    );
    // Every original subject has exactly one current image per style.
    for id in ["s00000", "s00007", "s00149"] {
        let history = t.run(&["--json", "history", id]).ok().json();
        let entries = history.as_array().unwrap();
        assert_eq!(entries.len(), 2, "one attempt per style: {history}");
        assert!(entries.iter().all(|e| e["current"] == true));
    }
}

/// Several jobs claimed in one statement come in plan order, each leased to the claimer with
/// its attempt counted; the next claim takes the next ones; one handed back unworked is queued
/// again with its attempt uncounted, and is the first of the next claim. (The worker claims
/// this way when its jobs are fast: `pipeline/worker/claims.rs`.)
#[test]
fn jobs_claimed_together_come_in_order_and_go_back_uncounted() {
    let t = TestDir::new();
    let file = t.write("people.jsonl", &synthetic_subjects(7));
    t.run(&["--json", "import", file.to_str().unwrap()]).ok();
    let planned = t
        .run(&[
            "--json",
            "generate",
            "--style",
            "initials",
            "--enqueue-only",
        ])
        .ok()
        .json();
    let run_id = planned["run_id"].as_str().expect("a run id").to_string();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let db = t.open_db().await;
        let order = db.job_ids(&run_id).await.unwrap();
        assert_eq!(order.len(), 7);
        let worker = "elsewhere/1/batch";
        let first = db
            .claim_some(Some(&run_id), worker, 60_000, 5)
            .await
            .unwrap();
        let ids: Vec<&str> = first.iter().map(|j| j.id.as_str()).collect();
        assert_eq!(
            ids,
            order[..5].iter().map(String::as_str).collect::<Vec<_>>()
        );
        for job in &first {
            assert_eq!(job.attempts, 1);
            assert!(job.subject.is_some(), "the claim carries the subject");
            let row = db.job(&job.id).await.unwrap().unwrap();
            assert_eq!((row.status.as_str(), row.attempts), ("running", 1));
        }
        db.release_job(&first[4], worker).await.unwrap();
        let row = db.job(&first[4].id).await.unwrap().unwrap();
        assert_eq!((row.status.as_str(), row.attempts), ("queued", 0));
        let next = db
            .claim_some(Some(&run_id), worker, 60_000, 16)
            .await
            .unwrap();
        let ids: Vec<&str> = next.iter().map(|j| j.id.as_str()).collect();
        assert_eq!(ids, [&order[4], &order[5], &order[6]]);
        assert!(
            db.claim_some(Some(&run_id), worker, 60_000, 16)
                .await
                .unwrap()
                .is_empty()
        );
        db.close().await;
    });
}
