//! Who may do what through the API: each token is an `admin` (everything) or a `viewer` (reads
//! only). Plain `server.api_tokens` and `LIKENESS_API_TOKENS` are admins; `[[server.tokens]]`
//! entries name their role and, for the audit trail, themselves.

use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    /// Sees everything, changes nothing: the server refuses its state-changing requests.
    Viewer,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Viewer => "viewer",
        }
    }
}

/// One `[[server.tokens]]` entry as written in the config.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenEntry {
    pub token: String,
    pub role: Role,
    /// Shown in logs and the audit trail instead of the token (default `token-N`).
    pub name: Option<String>,
}

/// An accepted token: the secret, its role and the name that stands for it everywhere else.
#[derive(Clone)]
pub struct ApiToken {
    pub secret: String,
    pub role: Role,
    pub name: String,
}

impl std::fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiToken")
            .field("secret", &"***")
            .field("role", &self.role)
            .field("name", &self.name)
            .finish()
    }
}

/// A token's name: letters, digits, `-`, `_` and `.`, up to 64 (it goes into logs and pages).
pub fn check_name(key: &str, name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        return Ok(());
    }
    Err(format!(
        "{key} {name:?} is not a name: use 1–64 letters, digits, '-', '_' or '.', e.g. \"newsroom-viewer\""
    ))
}
