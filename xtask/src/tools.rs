//! Installing what a fresh machine lacks, from crates.io, Debian's packages and npm only, and
//! saying so. Nothing here downloads a tool's own binaries.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::shell::{self, run, step};

/// The wasm32 target of the installed toolchain.
pub fn wasm_target() -> Result<(), String> {
    let installed =
        output(Command::new("rustup").args(["target", "list", "--installed"])).unwrap_or_default();
    if installed
        .lines()
        .any(|l| l.trim() == "wasm32-unknown-unknown")
    {
        return Ok(());
    }
    step("installing the wasm32-unknown-unknown target (rustup)");
    run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))
}

/// wasm-bindgen-cli at exactly the version in Cargo.lock, and wasm-pack, from crates.io.
pub fn wasm_tools() -> Result<(), String> {
    let version = locked_version("wasm-bindgen")?;
    cargo_tool("wasm-bindgen", "wasm-bindgen-cli", Some(&version))?;
    cargo_tool("wasm-pack", "wasm-pack", None)
}

/// Debian's chromium and chromium-driver (the same version). Not Debian's binaryen: its
/// wasm-opt (108) breaks wasm-bindgen's output; the page's module goes through npm's binaryen
/// 132 instead (src/wasm.rs), and Cargo.toml turns off wasm-pack's own, which would download it.
pub fn debian_packages() -> Result<(), String> {
    let wanted = [
        ("/usr/bin/chromium", "chromium"),
        ("/usr/bin/chromedriver", "chromium-driver"),
    ];
    let missing: Vec<&str> = wanted
        .iter()
        .filter(|(path, _)| !Path::new(path).exists())
        .map(|(_, package)| *package)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    apt_install(&missing)
}

/// Debian's firefox-esr, the second browser of the page's end-to-end tests (driven over WebDriver
/// BiDi by npm's puppeteer-core, which downloads no browser).
pub fn firefox() -> Result<(), String> {
    if Path::new("/usr/bin/firefox-esr").exists() {
        return Ok(());
    }
    apt_install(&["firefox-esr"])
}

/// The geckodriver version that drives Firefox for the wasm-bindgen tests there.
const GECKODRIVER_VERSION: &str = "0.37.1";

/// Mozilla's geckodriver from crates.io (wasm-pack would download its binary), for the
/// wasm-bindgen tests in Firefox; returns its path.
pub fn geckodriver() -> Result<PathBuf, String> {
    cargo_tool("geckodriver", "geckodriver", Some(GECKODRIVER_VERSION))?;
    let paths = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&paths)
        .map(|dir| dir.join("geckodriver"))
        .find(|path| path.is_file())
        .ok_or_else(|| "geckodriver was installed but is not on PATH".to_string())
}

/// The Vulkan driver file of the SwiftShader that Debian's chromium ships, the adapter the page's
/// WebGPU gets in headless Chromium: wgpu run with `VK_ICD_FILENAMES` set to it uses the same
/// shader compiler without the browser in between.
pub fn swiftshader_driver() -> Result<PathBuf, String> {
    debian_packages()?;
    let driver = PathBuf::from("/usr/lib/chromium/vk_swiftshader_icd.json");
    match driver.exists() {
        true => Ok(driver),
        false => Err(format!(
            "chromium is installed but {} is not",
            driver.display()
        )),
    }
}

/// A C compiler (`cc`), from Debian's gcc when there is none.
pub fn c_compiler() -> Result<(), String> {
    if output(Command::new("cc").arg("--version")).is_some() {
        return Ok(());
    }
    apt_install(&["gcc"])
}

/// Debian's nodejs and npm, unless a `node` and an `npm` are already on the PATH.
pub fn node() -> Result<(), String> {
    let missing: Vec<&str> = [("node", "nodejs"), ("npm", "npm")]
        .iter()
        .filter(|(binary, _)| output(Command::new(binary).arg("--version")).is_none())
        .map(|(_, package)| *package)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    apt_install(&missing)
}

/// Mesa's lavapipe (Debian's mesa-vulkan-drivers), a Vulkan driver that runs on the CPU: on a
/// machine without a GPU, the native tests of the fused kernels (tests/fused.rs) run on it.
pub fn lavapipe() -> Result<(), String> {
    let drivers = Path::new("/usr/share/vulkan/icd.d");
    let installed = std::fs::read_dir(drivers).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("lvp_icd"))
    });
    if installed {
        return Ok(());
    }
    apt_install(&["mesa-vulkan-drivers"])
}

/// `apt-get install` of `packages` (through sudo unless root).
fn apt_install(packages: &[&str]) -> Result<(), String> {
    step(&format!(
        "installing Debian packages: {}",
        packages.join(" ")
    ));
    let sudo = output(Command::new("id").arg("-u"))
        .map(|uid| uid.trim() != "0")
        .unwrap_or(true);
    let apt = |args: &[&str]| {
        let mut command = if sudo {
            Command::new("sudo")
        } else {
            Command::new("apt-get")
        };
        if sudo {
            command.arg("apt-get");
        }
        command.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        run(&mut command)
    };
    apt(&["update", "-qq"])?;
    let mut args = vec!["install", "-y", "-qq", "--no-install-recommends"];
    args.extend(packages);
    apt(&args)
}

/// The npm packages of `dir` (its package-lock.json), when node_modules is missing or stale.
pub fn npm_packages(dir: &Path) -> Result<(), String> {
    let installed = dir.join("node_modules").join(".package-lock.json");
    let lock = dir.join("package-lock.json");
    let fresh = match (
        installed.metadata().and_then(|m| m.modified()),
        lock.metadata().and_then(|m| m.modified()),
    ) {
        (Ok(installed), Ok(lock)) => installed >= lock,
        _ => false,
    };
    if fresh {
        return Ok(());
    }
    step(&format!("installing npm packages in {}", dir.display()));
    run(Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(dir))
}

/// Installs `krate` with cargo when `binary --version` does not report `version` (any, if None).
fn cargo_tool(binary: &str, krate: &str, version: Option<&str>) -> Result<(), String> {
    let reported = output(Command::new(binary).arg("--version"));
    let ok = match (&reported, version) {
        (Some(text), Some(v)) => text.split_whitespace().any(|word| word == v),
        (Some(_), None) => true,
        (None, _) => false,
    };
    if ok {
        return Ok(());
    }
    let shown = version.map_or(krate.to_string(), |v| format!("{krate} {v}"));
    step(&format!(
        "installing {shown} from crates.io (a few minutes, once)"
    ));
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    // Not --locked: a crate's own lockfile can pin a version the registry has since yanked
    // (wasm-bindgen-cli 0.2.130's pins webpki-roots 1.0.11).
    command.args(["install", krate]);
    if let Some(v) = version {
        command.args(["--version", v]);
    }
    run(&mut command)
}

/// The version of `package` in the workspace's Cargo.lock.
fn locked_version(package: &str) -> Result<String, String> {
    let lock = std::fs::read_to_string(shell::root().join("Cargo.lock"))
        .map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == format!("name = \"{package}\"")
            && let Some(version) = lines.next().and_then(|l| l.strip_prefix("version = \""))
        {
            return Ok(version.trim_end_matches('"').to_string());
        }
    }
    Err(format!("{package} is not in Cargo.lock"))
}

/// A command's standard output, if it ran and succeeded.
fn output(command: &mut Command) -> Option<String> {
    let out = command.output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}
