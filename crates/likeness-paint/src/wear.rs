//! What is worn on the head, front-facing: a headband or beanie over the hair, or a hijab-style
//! headscarf that replaces the hair, covers ears and neck and frames the face. Colours come from
//! the jersey (headband, beanie) or a muted fabric palette (headscarf).

use crate::face::Face;
use crate::look::Look;
use crate::pen::{closed, fill, open, stroke, symmetric};
use crate::sitter::{HeadCovering, Rgb};
use crate::svg::Svg;

/// Shadow and light for a fabric: darker and lighter, light fabrics shade towards blue-grey.
pub(crate) fn fabric(c: Rgb) -> (Rgb, Rgb) {
    let shadow = if c.luminance() > 0.6 {
        c.mix(Rgb(0x6a, 0x70, 0x80), 0.35)
    } else {
        c.mix(Rgb(0x08, 0x08, 0x10), 0.3)
    };
    (shadow, c.mix(Rgb(0xff, 0xff, 0xff), 0.16))
}

/// Fabric colours for a headscarf, muted.
pub(crate) const SCARVES: [Rgb; 6] = [
    Rgb(0x2e, 0x3a, 0x59),
    Rgb(0x6b, 0x3f, 0x5e),
    Rgb(0x7d, 0x8f, 0x74),
    Rgb(0xc9, 0xa9, 0x86),
    Rgb(0x3f, 0x45, 0x4d),
    Rgb(0xa8, 0x5c, 0x5c),
];

/// A hijab-style scarf: the drape behind the face (drawn before it) ...
pub(crate) fn scarf_back(svg: &mut Svg, face: &Face, base_y: f64, color: Rgb) {
    let (f, t, b) = (&face.f, face.top, base_y);
    let pts = f.all_flat(&symmetric(&[
        (0.0, t - 0.3),
        (0.85, t * 0.9 - 0.28),
        (1.28, -0.45),
        (1.3, 0.6),
        (1.18, 1.3),
        (1.5, b + 0.1),
        (1.95, b + 0.55),
        (2.0, b + 1.05),
        (1.2, b + 1.3),
        (0.0, b + 1.45),
    ]));
    fill(svg, &closed(&pts, &[]), color);
    let (shadow, light) = fabric(color);
    let s = face.side;
    // The wrapped end crosses the chest towards the shadow side.
    let wrap = f.all_flat(&[
        (-s * 1.1, 1.05),
        (-s * 0.2, face.chin.1 + 0.25),
        (s * 1.0, b + 0.2),
        (s * 1.9, b + 0.75),
        (s * 1.95, b + 1.05),
        (s * 1.2, b + 1.3),
        (0.0, b + 1.45),
        (-s * 0.9, b + 1.1),
    ]);
    fill(svg, &closed(&wrap, &[0, 4]), shadow.mix(color, 0.55));
    let fold = f.all_flat(&[
        (-s * 1.1, 1.05),
        (-s * 0.2, face.chin.1 + 0.25),
        (s * 1.0, b + 0.2),
        (s * 1.9, b + 0.75),
    ]);
    stroke(svg, &open(&fold), light, f.len(0.06), 0.7);
    let under = f.all_flat(&[(-0.8, 1.1), (0.0, face.chin.1 + 0.16), (0.8, 1.1)]);
    stroke(svg, &open(&under), shadow, f.len(0.1), 0.9);
}

/// ... and the band framing the face (drawn over it).
pub(crate) fn scarf_front(svg: &mut Svg, face: &Face, color: Rgb) {
    let (f, t) = (&face.f, face.top);
    let (shadow, light) = fabric(color);
    let (jx, jy) = face.jaw;
    let band = f.all(&[
        (-jx - 0.06, jy + 0.08),
        (-1.12, 0.2),
        (-1.1, t * 0.6),
        (-0.62, t - 0.22),
        (0.0, t - 0.3),
        (0.62, t - 0.22),
        (1.1, t * 0.6),
        (1.12, 0.2),
        (jx + 0.06, jy + 0.08),
        (jx - 0.08, jy - 0.1),
        (0.92, 0.3),
        (0.93, -0.3),
        (0.8, -0.78),
        (0.0, -1.0),
        (-0.8, -0.78),
        (-0.93, -0.3),
        (-0.92, 0.3),
        (-jx + 0.08, jy - 0.1),
    ]);
    fill(svg, &closed(&band, &[0, 8, 9, 17]), color);
    let fold = f.all(&[(-0.78, -0.95), (0.0, -1.14), (0.78, -0.95)]);
    stroke(svg, &open(&fold), shadow, f.len(0.05), 0.6);
    let sd = -face.side;
    let sheen = f.all(&[
        (sd * 0.25, t - 0.08),
        (sd * 0.75, t * 0.8),
        (sd * 1.0, t * 0.45),
    ]);
    stroke(svg, &open(&sheen), light, f.len(0.09), 0.6);
}

/// The headband (over the hair) or beanie (instead of the top of it).
pub(crate) fn covering(svg: &mut Svg, face: &Face, l: &Look) {
    let (f, t) = (&face.f, face.top);
    let color = l.trim;
    match l.covering {
        HeadCovering::None | HeadCovering::Headscarf => {}
        HeadCovering::Headband => {
            let band = f.all(&[
                (-1.05, -0.62),
                (-0.6, -0.98),
                (0.0, -1.04),
                (0.6, -0.98),
                (1.05, -0.62),
                (1.06, -0.4),
                (0.6, -0.74),
                (0.0, -0.8),
                (-0.6, -0.74),
                (-1.06, -0.4),
            ]);
            fill(svg, &closed(&band, &[0, 4, 5, 9]), color);
            let stripe = open(&f.all(&[
                (-1.05, -0.52),
                (-0.6, -0.87),
                (0.0, -0.92),
                (0.6, -0.87),
                (1.05, -0.52),
            ]));
            stroke(svg, &stripe, l.jersey, f.len(0.05), 1.0);
        }
        HeadCovering::Beanie => {
            let v = 0.16;
            let body = f.all(&[
                (-1.1, -0.55),
                (-1.06, t * 0.6 - v),
                (-0.7, t - 0.05 - v),
                (0.0, t - 0.2 - v),
                (0.7, t - 0.05 - v),
                (1.06, t * 0.6 - v),
                (1.1, -0.55),
            ]);
            fill(svg, &closed(&body, &[0, 6]), color);
            let shade = color.mix(Rgb(0, 0, 0), 0.18);
            for k in 0..5 {
                let x = -0.56 + 0.28 * k as f64;
                let rib = open(&f.all(&[(x * 1.15, -0.9), (x, t * 0.6), (x * 0.5, t - 0.15)]));
                stroke(svg, &rib, shade, f.len(0.04), 0.6);
            }
            let cuff = f.all(&[
                (-1.13, -0.35),
                (-1.12, -0.72),
                (0.0, -0.98),
                (1.12, -0.72),
                (1.13, -0.35),
                (0.0, -0.62),
            ]);
            fill(svg, &closed(&cuff, &[0, 1, 3, 4]), shade);
        }
    }
}
