//! The UI's static files, compiled into the binary and served under names that carry a hash
//! of their bytes (`ui.3fa9c1d2e4b5.css`): a changed file gets a new URL, so every file can be
//! cached for a year as immutable.

use std::sync::OnceLock;

use sha2::{Digest, Sha256};

/// One embedded file.
pub struct Asset {
    /// The name in `static/`.
    pub name: &'static str,
    pub content_type: &'static str,
    pub bytes: &'static [u8],
}

const FILES: &[Asset] = &[
    Asset {
        name: "ui.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../static/ui.css"),
    },
    Asset {
        name: "ui.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../static/ui.js"),
    },
    Asset {
        name: "htmx-4.0.1.min.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../static/htmx-4.0.1.min.js"),
    },
    Asset {
        name: "hx-sse-4.0.1.min.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../static/hx-sse-4.0.1.min.js"),
    },
    Asset {
        name: "icon.svg",
        content_type: "image/svg+xml",
        bytes: include_bytes!("../static/icon.svg"),
    },
];

/// Where the static files are served.
pub const PREFIX: &str = "/ui/static/";

/// `name` with the first 12 hex digits of its sha256 before the extension.
fn hashed_name(asset: &Asset) -> String {
    let hash = Sha256::digest(asset.bytes);
    let hex: String = hash[..6].iter().map(|b| format!("{b:02x}")).collect();
    match asset.name.rsplit_once('.') {
        Some((stem, ext)) => format!("{stem}.{hex}.{ext}"),
        None => format!("{}.{hex}", asset.name),
    }
}

fn table() -> &'static [(String, &'static Asset)] {
    static TABLE: OnceLock<Vec<(String, &'static Asset)>> = OnceLock::new();
    TABLE.get_or_init(|| FILES.iter().map(|a| (hashed_name(a), a)).collect())
}

/// The URL of a static file by its plain name (`"ui.css"`).
///
/// # Panics
/// If `name` is not embedded: names are constants in templates, so a typo fails every test.
pub fn url(name: &str) -> String {
    let (hashed, _) = table()
        .iter()
        .find(|(_, a)| a.name == name)
        .unwrap_or_else(|| panic!("no static file {name:?}"));
    format!("{PREFIX}{hashed}")
}

/// The file served under `hashed` (the part after [`PREFIX`]).
pub fn by_hashed_name(hashed: &str) -> Option<&'static Asset> {
    table().iter().find(|(h, _)| h == hashed).map(|(_, a)| *a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_is_reachable_by_its_hashed_url_and_only_by_it() {
        for asset in FILES {
            let url = url(asset.name);
            let hashed = url.strip_prefix(PREFIX).unwrap();
            assert_ne!(hashed, asset.name, "the name carries a hash");
            assert_eq!(by_hashed_name(hashed).unwrap().bytes, asset.bytes);
            assert!(by_hashed_name(asset.name).is_none());
        }
    }
}
