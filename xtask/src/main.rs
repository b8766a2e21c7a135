//! The README's two commands: `cargo xtask serve [--port N]` and `cargo xtask test`.
//!
//! Each installs what a fresh machine lacks (from crates.io, npm and Debian's packages only),
//! saying what it does. Builds share one cargo target directory outside the clone
//! (`$W1W2_TARGET_DIR`, by default `~/.cache/w1w2-flow/target`) so that a machine that already
//! built reuses the work.

mod serve;
mod shell;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = match args.first().map(String::as_str) {
        Some("serve") => serve::run(&args[1..]),
        Some("test") => test(&args[1..]),
        _ => Err("usage: cargo xtask serve [--port N] | cargo xtask test".to_string()),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Every test: the native unit and integration tests in release (the numerical tests train
/// small networks; a debug build is ten times slower).
fn test(args: &[String]) -> Result<(), String> {
    if let Some(extra) = args.first() {
        return Err(format!("cargo xtask test takes no arguments, got '{extra}'"));
    }
    shell::step("native tests (cargo test --release --workspace)");
    shell::cargo(&["test", "--release", "--workspace"])?;
    Ok(())
}
