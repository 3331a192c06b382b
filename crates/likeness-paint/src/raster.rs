//! SVG → PNG through usvg/resvg/tiny-skia, with every resource loader switched off.

use std::sync::Arc;

use resvg::tiny_skia;
use resvg::usvg;

use crate::{PaintError, Size, fonts};

/// Parsing options that can reach nothing outside the SVG string: no resources directory, no
/// image loading (neither files nor data URLs), only the bundled font database.
fn options(fontdb: &Arc<usvg::fontdb::Database>) -> usvg::Options<'static> {
    usvg::Options {
        resources_dir: None,
        font_family: fonts::SANS.to_owned(),
        fontdb: Arc::clone(fontdb),
        image_href_resolver: usvg::ImageHrefResolver {
            resolve_data: Box::new(|_, _, _| None),
            resolve_string: Box::new(|_, _| None),
        },
        ..usvg::Options::default()
    }
}

/// Rasterises `svg` at exactly `size` pixels and encodes it as PNG (RGBA, 8 bits).
pub(crate) fn render_png(
    fontdb: &Arc<usvg::fontdb::Database>,
    svg: &str,
    size: Size,
) -> Result<Vec<u8>, PaintError> {
    let pixmap = rasterise(fontdb, svg, size)?;
    pixmap
        .encode_png()
        .map_err(|e| PaintError::Raster(format!("PNG encoding failed: {e}")))
}

pub(crate) fn rasterise(
    fontdb: &Arc<usvg::fontdb::Database>,
    svg: &str,
    size: Size,
) -> Result<tiny_skia::Pixmap, PaintError> {
    let tree = usvg::Tree::from_str(svg, &options(fontdb))
        .map_err(|e| PaintError::Svg(e.to_string()))?;
    let mut pixmap = tiny_skia::Pixmap::new(size.width, size.height).ok_or_else(|| {
        PaintError::Raster(format!("cannot allocate {}x{}", size.width, size.height))
    })?;
    let ts = tree.size();
    let transform = tiny_skia::Transform::from_scale(
        size.width as f32 / ts.width(),
        size.height as f32 / ts.height(),
    );
    resvg::render(&tree, transform, &mut pixmap.as_mut());
    Ok(pixmap)
}
