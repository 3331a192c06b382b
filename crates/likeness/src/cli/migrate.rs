//! `likeness migrate store --to URL`: copy every object of the configured store into another
//! (when moving from the local folder to S3, or between buckets), without changing the source.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use clap::Subcommand;
use likeness::config::Config;
use likeness::store::migrate::{self, Summary};
use likeness::store::settings::Given;
use likeness::store::{Access, StorageSettings, Store};

use super::Output;

#[derive(Debug, Subcommand)]
pub enum MigrateWhat {
    /// Copy every object (images, variants, reference photos) from the configured store into
    /// another. Resumable and idempotent: run it again to finish an interrupted copy; a run
    /// with nothing left to do copies nothing. Each copy is read back and its SHA-256 checked.
    /// The source is only read.
    #[command(after_help = "\
Examples:
  AWS_ACCESS_KEY_ID=… AWS_SECRET_ACCESS_KEY=… \\
    likeness migrate store --to s3://avatars/public   # private objects go to s3://avatars/private
  likeness --storage-url s3://avatars/public migrate store --to file:///srv/likeness-copy/assets

The destination's S3 settings (endpoint, region, credentials) are the [storage] section's and the
AWS_* variables, as for the configured store. Then set storage.url to the destination.")]
    Store {
        /// Destination of the public objects: file://PATH or s3://BUCKET/PREFIX.
        #[arg(long, value_name = "URL")]
        to: String,
        /// Destination of the private objects (default: `private` beside --to).
        #[arg(long, value_name = "URL")]
        to_private: Option<String>,
    },
    /// Copy every row (subjects, runs, jobs, assets and their costs) from the configured
    /// database into another, e.g. SQLite to PostgreSQL; verified, resumable, idempotent.
    Db(super::migrate_db::MigrateDbArgs),
}

/// `migrate store`. (`migrate db` needs the database open, and goes through `migrate_db`.)
pub async fn store(
    data_dir: &Path,
    config: Option<&Path>,
    overrides: &likeness::app::Overrides,
    out: &Output,
    to: String,
    to_private: Option<String>,
) -> anyhow::Result<ExitCode> {
    let config = Config::load(config, data_dir)?;
    let from = Store::open(
        &overrides.storage(&config, data_dir)?,
        data_dir,
        Access::ReadOnly,
    )?;
    let dest = StorageSettings::at(
        &config.storage,
        Some(Given {
            setting: "--to",
            url: &to,
        }),
        to_private.as_deref().map(|url| Given {
            setting: "--to-private",
            url,
        }),
        data_dir,
        &|k| std::env::var(k).ok(),
    )
    .map_err(likeness::Error::Config)?;
    migrate::check_destination(&from, &dest)?;
    let to = Store::open(&dest, data_dir, Access::ReadWrite)?;
    if !out.json {
        eprintln!("copying {} → {}", from.describe(), to.describe());
    }
    let ticker = Ticker::new(out.json);
    let outcome = migrate::copy_all(&from, &to, &|s, seen| ticker.tick(s, seen)).await?;
    let s = outcome.summary;
    out.emit(&s, || {
        println!(
            "{} objects: {} copied, {} already present, {} verified",
            outcome.listed, s.copied, s.already_present, s.verified
        )
    })?;
    if outcome.failed.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    for (key, why) in &outcome.failed {
        eprintln!("failed: {key}: {why}");
    }
    eprintln!(
        "{} of {} objects were not copied and verified; run the command again to retry them",
        outcome.failed.len(),
        outcome.listed
    );
    Ok(ExitCode::from(1))
}

/// A progress line on stderr every few seconds (nothing with `--json`, nothing for a quick run).
struct Ticker {
    quiet: bool,
    last: Mutex<Instant>,
}

const EVERY: Duration = Duration::from_secs(2);

impl Ticker {
    fn new(quiet: bool) -> Ticker {
        Ticker {
            quiet,
            last: Mutex::new(Instant::now()),
        }
    }

    fn tick(&self, s: &Summary, seen: u64) {
        if self.quiet {
            return;
        }
        let Ok(mut last) = self.last.lock() else {
            return;
        };
        if last.elapsed() >= EVERY {
            *last = Instant::now();
            eprintln!(
                "{seen} objects so far: {} copied, {} already present",
                s.copied, s.already_present
            );
        }
    }
}
