//! Painting what is worn and facial hair (`profile::wear`): fabric as washes in a colour of the
//! palette (a pinned jersey colour tints a headband or beanie), facial hair as a wash of the
//! hair's colour thinned by its density, glasses as soft strokes with a pale glint on the lens.

use super::{Scene, soft_stroke};
use crate::pigment::wash;
use crate::sitter::{HeadCovering, Rgb};
use crate::svg::{PathData, Svg};
use crate::wash::Wash;

impl Scene<'_> {
    /// The fabric's colour: one of the palette's, chosen by the seed.
    fn fabric(&self) -> Rgb {
        let pal = &self.pal;
        if let Some(j) = self.jersey {
            return pal.dark.mix(j, 0.55);
        }
        let options = [
            pal.dark.mix(pal.glow, 0.2),
            pal.light.mix(pal.dark, 0.25),
            pal.glow.mix(pal.paper, 0.5).mix(pal.light, 0.35),
            pal.light.mix(pal.paper, 0.3),
        ];
        options[self.rng.below("wear.fabric", options.len())]
    }

    pub(super) fn covering(&self, svg: &mut Svg) {
        let Some(c) = &self.fig.covering else { return };
        let (rng, u) = (&self.rng, self.fig.u);
        let fabric = self.fabric();
        let shade = fabric.mix(self.pal.dark, 0.45);
        let w = Wash {
            layers: 3,
            opacity: 0.9,
            spread: 2.5,
            ragged: 0.5,
            step: 4.0,
            bottom: 100.0,
        };
        wash(svg, rng, "wear.cover", &c.shape, fabric, shade, &w);
        if let Some(band) = &c.band {
            wash(svg, rng, "wear.band", band, shade, fabric, &w);
        }
        if c.kind == HeadCovering::Headscarf {
            // Folds: where the cloth turns under the chin and falls from the back of the head.
            let fold = |a: (f64, f64), b: (f64, f64), m: (f64, f64)| {
                let (a, b, m) = (
                    self.fig.head_pt(a),
                    self.fig.head_pt(b),
                    self.fig.head_pt(m),
                );
                super::curve(a, m, b)
            };
            soft_stroke(
                svg,
                &fold((0.2, 0.2), (0.6, 1.8), (0.1, 1.2)),
                shade,
                0.1 * u,
                0.4,
            );
            let d = fold((-0.9, -0.6), (-1.1, 1.6), (-1.2, 0.4));
            soft_stroke(svg, &d, shade, 0.12 * u, 0.35);
        }
    }

    pub(super) fn facial_hair(&self, svg: &mut Svg) {
        let Some(f) = &self.fig.facial_hair else {
            return;
        };
        let pal = &self.pal;
        // Dark facial hair reads darker than the face; grey and white is kept near the face's
        // value, or it reads as teeth.
        let color = if pal.hair.luminance() > pal.face.luminance() {
            pal.hair.mix(pal.face, 0.45)
        } else {
            pal.hair
        };
        let w = Wash {
            layers: 2,
            opacity: 0.95 * f.density,
            spread: 1.5,
            ragged: 0.35,
            step: 2.5,
            bottom: 100.0,
        };
        for (i, piece) in f.pieces.iter().enumerate() {
            let key = format!("wear.beard.{i}");
            wash(
                svg,
                &self.rng,
                &key,
                piece,
                color,
                pal.hair.mix(pal.dark, 0.4),
                &w,
            );
        }
    }

    /// Glasses: the rim nearly edge-on in front of the eye, the arm back to the ear.
    pub(super) fn glasses(&self, svg: &mut Svg) {
        let Some(g) = &self.fig.glasses else { return };
        let (dark, u) = (self.pal.dark, self.fig.u);
        let ((cx, cy), rx, ry) = g.rim;
        // The rim as an ellipse of two arcs, leaning with the head.
        let (s, c) = self.fig.tilt.to_radians().sin_cos();
        let at = |dx: f64, dy: f64| (cx + dx * c - dy * s, cy + dx * s + dy * c);
        let (top, bottom) = (at(0.0, -ry), at(0.0, ry));
        let (front, back) = (at(rx * 1.4, 0.0), at(-rx * 1.4, 0.0));
        let rim = PathData::new()
            .m(top.0, top.1)
            .q(front.0, front.1 - ry * 0.9, front.0 - 0.0, front.1)
            .q(front.0, front.1 + ry * 0.9, bottom.0, bottom.1)
            .q(back.0, back.1 + ry * 0.9, back.0, back.1)
            .q(back.0, back.1 - ry * 0.9, top.0, top.1)
            .finish();
        svg.leaf(
            "path",
            &[
                ("d", &rim),
                ("fill", &self.pal.paper),
                ("fill-opacity", &"0.18"),
            ],
        );
        soft_stroke(svg, &rim, dark, 0.06 * u, 0.95);
        let [a, m, b] = g.arm;
        soft_stroke(svg, &super::curve(a, m, b), dark, 0.055 * u, 0.85);
    }
}
