//! The bundled fonts and the font database built from them.
//!
//! Only these faces are ever loaded (never system fonts), and every generic family (`serif`,
//! `sans-serif`, `cursive`, `fantasy`, `monospace`) maps to DejaVu Sans, so a text element can
//! never resolve to a missing face and silently vanish (DiceBear's blank-initials bug class).
//! Glyphs DejaVu lacks are in Droid Sans Fallback (Han ideographs, kana) and NanumSquare Bold
//! (all 11,172 Hangul syllables, which Droid Sans Fallback only partly covers). usvg 0.49 does
//! fall back per character, but only when the fallback face shapes the run into the same number
//! of glyphs as the first face: Hangul syllables, which the shaper decomposes into jamo against
//! DejaVu, come out as .notdef. So the SVGs never rely on it: [`family_for`] names all bundled
//! families explicitly, the face that covers the text *first*. Other renderers then pick the
//! same faces too.

use std::sync::Arc;

use resvg::usvg::fontdb;

static DEJAVU_SANS_BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");
static DEJAVU_SANS: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
static DROID_SANS_FALLBACK: &[u8] = include_bytes!("../fonts/DroidSansFallbackFull.ttf");
static NANUM_SQUARE_BOLD: &[u8] = include_bytes!("../fonts/NanumSquareB.ttf");

/// The primary family (Latin, Greek, Cyrillic, Arabic, Hebrew, …).
pub(crate) const SANS: &str = "DejaVu Sans";
const LATIN_FIRST: &str = "DejaVu Sans, Droid Sans Fallback, NanumSquare, sans-serif";
const HAN_FIRST: &str = "Droid Sans Fallback, NanumSquare, DejaVu Sans, sans-serif";
const HANGUL_FIRST: &str = "NanumSquare, Droid Sans Fallback, DejaVu Sans, sans-serif";

fn is_hangul(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x11FF | 0x3130..=0x318F | 0xA960..=0xA97F | 0xAC00..=0xD7A3 | 0xD7B0..=0xD7FF)
}

fn is_han_or_kana(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x312F | 0x3190..=0x9FFF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF | 0x20000..=0x3FFFF)
}

/// The `font-family` list for `text`: every bundled family, the one covering the text's first
/// letter first.
pub(crate) fn family_for(text: &str) -> &'static str {
    match text.chars().find(|c| c.is_alphabetic()) {
        Some(c) if is_hangul(c) => HANGUL_FIRST,
        Some(c) if is_han_or_kana(c) => HAN_FIRST,
        _ => LATIN_FIRST,
    }
}

/// Builds the database from the bundled faces (no copies: the bytes are `'static`).
pub(crate) fn database() -> fontdb::Database {
    let mut db = fontdb::Database::new();
    // Load order matters for usvg's fallback scan: DejaVu first, then the CJK faces.
    for bytes in [
        DEJAVU_SANS_BOLD,
        DEJAVU_SANS,
        DROID_SANS_FALLBACK,
        NANUM_SQUARE_BOLD,
    ] {
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
        assert_eq!(db.len(), 4);
        let families: Vec<String> = db
            .faces()
            .flat_map(|f| f.families.iter().map(|(n, _)| n.clone()))
            .collect();
        assert!(families.iter().any(|f| f == SANS), "{families:?}");
        for family in ["Droid Sans Fallback", "NanumSquare"] {
            assert!(families.iter().any(|f| f == family), "{families:?}");
        }
        assert_eq!(family_for("TO"), LATIN_FIRST);
        assert_eq!(family_for("محمد"), LATIN_FIRST);
        assert_eq!(family_for("牧爛"), HAN_FIRST);
        assert_eq!(family_for("まき"), HAN_FIRST);
        assert_eq!(family_for("김민"), HANGUL_FIRST);
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
    }
}
