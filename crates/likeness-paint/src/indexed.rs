//! Flat pictures (initials, geometric, DiceBear's flat styles: a few dozen colours with their
//! anti-aliased edges) as indexed PNGs: a palette in first-seen order, one byte a pixel.
//!
//! Speed is the point: the pipeline stores these as they leave here (`pipeline/save.rs` skips
//! oxipng at `png_optimization = 0`), so this encode is most of an `initials` portrait's cost
//! after the drawing. Rows are filtered with `Up` and deflated by fdeflate's fast mode, which
//! codes runs of zeros and little else: a flat picture's rows mostly repeat the row above, so
//! they filter to zeros. At 512 px the deflate takes ~0.1 ms against ~2 ms for zlib level 6 on
//! unfiltered rows, at about twice the bytes (initials: 4.9 KB against 2.1 KB; oxipng makes 2.3 KB of
//! either). Whoever wants the smallest files sets `png_optimization`.
//!
//! The palette comes with each colour's pixel count ([`PaletteCounts`]), so the pipeline
//! measures the picture's tone without decoding it again.

use resvg::tiny_skia;

use crate::PaintError;

/// How many pixels of each palette colour a picture holds, in palette order: all a tone
/// measure needs (`likeness_face::quality::measure_palette`), without decoding the PNG.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PaletteCounts {
    /// Each colour's red, green and blue (alpha is not part of a tone measure).
    pub rgb: Vec<[u8; 3]>,
    /// Pixels of each colour, same order; they sum to width × height.
    pub counts: Vec<u64>,
}

/// An indexed PNG and its colours.
pub(crate) struct IndexedPng {
    pub png: Vec<u8>,
    pub palette: PaletteCounts,
}

/// Open-addressed slots for the colour → index map: four times the most colours a palette
/// holds, so probes stay short, and small enough to live in L1.
const SLOTS: usize = 1024;

/// `pixmap` as an indexed PNG, or `None` past 256 colours. Decodes to exactly the pixels an
/// RGBA encode of `pixmap` holds (tested below).
pub(crate) fn encode(pixmap: &tiny_skia::Pixmap) -> Result<Option<IndexedPng>, PaintError> {
    let Some(Palettised {
        colours,
        idat,
        counts,
    }) = palettise(pixmap).map_err(io_err)?
    else {
        return Ok(None);
    };
    let mut rgb = Vec::with_capacity(colours.len() * 3);
    let mut alpha = Vec::with_capacity(colours.len());
    for c in &colours {
        rgb.extend_from_slice(&[c.red(), c.green(), c.blue()]);
        alpha.push(c.alpha());
    }
    let mut out = Vec::with_capacity(idat.len() + 1024);
    let mut enc = png::Encoder::new(&mut out, pixmap.width(), pixmap.height());
    enc.set_color(png::ColorType::Indexed);
    enc.set_depth(png::BitDepth::Eight);
    enc.set_palette(rgb);
    if alpha.iter().any(|&a| a != 255) {
        enc.set_trns(alpha);
    }
    let mut writer = enc.write_header().map_err(err)?;
    writer.write_chunk(png::chunk::IDAT, &idat).map_err(err)?;
    writer.finish().map_err(err)?;
    let palette = PaletteCounts {
        rgb: colours
            .iter()
            .map(|c| [c.red(), c.green(), c.blue()])
            .collect(),
        counts,
    };
    Ok(Some(IndexedPng { png: out, palette }))
}

fn err(e: png::EncodingError) -> PaintError {
    PaintError::Raster(format!("PNG encoding failed: {e}"))
}

fn io_err(e: std::io::Error) -> PaintError {
    PaintError::Raster(format!("PNG encoding failed: {e}"))
}

/// A picture as palette indices: the palette (demultiplied colours in first-seen order), the
/// IDAT chunk's zlib stream of `Up`-filtered index rows, and each colour's pixel count.
struct Palettised {
    colours: Vec<tiny_skia::ColorU8>,
    idat: Vec<u8>,
    counts: Vec<u64>,
}

/// PNG's filter type byte for `Up`: each byte minus the one above it.
const FILTER_UP: u8 = 2;

/// `pixmap` as palette indices, `None` past 256 colours. Keyed by the premultiplied pixel:
/// demultiplying is a function of it, so equal keys are equal colours, and only a new colour
/// is demultiplied. (Two keys may demultiply to one colour; the palette then holds it twice,
/// which changes no pixel.) Flat pictures are mostly rows equal to the row above and runs of
/// one colour, so a row like the last filters to zeros without a look at its pixels, and the
/// map is asked once per run. Rows go to the compressor as they are made: no image-sized
/// buffer of indices, and no second pass to filter them.
fn palettise(pixmap: &tiny_skia::Pixmap) -> std::io::Result<Option<Palettised>> {
    let width = pixmap.width() as usize;
    let mut map = ColourMap::default();
    let mut deflate = fdeflate::Compressor::new(Vec::with_capacity(width * 16))?;
    let mut counts = [0u64; 256];
    // The last row's runs, (index, length): a copied row counts the same.
    let mut runs: Vec<(u8, u64)> = Vec::new();
    let mut above: Option<&[u8]> = None;
    // The index rows above and here, and the filtered line (type byte first).
    let (mut prev, mut cur) = (vec![0u8; width], vec![0u8; width]);
    let mut line = vec![0u8; width + 1];
    line[0] = FILTER_UP;
    let zeros = line.clone();
    for row in pixmap.data().chunks_exact(width * 4) {
        if above == Some(row) {
            deflate.write_data(&zeros)?;
        } else {
            runs.clear();
            let key = |x: usize| u32::from_le_bytes(row[x * 4..x * 4 + 4].try_into().unwrap());
            let mut x = 0;
            while x < width {
                let k = key(x);
                let mut end = x + 1;
                while end < width && key(end) == k {
                    end += 1;
                }
                let Some(index) = map.index(k) else {
                    return Ok(None);
                };
                cur[x..end].fill(index);
                runs.push((index, (end - x) as u64));
                x = end;
            }
            for ((out, &c), &p) in line[1..].iter_mut().zip(&cur).zip(&prev) {
                *out = c.wrapping_sub(p);
            }
            deflate.write_data(&line)?;
            std::mem::swap(&mut prev, &mut cur);
        }
        for &(index, n) in &runs {
            counts[usize::from(index)] += n;
        }
        above = Some(row);
    }
    let idat = deflate.finish()?;
    let counts = counts[..map.colours.len()].to_vec();
    Ok(Some(Palettised {
        colours: map.colours,
        idat,
        counts,
    }))
}

/// Premultiplied pixel → palette index, open-addressed.
struct ColourMap {
    slots: [(u32, u16); SLOTS], // (key, index + 1); 0: empty
    colours: Vec<tiny_skia::ColorU8>,
}

impl Default for ColourMap {
    fn default() -> Self {
        ColourMap {
            slots: [(0, 0); SLOTS],
            colours: Vec::with_capacity(256),
        }
    }
}

impl ColourMap {
    /// `key`'s index, adding it as a new colour; `None` past 256 colours.
    fn index(&mut self, key: u32) -> Option<u8> {
        let mut slot = (key.wrapping_mul(0x9e37_79b1) >> 22) as usize;
        loop {
            match self.slots[slot] {
                (_, 0) => {
                    if self.colours.len() == 256 {
                        return None;
                    }
                    let [r, g, b, a] = key.to_le_bytes();
                    let premultiplied = tiny_skia::PremultipliedColorU8::from_rgba(r, g, b, a)?;
                    self.colours.push(premultiplied.demultiply());
                    self.slots[slot] = (key, self.colours.len() as u16);
                    return Some((self.colours.len() - 1) as u8);
                }
                (k, i) if k == key => return Some((i - 1) as u8),
                _ => slot = (slot + 1) % SLOTS,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8]) -> Vec<u8> {
        let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes.to_vec()));
        decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::ALPHA);
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        buf.truncate(info.buffer_size());
        buf
    }

    fn rgba(pixmap: &tiny_skia::Pixmap) -> Vec<u8> {
        pixmap
            .pixels()
            .iter()
            .flat_map(|p| {
                let c = p.demultiply();
                [c.red(), c.green(), c.blue(), c.alpha()]
            })
            .collect()
    }

    /// Half a red ground, the rest transparent, and a translucent anti-aliased circle.
    fn flat() -> tiny_skia::Pixmap {
        let mut flat = tiny_skia::Pixmap::new(40, 30).unwrap();
        let ground = tiny_skia::Rect::from_xywh(0.0, 0.0, 20.0, 30.0).unwrap();
        let mut red = tiny_skia::Paint::default();
        red.set_color_rgba8(200, 30, 60, 255);
        flat.fill_rect(ground, &red, tiny_skia::Transform::identity(), None);
        let mut paint = tiny_skia::Paint::default();
        paint.set_color_rgba8(10, 120, 240, 128);
        paint.anti_alias = true;
        let circle = tiny_skia::PathBuilder::from_circle(20.0, 15.0, 11.3).unwrap();
        let identity = tiny_skia::Transform::identity();
        let winding = tiny_skia::FillRule::Winding;
        flat.fill_path(&circle, &paint, winding, identity, None);
        flat
    }

    /// An indexed PNG decodes to exactly the pixels the RGBA encoding holds, transparency
    /// included, and a picture of more than 256 colours stays RGBA.
    #[test]
    fn indexed_pngs_hold_the_same_pixels() {
        let flat = flat();
        let indexed = encode(&flat).unwrap().expect("a flat picture is indexed");
        assert_eq!(indexed.png[25], 3, "colour type 3: indexed");
        let decoded = decode(&indexed.png);
        assert!(decoded == rgba(&flat), "the same pixels");
        assert!(decoded.chunks(4).any(|p| p[3] != 255), "transparency kept");

        let mut noisy = tiny_skia::Pixmap::new(32, 32).unwrap();
        for (i, p) in noisy.pixels_mut().iter_mut().enumerate() {
            *p = tiny_skia::ColorU8::from_rgba(i as u8, (i / 4) as u8, 7, 255).premultiply();
        }
        assert!(encode(&noisy).unwrap().is_none(), "over 256 colours");
    }

    /// The counts are the decoded picture's own: each colour's pixels, summing to the area.
    #[test]
    fn palette_counts_match_the_pixels() {
        let flat = flat();
        let indexed = encode(&flat).unwrap().unwrap();
        let PaletteCounts { rgb, counts } = &indexed.palette;
        assert_eq!(rgb.len(), counts.len());
        assert_eq!(counts.iter().sum::<u64>(), 40 * 30);
        let decoded = decode(&indexed.png);
        let mut want: std::collections::BTreeMap<[u8; 3], u64> = Default::default();
        for p in decoded.chunks(4) {
            *want.entry([p[0], p[1], p[2]]).or_default() += 1;
        }
        let mut got: std::collections::BTreeMap<[u8; 3], u64> = Default::default();
        for (c, n) in rgb.iter().zip(counts) {
            *got.entry(*c).or_default() += n;
        }
        assert_eq!(got, want);
        assert!(got.len() > 3, "ground, circle, edges and the clear part");
    }

    /// A picture of exactly 256 colours is indexed; one more is not.
    #[test]
    fn the_palette_holds_256_colours() {
        let mut pixmap = tiny_skia::Pixmap::new(16, 17).unwrap();
        for (i, p) in pixmap.pixels_mut().iter_mut().enumerate() {
            let i = i.min(255) as u8;
            *p = tiny_skia::ColorU8::from_rgba(i, 255 - i, i / 3, 255).premultiply();
        }
        let indexed = encode(&pixmap).unwrap().expect("256 colours fit");
        assert_eq!(indexed.palette.rgb.len(), 256);
        assert!(decode(&indexed.png) == rgba(&pixmap));
        pixmap.pixels_mut()[16 * 17 - 1] =
            tiny_skia::ColorU8::from_rgba(1, 2, 3, 255).premultiply();
        assert!(encode(&pixmap).unwrap().is_none(), "257 colours");
    }
}
