//! The native tests once more on the instruction path of a CPU without AVX-512.
//!
//! gemm, burn-flex's SIMD kernels and std pick their instructions by CPUID, so the same seed
//! rounds differently with and without AVX-512, and a learning test's figure moves with it. On a
//! machine with AVX-512 the tests run a second time with `without_avx512.c` preloaded, which
//! hides those CPUID bits: the run then takes the AVX2 kernels a machine without AVX-512 takes
//! (it reproduces such a machine's figures digit for digit).

use std::path::PathBuf;
use std::process::Command;

use crate::shell::{self, step};
use crate::tools;

/// The subcommand, run with the library preloaded, that prints whether AVX-512 is visible.
pub const PROBE: &str = "avx512-visible";

/// Whether this process sees AVX-512 (the xtask binary, run with [`PROBE`]).
pub fn avx512_visible() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512f")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Runs every native test again with AVX-512 hidden, where this CPU has it and the kernel can
/// hide it; says why not otherwise.
pub fn native_tests_without_avx512() -> Result<(), String> {
    if !avx512_visible() {
        step("this CPU has no AVX-512: the native tests above ran on the path without it");
        return Ok(());
    }
    let library = build_library()?;
    let probe = Command::new(std::env::current_exe().map_err(|e| e.to_string())?)
        .arg(PROBE)
        .env("LD_PRELOAD", &library)
        .output()
        .map_err(|e| format!("cannot run the AVX-512 probe: {e}"))?;
    if !probe.status.success() {
        step(&format!(
            "skipped: the native tests without AVX-512 ({})",
            String::from_utf8_lossy(&probe.stderr).trim()
        ));
        return Ok(());
    }
    if String::from_utf8_lossy(&probe.stdout).trim() != "false" {
        return Err(format!("{} did not hide AVX-512", library.display()));
    }
    step("native tests again with AVX-512 hidden (the kernels of a CPU without it)");
    let runner = format!("env LD_PRELOAD={}", library.display());
    shell::run(
        Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["test", "--release", "--workspace"])
            .current_dir(shell::root())
            .env("CARGO_TARGET_DIR", shell::target_dir())
            .env("CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUNNER", runner),
    )
}

/// Compiles `without_avx512.c` into the target directory (Debian's gcc if there is no `cc`).
fn build_library() -> Result<PathBuf, String> {
    tools::c_compiler()?;
    let source = shell::root()
        .join("xtask")
        .join("src")
        .join("without_avx512.c");
    let library = shell::target_dir().join("without_avx512.so");
    std::fs::create_dir_all(shell::target_dir()).map_err(|e| e.to_string())?;
    shell::run(
        Command::new("cc")
            .args([
                "-shared", "-fPIC", "-O2", "-Wall", "-Wextra", "-Werror", "-o",
            ])
            .arg(&library)
            .arg(&source),
    )?;
    Ok(library)
}
