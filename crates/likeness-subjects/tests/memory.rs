//! What reading costs in memory, measured by a counting allocator: a document is held once,
//! never once per nesting level, and a big JSON array or Bundle is not blown up into a tree
//! many times its size. (Its own test binary: the allocator counts every allocation in it.)

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::NaiveDate;
use likeness_subjects::{ReadOptions, Record, read_bytes};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        unsafe { System.dealloc(p, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// One measurement at a time (tests run on several threads).
static SERIAL: Mutex<()> = Mutex::new(());

/// Read `bytes` as the file `name`; the records and the peak memory above what was live before.
fn measure(name: &str, bytes: &[u8]) -> (Vec<Record>, usize) {
    let today = NaiveDate::from_ymd_opt(2026, 11, 21).unwrap();
    let mut records = Vec::new();
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    read_bytes(name, bytes, &ReadOptions::default(), today, &mut |r| {
        if records.len() < 4 {
            records.push(r)
        }
    })
    .unwrap();
    let peak = PEAK.load(Ordering::Relaxed) - before;
    (records, peak)
}

const MIB: usize = 1024 * 1024;

#[test]
fn a_big_json_array_is_not_a_big_tree() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
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
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
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
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
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
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
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
