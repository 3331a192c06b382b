//! JSON-lines files: NDJSON FHIR or JSONL subjects, read line by line with a length limit.

use std::io::{self, BufRead, Read};

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
/// The bytes of undecidable lines kept before giving up sniffing the same way: without it,
/// 1000 lines just under [`MAX_LINE_BYTES`] would be held at once (16 GiB).
const SNIFF_BYTES: usize = MAX_LINE_BYTES;

/// What a JSON-lines file holds, decided by its first JSON line unless the kind says.
#[derive(Clone, Copy, PartialEq, Eq)]
enum LinesMode {
    Fhir,
    Subjects,
}

pub(super) fn read_lines(
    mut reader: impl BufRead,
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
    let mut pending_bytes = 0usize;
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
            if mode.is_none() && (pending.len() >= SNIFF_LINES || pending_bytes >= SNIFF_BYTES) {
                mode = Some(LinesMode::Subjects);
            }
        } else {
            any_content = true;
        }
        match mode {
            None => {
                if let Line::Text(bytes) = &line {
                    pending_bytes += bytes.len();
                }
                pending.push((number, line));
            }
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

/// A valid JSON object decides: FHIR if it has a string `resourceType`, else subjects.
/// Anything else is undecided. Nothing but the `resourceType` is built.
fn sniff_line(bytes: &[u8]) -> Option<LinesMode> {
    let text = std::str::from_utf8(bytes).ok()?.trim();
    if !text.starts_with('{') {
        return None;
    }
    match fhir::resource_type(text).ok()? {
        Some(_) => Some(LinesMode::Fhir),
        None => Some(LinesMode::Subjects),
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

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use crate::read::{ReadOptions, Record, read_bytes};

    #[test]
    fn undecided_lines_are_held_up_to_a_byte_budget() {
        // 17 lines of 1 MiB that are not JSON objects, then a FHIR resource. Holding every
        // undecided line until the first object would cost 1000 × 16 MiB in the worst case;
        // past SNIFF_BYTES the file is read as JSONL subjects instead.
        let mut text = Vec::new();
        for _ in 0..17 {
            text.extend(std::iter::repeat_n(b'x', 1 << 20));
            text.push(b'\n');
        }
        text.extend_from_slice(b"{\"resourceType\": \"Patient\", \"id\": \"p\"}\n");
        let mut records = Vec::new();
        let today = NaiveDate::from_ymd_opt(2026, 11, 21).unwrap();
        read_bytes(
            "a.ndjson",
            &text,
            &ReadOptions::default(),
            today,
            &mut |r| records.push(r),
        )
        .unwrap();
        assert_eq!(records.len(), 18);
        let Record::Subject(s) = &records[17] else {
            panic!("{:?}", records[17]);
        };
        assert_eq!(s.source, crate::Source::Jsonl);
        assert_eq!(s.attributes["resourcetype"], "Patient");
        // A few undecided lines still wait for the first object.
        let text = b"[1]\nnope\n{\"resourceType\": \"Patient\", \"id\": \"p\"}\n";
        let mut records = Vec::new();
        read_bytes("a.ndjson", text, &ReadOptions::default(), today, &mut |r| {
            records.push(r)
        })
        .unwrap();
        let Record::Rejected(r) = &records[0] else {
            panic!("{records:?}");
        };
        assert_eq!(
            r.reason,
            "not a FHIR resource: expected a JSON object with a resourceType"
        );
        assert!(matches!(&records[2], Record::Subject(s) if s.source == crate::Source::Fhir));
    }
}
