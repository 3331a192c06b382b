//! Signing in to the UI: a token exchanged for a signed session cookie, and the CSRF token
//! every state-changing request must carry.
//!
//! The cookie is `name.expiry.nonce.mac`, the MAC an HMAC-SHA256 under a key derived from the
//! token's own secret. So every `serve` with the same tokens accepts it (no shared session
//! store), a session never outlives its token's removal from the config, and the cookie
//! never holds the token. The CSRF token is an HMAC of the cookie under the same key: a page
//! of another site can neither read nor forge it, and it dies with the session.
//! A server without tokens (loopback only) signs an `anonymous` admin session with a key
//! made at start.

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::access::{ApiToken, Role};

pub const COOKIE: &str = "likeness_session";
/// Sessions last a working day.
pub const LIFETIME_SECONDS: i64 = 12 * 3600;

type HmacSha256 = Hmac<Sha256>;

/// Who is signed in.
#[derive(Debug, Clone)]
pub struct UiUser {
    pub name: String,
    pub role: Role,
    pub csrf: String,
}

struct Key {
    name: String,
    role: Role,
    /// Derived from the token; `None` for the token itself (never kept here).
    mac_key: [u8; 32],
    secret_hash: [u8; 32],
}

/// The keys sessions are signed with, one per token.
pub struct Sessions {
    keys: Vec<Key>,
    /// No tokens configured: everyone on loopback is the `anonymous` admin.
    open: bool,
}

fn derive(label: &[u8], material: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(label);
    h.update([0]);
    h.update(material);
    h.finalize().into()
}

fn mac_hex(key: &[u8; 32], parts: &[&str]) -> String {
    let mut mac = <HmacSha256 as KeyInit>::new_from_slice(key).expect("any key length");
    for p in parts {
        mac.update(p.as_bytes());
        mac.update(b"\n");
    }
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Sessions {
    pub fn new(tokens: &[ApiToken]) -> Sessions {
        if tokens.is_empty() {
            let mut random = [0u8; 32];
            // Without randomness sessions would be forgeable: better no UI than that.
            getrandom::fill(&mut random).expect("the system's random source");
            return Sessions {
                keys: vec![Key {
                    name: "anonymous".into(),
                    role: Role::Admin,
                    mac_key: random,
                    secret_hash: [0; 32],
                }],
                open: true,
            };
        }
        let keys = tokens
            .iter()
            .map(|t| Key {
                name: t.name.clone(),
                role: t.role,
                mac_key: derive(b"likeness ui session v1", t.secret.as_bytes()),
                secret_hash: derive(b"likeness ui token v1", t.secret.as_bytes()),
            })
            .collect();
        Sessions { keys, open: false }
    }

    /// No tokens: no sign-in, an anonymous admin session is handed out.
    pub fn open(&self) -> bool {
        self.open
    }

    /// The session cookie value for a presented token, if it is one of ours.
    pub fn sign_in(&self, presented: &str, now: i64) -> Option<String> {
        if self.open {
            return Some(self.issue(&self.keys[0], now));
        }
        let presented = derive(b"likeness ui token v1", presented.trim().as_bytes());
        let mut found = None;
        // Every key is compared, so the time taken does not say which one nearly matched.
        for key in &self.keys {
            if bool::from(key.secret_hash.ct_eq(&presented)) {
                found = Some(key);
            }
        }
        found.map(|k| self.issue(k, now))
    }

    /// A fresh anonymous session (tokenless servers only).
    pub fn anonymous(&self, now: i64) -> Option<String> {
        self.open.then(|| self.issue(&self.keys[0], now))
    }

    fn issue(&self, key: &Key, now: i64) -> String {
        let expires = (now + LIFETIME_SECONDS).to_string();
        // Two sign-ins in one second are two sessions, with two CSRF tokens.
        let mut nonce = [0u8; 8];
        getrandom::fill(&mut nonce).expect("the system's random source");
        let nonce: String = nonce.iter().map(|b| format!("{b:02x}")).collect();
        let mac = mac_hex(&key.mac_key, &["session", &key.name, &expires, &nonce]);
        format!("{}.{expires}.{nonce}.{mac}", key.name)
    }

    /// The user a cookie value stands for, if it is intact and unexpired.
    pub fn verify(&self, cookie: &str, now: i64) -> Option<UiUser> {
        let mut parts = cookie.rsplitn(4, '.');
        let (mac, nonce, expires, name) =
            (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        if expires.parse::<i64>().ok()? <= now {
            return None;
        }
        let key = self.keys.iter().find(|k| k.name == name)?;
        let expected = mac_hex(&key.mac_key, &["session", name, expires, nonce]);
        if !bool::from(expected.as_bytes().ct_eq(mac.as_bytes())) {
            return None;
        }
        Some(UiUser {
            name: key.name.clone(),
            role: key.role,
            csrf: mac_hex(&key.mac_key, &["csrf", cookie])[..32].to_string(),
        })
    }
}

impl UiUser {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// Whether `presented` is this session's CSRF token.
    pub fn csrf_matches(&self, presented: &str) -> bool {
        bool::from(self.csrf.as_bytes().ct_eq(presented.as_bytes()))
    }
}

/// The `Set-Cookie` value for a session (`secure` when the client came over TLS).
pub fn set_cookie(value: &str, secure: bool) -> String {
    format!(
        "{COOKIE}={value}; Path=/ui; HttpOnly; SameSite=Strict; Max-Age={LIFETIME_SECONDS}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// The `Set-Cookie` value that ends a session.
pub fn clear_cookie(secure: bool) -> String {
    format!(
        "{COOKIE}=; Path=/ui; HttpOnly; SameSite=Strict; Max-Age=0{}",
        if secure { "; Secure" } else { "" }
    )
}

/// The session cookie's value in a `Cookie` header.
pub fn cookie_value(header: &str) -> Option<&str> {
    header
        .split(';')
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens() -> Vec<ApiToken> {
        vec![
            ApiToken {
                secret: "admin-secret-0123456789".into(),
                role: Role::Admin,
                name: "desk.admin".into(),
            },
            ApiToken {
                secret: "viewer-secret-0123456789".into(),
                role: Role::Viewer,
                name: "wall".into(),
            },
        ]
    }

    #[test]
    fn a_token_signs_in_and_its_cookie_verifies_until_it_expires() {
        let s = Sessions::new(&tokens());
        let cookie = s.sign_in("viewer-secret-0123456789", 1000).unwrap();
        assert!(!cookie.contains("viewer-secret"), "{cookie}");
        let user = s.verify(&cookie, 1001).unwrap();
        assert_eq!(user.name, "wall");
        assert_eq!(user.role, Role::Viewer);
        assert!(
            s.verify(&cookie, 1000 + LIFETIME_SECONDS).is_none(),
            "expired"
        );
        assert!(s.sign_in("not-a-token-at-all-here", 1000).is_none());
        // A name with dots still parses.
        let admin = s.sign_in("admin-secret-0123456789", 1000).unwrap();
        assert_eq!(s.verify(&admin, 1001).unwrap().name, "desk.admin");
    }

    #[test]
    fn a_forged_or_altered_cookie_is_refused() {
        let s = Sessions::new(&tokens());
        let cookie = s.sign_in("viewer-secret-0123456789", 1000).unwrap();
        // The viewer's MAC under the admin's name: the role cannot be upgraded.
        let forged = cookie.replacen("wall", "desk.admin", 1);
        assert!(s.verify(&forged, 1001).is_none());
        let later = cookie.replacen(&(1000 + LIFETIME_SECONDS).to_string(), "99999999999", 1);
        assert!(s.verify(&later, 1001).is_none());
        // Another server with other tokens does not accept it.
        let other = Sessions::new(&[ApiToken {
            secret: "viewer-secret-9999999999".into(),
            role: Role::Viewer,
            name: "wall".into(),
        }]);
        assert!(other.verify(&cookie, 1001).is_none());
    }

    #[test]
    fn csrf_tokens_belong_to_one_session() {
        let s = Sessions::new(&tokens());
        let a = s
            .verify(&s.sign_in("admin-secret-0123456789", 1000).unwrap(), 1001)
            .unwrap();
        let b = s
            .verify(&s.sign_in("admin-secret-0123456789", 2000).unwrap(), 2001)
            .unwrap();
        assert_ne!(a.csrf, b.csrf);
        assert!(a.csrf_matches(&a.csrf));
        assert!(!a.csrf_matches(&b.csrf));
        assert!(!a.csrf_matches(""));
    }

    #[test]
    fn the_cookie_is_found_among_others() {
        assert_eq!(
            cookie_value("a=1; likeness_session=x.1.f; b=2"),
            Some("x.1.f")
        );
        assert_eq!(cookie_value("likeness_session="), None);
        assert_eq!(cookie_value("other=1"), None);
    }
}
