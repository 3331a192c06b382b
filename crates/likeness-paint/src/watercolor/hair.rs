//! Painting the hair (`profile::Hair`): each piece a wash whose edge is as ragged as the hair
//! is curly and whose strength is its density, a deeper core in the main mass for volume, and
//! the flow lines as faint strokes in the deep tone.

use super::{Scene, curve, soft_stroke};
use crate::pigment::wash;
use crate::profile::Outline;
use crate::sitter::Rgb;
use crate::svg::Svg;
use crate::wash::Wash;

impl Scene<'_> {
    pub(super) fn hair(&self, svg: &mut Svg) {
        let Some(hair) = &self.fig.hair else { return };
        let (pal, rng, u) = (&self.pal, &self.rng, self.fig.u);
        let ragged = 0.4 + 1.1 * hair.curl * hair.curl;
        let deep = pal.hair.mix(pal.dark, 0.5);
        for (i, piece) in hair.pieces.iter().enumerate() {
            let w = Wash {
                layers: 3,
                opacity: 0.88 * piece.density,
                spread: 3.0,
                ragged,
                step: 3.5,
                bottom: 100.0,
            };
            let key = if i == 0 {
                "hair".to_owned()
            } else {
                format!("hair.piece.{i}")
            };
            wash(svg, rng, &key, &piece.outline, pal.hair, deep, &w);
        }
        if let Some(main) = hair.pieces.first().filter(|p| p.density > 0.9) {
            self.hair_core(svg, &main.outline, deep);
        }
        // Flow lines catch the light on dark hair and shade fair hair.
        let line = if pal.hair.luminance() < 0.25 {
            pal.hair.mix(pal.paper, 0.4)
        } else {
            deep
        };
        // Faint and uneven, so they read as sheen rather than drawing.
        for (i, [a, c, b]) in hair.strands.iter().enumerate() {
            let op = 0.22 + 0.16 * rng.unit_n("hair.strand", i as u64);
            soft_stroke(svg, &curve(*a, *c, *b), line, 0.05 * u, op);
        }
    }

    /// A deeper core towards the nape gives the mass its volume.
    fn hair_core(&self, svg: &mut Svg, hair_outline: &Outline, deep: Rgb) {
        let (pal, rng, u) = (&self.pal, &self.rng, self.fig.u);
        let n = hair_outline.len() as f64;
        let (cx, cy) = hair_outline
            .iter()
            .fold((0.0, 0.0), |a, (p, _)| (a.0 + p.0 / n, a.1 + p.1 / n));
        let (cx, cy) = (cx - 0.08 * u, cy + 0.1 * u);
        let core: Outline = hair_outline
            .iter()
            .map(|((x, y), s)| ((cx + (x - cx) * 0.62, cy + (y - cy) * 0.7), s.max(0.6)))
            .collect();
        let w = Wash {
            layers: 2,
            opacity: 0.49,
            spread: 5.0,
            ragged: 0.5,
            step: 6.0,
            bottom: 100.0,
        };
        wash(svg, rng, "hair-core", &core, deep, pal.hair, &w);
    }
}
