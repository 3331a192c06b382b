use resvg::tiny_skia::Pixmap;
use serde_json::{Map, Value, json};

use super::*;
use crate::{KINDS, Recipe, Sitter, dicebear_query};

fn options(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => panic!("not an object"),
    }
}

#[test]
fn every_style_has_a_descriptor_without_the_options_urls_do_not_take() {
    for s in dicebear_styles() {
        let d = dicebear_descriptor(s.name).unwrap();
        assert_eq!(d["seed"]["type"], "string", "{}", s.name);
        assert_eq!(d["size"]["type"], "number", "{}", s.name);
        for excluded in NOT_OVER_HTTP {
            assert!(!d.contains_key(excluded), "{}: {excluded}", s.name);
        }
        // Built once: the same map every time.
        assert!(std::ptr::eq(d, dicebear_descriptor(s.name).unwrap()));
    }
    assert_eq!(
        dicebear_descriptor("adventurer").unwrap_err().code(),
        "paint.bad_recipe"
    );
}

#[test]
fn svgs_are_dicebears_own_and_rasters_name_the_bundled_fonts() {
    let o = options(json!({"seed": "Ada Lovelace"}));
    let svg = dicebear_svg("initials", &o).unwrap();
    assert!(svg.starts_with("<svg "), "{svg}");
    // DiceBear's default family, untouched: the SVG is DiceBear's.
    assert!(svg.contains("system-ui"), "{svg}");
    assert!(!svg.contains("DejaVu"), "{svg}");
    let raster = dicebear_raster_svg("initials", &o).unwrap();
    assert!(raster.contains("DejaVu Sans"), "{raster}");
    // The same picture otherwise: only the font family differs.
    assert_eq!(
        raster.replace(fonts::family_for("Ada"), "system-ui"),
        svg,
        "only the family"
    );
    let cjk = dicebear_raster_svg("initials", &options(json!({"seed": "김 민준"}))).unwrap();
    assert!(cjk.contains("NanumSquare, Droid"), "{cjk}");
    // A style without text is the same SVG either way.
    let shapes = options(json!({"seed": "x"}));
    assert_eq!(
        dicebear_raster_svg("shapes", &shapes).unwrap(),
        dicebear_svg("shapes", &shapes).unwrap()
    );
    let json = dicebear_json("shapes", &shapes).unwrap();
    assert_eq!(json["svg"], dicebear_svg("shapes", &shapes).unwrap());
    assert!(json["options"].is_object(), "{json}");
}

#[test]
fn options_dicebear_refuses_are_request_errors() {
    for bad in [
        json!({"rotate": 1000}),
        json!({"size": 0}),
        json!({"size": 64.5}),
        json!({"seed": "x".repeat(1025)}),
    ] {
        let e = dicebear_svg("shapes", &options(bad.clone())).unwrap_err();
        assert_eq!(e.code(), "dicebear.bad_option", "{bad}: {e}");
        assert!(matches!(e, DicebearError::Refused(_)), "{bad}");
    }
    let e = dicebear_svg("nope", &Map::new()).unwrap_err();
    assert_eq!(e.code(), "paint.bad_recipe");
}

#[test]
fn rasters_have_the_side_asked_for() {
    let p = Painter::new();
    let svg = dicebear_raster_svg("initials", &options(json!({"seed": "Tomás"}))).unwrap();
    for side in [1, 7, 16, 128] {
        let png = p.rasterise_png(&svg, side).unwrap();
        let pm = Pixmap::decode_png(&png).unwrap();
        assert_eq!((pm.width(), pm.height()), (side, side));
        assert_eq!(
            p.rasterise_rgba(&svg, side).unwrap().len(),
            (side * side * 4) as usize
        );
    }
    for side in [0, 4097, u32::MAX] {
        assert_eq!(
            p.rasterise_png(&svg, side).unwrap_err().code(),
            "paint.bad_size"
        );
        assert_eq!(
            p.rasterise_rgba(&svg, side).unwrap_err().code(),
            "paint.bad_size"
        );
    }
    // The same rasteriser as render_png: identical bytes for the renderer's own drawings.
    let recipe: Recipe = toml::from_str("kind = \"watercolor\"").unwrap();
    let sitter = Sitter::new("Ada");
    let drawn = p.render_svg(&recipe, &sitter, Size::square(64)).unwrap();
    assert_eq!(
        p.rasterise_png(&drawn, 64).unwrap(),
        p.render_png(&recipe, &sitter, Size::square(64)).unwrap()
    );
    assert_eq!(
        p.rasterise_png("not svg", 8).unwrap_err().code(),
        "paint.svg"
    );
}

#[test]
fn every_kind_rasterises_at_tiny_sides() {
    // Soft layers are drawn at 1/8 size: nothing may divide down to zero pixels and panic.
    let p = Painter::new();
    for kind in KINDS {
        let recipe: Recipe = toml::from_str(&format!("kind = \"{kind}\"")).unwrap();
        let svg = p
            .render_svg(&recipe, &Sitter::new("tiny"), Size::square(16))
            .unwrap();
        for side in [1, 2, 5] {
            let png = p.rasterise_png(&svg, side).unwrap();
            assert_eq!(Pixmap::decode_png(&png).unwrap().width(), side, "{kind}");
        }
    }
}

#[test]
fn looks_take_dicebears_frame_options_under_the_renderers_names() {
    let q = "seed=Ada&size=64&flip=horizontal&rotate=20,-10&borderRadius=50&translateX=5\
             &backgroundColor=b6e3f4,fff&backgroundColorFill=linear&scale=";
    let parsed = dicebear_query(look_descriptor(), q).unwrap();
    let keys = frame_keys(&parsed).unwrap();
    assert_eq!(
        Value::Object(keys),
        json!({
            "background": ["#b6e3f4", "#fff"],
            "background_fill": "linear",
            "radius": 50,
            "flip": "horizontal",
            "rotate": [-10.0, 20.0],
            "translate_x": 5,
        })
    );
    for bad in ["flip=horizontal,vertical", "nope=1", "borderRadius=1,2,3"] {
        assert!(dicebear_query(look_descriptor(), bad).is_err(), "{bad}");
    }
    let alpha = dicebear_query(look_descriptor(), "backgroundColor=00000000").unwrap();
    let e = frame_keys(&alpha).unwrap_err();
    assert_eq!(e.code(), "dicebear.bad_option");
    // Laid over a recipe, they draw.
    let mut table: Map<String, Value> = options(json!({"kind": "initials"}));
    table.extend(frame_keys(&parsed).unwrap());
    let recipe: Recipe = serde_json::from_value(Value::Object(table)).unwrap();
    let sitter = Sitter {
        name: "Ada",
        ..Sitter::new("Ada")
    };
    Painter::new()
        .render_svg(&recipe, &sitter, Size::square(64))
        .unwrap();
}
