//! Running commands: print them, run them, turn failures into sentences.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::Result;

/// The workspace root (xtask lives one level below it).
///
/// Read from the environment `cargo run` sets, not baked in at compile time: with a target
/// dir shared between checkouts (CI caches one), a binary built in one clone can be judged
/// fresh and run from another, and must act on the checkout it was run from.
pub fn root() -> PathBuf {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    manifest_dir.parent().map(Path::to_path_buf).unwrap_or(manifest_dir)
}

pub fn cmd(program: &str, args: &[&str]) -> Command {
    let mut c = Command::new(program);
    c.args(args).current_dir(root());
    c
}

fn describe(c: &Command) -> String {
    let mut s = c.get_program().to_string_lossy().into_owned();
    for a in c.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}

/// Runs with inherited output; fails on non-zero exit.
pub fn run(c: &mut Command) -> Result {
    let what = describe(c);
    println!("$ {what}");
    let status = c.status().map_err(|e| format!("could not start `{what}`: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("`{what}` failed ({status})")) }
}

/// Runs quietly and returns stdout, or None when the program is missing or fails.
pub fn probe(c: &mut Command) -> Option<String> {
    let out: Output = c.stdin(Stdio::null()).stderr(Stdio::null()).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The cargo target directory in use (honours CARGO_TARGET_DIR and config).
pub fn target_dir() -> Result<PathBuf> {
    let out = probe(&mut cmd("cargo", &["metadata", "--format-version", "1", "--no-deps"]))
        .ok_or("`cargo metadata` failed")?;
    let v: serde_json::Value = serde_json::from_str(&out).map_err(|e| e.to_string())?;
    v["target_directory"]
        .as_str()
        .map(PathBuf::from)
        .ok_or_else(|| "cargo metadata has no target_directory".to_string())
}
