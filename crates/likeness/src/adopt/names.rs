//! What a file name can say about whose image it is: the readings of a stem, and the match
//! they give against the subjects the database knows.
//!
//! A stem is read, in this order, as the legacy `{id}_{slug}_{style}` and `{id}_{style}` (the
//! style checked against the catalog; a style name may itself hold `_`, so every split whose
//! end is a style is a reading), then as a subject id, then as a slug. A slug is compared
//! after the stem has gone through the subjects' own slug rule (`names::slugify`: transliterated
//! to ASCII, lower-case, runs of other characters to one `-`), so a folder named by "NFD,
//! accents stripped, lower-case, spaces to `-`" matches (`josé müller` or `jose-muller` →
//! `jose-muller`), and so do names that rule leaves non-ASCII (`søren`, `straße`) or with an
//! apostrophe (`o'brien`).
//!
//! Readings that name different subjects make the file ambiguous: a file is never guessed.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use likeness_subjects::SubjectId;
use likeness_subjects::names::slugify;

use super::{CODE_SLUG_MISMATCH, MatchBy};
use crate::codes;

/// One way to read a file's stem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Reading {
    /// The stem (or its `{id}` part) is a subject id; `slug` must then be that subject's.
    Id {
        id: String,
        slug: Option<String>,
        style: Option<String>,
    },
    /// The stem, through the slug rule, is a subject's slug.
    Slug(String),
}

impl Reading {
    /// How the file was matched, for the report and the asset's details.
    pub(super) fn how(&self) -> &'static str {
        match self {
            Reading::Id {
                slug: Some(_),
                style: Some(_),
                ..
            } => "{id}_{slug}_{style}",
            Reading::Id { style: Some(_), .. } => "{id}_{style}",
            Reading::Id { .. } => "id",
            Reading::Slug(_) => "slug",
        }
    }
}

/// The readings of `stem` under `by`, in order of preference.
pub(super) fn readings(stem: &str, by: MatchBy, is_style: &dyn Fn(&str) -> bool) -> Vec<Reading> {
    let mut out = Vec::new();
    if matches!(by, MatchBy::Auto | MatchBy::Id) {
        out.extend(legacy_readings(stem, is_style));
        if is_id(stem) {
            out.push(Reading::Id {
                id: stem.to_string(),
                slug: None,
                style: None,
            });
        }
    }
    if matches!(by, MatchBy::Auto | MatchBy::Slug)
        && let Some(slug) = slug_of(stem)
    {
        out.push(Reading::Slug(slug));
    }
    out
}

/// `{id}_{slug}_{style}` and `{id}_{style}` for every `_` whose tail is a style.
fn legacy_readings(stem: &str, is_style: &dyn Fn(&str) -> bool) -> Vec<Reading> {
    let mut out = Vec::new();
    for (at, _) in stem.match_indices('_') {
        let (rest, style) = (&stem[..at], &stem[at + 1..]);
        if !is_style(style) {
            continue;
        }
        if let Some((id, slug)) = rest.rsplit_once('_')
            && is_id(id)
            && !slug.is_empty()
        {
            out.push(Reading::Id {
                id: id.to_string(),
                slug: Some(slug.to_string()),
                style: Some(style.to_string()),
            });
        }
        if is_id(rest) {
            out.push(Reading::Id {
                id: rest.to_string(),
                slug: None,
                style: Some(style.to_string()),
            });
        }
    }
    out
}

fn is_id(text: &str) -> bool {
    SubjectId::new(text).is_ok()
}

/// The stem through the slug rule, unless it has nothing a slug is made of (the rule would
/// answer its fallback `subject` for `___`).
fn slug_of(stem: &str) -> Option<String> {
    let slug = slugify(stem);
    (slug != "subject" || stem.eq_ignore_ascii_case("subject")).then_some(slug)
}

/// What the database says about the ids and slugs the readings name.
#[derive(Debug, Default)]
pub(super) struct Known {
    /// Subject id → its stored slug.
    pub ids: HashMap<String, String>,
    /// Slug → every subject id under it, sorted.
    pub slugs: HashMap<String, Vec<String>>,
}

/// The subject a file is matched to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Hit {
    pub subject_id: String,
    pub slug: String,
    /// The style the file name carries, if any.
    pub style: Option<String>,
    pub how: &'static str,
}

/// Why a file matches no subject, or more than one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Miss {
    Unmatched {
        code: &'static str,
        reason: String,
    },
    Ambiguous {
        reason: String,
        candidates: Vec<String>,
    },
}

/// The one subject the readings agree on, or why there is none.
pub(super) fn resolve(stem: &str, readings: &[Reading], known: &Known) -> Result<Hit, Miss> {
    let mut hits: Vec<Hit> = Vec::new();
    let mut named: BTreeMap<String, BTreeSet<&'static str>> = BTreeMap::new();
    let mut mismatch = None;
    for reading in readings {
        match reading {
            Reading::Id { id, slug, style } => {
                let Some(stored) = known.ids.get(id) else {
                    continue;
                };
                if let Some(given) = slug
                    && slugify(given) != *stored
                {
                    mismatch.get_or_insert_with(|| (id.clone(), given.clone(), stored.clone()));
                    continue;
                }
                named.entry(id.clone()).or_default().insert(reading.how());
                hits.push(Hit {
                    subject_id: id.clone(),
                    slug: stored.clone(),
                    style: style.clone(),
                    how: reading.how(),
                });
            }
            Reading::Slug(slug) => {
                let ids = known.slugs.get(slug).map(Vec::as_slice).unwrap_or_default();
                for id in ids {
                    named.entry(id.clone()).or_default().insert(reading.how());
                }
                if let [id] = ids {
                    hits.push(Hit {
                        subject_id: id.clone(),
                        slug: slug.clone(),
                        style: None,
                        how: reading.how(),
                    });
                }
            }
        }
    }
    if named.len() > 1 {
        return Err(ambiguous(stem, named));
    }
    if let Some(hit) = hits.into_iter().next() {
        return Ok(hit);
    }
    Err(match mismatch {
        Some((id, given, stored)) => Miss::Unmatched {
            code: CODE_SLUG_MISMATCH,
            reason: format!(
                "the name says subject {id} is {given:?}, but that subject's slug is \
                 {stored:?}: check that it is the right person, then rename the file to \
                 {id}_{stored}_… or to {id}"
            ),
        },
        None => Miss::Unmatched {
            code: codes::SUBJECT_NOT_FOUND,
            reason: not_found(readings),
        },
    })
}

fn ambiguous(stem: &str, named: BTreeMap<String, BTreeSet<&'static str>>) -> Miss {
    let hows: BTreeSet<&str> = named.values().flatten().copied().collect();
    let listed: Vec<String> = named
        .iter()
        .map(|(id, how)| format!("{id} ({})", Vec::from_iter(how.iter().copied()).join(", ")))
        .collect();
    let mut reason = format!(
        "{stem:?} could be any of {}: rename the file to the id of the one it shows",
        listed.join(", ")
    );
    if hows.len() > 1 {
        reason.push_str(", or pass --match id or --match slug");
    }
    Miss::Ambiguous {
        reason,
        candidates: named.into_keys().collect(),
    }
}

fn not_found(readings: &[Reading]) -> String {
    let ids: BTreeSet<&str> = readings
        .iter()
        .filter_map(|r| match r {
            Reading::Id { id, .. } => Some(id.as_str()),
            Reading::Slug(_) => None,
        })
        .collect();
    let slugs: Vec<&str> = readings
        .iter()
        .filter_map(|r| match r {
            Reading::Slug(s) => Some(s.as_str()),
            Reading::Id { .. } => None,
        })
        .collect();
    let quoted = |v: Vec<&str>| {
        v.iter()
            .map(|s| format!("{s:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let what = match (ids.is_empty(), slugs.is_empty()) {
        (true, true) => return "the file name is neither a subject id nor a slug".to_string(),
        (false, true) => format!("the id {}", quoted(ids.into_iter().collect())),
        (true, false) => format!("the slug {}", quoted(slugs)),
        (false, false) => format!(
            "the id {} or the slug {}",
            quoted(ids.into_iter().collect()),
            quoted(slugs)
        ),
    };
    format!(
        "no subject has {what}: import the subject first (`likeness subjects list` shows \
         what is imported), or rename the file"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn styles(name: &str) -> bool {
        matches!(name, "watercolor" | "poster" | "big_head")
    }

    fn known(ids: &[(&str, &str)]) -> Known {
        let mut k = Known::default();
        for (id, slug) in ids {
            k.ids.insert(id.to_string(), slug.to_string());
            k.slugs
                .entry(slug.to_string())
                .or_default()
                .push(id.to_string());
        }
        k
    }

    fn matched(stem: &str, by: MatchBy, k: &Known) -> Result<Hit, Miss> {
        resolve(stem, &readings(stem, by, &styles), k)
    }

    #[test]
    fn the_hospital_rule_gives_the_subjects_slug() {
        // What the hospital did: NFD, combining marks dropped, lower-case, spaces to `-`.
        for (name, file) in [
            ("José Müller", "jose-muller"),
            ("Zoë O'Brien", "zoe-o'brien"),
            ("Søren Ørsted", "søren-ørsted"),
            ("Anna Straße", "anna-straße"),
            ("Tomás  Oquendo", "tomas--oquendo"),
        ] {
            assert_eq!(slug_of(file).unwrap(), slugify(name), "{name} / {file}");
        }
        // Decomposed accents in the file name itself (a folder copied from macOS).
        assert_eq!(slug_of("Jose\u{301}-Mu\u{308}ller").unwrap(), "jose-muller");
        assert_eq!(slug_of("___"), None);
        assert_eq!(slug_of("Subject").as_deref(), Some("subject"));
    }

    #[test]
    fn legacy_names_are_read_with_catalog_styles_only() {
        let r = readings("76003_kareem-abdul-jabbar_big_head", MatchBy::Auto, &styles);
        assert_eq!(r[0].how(), "{id}_{slug}_{style}");
        assert_eq!(
            r[0],
            Reading::Id {
                id: "76003".into(),
                slug: Some("kareem-abdul-jabbar".into()),
                style: Some("big_head".into())
            }
        );
        let r = readings("76003_sketch", MatchBy::Auto, &styles);
        assert!(
            r.iter()
                .all(|r| !matches!(r, Reading::Id { style: Some(_), .. }))
        );
        assert_eq!(readings("76003_sketch", MatchBy::Slug, &styles).len(), 1);
        // Not an id (a space), so only the slug reading.
        assert_eq!(
            readings("ana lopez", MatchBy::Auto, &styles),
            vec![Reading::Slug("ana-lopez".into())]
        );
    }

    #[test]
    fn a_match_needs_every_reading_to_agree() {
        let k = known(&[("p1", "ana-lopez"), ("p2", "ana-lopez"), ("p3", "bo")]);
        let hit = matched("p3_watercolor", MatchBy::Auto, &k).unwrap();
        assert_eq!(
            (hit.subject_id.as_str(), hit.style.as_deref()),
            ("p3", Some("watercolor"))
        );
        assert_eq!(matched("bo", MatchBy::Auto, &k).unwrap().how, "slug");
        match matched("Ana López", MatchBy::Auto, &k).unwrap_err() {
            Miss::Ambiguous { candidates, .. } => assert_eq!(candidates, ["p1", "p2"]),
            other => panic!("{other:?}"),
        }
        // `--match id` takes the id even where a slug would say otherwise.
        let k = known(&[("bo", "someone-else"), ("p3", "bo")]);
        assert!(matches!(
            matched("bo", MatchBy::Auto, &k),
            Err(Miss::Ambiguous { .. })
        ));
        assert_eq!(matched("bo", MatchBy::Id, &k).unwrap().subject_id, "bo");
        assert_eq!(matched("bo", MatchBy::Slug, &k).unwrap().subject_id, "p3");
    }

    #[test]
    fn a_wrong_slug_or_nobody_is_unmatched_with_the_reason() {
        let k = known(&[("p1", "ana-lopez")]);
        match matched("p1_maria-garcia_poster", MatchBy::Auto, &k).unwrap_err() {
            Miss::Unmatched { code, reason } => {
                assert_eq!(code, CODE_SLUG_MISMATCH);
                assert!(reason.contains("\"ana-lopez\""), "{reason}");
            }
            other => panic!("{other:?}"),
        }
        let hit = matched("p1_Ana-López_poster", MatchBy::Auto, &k).unwrap();
        assert_eq!(hit.how, "{id}_{slug}_{style}");
        match matched("zz9", MatchBy::Auto, &k).unwrap_err() {
            Miss::Unmatched { code, reason } => {
                assert_eq!(code, codes::SUBJECT_NOT_FOUND);
                assert!(
                    reason.contains("the id \"zz9\" or the slug \"zz9\""),
                    "{reason}"
                );
            }
            other => panic!("{other:?}"),
        }
    }
}
