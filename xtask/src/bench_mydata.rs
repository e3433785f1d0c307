//! `cargo xtask bench mydata`: how fast "My data" answers for a person with a long history.
//! A release server on fresh data; one person with a camera (claimed and named through the
//! API, from a factory manifest written before start) and 10,000 alarm events written into
//! the region store from outside (the `sqlite3` shell: a camera may send 60 a minute); then
//! `GET /api/privacy/my-data` back to back on loopback. Figures go to
//! `bench/results/mydata.json`; the target is p95 under 200 ms.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::Result;
use crate::bench_auth::{PASSWORD, on_prepared_release_server, percentile, sign_up};
use crate::sh::{cmd, run as sh_run};

const EVENTS: usize = 10_000;
const WARM_UP: usize = 20;
const REQUESTS: usize = 300;
const P95_TARGET_MS: f64 = 200.0;
const SERIAL: &str = "WC0000000042";
const CODE: &str = "BENCHX";
const CAMERA: &str = "Front door";

pub fn bench() -> Result {
    crate::tools::ensure_sqlite3()?;
    sh_run(&mut cmd("cargo", &["build", "--release", "--package", "ward-server"]))?;
    on_prepared_release_server("mydata", prepare, |_, url, data| measure(url, data))
}

/// The factory's manifest of the one camera, read by the server at start.
fn prepare(data: &Path) -> Result {
    let dir = data.join("factory");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let line = json!({"serial": SERIAL, "model": "WardCam Bench", "code": CODE, "secret": "b".repeat(64)});
    std::fs::write(dir.join("bench.jsonl"), format!("{line}\n")).map_err(|e| e.to_string())
}

fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new().timeout(Duration::from_secs(30)).build()
}

fn measure(url: &str, data: &Path) -> Result<serde_json::Value> {
    sign_up(url, data)?;
    let a = agent();
    let res = a
        .post(&format!("{url}/api/session"))
        .send_json(json!({"email": "bench@example.com", "password": PASSWORD}))
        .map_err(|e| format!("sign-in failed: {e}"))?;
    let cookie = res
        .all("set-cookie")
        .into_iter()
        .find(|c| c.starts_with("ward_session="))
        .and_then(|c| c.split(';').next())
        .ok_or("no session cookie")?
        .to_string();
    let session: serde_json::Value = res.into_json().map_err(|e| e.to_string())?;
    let csrf = session["csrf_token"].as_str().ok_or("no CSRF token")?.to_string();
    let send = |method: &str, path: &str| {
        a.request(method, &format!("{url}{path}")).set("cookie", &cookie).set("x-csrf-token", &csrf)
    };
    let device: serde_json::Value = send("POST", "/api/devices")
        .send_json(json!({"serial": SERIAL, "code": CODE}))
        .map_err(|e| format!("claiming the camera failed: {e}"))?
        .into_json()
        .map_err(|e| e.to_string())?;
    let id = device["id"].as_str().ok_or("no device id")?;
    send("PATCH", &format!("/api/devices/{id}"))
        .send_json(json!({"name": CAMERA}))
        .map_err(|e| format!("naming the camera failed: {e}"))?;

    // 10,000 events over the last 6.9 days (inside the 7-day retention), one a minute.
    let now =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_err(|e| e.to_string())?;
    let sql = format!(
        "PRAGMA busy_timeout = 10000; \
         WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < {EVENTS}) \
         INSERT INTO alarm_events (id, device_id, owner_id, kind, at, picture_key, thumbnail_key) \
         SELECT 'bench' || i, d.id, d.owner_id, 'motion', {} - i * 59, 'bench/p' || i, 'bench/t' || i \
         FROM n, devices d WHERE d.id = '{id}';",
        now.as_secs(),
    );
    let mut c = cmd("sqlite3", &[]);
    c.arg(data.join("region-eu.sqlite")).arg(sql);
    sh_run(&mut c)?;

    let mut lat = Vec::with_capacity(REQUESTS);
    let mut bytes = 0;
    for n in 0..WARM_UP + REQUESTS {
        let t = Instant::now();
        let body = send("GET", "/api/privacy/my-data")
            .call()
            .map_err(|e| format!("GET my data failed: {e}"))?
            .into_string()
            .map_err(|e| e.to_string())?;
        let took = t.elapsed().as_secs_f64() * 1000.0;
        if n == 0 {
            let d: serde_json::Value = serde_json::from_str(&body).map_err(|e| e.to_string())?;
            let alarms = d["categories"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|c| c["holdings"].as_array().into_iter().flatten())
                .find(|h| h["table"] == "alarm_events")
                .ok_or("no alarms in my data")?;
            if alarms["items"] != EVENTS || !body.contains(CAMERA) {
                return Err(format!("my data does not show the bench's data: {}", alarms["items"]));
            }
            bytes = body.len();
        }
        if n >= WARM_UP {
            lat.push(took);
        }
    }
    lat.sort_by(f64::total_cmp);
    let p95 = percentile(&lat, 0.95);
    println!(
        "GET /api/privacy/my-data with {EVENTS} alarm events: p50 {:.1} ms, p95 {p95:.1} ms, p99 {:.1} ms, \
         max {:.1} ms over {REQUESTS} requests ({bytes} bytes; target p95 < {P95_TARGET_MS} ms)",
        percentile(&lat, 0.5),
        percentile(&lat, 0.99),
        lat.last().copied().unwrap_or(f64::NAN),
    );
    Ok(json!({
        "alarm_events": EVENTS,
        "requests": REQUESTS,
        "cores": std::thread::available_parallelism().map_or(1, |n| n.get()),
        "answer_bytes": bytes,
        "my_data_ms": {"p50": percentile(&lat, 0.5), "p95": p95, "p99": percentile(&lat, 0.99), "max": lat.last()},
        "p95_target_ms": P95_TARGET_MS,
        "p95_met": p95 < P95_TARGET_MS,
    }))
}
