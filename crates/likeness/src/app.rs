//! The opened data directory: config, database, store, style catalog and providers. Every
//! command and (later) the server works through one `App`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use likeness_styles::{Catalog, Style};

use crate::config::Config;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::provider::Providers;
use crate::store::Store;

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
    /// Job outcomes in this process, for requests waiting on a job and live progress.
    pub events: tokio::sync::broadcast::Sender<crate::pipeline::worker::JobEvent>,
    /// Signalled when this process queues work, so idle workers start at once.
    pub work_available: tokio::sync::Notify,
}

impl App {
    /// Opens the data directory, creating it on first use.
    pub async fn open(data_dir: &Path, config_file: Option<&Path>) -> Result<App> {
        let config = Config::load(config_file, data_dir)?;
        std::fs::create_dir_all(data_dir).map_err(|e| {
            Error::io(
                format!("cannot create data directory {}", data_dir.display()),
                e,
            )
        })?;
        let catalog = Catalog::load(&config.style_dirs(data_dir))?;
        let connections = config.concurrency(None) as u32 + 4;
        let db = Db::open(&data_dir.join("likeness.db"), connections).await?;
        let store = Store::local(&data_dir.join("assets"), &data_dir.join("tmp"))?;
        let providers = Providers::from_config(&config.providers, &|k| std::env::var(k).ok())
            .map_err(Error::Config)?;
        let faces = crate::faces::Faces::new(&config.faces, data_dir, &|k| std::env::var(k).ok());
        Ok(App {
            providers,
            faces,
            data_dir: data_dir.to_path_buf(),
            config,
            db,
            store,
            catalog,
            today: chrono::Utc::now().date_naive(),
            events: tokio::sync::broadcast::channel(1024).0,
            work_available: tokio::sync::Notify::new(),
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

    pub fn style(&self, name: &str) -> Result<Arc<Style>> {
        Ok(Arc::new(self.catalog.get(name)?.clone()))
    }
}
