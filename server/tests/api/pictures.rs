//! Alarm and call pictures, on both backends, with real camera agents: each camera's limits
//! (pictures a minute, bytes a day) refuse what is over them, across a restart, until the
//! next minute or day; every picture is stored sealed with its owner's key, served opened to
//! the owner and to an invitee with the alarm permission, bound to its own key, and
//! unreadable once the owner's account (and key) is deleted, copies included; pictures
//! stored plain before sealing are sealed in place.

use std::path::{Path, PathBuf};
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::json;
use sqlx::Connection as _;
use ward_camera::{Agent, Command, Config as AgentConfig, Identity};
use ward_model::{CallList, ErrorCode, EventPage, Region};
use ward_server::devices::media;
use ward_server::store::{Charge, StoreConfig};
use ward_server::{AppState, Config, Server};

use crate::fixtures::{Browser, PASSWORD, WAIT, error_of};
use crate::helpers::{Backend, Dist, TestApp, spawn_app_configured};

crate::both_backends!(backend:
    a_camera_over_its_rate_is_refused_across_a_restart_and_sends_again_the_next_minute,
    a_camera_over_its_bytes_for_the_day_is_refused_until_the_next_day,
    pictures_are_stored_sealed_and_opened_for_the_owner_and_an_invitee_with_alarms,
    a_copy_of_the_pictures_taken_before_deletion_no_longer_decrypts,
    pictures_stored_plain_before_sealing_are_sealed_in_place,
);

const DAY: i64 = 86_400;

async fn app_with(backend: Backend, per_minute: u32, bytes_per_day: u64) -> Option<TestApp> {
    spawn_app_configured(backend, Dist::Built, |c| {
        c.pictures_per_minute = per_minute;
        c.picture_bytes_per_day = bytes_per_day;
    })
    .await
}

/// A camera agent whose identity lives in a file (as the binary's does), so a later agent
/// can start from what this one learnt.
async fn start_from(url: &str, state: &Path) -> Agent {
    let (id, _) = Identity::load_or_create(state).unwrap();
    let mut config = AgentConfig::new(url, id);
    config.state_path = Some(state.to_path_buf());
    let mut agent = Agent::spawn(config);
    agent.wait_until(WAIT, |s| s.connected).await.expect("the agent connects");
    agent
}

/// A camera, known to the server and claimed by a new person; its agent connected and bound.
async fn claimed_camera(
    app: &TestApp,
    email: &str,
    dir: &Path,
) -> (Browser, ward_model::Device, Agent, PathBuf) {
    let cam = app.camera().await;
    let state = dir.join(format!("{}.json", cam.serial));
    cam.save(&state).unwrap();
    let mut agent = start_from(&app.url, &state).await;
    let owner = app.user(email).await;
    let d = app.claimed(&owner, &cam).await;
    agent.wait_until(WAIT, |s| s.bound).await.expect("the camera learns it has an owner");
    (owner, d, agent, state)
}

async fn events(url: &str, b: &Browser) -> EventPage {
    let res = b.client.get(format!("{url}/api/events")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

/// Polls `/api/events` until it lists `n` events (at most `WAIT`).
async fn wait_for_events(url: &str, b: &Browser, n: usize) -> EventPage {
    let until = tokio::time::Instant::now() + WAIT;
    loop {
        let page = events(url, b).await;
        if page.events.len() == n {
            return page;
        }
        assert!(tokio::time::Instant::now() < until, "{n} events expected, {} listed", page.events.len());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn get_ok(url: &str, b: &Browser, path: &str) -> Vec<u8> {
    let res = b.client.get(format!("{url}{path}")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{path}");
    assert_eq!(res.headers()["content-type"], "image/jpeg");
    res.bytes().await.unwrap().to_vec()
}

/// Every file of the media store, by key.
fn media_files(root: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = e.path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let key = path.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                // object_store writes a picture under a staging name (`<key>#<n>`) and renames
                // it: one seen mid-write is not a stored picture, and may be gone by the read
                // (a fresh machine's CI once failed here with NotFound).
                if key.contains('#') {
                    continue;
                }
                match std::fs::read(&path) {
                    Ok(bytes) => out.push((key, bytes)),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                    Err(e) => panic!("{key}: {e}"),
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out.sort();
    out
}

/// `blob` is no JPEG and holds no 16-byte run of `jpeg` (taken every 256 bytes).
fn holds_nothing_of(blob: &[u8], jpeg: &[u8]) -> bool {
    !blob.starts_with(&[0xFF, 0xD8])
        && jpeg.windows(16).step_by(256).all(|w| !blob.windows(16).any(|b| b == w))
}

/// A second server over the same stores and data dir: the first one restarted.
struct Restarted {
    url: String,
    state: AppState,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
    _dist: tempfile::TempDir,
}

async fn restart(app: &mut TestApp, per_minute: u32, bytes_per_day: u64) -> Restarted {
    app.shut_down().await.unwrap();
    let dist = tempfile::tempdir().unwrap();
    crate::helpers::write_dist(dist.path());
    let mut config = Config::new(app.data_dir.clone(), dist.path());
    config.addr = "127.0.0.1:0".parse().unwrap();
    if let StoreConfig::Postgres(url) = &app.store {
        config.database_url = Some(url.clone());
    }
    config.pictures_per_minute = per_minute;
    config.picture_bytes_per_day = bytes_per_day;
    let server = Server::bind(&config).await.expect("the server starts again");
    let url = format!("http://{}", server.local_addr());
    let state = server.state().clone();
    let (stop, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(server.serve(async {
        let _ = rx.await;
    }));
    Restarted { url, state, stop: Some(stop), task, _dist: dist }
}

impl Restarted {
    async fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        tokio::time::timeout(WAIT, self.task).await.expect("stops in time").unwrap().unwrap();
    }
}

async fn a_camera_over_its_rate_is_refused_across_a_restart_and_sends_again_the_next_minute(
    backend: Backend,
) {
    let Some(mut app) = app_with(backend, 3, 100 * 1024 * 1024).await else { return };
    let dir = tempfile::tempdir().unwrap();
    let (ada, d, mut agent, state) = claimed_camera(&app, "ada@example.com", dir.path()).await;
    let t0 = ward_server::auth::session::now();
    app.state.devices.clock.set(t0);
    // Five alarms at once: three are stored, the camera is told the other two were refused.
    for _ in 0..5 {
        agent.send(Command::Motion);
    }
    let s = agent.wait_until(WAIT, |s| s.refused == 2).await.expect("two alarms are refused");
    assert_eq!(s.alarms_sent, 5);
    let refusal = s.last_refusal.unwrap();
    assert!(refusal.contains("more than 3 alarms and calls in a minute"), "{refusal}");
    assert!(refusal.contains("Send again in 60 s"), "{refusal}");
    assert_eq!(wait_for_events(&app.url, &ada, 3).await.events.len(), 3);
    let media_root = app.data_dir.join("media");
    assert_eq!(media_files(&media_root).len(), 6, "the refused alarms' pictures are not stored");
    // A call is refused too: the limit is the camera's, alarms and calls alike.
    agent.send(Command::Ring);
    agent.wait_until(WAIT, |s| s.refused == 3).await.expect("the call is refused");

    // Restarted (a new server over the same stores): the minute is still full.
    agent.kill();
    let second = restart(&mut app, 3, 100 * 1024 * 1024).await;
    second.state.devices.clock.set(t0 + 30);
    let mut agent = start_from(&second.url, &state).await;
    agent.wait_until(WAIT, |s| s.bound).await.unwrap();
    agent.send(Command::Motion);
    let s = agent.wait_until(WAIT, |s| s.refused == 1).await.expect("still refused after a restart");
    assert!(s.last_refusal.unwrap().contains("Send again in 30 s"));
    let db = second.state.stores.region(Region::Eu).await.unwrap();
    assert_eq!(
        db.picture_charge(&d.id, &ada.info.account.id, 1, t0 + 31, 3, 1 << 30).await.unwrap(),
        Charge::OverRate { retry_after: 29 },
        "the store answers alike to any instance"
    );
    // The next minute: stored again.
    second.state.devices.clock.set(t0 + 61);
    agent.send(Command::Motion);
    assert_eq!(wait_for_events(&second.url, &ada, 4).await.events.len(), 4);
    assert_eq!(agent.status.borrow().refused, 1);
    assert_eq!(media_files(&media_root).len(), 8);
    agent.kill();
    second.stop().await;
}

async fn a_camera_over_its_bytes_for_the_day_is_refused_until_the_next_day(backend: Backend) {
    // Room for two alarms of the camera's usual size, not three.
    let usual = ward_camera::snapshot::render(640, 360, 0, 1, "WC0000000000 MOTION").len()
        + ward_camera::snapshot::render(160, 90, 0, 1, "").len();
    let limit = (usual * 5 / 2) as u64;
    let Some(app) = app_with(backend, 1000, limit).await else { return };
    let dir = tempfile::tempdir().unwrap();
    let (ada, _d, agent, _) = claimed_camera(&app, "ada@example.com", dir.path()).await;
    // 23:59:50 UTC of some day.
    let today = ward_server::auth::session::now() / DAY * DAY;
    app.state.devices.clock.set(today + DAY - 10);
    let mut stored = 0;
    for sent in 1..=4 {
        agent.send(Command::Motion);
        let until = tokio::time::Instant::now() + WAIT;
        loop {
            let refused = agent.status.borrow().refused;
            let listed = events(&app.url, &ada).await.events.len();
            if refused + listed as u64 == sent {
                stored = listed;
                break;
            }
            assert!(tokio::time::Instant::now() < until, "alarm {sent} was neither stored nor refused");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    assert_eq!(stored, 2, "two alarms fit in {limit} bytes, then every one is refused");
    let status = agent.status.borrow().clone();
    assert_eq!(status.refused, 2);
    let refusal = status.last_refusal.unwrap();
    assert!(refusal.contains("for today (UTC)") && refusal.contains("Send again in 10 s"), "{refusal}");
    // What was stored is within the day's bytes.
    let page = events(&app.url, &ada).await;
    let mut bytes = 0;
    for e in &page.events {
        bytes += get_ok(&app.url, &ada, &e.picture_url).await.len()
            + get_ok(&app.url, &ada, &e.thumbnail_url).await.len();
    }
    assert!(bytes as u64 <= limit, "{bytes} bytes stored, {limit} allowed");
    assert_eq!(media_files(&app.data_dir.join("media")).len(), 4);
    // Midnight UTC has passed: the camera may send again.
    app.state.devices.clock.set(today + DAY + 5);
    agent.send(Command::Motion);
    wait_for_events(&app.url, &ada, 3).await;
    assert_eq!(agent.status.borrow().refused, 2);
    agent.kill();
}

async fn pictures_are_stored_sealed_and_opened_for_the_owner_and_an_invitee_with_alarms(backend: Backend) {
    let Some(app) = crate::helpers::spawn_app(backend).await else { return };
    let dir = tempfile::tempdir().unwrap();
    let (ada, d, agent, _) = claimed_camera(&app, "ada@example.com", dir.path()).await;
    agent.send(Command::Motion);
    agent.send(Command::Motion);
    agent.send(Command::Ring);
    let page = wait_for_events(&app.url, &ada, 2).await;
    let until = tokio::time::Instant::now() + WAIT;
    let calls = loop {
        let c: CallList = ada.send(&app, Method::GET, "/api/calls", None).await.json().await.unwrap();
        if !c.calls.is_empty() {
            break c;
        }
        assert!(tokio::time::Instant::now() < until, "the call arrives");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let (e1, e2) = (&page.events[0], &page.events[1]);
    let picture = get_ok(&app.url, &ada, &e1.picture_url).await;
    let thumbnail = get_ok(&app.url, &ada, &e1.thumbnail_url).await;
    let call = get_ok(&app.url, &ada, &calls.calls[0].picture_url).await;
    for jpeg in [&picture, &thumbnail, &call] {
        assert_eq!(&jpeg[..3], &[0xFF, 0xD8, 0xFF], "served as the JPEG the camera sent");
    }
    // The media store holds ciphertext only: no JPEG, none of the pictures' bytes.
    let root = app.data_dir.join("media");
    let files = media_files(&root);
    assert_eq!(files.len(), 5);
    for (key, blob) in &files {
        for jpeg in [&picture, &thumbnail, &call] {
            assert!(holds_nothing_of(blob, jpeg), "{key} holds plain picture bytes");
        }
    }
    // An invitee with the alarm permission sees the same pictures, opened with Ada's key.
    let grace = app.user("grace@example.com").await;
    let share = app.shared(&ada, &d.id, "grace@example.com", &["alarms"]).await;
    app.accepted(&grace, &share.id).await;
    assert_eq!(get_ok(&app.url, &grace, &e1.picture_url).await, picture);
    assert_eq!(get_ok(&app.url, &grace, &e1.thumbnail_url).await, thumbnail);
    // A blob swapped for another event's does not open: bound to its own key.
    let key_of = |url: &str| {
        let id = url.trim_start_matches("/api/events/").trim_end_matches("/picture");
        files.iter().find(|(k, _)| k.ends_with(&format!("/{id}.jpg"))).unwrap().0.clone()
    };
    let (k1, k2) = (key_of(&e1.picture_url), key_of(&e2.picture_url));
    std::fs::copy(root.join(&k1), root.join(&k2)).unwrap();
    let (status, err) = error_of(ada.send(&app, Method::GET, &e2.picture_url, None).await).await;
    assert_eq!((status, err.code), (StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal));
    assert_eq!(get_ok(&app.url, &ada, &e1.picture_url).await, picture, "the original still opens");
    agent.kill();
}

async fn a_copy_of_the_pictures_taken_before_deletion_no_longer_decrypts(backend: Backend) {
    let Some(app) = crate::helpers::spawn_app(backend).await else { return };
    let dir = tempfile::tempdir().unwrap();
    let (ada, _d, mut agent, _) = claimed_camera(&app, "ada@example.com", dir.path()).await;
    let id = ada.info.account.id.clone();
    agent.send(Command::Motion);
    let page = wait_for_events(&app.url, &ada, 1).await;
    let picture = get_ok(&app.url, &ada, &page.events[0].picture_url).await;
    // The backup: the media store's files as they are now.
    let backup = media_files(&app.data_dir.join("media"));
    assert_eq!(backup.len(), 2);
    let vault = &app.state.auth.vault;
    let wrapped = app.state.stores.directory.person_key(&id).await.unwrap().unwrap();
    let key = vault.unwrap_person_key(&id, &wrapped).unwrap();
    let (picture_key, sealed) = backup.iter().find(|(k, _)| !k.ends_with("-thumb.jpg")).unwrap();
    assert_eq!(media::open(&key, picture_key, sealed).unwrap(), picture, "the backup is readable today");
    drop(key);

    let res =
        ada.send(&app, Method::POST, "/api/account/deletion", Some(json!({"password": PASSWORD}))).await;
    assert_eq!(res.status(), StatusCode::OK);
    agent.wait_until(WAIT, |s| !s.bound).await.expect("the camera is released");
    assert!(app.state.stores.directory.person_key(&id).await.unwrap().is_none(), "the key is destroyed");
    assert!(media_files(&app.data_dir.join("media")).is_empty(), "the pictures are deleted");
    // The copy: ciphertext that no key opens any more, holding nothing of the picture.
    let (other_key, _) = vault.new_person_key(&id);
    for (k, blob) in &backup {
        assert!(holds_nothing_of(blob, &picture), "{k}");
        assert!(media::open(&other_key, k, blob).is_err(), "{k} opens without the destroyed key");
    }
    agent.kill();
}

/// Runs `sql` on the EU region store from outside the server.
async fn region_sql(app: &TestApp, sql: &str) {
    match &app.store {
        StoreConfig::Sqlite(_) => {
            let opts =
                sqlx::sqlite::SqliteConnectOptions::new().filename(app.data_dir.join("region-eu.sqlite"));
            let mut conn = sqlx::SqliteConnection::connect_with(&opts).await.unwrap();
            sqlx::query(sql).execute(&mut conn).await.unwrap();
        }
        StoreConfig::Postgres(url) => {
            let mut conn = sqlx::PgConnection::connect(&url.with_database_suffix("eu").0).await.unwrap();
            sqlx::query(sql).execute(&mut conn).await.unwrap();
        }
    }
}

async fn pictures_stored_plain_before_sealing_are_sealed_in_place(backend: Backend) {
    let Some(mut app) = crate::helpers::spawn_app(backend).await else { return };
    let dir = tempfile::tempdir().unwrap();
    let (ada, _d, agent, _) = claimed_camera(&app, "ada@example.com", dir.path()).await;
    agent.send(Command::Motion);
    agent.send(Command::Ring);
    let page = wait_for_events(&app.url, &ada, 1).await;
    let until = tokio::time::Instant::now() + WAIT;
    let calls = loop {
        let c: CallList = ada.send(&app, Method::GET, "/api/calls", None).await.json().await.unwrap();
        if !c.calls.is_empty() {
            break c;
        }
        assert!(tokio::time::Instant::now() < until, "the call arrives");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let urls = [&page.events[0].picture_url, &page.events[0].thumbnail_url, &calls.calls[0].picture_url];
    let mut jpegs = Vec::new();
    for url in urls {
        jpegs.push(get_ok(&app.url, &ada, url).await);
    }
    let root = app.data_dir.join("media");
    let files = media_files(&root);
    assert_eq!(files.len(), 3);
    let (eid, cid) = (&page.events[0].id, &calls.calls[0].id);
    let plain_of = |key: &str| -> &Vec<u8> {
        if key.ends_with(&format!("/{eid}.jpg")) {
            &jpegs[0]
        } else if key.ends_with(&format!("/{eid}-thumb.jpg")) {
            &jpegs[1]
        } else {
            assert!(key.ends_with(&format!("/call-{cid}.jpg")), "{key}");
            &jpegs[2]
        }
    };
    // As a server from before sealing left them: each file the plain JPEG.
    let write_plain = || {
        for (key, _) in &files {
            std::fs::write(root.join(key), plain_of(key)).unwrap();
        }
    };
    let all_sealed = || media_files(&root).iter().all(|(key, blob)| holds_nothing_of(blob, plain_of(key)));
    // Read before the sweep came to it: served as it was, and sealed in place.
    write_plain();
    assert!(!all_sealed());
    for (url, jpeg) in urls.iter().zip(&jpegs) {
        assert_eq!(&get_ok(&app.url, &ada, url).await, jpeg);
    }
    assert!(all_sealed(), "a legacy picture is sealed when it is read");
    // The sweep at start, in a store migration 0081 marked (it held pictures before sealing).
    write_plain();
    region_sql(&app, "INSERT INTO ward_meta (key, value) VALUES ('pictures_unsealed', 'test')").await;
    let s = &app.state;
    let sealed = media::seal_legacy_pictures(&s.stores, &s.auth.vault, &s.devices.media).await.unwrap();
    assert_eq!(sealed, 3);
    assert!(all_sealed(), "the sweep sealed every legacy picture");
    for (url, jpeg) in urls.iter().zip(&jpegs) {
        assert_eq!(&get_ok(&app.url, &ada, url).await, jpeg, "and each still opens");
    }
    // The mark is cleared: the sweep runs once, not at every start.
    write_plain();
    let again = media::seal_legacy_pictures(&s.stores, &s.auth.vault, &s.devices.media).await.unwrap();
    assert_eq!(again, 0);
    agent.kill();
    // The upgrade itself: a store that held pictures before migration 0081 ran (it runs again
    // once forgotten) is marked, and the restarted server seals its pictures at start.
    region_sql(&app, "DELETE FROM _sqlx_migrations WHERE version = 81").await;
    let second = restart(&mut app, 60, 1 << 30).await;
    let until = tokio::time::Instant::now() + WAIT;
    while !all_sealed() {
        assert!(tokio::time::Instant::now() < until, "the pictures are sealed at start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for (url, jpeg) in urls.iter().zip(&jpegs) {
        assert_eq!(&get_ok(&second.url, &ada, url).await, jpeg);
    }
    let db = second.state.stores.region(Region::Eu).await.unwrap();
    assert!(!db.pictures_unsealed().await.unwrap(), "the mark is cleared");
    second.stop().await;
}
