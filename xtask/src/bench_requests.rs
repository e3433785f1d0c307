//! `cargo xtask bench requests`: the privacy staff's queue over 100,000 rights requests in four
//! region stores. A release server on fresh data; one person per region (signed up through
//! the API; the first is privacy staff); their requests written into the region stores from
//! outside (the `sqlite3` shell: a person may have only 20 open at once), spread over kinds,
//! statuses and filing times; then `GET /api/staff/requests` back to back on loopback, as the
//! console asks for it: the first page by due date, and with each filter; then the hourly
//! reminder job over them, as a second server on the same data runs it at start (every
//! request due within 3 days or overdue is one mail to the staff, to the outbox). Figures go
//! to `bench/results/requests.json`; the target is p99 under 50 ms.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::Result;
use crate::bench_auth::{PASSWORD, on_configured_release_server, percentile};
use crate::bench_person::Person;
use crate::sh::{cmd, run as sh_run};

const REGIONS: [&str; 4] = ["eu", "us", "cn", "sg"];
const PER_REGION: usize = 25_000;
const WARM_UP: usize = 10;
const REQUESTS: usize = 200;
const P99_TARGET_MS: f64 = 50.0;
/// The bench's person (`bench_person`), made privacy staff.
const STAFF: &str = "bench@example.com";
/// What the console asks for: the first page, and each filter.
const QUERIES: [&str; 5] =
    ["", "?status=open", "?kind=erasure&region=eu", "?overdue=true", "?region=cn&status=extended"];

pub fn bench() -> Result {
    sh_run(&mut crate::tools::light(cmd("cargo", &["build", "--release", "--package", "ward-server"])))?;
    on_configured_release_server(
        "requests",
        &[("WARD_PRIVACY_STAFF", STAFF)],
        |_| Ok(()),
        |_, url, data| measure(url, data),
    )
}

/// Signs up `email` in `region` (verified by the code mailed to the outbox); answers their id.
fn person_in(url: &str, data: &Path, email: &str, region: &str) -> Result<String> {
    let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(60)).build();
    let rules: serde_json::Value = agent
        .get(&format!("{url}/api/signup"))
        .call()
        .map_err(|e| e.to_string())?
        .into_json()
        .map_err(|e| e.to_string())?;
    agent
        .post(&format!("{url}/api/signup"))
        .send_json(json!({
            "name": "Bench Person", "email": email, "phone": "+44 20 7946 0958", "password": PASSWORD,
            "region": region, "birth_date": "1980-01-01", "accepted_policy": rules["policy_version"],
        }))
        .map_err(|e| format!("sign-up of {email} failed: {e}"))?;
    let code = code_for(&data.join("outbox"), email)?;
    agent
        .post(&format!("{url}/api/signup/verify"))
        .send_json(json!({"email": email, "code": code, "password": PASSWORD}))
        .map_err(|e| format!("verification of {email} failed: {e}"))?;
    let session: serde_json::Value = agent
        .post(&format!("{url}/api/session"))
        .send_json(json!({"email": email, "password": PASSWORD}))
        .map_err(|e| format!("sign-in of {email} failed: {e}"))?
        .into_json()
        .map_err(|e| e.to_string())?;
    Ok(session["account"]["id"].as_str().ok_or("no account id")?.to_string())
}

/// The code in the outbox's mail to `email`.
fn code_for(outbox: &Path, email: &str) -> Result<String> {
    for entry in std::fs::read_dir(outbox).map_err(|e| e.to_string())? {
        let text = std::fs::read_to_string(entry.map_err(|e| e.to_string())?.path()).unwrap_or_default();
        if let (true, Some(at)) = (text.contains(email), text.find("Your code: ")) {
            return Ok(text[at + 11..at + 17].to_string());
        }
    }
    Err(format!("no code for {email} in the outbox"))
}

/// `PER_REGION` requests of `person` in the region's store: kinds in turn, 40 % open, 10 %
/// extended, the rest closed; filed one every 150 s back from now (43 days), due 30 days
/// after filing (so the oldest open ones, about a third, are overdue).
fn insert_requests(data: &Path, region: &str, person: &str, now: u64) -> Result {
    let sql = format!(
        "PRAGMA busy_timeout = 10000; \
         WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < {PER_REGION}) \
         INSERT INTO rights_requests (id, person_id, kind, status, details_ct, filed_at, due_at, closed_at) \
         SELECT 'bench-{region}-' || i, '{person}', \
           CASE i % 8 WHEN 0 THEN 'access' WHEN 1 THEN 'rectification' WHEN 2 THEN 'erasure' \
             WHEN 3 THEN 'restriction' WHEN 4 THEN 'objection' WHEN 5 THEN 'explanation' \
             WHEN 6 THEN 'withdrawal' ELSE 'complaint' END, \
           CASE i % 10 WHEN 0 THEN 'open' WHEN 1 THEN 'open' WHEN 2 THEN 'open' WHEN 3 THEN 'open' \
             WHEN 4 THEN 'extended' WHEN 5 THEN 'fulfilled' WHEN 6 THEN 'fulfilled' \
             WHEN 7 THEN 'fulfilled' WHEN 8 THEN 'refused' ELSE 'withdrawn' END, \
           x'00', {now} - i * 150, {now} - i * 150 + 30 * 86400, NULL FROM n;"
    );
    let mut c = cmd("sqlite3", &[]);
    c.arg(data.join(format!("region-{region}.sqlite"))).arg(sql);
    sh_run(&mut c)
}

/// The reminder job over the bench's requests, as after a restart: a second server on the
/// same data runs it at start; answers `(sent, milliseconds)` from its log line (waits for
/// that line, or fails when the server stops without it).
fn reminder_run(data: &Path) -> Result<(u64, u64)> {
    let bin = crate::sh::target_dir()?.join("release").join("ward-server");
    let mut child = std::process::Command::new(&bin)
        .env("WARD_PRIVACY_STAFF", STAFF)
        .env("RUST_LOG", "ward_server::requests=info")
        .args(["--addr", "127.0.0.1:0", "--data-dir"])
        .arg(data)
        .arg("--dist-dir")
        .arg(data.join("no-dist"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not start a second server: {e}"))?;
    let stderr = child.stderr.take().expect("piped");
    let found = std::io::BufRead::lines(std::io::BufReader::new(stderr))
        .map_while(std::result::Result::ok)
        .find(|l| l.contains("rights request reminders"));
    let _ = std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let _ = child.wait();
    let line = found.ok_or("the second server stopped before its reminder job logged a run")?;
    let field = |name: &str| -> Result<u64> {
        line.split(&format!("{name}="))
            .nth(1)
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| format!("no {name} in the reminder job's line: {line}"))
    };
    Ok((field("sent")?, field("elapsed_ms")?))
}

fn measure(url: &str, data: &Path) -> Result<serde_json::Value> {
    crate::tools::ensure_sqlite3()?;
    let staff = Person::sign_up_and_in(url, data)?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|e| e.to_string())?
        .as_secs();
    for region in REGIONS {
        let id = person_in(url, data, &format!("person-{region}@example.com"), region)?;
        insert_requests(data, region, &id, now)?;
    }
    let first = staff.get_json("/api/staff/requests")?;
    let c = &first["counts"];
    let total: u64 =
        ["open", "extended", "fulfilled", "refused", "withdrawn"].iter().filter_map(|k| c[k].as_u64()).sum();
    if total != (REGIONS.len() * PER_REGION) as u64 || first["items"].as_array().map_or(0, Vec::len) != 50 {
        return Err(format!("the queue does not see the bench's requests: {c}"));
    }
    let mut queries = serde_json::Map::new();
    let mut worst = 0.0_f64;
    for q in QUERIES {
        let path = format!("/api/staff/requests{q}");
        let mut lat = Vec::with_capacity(REQUESTS);
        for n in 0..WARM_UP + REQUESTS {
            let t = Instant::now();
            staff
                .send("GET", &path)
                .call()
                .map_err(|e| format!("GET {path} failed: {e}"))?
                .into_string()
                .map_err(|e| e.to_string())?;
            if n >= WARM_UP {
                lat.push(t.elapsed().as_secs_f64() * 1000.0);
            }
        }
        lat.sort_by(f64::total_cmp);
        let p99 = percentile(&lat, 0.99);
        worst = worst.max(p99);
        println!(
            "GET {path}: p50 {:.1} ms, p99 {p99:.1} ms, max {:.1} ms over {REQUESTS} requests",
            percentile(&lat, 0.5),
            lat.last().copied().unwrap_or(f64::NAN)
        );
        queries.insert(
            if q.is_empty() { "first page".into() } else { q.to_string() },
            json!({"p50": percentile(&lat, 0.5), "p99": p99, "max": lat.last()}),
        );
    }
    println!(
        "the queue over {} requests: worst p99 {worst:.1} ms (target < {P99_TARGET_MS} ms)",
        REGIONS.len() * PER_REGION
    );
    let (sent, reminder_ms) = reminder_run(data)?;
    println!("the reminder job over them: {sent} reminders mailed in {reminder_ms} ms");
    Ok(json!({
        "reminder_job": {"sent": sent, "ms": reminder_ms},
        "requests_stored": REGIONS.len() * PER_REGION,
        "regions": REGIONS,
        "requests": REQUESTS,
        "cores": std::thread::available_parallelism().map_or(1, |n| n.get()),
        "queue_ms": queries,
        "p99_target_ms": P99_TARGET_MS,
        "p99_met": worst < P99_TARGET_MS,
    }))
}
