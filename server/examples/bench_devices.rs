//! `cargo xtask bench devices` runs this (release): the real server in-process on SQLite,
//! 10,000 devices and 1,000,000 alarm events of one owner, then
//! - `GET /api/devices` latency (p50/p99) over pages, with and without a status filter;
//! - the retention purge of 1,000,000 expired events and `GET /api/devices` p99 meanwhile;
//! - 1,000 real agents (`ward-camera`, in-process) connected: heartbeats handled, RSS;
//! - with `WARD_DIST_DIR` (the built app; xtask sets it): the time from navigation to the
//!   devices list visible in Chromium (`e2e/bench/devices-list.mjs`).
//!
//! Figures go to `bench/results/devices.json`. Measures only; asserts nothing.

use std::time::{Duration, Instant};

use serde_json::json;
use ward_camera::{Agent, Config as CameraConfig, Identity};
use ward_server::devices::{self, FactoryLine};
use ward_server::store::DeviceRow;
use ward_server::{Config, Server};

const DEVICES: usize = 10_000;
const EVENTS: usize = 1_000_000;
const AGENTS: usize = 1_000;

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn rss_mb() -> f64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        .unwrap_or(0.0)
        / 1024.0
}

async fn timed_gets(c: &reqwest::Client, url: &str, paths: &[String]) -> Vec<f64> {
    let mut out = Vec::with_capacity(paths.len());
    for p in paths {
        let t = Instant::now();
        let r = c.get(format!("{url}{p}")).send().await.unwrap();
        assert!(r.status().is_success(), "{p}: {}", r.status());
        let _ = r.bytes().await.unwrap();
        out.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    out
}

/// Runs `e2e/bench/devices-list.mjs` against the running server; answers its JSON line.
async fn browser_list_timing(url: &str, email: &str, password: &str) -> anyhow::Result<serde_json::Value> {
    let e2e = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../e2e");
    let mut node = std::process::Command::new("node");
    node.arg("bench/devices-list.mjs")
        .current_dir(e2e)
        .env("WARD_URL", url)
        .env("WARD_BENCH_EMAIL", email)
        .env("WARD_BENCH_PASSWORD", password);
    // Off the runtime's workers: the server in this process must keep answering Chromium.
    let out = tokio::task::spawn_blocking(move || node.output()).await??;
    anyhow::ensure!(out.status.success(), "devices-list.mjs: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    Ok(serde_json::from_str(text.lines().last().unwrap_or("null"))?)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let dist = std::env::var_os("WARD_DIST_DIR").map(std::path::PathBuf::from);
    let mut config =
        Config::new(dir.path().join("data"), dist.clone().unwrap_or_else(|| dir.path().join("dist")));
    config.addr = "127.0.0.1:0".parse()?;
    let server = Server::bind(&config).await?;
    let url = format!("http://{}", server.local_addr());
    let state = server.state().clone();
    tokio::spawn(server.serve(std::future::pending()));
    let c = reqwest::Client::builder().cookie_store(true).build()?;

    // One owner, signed in.
    let email = "bench@example.com";
    let rules: serde_json::Value = c.get(format!("{url}/api/signup")).send().await?.json().await?;
    c.post(format!("{url}/api/signup"))
        .json(&json!({"name": "Bench", "email": email, "phone": "+44 20 7946 0958", "password": "correct horse battery",
            "region": "eu", "birth_date": "1980-01-01", "accepted_policy": rules["policy_version"]}))
        .send()
        .await?;
    let outbox = state.auth.mailer.outbox().unwrap().to_path_buf();
    let mail = ward_server::mail::read_outbox(&outbox, 10).await?;
    let text = &mail[0].text;
    let at = text.find("Your code: ").unwrap() + 11;
    c.post(format!("{url}/api/signup/verify"))
        .json(&json!({"email": email, "code": &text[at..at + 6], "password": "correct horse battery"}))
        .send()
        .await?;
    let info: serde_json::Value = c
        .post(format!("{url}/api/session"))
        .json(&json!({"email": email, "password": "correct horse battery"}))
        .send()
        .await?
        .json()
        .await?;
    let owner = info["account"]["id"].as_str().unwrap().to_string();
    let db = state.stores.region(ward_model::Region::Eu).await?.clone();
    let key = state.person_key(&owner).await.map_err(|e| anyhow::anyhow!("{e}"))?.unwrap();

    // Seed: 10,000 devices (a third online), 1,000,000 events spread over them, all older
    // than 7 days (so the purge deletes every one).
    let t = Instant::now();
    let now = ward_server::auth::session::now();
    let mut ids = Vec::with_capacity(DEVICES);
    for i in 0..DEVICES {
        let id = format!("{i:032x}");
        let serial = format!("WB{i:010}");
        db.device_insert(&DeviceRow {
            id: id.clone(),
            owner_id: owner.clone(),
            serial_hash: devices::serial_hash(&state.auth.vault, &serial),
            serial_ct: key.seal(devices::DEVICE_SERIAL, &serial),
            name_ct: key.seal(devices::DEVICE_NAME, &format!("Camera {i}")),
            model: "Ward Cam C1".into(),
            firmware: "1.4.2".into(),
            address_ct: Some(key.seal(devices::DEVICE_ADDRESS, "10.0.0.1")),
            time_zone: "UTC".into(),
            privacy_mode: false,
            online: i % 3 == 0,
            created_at: now - 100 * 86_400 + i as i64,
        })
        .await?;
        ids.push(id);
    }
    let seeded_devices = t.elapsed().as_secs_f64();
    let t = Instant::now();
    db.bench_insert_events(&owner, &ids, EVENTS, now - 8 * 86_400).await?;
    let seeded_events = t.elapsed().as_secs_f64();

    // The devices page in Chromium, with all 10,000 devices in the account.
    let navigation = match &dist {
        Some(_) => browser_list_timing(&url, email, "correct horse battery").await?,
        None => serde_json::Value::Null,
    };

    // Devices API.
    let paths: Vec<String> =
        (0..400).map(|i| format!("/api/devices?page={}&per_page=50", 1 + (i * 7) % 200)).collect();
    let _ = timed_gets(&c, &url, &paths[..20]).await; // warm up
    let mut plain = timed_gets(&c, &url, &paths).await;
    let filtered_paths: Vec<String> =
        (0..200).map(|i| format!("/api/devices?page={}&status=online", 1 + i % 60)).collect();
    let mut filtered = timed_gets(&c, &url, &filtered_paths).await;
    let mut search = timed_gets(&c, &url, &vec!["/api/devices?q=camera%2099".to_string(); 20]).await;
    let mut events_api = timed_gets(&c, &url, &vec!["/api/events".to_string(); 100]).await;

    // Purge 1,000,000 expired events while a prober reads the devices list.
    let probe_c = c.clone();
    let probe_url = url.clone();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stop2 = stop.clone();
    let prober = tokio::spawn(async move {
        let mut v = Vec::new();
        while !stop2.load(std::sync::atomic::Ordering::Relaxed) {
            v.extend(timed_gets(&probe_c, &probe_url, &["/api/devices?page=3".to_string()]).await);
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        v
    });
    let t = Instant::now();
    let purged = devices::purge(&state, now).await?;
    let purge_s = t.elapsed().as_secs_f64();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut during = prober.await?;

    // 1,000 agents.
    let rss_before = rss_mb();
    let mut lines = Vec::new();
    let mut cams = Vec::new();
    for _ in 0..AGENTS {
        let id = Identity::generate();
        lines.push(FactoryLine {
            serial: id.serial.clone(),
            model: id.model.clone(),
            code: id.code.clone(),
            secret: id.secret.clone(),
        });
        cams.push(id);
    }
    devices::import_factory(&state.stores, &state.auth.vault, &lines).await?;
    let t = Instant::now();
    let agents: Vec<Agent> = cams.into_iter().map(|id| Agent::spawn(CameraConfig::new(&url, id))).collect();
    while state.devices.hub.connected() < AGENTS && t.elapsed() < Duration::from_secs(60) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let connect_s = t.elapsed().as_secs_f64();
    let connected = state.devices.hub.connected();
    let before = state.devices.hub.messages.load(std::sync::atomic::Ordering::Relaxed);
    tokio::time::sleep(Duration::from_secs(10)).await;
    let handled = state.devices.hub.messages.load(std::sync::atomic::Ordering::Relaxed) - before;
    let rss_after = rss_mb();
    let mut with_agents = timed_gets(&c, &url, &paths[..100]).await;
    for a in agents {
        a.kill();
    }

    let r2 = |x: f64| (x * 100.0).round() / 100.0;
    let out = json!({
        "backend": "sqlite",
        "devices": DEVICES, "events": EVENTS,
        "seed_seconds": {"devices": r2(seeded_devices), "events": r2(seeded_events)},
        "devices_api_ms": {"p50": r2(pct(&mut plain, 0.5)), "p99": r2(pct(&mut plain, 0.99)), "requests": plain.len()},
        "devices_api_status_filter_ms": {"p50": r2(pct(&mut filtered, 0.5)), "p99": r2(pct(&mut filtered, 0.99))},
        "devices_api_search_ms": {"p50": r2(pct(&mut search, 0.5)), "p99": r2(pct(&mut search, 0.99)), "note": "opens all 10,000 sealed names"},
        "events_api_ms": {"p50": r2(pct(&mut events_api, 0.5)), "p99": r2(pct(&mut events_api, 0.99))},
        "purge": {"events": purged.events, "seconds": r2(purge_s), "files": purged.files,
            "devices_api_during_ms": {"p50": r2(pct(&mut during, 0.5)), "p99": r2(pct(&mut during, 0.99)), "requests": during.len()},
            "note": "the seeded events' picture keys have no files: the purge's deletes find nothing"},
        "agents": {"started": AGENTS, "connected": connected, "connect_seconds": r2(connect_s),
            "messages_handled_in_10s": handled,
            "rss_mb_before": r2(rss_before), "rss_mb_after": r2(rss_after),
            "devices_api_with_agents_ms": {"p50": r2(pct(&mut with_agents, 0.5)), "p99": r2(pct(&mut with_agents, 0.99))},
            "note": "agents run in the same process as the server: RSS includes both"},
        "navigation_to_list_ms": navigation,
    });
    let text = serde_json::to_string_pretty(&out)?;
    println!("{text}");
    let dest = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../bench/results/devices.json");
    std::fs::write(dest, text + "\n")?;
    Ok(())
}
