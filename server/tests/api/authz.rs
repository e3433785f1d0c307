//! Sweep (issue 13): the authorization matrix. Every operation of the served
//! `/api/openapi.json`, called as each kind of person there is, with the owner's real ids in
//! the path. [`ROWS`] is the one table of what each cell must answer; an operation of the
//! document without a row fails the test (and names the operation), as does a row the
//! document no longer has. Any 5xx, any status other than the row's, and any status the
//! document does not list for the operation fail too. On both backends, one set of fixtures
//! per backend; rows run in table order, so the ones that change state come last.

use std::net::{IpAddr, Ipv4Addr};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use ward_camera::Command;
use ward_live::probe::Probe;
use ward_model::{CallList, EventPage, PolicyDocument, SessionInfo, SessionSummary};

use crate::fixtures::{PASSWORD, WAIT, sign_up_body};
use crate::helpers::{Backend, Dist, TestApp, spawn_app_configured};

mod sqlite {
    #[tokio::test]
    async fn every_operation_answers_each_kind_of_person_as_the_table_says() {
        super::matrix(super::Backend::Sqlite).await;
    }
}

mod postgres {
    #[tokio::test]
    async fn every_operation_answers_each_kind_of_person_as_the_table_says() {
        super::matrix(super::Backend::Postgres).await;
    }
}

/// The columns of [`Row::expect`], in order.
const WHO: [&str; 8] = ["anonymous", "owner", "alarms", "live", "both", "stranger", "abroad", "staff"];
const OWNER: usize = 1;
const STAFF_EMAIL: &str = "staff@example.com";
/// Every person's email but the anonymous one's (`None`).
const EMAILS: [Option<&str>; 8] = [
    None,
    Some("owner@example.com"),
    Some("alarms@example.com"),
    Some("live@example.com"),
    Some("both@example.com"),
    Some("stranger@example.com"),
    Some("abroad@example.com"),
    Some(STAFF_EMAIL),
];

/// What a request carries.
enum Body {
    None,
    Json(Value),
    /// The live view's SDP offer (`application/sdp`).
    Sdp,
}

/// One operation and what each person must get.
///
/// `expect` has one letter per column of [`WHO`] (spaces ignored):
/// - `2`: allowed, any 2xx;
/// - `U`: 401 (not signed in);
/// - `F`: 403 (signed in, may see the thing, but not do this);
/// - `N`: 404 (as if it did not exist: nobody learns what others own);
/// - `I`: another 4xx (400, 409, 415, 422, 429): let through, then the request's content is
///   refused (a wrong code or password; used where success would change what later rows need).
struct Row {
    method: &'static str,
    /// As in the document.
    path: &'static str,
    /// Appended to the path (with the same `{...}` ids filled in).
    query: &'static str,
    expect: &'static str,
    body: fn(&Ids, usize) -> Body,
    /// Each person uses a new session of their own for this row (it ends the session).
    fresh: bool,
}

const fn row(method: &'static str, path: &'static str, expect: &'static str) -> Row {
    Row { method, path, query: "", expect, body: |_, _| Body::None, fresh: false }
}

const fn with(
    method: &'static str,
    path: &'static str,
    expect: &'static str,
    body: fn(&Ids, usize) -> Body,
) -> Row {
    Row { method, path, query: "", expect, body, fresh: false }
}

fn j(v: Value) -> Body {
    Body::Json(v)
}

/// THE TABLE. Columns: anonymous, owner, alarms, live, both, stranger, abroad, staff.
/// "alarms", "live" and "both" hold an accepted share of the owner's camera with those
/// permissions; "stranger" is in the owner's region, "abroad" in another; "staff" is privacy
/// staff. Within a row the owner goes last, so a denied cell runs before the allowed one
/// changes anything.
const ROWS: &[Row] = &[
    // ---- Public ----
    row("GET", "/api/health", "2 2 2 2 2 2 2 2"),
    row("GET", "/api/service-notices", "2 2 2 2 2 2 2 2"),
    row("GET", "/api/openapi.json", "2 2 2 2 2 2 2 2"),
    row("GET", "/api/signup", "2 2 2 2 2 2 2 2"),
    with("POST", "/api/signup", "2 2 2 2 2 2 2 2", |_, w| {
        j(sign_up_body(&format!("new{w}@example.com"), "eu"))
    }),
    // Addresses without a code sent this minute (the sign-ups above just had one).
    with("POST", "/api/signup/resend", "2 2 2 2 2 2 2 2", |_, w| {
        j(json!({"email": format!("resend{w}@example.com")}))
    }),
    with("POST", "/api/signup/verify", "I I I I I I I I", |_, w| {
        j(json!({"email": format!("new{w}@example.com"), "code": "000000", "password": PASSWORD}))
    }),
    with("POST", "/api/session", "2 2 2 2 2 2 2 2", |_, _| {
        j(json!({"email": "signer@example.com", "password": PASSWORD}))
    }),
    row("POST", "/api/session/passkey/options", "I I I I I I I I"),
    with("POST", "/api/session/passkey", "I I I I I I I I", |_, _| j(json!({}))),
    with("POST", "/api/session/second-step", "I I I I I I I I", |_, _| {
        j(json!({"email": "signer@example.com", "password": PASSWORD}))
    }),
    // Always 202, known address or not (a code is mailed only to an account's owner).
    with("POST", "/api/session/unlock", "2 2 2 2 2 2 2 2", |_, w| {
        j(json!({"email": format!("unlock{w}@example.com")}))
    }),
    with("POST", "/api/password-reset", "2 2 2 2 2 2 2 2", |_, w| {
        j(json!({"email": format!("nobody{w}@example.com")}))
    }),
    with("POST", "/api/password-reset/confirm", "I I I I I I I I", |_, w| {
        j(
            json!({"email": format!("nobody{w}@example.com"), "code": "000000", "new_password": "a new good password"}),
        )
    }),
    // Always 202, known address or not; the code then proves the address, whoever asks.
    with("POST", "/api/requests/code", "2 2 2 2 2 2 2 2", |_, w| {
        j(json!({"email": format!("asker{w}@example.com")}))
    }),
    with("POST", "/api/requests/public", "I I I I I I I I", |_, w| {
        j(json!({"email": format!("asker{w}@example.com"), "code": "000000", "name": "A", "region": "eu",
            "kind": "complaint", "details": "x"}))
    }),
    with("POST", "/api/requests/public/information", "I I I I I I I I", |_, w| {
        j(json!({"email": format!("asker{w}@example.com"), "code": "000000", "request": "r", "text": "x"}))
    }),
    row("GET", "/api/guardian/rules", "2 2 2 2 2 2 2 2"),
    // A code that was never mailed: a field error, whoever asks.
    with("POST", "/api/guardian/requests", "I I I I I I I I", |_, w| {
        j(
            json!({"email": format!("guardian{w}@example.com"), "code": "000000", "name": "A", "relation": "parent",
            "region": "us", "ask": "delete", "child_email": "kid@example.com", "method": "video_call",
            "details": "Weekday evenings."}),
        )
    }),
    row("GET", "/api/guardian/review/{token}", "N N N N N N N N"),
    with("POST", "/api/analytics/pageview", "2 2 2 2 2 2 2 2", |_, _| j(json!({"path": "/devices"}))),
    row("GET", "/api/privacy/purposes", "2 2 2 2 2 2 2 2"),
    row("GET", "/api/privacy/policies/{kind}", "2 2 2 2 2 2 2 2"),
    Row {
        query: "?from={version}&to={version}",
        ..row("GET", "/api/privacy/policies/{kind}/diff", "2 2 2 2 2 2 2 2")
    },
    row("GET", "/api/privacy/policies/{kind}/{version}", "2 2 2 2 2 2 2 2"),
    with("POST", "/api/privacy/unsubscribe", "I I I I I I I I", |_, _| {
        j(json!({"token": "not-a-real-token"}))
    }),
    row("GET", "/api/privacy/exports/schema/v1", "2 2 2 2 2 2 2 2"),
    // The developer aids do not exist without `--dev-pages`.
    row("GET", "/api/dev/cameras", "N N N N N N N N"),
    row("GET", "/api/dev/mailbox", "N N N N N N N N"),
    row("GET", "/api/dev/recipient", "N N N N N N N N"),
    row("POST", "/api/dev/recipient", "N N N N N N N N"),
    // The key that signs archives sent on: public, for recipients to verify.
    row("GET", "/api/privacy/exports/signing-key", "2 2 2 2 2 2 2 2"),
    // A one-time link's token is its own authority: a wrong one is nobody's.
    row("GET", "/api/privacy/exports/link/{token}", "N N N N N N N N"),
    // Not a camera (no WebSocket upgrade, no device credentials).
    row("GET", "/api/agent", "I I I I I I I I"),
    // ---- One's own account ----
    row("GET", "/api/session", "U 2 2 2 2 2 2 2"),
    row("GET", "/api/session/roles", "U 2 2 2 2 2 2 2"),
    row("GET", "/api/account/activity", "U 2 2 2 2 2 2 2"),
    with("PATCH", "/api/account", "U 2 2 2 2 2 2 2", |_, _| j(json!({"name": "Renamed Person"}))),
    with("POST", "/api/account/email/verify", "U I I I I I I I", |_, _| j(json!({"code": "000000"}))),
    row("GET", "/api/account/passkeys", "U 2 2 2 2 2 2 2"),
    with("POST", "/api/account/passkeys/options", "U I I I I I I I", |_, _| j(json!({"password": PASSWORD}))),
    with("POST", "/api/account/passkeys", "U I I I I I I I", |_, _| j(json!({}))),
    row("DELETE", "/api/account/passkeys/{id}", "U N N N N N N N"),
    // A wrong current password: success would change what the rows after need.
    with("POST", "/api/account/password", "U I I I I I I I", |_, _| {
        j(json!({"current_password": "not the password", "new_password": "another good password"}))
    }),
    row("GET", "/api/account/sessions", "U 2 2 2 2 2 2 2"),
    row("DELETE", "/api/account/sessions/{id}", "U 2 N N N N N N"),
    row("DELETE", "/api/account/sessions", "U 2 2 2 2 2 2 2"),
    row("POST", "/api/account/totp/setup", "U 2 2 2 2 2 2 2"),
    // A guardian's children: nobody here consented to an account, so every id is nobody's
    // child, the owner's own included.
    row("GET", "/api/account/children", "U 2 2 2 2 2 2 2"),
    row("POST", "/api/account/children/{region}/{id}/archive", "U N N N N N N N"),
    row("GET", "/api/account/children/{region}/{id}/archive", "U N N N N N N N"),
    with("POST", "/api/account/children/{region}/{id}/deletion", "U N N N N N N N", |_, _| {
        j(json!({"password": PASSWORD}))
    }),
    with("POST", "/api/account/totp/enable", "U I I I I I I I", |_, _| {
        j(json!({"code": "000000", "password": PASSWORD}))
    }),
    with("POST", "/api/account/totp/disable", "U 2 2 2 2 2 2 2", |_, _| j(json!({"password": PASSWORD}))),
    row("GET", "/api/live/ice-servers", "U 2 2 2 2 2 2 2"),
    row("GET", "/api/privacy/consents", "U 2 2 2 2 2 2 2"),
    with("POST", "/api/privacy/consents", "U 2 2 2 2 2 2 2", |_, _| {
        j(json!({"purpose": "marketing_mail", "active": true, "text_version": "1"}))
    }),
    // No consent cookie sent.
    row("POST", "/api/privacy/cookies", "U I I I I I I I"),
    row("GET", "/api/privacy/ledger", "U 2 2 2 2 2 2 2"),
    row("GET", "/api/privacy/ledger/verify", "U 2 2 2 2 2 2 2"),
    row("GET", "/api/privacy/my-data", "U 2 2 2 2 2 2 2"),
    // Each person reads only their own log; there is no id to try.
    row("GET", "/api/privacy/access", "U 2 2 2 2 2 2 2"),
    row("GET", "/api/privacy/notices", "U 2 2 2 2 2 2 2"),
    // Data export: only the owner has an archive (made with the fixtures). A wrong password:
    // a new archive would replace the one the rows below download.
    with("POST", "/api/privacy/exports", "U I I I I I I I", |_, _| {
        j(json!({"password": "not the password"}))
    }),
    row("GET", "/api/privacy/exports/current", "U 2 N N N N N N"),
    row("GET", "/api/privacy/exports/current/events", "U 2 N N N N N N"),
    with("POST", "/api/privacy/exports/current/confirm", "U I N N N N N N", |_, _| {
        j(json!({"password": "not the password"}))
    }),
    // {id}: the owner's archive.
    row("GET", "/api/privacy/exports/download/{id}", "U 2 N N N N N N"),
    // Sending it on: each person's own lists (empty without an archive); only the owner has
    // an archive to send, and the recipient named is unknown, so nothing is sent.
    row("GET", "/api/privacy/exports/recipients", "U 2 2 2 2 2 2 2"),
    row("GET", "/api/privacy/exports/current/transfers", "U 2 2 2 2 2 2 2"),
    with("POST", "/api/privacy/exports/current/transfers", "U I N N N N N N", |_, _| {
        j(json!({"recipient": "no-such-recipient"}))
    }),
    // {id}: a copy that is nobody's.
    row("POST", "/api/privacy/exports/current/transfers/{id}/retry", "U N N N N N N N"),
    row("GET", "/api/privacy/exports/current/links", "U 2 2 2 2 2 2 2"),
    // An empty label: refused before anything is made, for everyone.
    with("POST", "/api/privacy/exports/current/links", "U I I I I I I I", |_, _| j(json!({"label": ""}))),
    // {id}: a link that is nobody's.
    row("DELETE", "/api/privacy/exports/current/links/{id}", "U N N N N N N N"),
    row("GET", "/api/privacy/status", "U 2 2 2 2 2 2 2"),
    with("POST", "/api/privacy/policy/accept", "U 2 2 2 2 2 2 2", |ids, _| {
        j(json!({"version": ids.version}))
    }),
    // ---- Lists: each person's own ----
    row("GET", "/api/devices", "U 2 2 2 2 2 2 2"),
    row("GET", "/api/devices/status", "U 2 2 2 2 2 2 2"),
    row("GET", "/api/calls", "U 2 2 2 2 2 2 2"),
    row("GET", "/api/shares", "U 2 2 2 2 2 2 2"),
    // Own events; with `?device=` another's camera's, through a share with alarms.
    Row { query: "?device={device}", ..row("GET", "/api/events", "U 2 2 F 2 N N N") },
    // ---- The owner's camera and what it recorded ----
    // Claiming a camera someone already has.
    with("POST", "/api/devices", "U I I I I I I I", |ids, _| {
        j(json!({"serial": ids.serial, "code": ids.code}))
    }),
    row("GET", "/api/devices/{id}", "U 2 2 2 2 N N N"),
    with("PATCH", "/api/devices/{id}", "U 2 F F F N N N", |_, _| j(json!({"name": "Front door"}))),
    with("POST", "/api/devices/{id}/live", "U 2 F 2 2 N N N", |_, _| Body::Sdp),
    row("GET", "/api/devices/{id}/shares", "U 2 F F F N N N"),
    with("POST", "/api/devices/{id}/shares", "U 2 F F F N N N", |_, _| {
        j(json!({"email": "stranger@example.com", "permissions": ["alarms"]}))
    }),
    row("GET", "/api/events/{id}/picture", "U 2 2 F 2 N N N"),
    row("GET", "/api/events/{id}/thumbnail", "U 2 2 F 2 N N N"),
    row("GET", "/api/calls/{id}/picture", "U 2 N N N N N N"),
    // {id}: the share held by "alarms".
    row("POST", "/api/shares/{id}/accept", "U N 2 N N N N N"),
    // ---- Staff ----
    with("POST", "/api/privacy/marketing", "U F F F F F F 2", |_, _| {
        j(json!({"subject": "News", "text": "Something new at Ward."}))
    }),
    row("GET", "/api/privacy/requests", "U 2 2 2 2 2 2 2"),
    // Nobody of the fixtures is restricted: 409 for each, and none can lift another's.
    row("POST", "/api/privacy/restriction/lift", "U I I I I I I I"),
    with("POST", "/api/privacy/requests", "U 2 2 2 2 2 2 2", |_, _| {
        j(json!({"kind": "complaint", "details": "You mailed me twice."}))
    }),
    with("POST", "/api/privacy/requests/{id}/information", "U 2 N N N N N N", |_, _| {
        j(json!({"text": "More about it."}))
    }),
    row("GET", "/api/staff/incidents", "U F F F F F F 2"),
    with("POST", "/api/staff/incidents", "U F F F F F F 2", |_, _| {
        j(json!({
            "title": "Backup exposed", "description": "For an hour.", "categories": ["contact"],
            "regions": ["eu"], "feature": "accounts", "window_from": "2026-01-01T00:00:00Z",
            "window_to": "2026-01-02T00:00:00Z", "discovered_at": "2026-01-02T00:00:00Z"
        }))
    }),
    // An id that is no incident: others are refused before it is looked up.
    row("POST", "/api/staff/incidents/{id}/notify", "U F F F F F F N"),
    row("POST", "/api/staff/incidents/{id}/authority", "U F F F F F F N"),
    row("GET", "/api/staff/incidents/{id}/report", "U F F F F F F N"),
    row("GET", "/api/staff/service-notices", "U F F F F F F 2"),
    with("POST", "/api/staff/service-notices", "U F F F F F F 2", |_, _| {
        j(json!({
            "kind": "change", "title": {"en": "New app", "zh": "新应用"},
            "body": {"en": "A new app.", "zh": "新的应用。"}, "effective_at": "2099-01-01T00:00:00Z"
        }))
    }),
    row("POST", "/api/staff/service-notices/{id}/withdraw", "U F F F F F F N"),
    row("GET", "/api/staff/requests", "U F F F F F F 2"),
    row("GET", "/api/staff/requests/{region}/{id}", "U F F F F F F 2"),
    // The request is an objection: it has no proof.
    row("GET", "/api/staff/requests/{region}/{id}/proof", "U F F F F F F N"),
    with("POST", "/api/staff/requests/{region}/{id}/notes", "U F F F F F F 2", |_, _| {
        j(json!({"text": "Checked the ID."}))
    }),
    with("POST", "/api/staff/requests/{region}/{id}/ask", "U F F F F F F 2", |_, _| {
        j(json!({"text": "Which camera do you mean?"}))
    }),
    // The request is an objection: only a rectification corrects (409 for the staff).
    with("POST", "/api/staff/requests/{region}/{id}/correct", "U F F F F F F I", |_, _| {
        j(json!({"what": "birth_date", "birth_date": "1990-04-26"}))
    }),
    // Lifting a flag the account does not have: 409 for the staff (flagging would suspend the
    // owner for the rows after).
    with("POST", "/api/staff/requests/{region}/{id}/child", "U F F F F F F I", |_, _| {
        j(json!({"action": "lift", "text": "Consent arrived."}))
    }),
    // A day from now is before any due date; the request stays open for the rows after.
    with("POST", "/api/staff/requests/{region}/{id}/due", "U F F F F F F 2", |_, _| {
        let tomorrow = time::OffsetDateTime::now_utc() + time::Duration::days(1);
        let due = tomorrow.format(&time::format_description::well_known::Rfc3339).unwrap();
        j(json!({"due_at": due, "text": "A simple case."}))
    }),
    // Extending keeps the request open for the rows after.
    with("POST", "/api/staff/requests/{region}/{id}/decision", "U F F F F F F 2", |_, _| {
        j(json!({"action": "extend", "text": "We are checking every system."}))
    }),
    with("POST", "/api/privacy/policies/{kind}", "U F F F F F F 2", |_, _| {
        j(
            json!({"markdown": "# Privacy policy\n\nA clearer sentence.\n", "material": false, "summary": "Clearer."}),
        )
    }),
    // ---- Changes that later rows see: ----
    // {session}: the owner's live view.
    row("DELETE", "/api/devices/{id}/live/{session}", "U 2 N N N N N N"),
    row("DELETE", "/api/events/{id}", "U 2 F F F N N N"),
    // "alarms" declines, then leaves, its share.
    row("POST", "/api/shares/{id}/decline", "U N 2 N N N N N"),
    row("DELETE", "/api/shares/{id}", "U N 2 N N N N N"),
    // {share}: the share held by "live". "alarms" has left its own by now. Its terms are
    // changed to what they were (live view only), then it is revoked.
    with("PATCH", "/api/devices/{id}/shares/{share}", "U 2 N F F N N N", |_, _| {
        j(json!({"permissions": ["live_view"]}))
    }),
    row("DELETE", "/api/devices/{id}/shares/{share}", "U 2 N F F N N N"),
    // "live"'s share was revoked by now.
    row("DELETE", "/api/devices/{id}", "U 2 N N F N N N"),
    row("DELETE", "/api/privacy/exports/current", "U 2 N N N N N N"),
    // {id}: the owner's second request.
    row("POST", "/api/privacy/requests/{id}/withdraw", "U 2 N N N N N N"),
    Row { fresh: true, ..row("DELETE", "/api/session", "U 2 2 2 2 2 2 2") },
    with("POST", "/api/account/deletion", "U 2 2 2 2 2 2 2", |_, _| j(json!({"password": PASSWORD}))),
];

/// The owner's real ids, and what the bodies need.
#[derive(Default)]
struct Ids {
    device: String,
    event: String,
    call: String,
    /// The share "alarms" holds.
    alarms_share: String,
    /// The share "live" holds.
    live_share: String,
    /// The owner's live view.
    live_session: String,
    /// A second session of the owner's.
    owner_session: String,
    version: String,
    /// The owner's data-export archive.
    export: String,
    /// The owner's rights requests (eu): one for the staff's rows, one to withdraw.
    request: String,
    request_to_withdraw: String,
    serial: String,
    code: String,
    sdp: String,
    /// An account no one here is the guardian of (the owner's own).
    child: String,
}

/// The id a path parameter stands for, by where it is.
fn fill(template: &str, ids: &Ids) -> String {
    let mut out = template.to_string();
    let by_prefix: &[(&str, &str, &str)] = &[
        ("/api/devices/", "{id}", &ids.device),
        ("/api/devices/", "{session}", &ids.live_session),
        ("/api/devices/", "{share}", &ids.live_share),
        ("/api/events", "{id}", &ids.event),
        ("/api/events", "{device}", &ids.device),
        ("/api/calls/", "{id}", &ids.call),
        ("/api/shares/", "{id}", &ids.alarms_share),
        ("/api/account/sessions/", "{id}", &ids.owner_session),
        // The owner has no passkey (a ceremony needs a browser): an id that is nobody's.
        ("/api/account/passkeys/", "{id}", "no-such-passkey"),
        ("/api/privacy/policies/", "{kind}", "privacy"),
        ("/api/privacy/policies/", "{version}", &ids.version),
        ("/api/privacy/exports/download/", "{id}", &ids.export),
        ("/api/privacy/exports/current/transfers/", "{id}", "no-such-transfer"),
        ("/api/privacy/exports/current/links/", "{id}", "no-such-link"),
        ("/api/privacy/exports/link/", "{token}", "eu.no-such-token"),
        ("/api/guardian/review/", "{token}", "us.no-such-token"),
        ("/api/privacy/requests/{id}/withdraw", "{id}", &ids.request_to_withdraw),
        ("/api/privacy/requests/", "{id}", &ids.request),
        ("/api/staff/incidents/", "{id}", "no-such-incident"),
        ("/api/staff/service-notices/", "{id}", "no-such-notice"),
        ("/api/staff/requests/", "{region}", "eu"),
        ("/api/account/children/", "{region}", "eu"),
        ("/api/account/children/", "{id}", &ids.child),
        ("/api/staff/requests/", "{id}", &ids.request),
    ];
    for (prefix, name, value) in by_prefix {
        if template.starts_with(prefix) {
            out = out.replace(name, value);
        }
    }
    assert!(!out.contains('{'), "no id for a parameter of {template}: add it to `fill`");
    out
}

/// A person's session, sent as headers (no cookie jar: a sign-in answered to one person
/// must not replace their session).
#[derive(Clone)]
struct Person {
    cookie: String,
    csrf: String,
    /// The last byte of the loopback address this person sends from.
    from: u8,
}

async fn sign_in(app: &TestApp, email: &str, from: u8) -> Person {
    let res = reqwest::Client::new()
        .post(app.at("/api/session"))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{email} signs in");
    let cookie = res.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    let info: SessionInfo = res.json().await.unwrap();
    Person { cookie, csrf: info.csrf_token, from }
}

async fn send(
    app: &TestApp,
    who: Option<&Person>,
    method: &str,
    path: &str,
    body: &Body,
    ids: &Ids,
) -> reqwest::Response {
    // Each person from an address of their own, as people are (the per-address limits on
    // sign-ups would otherwise count all of them as one).
    let from = who.map_or(1, |p| p.from);
    let client = reqwest::Client::builder()
        .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 2, from)))
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(20))
        .build()
        .unwrap();
    let mut req = client.request(Method::from_bytes(method.as_bytes()).unwrap(), app.at(path));
    if let Some(p) = who {
        req = req.header("cookie", &p.cookie).header("x-csrf-token", &p.csrf);
    }
    req = match body {
        Body::None => req,
        Body::Json(v) => req.json(v),
        Body::Sdp => req.header("content-type", "application/sdp").body(ids.sdp.clone()),
    };
    req.send().await.unwrap()
}

fn matches(letter: char, status: StatusCode) -> bool {
    match letter {
        '2' => status.is_success(),
        'U' => status == StatusCode::UNAUTHORIZED,
        'F' => status == StatusCode::FORBIDDEN,
        'N' => status == StatusCode::NOT_FOUND,
        'I' => {
            status.is_client_error()
                && ![StatusCode::UNAUTHORIZED, StatusCode::FORBIDDEN, StatusCode::NOT_FOUND].contains(&status)
        }
        other => panic!("unknown letter {other:?} in the table"),
    }
}

async fn get_json<T: serde::de::DeserializeOwned>(app: &TestApp, p: &Person, path: &str) -> T {
    let res = send(app, Some(p), "GET", path, &Body::None, &Ids::default()).await;
    assert_eq!(res.status(), StatusCode::OK, "{path}");
    res.json().await.unwrap()
}

async fn share(
    app: &TestApp,
    owner: &Person,
    device: &str,
    invitee: &Person,
    email: &str,
    permissions: &[&str],
) -> String {
    let body = j(json!({"email": email, "permissions": permissions}));
    let res =
        send(app, Some(owner), "POST", &format!("/api/devices/{device}/shares"), &body, &Ids::default())
            .await;
    assert_eq!(res.status(), StatusCode::CREATED, "sharing with {email}");
    let id = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string();
    let res =
        send(app, Some(invitee), "POST", &format!("/api/shares/{id}/accept"), &Body::None, &Ids::default())
            .await;
    assert_eq!(res.status(), StatusCode::OK, "{email} accepts");
    id
}

async fn matrix(backend: Backend) {
    let started = std::time::Instant::now();
    let Some(app) =
        spawn_app_configured(backend, Dist::Built, |c| c.privacy_staff = vec![STAFF_EMAIL.into()]).await
    else {
        return;
    };

    // ---- Fixtures: people in two regions, a claimed camera with an alarm and a call, shares.
    let mut people: Vec<Option<Person>> = Vec::new();
    for (i, email) in EMAILS.iter().enumerate() {
        people.push(match email {
            None => None,
            Some(email) => {
                app.sign_up_and_verify(email, if WHO[i] == "abroad" { "us" } else { "eu" }).await;
                Some(sign_in(&app, email, i as u8 + 1).await)
            }
        });
    }
    app.sign_up_and_verify("signer@example.com", "eu").await;
    let owner = people[OWNER].clone().unwrap();
    let cam = app.camera().await;
    let mut agent = app.start(&cam).await;
    let body = j(json!({"serial": cam.serial, "code": cam.code}));
    let res = send(&app, Some(&owner), "POST", "/api/devices", &body, &Ids::default()).await;
    assert_eq!(res.status(), StatusCode::CREATED, "the owner claims the camera");
    let device = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string();
    agent.wait_until(WAIT, |s| s.bound).await.expect("the camera is bound");
    agent.send(Command::Motion);
    agent.send(Command::Ring);
    let until = tokio::time::Instant::now() + WAIT;
    let (event, call) = loop {
        let events: EventPage = get_json(&app, &owner, "/api/events").await;
        let calls: CallList = get_json(&app, &owner, "/api/calls").await;
        if let (Some(e), Some(c)) = (events.events.first(), calls.calls.first()) {
            break (e.id.clone(), c.id.clone());
        }
        assert!(tokio::time::Instant::now() < until, "the alarm and the call arrive within {WAIT:?}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let p = |i: usize| people[i].clone().unwrap();
    let alarms_share = share(&app, &owner, &device, &p(2), "alarms@example.com", &["alarms"]).await;
    let live_share = share(&app, &owner, &device, &p(3), "live@example.com", &["live_view"]).await;
    share(&app, &owner, &device, &p(4), "both@example.com", &["alarms", "live_view"]).await;
    let (_probe, sdp) = Probe::offer(IpAddr::V4(Ipv4Addr::LOCALHOST)).unwrap();
    let ids = Ids { sdp: sdp.clone(), ..Ids::default() };
    let res =
        send(&app, Some(&owner), "POST", &format!("/api/devices/{device}/live"), &Body::Sdp, &ids).await;
    assert_eq!(res.status(), StatusCode::CREATED, "the owner's live view starts");
    let live_session = res.headers()["location"].to_str().unwrap().rsplit('/').next().unwrap().to_string();
    let spare = sign_in(&app, "owner@example.com", owner.from).await;
    let sessions: Vec<SessionSummary> = get_json(&app, &spare, "/api/account/sessions").await;
    let owner_session =
        sessions.iter().find(|s| s.current).expect("the current session is listed").id.clone();
    let policy: PolicyDocument = get_json(&app, &owner, "/api/privacy/policies/privacy").await;
    let body = j(json!({"password": PASSWORD}));
    let res = send(&app, Some(&owner), "POST", "/api/privacy/exports", &body, &Ids::default()).await;
    assert_eq!(res.status(), StatusCode::ACCEPTED, "the owner asks for an archive");
    let until = tokio::time::Instant::now() + WAIT;
    let export = loop {
        let status: Value = get_json(&app, &owner, "/api/privacy/exports/current").await;
        if status["state"] == "ready" {
            break status["id"].as_str().unwrap().to_string();
        }
        assert!(
            tokio::time::Instant::now() < until,
            "the owner's archive is ready within {WAIT:?}: {status}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    let mut requests = Vec::new();
    for details in ["Stop the newsletter.", "Correct my birth date."] {
        let body = j(json!({"kind": "objection", "details": details}));
        let res = send(&app, Some(&owner), "POST", "/api/privacy/requests", &body, &Ids::default()).await;
        assert_eq!(res.status(), StatusCode::CREATED, "the owner files a request");
        requests.push(res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string());
    }
    let ids = Ids {
        request_to_withdraw: requests.pop().unwrap(),
        request: requests.pop().unwrap(),
        export,
        device,
        event,
        call,
        alarms_share,
        live_share,
        live_session,
        owner_session,
        version: policy.summary.version,
        serial: cam.serial.clone(),
        code: cam.code.clone(),
        sdp,
        child: app
            .state
            .stores
            .person_by_email(&app.state.auth.email_hash("owner@example.com"))
            .await
            .unwrap()
            .expect("the owner has an account")
            .person
            .id,
    };
    let fixtures = started.elapsed();

    // ---- The document's operations, and the table's.
    let doc: Value = app.get("/api/openapi.json").await.json().await.unwrap();
    let mut operations = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if ["get", "put", "post", "delete", "patch"].contains(&method.as_str()) {
                let documented: Vec<String> = op["responses"].as_object().unwrap().keys().cloned().collect();
                operations.push((method.to_uppercase(), path.clone(), documented));
            }
        }
    }
    let key = |m: &str, p: &str| format!("{m} {p}");
    let mut problems = Vec::new();
    for (m, p, _) in &operations {
        if !ROWS.iter().any(|r| r.method == m && r.path == p) {
            problems.push(format!(
                "{m} {p} is in /api/openapi.json but has no row in ROWS (server/tests/api/authz.rs): \
                 add one saying what each of {WHO:?} must get"
            ));
        }
    }
    for r in ROWS {
        if !operations.iter().any(|(m, p, _)| r.method == m && r.path == p) {
            problems.push(format!(
                "ROWS has {} which the document does not: remove the row",
                key(r.method, r.path)
            ));
        }
        let letters: Vec<char> = r.expect.chars().filter(|c| !c.is_whitespace()).collect();
        assert_eq!(letters.len(), WHO.len(), "{}: one letter per person", key(r.method, r.path));
    }
    assert!(problems.is_empty(), "the table and the document differ:\n{}", problems.join("\n"));

    // ---- Every cell, in table order; the owner last within a row.
    let mut cells = 0;
    for r in ROWS {
        let (_, _, documented) = operations.iter().find(|(m, p, _)| r.method == m && r.path == p).unwrap();
        let url = fill(&format!("{}{}", r.path, r.query), &ids);
        let letters: Vec<char> = r.expect.chars().filter(|c| !c.is_whitespace()).collect();
        let order = (0..WHO.len()).filter(|&i| i != OWNER).chain([OWNER]);
        for who in order {
            let person = match (&people[who], r.fresh) {
                (None, _) => None,
                (Some(p), true) => Some(sign_in(&app, EMAILS[who].unwrap(), p.from).await),
                (Some(p), false) => Some(p.clone()),
            };
            let body = (r.body)(&ids, who);
            if std::env::var_os("WARD_AUTHZ_TRACE").is_some() {
                eprintln!("authz: {} {url} as {}", r.method, WHO[who]);
            }
            let res = send(&app, person.as_ref(), r.method, &url, &body, &ids).await;
            let status = res.status();
            // A stream (the devices' status) is not read to its end.
            let streaming = res.headers().get("content-type").is_some_and(|v| v == "text/event-stream");
            let text = if streaming { String::new() } else { res.text().await.unwrap_or_default() };
            cells += 1;
            let cell = format!("{} {url} as {}", r.method, WHO[who]);
            if status.is_server_error() {
                problems.push(format!("{cell}: {status} (a 5xx): {text}"));
            } else if !matches(letters[who], status) {
                problems.push(format!("{cell}: expected `{}`, got {status}: {text:.200}", letters[who]));
            }
            if !documented.iter().any(|d| d == status.as_str()) {
                problems.push(format!("{cell}: {status} is not among the documented {documented:?}"));
            }
        }
    }
    agent.kill();
    eprintln!(
        "authz matrix ({backend:?}): {} operations x {} people = {cells} cells; fixtures {:.1} s, total {:.1} s",
        ROWS.len(),
        WHO.len(),
        fixtures.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    assert!(problems.is_empty(), "{} cells differ from the table:\n{}", problems.len(), problems.join("\n"));
}
