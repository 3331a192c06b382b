//! Triangle (bilinear) resampling of RGB images, bit for bit what `image::imageops::resize`
//! with `FilterType::Triangle` gives, about ten times faster, and for any window of the
//! output alone.
//!
//! The detector's input is a resized photo, and its landmarks move by a pixel when the input
//! does (see `scales.rs`), so the arithmetic is image 0.25's own: the same per-axis weights, a
//! vertical pass into f32 then a horizontal one, each output a sum over the taps in the same
//! order, rounded and clamped the same way. What image spends its time on is per-pixel
//! `get_pixel` with four channels and a column-wise walk; here rows are walked contiguously.
//! A window costs only its own rows and the columns its taps reach: the reference check
//! resizes just the crop around the face instead of the whole photo (tens of ms at 1024 px).

use image::RgbImage;

/// One output coordinate's source taps: the first source index and the normalised weights.
struct Taps {
    left: u32,
    weights: Vec<f32>,
}

/// image's weights for resampling `src` samples to `dst` along one axis, for the outputs
/// `from..to`.
fn axis(src: u32, dst: u32, from: u32, to: u32) -> Vec<Taps> {
    let ratio = src as f32 / dst as f32;
    let sratio = ratio.max(1.0);
    let support = sratio; // The triangle's support (1) widened when shrinking.
    (from..to)
        .map(|out| {
            let centre = (out as f32 + 0.5) * ratio;
            let left = ((centre - support).floor() as i64).clamp(0, i64::from(src) - 1);
            let right = ((centre + support).ceil() as i64).clamp(left + 1, i64::from(src));
            let centre = centre - 0.5;
            let mut weights: Vec<f32> = (left..right)
                .map(|i| {
                    let x = ((i as f32 - centre) / sratio).abs();
                    if x < 1.0 { 1.0 - x } else { 0.0 }
                })
                .collect();
            let sum: f32 = weights.iter().sum();
            for w in &mut weights {
                *w /= sum;
            }
            Taps {
                left: left as u32,
                weights,
            }
        })
        .collect()
}

/// The window `window` (x, y, width, height, in output pixels) of `region` (x, y, width,
/// height of `image`) resized to `size`. Equal, pixel for pixel, to cropping
/// `imageops::resize(&crop_imm(image, region), size, Triangle)` to `window`. The region and
/// the window must lie inside `image` and `size`, and be non-empty.
pub(crate) fn resize_window(
    image: &RgbImage,
    region: [u32; 4],
    size: [u32; 2],
    window: [u32; 4],
) -> RgbImage {
    let [rx, ry, rw, rh] = region;
    let [wx, wy, ww, wh] = window;
    debug_assert!(rx + rw <= image.width() && ry + rh <= image.height());
    debug_assert!(wx + ww <= size[0] && wy + wh <= size[1] && ww > 0 && wh > 0);
    if [rw, rh] == size {
        // image copies when the size does not change.
        return image::imageops::crop_imm(image, rx + wx, ry + wy, ww, wh).to_image();
    }
    let columns = axis(rw, size[0], wx, wx + ww);
    let rows = axis(rh, size[1], wy, wy + wh);
    // The source columns the window's horizontal taps reach, relative to the region.
    let c0 = columns[0].left;
    let c1 = columns
        .iter()
        .map(|t| t.left + t.weights.len() as u32)
        .max()
        .unwrap_or(c0 + 1);
    let span = (c1 - c0) as usize;
    let stride = image.width() as usize * 3;
    let src = image.as_raw();
    let mut out = RgbImage::new(ww, wh);
    let mut line = vec![0f32; span * 3];
    for (oy, taps) in rows.iter().enumerate() {
        // Vertical: this output row over the needed columns, taps in image's order.
        line.fill(0.0);
        for (i, w) in taps.weights.iter().enumerate() {
            let y = (ry + taps.left) as usize + i;
            let start = y * stride + (rx + c0) as usize * 3;
            for (acc, v) in line.iter_mut().zip(&src[start..start + span * 3]) {
                *acc += f32::from(*v) * w;
            }
        }
        // Horizontal: every output pixel of the window from the row.
        let row = &mut out.as_mut()[oy * ww as usize * 3..(oy + 1) * ww as usize * 3];
        for (pixel, taps) in row.chunks_exact_mut(3).zip(&columns) {
            let mut t = [0f32; 3];
            for (i, w) in taps.weights.iter().enumerate() {
                let at = (taps.left - c0) as usize * 3 + i * 3;
                for c in 0..3 {
                    t[c] += line[at + c] * w;
                }
            }
            for c in 0..3 {
                pixel[c] = t[c].clamp(0.0, 255.0).round() as u8;
            }
        }
    }
    out
}

/// All of `image` resized to `width`×`height`, as `imageops::resize` with Triangle would.
#[cfg(test)]
pub(crate) fn resize(image: &RgbImage, width: u32, height: u32) -> RgbImage {
    let (w, h) = image.dimensions();
    if w == 0 || h == 0 || width == 0 || height == 0 {
        return RgbImage::new(width, height);
    }
    resize_window(image, [0, 0, w, h], [width, height], [0, 0, width, height])
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::imageops::{self, FilterType};

    fn noise(w: u32, h: u32) -> RgbImage {
        let mut state = 0x2545_f491_u32;
        RgbImage::from_fn(w, h, |x, y| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            let smooth = ((x * 7 + y * 3) % 256) as u8;
            image::Rgb([state as u8, smooth, (state >> 8) as u8 / 2 + smooth / 2])
        })
    }

    #[test]
    fn equals_image_triangle_resize_down_up_and_one_axis() {
        let image = noise(97, 61);
        for (w, h) in [
            (40, 25),
            (97, 30),
            (50, 61),
            (150, 90),
            (31, 128),
            (1, 1),
            (97, 61),
        ] {
            let ours = resize(&image, w, h);
            let theirs = imageops::resize(&image, w, h, FilterType::Triangle);
            assert!(ours == theirs, "{w}x{h}");
        }
    }

    #[test]
    fn a_window_of_a_region_equals_the_crop_of_the_whole() {
        let image = noise(120, 90);
        let region = [13, 7, 100, 80];
        let view = imageops::crop_imm(&image, 13, 7, 100, 80).to_image();
        let whole = imageops::resize(&view, 64, 51, FilterType::Triangle);
        for window in [
            [0, 0, 64, 51],
            [10, 5, 20, 30],
            [63, 50, 1, 1],
            [0, 20, 64, 3],
        ] {
            let ours = resize_window(&image, region, [64, 51], window);
            let [x, y, w, h] = window;
            assert!(
                ours == imageops::crop_imm(&whole, x, y, w, h).to_image(),
                "{window:?}"
            );
        }
    }
}
