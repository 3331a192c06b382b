//! The workflow template: an API-format ComfyUI graph (node id → `{class_type, inputs}`) whose
//! string values may be placeholders such as `"{{prompt}}"`. Filling walks the JSON tree and
//! swaps values, so a prompt with quotes or newlines can never break the graph, and numeric
//! placeholders become JSON numbers (ComfyUI refuses `"20"` for an INT input).

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::{Map, Value};

/// The shipped FLUX.1-dev + PuLID-Flux graph (docs/comfyui.md lists what it expects).
pub const BUILTIN: &str = include_str!("../../../workflows/flux-pulid.json");
pub const BUILTIN_NAME: &str = "flux-pulid (built in)";

/// What a placeholder turns into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Integer,
    Number,
}

/// Every placeholder likeness fills, with its JSON type.
pub const PLACEHOLDERS: &[(&str, Kind)] = &[
    ("prompt", Kind::Text),
    ("negative_prompt", Kind::Text),
    ("seed", Kind::Integer),
    ("width", Kind::Integer),
    ("height", Kind::Integer),
    ("steps", Kind::Integer),
    ("guidance", Kind::Number),
    ("identity_weight", Kind::Number),
    ("start_at", Kind::Number),
    ("end_at", Kind::Number),
    ("reference", Kind::Text),
];

/// A checked template.
#[derive(Debug, Clone)]
pub struct Template {
    /// For messages and the audit record: the file path, or the built-in's name.
    pub name: String,
    graph: Map<String, Value>,
    uses: BTreeSet<String>,
}

/// The values of one generation, by placeholder name (typed already).
pub type Values = Map<String, Value>;

impl Template {
    pub fn builtin() -> Template {
        Template::parse(BUILTIN_NAME, BUILTIN).expect("the shipped template is valid")
    }

    /// Reads a user's template; every problem names the file.
    pub fn load(path: &Path) -> Result<Template, String> {
        let name = path.display().to_string();
        let bytes = crate::local_file::read_regular(path, 4 << 20)
            .map_err(|e| format!("the workflow template: {e}"))?;
        let text = String::from_utf8(bytes)
            .map_err(|_| format!("the workflow template {name} is not UTF-8 text"))?;
        Template::parse(&name, &text).map_err(|e| format!("workflow template {name}: {e}"))
    }

    /// Checks the graph's shape and its placeholders.
    pub fn parse(name: &str, text: &str) -> Result<Template, String> {
        let value: Value =
            serde_json::from_str(text).map_err(|e| format!("not valid JSON ({e})"))?;
        let Value::Object(graph) = value else {
            return Err("expected a JSON object of node id → {class_type, inputs}".into());
        };
        if graph.contains_key("nodes") && graph.contains_key("links") {
            return Err(
                "this is a UI-format workflow (nodes/links); in ComfyUI use \
                        Workflow → Export (API) and point `workflow` at that file"
                    .into(),
            );
        }
        if graph.is_empty() {
            return Err("the graph has no nodes".into());
        }
        for (id, node) in &graph {
            let ok = node.get("class_type").is_some_and(Value::is_string)
                && node.get("inputs").is_none_or(Value::is_object);
            if !ok {
                return Err(format!(
                    "node {id:?} is not {{\"class_type\": \"…\", \"inputs\": {{…}}}}; \
                     export the workflow with Export (API)"
                ));
            }
        }
        let mut uses = BTreeSet::new();
        collect(&Value::Object(graph.clone()), &mut uses);
        if let Some(unknown) = uses.iter().find(|u| kind(u).is_none()) {
            return Err(format!(
                "unknown placeholder {{{{{unknown}}}}}; likeness fills: {}",
                PLACEHOLDERS
                    .iter()
                    .map(|(n, _)| format!("{{{{{n}}}}}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if !uses.contains("prompt") {
            return Err(
                "no {{prompt}} placeholder: put \"{{prompt}}\" as the text of the \
                        prompt's CLIPTextEncode node"
                    .into(),
            );
        }
        Ok(Template {
            name: name.to_string(),
            graph,
            uses,
        })
    }

    pub fn uses(&self, placeholder: &str) -> bool {
        self.uses.contains(placeholder)
    }

    /// The graph with every placeholder replaced; `values` must hold every name it uses.
    pub fn fill(&self, values: &Values) -> Map<String, Value> {
        let mut graph = Value::Object(self.graph.clone());
        fill(&mut graph, values);
        match graph {
            Value::Object(m) => m,
            _ => unreachable!("filling keeps the top-level object"),
        }
    }

    /// `(node id, class_type)` of every node.
    pub fn classes(&self) -> impl Iterator<Item = (&str, &str)> {
        self.graph
            .iter()
            .filter_map(|(id, n)| Some((id.as_str(), n.get("class_type")?.as_str().unwrap_or(""))))
    }
}

pub fn kind(name: &str) -> Option<Kind> {
    PLACEHOLDERS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, k)| *k)
}

/// The name of a string that is exactly one placeholder (`"{{seed}}"`, `"{{ seed }}"`).
fn whole(s: &str) -> Option<&str> {
    let inner = s.strip_prefix("{{")?.strip_suffix("}}")?.trim();
    (!inner.is_empty() && !inner.contains(['{', '}'])).then_some(inner)
}

/// Calls `each` with every `{{name}}` inside `s`, in order, with its byte range.
fn scan(s: &str, mut each: impl FnMut(std::ops::Range<usize>, &str)) {
    let mut from = 0;
    while let Some(open) = s[from..].find("{{").map(|i| i + from) {
        let Some(close) = s[open + 2..].find("}}").map(|i| i + open + 2) else {
            break;
        };
        each(open..close + 2, s[open + 2..close].trim());
        from = close + 2;
    }
}

fn collect(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::String(s) => scan(s, |_, name| {
            out.insert(name.to_string());
        }),
        Value::Array(items) => items.iter().for_each(|i| collect(i, out)),
        Value::Object(m) => m.values().for_each(|i| collect(i, out)),
        _ => {}
    }
}

fn fill(v: &mut Value, values: &Values) {
    match v {
        Value::String(s) => {
            if let Some(name) = whole(s) {
                if let Some(new) = values.get(name) {
                    *v = new.clone();
                }
                return;
            }
            // A placeholder inside a longer string ("{{prompt}}, 35 mm photo") stays text.
            if s.contains("{{") {
                let mut out = String::with_capacity(s.len());
                let mut last = 0;
                scan(s, |range, name| {
                    out.push_str(&s[last..range.start]);
                    match values.get(name) {
                        Some(Value::String(t)) => out.push_str(t),
                        Some(other) => out.push_str(&other.to_string()),
                        None => out.push_str(&s[range.clone()]),
                    }
                    last = range.end;
                });
                out.push_str(&s[last..]);
                *s = out;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| fill(i, values)),
        Value::Object(m) => m.values_mut().for_each(|i| fill(i, values)),
        _ => {}
    }
}

/// A seed ComfyUI takes as is: the first 8 bytes of SHA-256 of the request's seed, kept under
/// 2^53 so any JSON reader (the web UI's JavaScript included) keeps it exact.
pub fn seed_number(seed: &str) -> u64 {
    use sha2::Digest;
    let hash = sha2::Sha256::digest(seed.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&hash[..8]);
    u64::from_be_bytes(first) & ((1 << 53) - 1)
}

/// FLUX latents are 16-pixel aligned: the nearest multiple of 16, at least 16.
pub fn align16(side: u32) -> u32 {
    (side.saturating_add(8) / 16 * 16).max(16)
}

/// An `f32` as the decimal people wrote (0.7, not 0.699999988079071).
pub fn decimal(x: f32) -> Value {
    let v: f64 = x.to_string().parse().unwrap_or(f64::from(x));
    Value::from(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn values() -> Values {
        let v = json!({
            "prompt": "a \"quoted\" prompt\nwith a newline and {{seed}} in it",
            "negative_prompt": "",
            "seed": 42u64, "width": 768, "height": 1024, "steps": 20,
            "guidance": 3.5, "identity_weight": 0.7, "start_at": 0.0, "end_at": 1.0,
            "reference": "likeness-ab.png",
        });
        v.as_object().unwrap().clone()
    }

    #[test]
    fn the_builtin_fills_with_typed_values() {
        let t = Template::builtin();
        assert!(t.uses("reference") && t.uses("prompt") && !t.uses("negative_prompt"));
        let g = t.fill(&values());
        assert_eq!(
            g["6"]["inputs"]["text"], "a \"quoted\" prompt\nwith a newline and {{seed}} in it",
            "inserted text is not scanned again"
        );
        assert_eq!(g["6"]["inputs"]["clip"], json!(["64", 0]));
        assert_eq!(g["25"]["inputs"]["noise_seed"], json!(42));
        assert_eq!(g["27"]["inputs"]["width"], json!(768));
        assert_eq!(g["17"]["inputs"]["steps"], json!(20));
        assert!(g["26"]["inputs"]["guidance"].is_f64());
        assert_eq!(g["62"]["inputs"]["weight"], json!(0.7));
        assert_eq!(g["54"]["inputs"]["image"], "likeness-ab.png");
        assert_eq!(g["9"]["inputs"]["filename_prefix"], "likeness");
        let text = serde_json::to_string(&g).unwrap();
        assert!(!text.contains("{{width}}") && !text.contains("{{reference}}"));
        let back: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, Value::Object(g));
    }

    #[test]
    fn placeholders_inside_text_stay_text() {
        let t = Template::parse(
            "t",
            r#"{"1": {"class_type": "CLIPTextEncode", "inputs": {"text": "{{ prompt }}, seed {{seed}}, {{width}}x{{height}}"}}}"#,
        )
        .unwrap();
        let g = t.fill(&values());
        assert_eq!(
            g["1"]["inputs"]["text"],
            "a \"quoted\" prompt\nwith a newline and {{seed}} in it, seed 42, 768x1024"
        );
    }

    #[test]
    fn bad_templates_are_refused_with_the_reason() {
        let unknown = Template::parse(
            "t",
            r#"{"1": {"class_type": "X", "inputs": {"text": "{{prompt}}", "n": "{{mood}}"}}}"#,
        )
        .unwrap_err();
        assert!(
            unknown.contains("{{mood}}") && unknown.contains("{{steps}}"),
            "{unknown}"
        );
        let no_prompt = Template::parse(
            "t",
            r#"{"1": {"class_type": "X", "inputs": {"seed": "{{seed}}"}}}"#,
        )
        .unwrap_err();
        assert!(no_prompt.contains("{{prompt}}"), "{no_prompt}");
        let ui = Template::parse("t", r#"{"nodes": [], "links": []}"#).unwrap_err();
        assert!(ui.contains("Export (API)"), "{ui}");
        let not_node = Template::parse("t", r#"{"1": {"inputs": {}}}"#).unwrap_err();
        assert!(not_node.contains("\"1\""), "{not_node}");
        assert!(Template::parse("t", "{").unwrap_err().contains("JSON"));
        let missing = Template::load(Path::new("/nonexistent/flow.json")).unwrap_err();
        assert!(missing.contains("/nonexistent/flow.json"), "{missing}");
    }

    #[test]
    fn seeds_sizes_and_decimals() {
        assert_eq!(seed_number("ada-1:test:1"), seed_number("ada-1:test:1"));
        assert_ne!(seed_number("ada-1:test:1"), seed_number("ada-1:test:2"));
        assert!(seed_number("x") < 1 << 53);
        assert_eq!(
            [
                align16(1024),
                align16(1000),
                align16(1001),
                align16(7),
                align16(0)
            ],
            [1024, 1008, 1008, 16, 16]
        );
        assert_eq!(decimal(0.7), json!(0.7));
    }
}
