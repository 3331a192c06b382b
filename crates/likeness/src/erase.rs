//! Erasing a person: `likeness subjects erase ID` and `DELETE /api/subjects/{id}`.
//!
//! Everything that names the subject goes: their images and resized variants, legacy files,
//! reference photos no one else's job used (stored copies, and the file their
//! `reference_photo` attribute names inside `<data-dir>/references/`), their rows (subject,
//! cohorts, lookup keys, assets, jobs, UI actions, webhook deliveries), and quotes of them in
//! run records. An `erasures` row keeps that it happened, when and by whom, and how much went.
//!
//! Crash-safe and resumable: a pending tombstone holding the id is written first; objects go
//! before rows (an object without a row is what a second run finds by listing the subject's
//! folder); the rows go in one transaction that also clears the id from the tombstone; last,
//! the database files are compacted so deleted content cannot be read back from them.

use likeness_subjects::SubjectId;

use crate::app::App;
use crate::error::{Error, Result};

/// What an erasure did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Erasure {
    pub subject_id: String,
    /// Whether the subject was still in the database (a second run after a crash finds only
    /// leftovers).
    pub existed: bool,
    pub assets_removed: i64,
    pub jobs_removed: i64,
    pub objects_removed: i64,
    /// The store keys removed, for the caller to drop from caches.
    #[serde(skip)]
    pub removed_keys: Vec<String>,
}

/// Erases the subject `id` (the id, never a slug: erasing is not a place for guesses).
pub async fn erase(app: &App, id: &str, actor: &str) -> Result<Erasure> {
    let id = id
        .parse::<SubjectId>()
        .map_err(|e| Error::Usage(format!("{id:?} is not a subject id: {e}")))?
        .to_string();
    if app.db.running_jobs_of(&id).await? > 0 {
        return Err(Error::SubjectBusy(id));
    }
    let plan = app.db.erase_plan(&id).await?;
    let pending = app.db.pending_erasure(&id).await?;
    let leftovers = app.store.list_folder(&id).await?;
    if !plan.exists && pending.is_none() && leftovers.is_empty() {
        // Nothing of them here; a run killed after its last commit still gets its compaction.
        app.db.compact().await?;
        return Err(Error::SubjectNotFound(id));
    }
    let erasure = match pending {
        Some(e) => e,
        None => app.db.begin_erasure(&id, actor).await?,
    };
    let mut removed_keys = Vec::new();
    for key in leftovers {
        app.store.delete(&key).await?;
        removed_keys.push(key);
    }
    for key in plan.asset_keys.iter().chain(&plan.reference_keys) {
        if app.store.exists(key).await? {
            app.store.delete(key).await?;
            removed_keys.push(key.clone());
        }
    }
    removed_keys.extend(remove_legacy_files(app, &id).await?);
    let mut objects = removed_keys.len() as i64;
    if let Some(file) = reference_file(app, &id).await? {
        std::fs::remove_file(&file)
            .map_err(|e| Error::io(format!("cannot remove {}", file.display()), e))?;
        objects += 1;
    }
    let erased = app.db.finish_erasure(&erasure, &id, &plan, objects).await?;
    app.db.compact().await?;
    tracing::info!(
        actor,
        assets = erased.assets,
        jobs = erased.jobs,
        objects,
        "subject erased"
    );
    Ok(Erasure {
        subject_id: id,
        existed: plan.exists,
        assets_removed: erased.assets,
        jobs_removed: erased.jobs,
        objects_removed: objects,
        removed_keys,
    })
}

/// Files an older pipeline left at the store's root (`{id}_{style}.png`, `{id}.jpg`, …).
async fn remove_legacy_files(app: &App, id: &str) -> Result<Vec<String>> {
    let mut names = vec![format!("{id}.png"), format!("{id}.jpg")];
    for style in app.catalog.list() {
        names.push(format!("{id}_{}.png", style.name));
        names.push(format!("{id}_{}.jpg", style.name));
    }
    let mut removed = Vec::new();
    for name in names {
        if app.store.exists(&name).await? {
            app.store.delete(&name).await?;
            removed.push(name);
        }
    }
    Ok(removed)
}

/// The file the subject's `reference_photo` attribute names inside `<data-dir>/references/`,
/// if it exists there (a URL names nothing of ours).
async fn reference_file(app: &App, id: &str) -> Result<Option<std::path::PathBuf>> {
    let Some(subject) = app.db.subject(id).await? else {
        return Ok(None);
    };
    let Some(given) = subject.attributes.get(crate::references::ATTRIBUTE) else {
        return Ok(None);
    };
    if crate::fetch::is_http_url(given) {
        return Ok(None);
    }
    let folder = app.data_dir.join("references");
    Ok(crate::references::local_path(&folder, given.trim()).ok())
}
