//! Kill a real `likeness generate` with SIGKILL mid-batch, several times, then finish the run:
//! nothing is lost, nothing is duplicated, no subject gets two current images, and no
//! half-written image is visible.

use crate::util;

use std::process::Stdio;
use std::time::{Duration, Instant};

use util::{TestDir, synthetic_subjects};

const SUBJECTS: usize = 240;
const STYLES: &str = "initials,watercolor";

fn png_count(t: &TestDir) -> usize {
    t.asset_files()
        .iter()
        .filter(|f| f.ends_with(".png"))
        .count()
}

#[test]
fn sigkill_mid_batch_loses_nothing_and_duplicates_nothing() {
    let t = TestDir::new();
    let file = t.write("people.jsonl", &synthetic_subjects(SUBJECTS));
    t.run(&["--json", "import", file.to_str().unwrap()]).ok();
    let args = ["generate", "--style", STYLES, "--concurrency", "3"];
    let total = SUBJECTS * 2;

    // One kill right after start (during planning or the first jobs), then kills at growing
    // numbers of finished images, so every phase of the batch gets interrupted.
    let mut kills = 0;
    let targets = [0, total / 6, total / 3, total / 2, 2 * total / 3];
    for target in targets {
        let mut child = t
            .command(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let started = Instant::now();
        loop {
            if png_count(&t) >= target.max(1) || started.elapsed() > Duration::from_secs(60) {
                break;
            }
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(if target == 0 { 1 } else { 5 }));
        }
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL
            kills += 1;
        }
        child.wait().unwrap();
    }
    assert!(
        kills >= 3,
        "the batch finished too fast to be interrupted ({kills} kills)"
    );
    assert!(
        png_count(&t) < total,
        "some work must remain for the final run"
    );

    let last = t.run(&[
        "--json",
        "generate",
        "--style",
        STYLES,
        "--concurrency",
        "3",
    ]);
    assert_eq!(last.status, 0, "{}\n{}", last.stdout, last.stderr);
    let report = last.json();
    assert_eq!(
        report["version"], 1,
        "the interrupted run is resumed, not re-planned: {report}"
    );
    assert_eq!(report["failed"], 0, "{report}");
    assert_eq!(report["remaining"], 0);

    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let db = t.open_db().await;
        let check = db.integrity().await.unwrap();
        assert_eq!(check.runs, 1, "one run, resumed every time");
        let run_id = db
            .latest_run(report["run_key"].as_str().unwrap())
            .await
            .unwrap()
            .unwrap()
            .id;
        let counts = db.run_counts(&run_id).await.unwrap();
        assert_eq!(counts.succeeded as usize, total, "{counts:?}");
        assert_eq!(counts.remaining(), 0);

        // Exactly one current image per subject and style, for every subject and style.
        assert_eq!(check.current.len(), total);
        assert!(check.doubled_currents.is_empty(), "{check:?}");
        // No job produced two successful assets (no duplicated work recorded).
        assert!(check.jobs_succeeded_twice.is_empty(), "{check:?}");
        assert!(check.succeeded_without_asset.is_empty(), "{check:?}");
        // Every current asset's file exists and is a complete PNG of the recorded size.
        for a in &check.current {
            let dims = t.asset_png_dimensions(&a.storage_key);
            assert_eq!(dims, (a.width as u32, a.height as u32));
        }
        db.close().await;
    });
    // No half-written file anywhere in the asset folder: every file is a complete PNG.
    for f in t.asset_files() {
        assert!(f.ends_with(".png"), "stray file in the asset folder: {f}");
        t.asset_png_dimensions(&f);
    }
}
