//! `likeness runs`: the batches, newest first.

use std::process::ExitCode;

use likeness::App;
use likeness::db::runs::{Run, RunCounts};
use serde::Serialize;

use super::output::{Output, duration, usd};

#[derive(Debug, Serialize)]
struct RunView {
    #[serde(flatten)]
    run: Run,
    counts: RunCounts,
    actual_cost_usd: f64,
}

pub async fn run(app: &App, out: &Output) -> anyhow::Result<ExitCode> {
    let mut views = Vec::new();
    for run in app.db.runs().await? {
        let counts = app.db.run_counts(&run.id).await?;
        let actual_cost_usd = app.db.run_actual_cost(&run.id).await?;
        views.push(RunView {
            run,
            counts,
            actual_cost_usd,
        });
    }
    out.emit(&views, || {
        if views.is_empty() {
            println!("no runs yet; `likeness generate` starts one");
        }
        for v in &views {
            let r = &v.run;
            let styles: Vec<String> = r.styles.iter().map(|s| format!("{}@v{}", s.name, s.version)).collect();
            println!(
                "{} {} v{} [{}] {} | planned {} ok {} failed {} skipped {} queued {} | est {} actual {} | {}{}",
                r.started_at,
                r.run_key,
                r.version,
                r.status,
                styles.join(","),
                r.planned,
                v.counts.succeeded,
                v.counts.failed,
                v.counts.skipped,
                v.counts.remaining(),
                usd(r.estimated_cost_usd),
                usd(v.actual_cost_usd),
                r.duration_ms.map(duration).unwrap_or_else(|| "unfinished".into()),
                r.notes.as_ref().map(|n| format!(" | {n}")).unwrap_or_default()
            );
        }
    })?;
    Ok(ExitCode::SUCCESS)
}
