//! Sharing a camera, on both backends, with a real camera agent: an invitation grants nothing
//! until accepted; then exactly what it names (a live view without the permission is `403`),
//! the invitee's uses are logged for the owner, and revoking, declining, leaving or the end
//! of its time ends it. Bad requests get field errors and store nothing.

use std::net::{IpAddr, Ipv4Addr};

use reqwest::{Method, StatusCode};
use serde_json::json;
use ward_camera::Command;
use ward_live::probe::Probe;
use ward_model::{CallList, Device, DevicePage, DeviceShare, EventPage, ReceivedShare, ShareStatus};

use crate::both_backends;
use crate::fixtures::{Browser, PASSWORD, WAIT, error_of, get_json, offer};
use crate::helpers::TestApp;
use crate::raw::{Stored, region};

both_backends!(
    a_share_grants_what_it_names_once_accepted_and_revoking_ends_it,
    sharing_refuses_bad_requests_and_stores_nothing,
    declining_leaving_and_the_end_of_its_time_take_a_share_away,
    a_share_to_an_address_without_an_account_waits_for_it_and_lapses_unanswered,
    a_share_is_changed_without_ending_it_and_the_invitee_is_told,
    a_shared_cameras_status_reaches_the_invitee_while_the_share_is_in_force,
    an_installer_sets_a_camera_up_until_the_second_the_share_ends_and_the_owner_sees_it,
);

async fn share(app: &TestApp, owner: &Browser, device: &str, body: serde_json::Value) -> reqwest::Response {
    owner.send(app, Method::POST, &format!("/api/devices/{device}/shares"), Some(body)).await
}

async fn a_share_grants_what_it_names_once_accepted_and_revoking_ends_it(app: TestApp) {
    let ada = app.user("ada@example.com").await;
    let (mut agent, d) = app.bound_camera(&ada).await;
    agent.send(Command::Motion);
    agent.send(Command::Ring);
    let until = tokio::time::Instant::now() + WAIT;
    while get_json::<EventPage>(&app, &ada, "/api/events").await.events.is_empty()
        || get_json::<CallList>(&app, &ada, "/api/calls").await.calls.is_empty()
    {
        assert!(tokio::time::Instant::now() < until, "the alarm and the call arrive");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let call = get_json::<CallList>(&app, &ada, "/api/calls").await.calls.remove(0);
    let grace = app.user("grace@example.com").await;
    let device_url = format!("/api/devices/{}", d.id);

    // Alarms only. Pending: it grants nothing yet, and Grace is told.
    let s = app.shared(&ada, &d.id, "Grace@Example.com ", &["alarms"]).await;
    assert_eq!(
        (s.status, s.invitee_email.as_str(), s.expired),
        (ShareStatus::Pending, "grace@example.com", false)
    );
    let outbox = app.state.auth.mailer.outbox().expect("tests use the outbox");
    let mails = ward_server::mail::read_outbox(outbox, 100).await.unwrap();
    let mail = mails
        .into_iter()
        .find(|m| m.to == "grace@example.com" && m.subject.contains("shared a camera with you"))
        .expect("Grace is mailed the invitation");
    assert!(mail.text.contains(&d.name), "{}", mail.text);
    assert_eq!(grace.send(&app, Method::GET, &device_url, None).await.status(), StatusCode::NOT_FOUND);
    let received: Vec<ReceivedShare> = get_json(&app, &grace, "/api/shares").await;
    assert_eq!(received.len(), 1);
    assert_eq!(
        (received[0].device_name.as_str(), received[0].owner_name.as_str()),
        (d.name.as_str(), "Ada Lovelace")
    );
    assert_eq!(received[0].status, ShareStatus::Pending);

    // Accepted: she sees the camera (not its serial number or address) and its alarms.
    assert_eq!(app.accepted(&grace, &s.id).await.status, ShareStatus::Accepted);
    let seen: Device = get_json(&app, &grace, &device_url).await;
    assert_eq!((seen.name.as_str(), seen.serial.as_str(), seen.address.as_str()), (d.name.as_str(), "", ""));
    assert!(seen.online);
    let events: EventPage = get_json(&app, &grace, &format!("/api/events?device={}", d.id)).await;
    assert_eq!(events.events.len(), 1);
    assert_eq!(events.events[0].device_name, d.name);
    for url in [&events.events[0].picture_url, &events.events[0].thumbnail_url] {
        let res = grace.send(&app, Method::GET, url, None).await;
        assert_eq!(res.status(), StatusCode::OK, "{url}");
    }
    // Her own lists stay hers: the shared camera is listed apart, its calls never shown.
    assert_eq!(get_json::<DevicePage>(&app, &grace, "/api/devices").await.total, 0);
    assert!(get_json::<EventPage>(&app, &grace, "/api/events").await.events.is_empty());
    assert!(get_json::<CallList>(&app, &grace, "/api/calls").await.calls.is_empty());

    // Not granted: the live view, and everything that is the owner's alone, is 403.
    let (status, body) =
        error_of(offer(&app, &grace, &d.id, "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n").await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.message.contains("watch this camera live"), "{}", body.message);
    let refused = [
        (Method::PATCH, device_url.clone(), Some(json!({"privacy_mode": true}))),
        (Method::DELETE, device_url.clone(), None),
        (Method::DELETE, format!("/api/events/{}", events.events[0].id), None),
        (Method::GET, format!("{device_url}/shares"), None),
        (
            Method::POST,
            format!("{device_url}/shares"),
            Some(json!({"email": "ada@example.com", "permissions": ["alarms"]})),
        ),
        (Method::DELETE, format!("{device_url}/shares/{}", s.id), None),
    ];
    for (method, url, body) in refused {
        let res = grace.send(&app, method.clone(), &url, body).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{method} {url}");
    }
    assert_eq!(grace.send(&app, Method::GET, &call.picture_url, None).await.status(), StatusCode::NOT_FOUND);
    let still: Device = get_json(&app, &ada, &device_url).await;
    assert!(!still.privacy_mode);

    // Ada sees who, what, and the picture Grace opened.
    let mine: Vec<DeviceShare> = get_json(&app, &ada, &format!("{device_url}/shares")).await;
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].status, ShareStatus::Accepted);
    let actions: Vec<&str> = mine[0].accesses.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(actions, ["alarm_picture"]);

    // Live view granted to Bob: he watches, through the camera; revoking stops it at once.
    let bob = app.user("bob@example.com").await;
    let b = app.shared(&ada, &d.id, "bob@example.com", &["live_view"]).await;
    let (_, sdp) = Probe::offer(IpAddr::V4(Ipv4Addr::LOCALHOST)).unwrap();
    assert_eq!(offer(&app, &bob, &d.id, &sdp).await.status(), StatusCode::NOT_FOUND, "not accepted yet");
    app.accepted(&bob, &b.id).await;
    let (mut probe, sdp) = Probe::offer(IpAddr::V4(Ipv4Addr::LOCALHOST)).unwrap();
    let res = offer(&app, &bob, &d.id, &sdp).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    probe.answer(&res.text().await.unwrap()).unwrap();
    agent.wait_until(WAIT, |s| s.viewers == 1).await.expect("the camera streams to Bob");
    let (status, _) =
        error_of(bob.send(&app, Method::GET, &format!("/api/events?device={}", d.id), None).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "alarms were not granted to Bob");
    let res = ada.send(&app, Method::DELETE, &format!("{device_url}/shares/{}", b.id), None).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    agent.wait_until(WAIT, |s| s.viewers == 0).await.expect("revoking ends Bob's live view");
    let (_, sdp) = Probe::offer(IpAddr::V4(Ipv4Addr::LOCALHOST)).unwrap();
    assert_eq!(offer(&app, &bob, &d.id, &sdp).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(bob.send(&app, Method::GET, &device_url, None).await.status(), StatusCode::NOT_FOUND);
    assert!(get_json::<Vec<ReceivedShare>>(&app, &bob, "/api/shares").await.is_empty());

    // Removing the camera ends its shares.
    let res = ada.send(&app, Method::DELETE, &device_url, None).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert!(get_json::<Vec<ReceivedShare>>(&app, &grace, "/api/shares").await.is_empty());
    agent.kill();
}

async fn sharing_refuses_bad_requests_and_stores_nothing(app: TestApp) {
    let cam = app.camera().await;
    let agent = app.start(&cam).await;
    let ada = app.user("ada@example.com").await;
    let d = app.claimed(&ada, &cam).await;
    let _grace = app.user("grace@example.com").await;
    app.sign_up_and_verify("yuki@example.com", "us").await;
    let field_errors = [
        (json!({"email": "", "permissions": ["alarms"]}), "email"),
        (json!({"email": "not an email", "permissions": ["alarms"]}), "email"),
        (json!({"email": "a".repeat(300) + "@example.com", "permissions": ["alarms"]}), "email"),
        (json!({"email": "grace@example.com", "permissions": []}), "permissions"),
        (json!({"email": "grace@example.com", "permissions": ["ptz"]}), "permissions"),
        (json!({"email": "grace@example.com", "permissions": "alarms"}), "permissions"),
        (json!({"email": 42, "permissions": ["alarms"]}), "email"),
        (json!({"permissions": ["alarms"]}), "email"),
        (
            json!({"email": "grace@example.com", "permissions": ["alarms"], "expires_at": "2020-01-01T00:00:00Z"}),
            "expires_at",
        ),
        (
            json!({"email": "grace@example.com", "permissions": ["alarms"], "expires_at": "next tuesday"}),
            "expires_at",
        ),
        (json!({"email": "ada@example.com", "permissions": ["alarms"]}), "email"),
    ];
    for (body, field) in field_errors {
        let (status, e) = error_of(share(&app, &ada, &d.id, body.clone()).await).await;
        assert!(status.is_client_error() && status != StatusCode::NOT_FOUND, "{body}: {status}");
        assert!(e.fields.iter().any(|f| f.field.starts_with(field)), "{body}: {e:?}");
    }
    let mine: Vec<DeviceShare> = get_json(&app, &ada, &format!("/api/devices/{}/shares", d.id)).await;
    assert!(mine.is_empty(), "nothing was stored");

    // No answer tells whether an address has an account: an account here (Grace), one in
    // another region (Yuki) and none at all are shared with alike, and listed alike.
    let made = [
        app.shared(&ada, &d.id, "grace@example.com", &["alarms", "alarms", "live_view"]).await,
        app.shared(&ada, &d.id, "yuki@example.com", &["alarms", "live_view"]).await,
        app.shared(&ada, &d.id, "nobody@example.com", &["live_view", "alarms"]).await,
    ];
    let shape = |s: &DeviceShare| {
        (
            s.invitee_name.clone(),
            s.permissions.clone(),
            s.status,
            s.expired,
            s.answer_by.is_some(),
            s.accesses.len(),
        )
    };
    for s in &made {
        assert_eq!(shape(s), shape(&made[0]), "{s:?}");
        assert_eq!(s.invitee_name, "", "no name until they answer");
    }
    let mine: Vec<DeviceShare> = get_json(&app, &ada, &format!("/api/devices/{}/shares", d.id)).await;
    let mut emails: Vec<&str> = mine.iter().map(|s| s.invitee_email.as_str()).collect();
    emails.sort_unstable();
    assert_eq!(emails, ["grace@example.com", "nobody@example.com", "yuki@example.com"]);
    assert!(mine.iter().all(|s| shape(s) == shape(&made[0])));
    assert!(mine.iter().all(|s| s.permissions.len() == 2), "duplicates folded");
    // One share per address, with an account or without.
    for email in ["grace@example.com", "Nobody@Example.com"] {
        let (status, _) =
            error_of(share(&app, &ada, &d.id, json!({"email": email, "permissions": ["alarms"]})).await)
                .await;
        assert_eq!(status, StatusCode::CONFLICT, "{email}");
    }
    let eve = app.user("eve@example.com").await;
    for (method, url) in [
        (Method::GET, format!("/api/devices/{}/shares", d.id)),
        (Method::POST, format!("/api/devices/{}/shares", d.id)),
        (Method::DELETE, format!("/api/devices/{}/shares/{}", d.id, mine[0].id)),
        (Method::POST, format!("/api/shares/{}/accept", mine[0].id)),
        (Method::POST, format!("/api/shares/{}/decline", mine[0].id)),
        (Method::DELETE, format!("/api/shares/{}", mine[0].id)),
    ] {
        let body = json!({"email": "eve@example.com", "permissions": ["alarms"]});
        let res = eve.send(&app, method.clone(), &url, Some(body)).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{method} {url}");
    }
    let mine: Vec<DeviceShare> = get_json(&app, &ada, &format!("/api/devices/{}/shares", d.id)).await;
    assert_eq!(mine[0].status, ShareStatus::Pending, "Eve answered nothing");

    // Each share mails an address: limited (20 an hour), so Ward is nobody's mail cannon.
    let mut limited = None;
    for i in 0..25 {
        let body = json!({"email": format!("probe{i}@example.com"), "permissions": ["alarms"]});
        let res = share(&app, &ada, &d.id, body).await;
        if res.status() == StatusCode::TOO_MANY_REQUESTS {
            assert!(res.headers().contains_key("retry-after"));
            limited = Some(i);
            break;
        }
        assert_eq!(res.status(), StatusCode::CREATED);
    }
    // Ada looked up 6 emails above (her own, 3 shared, 2 already shared).
    assert_eq!(limited, Some(14), "the 21st lookup of the hour is refused");
    agent.kill();
}

async fn declining_leaving_and_the_end_of_its_time_take_a_share_away(app: TestApp) {
    let cam = app.camera().await;
    let agent = app.start(&cam).await;
    let ada = app.user("ada@example.com").await;
    let d = app.claimed(&ada, &cam).await;
    let grace = app.user("grace@example.com").await;
    let device_url = format!("/api/devices/{}", d.id);

    let s = app.shared(&ada, &d.id, "grace@example.com", &["alarms"]).await;
    let res = grace.send(&app, Method::POST, &format!("/api/shares/{}/decline", s.id), None).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(grace.send(&app, Method::GET, &device_url, None).await.status(), StatusCode::NOT_FOUND);
    let mine: Vec<DeviceShare> = get_json(&app, &ada, &format!("{device_url}/shares")).await;
    assert_eq!(mine[0].status, ShareStatus::Declined);
    // She may change her mind while it stands; then give it up.
    app.accepted(&grace, &s.id).await;
    assert_eq!(grace.send(&app, Method::GET, &device_url, None).await.status(), StatusCode::OK);
    let res = grace.send(&app, Method::DELETE, &format!("/api/shares/{}", s.id), None).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(grace.send(&app, Method::GET, &device_url, None).await.status(), StatusCode::NOT_FOUND);
    assert!(get_json::<Vec<DeviceShare>>(&app, &ada, &format!("{device_url}/shares")).await.is_empty());

    // Until a time: in force before it, nothing after.
    let end = time::OffsetDateTime::now_utc() + time::Duration::seconds(2);
    let end = end.format(&time::format_description::well_known::Rfc3339).unwrap();
    let res = share(
        &app,
        &ada,
        &d.id,
        json!({"email": "grace@example.com", "permissions": ["alarms"], "expires_at": end}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let s: DeviceShare = res.json().await.unwrap();
    app.accepted(&grace, &s.id).await;
    assert_eq!(grace.send(&app, Method::GET, &device_url, None).await.status(), StatusCode::OK);
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert_eq!(grace.send(&app, Method::GET, &device_url, None).await.status(), StatusCode::NOT_FOUND);
    let mine: Vec<DeviceShare> = get_json(&app, &ada, &format!("{device_url}/shares")).await;
    assert!(mine[0].expired);
    let received: Vec<ReceivedShare> = get_json(&app, &grace, "/api/shares").await;
    assert!(received[0].expired);

    // Deleting the invitee's account deletes the share.
    let res =
        grace.send(&app, Method::POST, "/api/account/deletion", Some(json!({"password": PASSWORD}))).await;
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());
    assert!(get_json::<Vec<DeviceShare>>(&app, &ada, &format!("{device_url}/shares")).await.is_empty());
    agent.kill();
}

async fn a_share_to_an_address_without_an_account_waits_for_it_and_lapses_unanswered(app: TestApp) {
    let cam = app.camera().await;
    let agent = app.start(&cam).await;
    let ada = app.user("ada@example.com").await;
    let d = app.claimed(&ada, &cam).await;
    let device_url = format!("/api/devices/{}", d.id);

    // Lee has no account: the invitation is mailed to the address, asking for one here.
    let invited = app.shared(&ada, &d.id, "lee@example.com", &["alarms"]).await;
    let mail = app.latest_mail("lee@example.com").await;
    assert!(mail.subject.contains("shared a camera with you"), "{}", mail.subject);
    assert!(
        mail.text.contains("create a Ward account") && mail.text.contains("the European Union"),
        "{}",
        mail.text
    );
    assert!(mail.text.contains(&d.name), "{}", mail.text);

    // Kim verifies her address in another region: nothing of Ada's reaches her.
    let kim_invited = app.shared(&ada, &d.id, "kim@example.com", &["alarms"]).await;
    let kim = app.person("kim@example.com", "us").await;
    assert!(get_json::<Vec<ReceivedShare>>(&app, &kim, "/api/shares").await.is_empty());
    assert_eq!(kim.send(&app, Method::GET, &device_url, None).await.status(), StatusCode::NOT_FOUND);

    // Lee signs up here: once her address is verified, the share waits for her answer;
    // it grants nothing before she accepts, then what it names.
    let lee = app.user("lee@example.com").await;
    let received: Vec<ReceivedShare> = get_json(&app, &lee, "/api/shares").await;
    assert_eq!(received.len(), 1, "{received:?}");
    assert_eq!((received[0].id.as_str(), received[0].status), (invited.id.as_str(), ShareStatus::Pending));
    assert_eq!(lee.send(&app, Method::GET, &device_url, None).await.status(), StatusCode::NOT_FOUND);
    app.accepted(&lee, &invited.id).await;
    assert_eq!(lee.send(&app, Method::GET, &device_url, None).await.status(), StatusCode::OK);
    let mine: Vec<DeviceShare> = get_json(&app, &ada, &format!("/api/devices/{}/shares", d.id)).await;
    let lees = mine.iter().find(|s| s.id == invited.id).unwrap();
    assert_eq!(
        (lees.invitee_name.as_str(), lees.status, lees.answer_by.as_deref()),
        ("Ada Lovelace", ShareStatus::Accepted, None)
    );

    // Unanswered, a share and an invitation lapse alike after 14 days.
    let grace = app.user("grace@example.com").await;
    let unanswered = app.shared(&ada, &d.id, "grace@example.com", &["alarms"]).await;
    let db = app.state.stores.region(ward_model::Region::Eu).await.unwrap();
    let at = |t: &str| {
        time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339)
            .unwrap()
            .unix_timestamp()
    };
    let (first, made) = (at(&kim_invited.created_at), at(&unanswered.created_at));
    db.purge_expired(first + 14 * 86_400 - 1, i64::MAX / 4, i64::MAX / 4).await.unwrap();
    let mine: Vec<DeviceShare> = get_json(&app, &ada, &format!("/api/devices/{}/shares", d.id)).await;
    assert_eq!(mine.len(), 3, "all still there a second before: {mine:?}");
    db.purge_expired(made + 14 * 86_400 + 1, i64::MAX / 4, i64::MAX / 4).await.unwrap();
    let mine: Vec<DeviceShare> = get_json(&app, &ada, &format!("/api/devices/{}/shares", d.id)).await;
    assert_eq!(
        mine.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
        [invited.id.as_str()],
        "only the accepted share is left"
    );
    assert!(get_json::<Vec<ReceivedShare>>(&app, &grace, "/api/shares").await.is_empty());
    assert!(!mine.iter().any(|s| s.id == kim_invited.id));
    agent.kill();
}

async fn a_share_is_changed_without_ending_it_and_the_invitee_is_told(app: TestApp) {
    let cam = app.camera().await;
    let agent = app.start(&cam).await;
    let ada = app.user("ada@example.com").await;
    let d = app.claimed(&ada, &cam).await;
    let grace = app.user("grace@example.com").await;
    let s = app.shared(&ada, &d.id, "grace@example.com", &["alarms"]).await;
    app.accepted(&grace, &s.id).await;
    let url = format!("/api/devices/{}/shares/{}", d.id, s.id);

    // Bad terms: field errors, nothing changed.
    for (body, field) in [
        (json!({"permissions": []}), "permissions"),
        (json!({"permissions": ["ptz"]}), "permissions"),
        (json!({"permissions": ["alarms"], "expires_at": "2020-01-01T00:00:00Z"}), "expires_at"),
        (json!({"permissions": ["alarms"], "expires_at": "soon"}), "expires_at"),
    ] {
        let (status, e) = error_of(ada.send(&app, Method::PATCH, &url, Some(body.clone())).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(e.fields.iter().any(|f| f.field.starts_with(field)), "{body}: {e:?}");
    }
    // Only the owner changes it: the invitee is refused, a stranger told nothing.
    let body = json!({"permissions": ["live_view", "alarms"], "expires_at": "2099-01-01T00:00:00Z"});
    assert_eq!(
        grace.send(&app, Method::PATCH, &url, Some(body.clone())).await.status(),
        StatusCode::FORBIDDEN
    );
    let eve = app.user("eve@example.com").await;
    assert_eq!(eve.send(&app, Method::PATCH, &url, Some(body.clone())).await.status(), StatusCode::NOT_FOUND);
    let received: Vec<ReceivedShare> = get_json(&app, &grace, "/api/shares").await;
    assert_eq!(received[0].permissions, [ward_model::SharePermission::Alarms]);

    // Changed: still accepted, the new terms in force, Grace mailed them.
    let res = ada.send(&app, Method::PATCH, &url, Some(body)).await;
    assert_eq!(res.status(), StatusCode::OK, "{}", res.text().await.unwrap());
    let changed: DeviceShare = res.json().await.unwrap();
    assert_eq!((changed.id.as_str(), changed.status), (s.id.as_str(), ShareStatus::Accepted));
    assert_eq!(changed.expires_at.as_deref(), Some("2099-01-01T00:00:00Z"));
    let received: Vec<ReceivedShare> = get_json(&app, &grace, "/api/shares").await;
    assert_eq!(received[0].permissions.len(), 2);
    let mail = app.latest_mail("grace@example.com").await;
    assert!(mail.subject.contains("changed a camera shared with you"), "{}", mail.subject);
    assert!(mail.text.contains("watch it live, see its alarms, until 2099-01-01T00:00:00Z"), "{}", mail.text);

    // An invitation to an address without an account is changed and withdrawn the same way.
    let inv = app.shared(&ada, &d.id, "nobody@example.com", &["alarms"]).await;
    let inv_url = format!("/api/devices/{}/shares/{}", d.id, inv.id);
    let res = ada.send(&app, Method::PATCH, &inv_url, Some(json!({"permissions": ["live_view"]}))).await;
    assert_eq!(res.status(), StatusCode::OK, "{}", res.text().await.unwrap());
    assert_eq!(res.json::<DeviceShare>().await.unwrap().permissions, [ward_model::SharePermission::LiveView]);
    assert_eq!(ada.send(&app, Method::DELETE, &inv_url, None).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(ada.send(&app, Method::DELETE, &inv_url, None).await.status(), StatusCode::NOT_FOUND);
    let mine: Vec<DeviceShare> = get_json(&app, &ada, &format!("/api/devices/{}/shares", d.id)).await;
    assert_eq!(mine.len(), 1);
    agent.kill();
}

/// Reads a status stream until `needle` appears (at most `WAIT`); answers all it read.
async fn read_until(stream: &mut reqwest::Response, needle: &str) -> String {
    tokio::time::timeout(WAIT, async {
        let mut seen = String::new();
        while let Some(chunk) = stream.chunk().await.unwrap() {
            seen.push_str(&String::from_utf8_lossy(&chunk));
            if seen.contains(needle) {
                return seen;
            }
        }
        seen
    })
    .await
    .unwrap_or_else(|_| panic!("{needle} is pushed within {WAIT:?}"))
}

async fn a_shared_cameras_status_reaches_the_invitee_while_the_share_is_in_force(app: TestApp) {
    let (first, second, own) = (app.camera().await, app.camera().await, app.camera().await);
    let ada = app.user("ada@example.com").await;
    let grace = app.user("grace@example.com").await;
    let mut agents = std::collections::VecDeque::new();
    let mut ids = Vec::new();
    // Ada's two cameras, both shared with Grace; Grace's own, whose change marks how far her
    // stream has got.
    for (cam, owner) in [(&first, &ada), (&second, &ada), (&own, &grace)] {
        let mut agent = app.start(cam).await;
        ids.push(app.claimed(owner, cam).await.id);
        agent.wait_until(WAIT, |s| s.bound).await.unwrap();
        agents.push_back(agent);
    }
    let mut held = Vec::new();
    for id in &ids[..2] {
        let s = app.shared(&ada, id, "grace@example.com", &["alarms"]).await;
        app.accepted(&grace, &s.id).await;
        held.push(s.id);
    }
    let offline = |id: &str| format!("{{\"id\":\"{id}\",\"online\":false}}");

    // In force: Ada's camera going offline reaches Grace as it reaches Ada.
    let mut stream = grace.client.get(app.at("/api/devices/status")).send().await.unwrap();
    assert_eq!(stream.headers()["content-type"], "text/event-stream");
    agents.pop_front().unwrap().kill();
    read_until(&mut stream, &offline(&ids[0])).await;

    // Revoked: the other camera going offline is not told to Grace; her own camera's change,
    // pushed after it, arrives alone.
    let revoke = format!("/api/devices/{}/shares/{}", ids[1], held[1]);
    assert_eq!(ada.send(&app, Method::DELETE, &revoke, None).await.status(), StatusCode::NO_CONTENT);
    agents.pop_front().unwrap().kill();
    let gone: Device = {
        let until = tokio::time::Instant::now() + WAIT;
        loop {
            let d: Device = get_json(&app, &ada, &format!("/api/devices/{}", ids[1])).await;
            if !d.online || tokio::time::Instant::now() > until {
                break d;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    };
    assert!(!gone.online, "Ada's second camera is offline before Grace's goes");
    agents.pop_front().unwrap().kill();
    let seen = read_until(&mut stream, &offline(&ids[2])).await;
    assert!(!seen.contains(&offline(&ids[1])), "{seen}");
}

async fn an_installer_sets_a_camera_up_until_the_second_the_share_ends_and_the_owner_sees_it(app: TestApp) {
    let cam = app.camera().await;
    let agent = app.start(&cam).await;
    let ada = app.user("ada@example.com").await;
    let d = app.claimed(&ada, &cam).await;
    let bob = app.user("bob@example.com").await;
    let url = format!("/api/devices/{}", d.id);

    // Setting up is for a limited time: an end is needed, at most 7 days away.
    let now = time::OffsetDateTime::now_utc();
    let at = |days: i64| {
        (now + time::Duration::days(days)).format(&time::format_description::well_known::Rfc3339).unwrap()
    };
    for body in [
        json!({"email": "bob@example.com", "permissions": ["configure"]}),
        json!({"email": "bob@example.com", "permissions": ["configure"], "expires_at": at(8)}),
    ] {
        let (status, e) = error_of(share(&app, &ada, &d.id, body.clone()).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(e.fields[0].field, "expires_at", "{body}: {e:?}");
    }
    let res = share(
        &app,
        &ada,
        &d.id,
        json!({"email": "bob@example.com", "permissions": ["configure"], "expires_at": at(2)}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED, "{}", res.text().await.unwrap());
    let s: DeviceShare = res.json().await.unwrap();
    // Pending: nothing yet.
    let rename = json!({"name": "Hall camera"});
    assert_eq!(
        bob.send(&app, Method::PATCH, &url, Some(rename.clone())).await.status(),
        StatusCode::NOT_FOUND
    );
    app.accepted(&bob, &s.id).await;

    // In force: Bob renames it and switches privacy mode; the answer is the shared view.
    let res = bob.send(&app, Method::PATCH, &url, Some(rename.clone())).await;
    assert_eq!(res.status(), StatusCode::OK, "{}", res.text().await.unwrap());
    let seen: Device = res.json().await.unwrap();
    assert_eq!((seen.name.as_str(), seen.serial.as_str()), ("Hall camera", ""));
    let res = bob.send(&app, Method::PATCH, &url, Some(json!({"privacy_mode": true}))).await;
    assert_eq!(res.status(), StatusCode::OK);
    // Ada sees the new name (sealed with her key) and both changes in her logs.
    let hers: Device = get_json(&app, &ada, &url).await;
    assert_eq!((hers.name.as_str(), hers.privacy_mode), ("Hall camera", true));
    let mine: Vec<DeviceShare> = get_json(&app, &ada, &format!("{url}/shares")).await;
    assert!(mine[0].accesses.iter().any(|a| a.action == "configured"), "{:?}", mine[0].accesses);
    let log: serde_json::Value = get_json(&app, &ada, "/api/privacy/access").await;
    assert!(log["entries"].as_array().unwrap().iter().any(|e| e["action"] == "configured"), "{log}");

    // Never more than setting it up: not sharing, removing, watching or its alarms.
    let body = json!({"email": "eve@example.com", "permissions": ["alarms"]});
    assert_eq!(
        bob.send(&app, Method::POST, &format!("{url}/shares"), Some(body)).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(bob.send(&app, Method::DELETE, &url, None).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        bob.send(&app, Method::GET, &format!("/api/events?device={}", d.id), None).await.status(),
        StatusCode::FORBIDDEN
    );
    // Someone shared the camera without it may not set it up.
    let grace = app.user("grace@example.com").await;
    let g = app.shared(&ada, &d.id, "grace@example.com", &["alarms"]).await;
    app.accepted(&grace, &g.id).await;
    assert_eq!(
        grace.send(&app, Method::PATCH, &url, Some(rename.clone())).await.status(),
        StatusCode::FORBIDDEN
    );

    // At the second it ends: nothing more (the camera is as unknown to Bob as any other).
    let mut db = region(&app).await;
    let ended = time::OffsetDateTime::now_utc().unix_timestamp();
    db.exec(
        "UPDATE device_shares SET expires_at = $1 WHERE id = $2",
        vec![Stored::Int(ended), Stored::Text(s.id.clone())],
    )
    .await;
    assert_eq!(bob.send(&app, Method::PATCH, &url, Some(rename)).await.status(), StatusCode::NOT_FOUND);
    agent.kill();
}
