//! Which size to ask OpenAI for, and what it costs.
//!
//! gpt-image-1, 1.5 and 1-mini (and chatgpt-image-latest) draw only 1024x1024, 1536x1024 and
//! 1024x1536: the one nearest the requested aspect is asked for. gpt-image-2 draws any
//! `WxH` with both sides multiples of 16, the long edge at most 3840 px, a ratio within 3:1
//! and 655 360..8 294 400 pixels: the requested size is moved into those bounds.

use super::super::settings::ProviderSettings;

/// gpt-image-2's pixel budget (3840x2160) and its measured floor.
const MAX_PIXELS: u64 = 3840 * 2160;
const MIN_PIXELS: u64 = 655_360;
const MAX_EDGE: u32 = 3840;

/// Whether `model` takes arbitrary sizes.
fn free_size(model: &str) -> bool {
    model.starts_with("gpt-image-2")
}

/// The size sent for a request of `width` × `height`.
pub fn api_size(model: &str, width: u32, height: u32) -> (u32, u32) {
    let (w, h) = (width.max(1) as f64, height.max(1) as f64);
    if !free_size(model) {
        // Nearest aspect on a log scale, so 2:3 and 3:2 are as far from square.
        let r = (w / h).ln();
        let choices = [(1024, 1024), (1536, 1024), (1024, 1536)];
        return choices
            .into_iter()
            .min_by(|a, b| {
                let d = |s: &(u32, u32)| (r - (s.0 as f64 / s.1 as f64).ln()).abs();
                d(a).total_cmp(&d(b))
            })
            .unwrap_or((1024, 1024));
    }
    // Ratio into 1:3..3:1, keeping the area.
    let ratio = (w / h).clamp(1.0 / 3.0, 3.0);
    let area = (w * h).clamp(MIN_PIXELS as f64, MAX_PIXELS as f64);
    let mut fw = (area * ratio).sqrt();
    let mut fh = (area / ratio).sqrt();
    let long = fw.max(fh);
    if long > MAX_EDGE as f64 {
        fw *= MAX_EDGE as f64 / long;
        fh *= MAX_EDGE as f64 / long;
    }
    let round = |v: f64| (((v / 16.0).round() as u32).max(1)) * 16;
    let (mut w, mut h) = (round(fw), round(fh));
    // Rounding can step just outside a bound: walk back in 16 px steps.
    let pixels = |w: u32, h: u32| w as u64 * h as u64;
    while pixels(w, h) > MAX_PIXELS || w.max(h) > MAX_EDGE {
        if w >= h { w -= 16 } else { h -= 16 }
    }
    while pixels(w, h) < MIN_PIXELS {
        if w <= h { w += 16 } else { h += 16 }
    }
    while w > 3 * h {
        w -= 16;
    }
    while h > 3 * w {
        h -= 16;
    }
    (w, h)
}

/// The quality priced when none is set, or `auto`: OpenAI does not say what `auto` picks, and
/// `medium` is what it reports for portraits in practice; the answer's own `quality` is used
/// for the recorded cost when it names one.
pub const PRICED_QUALITY: &str = "medium";

/// The quality label for prices: the setting, or [`PRICED_QUALITY`] for none and `auto`.
pub fn priced_quality(setting: Option<&str>) -> &str {
    match setting {
        None | Some("auto") | Some("") => PRICED_QUALITY,
        Some(q) => q,
    }
}

/// The list price of one image: the price table's `quality:WxH` entry; for a size the table
/// lacks (gpt-image-2's free sizes, portrait sizes of 1.5 and mini) the square price scaled by
/// area, as OpenAI bills output tokens by area; else `ProviderSettings::price`'s fallback.
pub fn price(settings: &ProviderSettings, model: &str, quality: &str, size: (u32, u32)) -> f64 {
    let label = format!("{quality}:{}x{}", size.0, size.1);
    let table = settings.prices.get(model);
    if let Some(p) = table.and_then(|t| t.get(&label)) {
        return *p;
    }
    if let Some(square) = table.and_then(|t| t.get(&format!("{quality}:1024x1024"))) {
        return square * (size.0 as f64 * size.1 as f64) / (1024.0 * 1024.0);
    }
    settings.price(model, &label)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_size_models_take_the_nearest_aspect() {
        for model in ["gpt-image-1", "gpt-image-1.5", "gpt-image-1-mini"] {
            assert_eq!(api_size(model, 1024, 1024), (1024, 1024));
            assert_eq!(api_size(model, 512, 512), (1024, 1024));
            assert_eq!(api_size(model, 832, 1248), (1024, 1536), "2:3 portrait");
            assert_eq!(api_size(model, 768, 1024), (1024, 1536), "3:4 portrait");
            assert_eq!(api_size(model, 1920, 1080), (1536, 1024), "16:9 landscape");
            assert_eq!(api_size(model, 1100, 1000), (1024, 1024), "nearly square");
            assert_eq!(api_size(model, 1000, 3000), (1024, 1536), "very tall");
        }
    }

    #[test]
    fn gpt_image_2_sizes_are_moved_into_its_bounds() {
        let ok = |(w, h): (u32, u32)| {
            let p = w as u64 * h as u64;
            w % 16 == 0
                && h % 16 == 0
                && w.max(h) <= 3840
                && w.max(h) <= 3 * w.min(h)
                && (MIN_PIXELS..=MAX_PIXELS).contains(&p)
        };
        assert_eq!(api_size("gpt-image-2", 1024, 1024), (1024, 1024));
        assert_eq!(api_size("gpt-image-2", 1024, 1536), (1024, 1536));
        assert_eq!(api_size("gpt-image-2", 3840, 2160), (3840, 2160));
        assert_eq!(api_size("gpt-image-2-2026-04-21", 1000, 1500), (1008, 1504));
        // Too small: scaled up to the floor, aspect kept.
        assert_eq!(api_size("gpt-image-2", 512, 512), (816, 816));
        // Too big: scaled down to the budget.
        let big = api_size("gpt-image-2", 4096, 4096);
        assert!(ok(big) && big.0 == big.1 && big.0 >= 2864, "{big:?}");
        // Too thin: the ratio is clamped to 3:1.
        let thin = api_size("gpt-image-2", 4000, 500);
        assert!(ok(thin) && thin.0 == 3 * thin.1, "{thin:?}");
        for (w, h) in [
            (1, 1),
            (1, 9000),
            (9000, 1),
            (1023, 767),
            (3000, 3000),
            (100, 4000),
        ] {
            assert!(ok(api_size("gpt-image-2", w, h)), "{w}x{h}");
        }
    }

    #[test]
    fn prices_use_the_table_then_scale_the_square_price() {
        let s = ProviderSettings::resolve("openai", None, &|_| None).unwrap();
        assert_eq!(price(&s, "gpt-image-1", "medium", (1024, 1536)), 0.063);
        assert_eq!(price(&s, "gpt-image-1", "high", (1024, 1024)), 0.167);
        let p = price(&s, "gpt-image-1.5", "medium", (1024, 1536));
        assert!((p - 0.051).abs() < 1e-9, "{p}");
        let p = price(&s, "gpt-image-2", "low", (2048, 2048));
        assert!((p - 0.024).abs() < 1e-9, "{p}");
        assert_eq!(
            price(&s, "someone-elses-model", "medium", (1024, 1024)),
            0.0
        );
        assert_eq!(priced_quality(None), "medium");
        assert_eq!(priced_quality(Some("auto")), "medium");
        assert_eq!(priced_quality(Some("high")), "high");
    }
}
