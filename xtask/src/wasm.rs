//! Building the page's WebAssembly module with wasm-pack (`--target web`, release) into pkg/,
//! with a gzipped copy the server sends to clients that accept it.

use std::process::Command;

use crate::shell::{self, run, step};
use crate::tools;

/// Installs the tools, builds pkg/ and gzips the .wasm.
pub fn build_page() -> Result<(), String> {
    tools::wasm_target()?;
    tools::wasm_tools()?;
    step("building the WebAssembly module (wasm-pack build --target web --release)");
    run(Command::new("wasm-pack")
        .args([
            "build",
            "--target",
            "web",
            "--release",
            "--no-typescript",
            "--no-pack",
            "--out-dir",
            "pkg",
        ])
        .current_dir(shell::root())
        .env("CARGO_TARGET_DIR", shell::target_dir()))?;
    let wasm = shell::root().join("pkg").join("w1w2_flow_bg.wasm");
    run(Command::new("gzip")
        .args(["-9", "--keep", "--force"])
        .arg(&wasm))?;
    let size = |path: &std::path::Path| path.metadata().map(|m| m.len()).unwrap_or(0);
    let gz = wasm.with_extension("wasm.gz");
    eprintln!(
        "pkg/w1w2_flow_bg.wasm: {:.1} MB, gzipped {:.1} MB",
        size(&wasm) as f64 / 1e6,
        size(&gz) as f64 / 1e6
    );
    Ok(())
}
