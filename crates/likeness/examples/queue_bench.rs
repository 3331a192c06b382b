//! The job queue's own overhead, for `bench/queue.sh` (not a test): no-op jobs through the
//! library's queue calls, on SQLite or PostgreSQL.
//!
//!   queue_bench enqueue --url URL --jobs N
//!   queue_bench work    --url URL [--concurrency C] [--seconds S] [--pool P]
//!                       [--worker-calls] [--out FILE] [--label TEXT]
//!   queue_bench latency --url URL [--count N] [--gap-ms MIN:MAX] [--style NAME]
//!
//! `enqueue` writes N subjects (`qb-000001`…, once per database) and one run of N jobs with
//! `Db::create_run`, as `generate` plans one, and prints one JSON line.
//!
//! `work` is one worker process: C tasks, each claiming (`Db::claim`, any run) and completing
//! (`Db::record_attempt` with a stored no-op asset: no image, no store) until a claim finds
//! the queue empty or S seconds have passed, with the heartbeat task a real worker runs. With
//! `--worker-calls` each job also makes the other database calls `pipeline::worker` makes
//! around a job: the subject read, the "running" and "succeeded" job events (NOTIFY on
//! PostgreSQL) and the run-finished check (`run_unfinished`). Prints one JSON line: jobs done,
//! the first claim and last completion (unix µs), jobs/s, claim→complete latency p50/p99 and the
//! claim's own p50/p99 (µs), and the process's CPU seconds;
//! `--out` also writes every latency (µs, one a line) for merging processes' figures.
//!
//! `latency` measures enqueue→start with idle workers elsewhere (`likeness worker` processes
//! on the same PostgreSQL database): N times, it commits a one-job run of STYLE with
//! `create_run`, takes the instant after the commit, and waits for the job's `running` event,
//! which the worker publishes right after its claim and which reaches this process through
//! LISTEN/NOTIFY; then it waits for the job to finish and sleeps a random gap (MIN–MAX ms) so
//! the workers are idle again, at any phase of their poll. The claim time is also read from
//! the database afterwards (the asset's `created_at` minus its `total_ms`, on the database's
//! clock, ms resolution). The trip of one NOTIFY is measured first (this process to itself),
//! so it can be told apart from the workers' wake-up.

use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use likeness::db::assets::{NewAsset, Outcome, Recorded, Stored};
use likeness::db::notify::Notice;
use likeness::db::queue::NewJob;
use likeness::db::runs::{Created, NewRun, RunStyle};
use likeness::db::subjects::OnConflict;
use likeness::db::{DatabaseUrl, Db, Options};
use likeness_subjects::{Source, Subject, SubjectId};
use tokio::sync::mpsc;

type Fallible<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

const LEASE_MS: i64 = 30_000;
const USAGE: &str = "usage: queue_bench enqueue --url URL --jobs N
       queue_bench work --url URL [--concurrency C] [--seconds S] [--pool P] [--worker-calls] [--out FILE] [--label TEXT]
       queue_bench latency --url URL [--count N] [--gap-ms MIN:MAX] [--style NAME]";

struct Args {
    mode: String,
    flags: HashMap<String, String>,
}

impl Args {
    fn parse() -> Fallible<Args> {
        let mut it = std::env::args().skip(1);
        let mode = it.next().ok_or(USAGE)?;
        let mut flags = HashMap::new();
        while let Some(flag) = it.next() {
            let name = flag
                .strip_prefix("--")
                .ok_or_else(|| format!("unexpected {flag:?}\n{USAGE}"))?;
            if name == "worker-calls" {
                flags.insert(name.to_string(), "1".to_string());
                continue;
            }
            let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
            flags.insert(name.to_string(), value);
        }
        Ok(Args { mode, flags })
    }

    fn text(&self, name: &str) -> Option<&str> {
        self.flags.get(name).map(String::as_str)
    }

    fn num<T: std::str::FromStr>(&self, name: &str, default: T) -> Fallible<T> {
        match self.text(name) {
            None => Ok(default),
            Some(v) => v
                .parse()
                .map_err(|_| format!("--{name} {v:?} is not a number").into()),
        }
    }
}

fn main() -> ExitCode {
    let args = match Args::parse() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("queue_bench: {e}");
            return ExitCode::FAILURE;
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let done = runtime.block_on(async {
        match args.mode.as_str() {
            "enqueue" => enqueue(&args).await,
            "work" => work(&args).await,
            "latency" => latency(&args).await,
            other => Err(format!("unknown mode {other:?}\n{USAGE}").into()),
        }
    });
    match done {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("queue_bench: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn open(args: &Args, pool: u32) -> Fallible<Db> {
    let url = args.text("url").ok_or("--url is required")?;
    let options = Options {
        url: DatabaseUrl::parse(url, std::path::Path::new("."))?,
        max_connections: pool,
        statement_timeout: Duration::from_secs(60),
        idle_in_transaction_timeout: Duration::from_secs(60),
    };
    Ok(Db::open(&options).await?)
}

fn unix_us() -> i64 {
    chrono::Utc::now().timestamp_micros()
}

/// Subjects `qb-000001`… up to `n`, written in batches (an upsert locks each subject's key
/// for its transaction, and PostgreSQL's lock table is not sized for 20,000 at once).
async fn ensure_subjects(db: &Db, prefix: &str, n: usize) -> Fallible<Vec<String>> {
    let ids: Vec<String> = (1..=n).map(|i| format!("{prefix}-{i:06}")).collect();
    for chunk in ids.chunks(500) {
        let subjects = chunk
            .iter()
            .map(|id| Ok(Subject::new(SubjectId::new(id.clone())?, Source::Api)))
            .collect::<Fallible<Vec<_>>>()?;
        db.upsert_subjects(&subjects, OnConflict::Skip).await?;
    }
    Ok(ids)
}

fn run_style(name: &str) -> Fallible<RunStyle> {
    let catalog = likeness_styles::Catalog::builtin();
    Ok(match catalog.get(name) {
        Ok(s) => RunStyle {
            name: s.name.clone(),
            version: s.version,
            fingerprint: s.fingerprint.clone(),
            prompt_template: s.prompt.clone(),
        },
        // The overhead benchmark's jobs are never rendered: any name will do.
        Err(_) => RunStyle {
            name: name.to_string(),
            version: 1,
            fingerprint: String::new(),
            prompt_template: String::new(),
        },
    })
}

fn new_run(key: String, style: RunStyle, planned: usize) -> NewRun {
    NewRun {
        id: uuid::Uuid::now_v7().to_string(),
        run_key: key,
        styles: vec![style],
        provider: None,
        size: None,
        selection: serde_json::json!({ "bench": "queue" }),
        notes: None,
        planned: planned as i64,
        skipped: 0,
        estimated_cost_usd: 0.0,
        job_options: None,
        max_attempts: 3,
    }
}

async fn enqueue(args: &Args) -> Fallible<()> {
    let n: usize = args.num("jobs", 10_000)?;
    let style = args.text("style").unwrap_or("bench-noop");
    let db = open(args, 4).await?;
    let t0 = Instant::now();
    let ids = ensure_subjects(&db, "qb", n).await?;
    let subjects_s = t0.elapsed().as_secs_f64();
    let jobs: Vec<NewJob> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| NewJob {
            id: uuid::Uuid::now_v7().to_string(),
            seq: i as i64,
            subject_id: id.clone(),
            style: style.to_string(),
            skip_reason: None,
        })
        .collect();
    let t1 = Instant::now();
    let key = format!("queue-bench-{}", uuid::Uuid::now_v7().simple());
    let created = db
        .create_run(new_run(key, run_style(style)?, n), &jobs, false)
        .await?;
    let enqueue_s = t1.elapsed().as_secs_f64();
    let Created::Run(run) = created else {
        return Err("a fresh run key was taken".into());
    };
    println!(
        "{}",
        serde_json::json!({
            "mode": "enqueue", "database": db.describe(), "run_id": run.id, "jobs": n,
            "subjects_seconds": subjects_s, "enqueue_seconds": enqueue_s,
            "enqueued_per_second": n as f64 / enqueue_s,
        })
    );
    db.close().await;
    Ok(())
}

/// What one work task saw.
#[derive(Default)]
struct Tally {
    latencies_us: Vec<u64>,
    /// The claim's share of each latency.
    claims_us: Vec<u64>,
    first_claim_us: Option<i64>,
    last_done_us: Option<i64>,
    lease_lost: u64,
}

async fn work(args: &Args) -> Fallible<()> {
    let concurrency: usize = args.num("concurrency", 4)?;
    let seconds: f64 = args.num("seconds", 120.0)?;
    let pool: u32 = args.num("pool", concurrency as u32 + 2)?;
    let worker_calls = args.text("worker-calls").is_some();
    let db = open(args, pool).await?;
    let events = worker_calls.then(|| likeness::events::Events::new(&db));
    let worker = likeness::worker_identity::worker_id();
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let stop = Arc::new(AtomicBool::new(false));
    let empty_claims = Arc::new(AtomicU64::new(0));

    // The real worker's heartbeat runs every lease/3 for the jobs in flight; a no-op job is
    // over long before a beat, so here it has nothing to extend (one statement per process
    // per lease/3 at most, whatever the load: not part of the per-job overhead).
    let heartbeat = {
        let (db, worker, stop) = (db.clone(), worker.clone(), stop.clone());
        tokio::spawn(async move {
            let mut last = Instant::now();
            while !stop.load(Ordering::Relaxed) {
                tokio::time::sleep(Duration::from_millis(100)).await;
                if last.elapsed() >= Duration::from_millis(LEASE_MS as u64 / 3) {
                    let _ = db.heartbeat(&worker, &[], LEASE_MS).await;
                    last = Instant::now();
                }
            }
        })
    };

    let tasks: Vec<_> = (0..concurrency.max(1))
        .map(|_| {
            let (db, worker, events) = (db.clone(), worker.clone(), events.clone());
            let empty_claims = empty_claims.clone();
            tokio::spawn(async move {
                let mut t = Tally::default();
                while Instant::now() < deadline {
                    let started = Instant::now();
                    let started_us = unix_us();
                    let Some(job) = db.claim(None, &worker, LEASE_MS).await? else {
                        empty_claims.fetch_add(1, Ordering::Relaxed);
                        break;
                    };
                    t.first_claim_us.get_or_insert(started_us);
                    t.claims_us.push(started.elapsed().as_micros() as u64);
                    if let Some(events) = &events {
                        events.publish(likeness::events::JobEvent::new(&job, "running"));
                        db.subject(&job.subject_id).await?;
                    }
                    let asset = noop_asset(&job);
                    match db.record_attempt(&worker, job.attempts, &asset).await? {
                        Recorded::Yes => {}
                        Recorded::LeaseLost => t.lease_lost += 1,
                    }
                    if let Some(events) = &events {
                        if !db.run_unfinished(&job.run_id).await?
                            && let Some(run) = db.run(&job.run_id).await?
                        {
                            db.finish_run(&run).await?;
                        }
                        let mut event = likeness::events::JobEvent::new(&job, "succeeded");
                        event.asset_id = Some(asset.id.clone());
                        events.publish(event);
                    }
                    t.latencies_us.push(started.elapsed().as_micros() as u64);
                    t.last_done_us = Some(unix_us());
                }
                Ok::<Tally, likeness::Error>(t)
            })
        })
        .collect();
    let mut all = Tally::default();
    for task in tasks {
        let t = task.await??;
        all.latencies_us.extend(t.latencies_us);
        all.claims_us.extend(t.claims_us);
        all.lease_lost += t.lease_lost;
        all.first_claim_us = match (all.first_claim_us, t.first_claim_us) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        all.last_done_us = all.last_done_us.max(t.last_done_us);
    }
    stop.store(true, Ordering::Relaxed);
    heartbeat.await?;
    // Let the last job events leave before the pool closes.
    if events.is_some() {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    if let Some(path) = args.text("out") {
        let text: String = all
            .latencies_us
            .iter()
            .map(|us| format!("{us}\n"))
            .collect();
        std::fs::write(path, text)?;
    }
    let jobs = all.latencies_us.len();
    let span_s = match (all.first_claim_us, all.last_done_us) {
        (Some(a), Some(b)) => (b - a) as f64 / 1e6,
        _ => 0.0,
    };
    let mut sorted = all.latencies_us;
    sorted.sort_unstable();
    let mut claims = all.claims_us;
    claims.sort_unstable();
    println!(
        "{}",
        serde_json::json!({
            "mode": "work", "label": args.text("label").unwrap_or(""),
            "pid": std::process::id(), "concurrency": concurrency, "pool": pool,
            "worker_calls": worker_calls, "jobs": jobs, "lease_lost": all.lease_lost,
            "empty_claims": empty_claims.load(Ordering::Relaxed),
            "first_claim_us": all.first_claim_us, "last_done_us": all.last_done_us,
            "seconds": span_s,
            "jobs_per_second": if span_s > 0.0 { jobs as f64 / span_s } else { 0.0 },
            "p50_us": percentile(&sorted, 50.0), "p99_us": percentile(&sorted, 99.0),
            "max_us": sorted.last().copied().unwrap_or(0),
            "claim_p50_us": percentile(&claims, 50.0), "claim_p99_us": percentile(&claims, 99.0),
            "cpu_seconds": cpu_seconds(),
        })
    );
    db.close().await;
    Ok(())
}

/// CPU time this process has used (user + system), in seconds.
fn cpu_seconds() -> f64 {
    // SAFETY: getrusage only writes into the struct it is handed.
    let usage = unsafe {
        let mut u: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut u);
        u
    };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(usage.ru_utime) + secs(usage.ru_stime)
}

/// A success with nothing behind it: the row a stored image would get, without the image.
fn noop_asset(job: &likeness::db::queue::ClaimedJob) -> NewAsset {
    NewAsset {
        id: uuid::Uuid::now_v7().to_string(),
        subject_id: job.subject_id.clone(),
        run_id: job.run_id.clone(),
        job_id: job.id.clone(),
        style: job.style.clone(),
        style_version: 1,
        provider: "bench".into(),
        model: "noop".into(),
        seed: "0".into(),
        prompt: String::new(),
        negative_prompt: None,
        total_ms: 0,
        cost_usd: 0.0,
        details: None,
        outcome: Outcome::Stored(Stored {
            width: 1,
            height: 1,
            bytes: 0,
            content_hash: "0".repeat(64),
            storage_key: format!("bench/{}.png", job.id),
            content_type: "image/png".into(),
            render_us: 0,
            encode_us: 0,
        }),
    }
}

/// The value at `p` % of a sorted list (nearest rank).
fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// A job event as it travels between processes (`events::Envelope`).
#[derive(serde::Deserialize)]
struct Envelope {
    origin: String,
    event: EventFields,
}

#[derive(serde::Deserialize)]
struct EventFields {
    job_id: String,
    status: String,
}

async fn latency(args: &Args) -> Fallible<()> {
    let count: usize = args.num("count", 200)?;
    let style = run_style(args.text("style").unwrap_or("initials"))?;
    let (gap_min, gap_max) = match args.text("gap-ms") {
        None => (20, 300),
        Some(g) => {
            let (a, b) = g.split_once(':').ok_or("--gap-ms MIN:MAX")?;
            (a.parse::<u64>()?, b.parse::<u64>()?)
        }
    };
    let db = open(args, 4).await?;
    if !db.is_postgres() {
        return Err(
            "latency needs PostgreSQL (workers in other processes hear of work by NOTIFY)".into(),
        );
    }
    let subjects = ensure_subjects(&db, "lat", 20).await?;

    // Every job event any process publishes, stamped on arrival.
    let (tx, mut heard) = mpsc::unbounded_channel::<(Instant, String, String, String)>();
    let mut listener = db.listen().await?.ok_or("no listener")?;
    tokio::spawn(async move {
        while let Ok(notice) = listener.next().await {
            let at = Instant::now();
            if let Notice::Event(payload) = notice
                && let Ok(e) = serde_json::from_str::<Envelope>(&payload)
            {
                let _ = tx.send((at, e.origin, e.event.job_id, e.event.status));
            }
        }
    });

    // One NOTIFY's trip, this process to itself.
    let me = format!("queue-bench-{}", std::process::id());
    let mut notify_us = Vec::new();
    for i in 0..50 {
        let job_id = format!("ping-{i}");
        let payload = serde_json::json!({
            "origin": me, "event": { "job_id": job_id, "run_id": "", "subject_id": "",
            "style": "", "status": "ping" }
        });
        let sent = Instant::now();
        db.publish_event(&payload.to_string()).await?;
        loop {
            let (at, origin, id, _) = tokio::time::timeout(Duration::from_secs(5), heard.recv())
                .await?
                .ok_or("listener ended")?;
            if origin == me && id == job_id {
                notify_us.push((at - sent).as_micros() as u64);
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }

    let mut event_us = Vec::new();
    let mut db_ms = Vec::new();
    let mut missed = 0;
    for i in 0..count {
        let subject = &subjects[i % subjects.len()];
        let job = NewJob {
            id: uuid::Uuid::now_v7().to_string(),
            seq: 0,
            subject_id: subject.clone(),
            style: style.name.clone(),
            skip_reason: None,
        };
        let key = format!("lat-{i}-{}", uuid::Uuid::now_v7().simple());
        db.create_run(
            new_run(key, style.clone(), 1),
            std::slice::from_ref(&job),
            false,
        )
        .await?;
        let committed = Instant::now();
        let committed_ms = db.now_ms();
        let mut started = None;
        let wait_until = committed + Duration::from_secs(10);
        loop {
            let left = wait_until.saturating_duration_since(Instant::now());
            let Ok(Some((at, _, id, status))) = tokio::time::timeout(left, heard.recv()).await
            else {
                break;
            };
            if id != job.id {
                continue;
            }
            if status == "running" && started.is_none() {
                started = Some(at);
            }
            if matches!(status.as_str(), "succeeded" | "failed") {
                break;
            }
        }
        match started {
            Some(at) => event_us.push((at - committed).as_micros() as u64),
            None => missed += 1,
        }
        if let Some(row) = db.job(&job.id).await?
            && let Some(asset_id) = row.asset_id
            && let Some(asset) = db.asset(&asset_id).await?
        {
            let claimed_ms = asset.created_at.millis() - asset.total_ms;
            db_ms.push((claimed_ms - committed_ms).max(0) as u64);
        }
        let gap = gap_min + fastrand::u64(0..=gap_max.saturating_sub(gap_min));
        tokio::time::sleep(Duration::from_millis(gap)).await;
    }
    notify_us.sort_unstable();
    event_us.sort_unstable();
    db_ms.sort_unstable();
    println!(
        "{}",
        serde_json::json!({
            "mode": "latency", "count": count, "missed": missed, "style": style.name,
            "gap_ms": [gap_min, gap_max],
            "notify_trip_us": { "p50": percentile(&notify_us, 50.0), "p99": percentile(&notify_us, 99.0) },
            "enqueue_to_running_event_us": {
                "n": event_us.len(),
                "p50": percentile(&event_us, 50.0), "p90": percentile(&event_us, 90.0),
                "p99": percentile(&event_us, 99.0), "max": event_us.last().copied().unwrap_or(0),
            },
            "enqueue_to_claim_db_ms": {
                "n": db_ms.len(),
                "p50": percentile(&db_ms, 50.0), "p90": percentile(&db_ms, 90.0),
                "p99": percentile(&db_ms, 99.0), "max": db_ms.last().copied().unwrap_or(0),
            },
        })
    );
    db.close().await;
    Ok(())
}
