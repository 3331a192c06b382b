//! A provider's pace shared by processes through the database (on the stack under test): two
//! `Db` handles stand for two processes, each with its own `Limiter`, as two `likeness worker`s
//! on two machines would have.

use std::sync::Arc;
use std::time::Duration;

use likeness::provider::limiter::{DECREASE, Limiter};
use likeness::shared_pace::SharedPace;

use crate::util::TestDir;

/// A test directory whose database can be opened before any command made it.
fn test_dir() -> TestDir {
    let t = TestDir::new();
    std::fs::create_dir_all(t.data_dir()).unwrap();
    t
}

async fn two_processes(t: &TestDir, per_minute: f64) -> (Limiter, Limiter) {
    let (a, b) = (
        Limiter::new(per_minute, per_minute),
        Limiter::new(per_minute, per_minute),
    );
    a.share(
        Arc::new(SharedPace::new(t.open_db().await)),
        "provider:p".into(),
    );
    b.share(
        Arc::new(SharedPace::new(t.open_db().await)),
        "provider:p".into(),
    );
    (a, b)
}

#[tokio::test]
async fn slots_from_two_processes_are_spaced_by_one_interval() {
    let t = test_dir();
    let (a, b) = (t.open_db().await, t.open_db().await);
    // Ten seconds apart, so that how long the calls themselves take does not matter.
    let first = a.take_slot("provider:p", 10_000.0).await.unwrap();
    let second = b.take_slot("provider:p", 10_000.0).await.unwrap();
    let third = a.take_slot("provider:p", 10_000.0).await.unwrap();
    assert_eq!((first.factor, first.cut_until_ms), (1.0, 0));
    assert_eq!(
        (
            second.slot_ms - first.slot_ms,
            third.slot_ms - second.slot_ms
        ),
        (10_000, 10_000)
    );
}

#[tokio::test]
async fn a_429_in_one_process_slows_the_other_and_a_burst_cuts_once() {
    let t = test_dir();
    let (a, b) = two_processes(&t, 6_000.0).await;
    a.acquire().await;
    b.acquire().await;
    a.throttled(Some(Duration::from_millis(300))).await;
    assert!((a.pace().factor - DECREASE).abs() < 1e-9, "{:?}", a.pace());
    // The other process learns the factor with its next slot, and waits out the hold.
    let asked = std::time::Instant::now();
    b.acquire().await;
    assert!((b.pace().factor - DECREASE).abs() < 1e-9, "{:?}", b.pace());
    assert!(
        asked.elapsed() >= Duration::from_millis(250),
        "{:?}",
        asked.elapsed()
    );
    // The same burst, seen by the other process: a hold, not a second cut.
    b.throttled(Some(Duration::from_millis(300))).await;
    assert!((b.pace().factor - DECREASE).abs() < 1e-9, "{:?}", b.pace());
}

#[tokio::test]
async fn successes_count_for_the_whole_fleet_and_win_the_rate_back_for_everyone() {
    let t = test_dir();
    let (a, b) = two_processes(&t, 6_000.0).await;
    a.acquire().await;
    a.throttled(None).await;
    for _ in 0..5 {
        a.succeeded().await;
        b.succeeded().await;
    }
    // Ten successes below the ceiling (1.0) win 10 × 0.02 back for both: each process sees
    // the shared factor as of its own last call (`a` made the ninth, `b` the tenth).
    assert!((a.pace().factor - 0.88).abs() < 1e-9, "{:?}", a.pace());
    assert!((b.pace().factor - 0.9).abs() < 1e-9, "{:?}", b.pace());
    let db = t.open_db().await;
    let counted = db
        .pace_succeeded("provider:p", 0.0, 0.0, 0)
        .await
        .unwrap()
        .expect("the pace exists");
    assert_eq!(counted.count, 11, "both processes' successes in one count");
}

#[tokio::test]
async fn the_ceiling_holds_every_process_below_the_refused_rate_until_probing() {
    use likeness::db::shared::PaceCut;
    let t = test_dir();
    let (a, b) = (t.open_db().await, t.open_db().await);
    a.take_slot("provider:p", 100.0).await.unwrap();
    let refused = |under| PaceCut {
        under,
        decrease: 0.7,
        floor: 0.05,
        refused_share: 0.97,
        hold_ms: 0,
        cut_for_ms: 0,
    };
    // Refused at 1.0, having seen 0.5 accepted: both the rate and the ceiling go to 0.5.
    assert_eq!(
        a.pace_throttled("provider:p", &refused(Some(0.5)))
            .await
            .unwrap(),
        0.5
    );
    let after = b
        .pace_succeeded("provider:p", 0.02, 0.002, 60_000)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        after.factor, 0.5,
        "no win above the ceiling within a minute of the cut"
    );
    // Probing allowed (no wait): 0.2 % a success above the ceiling. Each handle measured its
    // own offset to the server's clock at open, a millisecond or two apart: let `b`'s clock
    // pass the cut `a` stamped, as any real probe (a minute later) does.
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let probed = b
        .pace_succeeded("provider:p", 0.02, 0.002, 0)
        .await
        .unwrap()
        .unwrap();
    assert!((probed.factor - 0.502).abs() < 1e-9, "{probed:?}");
    // Refused again without a measurement: 70 %, and the ceiling just under the refused rate,
    // back up to which successes climb 2 % at a time.
    let cut = a
        .pace_throttled("provider:p", &refused(None))
        .await
        .unwrap();
    assert!((cut - 0.502 * 0.7).abs() < 1e-9, "{cut}");
    let mut factor = cut;
    for _ in 0..20 {
        factor = b
            .pace_succeeded("provider:p", 0.02, 0.002, 60_000)
            .await
            .unwrap()
            .unwrap()
            .factor;
    }
    assert!((factor - 0.502 * 0.97).abs() < 1e-9, "{factor}");
}
