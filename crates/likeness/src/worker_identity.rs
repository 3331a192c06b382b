//! Who a worker is (`host/pid/random`, stored in `jobs.locked_by`) and whether a worker on
//! this host is still alive.

/// `host/pid/random`: unique per process, and tells a later process on the same host whether
/// the holder is still alive.
pub fn worker_id() -> String {
    let random = uuid::Uuid::now_v7().simple().to_string();
    format!("{}/{}/{}", hostname(), std::process::id(), &random[20..])
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty() && !h.contains('/'))
        .unwrap_or_else(|| "localhost".into())
}

/// Of the given workers, those that ran on this host in a process that no longer exists.
/// Only decidable where /proc exists; elsewhere leases expire instead.
pub fn dead_local_workers(workers: &[String]) -> Vec<String> {
    if !std::path::Path::new("/proc/self").exists() {
        return Vec::new();
    }
    let host = hostname();
    let me = std::process::id().to_string();
    workers
        .iter()
        .filter(|w| {
            let mut parts = w.split('/');
            let (Some(h), Some(pid)) = (parts.next(), parts.next()) else {
                return false;
            };
            h == host && pid != me && !std::path::Path::new(&format!("/proc/{pid}")).exists()
        })
        .cloned()
        .collect()
}
