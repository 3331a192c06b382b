//! likeness's `/11.x/` SVGs against DiceBear JS itself (`clients/dicebear`, the npm packages
//! of the Rust crates' versions, run by node), byte for byte, for every style shipped.

use std::io::Write;
use std::process::{Command, Stdio};

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::get;
use crate::util::TestDir;
use crate::util::server::Server;

/// Option sets for one style, as `(query, the options DiceBear JS gets from it)`.
fn option_sets(style: &str) -> Vec<(String, Value)> {
    let mut sets: Vec<(String, Value)> = vec![
        ("seed=Felix".into(), json!({"seed": "Felix"})),
        (
            "seed=J%C3%BCrgen+M%C3%BCller%20%F0%9F%98%80%E6%BC%A2".into(),
            json!({"seed": "Jürgen Müller 😀漢"}),
        ),
        ("seed=a,b%2Cc".into(), json!({"seed": "a,b,c"})),
        (
            "seed=Ada&flip=horizontal&rotate=30&scale=0.8&borderRadius=50".into(),
            json!({"seed": "Ada", "flip": "horizontal", "rotate": 30, "scale": 0.8, "borderRadius": 50}),
        ),
        (
            "seed=Bo&backgroundColor=b6e3f4,c0aede,d1d4f9&backgroundColorFill=linear&backgroundColorAngle=45".into(),
            json!({"seed": "Bo", "backgroundColor": ["b6e3f4", "c0aede", "d1d4f9"], "backgroundColorFill": "linear", "backgroundColorAngle": 45}),
        ),
        (
            "seed=Cy&backgroundColor=ff0000&translateX=10&translateY=-5&size=64&flip=vertical,both".into(),
            json!({"seed": "Cy", "backgroundColor": "ff0000", "translateX": 10, "translateY": -5, "size": 64, "flip": ["vertical", "both"]}),
        ),
        (
            "seed=Di&rotate=-20,20&scale=1,1.5&backgroundColor=ffd5dc,ffdfbf&backgroundColorFill=radial".into(),
            json!({"seed": "Di", "rotate": [-20, 20], "scale": [1, 1.5], "backgroundColor": ["ffd5dc", "ffdfbf"], "backgroundColorFill": "radial"}),
        ),
    ];
    // The style's own: its first component's variants, weighted, and its probability.
    let descriptor = likeness_paint::dicebear_descriptor(style).unwrap();
    if let Some((name, field)) = descriptor.iter().find(|(k, _)| k.ends_with("Variant")) {
        let values = field["values"].as_array().unwrap();
        let a = values[0].as_str().unwrap();
        let b = values[values.len() - 1].as_str().unwrap();
        let component = name.trim_end_matches("Variant");
        let mut query = format!("seed=Ed&{name}={a}:3,{b}");
        let mut options = json!({"seed": "Ed", name.as_str(): {a: 3, b: 1}});
        if descriptor.contains_key(&format!("{component}Probability")) {
            query.push_str(&format!("&{component}Probability=100"));
            options[format!("{component}Probability")] = json!(100);
        }
        sets.push((query, options));
        sets.push((
            format!("seed=Fa&{name}={b}"),
            json!({"seed": "Fa", name.as_str(): b}),
        ));
    }
    sets
}

/// DiceBear JS's SVGs for `cases` (`{style, options}` each), one node process for all.
fn dicebear_js(dir: &std::path::Path, cases: &[Value]) -> Vec<Value> {
    let mut child = Command::new("node")
        .arg("render.mjs")
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("node runs (LIKENESS_TEST_DICEBEAR_JS needs node 20 or later)");
    let mut input = String::new();
    for c in cases {
        input.push_str(&format!("{c}\n"));
    }
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(out.status.success(), "render.mjs failed");
    let text = String::from_utf8(out.stdout).unwrap();
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[tokio::test]
async fn svgs_are_byte_identical_to_dicebear_js() {
    let Some(dir) = std::env::var_os("LIKENESS_TEST_DICEBEAR_JS") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must run this test: set LIKENESS_TEST_DICEBEAR_JS to clients/dicebear with node_modules (scripts/test does)"
        );
        eprintln!(
            "SKIPPED: set LIKENESS_TEST_DICEBEAR_JS to clients/dicebear after `npm ci` there (scripts/test does)"
        );
        return;
    };
    let dir = std::path::PathBuf::from(dir);
    assert!(
        dir.join("node_modules/@dicebear/core").is_dir(),
        "npm ci in {}",
        dir.display()
    );
    let mut cases = Vec::new();
    let mut paths = Vec::new();
    for s in likeness_paint::dicebear_styles() {
        for (query, options) in option_sets(s.name) {
            cases.push(json!({"style": s.name, "options": options}));
            paths.push(format!("/11.x/{}/svg?{query}", s.name));
        }
    }
    let expected = dicebear_js(&dir, &cases);
    assert_eq!(expected.len(), cases.len());
    let t = TestDir::new();
    let server = Server::start(&t, None);
    let mut differ = Vec::new();
    for ((path, js), case) in paths.iter().zip(&expected).zip(&cases) {
        let Some(js_svg) = js["svg"].as_str() else {
            panic!("DiceBear JS refused {case}: {js}");
        };
        let r = get(&server, path).await;
        let status = r.status();
        let ours = r.text().await.unwrap();
        assert_eq!(status, StatusCode::OK, "{path}: {ours}");
        if ours != js_svg {
            differ.push(path.clone());
        }
    }
    assert!(
        differ.is_empty(),
        "{} of {} SVGs differ from DiceBear JS: {differ:#?}",
        differ.len(),
        paths.len()
    );
    assert!(paths.len() >= 44 * 7, "{} cases", paths.len());
}
