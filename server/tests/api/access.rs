//! "Who saw my data" on both backends: the privacy staff opening and answering a request and
//! an invitee using a shared camera are written to the person's access log, with names the
//! person already knows; the person's own use of their data and other people's logs are not;
//! a changed, removed or truncated record is detected.

use reqwest::{Method, StatusCode};
use serde_json::json;
use ward_model::{AccessAction, AccessActor, AccessLog, LedgerVerification};

use crate::both_backends;
use crate::fixtures::{Browser, PASSWORD, api_with_staff, json_of, motion_alarm};
use crate::helpers::{Backend, TestApp, client};

both_backends!(
    backend: the_staff_and_invitees_are_in_the_log_and_the_person_themselves_is_not,
    a_changed_removed_or_truncated_record_is_detected,
);

async fn log(app: &TestApp, b: &Browser) -> AccessLog {
    json_of(b.send(app, Method::GET, "/api/privacy/access", None).await, StatusCode::OK).await
}

/// Files a request as `b` and has the staff open it; answers the request's id.
async fn filed_and_opened(app: &TestApp, b: &Browser, staff: &Browser) -> String {
    let res = b
        .send(
            app,
            Method::POST,
            "/api/privacy/requests",
            Some(json!({"kind": "explanation", "details": "Why was my alarm marked as a person?"})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let id = res.json::<serde_json::Value>().await.unwrap()["id"].as_str().unwrap().to_string();
    let res = staff.send(app, Method::GET, &format!("/api/staff/requests/eu/{id}"), None).await;
    assert_eq!(res.status(), StatusCode::OK, "{}", res.text().await.unwrap());
    id
}

fn seen(l: &AccessLog) -> Vec<(AccessActor, AccessAction, Option<&str>, Option<&str>)> {
    l.entries.iter().map(|e| (e.actor, e.action, e.who.as_deref(), e.what.as_deref())).collect()
}

async fn the_staff_and_invitees_are_in_the_log_and_the_person_themselves_is_not(backend: Backend) {
    let Some(app) = api_with_staff(backend).await else { return };
    let ada = app.user("ada@example.com").await;
    let grace = app.user("grace@example.com").await;
    let res = grace.send(&app, Method::PATCH, "/api/account", Some(json!({"name": "Grace Hopper"}))).await;
    assert_eq!(res.status(), StatusCode::OK);
    let staff = app.staff().await;
    let empty = log(&app, &ada).await;
    assert_eq!((empty.entries.len(), empty.total), (0, 0));
    assert!(empty.verification.intact);
    let res = client().get(app.at("/api/privacy/access")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "signed out, there is no log to read");

    // The staff open Ada's request and answer it: both are in her log, as the team.
    let id = filed_and_opened(&app, &ada, &staff).await;
    let res = staff
        .send(
            &app,
            Method::POST,
            &format!("/api/staff/requests/eu/{id}/decision"),
            Some(json!({"action": "fulfil", "text": "A person walked past at 14:02."})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let l = log(&app, &ada).await;
    assert_eq!(
        seen(&l),
        [
            (AccessActor::Staff, AccessAction::RequestAnswered, None, None),
            (AccessActor::Staff, AccessAction::RequestOpened, None, None),
        ],
        "newest first"
    );
    assert_eq!((l.total, l.entries[0].seq, l.verification.intact), (2, 2, true));

    // A staff member opening their own request is the person themselves: not recorded.
    filed_and_opened(&app, &staff, &staff).await;
    assert_eq!(log(&app, &staff).await.total, 0);

    // Grace watches nothing of Ada's until Ada shares a camera; then her opening an alarm
    // picture is in Ada's log with her name and the camera's, and in no one else's.
    let (mut agent, d) = app.bound_camera(&ada).await;
    let share = app.shared(&ada, &d.id, "grace@example.com", &["alarms"]).await;
    app.accepted(&grace, &share.id).await;
    let event = motion_alarm(&app, &mut agent, &ada).await;
    // Ada's own look is hers; Grace's is an access.
    assert_eq!(ada.send(&app, Method::GET, &event.picture_url, None).await.status(), StatusCode::OK);
    assert_eq!(log(&app, &ada).await.total, 2);
    assert_eq!(grace.send(&app, Method::GET, &event.picture_url, None).await.status(), StatusCode::OK);
    let l = log(&app, &ada).await;
    assert_eq!(
        seen(&l)[0],
        (AccessActor::Invitee, AccessAction::AlarmPicture, Some("Grace Hopper"), Some(d.name.as_str()))
    );
    assert!(l.verification.intact);
    assert_eq!(log(&app, &grace).await.total, 0, "Grace's log holds accesses to her data only");
    // The same picture again within minutes is the same use: no second record.
    assert_eq!(grace.send(&app, Method::GET, &event.picture_url, None).await.status(), StatusCode::OK);
    assert_eq!(log(&app, &ada).await.total, l.total);

    // Once Grace's account is gone, the record stays without her name.
    let res =
        grace.send(&app, Method::POST, "/api/account/deletion", Some(json!({"password": PASSWORD}))).await;
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());
    let l = log(&app, &ada).await;
    assert_eq!(seen(&l)[0], (AccessActor::Invitee, AccessAction::AlarmPicture, None, Some(d.name.as_str())));
    assert!(l.verification.intact);
}

async fn a_changed_removed_or_truncated_record_is_detected(backend: Backend) {
    let Some(app) = api_with_staff(backend).await else { return };
    let ada = app.user("ada@example.com").await;
    let staff = app.staff().await;
    let id = filed_and_opened(&app, &ada, &staff).await;
    for _ in 0..2 {
        let res = staff.send(&app, Method::GET, &format!("/api/staff/requests/eu/{id}"), None).await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    let whole = LedgerVerification { intact: true, records: 3, first_broken: None };
    assert_eq!(log(&app, &ada).await.verification, whole);
    let sql = |s: &'static str| crate::raw::execute(&app, "region-eu", s);

    // Someone with database access turns the staff into an invitee.
    assert_eq!(sql("UPDATE access_log SET actor = 'invitee' WHERE seq = 2").await, 1);
    let v = log(&app, &ada).await.verification;
    assert_eq!(v, LedgerVerification { intact: false, records: 3, first_broken: Some(2) });
    sql("UPDATE access_log SET actor = 'staff' WHERE seq = 2").await;
    assert_eq!(log(&app, &ada).await.verification, whole);

    // Or removes the newest record, which leaves a chain that is whole in itself: the head
    // anchored in the directory tells.
    assert_eq!(sql("DELETE FROM access_log WHERE seq = 3").await, 1);
    let v = log(&app, &ada).await.verification;
    assert_eq!(v, LedgerVerification { intact: false, records: 2, first_broken: Some(3) });

    // Or removes the first.
    assert_eq!(sql("DELETE FROM access_log WHERE seq = 1").await, 1);
    assert_eq!(log(&app, &ada).await.verification.first_broken, Some(1));
}
