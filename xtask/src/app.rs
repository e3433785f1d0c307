//! Building the browser app with Trunk into `dist/`, splitting its wasm, then precompressing it.

use std::path::PathBuf;

use crate::Result;
use crate::sh::{cmd, root, run};
use crate::tools::Tools;
use crate::{compress, split};

/// Release build into `<root>/dist`, with `.br`/`.gz` beside each file.
pub fn build_release(tools: &Tools) -> Result<PathBuf> {
    let dist = root().join("dist");
    let mut c = cmd("trunk", &["build", "--release"]);
    tools.apply(&mut c);
    // Trunk finds cargo through PATH; keep its output readable in CI logs.
    c.env("NO_COLOR", "true");
    run(&mut c)?;
    split::split(&dist, tools)?;
    compress::precompress(&dist)?;
    Ok(dist)
}
