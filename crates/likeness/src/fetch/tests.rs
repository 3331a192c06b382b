//! Tests for `fetch`. The network tests talk only to a small HTTP/1.1 server on 127.0.0.1 that
//! writes hand-made responses and counts connections, so a refusal can be shown to happen before
//! anything was sent.

use super::*;
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::{self, JoinHandle};
use std::time::Instant;

enum Reply {
    /// Write these bytes and close.
    Raw(Vec<u8>),
    /// Write this head, then hold the connection open without another byte.
    HeadThenHang(String),
    /// Write this head, then `total` body bytes in `chunk`-sized writes (or until the peer goes).
    Stream {
        head: String,
        chunk: usize,
        total: usize,
    },
}

struct Server {
    addr: SocketAddr,
    hits: Arc<AtomicUsize>,
    requests: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    /// Serves connections one at a time; `handler` gets the request path. Stops when dropped,
    /// and after 30 s regardless.
    fn start(handler: impl Fn(&str) -> Reply + Send + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let hits = Arc::new(AtomicUsize::new(0));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (h, r, s) = (hits.clone(), requests.clone(), stop.clone());
        let thread = thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(30);
            while !s.load(Ordering::SeqCst) && Instant::now() < deadline {
                match listener.accept() {
                    Ok((stream, _)) => {
                        h.fetch_add(1, Ordering::SeqCst);
                        serve(stream, &handler, &r, &s, deadline);
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {
                        thread::sleep(Duration::from_millis(5))
                    }
                    Err(_) => break,
                }
            }
        });
        Server {
            addr,
            hits,
            requests,
            stop,
            thread: Some(thread),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve(
    mut stream: TcpStream,
    handler: &impl Fn(&str) -> Reply,
    requests: &Mutex<Vec<String>>,
    stop: &AtomicBool,
    deadline: Instant,
) {
    stream.set_nonblocking(false).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    // A client that stops reading must not block the thread (and so the test) forever.
    stream
        .set_write_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let path = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
    requests.lock().unwrap().push(head);
    let hang = || {
        while !stop.load(Ordering::SeqCst) && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(10));
        }
    };
    match handler(&path) {
        Reply::Raw(bytes) => {
            let _ = stream.write_all(&bytes);
        }
        Reply::HeadThenHang(head) => {
            let _ = stream.write_all(head.as_bytes());
            hang();
        }
        Reply::Stream { head, chunk, total } => {
            let _ = stream.write_all(head.as_bytes());
            let block = vec![b'x'; chunk];
            let mut sent = 0;
            while sent < total && stream.write_all(&block).is_ok() {
                sent += chunk;
            }
        }
    }
}

fn response(status: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
    let mut out = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    Reply::Raw(bytes)
}

fn redirect_to(location: &str) -> Reply {
    response("302 Found", &[("Location", location)], b"")
}

fn loopback_allowed() -> FetchPolicy {
    FetchPolicy {
        allow: vec!["127.0.0.0/8".parse().unwrap()],
        ..FetchPolicy::default()
    }
}

async fn fetch_with(policy: FetchPolicy, url: &str) -> Result<Fetched, FetchError> {
    Fetcher::new(policy).unwrap().get(url).await
}

#[test]
fn classifies_addresses() {
    let table = [
        ("10.1.2.3", false),
        ("172.16.0.1", false),
        ("172.31.255.255", false),
        ("172.32.0.1", true),
        ("192.168.1.1", false),
        ("169.254.169.254", false),
        ("127.0.0.1", false),
        ("0.0.0.0", false),
        ("100.64.0.1", false),
        ("100.127.255.255", false),
        ("100.128.0.1", true),
        ("172.15.255.255", true),
        ("169.253.255.255", true),
        ("198.19.255.255", false),
        ("198.20.0.1", true),
        ("11.0.0.1", true),
        ("198.18.0.1", false),
        ("192.0.2.1", false),
        ("224.0.0.1", false),
        ("240.0.0.1", false),
        ("255.255.255.255", false),
        ("8.8.8.8", true),
        ("1.1.1.1", true),
        ("::", false),
        ("::1", false),
        ("fe80::1", false),
        ("fd00::1", false),
        ("fc00::1", false),
        ("fec0::1", false),
        ("ff02::1", false),
        ("::ffff:127.0.0.1", false),
        ("::ffff:169.254.169.254", false),
        ("::ffff:8.8.8.8", true),
        ("::127.0.0.1", false),
        ("::8.8.8.8", false),
        ("64:ff9b::a00:1", false),
        ("64:ff9b::808:808", true),
        ("2002:0a00:0001::", false),
        ("2002:0808:0808::1", true),
        ("2001:db8::1", false),
        ("2001::1", false),
        ("2606:4700::1111", true),
        ("2a00:1450:4001:80e::200e", true),
    ];
    for (addr, public) in table {
        let ip: IpAddr = addr.parse().unwrap();
        assert_eq!(is_public(ip), public, "{addr}");
    }
    let class = |a: &str| address_class(a.parse().unwrap());
    assert_eq!(class("169.254.169.254"), Some("a link-local address"));
    assert_eq!(class("255.255.255.255"), Some("the broadcast address"));
    assert_eq!(class("64:ff9b::a00:1"), Some("a private address"));
    assert_eq!(class("fd00::1"), Some("a unique-local address"));
}

#[test]
fn parses_networks() {
    let net = |s: &str| s.parse::<Network>();
    assert_eq!(net("10.0.0.0/8").unwrap().to_string(), "10.0.0.0/8");
    assert_eq!(net("fd00::/8").unwrap().to_string(), "fd00::/8");
    assert_eq!(net("0.0.0.0/0").unwrap().to_string(), "0.0.0.0/0");
    assert_eq!(net("10.0.0.5").unwrap().to_string(), "10.0.0.5/32");
    assert_eq!(net("::1").unwrap().to_string(), "::1/128");
    let err = |s: &str| net(s).unwrap_err();
    assert_eq!(
        err("10.0.0.0/33"),
        r#""10.0.0.0/33" is not a network: prefix 33 > 32"#
    );
    assert_eq!(
        err("::/129"),
        r#""::/129" is not a network: prefix 129 > 128"#
    );
    assert_eq!(
        err("10.0.0.1/8"),
        r#""10.0.0.1/8" is not a network: host bits are set; did you mean 10.0.0.0/8?"#
    );
    assert!(err("fd00::1/8").contains("did you mean fd00::/8?"));
    assert!(err("intranet").contains(r#""intranet" is not an IP address"#));
    assert!(err("10.0.0.0/").contains("is not a number from 0 to 32"));
    assert!(err("10.0.0.0/x").contains("is not a number"));
    assert!(err("10.0.0/8").contains("is not an IP address"));
}

#[test]
fn networks_contain_addresses() {
    let net = |s: &str| s.parse::<Network>().unwrap();
    let ip = |s: &str| s.parse::<IpAddr>().unwrap();
    assert!(net("127.0.0.0/8").contains(ip("127.9.9.9")));
    assert!(!net("127.0.0.0/8").contains(ip("128.0.0.1")));
    assert!(net("10.0.0.0/8").contains(ip("::ffff:10.0.0.1")));
    assert!(!net("10.0.0.0/8").contains(ip("::1")));
    assert!(net("0.0.0.0/0").contains(ip("8.8.8.8")));
    assert!(!net("0.0.0.0/0").contains(ip("2606:4700::1111")));
    assert!(net("fd00::/8").contains(ip("fd12::1")));
    assert!(!net("fd00::/8").contains(ip("fc00::1")));
    assert!(net("::/0").contains(ip("::1")));
    assert!(net("10.0.0.5").contains(ip("10.0.0.5")));
    assert!(!net("10.0.0.5").contains(ip("10.0.0.6")));
    let policy = FetchPolicy {
        allow: vec![net("10.0.0.0/8")],
        ..FetchPolicy::default()
    };
    assert!(policy.permits(ip("10.2.3.4")) && policy.permits(ip("8.8.8.8")));
    assert!(!policy.permits(ip("192.168.1.1")));
}

#[tokio::test]
async fn refuses_bad_urls_before_sending() {
    let fetcher = Fetcher::new(FetchPolicy::default()).unwrap();
    let scheme = |s: &str| FetchError::Scheme { scheme: s.into() };
    let cases = [
        ("file:///etc/passwd", scheme("file")),
        ("ftp://example.com/a.png", scheme("ftp")),
        ("data:image/png;base64,iVBORw0KGgo=", scheme("data")),
        ("gopher://example.com/", scheme("gopher")),
        (
            "http://user:pass@example.com/a.png",
            FetchError::Credentials,
        ),
        ("https://user@example.com/a.png", FetchError::Credentials),
    ];
    for (url, want) in cases {
        assert_eq!(fetcher.get(url).await.unwrap_err(), want, "{url}");
    }
    for url in [
        "not a url",
        "http://",
        "/relative/a.png",
        "http://exa mple.com/",
    ] {
        let err = fetcher.get(url).await.unwrap_err();
        assert!(matches!(err, FetchError::BadUrl { .. }), "{url}: {err:?}");
        assert_eq!((err.code(), err.http_status()), ("fetch.bad_url", 400));
    }
    let long = format!("https://example.com/{}", "a".repeat(MAX_URL_LEN));
    let err = fetcher.get(&long).await.unwrap_err();
    assert!(err.to_string().contains("the limit is 2048"), "{err}");
}

#[test]
fn refuses_every_spelling_of_an_internal_address() {
    // `parse_url` rather than `get`, so that a regression here cannot send traffic anywhere.
    for (url, addr) in [
        ("http://169.254.169.254/latest/meta-data", "169.254.169.254"),
        ("http://0x7f.1/", "127.0.0.1"),
        ("http://2130706433/", "127.0.0.1"),
        ("http://[::1]:8080/", "::1"),
        ("http://[::ffff:127.0.0.1]/", "::ffff:127.0.0.1"),
        ("https://[64:ff9b::a9fe:a9fe]/", "64:ff9b::a9fe:a9fe"),
        ("http://10.0.0.5/a.png", "10.0.0.5"),
    ] {
        match parse_url(url, &FetchPolicy::default()) {
            Err(FetchError::Forbidden {
                addr: got,
                redirected: false,
                ..
            }) => {
                assert_eq!(got, addr.parse::<IpAddr>().unwrap(), "{url}")
            }
            other => panic!("{url}: {other:?}"),
        }
    }
    let err = parse_url("http://10.0.0.5/a.png", &FetchPolicy::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the URL points at 10.0.0.5, a private address; likeness does not fetch from private \
         networks (allow it with fetch.allow_networks in the config)"
    );
    let allowed = FetchPolicy {
        allow: vec!["10.0.0.0/8".parse().unwrap()],
        ..FetchPolicy::default()
    };
    assert!(parse_url("http://10.0.0.5/a.png", &allowed).is_ok());
    assert!(parse_url("https://example.com/a.png", &FetchPolicy::default()).is_ok());
}

#[tokio::test]
async fn default_policy_refuses_loopback_without_connecting() {
    let server = Server::start(|_| response("200 OK", &[], b"secret"));
    let err = fetch_with(FetchPolicy::default(), &server.url("/x.png"))
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::Forbidden { .. }), "{err:?}");
    assert_eq!(
        (err.code(), err.http_status()),
        ("fetch.forbidden_address", 400)
    );
    assert_eq!(server.hits(), 0);
}

#[tokio::test]
async fn resolver_refuses_names_of_loopback_addresses() {
    let server = Server::start(|_| response("200 OK", &[], b"secret"));
    let url = format!("http://localhost:{}/x.png", server.addr.port());
    // This only comes out as Forbidden (not Connect) if the refusal survives reqwest's wrapping.
    match fetch_with(FetchPolicy::default(), &url).await {
        Err(err @ FetchError::Forbidden { .. }) => {
            let FetchError::Forbidden {
                host,
                addr,
                redirected,
            } = &err
            else {
                unreachable!()
            };
            assert_eq!(
                (host.as_str(), addr.is_loopback(), *redirected),
                ("localhost", true, false)
            );
            assert!(
                err.to_string().starts_with("localhost resolves to "),
                "{err}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(server.hits(), 0);
}

#[tokio::test]
async fn fetches_from_an_allowed_network() {
    let server =
        Server::start(|_| response("200 OK", &[("Content-Type", "image/png")], b"\x89PNG..."));
    let url = server.url("/x.png");
    let got = fetch_with(loopback_allowed(), &url).await.unwrap();
    assert_eq!(&got.bytes[..], b"\x89PNG...");
    assert_eq!(got.final_url, url);
    assert_eq!(got.content_type.as_deref(), Some("image/png"));
    let request = server.requests.lock().unwrap()[0].to_ascii_lowercase();
    assert!(request.starts_with("get /x.png http/1.1\r\n"), "{request}");
    assert!(request.contains(&format!(
        "user-agent: likeness/{}\r\n",
        env!("CARGO_PKG_VERSION")
    )));
}

#[tokio::test]
async fn body_exactly_at_the_limit_is_accepted() {
    let server = Server::start(|_| response("200 OK", &[], &[7; 1000]));
    let policy = FetchPolicy {
        max_bytes: 1000,
        ..loopback_allowed()
    };
    let got = fetch_with(policy, &server.url("/")).await.unwrap();
    assert_eq!(got.bytes.len(), 1000);
    assert_eq!(got.content_type, None);
}

#[tokio::test]
async fn refuses_a_declared_length_over_the_limit_without_reading() {
    // The body never comes: reading it would end in a timeout, not TooLarge.
    let head = "HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n".to_owned();
    let server = Server::start(move |_| Reply::HeadThenHang(head.clone()));
    let policy = FetchPolicy {
        max_bytes: 1000,
        timeout: Duration::from_secs(5),
        ..loopback_allowed()
    };
    let started = Instant::now();
    let err = fetch_with(policy, &server.url("/")).await.unwrap_err();
    assert_eq!(
        err,
        FetchError::TooLarge {
            limit: 1000,
            declared: Some(2000)
        }
    );
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!((err.code(), err.http_status()), ("fetch.too_large", 413));
    assert!(
        err.to_string()
            .contains("the 1000 byte limit (the server declares 2000 bytes)"),
        "{err}"
    );
}

// Multi-threaded so that hyper's connection task can close the socket while the test thread
// is blocked joining the server thread.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refuses_undeclared_bodies_over_the_limit() {
    let chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    let server = Server::start(move |_| {
        let mut out = chunked.as_bytes().to_vec();
        for _ in 0..5 {
            out.extend_from_slice(format!("190\r\n{}\r\n", "x".repeat(400)).as_bytes());
        }
        out.extend_from_slice(b"0\r\n\r\n");
        Reply::Raw(out)
    });
    let policy = FetchPolicy {
        max_bytes: 1000,
        ..loopback_allowed()
    };
    let err = fetch_with(policy.clone(), &server.url("/"))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        FetchError::TooLarge {
            limit: 1000,
            declared: None
        }
    );

    // No length and no end in sight (up to 64 MiB): the fetch stops as the cap is passed.
    let head = "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n".to_owned();
    let server = Server::start(move |_| Reply::Stream {
        head: head.clone(),
        chunk: 8192,
        total: 64 << 20,
    });
    let err = fetch_with(policy, &server.url("/")).await.unwrap_err();
    assert_eq!(
        err,
        FetchError::TooLarge {
            limit: 1000,
            declared: None
        }
    );
}

#[tokio::test]
async fn times_out_on_a_server_that_never_answers() {
    let server = Server::start(|_| Reply::HeadThenHang(String::new()));
    let timeout = Duration::from_millis(300);
    let policy = FetchPolicy {
        timeout,
        ..loopback_allowed()
    };
    let started = Instant::now();
    let err = fetch_with(policy, &server.url("/")).await.unwrap_err();
    let took = started.elapsed();
    assert_eq!(
        err,
        FetchError::Timeout {
            limit: timeout,
            connect: false
        }
    );
    assert!(took >= timeout && took < Duration::from_secs(2), "{took:?}");
    assert_eq!((err.code(), err.http_status()), ("fetch.timeout", 504));
    assert!(
        err.to_string()
            .contains("longer than 300ms (fetch timeout)"),
        "{err}"
    );
}

#[tokio::test]
async fn reports_the_status_of_a_failed_request() {
    let server = Server::start(|_| response("404 Not Found", &[], b"nope"));
    let err = fetch_with(loopback_allowed(), &server.url("/gone.png"))
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("the URL answered 404 Not Found;"),
        "{err}"
    );
    assert_eq!((err.code(), err.http_status()), ("fetch.status", 502));
}

#[tokio::test]
async fn reports_refused_connections() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = fetch_with(loopback_allowed(), &format!("http://127.0.0.1:{port}/"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, FetchError::Connect { host, .. } if host == "127.0.0.1"),
        "{err:?}"
    );
    assert!(err.to_string().to_lowercase().contains("refused"), "{err}");
    assert_eq!((err.code(), err.http_status()), ("fetch.connect", 502));
}

#[tokio::test]
async fn checks_every_redirect_hop() {
    let server = Server::start(|path| match path {
        "/metadata" => redirect_to("http://169.254.169.254/latest/meta-data"),
        "/v6" => redirect_to("http://[::1]/"),
        "/ftp" => redirect_to("ftp://127.0.0.1/x.png"),
        "/file" => redirect_to("file:///etc/passwd"),
        "/creds" => redirect_to("http://user:pw@127.0.0.1/"),
        _ => response("500 Internal Server Error", &[], b""),
    });
    let fetcher = Fetcher::new(loopback_allowed()).unwrap();
    let err = fetcher.get(&server.url("/metadata")).await.unwrap_err();
    let metadata = "169.254.169.254".parse().unwrap();
    assert_eq!(
        err,
        FetchError::Forbidden {
            host: "169.254.169.254".into(),
            addr: metadata,
            redirected: true
        }
    );
    assert!(
        err.to_string()
            .starts_with("the URL redirects to 169.254.169.254, a link-local"),
        "{err}"
    );
    let err = fetcher.get(&server.url("/v6")).await.unwrap_err();
    assert!(
        matches!(
            err,
            FetchError::Forbidden {
                redirected: true,
                ..
            }
        ),
        "{err:?}"
    );
    let err = fetcher.get(&server.url("/ftp")).await.unwrap_err();
    assert_eq!(
        err,
        FetchError::Scheme {
            scheme: "ftp".into()
        }
    );
    // A Location without an authority is not a redirect to tower-http, so the 3xx comes back.
    let err = fetcher.get(&server.url("/file")).await.unwrap_err();
    assert!(
        matches!(err, FetchError::Status { status: 302, .. }),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("a redirect likeness cannot follow"),
        "{err}"
    );
    let err = fetcher.get(&server.url("/creds")).await.unwrap_err();
    assert_eq!(err, FetchError::Credentials);
    assert_eq!(server.hits(), 5);
}

#[tokio::test]
async fn follows_up_to_three_redirects() {
    let server = Server::start(|path| match path.strip_prefix("/hop") {
        Some("0") => response("200 OK", &[("Content-Type", "image/jpeg")], b"jpeg"),
        Some(n) => redirect_to(&format!("/hop{}", n.parse::<u8>().unwrap() - 1)),
        None => redirect_to(path), // a loop
    });
    let fetcher = Fetcher::new(loopback_allowed()).unwrap();
    let got = fetcher.get(&server.url("/hop3")).await.unwrap();
    assert_eq!(
        (&got.bytes[..], got.final_url),
        (&b"jpeg"[..], server.url("/hop0"))
    );
    assert_eq!(server.hits(), 4);

    let err = fetcher.get(&server.url("/hop4")).await.unwrap_err();
    assert_eq!(err, FetchError::TooManyRedirects);
    assert_eq!(server.hits(), 8, "the fourth redirect is not followed");

    let err = fetcher.get(&server.url("/loop")).await.unwrap_err();
    assert_eq!(err, FetchError::TooManyRedirects);
    assert_eq!((err.code(), err.http_status()), ("fetch.redirects", 502));
}

#[tokio::test]
async fn times_out_connecting_to_a_full_listener() {
    // A listener that never accepts, with its backlog full, leaves further SYNs unanswered.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(0).unwrap();
    let addr = listener.local_addr().unwrap();
    let short = Duration::from_millis(100);
    let _queued = (0..4)
        .map_while(|_| TcpStream::connect_timeout(&addr, short).ok())
        .collect::<Vec<_>>();
    let connect_timeout = Duration::from_millis(200);
    let policy = FetchPolicy {
        connect_timeout,
        timeout: Duration::from_secs(5),
        ..loopback_allowed()
    };
    let err = fetch_with(policy, &format!("http://{addr}/"))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        FetchError::Timeout {
            limit: connect_timeout,
            connect: true
        }
    );
    assert!(
        err.to_string()
            .contains("within 200ms (fetch connect timeout)"),
        "{err}"
    );
}
