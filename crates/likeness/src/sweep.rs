//! `likeness sweep`: removes orphan objects, the images a crash left in the store between
//! writing them and recording them (images are written first, so a crash never leaves a
//! record without its image, but may leave an image without a record).
//!
//! An object is kept when the database refers to it (an attempt's image, a job's reference
//! photo), when it is a resized variant of one that is kept, when it is the placeholder, or
//! when it is younger than the grace period: an image being written right now is not recorded
//! yet, and must not be taken for an orphan.

use std::collections::HashSet;
use std::time::Duration;

use futures::TryStreamExt;
use serde::Serialize;

use crate::app::App;
use crate::error::Result;
use crate::store::PLACEHOLDER_KEY;

/// What a sweep found and did.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct SweepReport {
    /// Objects in the store.
    pub listed: u64,
    /// Kept because the database refers to them (or they are variants of such, or the
    /// placeholder).
    pub referenced: u64,
    /// Unreferenced but younger than the grace period: left alone this time.
    pub too_recent: u64,
    /// Unreferenced and old enough: removed (or, with `dry_run`, to be removed).
    pub removed: u64,
    pub dry_run: bool,
    /// The orphans' keys, for the record (capped at 1,000).
    pub orphans: Vec<String>,
}

/// The original a resized variant was made from (`x.<hash>.w64.png` → `x.<hash>.png`).
fn original_of(key: &str) -> Option<String> {
    let stem = key.strip_suffix(".png")?;
    let (base, width) = stem.rsplit_once(".w")?;
    width
        .chars()
        .all(|c| c.is_ascii_digit())
        .then(|| format!("{base}.png"))
}

fn is_referenced(key: &str, referenced: &HashSet<String>) -> bool {
    key == PLACEHOLDER_KEY
        || referenced.contains(key)
        || original_of(key).is_some_and(|o| referenced.contains(&o))
        || picture_stem(key).is_some_and(|stem| {
            IMAGE_EXTS
                .iter()
                .any(|ext| referenced.contains(&format!("{stem}.{ext}")))
        })
}

/// The image extensions `/assets/` stores a picture's variants under.
const IMAGE_EXTS: [&str; 4] = ["png", "webp", "avif", "jpg"];

/// The picture a key shows (`x.<hash>.w64.webp` → `x.<hash>`): the other-format variants
/// `/assets/` derives for `Accept` (and an AVIF's PNG) go with their original.
fn picture_stem(key: &str) -> Option<&str> {
    let (stem, ext) = key.rsplit_once('.')?;
    if !IMAGE_EXTS.contains(&ext) {
        return None;
    }
    Some(match stem.rsplit_once(".w") {
        Some((base, w)) if !w.is_empty() && w.bytes().all(|b| b.is_ascii_digit()) => base,
        _ => stem,
    })
}

pub async fn sweep(app: &App, grace: Duration, dry_run: bool) -> Result<SweepReport> {
    // Listed first, referenced after: an image recorded while we list is then seen as
    // referenced; one written after the listing is not looked at.
    let objects: Vec<_> = app.store.list().try_collect().await?;
    let referenced = app.db.referenced_keys().await?;
    let cutoff = chrono::Utc::now()
        - chrono::Duration::from_std(grace).unwrap_or(chrono::Duration::hours(1));
    let mut report = SweepReport {
        dry_run,
        ..SweepReport::default()
    };
    for object in objects {
        report.listed += 1;
        if is_referenced(&object.key, &referenced) {
            report.referenced += 1;
            continue;
        }
        if object.modified > cutoff {
            report.too_recent += 1;
            continue;
        }
        if !dry_run {
            app.store.delete(&object.key).await?;
        }
        report.removed += 1;
        if report.orphans.len() < 1000 {
            report.orphans.push(object.key);
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_follow_their_original() {
        assert_eq!(
            original_of("p/p_a_initials.0123456789abcdef.w64.png").as_deref(),
            Some("p/p_a_initials.0123456789abcdef.png")
        );
        assert_eq!(original_of("p/p_a_initials.0123456789abcdef.png"), None);
        let kept: HashSet<String> = ["p/x.ab.png".to_string()].into();
        assert!(is_referenced("p/x.ab.w128.png", &kept));
        assert!(is_referenced(PLACEHOLDER_KEY, &kept));
        assert!(!is_referenced("p/y.cd.png", &kept));
        assert!(!is_referenced("p/y.cd.wide.png", &kept));
        assert!(is_referenced("p/x.ab.avif", &kept));
        assert!(is_referenced("p/x.ab.w64.webp", &kept));
        let avif: HashSet<String> = ["p/z.ef.avif".to_string()].into();
        assert!(is_referenced("p/z.ef.png", &avif));
        assert!(!is_referenced("p/z.eg.png", &avif));
    }
}
