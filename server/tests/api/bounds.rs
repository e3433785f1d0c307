//! What strangers and viewers can make the server keep is bounded (issue 13, item 7), and a
//! live view ends when the viewer's right to it does (item 10), on both backends:
//! - page views count under the app's routes or "other", a fixed set of counters;
//! - password-less passkey sign-ins in flight are capped, with a clear 503 past the cap, and
//!   the cap of strangers' ceremonies leaves room for people who proved who they are;
//! - live views are capped per viewer and per camera, with a clear 429;
//! - a running live view (a real camera agent streaming to a real WebRTC peer) ends when the
//!   share's end time passes, when the viewer signs out (that browser only), when a password
//!   reset ends every session, and when the viewer deletes their account.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use futures_util::StreamExt as _;
use reqwest::{Method, StatusCode};
use serde_json::json;
use ward_live::probe::Probe;
use ward_model::{DeviceShare, ErrorCode};
use ward_server::auth::passkeys::MAX_ANONYMOUS;
use ward_server::devices::hub::{MAX_LIVE_PER_CAMERA, MAX_LIVE_PER_VIEWER};

use crate::both_backends;
use crate::fixtures::{Browser, PASSWORD, WAIT, error_of, offer};
use crate::helpers::TestApp;

both_backends!(
    page_views_count_under_the_app_routes_whatever_paths_strangers_send,
    passkey_sign_ins_in_flight_are_capped_with_a_clear_503,
    live_views_are_capped_per_viewer_and_per_camera,
    a_running_live_view_ends_when_the_share_runs_out,
    a_running_live_view_ends_when_its_browser_signs_out_the_password_is_reset_or_the_account_is_deleted,
);

const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

async fn page_views_count_under_the_app_routes_whatever_paths_strangers_send(app: TestApp) {
    let views = &app.state.privacy.views;
    let counters = views.counters();
    let c = reqwest::Client::new();
    let post = |path: String| {
        let c = c.clone();
        let url = app.at("/api/analytics/pageview");
        async move { c.post(url).json(&json!({ "path": path })).send().await.unwrap().status() }
    };
    // 2,000 paths no page has: each was a new entry kept forever.
    let statuses: Vec<StatusCode> =
        futures_util::stream::iter((0..2000).map(|i| post(format!("/made-up/{i}/{}", "x".repeat(150)))))
            .buffer_unordered(16)
            .collect()
            .await;
    assert!(statuses.iter().all(|s| *s == StatusCode::NO_CONTENT), "{statuses:?}");
    for path in ["/privacy", "/privacy/", "/unsubscribe/a-secret-token", "/unsubscribe/another"] {
        assert_eq!(post(path.to_string()).await, StatusCode::NO_CONTENT);
    }
    assert_eq!(views.views("other"), 2000, "every unknown path counts as other");
    assert_eq!(views.views("/privacy"), 2, "a trailing slash is the same page");
    assert_eq!(views.views("/unsubscribe/:token"), 2, "counted under the route, not the token");
    assert_eq!(views.route_of("/unsubscribe/a-secret-token"), "/unsubscribe/:token");
    assert_eq!(views.counters(), counters, "no counter was added");
}

async fn passkey_sign_ins_in_flight_are_capped_with_a_clear_503(app: TestApp) {
    let local = app.url.replace("http://127.0.0.1", "localhost");
    let c = reqwest::Client::new();
    let start = || {
        let c = c.clone();
        let url = app.at("/api/session/passkey/options");
        let host = local.clone();
        async move { c.post(url).header("host", host).json(&json!({})).send().await.unwrap() }
    };
    // Strangers start as many as the server keeps: each is answered.
    let ok = futures_util::stream::iter((0..MAX_ANONYMOUS).map(|_| start()))
        .buffer_unordered(32)
        .filter(|r| std::future::ready(r.status() == StatusCode::OK))
        .count()
        .await;
    assert_eq!(ok, MAX_ANONYMOUS);
    assert_eq!(app.state.auth.ceremonies.len(), MAX_ANONYMOUS);
    // One more is refused, saying why and what to do, and nothing more is kept.
    let res = start().await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    let err: ward_model::ApiError = res.json().await.unwrap();
    assert_eq!(err.code, ErrorCode::Unavailable);
    assert!(err.message.contains("Too many passkey sign-ins"), "{}", err.message);
    assert!(err.message.contains("password"), "{}", err.message);
    assert_eq!(app.state.auth.ceremonies.len(), MAX_ANONYMOUS);
    // A signed-in person can still add a passkey: strangers' ceremonies are counted apart.
    let ada = app.user("ada@example.com").await;
    let res = ada
        .client
        .post(app.at("/api/account/passkeys/options"))
        .header("host", &local)
        .header("x-csrf-token", &ada.csrf)
        .json(&json!({"password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{}", res.text().await.unwrap());
}

/// Starts a live view; answers the session's location.
async fn watch(app: &TestApp, b: &Browser, device: &str, probe_sdp: &str) -> String {
    let res = offer(app, b, device, probe_sdp).await;
    assert_eq!(res.status(), StatusCode::CREATED, "{}", res.text().await.unwrap());
    res.headers()["location"].to_str().unwrap().to_string()
}

async fn share_live(
    app: &TestApp,
    owner: &Browser,
    device: &str,
    to: &Browser,
    email: &str,
    end: Option<String>,
) {
    let mut body = json!({"email": email, "permissions": ["live_view"]});
    if let Some(end) = end {
        body["expires_at"] = json!(end);
    }
    let res = owner.send(app, Method::POST, &format!("/api/devices/{device}/shares"), Some(body)).await;
    assert_eq!(res.status(), StatusCode::CREATED, "{}", res.text().await.unwrap());
    let s: DeviceShare = res.json().await.unwrap();
    app.accepted(to, &s.id).await;
}

async fn live_views_are_capped_per_viewer_and_per_camera(app: TestApp) {
    let ada = app.user("ada@example.com").await;
    let (mut agent, d) = app.bound_camera(&ada).await;
    let (_probe, sdp) = Probe::offer(LOOPBACK).unwrap();
    let mut mine = Vec::new();
    for _ in 0..MAX_LIVE_PER_VIEWER {
        mine.push(watch(&app, &ada, &d.id, &sdp).await);
    }
    let (status, err) = error_of(offer(&app, &ada, &d.id, &sdp).await).await;
    assert_eq!((status, err.code), (StatusCode::TOO_MANY_REQUESTS, ErrorCode::TooManyRequests));
    assert!(err.message.contains(&format!("watching {MAX_LIVE_PER_VIEWER} live views")), "{}", err.message);

    // Another viewer fills the camera; past its cap the camera is not even asked.
    let bob = app.user("bob@example.com").await;
    share_live(&app, &ada, &d.id, &bob, "bob@example.com", None).await;
    for _ in MAX_LIVE_PER_VIEWER..MAX_LIVE_PER_CAMERA {
        watch(&app, &bob, &d.id, &sdp).await;
    }
    let offered = MAX_LIVE_PER_CAMERA as u64;
    agent.wait_until(WAIT, |s| s.live_sessions == offered).await.expect("the camera answered each");
    let (status, err) = error_of(offer(&app, &bob, &d.id, &sdp).await).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(err.message.contains(&format!("streaming to {MAX_LIVE_PER_CAMERA} viewers")), "{}", err.message);
    assert_eq!(agent.status.borrow().live_sessions, offered, "the camera was not asked");
    assert_eq!(app.state.devices.hub.live_count(), MAX_LIVE_PER_CAMERA);

    // One leaves: there is room again.
    assert_eq!(ada.send(&app, Method::DELETE, &mine[0], None).await.status(), StatusCode::NO_CONTENT);
    watch(&app, &bob, &d.id, &sdp).await;
    agent.kill();
}

/// A viewer's peer playing the stream on its own thread until `stop`; counts the frames.
fn play(mut probe: Probe, answer: &str) -> (Arc<AtomicUsize>, Arc<AtomicBool>) {
    probe.answer(answer).unwrap();
    let (frames, stop) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicBool::new(false)));
    let (f, s) = (frames.clone(), stop.clone());
    // A thread of its own, not joined: once the camera stops, no frame comes to end `run`.
    std::thread::spawn(move || {
        probe.run(Duration::from_secs(60), |_| {
            f.fetch_add(1, Ordering::Relaxed);
            s.load(Ordering::Relaxed)
        })
    });
    (frames, stop)
}

/// Waits until the peer has received `n` frames: it is connected and the camera streams.
async fn frames_arrive(frames: &AtomicUsize, n: usize) {
    let until = tokio::time::Instant::now() + WAIT;
    while frames.load(Ordering::Relaxed) < n {
        assert!(tokio::time::Instant::now() < until, "the viewer did not get {n} frames in time");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn start_watching(
    app: &TestApp,
    b: &Browser,
    device: &str,
) -> (String, Arc<AtomicUsize>, Arc<AtomicBool>) {
    let (probe, sdp) = Probe::offer(LOOPBACK).unwrap();
    let res = offer(app, b, device, &sdp).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    let (frames, stop) = play(probe, &res.text().await.unwrap());
    frames_arrive(&frames, 3).await;
    (location, frames, stop)
}

fn session_of(location: &str) -> &str {
    location.rsplit('/').next().unwrap()
}

async fn a_running_live_view_ends_when_the_share_runs_out(app: TestApp) {
    let ada = app.user("ada@example.com").await;
    let (mut agent, d) = app.bound_camera(&ada).await;
    let grace = app.user("grace@example.com").await;
    // A share that ends in a few seconds: long enough to start watching on a busy machine.
    let end = time::OffsetDateTime::now_utc() + time::Duration::seconds(5);
    let end = end.replace_nanosecond(0).unwrap();
    share_live(
        &app,
        &ada,
        &d.id,
        &grace,
        "grace@example.com",
        Some(end.format(&time::format_description::well_known::Rfc3339).unwrap()),
    )
    .await;
    let (location, frames, stop) = start_watching(&app, &grace, &d.id).await;
    assert!(
        time::OffsetDateTime::now_utc() < end,
        "the view started before the end (else the test proves nothing)"
    );
    agent.wait_until(WAIT, |s| s.viewers == 1).await.unwrap();

    // The camera stops streaming to her connected peer when the share's time is up, not before.
    agent
        .wait_until(WAIT + Duration::from_secs(5), |s| s.viewers == 0)
        .await
        .expect("the share's end ends the live view");
    assert!(time::OffsetDateTime::now_utc() >= end, "ended at the share's end, not before");
    assert!(frames.load(Ordering::Relaxed) >= 3);
    assert!(
        app.state.devices.hub.live_session(session_of(&location)).is_none(),
        "the server's session is gone"
    );
    assert_eq!(grace.send(&app, Method::DELETE, &location, None).await.status(), StatusCode::NOT_FOUND);
    stop.store(true, Ordering::Relaxed);
    agent.kill();
}

async fn a_running_live_view_ends_when_its_browser_signs_out_the_password_is_reset_or_the_account_is_deleted(
    app: TestApp,
) {
    let ada = app.user("ada@example.com").await;
    let (mut agent, d) = app.bound_camera(&ada).await;
    // Grace watches Ada's camera from two browsers.
    let grace = app.user("grace@example.com").await;
    share_live(&app, &ada, &d.id, &grace, "grace@example.com", None).await;
    let laptop = app.sign_in("grace@example.com", PASSWORD, None).await.unwrap();
    let (phone_view, _, stop1) = start_watching(&app, &grace, &d.id).await;
    let (laptop_view, laptop_frames, stop2) = start_watching(&app, &laptop, &d.id).await;
    agent.wait_until(WAIT, |s| s.viewers == 2).await.unwrap();

    // Signing out of one browser ends that browser's live view only.
    assert_eq!(grace.send(&app, Method::DELETE, "/api/session", None).await.status(), StatusCode::NO_CONTENT);
    agent.wait_until(WAIT, |s| s.viewers == 1).await.expect("signing out ends the live view");
    let hub = &app.state.devices.hub;
    assert!(hub.live_session(session_of(&phone_view)).is_none(), "the signed-out browser's session is gone");
    assert!(hub.live_session(session_of(&laptop_view)).is_some(), "the other browser still watches");
    let seen = laptop_frames.load(Ordering::Relaxed);
    frames_arrive(&laptop_frames, seen + 3).await;

    // A password reset ends every session, and so the other browser's live view.
    let anonymous = reqwest::Client::new();
    let res = anonymous.post(app.at("/api/password-reset")).json(&json!({"email": "grace@example.com"}));
    assert_eq!(res.send().await.unwrap().status(), StatusCode::ACCEPTED);
    let code = app.code_for("grace@example.com").await;
    let new_password = "a brand new passphrase";
    let body = json!({"email": "grace@example.com", "code": code, "new_password": new_password});
    let res = anonymous.post(app.at("/api/password-reset/confirm")).json(&body).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT, "{}", res.text().await.unwrap());
    agent.wait_until(WAIT, |s| s.viewers == 0).await.expect("a password reset ends the live view");
    assert!(hub.live_session(session_of(&laptop_view)).is_none());

    // Deleting her account ends her live view (her share goes with the account).
    let laptop = app.sign_in("grace@example.com", new_password, None).await.unwrap();
    let (_, _, stop3) = start_watching(&app, &laptop, &d.id).await;
    agent.wait_until(WAIT, |s| s.viewers == 1).await.unwrap();
    let res = laptop
        .send(&app, Method::POST, "/api/account/deletion", Some(json!({"password": new_password})))
        .await;
    assert_eq!(res.status(), StatusCode::OK, "{}", res.text().await.unwrap());
    agent.wait_until(WAIT, |s| s.viewers == 0).await.expect("deleting the account ends the live view");
    assert_eq!(hub.live_count(), 0);
    for stop in [stop1, stop2, stop3] {
        stop.store(true, Ordering::Relaxed);
    }
    agent.kill();
}
