//! The live view's signalling with a real camera agent and a real WebRTC peer (`Probe`, a
//! receive-only str0m peer playing the browser) on loopback, on both backends: the offer is
//! relayed to the camera, the answer comes back as `201` with a `Location`, video frames flow
//! from the camera to the viewer and decode; `DELETE` ends the camera's session; privacy mode,
//! offline cameras, other accounts and bad offers are refused. And the invariant: the server
//! links no WebRTC media stack.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use openh264::decoder::Decoder;
use reqwest::{Method, StatusCode};
use serde_json::json;
use ward_live::probe::Probe;

use crate::both_backends;
use crate::fixtures::{WAIT, error_of, offer};
use crate::helpers::TestApp;

both_backends!(
    a_viewer_gets_the_cameras_answer_and_its_video_and_leaving_ends_the_session,
    privacy_mode_offline_cameras_other_accounts_and_bad_offers_are_refused,
);

const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

async fn a_viewer_gets_the_cameras_answer_and_its_video_and_leaving_ends_the_session(app: TestApp) {
    let ada = app.user("ada@example.com").await;
    let (mut agent, d) = app.bound_camera(&ada).await;
    let ice: Vec<ward_model::IceServer> =
        ada.send(&app, Method::GET, "/api/live/ice-servers", None).await.json().await.unwrap();
    assert!(ice.is_empty(), "none configured");

    let (mut probe, sdp) = Probe::offer(LOOPBACK).unwrap();
    let res = offer(&app, &ada, &d.id, &sdp).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(res.headers()["content-type"], "application/sdp");
    let location = res.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with(&format!("/api/devices/{}/live/", d.id)), "{location}");
    probe.answer(&res.text().await.unwrap()).unwrap();
    agent.wait_until(WAIT, |s| s.viewers == 1).await.expect("the camera streams to one viewer");

    // The media flow camera → viewer: ten frames decode.
    let decoded = tokio::task::spawn_blocking(move || {
        let mut decoder = Decoder::new().unwrap();
        let mut n = 0;
        probe.run(WAIT, |data| {
            n += usize::from(matches!(decoder.decode(data), Ok(Some(_))));
            n >= 10
        })
    })
    .await
    .unwrap();
    assert!(decoded, "ten frames decoded");

    // Someone else cannot end it; the viewer can, and the camera stops.
    let bob = app.user("bob@example.com").await;
    assert_eq!(bob.send(&app, Method::DELETE, &location, None).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(ada.send(&app, Method::DELETE, &location, None).await.status(), StatusCode::NO_CONTENT);
    agent.wait_until(WAIT, |s| s.viewers == 0).await.expect("the camera stopped streaming");
    assert_eq!(ada.send(&app, Method::DELETE, &location, None).await.status(), StatusCode::NOT_FOUND);
    agent.kill();
}

async fn privacy_mode_offline_cameras_other_accounts_and_bad_offers_are_refused(app: TestApp) {
    let ada = app.user("ada@example.com").await;
    let (mut agent, d) = app.bound_camera(&ada).await;
    let (_probe, sdp) = Probe::offer(LOOPBACK).unwrap();

    // Not signed in: 401. Another account: 404, as for a device that does not exist.
    let res = reqwest::Client::new()
        .post(app.at(&format!("/api/devices/{}/live", d.id)))
        .header("content-type", "application/sdp")
        .body(sdp.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let bob = app.user("bob@example.com").await;
    assert_eq!(offer(&app, &bob, &d.id, &sdp).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(offer(&app, &ada, "no-such-device", &sdp).await.status(), StatusCode::NOT_FOUND);

    // Bad offers: wrong type, not SDP, too large. Nothing reaches the camera.
    let res =
        ada.send(&app, Method::POST, &format!("/api/devices/{}/live", d.id), Some(json!({"sdp": sdp}))).await;
    assert_eq!(res.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let (status, err) = error_of(offer(&app, &ada, &d.id, "hello").await).await;
    assert_eq!((status, err.fields[0].field.as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "offer"));
    let huge = format!("v=0\r\nm=video {}", "a".repeat(70 * 1024));
    assert_eq!(offer(&app, &ada, &d.id, &huge).await.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(agent.status.borrow().live_sessions, 0);

    // Privacy mode: refused with a clear reason, and the camera is not even asked.
    ada.send(&app, Method::PATCH, &format!("/api/devices/{}", d.id), Some(json!({"privacy_mode": true})))
        .await;
    agent.wait_until(WAIT, |s| s.privacy_mode).await.unwrap();
    let (status, err) = error_of(offer(&app, &ada, &d.id, &sdp).await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(err.message.contains("Privacy mode"), "{}", err.message);
    assert_eq!(agent.status.borrow().live_sessions, 0);
    ada.send(&app, Method::PATCH, &format!("/api/devices/{}", d.id), Some(json!({"privacy_mode": false})))
        .await;
    agent.wait_until(WAIT, |s| !s.privacy_mode).await.unwrap();

    // Offline: refused at once.
    agent.kill();
    let until = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let res = offer(&app, &ada, &d.id, &sdp).await;
        if res.status() == StatusCode::CONFLICT {
            let (_, err) = error_of(res).await;
            assert!(err.message.contains("offline"), "{}", err.message);
            break;
        }
        assert!(tokio::time::Instant::now() < until, "the camera never counted offline");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// ARCHITECTURE.md: "The server binary has no WebRTC media stack and opens no media sockets."
/// Its normal (non-test) dependency tree holds no WebRTC or codec crate, and its code never
/// makes a UDP socket.
#[test]
fn the_server_links_no_webrtc_media_stack_and_opens_no_udp_socket() {
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
    let out = std::process::Command::new(env!("CARGO"))
        .args(["tree", "--offline", "-e", "normal", "--prefix", "none", "--manifest-path", manifest])
        .output()
        .expect("cargo tree runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let tree = String::from_utf8_lossy(&out.stdout);
    assert!(tree.contains("axum"), "the tree is the server's: {tree}");
    for banned in ["str0m", "openh264", "webrtc", "ward-live", "ward-camera", "retina"] {
        assert!(!tree.lines().any(|l| l.starts_with(banned)), "ward-server links {banned}");
    }
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    fn walk(dir: &std::path::Path, found: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, found);
            } else if std::fs::read_to_string(&p).unwrap_or_default().contains("UdpSocket") {
                found.push(p.display().to_string());
            }
        }
    }
    let mut found = Vec::new();
    walk(&src, &mut found);
    assert!(found.is_empty(), "UDP sockets in the server: {found:?}");
}
