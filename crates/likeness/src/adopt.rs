//! `likeness adopt`: a folder of existing images (a hospital's watercolors named by patient
//! slug or FHIR id, a sports site's `{id}_{style}.jpg` and `{id}_{slug}_{style}.png`) brought in
//! as assets, so they are served, resolved and versioned like generated ones.
//!
//! The steps: list the folder (`scan.rs`: image files directly inside it, nothing but regular
//! files opened), match each name to one subject (`names.rs`: legacy patterns, id, slug; readings
//! that disagree make the file ambiguous), drop files that name the same subject and style as
//! another (ambiguous too), then per file (`prepare.rs`): read, compare with what the subject
//! has (the same original file, or the same image, is already adopted), intake, optimise, store.
//! The records are written in chunks ([`Db::record_adoption`](crate::db::Db::record_adoption)):
//! a run `adopt:{styles}`, a succeeded job and an `adopted` asset per file, current unless the
//! subject has a current image in the style (then only with `force`).
//!
//! Images are stored before they are recorded, as generated ones are: a crash leaves at most
//! unreferenced objects, which `likeness sweep` removes; running the command again adopts
//! what was not recorded and reports the rest as already adopted. A dry run does all of it but
//! the writes, so its report is the real one's.

mod batch;
mod names;
mod prepare;
mod scan;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::PathBuf;

use futures::StreamExt;
use serde::Serialize;

use crate::app::App;
use crate::db::adopt::{AdoptionRun, Existing};
use crate::db::runs::RunStyle;
use crate::error::Result;
use batch::Batch;
use names::{Known, Miss};
use prepare::{Intake, Prepared};
use scan::Candidate;

pub use crate::codes::{
    ADOPT_DUPLICATE as CODE_DUPLICATE, ADOPT_OUTSIDE_DIR as CODE_OUTSIDE_DIR,
    ADOPT_SLUG_MISMATCH as CODE_SLUG_MISMATCH,
};

/// Files recorded per transaction.
const CHUNK: usize = 200;

/// How file names name subjects.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchBy {
    /// The stem, or the `{id}` of `{id}_{style}` and `{id}_{slug}_{style}`, is a subject id.
    Id,
    /// The stem, through the slug rule, is a subject's slug.
    Slug,
    /// Legacy patterns, then id, then slug; readings naming different subjects are ambiguous.
    #[default]
    Auto,
}

#[derive(Debug, Clone)]
pub struct Options {
    pub dir: PathBuf,
    /// Every file in this style; else the style its name carries, else the default style.
    pub style: Option<String>,
    pub match_by: MatchBy,
    /// Make adopted images current even where the subject has a current image in the style.
    pub force: bool,
    /// Report what would happen; write nothing.
    pub dry_run: bool,
}

/// Hears about files as they are taken in (a progress bar).
pub trait Progress: Sync {
    /// `files` matched files are about to be taken in.
    fn start(&self, _files: usize) {}
    /// One is done; `problem` is (code, reason) when it was refused.
    fn file_done(&self, _file: &str, _style: &str, _problem: Option<(&str, &str)>) {}
}

/// No progress output.
pub struct Quiet;
impl Progress for Quiet {}

/// A file not adopted, and why.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    /// A stable code: `subject.not_found`, `subject.ambiguous`, `adopt.*`, `image.*`, `file.*`.
    pub code: &'static str,
    pub reason: String,
    /// The subjects an ambiguous file could be.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub candidates: Vec<String>,
}

/// A folder entry adopt does not consider (hidden, not an image name, a subfolder).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Ignored {
    pub file: String,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Adopted,
    AlreadyAdopted,
}

/// A file that is (now, or already) an asset of its subject.
#[derive(Debug, Clone, Serialize)]
pub struct AdoptedFile {
    pub file: String,
    pub subject_id: String,
    pub style: String,
    /// `{id}_{slug}_{style}`, `{id}_{style}`, `id` or `slug`.
    pub matched_by: &'static str,
    pub outcome: Outcome,
    /// None for a new file in a dry run.
    pub asset_id: Option<String>,
    pub key: Option<String>,
    /// Whether it is (or, in a dry run, would be) the subject's current image in the style.
    pub current: bool,
    /// An image adopted before that this run made current (`force`, or no current image).
    pub made_current: bool,
}

/// An adopted file left beside the subject's current image (no `force`).
#[derive(Debug, Clone, Serialize)]
pub struct KeptCurrent {
    pub file: String,
    pub subject_id: String,
    pub style: String,
    pub current_asset_id: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub dir: String,
    pub dry_run: bool,
    pub force: bool,
    /// The run the files were recorded under; none when nothing new was adopted.
    pub run_id: Option<String>,
    pub adopted: usize,
    pub already_adopted: usize,
    pub ambiguous: Vec<Problem>,
    pub unmatched: Vec<Problem>,
    pub rejected: Vec<Problem>,
    pub kept_current: Vec<KeptCurrent>,
    pub files: Vec<AdoptedFile>,
    pub ignored: Vec<Ignored>,
}

impl Report {
    /// Whether every image file of the folder is adopted (now or before).
    pub fn complete(&self) -> bool {
        self.ambiguous.is_empty() && self.unmatched.is_empty() && self.rejected.is_empty()
    }
}

/// A file matched to one subject and style.
#[derive(Debug, Clone)]
struct Matched {
    seq: i64,
    file: Candidate,
    subject_id: String,
    slug: String,
    style: String,
    how: &'static str,
}

/// Adopts the images of `options.dir` (see the module documentation). Errors are the
/// command's (a folder that is none, an unknown style, the database or the store failing);
/// what is wrong with a file is in the report.
pub async fn adopt(app: &App, options: &Options, progress: &dyn Progress) -> Result<Report> {
    let started = app.db.now();
    let fixed_style = match &options.style {
        Some(name) => Some(app.catalog.get(name)?.name.clone()),
        None => {
            app.catalog.get(&app.config.default_style)?;
            None
        }
    };
    let listing = scan::list(&options.dir)?;
    let mut report = Report {
        dir: listing.root.display().to_string(),
        dry_run: options.dry_run,
        force: options.force,
        run_id: None,
        adopted: 0,
        already_adopted: 0,
        ambiguous: Vec::new(),
        unmatched: Vec::new(),
        rejected: listing.rejected,
        kept_current: Vec::new(),
        files: Vec::new(),
        ignored: listing.ignored,
    };
    let matched = match_files(app, options, fixed_style, listing.files, &mut report).await?;
    let matched = without_duplicates(matched, &mut report);
    let ids: Vec<&str> = matched.iter().map(|m| m.subject_id.as_str()).collect();
    let mut existing: HashMap<(String, String), Vec<Existing>> = HashMap::new();
    for e in app.db.succeeded_assets(&ids).await? {
        existing
            .entry((e.subject_id.clone(), e.style.clone()))
            .or_default()
            .push(e);
    }
    let run = adoption_run(app, options, &report.dir, &matched, started)?;
    progress.start(matched.len());
    let intake = Intake::new(app, options.dry_run);
    let mut batch = Batch::new(app, options, run);
    let mut prepared = futures::stream::iter(matched.into_iter().map(|m| {
        let known = existing
            .get(&(m.subject_id.clone(), m.style.clone()))
            .cloned()
            .unwrap_or_default();
        let intake = &intake;
        async move {
            let p = prepare::prepare(app, intake, &m, known.clone()).await;
            (m, known, p)
        }
    }))
    .buffered(parallelism());
    while let Some((m, known, p)) = prepared.next().await {
        let p = p?;
        let problem = match &p {
            Prepared::Rejected(problem) => Some((problem.code, problem.reason.as_str())),
            _ => None,
        };
        progress.file_done(&m.file.name, &m.style, problem);
        batch.add(m, &known, p, &mut report).await?;
    }
    batch.flush(&mut report).await?;
    report.run_id = batch.run_id();
    for list in [
        &mut report.ambiguous,
        &mut report.unmatched,
        &mut report.rejected,
    ] {
        list.sort_by(|a, b| a.file.cmp(&b.file));
    }
    Ok(report)
}

/// Files taken in at once: intake and PNG optimisation use a core each.
fn parallelism() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().clamp(1, 4))
}

/// Matches every listed file, putting the ones that match no subject (or several) in the
/// report.
async fn match_files(
    app: &App,
    options: &Options,
    fixed_style: Option<String>,
    files: Vec<Candidate>,
    report: &mut Report,
) -> Result<Vec<Matched>> {
    let styles: HashSet<&str> = app.catalog.names().collect();
    let is_style = |name: &str| styles.contains(name);
    let read: Vec<Vec<names::Reading>> = files
        .iter()
        .map(|f| match &f.stem {
            Some(stem) => names::readings(stem, options.match_by, &is_style),
            None => Vec::new(),
        })
        .collect();
    let known = lookup(app, &read).await?;
    let mut out = Vec::new();
    for (seq, (file, readings)) in files.into_iter().zip(read).enumerate() {
        let stem = file.stem.clone().unwrap_or_default();
        let hit = if file.stem.is_none() {
            Err(Miss::Unmatched {
                code: crate::codes::SUBJECT_NOT_FOUND,
                reason: "the file name is not valid UTF-8, so it names no subject".into(),
            })
        } else {
            names::resolve(&stem, &readings, &known)
        };
        match hit {
            Ok(hit) => {
                let style = fixed_style
                    .clone()
                    .or(hit.style)
                    .unwrap_or_else(|| app.config.default_style.clone());
                out.push(Matched {
                    seq: seq as i64,
                    file,
                    subject_id: hit.subject_id,
                    slug: hit.slug,
                    style,
                    how: hit.how,
                });
            }
            Err(Miss::Unmatched { code, reason }) => {
                report
                    .unmatched
                    .push(problem(&file.name, code, reason, Vec::new()));
            }
            Err(Miss::Ambiguous { reason, candidates }) => {
                let code = crate::codes::SUBJECT_AMBIGUOUS;
                report
                    .ambiguous
                    .push(problem(&file.name, code, reason, candidates));
            }
        }
    }
    Ok(out)
}

/// The ids and slugs the readings name, looked up in pages.
async fn lookup(app: &App, read: &[Vec<names::Reading>]) -> Result<Known> {
    let mut ids = BTreeSet::new();
    let mut slugs = BTreeSet::new();
    for reading in read.iter().flatten() {
        match reading {
            names::Reading::Id { id, .. } => ids.insert(id.as_str()),
            names::Reading::Slug(slug) => slugs.insert(slug.as_str()),
        };
    }
    let ids: Vec<&str> = ids.into_iter().collect();
    let slugs: Vec<&str> = slugs.into_iter().collect();
    Ok(Known {
        ids: app.db.subject_slugs(&ids).await?,
        slugs: app.db.subjects_by_slug(&slugs).await?,
    })
}

/// Keeps the files that alone name their subject and style; the others are ambiguous.
fn without_duplicates(matched: Vec<Matched>, report: &mut Report) -> Vec<Matched> {
    let mut by_pair: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for m in &matched {
        by_pair
            .entry((m.subject_id.clone(), m.style.clone()))
            .or_default()
            .push(m.file.name.clone());
    }
    let (keep, doubled): (Vec<Matched>, Vec<Matched>) = matched
        .into_iter()
        .partition(|m| by_pair[&(m.subject_id.clone(), m.style.clone())].len() == 1);
    for m in doubled {
        let others = &by_pair[&(m.subject_id.clone(), m.style.clone())];
        let reason = format!(
            "{} files are for subject {} in {} ({}): keep the one to adopt, move the others \
             out (or adopt them with --style into other styles)",
            others.len(),
            m.subject_id,
            m.style,
            others.join(", ")
        );
        let candidates = vec![m.subject_id.clone()];
        report
            .ambiguous
            .push(problem(&m.file.name, CODE_DUPLICATE, reason, candidates));
    }
    keep
}

fn problem(file: &str, code: &'static str, reason: String, candidates: Vec<String>) -> Problem {
    Problem {
        file: file.to_string(),
        code,
        reason,
        candidates,
    }
}

/// The run the adoption is recorded under: `adopt:{styles}`, each style frozen as generation
/// runs freeze theirs.
fn adoption_run(
    app: &App,
    options: &Options,
    dir: &str,
    matched: &[Matched],
    started_at: crate::db::Stamp,
) -> Result<AdoptionRun> {
    let names: BTreeSet<&str> = matched.iter().map(|m| m.style.as_str()).collect();
    let mut styles = Vec::new();
    for name in &names {
        let style = app.catalog.get(name)?;
        styles.push(RunStyle {
            name: style.name.clone(),
            version: style.version,
            fingerprint: style.fingerprint.clone(),
            prompt_template: style.prompt.clone(),
        });
    }
    let key = Vec::from_iter(names.iter().copied()).join("+");
    Ok(AdoptionRun {
        id: uuid::Uuid::now_v7().to_string(),
        run_key: format!("adopt:{key}"),
        styles,
        selection: serde_json::json!({
            "adopt": {"dir": dir, "match": options.match_by, "force": options.force}
        }),
        notes: Some(format!("adopted from {dir}")),
        started_at,
    })
}
