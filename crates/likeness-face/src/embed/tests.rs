//! Tests of the embedder on the real model file: loading, refusing damaged copies, timing.
//! (Agreement with dlib itself is `tests/dlib_crosscheck.rs`.)

use std::path::PathBuf;
use std::sync::OnceLock;

use image::{Rgb, RgbImage};

use super::*;
use crate::testutil::largest_allocation;

fn model_bytes() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| {
        let dir = match std::env::var_os("LIKENESS_MODELS") {
            Some(dir) => PathBuf::from(dir),
            None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/models"),
        };
        let path = dir.join(dat::MODEL);
        std::fs::read(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e} — run `scripts/fetch-models --photos target/models` (scripts/test does)",
                path.display()
            )
        })
    })
}

fn embedder() -> &'static Embedder {
    static EMBEDDER: OnceLock<Embedder> = OnceLock::new();
    EMBEDDER.get_or_init(|| Embedder::from_dat(model_bytes()).expect("the real model loads"))
}

/// A face-free but structured chip: a diagonal gradient with a dark disc.
fn chip() -> RgbImage {
    RgbImage::from_fn(150, 150, |x, y| {
        let d = (x as i32 - 75).pow(2) + (y as i32 - 60).pow(2);
        if d < 900 {
            Rgb([40, 30, 20])
        } else {
            Rgb([(x + y) as u8, 200 - (y as u8 / 2), 90 + (x as u8 / 3)])
        }
    })
}

/// Where `name` (as dlib writes it: length byte, then the text) first occurs.
fn find(bytes: &[u8], name: &str) -> usize {
    let mut needle = vec![name.len() as u8];
    needle.extend(name.as_bytes());
    bytes
        .windows(needle.len())
        .position(|w| w == needle.as_slice())
        .unwrap_or_else(|| panic!("{name} not in the model file"))
}

fn assert_invalid(bytes: &[u8], case: &str) -> String {
    match Embedder::from_dat(bytes) {
        Err(FaceError::ModelInvalid { model, detail }) => {
            assert_eq!(model, "dlib_face_recognition_resnet_model_v1.dat");
            detail
        }
        Err(other) => panic!("{case}: wrong error {other:?}"),
        Ok(_) => panic!("{case}: a damaged model loaded"),
    }
}

#[test]
fn embedder_is_send_and_sync() {
    fn shared<T: Send + Sync>() {}
    shared::<Embedder>();
}

#[test]
fn the_real_model_gives_a_finite_embedding_that_depends_on_the_chip() {
    let e = embedder();
    let a = e.embed(&chip()).unwrap();
    assert!(a.0.iter().all(|v| v.is_finite()));
    // dlib's embeddings have a norm around 1 (they are not normalised).
    let norm = a.0.iter().map(|v| v * v).sum::<f32>().sqrt();
    assert!((0.3..3.0).contains(&norm), "norm {norm}");
    assert_eq!(e.embed(&chip()).unwrap(), a, "not deterministic");
    let flipped = image::imageops::flip_horizontal(&chip());
    assert_ne!(e.embed(&flipped).unwrap(), a);
}

#[test]
fn a_chip_of_the_wrong_size_is_an_inference_error() {
    for (w, h) in [(149, 150), (150, 151), (0, 0), (300, 300)] {
        let err = embedder().embed(&RgbImage::new(w, h)).unwrap_err();
        assert_eq!(err.code(), "face.inference", "{w}×{h}");
        assert!(err.to_string().contains("150×150"), "{err}");
    }
}

#[test]
fn other_files_are_refused() {
    assert!(assert_invalid(&[], "empty").contains("truncated"));
    let png = crate::testutil::png(8, 8);
    assert_invalid(&png, "a PNG");
    let noise: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    assert_invalid(&noise, "noise");
}

#[test]
fn a_truncated_file_is_refused_at_every_cut() {
    let bytes = model_bytes();
    let header = find(bytes, "con_4") + 30;
    // Every byte of the headers before the first weights, then points through the weights
    // and the trailing fields.
    let mut cuts: Vec<usize> = (0..header).collect();
    cuts.extend((1..40).map(|i| bytes.len() / 40 * i));
    cuts.extend(bytes.len() - 64..bytes.len());
    for cut in cuts {
        assert_invalid(&bytes[..cut], &format!("cut at {cut}"));
    }
}

#[test]
fn extra_bytes_after_the_network_are_refused() {
    let mut bytes = model_bytes().to_vec();
    bytes.push(0);
    assert!(assert_invalid(&bytes, "one extra byte").contains("after the network"));
}

#[test]
fn damaged_headers_are_refused_without_large_allocations() {
    let bytes = model_bytes();
    let con = find(bytes, "con_4");
    let fc = find(bytes, "fc_2");
    let affine = find(bytes, "affine_");
    let max_pool = find(bytes, "max_pool_2");
    let input = find(bytes, "input_rgb_image_sized");
    let cases: Vec<(&str, usize, u8)> = vec![
        ("loss version", 1, 7),
        ("loss name", 5, b'X'),
        ("a layer version", 0x1e, 5),
        ("input name", input + 1, b'o'),
        ("input rows: 151", input + 41, 151),
        ("conv name", con + 1, b'k'),
        ("conv tensor version", con + 7, 1),
        ("conv filter count", con + 9, 0x81),
        // A control byte claiming 8 bytes: the tensor would be 2^40 floats.
        ("conv filter count, 8 bytes", con + 8, 0x08),
        ("conv samples negative", con + 8, 0x82),
        ("affine channels", affine + 11, 0x41),
        ("pool size", max_pool + 12, 2),
        ("fc outputs", fc + 6, 0x7f),
        ("fc inputs", fc + 9, 0x02),
        ("a flag", bytes.len() - 31, b'2'),
        ("a training tensor's size", bytes.len() - 6, 0x05),
    ];
    for (case, at, value) in cases {
        let mut damaged = bytes.to_vec();
        assert_ne!(damaged[at], value, "{case}: not a change");
        damaged[at] = value;
        let (detail, largest) = largest_allocation(|| assert_invalid(&damaged, case));
        // The valid file's largest tensor is 2.4 MB; nothing sized from a bad header.
        assert!(largest < 3 << 20, "{case}: allocated {largest} bytes");
        eprintln!("{case}: {detail}");
    }
}

#[test]
fn any_single_byte_change_in_the_headers_loads_or_is_refused_without_panicking() {
    let bytes = model_bytes();
    // Up to the first weight: the first conv's name (6 bytes) and tensor header (10).
    let header = find(bytes, "con_4") + 16;
    let positions = (0..header).chain(bytes.len() - 64..bytes.len());
    let (mut refused, mut loaded) = (0, 0);
    for at in positions {
        for value in [0xff, bytes[at] ^ 0x01] {
            let mut changed = bytes.to_vec();
            changed[at] = value;
            let (result, largest) = largest_allocation(|| Embedder::from_dat(&changed));
            assert!(
                largest < 3 << 20,
                "byte {at} = {value}: allocated {largest} bytes"
            );
            match result {
                Ok(_) => loaded += 1,
                Err(FaceError::ModelInvalid { .. }) => refused += 1,
                Err(other) => panic!("byte {at} = {value}: {other:?}"),
            }
        }
    }
    // Only the few bytes of stored floats (loss margin, input means, learning rates) may
    // change without breaking the structure.
    eprintln!("{refused} changes refused, {loaded} loaded");
    assert!(
        loaded * 5 < refused,
        "{loaded} changes loaded, {refused} refused"
    );
}
