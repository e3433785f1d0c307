//! `cargo xtask bench seo`: Lighthouse's SEO audit of the public pages (target 100 each) and
//! of an account page (which must not be crawlable), against the release build in Chromium.
//! Lighthouse is installed once into the tools folder (a pinned version), not into e2e/: only
//! this bench needs it, and every CI run would pay its install. Figures go to
//! `bench/results/seo.json`.

use crate::Result;
use crate::sh::{cmd, root, run, target_dir};

const LIGHTHOUSE_VERSION: &str = "12.8.2";

pub fn bench() -> Result {
    let dist = crate::bench::app_for_chromium()?;
    run(&mut crate::tools::light(cmd("cargo", &["build", "--release", "--package", "ward-server"])))?;
    let lighthouse = crate::tools::tools_dir().join(format!("lighthouse-{LIGHTHOUSE_VERSION}"));
    let installed = lighthouse.join("node_modules").join("lighthouse").join("package.json");
    let pinned = format!("\"version\": \"{LIGHTHOUSE_VERSION}\"");
    if !std::fs::read_to_string(&installed).is_ok_and(|p| p.contains(&pinned)) {
        crate::tools::npm_install(&lighthouse, &[&format!("lighthouse@{LIGHTHOUSE_VERSION}")])?;
    }
    let out = root().join("bench").join("results");
    std::fs::create_dir_all(&out).map_err(|e| e.to_string())?;
    let mut node = cmd("node", &["bench/seo.mjs"]);
    node.current_dir(root().join("e2e"))
        .env("WARD_SERVER_BIN", target_dir()?.join("release").join("ward-server"))
        .env("WARD_DIST_DIR", &dist)
        .env("WARD_LIGHTHOUSE_DIR", &lighthouse)
        .env("WARD_BENCH_OUT", out.join("seo.json"));
    run(&mut node)?;
    println!("figures written to bench/results/seo.json");
    Ok(())
}
