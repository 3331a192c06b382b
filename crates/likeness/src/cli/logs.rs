//! Log output. Commands write log lines straight to stderr; the long-running server and worker
//! hand them to a background thread instead, so a request never waits on a write to a slow
//! terminal, pipe or file, and lines go out in batches (one write per burst, not per line).
//! Nothing is dropped: when the queue is full the logger waits, and the guard flushes at exit.

use std::io::{IsTerminal, Write};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

use super::LogFormat;

/// Lines waiting for the writer thread before loggers wait for it.
const QUEUE_LINES: usize = 16 * 1024;

/// Installs the global logger. Keep the guard until the end of `main`: dropping it writes what
/// is still queued.
pub fn init(format: LogFormat, filter: EnvFilter, background: bool) -> Option<Guard> {
    let (writer, guard) = if background {
        let (tx, rx) = sync_channel(QUEUE_LINES);
        match std::thread::Builder::new()
            .name("log-writer".into())
            .spawn(move || write_lines(rx))
        {
            Ok(thread) => (
                Writer::Queue(tx.clone()),
                Some(Guard {
                    tx,
                    thread: Some(thread),
                }),
            ),
            // No thread, no queue: log directly rather than not at all.
            Err(_) => (Writer::Stderr, None),
        }
    } else {
        (Writer::Stderr, None)
    };
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        // Colours for people at a terminal; never escape codes in a file or a pipe.
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(writer);
    match format {
        LogFormat::Json => logs.json().init(),
        LogFormat::Text => logs.init(),
    }
    guard
}

enum Message {
    Line(Vec<u8>),
    Close,
}

#[derive(Clone)]
enum Writer {
    Stderr,
    Queue(SyncSender<Message>),
}

/// One formatted event: tracing-subscriber formats into a buffer and writes it whole.
pub struct LineWriter(Line);

enum Line {
    Stderr(std::io::Stderr),
    Queue(SyncSender<Message>),
}

impl<'a> MakeWriter<'a> for Writer {
    type Writer = LineWriter;

    fn make_writer(&'a self) -> LineWriter {
        match self {
            Writer::Stderr => LineWriter(Line::Stderr(std::io::stderr())),
            Writer::Queue(tx) => LineWriter(Line::Queue(tx.clone())),
        }
    }
}

impl Write for LineWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match &mut self.0 {
            Line::Stderr(e) => e.write(buf),
            Line::Queue(tx) => {
                // The writer thread is gone only after the guard closed it: fall back to stderr.
                if tx.send(Message::Line(buf.to_vec())).is_err() {
                    std::io::stderr().write_all(buf)?;
                }
                Ok(buf.len())
            }
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.0 {
            Line::Stderr(e) => e.flush(),
            Line::Queue(_) => Ok(()),
        }
    }
}

/// Writes queued lines, flushing whenever the queue runs dry.
fn write_lines(rx: Receiver<Message>) {
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, std::io::stderr());
    while let Ok(first) = rx.recv() {
        let mut next = Some(first);
        while let Some(message) = next {
            match message {
                Message::Line(line) => {
                    let _ = out.write_all(&line);
                }
                Message::Close => {
                    let _ = out.flush();
                    return;
                }
            }
            next = rx.try_recv().ok();
        }
        let _ = out.flush();
    }
    let _ = out.flush();
}

/// Writes out what is queued when dropped.
pub struct Guard {
    tx: SyncSender<Message>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for Guard {
    fn drop(&mut self) {
        if self.tx.send(Message::Close).is_ok()
            && let Some(thread) = self.thread.take()
        {
            let _ = thread.join();
        }
    }
}
