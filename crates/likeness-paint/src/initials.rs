//! `kind = "initials"`: one or two letters on a seeded background.
//!
//! # Which letters
//!
//! [`initials`] works on grapheme clusters, so combining marks stay attached ("E\u{301}mile"
//! keeps its accent) and nothing is ever cut inside a character:
//!
//! 1. If the name looks like an e-mail address, only the part before `@` is used.
//! 2. The name is split into words at whitespace and at `. , _ / | ; : + & ( ) [ ] { } "`
//!    (hyphens and apostrophes stay inside words: "Jean-Luc", "D'Amore").
//! 3. Words without any letter (digits, punctuation, emoji) are ignored.
//! 4. The initial of a word is its first grapheme whose base character is a letter
//!    ("D'Amore" → "D", "3M" → "M").
//! 5. Two or more words: the initials of the first and last word ("Tomás Oquendo" → "TO",
//!    "牧野 爛漫" → "牧爛", "محمد علي" → "مع"). One word: its initial only ("Madonna" → "M",
//!    "王小明" → "王"); a single letter reads better than an arbitrary pair and, for CJK names
//!    written without spaces, is the family name.
//! 6. The first character of each initial is upper-cased where the script has case and the
//!    mapping is one character ("ß" stays, "ǆ" → "Ǆ").
//!
//! No letters at all (empty, "1234", "???", "🦊") → `None`, and the avatar shows a neutral
//! person silhouette instead: never a blank tile.

use unicode_segmentation::UnicodeSegmentation;

use crate::Size;
use crate::fonts;
use crate::prng::Prng;
use crate::recipe::{FontWeight, InitialsRecipe};
use crate::sitter::{Rgb, Sitter};
use crate::svg::{Canvas, N, PathData};

/// A tasteful default background palette: mid-tone, slightly muted, all distinct.
pub(crate) const BACKGROUNDS: [Rgb; 16] = [
    Rgb(0x26, 0x46, 0x53),
    Rgb(0x2a, 0x9d, 0x8f),
    Rgb(0xe9, 0xc4, 0x6a),
    Rgb(0xf4, 0xa2, 0x61),
    Rgb(0xe7, 0x6f, 0x51),
    Rgb(0x6d, 0x59, 0x7a),
    Rgb(0xb5, 0x65, 0x76),
    Rgb(0x35, 0x50, 0x70),
    Rgb(0x5b, 0x8e, 0x7d),
    Rgb(0xbc, 0x4b, 0x51),
    Rgb(0x8c, 0xb3, 0x69),
    Rgb(0x3d, 0x5a, 0x80),
    Rgb(0x98, 0xc1, 0xd9),
    Rgb(0xee, 0x6c, 0x4d),
    Rgb(0x7b, 0x6d, 0x8d),
    Rgb(0xc9, 0xad, 0xa7),
];

fn is_separator(c: char) -> bool {
    c.is_whitespace() || ".,_/|;:+&()[]{}\"".contains(c)
}

/// The first letter-grapheme of `word`, upper-cased where possible.
fn word_initial(word: &str) -> Option<String> {
    let g = word
        .graphemes(true)
        .find(|g| g.chars().next().is_some_and(char::is_alphabetic))?;
    let mut chars = g.chars();
    let first = chars.next()?;
    let mut upper = first.to_uppercase();
    let mut out = String::with_capacity(g.len());
    match (upper.next(), upper.next()) {
        (Some(u), None) => out.push(u),
        _ => out.push(first),
    }
    out.extend(chars);
    Some(out)
}

/// The initials of `name` (at most `max_chars` graphemes, 1 or 2), or `None` when the name has
/// no letters. See the module documentation for the rules.
pub fn initials(name: &str, max_chars: usize) -> Option<String> {
    let name = match name.split_once('@') {
        Some((local, domain)) if !local.trim().is_empty() && domain.contains('.') => local,
        _ => name,
    };
    let words: Vec<String> = name.split(is_separator).filter_map(word_initial).collect();
    let first = words.first()?;
    let mut out = first.clone();
    if max_chars >= 2 && words.len() >= 2 {
        out.push_str(&words[words.len() - 1]);
    }
    Some(out)
}

fn is_joining_script(c: char) -> bool {
    matches!(c as u32, 0x0600..=0x08FF | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF)
}

fn is_rtl(c: char) -> bool {
    matches!(c as u32, 0x0590..=0x08FF | 0xFB1D..=0xFDFF | 0xFE70..=0xFEFF)
}

fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFF00..=0xFF60
        | 0x20000..=0x3FFFD)
}

/// Near-white or a deep shade of `bg`, whichever contrasts more (WCAG).
pub(crate) fn text_color_for(bg: Rgb) -> Rgb {
    let light = Rgb(0xff, 0xff, 0xff);
    let dark = bg.mix(Rgb(0x10, 0x12, 0x16), 0.78);
    if light.contrast(bg) >= dark.contrast(bg) {
        light
    } else {
        dark
    }
}

pub(crate) fn draw(
    recipe: &InitialsRecipe,
    sitter: &Sitter,
    rng: &Prng,
    canvas: &Canvas,
    size: Size,
) -> String {
    let mut svg = canvas.svg(size);
    let mut framed = canvas.begin_frame(&mut svg, &recipe.frame, rng);
    let bg = framed.background(&mut svg, canvas, rng).unwrap_or_else(|| {
        let bg = *rng.pick("background", &BACKGROUNDS);
        svg.leaf(
            "rect",
            &[
                ("width", &N(canvas.w)),
                ("height", &N(canvas.h)),
                ("fill", &bg),
            ],
        );
        bg
    });
    let fg = recipe.text_color.unwrap_or_else(|| text_color_for(bg));
    framed.begin_figure(&mut svg, canvas);

    match initials(sitter.name, usize::from(recipe.max_chars)) {
        Some(text) => {
            let graphemes = text.graphemes(true).count();
            let wide = text.chars().any(is_wide);
            let scale = recipe.font_scale.unwrap_or(match (graphemes, wide) {
                (1, _) => 0.46,
                (_, false) => 0.40,
                (_, true) => 0.34,
            });
            let font_size = 100.0 * scale;
            // Put the visual centre of the letters on the canvas centre: Latin capitals and
            // Hebrew letters are ~0.73 em tall, CJK glyphs sit in a box ~0.88 em tall above a
            // small descent, isolated Arabic letters hang around the baseline.
            let first = text.chars().next().unwrap_or('A');
            let centre = if wide {
                0.36
            } else if is_joining_script(first) {
                0.24
            } else {
                0.35
            };
            let y = canvas.cy() + centre * font_size;
            // Keep two Arabic initials from joining into a (different) word: ZWNJ between.
            let shown = if graphemes == 2 && text.chars().any(is_joining_script) {
                let mut g = text.graphemes(true);
                let a = g.next().unwrap_or_default();
                let b = g.next().unwrap_or_default();
                format!("{a}\u{200C}{b}")
            } else {
                text.clone()
            };
            let weight = match recipe.font_weight {
                FontWeight::Bold => "bold",
                FontWeight::Normal => "normal",
            };
            let direction = if is_rtl(first) { "rtl" } else { "ltr" };
            // One run in one family list (the first letter's script first); a second initial
            // from another script is found by usvg's fallback within the bundled faces.
            svg.text(
                "text",
                &[
                    ("x", &N(canvas.cx())),
                    ("y", &N(y)),
                    ("font-family", &fonts::family_for(&shown)),
                    ("font-size", &N(font_size)),
                    ("font-weight", &weight),
                    ("text-anchor", &"middle"),
                    ("direction", &direction),
                    ("fill", &fg),
                ],
                &shown,
            );
        }
        None => silhouette(&mut svg, canvas, fg),
    }
    canvas.end_frame(&mut svg, framed);
    svg.finish()
}

/// A neutral head-and-shoulders glyph for names without letters.
fn silhouette(svg: &mut crate::svg::Svg, canvas: &Canvas, fg: Rgb) {
    let (cx, cy) = (canvas.cx(), canvas.cy());
    svg.open("g", &[("fill", &fg), ("fill-opacity", &N(0.92))]);
    svg.leaf(
        "circle",
        &[("cx", &N(cx)), ("cy", &N(cy - 9.0)), ("r", &N(13.0))],
    );
    let d = PathData::new()
        .m(cx - 24.0, cy + 30.0)
        .c(
            (cx - 24.0, cy + 15.0),
            (cx - 13.0, cy + 7.0),
            (cx, cy + 7.0),
        )
        .c(
            (cx + 13.0, cy + 7.0),
            (cx + 24.0, cy + 15.0),
            (cx + 24.0, cy + 30.0),
        )
        .z()
        .finish();
    svg.leaf("path", &[("d", &d)]);
    svg.close("g");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initials_table() {
        let cases: &[(&str, Option<&str>)] = &[
            ("Tomás Oquendo", Some("TO")),
            ("tomás oquendo", Some("TO")),
            ("Maria-del-Carmen Uribe", Some("MU")),
            ("Jose-Maria Cordero Garcia", Some("JG")),
            ("D'Amore", Some("D")),
            ("Kevin D'Amore", Some("KD")),
            ("Madonna", Some("M")),
            ("  Ludwig   van   Beethoven  ", Some("LB")),
            ("牧野 爛漫", Some("牧爛")),
            ("王小明", Some("王")),
            ("محمد علي", Some("مع")),
            ("דוד לוי", Some("דל")),
            ("Zoe\u{308} Smith", Some("ZS")),
            ("e\u{301}mile zola", Some("E\u{301}Z")),
            ("Ærøskøbing Ødegaard", Some("ÆØ")),
            ("Δημήτρης Παπαδόπουλος", Some("ΔΠ")),
            ("иван петров", Some("ИП")),
            ("김 민준", Some("김민")),
            ("jane.doe@example.com", Some("JD")),
            ("3M Company", Some("MC")),
            ("R2-D2", Some("R")),
            ("🦊 Fox", Some("F")),
            ("Fox 🦊", Some("F")),
            ("ßtraße", Some("ß")),
            ("", None),
            ("   ", None),
            ("1234 5678", None),
            ("?!. --", None),
            ("🦊🐻", None),
            ("👩\u{200d}👩\u{200d}👧", None),
        ];
        for (name, want) in cases {
            assert_eq!(initials(name, 2).as_deref(), *want, "name {name:?}");
        }
        assert_eq!(initials("Tomás Oquendo", 1).as_deref(), Some("T"));
    }

    #[test]
    fn text_colour_meets_contrast() {
        for bg in BACKGROUNDS {
            let fg = text_color_for(bg);
            assert!(fg.contrast(bg) >= 3.0, "{bg} vs {fg}: {}", fg.contrast(bg));
        }
        let mut worst = 21.0_f64;
        for r in (0..=255).step_by(17) {
            for g in (0..=255).step_by(17) {
                for b in (0..=255).step_by(17) {
                    let bg = Rgb(r, g, b);
                    worst = worst.min(text_color_for(bg).contrast(bg));
                }
            }
        }
        // Even the worst mid-grey gets large-text contrast.
        assert!(worst >= 3.0, "{worst}");
    }
}
