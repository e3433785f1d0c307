//! `cargo xtask bench size`: what the browser downloads for the first page, in bytes.

use std::fmt::Write as _;
use std::path::Path;

use crate::Result;
use crate::compress::{brotli, gzip, originals};
use crate::sh::root;
use crate::{app, tools};

/// The shell's budget: everything for the first page, brotli-compressed.
pub const SHELL_BROTLI_BUDGET: usize = 380 * 1024;

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
        // The real server and 1,000 real agents in one release process (server/examples).
        Some("devices") => crate::sh::run(&mut crate::sh::cmd(
            "cargo",
            &["run", "--release", "-p", "ward-server", "--example", "bench_devices"],
        )),
        _ => Err("usage: cargo xtask bench size|auth|banner|devices".into()),
    }
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

/// Every file of the built app that the first page loads (all of dist/ except robots.txt,
/// which browsers never fetch for a page).
pub fn size_report(dist: &Path) -> Result<SizeReport> {
    let mut rows = Vec::new();
    for p in originals(dist)? {
        let name = p.strip_prefix(dist).map_err(|e| e.to_string())?.to_string_lossy().into_owned();
        if name == "robots.txt" {
            continue;
        }
        let data = std::fs::read(&p).map_err(|e| e.to_string())?;
        rows.push((name, data.len(), gzip(&data).len(), brotli(&data).len()));
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
    let json = serde_json::to_string_pretty(&serde_json::json!({
        "files": files,
        "total": {"raw": raw, "gzip": gz, "brotli": br},
        "budget_brotli": SHELL_BROTLI_BUDGET,
    }))
    .map_err(|e| e.to_string())?
        + "\n";
    Ok(SizeReport { text, json, brotli_total: br })
}
