//! `cargo xtask bench memory`: what strangers can make the server keep. The release server
//! (embedded default) gets 1,000,000 requests that each used to leave something behind: page
//! views with distinct paths (one map entry each, forever) and password-less passkey sign-in
//! starts (a ceremony kept 5 minutes each), from loopback clients with keep-alive. Its RSS
//! (`VmRSS` of `/proc/PID/status`) is read before, every 100,000 requests, and after; each
//! answer's status is counted, since bounds answer some with a refusal by design. Figures go to
//! `bench/results/memory.json`. `WARD_BENCH_REQUESTS` changes the count (e.g. for a quick try).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::Result;
use crate::sh::{cmd, run};

const REQUESTS: u64 = 1_000_000;
const CLIENTS: u64 = 8;
const SAMPLE_EVERY: u64 = 100_000;

pub fn bench() -> Result {
    // A light release build, as `cargo xtask run`: memory is measured, not the last percent.
    run(&mut crate::tools::light(cmd("cargo", &["build", "--release", "--package", "ward-server"])))?;
    crate::bench_auth::on_release_server("memory", |pid, url, _| measure(pid, url))
}

/// `VmRSS` (or another `Vm*` line) of a process, in KB.
pub(crate) fn vm_kb(pid: u32, field: &str) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).map_err(|e| e.to_string())?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| format!("no {field} in /proc/{pid}/status"))
}

/// The two kinds of request, alternating: even numbers are page views, odd ones sign-ins.
fn send(a: &ureq::Agent, url: &str, host: &str, i: u64) -> u16 {
    let res = if i.is_multiple_of(2) {
        // A distinct path each time, as long as a real one may be (the server cut at 200).
        let path = format!("/bench/{i:012}/{}", "p".repeat(150));
        a.post(&format!("{url}/api/analytics/pageview")).send_json(json!({ "path": path }))
    } else {
        // Passkeys need a domain name: the server is asked as `localhost`.
        a.post(&format!("{url}/api/session/passkey/options")).set("Host", host).call()
    };
    match res {
        Ok(r) => {
            let status = r.status();
            let _ = r.into_string();
            status
        }
        Err(ureq::Error::Status(status, r)) => {
            // Read to the end, so the connection is reused.
            let _ = r.into_string();
            status
        }
        Err(ureq::Error::Transport(_)) => 0,
    }
}

fn measure(pid: u32, url: &str) -> Result<serde_json::Value> {
    let total: u64 = match std::env::var("WARD_BENCH_REQUESTS") {
        Ok(v) => v.parse().map_err(|_| format!("WARD_BENCH_REQUESTS={v} is not a number"))?,
        Err(_) => REQUESTS,
    };
    let port = url.rsplit(':').next().unwrap_or_default();
    let host = format!("localhost:{port}");
    let rss_before = vm_kb(pid, "VmRSS")?;
    println!("memory: server RSS {rss_before} KB at start; sending {total} requests from {CLIENTS} clients");

    let next = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (url, host, next, done) = (url.to_string(), host.clone(), next.clone(), done.clone());
            std::thread::spawn(move || {
                let a = ureq::AgentBuilder::new()
                    .timeout(Duration::from_secs(30))
                    .max_idle_connections(1)
                    .build();
                // (kind, status) → count
                let mut counts: BTreeMap<(u64, u16), u64> = BTreeMap::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= total {
                        break counts;
                    }
                    *counts.entry((i % 2, send(&a, &url, &host, i))).or_default() += 1;
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    // RSS samples while the requests go.
    let mut samples = vec![json!({"requests": 0, "rss_kb": rss_before})];
    let mut next_sample = SAMPLE_EVERY.min(total);
    while !workers.iter().all(|w| w.is_finished()) {
        std::thread::sleep(Duration::from_millis(50));
        let n = done.load(Ordering::Relaxed);
        if n >= next_sample && n < total {
            let rss = vm_kb(pid, "VmRSS")?;
            println!("memory: {n} requests, RSS {rss} KB");
            samples.push(json!({"requests": n, "rss_kb": rss}));
            next_sample += SAMPLE_EVERY;
        }
    }
    let mut counts: BTreeMap<(u64, u16), u64> = BTreeMap::new();
    for w in workers {
        for (k, v) in w.join().map_err(|_| "a client thread panicked")? {
            *counts.entry(k).or_default() += v;
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let rss_after = vm_kb(pid, "VmRSS")?;
    let peak = vm_kb(pid, "VmHWM")?;
    samples.push(json!({"requests": total, "rss_kb": rss_after}));
    let statuses = |kind: u64| -> serde_json::Value {
        counts
            .iter()
            .filter(|((k, _), _)| *k == kind)
            .map(|((_, s), n)| (if *s == 0 { "no answer".to_string() } else { s.to_string() }, json!(n)))
            .collect::<serde_json::Map<_, _>>()
            .into()
    };
    let (views, sign_ins) = (statuses(0), statuses(1));
    println!(
        "memory: {total} requests in {seconds:.1} s ({:.0}/s); server RSS {rss_before} KB before, {rss_after} KB after \
         (+{} KB, peak {peak} KB); page views {views}, passkey sign-in starts {sign_ins}",
        total as f64 / seconds,
        rss_after as i64 - rss_before as i64,
    );
    Ok(json!({
        "requests": total,
        "clients": CLIENTS,
        "cores": std::thread::available_parallelism().map_or(1, |n| n.get()),
        "seconds": (seconds * 10.0).round() / 10.0,
        "requests_per_second": (total as f64 / seconds).round(),
        "rss_before_kb": rss_before,
        "rss_after_kb": rss_after,
        "rss_growth_kb": rss_after as i64 - rss_before as i64,
        "rss_peak_kb": peak,
        "rss_samples": samples,
        "statuses": {
            "POST /api/analytics/pageview (distinct paths)": views,
            "POST /api/session/passkey/options": sign_ins,
        },
    }))
}
