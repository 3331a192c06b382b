//! The cartoon's hair fits every head shape, stays on the canvas, and every cut differs.

use super::*;
use crate::cartoon::head;
use crate::parts::{HeadShape, Parts};
use crate::pen::Frame;
use crate::sitter::{Presentation, Sitter};

/// The hair of `style` on a cartoon head of `shape` at `age`, its face and the head's top.
fn cut(style: HairStyle, shape: HeadShape, age: u32) -> (Hair, Face) {
    let seed = format!("{style}-{shape:?}-{age}");
    let rng = Prng::new(&seed);
    let s = Sitter {
        presentation: Presentation::Woman,
        age: Some(age),
        ..Sitter::new(&seed)
    };
    let mut l = Look::resolve(&s, &[], &rng);
    l.style = style;
    l.covering = HeadCovering::None;
    let parts = Parts {
        head: shape,
        ..Parts::choose(&l, &rng, "cartoon")
    };
    // The biggest head the cartoon draws for this age, with a cup (the eyes highest), on
    // its 100-unit design box.
    let f = Frame {
        ox: 50.0,
        oy: 43.0 + 2.0 * l.youth,
        u: 19.9 + 1.5 * l.youth,
        turn: 0.0,
    };
    let mut face = Face::new(&l, &rng, f);
    head::shape(&mut face, &parts, &l);
    (build(&face, &l, &rng), face)
}

/// Every opaque mark's points (dots and ovals by their extremes), back then front.
fn points(h: &Hair) -> Vec<Pt> {
    let mut v = Vec::new();
    for m in h.back.iter().chain(&h.front) {
        match m {
            Mark::Shape(pts, ..) => v.extend_from_slice(pts),
            Mark::Oval(c, rx, ry, _) => v.extend([(c.0 - rx, c.1 - ry), (c.0 + rx, c.1)]),
            Mark::Dots(ds, _) => v.extend(ds.iter().map(|&(c, r)| (c.0 - r, c.1 - r))),
            _ => {}
        }
    }
    v
}

fn inside(p: Pt, poly: &[Pt]) -> bool {
    let mut odd = false;
    for (i, a) in poly.iter().enumerate() {
        let b = poly[(i + 1) % poly.len()];
        if (a.1 > p.1) != (b.1 > p.1) && p.0 < a.0 + (p.1 - a.1) / (b.1 - a.1) * (b.0 - a.0) {
            odd = !odd;
        }
    }
    odd
}

const SHAPES: [HeadShape; 6] = [
    HeadShape::Round,
    HeadShape::Oval,
    HeadShape::Long,
    HeadShape::Square,
    HeadShape::Heart,
    HeadShape::Wide,
];

#[test]
fn the_crown_covers_every_head_and_the_hair_stays_on_the_canvas() {
    for &style in HairStyle::ALL.iter().filter(|s| **s != HairStyle::Bald) {
        for shape in SHAPES {
            for age in [7, 35] {
                let (h, face) = cut(style, shape, age);
                let Some(Mark::Shape(cap, ..)) = h.front.first() else {
                    panic!("{style} has no cap");
                };
                let t = face.top;
                for (x, y) in [(0.0, t), (0.6, t * 0.9), (-0.6, t * 0.9)] {
                    let p = face.f.p(x, y);
                    assert!(inside(p, cap), "{style} on {shape:?} at {age} bares {p:?}");
                }
                // A child's big cranium fills the box: a bun or an afro may bleed off the
                // top a little, as the poster's do.
                let top = if age < 12 { -4.0 } else { 0.0 };
                for (x, y) in points(&h) {
                    let ok = (1.0..=99.0).contains(&x) && y >= top;
                    assert!(
                        ok,
                        "{style} on {shape:?} at {age} leaves the canvas: {x} {y}"
                    );
                }
            }
        }
    }
}

#[test]
fn every_cut_has_its_own_silhouette() {
    let outlines: Vec<(HairStyle, Vec<Pt>)> = HairStyle::ALL
        .iter()
        .filter(|s| **s != HairStyle::Bald)
        .map(|&s| (s, points(&cut(s, HeadShape::Oval, 30).0)))
        .collect();
    for (i, (a, pa)) in outlines.iter().enumerate() {
        for (b, pb) in &outlines[i + 1..] {
            let same = pa.len() == pb.len()
                && pa
                    .iter()
                    .zip(pb)
                    .all(|(p, q)| (p.0 - q.0).hypot(p.1 - q.1) < 0.5);
            assert!(!same, "{a} and {b} have the same outline");
        }
    }
    // The cartoon's own cuts reach further than the poster's: spikes, a bigger afro.
    let reach = |s, f: fn(Pt) -> f64| {
        let (h, _) = cut(s, HeadShape::Oval, 30);
        points(&h).into_iter().map(f).fold(f64::MAX, f64::min)
    };
    let top: fn(Pt) -> f64 = |p| p.1;
    let left: fn(Pt) -> f64 = |p| p.0;
    assert!(reach(HairStyle::Crop, top) < reach(HairStyle::Buzz, top) - 3.0);
    assert!(reach(HairStyle::Afro, left) < reach(HairStyle::Curly, left) - 5.0);
}
