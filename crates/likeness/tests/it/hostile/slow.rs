//! Slow and idle clients: headers that never finish, keep-alive connections left open, and
//! more connections than the server serves at once. None of them may starve `/healthz`.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::util::TestDir;
use crate::util::server::{Server, raw_request};

fn connect(server: &Server) -> TcpStream {
    let stream = TcpStream::connect(server.base.trim_start_matches("http://")).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(8)))
        .unwrap();
    stream
}

/// Reads until the server closes the connection; how long that took, or `None` if it kept it
/// open past the read timeout.
fn time_to_close(stream: &mut TcpStream) -> Option<Duration> {
    let started = Instant::now();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return Some(started.elapsed()),
            Ok(_) => continue,
            Err(e) if e.kind() == ErrorKind::ConnectionReset => return Some(started.elapsed()),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return None;
            }
            Err(e) => panic!("read: {e}"),
        }
    }
}

#[test]
fn slow_headers_and_idle_connections_are_closed() {
    let t = TestDir::new();
    t.write(
        "data/likeness.toml",
        "[server]\nheader_timeout_seconds = 1\n",
    );
    let server = Server::start(&t, None);
    // Headers that never end.
    let mut slow = connect(&server);
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .unwrap();
    let closed = time_to_close(&mut slow).expect("a slow-header connection was held open");
    assert!(closed < Duration::from_secs(4), "{closed:?}");
    // A connection that never sends anything.
    let mut silent = connect(&server);
    assert!(
        time_to_close(&mut silent).is_some(),
        "a silent connection was held open"
    );
    // A keep-alive connection left idle after one request.
    let mut idle = connect(&server);
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut buf = [0u8; 1024];
    let n = idle.read(&mut buf).unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    assert!(
        time_to_close(&mut idle).is_some(),
        "an idle keep-alive connection was held open"
    );
}

#[test]
fn connections_past_the_bound_get_503_at_once_and_health_recovers() {
    let t = TestDir::new();
    t.write(
        "data/likeness.toml",
        "[server]\nmax_connections = 8\nheader_timeout_seconds = 30\n",
    );
    let server = Server::start(&t, None);
    // Eight slow clients hold every slot.
    let mut held: Vec<TcpStream> = (0..8)
        .map(|_| {
            let mut s = connect(&server);
            s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
                .unwrap();
            s
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let started = Instant::now();
    let answer = raw_request(&server.base, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("http.too_many_connections"), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("retry-after: 1"),
        "{answer}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    // When they go, the server answers again.
    held.clear();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let answer = raw_request(
            &server.base,
            "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        );
        if answer.starts_with("HTTP/1.1 200") {
            break;
        }
        assert!(Instant::now() < deadline, "no recovery: {answer}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn hundreds_of_idle_connections_do_not_starve_health_checks() {
    use std::os::unix::process::CommandExt;
    let t = TestDir::new();
    t.write(
        "data/likeness.toml",
        "[server]\nheader_timeout_seconds = 2\n",
    );
    let mut cmd = Server::command(&t, None, &[]);
    // Started with a soft limit of 256 open files, as the probe's machine had: the server
    // raises it to the hard limit itself.
    // SAFETY: setrlimit is async-signal-safe and touches only this child.
    unsafe {
        cmd.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: 256,
                rlim_max: 4096,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let server = Server::spawn(cmd);
    // More than the 256 descriptors of that soft limit.
    let held: Vec<TcpStream> = (0..400).map(|_| connect(&server)).collect();
    let started = Instant::now();
    let answer = raw_request(
        &server.base,
        "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    drop(held);
}
