//! `likeness import`: read subjects from files or folders into the database.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use likeness::App;
use likeness_subjects::{Kind, ReadOptions};

use super::output::Output;

#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  likeness import ./synthea/fhir                       # folders are read recursively
  likeness import players.csv --cohort nba
  likeness import roster.csv --map id=player_id --map name=full_name

Re-importing is safe: unchanged subjects are left alone and changed ones are updated.
Bad records are reported with file and reason; the rest of the import goes on.")]
pub struct ImportArgs {
    /// Files or folders to read.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Format of the files (default: detected per file from its extension and content).
    #[arg(long, value_name = "fhir|csv|jsonl")]
    kind: Option<Kind>,
    /// Add every imported subject to this cohort.
    #[arg(long, value_name = "NAME")]
    cohort: Option<String>,
    /// Which column holds a field, for CSV and JSONL (fields: id, name, first_name, last_name,
    /// gender, birth_date, deceased_date, cohorts). Repeat for several.
    #[arg(long = "map", value_name = "FIELD=COLUMN")]
    map: Vec<String>,
}

pub async fn run(app: &App, out: &Output, args: ImportArgs) -> anyhow::Result<ExitCode> {
    let mut map = BTreeMap::new();
    for m in &args.map {
        let Some((field, column)) = m.split_once('=') else {
            anyhow::bail!("--map expects FIELD=COLUMN (e.g. id=player_id), got {m:?}");
        };
        map.insert(field.trim().to_string(), column.trim().to_string());
    }
    let options = ReadOptions {
        kind: args.kind,
        cohort: args.cohort.clone(),
        map,
    };
    let report = likeness::import::import(app, args.paths, options).await?;
    out.emit(&report, || {
        println!(
            "imported {}, updated {}, unchanged {}, rejected {} ({} files)",
            report.imported,
            report.updated,
            report.unchanged,
            report.rejected.len(),
            report.files
        );
        for r in &report.rejected {
            println!("  rejected: {} {}: {}", r.file, r.record, r.reason);
        }
        for n in &report.notices {
            println!("  note: {}: {}", n.file, n.message);
        }
    })?;
    Ok(ExitCode::SUCCESS)
}
