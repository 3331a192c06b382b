//! Every built-in style with a `[renderer]` table is one the built-in provider can draw: its
//! recipe parses and validates (for `kind = "dicebear"`, the DiceBear style is compiled into
//! likeness-paint), so a typo in a style file fails here rather than when a batch is planned.

use likeness::provider::Provider;
use likeness::provider::builtin::Builtin;
use likeness_styles::Catalog;

#[test]
fn builtin_recipes_are_drawable() {
    let builtin = Builtin::new();
    let catalog = Catalog::builtin();
    let mut drawable = 0;
    for style in catalog.list().filter(|s| s.renderer.is_some()) {
        builtin
            .check_style(style)
            .unwrap_or_else(|e| panic!("{}: {e}", style.name));
        drawable += 1;
    }
    assert!(
        drawable >= 47,
        "only {drawable} built-in styles have a renderer"
    );

    let mut bad = catalog.get("dicebear-notionists").unwrap().clone();
    bad.renderer
        .as_mut()
        .unwrap()
        .insert("style".into(), toml::Value::String("adventurer".into()));
    let e = builtin.check_style(&bad).unwrap_err();
    assert_eq!(e.code(), "provider.bad_recipe");
    let message = e.to_string();
    assert!(
        message.contains("unknown DiceBear style `adventurer`") && message.contains("notionists"),
        "{message}"
    );
}
