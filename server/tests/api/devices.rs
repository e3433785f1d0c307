//! Devices end to end: the real server and real camera agents (`ward-camera`) on loopback,
//! on both backends: claiming, wrong codes and the lockout, online/offline, alarms with
//! pictures, privacy mode, unbinding, retention and the one authorisation point.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::json;
use ward_camera::{Agent, Command, Config, Identity};
use ward_model::{CallList, Device, DevicePage, EventPage, Region};
use ward_server::devices;

use crate::both_backends;
use crate::fixtures::{Browser, PASSWORD, WAIT, error_of, get_json};
use crate::helpers::TestApp;

both_backends!(
    a_camera_is_claimed_by_its_code_and_wrong_codes_lock_the_serial,
    a_camera_is_online_raises_alarms_with_pictures_and_goes_offline_when_killed,
    privacy_mode_suppresses_alarms_and_removing_unbinds_and_deletes_media,
    retention_deletes_events_after_7_days_and_calls_after_90_with_their_files,
    another_account_gets_404_on_every_device_and_event_url,
    an_agent_with_a_wrong_secret_is_refused,
    deleting_the_account_releases_its_cameras_and_deletes_their_pictures,
);

/// Polls `path` until `pred` holds (at most `WAIT`).
async fn eventually<T: serde::de::DeserializeOwned>(
    app: &TestApp,
    b: &Browser,
    path: &str,
    pred: impl Fn(&T) -> bool,
) -> T {
    let until = tokio::time::Instant::now() + WAIT;
    loop {
        let v: T = get_json(app, b, path).await;
        if pred(&v) {
            return v;
        }
        assert!(tokio::time::Instant::now() < until, "{path} did not change in time");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn media_files(app: &TestApp) -> usize {
    fn walk(dir: &std::path::Path) -> usize {
        std::fs::read_dir(dir)
            .map(|rd| rd.flatten().map(|e| if e.path().is_dir() { walk(&e.path()) } else { 1 }).sum())
            .unwrap_or(0)
    }
    walk(&app.data_dir.join("media"))
}

async fn a_camera_is_claimed_by_its_code_and_wrong_codes_lock_the_serial(app: TestApp) {
    let (cam1, cam2) = (app.camera().await, app.camera().await);
    let mut agent = app.start(&cam2).await;
    let ada = app.user("ada@example.com").await;
    // Bad input is named per field; an unknown serial says so.
    let (status, err) = error_of(
        ada.send(&app, Method::POST, "/api/devices", Some(json!({"serial": "x!", "code": "12"}))).await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<_> = err.fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, ["serial", "code"]);
    let (status, err) = error_of(
        ada.send(
            &app,
            Method::POST,
            "/api/devices",
            Some(json!({"serial": "WC0000000000", "code": "ABCDEF"})),
        )
        .await,
    )
    .await;
    assert_eq!((status, err.fields[0].code.as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "unknown"));
    // Four wrong codes count down; the fifth makes this person wait 15 minutes, even with the right code.
    let wrong = if cam1.code == "AAAAAA" { "BBBBBB" } else { "AAAAAA" };
    for left in (1..=4).rev() {
        let (status, err) = error_of(
            ada.send(&app, Method::POST, "/api/devices", Some(json!({"serial": cam1.serial, "code": wrong})))
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(err.fields[0].field, "code");
        assert!(err.fields[0].message.contains(&format!("{left} more tries")), "{}", err.fields[0].message);
    }
    let res = ada
        .send(&app, Method::POST, "/api/devices", Some(json!({"serial": cam1.serial, "code": wrong})))
        .await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let res = ada
        .send(&app, Method::POST, "/api/devices", Some(json!({"serial": cam1.serial, "code": cam1.code})))
        .await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((890..=900).contains(&retry), "{retry}");
    let hash = devices::serial_hash(&app.state.auth.vault, &cam1.serial);
    let f = app.state.stores.directory.factory(&hash).await.unwrap().unwrap();
    assert!(f.binding().is_none(), "nothing is bound by wrong codes");
    // The right code, lower case and spaced, claims a connected camera: online, bound.
    let d =
        claim_lenient(&app, &ada, &cam2.serial.to_lowercase(), &format!(" {} ", cam2.code.to_lowercase()))
            .await;
    assert_eq!((d.serial.as_str(), d.model.as_str(), d.online), (cam2.serial.as_str(), "Ward Cam C1", true));
    agent.wait_until(WAIT, |s| s.bound).await.expect("the camera learns it has an owner");
    let d: Device =
        eventually(&app, &ada, &format!("/api/devices/{}", d.id), |d: &Device| !d.address.is_empty()).await;
    assert_eq!(
        (d.address.as_str(), d.time_zone.as_str(), d.firmware.as_str()),
        ("127.0.0.1", "UTC", "1.4.2")
    );
    // Again by the owner: already yours. By someone else: bound to another account.
    let (status, err) = error_of(
        ada.send(&app, Method::POST, "/api/devices", Some(json!({"serial": cam2.serial, "code": cam2.code})))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(err.message.contains("already in your devices"));
    let bob = app.user("bob@example.com").await;
    let (status, err) = error_of(
        bob.send(&app, Method::POST, "/api/devices", Some(json!({"serial": cam2.serial, "code": cam2.code})))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        err.message.contains("bound to another account") && err.message.contains("Remove"),
        "{}",
        err.message
    );
    agent.kill();
}

async fn claim_lenient(app: &TestApp, b: &Browser, serial: &str, code: &str) -> Device {
    let res = b.send(app, Method::POST, "/api/devices", Some(json!({"serial": serial, "code": code}))).await;
    assert_eq!(res.status(), StatusCode::CREATED, "{}", res.text().await.unwrap());
    res.json().await.unwrap()
}

async fn a_camera_is_online_raises_alarms_with_pictures_and_goes_offline_when_killed(app: TestApp) {
    let (cam, frozen) = (app.camera().await, app.camera().await);
    let mut agent = app.start(&cam).await;
    let ada = app.user("ada@example.com").await;
    let d = app.claimed(&ada, &cam).await;
    agent.wait_until(WAIT, |s| s.bound).await.unwrap();
    // The status stream is open before the agent dies.
    let mut stream = ada.client.get(app.at("/api/devices/status")).send().await.unwrap();
    assert_eq!(stream.headers()["content-type"], "text/event-stream");
    agent.send(Command::Motion);
    let page: EventPage = eventually(&app, &ada, "/api/events", |p: &EventPage| !p.events.is_empty()).await;
    let e = &page.events[0];
    assert_eq!((e.device_id.as_str(), e.device_name.as_str()), (d.id.as_str(), d.name.as_str()));
    for url in [&e.picture_url, &e.thumbnail_url] {
        let res = ada.send(&app, Method::GET, url, None).await;
        assert_eq!(
            (res.status(), res.headers()["content-type"].to_str().unwrap()),
            (StatusCode::OK, "image/jpeg")
        );
        assert_eq!(&res.bytes().await.unwrap()[..3], &[0xFF, 0xD8, 0xFF]);
    }
    assert_eq!(media_files(&app), 2);
    // Filters: this device, this kind, today; another device's timeline is refused as unknown.
    let today = time::OffsetDateTime::now_utc().date();
    let p: EventPage =
        get_json(&app, &ada, &format!("/api/events?device={}&kind=motion&from={today}&to={today}", d.id))
            .await;
    assert_eq!(p.events.len(), 1);
    let p: EventPage = get_json(&app, &ada, "/api/events?from=2000-01-01&to=2000-01-02").await;
    assert!(p.events.is_empty());
    let (status, err) =
        error_of(ada.send(&app, Method::GET, "/api/events?kind=fire&limit=0", None).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err.fields.len(), 2);
    // Killed: offline, pushed on the stream, within 10 s.
    agent.kill();
    let pushed = tokio::time::timeout(WAIT, async {
        let mut seen = String::new();
        while let Some(chunk) = stream.chunk().await.unwrap() {
            seen.push_str(&String::from_utf8_lossy(&chunk));
            if seen.contains(&format!("{{\"id\":\"{}\",\"online\":false}}", d.id)) {
                return seen;
            }
        }
        seen
    })
    .await
    .expect("the offline status is pushed within 10 s");
    assert!(pushed.contains("event: status"));
    let d: Device = get_json(&app, &ada, &format!("/api/devices/{}", d.id)).await;
    assert!(!d.online);
    // A camera that goes silent without closing its connection is offline within 10 s too.
    let mut silent = app.start(&frozen).await;
    let d2 = app.claimed(&ada, &frozen).await;
    silent.wait_until(WAIT, |s| s.bound).await.unwrap();
    let online: DevicePage = get_json(&app, &ada, "/api/devices?status=online").await;
    assert_eq!(online.devices.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(), [d2.id.as_str()]);
    silent.send(Command::Freeze);
    let started = tokio::time::Instant::now();
    eventually(&app, &ada, &format!("/api/devices/{}", d2.id), |d: &Device| !d.online).await;
    assert!(started.elapsed() <= WAIT);
    let offline: DevicePage = get_json(&app, &ada, "/api/devices?status=offline&per_page=1&page=2").await;
    assert_eq!((offline.total, offline.devices.len()), (2, 1));
    silent.kill();
}

async fn privacy_mode_suppresses_alarms_and_removing_unbinds_and_deletes_media(app: TestApp) {
    let cam = app.camera().await;
    let mut agent = app.start(&cam).await;
    let ada = app.user("ada@example.com").await;
    let d = app.claimed(&ada, &cam).await;
    agent.wait_until(WAIT, |s| s.bound).await.unwrap();
    // Rename, then privacy mode on: the camera is told, and takes no picture.
    let res = ada
        .send(
            &app,
            Method::PATCH,
            &format!("/api/devices/{}", d.id),
            Some(json!({"name": "Hall", "privacy_mode": true})),
        )
        .await;
    let d: Device = res.json().await.unwrap();
    assert_eq!((d.name.as_str(), d.privacy_mode), ("Hall", true));
    agent.wait_until(WAIT, |s| s.privacy_mode).await.unwrap();
    agent.send(Command::Motion);
    agent.send(Command::Ring);
    agent.wait_until(WAIT, |s| s.suppressed == 2).await.expect("both suppressed by the camera");
    let searched: DevicePage = get_json(&app, &ada, "/api/devices?q=hal").await;
    assert_eq!(searched.total, 1);
    let none: DevicePage = get_json(&app, &ada, "/api/devices?q=kitchen").await;
    assert_eq!(none.total, 0);
    // Off again: alarms and calls flow.
    ada.send(&app, Method::PATCH, &format!("/api/devices/{}", d.id), Some(json!({"privacy_mode": false})))
        .await;
    agent.wait_until(WAIT, |s| !s.privacy_mode).await.unwrap();
    let p: EventPage = get_json(&app, &ada, "/api/events").await;
    assert!(p.events.is_empty(), "nothing was recorded in privacy mode");
    agent.send(Command::Motion);
    agent.send(Command::Ring);
    eventually(&app, &ada, "/api/events", |p: &EventPage| p.events.len() == 1).await;
    eventually(&app, &ada, "/api/calls", |c: &CallList| c.calls.len() == 1).await;
    assert_eq!(media_files(&app), 3);
    let (status, err) = error_of(
        ada.send(&app, Method::PATCH, &format!("/api/devices/{}", d.id), Some(json!({"name": " "}))).await,
    )
    .await;
    assert_eq!((status, err.fields[0].field.as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "name"));
    // Removed: the camera forgets its owner, the pictures are gone, anyone may claim it again.
    let res = ada.send(&app, Method::DELETE, &format!("/api/devices/{}", d.id), None).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    agent.wait_until(WAIT, |s| !s.bound).await.expect("the camera is unbound");
    assert_eq!(media_files(&app), 0);
    let p: EventPage = get_json(&app, &ada, "/api/events").await;
    assert!(p.events.is_empty());
    agent.send(Command::Motion);
    agent.wait_until(WAIT, |s| s.suppressed == 3).await.expect("an unbound camera raises nothing");
    let bob = app.user("bob@example.com").await;
    app.claimed(&bob, &cam).await;
    agent.wait_until(WAIT, |s| s.bound).await.unwrap();
    agent.kill();
}

async fn retention_deletes_events_after_7_days_and_calls_after_90_with_their_files(app: TestApp) {
    let ada = app.user("ada@example.com").await;
    let (agent, _) = app.bound_camera(&ada).await;
    agent.send(Command::Motion);
    agent.send(Command::Ring);
    let p: EventPage = eventually(&app, &ada, "/api/events", |p: &EventPage| p.events.len() == 1).await;
    let calls: CallList = eventually(&app, &ada, "/api/calls", |c: &CallList| c.calls.len() == 1).await;
    let at = |s: &str| {
        time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
            .unwrap()
            .unix_timestamp()
    };
    let (event_at, call_at) = (at(&p.events[0].at), at(&calls.calls[0].at));
    // Each view of a call's picture is logged.
    for _ in 0..2 {
        let res = ada.send(&app, Method::GET, &calls.calls[0].picture_url, None).await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    let db = app.state.stores.region(Region::Eu).await.unwrap();
    let views = db.call_views(&calls.calls[0].id).await.unwrap();
    assert_eq!(views.len(), 2);
    assert_eq!(views[0].0, ada.info.account.id);
    assert_eq!(media_files(&app), 3);
    let day = 86_400;
    // 7 days − 1 s: everything stays.
    let purged = devices::purge(&app.state, event_at + 7 * day - 1).await.unwrap();
    assert_eq!((purged.events, purged.calls, purged.files), (0, 0, 0));
    assert_eq!(media_files(&app), 3);
    // 7 days + 1 s: the event and both its files go; the call stays.
    let purged = devices::purge(&app.state, event_at + 7 * day + 1).await.unwrap();
    assert_eq!((purged.events, purged.calls, purged.files), (1, 0, 2));
    assert_eq!(media_files(&app), 1);
    let p: EventPage = get_json(&app, &ada, "/api/events").await;
    assert!(p.events.is_empty());
    let res = ada.send(&app, Method::GET, &format!("/api/events/{}/picture", calls.calls[0].id), None).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    // 90 days − 1 s keeps the call; 90 days + 1 s deletes it and its picture.
    assert_eq!(devices::purge(&app.state, call_at + 90 * day - 1).await.unwrap().calls, 0);
    assert_eq!(devices::purge(&app.state, call_at + 90 * day + 1).await.unwrap().calls, 1);
    assert_eq!(media_files(&app), 0);
    let c: CallList = get_json(&app, &ada, "/api/calls").await;
    assert!(c.calls.is_empty());
    agent.kill();
}

async fn another_account_gets_404_on_every_device_and_event_url(app: TestApp) {
    let ada = app.user("ada@example.com").await;
    let (agent, d) = app.bound_camera(&ada).await;
    agent.send(Command::Motion);
    agent.send(Command::Ring);
    let p: EventPage = eventually(&app, &ada, "/api/events", |p: &EventPage| p.events.len() == 1).await;
    let calls: CallList = eventually(&app, &ada, "/api/calls", |c: &CallList| c.calls.len() == 1).await;
    let e = &p.events[0];
    // Same region (eu) and another region (us): neither sees anything of Ada's.
    for (email, region) in [("eve@example.com", "eu"), ("mallory@example.com", "us")] {
        let eve = app.person(email, region).await;
        let urls = [
            (Method::GET, format!("/api/devices/{}", d.id), None),
            (Method::PATCH, format!("/api/devices/{}", d.id), Some(json!({"privacy_mode": true}))),
            (Method::DELETE, format!("/api/devices/{}", d.id), None),
            (Method::GET, format!("/api/events?device={}", d.id), None),
            (Method::GET, e.picture_url.clone(), None),
            (Method::GET, e.thumbnail_url.clone(), None),
            (Method::DELETE, format!("/api/events/{}", e.id), None),
            (Method::GET, calls.calls[0].picture_url.clone(), None),
        ];
        for (method, url, body) in urls {
            let res = eve.send(&app, method.clone(), &url, body).await;
            assert_eq!(res.status(), StatusCode::NOT_FOUND, "{method} {url}");
        }
        let mine: DevicePage = get_json(&app, &eve, "/api/devices").await;
        assert_eq!(mine.total, 0);
        let ev: EventPage = get_json(&app, &eve, "/api/events").await;
        assert!(ev.events.is_empty());
        let c: CallList = get_json(&app, &eve, "/api/calls").await;
        assert!(c.calls.is_empty());
    }
    // Signed out: 401 everywhere.
    let res = crate::helpers::client().get(app.at("/api/devices")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    // Nothing changed for Ada.
    let d: Device = get_json(&app, &ada, &format!("/api/devices/{}", d.id)).await;
    assert!(!d.privacy_mode);
    assert_eq!(get_json::<EventPage>(&app, &ada, "/api/events").await.events.len(), 1);
    let res = ada.send(&app, Method::DELETE, &format!("/api/events/{}", e.id), None).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(media_files(&app), 1, "the call's picture is left");
    agent.kill();
}

async fn an_agent_with_a_wrong_secret_is_refused(app: TestApp) {
    let mut cam = app.camera().await;
    cam.secret = "00".repeat(32);
    let mut agent = Agent::spawn(Config::new(&app.url, cam));
    let s = agent.wait_until(WAIT, |s| s.last_error.is_some()).await.unwrap();
    assert!(s.last_error.unwrap().contains("401"));
    assert_eq!(agent.status.borrow().connections, 0);
    agent.kill();
    let unknown = Identity::generate();
    let mut agent = Agent::spawn(Config::new(&app.url, unknown));
    assert!(agent.wait_until(WAIT, |s| s.last_error.is_some()).await.is_ok());
    assert_eq!(agent.status.borrow().connections, 0);
    agent.kill();
}

async fn deleting_the_account_releases_its_cameras_and_deletes_their_pictures(app: TestApp) {
    let cam = app.camera().await;
    let mut agent = app.start(&cam).await;
    let ada = app.user("ada@example.com").await;
    app.claimed(&ada, &cam).await;
    agent.wait_until(WAIT, |s| s.bound).await.unwrap();
    agent.send(Command::Motion);
    eventually(&app, &ada, "/api/events", |p: &EventPage| p.events.len() == 1).await;
    assert_eq!(media_files(&app), 2);
    let res =
        ada.send(&app, Method::POST, "/api/account/deletion", Some(json!({"password": PASSWORD}))).await;
    assert_eq!(res.status(), StatusCode::OK, "{}", res.text().await.unwrap());
    agent.wait_until(WAIT, |s| !s.bound).await.expect("the camera is released");
    assert_eq!(media_files(&app), 0);
    let bob = app.user("bob@example.com").await;
    app.claimed(&bob, &cam).await;
    agent.kill();
}
