//! `cargo xtask bench size`: what the browser downloads for the first page, in bytes.

use std::fmt::Write as _;
use std::path::Path;

use crate::Result;
use crate::compress::{brotli, gzip, originals};
use crate::sh::root;
use crate::{app, tools};

/// The shell's budget: everything for the first page, brotli-compressed.
pub const SHELL_BROTLI_BUDGET: usize = 400 * 1024;

pub fn bench(args: &[String]) -> Result {
    match args.first().map(String::as_str) {
        Some("size") => {
            let tools = tools::ensure_build_tools()?;
            let dist = app::build_release(&tools)?;
            let report = size_report(&dist)?;
            print!("{}", report.text);
            let out = root().join("bench").join("results");
            std::fs::create_dir_all(&out).map_err(|e| e.to_string())?;
            std::fs::write(out.join("size.json"), &report.json).map_err(|e| e.to_string())?;
            println!("figures written to bench/results/size.json");
            report.check()
        }
        Some("auth") => crate::bench_auth::bench(),
        Some("banner") => crate::bench_banner::bench(),
        // The real server and 1,000 real agents in one release process (server/examples),
        // serving the built app to Chromium for the page timing.
        Some("devices") => {
            let dist = app_for_chromium()?;
            let mut c = crate::sh::cmd(
                "cargo",
                &["run", "--release", "-p", "ward-server", "--example", "bench_devices"],
            );
            c.env("WARD_DIST_DIR", &dist);
            crate::sh::run(&mut c)
        }
        Some("live") => crate::bench_live::bench(),
        _ => Err("usage: cargo xtask bench size|auth|banner|devices|live".into()),
    }
}

/// What a bench that drives Chromium against the real app needs: the tools, Chromium, the
/// e2e npm packages, and the release build of the app (its dist dir).
pub fn app_for_chromium() -> Result<std::path::PathBuf> {
    let build = tools::ensure_build_tools()?;
    tools::ensure_browser()?;
    tools::ensure_e2e_packages()?;
    app::build_release(&build)
}

pub struct SizeReport {
    pub text: String,
    pub json: String,
    pub brotli_total: usize,
}

impl SizeReport {
    pub fn check(&self) -> Result {
        if self.brotli_total > SHELL_BROTLI_BUDGET {
            return Err(format!(
                "the first page weighs {} bytes brotli, over the budget of {SHELL_BROTLI_BUDGET}",
                self.brotli_total
            ));
        }
        Ok(())
    }
}

/// Files only some pages fetch, when they need them: the label scanner's QR worker.
/// Reported, but not part of the first page.
const ON_DEMAND: &[&str] = &["ward-qr"];

/// Every file of the built app that the first page loads (all of dist/ except robots.txt,
/// which browsers never fetch for a page, and the on-demand files, listed apart).
pub fn size_report(dist: &Path) -> Result<SizeReport> {
    let mut rows = Vec::new();
    let mut on_demand = Vec::new();
    for p in originals(dist)? {
        let name = p.strip_prefix(dist).map_err(|e| e.to_string())?.to_string_lossy().into_owned();
        if name == "robots.txt" {
            continue;
        }
        let data = std::fs::read(&p).map_err(|e| e.to_string())?;
        let row = (name, data.len(), gzip(&data).len(), brotli(&data).len());
        if ON_DEMAND.iter().any(|prefix| row.0.starts_with(prefix)) {
            on_demand.push(row);
        } else {
            rows.push(row);
        }
    }
    let (mut raw, mut gz, mut br) = (0, 0, 0);
    let mut text = format!("{:<44} {:>10} {:>10} {:>10}\n", "file", "raw", "gzip", "brotli");
    let mut files = Vec::new();
    for (name, r, g, b) in &rows {
        let _ = writeln!(text, "{name:<44} {r:>10} {g:>10} {b:>10}");
        files.push(serde_json::json!({"file": name, "raw": r, "gzip": g, "brotli": b}));
        raw += r;
        gz += g;
        br += b;
    }
    let _ = writeln!(text, "{:<44} {raw:>10} {gz:>10} {br:>10}", "total");
    let _ = writeln!(
        text,
        "first page: {:.1} KB brotli of a {:.0} KB budget",
        br as f64 / 1024.0,
        SHELL_BROTLI_BUDGET as f64 / 1024.0
    );
    let mut later = Vec::new();
    for (name, r, g, b) in &on_demand {
        let _ = writeln!(text, "on demand: {name:<33} {r:>10} {g:>10} {b:>10}");
        later.push(serde_json::json!({"file": name, "raw": r, "gzip": g, "brotli": b}));
    }
    let json = serde_json::to_string_pretty(&serde_json::json!({
        "files": files,
        "total": {"raw": raw, "gzip": gz, "brotli": br},
        "on_demand": later,
        "budget_brotli": SHELL_BROTLI_BUDGET,
    }))
    .map_err(|e| e.to_string())?
        + "\n";
    Ok(SizeReport { text, json, brotli_total: br })
}
