//! `cargo xtask bench live`: the live view against a Chromium-to-Chromium loopback baseline,
//! in one Chromium run (`e2e/bench/live.mjs`): click to first decoded frame, glass-to-glass
//! latency from the burned-in capture time, freezes over 30 s, the agent's CPU per viewer.
//! Figures go to `bench/results/live.json`.

use crate::Result;
use crate::sh::{cmd, root, run, target_dir};

pub fn bench() -> Result {
    let dist = crate::bench::app_for_chromium()?;
    // Release: the agent's encoder speed is part of what is measured (Cargo.toml gives the
    // camera's crates opt-level 3 even though the release profile is tuned for the wasm size).
    run(&mut cmd("cargo", &["build", "--release", "--package", "ward-server", "--package", "ward-camera"]))?;
    let bin = target_dir()?.join("release");
    let out = root().join("bench").join("results");
    std::fs::create_dir_all(&out).map_err(|e| e.to_string())?;
    let mut node = cmd("node", &["bench/live.mjs"]);
    node.current_dir(root().join("e2e"))
        .env("WARD_SERVER_BIN", bin.join("ward-server"))
        .env("WARD_CAMERA_BIN", bin.join("ward-camera"))
        .env("WARD_DIST_DIR", &dist)
        .env("WARD_BENCH_OUT", out.join("live.json"));
    run(&mut node)?;
    println!("figures written to bench/results/live.json");
    Ok(())
}
