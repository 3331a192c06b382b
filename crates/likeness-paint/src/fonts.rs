//! The bundled fonts and the font database built from them.
//!
//! Only these faces are ever loaded (never system fonts), and every generic family (`serif`,
//! `sans-serif`, `cursive`, `fantasy`, `monospace`) maps to DejaVu Sans, so a text element can
//! never resolve to a missing face and silently vanish (DiceBear's blank-initials bug class).
//! Glyphs DejaVu lacks (CJK) are found by usvg's per-character fallback, which scans the
//! database: Droid Sans Fallback is there for exactly that. The SVGs also name both families
//! explicitly in `font-family` ([`FAMILY_LIST`]) so other renderers pick the same faces.

use std::sync::Arc;

use resvg::usvg::fontdb;

static DEJAVU_SANS_BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");
static DEJAVU_SANS: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
static DROID_SANS_FALLBACK: &[u8] = include_bytes!("../fonts/DroidSansFallbackFull.ttf");

/// The primary family (Latin, Greek, Cyrillic, Arabic, Hebrew, …).
pub(crate) const SANS: &str = "DejaVu Sans";
/// The CJK fallback family.
pub(crate) const CJK: &str = "Droid Sans Fallback";
/// What the SVGs put in `font-family`.
pub(crate) const FAMILY_LIST: &str = "DejaVu Sans, Droid Sans Fallback, sans-serif";

/// Builds the database from the bundled faces (no copies: the bytes are `'static`).
pub(crate) fn database() -> fontdb::Database {
    let mut db = fontdb::Database::new();
    // Load order matters for usvg's fallback scan: DejaVu first, the CJK face last.
    for bytes in [DEJAVU_SANS_BOLD, DEJAVU_SANS, DROID_SANS_FALLBACK] {
        db.load_font_source(fontdb::Source::Binary(Arc::new(bytes)));
    }
    db.set_serif_family(SANS);
    db.set_sans_serif_family(SANS);
    db.set_cursive_family(SANS);
    db.set_fantasy_family(SANS);
    db.set_monospace_family(SANS);
    db
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_faces_load_and_generic_families_resolve() {
        let db = database();
        assert_eq!(db.len(), 3);
        let families: Vec<String> = db
            .faces()
            .flat_map(|f| f.families.iter().map(|(n, _)| n.clone()))
            .collect();
        assert!(families.iter().any(|f| f == SANS), "{families:?}");
        assert!(families.iter().any(|f| f == CJK), "{families:?}");
        for generic in [
            fontdb::Family::Serif,
            fontdb::Family::SansSerif,
            fontdb::Family::Cursive,
            fontdb::Family::Fantasy,
            fontdb::Family::Monospace,
        ] {
            let q = fontdb::Query {
                families: &[generic],
                weight: fontdb::Weight::BOLD,
                ..Default::default()
            };
            let id = db.query(&q).expect("generic family resolves");
            assert_eq!(db.face(id).unwrap().families[0].0, SANS);
        }
        // The CJK face really covers the ideographs we rely on it for.
        let cjk = db
            .faces()
            .find(|f| f.families[0].0 == CJK)
            .map(|f| f.id)
            .unwrap();
        assert!(db.has_char(cjk, '牧'));
        let sans = db.query(&fontdb::Query { families: &[fontdb::Family::SansSerif], ..Default::default() }).unwrap();
        assert!(db.has_char(sans, 'م') && db.has_char(sans, 'ד') && db.has_char(sans, 'Ж'));
        assert!(!db.has_char(sans, '牧'));
    }
}
