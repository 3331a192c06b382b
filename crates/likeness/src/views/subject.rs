//! A subject as likeness normalised it.

use std::collections::BTreeMap;

use likeness_subjects::Subject;
use serde::Serialize;

/// A subject as likeness normalised it.
#[derive(Debug, Clone, Serialize)]
pub struct SubjectView {
    pub id: String,
    pub source: String,
    pub display_name: String,
    pub slug: String,
    pub gender: String,
    pub gender_raw: Option<String>,
    pub birth_date: Option<String>,
    pub age: Option<u32>,
    pub age_band: Option<String>,
    pub deceased: bool,
    pub deceased_date: Option<String>,
    pub hair: Option<String>,
    pub hair_color: Option<String>,
    pub hair_length: Option<String>,
    pub cohorts: Vec<String>,
    pub attributes: BTreeMap<String, String>,
}

impl SubjectView {
    pub fn new(s: &Subject, today: chrono::NaiveDate) -> SubjectView {
        let d = s.demographics(today);
        SubjectView {
            id: s.id.to_string(),
            source: s.source.as_str().to_string(),
            display_name: d.display_name,
            slug: s.slug(),
            gender: d.gender.as_str().to_string(),
            gender_raw: s.gender_raw.clone(),
            birth_date: s.birth_date.as_ref().map(|b| b.to_string()),
            age: d.age,
            age_band: d.age_band.map(|b| b.as_str().to_string()),
            deceased: d.deceased,
            deceased_date: s.deceased_date.as_ref().map(|b| b.to_string()),
            hair: d.hair.description,
            hair_color: d.hair.color,
            hair_length: d.hair.length,
            cohorts: s.cohorts.clone(),
            attributes: s.attributes.clone(),
        }
    }
}
