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
            .spawn(move || write_lines(rx, std::io::stderr()))
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

/// While lines keep coming, the writer looks for more this often instead of sleeping until
/// the next: a sender then never has to wake it (a futex wake per access-log line cost a busy
/// server ~10 % of its CPU). When a look finds nothing, it sleeps until the next line.
const POLL: std::time::Duration = std::time::Duration::from_millis(10);

/// Writes queued lines to `to` in batches, flushing after each.
fn write_lines(rx: Receiver<Message>, to: impl Write) {
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, to);
    while let Ok(first) = rx.recv() {
        let mut next = Some(first);
        loop {
            let mut wrote = false;
            while let Some(message) = next {
                match message {
                    Message::Line(line) => {
                        let _ = out.write_all(&line);
                        wrote = true;
                    }
                    Message::Close => {
                        let _ = out.flush();
                        return;
                    }
                }
                next = rx.try_recv().ok();
            }
            let _ = out.flush();
            if !wrote {
                break;
            }
            std::thread::sleep(POLL);
            next = rx.try_recv().ok();
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A shared buffer the writer thread writes into.
    #[derive(Clone, Default)]
    struct Shared(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn every_line_is_written_in_order_through_bursts_pauses_and_close() {
        let (tx, rx) = sync_channel(4);
        let out = Shared::default();
        let thread = std::thread::spawn({
            let out = out.clone();
            move || write_lines(rx, out)
        });
        let mut expected = String::new();
        for burst in 0..3 {
            // More lines than the queue holds: the sender waits for the writer.
            for i in 0..10 {
                let line = format!("{burst}.{i}\n");
                expected.push_str(&line);
                tx.send(Message::Line(line.into_bytes())).unwrap();
            }
            // Long enough for the writer to find nothing and go back to sleep.
            std::thread::sleep(POLL * 3);
            let written = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
            assert_eq!(written, expected, "burst {burst} written before the next");
        }
        tx.send(Message::Line(b"last\n".to_vec())).unwrap();
        tx.send(Message::Close).unwrap();
        thread.join().unwrap();
        expected.push_str("last\n");
        assert_eq!(
            String::from_utf8(out.0.lock().unwrap().clone()).unwrap(),
            expected
        );
    }
}
