//! Building the browser app with Trunk into `dist/`, then precompressing it.

use std::path::PathBuf;

use crate::Result;
use crate::compress;
use crate::sh::{cmd, root, run};
use crate::tools::Tools;

/// Release build into `<root>/dist`, with `.br`/`.gz` beside each file.
pub fn build_release(tools: &Tools) -> Result<PathBuf> {
    let dist = root().join("dist");
    let mut c = cmd("trunk", &["build", "--release"]);
    tools.apply(&mut c);
    // Trunk finds cargo through PATH; keep its output readable in CI logs.
    c.env("NO_COLOR", "true");
    run(&mut c)?;
    compress::precompress(&dist)?;
    Ok(dist)
}
