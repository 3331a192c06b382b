//! `[avatar]`: the Gravatar/Libravatar-compatible routes (`/avatar/{hash}`, `/avatar/u/{name}`).

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AvatarConfig {
    /// The style whose portraits these routes serve. Empty: `default_style`.
    pub style: String,
    /// What a request without `d=` gets for an unknown hash (Gravatar's own logo has no
    /// equivalent here): one of the `d` keywords, or a URL on one of `redirect_hosts`.
    pub default: String,
    /// The largest `s` answered; larger requests get this size (Gravatar: 2048, Libravatar: 512).
    pub max_size: u32,
    /// `Cache-Control: max-age` of every answer. A changed portrait shows within it.
    pub max_age_seconds: u32,
    /// Hosts a `d=URL` may redirect to (exact host names, e.g. "secure.gravatar.com"). None by
    /// default: a `d` URL elsewhere is refused, so the route is never an open redirect.
    pub redirect_hosts: Vec<String>,
}

impl Default for AvatarConfig {
    fn default() -> Self {
        AvatarConfig {
            style: String::new(),
            default: "mp".into(),
            max_size: 2048,
            max_age_seconds: 300,
            redirect_hosts: Vec::new(),
        }
    }
}

impl AvatarConfig {
    pub(super) fn validate(&self) -> Result<(), String> {
        use crate::bounds::check;
        check("avatar.max_size", self.max_size, 16..=4096)?;
        check(
            "avatar.max_age_seconds",
            self.max_age_seconds,
            0..=31_536_000,
        )?;
        for host in &self.redirect_hosts {
            let ok = !host.is_empty()
                && host
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
            if !ok {
                return Err(format!(
                    "avatar.redirect_hosts: {host:?} is not a host name (write \"example.org\", \
                     no scheme, port or path)"
                ));
            }
        }
        crate::avatar::Fallback::parse(&self.default, &self.redirect_hosts)
            .map_err(|e| format!("avatar.default: {e}"))?;
        Ok(())
    }
}
