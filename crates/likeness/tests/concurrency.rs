//! Several processes on one data directory: two `generate`s of the same command share one run
//! (the second resumes the first's instead of planning its own), and an import running beside
//! them is not disturbed. (The planning race itself — both processes planning version 1 — is
//! closed by taking the write lock before looking for an unfinished run; its window is too short
//! to hit reliably from a test, so this checks the behaviour, not the race.)

mod util;

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
    assert_eq!(
        reports[0]["run_id"], reports[1]["run_id"],
        "one run: {reports:?}"
    );
    assert_eq!(reports[0]["version"], 1);
    let resumed = reports.iter().filter(|r| r["resumed"] == true).count();
    assert_eq!(
        resumed, 1,
        "the second process resumed the first one's run: {reports:?}"
    );
    for r in &reports {
        assert_eq!(r["failed"], 0, "{r}");
    }
    // Every planned job done once; exactly one current image per subject and style.
    let runs = t.run(&["--json", "runs"]).ok().json();
    assert_eq!(runs.as_array().unwrap().len(), 1, "{runs}");
    assert_eq!(runs[0]["counts"]["succeeded"], 300, "{runs}");
    let pngs = t
        .asset_files()
        .iter()
        .filter(|f| f.ends_with(".png"))
        .count();
    assert_eq!(
        pngs, 300,
        "one file per subject and style (deterministic renders share keys)"
    );
    let history = t.run(&["--json", "history", "s00007"]).ok().json();
    let entries = history.as_array().unwrap();
    assert_eq!(entries.len(), 2, "one attempt per style: {history}");
    assert!(entries.iter().all(|e| e["current"] == true));
}
