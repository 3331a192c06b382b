//! JSON-lines files: NDJSON FHIR or JSONL subjects, read line by line with a length limit.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};

use super::{Emitter, Kind, MAX_LINE_BYTES, fhir, tabular};

/// Result of reading one line with a length limit.
enum Line {
    Eof,
    Text(Vec<u8>),
    TooLong(usize),
}

fn next_line(reader: &mut impl BufRead, buf: &mut Vec<u8>) -> io::Result<Line> {
    buf.clear();
    let limit = MAX_LINE_BYTES as u64 + 1;
    let n = reader.by_ref().take(limit).read_until(b'\n', buf)?;
    if n == 0 {
        return Ok(Line::Eof);
    }
    if buf.len() > MAX_LINE_BYTES && !buf.ends_with(b"\n") {
        // Skip the rest of the line.
        let mut total = buf.len();
        loop {
            let chunk = reader.fill_buf()?;
            if chunk.is_empty() {
                break;
            }
            match chunk.iter().position(|&b| b == b'\n') {
                Some(i) => {
                    total += i;
                    reader.consume(i + 1);
                    break;
                }
                None => {
                    let len = chunk.len();
                    total += len;
                    reader.consume(len);
                }
            }
        }
        return Ok(Line::TooLong(total));
    }
    Ok(Line::Text(std::mem::take(buf)))
}

/// Undecidable lines (not JSON objects) kept before giving up sniffing and reading as JSONL.
const SNIFF_LINES: usize = 1000;

/// What a JSON-lines file holds, decided by its first JSON line unless the kind says.
#[derive(Clone, Copy, PartialEq, Eq)]
enum LinesMode {
    Fhir,
    Subjects,
}

pub(super) fn read_lines(
    mut reader: BufReader<File>,
    file: &str,
    kind: Option<Kind>,
    map: &tabular::Mapping,
    out: &mut Emitter<'_>,
) {
    let mut mode = match kind {
        Some(Kind::Fhir) => Some(LinesMode::Fhir),
        Some(_) => Some(LinesMode::Subjects),
        None => None,
    };
    // Lines read before the mode is known wait here (only undecidable lines: blank or bad).
    let mut pending: Vec<(usize, Line)> = Vec::new();
    let mut fhir_state = fhir::LinesState::default();
    let mut buf = Vec::new();
    let mut number = 0usize;
    let mut any_content = false;
    loop {
        let line = match next_line(&mut reader, &mut buf) {
            Ok(line) => line,
            Err(err) => {
                out.reject(
                    file,
                    &format!("line {}", number + 1),
                    &format!("cannot read: {err}"),
                );
                break;
            }
        };
        if matches!(line, Line::Eof) {
            break;
        }
        number += 1;
        if let Line::Text(bytes) = &line {
            if bytes.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            any_content = true;
            if mode.is_none() {
                mode = sniff_line(bytes);
            }
            if mode.is_none() && pending.len() >= SNIFF_LINES {
                mode = Some(LinesMode::Subjects);
            }
        } else {
            any_content = true;
        }
        match mode {
            None => pending.push((number, line)),
            Some(m) => {
                for (n, l) in pending.drain(..) {
                    handle_line(m, n, l, file, map, &mut fhir_state, out);
                }
                handle_line(m, number, line, file, map, &mut fhir_state, out);
            }
        }
    }
    let m = mode.unwrap_or(LinesMode::Subjects);
    for (n, l) in pending.drain(..) {
        handle_line(m, n, l, file, map, &mut fhir_state, out);
    }
    if !any_content {
        out.reject(file, "file", "the file is empty");
    } else if m == LinesMode::Fhir {
        fhir_state.finish(file, out);
    }
}

fn sniff_line(bytes: &[u8]) -> Option<LinesMode> {
    let text = std::str::from_utf8(bytes).ok()?;
    match serde_json::from_str::<serde_json::Value>(text).ok()? {
        serde_json::Value::Object(obj) => {
            Some(if obj.get("resourceType").is_some_and(|v| v.is_string()) {
                LinesMode::Fhir
            } else {
                LinesMode::Subjects
            })
        }
        _ => None,
    }
}

fn handle_line(
    mode: LinesMode,
    number: usize,
    line: Line,
    file: &str,
    map: &tabular::Mapping,
    fhir_state: &mut fhir::LinesState,
    out: &mut Emitter<'_>,
) {
    let label = format!("line {number}");
    let bytes = match line {
        Line::Eof => return,
        Line::TooLong(len) => {
            return out.reject(
                file,
                &label,
                &format!("the line is {len} bytes; the limit is {MAX_LINE_BYTES}"),
            );
        }
        Line::Text(bytes) => bytes,
    };
    let text = match std::str::from_utf8(&bytes) {
        Ok(text) => text.trim(),
        Err(err) => {
            return out.reject(
                file,
                &label,
                &format!(
                    "not valid UTF-8 (at byte {} of the line)",
                    err.valid_up_to()
                ),
            );
        }
    };
    match mode {
        LinesMode::Fhir => fhir::read_line(text, &label, file, fhir_state, out),
        LinesMode::Subjects => tabular::read_json_line(text, &label, file, map, out),
    }
}
