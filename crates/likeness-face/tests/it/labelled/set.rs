//! The labelled face set (`tests/faces/`): its photos and boxes, the soft variants made from
//! them, and precision/recall of a detector on it. Shared by the `labelled` test and the
//! `faces_bench` example (which includes this file by path), so both score the same way.
//!
//! - `labels.tsv`: `file x y width height kind`, one face a line; `kind` is `face` (must be
//!   found) or `ignore` (a partial or tiny face: finding it is neither a hit nor a false
//!   alarm). Photos named `nofaces_*` have no faces; any detection there is a false alarm.
//! - Soft variants, made here deterministically from every `face` label: a square crop with
//!   the face at 60 % of its width, reduced so the face is [`SCAN_FACE`] px wide (a
//!   low-resolution scan), then upscaled to 600 and to 400 px (Catmull-Rom). A clearly
//!   visible but soft face, the case that used to be missed.
//! - A detection matches a label when its centre lies inside the label's box and its width is
//!   0.5–2× the label's (box conventions differ between detectors; this is what "found the
//!   face" means). Each label matches at most one detection, best score first.

#![allow(dead_code)]

use std::path::Path;

use image::RgbImage;
use image::imageops::{self, FilterType};

/// Faces narrower than this are not scored (the bar).
pub const MIN_FACE: f32 = 40.0;
/// The soft variants' face width before upscaling.
pub const SCAN_FACE: f32 = 48.0;
/// The soft variants' sides.
pub const SOFT_SIDES: [u32; 2] = [600, 400];

/// A labelled box, x, y, width, height.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Label {
    pub rect: [f32; 4],
    /// Scored (true) or ignored (a partial or small face).
    pub scored: bool,
}

/// One photo of the set and its labels.
pub struct Sample {
    pub name: String,
    pub image: RgbImage,
    pub labels: Vec<Label>,
}

/// A detection's box and score, whatever the detector.
#[derive(Debug, Clone, Copy)]
pub struct Detection {
    pub rect: [f32; 4],
    pub score: f32,
}

#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Counts {
    pub hits: usize,
    pub misses: usize,
    pub false_alarms: usize,
}

impl Counts {
    pub fn add(&mut self, other: Counts) {
        self.hits += other.hits;
        self.misses += other.misses;
        self.false_alarms += other.false_alarms;
    }
    pub fn recall(&self) -> f64 {
        self.hits as f64 / (self.hits + self.misses).max(1) as f64
    }
    pub fn precision(&self) -> f64 {
        self.hits as f64 / (self.hits + self.false_alarms).max(1) as f64
    }
}

/// The committed photos with their labels (faces narrower than [`MIN_FACE`] are ignored).
pub fn photos(dir: &Path) -> Vec<Sample> {
    let tsv = std::fs::read_to_string(dir.join("labels.tsv")).expect("labels.tsv reads");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("the set's folder reads")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".jpg"))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let labels = tsv
                .lines()
                .filter(|l| !l.starts_with('#') && l.split('\t').next() == Some(&name))
                .map(parse_label)
                .collect();
            let image = image::open(dir.join(&name))
                .expect("photo decodes")
                .into_rgb8();
            Sample {
                name,
                image,
                labels,
            }
        })
        .collect()
}

fn parse_label(line: &str) -> Label {
    let fields: Vec<&str> = line.split('\t').collect();
    assert_eq!(fields.len(), 6, "labels.tsv: {line}");
    let n = |i: usize| fields[i].parse::<f32>().expect("a number");
    let rect = [n(1), n(2), n(3), n(4)];
    Label {
        rect,
        scored: fields[5] == "face" && rect[2] >= MIN_FACE,
    }
}

/// The soft variants of every scored face of `photos`.
pub fn soft_variants(photos: &[Sample]) -> Vec<Sample> {
    let mut out = Vec::new();
    for sample in photos {
        for (i, label) in sample.labels.iter().filter(|l| l.scored).enumerate() {
            for side in SOFT_SIDES {
                out.push(soft(sample, i, label, side));
            }
        }
    }
    out
}

fn soft(sample: &Sample, index: usize, label: &Label, side: u32) -> Sample {
    let [x, y, w, h] = label.rect;
    let (iw, ih) = sample.image.dimensions();
    let crop_side = (w / 0.6).min(iw as f32).min(ih as f32);
    let x0 = (x + w / 2.0 - crop_side / 2.0).clamp(0.0, iw as f32 - crop_side);
    let y0 = (y + h / 2.0 - crop_side / 2.0).clamp(0.0, ih as f32 - crop_side);
    let (cx, cy, cs) = (x0.round() as u32, y0.round() as u32, crop_side as u32);
    let crop = imageops::crop_imm(&sample.image, cx, cy, cs, cs).to_image();
    let scan_side = ((cs as f32) * (SCAN_FACE / w).min(1.0)).round().max(8.0) as u32;
    let scan = imageops::resize(&crop, scan_side, scan_side, FilterType::Triangle);
    let image = imageops::resize(&scan, side, side, FilterType::CatmullRom);
    let k = side as f32 / cs as f32;
    Sample {
        name: format!("{}#soft{index}@{side}", sample.name),
        image,
        labels: vec![Label {
            rect: [(x - cx as f32) * k, (y - cy as f32) * k, w * k, h * k],
            scored: true,
        }],
    }
}

/// Hits, misses and false alarms of `found` against `labels`.
pub fn score(labels: &[Label], found: &[Detection]) -> Counts {
    let mut found = found.to_vec();
    found.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut taken = vec![false; labels.len()];
    let mut counts = Counts::default();
    for d in &found {
        let hit = labels
            .iter()
            .enumerate()
            .find(|(i, l)| !taken[*i] && matches(l, d));
        match hit {
            Some((i, label)) => {
                taken[i] = true;
                counts.hits += usize::from(label.scored);
            }
            None => counts.false_alarms += 1,
        }
    }
    counts.misses = labels
        .iter()
        .zip(&taken)
        .filter(|(l, t)| l.scored && !**t)
        .count();
    counts
}

fn matches(label: &Label, d: &Detection) -> bool {
    let [x, y, w, h] = label.rect;
    let (cx, cy) = (d.rect[0] + d.rect[2] / 2.0, d.rect[1] + d.rect[3] / 2.0);
    let ratio = d.rect[2] / w;
    cx >= x && cx <= x + w && cy >= y && cy <= y + h && (0.5..=2.0).contains(&ratio)
}
