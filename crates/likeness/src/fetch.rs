//! Fetching a reference image from a user-supplied URL without becoming an SSRF vector.
//!
//! `POST /api/generate` accepts `reference_image` as an http(s) URL, so the server makes a request
//! to wherever an API caller points it. Left alone, that reaches the cloud metadata service
//! (169.254.169.254), the database on localhost or anything else on the private network. The
//! [`Fetcher`] therefore refuses every address that is not public unless the operator allows its
//! network ([`FetchPolicy::allow`]), and checks the addresses it actually connects to:
//!
//! - host names are checked in the DNS resolver reqwest connects through (`GuardedResolver`),
//!   so a name that resolves to a public address for a check and a private one for the connection
//!   (DNS rebinding) cannot slip through;
//! - IP-literal hosts never reach a resolver (hyper connects to them directly), so they are
//!   checked before the request and again on every redirect hop;
//! - proxies are off, because a proxy would resolve and connect on our behalf.
//!
//! The body is capped while it streams and the whole fetch has a deadline. The content type is
//! reported but not trusted: the caller sniffs the bytes (`likeness_face::intake`).

use std::error::Error as StdError;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;
use std::sync::{Arc, Once};
use std::time::Duration;

use bytes::Bytes;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::{Url, header, redirect};

mod post;
#[cfg(test)]
mod tests;

pub use post::{Answered, Poster};

/// Longest URL accepted; real image links are far shorter, and the URL is echoed in errors.
pub const MAX_URL_LEN: usize = 2048;
/// Redirect hops followed before giving up (CDNs and short links need one or two).
pub const MAX_REDIRECTS: usize = 3;
const USER_AGENT: &str = concat!("likeness/", env!("CARGO_PKG_VERSION"));

/// What the [`Fetcher`] may fetch, and how much and how long.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchPolicy {
    /// Non-public networks that may be fetched from anyway (`fetch.allow_networks`).
    pub allow: Vec<Network>,
    /// Largest body accepted, in bytes.
    pub max_bytes: usize,
    /// Limit for resolving and connecting to one host.
    pub connect_timeout: Duration,
    /// Limit for the whole fetch: connecting, redirects and the body.
    pub timeout: Duration,
}

impl Default for FetchPolicy {
    fn default() -> Self {
        FetchPolicy {
            allow: Vec::new(),
            max_bytes: 10 * 1024 * 1024,
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(20),
        }
    }
}

impl FetchPolicy {
    /// Whether a connection to `ip` is allowed: public, or inside an allowed network.
    pub fn permits(&self, ip: IpAddr) -> bool {
        is_public(ip) || self.allow.iter().any(|net| net.contains(ip))
    }
}

/// An IP network in CIDR notation, such as `10.0.0.0/8` or `fd00::/8`.
///
/// Parsing is strict: an address with bits set below the prefix (`10.0.0.1/8`) is an error rather
/// than silently widened, because it is usually a typo for a single host or a different network.
/// A bare address (`10.0.0.5`) means that one host (`/32` or `/128`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Network {
    addr: IpAddr,
    prefix: u8,
}

impl Network {
    /// Whether `ip` is inside this network. An IPv4-mapped IPv6 address (`::ffff:10.0.0.1`) is
    /// treated as the IPv4 address it carries, since connecting to it reaches that host.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = mask_v4(self.prefix);
                u32::from(ip) & mask == u32::from(net)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => in_v6(ip, u128::from(net), self.prefix),
            _ => false,
        }
    }
}

fn mask_v4(prefix: u8) -> u32 {
    u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0)
}

fn mask_v6(prefix: u8) -> u128 {
    u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0)
}

fn in_v6(ip: Ipv6Addr, base: u128, prefix: u8) -> bool {
    u128::from(ip) & mask_v6(prefix) == base
}

impl FromStr for Network {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = |why: String| format!("{s:?} is not a network: {why}");
        let (addr, prefix) = match s.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (s, None),
        };
        let addr: IpAddr = addr
            .parse()
            .map_err(|_| bad(format!("{addr:?} is not an IP address")))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .map_err(|_| bad(format!("the prefix {p:?} is not a number from 0 to {max}")))?,
        };
        if prefix > max {
            return Err(bad(format!("prefix {prefix} > {max}")));
        }
        let base = match addr {
            IpAddr::V4(v4) => IpAddr::V4(Ipv4Addr::from(u32::from(v4) & mask_v4(prefix))),
            IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & mask_v6(prefix))),
        };
        if base != addr {
            return Err(bad(format!(
                "host bits are set; did you mean {base}/{prefix}?"
            )));
        }
        Ok(Network { addr, prefix })
    }
}

impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// Whether `ip` is a public unicast address, one a fetch may reach without an allow-list entry.
pub fn is_public(ip: IpAddr) -> bool {
    address_class(ip).is_none()
}

/// Why `ip` is not public, as a phrase for error messages ("a private address"); `None` if public.
fn address_class(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => class_v4(v4),
        IpAddr::V6(v6) => class_v6(v6),
    }
}

/// IPv4 ranges that are not publicly routable unicast (IANA special-purpose registry).
const V4_SPECIAL: &[([u8; 4], u8, &str)] = &[
    ([0, 0, 0, 0], 8, "an unspecified (\"this network\") address"),
    ([10, 0, 0, 0], 8, "a private address"),
    ([100, 64, 0, 0], 10, "a carrier-grade NAT address"),
    ([127, 0, 0, 0], 8, "a loopback address"),
    ([169, 254, 0, 0], 16, "a link-local address"),
    ([172, 16, 0, 0], 12, "a private address"),
    ([192, 0, 0, 0], 24, "a reserved address"),
    ([192, 0, 2, 0], 24, "a documentation address"),
    ([192, 88, 99, 0], 24, "a reserved address"),
    ([192, 168, 0, 0], 16, "a private address"),
    ([198, 18, 0, 0], 15, "a benchmarking address"),
    ([198, 51, 100, 0], 24, "a documentation address"),
    ([203, 0, 113, 0], 24, "a documentation address"),
    ([224, 0, 0, 0], 4, "a multicast address"),
    ([255, 255, 255, 255], 32, "the broadcast address"),
    ([240, 0, 0, 0], 4, "a reserved address"),
];

fn class_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let bits = u32::from(ip);
    V4_SPECIAL
        .iter()
        .find(|(base, prefix, _)| bits & mask_v4(*prefix) == u32::from_be_bytes(*base))
        .map(|(_, _, class)| *class)
}

fn class_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let bits = u128::from(ip);
    // Forms that carry an IPv4 address reach that address, so they are judged by it.
    if let Some(v4) = ip.to_ipv4_mapped() {
        return class_v4(v4);
    }
    if in_v6(ip, 0x0064_ff9b << 96, 96) {
        return class_v4(Ipv4Addr::from(bits as u32)); // NAT64 well-known prefix
    }
    if in_v6(ip, 0x2002 << 112, 16) {
        return class_v4(Ipv4Addr::from((bits >> 80) as u32)); // 6to4
    }
    // Only 2000::/3 is allocated for global unicast; everything else is special or unassigned.
    if !in_v6(ip, 0x2000 << 112, 3) {
        return Some(match ip.segments()[0] {
            _ if bits == 0 => "the unspecified address",
            _ if bits == 1 => "a loopback address",
            _ if bits >> 32 == 0 => "an IPv4-compatible address",
            s if s & 0xfe00 == 0xfc00 => "a unique-local address",
            s if s & 0xffc0 == 0xfe80 => "a link-local address",
            s if s & 0xffc0 == 0xfec0 => "a site-local address",
            s if s & 0xff00 == 0xff00 => "a multicast address",
            _ => "a reserved address",
        });
    }
    const V6_SPECIAL: &[(u128, u8, &str)] = &[
        (0x2001_0db8 << 96, 32, "a documentation address"),
        (0x2001_0000 << 96, 32, "a Teredo tunnel address"),
        (0x2001_0000 << 96, 23, "a reserved address"), // IETF protocol assignments
        (0x3fff << 112, 20, "a documentation address"),
    ];
    V6_SPECIAL
        .iter()
        .find(|(base, prefix, _)| in_v6(ip, *base, *prefix))
        .map(|(_, _, class)| *class)
}

/// The image bytes and where they came from.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub bytes: Bytes,
    /// The URL after redirects.
    pub final_url: String,
    /// The declared `Content-Type`, informational only: sniff the bytes instead.
    pub content_type: Option<String>,
}

/// True when `given` names an http(s) URL (case-insensitive scheme) rather than base64 or a
/// path: what the fetcher should be asked for.
pub fn is_http_url(given: &str) -> bool {
    let lower = given.get(..8).unwrap_or(given).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// Why a fetch failed. Messages are for the API caller and say what to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("{url:?} is not a usable URL: {reason}; send an absolute http(s) URL")]
    BadUrl { url: String, reason: String },
    #[error("the URL's scheme is {scheme:?}; only http and https URLs can be fetched")]
    Scheme { scheme: String },
    #[error("the URL contains a user name or password; send a URL without credentials")]
    Credentials,
    #[error("{}", forbidden_message(host, *addr, *redirected))]
    Forbidden {
        host: String,
        addr: IpAddr,
        redirected: bool,
    },
    #[error("the image is larger than the {} limit{}; send a smaller image",
        human_bytes(*limit), declared.map(|n| format!(" (the server declares {n} bytes)")).unwrap_or_default())]
    TooLarge { limit: usize, declared: Option<u64> },
    #[error("{}", timeout_message(*limit, *connect))]
    Timeout { limit: Duration, connect: bool },
    #[error(
        "the URL answered {status} {reason}; check that the image is publicly reachable at that address"
    )]
    Status { status: u16, reason: String },
    #[error("the URL redirected more than {MAX_REDIRECTS} times; send the image's final address")]
    TooManyRedirects,
    #[error("could not fetch from {host}: {reason}; check the URL and that its server is up")]
    Connect { host: String, reason: String },
    #[error("could not set up the HTTP client: {0}")]
    Client(String),
}

fn forbidden_message(host: &str, addr: IpAddr, redirected: bool) -> String {
    let class = address_class(addr).unwrap_or("an address outside the allowed networks");
    let literal = host.trim_matches(['[', ']']).parse::<IpAddr>().is_ok();
    let what = match (redirected, literal) {
        (false, true) => format!("the URL points at {addr}"),
        (false, false) => format!("{host} resolves to {addr}"),
        (true, true) => format!("the URL redirects to {addr}"),
        (true, false) => format!("the URL redirects to {host}, which resolves to {addr}"),
    };
    format!(
        "{what}, {class}; likeness does not fetch from private networks \
         (allow it with fetch.allow_networks in the config)"
    )
}

fn timeout_message(limit: Duration, connect: bool) -> String {
    if connect {
        format!(
            "could not connect within {limit:?} (fetch connect timeout); check that the URL's server is up"
        )
    } else {
        format!(
            "fetching the URL took longer than {limit:?} (fetch timeout); use a faster host or a smaller image"
        )
    }
}

fn human_bytes(n: usize) -> String {
    match n {
        n if n >= 1 << 20 && n % (1 << 20) == 0 => format!("{} MiB", n >> 20),
        n if n >= 1 << 10 && n % (1 << 10) == 0 => format!("{} KiB", n >> 10),
        n => format!("{n} byte"),
    }
}

impl FetchError {
    fn forbidden(host: &str, addr: IpAddr) -> Self {
        let (host, redirected) = (host.to_owned(), false);
        FetchError::Forbidden {
            host,
            addr,
            redirected,
        }
    }

    /// Marks a refused address as reached through a redirect, for the message.
    fn after_redirect(mut self, yes: bool) -> Self {
        if let FetchError::Forbidden { redirected, .. } = &mut self {
            *redirected |= yes;
        }
        self
    }

    /// A stable machine-readable code for the API's error body.
    pub fn code(&self) -> &'static str {
        match self {
            FetchError::BadUrl { .. } => crate::codes::FETCH_BAD_URL,
            FetchError::Scheme { .. } => crate::codes::FETCH_SCHEME,
            FetchError::Credentials => crate::codes::FETCH_CREDENTIALS,
            FetchError::Forbidden { .. } => crate::codes::FETCH_FORBIDDEN_ADDRESS,
            FetchError::TooLarge { .. } => crate::codes::FETCH_TOO_LARGE,
            FetchError::Timeout { .. } => crate::codes::FETCH_TIMEOUT,
            FetchError::Status { .. } => crate::codes::FETCH_STATUS,
            FetchError::TooManyRedirects => crate::codes::FETCH_REDIRECTS,
            FetchError::Connect { .. } => crate::codes::FETCH_CONNECT,
            FetchError::Client(_) => crate::codes::FETCH_CLIENT,
        }
    }

    /// The HTTP status the API answers with: 400 for what the caller sent, 413 for size, 502 for
    /// the remote server's failures, 504 for time, 500 for our own set-up.
    pub fn http_status(&self) -> u16 {
        crate::codes::http_status(self.code())
    }
}

/// Parses a caller's URL and checks everything that can be checked without the network.
fn parse_url(raw: &str, policy: &FetchPolicy) -> Result<Url, FetchError> {
    let bad = |reason: String| FetchError::BadUrl {
        url: raw.chars().take(100).collect(),
        reason,
    };
    if raw.len() > MAX_URL_LEN {
        return Err(bad(format!(
            "it is {} bytes long, the limit is {MAX_URL_LEN}",
            raw.len()
        )));
    }
    let url = Url::parse(raw).map_err(|e| bad(e.to_string()))?;
    check_url(&url, policy)?;
    Ok(url)
}

/// The checks made on the first URL and again on every redirect hop. Host names are left to
/// [`GuardedResolver`]; IP literals are checked here because hyper connects to them without
/// asking a resolver.
fn check_url(url: &Url, policy: &FetchPolicy) -> Result<(), FetchError> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(FetchError::Scheme {
            scheme: url.scheme().to_owned(),
        });
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(FetchError::Credentials);
    }
    let Some(host) = url.host_str().filter(|h| !h.is_empty()) else {
        return Err(FetchError::BadUrl {
            url: url.to_string(),
            reason: "it has no host".into(),
        });
    };
    // The URL parser already turned every IPv4 spelling (0x7f.1, 2130706433) into dotted form
    // and IPv6 into brackets, so this catches each literal form.
    if let Ok(addr) = host.trim_matches(['[', ']']).parse::<IpAddr>()
        && !policy.permits(addr)
    {
        return Err(FetchError::forbidden(host, addr));
    }
    Ok(())
}

/// Resolves host names and refuses the whole name if any address is not permitted, so the
/// connection can only go to checked addresses. Refusing (rather than dropping the bad
/// addresses) is deliberate: a public name with a private record is a rebinding attempt or a
/// misconfiguration, and either deserves a clear error.
#[derive(Debug)]
struct GuardedResolver {
    policy: Arc<FetchPolicy>,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = Arc::clone(&self.policy);
        Box::pin(async move {
            let host = name.as_str().to_owned();
            // Port 0: reqwest puts the URL's (or the scheme's) port in afterwards.
            let addrs: Vec<_> = tokio::net::lookup_host((host.as_str(), 0))
                .await
                .map_err(|e| FetchError::Connect {
                    host: host.clone(),
                    reason: format!("the name does not resolve ({e})"),
                })?
                .collect();
            if addrs.is_empty() {
                let reason = "the name has no addresses".to_owned();
                return Err(FetchError::Connect { host, reason }.into());
            }
            if let Some(bad) = addrs.iter().find(|a| !policy.permits(a.ip())) {
                return Err(FetchError::forbidden(&host, bad.ip()).into());
            }
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

/// Follows at most [`MAX_REDIRECTS`] hops, each passing [`check_url`]. The errors returned here
/// come back out of `send()` inside a `reqwest::Error`, where [`Fetcher::classify`] finds them.
fn redirect_policy(policy: Arc<FetchPolicy>) -> redirect::Policy {
    redirect::Policy::custom(move |attempt| {
        // `previous` starts with the original URL, so it holds one entry per hop taken so far.
        if attempt.previous().len() > MAX_REDIRECTS {
            return attempt.error(FetchError::TooManyRedirects);
        }
        match check_url(attempt.url(), &policy) {
            Ok(()) => attempt.follow(),
            Err(e) => attempt.error(e.after_redirect(true)),
        }
    })
}

/// Installs rustls' ring provider as the process default, once. reqwest is built without a
/// bundled provider (to keep aws-lc out), and building any `reqwest::Client` without one
/// installed panics, so every client in the process, tests' included, must call this first.
/// An `Err` from `install_default` means a provider is already installed, which is as good.
pub fn install_crypto_provider() {
    static PROVIDER: Once = Once::new();
    PROVIDER.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// Downloads reference images under a [`FetchPolicy`]. Cheap to clone; build one and share it.
#[derive(Debug, Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    policy: Arc<FetchPolicy>,
}

impl Fetcher {
    pub fn new(policy: FetchPolicy) -> Result<Fetcher, FetchError> {
        install_crypto_provider();
        let policy = Arc::new(policy);
        let client = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .no_proxy()
            .dns_resolver(Arc::new(GuardedResolver {
                policy: Arc::clone(&policy),
            }))
            .redirect(redirect_policy(Arc::clone(&policy)))
            // Do not tell redirect targets where the caller's URL pointed.
            .referer(false)
            .connect_timeout(policy.connect_timeout)
            .timeout(policy.timeout)
            .build()
            .map_err(|e| FetchError::Client(error_chain(&e)))?;
        Ok(Fetcher { client, policy })
    }

    /// Fetches `url` under the policy. Nothing is sent for a URL that fails the static checks.
    pub async fn get(&self, url: &str) -> Result<Fetched, FetchError> {
        let url = parse_url(url, &self.policy)?;
        let limit = self.policy.timeout;
        // The client's own timeout covers the same span; this one also bounds our resolver and
        // guarantees the error says which limit was hit.
        tokio::time::timeout(limit, self.fetch(url))
            .await
            .unwrap_or(Err(FetchError::Timeout {
                limit,
                connect: false,
            }))
    }

    async fn fetch(&self, url: Url) -> Result<Fetched, FetchError> {
        let host = url.host_str().unwrap_or_default().to_owned();
        let mut response = self
            .client
            .get(url)
            .header(header::ACCEPT, "image/*")
            .send()
            .await
            .map_err(|e| self.classify(&e, &host))?;
        let status = response.status();
        if !status.is_success() {
            let mut reason = status
                .canonical_reason()
                .unwrap_or("(no reason phrase)")
                .to_owned();
            if status.is_redirection() {
                // Only redirects to unusable locations (no Location, `file:`) end up here.
                reason.push_str(", a redirect likeness cannot follow");
            }
            return Err(FetchError::Status {
                status: status.as_u16(),
                reason,
            });
        }
        let final_url = response.url().to_string();
        let content_type = (response.headers().get(header::CONTENT_TYPE))
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let max = self.policy.max_bytes;
        // Refuse on the declared length before reading any of the body.
        let declared = response.content_length();
        if let Some(len) = declared
            && len > max as u64
        {
            return Err(FetchError::TooLarge {
                limit: max,
                declared: Some(len),
            });
        }
        // The declaration is only a hint: chunked or lying bodies are counted as they arrive.
        let mut body = Vec::with_capacity(declared.map_or(0, |n| n as usize).min(max));
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| self.classify(&e, &host))?
        {
            if body.len() + chunk.len() > max {
                return Err(FetchError::TooLarge {
                    limit: max,
                    declared: None,
                });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Fetched {
            bytes: Bytes::from(body),
            final_url,
            content_type,
        })
    }

    /// Turns a reqwest error into a [`FetchError`], preferring one of ours from its source chain
    /// (the resolver's and the redirect policy's refusals travel that way).
    fn classify(&self, err: &reqwest::Error, first_host: &str) -> FetchError {
        let mut source: Option<&(dyn StdError + 'static)> = Some(err);
        while let Some(e) = source {
            if let Some(ours) = e.downcast_ref::<FetchError>() {
                // The resolver cannot tell whether a redirect led to the name it refused.
                let moved =
                    matches!(ours, FetchError::Forbidden { host, .. } if host != first_host);
                return ours.clone().after_redirect(moved);
            }
            source = e.source();
        }
        if err.is_timeout() {
            let connect = err.is_connect();
            let limit = if connect {
                self.policy.connect_timeout
            } else {
                self.policy.timeout
            };
            return FetchError::Timeout { limit, connect };
        }
        let host = err
            .url()
            .and_then(Url::host_str)
            .unwrap_or(first_host)
            .to_owned();
        FetchError::Connect {
            host,
            reason: error_chain(err),
        }
    }
}

/// The most specific message in an error's chain ("Connection refused (os error 111)"), since
/// reqwest's own top-level text ("error sending request") tells the caller nothing.
fn error_chain(err: &(dyn StdError + 'static)) -> String {
    let mut last = err;
    while let Some(next) = last.source() {
        last = next;
    }
    last.to_string()
}
