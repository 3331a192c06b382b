//! Soft layers: groups drawn at reduced resolution and smoothly upscaled.
//!
//! Washes, gradients and blooms have no hard edges, so rasterising them at full resolution
//! wastes most of the fill work (translucent layers and gradients cost per pixel). A kind marks
//! such a group with an id token `soft{d}` (see [`id`]); [`render`] then draws that group alone
//! into a pixmap 1/d the size, upscales it bilinearly (integer arithmetic, so deterministic) and
//! composites it in paint order, while everything else is drawn by resvg at full resolution on
//! top or underneath. The bilinear step also softens the few-pixel steps between stacked wash
//! layers, which is why fewer layers suffice.
//!
//! The SVG itself is untouched (an id is all it carries), so `render_svg` stays a plain,
//! self-contained document; viewers that render it directly show the same picture at full
//! resolution, sharper in the soft parts. Below [`REFERENCE`] pixels the divisor shrinks, so
//! small avatars are never blurrier than a 256-pixel one.
//!
//! Ancestors of a soft group may transform it and clip it (a frame's circle); the clip is then
//! applied at full resolution. Anything else on the way (opacity, masks, filters, blending)
//! falls back to drawing that subtree entirely with resvg, which is slower but exact.

use resvg::tiny_skia::{self, Mask, Pixmap, Transform};
use resvg::usvg::{self, Group, Node};

use crate::svg::Canvas;

/// The output size (short side, pixels) at which a `soft{d}` group is drawn at exactly 1/d.
/// Smaller outputs use a smaller divisor, so a soft group never gets fewer pixels per unit
/// than it has at this size; larger ones keep 1/d and so get more.
pub(crate) const REFERENCE: u32 = 256;

/// A document-unique group id that marks the group as soft at divisor `d` (2, 4 or 8; other
/// values mark nothing): `{prefix}-soft{d}-{name}`.
pub(crate) fn id(canvas: &Canvas, name: &str, d: u32) -> String {
    canvas.id(&format!("soft{d}-{name}"))
}

/// Draws `tree` onto `pixmap` (already sized) with `root` as the canvas transform, soft groups
/// at reduced resolution. Returns whether the picture has soft groups.
///
/// The caller then rounds soft pictures to even levels: they are all smooth gradients, and a
/// PNG pays for every step between adjacent levels; half the levels are half the steps (about
/// a quarter fewer bytes), while a step of 2/255 does not read as banding.
pub(crate) fn render(tree: &usvg::Tree, root: Transform, pixmap: &mut Pixmap) -> bool {
    let short = pixmap.width().min(pixmap.height());
    let ctx = Ctx { root, short };
    if has_soft(tree.root(), short) {
        draw(tree.root(), &ctx, pixmap, &mut true);
    } else {
        resvg::render(tree, root, &mut pixmap.as_mut());
    }
    // Marked at all, even if small enough to be drawn at full size.
    has_soft(tree.root(), u32::MAX)
}

struct Ctx {
    root: Transform,
    short: u32,
}

/// The effective divisor of a group marked `soft{d}`, or `None` (not marked, or too small to
/// gain anything).
fn divisor(g: &Group, short: u32) -> Option<u32> {
    let id = g.id();
    if id.is_empty() {
        return None;
    }
    let d = id.split('-').find_map(|t| match t {
        "soft2" => Some(2),
        "soft4" => Some(4),
        "soft8" => Some(8),
        _ => None,
    })?;
    let mut e = 1;
    while e * 2 <= d && u64::from(short) * u64::from(d) >= u64::from(REFERENCE * e * 2) {
        e *= 2;
    }
    (e > 1).then_some(e)
}

fn has_soft(g: &Group, short: u32) -> bool {
    g.children().iter().any(|n| match n {
        Node::Group(c) => divisor(c, short).is_some() || has_soft(c, short),
        _ => false,
    })
}

/// Paints `parent`'s children in order. `empty`: nothing has been drawn on `target` yet.
fn draw(parent: &Group, ctx: &Ctx, target: &mut Pixmap, empty: &mut bool) {
    for node in parent.children() {
        let Node::Group(g) = node else {
            plain(node, parent, ctx, target, empty);
            continue;
        };
        if let Some(d) = divisor(g, ctx.short) {
            soft(node, parent, d, ctx, target, empty);
        } else if !has_soft(g, ctx.short) {
            plain(node, parent, ctx, target, empty);
        } else if !g.should_isolate() {
            // A transform only: it is already in the children's absolute transforms.
            draw(g, ctx, target, empty);
        } else if let Some(mask) = clip_only(g, ctx, target) {
            let Some(mut layer) = Pixmap::new(target.width(), target.height()) else {
                continue;
            };
            draw(g, ctx, &mut layer, &mut true);
            over(target, &layer, &mask);
            *empty = false;
        } else {
            plain(node, parent, ctx, target, empty);
        }
    }
}

/// Draws one node (and its subtree) with resvg at full resolution.
fn plain(node: &Node, parent: &Group, ctx: &Ctx, target: &mut Pixmap, empty: &mut bool) {
    let t = ctx.root.pre_concat(parent.abs_transform());
    resvg_node(node, t, target);
    *empty = false;
}

/// `resvg::render_node` with `t` as the transform of the node's parent: resvg shifts the
/// drawing by the node's layer bounding box (it expects a pixmap that size), so shift back.
fn resvg_node(node: &Node, t: Transform, target: &mut Pixmap) {
    if let Some(b) = node.abs_layer_bounding_box() {
        resvg::render_node(node, t.pre_translate(b.x(), b.y()), &mut target.as_mut());
    }
}

/// Draws a soft group at 1/d resolution, then upscales it over `target`.
fn soft(node: &Node, parent: &Group, d: u32, ctx: &Ctx, target: &mut Pixmap, empty: &mut bool) {
    let (w, h) = (target.width(), target.height());
    let Some(mut low) = Pixmap::new(w.div_ceil(d), h.div_ceil(d)) else {
        return;
    };
    let k = 1.0 / d as f32;
    let t = Transform::from_scale(k, k)
        .pre_concat(ctx.root)
        .pre_concat(parent.abs_transform());
    resvg_node(node, t, &mut low);
    upscale_over(&low, d, target, *empty);
    *empty = false;
}

/// The coverage of `g`'s clip path, if a clip is all that isolates `g` and it is plain paths.
fn clip_only(g: &Group, ctx: &Ctx, target: &Pixmap) -> Option<Mask> {
    let clip = g.clip_path()?;
    let plain = g.opacity() == usvg::Opacity::ONE
        && g.mask().is_none()
        && g.filters().is_empty()
        && g.blend_mode() == usvg::BlendMode::Normal
        && !g.isolate()
        && clip.clip_path().is_none();
    if !plain {
        return None;
    }
    let mut mask = Mask::new(target.width(), target.height())?;
    let t = ctx
        .root
        .pre_concat(g.abs_transform())
        .pre_concat(clip.transform());
    for node in clip.root().children() {
        let Node::Path(p) = node else { return None };
        let Some(fill) = p.fill() else { continue };
        if !p.is_visible() {
            continue;
        }
        let rule = match fill.rule() {
            usvg::FillRule::NonZero => tiny_skia::FillRule::Winding,
            usvg::FillRule::EvenOdd => tiny_skia::FillRule::EvenOdd,
        };
        mask.fill_path(p.data(), rule, true, t);
    }
    Some(mask)
}

/// `a * b / 255`, rounded.
#[inline]
fn mul255(a: u32, b: u32) -> u32 {
    let x = a * b + 128;
    (x + (x >> 8)) >> 8
}

/// Source-over of premultiplied `src` onto `dst` (same size) through `mask`.
fn over(dst: &mut Pixmap, src: &Pixmap, mask: &Mask) {
    let w = dst.width() as usize * 4;
    let mut row = vec![0u8; w];
    let rows = dst
        .data_mut()
        .chunks_exact_mut(w)
        .zip(src.data().chunks_exact(w));
    for ((d, s), m) in rows.zip(mask.data().chunks_exact(w / 4)) {
        for ((o, p), c) in row.chunks_exact_mut(4).zip(s.chunks_exact(4)).zip(m) {
            for k in 0..4 {
                o[k] = mul255(u32::from(p[k]), u32::from(*c)) as u8;
            }
        }
        over_row(d, &row);
    }
}

/// Sample positions for upscaling by `d` (1, 2, 4 or 8): for each output index, the lower
/// source index and the weight of the upper one in 1/16 (exact for these divisors), with the
/// output pixel centre mapped onto the source grid (`(j + 0.5) / d - 0.5`), clamped at the
/// edges.
fn taps(n_out: u32, n_src: u32, d: u32) -> Vec<(usize, usize, u16)> {
    let last = i64::from(n_src) - 1;
    (0..i64::from(n_out))
        .map(|j| {
            let u = ((2 * j + 1) * 8) / i64::from(d) - 8; // in 1/16 of a source pixel
            let i0 = u.div_euclid(16);
            let f = u.rem_euclid(16) as u16;
            let a = i0.clamp(0, last) as usize;
            let b = (i0 + 1).clamp(0, last) as usize;
            (a, b, f)
        })
        .collect()
}

/// Bilinear upscale of premultiplied `low` by `d`, composited source-over onto `dst` (or
/// copied, when `dst` is still empty). Integer arithmetic in u16 lanes, so it vectorises; rows
/// and margins where `low` is transparent are skipped.
fn upscale_over(low: &Pixmap, d: u32, dst: &mut Pixmap, empty: bool) {
    let w = dst.width() as usize;
    let ys = taps(dst.height(), low.height(), d);
    let src = low.data();
    let lw = low.width() as usize;
    // The painted span of each source row, in output columns (None: fully transparent).
    let spans: Vec<Option<(usize, usize)>> = src
        .chunks_exact(lw * 4)
        .map(|r| {
            let first = r.chunks_exact(4).position(|p| p[3] != 0)?;
            let last = r.chunks_exact(4).rposition(|p| p[3] != 0)?;
            let d = d as usize;
            Some((first.saturating_sub(1) * d, ((last + 2) * d).min(w)))
        })
        .collect();
    let stretch = |row: usize, out: &mut [u16]| {
        let r = &src[row * lw * 4..(row + 1) * lw * 4];
        match d {
            2 => stretch::<2>(r, out),
            4 => stretch::<4>(r, out),
            _ => stretch::<8>(r, out),
        }
    };
    let (mut top, mut bot) = (vec![0u16; w * 4], vec![0u16; w * 4]);
    let mut mixed = vec![0u8; w * 4];
    let mut have = (usize::MAX, usize::MAX);
    let data = dst.data_mut();
    for (y, &(a, b, f)) in ys.iter().enumerate() {
        let (x0, x1) = match (spans[a], spans[b]) {
            (None, None) => continue,
            (Some(s), None) | (None, Some(s)) => s,
            (Some(s), Some(t)) => (s.0.min(t.0), s.1.max(t.1)),
        };
        if have != (a, b) {
            if have.1 == a {
                std::mem::swap(&mut top, &mut bot);
            } else {
                stretch(a, &mut top);
            }
            stretch(b, &mut bot);
            have = (a, b);
        }
        let g = 16 - f;
        let (t, u, m) = (
            &top[x0 * 4..x1 * 4],
            &bot[x0 * 4..x1 * 4],
            &mut mixed[x0 * 4..x1 * 4],
        );
        for ((o, t), u) in m.iter_mut().zip(t).zip(u) {
            // At most 255 * 256: u16 holds it.
            *o = ((*t * g + *u * f + 128) >> 8) as u8;
        }
        let out = &mut data[(y * w + x0) * 4..(y * w + x1) * 4];
        if empty {
            out.copy_from_slice(m);
        } else {
            over_row(out, m);
        }
    }
}

/// One source row `r` stretched horizontally by `D` into `out` (in 1/16, at most 255 * 16):
/// the same sampling as [`taps`], unrolled per source pixel so it vectorises.
fn stretch<const D: usize>(r: &[u8], out: &mut [u16]) {
    let lw = r.len() / 4;
    let lerp = |o: &mut [u16], pa: &[u8], pb: &[u8], f: u16| {
        for k in 0..4 {
            o[k] = u16::from(pa[k]) * (16 - f) + u16::from(pb[k]) * f;
        }
    };
    // Output D/2 + i*D + j lies between source pixels i and i + 1, at (2j + 1) / 2D.
    let half = (D / 2).min(out.len() / 4);
    let (left, rest) = out.split_at_mut(half * 4);
    for o in left.chunks_exact_mut(4) {
        lerp(o, &r[..4], &r[..4], 0);
    }
    let pairs = r.chunks_exact(4).zip(r[4..].chunks_exact(4));
    let mut done = 0;
    for ((pa, pb), block) in pairs.zip(rest.chunks_exact_mut(4 * D)) {
        for j in 0..D {
            lerp(
                &mut block[j * 4..j * 4 + 4],
                pa,
                pb,
                ((2 * j + 1) * 8 / D) as u16,
            );
        }
        done += 1;
    }
    // What is left: part of one more block, or the right margin (clamped to the last pixel).
    for (n, o) in rest[done * D * 4..].chunks_exact_mut(4).enumerate() {
        let (i, j) = (done + n / D, n % D);
        let (a, b) = (i.min(lw - 1), (i + 1).min(lw - 1));
        let f = ((2 * j + 1) * 8 / D) as u16;
        lerp(o, &r[a * 4..a * 4 + 4], &r[b * 4..b * 4 + 4], f);
    }
}

/// Source-over of one row of premultiplied pixels: branch-free u16 arithmetic on blocks of four
/// pixels, so it vectorises.
fn over_row(dst: &mut [u8], src: &[u8]) {
    let mut d16 = dst.chunks_exact_mut(16);
    let mut s16 = src.chunks_exact(16);
    for (d, s) in (&mut d16).zip(&mut s16) {
        let mut inv = [0u16; 16];
        for p in 0..4 {
            let a = 255 - u16::from(s[p * 4 + 3]);
            inv[p * 4..p * 4 + 4].copy_from_slice(&[a; 4]);
        }
        for k in 0..16 {
            d[k] = over_px(d[k], s[k], inv[k]);
        }
    }
    for (d, s) in d16
        .into_remainder()
        .chunks_exact_mut(4)
        .zip(s16.remainder().chunks_exact(4))
    {
        let inv = 255 - u16::from(s[3]);
        for k in 0..4 {
            d[k] = over_px(d[k], s[k], inv);
        }
    }
}

/// One channel of source-over: `s + d * inv / 255`, the division rounded (exact for all u8
/// inputs).
#[inline]
fn over_px(d: u8, s: u8, inv: u16) -> u8 {
    let x = u16::from(d) * inv + 128;
    (u16::from(s) + ((x + (x >> 8)) >> 8)).min(255) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taps_map_pixel_centres() {
        // Doubling: outputs 0,1 sit a quarter pixel either side of source 0's centre.
        let t = taps(4, 2, 2);
        assert_eq!(t[0], (0, 0, 12)); // clamped at the left edge: pure source 0
        assert_eq!(t[1], (0, 1, 4));
        assert_eq!(t[2], (0, 1, 12));
        assert_eq!(t[3], (1, 1, 4));
        // Quadrupling: eighths of a pixel either side of the centres.
        let t = taps(8, 2, 4);
        assert_eq!(
            t[1..7],
            [
                (0, 0, 14),
                (0, 1, 2),
                (0, 1, 6),
                (0, 1, 10),
                (0, 1, 14),
                (1, 1, 2)
            ]
        );
    }

    #[test]
    fn stretching_samples_like_the_taps() {
        let r: Vec<u8> = (0..7 * 4).map(|i| (i * 37 % 256) as u8).collect();
        for (d, w) in [(2, 13), (2, 14), (4, 25), (4, 28), (8, 50), (8, 56)] {
            let mut out = vec![0u16; w * 4];
            match d {
                2 => stretch::<2>(&r, &mut out),
                4 => stretch::<4>(&r, &mut out),
                _ => stretch::<8>(&r, &mut out),
            }
            for (x, &(a, b, f)) in taps(w as u32, 7, d).iter().enumerate() {
                for k in 0..4 {
                    let want = u16::from(r[a * 4 + k]) * (16 - f) + u16::from(r[b * 4 + k]) * f;
                    assert_eq!(out[x * 4 + k], want, "d {d} w {w} x {x}");
                }
            }
        }
    }

    #[test]
    fn flat_colour_upscales_to_itself() {
        let mut low = Pixmap::new(3, 3).unwrap();
        low.fill(tiny_skia::Color::from_rgba8(40, 120, 200, 255));
        let mut dst = Pixmap::new(12, 10).unwrap();
        upscale_over(&low, 4, &mut dst, false);
        for p in dst.pixels() {
            assert_eq!(
                (p.red(), p.green(), p.blue(), p.alpha()),
                (40, 120, 200, 255)
            );
        }
    }

    #[test]
    fn ids_parse_and_shrink_for_small_images() {
        let canvas = Canvas::new(crate::Size::square(64), "lk1".into());
        assert_eq!(id(&canvas, "base", 4), "lk1-soft4-base");
        let svg = |d: u32| {
            format!(
                r#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><g id="{}"><rect width="5" height="5"/></g></svg>"#,
                id(&canvas, "x", d)
            )
        };
        let tree = usvg::Tree::from_str(&svg(4), &usvg::Options::default()).unwrap();
        let Node::Group(g) = &tree.root().children()[0] else {
            panic!()
        };
        assert_eq!(divisor(g, 512), Some(4));
        assert_eq!(divisor(g, 256), Some(4));
        assert_eq!(divisor(g, 160), Some(2));
        assert_eq!(divisor(g, 100), None);
    }
}
