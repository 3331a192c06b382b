//! Range checks for numbers a user sets (config keys, flags, request fields), with messages
//! that name the key and the range. Every numeric setting goes through here at load, so a
//! typo such as `concurrency = 100000` is refused before anything is allocated from it.

use std::fmt::Display;
use std::ops::RangeInclusive;

/// The most workers one process runs (`generate.concurrency`, `--concurrency`, `--workers`).
pub const MAX_CONCURRENCY: usize = 256;

/// `value` within `range`, or a message naming `key`.
pub fn check<T: PartialOrd + Display>(
    key: &str,
    value: T,
    range: RangeInclusive<T>,
) -> Result<T, String> {
    if range.contains(&value) {
        return Ok(value);
    }
    Err(format!(
        "{key} must be between {} and {}, got {value}",
        range.start(),
        range.end()
    ))
}

/// A finite `value` within `range` (NaN and infinities are refused by name).
pub fn check_f64(key: &str, value: f64, range: RangeInclusive<f64>) -> Result<f64, String> {
    if !value.is_finite() {
        return Err(format!(
            "{key} must be a finite number between {} and {}, got {value}",
            range.start(),
            range.end()
        ));
    }
    check(key, value, range)
}

/// The same for an optional value: `None` passes.
pub fn check_opt<T: PartialOrd + Display + Copy>(
    key: &str,
    value: Option<T>,
    range: RangeInclusive<T>,
) -> Result<(), String> {
    match value {
        Some(v) => check(key, v, range).map(|_| ()),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_key_and_the_range() {
        assert_eq!(check("a.b", 5, 1..=10), Ok(5));
        let e = check("generate.concurrency", 100_000usize, 0..=256).unwrap_err();
        assert_eq!(
            e,
            "generate.concurrency must be between 0 and 256, got 100000"
        );
    }

    #[test]
    fn non_finite_numbers_are_refused() {
        for v in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let e = check_f64("x", v, 0.0..=1.0).unwrap_err();
            assert!(e.contains("finite"), "{e}");
        }
        assert_eq!(check_f64("x", 0.5, 0.0..=1.0), Ok(0.5));
        assert!(check_opt("x", Some(0u32), 1..=3).is_err());
        assert!(check_opt::<u32>("x", None, 1..=3).is_ok());
    }
}
