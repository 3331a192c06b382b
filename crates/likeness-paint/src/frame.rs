//! The options every kind shares, named as DiceBear names them: the outline (`shape`,
//! `radius`), the background (`background`, `background_fill`) and the figure's placement
//! (`flip`, `rotate`, `scale`, `translate_x`, `translate_y`).
//!
//! A kind draws its *ground* (a colour, paper, a backdrop) and then its *figure* (letters,
//! a person, abstract art). The background options replace the ground; the placement options
//! move the figure only, as DiceBear moves its avatar over a fixed background. Numbers may be
//! a `[min, max]` range, from which the seed picks.

use serde::{Deserialize, Serialize};

use crate::PaintError;
use crate::prng::Prng;
use crate::recipe::Shape;
use crate::sitter::Rgb;
use crate::svg::{Canvas, N, Svg};

/// A number, or a `[min, max]` range the seed picks from.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Span {
    Fixed(f64),
    Range(f64, f64),
}

impl Span {
    pub(crate) fn check(self, what: &str, lo: f64, hi: f64) -> Result<(), PaintError> {
        let (a, b) = self.bounds();
        for v in [a, b] {
            if !(lo..=hi).contains(&v) {
                return Err(PaintError::BadRecipe(format!(
                    "{what} must be {lo}..={hi}, got {v}"
                )));
            }
        }
        if a > b {
            return Err(PaintError::BadRecipe(format!(
                "{what} range must be [min, max], got [{a}, {b}]"
            )));
        }
        Ok(())
    }

    fn bounds(self) -> (f64, f64) {
        match self {
            Span::Fixed(v) => (v, v),
            Span::Range(a, b) => (a, b),
        }
    }

    /// The value for this seed: the number itself, or a keyed draw from the range.
    pub(crate) fn value(self, rng: &Prng, key: &str) -> f64 {
        match self {
            Span::Fixed(v) => v,
            Span::Range(a, b) => rng.range(key, a, b),
        }
    }
}

/// Mirroring of the figure (DiceBear's `flip`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flip {
    None,
    Horizontal,
    Vertical,
    Both,
}

/// How several colours fill a background (DiceBear's `…ColorFill`): the seed picks one
/// (`solid`) or two form a gradient.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColorFill {
    Solid,
    Linear,
    Radial,
}

/// The shared options of the drawn kinds (`initials`, `geometric`, `watercolor`, `poster`,
/// `cartoon`). Written at the top level of a style's `[renderer]` table beside the kind's own
/// fields; `dicebear` has the same names as native DiceBear options instead.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Frame {
    /// `square` (default), `rounded` or `circle`.
    pub shape: Shape,
    /// Corner radius, percent of the shorter side, 0..=50. Rounds the corners of any shape but
    /// a circle (`rounded` alone means 16).
    pub radius: Option<Span>,
    /// Background colours, replacing the kind's own ground: the seed picks one, or two form a
    /// gradient (see `background_fill`). One colour may be written without the list.
    #[serde(deserialize_with = "one_or_many")]
    pub background: Vec<Rgb>,
    pub background_fill: Option<ColorFill>,
    /// Mirror the figure.
    pub flip: Option<Flip>,
    /// Turn the figure about the centre, degrees, -360..=360.
    pub rotate: Option<Span>,
    /// Size the figure about the centre, 0.1..=10 (1 is its own size; the excess is clipped).
    pub scale: Option<Span>,
    /// Move the figure, percent of the width, -100..=100.
    pub translate_x: Option<Span>,
    /// Move the figure, percent of the height, -100..=100.
    pub translate_y: Option<Span>,
}

fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Rgb>, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    let colors = if v.is_array() {
        serde_json::from_value(v)
    } else {
        serde_json::from_value(v).map(|c| vec![c])
    };
    colors.map_err(serde::de::Error::custom)
}

impl Frame {
    /// The `[renderer]` keys that belong to the frame rather than to a kind.
    pub const KEYS: &'static [&'static str] = &[
        "shape",
        "radius",
        "background",
        "background_fill",
        "flip",
        "rotate",
        "scale",
        "translate_x",
        "translate_y",
    ];

    pub(crate) fn validate(&self) -> Result<(), PaintError> {
        let spans = [
            (self.radius, "radius", 0.0, 50.0),
            (self.rotate, "rotate", -360.0, 360.0),
            (self.scale, "scale", 0.1, 10.0),
            (self.translate_x, "translate_x", -100.0, 100.0),
            (self.translate_y, "translate_y", -100.0, 100.0),
        ];
        for (span, what, lo, hi) in spans {
            if let Some(s) = span {
                s.check(what, lo, hi)?;
            }
        }
        if self.background_fill.is_some() && self.background.is_empty() {
            return Err(PaintError::BadRecipe(
                "background_fill needs background colours, e.g. background = [\"#fde2e4\", \"#cddafd\"]"
                    .into(),
            ));
        }
        Ok(())
    }
}

/// A kind's view of its frame while drawing: opened by [`Canvas::begin_frame`].
pub(crate) struct Framed<'f> {
    frame: &'f Frame,
    rng: Prng,
    figure_open: bool,
}

impl Canvas {
    /// Opens the outline (the clip for `shape` and `radius`); close with [`Canvas::end_frame`].
    pub(crate) fn begin_frame<'f>(
        &self,
        svg: &mut Svg,
        frame: &'f Frame,
        rng: &Prng,
    ) -> Framed<'f> {
        let rng = rng.child("frame");
        let radius = frame.radius.map(|r| r.value(&rng, "radius"));
        match (frame.shape, radius) {
            (Shape::Square, None) => svg.open("g", &[]),
            (Shape::Circle, _) => {
                svg.open("clipPath", &[("id", &self.id("frame"))]);
                svg.leaf(
                    "circle",
                    &[
                        ("cx", &N(self.cx())),
                        ("cy", &N(self.cy())),
                        ("r", &N(50.0)),
                    ],
                );
                svg.close("clipPath");
                svg.open("g", &[("clip-path", &self.url("frame"))]);
            }
            (Shape::Square | Shape::Rounded, r) => {
                let r = r.unwrap_or(16.0);
                svg.open("clipPath", &[("id", &self.id("frame"))]);
                svg.leaf(
                    "rect",
                    &[
                        ("width", &N(self.w)),
                        ("height", &N(self.h)),
                        ("rx", &N(r)),
                        ("ry", &N(r)),
                    ],
                );
                svg.close("clipPath");
                svg.open("g", &[("clip-path", &self.url("frame"))]);
            }
        }
        Framed {
            frame,
            rng,
            figure_open: false,
        }
    }

    /// Closes what [`Canvas::begin_frame`] opened (and the figure, if still open).
    pub(crate) fn end_frame(&self, svg: &mut Svg, mut framed: Framed<'_>) {
        framed.end_figure(svg);
        svg.close("g");
    }
}

impl Framed<'_> {
    /// Paints the frame's background over the whole canvas if the style sets one, and returns
    /// the colour a kind should treat as its ground (the picked colour, or a gradient's mean).
    /// `None`: the kind paints its own ground.
    pub(crate) fn background(
        &self,
        svg: &mut Svg,
        canvas: &Canvas,
        kind_rng: &Prng,
    ) -> Option<Rgb> {
        let colors = &self.frame.background;
        if colors.is_empty() {
            return None;
        }
        // The same key the kinds used for their own background lists, so a style that moved
        // its colours here draws the same picture.
        let first = *kind_rng.pick("background", colors);
        let fill = self.frame.background_fill.unwrap_or(ColorFill::Solid);
        let full = |svg: &mut Svg, paint: &dyn std::fmt::Display| {
            let attrs = [
                ("width", &N(canvas.w) as &dyn std::fmt::Display),
                ("height", &N(canvas.h)),
                ("fill", paint),
            ];
            svg.leaf("rect", &attrs);
        };
        if fill == ColorFill::Solid || colors.len() < 2 {
            full(svg, &first);
            return Some(first);
        }
        // Two distinct colours: the picked one and the next in the list.
        let i = colors.iter().position(|c| *c == first).unwrap_or(0);
        let second = colors[(i + 1) % colors.len()];
        let id = canvas.id("background");
        match fill {
            ColorFill::Radial => svg.open("radialGradient", &[("id", &id)]),
            _ => {
                // The angle comes from the seed, as DiceBear's does.
                let a = self.rng.range("background.angle", 0.0, 360.0).to_radians();
                let (dx, dy) = (a.cos() / 2.0, a.sin() / 2.0);
                let attrs = [
                    ("id", &id as &dyn std::fmt::Display),
                    ("x1", &N(0.5 - dx)),
                    ("y1", &N(0.5 - dy)),
                    ("x2", &N(0.5 + dx)),
                    ("y2", &N(0.5 + dy)),
                ];
                svg.open("linearGradient", &attrs);
            }
        }
        svg.leaf("stop", &[("offset", &"0"), ("stop-color", &first)]);
        svg.leaf("stop", &[("offset", &"1"), ("stop-color", &second)]);
        svg.close(match fill {
            ColorFill::Radial => "radialGradient",
            _ => "linearGradient",
        });
        full(svg, &canvas.url("background"));
        Some(first.mix(second, 0.5))
    }

    /// Opens the figure's placement group (only if the frame moves the figure at all, so
    /// unframed drawings are unchanged). Everything drawn until [`Framed::end_figure`] (or
    /// [`Canvas::end_frame`]) is flipped, turned, scaled and moved about the canvas centre.
    pub(crate) fn begin_figure(&mut self, svg: &mut Svg, canvas: &Canvas) {
        let f = self.frame;
        let rng = &self.rng;
        let (mx, my) = match f.flip.unwrap_or(Flip::None) {
            Flip::None => (1.0, 1.0),
            Flip::Horizontal => (-1.0, 1.0),
            Flip::Vertical => (1.0, -1.0),
            Flip::Both => (-1.0, -1.0),
        };
        let scale = f.scale.map_or(1.0, |s| s.value(rng, "scale"));
        let rotate = f.rotate.map_or(0.0, |s| s.value(rng, "rotate"));
        let tx = f.translate_x.map_or(0.0, |s| s.value(rng, "translate_x")) * canvas.w / 100.0;
        let ty = f.translate_y.map_or(0.0, |s| s.value(rng, "translate_y")) * canvas.h / 100.0;
        if (mx, my, scale, rotate, tx, ty) == (1.0, 1.0, 1.0, 0.0, 0.0, 0.0) {
            return;
        }
        let (cx, cy) = (canvas.cx(), canvas.cy());
        let transform = format!(
            "translate({} {}) rotate({}) scale({} {}) translate({} {})",
            N(cx + tx),
            N(cy + ty),
            N(rotate),
            N(mx * scale),
            N(my * scale),
            N(-cx),
            N(-cy)
        );
        svg.open("g", &[("transform", &transform)]);
        self.figure_open = true;
    }

    /// Closes the figure's placement group, so what follows (a vignette, a border) stays put.
    pub(crate) fn end_figure(&mut self, svg: &mut Svg) {
        if std::mem::take(&mut self.figure_open) {
            svg.close("g");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Size;

    fn frame(toml_text: &str) -> Frame {
        toml::from_str(toml_text).unwrap()
    }

    fn drawn(f: &Frame) -> String {
        let size = Size::square(100);
        let canvas = Canvas::new(size, "t".into());
        let rng = Prng::new("seed");
        let mut svg = canvas.svg(size);
        let mut framed = canvas.begin_frame(&mut svg, f, &rng);
        framed.background(&mut svg, &canvas, &rng);
        framed.begin_figure(&mut svg, &canvas);
        svg.leaf("circle", &[("r", &N(10.0))]);
        canvas.end_frame(&mut svg, framed);
        svg.finish()
    }

    #[test]
    fn an_empty_frame_adds_nothing_but_a_group() {
        let s = drawn(&Frame::default());
        assert!(!s.contains("clip"), "{s}");
        assert!(!s.contains("transform"), "{s}");
        assert!(!s.contains("rect"), "{s}");
    }

    #[test]
    fn placement_moves_the_figure_about_the_centre() {
        let s = drawn(&frame(
            "flip = \"horizontal\"\nrotate = 90\nscale = 0.5\ntranslate_x = 10",
        ));
        assert!(
            s.contains(
                "transform=\"translate(60 50) rotate(90) scale(-0.5 0.5) translate(-50 -50)\""
            ),
            "{s}"
        );
        // The background is not inside the moved group.
        let f = frame("background = [\"#102030\"]\nrotate = 45");
        let s = drawn(&f);
        let rect = s.find("fill=\"#102030\"").unwrap();
        let moved = s.find("rotate(45)").unwrap();
        assert!(rect < moved, "{s}");
    }

    #[test]
    fn ranges_are_picked_by_the_seed_within_bounds() {
        let f = frame("rotate = [-20, 20]");
        let s = drawn(&f);
        let r: f64 = s
            .split("rotate(")
            .nth(1)
            .unwrap()
            .split(')')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!((-20.0..=20.0).contains(&r) && r != 0.0, "{r}");
        assert_eq!(s, drawn(&f));
    }

    #[test]
    fn gradients_and_shapes() {
        let s = drawn(&frame(
            "background = [\"#ff0000\", \"#0000ff\"]\nbackground_fill = \"linear\"\nradius = 50",
        ));
        assert!(s.contains("<linearGradient"), "{s}");
        assert!(s.contains("rx=\"50\""), "{s}");
        let s = drawn(&frame(
            "background = [\"#ff0000\", \"#0000ff\"]\nbackground_fill = \"radial\"\nshape = \"circle\"",
        ));
        assert!(
            s.contains("<radialGradient") && s.contains("<circle cx"),
            "{s}"
        );
    }

    #[test]
    fn bad_values_name_the_key() {
        for (text, key) in [
            ("rotate = 400", "rotate"),
            ("scale = 0", "scale"),
            ("radius = [40, 10]", "radius"),
            ("translate_y = -101", "translate_y"),
            ("background_fill = \"linear\"", "background_fill"),
        ] {
            let e = frame(text).validate().unwrap_err();
            assert_eq!(e.code(), "paint.bad_recipe");
            assert!(e.to_string().contains(key), "{text}: {e}");
        }
        assert!(toml::from_str::<Frame>("flip = \"sideways\"").is_err());
    }
}
