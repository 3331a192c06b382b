//! `likeness runs`: the batches, newest first.

use std::process::ExitCode;

use likeness::App;
use likeness::views::{RunView, SpendingView};

use super::output::{Output, duration, usd};

#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  likeness runs                    # every batch, newest first
  likeness runs --costs            # spending of the last 30 days by provider and model, and the month it projects to
  likeness runs --costs --days 7 --json")]
pub struct RunsArgs {
    /// Show spending by provider and model and a monthly projection instead of the runs.
    #[arg(long)]
    costs: bool,
    /// The window of `--costs`, in days.
    #[arg(long, value_name = "N", default_value_t = 30, requires = "costs")]
    days: u32,
}

pub async fn run(app: &App, out: &Output, args: RunsArgs) -> anyhow::Result<ExitCode> {
    if args.costs {
        let s = app
            .db
            .spending(args.days.max(1), chrono::Utc::now())
            .await
            .map(SpendingView::from)?;
        out.emit(&s, || {
            println!(
                "last {} days: {} on {} images ({} a day over {:.1} active days)",
                s.days,
                usd(s.total_usd),
                s.by_model.iter().map(|m| m.images).sum::<i64>(),
                usd(s.per_day_usd),
                s.active_days
            );
            println!("projected month: {}", usd(s.projected_month_usd));
            for m in &s.by_model {
                println!(
                    "  {:<10} {:<28} {:>7} images  {}",
                    m.provider,
                    m.model,
                    m.images,
                    usd(m.cost_usd)
                );
            }
        })?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut views = Vec::new();
    for run in app.db.runs().await? {
        let counts = app.db.run_counts(&run.id).await?;
        let actual_cost_usd = app.db.run_actual_cost(&run.id).await?;
        views.push(RunView::new(run, counts, actual_cost_usd));
    }
    out.emit(&views, || {
        if views.is_empty() {
            println!("no runs yet; `likeness generate` starts one");
        }
        for v in &views {
            let r = v;
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
                v.remaining(),
                usd(r.estimated_cost_usd),
                usd(v.actual_cost_usd),
                r.duration_ms.map(duration).unwrap_or_else(|| "unfinished".into()),
                r.notes.as_ref().map(|n| format!(" | {n}")).unwrap_or_default()
            );
        }
    })?;
    Ok(ExitCode::SUCCESS)
}
