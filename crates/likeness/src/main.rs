//! The `likeness` binary: parse arguments, run the command, map errors to exit codes.
//! Exit status: 0 ok, 2 some subjects failed (generate), 1 usage, config or other errors.

mod cli;

use std::process::ExitCode;

use clap::Parser;
use clap::error::ErrorKind;

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => ExitCode::SUCCESS,
                _ => ExitCode::from(1),
            };
        }
    };
    if !cli.is_long_running() {
        // `likeness sheet … | head` should stop quietly when the reader goes away, as other
        // command-line tools do, instead of panicking in println!. The server and the worker
        // keep Rust's default (SIGPIPE ignored) so a closed socket is an error, not an exit.
        // SAFETY: called before any other thread exists; SIG_DFL is a valid disposition.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        }
    }
    let filter = tracing_subscriber::EnvFilter::try_from_env("LIKENESS_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(cli.default_log_level()));
    let log_guard = cli::logs::init(cli.log_format, filter, cli.is_long_running());
    let json = cli.json;
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let outcome = runtime.block_on(cli::run(cli));
    drop(runtime);
    // Queued log lines go out before the final word.
    drop(log_guard);
    match outcome {
        Ok(code) => code,
        Err(err) => {
            let code = err
                .downcast_ref::<likeness::Error>()
                .map(|e| e.code())
                .unwrap_or("usage.invalid");
            if json {
                let doc =
                    serde_json::json!({"error": {"code": code, "message": format!("{err:#}")}});
                println!("{doc}");
            } else {
                eprintln!("error: {err:#}");
            }
            ExitCode::from(1)
        }
    }
}
