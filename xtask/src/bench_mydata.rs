//! `cargo xtask bench mydata`: how fast "My data" answers for a person with a long history.
//! A release server on fresh data; one person with a camera (claimed and named through the
//! API, from a factory manifest written before start) and 10,000 alarm events written into
//! the region store from outside (the `sqlite3` shell: a camera may send 60 a minute); then
//! `GET /api/privacy/my-data` back to back on loopback. Figures go to
//! `bench/results/mydata.json`; the target is p95 under 200 ms.

use std::path::Path;
use std::time::Instant;

use serde_json::json;

use crate::Result;
use crate::bench_auth::{on_prepared_release_server, percentile};
use crate::bench_person::{CAMERA, Person, insert_events, prepare};
use crate::sh::{cmd, run as sh_run};

const EVENTS: usize = 10_000;
const WARM_UP: usize = 20;
const REQUESTS: usize = 300;
const P95_TARGET_MS: f64 = 200.0;

pub fn bench() -> Result {
    sh_run(&mut crate::tools::light(cmd("cargo", &["build", "--release", "--package", "ward-server"])))?;
    on_prepared_release_server("mydata", prepare, |_, url, data| measure(url, data))
}

fn measure(url: &str, data: &Path) -> Result<serde_json::Value> {
    let person = Person::sign_up_and_in(url, data)?;
    let id = person.claim_camera()?;
    insert_events(data, &id, EVENTS)?;

    let mut lat = Vec::with_capacity(REQUESTS);
    let mut bytes = 0;
    for n in 0..WARM_UP + REQUESTS {
        let t = Instant::now();
        let body = person
            .send("GET", "/api/privacy/my-data")
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
