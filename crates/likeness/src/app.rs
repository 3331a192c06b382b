//! The opened data directory: config, database, store, style catalog and providers. Every
//! command and (later) the server works through one `App`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use likeness_styles::{Catalog, Style};

use crate::config::Config;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::provider::Providers;
use crate::store::{self, StorageSettings, Store};

pub struct App {
    pub data_dir: PathBuf,
    pub config: Config,
    pub db: Db,
    pub store: Store,
    pub catalog: Catalog,
    pub providers: Providers,
    /// Face models (loaded on first use) and the rules for reference photos.
    pub faces: crate::faces::Faces,
    /// "Today" for ages; fixed once per process so one run sees one date.
    pub today: chrono::NaiveDate,
    /// Job outcomes, for requests waiting on a job and live progress: this process's, and
    /// with PostgreSQL every process's (see `events::relay`).
    pub events: crate::events::Events,
    /// Signalled when work is queued (here, or with PostgreSQL anywhere), so idle workers
    /// start at once.
    pub work_available: Arc<tokio::sync::Notify>,
}

/// Settings given on the command line, over the config's.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--database-url`: over `LIKENESS_DATABASE_URL` and `database.url`.
    pub database_url: Option<String>,
    /// `--storage-url`: over `LIKENESS_STORAGE_URL` and `storage.url`.
    pub storage_url: Option<String>,
}

impl Overrides {
    /// Where the store is: the flag, the environment, the config, the default.
    pub fn storage(&self, config: &Config, data_dir: &Path) -> Result<StorageSettings> {
        StorageSettings::resolve(
            &config.storage,
            self.storage_url.as_deref(),
            data_dir,
            &|k| std::env::var(k).ok(),
        )
        .map_err(Error::Config)
    }
}

/// Whether a command writes to the data directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    ReadWrite,
    /// Looking only: the database is opened read-only, nothing is created, so the command
    /// works on a read-only data directory.
    ReadOnly,
}

impl App {
    /// Opens the data directory, creating it on first use (unless `mode` is read-only).
    pub async fn open(data_dir: &Path, config_file: Option<&Path>, mode: Mode) -> Result<App> {
        App::open_with(data_dir, config_file, mode, &Overrides::default()).await
    }

    /// [`App::open`] with settings from the command line laid over the config.
    pub async fn open_with(
        data_dir: &Path,
        config_file: Option<&Path>,
        mode: Mode,
        overrides: &Overrides,
    ) -> Result<App> {
        let config = Config::load(config_file, data_dir)?;
        let env = |k: &str| std::env::var(k).ok();
        let database = config.database_options(
            data_dir,
            overrides.database_url.as_deref(),
            &env,
            config.concurrency(None),
        )?;
        let storage = overrides.storage(&config, data_dir)?;
        let catalog = Catalog::load(&config.style_dirs(data_dir))?;
        let (db, store) = match mode {
            Mode::ReadWrite => {
                std::fs::create_dir_all(data_dir).map_err(|e| {
                    Error::io(
                        format!("cannot create data directory {}", data_dir.display()),
                        e,
                    )
                })?;
                check_writable(data_dir)?;
                let db = Db::open(&database).await?;
                let store = Store::open(&storage, data_dir, store::Access::ReadWrite)?;
                (db, store)
            }
            Mode::ReadOnly => (
                Db::open_read_only(&database).await?,
                Store::open(&storage, data_dir, store::Access::ReadOnly)?,
            ),
        };
        let providers = Providers::from_config(&config.providers, &|k| std::env::var(k).ok())
            .map_err(Error::Config)?;
        let faces = crate::faces::Faces::new(&config.faces, data_dir, &|k| std::env::var(k).ok());
        providers.share_pace(Arc::new(crate::shared_pace::SharedPace::new(db.clone())));
        let events = crate::events::Events::new(&db);
        Ok(App {
            providers,
            faces,
            data_dir: data_dir.to_path_buf(),
            config,
            db,
            store,
            catalog,
            today: chrono::Utc::now().date_naive(),
            events,
            work_available: Arc::new(tokio::sync::Notify::new()),
        })
    }

    /// Workers for `serve` and `likeness worker`, which take any run: the flag, else the
    /// config, else enough for the most parallel provider usable here (remote providers
    /// mostly wait on the network, so they want more than one per core).
    pub fn worker_count(&self, flag: Option<usize>) -> usize {
        if flag.is_some() || self.config.generate.concurrency > 0 {
            return self.config.concurrency(flag);
        }
        self.providers
            .most_parallel()
            .max(self.config.concurrency(None))
    }

    /// Starts hearing other processes (PostgreSQL): their job events and their new work. For
    /// the long-lived commands (`serve`, `worker`).
    pub fn listen_to_others(&self) {
        tokio::spawn(crate::events::relay(
            self.db.clone(),
            self.events.clone(),
            self.work_available.clone(),
        ));
    }

    pub fn style(&self, name: &str) -> Result<Arc<Style>> {
        Ok(Arc::new(self.catalog.get(name)?.clone()))
    }
}

/// Refuses a data directory this process cannot write, before SQLite says "attempt to write a
/// readonly database" halfway through a command.
fn check_writable(data_dir: &Path) -> Result<()> {
    let probe = data_dir.join(format!(".write-check-{}", std::process::id()));
    match std::fs::File::create(&probe) {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            Ok(())
        }
        Err(e)
            if e.kind() == std::io::ErrorKind::PermissionDenied
                || e.raw_os_error() == Some(libc::EROFS) =>
        {
            Err(Error::Config(format!(
                "the data directory {} is read-only ({e}): this command writes to it. Run it as \
                 a user who can write there, or copy the directory and pass --data-dir; \
                 `subjects`, `resolve`, `history`, `runs`, `styles` and `providers` only read \
                 and work as they are",
                data_dir.display()
            )))
        }
        Err(e) => Err(Error::io(
            format!("cannot write in data directory {}", data_dir.display()),
            e,
        )),
    }
}
