//! `kind = "cartoon"`: a whimsical, expressive, front-facing head-and-shoulders cartoon on a
//! clean background, whose palette and expression follow the sitter's worldview.
//!
//! - The person is the poster's (`look.rs`: skin ramp, hair colour and cut, facial hair,
//!   glasses, head covering and age, from demographics, pins and seed), drawn with cartoon
//!   proportions: a bigger, rounder head over narrower shoulders, big eyes with lids and
//!   highlights, a small nose, a drawn mouth, and its own chunky hair (`hair.rs`).
//! - One consistent dark outline round every shape, flat fills and one cel-shadow tone.
//! - The worldview (`Sitter::worldview`, matched by keyword, see [`CartoonTheme`]) picks the
//!   theme: its palette (background, its motif, the top and its accent) and the mood (brows,
//!   lids, mouth, bags under the eyes, a coffee cup). No worldview: cheerful.
//! - The background is one colour with one simple shape (a soft disc, rays, stars, sparkles, a
//!   moon or confetti) and, round anything but a disc, a soft vignette.
//!
//! Like `poster`, only flat fills and strokes: no filters, gradients or clips, so shading that
//! must stop at an edge follows the outline's own segments. Outlines are mostly ink underlays
//! (the shape grown by the line width, filled beneath it), which resvg draws at about half the
//! cost of stroking them. The figure is drawn in a square design box anchored bottom-centre;
//! other aspect ratios get more background.

mod body;
mod eyes;
mod features;
mod hair;
mod head;
mod theme;

use serde::{Deserialize, Serialize};

pub use theme::CartoonTheme;

use crate::face::Face;
use crate::frame::Frame;
use crate::hair::Mark;
use crate::look::Look;
use crate::parts::Parts;
use crate::pen::{self, fill, segs_path, stroke};
use crate::prng::Prng;
use crate::sitter::{FacialHair, HairStyle, HeadCovering, Rgb, Sitter};
use crate::svg::{Canvas, N, Svg};
use crate::wear;
use crate::{PaintError, Size};
use body::Body;
use features::Toon;

/// `kind = "cartoon"`: a whimsical front-facing cartoon themed by the sitter's worldview.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CartoonRecipe {
    /// Forces a theme for every sitter. `None`: from the sitter's `worldview` (cheerful when
    /// it has none or no keyword matches).
    pub theme: Option<CartoonTheme>,
    /// Up to three colours replacing the theme's: the top, its accent, and the background.
    pub palette: Vec<Rgb>,
    /// `shape`, `radius`, `background`, `flip`, `rotate`, … (see [`Frame`]).
    #[serde(skip)]
    pub frame: Frame,
}

impl CartoonRecipe {
    pub(crate) fn validate(&self) -> Result<(), PaintError> {
        if self.palette.len() > 3 {
            return Err(PaintError::BadRecipe(format!(
                "palette takes up to 3 colours (top, accent, background), got {}",
                self.palette.len()
            )));
        }
        Ok(())
    }
}

/// Draws hair marks with one outline round their union: ink underneath every mark first,
/// then the marks, whose own fills cover the inside. Shapes and dots are grown by the outline
/// width and filled (one path; fills cost resvg far less than strokes of the same outline),
/// strokes (locs, braids) get a wider ink stroke once per path, and any other opaque fill an
/// edge stroke. Translucent marks (sheen, texture) lie inside and get none.
fn outlined(svg: &mut Svg, marks: &[Mark], ink: Rgb, lw: f64) {
    let mut under = String::new();
    let mut edges = String::new();
    let mut lines: Vec<(&str, f64)> = Vec::new();
    for m in marks {
        match m {
            Mark::Shape(pts, corners, _, op) if *op >= 0.9 => {
                under.push_str(&features::grown_path(pts, corners, lw));
            }
            Mark::Oval(c, rx, ry, _) => under.push_str(&pen::ellipse(*c, rx + lw, ry + lw)),
            Mark::Dots(ds, _) => {
                for &(c, r) in ds {
                    under.push_str(&pen::ellipse(c, r + lw, r + lw));
                }
            }
            Mark::Fill(d, _, op) if *op >= 0.9 => edges.push_str(d),
            Mark::Stroke(d, _, w, op) if *op >= 0.999 => {
                // Locs are drawn twice on one path (edge tone, then base): ink it once.
                match lines.iter_mut().find(|(p, _)| *p == d.as_str()) {
                    Some(l) => l.1 = l.1.max(*w),
                    None => lines.push((d, *w)),
                }
            }
            _ => {}
        }
    }
    for (d, w) in lines {
        stroke(svg, d, ink, w + 2.0 * lw, 1.0);
    }
    if !edges.is_empty() {
        stroke(svg, &edges, ink, 2.0 * lw, 1.0);
    }
    if !under.is_empty() {
        fill(svg, &under, ink);
    }
    draw_marks(svg, marks);
}

/// Draws marks in order, except that a run of consecutive strokes is drawn one path per
/// colour, width and opacity (curl texture and strand lines: a dozen elements become two).
fn draw_marks(svg: &mut Svg, marks: &[Mark]) {
    let mut run: Vec<(Rgb, f64, f64, String)> = Vec::new();
    let flush = |svg: &mut Svg, run: &mut Vec<(Rgb, f64, f64, String)>| {
        for (c, w, op, d) in run.drain(..) {
            stroke(svg, &d, c, w, op);
        }
    };
    for m in marks {
        if let Mark::Stroke(d, c, w, op) = m {
            match run.iter_mut().find(|r| (r.0, r.1, r.2) == (*c, *w, *op)) {
                Some(r) => r.3.push_str(d),
                None => run.push((*c, *w, *op, d.clone())),
            }
        } else {
            flush(svg, &mut run);
            m.draw(svg);
        }
    }
    flush(svg, &mut run);
}

/// Opens a group whose filled shapes (from the shared face and wear code) all get the
/// outline; their own strokes keep their colours.
fn open_inked(svg: &mut Svg, id: &str, ink: Rgb, lw: f64) {
    svg.open(
        "g",
        &[
            ("id", &id),
            ("stroke", &ink),
            ("stroke-width", &N(lw)),
            ("stroke-linejoin", &"round"),
        ],
    );
}

pub(crate) fn draw(
    recipe: &CartoonRecipe,
    sitter: &Sitter,
    rng: &Prng,
    canvas: &Canvas,
    size: Size,
) -> String {
    let worldview = sitter.worldview.unwrap_or("");
    let theme = recipe
        .theme
        .or_else(|| CartoonTheme::from_worldview(worldview))
        .unwrap_or(CartoonTheme::Cheerful);
    let (mut pal, motif) = theme::palette(theme, rng);
    for (i, c) in recipe.palette.iter().enumerate() {
        match i {
            0 => pal.top = *c,
            1 => pal.accent = *c,
            _ => pal.bg = *c,
        }
    }
    // The sitter's own colours win over the style's and the theme's, as in `poster`.
    pal.top = sitter.jersey_color.unwrap_or(pal.top);
    pal.accent = sitter.accent_color.unwrap_or(pal.accent);

    let mut look = Look::resolve(sitter, &[], rng);
    // Front-facing; worn colours (beanie, headband) follow the theme.
    look.turn = 0.0;
    look.jersey = pal.top;
    look.trim = pal.accent;
    let mood = theme::mood(theme, worldview, &look, rng);

    let y = look.youth;
    // A big head: about 40 % of the shorter side wide for adults, more for children.
    let u = 19.5 + 1.5 * y + rng.jitter("cartoon.u", 0.4);
    let eye_line = 45.0 + 2.0 * y - if mood.cup { 2.0 } else { 0.0 };
    let frame = pen::Frame {
        ox: canvas.cx() + rng.jitter("cartoon.x", 0.8),
        oy: canvas.h - (100.0 - eye_line),
        u,
        turn: 0.0,
    };
    let parts = Parts::choose(&look, rng, "cartoon");
    let mut face = Face::new(&look, rng, frame);
    head::shape(&mut face, &parts, &look);
    let lw = u * 0.055;
    let body = Body {
        base_y: 1.7 - 0.15 * y,
        shoulders: body::shoulders(&look, &parts, rng),
        bottom: (canvas.h - frame.oy) / u,
        top: theme::top(theme, rng),
    };
    let toon = Toon {
        face: &face,
        look: &look,
        parts: &parts,
        mood: &mood,
        rng,
        ink: pal.ink,
        lw,
        eye: (
            0.41 + rng.jitter("cartoon.eye_x", 0.01) + 0.035 * (f64::from(parts.eye_set) - 1.0),
            0.2 + rng.jitter("cartoon.eye_w", 0.012),
            0.235 + rng.jitter("cartoon.eye_h", 0.015),
        ),
        // Dark oval eyes need skin light enough to show them.
        beans: rng.chance("cartoon.beans", 0.3) && look.skin.base.contrast(pal.ink) > 4.0,
    };
    let hair = hair::build(&face, &look, rng);
    let ink = pal.ink;

    let mut svg = canvas.svg(size);
    let mut framed = canvas.begin_frame(&mut svg, &recipe.frame, rng);
    let ground = framed.background(&mut svg, canvas, rng);
    if let Some(g) = ground {
        pal.bg = g;
        pal.motif = g.mix(Rgb(0xff, 0xff, 0xff), 0.35);
    }
    body::background(&mut svg, canvas, &face, &pal, motif, rng, ground.is_none());
    framed.begin_figure(&mut svg, canvas);

    let scarf = (look.covering == HeadCovering::Headscarf)
        .then(|| *rng.pick("poster.scarf", &wear::SCARVES));
    outlined(&mut svg, &hair.back, ink, lw);
    if scarf.is_none() {
        body.neck(&mut svg, &face, &look, ink, lw);
    }
    svg.open("g", &[("id", &canvas.id("top"))]);
    body.top(&mut svg, &face, &pal, ink, lw);
    svg.close("g");
    if let Some(c) = scarf {
        open_inked(&mut svg, &canvas.id("scarf-back"), ink, lw);
        wear::scarf_back(&mut svg, &face, body.base_y, c);
        svg.close("g");
    }
    if scarf.is_none() && !hair.covers_ears {
        toon.ears(&mut svg);
    }
    let head_pts = face.f.all(&head::outline(&face, &parts));
    let segs = pen::closed_segs(&head_pts, &[]);
    svg.open("g", &[("id", &canvas.id("face"))]);
    fill(
        &mut svg,
        &pen::closed(&features::grown(&head_pts, lw * 0.8), &[]),
        ink,
    );
    fill(&mut svg, &segs_path(&segs), look.skin.base);
    toon.shading(&mut svg, &segs);
    if let Some(d) = &hair.shadow
        && scarf.is_none()
    {
        fill(&mut svg, d, look.skin.shadow);
    }
    toon.age_lines(&mut svg);
    match look.facial {
        FacialHair::None => {}
        FacialHair::Stubble => face.facial_hair(&mut svg, &look),
        _ => {
            open_inked(&mut svg, &canvas.id("facial-hair"), ink, lw * 0.8);
            face.facial_hair(&mut svg, &look);
            svg.close("g");
        }
    }
    toon.nose(&mut svg);
    toon.mouth(&mut svg);
    toon.eyes(&mut svg);
    svg.close("g");
    svg.open("g", &[("id", &canvas.id("hair"))]);
    // An afro's cap sits inside its own volume: outlined it would read as a helmet.
    let front_ink = if look.style == HairStyle::Afro {
        look.hair.base
    } else {
        ink
    };
    outlined(&mut svg, &hair.front, front_ink, lw);
    svg.close("g");
    if let Some(c) = scarf {
        open_inked(&mut svg, &canvas.id("headscarf"), ink, lw);
        wear::scarf_front(&mut svg, &face, c);
        svg.close("g");
    } else if look.covering != HeadCovering::None {
        open_inked(&mut svg, &canvas.id(&look.covering.to_string()), ink, lw);
        wear::covering(&mut svg, &face, &look);
        svg.close("g");
    }
    if look.glasses.is_some() {
        svg.open("g", &[("id", &canvas.id("glasses"))]);
        toon.glasses(&mut svg);
        svg.close("g");
    }
    if mood.cup {
        svg.open("g", &[("id", &canvas.id("cup"))]);
        body.cup(&mut svg, &face, &look, &pal, ink, lw);
        svg.close("g");
    }
    canvas.end_frame(&mut svg, framed);
    svg.finish()
}
