//! `cargo xtask test`: every check and every suite; exits non-zero if anything fails.
//!
//! Order: tools → static checks → builds (serial: cargo serialises on the target dir
//! anyway) → the three test suites in parallel (their run time is mostly waiting on
//! browsers and databases) → schema fuzzing (`fuzz.rs`) → one summary line
//! `xtask: N passed, M failed`.

use std::io::{BufRead, BufReader, Read};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use crate::Result;
use crate::sh::{cmd, root, run, target_dir};
use crate::{app, bench, fuzz, tools};

const WASM: &str = "wasm32-unknown-unknown";
pub(crate) const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
/// The privacy staff of the end-to-end server (an email the tests sign up with).
const E2E_PRIVACY_STAFF: &str = "dpo@e2e.example.com";

pub fn test(args: &[String]) -> Result {
    if let Some(a) = args.first() {
        return Err(format!("`cargo xtask test` takes no arguments (got `{a}`)"));
    }
    let started = Instant::now();
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");

    let tools = tools::ensure_build_tools()?;
    tools::ensure_browser()?;
    tools::ensure_e2e_packages()?;
    let schemathesis = tools::ensure_schemathesis()?;
    let pg_url = std::env::var("WARD_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_PG_URL.into());
    let pg = ensure_postgres(&pg_url, ci)?;

    step("format", cmd("cargo", &["fmt", "--all", "--check"]))?;
    step(
        "clippy (native)",
        cmd(
            "cargo",
            &["clippy", "--workspace", "--exclude", "ward", "--all-targets", "--", "-D", "warnings"],
        ),
    )?;
    step(
        "clippy (wasm32)",
        cmd(
            "cargo",
            &[
                "clippy",
                "-p",
                "ward",
                "-p",
                "ward-model",
                "--target",
                WASM,
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ],
        ),
    )?;

    step("build native tests", cmd("cargo", &["test", "--workspace", "--exclude", "ward", "--no-run"]))?;
    // The component tests mount the app without the post-link split: areas as plain calls.
    step(
        "build wasm tests",
        cmd("cargo", &["test", "-p", "ward", "--target", WASM, "--features", "eager", "--no-run"]),
    )?;
    let dist = app::build_release(&tools)?;
    let size = bench::size_report(&dist)?;
    print!("{}", size.text);
    size.check()?;
    step("build server for end-to-end", cmd("cargo", &["build", "-p", "ward-server", "-p", "ward-camera"]))?;
    let server = target_dir()?.join("debug").join("ward-server");

    println!(
        "xtask: API tests run on SQLite and {}",
        if pg { format!("PostgreSQL ({pg_url})") } else { "NOT on PostgreSQL (unreachable; skipped)".into() }
    );
    println!("xtask: running unit + API, wasm (Chromium) and end-to-end (Chromium) suites in parallel");
    let mut native = cmd("cargo", &["test", "--workspace", "--exclude", "ward"]);
    native.env("WARD_TEST_POSTGRES_URL", &pg_url);
    let mut wasm = cmd("cargo", &["test", "-p", "ward", "--target", WASM, "--features", "eager"]);
    tools.apply(&mut wasm);
    wasm.env("WASM_BINDGEN_TEST_TIMEOUT", "120");

    let (fuzz_server, fuzz_dist) = (server.clone(), dist.clone());
    let suites = vec![
        spawn_suite("unit + API (SQLite, PostgreSQL)", move || capture(native)),
        spawn_suite("wasm components (Chromium)", move || capture(wasm)),
        spawn_suite("end-to-end (Chromium)", move || end_to_end(&server, &dist)),
    ];

    let (mut passed, mut failed, mut broken) = (0, 0, Vec::new());
    for (name, handle) in suites {
        let outcome = handle.join().unwrap_or_else(|_| SuiteOutcome::crashed("the suite's thread panicked"));
        println!("\n===== {name} =====\n{}", outcome.log);
        let (p, f) = count(&outcome.log);
        passed += p;
        failed += f;
        println!("----- {name}: {} ({p} passed, {f} failed)", if outcome.ok { "ok" } else { "FAILED" });
        if !outcome.ok {
            broken.push(name);
        }
    }

    // After the parallel suites, not beside them: the fuzzer keeps both cores busy, and
    // the browser suites' timings should not depend on it.
    let name = "schema fuzzing (schemathesis)";
    println!("\nxtask: {name} on SQLite{}", if pg { " and PostgreSQL" } else { "" });
    let fuzzed = fuzz::fuzz(&schemathesis, &fuzz_server, &fuzz_dist, pg.then_some(pg_url.as_str()));
    println!("\n===== {name} =====\n{}", fuzzed.log);
    passed += fuzzed.passed;
    failed += fuzzed.failed;
    println!(
        "----- {name}: {} ({} operations passed, {} failed)",
        if fuzzed.ok { "ok" } else { "FAILED" },
        fuzzed.passed,
        fuzzed.failed
    );
    if !fuzzed.ok {
        broken.push(name);
    }
    println!("\nxtask: finished in {:.0} s", started.elapsed().as_secs_f64());
    if !broken.is_empty() && failed == 0 {
        failed = broken.len();
    }
    println!("xtask: {passed} passed, {failed} failed");
    if broken.is_empty() { Ok(()) } else { Err(format!("failing suites: {}", broken.join(", "))) }
}

/// `cargo xtask openapi`: rewrite server/openapi.json from the code.
pub fn update_openapi() -> Result {
    let mut c = cmd("cargo", &["test", "-p", "ward-server", "--test", "api", "openapi"]);
    c.env("WARD_UPDATE_OPENAPI", "1");
    run(&mut c)
}

fn step(name: &str, mut c: Command) -> Result {
    println!("\nxtask: {name}");
    run(&mut c)
}

struct SuiteOutcome {
    ok: bool,
    log: String,
}

impl SuiteOutcome {
    fn crashed(why: &str) -> Self {
        SuiteOutcome { ok: false, log: why.to_string() }
    }
}

fn spawn_suite(
    name: &'static str,
    f: impl FnOnce() -> SuiteOutcome + Send + 'static,
) -> (&'static str, thread::JoinHandle<SuiteOutcome>) {
    (name, thread::spawn(f))
}

fn capture(mut c: Command) -> SuiteOutcome {
    match c.stdin(Stdio::null()).output() {
        Ok(out) => SuiteOutcome {
            ok: out.status.success(),
            log: String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
        },
        Err(e) => SuiteOutcome::crashed(&format!("could not start {c:?}: {e}")),
    }
}

/// Sums the closing lines of cargo test / wasm-bindgen-test ("test result: ok. 3 passed;
/// 0 failed; …") and node's test runner ("# pass 3" / "# fail 0").
fn count(log: &str) -> (usize, usize) {
    let num = |s: &str| {
        s.trim().split(|c: char| !c.is_ascii_digit()).next().and_then(|n| n.parse().ok()).unwrap_or(0)
    };
    let (mut p, mut f) = (0, 0);
    for line in log.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("test result: ") {
            for part in rest.split(';') {
                let part = part.trim().trim_start_matches("ok.").trim_start_matches("FAILED.").trim();
                if let Some(n) = part.strip_suffix(" passed") {
                    p += num(n);
                } else if let Some(n) = part.strip_suffix(" failed") {
                    f += num(n);
                }
            }
        } else if let Some(n) = line.strip_prefix("# pass ") {
            p += num(n);
        } else if let Some(n) = line.strip_prefix("# fail ") {
            f += num(n);
        }
    }
    (p, f)
}

/// True when PostgreSQL answers at `url`; starts the local cluster if it is installed but
/// stopped. Under CI an unreachable PostgreSQL is an error, not a skip.
fn ensure_postgres(url: &str, ci: bool) -> Result<bool> {
    let addr =
        pg_addr(url).ok_or_else(|| format!("WARD_TEST_POSTGRES_URL is not a postgres:// URL: {url}"))?;
    if reachable(&addr) {
        return Ok(true);
    }
    if let Ok(entries) = std::fs::read_dir("/etc/postgresql") {
        for version in entries.flatten() {
            let v = version.file_name().to_string_lossy().into_owned();
            println!("xtask: starting the local PostgreSQL {v} cluster");
            let _ = run(&mut cmd("pg_ctlcluster", &["--skip-systemctl-redirect", &v, "main", "start"]));
        }
        if reachable(&addr) {
            return Ok(true);
        }
    }
    if ci {
        return Err(format!(
            "PostgreSQL is unreachable at {url}: under CI the PostgreSQL API tests must run \
             (install it with `apt-get install -y postgresql` or set WARD_TEST_POSTGRES_URL)"
        ));
    }
    println!("xtask: WARNING: PostgreSQL unreachable at {url}; its API tests will be skipped");
    Ok(false)
}

fn pg_addr(url: &str) -> Option<String> {
    let rest = url.strip_prefix("postgres://").or_else(|| url.strip_prefix("postgresql://"))?;
    let host_part = rest.split('/').next()?;
    let host_port = host_part.rsplit('@').next()?;
    Some(if host_port.contains(':') { host_port.to_string() } else { format!("{host_port}:5432") })
}

fn reachable(addr: &str) -> bool {
    addr.to_socket_addrs()
        .map(|mut a| a.any(|sa| TcpStream::connect_timeout(&sa, Duration::from_secs(2)).is_ok()))
        .unwrap_or(false)
}

/// Starts the real server on a free loopback port with a fresh data dir, runs the
/// end-to-end suite against it, then stops it with SIGTERM and expects a clean exit.
fn end_to_end(server: &Path, dist: &Path) -> SuiteOutcome {
    let data = std::env::temp_dir().join(format!("ward-e2e-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let mut log = String::new();
    // The e2e camera's factory record must exist before the server imports manifests at start.
    let camera = server.with_file_name("ward-camera");
    // Four cameras: one for the devices test (which kills it), one for the live view test,
    // one whose QR label the scanner test shows to Chromium's fake webcam, and one that
    // words.test.mjs claims and names for the staff person's "My data".
    let camera_state = data.join("cameras").join("e2e.json");
    let live_camera_state = data.join("cameras").join("live.json");
    let scan_camera_state = data.join("cameras").join("scan.json");
    let scan_camera_qr = data.join("cameras").join("scan-qr.png");
    let words_camera_state = data.join("cameras").join("words.json");
    for state in [&camera_state, &live_camera_state, &scan_camera_state, &words_camera_state] {
        let mut init = Command::new(&camera);
        init.arg("--state").arg(state).arg("--manifest").arg(data.join("factory").join("e2e.jsonl"));
        if state == &scan_camera_state {
            init.arg("--qr").arg(&scan_camera_qr);
        }
        let provisioned = init.arg("--init-only").stdout(Stdio::null()).status();
        if !provisioned.is_ok_and(|s| s.success()) {
            return SuiteOutcome::crashed(&format!("could not provision a camera with {}", camera.display()));
        }
    }
    let spawned = Command::new(server)
        .args(["--addr", "127.0.0.1:0", "--data-dir"])
        .arg(&data)
        .arg("--dist-dir")
        .arg(dist)
        // The tests read mailed codes from the developer mailbox.
        .arg("--dev-pages")
        .env("RUST_LOG", "warn")
        // The privacy e2e tests publish policies and send marketing mail as this person.
        .env("WARD_PRIVACY_STAFF", E2E_PRIVACY_STAFF)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match spawned {
        Ok(c) => c,
        Err(e) => return SuiteOutcome::crashed(&format!("could not start {}: {e}", server.display())),
    };
    let (tx, rx) = mpsc::channel();
    let stdout = child.stdout.take().expect("piped");
    let reader = thread::spawn(move || {
        let mut lines = Vec::new();
        for line in BufReader::new(stdout).lines().map_while(std::result::Result::ok) {
            if let Some(url) = line.split("listening on ").nth(1) {
                let _ = tx.send(url.trim().to_string());
            }
            lines.push(line);
        }
        lines.join("\n")
    });
    let mut stderr = child.stderr.take().expect("piped");
    let err_reader = thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });

    let mut ok = false;
    match rx.recv_timeout(Duration::from_secs(30)) {
        Ok(url) => {
            let mut node = cmd("node", &["--test", "--test-concurrency=1", "tests/"]);
            node.current_dir(root().join("e2e"))
                .env("WARD_URL", &url)
                .env("WARD_E2E_SHOTS", shots_dir())
                .env("WARD_CAMERA_BIN", &camera)
                .env("WARD_CAMERA_STATE", &camera_state)
                .env("WARD_LIVE_CAMERA_STATE", &live_camera_state)
                .env("WARD_SCAN_CAMERA_STATE", &scan_camera_state)
                .env("WARD_SCAN_CAMERA_QR", &scan_camera_qr)
                .env("WARD_WORDS_CAMERA_STATE", &words_camera_state);
            // Where the server's stores are, for tests that tamper with them from outside.
            node.env("WARD_E2E_DATA_DIR", &data).env("WARD_E2E_PRIVACY_STAFF", E2E_PRIVACY_STAFF);
            let outcome = capture(node);
            ok = outcome.ok;
            log.push_str(&outcome.log);
        }
        Err(_) => log.push_str("the server did not say it was listening within 30 s\n"),
    }

    // Graceful shutdown is part of the contract: SIGTERM must end the server cleanly.
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break Some(s),
            _ if Instant::now() > deadline => {
                let _ = child.kill();
                break None;
            }
            _ => thread::sleep(Duration::from_millis(50)),
        }
    };
    match status {
        Some(s) if s.success() => log.push_str("\nserver stopped cleanly on SIGTERM\n"),
        Some(s) => {
            ok = false;
            log.push_str(&format!("\nserver exited with {s} on SIGTERM\n"));
        }
        None => {
            ok = false;
            log.push_str("\nserver did not stop within 10 s of SIGTERM\n");
        }
    }
    let server_out = reader.join().unwrap_or_default();
    let server_err = err_reader.join().unwrap_or_default();
    if !ok {
        log.push_str(&format!(
            "\n--- server stdout ---\n{server_out}\n--- server stderr ---\n{server_err}\n"
        ));
    }
    let _ = std::fs::remove_dir_all(&data);
    SuiteOutcome { ok, log }
}

/// Screenshots of every page the end-to-end suite visits, for people to look at.
fn shots_dir() -> PathBuf {
    target_dir().unwrap_or_else(|_| root().join("target")).join("e2e-screenshots")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cargo_and_node_closing_lines_are_counted() {
        let log = "test result: ok. 12 passed; 0 failed; 1 ignored; 0 measured\n\
                   test result: FAILED. 3 passed; 2 failed; 0 ignored\n# pass 7\n# fail 1\n";
        assert_eq!(count(log), (22, 3));
    }

    #[test]
    fn the_postgres_address_is_read_from_the_url() {
        assert_eq!(pg_addr("postgres://postgres@127.0.0.1:5432/postgres").as_deref(), Some("127.0.0.1:5432"));
        assert_eq!(pg_addr("postgresql://u:p@db/x").as_deref(), Some("db:5432"));
        assert_eq!(pg_addr("mysql://x"), None);
    }
}
