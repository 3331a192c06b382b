//! Name rules: every display name in this crate goes through here.
//!
//! 1. **Cleaning** (all sources): Unicode NFC; whitespace of any kind (tabs, newlines, NBSP…)
//!    becomes a space; other control characters, the bidi embedding/override/isolate
//!    characters U+202A–U+202E and U+2066–U+2069, the marks U+200E, U+200F, U+061C and a stray
//!    U+FEFF are removed; runs of spaces collapse; ends are trimmed. Casing is kept exactly as
//!    given (an UPPERCASE name stays uppercase: guessing casing breaks "McDonald", "van").
//! 2. **Generated digits** (all sources): Synthea appends digits to every name part
//!    (`Tomás404 Oquendo599`). A whitespace-separated token made of letters (plus `'`, `’`,
//!    `-`, `.`) followed by trailing ASCII digits loses the digits; a token that is all digits,
//!    or that has digits elsewhere (`R2D2`), is kept. Real names have no trailing digits, so
//!    `D'Amore`, `B.J. Armstrong`, `Jr.`, `III` are untouched. A persona really called
//!    `Agent47` would become `Agent`; that is the documented price of reading Synthea.
//! 3. **Structured names** (FHIR `HumanName`, CSV first/last columns): the given names joined
//!    with spaces, then the family name. Prefixes (`Mr.`, `Dr.`, `Prof.`) are dropped;
//!    generational suffixes (`Jr.`, `Sr.`, `II`–`VI`, `2nd`, `3rd`…) are kept after the family
//!    name; other suffixes (degrees: `MSc`, `PhD`, `JD`, `PDEng.`) are dropped. When both the
//!    family and the given names are written in Han, Kana or Hangul, the order is family then
//!    given (`牧野 爛漫`), separated by a space. Only if there are no parts is `text` used.
//! 4. **Which FHIR name**: `official`, else `usual`, else a name with no or another `use`,
//!    else `old`/`maiden`/`anonymous` ones (so a current name with no `use` beats a
//!    previous name marked `old`); within a rank, the first in the resource. A candidate that
//!    yields nothing falls through to the next.
//! 5. **Length**: a cleaned name longer than [`MAX_NAME_CHARS`] characters (Unicode scalar
//!    values) is an error and the record is rejected: it is surely not a name.
//!
//! Names are never used to infer anything (gender, age, hair).

use serde::Deserialize;
use unicode_normalization::UnicodeNormalization;

/// The longest display name accepted, in characters, after cleaning.
pub const MAX_NAME_CHARS: usize = 200;

/// The longest slug, in characters.
pub const MAX_SLUG_CHARS: usize = 48;

/// A name that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("name is {0} characters; the limit is {MAX_NAME_CHARS}")]
    TooLong(usize),
}

/// Clean a free-text name (rules 1, 2 and 5). `Ok(None)` when nothing is left.
pub fn clean_name(raw: &str) -> Result<Option<String>, NameError> {
    finish(tokens(&sanitize(raw)).join(" "))
}

/// Build a name from structured parts (rules 1, 2, 3 and 5). `suffixes` may hold any
/// suffixes; only the generational ones are kept. `Ok(None)` when nothing is left.
pub fn name_from_parts(
    given: &[&str],
    family: Option<&str>,
    suffixes: &[&str],
) -> Result<Option<String>, NameError> {
    let given: Vec<String> = given.iter().flat_map(|g| tokens(&sanitize(g))).collect();
    let family: Vec<String> = family.map(|f| tokens(&sanitize(f))).unwrap_or_default();
    let suffixes: Vec<String> = suffixes
        .iter()
        .map(|s| sanitize(s))
        .filter(|s| is_generational_suffix(s))
        .collect();
    let family_first = !family.is_empty()
        && !given.is_empty()
        && family.iter().chain(given.iter()).all(|t| is_cjk(t));
    let mut parts: Vec<String> = if family_first {
        family.into_iter().chain(given).collect()
    } else {
        given.into_iter().chain(family).collect()
    };
    if !parts.is_empty() {
        parts.extend(suffixes);
    }
    finish(parts.join(" "))
}

fn finish(name: String) -> Result<Option<String>, NameError> {
    let count = name.chars().count();
    if count == 0 {
        Ok(None)
    } else if count > MAX_NAME_CHARS {
        Err(NameError::TooLong(count))
    } else {
        Ok(Some(name))
    }
}

/// Rule 1 without the digit rule: NFC, drop invisible/control characters, collapse spaces.
/// Also used for cohort names and attribute values.
pub fn sanitize(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut pending_space = false;
    for c in raw.nfc() {
        if c.is_whitespace() {
            pending_space = !out.is_empty();
        } else if is_invisible(c) {
            continue;
        } else {
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push(c);
        }
    }
    out
}

fn is_invisible(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
        || matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{FEFF}')
}

/// Split a sanitised string into tokens and apply the generated-digits rule to each.
fn tokens(s: &str) -> Vec<String> {
    s.split(' ')
        .filter(|t| !t.is_empty())
        .map(|t| strip_generated_digits(t).to_string())
        .collect()
}

/// Rule 2 for one token: `Tomás404` → `Tomás`, `O'Conner199` → `O'Conner`, `1999` → `1999`,
/// `R2D2` → `R2D2`.
pub fn strip_generated_digits(token: &str) -> &str {
    let head = token.trim_end_matches(|c: char| c.is_ascii_digit());
    if head.len() == token.len() || head.is_empty() {
        return token;
    }
    let lettered = head.chars().any(char::is_alphabetic)
        && head
            .chars()
            .all(|c| c.is_alphabetic() || matches!(c, '\'' | '\u{2019}' | '-' | '.'));
    if lettered { head } else { token }
}

/// `Jr.`, `Sr`, `II`…`VI`, `2nd`, `3rd`, `4th`… (rule 3).
pub fn is_generational_suffix(s: &str) -> bool {
    let lower = s.trim_end_matches('.').to_ascii_lowercase();
    if matches!(lower.as_str(), "jr" | "sr" | "jnr" | "snr") {
        return true;
    }
    if matches!(s, "II" | "III" | "IV" | "V" | "VI") {
        return true;
    }
    let digits = lower.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let ordinal = &lower[digits.len()..];
    !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && matches!(ordinal, "st" | "nd" | "rd" | "th")
}

/// All characters are Han, Kana or Hangul (and there is at least one).
fn is_cjk(token: &str) -> bool {
    !token.is_empty() && token.chars().all(is_cjk_char)
}

fn is_cjk_char(c: char) -> bool {
    matches!(c,
        '\u{3005}'                      // 々 iteration mark
        | '\u{3040}'..='\u{30FF}'       // Hiragana, Katakana
        | '\u{31F0}'..='\u{31FF}'       // Katakana phonetic extensions
        | '\u{3400}'..='\u{4DBF}'       // CJK extension A
        | '\u{4E00}'..='\u{9FFF}'       // CJK unified ideographs
        | '\u{F900}'..='\u{FAFF}'       // CJK compatibility ideographs
        | '\u{FF66}'..='\u{FF9F}'       // half-width Katakana
        | '\u{1100}'..='\u{11FF}'       // Hangul Jamo
        | '\u{3130}'..='\u{318F}'       // Hangul compatibility Jamo
        | '\u{AC00}'..='\u{D7AF}'       // Hangul syllables
        | '\u{20000}'..='\u{3134F}' // CJK extensions B–G
    )
}

/// A URL- and file-safe slug of a display name: ASCII transliteration (deunicode), lowercase,
/// `[a-z0-9-]`, apostrophes dropped, other runs of non-alphanumerics become one `-`, at most
/// [`MAX_SLUG_CHARS`] characters (cut at a `-` when that keeps at least half), never empty
/// (`"subject"` when nothing is left).
pub fn slugify(name: &str) -> String {
    let ascii = deunicode::deunicode(name);
    let mut slug = String::with_capacity(ascii.len());
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if matches!(c, '\'' | '`') {
            continue;
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    if slug.len() > MAX_SLUG_CHARS {
        slug.truncate(MAX_SLUG_CHARS);
        if let Some(cut) = slug.rfind('-').filter(|&i| i >= MAX_SLUG_CHARS / 2) {
            slug.truncate(cut);
        }
    }
    let slug = slug.trim_matches('-');
    if slug.is_empty() {
        "subject".to_string()
    } else {
        slug.to_string()
    }
}

/// FHIR `HumanName` (the subset used). Arrays may hold `null` (FHIR allows it when the
/// `_given` extension carries the data), hence the `Option`s.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct HumanName {
    #[serde(rename = "use")]
    pub use_: Option<String>,
    pub text: Option<String>,
    pub family: Option<String>,
    pub given: Option<Vec<Option<String>>>,
    #[allow(dead_code)] // read by serde so that the shape is checked; prefixes are dropped
    pub prefix: Option<Vec<Option<String>>>,
    pub suffix: Option<Vec<Option<String>>>,
}

impl HumanName {
    /// The display name this `HumanName` gives on its own (parts, else text).
    pub(crate) fn display(&self) -> Result<Option<String>, NameError> {
        let given: Vec<&str> = self
            .given
            .iter()
            .flatten()
            .flatten()
            .map(String::as_str)
            .collect();
        let suffixes: Vec<&str> = (self.suffix.iter().flatten().flatten())
            .map(String::as_str)
            .collect();
        if let Some(name) = name_from_parts(&given, self.family.as_deref(), &suffixes)? {
            return Ok(Some(name));
        }
        match &self.text {
            Some(text) => clean_name(text),
            None => Ok(None),
        }
    }
}

/// Rule 4: pick the display name among a Patient's names.
pub(crate) fn fhir_display_name(names: &[HumanName]) -> Result<Option<String>, NameError> {
    let rank = |n: &HumanName| match n.use_.as_deref() {
        Some("official") => 0,
        Some("usual") => 1,
        Some("old" | "maiden" | "anonymous") => 3,
        _ => 2,
    };
    let mut order: Vec<&HumanName> = names.iter().collect();
    order.sort_by_key(|n| rank(n)); // stable: keeps document order within a rank
    for name in order {
        if let Some(display) = name.display()? {
            return Ok(Some(display));
        }
    }
    Ok(None)
}
