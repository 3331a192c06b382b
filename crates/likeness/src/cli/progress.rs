//! Progress of a batch: a bar on a terminal, plain lines otherwise, nothing with `--json`.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use likeness::pipeline::worker::Progress;

pub enum Reporter {
    Bar(ProgressBar),
    Lines(Mutex<Lines>),
    Silent,
}

pub struct Lines {
    total: u64,
    done: u64,
    failed: u64,
    last: Instant,
}

impl Reporter {
    pub fn new(json: bool, total: u64, already_done: u64) -> Reporter {
        if json {
            return Reporter::Silent;
        }
        if std::io::stderr().is_terminal() {
            let bar = ProgressBar::new(total);
            let style = ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} {per_sec} eta {eta} {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar.set_position(already_done);
            bar.enable_steady_tick(Duration::from_millis(200));
            Reporter::Bar(bar)
        } else {
            Reporter::Lines(Mutex::new(Lines {
                total,
                done: already_done,
                failed: 0,
                last: Instant::now(),
            }))
        }
    }

    pub fn finish(&self) {
        match self {
            Reporter::Bar(bar) => bar.finish_and_clear(),
            Reporter::Lines(lines) => {
                let l = lines.lock().unwrap_or_else(|p| p.into_inner());
                eprintln!("progress: {}/{} done, {} failed", l.done, l.total, l.failed);
            }
            Reporter::Silent => {}
        }
    }
}

impl Progress for Reporter {
    fn job_finished(&self, subject_id: &str, style: &str, error: Option<(&str, &str)>) {
        match self {
            Reporter::Bar(bar) => {
                bar.inc(1);
                if let Some((code, message)) = error {
                    bar.println(format!("failed: {subject_id} ({style}): {code}: {message}"));
                }
            }
            Reporter::Lines(lines) => {
                let mut l = lines.lock().unwrap_or_else(|p| p.into_inner());
                l.done += 1;
                if let Some((code, message)) = error {
                    l.failed += 1;
                    eprintln!("failed: {subject_id} ({style}): {code}: {message}");
                }
                if l.last.elapsed() >= Duration::from_secs(2) {
                    l.last = Instant::now();
                    let pct = (l.done * 100).checked_div(l.total).unwrap_or(100);
                    eprintln!(
                        "progress: {}/{} ({pct}%), {} failed",
                        l.done, l.total, l.failed
                    );
                }
            }
            Reporter::Silent => {}
        }
    }
}
