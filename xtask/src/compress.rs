//! Precompression of the built app: `x.br` and `x.gz` beside each `x`, served by the
//! server when the browser accepts them. The size bench reads the same numbers.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::Result;

/// Files worth compressing (images like PNG are already compressed).
fn compressible(p: &Path) -> bool {
    matches!(
        p.extension().and_then(|e| e.to_str()),
        Some("html" | "js" | "mjs" | "wasm" | "css" | "svg" | "txt" | "json" | "map")
    )
}

pub fn brotli(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut w = brotli::CompressorWriter::new(&mut out, 64 * 1024, 11, 22);
        w.write_all(data).expect("writing to a Vec cannot fail");
    }
    out
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut w = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    w.write_all(data).expect("writing to a Vec cannot fail");
    w.finish().expect("writing to a Vec cannot fail")
}

/// The files of `dir` (recursively) that are not themselves precompressed copies.
pub fn originals(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).map_err(|e| format!("{}: {e}", d.display()))? {
            let p = entry.map_err(|e| e.to_string())?.path();
            if p.is_dir() {
                stack.push(p);
            } else if !matches!(p.extension().and_then(|e| e.to_str()), Some("br" | "gz")) {
                found.push(p);
            }
        }
    }
    found.sort();
    Ok(found)
}

/// Writes `.br` and `.gz` beside every compressible file of `dir`.
pub fn precompress(dir: &Path) -> Result {
    for p in originals(dir)?.into_iter().filter(|p| compressible(p)) {
        let data = std::fs::read(&p).map_err(|e| format!("{}: {e}", p.display()))?;
        for (ext, bytes) in [("br", brotli(&data)), ("gz", gzip(&data))] {
            let mut name = p.clone().into_os_string();
            name.push(".");
            name.push(ext);
            std::fs::write(&name, bytes).map_err(|e| format!("{}: {e}", p.display()))?;
        }
    }
    Ok(())
}
