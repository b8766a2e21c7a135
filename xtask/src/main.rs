//! The README's two commands: `cargo xtask serve [--port N]` and `cargo xtask test`; also
//! `cargo xtask bench`, `cargo xtask data` and `cargo xtask docs` (the documentation check).
//!
//! Each installs what a fresh machine lacks (from crates.io, npm and Debian's packages only),
//! saying what it does. Builds share one cargo target directory outside the clone
//! (`$W1W2_TARGET_DIR`, by default `~/.cache/w1w2-flow/target`) so that a machine that already
//! built reuses the work.

mod data;
mod docs;
mod portable;
mod serve;
mod shell;
mod tools;
mod wasm;

use std::path::Path;
use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = match args.first().map(String::as_str) {
        Some("serve") => serve::run(&args[1..]),
        Some("test") => test(&args[1..]),
        Some("bench") => bench(),
        Some("data") => data::mnist(),
        Some("docs") => docs::check(),
        Some(portable::PROBE) => {
            println!("{}", portable::avx512_visible());
            Ok(())
        }
        _ => Err("usage: cargo xtask serve [--port N] | cargo xtask test | cargo xtask bench | cargo xtask data | cargo xtask docs".to_string()),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The benchmarks (figures, no assertions): native `w1w2 bench` on the CPU backends, then the
/// page in headless Chromium on its CPU backend and on WebGPU.
fn bench() -> Result<(), String> {
    data::mnist()?;
    shell::step("native benchmark (w1w2 bench, flex and ndarray; MNIST on flex)");
    w1w2_bench(&["--mnist"], None)?;
    w1w2_bench(&["--backend", "ndarray"], None)?;
    tools::lavapipe()?;
    shell::step(
        "native benchmark on wgpu (burn's operations and the fused kernels; lavapipe without a GPU)",
    );
    w1w2_bench(
        &[
            "--backend",
            "wgpu",
            "--iterations",
            "20",
            "--digits",
            "--mnist-iterations",
            "1",
        ],
        None,
    )?;
    let swiftshader = tools::swiftshader_driver()?;
    shell::step("native benchmark on Chromium's SwiftShader (the page's software adapter)");
    w1w2_bench(
        &[
            "--backend",
            "wgpu",
            "--iterations",
            "5",
            "--digits",
            "--mnist-iterations",
            "1",
        ],
        Some(&swiftshader),
    )?;
    wasm::build_page()?;
    let e2e = shell::root().join("tests").join("e2e");
    tools::npm_packages(&e2e)?;
    let port = serve::spawn()?;
    shell::step("browser benchmark (headless Chromium: CPU backend, WebGPU on SwiftShader)");
    shell::run(
        Command::new("node")
            .arg("bench.mjs")
            .current_dir(&e2e)
            .env("BASE_URL", format!("http://127.0.0.1:{port}/")),
    )?;
    tools::firefox()?;
    shell::step("browser benchmark (headless Firefox ESR: a snapshot on its WebGPU)");
    shell::run(
        Command::new("node")
            .arg("firefox-bench.mjs")
            .current_dir(&e2e)
            .env("BASE_URL", format!("http://127.0.0.1:{port}/")),
    )
}

/// `w1w2 bench --json` with `args`, built in release; with `vulkan_driver`, wgpu's Vulkan sees
/// only that driver.
fn w1w2_bench(args: &[&str], vulkan_driver: Option<&Path>) -> Result<(), String> {
    let mut all = vec![
        "run",
        "--release",
        "--quiet",
        "--bin",
        "w1w2",
        "--",
        "bench",
        "--json",
    ];
    all.extend_from_slice(args);
    let mut command = shell::cargo_command(&all);
    if let Some(driver) = vulkan_driver {
        command.env("VK_ICD_FILENAMES", driver);
    }
    shell::run(&mut command)
}

/// Every test, in release (the numerical tests train small networks; the wasm test binary in
/// debug is too large for the test runner): the documentation check ([`docs`]), native unit and
/// integration tests (on a CPU with AVX-512 a second time without it, [`portable`]; the fused
/// kernels on the GPU, or on Mesa's lavapipe where there is none), wasm-bindgen tests in headless
/// Chromium, and end-to-end tests of the served page in Chromium and in Firefox.
fn test(args: &[String]) -> Result<(), String> {
    if let Some(extra) = args.first() {
        return Err(format!(
            "cargo xtask test takes no arguments, got '{extra}'"
        ));
    }
    shell::step(&format!(
        "documentation (README.md at most {} lines; every relative link of the Markdown files resolves)",
        docs::README_MAX_LINES
    ));
    docs::check()?;
    shell::step(
        "format, lints and API docs (cargo fmt --check, cargo clippy --all-targets -D warnings, cargo doc -D warnings)",
    );
    shell::cargo(&["fmt", "--all", "--check"])?;
    clippy(None)?;
    api_docs()?;
    data::mnist()?;
    tools::lavapipe()?;
    shell::step("native tests (cargo test --release --workspace; wgpu on the GPU or on lavapipe)");
    let fuzz_files = shell::target_dir().join("e2e").join("fuzz");
    shell::run(
        shell::cargo_command(&["test", "--release", "--workspace"])
            // The fuzz test (tests/model_file_fuzz.rs) leaves a handful of refused files here
            // for the page's test of loading them.
            .env("W1W2_FUZZ_DIR", &fuzz_files),
    )?;
    portable::native_tests_without_avx512()?;

    tools::debian_packages()?;
    wasm::build_page()?;
    browser_tests()?;
    fused_tests_in_firefox()?;
    shell::step("lints of the WebAssembly build (cargo clippy --target wasm32-unknown-unknown)");
    clippy(Some("wasm32-unknown-unknown"))?;

    let e2e = shell::root().join("tests").join("e2e");
    tools::npm_packages(&e2e)?;
    let port = serve::spawn()?;
    shell::step(&format!(
        "end-to-end tests of the page (node --test, Chromium, server on port {port})"
    ));
    shell::run(
        Command::new("node")
            .args([
                "--test",
                "--test-concurrency=1",
                "state.test.mjs",
                "page.test.mjs",
            ])
            .current_dir(&e2e)
            .env("BASE_URL", format!("http://127.0.0.1:{port}/"))
            .env("SCREENSHOT_DIR", shell::target_dir().join("e2e"))
            // Built by the native tests above: a model saved in the page goes on natively.
            .env("W1W2_BIN", shell::target_dir().join("release").join("w1w2"))
            .env("W1W2_FUZZ_DIR", &fuzz_files),
    )?;

    tools::firefox()?;
    shell::step(&format!(
        "end-to-end tests of the page in Firefox (node --test firefox.test.mjs, server on port {port})"
    ));
    shell::run(
        Command::new("node")
            .args(["--test", "--test-concurrency=1", "firefox.test.mjs"])
            .current_dir(&e2e)
            .env("BASE_URL", format!("http://127.0.0.1:{port}/"))
            .env("SCREENSHOT_DIR", shell::target_dir().join("e2e")),
    )
}

/// The fused kernels' comparison with burn's CPU path (tests/web.rs) in headless Firefox, whose
/// WebGPU (wgpu and naga, over lavapipe) compiles the same WGSL as Chromium's Tint does; the
/// capabilities (tests/webdriver-firefox.json) turn WebGPU on and let a software adapter through.
fn fused_tests_in_firefox() -> Result<(), String> {
    tools::firefox()?;
    let geckodriver = tools::geckodriver()?;
    shell::step(
        "the fused kernels against burn's CPU path in Firefox's WebGPU on lavapipe (wasm-pack test --headless --firefox)",
    );
    shell::run(
        Command::new("wasm-pack")
            .args(["test", "--headless", "--firefox", "--geckodriver"])
            .arg(&geckodriver)
            .args(["--release", "--test", "web", "--", "--nocapture"])
            .arg("fused_webgpu_training_matches_the_cpu_backend")
            .current_dir(shell::root())
            .env("CARGO_TARGET_DIR", shell::target_dir())
            .env("WASM_BINDGEN_TEST_TIMEOUT", "900")
            .env(
                "WASM_BINDGEN_TEST_WEBDRIVER_JSON",
                shell::root().join("tests").join("webdriver-firefox.json"),
            ),
    )
}

/// `cargo clippy` on every target of the workspace with warnings denied, for `target` if given.
fn clippy(target: Option<&str>) -> Result<(), String> {
    let mut args = vec!["clippy", "--release", "--workspace", "--all-targets"];
    if let Some(target) = target {
        args.extend(["--target", target]);
    }
    args.extend(["--", "-D", "warnings"]);
    shell::cargo(&args)
}

/// `cargo doc` of the library with rustdoc's warnings denied: a broken intra-doc link, or
/// bracketed maths read as one, fails the run. It reuses clippy's build of the dependencies.
fn api_docs() -> Result<(), String> {
    shell::run(
        shell::cargo_command(&["doc", "--release", "--no-deps", "--lib"])
            .env("RUSTDOCFLAGS", "-D warnings"),
    )
}

/// Chromedriver's words when it gives up on a renderer that does not answer within 30 s.
const RENDERER_TIMEOUT: &str = "Timed out receiving message from renderer";

/// How many times the browser tests run when chromedriver loses the renderer.
const BROWSER_ATTEMPTS: usize = 4;

/// The wasm-bindgen tests in headless Chromium, WebGPU on SwiftShader. They run in a dedicated
/// worker (tests/web.rs) so the renderer's main thread stays free; should chromedriver still give
/// up on the renderer before any test reports, that failure, and no other, is retried.
fn browser_tests() -> Result<(), String> {
    let mut attempt = 1;
    loop {
        shell::step(&format!(
            "browser tests (wasm-pack test --headless --chrome --release), WebGPU on SwiftShader, attempt {attempt}"
        ));
        let output = Command::new("wasm-pack")
            .args([
                "test",
                "--headless",
                "--chrome",
                "--chromedriver",
                "/usr/bin/chromedriver",
            ])
            .args(["--release", "--test", "web", "--", "--nocapture"])
            .current_dir(shell::root())
            .env("CARGO_TARGET_DIR", shell::target_dir())
            .env("WASM_BINDGEN_TEST_TIMEOUT", "900")
            .output()
            .map_err(|e| format!("cannot start wasm-pack: {e}"))?;
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        eprint!("{text}");
        if output.status.success() {
            return Ok(());
        }
        let lost_renderer = text.contains(RENDERER_TIMEOUT) && !text.contains("test result:");
        if !lost_renderer || attempt == BROWSER_ATTEMPTS {
            return Err(format!("the browser tests failed ({})", output.status));
        }
        eprintln!(
            "xtask: chromedriver lost the renderer before the tests reported; running them again"
        );
        attempt += 1;
    }
}
