//! The generation pipeline: plan a run, then let workers drain its jobs.
//!
//! ```text
//! plan (select, skip, estimate) ─► jobs (db) ─► worker: prompt ─► provider ─► optimise ─► store ─► record
//! ```
//! The CLI batch and (later) the HTTP API enqueue jobs and run these same workers.

pub mod budget;
pub mod group;
pub mod judge;
pub mod plan;
pub mod run;
pub mod save;
pub mod timings;
pub mod worker;

use likeness_styles::PromptSubject;
use likeness_subjects::Subject;

/// The view of a subject that prompt templates see.
pub fn prompt_subject(subject: &Subject, today: chrono::NaiveDate) -> PromptSubject {
    let d = subject.demographics(today);
    PromptSubject {
        id: subject.id.to_string(),
        display_name: d.display_name,
        gender: d.gender.as_str().to_string(),
        age: d.age,
        age_band: d.age_band.map(|b| b.as_str().to_string()),
        hair: d.hair.description,
        deceased: d.deceased,
        birth_date: subject.birth_date.as_ref().map(|b| b.to_string()),
        cohorts: subject.cohorts.clone(),
        attributes: subject.attributes.clone(),
        likeness_description: subject.attributes.get("likeness_description").cloned(),
    }
}

/// The seed of the built-in renderer: same subject, style and style version, same image.
pub fn seed(subject_id: &str, style: &str, style_version: u32) -> String {
    format!("{subject_id}:{style}:{style_version}")
}
