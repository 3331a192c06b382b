//! The real `likeness serve` on 127.0.0.1:0 for black-box HTTP tests, and small client helpers.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};

use serde_json::Value;

use super::TestDir;

pub struct Server {
    child: Child,
    pub base: String,
    /// Everything the server wrote on stderr so far (logs).
    pub stderr: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Server {
    pub fn start(t: &TestDir, tokens: Option<&str>) -> Server {
        Server::start_with(t, tokens, &[])
    }

    pub fn start_with(t: &TestDir, tokens: Option<&str>, extra: &[&str]) -> Server {
        Server::spawn(Server::command(t, tokens, extra))
    }

    /// The `serve` command `start_with` runs, for a test that changes how it is started.
    pub fn command(t: &TestDir, tokens: Option<&str>, extra: &[&str]) -> std::process::Command {
        let mut args = vec!["serve", "--listen", "127.0.0.1:0"];
        args.extend_from_slice(extra);
        let mut cmd = t.command(&args);
        cmd.env_remove("LIKENESS_API_TOKENS");
        if let Some(tokens) = tokens {
            cmd.env("LIKENESS_API_TOKENS", tokens);
        }
        cmd
    }

    /// Starts `cmd` (a `serve` command) and waits for its address.
    pub fn spawn(mut cmd: std::process::Command) -> Server {
        let mut child = cmd
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let base = loop {
            let line = lines.next().expect("server printed its address").unwrap();
            if let Some(addr) = line.strip_prefix("listening on ") {
                break addr.trim().to_string();
            }
        };
        // Keep draining stderr so the server never blocks on a full pipe; keep the lines.
        let stderr = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = stderr.clone();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        Server {
            child,
            base,
            stderr,
        }
    }

    /// The server's process id (for reading its memory from /proc).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// SIGTERM, then the exit status.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap();
        self.child.wait().unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends raw bytes and returns what the server answered (for requests a client library would
/// not send, or whose body it would insist on writing).
pub fn raw_request(base: &str, request: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(base.trim_start_matches("http://")).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    // The server may answer (413) and close before it has read everything we send.
    let _ = stream.write_all(request.as_bytes());
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

pub fn client() -> reqwest::Client {
    likeness::fetch::install_crypto_provider();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub async fn error_code(response: reqwest::Response) -> String {
    let body: Value = response.json().await.expect("errors are JSON");
    body["error"]["code"]
        .as_str()
        .expect("error.code")
        .to_string()
}
