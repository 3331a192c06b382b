//! ComfyUI's websocket (`GET /ws?clientId=…`): sampler progress and the end of our prompt.
//! Connected before the prompt is queued, as ComfyUI's reference client does, so no event of
//! ours is missed. Only plain `ws://` is spoken (no TLS stack for it); behind `https://` the
//! provider polls `/history` instead.

use std::time::Duration;

use futures::StreamExt;
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;

use super::super::{GenerateRequest, ProviderError};

pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// How following the socket ended.
#[derive(Debug)]
pub enum Outcome {
    /// `executing` with `node: null` for our prompt: the history entry is there now.
    Finished,
    /// `execution_error` or `execution_interrupted` for our prompt.
    Failed(ProviderError),
    /// The socket closed or broke first; the caller polls `/history` instead.
    Lost(String),
}

/// `http://host:port/prefix` → `ws://host:port/prefix/ws?clientId=…`; None for `https://`.
pub fn url(base_url: &str, client_id: &str) -> Option<String> {
    let rest = base_url.strip_prefix("http://")?;
    Some(format!("ws://{rest}/ws?clientId={client_id}"))
}

/// Connects within `wait`; the error says why (the caller falls back to polling).
pub async fn connect(url: &str, wait: Duration) -> Result<Socket, String> {
    match tokio::time::timeout(wait, tokio_tungstenite::connect_async(url)).await {
        Ok(Ok((socket, _))) => Ok(socket),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!("no websocket within {} s", wait.as_secs())),
    }
}

/// Reads events until our prompt ends, reporting its sampler progress.
pub async fn follow(socket: &mut Socket, prompt_id: &str, request: &GenerateRequest) -> Outcome {
    loop {
        let text = match socket.next().await {
            Some(Ok(Message::Text(t))) => t,
            // Previews (binary) and keep-alives carry nothing we need.
            Some(Ok(Message::Binary(_) | Message::Ping(_) | Message::Pong(_))) => continue,
            Some(Ok(Message::Frame(_))) => continue,
            Some(Ok(Message::Close(frame))) => {
                return Outcome::Lost(format!("the server closed the websocket ({frame:?})"));
            }
            Some(Err(e)) => return Outcome::Lost(e.to_string()),
            None => return Outcome::Lost("the websocket ended".into()),
        };
        let Ok(event) = serde_json::from_str::<Value>(text.as_str()) else {
            continue;
        };
        let data = &event["data"];
        // `status` and other prompts' events share the socket; only ours count.
        if data["prompt_id"].as_str() != Some(prompt_id) {
            continue;
        }
        match event["type"].as_str().unwrap_or("") {
            "progress" => {
                let value = data["value"].as_u64().unwrap_or(0);
                let max = data["max"].as_u64().unwrap_or(0);
                request.report_progress(
                    u32::try_from(value).unwrap_or(u32::MAX),
                    u32::try_from(max).unwrap_or(u32::MAX),
                );
            }
            "execution_error" => return Outcome::Failed(super::answer::execution_error(data)),
            "execution_interrupted" => return Outcome::Failed(super::answer::interrupted(data)),
            "executing" if data["node"].is_null() => return Outcome::Finished,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn urls_keep_the_prefix_and_refuse_tls() {
        assert_eq!(
            super::url("http://gpu.local:8188/comfy", "c1").as_deref(),
            Some("ws://gpu.local:8188/comfy/ws?clientId=c1")
        );
        assert_eq!(super::url("https://gpu.example", "c1"), None);
    }
}
