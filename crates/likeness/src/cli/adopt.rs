//! `likeness adopt`: bring a folder of existing images in as versions of subjects' portraits.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::OnceLock;

use clap::Args;
use likeness::App;
use likeness::adopt::{self, MatchBy, Outcome, Report};
use likeness::pipeline::worker::Progress as _;

use super::output::Output;
use super::progress::Reporter;

#[derive(Debug, Args)]
#[command(after_help = "\
Which subject a file is for comes from its name (the extension aside):
  76003.png                                 a subject id (a FHIR Patient id, a roster id)
  jose-muller.jpg                           a slug: the name lower-case, accents dropped,
                                            spaces to `-`
  76003_watercolor.jpg                      legacy {id}_{style}: the style from the name
  76003_kareem-abdul-jabbar_watercolor.png  legacy {id}_{slug}_{style}: the subject's own slug
A name that could be two subjects (two patients with one slug, an id that is also another
subject's slug) and two files for one subject and style are reported as ambiguous, never
guessed; rename them, or use --match.

Each image goes through the upload checks (JPEG, PNG or WebP by content, size and pixel caps),
is re-encoded without metadata (EXIF and GPS dropped; PNGs optimised like generated ones) and
recorded as an asset of provider `adopted` (file name and SHA-256 of the original kept), in a run
`adopt:<style>`. It becomes the current image unless the subject already has one in that style:
then it is kept as an older version (listed under kept_current) unless --force.

Examples:
  likeness adopt ./watercolors --style watercolor --dry-run   # what would happen
  likeness adopt ./watercolors --style watercolor             # adopt them
  likeness adopt ./legacy-site --match id                     # 76003_watercolor.jpg, 76003.png …
  likeness adopt ./legacy-site --force                        # replace current images too
  likeness --json adopt ./watercolors | jq .unmatched

Running it again adopts nothing new (the same file, or the same image, is already adopted).
Only files directly in DIR are read (no subfolders, no hidden files, no links out of DIR).
Exit status: 0 when every image file is adopted (now or before), 2 when some were ambiguous,
unmatched or refused, 1 for usage errors (no such folder, unknown style).")]
pub struct AdoptArgs {
    /// The folder holding the images (.png, .jpg, .jpeg, .webp).
    #[arg(value_name = "DIR")]
    dir: PathBuf,
    /// The style every image is adopted in. Default: the style in a legacy name, else the
    /// configured default style. `likeness styles list` shows them.
    #[arg(long, value_name = "NAME")]
    style: Option<String>,
    /// How file names name subjects: `id`, `slug`, or `auto` (legacy patterns, then id, then
    /// slug; a name these read as different subjects is ambiguous).
    #[arg(long = "match", value_enum, default_value_t = MatchArg::Auto, value_name = "HOW")]
    match_by: MatchArg,
    /// Make the adopted images current even where the subject has a current image in the style
    /// (that one stays in the history).
    #[arg(long)]
    force: bool,
    /// Check every file and print the report; write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum MatchArg {
    Id,
    Slug,
    Auto,
}

impl From<MatchArg> for MatchBy {
    fn from(m: MatchArg) -> MatchBy {
        match m {
            MatchArg::Id => MatchBy::Id,
            MatchArg::Slug => MatchBy::Slug,
            MatchArg::Auto => MatchBy::Auto,
        }
    }
}

/// The progress bar (or lines), made once the number of files is known.
struct Progress {
    json: bool,
    reporter: OnceLock<Reporter>,
}

impl adopt::Progress for Progress {
    fn start(&self, files: usize) {
        if files == 0 {
            return;
        }
        let _ = self.reporter.set(Reporter::new(self.json, files as u64, 0));
    }

    fn file_done(&self, file: &str, style: &str, problem: Option<(&str, &str)>) {
        if let Some(r) = self.reporter.get() {
            r.job_finished(file, style, problem);
        }
    }
}

pub async fn run(app: &App, out: &Output, args: AdoptArgs) -> anyhow::Result<ExitCode> {
    let options = adopt::Options {
        dir: args.dir,
        style: args.style,
        match_by: args.match_by.into(),
        force: args.force,
        dry_run: args.dry_run,
    };
    let progress = Progress {
        json: out.json,
        reporter: OnceLock::new(),
    };
    let report = adopt::adopt(app, &options, &progress).await;
    if let Some(r) = progress.reporter.get() {
        r.finish();
    }
    let report = report?;
    out.emit(&report, || print(&report))?;
    Ok(if report.complete() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

fn print(report: &Report) {
    let verb = if report.dry_run {
        "would adopt"
    } else {
        "adopted"
    };
    let mut line = format!(
        "{verb} {}, already adopted {}, not adopted {} (ambiguous {}, unmatched {}, refused {}) \
         from {}",
        report.adopted,
        report.already_adopted,
        report.ambiguous.len() + report.unmatched.len() + report.rejected.len(),
        report.ambiguous.len(),
        report.unmatched.len(),
        report.rejected.len(),
        report.dir
    );
    match (&report.run_id, report.dry_run) {
        (_, true) => line.push_str(" — dry run, nothing written"),
        (Some(run), false) => line.push_str(&format!("; run {run}")),
        (None, false) => {}
    }
    println!("{line}");
    for f in report
        .files
        .iter()
        .filter(|f| f.outcome == Outcome::Adopted)
    {
        let current = if f.current { ", current" } else { "" };
        println!(
            "  adopted: {} → {} in {} (by {}{current})",
            f.file, f.subject_id, f.style, f.matched_by
        );
    }
    for f in report.files.iter().filter(|f| f.made_current) {
        println!(
            "  made current: {} → {} in {} (adopted before)",
            f.file, f.subject_id, f.style
        );
    }
    for k in &report.kept_current {
        println!(
            "  kept current: {} → {} in {}: the subject's current image stays (asset {}); \
             --force makes the adopted one current",
            k.file, k.subject_id, k.style, k.current_asset_id
        );
    }
    let problems = [
        ("ambiguous", &report.ambiguous),
        ("unmatched", &report.unmatched),
        ("refused", &report.rejected),
    ];
    for (what, list) in problems {
        for p in list {
            println!("  {what}: {}: {}: {}", p.file, p.code, p.reason);
        }
    }
    for i in &report.ignored {
        println!("  ignored: {}: {}", i.file, i.reason);
    }
}
