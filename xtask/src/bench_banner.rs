//! `cargo xtask bench banner`: Ward's cookie banner against the npm packages
//! `vanilla-cookieconsent` (v3) and `klaro`, on blank pages with the same four categories,
//! in one Chromium run (`bench/banner/run.mjs`). Ward's page goes through the real server
//! (which renders the banner into it); all files are precompressed alike. Figures go to
//! `bench/results/banner.json`.

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use crate::Result;
use crate::sh::{cmd, root, run, target_dir};
use crate::{compress, tools};

/// How many measured loads per banner (the median is reported).
const RUNS: &str = "20";

pub fn bench() -> Result {
    tools::ensure_browser()?;
    tools::ensure_e2e_packages()?;
    let bench = root().join("bench").join("banner");
    let vcc = bench.join("node_modules/vanilla-cookieconsent/dist");
    let klaro = bench.join("node_modules/klaro/dist");
    if !vcc.join("cookieconsent.umd.js").exists() || !klaro.join("klaro.js").exists() {
        // --ignore-scripts: the banners are plain files; nothing needs building.
        let mut c = cmd("npm", &["ci", "--no-audit", "--no-fund", "--ignore-scripts"]);
        c.current_dir(&bench);
        run(&mut c)?;
    }
    run(&mut cmd("cargo", &["build", "--release", "--package", "ward-server"]))?;
    let server = target_dir()?.join("release").join("ward-server");

    let work = std::env::temp_dir().join(format!("ward-bench-banner-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    let dist = work.join("dist");
    std::fs::create_dir_all(&dist).map_err(|e| e.to_string())?;
    let copy = |from: &Path, name: &str| {
        std::fs::copy(from, dist.join(name)).map(drop).map_err(|e| format!("{}: {e}", from.display()))
    };
    for page in ["index.html", "vcc.html", "klaro.html", "vcc-config.js", "klaro-config.js"] {
        copy(&bench.join("pages").join(page), page)?;
    }
    copy(&root().join("style/banner.css"), "banner.css")?;
    copy(&root().join("public/consent.js"), "consent.js")?;
    copy(&vcc.join("cookieconsent.umd.js"), "cookieconsent.umd.js")?;
    copy(&vcc.join("cookieconsent.css"), "cookieconsent.css")?;
    copy(&klaro.join("klaro.js"), "klaro.js")?;
    compress::precompress(&dist)?;

    let mut child = Command::new(&server)
        .args(["--addr", "127.0.0.1:0", "--data-dir"])
        .arg(work.join("data"))
        .arg("--dist-dir")
        .arg(&dist)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("could not start {}: {e}", server.display()))?;
    let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
    let url = loop {
        match lines.next() {
            Some(Ok(line)) => {
                if let Some(url) = line.split("listening on ").nth(1) {
                    break Ok(url.trim().to_string());
                }
            }
            _ => break Err("the server stopped before it was listening".to_string()),
        }
    };
    std::thread::spawn(move || for _ in lines {});
    let measured = url.and_then(|url| {
        let out = Command::new("node")
            .arg(bench.join("run.mjs"))
            .arg(&url)
            .arg(&dist)
            .arg(RUNS)
            .stderr(Stdio::inherit())
            .output()
            .map_err(|e| format!("could not run node: {e}"))?;
        if !out.status.success() {
            return Err("bench/banner/run.mjs failed".into());
        }
        Ok(out.stdout)
    });
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&work);
    let json = measured?;
    let report: serde_json::Value =
        serde_json::from_slice(&json).map_err(|e| format!("run.mjs printed no JSON: {e}"))?;
    for (name, r) in report["results"].as_object().into_iter().flatten() {
        println!(
            "{name:<24} {:>8} ms median (min {}, max {})  {:>8} bytes",
            r["median_ms"], r["min_ms"], r["max_ms"], r["median_bytes"]
        );
    }
    println!("target met: {}", report["target"]);
    let out = root().join("bench").join("results");
    std::fs::create_dir_all(&out).map_err(|e| e.to_string())?;
    let text = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())? + "\n";
    std::fs::write(out.join("banner.json"), text).map_err(|e| e.to_string())?;
    println!("figures written to bench/results/banner.json");
    Ok(())
}
