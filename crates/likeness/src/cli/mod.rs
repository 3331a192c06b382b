//! The `likeness` command line: argument definitions and dispatch. Each command lives in its
//! own module and talks to the library through `App`.

mod adopt;
mod faces;
mod generate;
mod import;
pub mod logs;
mod look;
mod migrate;
mod migrate_db;
mod output;
mod progress;
mod providers;
mod render;
mod runs;
mod serve;
mod styles;
mod subjects;
mod sweep;
mod worker;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use likeness::App;

pub use output::Output;

const ABOUT: &str = "Consistent, audited portraits for patients, players, personas and users.";

const LONG_ABOUT: &str = "\
Consistent, audited portraits for patients, players, personas and users.

likeness imports subjects (FHIR R4, CSV, JSONL), renders a portrait per subject and style with the
built-in offline renderer (no API key needed), stores every image immutably and keeps a full audit
trail of how each one was made. Every generation is a durable job: kill the process at any moment
and run the same command again to resume.

Quick start:
  likeness import ./patients            # FHIR files or folders, CSV, JSONL
  likeness generate                     # every subject, default style, missing images only
  likeness resolve <ID>                 # path of a subject's current image
  likeness history <ID>                 # every attempt, with prompts and errors";

#[derive(Debug, Parser)]
#[command(name = "likeness", version, about = ABOUT, long_about = LONG_ABOUT)]
pub struct Cli {
    /// Data directory: the SQLite database, the image folder and user styles live here.
    #[arg(
        long,
        global = true,
        env = "LIKENESS_DATA_DIR",
        default_value = "likeness-data"
    )]
    pub data_dir: PathBuf,
    /// Config file (TOML). Default: <data-dir>/likeness.toml when it exists.
    #[arg(long, global = true, env = "LIKENESS_CONFIG")]
    pub config: Option<PathBuf>,
    /// The database: sqlite://PATH (default <data-dir>/likeness.db) or
    /// postgres://USER:PASSWORD@HOST:PORT/DB, shared by every server and worker of one
    /// installation. Over env LIKENESS_DATABASE_URL and `[database] url`.
    #[arg(long, global = true, value_name = "URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// Where images are stored: file://PATH or s3://BUCKET/PREFIX (also env
    /// LIKENESS_STORAGE_URL; default: storage.url in the config, else <data-dir>/assets).
    #[arg(long, global = true, value_name = "URL")]
    pub storage_url: Option<String>,
    /// Print one JSON document on stdout instead of text (no progress output).
    #[arg(long, global = true)]
    pub json: bool,
    /// Log lines on stderr as text or as JSON objects (level: env LIKENESS_LOG, e.g. debug).
    #[arg(
        long,
        global = true,
        value_enum,
        env = "LIKENESS_LOG_FORMAT",
        default_value = "text"
    )]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

impl Cli {
    /// Services log what they do; one-shot commands only warnings.
    pub fn default_log_level(&self) -> &'static str {
        if self.is_long_running() {
            "info"
        } else {
            "warn"
        }
    }

    /// The server and the worker run until stopped and log as they go.
    pub fn is_long_running(&self) -> bool {
        matches!(self.command, Command::Serve(_) | Command::Worker(_))
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Import subjects from FHIR R4 (Patient, Bundle, NDJSON), CSV or JSONL files or folders.
    Import(import::ImportArgs),
    /// Generate portraits (missing ones only, unless --force). Resumes an interrupted run.
    Generate(generate::GenerateArgs),
    /// Adopt a folder of existing images (named by subject id, slug, `{id}_{style}` or
    /// `{id}_{slug}_{style}`) as portraits of their subjects; --dry-run shows what it would do.
    Adopt(adopt::AdoptArgs),
    /// List or show imported subjects as likeness sees them.
    Subjects {
        #[command(subcommand)]
        command: subjects::SubjectsCommand,
    },
    /// Print the image that stands for a subject in a style (with the fallback rules).
    Resolve(subjects::ResolveArgs),
    /// Every generation attempt for a subject: prompt, provider, status, errors, path.
    History(subjects::HistoryArgs),
    /// Runs (batches) with version, counts, cost and duration.
    Runs(runs::RunsArgs),
    /// The image providers: settings, pace, price, and whether each can be used here.
    Providers,
    /// The style catalog: list, show, and the exact prompt a subject would get.
    Styles {
        #[command(subcommand)]
        command: styles::StylesCommand,
    },
    /// Run the HTTP service: subjects API, on-demand generation, image serving, health.
    Serve(serve::ServeArgs),
    /// Run queue workers only (scale out beside `serve --workers 0`).
    Worker(worker::WorkerArgs),
    /// Faces in photos: detect, compare two, or check one as a reference photo.
    Faces {
        #[command(subcommand)]
        command: faces::FacesCommand,
    },
    /// The face models: are they present and valid?
    Models {
        #[command(subcommand)]
        command: faces::ModelsCommand,
    },
    /// Draw one image in a style, for trying styles (no import needed).
    Render(render::RenderArgs),
    /// Draw a contact sheet of a style over a spread of ages, genders and skin tones.
    Sheet(render::SheetArgs),
    /// Remove the orphan images a crash left in the store (nothing refers to them).
    Sweep(sweep::SweepArgs),
    /// Move data to another backend: `migrate db --to postgres://…`, `migrate store --to
    /// s3://BUCKET/PREFIX`.
    Migrate {
        #[command(subcommand)]
        what: migrate::MigrateWhat,
    },
}

impl Command {
    /// Commands that only look at the data directory: they open the database read-only, so
    /// they work where it cannot be written.
    fn only_reads(&self) -> bool {
        matches!(
            self,
            Command::Subjects {
                command: subjects::SubjectsCommand::List { .. } | subjects::SubjectsCommand::Show { .. }
            } | Command::Resolve(_)
                | Command::History(_)
                | Command::Runs(_)
                | Command::Providers
                | Command::Styles { .. }
                // The source of a copy is only read (and may be a read-only mount).
                | Command::Migrate {
                    what: migrate::MigrateWhat::Db(_)
                }
        )
    }
}

pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let out = Output::new(cli.json);
    let overrides = likeness::app::Overrides {
        database_url: cli.database_url.clone(),
        storage_url: cli.storage_url.clone(),
    };
    // One-off drawings need the styles, not the database: nothing is created on disk.
    match cli.command {
        Command::Render(args) => {
            let catalog = render::catalog(&cli.data_dir, cli.config.as_deref())?;
            return render::render(&catalog, &out, args).await;
        }
        Command::Sheet(args) => {
            let catalog = render::catalog(&cli.data_dir, cli.config.as_deref())?;
            return render::sheet(&catalog, &out, args).await;
        }
        Command::Faces { command } => {
            return faces::run(&cli.data_dir, cli.config.as_deref(), &out, command).await;
        }
        Command::Models { command } => {
            return faces::models(&cli.data_dir, cli.config.as_deref(), &out, command).await;
        }
        Command::Migrate {
            what: migrate::MigrateWhat::Store { to, to_private },
        } => {
            let config = cli.config.as_deref();
            return migrate::store(&cli.data_dir, config, &overrides, &out, to, to_private).await;
        }
        _ => {}
    }
    // A dry run writes nothing, so it does not create the data directory either.
    let dry_run = matches!(&cli.command, Command::Generate(args) if args.dry_run)
        || matches!(&cli.command, Command::Adopt(args) if args.dry_run);
    let mode = if cli.command.only_reads() || dry_run {
        likeness::app::Mode::ReadOnly
    } else {
        likeness::app::Mode::ReadWrite
    };
    let app = App::open_with(&cli.data_dir, cli.config.as_deref(), mode, &overrides).await?;
    let app = std::sync::Arc::new(app);
    let status = match cli.command {
        Command::Import(args) => import::run(&app, &out, args).await?,
        Command::Generate(args) => generate::run(&app, &out, args).await?,
        Command::Adopt(args) => adopt::run(&app, &out, args).await?,
        Command::Subjects { command } => subjects::run(&app, &out, command).await?,
        Command::Resolve(args) => subjects::resolve(&app, &out, args).await?,
        Command::History(args) => subjects::history(&app, &out, args).await?,
        Command::Runs(args) => runs::run(&app, &out, args).await?,
        Command::Providers => providers::run(&app, &out).await?,
        Command::Sweep(args) => sweep::run(&app, &out, args).await?,
        Command::Styles { command } => styles::run(&app, &out, command).await?,
        Command::Serve(args) => serve::run(app.clone(), args).await?,
        Command::Worker(args) => worker::run(app.clone(), args).await?,
        Command::Migrate {
            what: migrate::MigrateWhat::Db(args),
        } => migrate_db::run(&app, &out, args).await?,
        Command::Render(_)
        | Command::Sheet(_)
        | Command::Faces { .. }
        | Command::Models { .. }
        | Command::Migrate {
            what: migrate::MigrateWhat::Store { .. },
        } => unreachable!("handled before opening"),
    };
    app.db.close().await;
    Ok(status)
}

/// `--concurrency N`: 1 to [`likeness::bounds::MAX_CONCURRENCY`].
fn concurrency_flag(text: &str) -> Result<usize, String> {
    let n: usize = text
        .trim()
        .parse()
        .map_err(|_| format!("expected a whole number, got {text:?}"))?;
    likeness::bounds::check("--concurrency", n, 1..=likeness::bounds::MAX_CONCURRENCY)
}

/// `--workers N`: 0 (leave the jobs to `likeness worker`) to the same bound.
fn workers_flag(text: &str) -> Result<usize, String> {
    let n: usize = text
        .trim()
        .parse()
        .map_err(|_| format!("expected a whole number, got {text:?}"))?;
    likeness::bounds::check("--workers", n, 0..=likeness::bounds::MAX_CONCURRENCY)
}
