//! Schema-driven fuzzing (issue 13's sweep): schemathesis generates requests from the served
//! `/api/openapi.json` and sends them, with a signed-in session, to the real server (the
//! debug build the end-to-end suite uses) on SQLite and on a fresh PostgreSQL database. It
//! fails on any 5xx and on any answer the document does not describe (status code, content
//! type, body schema). Bounded: a fixed seed, a number of examples per operation and a time
//! budget per backend. `cargo xtask fuzz` runs it alone.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::Result;
use crate::sh::{cmd, probe, run, target_dir};
use crate::tools;

/// The same requests on every run (CI can reproduce what it found).
const SEED: &str = "1313";
/// Examples per operation and phase; with the examples and coverage phases this makes
/// well over 1,000 requests per backend.
const MAX_EXAMPLES: &str = "12";
/// The time budget per backend, in seconds: the run stops there, passed or not.
const MAX_TIME: &str = "60";
/// Answers that are not described in the document, bodies that do not match their schema,
/// and any 5xx.
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,\
                      response_schema_conformance,unsupported_method";
/// Operations that end the fuzzer's own session: everything after would only test 401
/// (the stateful phase finds the current session's id in the sessions list).
const EXCLUDED_OPERATIONS: [&str; 3] = ["sign_out", "delete_account", "end_session"];
/// Schemathesis has no serializer for the live view's SDP offer: it is text.
const HOOKS: &str =
    "import schemathesis\n\nschemathesis.serializer.alias(\"application/sdp\", \"text/plain\")\n";
const PASSWORD: &str = "fuzzing is fun 2026";

/// What one run found, for the summary of `cargo xtask test`.
pub struct Outcome {
    pub ok: bool,
    pub log: String,
    /// API operations that passed and failed, summed over the backends.
    pub passed: usize,
    pub failed: usize,
}

/// `cargo xtask fuzz`: build the server and fuzz it alone.
pub fn fuzz_command(args: &[String]) -> Result {
    if let Some(a) = args.first() {
        return Err(format!("`cargo xtask fuzz` takes no arguments (got `{a}`)"));
    }
    let st = tools::ensure_schemathesis()?;
    run(&mut cmd("cargo", &["build", "-p", "ward-server"]))?;
    let server = target_dir()?.join("debug").join("ward-server");
    let dist = std::env::temp_dir().join(format!("ward-fuzz-dist-{}", std::process::id()));
    std::fs::create_dir_all(&dist).map_err(|e| e.to_string())?;
    std::fs::write(dist.join("index.html"), "<!DOCTYPE html><title>Ward</title>\n")
        .map_err(|e| e.to_string())?;
    let pg = std::env::var("WARD_TEST_POSTGRES_URL").unwrap_or_else(|_| crate::test::DEFAULT_PG_URL.into());
    let outcome = fuzz(&st, &server, &dist, Some(&pg));
    let _ = std::fs::remove_dir_all(&dist);
    println!("{}", outcome.log);
    println!("xtask: fuzzing: {} operations passed, {} failed", outcome.passed, outcome.failed);
    if outcome.ok { Ok(()) } else { Err("schemathesis found answers the document does not describe".into()) }
}

/// Fuzzes the server binary on SQLite and, when `pg_admin` is given, on a fresh PostgreSQL
/// database made for the run (dropped after it).
pub fn fuzz(st: &Path, server: &Path, dist: &Path, pg_admin: Option<&str>) -> Outcome {
    let mut outcome = Outcome { ok: true, log: String::new(), passed: 0, failed: 0 };
    let mut backends: Vec<(&str, Option<&str>)> = vec![("SQLite", None)];
    if let Some(admin) = pg_admin {
        backends.push(("PostgreSQL", Some(admin)));
    }
    for (name, admin) in backends {
        let started = Instant::now();
        let result = fuzz_one(st, server, dist, name, admin);
        let secs = started.elapsed().as_secs_f64();
        match result {
            Ok(run) => {
                outcome.ok &= run.ok;
                outcome.passed += run.passed;
                outcome.failed += run.failed;
                outcome.log.push_str(&format!(
                    "===== schemathesis on {name}: {} ({} operations passed, {} failed; {secs:.0} s) =====\n{}\n",
                    if run.ok { "ok" } else { "FAILED" },
                    run.passed,
                    run.failed,
                    run.log
                ));
            }
            Err(e) => {
                outcome.ok = false;
                outcome.failed += 1;
                outcome.log.push_str(&format!("===== schemathesis on {name}: could not run: {e}\n"));
            }
        }
    }
    outcome
}

fn fuzz_one(st: &Path, server: &Path, dist: &Path, name: &str, pg_admin: Option<&str>) -> Result<Outcome> {
    let tag = format!("{}_{}", std::process::id(), name.to_lowercase());
    let data = std::env::temp_dir().join(format!("ward-fuzz-{tag}"));
    let _ = std::fs::remove_dir_all(&data);
    let database = match pg_admin {
        Some(admin) => Some(Database::create(admin, &format!("ward_fuzz_{tag}"))?),
        None => None,
    };
    let mut running = Running::start(server, &data, dist, database.as_ref().map(|d| d.url.as_str()))?;
    let result = signed_in(&running.url).and_then(|(cookie, csrf)| {
        let report = data.join("junit.xml");
        std::fs::write(data.join("ward_fuzz_hooks.py"), HOOKS).map_err(|e| e.to_string())?;
        let mut c = Command::new(st);
        // Its own cache (`.schemathesis/`) lands in the run's folder, not in the checkout.
        c.current_dir(&data).env("PYTHONPATH", &data).env("SCHEMATHESIS_HOOKS", "ward_fuzz_hooks");
        c.arg("run")
            .arg(format!("{}/api/openapi.json", running.url))
            .args([
                "--checks",
                CHECKS,
                "--seed",
                SEED,
                "--max-examples",
                MAX_EXAMPLES,
                "--max-time",
                MAX_TIME,
            ])
            .args(["--workers", "2", "--request-timeout", "10", "--no-color", "--output-truncate", "true"])
            .args(["--generation-database", "none", "--suppress-health-check", "all"])
            .args(["--report", "junit", "--report-junit-path"])
            .arg(&report)
            .args(["-H", &format!("Cookie: {cookie}"), "-H", &format!("X-CSRF-Token: {csrf}")]);
        for op in EXCLUDED_OPERATIONS {
            c.args(["--exclude-operation-id", op]);
        }
        let out =
            c.stdin(Stdio::null()).output().map_err(|e| format!("could not start {}: {e}", st.display()))?;
        let log = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
        let junit = std::fs::read_to_string(&report).unwrap_or_default();
        let (passed, failed) = junit_counts(&junit);
        let ok = out.status.success() && failed == 0 && passed > 0;
        Ok(Outcome { ok, log, passed, failed })
    });
    let stopped = running.stop();
    let _ = std::fs::remove_dir_all(&data);
    if let Some(db) = database {
        db.drop_all();
    }
    let mut outcome = result?;
    if let Err(e) = stopped {
        outcome.ok = false;
        outcome.log.push_str(&format!("\n{e}\n--- server stderr ---\n{}", running.stderr()));
    } else if !outcome.ok {
        outcome.log.push_str(&format!("\n--- server stderr ---\n{}", running.stderr()));
    }
    Ok(outcome)
}

/// Operations (JUnit test cases) that passed and failed.
fn junit_counts(xml: &str) -> (usize, usize) {
    let (mut passed, mut failed) = (0, 0);
    for case in xml.split("<testcase ").skip(1) {
        let body = case.split("</testcase>").next().unwrap_or(case);
        if body.contains("<failure") || body.contains("<error") {
            failed += 1;
        } else {
            passed += 1;
        }
    }
    (passed, failed)
}

/// A fresh person, signed in: (`Cookie` value, CSRF token). The code comes from the
/// developer mailbox (`--dev-pages`), as in the end-to-end suite.
fn signed_in(url: &str) -> Result<(String, String)> {
    let fail = |what: &str, e: ureq::Error| format!("{what}: {e}");
    let rules: Value = ureq::get(&format!("{url}/api/signup"))
        .call()
        .map_err(|e| fail("GET /api/signup", e))?
        .into_json()
        .map_err(|e| e.to_string())?;
    let email = "fuzzer@example.com";
    ureq::post(&format!("{url}/api/signup"))
        .send_json(json!({
            "name": "Fuzz Tester", "email": email, "phone": "+44 20 7946 0958", "password": PASSWORD,
            "region": "eu", "birth_date": "1990-04-25", "accepted_policy": rules["policy_version"],
        }))
        .map_err(|e| fail("sign-up", e))?;
    let mails: Vec<Value> = ureq::get(&format!("{url}/api/dev/mailbox"))
        .call()
        .map_err(|e| fail("the developer mailbox", e))?
        .into_json()
        .map_err(|e| e.to_string())?;
    let text = mails
        .iter()
        .find(|m| m["to"] == email)
        .and_then(|m| m["text"].as_str())
        .ok_or("no sign-up code was mailed")?;
    let code: String =
        text.split("Your code: ").nth(1).ok_or("the mail has no code")?.chars().take(6).collect();
    ureq::post(&format!("{url}/api/signup/verify"))
        .send_json(json!({"email": email, "code": code, "password": PASSWORD}))
        .map_err(|e| fail("verification", e))?;
    let res = ureq::post(&format!("{url}/api/session"))
        .send_json(json!({"email": email, "password": PASSWORD}))
        .map_err(|e| fail("sign-in", e))?;
    let cookie = res
        .header("set-cookie")
        .and_then(|c| c.split(';').next())
        .ok_or("the sign-in set no cookie")?
        .to_string();
    let info: Value = res.into_json().map_err(|e| e.to_string())?;
    let csrf = info["csrf_token"].as_str().ok_or("the sign-in answered no CSRF token")?.to_string();
    Ok((cookie, csrf))
}

/// The server binary on a free loopback port with `--dev-pages`.
struct Running {
    child: Child,
    url: String,
    stderr: Option<thread::JoinHandle<String>>,
}

impl Running {
    fn start(server: &Path, data: &Path, dist: &Path, database: Option<&str>) -> Result<Running> {
        let mut c = Command::new(server);
        c.args(["--addr", "127.0.0.1:0", "--dev-pages", "--data-dir"]).arg(data).arg("--dist-dir").arg(dist);
        if let Some(url) = database {
            c.arg("--database-url").arg(url);
        }
        let mut child = c
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("could not start {}: {e}", server.display()))?;
        let (tx, rx) = mpsc::channel();
        let stdout = child.stdout.take().expect("piped");
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(std::result::Result::ok) {
                if let Some(url) = line.split("listening on ").nth(1) {
                    let _ = tx.send(url.trim().to_string());
                }
            }
        });
        let mut err = child.stderr.take().expect("piped");
        let stderr = Some(thread::spawn(move || {
            let mut s = String::new();
            let _ = err.read_to_string(&mut s);
            s
        }));
        let mut running = Running { child, url: String::new(), stderr };
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(url) => {
                running.url = url;
                Ok(running)
            }
            Err(_) => {
                let _ = running.child.kill();
                let _ = running.child.wait();
                Err(format!("the server did not say it was listening within 60 s:\n{}", running.stderr()))
            }
        }
    }

    /// SIGTERM, and a clean exit within 10 s.
    fn stop(&mut self) -> Result {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match self.child.try_wait() {
                Ok(Some(s)) if s.success() => return Ok(()),
                Ok(Some(s)) => return Err(format!("the server exited with {s} on SIGTERM")),
                _ if Instant::now() > deadline => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    return Err("the server did not stop within 10 s of SIGTERM".into());
                }
                _ => thread::sleep(Duration::from_millis(50)),
            }
        }
    }

    /// What the server logged (after it stopped).
    fn stderr(&mut self) -> String {
        self.stderr.take().and_then(|h| h.join().ok()).unwrap_or_default()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A PostgreSQL database for one run, made and dropped with `psql`.
struct Database {
    admin: String,
    name: String,
    url: String,
}

impl Database {
    fn create(admin: &str, name: &str) -> Result<Database> {
        let db = Database { admin: admin.into(), name: name.into(), url: with_database(admin, name) };
        db.drop_all();
        psql(admin, &format!("CREATE DATABASE \"{name}\""))?;
        Ok(db)
    }

    /// The run's database and the region databases the server made beside it (`<name>_<region>`).
    fn drop_all(&self) {
        let listed = probe(&mut cmd(
            "psql",
            &[
                &self.admin,
                "-XAtc",
                &format!("SELECT datname FROM pg_database WHERE datname LIKE '{}%'", self.name),
            ],
        ))
        .unwrap_or_default();
        for name in listed.lines().map(str::trim).filter(|n| !n.is_empty()) {
            let _ = psql(&self.admin, &format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
        }
    }
}

fn psql(admin: &str, sql: &str) -> Result {
    probe(&mut cmd("psql", &[admin, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql]))
        .map(|_| ())
        .ok_or_else(|| format!("psql could not run `{sql}` at {admin}"))
}

/// The same URL naming another database: `postgres://u@h:5432/postgres?x=y` -> `.../name?x=y`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let authority_end = base[scheme_end..].find('/').map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{name}", &base[..authority_end]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn junit_cases_are_counted_by_outcome() {
        let xml = r#"<testsuites><testsuite name="schemathesis" tests="3">
            <testcase name="GET /api/health" time="0.1"></testcase>
            <testcase name="POST /api/session" time="0.2"><failure type="failure" message="x">y</failure></testcase>
            <testcase name="GET /api/devices" time="0.1"/>
            </testsuite></testsuites>"#;
        assert_eq!(junit_counts(xml), (2, 1));
    }

    #[test]
    fn the_database_is_swapped_in_the_url() {
        assert_eq!(with_database("postgres://p@h:5432/postgres", "t"), "postgres://p@h:5432/t");
        assert_eq!(
            with_database("postgres://p@h/x?sslmode=disable", "t"),
            "postgres://p@h/t?sslmode=disable"
        );
    }
}
