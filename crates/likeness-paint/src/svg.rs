//! A tiny SVG writer: fixed-precision numbers, escaped text, nothing clever.
//!
//! Numbers are written with at most two decimals ([`N`]), trailing zeros trimmed and `-0`
//! normalised, so output is byte-stable across platforms and never shows `1e-7` noise.

use std::fmt::{self, Display, Write};

use crate::Size;

/// A number formatted with two decimals at most.
#[derive(Clone, Copy, Debug)]
pub(crate) struct N(pub f64);

impl Display for N {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = if self.0.is_finite() { self.0 } else { 0.0 };
        let mut s = format!("{v:.2}");
        if s.contains('.') {
            while s.ends_with('0') {
                s.pop();
            }
            if s.ends_with('.') {
                s.pop();
            }
        }
        if s == "-0" {
            s = "0".to_owned();
        }
        f.write_str(&s)
    }
}

/// A number with one decimal at most (for dense polygon data), via integer arithmetic.
fn push_n1(out: &mut String, v: f64) {
    let t = if v.is_finite() {
        (v * 10.0).round() as i64
    } else {
        0
    };
    if t < 0 {
        out.push('-');
    }
    let a = t.unsigned_abs();
    let _ = write!(out, "{}", a / 10);
    if a % 10 != 0 {
        let _ = write!(out, ".{}", a % 10);
    }
}

/// Path data for a closed polygon, one decimal per coordinate: `M x y x y … Z`.
pub(crate) fn polygon(pts: &[(f64, f64)]) -> String {
    let mut out = String::with_capacity(pts.len() * 10 + 4);
    for (i, (x, y)) in pts.iter().enumerate() {
        out.push(if i == 0 { 'M' } else { ' ' });
        push_n1(&mut out, *x);
        out.push(' ');
        push_n1(&mut out, *y);
    }
    out.push('Z');
    out
}

/// Escapes text and attribute values.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// Path data builder (absolute commands only).
#[derive(Default)]
pub(crate) struct PathData(String);

impl PathData {
    pub(crate) fn new() -> PathData {
        PathData(String::new())
    }
    fn sep(&mut self) {
        if !self.0.is_empty() {
            self.0.push(' ');
        }
    }
    pub(crate) fn m(mut self, x: f64, y: f64) -> Self {
        self.sep();
        let _ = write!(self.0, "M{} {}", N(x), N(y));
        self
    }
    pub(crate) fn q(mut self, cx: f64, cy: f64, x: f64, y: f64) -> Self {
        self.sep();
        let _ = write!(self.0, "Q{} {} {} {}", N(cx), N(cy), N(x), N(y));
        self
    }
    pub(crate) fn c(mut self, c1: (f64, f64), c2: (f64, f64), p: (f64, f64)) -> Self {
        self.sep();
        let _ = write!(
            self.0,
            "C{} {} {} {} {} {}",
            N(c1.0),
            N(c1.1),
            N(c2.0),
            N(c2.1),
            N(p.0),
            N(p.1)
        );
        self
    }
    pub(crate) fn z(mut self) -> Self {
        self.0.push_str(" Z");
        self
    }
    pub(crate) fn finish(self) -> String {
        self.0
    }
}

/// An SVG document under construction.
pub(crate) struct Svg {
    out: String,
}

/// Attribute list: `(name, value)` pairs written in order.
pub(crate) type Attrs<'a> = &'a [(&'a str, &'a dyn Display)];

impl Svg {
    /// Starts a document `width`×`height` pixels showing the user-space box `vw`×`vh`.
    pub(crate) fn new(width: u32, height: u32, vw: f64, vh: f64) -> Svg {
        let mut out = String::with_capacity(4096);
        let _ = write!(
            out,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {} {}" role="img">"#,
            N(vw),
            N(vh)
        );
        Svg { out }
    }

    fn attrs(&mut self, attrs: Attrs<'_>) {
        for (k, v) in attrs {
            let v = v.to_string();
            let _ = write!(self.out, r#" {k}=""#);
            // Path data and numbers never need escaping: skip the copy.
            if v.bytes()
                .any(|b| matches!(b, b'&' | b'<' | b'>' | b'"' | b'\''))
            {
                self.out.push_str(&escape(&v));
            } else {
                self.out.push_str(&v);
            }
            self.out.push('"');
        }
    }

    /// `<tag attrs…/>`
    pub(crate) fn leaf(&mut self, tag: &str, attrs: Attrs<'_>) {
        self.out.push('<');
        self.out.push_str(tag);
        self.attrs(attrs);
        self.out.push_str("/>");
    }

    /// `<tag attrs…>`; close with [`Svg::close`].
    pub(crate) fn open(&mut self, tag: &str, attrs: Attrs<'_>) {
        self.out.push('<');
        self.out.push_str(tag);
        self.attrs(attrs);
        self.out.push('>');
    }

    pub(crate) fn close(&mut self, tag: &str) {
        let _ = write!(self.out, "</{tag}>");
    }

    /// `<tag attrs…>escaped text</tag>`
    pub(crate) fn text(&mut self, tag: &str, attrs: Attrs<'_>, text: &str) {
        self.open(tag, attrs);
        self.out.push_str(&escape(text));
        self.close(tag);
    }

    /// Raw markup written by this crate (filters, gradients with many stops).
    pub(crate) fn raw(&mut self, markup: &str) {
        self.out.push_str(markup);
    }

    pub(crate) fn finish(mut self) -> String {
        self.out.push_str("</svg>");
        self.out
    }
}

/// The drawing surface in user units: the shorter side is always 100, the other side follows the
/// requested aspect ratio, so styles draw in one coordinate system at any size.
pub(crate) struct Canvas {
    pub(crate) w: f64,
    pub(crate) h: f64,
    /// Prefix for every id in the document (unique per seed, kind and size).
    prefix: String,
}

impl Canvas {
    pub(crate) fn new(size: Size, prefix: String) -> Canvas {
        let min = f64::from(size.width.min(size.height));
        Canvas {
            w: 100.0 * f64::from(size.width) / min,
            h: 100.0 * f64::from(size.height) / min,
            prefix,
        }
    }
    pub(crate) fn cx(&self) -> f64 {
        self.w / 2.0
    }
    pub(crate) fn cy(&self) -> f64 {
        self.h / 2.0
    }
    /// A document-unique id.
    pub(crate) fn id(&self, name: &str) -> String {
        format!("{}-{name}", self.prefix)
    }
    /// `url(#id)` for [`Canvas::id`].
    pub(crate) fn url(&self, name: &str) -> String {
        format!("url(#{}-{name})", self.prefix)
    }
    pub(crate) fn svg(&self, size: Size) -> Svg {
        Svg::new(size.width, size.height, self.w, self.h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_fixed_precision() {
        assert_eq!(N(1.0).to_string(), "1");
        assert_eq!(N(1.005_f64 + 1e-12).to_string(), "1.01");
        assert_eq!(N(-0.001).to_string(), "0");
        assert_eq!(N(12.5).to_string(), "12.5");
        assert_eq!(N(1e-9).to_string(), "0");
        assert_eq!(N(f64::NAN).to_string(), "0");
        assert_eq!(N(-2.6789).to_string(), "-2.68");
    }

    #[test]
    fn polygons_are_compact() {
        assert_eq!(
            polygon(&[(0.0, 0.04), (-1.25, 10.0), (2.6789, -0.06)]),
            "M0 0 -1.3 10 2.7 -0.1Z"
        );
    }

    #[test]
    fn text_is_escaped() {
        let mut s = Svg::new(16, 16, 100.0, 100.0);
        s.text("text", &[("x", &N(1.0))], "<a&'\">");
        let out = s.finish();
        assert!(out.contains("&lt;a&amp;&apos;&quot;&gt;"), "{out}");
    }
}
