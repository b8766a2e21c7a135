//! Building the page: its WebAssembly module with wasm-pack (`--target web`, the `wasm-page`
//! profile of Cargo.toml) into pkg/, optimised by binaryen's wasm-opt (npm's `binaryen`,
//! xtask/npm), with a gzipped copy the server sends to clients that accept it; gzipped copies of
//! the pretrained models (the digits' is 7.6 MB raw); and the npm libraries it loads (www/vendor).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::shell::{self, run, step};
use crate::tools;

/// wasm-opt's optimisation level: -O2 takes the module from 22.5 to 14.8 MB (3.6 MB gzipped).
/// On the build with LTO alone, -Oz gave 16.0 MB against -O2's 19.1 but slowed the page's CPU
/// iterations by a tenth or more; -O3 and -O4 spend more build time for speed the page does not
/// measure.
const WASM_OPT_LEVEL: &str = "-O2";

/// The cargo profile of the page's module (Cargo.toml): release with link-time optimisation.
const PAGE_PROFILE: &str = "wasm-page";

/// Installs the tools and the page's libraries, builds pkg/, optimises and gzips the .wasm.
pub fn build_page() -> Result<(), String> {
    tools::wasm_target()?;
    tools::wasm_tools()?;
    tools::node()?;
    tools::npm_packages(&shell::root().join("www").join("vendor"))?;
    step(&format!(
        "building the WebAssembly module (wasm-pack build --target web --profile {PAGE_PROFILE})"
    ));
    run(Command::new("wasm-pack")
        .args([
            "build",
            "--target",
            "web",
            "--profile",
            PAGE_PROFILE,
            "--no-typescript",
            "--no-pack",
            "--out-dir",
            "pkg",
        ])
        .current_dir(shell::root())
        .env("CARGO_TARGET_DIR", shell::target_dir()))?;
    let wasm = shell::root().join("pkg").join("w1w2_flow_bg.wasm");
    let built = size(&wasm);
    optimise(&wasm)?;
    run(Command::new("gzip")
        .args(["-9", "--keep", "--force"])
        .arg(&wasm))?;
    eprintln!(
        "pkg/w1w2_flow_bg.wasm: {:.1} MB as built, {:.1} MB optimised, gzipped {:.1} MB",
        built as f64 / 1e6,
        size(&wasm) as f64 / 1e6,
        size(&wasm.with_extension("wasm.gz")) as f64 / 1e6
    );
    gzip_pretrained()
}

/// Writes `NAME.w1w2.gz` beside each pretrained model in www/pretrained, which the server sends
/// to clients that accept gzip.
fn gzip_pretrained() -> Result<(), String> {
    let folder = shell::root().join("www").join("pretrained");
    let entries =
        std::fs::read_dir(&folder).map_err(|e| format!("cannot list {}: {e}", folder.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.extension().is_some_and(|e| e == "w1w2") {
            run(Command::new("gzip")
                .args(["-9", "--keep", "--force"])
                .arg(&path))?;
        }
    }
    let digits = folder.join("mnist.w1w2.gz");
    eprintln!(
        "www/pretrained/mnist.w1w2: gzipped {:.2} MB ({:.2} MiB)",
        size(&digits) as f64 / 1e6,
        size(&digits) as f64 / (1u64 << 20) as f64
    );
    Ok(())
}

/// Replaces `wasm` by wasm-opt's output. wasm-pack rewrites the module on every build, so the
/// output is kept under the target directory by the input's hash, and an unchanged module
/// is not optimised again (minutes on two cores).
fn optimise(wasm: &Path) -> Result<(), String> {
    let input = std::fs::read(wasm).map_err(|e| format!("cannot read {}: {e}", wasm.display()))?;
    let cache = shell::target_dir().join("wasm-opt");
    let cached = cache.join(format!("{:016x}.wasm", fnv1a(&input)));
    if !cached.exists() {
        let npm = shell::root().join("xtask").join("npm");
        tools::npm_packages(&npm)?;
        step(&format!(
            "optimising the module (binaryen's wasm-opt {WASM_OPT_LEVEL}, a few minutes)"
        ));
        let _ = std::fs::remove_dir_all(&cache);
        std::fs::create_dir_all(&cache)
            .map_err(|e| format!("cannot create {}: {e}", cache.display()))?;
        let partial = cached.with_extension("partial");
        run(Command::new("node")
            .arg(wasm_opt(&npm))
            .arg(WASM_OPT_LEVEL)
            .arg(wasm)
            .arg("-o")
            .arg(&partial))?;
        std::fs::rename(&partial, &cached)
            .map_err(|e| format!("cannot keep {}: {e}", cached.display()))?;
    }
    std::fs::copy(&cached, wasm)
        .map(|_| ())
        .map_err(|e| format!("cannot write {}: {e}", wasm.display()))
}

/// binaryen's wasm-opt, a Node script in the npm package.
fn wasm_opt(npm: &Path) -> PathBuf {
    npm.join("node_modules")
        .join("binaryen")
        .join("bin")
        .join("wasm-opt")
}

/// The 64-bit FNV-1a hash of `bytes`.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn size(path: &Path) -> u64 {
    path.metadata().map(|m| m.len()).unwrap_or(0)
}
