//! What the end-to-end tests share: decoded pixels and simple measures of them.
#![allow(dead_code)] // each test file uses its own subset

use likeness_paint::{Painter, Recipe, Sitter, Size};
use resvg::tiny_skia::Pixmap;

/// A decoded PNG, straight (not premultiplied) RGBA, row-major.
pub struct Image {
    pub w: usize,
    pub h: usize,
    pub px: Vec<[u8; 4]>,
}

impl Image {
    pub fn decode(png: &[u8]) -> Image {
        let pm = Pixmap::decode_png(png).expect("PNG decodes");
        let px = pm
            .pixels()
            .iter()
            .map(|p| {
                let c = p.demultiply();
                [c.red(), c.green(), c.blue(), c.alpha()]
            })
            .collect();
        Image {
            w: pm.width() as usize,
            h: pm.height() as usize,
            px,
        }
    }

    pub fn at(&self, x: usize, y: usize) -> [u8; 4] {
        self.px[y * self.w + x]
    }

    /// Variance of the luminance of opaque-ish pixels: near 0 for a blank image.
    pub fn variance(&self) -> f64 {
        let seen: Vec<f64> = self
            .px
            .iter()
            .filter(|p| p[3] > 127)
            .map(|p| lum(*p))
            .collect();
        let n = seen.len().max(1) as f64;
        let mean = seen.iter().sum::<f64>() / n;
        seen.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / n
    }

    /// Distinct colours, quantised to 4 bits a channel.
    pub fn colours(&self) -> usize {
        let mut seen: Vec<u16> = self
            .px
            .iter()
            .filter(|p| p[3] > 127)
            .map(|p| {
                (u16::from(p[0] >> 4) << 8) | (u16::from(p[1] >> 4) << 4) | u16::from(p[2] >> 4)
            })
            .collect();
        seen.sort_unstable();
        seen.dedup();
        seen.len()
    }
}

/// Relative luminance, 0..=1 (sRGB weights, no linearisation: good enough to compare).
pub fn lum(p: [u8; 4]) -> f64 {
    (0.2126 * f64::from(p[0]) + 0.7152 * f64::from(p[1]) + 0.0722 * f64::from(p[2])) / 255.0
}

/// The same sitter gives the same SVG and PNG bytes from two painters and from several threads.
pub fn assert_same_bytes_everywhere(recipe: &Recipe, sitter: &Sitter, size: Size) {
    let (a, b) = (Painter::new(), Painter::new());
    let svg = a.render_svg(recipe, sitter, size).unwrap();
    assert_eq!(svg, b.render_svg(recipe, sitter, size).unwrap());
    let png = a.render_png(recipe, sitter, size).unwrap();
    assert_eq!(png, b.render_png(recipe, sitter, size).unwrap());
    std::thread::scope(|scope| {
        let hs: Vec<_> = (0..3)
            .map(|_| scope.spawn(|| a.render_png(recipe, sitter, size).unwrap()))
            .collect();
        for h in hs {
            assert_eq!(h.join().unwrap(), png);
        }
    });
}
