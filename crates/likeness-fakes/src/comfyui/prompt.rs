//! `POST /prompt`: ComfyUI's validation with its exact 400 bodies, then the executor, which
//! sends the websocket events in ComfyUI's order and writes the history entry.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::body::Bytes;
use axum::extract::State;
use axum::extract::ws::Message;
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::{Inner, Reply, key, lock, now_ms};
use crate::script::json;

/// Inputs that must be numbers (ComfyUI's INT/FLOAT conversion), by class.
const NUMERIC: &[(&str, &[&str])] = &[
    ("EmptySD3LatentImage", &["width", "height", "batch_size"]),
    ("EmptyLatentImage", &["width", "height", "batch_size"]),
    ("RandomNoise", &["noise_seed"]),
    ("BasicScheduler", &["steps", "denoise"]),
    ("FluxGuidance", &["guidance"]),
    ("ApplyPulidFlux", &["weight", "start_at", "end_at"]),
    ("KSampler", &["seed", "steps", "cfg", "denoise"]),
];

const PULID_REQUIRED: &[&str] = &[
    "model",
    "pulid_flux",
    "eva_clip",
    "face_analysis",
    "image",
    "weight",
    "start_at",
    "end_at",
];

pub(super) fn error_body(kind: &str, message: &str, details: &str, extra: Value) -> Value {
    json!({"error": {"type": kind, "message": message, "details": details, "extra_info": extra},
           "node_errors": {}})
}

/// ComfyUI's `validate_prompt`, for the cases the provider must map.
pub(super) fn validate(s: &Inner, graph: &Map<String, Value>) -> Result<(), Value> {
    let installed = lock(&s.installed).clone();
    for (id, node) in graph {
        let title = node["_meta"]["title"].as_str();
        let Some(class) = node["class_type"].as_str() else {
            return Err(error_body(
                "missing_node_type",
                &format!(
                    "Node '{}' has no class_type. The workflow may be corrupted or a custom node is missing.",
                    title.unwrap_or(&format!("ID #{id}"))
                ),
                &format!("Node ID '#{id}'"),
                json!({"node_id": id, "class_type": null, "node_title": title}),
            ));
        };
        if !installed.contains(class) {
            return Err(error_body(
                "missing_node_type",
                &format!(
                    "Node '{}' not found. The custom node may not be installed.",
                    title.unwrap_or(class)
                ),
                &format!("Node ID '#{id}'"),
                json!({"node_id": id, "class_type": class, "node_title": title.unwrap_or(class)}),
            ));
        }
    }
    let outputs: Vec<&String> = graph
        .iter()
        .filter(|(_, n)| matches!(n["class_type"].as_str(), Some("SaveImage" | "PreviewImage")))
        .map(|(id, _)| id)
        .collect();
    if outputs.is_empty() {
        return Err(error_body(
            "prompt_no_outputs",
            "Prompt has no outputs",
            "",
            json!({}),
        ));
    }
    let models = lock(&s.unet_models).clone();
    let files = lock(&s.files).clone();
    let mut node_errors = Map::new();
    for (id, node) in graph {
        let class = node["class_type"].as_str().unwrap_or("");
        let inputs = &node["inputs"];
        let mut errors = Vec::new();
        if class == "UNETLoader" {
            let got = inputs["unet_name"].as_str().unwrap_or("");
            if !models.iter().any(|m| m == got) {
                errors.push(not_in_list("unet_name", got, &models));
            }
        }
        if class == "ApplyPulidFlux" {
            for input in PULID_REQUIRED.iter().filter(|i| inputs.get(**i).is_none()) {
                errors.push(
                    json!({"type": "required_input_missing", "message": "Required input is missing",
                    "details": input, "extra_info": {"input_name": input}}),
                );
            }
        }
        if class == "LoadImage" {
            let got = inputs["image"].as_str().unwrap_or("");
            let (sub, name) = got.rsplit_once('/').unwrap_or(("", got));
            if !files.contains_key(&key("input", sub, name)) {
                errors.push(json!({"type": "custom_validation_failed", "message": "Custom validation failed for node",
                    "details": format!("image - Invalid image file: {got}"), "extra_info": {"input_name": "image"}}));
            }
        }
        for (c, names) in NUMERIC.iter().filter(|(c, _)| *c == class) {
            for name in names
                .iter()
                .filter(|n| inputs.get(**n).is_some_and(|v| !v.is_number()))
            {
                let kind = if ["guidance", "denoise", "weight", "start_at", "end_at", "cfg"]
                    .contains(name)
                {
                    "FLOAT"
                } else {
                    "INT"
                };
                errors.push(json!({"type": "invalid_input_type",
                    "message": format!("Failed to convert an input value to a {kind} value"),
                    "details": format!("{name}, {}, invalid literal for {c}", inputs[*name]),
                    "extra_info": {"input_name": name, "input_config": null, "received_value": inputs[*name]}}));
            }
        }
        if !errors.is_empty() {
            node_errors.insert(
                id.clone(),
                json!({"class_type": class, "dependent_outputs": outputs, "errors": errors}),
            );
        }
    }
    if node_errors.is_empty() {
        return Ok(());
    }
    let first = node_errors
        .values()
        .next()
        .map(|n| n["errors"][0].clone())
        .unwrap_or_default();
    Err(
        json!({"error": {"type": "prompt_outputs_failed_validation", "message": "Prompt outputs failed validation",
        "details": format!("{}: {}", first["message"].as_str().unwrap_or(""), first["details"].as_str().unwrap_or("")),
        "extra_info": {}}, "node_errors": node_errors}),
    )
}

fn not_in_list(input: &str, got: &str, list: &[String]) -> Value {
    json!({"type": "value_not_in_list", "message": "Value not in list",
        "details": format!("{input}: '{got}' not in {list:?}"),
        "extra_info": {"input_name": input, "input_config": null, "received_value": got}})
}

pub(super) async fn prompt(State(s): State<Arc<Inner>>, body: Bytes) -> Response {
    let no_prompt = || {
        json(
            400,
            &error_body(
                "no_prompt",
                "No prompt provided",
                "No prompt provided",
                json!({}),
            ),
        )
    };
    let Ok(posted) = serde_json::from_slice::<Value>(&body) else {
        return no_prompt();
    };
    lock(&s.posted).push(posted.clone());
    let Some(graph) = posted.get("prompt").and_then(Value::as_object).cloned() else {
        return no_prompt();
    };
    let reply = s.script.next();
    if matches!(reply, Reply::ValidationError) {
        let (id, got) = graph
            .iter()
            .find(|(_, n)| n["class_type"] == "UNETLoader")
            .map(|(id, n)| {
                (
                    id.clone(),
                    n["inputs"]["unet_name"].as_str().unwrap_or("").to_string(),
                )
            })
            .unwrap_or(("12".into(), "flux1-dev.safetensors".into()));
        let e = not_in_list("unet_name", &got, &[]);
        return json(
            400,
            &json!({"error": {"type": "prompt_outputs_failed_validation",
            "message": "Prompt outputs failed validation",
            "details": format!("Value not in list: {}", e["details"].as_str().unwrap_or("")), "extra_info": {}},
            "node_errors": {id: {"class_type": "UNETLoader", "dependent_outputs": ["9"], "errors": [e]}}}),
        );
    }
    if let Err(e) = validate(&s, &graph) {
        return json(400, &e);
    }
    let number = s.counter.fetch_add(1, Ordering::SeqCst) + 1;
    let prompt_id = format!("5f1c0de0-0000-4000-8000-{number:012x}");
    let client_id = posted["client_id"].as_str().map(str::to_string);
    tokio::spawn(run(
        s.clone(),
        Run {
            prompt_id: prompt_id.clone(),
            number,
            graph,
            client_id,
            reply,
        },
    ));
    json(
        200,
        &json!({"prompt_id": prompt_id, "number": number, "node_errors": {}}),
    )
}

struct Run {
    prompt_id: String,
    number: u64,
    graph: Map<String, Value>,
    client_id: Option<String>,
    reply: Reply,
}

impl Inner {
    /// Sends to `client` (executor events), or to everyone when `broadcast` and no client.
    fn emit(&self, client: Option<&str>, broadcast: bool, kind: &str, data: Value) {
        let text = json!({"type": kind, "data": data}).to_string();
        let sockets = lock(&self.sockets);
        match client {
            Some(id) => {
                if let Some(tx) = sockets.get(id) {
                    let _ = tx.send(Message::Text(text.into()));
                }
            }
            None if broadcast => sockets.values().for_each(|tx| {
                let _ = tx.send(Message::Text(text.clone().into()));
            }),
            None => {}
        }
    }
}

/// The executor: events in ComfyUI's order, then the history entry, then `executing` null.
async fn run(s: Arc<Inner>, r: Run) {
    let client = r.client_id.as_deref();
    let pid = r.prompt_id.as_str();
    let mut messages = Vec::new();
    let event = |kind: &str, mut data: Value, messages: &mut Vec<Value>, keep: bool| {
        data["prompt_id"] = json!(pid);
        data["timestamp"] = json!(now_ms());
        if keep {
            messages.push(json!([kind, data.clone()]));
        }
        s.emit(client, kind == "execution_interrupted", kind, data);
    };
    event("execution_start", json!({}), &mut messages, true);
    if matches!(r.reply, Reply::DropSocket)
        && let Some(tx) = client.and_then(|c| lock(&s.sockets).remove(c))
    {
        let _ = tx.send(Message::Close(None));
    }
    event(
        "execution_cached",
        json!({"nodes": []}),
        &mut messages,
        true,
    );
    let class_of = |id: &str| r.graph[id]["class_type"].as_str().unwrap_or("").to_string();
    let ids = execution_order(&r.graph);
    let save = ids
        .iter()
        .rev()
        .find(|id| matches!(class_of(id).as_str(), "SaveImage" | "PreviewImage"))
        .map(|id| id.to_string())
        .unwrap_or_default();
    let mut status = "success";
    for id in ids.iter().filter(|id| **id != &save) {
        event(
            "executing",
            json!({"node": id, "display_node": id}),
            &mut messages,
            false,
        );
        let class = class_of(id);
        if let Reply::ExecutionError {
            node_type,
            exception_type,
            message,
        } = &r.reply
            && *node_type == class
        {
            event(
                "execution_error",
                json!({"node_id": id, "node_type": node_type, "executed": [],
                "exception_message": message, "exception_type": exception_type,
                "traceback": ["Traceback (most recent call last):\n"], "current_inputs": {}, "current_outputs": []}),
                &mut messages,
                true,
            );
            status = "error";
            break;
        }
        if matches!(r.reply, Reply::Interrupted)
            && matches!(class.as_str(), "SamplerCustomAdvanced" | "KSampler")
        {
            event(
                "execution_interrupted",
                json!({"node_id": id, "node_type": class, "executed": []}),
                &mut messages,
                true,
            );
            status = "error";
            break;
        }
        if matches!(class.as_str(), "SamplerCustomAdvanced" | "KSampler") {
            let steps = r
                .graph
                .values()
                .find(|n| {
                    matches!(
                        n["class_type"].as_str(),
                        Some("BasicScheduler" | "KSampler")
                    )
                })
                .and_then(|n| n["inputs"]["steps"].as_u64())
                .unwrap_or(20);
            for value in 1..=steps {
                if let Reply::Slow(d) = &r.reply {
                    tokio::time::sleep(*d).await;
                }
                let stop = {
                    let asked = lock(&s.interrupted);
                    asked.contains(pid) || asked.contains("*")
                };
                if stop {
                    event(
                        "execution_interrupted",
                        json!({"node_id": id, "node_type": class, "executed": []}),
                        &mut messages,
                        true,
                    );
                    status = "error";
                    break;
                }
                let data = json!({"value": value, "max": steps, "prompt_id": pid, "node": id});
                s.emit(client, true, "progress", data);
                if value == 1 {
                    // A preview frame: event 1 (PREVIEW_IMAGE), image type 2 (PNG), bytes.
                    let mut frame = vec![0, 0, 0, 1, 0, 0, 0, 2];
                    frame.extend(crate::png(8, 8));
                    if let Some(tx) = client.and_then(|c| lock(&s.sockets).get(c).cloned()) {
                        let _ = tx.send(Message::Binary(frame.into()));
                    }
                }
            }
            if status == "error" {
                break;
            }
        }
    }
    if matches!(r.reply, Reply::ExecutionError { .. }) && status == "success" {
        // The scripted node type is not in the graph: fail at the sampler as a node would.
        event(
            "execution_error",
            json!({"node_id": "0", "executed": [], "node_type": "SamplerCustomAdvanced",
            "exception_message": "scripted failure", "exception_type": "RuntimeError",
            "traceback": [], "current_inputs": {}, "current_outputs": []}),
            &mut messages,
            true,
        );
        status = "error";
    }
    let mut outputs = json!({});
    if status == "success" && !matches!(r.reply, Reply::NoOutputs) && !save.is_empty() {
        event(
            "executing",
            json!({"node": save, "display_node": save}),
            &mut messages,
            false,
        );
        let node = &r.graph[&save];
        let (kind, prefix) = match node["class_type"].as_str() {
            Some("SaveImage") => (
                "output",
                node["inputs"]["filename_prefix"]
                    .as_str()
                    .unwrap_or("ComfyUI"),
            ),
            _ => ("temp", "ComfyUI_temp"),
        };
        let filename = format!("{prefix}_{:05}_.png", r.number);
        let latent = r.graph.values().find(|n| {
            matches!(
                n["class_type"].as_str(),
                Some("EmptySD3LatentImage" | "EmptyLatentImage")
            )
        });
        let side = |k: &str| latent.and_then(|n| n["inputs"][k].as_u64()).unwrap_or(512);
        let bytes = match r.reply {
            Reply::CorruptImage => b"this is not a PNG, it is a fake's apology".to_vec(),
            _ => crate::png(
                (side("width") / 8).max(1) as u32,
                (side("height") / 8).max(1) as u32,
            ),
        };
        lock(&s.files).insert(key(kind, "", &filename), bytes);
        let images = json!([{"filename": filename, "subfolder": "", "type": kind}]);
        event(
            "executed",
            json!({"node": save, "display_node": save, "output": {"images": images}}),
            &mut messages,
            false,
        );
        outputs = json!({save.clone(): {"images": images}});
    }
    if status == "success" {
        event("execution_success", json!({}), &mut messages, true);
    }
    let save_ids: Vec<&String> = if save.is_empty() { vec![] } else { vec![&save] };
    let meta: Map<String, Value> = outputs
        .as_object()
        .into_iter()
        .flatten()
        .map(|(id, _)| {
            (
                id.clone(),
                json!({"node_id": id, "display_node": id, "parent_node": null, "real_node_id": id}),
            )
        })
        .collect();
    let entry = json!({
        "prompt": [r.number, pid, r.graph, {"client_id": r.client_id, "create_time": now_ms()}, save_ids],
        "outputs": outputs,
        "meta": meta,
        "status": {"status_str": status, "completed": status == "success", "messages": messages},
    });
    lock(&s.history).insert(r.prompt_id.clone(), entry);
    if let Some(c) = client {
        s.emit(
            Some(c),
            false,
            "executing",
            json!({"node": null, "prompt_id": pid}),
        );
    }
}

/// Nodes in an order ComfyUI could run them: each after the nodes it links to (ids by number
/// among the ready ones), outputs last.
fn execution_order(graph: &Map<String, Value>) -> Vec<&String> {
    let deps = |id: &String| -> Vec<String> {
        let inputs = graph[id.as_str()]["inputs"].as_object();
        inputs
            .into_iter()
            .flat_map(|m| m.values())
            .filter_map(|v| Some(v.as_array()?.first()?.as_str()?.to_string()))
            .filter(|d| graph.contains_key(d))
            .collect()
    };
    let mut left: Vec<&String> = graph.keys().collect();
    left.sort_by_key(|id| {
        let output = matches!(
            graph[id.as_str()]["class_type"].as_str(),
            Some("SaveImage" | "PreviewImage")
        );
        (output, id.parse::<u64>().unwrap_or(u64::MAX))
    });
    let mut done: Vec<&String> = Vec::new();
    while !left.is_empty() {
        // A cycle (which ComfyUI would refuse) runs in id order rather than hanging.
        let next = left
            .iter()
            .position(|id| deps(id).iter().all(|d| done.contains(&d)))
            .unwrap_or(0);
        done.push(left.remove(next));
    }
    done
}
