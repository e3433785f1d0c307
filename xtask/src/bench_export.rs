//! `cargo xtask bench export`: building a person's archive ("Download my data") for a long
//! history: how long it takes, how big it is, how much memory the server needs for it, and
//! how the rest of the API answers meanwhile.
//!
//! A release server on fresh data; one person with a camera and 10,000 alarm events (as in
//! `bench mydata`). The newest 500 events have their picture and thumbnail in the media
//! store: 1,000 pictures (random bytes behind a JPEG header, 48 KB and 8 KB: they do not
//! compress, like real JPEGs); the older events' pictures are gone, as the retention job
//! leaves them. The pictures are written as plain files, the form that the server seals in
//! place when first read, so a first (unmeasured) archive seals them all; then each
//! measured archive reads sealed pictures as a camera's would be.
//!
//! Each run: the server's resident memory at rest, its peak reset (`/proc/PID/clear_refs`),
//! the archive requested through the API and polled until ready, the peak read back
//! (`VmHWM`); meanwhile another client asks `GET /api/devices` every 10 ms. The archive is
//! downloaded and its ZIP directory counted. Run with all 1,000 pictures and again with 100
//! (the other files removed): the peak should not grow with the pictures (the archive is
//! streamed). Figures go to `bench/results/export.json`.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::Result;
use crate::bench_auth::{PASSWORD, on_prepared_release_server, percentile};
use crate::bench_memory::vm_kb;
use crate::bench_person::{Person, insert_events, prepare};
use crate::sh::{cmd, run as sh_run};

const EVENTS: usize = 10_000;
/// Events whose picture and thumbnail are in the media store (two pictures each).
const EVENTS_WITH_PICTURES: usize = 500;
const PICTURE_BYTES: usize = 48 * 1024;
const THUMBNAIL_BYTES: usize = 8 * 1024;
/// Peak resident memory above the server at rest, while an archive is built.
const PEAK_TARGET_MB: f64 = 64.0;
const API_P99_TARGET_MS: f64 = 20.0;
/// Archives made after the measured ones, to see whether memory at rest levels off.
const REPEATS: usize = 5;
/// A bound on one archive, so a stuck job fails the bench instead of hanging it.
const ARCHIVE_DEADLINE: Duration = Duration::from_secs(600);

pub fn bench() -> Result {
    sh_run(&mut crate::tools::light(cmd("cargo", &["build", "--release", "--package", "ward-server"])))?;
    on_prepared_release_server("export", prepare, measure)
}

fn measure(pid: u32, url: &str, data: &Path) -> Result<serde_json::Value> {
    let person = Person::sign_up_and_in(url, data)?;
    let device = person.claim_camera()?;
    insert_events(data, &device, EVENTS)?;
    let media = data.join("media").join("bench");
    std::fs::create_dir_all(&media).map_err(|e| e.to_string())?;
    let mut noise = Noise(0x9E37_79B9_7F4A_7C15);
    for i in 0..EVENTS_WITH_PICTURES {
        std::fs::write(media.join(format!("{i}.jpg")), noise.jpeg(PICTURE_BYTES))
            .map_err(|e| e.to_string())?;
        std::fs::write(media.join(format!("{i}-thumb.jpg")), noise.jpeg(THUMBNAIL_BYTES))
            .map_err(|e| e.to_string())?;
    }

    println!(
        "export: a first archive seals the {} pictures in place (not measured)",
        2 * EVENTS_WITH_PICTURES
    );
    let first = archive(&person, pid)?;
    check_pictures(&first, 2 * EVENTS_WITH_PICTURES)?;

    let full = archive(&person, pid)?;
    check_pictures(&full, 2 * EVENTS_WITH_PICTURES)?;
    // Keep the newest 50 events' pictures: 100 pictures.
    for i in 50..EVENTS_WITH_PICTURES {
        std::fs::remove_file(media.join(format!("{i}.jpg"))).map_err(|e| e.to_string())?;
        std::fs::remove_file(media.join(format!("{i}-thumb.jpg"))).map_err(|e| e.to_string())?;
    }
    let small = archive(&person, pid)?;
    check_pictures(&small, 100)?;
    // Memory the server keeps after archives: it must level off, not grow with each one.
    let mut rest_after = vec![first.rest_kb, full.rest_kb, small.rest_kb];
    for _ in 0..REPEATS {
        let again = archive(&person, pid)?;
        rest_after.push(again.rest_kb);
    }
    rest_after.push(vm_kb(pid, "VmRSS")?);

    let growth_mb = full.peak_above_rest_mb() - small.peak_above_rest_mb();
    let met = full.peak_above_rest_mb() < PEAK_TARGET_MB && full.api_p99_ms < API_P99_TARGET_MS;
    println!(
        "export of {EVENTS} events: 1,000 pictures {:.2} s, {:.1} MB, peak {:.1} MB above rest; \
         100 pictures {:.2} s, {:.1} MB, peak {:.1} MB above rest (growth {growth_mb:.1} MB); \
         API p99 during the build {:.1} ms (targets: peak < {PEAK_TARGET_MB} MB, p99 < {API_P99_TARGET_MS} ms)",
        full.seconds,
        full.bytes as f64 / 1e6,
        full.peak_above_rest_mb(),
        small.seconds,
        small.bytes as f64 / 1e6,
        small.peak_above_rest_mb(),
        full.api_p99_ms,
    );
    Ok(json!({
        "alarm_events": EVENTS,
        "cores": std::thread::available_parallelism().map_or(1, |n| n.get()),
        "server_build": "release, without LTO (cargo xtask's light profile)",
        "runs": [full.json(), small.json()],
        "first_archive_sealing_legacy_pictures": first.json(),
        "peak_growth_from_100_to_1000_pictures_mb": growth_mb,
        "rss_at_rest_kb_before_each_archive_and_after_the_last": rest_after,
        "peak_target_mb_above_rest": PEAK_TARGET_MB,
        "api_p99_target_ms": API_P99_TARGET_MS,
        "targets_met": met,
    }))
}

/// The figures of one archive.
struct Run {
    seconds: f64,
    bytes: u64,
    zip_entries: u64,
    picture_entries: u64,
    rest_kb: u64,
    peak_kb: u64,
    api_requests: usize,
    api_p50_ms: f64,
    api_p99_ms: f64,
    api_max_ms: f64,
}

impl Run {
    fn peak_above_rest_mb(&self) -> f64 {
        self.peak_kb.saturating_sub(self.rest_kb) as f64 / 1024.0
    }

    fn json(&self) -> serde_json::Value {
        json!({
            "pictures": self.picture_entries,
            "seconds": self.seconds,
            "archive_bytes": self.bytes,
            "zip_entries": self.zip_entries,
            "rss_at_rest_kb": self.rest_kb,
            "rss_peak_kb": self.peak_kb,
            "peak_above_rest_mb": self.peak_above_rest_mb(),
            "api_during_build": {
                "request": "GET /api/devices",
                "requests": self.api_requests,
                "p50_ms": self.api_p50_ms,
                "p99_ms": self.api_p99_ms,
                "max_ms": self.api_max_ms,
            },
        })
    }
}

fn check_pictures(run: &Run, expected: usize) -> Result {
    if run.picture_entries == expected as u64 {
        Ok(())
    } else {
        Err(format!("the archive holds {} pictures, not the {expected} on file", run.picture_entries))
    }
}

/// Requests an archive, waits until it is ready while measuring, downloads it, deletes it.
fn archive(person: &Person, pid: u32) -> Result<Run> {
    let rest_kb = vm_kb(pid, "VmRSS")?;
    // "5" resets the peak (VmHWM) to the current resident size.
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5")
        .map_err(|e| format!("could not reset the server's peak memory: {e}"))?;
    let stop = AtomicBool::new(false);
    let (seconds, api) = std::thread::scope(|s| -> Result<(f64, Vec<f64>)> {
        let probe = s.spawn(|| probe_api(person, &stop));
        let built = build(person);
        stop.store(true, Ordering::Relaxed);
        let lat = probe.join().map_err(|_| "the API probe panicked")?;
        Ok((built?, lat))
    })?;
    let peak_kb = vm_kb(pid, "VmHWM")?;
    let status = person.get_json("/api/privacy/exports/current")?;
    let link = status["download_url"].as_str().ok_or("a ready archive without a link")?;
    let zip = person.send("GET", link).call().map_err(|e| format!("downloading the archive failed: {e}"))?;
    let mut body = Vec::new();
    std::io::Read::read_to_end(&mut zip.into_reader(), &mut body).map_err(|e| e.to_string())?;
    let names = zip_names(&body)?;
    person
        .send("DELETE", "/api/privacy/exports/current")
        .call()
        .map_err(|e| format!("deleting the archive failed: {e}"))?;
    let mut api = api;
    api.sort_by(f64::total_cmp);
    Ok(Run {
        seconds,
        bytes: body.len() as u64,
        zip_entries: names.len() as u64,
        picture_entries: names.iter().filter(|n| n.starts_with("pictures/")).count() as u64,
        rest_kb,
        peak_kb,
        api_requests: api.len(),
        api_p50_ms: percentile(&api, 0.5),
        api_p99_ms: percentile(&api, 0.99),
        api_max_ms: api.last().copied().unwrap_or(f64::NAN),
    })
}

/// Requests the archive and polls its status (every 50 ms) until it is ready; the seconds.
fn build(person: &Person) -> Result<f64> {
    let t = Instant::now();
    person
        .send("POST", "/api/privacy/exports")
        .send_json(json!({"password": PASSWORD}))
        .map_err(|e| format!("requesting the archive failed: {e}"))?;
    loop {
        let status = person.get_json("/api/privacy/exports/current")?;
        match status["state"].as_str() {
            Some("ready") => return Ok(t.elapsed().as_secs_f64()),
            Some("running") if t.elapsed() < ARCHIVE_DEADLINE => {
                std::thread::sleep(Duration::from_millis(50))
            }
            Some("running") => return Err(format!("the archive was not ready within {ARCHIVE_DEADLINE:?}")),
            _ => return Err(format!("the archive failed: {status}")),
        }
    }
}

/// `GET /api/devices` latencies (ms), one call every 10 ms, until `stop`.
fn probe_api(person: &Person, stop: &AtomicBool) -> Vec<f64> {
    let mut out = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        let t = Instant::now();
        if person.send("GET", "/api/devices").call().is_ok() {
            out.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    out
}

/// The file names in a ZIP's central directory (read from its end record), so the bench
/// counts what a person would unpack.
fn zip_names(zip: &[u8]) -> Result<Vec<String>> {
    let end = zip
        .windows(4)
        .rposition(|w| w == [0x50, 0x4b, 0x05, 0x06])
        .ok_or("the download is not a ZIP (no end of central directory)")?;
    let u16_at = |i: usize| u16::from_le_bytes([zip[i], zip[i + 1]]) as usize;
    let u32_at = |i: usize| u32::from_le_bytes([zip[i], zip[i + 1], zip[i + 2], zip[i + 3]]) as usize;
    let (count, mut at) = (u16_at(end + 10), u32_at(end + 16));
    let mut names = Vec::with_capacity(count);
    for _ in 0..count {
        if zip.get(at..at + 4) != Some(&[0x50, 0x4b, 0x01, 0x02][..]) {
            return Err(format!("a broken central directory entry at byte {at}"));
        }
        let (name_len, extra, comment) = (u16_at(at + 28), u16_at(at + 30), u16_at(at + 32));
        let name = zip.get(at + 46..at + 46 + name_len).ok_or("a name past the end of the ZIP")?;
        names.push(String::from_utf8_lossy(name).into_owned());
        at += 46 + name_len + extra + comment;
    }
    Ok(names)
}

/// Incompressible bytes (xorshift64), so the pictures weigh what JPEGs do after brotli or
/// deflate: nothing saved.
struct Noise(u64);

impl Noise {
    fn jpeg(&mut self, len: usize) -> Vec<u8> {
        let mut out = vec![0xFF, 0xD8, 0xFF, 0xE0];
        while out.len() < len {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            out.extend_from_slice(&self.0.to_le_bytes());
        }
        out.truncate(len);
        out
    }
}
