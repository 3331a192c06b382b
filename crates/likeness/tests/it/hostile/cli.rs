//! The command line against special files, absurd numbers and a read-only data directory:
//! every case ends promptly with a message that names what to fix.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use crate::util::{Run, TestDir, testdata};

/// Runs `cmd`, killing it (and failing the test) if it takes longer than `limit`: a command
/// that blocks on a FIFO must fail the suite, not hang it.
fn run_within(mut cmd: Command, limit: Duration) -> Run {
    use std::process::Stdio;
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "{cmd:?} still running after {limit:?}\nstderr:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out: Output = child.wait_with_output().unwrap();
    Run {
        status: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn quick(t: &TestDir, args: &[&str]) -> Run {
    run_within(t.command(args), Duration::from_secs(30))
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success());
}

#[track_caller]
fn refused(run: &Run, needles: &[&str]) {
    assert_eq!(
        run.status, 1,
        "stdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    for n in needles {
        assert!(run.stderr.contains(n), "{n:?} not in:\n{}", run.stderr);
    }
}

#[test]
fn special_files_are_refused_without_blocking() {
    let t = TestDir::new();
    let fifo = t.path().join("photo.jpg");
    mkfifo(&fifo);
    let fifo = fifo.to_str().unwrap();
    refused(
        &quick(&t, &["faces", "check", fifo]),
        &["not a regular file (a FIFO)"],
    );
    refused(
        &quick(&t, &["faces", "check", "/dev/zero"]),
        &["a character device"],
    );
    refused(
        &quick(&t, &["--config", fifo, "subjects", "list"]),
        &["a FIFO"],
    );
    refused(
        &quick(&t, &["--config", "/dev/zero", "styles", "list"]),
        &["a character device"],
    );
    quick(
        &t,
        &["import", &testdata("fhir/hl7r4_Patient-example.json")],
    )
    .ok();
    let run = quick(
        &t,
        &["generate", "--subject", "example", "--reference", fifo],
    );
    refused(&run, &["a FIFO"]);
    // A folder holding a FIFO imports what it can and reports the FIFO.
    let dir = t.path().join("export");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(
        testdata("fhir/hl7r4_Patient-f201.json"),
        dir.join("f201.json"),
    )
    .unwrap();
    mkfifo(&dir.join("stuck.ndjson"));
    let run = quick(&t, &["--json", "import", dir.to_str().unwrap()]);
    assert!(run.status == 0 || run.status == 2, "{}", run.stderr);
    assert!(
        run.stdout.contains("stuck.ndjson"),
        "the FIFO is reported: {}",
        run.stdout
    );
}

#[test]
fn numbers_out_of_range_are_refused_with_the_key_and_the_range() {
    let t = TestDir::new();
    let started = Instant::now();
    let run = quick(&t, &["generate", "--concurrency", "100000"]);
    assert_eq!(run.status, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("--concurrency must be between 1 and 256"),
        "{}",
        run.stderr
    );
    refused(
        &quick(&t, &["worker", "--concurrency", "0"]),
        &["--concurrency"],
    );
    refused(
        &quick(&t, &["serve", "--workers", "100000"]),
        &["--workers must be between 0 and 256"],
    );
    t.write("data/likeness.toml", "[generate]\nconcurrency = 100000\n");
    refused(
        &quick(&t, &["subjects", "list"]),
        &["generate.concurrency must be between 0 and 256, got 100000"],
    );
    t.write("data/likeness.toml", "[server]\napi_tokens = [\"\"]\n");
    refused(
        &quick(&t, &["serve", "--listen", "0.0.0.0:0"]),
        &["server.api_tokens[0] is empty"],
    );
    t.write(
        "data/likeness.toml",
        "[providers.gemini]\nrequests_per_minute = nan\n",
    );
    refused(
        &quick(&t, &["providers"]),
        &["providers.gemini.requests_per_minute", "finite"],
    );
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn empty_env_tokens_do_not_open_a_public_listener() {
    let t = TestDir::new();
    for env in ["", " , ", ","] {
        let mut cmd = t.command(&["serve", "--listen", "0.0.0.0:0"]);
        cmd.env("LIKENESS_API_TOKENS", env);
        refused(
            &run_within(cmd, Duration::from_secs(20)),
            &["refusing to listen"],
        );
    }
    let mut cmd = t.command(&["serve", "--listen", "0.0.0.0:0"]);
    cmd.env("LIKENESS_API_TOKENS", "short");
    refused(
        &run_within(cmd, Duration::from_secs(20)),
        &["LIKENESS_API_TOKENS item 1 is 5 characters"],
    );
}

#[test]
fn drawings_refuse_numbers_that_are_not_finite_and_sheets_that_do_not_fit() {
    let t = TestDir::new();
    let out = t.path().join("a.png");
    let out = out.to_str().unwrap();
    for (flag, value) in [
        ("--rotate", "NaN"),
        ("--rotate", "inf"),
        ("--rotate", "1e309"),
        ("--translate-x", "1e400"),
        ("--scale", "-inf"),
    ] {
        let run = quick(
            &t,
            &["render", "--style", "initials", "--out", out, flag, value],
        );
        refused(&run, &[flag]);
    }
    assert!(!Path::new(out).exists());
    let started = Instant::now();
    let sheet = t.path().join("s.png");
    let sheet = sheet.to_str().unwrap();
    let run = quick(
        &t,
        &[
            "sheet", "--style", "initials", "--count", "256", "--size", "4096", "--out", sheet,
        ],
    );
    refused(&run, &["MP limit"]);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "refused before drawing: {:?}",
        started.elapsed()
    );
    refused(
        &quick(
            &t,
            &[
                "sheet",
                "--style",
                "initials",
                "--count",
                "4",
                "--columns",
                "0",
                "--out",
                sheet,
            ],
        ),
        &["--columns must be 1 to 4"],
    );
    // Options in a style file are checked the same way.
    t.write(
        "data/styles/tilted.toml",
        "name = \"tilted\"\nversion = 1\ntitle = \"Tilted\"\ndescription = \"x\"\nkind = \"fallback\"\n\
         aspect_ratio = \"1:1\"\ndefault_size = \"512\"\nproviders = [\"builtin\"]\nprompt = \"x\"\n\
         [renderer]\nkind = \"initials\"\nrotate = nan\n",
    );
    let run = quick(&t, &["render", "--style", "tilted", "--out", out]);
    assert_ne!(run.status, 0, "{}", run.stdout);
    assert!(run.stderr.contains("rotate"), "{}", run.stderr);
}

/// Runs `args` as an unprivileged user when this process is root (root writes anywhere).
fn as_reader(t: &TestDir, args: &[&str]) -> Run {
    let mut cmd = t.command(args);
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        let inner = cmd;
        cmd = Command::new("setpriv");
        cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(inner.get_program())
            .args(inner.get_args());
        for (k, v) in inner.get_envs() {
            match v {
                Some(v) => cmd.env(k, v),
                None => cmd.env_remove(k),
            };
        }
        cmd.env("HOME", "/tmp");
    }
    run_within(cmd, Duration::from_secs(30))
}

#[test]
fn a_read_only_data_directory_can_still_be_read() {
    let t = TestDir::new();
    t.run(&["import", &testdata("fhir/hl7r4_Patient-example.json")])
        .ok();
    t.run(&["generate", "--style", "initials"]).ok();
    // Read and search permission for everyone on the way down, write for nobody.
    let chmod = |mode: &str| {
        let status = Command::new("chmod")
            .args(["-R", mode])
            .arg(t.path())
            .status()
            .unwrap();
        assert!(status.success());
    };
    chmod("a+rX,a-w");
    let list = as_reader(&t, &["--json", "subjects", "list"]);
    let history = as_reader(&t, &["--json", "history", "example"]);
    let resolve = as_reader(&t, &["--json", "resolve", "example", "--style", "initials"]);
    let runs = as_reader(&t, &["runs"]);
    let generate = as_reader(&t, &["generate", "--style", "initials", "--force"]);
    chmod("u+w");
    assert_eq!(list.status, 0, "{}", list.stderr);
    assert!(list.stdout.contains("example"), "{}", list.stdout);
    assert_eq!(history.status, 0, "{}", history.stderr);
    assert_eq!(resolve.status, 0, "{}", resolve.stderr);
    assert!(
        resolve.stdout.contains("\"rule\":\"current\"")
            || resolve.stdout.contains("\"rule\": \"current\""),
        "{}",
        resolve.stdout
    );
    assert_eq!(runs.status, 0, "{}", runs.stderr);
    assert_eq!(generate.status, 1, "{}", generate.stderr);
    assert!(generate.stderr.contains("read-only"), "{}", generate.stderr);
    assert!(
        !generate
            .stderr
            .contains("attempt to write a readonly database"),
        "{}",
        generate.stderr
    );
}

#[test]
fn implausible_birth_dates_are_unknown_ages_with_a_notice() {
    let t = TestDir::new();
    let run = quick(
        &t,
        &["--json", "import", &testdata("implausible/bundle.json")],
    )
    .ok();
    let report = run.json();
    let notices: Vec<String> = report["notices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["message"].as_str().unwrap().to_string())
        .collect();
    for needle in [
        "placeholder-1900",
        "too-old",
        "future",
        "died-first",
        "net-min",
    ] {
        assert!(
            notices
                .iter()
                .any(|n| n.contains(needle) && n.contains("age treated as unknown")),
            "{needle}: {notices:?}"
        );
    }
    let shown = quick(&t, &["--json", "subjects", "show", "placeholder-1900"])
        .ok()
        .json();
    assert_eq!(
        shown["birth_date"], "1900-01-01",
        "the date as given is kept"
    );
    assert!(shown["age"].is_null(), "{shown}");
}
