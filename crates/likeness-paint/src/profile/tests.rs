//! Variety, measured: silhouettes of the profile differ between sitters, and so do their faces.

use super::*;
use crate::sitter::Presentation;

/// Pixels on a side of the masks: the size of a small avatar in a list.
const SIDE: usize = 96;

/// Which of `SIDE`² pixel centres lie inside the closed polygon through `outline`'s points
/// (figure-box coordinates), by the even-odd rule.
fn mask(outlines: &[&Outline]) -> Vec<bool> {
    let mut out = vec![false; SIDE * SIDE];
    for (i, inside) in out.iter_mut().enumerate() {
        let scale = 100.0 / SIDE as f64;
        let x = ((i % SIDE) as f64 + 0.5) * scale;
        let y = ((i / SIDE) as f64 + 0.5) * scale;
        *inside = outlines.iter().any(|o| contains(o, (x, y)));
    }
    out
}

fn contains(outline: &Outline, (x, y): Pt) -> bool {
    let n = outline.len();
    let mut inside = false;
    for i in 0..n {
        let ((x1, y1), _) = outline[i];
        let ((x2, y2), _) = outline[(i + 1) % n];
        if (y1 > y) != (y2 > y) && x < x1 + (y - y1) / (y2 - y1) * (x2 - x1) {
            inside = !inside;
        }
    }
    inside
}

/// The share of all pixels where two masks differ.
fn differ(a: &[bool], b: &[bool]) -> f64 {
    a.iter().zip(b).filter(|(a, b)| a != b).count() as f64 / a.len() as f64
}

/// The differences between every two of `masks`, least first.
fn differences(masks: &[Vec<bool>]) -> Vec<f64> {
    let mut all = Vec::new();
    for (i, a) in masks.iter().enumerate() {
        for b in &masks[i + 1..] {
            all.push(differ(a, b));
        }
    }
    all.sort_by(f64::total_cmp);
    all
}

fn figure(seed: &str, presentation: Presentation, age: u32) -> (Figure, face::Parts) {
    let sitter = Sitter {
        presentation,
        age: Some(age),
        ..Sitter::new(seed)
    };
    let rng = Prng::new(seed).child("watercolor");
    let traits = Traits::resolve(&sitter, &rng);
    // The same keys as `build` draws them from.
    (build(&traits, &rng), face::Parts::choose(&traits, &rng))
}

/// The 48 sitters: a woman, a man and a person at each of 16 ages from 6 to 91.
fn sitters() -> Vec<(Figure, face::Parts)> {
    let presentations = [Presentation::Woman, Presentation::Man, Presentation::Person];
    (0..48)
        .map(|i| {
            let age = 6 + (i as u32 / 3) * 17 / 3;
            figure(&format!("variety:{i}"), presentations[i % 3], age)
        })
        .collect()
}

#[test]
fn faces_of_one_age_and_presentation_differ_in_silhouette() {
    // Hair aside (same demographics can give the same hair mass): the head alone.
    let mut too_alike = Vec::new();
    for (presentation, age) in [
        (Presentation::Woman, 34),
        (Presentation::Man, 52),
        (Presentation::Person, 75),
        (Presentation::Woman, 9),
    ] {
        let masks: Vec<Vec<bool>> = (0..16)
            .map(|i| figure(&format!("face:{i}"), presentation, age).0)
            .map(|f| mask(&[&f.head]))
            .collect();
        let all = differences(&masks);
        let (least, median) = (all[0], all[all.len() / 2]);
        eprintln!(
            "heads, {presentation:?} {age}: pairwise difference least {least:.4}, median {median:.4}"
        );
        if least < HEADS_LEAST {
            too_alike.push(format!(
                "{presentation:?} aged {age}: two of 16 heads differ in only {:.2} % of the pixels",
                least * 100.0
            ));
        }
        if median < HEADS_MEDIAN {
            too_alike.push(format!(
                "{presentation:?} aged {age}: half the pairs of heads differ in under {:.2} % of the pixels",
                median * 100.0
            ));
        }
    }
    assert!(too_alike.is_empty(), "{too_alike:#?}");
}

/// No two heads of 16 within 7 pixels of each other at 96 px (the nearest pair is where
/// the seed's choices happened to fall close).
const HEADS_LEAST: f64 = 0.0008;
/// The typical pair differs by a nose or a chin of another shape, a carriage, a crop: about
/// 100 pixels at 96 px. (One head nudged by the seed, before the parts: 0.78–0.82 %; with
/// them: 1.14–1.35 %.)
const HEADS_MEDIAN: f64 = 0.010;

#[test]
fn the_48_sitters_silhouettes_differ_pairwise() {
    let masks: Vec<Vec<bool>> = sitters()
        .iter()
        .map(|(f, _)| match &f.hair {
            Some(hair) => mask(&[&f.head, hair]),
            None => mask(&[&f.head]),
        })
        .collect();
    let all = differences(&masks);
    let (least, median) = (all[0], all[all.len() / 2]);
    eprintln!(
        "head and hair, 48 sitters: pairwise difference least {least:.4}, median {median:.4}"
    );
    assert!(
        least >= SILHOUETTES_LEAST,
        "two of the 48 sitters differ in only {:.2} % of the pixels",
        least * 100.0
    );
    assert!(
        median >= SILHOUETTES_MEDIAN,
        "half the pairs of the 48 sitters differ in under {:.2} % of the pixels",
        median * 100.0
    );
}

/// Head and hair of 48 sitters of every age and presentation: the hair mass is most of the
/// difference (0.56 % and 5.9 % today), which these guard against losing.
const SILHOUETTES_LEAST: f64 = 0.004;
const SILHOUETTES_MEDIAN: f64 = 0.05;

#[test]
fn every_part_takes_several_shapes_and_no_two_faces_are_the_same() {
    let sitters = sitters();
    let parts: Vec<face::Parts> = sitters.iter().map(|(_, p)| *p).collect();
    let kinds = |key: fn(&face::Parts) -> String| {
        let mut seen: Vec<String> = parts.iter().map(key).collect();
        seen.sort();
        seen.dedup();
        seen.len()
    };
    assert!(kinds(|p| format!("{:?}", p.forehead)) >= 3);
    assert!(kinds(|p| format!("{:?}", p.brow)) >= 3);
    assert!(kinds(|p| format!("{:?}", p.nose)) >= 4);
    assert!(kinds(|p| format!("{:?}", p.lips)) >= 3);
    assert!(kinds(|p| format!("{:?}", p.chin)) >= 4);
    for (i, (a, _)) in sitters.iter().enumerate() {
        for (b, _) in &sitters[i + 1..] {
            let apart = a
                .head
                .iter()
                .zip(&b.head)
                .map(|((p, _), (q, _))| (p.0 - q.0).abs().max((p.1 - q.1).abs()))
                .fold(0.0, f64::max);
            assert!(apart > 0.5, "two faces within {apart:.3} of each other");
        }
    }
}
