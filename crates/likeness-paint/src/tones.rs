//! What a picture's tone measure needs (likeness-face's `quality`), handed over with its PNG
//! so the pipeline never decodes a picture it has just drawn.

use crate::PaletteCounts;

/// A drawn picture's tones, as its PNG holds them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tones {
    /// An indexed PNG's colours and the pixels of each.
    Palette(PaletteCounts),
    /// Pixels per luma level ([`luma`]) of any other PNG, alpha ignored.
    Luma(Box<[u64; 256]>),
}

/// Rec. 709 luma of an 8-bit colour, rounded: the weights and rounding of likeness-face's
/// quality measure, which must read the same figure from the decoded PNG (the service's tests
/// compare the two).
pub fn luma(r: u8, g: u8, b: u8) -> u8 {
    let [r, g, b] = [r, g, b].map(u32::from);
    ((2126 * r + 7152 * g + 722 * b + 5000) / 10_000) as u8
}

/// Pixels per luma level of `px`, `channels` bytes a pixel (3 or 4; red, green, blue first).
pub(crate) fn luma_histogram(px: &[u8], channels: usize) -> Box<[u64; 256]> {
    // Four interleaved counts: neighbouring pixels mostly share a level, and one count would
    // make every increment wait for the one before it.
    let mut part = [[0u32; 256]; 4];
    for (i, p) in px.chunks_exact(channels).enumerate() {
        part[i & 3][usize::from(luma(p[0], p[1], p[2]))] += 1;
    }
    let mut hist = Box::new([0u64; 256]);
    for (level, n) in hist.iter_mut().enumerate() {
        *n = part.iter().map(|c| u64::from(c[level])).sum();
    }
    hist
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luma_weights_and_rounding() {
        assert_eq!(luma(0, 0, 0), 0);
        assert_eq!(luma(255, 255, 255), 255);
        assert_eq!(luma(255, 0, 0), 54); // 54.213
        assert_eq!(luma(0, 255, 0), 182); // 182.376
        assert_eq!(luma(0, 0, 255), 18); // 18.411
        let hist = luma_histogram(&[255, 0, 0, 9, 255, 0, 0, 1], 4);
        assert_eq!(hist[54], 2);
        assert_eq!(hist.iter().sum::<u64>(), 2);
    }
}
