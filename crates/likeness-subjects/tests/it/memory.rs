//! What reading costs in memory, measured by a counting allocator: a document is held once,
//! never once per nesting level, and a big JSON array or Bundle is not blown up into a tree
//! many times its size. (The allocator counts per thread, so the other tests of the binary,
//! running beside these, do not count.)

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use chrono::NaiveDate;
use likeness_subjects::{ReadOptions, Record, read_bytes};

/// Counts the bytes each thread holds, so that a measurement on the test's own thread is not
/// disturbed by the other tests of the binary running beside it.
struct Counting;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn count(delta: isize) {
    // `try_with`: the allocator also runs while a thread's locals are being torn down.
    let _ = LIVE.try_with(|live| {
        let now = live.get() + delta;
        live.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
    });
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            count(layout.size() as isize);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        unsafe { System.dealloc(p, layout) };
        count(-(layout.size() as isize));
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Read `bytes` as the file `name`; the records and the peak memory above what was live before.
fn measure(name: &str, bytes: &[u8]) -> (Vec<Record>, usize) {
    let today = NaiveDate::from_ymd_opt(2026, 11, 21).unwrap();
    let mut records = Vec::new();
    let before = LIVE.with(Cell::get);
    PEAK.with(|peak| peak.set(before));
    read_bytes(name, bytes, &ReadOptions::default(), today, &mut |r| {
        if records.len() < 4 {
            records.push(r)
        }
    })
    .unwrap();
    let peak = PEAK.with(Cell::get) - before;
    (records, peak.max(0) as usize)
}

const MIB: usize = 1024 * 1024;

#[test]
fn a_big_json_array_is_not_a_big_tree() {
    // 8 MiB of `0,`: four million items, each a 32-byte JSON value if the array were built.
    let mut doc = b"[".to_vec();
    while doc.len() < 8 * MIB {
        doc.extend_from_slice(b"0,");
    }
    doc.extend_from_slice(b"{\"id\":\"last\"}]");
    let (records, peak) = measure("subjects.json", &doc);
    assert!(matches!(&records[0], Record::Rejected(r) if r.record == "item 1"));
    eprintln!("array: {} MiB for {} MiB", peak / MIB, doc.len() / MIB);
    assert!(peak < 2 * doc.len(), "{} MiB", peak / MIB);
}

#[test]
fn a_big_bundle_is_not_a_big_tree() {
    let mut doc = b"{\"resourceType\":\"Bundle\",\"entry\":[".to_vec();
    while doc.len() < 8 * MIB {
        doc.extend_from_slice(b"{},");
    }
    doc.extend_from_slice(b"{\"resource\":{\"resourceType\":\"Patient\",\"id\":\"p\"}}]}");
    let (records, peak) = measure("bundle.json", &doc);
    assert!(matches!(&records[0], Record::Subject(s) if s.id.as_str() == "p"));
    eprintln!("bundle: {} MiB for {} MiB", peak / MIB, doc.len() / MIB);
    assert!(peak < 2 * doc.len(), "{} MiB", peak / MIB);
}

#[test]
fn nested_bundles_hold_the_document_once() {
    // 30 Bundles, each the one entry of the one outside it, around 4 MiB of padding.
    let depth = 30;
    let pad = "x".repeat(4 * MIB);
    let mut doc =
        format!("{{\"resourceType\":\"Patient\",\"id\":\"deep\",\"text\":{{\"div\":\"{pad}\"}}}}");
    for _ in 0..depth {
        doc = format!("{{\"resourceType\":\"Bundle\",\"entry\":[{{\"resource\":{doc}}}]}}");
    }
    let (records, peak) = measure("nested.json", doc.as_bytes());
    assert!(matches!(&records[0], Record::Subject(s) if s.id.as_str() == "deep"));
    eprintln!("nested: {} MiB for {} MiB", peak / MIB, doc.len() / MIB);
    assert!(peak < 2 * doc.len(), "{} MiB", peak / MIB);
}

#[test]
fn a_patient_over_the_record_limit_is_refused_before_it_is_parsed() {
    // Each `{},` would be a 144-byte HumanName if the names were built.
    let mut doc = b"{\"resourceType\":\"Patient\",\"id\":\"p\",\"name\":[".to_vec();
    while doc.len() < likeness_subjects::read::MAX_LINE_BYTES + 10 {
        doc.extend_from_slice(b"{},");
    }
    doc.extend_from_slice(b"{}]}");
    let (records, peak) = measure("patient.json", &doc);
    assert!(
        matches!(&records[0], Record::Rejected(r) if r.reason.starts_with("the Patient is ")),
        "{records:?}"
    );
    eprintln!("patient: {} MiB for {} MiB", peak / MIB, doc.len() / MIB);
    assert!(peak < 2 * doc.len(), "{} MiB", peak / MIB);
}
