//! One signed-in person with one named camera and a long alarm history, on a release
//! server: what `bench mydata` and `bench export` measure against.

use std::path::Path;
use std::time::Duration;

use serde_json::json;

use crate::Result;
use crate::bench_auth::{PASSWORD, sign_up};
use crate::sh::{cmd, run as sh_run};

pub const SERIAL: &str = "WC0000000042";
const CODE: &str = "BENCHX";
pub const CAMERA: &str = "Front door";

/// The factory's manifest of the one camera, read by the server at start.
pub fn prepare(data: &Path) -> Result {
    let dir = data.join("factory");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let line = json!({"serial": SERIAL, "model": "WardCam Bench", "code": CODE, "secret": "b".repeat(64)});
    std::fs::write(dir.join("bench.jsonl"), format!("{line}\n")).map_err(|e| e.to_string())
}

/// A signed-in session of the bench's person (cookie and CSRF token).
pub struct Person {
    agent: ureq::Agent,
    url: String,
    cookie: String,
    csrf: String,
}

impl Person {
    /// Signs the person up (verified through the outbox) and in.
    pub fn sign_up_and_in(url: &str, data: &Path) -> Result<Person> {
        sign_up(url, data)?;
        let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(120)).build();
        let res = agent
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
        Ok(Person { agent, url: url.to_string(), cookie, csrf })
    }

    /// A request in this session (`path` under the server's root, e.g. `/api/devices`).
    pub fn send(&self, method: &str, path: &str) -> ureq::Request {
        self.agent
            .request(method, &format!("{}{path}", self.url))
            .set("cookie", &self.cookie)
            .set("x-csrf-token", &self.csrf)
    }

    /// `GET path` as JSON.
    pub fn get_json(&self, path: &str) -> Result<serde_json::Value> {
        self.send("GET", path)
            .call()
            .map_err(|e| format!("GET {path} failed: {e}"))?
            .into_json()
            .map_err(|e| e.to_string())
    }

    /// Claims the factory's camera and names it; answers its id.
    pub fn claim_camera(&self) -> Result<String> {
        let device: serde_json::Value = self
            .send("POST", "/api/devices")
            .send_json(json!({"serial": SERIAL, "code": CODE}))
            .map_err(|e| format!("claiming the camera failed: {e}"))?
            .into_json()
            .map_err(|e| e.to_string())?;
        let id = device["id"].as_str().ok_or("no device id")?.to_string();
        self.send("PATCH", &format!("/api/devices/{id}"))
            .send_json(json!({"name": CAMERA}))
            .map_err(|e| format!("naming the camera failed: {e}"))?;
        Ok(id)
    }
}

/// Writes `n` alarm events of camera `device` into the region store from outside (the
/// `sqlite3` shell: a camera may send 60 a minute, so the API would take a week), one a
/// minute back from now (inside the 7-day retention). Event `i` (0 = newest) has the media
/// keys `bench/i.jpg` and `bench/i-thumb.jpg`.
pub fn insert_events(data: &Path, device: &str, n: usize) -> Result {
    let now =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_err(|e| e.to_string())?;
    let sql = format!(
        "PRAGMA busy_timeout = 10000; \
         WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < {n}) \
         INSERT INTO alarm_events (id, device_id, owner_id, kind, at, picture_key, thumbnail_key) \
         SELECT 'bench' || i, d.id, d.owner_id, 'motion', {} - i * 59, 'bench/' || i || '.jpg', \
         'bench/' || i || '-thumb.jpg' FROM n, devices d WHERE d.id = '{device}';",
        now.as_secs(),
    );
    crate::tools::ensure_sqlite3()?;
    let mut c = cmd("sqlite3", &[]);
    c.arg(data.join("region-eu.sqlite")).arg(sql);
    sh_run(&mut c)
}
