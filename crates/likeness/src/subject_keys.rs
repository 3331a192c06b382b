//! The keys a subject is found by from outside, besides its id: the MD5 and SHA-256 of its
//! e-mail address (Gravatar and Libravatar URLs carry one of them, never the address) and its
//! user name (Discourse's and Rocket.Chat's avatar URL templates carry `{username}`).
//!
//! A key is a short tagged string (`md5:…`, `sha256:…`, `username:…`) stored in the
//! `subject_keys` table with the subject (`db::subjects`), so a lookup is one primary-key probe.

use likeness_subjects::Subject;
use md5::Md5;
use sha2::{Digest, Sha256};

use crate::hash::hex;

/// The subject attribute an e-mail address is read from (CSV/JSONL column `email`, FHIR
/// `Patient.telecom` with system `email`).
pub const EMAIL_ATTRIBUTE: &str = "email";
/// The subject attribute a user name is read from.
pub const USERNAME_ATTRIBUTE: &str = "username";

/// The longest user name looked up (longer ones cannot be stored keys, so they are refused
/// before the database is asked).
pub const MAX_USERNAME_CHARS: usize = 128;

/// Every key `subject` can be found by.
pub fn keys(subject: &Subject) -> Vec<String> {
    let mut keys = Vec::new();
    if let Some(email) = subject.attributes.get(EMAIL_ATTRIBUTE)
        && let Some(email) = normalise_email(email)
    {
        keys.push(format!("md5:{}", hex(&Md5::digest(email.as_bytes()))));
        keys.push(format!("sha256:{}", hex(&Sha256::digest(email.as_bytes()))));
    }
    if let Some(name) = subject.attributes.get(USERNAME_ATTRIBUTE)
        && let Some(key) = username_key(name)
    {
        keys.push(key);
    }
    keys
}

/// Gravatar's rule: the address trimmed and lower-cased. Anything without an `@` is not an
/// address (a CSV cell with `n/a`), so it gets no key.
fn normalise_email(raw: &str) -> Option<String> {
    let email = raw.trim().to_lowercase();
    let (local, domain) = email.split_once('@')?;
    (!local.is_empty() && !domain.is_empty()).then_some(email)
}

/// The key of a hash from a URL: 32 hex digits are an MD5, 64 a SHA-256 (either case).
pub fn hash_key(hash: &str) -> Option<String> {
    if !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let hash = hash.to_ascii_lowercase();
    match hash.len() {
        32 => Some(format!("md5:{hash}")),
        64 => Some(format!("sha256:{hash}")),
        _ => None,
    }
}

/// The key of a user name: trimmed and lower-cased, as the forums that send it compare names.
pub fn username_key(name: &str) -> Option<String> {
    let name = name.trim().to_lowercase();
    // Control characters are in no user name (and PostgreSQL refuses NUL in text).
    if name.is_empty()
        || name.chars().count() > MAX_USERNAME_CHARS
        || name.chars().any(char::is_control)
    {
        return None;
    }
    Some(format!("username:{name}"))
}

#[cfg(test)]
mod tests {
    use likeness_subjects::{Source, Subject, SubjectId};

    use super::*;

    fn subject(attrs: &[(&str, &str)]) -> Subject {
        let mut s = Subject::new(SubjectId::new("s1".to_string()).unwrap(), Source::Api);
        for (k, v) in attrs {
            s.attributes.insert(k.to_string(), v.to_string());
        }
        s
    }

    #[test]
    fn gravatars_documented_example_hashes() {
        // Gravatar's documentation hashes "MyEmailAddress@example.com " to these.
        let s = subject(&[("email", " MyEmailAddress@example.com ")]);
        assert_eq!(
            keys(&s),
            [
                "md5:0bc83cb571cd1c50ba6f3e8a78ef1346",
                "sha256:84059b07d4be67b806386c0aad8070a23f18836bbaae342275dc0a83414c32ee",
            ]
        );
    }

    #[test]
    fn usernames_and_non_addresses() {
        let s = subject(&[("email", "n/a"), ("username", "  Ada_L ")]);
        assert_eq!(keys(&s), ["username:ada_l"]);
        assert_eq!(keys(&subject(&[("email", "@x")])), Vec::<String>::new());
        assert_eq!(username_key(&"x".repeat(129)), None);
        assert_eq!(username_key("   "), None);
        assert_eq!(username_key("a\0b"), None);
    }

    #[test]
    fn hashes_from_urls() {
        let md5 = "0BC83CB571CD1C50BA6F3E8A78EF1346";
        assert_eq!(
            hash_key(md5).as_deref(),
            Some("md5:0bc83cb571cd1c50ba6f3e8a78ef1346")
        );
        assert_eq!(hash_key(&"a".repeat(64)).unwrap().len(), 71);
        for bad in [
            "",
            "xyz",
            &"a".repeat(33),
            &"g".repeat(32),
            "../../etc/passwd",
        ] {
            assert_eq!(hash_key(bad), None, "{bad}");
        }
    }
}
