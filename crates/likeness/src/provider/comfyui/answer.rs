//! Reading ComfyUI's answers: statuses, `/prompt` refusals, execution errors from the
//! websocket or the history, and which output image to keep.

use serde_json::{Map, Value};

use super::super::ProviderError;
use super::super::http::{self, Reply};
use super::{PROVIDER, bad_request};

/// A status other than the expected one: a proxy's 429, ComfyUI's 5xx, a wrong base_url.
pub(super) fn status_error(reply: &Reply, doing: &str) -> ProviderError {
    let message = format!(
        "{doing}: HTTP {}: {}",
        reply.status,
        http::preview(&reply.body)
    );
    match reply.status {
        429 => ProviderError::RateLimited {
            provider: PROVIDER.into(),
            retry_after: http::retry_after(&reply.headers),
            message,
        },
        s if s >= 500 => ProviderError::Unavailable {
            provider: PROVIDER.into(),
            message,
        },
        404 => bad_request(
            404,
            format!("{message} (is base_url pointing at ComfyUI itself?)"),
        ),
        s => bad_request(s, message),
    }
}

/// What to do about a node ComfyUI refused.
pub(super) fn hint(class: &str) -> &'static str {
    match class {
        "UNETLoader" => "put the model in ComfyUI/models/unet, or set workflow",
        "DualCLIPLoader" | "CLIPLoader" => {
            "put the text encoders in ComfyUI/models/clip, or set workflow"
        }
        "VAELoader" => "put the VAE in ComfyUI/models/vae, or set workflow",
        "PulidFluxModelLoader" => {
            "put the PuLID-Flux weights in ComfyUI/models/pulid, or set workflow"
        }
        "LoadImage" => "the reference upload did not reach ComfyUI's input folder",
        c if c.contains("Pulid") => {
            "install lldacing/ComfyUI_PuLID_Flux_ll in ComfyUI/custom_nodes and restart ComfyUI"
        }
        _ => "see docs/comfyui.md, or set workflow to a template this server can run",
    }
}

/// A `/prompt` 400 as one line: the error, then the first node error with its input.
pub(super) fn refusal(body: &[u8]) -> String {
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return format!("/prompt refused the workflow: {}", http::preview(body));
    };
    let error = &v["error"];
    if let Some(old) = error.as_str() {
        return format!("/prompt refused the workflow: {old}");
    }
    let text = |x: &Value| x.as_str().unwrap_or("").to_string();
    let kind = text(&error["type"]);
    let mut out = format!("{} ({kind})", text(&error["message"]));
    if kind == "missing_node_type" {
        let class = text(&error["extra_info"]["class_type"]);
        let node = text(&error["extra_info"]["node_id"]);
        out.push_str(&format!(
            ": node {node} {class} is not installed in ComfyUI — {}",
            hint(&class)
        ));
        return out;
    }
    let first = v["node_errors"]
        .as_object()
        .and_then(|m| m.iter().find(|(_, n)| n["errors"][0].is_object()));
    match first {
        Some((id, node)) => {
            let class = text(&node["class_type"]);
            let e = &node["errors"][0];
            let input = text(&e["extra_info"]["input_name"]);
            out.push_str(&format!(
                ": node {id} {class}.{input}: {} ({}): {} — {}",
                text(&e["message"]),
                text(&e["type"]),
                text(&e["details"]),
                hint(&class)
            ));
        }
        None if !text(&error["details"]).is_empty() => {
            out.push_str(&format!(": {}", text(&error["details"])));
        }
        None => {}
    }
    out
}

/// A runtime exception in a node. Out of memory may pass later; anything else needs a person.
pub(super) fn execution_error(data: &Value) -> ProviderError {
    let text = |k: &str| data[k].as_str().unwrap_or("?").to_string();
    let message = format!(
        "node {} {} failed: {}: {}",
        text("node_id"),
        text("node_type"),
        text("exception_type"),
        text("exception_message").trim()
    );
    let lower = message.to_lowercase();
    if lower.contains("outofmemory") || lower.contains("out of memory") {
        return ProviderError::Unavailable {
            provider: PROVIDER.into(),
            message: format!(
                "{message} (the GPU ran out of memory; try again when it is less busy, or lower the size)"
            ),
        };
    }
    if text("node_type").contains("Pulid") {
        // Mostly a node pack built for another ComfyUI (`forward_orig() takes …`).
        return bad_request(
            500,
            format!(
                "{message} (the PuLID-Flux nodes and ComfyUI must be versions made for each \
                 other; see docs/comfyui.md)"
            ),
        );
    }
    ProviderError::Failed {
        provider: PROVIDER.into(),
        message,
    }
}

pub(super) fn interrupted(data: &Value) -> ProviderError {
    ProviderError::Unavailable {
        provider: PROVIDER.into(),
        message: format!(
            "interrupted in ComfyUI at node {} {} (cancelled there, or the server is stopping)",
            data["node_id"].as_str().unwrap_or("?"),
            data["node_type"].as_str().unwrap_or("?")
        ),
    }
}

/// A history entry whose status is `error`: the execution error from its messages.
pub(super) fn failed(entry: &Value) -> Result<(), ProviderError> {
    if entry["status"]["status_str"].as_str() != Some("error") {
        return Ok(());
    }
    let messages = entry["status"]["messages"].as_array();
    for m in messages.into_iter().flatten().rev() {
        match m[0].as_str() {
            Some("execution_error") => return Err(execution_error(&m[1])),
            Some("execution_interrupted") => return Err(interrupted(&m[1])),
            _ => {}
        }
    }
    Err(ProviderError::Failed {
        provider: PROVIDER.into(),
        message: "the prompt failed in ComfyUI without an error message; see ComfyUI's log".into(),
    })
}

/// The image to keep: a SaveImage output first, then any saved image, then a preview.
pub(super) fn pick_image(entry: &Value, graph: &Map<String, Value>) -> Option<(String, Value)> {
    let outputs = entry["outputs"].as_object()?;
    let mut best: Option<(u8, String, Value)> = None;
    for (node, out) in outputs {
        let save = graph
            .get(node)
            .is_some_and(|n| n["class_type"] == "SaveImage");
        for image in out["images"].as_array().into_iter().flatten() {
            if !image["filename"].is_string() {
                continue;
            }
            let rank = match (save, image["type"].as_str()) {
                (true, Some("output")) => 0,
                (_, Some("output")) => 1,
                _ => 2,
            };
            if best.as_ref().is_none_or(|(r, ..)| rank < *r) {
                best = Some((rank, node.clone(), image.clone()));
            }
        }
    }
    best.map(|(_, node, image)| (node, image))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn refusals_name_the_node_input_and_fix() {
        let body = json!({"error": {"type": "prompt_outputs_failed_validation",
            "message": "Prompt outputs failed validation", "details": "", "extra_info": {}},
            "node_errors": {"63": {"class_type": "UNETLoader", "dependent_outputs": ["9"],
            "errors": [{"type": "value_not_in_list", "message": "Value not in list",
                "details": "unet_name: 'flux1-dev.safetensors' not in []",
                "extra_info": {"input_name": "unet_name"}}]}}});
        let m = refusal(body.to_string().as_bytes());
        assert!(
            m.contains("UNETLoader.unet_name") && m.contains("models/unet"),
            "{m}"
        );
        let old = refusal(br#"{"error": "no prompt", "node_errors": []}"#);
        assert!(old.contains("no prompt"), "{old}");
        assert!(refusal(b"<html>").contains("<html>"));
    }

    #[test]
    fn out_of_memory_may_pass_later() {
        let oom = execution_error(
            &json!({"node_id": "48", "node_type": "SamplerCustomAdvanced",
            "exception_type": "torch.OutOfMemoryError", "exception_message": "CUDA out of memory."}),
        );
        assert_eq!(oom.code(), "provider.unavailable");
        let other = execution_error(&json!({"node_id": "62", "node_type": "ApplyPulidFlux",
            "exception_type": "RuntimeError", "exception_message": "boom"}));
        assert_eq!(other.code(), "provider.bad_request");
        assert!(
            other
                .to_string()
                .contains("ApplyPulidFlux failed: RuntimeError: boom")
        );
    }

    #[test]
    fn save_image_outputs_win() {
        let graph = json!({"9": {"class_type": "SaveImage"}, "3": {"class_type": "PreviewImage"}});
        let entry = json!({"outputs": {
            "3": {"images": [{"filename": "p.png", "subfolder": "", "type": "temp"}]},
            "9": {"images": [{"filename": "s.png", "subfolder": "", "type": "output"}]}}});
        let (node, image) = pick_image(&entry, graph.as_object().unwrap()).unwrap();
        assert_eq!(
            (node.as_str(), image["filename"].as_str()),
            ("9", Some("s.png"))
        );
        assert!(pick_image(&json!({"outputs": {}}), graph.as_object().unwrap()).is_none());
    }

    #[test]
    fn failed_history_entries_carry_their_execution_error() {
        let ok = json!({"status": {"status_str": "success", "completed": true, "messages": []}});
        assert!(failed(&ok).is_ok());
        let error = json!({"outputs": {}, "status": {"status_str": "error", "completed": false,
            "messages": [["execution_start", {"prompt_id": "p"}],
                         ["execution_error", {"prompt_id": "p", "node_id": "62", "node_type": "ApplyPulidFlux",
                          "exception_type": "TypeError", "exception_message": "unexpected keyword argument 'latent_shapes'"}]]}});
        let e = failed(&error).unwrap_err();
        assert_eq!(e.code(), "provider.bad_request");
        assert!(
            e.to_string().contains("latent_shapes") && e.to_string().contains("docs/comfyui.md"),
            "{e}"
        );
        let stopped = json!({"status": {"status_str": "error", "messages": [
            ["execution_interrupted", {"prompt_id": "p", "node_id": "48", "node_type": "SamplerCustomAdvanced"}]]}});
        assert_eq!(failed(&stopped).unwrap_err().code(), "provider.unavailable");
    }
}
