//! A copy of the archive sent on, on both backends: to recipients declared in a data file
//! (`--recipients`) that run on loopback here and answer as a real service might (flaky,
//! down, refusing, gone), signed with the published key, retried, recorded in the consent
//! ledger and the activity log; and one-time links for a recipient of the person's own
//! (once, 72 hours, revocable, logged). Bad input is refused with nothing stored.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::Digest as _;
use ward_model::{
    ExportLink, ExportRecipient, ExportTransfer, LedgerEntry, SigningKey, TransferFailure, TransferState,
};
use ward_server::export::transfer;

use crate::fixtures::{Browser, PASSWORD, WAIT, json_of};
use crate::helpers::{Backend, Dist, TestApp, client, spawn_app_configured};
use crate::raw::{Stored, region};

crate::both_backends!(backend:
    a_copy_goes_to_the_chosen_recipient_signed_retried_and_recorded,
    a_one_time_link_works_once_for_72_hours_unless_revoked,
);

/// One request a loopback recipient received.
#[derive(Debug, Clone)]
struct Got {
    path: String,
    headers: HeaderMap,
    body: Bytes,
}

#[derive(Clone, Default)]
struct Inbox {
    got: Arc<Mutex<Vec<Got>>>,
}

impl Inbox {
    fn of(&self, path: &str) -> Vec<Got> {
        self.got.lock().unwrap().iter().filter(|g| g.path == path).cloned().collect()
    }
}

/// A recipient service on loopback: `flaky` fails its first request with 503, `down`
/// answers 500, `reject` answers 400, `ok` takes everything.
async fn recipient_service() -> (String, Inbox) {
    async fn receive(
        State(inbox): State<Inbox>,
        Path(path): Path<String>,
        headers: HeaderMap,
        body: Bytes,
    ) -> AxumStatus {
        let mut got = inbox.got.lock().unwrap();
        let before = got.iter().filter(|g| g.path == path).count();
        got.push(Got { path: path.clone(), headers, body });
        match (path.as_str(), before) {
            ("flaky", 0) => AxumStatus::SERVICE_UNAVAILABLE,
            ("down", _) => AxumStatus::INTERNAL_SERVER_ERROR,
            ("reject", _) => AxumStatus::BAD_REQUEST,
            _ => AxumStatus::OK,
        }
    }
    let inbox = Inbox::default();
    let app = axum::Router::new()
        .route("/{path}", axum::routing::post(receive))
        .layer(axum::extract::DefaultBodyLimit::disable())
        .with_state(inbox.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, inbox)
}

fn declared(id: &str, name: &str, endpoint: &str, max_bytes: u64) -> Value {
    json!({
        "id": id, "name": name, "legal_entity": format!("{name} Ltd"),
        "description": {"en": format!("{name} keeps your pictures."), "zh": format!("{name}保存您的图片。")},
        "endpoint": endpoint, "max_bytes": max_bytes,
    })
}

/// An app whose recipients are `recipients`, copies retried at once.
async fn app_sending_to(backend: Backend, recipients: Vec<Value>) -> Option<(TestApp, tempfile::TempDir)> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("recipients.json");
    std::fs::write(&file, json!({ "recipients": recipients }).to_string()).unwrap();
    let app = spawn_app_configured(backend, Dist::Built, |c| c.recipients = Some(file)).await?;
    app.state.exports.retry_ms.store(1, std::sync::atomic::Ordering::Relaxed);
    Some((app, dir))
}

async fn ready_archive(app: &TestApp, b: &Browser) -> Bytes {
    let res = b.send(app, Method::POST, "/api/privacy/exports", Some(json!({"password": PASSWORD}))).await;
    assert_eq!(res.status(), StatusCode::ACCEPTED, "{}", res.text().await.unwrap());
    let st = app.ready_export(b).await;
    let res = b.send(app, Method::GET, st.download_url.as_deref().unwrap(), None).await;
    assert_eq!(res.status(), StatusCode::OK);
    res.bytes().await.unwrap()
}

async fn send_copy(app: &TestApp, b: &Browser, recipient: &str) -> reqwest::Response {
    b.send(
        app,
        Method::POST,
        "/api/privacy/exports/current/transfers",
        Some(json!({ "recipient": recipient })),
    )
    .await
}

async fn transfers(app: &TestApp, b: &Browser) -> Vec<ExportTransfer> {
    json_of(b.send(app, Method::GET, "/api/privacy/exports/current/transfers", None).await, StatusCode::OK)
        .await
}

/// Waits, at most `WAIT`, until the copy `id` is no longer being sent.
async fn settled(app: &TestApp, b: &Browser, id: &str) -> ExportTransfer {
    let until = tokio::time::Instant::now() + WAIT;
    loop {
        let t = transfers(app, b).await.into_iter().find(|t| t.id == id).expect("the copy is listed");
        if t.state != TransferState::Sending {
            return t;
        }
        assert!(
            tokio::time::Instant::now() < until,
            "the copy is delivered or given up within {WAIT:?}: {t:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn activity(app: &TestApp, b: &Browser) -> String {
    b.send(app, Method::GET, "/api/account/activity", None).await.text().await.unwrap()
}

/// How many rows of `table` are about `b`.
async fn rows(app: &TestApp, b: &Browser, table: &str) -> i64 {
    region(app)
        .await
        .count(&format!("SELECT COUNT(*) FROM {table} WHERE person_id = $1"), &b.info.account.id)
        .await
}

async fn a_copy_goes_to_the_chosen_recipient_signed_retried_and_recorded(backend: Backend) {
    let (base, inbox) = recipient_service().await;
    // A port nothing listens on: taken, then given back.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
    let Some((app, _dir)) = app_sending_to(
        backend,
        vec![
            declared("flaky", "Flaky Photos", &format!("{base}/flaky"), 1 << 30),
            declared("down", "Down Photos", &format!("{base}/down"), 1 << 30),
            declared("reject", "Picky Photos", &format!("{base}/reject"), 1 << 30),
            declared("tiny", "Tiny Photos", &format!("{base}/ok"), 10),
            declared("gone", "Gone Photos", &format!("http://{closed}/in"), 1 << 30),
        ],
    )
    .await
    else {
        return;
    };
    let ada = app.user("ada@example.com").await;
    let grace = app.user("grace@example.com").await;

    // Before any archive: nothing to send.
    assert_eq!(send_copy(&app, &ada, "flaky").await.status(), StatusCode::NOT_FOUND);
    let archive = ready_archive(&app, &ada).await;
    let listed: Vec<ExportRecipient> =
        json_of(ada.send(&app, Method::GET, "/api/privacy/exports/recipients", None).await, StatusCode::OK)
            .await;
    assert_eq!(
        listed.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        ["flaky", "down", "reject", "tiny", "gone"]
    );

    // Bad input: an unknown recipient, one the archive is too large for; another person
    // (no archive of theirs). Nothing stored, nothing sent.
    let err: Value = json_of(send_copy(&app, &ada, "nobody").await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(err["fields"][0]["field"], "recipient", "{err}");
    let err: Value = json_of(send_copy(&app, &ada, "tiny").await, StatusCode::CONFLICT).await;
    assert!(err["message"].as_str().unwrap().contains("Tiny Photos"), "{err}");
    assert_eq!(send_copy(&app, &grace, "flaky").await.status(), StatusCode::NOT_FOUND);
    assert_eq!(rows(&app, &ada, "export_transfers").await, 0);
    assert!(inbox.got.lock().unwrap().is_empty());

    // The flaky service refuses once, then takes it: delivered on the second attempt.
    let t: ExportTransfer = json_of(send_copy(&app, &ada, "flaky").await, StatusCode::ACCEPTED).await;
    assert_eq!((t.state, t.recipient_name.as_str()), (TransferState::Sending, "Flaky Photos"));
    let t = settled(&app, &ada, &t.id).await;
    assert_eq!((t.state, t.attempts, t.failure), (TransferState::Sent, 2, None), "{t:?}");
    assert!(t.sent_at.is_some());
    let got = inbox.of("flaky");
    assert_eq!(got.len(), 2);
    let last = &got[1];
    assert_eq!(last.body, archive, "the recipient gets the archive the person downloads");
    let header = |name: &str| last.headers[name].to_str().unwrap().to_string();
    assert_eq!(header("content-type"), "application/zip");
    let digest = hex::encode(sha2::Sha256::digest(&last.body));
    assert_eq!(header("ward-content-sha256"), digest);
    assert_eq!((header("ward-recipient"), header("ward-transfer")), ("flaky".to_string(), t.id.clone()));

    // The signature verifies with the published key (no sign-in needed to read it), for this
    // recipient only.
    let key: SigningKey = json_of(
        client().get(app.at("/api/privacy/exports/signing-key")).send().await.unwrap(),
        StatusCode::OK,
    )
    .await;
    let sent_at: i64 = header("ward-sent-at").parse().unwrap();
    let message = transfer::signed_message("flaky", &t.id, sent_at, &digest);
    assert!(transfer::verify(&key.public_key, &message, &header("ward-signature")));
    let replayed = transfer::signed_message("down", &t.id, sent_at, &digest);
    assert!(!transfer::verify(&key.public_key, &replayed, &header("ward-signature")));

    // In the consent ledger (chain intact) and the activity log.
    let ledger: Vec<LedgerEntry> =
        json_of(ada.send(&app, Method::GET, "/api/privacy/ledger", None).await, StatusCode::OK).await;
    let sent = ledger.last().unwrap();
    assert_eq!(sent.purpose, "portability:flaky");
    assert_eq!(sent.recipient.as_deref(), Some("Flaky Photos"));
    assert_eq!(sent.action, ward_model::ConsentAction::Transferred);
    assert_eq!(sent.method, ward_model::ConsentMethod::Export);
    assert_eq!(sent.text_version, digest[..16]);
    let verified: Value =
        json_of(ada.send(&app, Method::GET, "/api/privacy/ledger/verify", None).await, StatusCode::OK).await;
    assert_eq!(verified["intact"], true, "{verified}");
    assert!(activity(&app, &ada).await.contains("export_sent"));

    // One delivered copy of an archive per recipient: a second is refused, nothing stored.
    let err: Value = json_of(send_copy(&app, &ada, "flaky").await, StatusCode::CONFLICT).await;
    assert!(err["message"].as_str().unwrap().contains("make a new archive"), "{err}");
    assert_eq!(rows(&app, &ada, "export_transfers").await, 1);

    // Delivered copies are not sent again through retry; Grace cannot retry Ada's.
    let retry = |id: &str| format!("/api/privacy/exports/current/transfers/{id}/retry");
    assert_eq!(ada.send(&app, Method::POST, &retry(&t.id), None).await.status(), StatusCode::CONFLICT);
    assert_eq!(grace.send(&app, Method::POST, &retry(&t.id), None).await.status(), StatusCode::NOT_FOUND);

    // A service that keeps failing: three attempts, then reported with its answer; sent
    // again on request (three more), and again reported.
    let t: ExportTransfer = json_of(send_copy(&app, &ada, "down").await, StatusCode::ACCEPTED).await;
    let t = settled(&app, &ada, &t.id).await;
    assert_eq!(
        (t.state, t.attempts, t.failure, t.status),
        (TransferState::Failed, 3, Some(TransferFailure::Refused), Some(500))
    );
    assert!(activity(&app, &ada).await.contains("export_send_failed"));
    let again: ExportTransfer =
        json_of(ada.send(&app, Method::POST, &retry(&t.id), None).await, StatusCode::ACCEPTED).await;
    assert_eq!(again.state, TransferState::Sending);
    let again = settled(&app, &ada, &t.id).await;
    assert_eq!((again.state, again.attempts), (TransferState::Failed, 3));
    assert_eq!(inbox.of("down").len(), 6);

    // A refusal of what was sent (400) is not tried again; a service nobody answers for is
    // unreachable after three attempts.
    let t: ExportTransfer = json_of(send_copy(&app, &ada, "reject").await, StatusCode::ACCEPTED).await;
    let t = settled(&app, &ada, &t.id).await;
    assert_eq!((t.state, t.attempts, t.status), (TransferState::Failed, 1, Some(400)));
    let t: ExportTransfer = json_of(send_copy(&app, &ada, "gone").await, StatusCode::ACCEPTED).await;
    let t = settled(&app, &ada, &t.id).await;
    assert_eq!(
        (t.state, t.attempts, t.failure),
        (TransferState::Failed, 3, Some(TransferFailure::Unreachable))
    );

    // Only the ledger records what was delivered: one copy.
    let ledger: Vec<LedgerEntry> =
        json_of(ada.send(&app, Method::GET, "/api/privacy/ledger", None).await, StatusCode::OK).await;
    assert_eq!(ledger.iter().filter(|e| e.purpose.starts_with("portability:")).count(), 1);

    // A session signed in over an hour ago must confirm its password first.
    let mut db = region(&app).await;
    for sql in [
        "UPDATE sessions SET created_at = created_at - 7200 WHERE person_id = $1",
        "UPDATE exports SET confirmed_at = confirmed_at - 7200 WHERE person_id = $1",
    ] {
        db.exec(sql, vec![Stored::Text(ada.info.account.id.clone())]).await;
    }
    assert_eq!(send_copy(&app, &ada, "flaky").await.status(), StatusCode::FORBIDDEN);

    // A new archive replaces the old one, and its copies' records go with it.
    assert_eq!(rows(&app, &ada, "export_transfers").await, 4);
    ada.send(&app, Method::DELETE, "/api/privacy/exports/current", None).await;
    assert_eq!(rows(&app, &ada, "export_transfers").await, 0);
}

async fn links(app: &TestApp, b: &Browser) -> Vec<ExportLink> {
    json_of(b.send(app, Method::GET, "/api/privacy/exports/current/links", None).await, StatusCode::OK).await
}

async fn make_link(app: &TestApp, b: &Browser, label: &str) -> ExportLink {
    let res = b
        .send(app, Method::POST, "/api/privacy/exports/current/links", Some(json!({ "label": label })))
        .await;
    json_of(res, StatusCode::CREATED).await
}

/// Fetches a link as its recipient does: no cookies, no session.
async fn fetch(app: &TestApp, url: &str) -> reqwest::Response {
    client().get(app.at(url)).send().await.unwrap()
}

async fn a_one_time_link_works_once_for_72_hours_unless_revoked(backend: Backend) {
    let Some((app, _dir)) = app_sending_to(backend, vec![]).await else { return };
    let ada = app.user("ada@example.com").await;
    let grace = app.user("grace@example.com").await;
    let path = "/api/privacy/exports/current/links";
    assert_eq!(
        ada.send(&app, Method::POST, path, Some(json!({"label": "x"}))).await.status(),
        StatusCode::NOT_FOUND
    );
    let archive = ready_archive(&app, &ada).await;

    // Bad input: no label, a label too long; nothing stored.
    for (label, code) in [("  ", "required"), (&*"a".repeat(101), "too_long")] {
        let err: Value = json_of(
            ada.send(&app, Method::POST, path, Some(json!({ "label": label }))).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(
            (err["fields"][0]["field"].as_str(), err["fields"][0]["code"].as_str()),
            (Some("label"), Some(code))
        );
    }
    assert_eq!(rows(&app, &ada, "export_links").await, 0);

    // Made: the link in this answer only; its secret and its label are not stored in clear.
    let link = make_link(&app, &ada, "My photo frame").await;
    let url = link.url.clone().expect("the link, shown once");
    let token = url.rsplit('/').next().unwrap().to_string();
    assert!(token.starts_with("eu."), "{token}");
    let listed = links(&app, &ada).await;
    assert_eq!(
        (listed.len(), listed[0].label.as_str(), listed[0].url.as_deref()),
        (1, "My photo frame", None)
    );
    let mut db = region(&app).await;
    for column in ["token_hash", "label_ct"] {
        let stored = db.values("export_links", column, "person_id", &ada.info.account.id, "bytea").await;
        let Some(Stored::Bytes(raw)) = stored.first() else {
            panic!("{column} is stored as bytes: {stored:?}")
        };
        assert!(!contains(raw, token.as_bytes()) && !contains(raw, b"My photo frame"), "{column}");
    }
    assert!(links(&app, &grace).await.is_empty());

    // It works once, for anyone holding it, and the use is in Ada's activity log.
    let res = fetch(&app, &url).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/zip");
    assert_eq!(res.bytes().await.unwrap(), archive);
    assert_eq!(fetch(&app, &url).await.status(), StatusCode::NOT_FOUND, "a used link is spent");
    assert!(links(&app, &ada).await[0].used_at.is_some());
    let log = activity(&app, &ada).await;
    assert!(log.contains("export_link_created") && log.contains("export_link_used"), "{log}");

    // Revoked: gone. Grace cannot revoke Ada's; a link revoked or used is not revoked again.
    let second = make_link(&app, &ada, "Second").await;
    let revoke = format!("{path}/{}", second.id);
    assert_eq!(grace.send(&app, Method::DELETE, &revoke, None).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(ada.send(&app, Method::DELETE, &revoke, None).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(ada.send(&app, Method::DELETE, &revoke, None).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(fetch(&app, second.url.as_deref().unwrap()).await.status(), StatusCode::NOT_FOUND);
    assert!(activity(&app, &ada).await.contains("export_link_revoked"));

    // 72 hours less a second: works; a second past: gone.
    let created =
        time::OffsetDateTime::parse(&second.created_at, &time::format_description::well_known::Rfc3339)
            .unwrap()
            .unix_timestamp();
    let third = make_link(&app, &ada, "Third").await;
    let fourth = make_link(&app, &ada, "Fourth").await;
    app.state.exports.clock.set(created + 72 * 3600 - 1);
    assert_eq!(fetch(&app, third.url.as_deref().unwrap()).await.status(), StatusCode::OK);
    app.state.exports.clock.set(created + 72 * 3600 + 1);
    assert_eq!(fetch(&app, fourth.url.as_deref().unwrap()).await.status(), StatusCode::NOT_FOUND);

    // Made on the archive's sixth day, a link ends with the archive, not 72 hours later.
    let requested = app.state.exports.clock.now() - 72 * 3600 - 1;
    app.state.exports.clock.set(requested + 6 * 86_400);
    let late = make_link(&app, &ada, "Late").await;
    let archive_ends =
        time::OffsetDateTime::parse(&late.expires_at, &time::format_description::well_known::Rfc3339)
            .unwrap()
            .unix_timestamp();
    assert!(archive_ends < requested + 6 * 86_400 + 72 * 3600, "{late:?}");
    app.state.exports.clock.set(0);

    // At most 10 unused links at once.
    let unused =
        links(&app, &ada).await.iter().filter(|l| l.used_at.is_none() && l.revoked_at.is_none()).count();
    for i in unused..10 {
        make_link(&app, &ada, &format!("Spare {i}")).await;
    }
    let res = ada.send(&app, Method::POST, path, Some(json!({"label": "One too many"}))).await;
    assert_eq!(res.status(), StatusCode::CONFLICT, "{}", res.text().await.unwrap());

    // Malformed or unknown tokens are alike: not found.
    for bad in ["x", "eu.nonsense", "zz.abc", &format!("us.{}", &token[3..])] {
        assert_eq!(
            fetch(&app, &format!("/api/privacy/exports/link/{bad}")).await.status(),
            StatusCode::NOT_FOUND,
            "{bad}"
        );
    }

    // A new archive replaces the old one: its links are gone with it.
    let res = ada.send(&app, Method::POST, "/api/privacy/exports", Some(json!({"password": PASSWORD}))).await;
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    app.ready_export(&ada).await;
    assert!(links(&app, &ada).await.is_empty());
    assert_eq!(rows(&app, &ada, "export_links").await, 0);
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
