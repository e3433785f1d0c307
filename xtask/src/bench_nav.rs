//! `cargo xtask bench nav`: navigation start to main content visible in Chromium, fresh
//! context each try, for `/`, `/signin`, `/devices` and `/account/privacy`: the main module
//! and, for an area's page, its chunk. Figures go to `bench/results/nav.json`.

use crate::Result;
use crate::sh::{cmd, root, run, target_dir};

pub fn bench() -> Result {
    let dist = crate::bench::app_for_chromium()?;
    // The same light release build as `cargo xtask run`: the page timing is measured, not
    // the server's last percent.
    run(&mut crate::tools::light(cmd("cargo", &["build", "--release", "--package", "ward-server"])))?;
    let out = root().join("bench").join("results");
    std::fs::create_dir_all(&out).map_err(|e| e.to_string())?;
    let mut node = cmd("node", &["bench/nav.mjs"]);
    node.current_dir(root().join("e2e"))
        .env("WARD_SERVER_BIN", target_dir()?.join("release").join("ward-server"))
        .env("WARD_DIST_DIR", &dist)
        .env("WARD_BENCH_OUT", out.join("nav.json"));
    run(&mut node)?;
    println!("figures written to bench/results/nav.json");
    Ok(())
}
