//! `cargo xtask run | test | bench size|auth|banner|devices|export|live|memory|mydata|nav|seo | install | build | openapi`
//!
//! The README's two commands land here. Every step says what it does before it does it,
//! and the process exits non-zero on the first failure.

mod app;
mod bench;
mod bench_auth;
mod bench_banner;
mod bench_export;
mod bench_live;
mod bench_memory;
mod bench_mydata;
mod bench_nav;
mod bench_person;
mod bench_requests;
mod bench_seo;
mod compress;
mod fuzz;
mod run;
mod sh;
mod split;
mod test;
mod tools;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  run [--addr ADDR] [--data-dir DIR]   install what is missing, build, start the portal
                                       (env WARD_ADDR, WARD_DATA_DIR; default 127.0.0.1:8080, ./data)
  test                                 every check and test suite; non-zero exit on any failure
  bench size                           bytes (raw, gzip, brotli) the browser downloads for the first page
  bench auth                           sign-ins/s and latency at 32 clients; /api/health p99 during the storm
  bench banner                         Ward's cookie banner vs vanilla-cookieconsent and klaro: bytes and time to clickable
  bench export                         Download my data, for 10,000 events and 1,000 pictures: time, size, peak RSS, API p99
  bench devices                        10,000 devices, 1,000,000 events: API latency, list in Chromium, purge, 1,000 agents
  bench live                           live view: first frame, glass-to-glass latency, freezes, agent CPU, vs Chromium baseline
  bench memory                         server RSS before and after 1,000,000 page views and passkey sign-in starts
  bench mydata                         My data, for a person with 10,000 alarm events: p50/p95 of the API's answer
  bench requests                       the staff's queue over 100,000 rights requests in 4 regions: p50/p99 per filter
  bench seo                            Lighthouse SEO of the public pages (target 100) and an account page (kept out)
  bench nav                            /, /signin, /devices, /account/privacy: navigation to content visible, fresh contexts
  install                              only install the tools (idempotent)
  build                                only build the browser app into dist/ (release, precompressed)
  openapi                              rewrite server/openapi.json from the code
  fuzz                                 only the schemathesis sweep of the API (SQLite and PostgreSQL)
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => run::run(&args[1..]),
        Some("test") => test::test(&args[1..]),
        Some("bench") => bench::bench(&args[1..]),
        Some("install") => tools::ensure_build_tools().map(|_| ()),
        Some("build") => tools::ensure_build_tools().and_then(|t| app::build_release(&t).map(|_| ())),
        Some("openapi") => test::update_openapi(),
        Some("fuzz") => fuzz::fuzz_command(&args[1..]),
        Some("-h" | "--help" | "help") => {
            print!("{USAGE}");
            Ok(())
        }
        other => Err(match other {
            Some(c) => format!("unknown command `{c}`\n\n{USAGE}"),
            None => USAGE.to_string(),
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("\nxtask: error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Result of an xtask step; the error is a sentence for the person at the terminal.
pub type Result<T = ()> = std::result::Result<T, String>;
