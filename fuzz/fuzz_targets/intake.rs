//! Any bytes through `intake` (reference and default limits) and `decode_base64`: an error is
//! fine, a panic, an abort or an allocation past libFuzzer's `-rss_limit_mb` is a bug.

#![no_main]

use libfuzzer_sys::fuzz_target;
use likeness_face::{Limits, decode_base64, intake, probe};

fuzz_target!(|data: &[u8]| {
    for limits in [Limits::reference(), Limits::default()] {
        let probed = probe(data, &limits);
        match intake(data, &limits) {
            Ok(out) => {
                // What intake promises: the pixels match the reported size, and the stored
                // bytes decode again (re-encoded by us, so they must).
                assert_eq!(
                    (out.image.width(), out.image.height()),
                    (out.width, out.height)
                );
                assert!(probed.is_ok(), "intake accepted what probe refused");
                let again = intake(&out.bytes, &Limits::default()).expect("own output re-intakes");
                assert_eq!((again.width, again.height), (out.width, out.height));
            }
            Err(e) => {
                // Every refusal has a stable code and a message.
                assert!(e.code().starts_with("image."));
                assert!(!e.to_string().is_empty());
            }
        }
    }
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(bytes) = decode_base64(text, Limits::default().max_bytes) {
            let _ = intake(&bytes, &Limits::default());
        }
    }
});
