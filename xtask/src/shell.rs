//! Running commands and saying what runs.

use std::path::PathBuf;
use std::process::Command;

/// Announces a step on stderr.
pub fn step(what: &str) {
    eprintln!("\n==> {what}");
}

/// The repository root (the parent of xtask/). `cargo run` names xtask's directory at run time;
/// the compile-time one is only the fallback, because a binary reused from a target directory
/// that two checkouts share would otherwise serve and test the checkout that built it.
pub fn root() -> PathBuf {
    let xtask = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    xtask
        .parent()
        .expect("xtask/ lives in the repository")
        .to_path_buf()
}

/// The shared cargo target directory.
pub fn target_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("W1W2_TARGET_DIR") {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME").map_or_else(|| root().join(".cache"), PathBuf::from);
    home.join(".cache").join("w1w2-flow").join("target")
}

/// Runs cargo with `args` in the repository root, on the shared target directory.
pub fn cargo(args: &[&str]) -> Result<(), String> {
    run(&mut cargo_command(args))
}

/// The command [`cargo`] runs, for a caller that adds to it.
pub fn cargo_command(args: &[&str]) -> Command {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let mut command = Command::new(cargo);
    command
        .args(args)
        .current_dir(root())
        .env("CARGO_TARGET_DIR", target_dir());
    command
}

/// Runs a command, failing with its exit status.
pub fn run(command: &mut Command) -> Result<(), String> {
    let shown = format!("{command:?}");
    let status = command
        .status()
        .map_err(|e| format!("cannot start {shown}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} failed ({status})"))
    }
}
