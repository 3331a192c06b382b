//! `faces_bench labelled OUT`: precision and recall of `FaceModels::detect` (default options)
//! on the labelled set and its soft variants, scored by the test's own code
//! (`tests/it/labelled/set.rs`); the same images and labels are written to OUT (PNG and
//! `labels.tsv`) so `faces_peer.py labelled OUT` scores face_recognition on exactly them.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use likeness_face::{DetectOptions, FaceModels};

#[path = "../../tests/it/labelled/set.rs"]
mod set;

pub fn run(models: &FaceModels, out: &Path) -> Result<(), String> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/faces");
    let photos = set::photos(&dir);
    let mut samples = set::soft_variants(&photos);
    samples.extend(photos);
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let (mut tsv, mut counts) = (String::new(), set::Counts::default());
    for (i, sample) in samples.iter().enumerate() {
        let file = format!("{i:03}.png");
        sample
            .image
            .save(out.join(&file))
            .map_err(|e| format!("{file}: {e}"))?;
        for l in &sample.labels {
            let kind = if l.scored { "face" } else { "ignore" };
            let [x, y, w, h] = l.rect;
            let _ = writeln!(tsv, "{file}\t{x:.1}\t{y:.1}\t{w:.1}\t{h:.1}\t{kind}");
        }
        let faces = models
            .detect(&sample.image, &DetectOptions::default())
            .map_err(|e| e.to_string())?;
        let found: Vec<set::Detection> = faces
            .iter()
            .map(|f| set::Detection {
                rect: [f.bbox.x, f.bbox.y, f.bbox.width, f.bbox.height],
                score: f.score,
            })
            .collect();
        counts.add(set::score(&sample.labels, &found));
    }
    std::fs::write(out.join("labels.tsv"), tsv).map_err(|e| e.to_string())?;
    let line = serde_json::json!({
        "impl": "likeness",
        "images": samples.len(),
        "hits": counts.hits,
        "misses": counts.misses,
        "false_alarms": counts.false_alarms,
        "recall": super::round(counts.recall() * 1000.0) / 1000.0,
        "precision": super::round(counts.precision() * 1000.0) / 1000.0,
    });
    println!("{line}");
    Ok(())
}
