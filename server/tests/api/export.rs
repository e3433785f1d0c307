//! Data export ("Download my data"), on both backends, with real camera agents and the real
//! stores: the archive holds every personal column the registry declares (the list comes
//! from the registry, not from this file) and nothing of another person; its `data.json`
//! validates against its `schema.json`; the link is its owner's, needs a fresh session and
//! lasts 7 days (then the row and the file are gone); one archive at a time, cancel, live
//! progress, bad input refused with nothing stored.

use std::collections::BTreeMap;
use std::io::Read as _;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use ward_camera::Command;
use ward_model::{CallList, EventPage, ExportStatus};
use ward_server::export::archive::{field_name, sealed_field};
use ward_server::registry::{self, Category};

use crate::both_backends;
use crate::fixtures::{Browser, PASSWORD, WAIT};
use crate::helpers::TestApp;
use crate::raw::{Stored, region};

both_backends!(
    every_personal_column_is_in_the_archive_and_nothing_of_another_person,
    the_link_is_its_owners_for_7_days_from_a_fresh_session_and_logged,
    one_archive_at_a_time_cancel_live_progress_and_bad_input_stores_nothing,
);

const DAY: i64 = 86_400;

// ---- The API ----

async fn start_export(app: &TestApp, b: &Browser) -> ExportStatus {
    let res = b.send(app, Method::POST, "/api/privacy/exports", Some(json!({"password": PASSWORD}))).await;
    assert_eq!(res.status(), StatusCode::ACCEPTED, "{}", res.text().await.unwrap());
    res.json().await.unwrap()
}

async fn current(app: &TestApp, b: &Browser) -> reqwest::Response {
    b.send(app, Method::GET, "/api/privacy/exports/current", None).await
}

async fn download(app: &TestApp, b: &Browser, st: &ExportStatus) -> reqwest::Response {
    b.send(app, Method::GET, st.download_url.as_deref().expect("a ready archive has a link"), None).await
}

/// Every file of the archive, by name.
fn unzip(bytes: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("the archive is a ZIP");
    let mut out = BTreeMap::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let mut data = Vec::new();
        f.read_to_end(&mut data).expect("each file reads back whole, its CRC checked");
        out.insert(f.name().to_string(), data);
    }
    out
}

async fn archive_of(app: &TestApp, b: &Browser) -> BTreeMap<String, Vec<u8>> {
    start_export(app, b).await;
    let st = app.ready_export(b).await;
    let res = download(app, b, &st).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/zip");
    let bytes = res.bytes().await.unwrap();
    assert_eq!(Some(bytes.len() as u64), st.size, "the size said is the size sent");
    unzip(&bytes)
}

fn text(files: &BTreeMap<String, Vec<u8>>, name: &str) -> String {
    String::from_utf8(files.get(name).unwrap_or_else(|| panic!("{name} is in the archive")).clone()).unwrap()
}

/// Everything textual in the archive, to look for what must not be there.
fn all_text(files: &BTreeMap<String, Vec<u8>>) -> String {
    files
        .iter()
        .filter(|(n, _)| !n.ends_with(".jpg"))
        .map(|(_, d)| String::from_utf8_lossy(d).into_owned())
        .collect()
}

/// The cells of a CSV file written by the archive (RFC 4180 quoting).
fn csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let (mut row, mut cell, mut quoted, mut chars) =
        (Vec::new(), String::new(), false, text.chars().peekable());
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut cell)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => cell.push(c),
        }
    }
    rows
}

fn records<'a>(data: &'a Value, section: &str, table: &str) -> &'a Vec<Value> {
    data["sections"][section]["tables"][table]["records"]
        .as_array()
        .unwrap_or_else(|| panic!("data.json has {section}.{table}"))
}

// ---- The tests ----

async fn every_personal_column_is_in_the_archive_and_nothing_of_another_person(app: TestApp) {
    // Ada owns a camera with an alarm and a call she looked at; she shared it with Grace, who
    // looked at the alarm; Ada has a new email waiting for its code, two-step verification
    // (recovery codes) and a passkey.
    let cam = app.camera().await;
    let mut agent = app.start(&cam).await;
    let ada = app.user("ada@example.com").await;
    let d = app.claimed(&ada, &cam).await;
    agent.wait_until(WAIT, |s| s.bound).await.unwrap();
    agent.send(Command::Motion);
    agent.send(Command::Ring);
    let until = tokio::time::Instant::now() + WAIT;
    let (event, call) = loop {
        let e: EventPage = ada.send(&app, Method::GET, "/api/events", None).await.json().await.unwrap();
        let c: CallList = ada.send(&app, Method::GET, "/api/calls", None).await.json().await.unwrap();
        if let (Some(e), Some(c)) = (e.events.first(), c.calls.first()) {
            break (e.clone(), c.clone());
        }
        assert!(tokio::time::Instant::now() < until, "the alarm and the call arrive");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(ada.send(&app, Method::GET, &call.picture_url, None).await.status(), StatusCode::OK);
    let grace = app.user("grace@example.com").await;
    let share = app.shared(&ada, &d.id, "grace@example.com", &["alarms"]).await;
    // And with an address that has no account yet: an invitation, hers until it is claimed.
    app.shared(&ada, &d.id, "zq-invited@example.com", &["alarms"]).await;
    app.accepted(&grace, &share.id).await;
    assert_eq!(grace.send(&app, Method::GET, &event.picture_url, None).await.status(), StatusCode::OK);
    let res = ada
        .send(
            &app,
            Method::PATCH,
            "/api/account",
            Some(json!({"email": "ada.new@example.com", "current_password": PASSWORD})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK, "{}", res.text().await.unwrap());
    let totp_secret = app.turn_on_totp(&ada, PASSWORD).await;
    // A rights request with information added: its details and the timeline's text.
    let res = ada
        .send(
            &app,
            Method::POST,
            "/api/privacy/requests",
            Some(json!({"kind": "restriction", "details": "zq-request-details"})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED, "{}", res.text().await.unwrap());
    let request: Value = res.json().await.unwrap();
    let res = ada
        .send(
            &app,
            Method::POST,
            &format!("/api/privacy/requests/{}/information", request["id"].as_str().unwrap()),
            Some(json!({"text": "zq-request-information"})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK, "{}", res.text().await.unwrap());
    let ada_id = ada.info.account.id.clone();
    let grace_id = grace.info.account.id.clone();
    let ada_key = app.state.person_key(&ada_id).await.unwrap().unwrap();
    let mut db = region(&app).await;
    db.exec(
        "INSERT INTO passkeys (id, person_id, credential_ct, name_ct, created_at, last_used) VALUES ($1, $2, $3, $4, $5, $6)",
        vec![
            Stored::Text("pk1".into()),
            Stored::Text(ada_id.clone()),
            Stored::Bytes(ada_key.seal("passkey", "{\"cred\":\"zq-passkey-public-key\"}")),
            Stored::Bytes(ada_key.seal("passkey_name", "zq-passkey-name")),
            Stored::Int(1_900_000_001),
            Stored::Int(1_900_000_002),
        ],
    )
    .await;

    // A breach notice Ada was sent (the staff's side is the incidents tests').
    db.exec(
        "INSERT INTO incident_notices (person_id, incident_id, notified_at) VALUES ($1, $2, $3)",
        vec![Stored::Text(ada_id.clone()), Stored::Text("incident-1".into()), Stored::Int(1_900_000_003)],
    )
    .await;

    // Ada's account as a child's, consented to by a guardian (the guardians' tests make real
    // ones; here only the archive is at stake).
    db.exec(
        "INSERT INTO child_guardians (person_id, guardian_hash, guardian_email_ct, named_at, consented_at, request_id) \
         VALUES ($1, $2, $3, $4, $5, $6)",
        vec![
            Stored::Text(ada_id.clone()),
            Stored::Bytes(app.state.auth.email_hash("zq-guardian@example.com")),
            Stored::Bytes(ada_key.seal("child_guardian_email", "zq-guardian@example.com")),
            Stored::Int(1_900_000_004),
            Stored::Int(1_900_000_005),
            Stored::Text("request-1".into()),
        ],
    )
    .await;

    // Every personal column of a region table, from the registry: whose rows hold it (Ada's,
    // or Grace's where only she has any), and a value it holds (a column no row fills is
    // filled with a value of its own first).
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let mut expected: Vec<(&str, &str, &str, String, Value)> = Vec::new(); // section, table, column, whose, value
    let mut withheld: Vec<(&str, &str, &str, String, String)> = Vec::new(); // section, table, column, whose, raw
    for (i, (c, p)) in registry::of_accounts().enumerate() {
        if c.table == "exports" {
            continue; // the archive being built is the row: checked below
        }
        if c.table.starts_with("export_") {
            // Copies and links of an archive go with it, and a new archive replaces the old
            // one before it is built: no archive can hold any (their tests are transfers.rs').
            continue;
        }
        let subject = registry::subject_column(c.table);
        let types = db.types(c.table).await;
        let ty = types
            .get(c.column)
            .unwrap_or_else(|| panic!("{}.{} is in the schema", c.table, c.column))
            .clone();
        let count = format!("SELECT COUNT(*) FROM {} WHERE {subject} = $1", c.table);
        let whose = if db.count(&count, &ada_id).await > 0 {
            ada_id.clone()
        } else if db.count(&count, &grace_id).await > 0 {
            grace_id.clone()
        } else {
            panic!("no rows of {} for this test's people: make some, so its columns are checked", c.table);
        };
        let mut values = db.values(c.table, c.column, subject, &whose, &ty).await;
        if values.is_empty() {
            let fill = if c.column.ends_with("_ct") {
                let f = sealed_field(c.table, c.column)
                    .unwrap_or_else(|| panic!("a vault field for {}.{}", c.table, c.column));
                Stored::Bytes(ada_key.seal(f, &format!("zq-{}-{}", c.table, c.column)))
            } else if ty.contains("bool") {
                Stored::Bool(true)
            } else if ty.contains("int") {
                Stored::Int(now + 3600 + i as i64)
            } else if ty.contains("blob") || ty.contains("bytea") {
                Stored::Bytes(format!("zq-{}-{}", c.table, c.column).into_bytes())
            } else {
                Stored::Text(format!("zq-{}-{}", c.table, c.column))
            };
            db.exec(
                &format!("UPDATE {} SET {} = $1 WHERE {subject} = $2", c.table, c.column),
                vec![fill, Stored::Text(whose.clone())],
            )
            .await;
            values = db.values(c.table, c.column, subject, &whose, &ty).await;
        }
        let stored = values.into_iter().next().unwrap();
        if p.category == Category::Credentials {
            let raw = match &stored {
                Stored::Bytes(b) if c.column.ends_with("_ct") => ada_key
                    .open(sealed_field(c.table, c.column).unwrap_or(field_name(c.column)), b)
                    .unwrap_or_else(|_| hex::encode(b)),
                Stored::Bytes(b) => hex::encode(b),
                Stored::Text(s) => s.clone(),
                Stored::Int(n) => n.to_string(),
                Stored::Bool(b) => b.to_string(),
            };
            withheld.push((p.export_section, c.table, c.column, whose, raw));
            continue;
        }
        let value = match stored {
            Stored::Bytes(b) if c.column.ends_with("_ct") => {
                let key = if whose == ada_id {
                    &ada_key
                } else {
                    panic!("a sealed value of Grace's: {}.{}", c.table, c.column)
                };
                Value::from(key.open(sealed_field(c.table, c.column).unwrap(), &b).unwrap())
            }
            Stored::Bytes(b) => Value::from(hex::encode(b)),
            Stored::Text(s) => Value::from(s),
            Stored::Int(n) => Value::from(n),
            Stored::Bool(b) => Value::from(b),
        };
        expected.push((p.export_section, c.table, c.column, whose, value));
    }
    assert!(withheld.iter().any(|w| w.2 == "password_hash"), "credentials are among the columns");

    let ada_files = archive_of(&app, &ada).await;
    let grace_files = archive_of(&app, &grace).await;
    let data_of = |files: &BTreeMap<String, Vec<u8>>| -> Value {
        serde_json::from_str(&text(files, "data.json")).unwrap()
    };
    let (ada_data, grace_data) = (data_of(&ada_files), data_of(&grace_files));

    // Every value is in data.json and in its table's CSV, in the archive of whom it is about.
    for (section, table, column, whose, value) in &expected {
        let (data, files) =
            if *whose == ada_id { (&ada_data, &ada_files) } else { (&grace_data, &grace_files) };
        let name = field_name(column);
        assert!(
            records(data, section, table).iter().any(|r| r[name] == *value),
            "{table}.{column} = {value} is in data.json ({section})"
        );
        let rows = csv(&text(files, &format!("csv/{section}-{table}.csv")));
        let at = rows[0].iter().position(|h| h == name).unwrap_or_else(|| panic!("{table}.csv has {name}"));
        let cell = match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        assert!(rows[1..].iter().any(|r| r[at] == cell), "{table}.{column} = {cell} is in {table}.csv");
    }
    // Credentials: said to be held, never given.
    for (section, table, column, whose, raw) in &withheld {
        let (data, files) =
            if *whose == ada_id { (&ada_data, &ada_files) } else { (&grace_data, &grace_files) };
        assert!(
            records(data, section, table).iter().any(|r| r[field_name(column)]["withheld"].is_string()),
            "{table}.{column} is described as withheld"
        );
        // Hashes, secrets and keys are long; a counter such as totp_last_step is not
        // looked for as text (a short number appears anywhere).
        if raw.len() >= 16 {
            assert!(
                !all_text(files).contains(raw.as_str()),
                "{table}.{column}'s value is not in the archive"
            );
        }
    }
    assert!(!all_text(&ada_files).contains(&totp_secret));
    // The archive being built is in it too.
    let exports = records(&ada_data, "exports", "exports");
    assert_eq!(exports.len(), 1);
    assert_eq!(
        (exports[0]["state"].as_str(), exports[0]["language"].as_str()),
        (Some("running"), Some("en"))
    );

    // Nothing of Ada's in Grace's archive beyond the share she was given.
    for (section, table) in [("devices", "devices"), ("alarms", "alarm_events"), ("calls", "call_records")] {
        assert!(records(&grace_data, section, table).is_empty(), "Grace has no {table}");
    }
    let shares = records(&grace_data, "shares", "device_shares");
    assert_eq!(shares.len(), 1);
    assert_eq!(shares[0]["_as"], "invitee_id");
    assert_eq!(shares[0]["permissions"], "alarms");
    assert!(!records(&grace_data, "shares", "share_accesses").is_empty(), "Grace's own uses");
    let grace_text = all_text(&grace_files);
    for secret in
        [ada_id.as_str(), "ada@example.com", "ada.new@example.com", cam.serial.as_str(), d.name.as_str()]
    {
        assert!(!grace_text.contains(secret), "{secret} is not in Grace's archive");
    }
    assert!(!grace_files.keys().any(|n| n.starts_with("pictures/")));
    for (section, table, _, whose, value) in &expected {
        if *whose == ada_id
            && *table != "device_shares"
            && value.as_str().is_some_and(|s| s.starts_with("zq-"))
        {
            assert!(!grace_text.contains(value.as_str().unwrap()), "{section}.{table}: {value}");
        }
    }

    // schema.json is the published schema, and validates both data.json files.
    let schema: Value = serde_json::from_str(&text(&ada_files, "schema.json")).unwrap();
    let published: Value = app.get("/api/privacy/exports/schema/v1").await.json().await.unwrap();
    assert_eq!(schema, published);
    assert_eq!(schema["$schema"], "https://json-schema.org/draft/2020-12/schema");
    let validator = jsonschema::draft202012::new(&schema).expect("schema.json is a valid JSON Schema");
    for data in [&ada_data, &grace_data] {
        let errors: Vec<String> =
            validator.iter_errors(data).map(|e| format!("{} at {}", e, e.instance_path)).collect();
        assert!(errors.is_empty(), "data.json validates: {errors:?}");
    }
    let mut broken = ada_data.clone();
    broken["sections"]["account"]["tables"]["people"]["records"][0]["nickname"] = json!("x");
    assert!(!validator.is_valid(&broken), "a field the registry does not declare fails the schema");

    // The pictures, opened; the summary links them, runs no script and fetches nothing.
    for name in [
        format!("pictures/alarm_events/{}.jpg", event.id),
        format!("pictures/alarm_events/{}-thumb.jpg", event.id),
        format!("pictures/call_records/call-{}.jpg", call.id),
    ] {
        let jpeg = ada_files
            .get(&name)
            .unwrap_or_else(|| panic!("{name} in {:?}", ada_files.keys().collect::<Vec<_>>()));
        assert_eq!(&jpeg[..3], &[0xFF, 0xD8, 0xFF], "{name} is a JPEG");
    }
    let html = text(&ada_files, "index.html");
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("<html lang=\"en\">"));
    assert!(!html.to_lowercase().contains("<script"), "no script");
    assert!(
        !html.contains("src=\"http") && !html.contains("href=\"http") && !html.contains("url("),
        "no network"
    );
    assert!(html.contains(&format!("href=\"pictures/alarm_events/{}.jpg\"", event.id)));
    // The consent ledger, its chain and how to check it.
    let ledger: Value = serde_json::from_str(&text(&ada_files, "consent-ledger.json")).unwrap();
    assert_eq!(ledger["verification"]["intact"], true);
    let chain = ledger["records"].as_array().unwrap();
    assert!(!chain.is_empty());
    assert_eq!(chain[0]["prev_hash"], ledger["genesis"]);
    for w in chain.windows(2) {
        assert_eq!(w[1]["prev_hash"], w[0]["hash"], "each record links to the one before");
    }
    assert!(text(&ada_files, "consent-ledger.txt").contains("prev_hash"));
    for name in ["data.json", "index.html", "csv/account-people.csv", "csv/alarms-alarm_events.csv"] {
        assert!(ada_files.contains_key(name), "{name}");
    }

    // Ada was mailed when hers was ready.
    let until = tokio::time::Instant::now() + WAIT;
    loop {
        let mail = app.latest_mail("ada@example.com").await;
        if mail.subject == "Your Ward data archive is ready" {
            assert!(mail.text.contains("/account/data"));
            break;
        }
        assert!(tokio::time::Instant::now() < until, "the ready mail arrives: last was {}", mail.subject);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    agent.kill();
}

async fn the_link_is_its_owners_for_7_days_from_a_fresh_session_and_logged(app: TestApp) {
    let ada = app.user("ada@example.com").await;
    start_export(&app, &ada).await;
    let st = app.ready_export(&ada).await;
    assert!(st.fresh);
    let file = |id: &str| app.data_dir.join("exports").join("eu").join(format!("{id}.sealed"));
    assert!(file(&st.id).exists());
    let sealed = std::fs::read(file(&st.id)).unwrap();
    assert!(!sealed.windows(9).any(|w| w == b"data.json"), "the file at rest is sealed");

    // Another person: no archive of theirs, and Ada's link is not found.
    let grace = app.user("grace@example.com").await;
    assert_eq!(download(&app, &grace, &st).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(current(&app, &grace).await.status(), StatusCode::NOT_FOUND);

    // A session signed in more than an hour ago must confirm the password first.
    let mut db = region(&app).await;
    db.exec(
        "UPDATE sessions SET created_at = created_at - 7200 WHERE person_id = $1",
        vec![Stored::Text(ada.info.account.id.clone())],
    )
    .await;
    db.exec(
        "UPDATE exports SET confirmed_at = confirmed_at - 7200 WHERE person_id = $1",
        vec![Stored::Text(ada.info.account.id.clone())],
    )
    .await;
    assert_eq!(download(&app, &ada, &st).await.status(), StatusCode::FORBIDDEN);
    let stale: ExportStatus = current(&app, &ada).await.json().await.unwrap();
    assert!(!stale.fresh);
    let res = ada
        .send(
            &app,
            Method::POST,
            "/api/privacy/exports/current/confirm",
            Some(json!({"password": "wrong one"})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = ada
        .send(&app, Method::POST, "/api/privacy/exports/current/confirm", Some(json!({"password": PASSWORD})))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.json::<ExportStatus>().await.unwrap().fresh);

    // 7 days less a second after the request: still there.
    let requested =
        time::OffsetDateTime::parse(&st.requested_at, &time::format_description::well_known::Rfc3339)
            .unwrap()
            .unix_timestamp();
    app.state.exports.clock.set(requested + 7 * DAY - 1);
    let res = download(&app, &ada, &st).await;
    assert_eq!(res.status(), StatusCode::OK);
    let files = unzip(&res.bytes().await.unwrap());
    assert!(files.contains_key("data.json"));
    assert_eq!(
        ward_server::export::purge(&app.state.stores, &app.state.exports, requested + 7 * DAY - 1)
            .await
            .unwrap(),
        0
    );
    assert!(file(&st.id).exists());
    let activity: Value =
        ada.send(&app, Method::GET, "/api/account/activity", None).await.json().await.unwrap();
    let kinds = activity.to_string();
    assert!(kinds.contains("export_requested") && kinds.contains("export_downloaded"), "{kinds}");

    // A second past 7 days: gone, the link, the row and the file.
    app.state.exports.clock.set(requested + 7 * DAY + 1);
    assert_eq!(download(&app, &ada, &st).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(current(&app, &ada).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        ward_server::export::purge(&app.state.stores, &app.state.exports, requested + 7 * DAY + 1)
            .await
            .unwrap(),
        1
    );
    assert!(!file(&st.id).exists());
    assert_eq!(db.count("SELECT COUNT(*) FROM exports WHERE person_id = $1", &ada.info.account.id).await, 0);
    app.state.exports.clock.set(0);

    // Erased with the account: Grace's archive goes with hers.
    start_export(&app, &grace).await;
    let g = app.ready_export(&grace).await;
    assert!(file(&g.id).exists());
    let res =
        grace.send(&app, Method::POST, "/api/account/deletion", Some(json!({"password": PASSWORD}))).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(!file(&g.id).exists());
    assert_eq!(db.count("SELECT COUNT(*) FROM exports WHERE id = $1", &g.id).await, 0);
}

async fn one_archive_at_a_time_cancel_live_progress_and_bad_input_stores_nothing(app: TestApp) {
    let ada = app.user("ada@example.com").await;
    let id = ada.info.account.id.clone();
    let mut db = region(&app).await;
    let rows = "SELECT COUNT(*) FROM exports WHERE person_id = $1";
    for (body, field) in [
        (json!({"password": PASSWORD, "language": "fr"}), "language"),
        (json!({"password": "not my password"}), "password"),
        (json!({"password": ""}), "password"),
    ] {
        let res = ada.send(&app, Method::POST, "/api/privacy/exports", Some(body.clone())).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let err: ward_model::ApiError = res.json().await.unwrap();
        assert_eq!(err.fields[0].field, field, "{body}");
        assert_eq!(db.count(rows, &id).await, 0, "nothing stored for {body}");
    }
    let res = ada.send(&app, Method::POST, "/api/privacy/exports", Some(json!({"language": "en"}))).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(db.count(rows, &id).await, 0);
    assert_eq!(current(&app, &ada).await.status(), StatusCode::NOT_FOUND);
    let res = ada.send(&app, Method::DELETE, "/api/privacy/exports/current", None).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    // One at a time; cancelled, it leaves nothing.
    let hold = app.state.exports.hold.write().await;
    let first = start_export(&app, &ada).await;
    assert_eq!(first.state, ward_model::ExportState::Running);
    let res = ada.send(&app, Method::POST, "/api/privacy/exports", Some(json!({"password": PASSWORD}))).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert_eq!(db.count(rows, &id).await, 1);
    let res = ada.send(&app, Method::DELETE, "/api/privacy/exports/current", None).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    drop(hold);
    let until = tokio::time::Instant::now() + WAIT;
    while app.state.exports.progress(&first.id).is_some() {
        assert!(tokio::time::Instant::now() < until, "the cancelled build stops");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let file = |id: &str| app.data_dir.join("exports").join("eu").join(format!("{id}.sealed"));
    assert!(!file(&first.id).exists(), "no file of a cancelled archive");
    assert_eq!(db.count(rows, &id).await, 0);
    assert_eq!(current(&app, &ada).await.status(), StatusCode::NOT_FOUND);

    // Live progress: the stream tells each step, then the archive ready, then ends.
    let hold = app.state.exports.hold.write().await;
    let second = start_export(&app, &ada).await;
    let mut stream = ada.client.get(app.at("/api/privacy/exports/current/events")).send().await.unwrap();
    assert_eq!(stream.headers()["content-type"], "text/event-stream");
    drop(hold);
    let seen = tokio::time::timeout(WAIT, async {
        let mut seen = String::new();
        while let Some(chunk) = stream.chunk().await.unwrap() {
            seen.push_str(&String::from_utf8_lossy(&chunk));
        }
        seen
    })
    .await
    .expect("the stream ends once the archive is ready");
    let events: Vec<ExportStatus> = seen
        .lines()
        .filter_map(|l| l.strip_prefix("data:"))
        .map(|d| serde_json::from_str(d.trim()).unwrap())
        .collect();
    assert!(seen.contains("event: status"));
    assert!(events.len() >= 2, "{seen}");
    assert_eq!(events[0].state, ward_model::ExportState::Running);
    let last = events.last().unwrap();
    assert_eq!(last.state, ward_model::ExportState::Ready);
    assert_eq!(last.progress.steps_done, last.progress.steps_total);
    assert!(last.progress.steps_total > 4);
    assert!(last.download_url.is_some());

    // A new archive replaces the ready one, file and all.
    assert!(file(&second.id).exists());
    let third = start_export(&app, &ada).await;
    assert!(!file(&second.id).exists());
    app.ready_export(&ada).await;
    assert!(file(&third.id).exists());
    let res = ada.send(&app, Method::DELETE, "/api/privacy/exports/current", None).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert!(!file(&third.id).exists());
}
