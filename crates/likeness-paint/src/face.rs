//! A front-facing (or three-quarter turned) face in flat vector shapes: outline, neck, skin
//! shading blocks, eyes, brows, mouth, facial hair, age lines and glasses (head shape, ears
//! and nose from the chosen parts are `face_parts.rs`). Written for `poster`; nothing here
//! knows about jerseys or backgrounds, so a `cartoon` kind can reuse it.
//!
//! Everything is placed in head space (see `pen.rs`): eyes on y = 0, cheekbones at x = ±1, the
//! chin near y = 1.35 for an adult. Light comes from the side opposite `Face::side`.

use crate::look::{Frames, Look};
use crate::parts::Parts;
use crate::pen::{self, Frame, Pt, Seg, closed, ellipse, fill, fill_a, open, region, stroke};
use crate::pen::{closed_segs, symmetric};
use crate::prng::Prng;
use crate::sitter::{FacialHair, Rgb};
use crate::svg::Svg;

/// The measured face: proportions resolved from age, presentation and seed.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Face {
    pub f: Frame,
    /// Skull top (negative y).
    pub top: f64,
    pub jaw: Pt,
    /// Half-width of the chin and its lowest y.
    pub chin: Pt,
    pub neck: f64,
    pub eye_x: f64,
    pub eye_w: f64,
    pub eye_h: f64,
    pub brow_y: f64,
    pub brow_t: f64,
    pub nose_w: f64,
    pub nose_y: f64,
    pub mouth_w: f64,
    pub mouth_y: f64,
    pub lips: f64,
    /// +1: the shadow falls on the viewer's right; -1: on the left.
    pub side: f64,
    pub ear_y: f64,
    /// The silhouette below the cheekbones.
    pub shape: Shape,
    /// The parts the poster chose (`face_parts.rs`); `None` for a face another kind draws.
    pub parts: Option<Parts>,
}

/// The silhouette below the cheekbones (head space, right side): how far the cheeks reach
/// at y = 0.25, how much the line from cheek to jaw bows out, where the chin's corner sits
/// relative to the chin, how broad the temples are.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Shape {
    pub cheek: f64,
    pub bow: f64,
    pub corner: Pt,
    pub temple: f64,
}

impl Default for Shape {
    fn default() -> Shape {
        Shape {
            cheek: 0.99,
            bow: 0.0,
            corner: (0.12, -0.1),
            temple: 0.92,
        }
    }
}

impl Face {
    pub(crate) fn new(l: &Look, rng: &Prng, f: Frame) -> Face {
        let j = |k: &str, a: f64| rng.jitter(&format!("poster.face.{k}"), a);
        // Masculine structure (jaw, brow, chin) arrives with adolescence.
        let (y, o) = (l.youth, l.old);
        let m = l.masc * (1.0 - y);
        let chin_y = 1.36 + 0.05 * m + 0.03 * o + j("chin_y", 0.05) - 0.32 * y;
        Face {
            f,
            top: -1.36 - 0.24 * y + j("top", 0.03),
            jaw: (
                0.8 + 0.08 * m + j("jaw_w", 0.04) + 0.12 * y,
                0.84 + 0.06 * m + j("jaw_y", 0.04) - 0.22 * y,
            ),
            chin: (0.28 + 0.1 * m + j("chin_w", 0.05) + 0.2 * y, chin_y),
            neck: 0.52 + 0.12 * m + j("neck", 0.03) - 0.14 * y,
            eye_x: 0.4 + j("eye_x", 0.02),
            eye_w: 0.19 + 0.05 * y + j("eye_w", 0.015),
            eye_h: 0.1 + 0.06 * y - 0.015 * m + 0.012 * (1.0 - m) + j("eye_h", 0.012) - 0.01 * o,
            brow_y: -0.3 - 0.015 * (1.0 - m) + j("brow_y", 0.03) - 0.02 * y,
            brow_t: 0.05 + 0.035 * m + j("brow_t", 0.01) - 0.015 * y,
            nose_w: 0.15 + 0.04 * m - 0.06 * y + j("nose_w", 0.02) + 0.03 * l.depth,
            nose_y: 0.5 - 0.1 * y + j("nose_y", 0.03) + 0.03 * o,
            mouth_w: 0.25 + 0.02 * m - 0.05 * y + j("mouth_w", 0.03),
            mouth_y: 0.86 - 0.16 * y + j("mouth_y", 0.02) + 0.03 * o,
            lips: 0.06 + 0.03 * (1.0 - m) + j("lips", 0.015) + 0.015 * l.depth,
            side: if l.turn > 0.05 {
                1.0
            } else if l.turn < -0.05 {
                -1.0
            } else if rng.chance("poster.light", 0.5) {
                1.0
            } else {
                -1.0
            },
            ear_y: 0.2 - 0.05 * y,
            shape: Shape::default(),
            parts: None,
        }
    }

    /// The head outline in head space, clockwise from the crown. Turned, the far side of the
    /// jaw draws in and the near side fills out, so the jaw line is no longer a mirror image.
    pub(crate) fn outline_pts(&self) -> Vec<Pt> {
        let t = self.top;
        let (jx, jy) = self.jaw;
        let (cw, cy) = self.chin;
        let sh = self.shape;
        let mut pts = symmetric(&[
            (0.0, t),
            (0.6, t * 0.9),
            (sh.temple, t * 0.55),
            (1.0, -0.15),
            (sh.cheek, 0.25),
            (lerp(sh.cheek, jx, 0.55) + sh.bow, lerp(0.25, jy, 0.6)),
            (jx, jy),
            (cw + sh.corner.0, cy + sh.corner.1),
            (cw * 0.55, cy - 0.005),
            (0.0, cy + 0.01),
        ]);
        let turn = self.f.turn;
        for p in pts.iter_mut().filter(|p| p.1 > 0.1) {
            let k = if p.0 * turn > 0.0 { -0.16 } else { 0.03 };
            p.0 *= 1.0 + k * turn.abs() * ((p.1 - 0.1) / 0.5).min(1.0);
        }
        pts
    }

    /// The outline's cubic segments on the canvas. Points 0 (crown) and 9 (chin) are on the
    /// midline; point `k` on the right mirrors to `18 - k` on the left.
    pub(crate) fn outline_segs(&self) -> Vec<Seg> {
        closed_segs(&self.f.all(&self.outline_pts()), &[])
    }

    /// The region between outline points `a..b` on the right side (or their mirror images on
    /// the left when `s < 0`) and a curve back through `back` (right-side head space, from
    /// point `b` towards point `a`).
    fn side_region(&self, segs: &[Seg], s: f64, a: usize, b: usize, back: &[Pt]) -> String {
        let mut pts: Vec<Pt> = back.iter().map(|&(x, y)| self.f.p(s * x, y)).collect();
        if s > 0.0 {
            region(segs, a, b, &pts)
        } else {
            pts.reverse();
            region(segs, 18 - b, 18 - a, &pts)
        }
    }

    /// The neck (shadow tone) with a lit edge, and the chest skin a V-neck shows.
    pub(crate) fn neck(&self, svg: &mut Svg, l: &Look, base_y: f64) {
        let n = self.neck;
        let f = &self.f;
        let pts = f.all_flat(&symmetric(&[
            (0.0, 0.4),
            (n * 0.95, 0.5),
            (n, 1.3),
            (n * 1.04, base_y - 0.25),
            (n + 0.45, base_y + 0.15),
            (n + 0.5, base_y + 0.9),
            (0.0, base_y + 0.9),
        ]));
        fill(svg, &closed(&pts, &[4, 5, 7, 8]), l.skin.base);
        // Shade everything but a strip on the lit side; the jaw casts the top of it.
        let s = self.side;
        let shade = f.all_flat(&[
            (-s * n * 0.45, 0.5),
            (s * (n + 0.2), 0.5),
            (s * (n + 0.7), base_y + 1.0),
            (-s * n * 0.2, base_y + 1.0),
            (-s * n * 0.5, base_y - 0.1),
            (-s * n * 0.62, 1.4),
        ]);
        fill(svg, &closed(&shade, &[1, 2, 3]), l.skin.shadow);
        let jaw = f.all_flat(&[
            (-n * 1.1, 0.6),
            (n * 1.1, 0.6),
            (n * 1.1, 1.25),
            (0.0, self.chin.1 + 0.28),
            (-n * 1.1, 1.25),
        ]);
        fill_a(svg, &closed(&jaw, &[0, 1]), l.skin.shadow, 1.0);
    }

    /// Shading blocks inside the face, built on the outline's own segments so nothing needs
    /// clipping: the side away from the light, under the chin, highlights on the forehead and
    /// cheekbone, blush.
    pub(crate) fn shading(&self, svg: &mut Svg, l: &Look, segs: &[Seg]) {
        let (f, s) = (&self.f, self.side);
        let cy = self.chin.1;
        let back = [(0.5, cy - 0.42), (0.76, 0.2), (0.74, -0.65)];
        fill(svg, &self.side_region(segs, s, 1, 9, &back), l.skin.shadow);
        // Under the chin, the jaw turns away.
        let chin = region(segs, 7, 11, &[f.p(0.0, cy - 0.08)]);
        fill(svg, &chin, l.skin.shadow);
        let hl = l.skin.light;
        let fh = f.p(-s * 0.32, -0.8);
        fill_a(svg, &ellipse(fh, f.len(0.28), f.len(0.13)), hl, 0.8);
        let ck = f.p(-s * 0.56, 0.28);
        fill_a(svg, &ellipse(ck, f.len(0.16), f.len(0.09)), hl, 0.8);
        if l.blush {
            let pink = l
                .skin
                .base
                .mix(Rgb(0xe0, 0x6a, 0x6a), 0.55 - 0.25 * l.depth);
            for x in [-0.56, 0.56] {
                let c = f.p(x, 0.5);
                fill_a(svg, &ellipse(c, f.len(0.17), f.len(0.1)), pink, 0.35);
            }
        }
    }

    /// Lines that come with age: forehead, crow's feet, smile lines, under the eyes.
    pub(crate) fn age_lines(&self, svg: &mut Svg, l: &Look) {
        let k = ((l.age - 42.0) / 30.0).clamp(0.0, 1.0);
        if k <= 0.0 {
            return;
        }
        let (f, c) = (&self.f, l.skin.shadow.mix(Rgb(0x3a, 0x20, 0x18), 0.25));
        let w = f.len(0.035);
        let op = 0.45 + 0.45 * k;
        for sx in [-1.0, 1.0] {
            let mx = sx * (self.mouth_w + 0.1);
            let nl = [
                f.p(sx * (self.nose_w + 0.1), self.nose_y - 0.04),
                f.p(mx + sx * 0.02, lerp(self.nose_y, self.mouth_y, 0.55)),
                f.p(mx, self.mouth_y + 0.05),
            ];
            stroke(svg, &open(&nl), c, w, op);
            if k > 0.35 {
                let ex = sx * (self.eye_x + self.eye_w + 0.06);
                for dy in [-0.03, 0.07] {
                    let d = open(&[f.p(ex, dy), f.p(ex + sx * 0.09, dy + dy * 0.6)]);
                    stroke(svg, &d, c, w * 0.8, op * 0.8);
                }
                let ey = self.eye_h + 0.09;
                let bag = [
                    f.p(sx * (self.eye_x - 0.12), ey),
                    f.p(sx * self.eye_x, ey + 0.04),
                    f.p(sx * (self.eye_x + 0.13), ey - 0.01),
                ];
                stroke(svg, &open(&bag), c, w * 0.8, op * 0.7);
            }
        }
        if k > 0.2 {
            for (i, y) in [-0.78, -0.66].into_iter().enumerate() {
                let hw = 0.34 - 0.08 * i as f64;
                let d = open(&[f.p(-hw, y + 0.02), f.p(0.0, y - 0.02), f.p(hw, y + 0.02)]);
                stroke(svg, &d, c, w * 0.8, op * 0.6);
            }
        }
    }

    /// Eyes, brows, nose and mouth.
    pub(crate) fn features(&self, svg: &mut Svg, l: &Look, rng: &Prng) {
        let f = &self.f;
        let ink = l.hair.shadow.mix(Rgb(0x1c, 0x12, 0x10), 0.6);
        let brow = if matches!(
            l.hair_color,
            crate::sitter::HairColor::Grey | crate::sitter::HairColor::White
        ) {
            l.hair.shadow.mix(l.skin.shadow, 0.3)
        } else {
            l.hair.base.mix(ink, 0.45)
        }
        .mix(l.skin.shadow, 0.4 * l.youth);
        let look_x = 0.25 * l.turn;
        let lift = rng.jitter("poster.face.brow_lift", 0.03);
        for s in [-1.0, 1.0] {
            let (ex, ew, eh) = (s * self.eye_x, self.eye_w, self.eye_h);
            // Almond: arched upper lid, flatter lower lid, outer corner slightly raised.
            let eye = f.all(&[
                (ex - s * ew, 0.02),
                (ex - s * ew * 0.35, -eh * 0.95),
                (ex + s * ew * 0.45, -eh * 0.9),
                (ex + s * ew, -0.015),
                (ex + s * ew * 0.3, eh * 0.62),
                (ex - s * ew * 0.45, eh * 0.55),
            ]);
            fill(svg, &closed(&eye, &[0, 3]), Rgb(0xfb, 0xf8, 0xf3));
            let ir = eh * 0.78;
            let ic = f.p(ex + look_x * 0.12, -eh * 0.12);
            fill(svg, &ellipse(ic, f.len(ir), f.len(ir)), l.iris);
            fill(svg, &ellipse(ic, f.len(ir * 0.5), f.len(ir * 0.5)), ink);
            let gl = (ic.0 - f.len(ir * 0.35), ic.1 - f.len(ir * 0.35));
            let g = f.len(ir * 0.24);
            fill(svg, &ellipse(gl, g, g), Rgb(0xff, 0xff, 0xff));
            // The upper lid: skin above the lash line, then the line, thicker outside.
            let lid = f.all(&[
                (ex - s * ew * 1.05, 0.0),
                (ex - s * ew * 0.35, -eh * 1.0),
                (ex + s * ew * 0.45, -eh * 0.95),
                (ex + s * ew * 1.08, -0.03),
            ]);
            stroke(
                svg,
                &open(&lid),
                ink,
                f.len(0.045 + 0.012 * (1.0 - l.masc)),
                1.0,
            );
            let crease = f.all(&[
                (ex - s * ew * 0.6, -eh * 1.25),
                (ex + s * ew * 0.1, -eh * 1.6),
                (ex + s * ew * 0.8, -eh * 1.1),
            ]);
            stroke(svg, &open(&crease), l.skin.shadow, f.len(0.03), 0.9);
            // Brow: a tapered block, thickest at the inner end.
            let (by, bt) = (self.brow_y + lift, self.brow_t);
            let b = |x: f64, y: f64| f.p(ex + s * x, by + y);
            let bpts = [
                b(-0.21, 0.02),
                b(-0.19, -bt * 1.1),
                b(0.04, -bt * 0.9 - 0.06),
                b(0.25, -0.02),
                b(0.24, bt * 0.05),
                b(0.04, -0.04),
                b(-0.19, bt * 0.55),
            ];
            fill(svg, &closed(&bpts, &[0, 3]), brow);
        }
        self.nose(svg, l);
        self.mouth(svg, l);
    }

    fn mouth(&self, svg: &mut Svg, l: &Look) {
        let f = &self.f;
        let (mw, my) = (self.mouth_w, self.mouth_y);
        let up = 0.02 + 0.05 * l.smile;
        let lip = l
            .skin
            .shadow
            .mix(Rgb(0xb8, 0x4e, 0x4e), 0.32 - 0.2 * l.depth);
        let dark = lip.mix(Rgb(0x3a, 0x14, 0x14), 0.6);
        if l.open {
            let mw = mw * 1.08;
            let m = f.all(&[
                (-mw, my - up),
                (0.0, my + 0.015),
                (mw, my - up),
                (mw * 0.5, my + 0.11 + 0.04 * l.smile),
                (-mw * 0.5, my + 0.11 + 0.04 * l.smile),
            ]);
            fill(svg, &closed(&m, &[0, 2]), dark);
            let teeth = f.all(&[
                (-mw * 0.82, my - up * 0.7),
                (0.0, my + 0.02),
                (mw * 0.82, my - up * 0.7),
                (mw * 0.55, my + 0.06),
                (-mw * 0.55, my + 0.06),
            ]);
            fill(svg, &closed(&teeth, &[0, 2]), Rgb(0xfa, 0xf6, 0xee));
            let lower = f.all(&[
                (-mw * 0.55, my + 0.15 + 0.04 * l.smile),
                (0.0, my + 0.2 + 0.04 * l.smile),
                (mw * 0.55, my + 0.15 + 0.04 * l.smile),
            ]);
            stroke(svg, &open(&lower), l.skin.shadow, f.len(0.05), 0.9);
        } else {
            let lw = self.lips;
            let lower = f.all(&[
                (-mw * 0.9, my - up * 0.8),
                (0.0, my + 0.01),
                (mw * 0.9, my - up * 0.8),
                (mw * 0.5, my + lw * 1.2),
                (0.0, my + lw * 1.5),
                (-mw * 0.5, my + lw * 1.2),
            ]);
            fill(svg, &closed(&lower, &[0, 2]), lip);
            let upper = f.all(&[
                (-mw * 0.95, my - up),
                (-mw * 0.3, my - lw * 0.9),
                (0.0, my - lw * 0.65),
                (mw * 0.3, my - lw * 0.9),
                (mw * 0.95, my - up),
                (0.0, my + 0.01),
            ]);
            fill(svg, &closed(&upper, &[0, 4]), lip.mix(dark, 0.25));
            let line = f.all(&[(-mw, my - up * 1.1), (0.0, my + 0.01), (mw, my - up * 1.1)]);
            stroke(svg, &open(&line), dark, f.len(0.035), 1.0);
            let hl = f.p(-self.side * mw * 0.25, my + lw * 0.75);
            fill_a(
                svg,
                &ellipse(hl, f.len(0.07), f.len(0.025)),
                l.skin.light,
                0.5,
            );
        }
        // A soft block of shadow under the lower lip.
        let c = f.p(0.0, my + 0.25 + 0.04 * l.smile);
        fill_a(
            svg,
            &ellipse(c, f.len(0.14), f.len(0.04)),
            l.skin.shadow,
            0.9,
        );
    }

    /// Stubble, moustache, beard or goatee, drawn over the skin and under the mouth.
    pub(crate) fn facial_hair(&self, svg: &mut Svg, l: &Look) {
        let f = &self.f;
        let (my, mw) = (self.mouth_y, self.mouth_w);
        let (jx, jy) = self.jaw;
        let (cw, cy) = self.chin;
        let tone = if matches!(
            l.hair_color,
            crate::sitter::HairColor::Grey | crate::sitter::HairColor::White
        ) {
            l.hair.base
        } else {
            l.hair.base.mix(l.hair.shadow, 0.3)
        };
        let tash = || {
            f.all(&[
                (-mw - 0.08, my + 0.02),
                (-mw * 0.6, my - 0.13),
                (0.0, my - 0.11),
                (mw * 0.6, my - 0.13),
                (mw + 0.08, my + 0.02),
                (mw * 0.55, my - 0.04),
                (0.0, my - 0.05),
                (-mw * 0.55, my - 0.04),
            ])
        };
        let beard = || {
            // Outer edge just outside the jaw, a slightly ragged line under the chin; inner
            // edge from the sideburn down across the lower cheek to the moustache.
            let pts = [
                (0.97, 0.02),
                (1.0, 0.32),
                (jx + 0.04, jy + 0.03),
                (cw + 0.16, cy + 0.03),
                (cw * 0.4, cy + 0.12),
                (-cw * 0.4, cy + 0.12),
                (-cw - 0.16, cy + 0.03),
                (-jx - 0.04, jy + 0.03),
                (-1.0, 0.32),
                (-0.97, 0.02),
                (-0.87, 0.05),
                (-0.8, 0.42),
                (-0.6, 0.62),
                (-mw - 0.1, my - 0.13),
                (0.0, my - 0.16),
                (mw + 0.1, my - 0.13),
                (0.6, 0.62),
                (0.8, 0.42),
                (0.87, 0.05),
            ];
            f.all(&pts)
        };
        match l.facial {
            FacialHair::None => {}
            FacialHair::Stubble => {
                // Inside the face only: along the outline from temple to temple.
                let segs = self.outline_segs();
                let inner = f.all(&[
                    (-0.86, -0.05),
                    (-0.8, 0.4),
                    (-mw - 0.12, my - 0.14),
                    (0.0, my - 0.17),
                    (mw + 0.12, my - 0.14),
                    (0.8, 0.4),
                    (0.86, -0.05),
                ]);
                // Stubble lighter than the skin would be a grey film: draw it as the jaw's
                // shadow, tinted by the hair.
                let (c, op) = if tone.luminance() > l.skin.base.luminance() {
                    (l.skin.shadow.mix(tone, 0.2), 0.55)
                } else {
                    (tone, 0.28)
                };
                fill_a(svg, &region(&segs, 3, 15, &inner), c, op);
            }
            FacialHair::Moustache => fill(svg, &closed(&tash(), &[0, 4]), tone),
            FacialHair::Beard => {
                let b = closed(&beard(), &[0, 9, 10, 18]);
                fill(svg, &b, tone);
                // Texture: a few short flicks in the shadow tone along the jaw.
                for k in 0..5 {
                    let x = -0.5 + 0.25 * f64::from(k);
                    let y = lerp(jy, cy, 1.0 - x.abs()) + 0.02;
                    let d = open(&[f.p(x, y - 0.1), f.p(x * 1.05, y)]);
                    stroke(svg, &d, l.hair.shadow, f.len(0.035), 0.6);
                }
                let under = f.all(&[
                    (-cw - 0.1, cy - 0.05),
                    (0.0, cy + 0.11),
                    (cw + 0.1, cy - 0.05),
                    (0.0, cy - 0.02),
                ]);
                fill_a(svg, &closed(&under, &[0, 2]), l.hair.shadow, 0.6);
            }
            FacialHair::Goatee => {
                fill(svg, &closed(&tash(), &[0, 4]), tone);
                let g = f.all(&[
                    (-mw - 0.06, my + 0.02),
                    (-cw - 0.02, cy - 0.12),
                    (0.0, cy + 0.06),
                    (cw + 0.02, cy - 0.12),
                    (mw + 0.06, my + 0.02),
                    (mw - 0.02, my + 0.06),
                    (0.0, my + 0.16),
                    (-mw + 0.02, my + 0.06),
                ]);
                fill(svg, &closed(&g, &[0, 4]), tone);
            }
        }
    }

    /// Glasses frames over the eyes (drawn last, over hair).
    pub(crate) fn glasses(&self, svg: &mut Svg, l: &Look) {
        let Some(g) = l.glasses else { return };
        let f = &self.f;
        let w = f.len(
            if g.color == Rgb(0xb0, 0x8d, 0x57) || g.color == Rgb(0x8c, 0x8f, 0x96) {
                0.04
            } else {
                0.065
            },
        );
        let (rx, ry) = match g.frames {
            Frames::Round => (0.27, 0.25),
            Frames::Square | Frames::Browline => (0.3, 0.21),
        };
        let cy = -0.01;
        let mut lens = Vec::new();
        for s in [-1.0, 1.0] {
            let cx = s * self.eye_x;
            let pts: Vec<Pt> = match g.frames {
                Frames::Round => {
                    let c = f.p(cx, cy);
                    lens.push(ellipse(c, f.len(rx), f.len(ry)));
                    continue;
                }
                Frames::Square | Frames::Browline => f.all(&[
                    (cx - rx, cy - ry),
                    (cx + rx, cy - ry),
                    (cx + rx * 0.95, cy + ry * 0.7),
                    (cx + rx * 0.6, cy + ry),
                    (cx - rx * 0.6, cy + ry),
                    (cx - rx * 0.95, cy + ry * 0.7),
                ]),
            };
            lens.push(closed(&pts, &[0, 1]));
        }
        svg.open("g", &[("class", &"glasses")]);
        for d in &lens {
            fill_a(svg, d, Rgb(0xff, 0xff, 0xff), 0.16);
            stroke(svg, d, g.color, w, 1.0);
        }
        let ix = self.eye_x - rx;
        let bridge = open(&f.all(&[(-ix, cy - 0.04), (0.0, cy - 0.09), (ix, cy - 0.04)]));
        stroke(svg, &bridge, g.color, w, 1.0);
        for s in [-1.0, 1.0] {
            let arm = open(&[
                f.p(s * (self.eye_x + rx), cy - ry * 0.6),
                f.flat(s * 0.99, cy - 0.06),
            ]);
            stroke(svg, &arm, g.color, w, 1.0);
            if g.frames == Frames::Browline {
                let top = open(&f.all(&[
                    (s * (self.eye_x - rx * 0.95), cy - ry * 0.92),
                    (s * self.eye_x, cy - ry * 1.02),
                    (s * (self.eye_x + rx * 0.95), cy - ry * 0.92),
                ]));
                stroke(svg, &top, g.color.mix(Rgb(0, 0, 0), 0.4), w * 2.2, 1.0);
            }
            // A glint across the lens.
            let gx = s * self.eye_x - rx * 0.45;
            let glint = open(&[f.p(gx, cy - ry * 0.55), f.p(gx + 0.14, cy - ry * 0.8)]);
            stroke(svg, &glint, Rgb(0xff, 0xff, 0xff), f.len(0.035), 0.7);
        }
        svg.close("g");
    }
}

fn lerp(a: f64, b: f64, t: f64) -> f64 {
    pen::lerp(a, b, t)
}
