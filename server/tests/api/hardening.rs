//! Issue 13, "Hardening": each weakness a review found, with the test that keeps it fixed.
//! Every test runs on both backends.

use reqwest::StatusCode;
use serde_json::{Value, json};
use ward_model::ApiError;

use crate::fixtures::{Browser, PASSWORD, WAIT, error_of, offer, sign_up_body};
use crate::helpers::{Backend, Dist, TestApp, client, spawn_app_configured};

crate::both_backends!(
    an_outbox_message_is_deleted_a_day_after_it_was_written,
    a_password_reset_counts_second_factor_guesses_against_the_code_and_tells_a_stranger_nothing,
    adding_a_passkey_or_turning_two_step_verification_on_or_off_needs_the_password_and_mails_the_person,
    a_password_reset_ends_every_session_and_removes_the_passkeys,
    an_email_change_is_told_to_the_old_address,
    verifying_an_email_answers_alike_after_the_same_work_for_a_verified_a_pending_and_an_unknown_address,
    a_wrong_password_at_verification_counts_against_the_code_like_a_wrong_code,
    a_second_password_reset_within_a_minute_answers_alike_for_a_known_and_an_unknown_address,
    an_email_change_answers_alike_whether_the_new_address_is_taken_or_free,
    sign_up_answers_alike_and_hashes_the_password_for_a_taken_and_a_new_email,
    names_in_an_invitation_mail_cannot_add_headers_or_lines,
    removing_the_newest_consent_records_is_reported_by_verification,
    a_cameras_refusal_reason_never_reaches_the_viewer,
    a_strangers_wrong_label_codes_do_not_keep_the_owner_from_adding_the_camera,
);

crate::both_backends!(backend:
    the_developer_mailbox_and_cameras_answer_only_with_the_dev_flag_and_only_to_this_machine,
    a_second_sign_up_replaces_a_pending_account_so_its_password_is_the_verifiers,
    a_sign_up_after_the_owners_cannot_take_the_account_because_verification_needs_the_password,
    with_an_https_public_url_the_session_cookie_is_secure_and_host_prefixed_and_hsts_is_sent,
);

async fn post(app: &TestApp, path: &str, body: Value) -> reqwest::Response {
    client().post(app.at(path)).json(&body).send().await.unwrap()
}

/// An address of this machine that is not loopback, if it has one (found by asking the
/// kernel which source address it would use; a UDP `connect` sends nothing).
fn non_loopback_ip() -> Option<std::net::IpAddr> {
    let socket = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    socket.connect("192.0.2.1:9").or_else(|_| socket.connect("10.255.255.255:9")).ok()?;
    Some(socket.local_addr().ok()?.ip()).filter(|ip| !ip.is_loopback() && !ip.is_unspecified())
}

// ---- 1. The developer mailbox is public ----

async fn the_developer_mailbox_and_cameras_answer_only_with_the_dev_flag_and_only_to_this_machine(
    backend: Backend,
) {
    const PATHS: [&str; 2] = ["/api/dev/mailbox", "/api/dev/cameras"];
    // Without the flag: 404 with the body of any unknown API path, even to this machine.
    let Some(app) = spawn_app_configured(backend, Dist::Built, |_| {}).await else { return };
    assert_eq!(post(&app, "/api/signup", sign_up_body("ada@example.com", "eu")).await.status(), 201);
    let unknown = error_of(app.get("/api/no-such-thing").await).await;
    assert_eq!(unknown.0, StatusCode::NOT_FOUND);
    for path in PATHS {
        assert_eq!(error_of(app.get(path).await).await, unknown, "{path} without --dev-pages");
    }
    drop(app);

    // With it, listening on every interface: this machine gets the mail, another does not.
    let Some(app) = spawn_app_configured(backend, Dist::Built, |c| {
        c.dev_pages = true;
        c.addr = "0.0.0.0:0".parse().unwrap();
    })
    .await
    else {
        return;
    };
    let port = app.url.rsplit(':').next().unwrap().to_string();
    let loopback = format!("http://127.0.0.1:{port}");
    let res = client()
        .post(format!("{loopback}/api/signup"))
        .json(&sign_up_body("ada@example.com", "eu"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let mails: Vec<ward_model::MailboxMessage> =
        client().get(format!("{loopback}/api/dev/mailbox")).send().await.unwrap().json().await.unwrap();
    assert!(mails.iter().any(|m| m.to == "ada@example.com" && m.text.contains("Your code: ")));
    let res = client().get(format!("{loopback}/api/dev/cameras")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    match non_loopback_ip() {
        Some(ip) => {
            let host = if ip.is_ipv6() { format!("[{ip}]") } else { ip.to_string() };
            for path in PATHS {
                let res = client().get(format!("http://{host}:{port}{path}")).send().await.unwrap();
                assert_eq!(error_of(res).await, unknown, "{path} from {ip}");
            }
        }
        None => eprintln!("this machine has no address but loopback: the remote half is not tested"),
    }
}

#[tokio::test]
async fn the_server_refuses_to_start_with_dev_pages_and_a_public_url() {
    let data = tempfile::tempdir().unwrap();
    let mut config = ward_server::Config::new(data.path().join("data"), data.path().join("dist"));
    config.addr = "127.0.0.1:0".parse().unwrap();
    config.dev_pages = true;
    config.public_url = Some("https://ward.example.com".parse().unwrap());
    let err = ward_server::Server::bind(&config).await.err().expect("refused").to_string();
    assert!(err.contains("--dev-pages") && err.contains("--public-url"), "{err}");
}

async fn an_outbox_message_is_deleted_a_day_after_it_was_written(app: TestApp) {
    let outbox = ward_server::registry::FILE_STORES
        .iter()
        .find(|f| f.dir == "outbox")
        .expect("the outbox is declared in the registry");
    assert_eq!(outbox.days(), 1);
    let dir = app.state.auth.mailer.outbox().unwrap().to_path_buf();
    let mailer = &app.state.auth.mailer;
    mailer.send("old@example.com", "Old", "Your code: 111111\n".into()).await.unwrap();
    let old = std::fs::read_dir(&dir).unwrap().next().unwrap().unwrap().path();
    mailer.send("new@example.com", "New", "Your code: 222222\n".into()).await.unwrap();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    // The old message was written a day and a minute ago.
    let then = std::time::SystemTime::now() - std::time::Duration::from_secs(86_400 + 60);
    std::fs::File::options().write(true).open(&old).unwrap().set_modified(then).unwrap();
    // (The server's own retention job may get there first: it also runs at start.)
    ward_server::mail::purge_outbox(&dir, now).await.unwrap();
    let left = ward_server::mail::read_outbox(&dir, 10).await.unwrap();
    assert_eq!(left.iter().map(|m| m.to.as_str()).collect::<Vec<_>>(), ["new@example.com"]);
    // The new one goes once its day has passed, by the clock the job is given.
    assert_eq!(ward_server::mail::purge_outbox(&dir, now + 86_400 - 60).await.unwrap(), 0);
    assert_eq!(ward_server::mail::purge_outbox(&dir, now + 86_400 + 60).await.unwrap(), 1);
    assert!(ward_server::mail::read_outbox(&dir, 10).await.unwrap().is_empty());
}

// ---- 2. Password reset lets anyone guess the second factor without limit ----

async fn confirm_reset(app: &TestApp, email: &str, code: &str, otp: Option<&str>) -> (StatusCode, ApiError) {
    let mut body = json!({"email": email, "code": code, "new_password": "a brand new passphrase"});
    if let Some(otp) = otp {
        body["otp"] = json!(otp);
    }
    error_of(post(app, "/api/password-reset/confirm", body).await).await
}

/// A 6-digit string that is not `code`.
fn other_than(code: &str) -> String {
    if code == "000000" { "111111".into() } else { "000000".into() }
}

/// An authenticator code that is wrong now (none of the steps around now).
fn wrong_totp(secret: &str) -> String {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let near: Vec<String> =
        (-2..=2).map(|k| ward_server::auth::totp::code_at(secret, now + 30 * k)).collect();
    (0..10).map(|d| format!("{d}{d}{d}{d}{d}{d}")).find(|c| !near.contains(c)).unwrap()
}

async fn a_password_reset_counts_second_factor_guesses_against_the_code_and_tells_a_stranger_nothing(
    app: TestApp,
) {
    // Ada has two-step verification on; Bob does not. Both asked for a reset.
    app.sign_up_and_verify("ada@example.com", "eu").await;
    app.sign_up_and_verify("bob@example.com", "eu").await;
    let ada = app.sign_in("ada@example.com", PASSWORD, None).await.unwrap();
    let secret = app.turn_on_totp(&ada, PASSWORD).await;
    for email in ["ada@example.com", "bob@example.com"] {
        assert_eq!(post(&app, "/api/password-reset", json!({"email": email})).await.status(), 202);
    }
    let code = app.code_for("ada@example.com").await;
    let bob_code = app.code_for("bob@example.com").await;
    // A stranger without the code gets the same answer for both: nothing says Ada has a
    // second factor (nor passkeys).
    let at_ada = confirm_reset(&app, "ada@example.com", &other_than(&code), None).await;
    let at_bob = confirm_reset(&app, "bob@example.com", &other_than(&bob_code), None).await;
    assert_eq!(at_ada, at_bob);
    assert_eq!((at_ada.0, at_ada.1.fields[0].field.as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "code"));
    // With the code, the second factor is asked for, and each wrong one uses up a try of
    // the code (5 in all, the stranger's included).
    let (status, err) = confirm_reset(&app, "ada@example.com", &code, None).await;
    assert_eq!(
        (status, err.fields[0].field.as_str(), err.fields[0].code.as_str()),
        (StatusCode::UNAUTHORIZED, "otp", "required")
    );
    let wrong = wrong_totp(&secret);
    for _ in 0..3 {
        let (status, err) = confirm_reset(&app, "ada@example.com", &code, Some(&wrong)).await;
        assert_eq!((status, err.fields[0].code.as_str()), (StatusCode::UNAUTHORIZED, "wrong"));
    }
    let (status, err) = confirm_reset(&app, "ada@example.com", &code, Some(&wrong)).await;
    assert_eq!((status, err.fields[0].code.as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "exhausted"));
    // The code is dead: even with the right second factor nothing changes.
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let right = ward_server::auth::totp::code_at(&secret, now);
    let (status, _) = confirm_reset(&app, "ada@example.com", &code, Some(&right)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(app.sign_in("ada@example.com", "a brand new passphrase", Some(&right)).await.is_err());
    // Tries per address are limited too, for a known and an unknown address alike.
    for email in ["ada@example.com", "nobody@example.com"] {
        let mut statuses = Vec::new();
        for _ in 0..12 {
            statuses.push(confirm_reset(&app, email, "123456", None).await.0);
            if statuses.last() == Some(&StatusCode::TOO_MANY_REQUESTS) {
                break;
            }
        }
        assert_eq!(statuses.last(), Some(&StatusCode::TOO_MANY_REQUESTS), "{email}: {statuses:?}");
        // Ada's 7 tries above count: the limit is 10 per address.
        let tried_before = if email.starts_with("ada") { 7 } else { 0 };
        assert_eq!(statuses.len() + tried_before, 11, "{email}: {statuses:?}");
    }
}

// ---- 3. Pre-account hijack ----

async fn a_second_sign_up_replaces_a_pending_account_so_its_password_is_the_verifiers(backend: Backend) {
    const VICTIM: &str = "dpo@example.com";
    // The victim is privacy staff: the rights must follow only the victim's password.
    let Some(app) =
        spawn_app_configured(backend, Dist::Built, |c| c.privacy_staff = vec![VICTIM.into()]).await
    else {
        return;
    };
    let attacker_password = "the attacker's own passphrase";
    let mut first = sign_up_body(VICTIM, "us");
    first["password"] = json!(attacker_password);
    first["name"] = json!("Mallory");
    assert_eq!(post(&app, "/api/signup", first).await.status(), StatusCode::CREATED);
    let mut second = sign_up_body(VICTIM, "eu");
    second["name"] = json!("Dana Officer");
    assert_eq!(post(&app, "/api/signup", second).await.status(), StatusCode::CREATED);
    // The victim enters the code of the latest mail, with their password.
    let code = app.code_for(VICTIM).await;
    let res =
        post(&app, "/api/signup/verify", json!({"email": VICTIM, "code": code, "password": PASSWORD})).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);

    let (status, _) = app.sign_in(VICTIM, attacker_password, None).await.err().expect("refused");
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let victim = app.sign_in(VICTIM, PASSWORD, None).await.expect("the verifier's password signs in");
    assert_eq!(victim.info.account.name, "Dana Officer");
    assert_eq!(victim.info.account.region, ward_model::Region::Eu);
    // Only one account holds the address, and it is the victim's, with the staff rights.
    assert_eq!(crate::raw::count(&app, "directory", "directory").await, 1);
    assert_eq!(crate::raw::count(&app, "region-us", "people").await, 0, "the pending account is gone");
    let res = victim
        .send(
            &app,
            reqwest::Method::POST,
            "/api/privacy/policies/privacy",
            Some(json!({"markdown": "", "material": false, "summary": ""})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "staff get past the check to the fields");
}

async fn a_sign_up_after_the_owners_cannot_take_the_account_because_verification_needs_the_password(
    backend: Backend,
) {
    const VICTIM: &str = "dpo@example.com";
    // The victim is privacy staff: the rights must follow only the victim's password.
    let Some(app) =
        spawn_app_configured(backend, Dist::Built, |c| c.privacy_staff = vec![VICTIM.into()]).await
    else {
        return;
    };
    let attacker_password = "the attacker's own passphrase";
    let mut owners = sign_up_body(VICTIM, "eu");
    owners["name"] = json!("Dana Officer");
    assert_eq!(post(&app, "/api/signup", owners.clone()).await.status(), StatusCode::CREATED);
    // Before the victim verifies, the attacker signs up with the victim's address: their
    // pending account replaces the victim's, and a new code goes to the victim's mailbox.
    let mut attackers = sign_up_body(VICTIM, "us");
    attackers["password"] = json!(attacker_password);
    attackers["name"] = json!("Mallory");
    assert_eq!(post(&app, "/api/signup", attackers).await.status(), StatusCode::CREATED);

    // The victim types the newest code and their own password: refused, with the one
    // answer a stranger gets, which tells them what to do.
    let code = app.code_for(VICTIM).await;
    let refused = error_of(
        post(&app, "/api/signup/verify", json!({"email": VICTIM, "code": code, "password": PASSWORD})).await,
    )
    .await;
    let unknown = error_of(
        post(
            &app,
            "/api/signup/verify",
            json!({"email": "nobody@example.com", "code": code, "password": PASSWORD}),
        )
        .await,
    )
    .await;
    assert_eq!(refused, unknown);
    assert_eq!(refused.0, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        (refused.1.fields[0].field.as_str(), refused.1.fields[0].code.as_str()),
        ("code", "code_or_password")
    );
    assert!(refused.1.fields[0].message.contains("latest sign-up"), "{}", refused.1.fields[0].message);
    // Nothing is verified: the attacker's password does not sign in (the account is still
    // pending), and neither does the victim's.
    let (status, _) = app.sign_in(VICTIM, attacker_password, None).await.err().expect("refused");
    assert_eq!(status, StatusCode::FORBIDDEN, "pending, not verified");
    let (status, _) = app.sign_in(VICTIM, PASSWORD, None).await.err().expect("refused");
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // The victim signs up again, which replaces the attacker's pending account, and
    // verifies with the newest code and their password.
    assert_eq!(post(&app, "/api/signup", owners).await.status(), StatusCode::CREATED);
    let code = app.code_for(VICTIM).await;
    let res =
        post(&app, "/api/signup/verify", json!({"email": VICTIM, "code": code, "password": PASSWORD})).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let victim = app.sign_in(VICTIM, PASSWORD, None).await.expect("the owner's password signs in");
    assert_eq!(victim.info.account.name, "Dana Officer");
    assert_eq!(victim.info.account.region, ward_model::Region::Eu);
    let (status, _) = app.sign_in(VICTIM, attacker_password, None).await.err().expect("refused");
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(crate::raw::count(&app, "directory", "directory").await, 1);
    assert_eq!(crate::raw::count(&app, "region-us", "people").await, 0, "the attacker's account is gone");
    let res = victim
        .send(
            &app,
            reqwest::Method::POST,
            "/api/privacy/policies/privacy",
            Some(json!({"markdown": "", "material": false, "summary": ""})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "staff get past the check to the fields");
}

async fn a_wrong_password_at_verification_counts_against_the_code_like_a_wrong_code(app: TestApp) {
    let email = "ada@example.com";
    assert_eq!(post(&app, "/api/signup", sign_up_body(email, "eu")).await.status(), StatusCode::CREATED);
    let code = app.code_for(email).await;
    let verify = |password: &str| json!({"email": email, "code": code, "password": password});
    // No password is a field error, before the code is looked at.
    let (status, err) = error_of(post(&app, "/api/signup/verify", verify("")).await).await;
    assert_eq!(
        (status, err.fields[0].field.as_str(), err.fields[0].code.as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "password", "required")
    );
    // The right code with a wrong password: each try uses up one of the code's five.
    for _ in 0..5 {
        let (status, err) =
            error_of(post(&app, "/api/signup/verify", verify("a wrong passphrase")).await).await;
        assert_eq!(
            (status, err.fields[0].code.as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, "code_or_password")
        );
    }
    // Now the right code and password come too late: the code is used up.
    let (status, err) = error_of(post(&app, "/api/signup/verify", verify(PASSWORD)).await).await;
    assert_eq!((status, err.fields[0].code.as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "exhausted"));
    let (status, _) = app.sign_in(email, PASSWORD, None).await.err().expect("not verified");
    assert_eq!(status, StatusCode::FORBIDDEN);
}

// ---- 4. Passkeys and two-step verification with a session alone ----

async fn mails_to(app: &TestApp, to: &str) -> Vec<ward_model::MailboxMessage> {
    let outbox = app.state.auth.mailer.outbox().unwrap();
    ward_server::mail::read_outbox(outbox, 100).await.unwrap().into_iter().filter(|m| m.to == to).collect()
}

async fn adding_a_passkey_or_turning_two_step_verification_on_or_off_needs_the_password_and_mails_the_person(
    app: TestApp,
) {
    let email = "ada@example.com";
    let b = app.user(email).await;
    let local = app.url.replace("http://127.0.0.1", "localhost");
    let passkey_options = |body: Option<Value>| {
        let mut req = b
            .client
            .post(app.at("/api/account/passkeys/options"))
            .header("host", local.clone())
            .header("x-csrf-token", &b.csrf);
        if let Some(body) = body {
            req = req.json(&body);
        }
        req.send()
    };
    // A session alone cannot start adding a passkey.
    let res = passkey_options(None).await.unwrap();
    assert!(res.status().is_client_error() && res.status() != StatusCode::CONFLICT, "{}", res.status());
    let (status, err) = error_of(passkey_options(Some(json!({"password": ""}))).await.unwrap()).await;
    assert_eq!(
        (status, err.fields[0].field.as_str(), err.fields[0].code.as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "password", "required")
    );
    let (status, err) =
        error_of(passkey_options(Some(json!({"password": "not my password"}))).await.unwrap()).await;
    assert_eq!((status, err.fields[0].code.as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "wrong"));
    assert_eq!(passkey_options(Some(json!({"password": PASSWORD}))).await.unwrap().status(), StatusCode::OK);

    // Nor turn two-step verification on.
    let setup: Value =
        b.send(&app, reqwest::Method::POST, "/api/account/totp/setup", None).await.json().await.unwrap();
    let secret = setup["secret"].as_str().unwrap().to_string();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let code = ward_server::auth::totp::code_at(&secret, now);
    let enable = |body: Value| b.send(&app, reqwest::Method::POST, "/api/account/totp/enable", Some(body));
    let res = enable(json!({"code": code})).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "the password is required");
    let (status, err) = error_of(enable(json!({"code": code, "password": "not my password"})).await).await;
    assert_eq!((status, err.fields[0].field.as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "password"));
    assert!(app.sign_in(email, PASSWORD, None).await.is_ok(), "still off");
    let res = enable(json!({"code": code, "password": PASSWORD})).await;
    assert_eq!(res.status(), StatusCode::OK);
    let subjects = |m: Vec<ward_model::MailboxMessage>| m.into_iter().map(|m| m.subject).collect::<Vec<_>>();
    assert!(
        subjects(mails_to(&app, email).await).contains(&"Two-step verification was turned on".to_string())
    );
    // Turning it off needs the password (as before) and is mailed too.
    let c = app
        .sign_in(email, PASSWORD, Some(&ward_server::auth::totp::code_at(&secret, now + 30)))
        .await
        .unwrap();
    let res = c
        .send(&app, reqwest::Method::POST, "/api/account/totp/disable", Some(json!({"password": PASSWORD})))
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert!(
        subjects(mails_to(&app, email).await).contains(&"Two-step verification was turned off".to_string())
    );
}

async fn a_password_reset_ends_every_session_and_removes_the_passkeys(app: TestApp) {
    let email = "ada@example.com";
    let b = app.user(email).await;
    // A passkey, as a stolen session could have added one before (the ceremony itself needs
    // a browser: `e2e/tests/passkey.test.mjs`).
    let db = app.state.stores.region(ward_model::Region::Eu).await.unwrap();
    let id = b.info.account.id.clone();
    let wrapped = app.state.stores.directory.person_key(&id).await.unwrap().unwrap();
    let key = app.state.auth.vault.unwrap_person_key(&id, &wrapped).unwrap();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    db.passkey_insert(&ward_server::store::PasskeyRow {
        id: "pk1".into(),
        person_id: id.clone(),
        credential_ct: key.seal("passkey", "{}"),
        name_ct: key.seal("passkey_name", "Chrome on Linux"),
        created_at: now,
        last_used: now,
    })
    .await
    .unwrap();
    assert_eq!(db.passkeys_of(&id).await.unwrap().len(), 1);
    assert_eq!(post(&app, "/api/password-reset", json!({"email": email})).await.status(), 202);
    let code = app.code_for(email).await;
    let res = post(
        &app,
        "/api/password-reset/confirm",
        json!({"email": email, "code": code, "new_password": "a brand new passphrase"}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(b.client.get(app.at("/api/session")).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    assert!(db.passkeys_of(&id).await.unwrap().is_empty(), "the passkeys are gone");
    let mail = app.latest_mail(email).await;
    assert!(mail.text.contains("passkeys were removed"), "{}", mail.text);
}

async fn an_email_change_is_told_to_the_old_address(app: TestApp) {
    let b = app.user("ada@example.com").await;
    let res = b
        .send(
            &app,
            reqwest::Method::PATCH,
            "/api/account",
            Some(json!({"email": "ada.king@example.org", "current_password": PASSWORD})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let code = app.code_for("ada.king@example.org").await;
    let res =
        b.send(&app, reqwest::Method::POST, "/api/account/email/verify", Some(json!({"code": code}))).await;
    assert_eq!(res.status(), StatusCode::OK);
    let mail = app.latest_mail("ada@example.com").await;
    assert_eq!(mail.subject, "Your Ward email address was changed");
    assert!(mail.text.contains("ada.king@example.org"), "{}", mail.text);
}

// ---- 5. Account enumeration ----

async fn verifying_an_email_answers_alike_after_the_same_work_for_a_verified_a_pending_and_an_unknown_address(
    app: TestApp,
) {
    app.sign_up_and_verify("ada@example.com", "eu").await;
    assert_eq!(
        post(&app, "/api/signup", sign_up_body("bob@example.com", "eu")).await.status(),
        StatusCode::CREATED
    );
    let code = app.code_for("bob@example.com").await;
    let hasher = &app.state.auth.hasher;
    let mut answers = Vec::new();
    // A stranger's guesses, and the pending account's own code with another password.
    for (email, code, password) in [
        ("ada@example.com", "123456", "a guess at a passphrase"),
        ("ada@example.com", "123456", PASSWORD),
        ("nobody@example.com", "123456", PASSWORD),
        ("bob@example.com", if code == "123456" { "654321" } else { "123456" }, PASSWORD),
        ("bob@example.com", code.as_str(), "a guess at a passphrase"),
    ] {
        let before = hasher.runs();
        let res =
            post(&app, "/api/signup/verify", json!({"email": email, "code": code, "password": password}))
                .await;
        let (status, err) = error_of(res).await;
        answers.push((status, err, hasher.runs() - before));
    }
    for answer in &answers[1..] {
        assert_eq!(answer, &answers[0]);
    }
    assert_eq!(
        (answers[0].0, answers[0].2),
        (StatusCode::UNPROCESSABLE_ENTITY, 1),
        "one password check each"
    );
}

/// An answer with the seconds to wait taken out (they may differ by the second between two requests).
async fn answer_of(res: reqwest::Response) -> (StatusCode, String) {
    let status = res.status();
    let body = res.text().await.unwrap();
    (status, body.chars().filter(|c| !c.is_ascii_digit()).collect())
}

async fn a_second_password_reset_within_a_minute_answers_alike_for_a_known_and_an_unknown_address(
    app: TestApp,
) {
    app.sign_up_and_verify("ada@example.com", "eu").await;
    let mut answers = Vec::new();
    for email in ["ada@example.com", "nobody@example.com"] {
        let first = answer_of(post(&app, "/api/password-reset", json!({"email": email})).await).await;
        let second = answer_of(post(&app, "/api/password-reset", json!({"email": email})).await).await;
        answers.push((first, second));
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!((answers[0].0.0, answers[0].1.0), (StatusCode::ACCEPTED, StatusCode::TOO_MANY_REQUESTS));
    // (`/api/signup/resend` is limited by address the same way; a sign-up counts as a mail to
    // its address there, whether or not the address had an account.)
}

async fn an_email_change_answers_alike_whether_the_new_address_is_taken_or_free(app: TestApp) {
    // Bob's address is taken, in another region; Dave's is free.
    app.sign_up_and_verify("bob@example.com", "us").await;
    let mut answers = Vec::new();
    for (who, to) in [("ada@example.com", "bob@example.com"), ("carol@example.com", "dave@example.com")] {
        let b: Browser = app.user(who).await;
        let res = b
            .send(
                &app,
                reqwest::Method::PATCH,
                "/api/account",
                Some(json!({"email": to, "current_password": PASSWORD})),
            )
            .await;
        let status = res.status();
        let account: Value = res.json().await.unwrap();
        // The same answer, as a function of the request: the old email kept, the new pending.
        answers.push((status, account["email"] == who, account["pending_email"] == to));
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[0], (StatusCode::OK, true, true));
    // Only the new address's owner learns more: a code if free, a notice if taken.
    assert!(app.latest_mail("dave@example.com").await.text.contains("Your code: "));
    let notice = app.latest_mail("bob@example.com").await;
    assert!(!notice.text.contains("Your code: "), "{}", notice.text);
    assert_eq!(crate::raw::count(&app, "directory", "directory").await, 3);
}

async fn sign_up_answers_alike_and_hashes_the_password_for_a_taken_and_a_new_email(app: TestApp) {
    app.sign_up_and_verify("ada@example.com", "eu").await;
    let hasher = &app.state.auth.hasher;
    let mut answers = Vec::new();
    for email in ["ada@example.com", "new@example.com"] {
        let before = hasher.runs();
        let res = post(&app, "/api/signup", sign_up_body(email, "eu")).await;
        let status = res.status();
        let mut body: Value = res.json().await.unwrap();
        assert_eq!(body["email"], email);
        body["email"] = json!("…");
        answers.push((status, body, hasher.runs() - before));
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!((answers[0].0, answers[0].2), (StatusCode::CREATED, 1), "one hash each");
}

// ---- 13. Transport ----

async fn with_an_https_public_url_the_session_cookie_is_secure_and_host_prefixed_and_hsts_is_sent(
    backend: Backend,
) {
    let Some(plain) = spawn_app_configured(backend, Dist::Built, |_| {}).await else { return };
    assert!(plain.get("/api/health").await.headers().get("strict-transport-security").is_none());
    drop(plain);
    let Some(app) = spawn_app_configured(backend, Dist::Built, |c| {
        c.public_url = Some("https://ward.example.com".parse().unwrap());
    })
    .await
    else {
        return;
    };
    // No second flag: the public URL says HTTPS, so every answer says "HTTPS only".
    for path in ["/api/health", "/", "/api/no-such-thing"] {
        let res = app.get(path).await;
        assert_eq!(res.headers()["strict-transport-security"], "max-age=31536000", "{path}");
    }
    let email = "ada@example.com";
    app.sign_up_and_verify(email, "eu").await;
    let res = post(&app, "/api/session", json!({"email": email, "password": PASSWORD})).await;
    assert_eq!(res.status(), StatusCode::OK);
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.starts_with("__Host-ward_session=eu."), "{cookie}");
    for attr in ["; Secure", "; Path=/", "; HttpOnly"] {
        assert!(cookie.contains(attr), "{cookie}");
    }
    assert!(!cookie.to_lowercase().contains("domain="), "{cookie}");
    let value = cookie.split(';').next().unwrap().split_once('=').unwrap().1.to_string();
    let session =
        |name: &str| client().get(app.at("/api/session")).header("cookie", format!("{name}={value}")).send();
    assert_eq!(session("__Host-ward_session").await.unwrap().status(), StatusCode::OK);
    // A cookie without the prefix (which a plain-HTTP answer or a subdomain could set) is not it.
    assert_eq!(session("ward_session").await.unwrap().status(), StatusCode::UNAUTHORIZED);
}

async fn names_in_an_invitation_mail_cannot_add_headers_or_lines(app: TestApp) {
    use reqwest::Method;
    let cam = app.camera().await;
    let ada = app.user("ada@example.com").await;
    let _bob = app.user("bob@example.com").await;
    let d = app.claimed(&ada, &cam).await;
    // A device name with a line break is refused…
    let evil = "Porch\r\nBcc: eve@example.com\r\n\r\nClick https://evil.example to accept";
    let res = ada
        .send(
            &app,
            Method::PATCH,
            &format!("/api/devices/{}", d.id),
            Some(json!({"name": "Porch\r\nBcc: eve@example.com"})),
        )
        .await;
    let (status, err) = error_of(res).await;
    assert_eq!(
        (status, err.fields[0].field.as_str(), err.fields[0].code.as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "name", "malformed")
    );
    // …and one stored before that rule, or an owner's name with a Unicode line separator,
    // still makes one line in the mail.
    let db = app.state.stores.region(ward_model::Region::Eu).await.unwrap();
    let id = ada.info.account.id.clone();
    let wrapped = app.state.stores.directory.person_key(&id).await.unwrap().unwrap();
    let key = app.state.auth.vault.unwrap_person_key(&id, &wrapped).unwrap();
    db.device_set_name(&d.id, &key.seal(ward_server::devices::DEVICE_NAME, evil)).await.unwrap();
    let res = ada
        .send(
            &app,
            Method::PATCH,
            "/api/account",
            Some(json!({"name": "Ada\u{2028}Reply-To: eve@example.com"})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    app.shared(&ada, &d.id, "bob@example.com", &["alarms"]).await;
    let mail = app.latest_mail("bob@example.com").await;
    assert!(mail.subject.contains("Ada Reply-To: eve@example.com shared a camera"), "{}", mail.subject);
    assert!(mail.text.lines().next().unwrap().contains("Click https://evil.example"), "{}", mail.text);
    assert!(!mail.text.lines().any(|l| l.starts_with("Click") || l.starts_with("Bcc:")), "{}", mail.text);
    // The raw message has no header the names wrote.
    let outbox = app.state.auth.mailer.outbox().unwrap();
    for entry in std::fs::read_dir(outbox).unwrap().flatten() {
        let raw = std::fs::read_to_string(entry.path()).unwrap();
        let headers = raw.split("\r\n\r\n").next().unwrap();
        assert!(!headers.lines().any(|l| l.starts_with("Bcc:") || l.starts_with("Reply-To:")), "{headers}");
    }
}

// ---- 11. The consent ledger's head ----

async fn removing_the_newest_consent_records_is_reported_by_verification(app: TestApp) {
    use reqwest::Method;
    use ward_model::LedgerVerification;
    let b = app.user("ada@example.com").await;
    for on in [true, false] {
        let body = json!({"purpose": "marketing_mail", "active": on, "text_version": "1"});
        let res = b.send(&app, Method::POST, "/api/privacy/consents", Some(body)).await;
        assert_eq!(res.status(), StatusCode::OK, "{}", res.text().await.unwrap());
    }
    let verify = || async {
        let res = b.send(&app, Method::GET, "/api/privacy/ledger/verify", None).await;
        res.json::<LedgerVerification>().await.unwrap()
    };
    assert_eq!(verify().await, LedgerVerification { intact: true, records: 3, first_broken: None });
    // Someone with database access removes the withdrawal: the rest still chains.
    assert_eq!(crate::raw::execute(&app, "region-eu", "DELETE FROM consent_ledger WHERE seq = 3").await, 1);
    assert_eq!(verify().await, LedgerVerification { intact: false, records: 2, first_broken: Some(3) });
    // Or every record.
    crate::raw::execute(&app, "region-eu", "DELETE FROM consent_ledger").await;
    assert_eq!(verify().await, LedgerVerification { intact: false, records: 0, first_broken: Some(1) });
}

async fn a_cameras_refusal_reason_never_reaches_the_viewer(app: TestApp) {
    let cam = app.camera().await;
    // A camera whose RTSP source (a LAN address, a path naming a room) cannot be played.
    let mut config = ward_camera::Config::new(&app.url, cam.clone());
    config.rtsp = Some(ward_live::RtspSource::new("rtsp://127.0.0.1:1/living-room").unwrap());
    let mut agent = ward_camera::Agent::spawn(config);
    agent.wait_until(WAIT, |s| s.connected).await.expect("the agent connects");
    let ada = app.user("ada@example.com").await;
    let d = app.claimed(&ada, &cam).await;
    agent.wait_until(WAIT, |s| s.bound).await.unwrap();
    let (_probe, sdp) =
        ward_live::probe::Probe::offer(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST)).unwrap();
    let res = offer(&app, &ada, &d.id, &sdp).await;
    let text = res.text().await.unwrap();
    let err: ApiError = serde_json::from_str(&text).unwrap();
    assert_eq!((err.fields[0].field.as_str(), err.fields[0].code.as_str()), ("offer", "refused"), "{text}");
    for secret in ["127.0.0.1:1", "rtsp", "living-room"] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
}

/// Item 6, for cameras: wrong label codes are counted per person, so someone who knows a
/// serial (it is printed on the box) cannot keep its owner from adding the camera.
async fn a_strangers_wrong_label_codes_do_not_keep_the_owner_from_adding_the_camera(app: TestApp) {
    let cam = app.camera().await;
    let (mallory, olive) = (app.user("mallory@example.com").await, app.user("olive@example.com").await);
    let wrong = if cam.code == "AAAAAA" { "BBBBBB" } else { "AAAAAA" };
    async fn claim(app: &TestApp, b: &Browser, serial: &str, code: &str) -> StatusCode {
        let body = json!({"serial": serial, "code": code});
        b.send(app, reqwest::Method::POST, "/api/devices", Some(body)).await.status()
    }
    for _ in 0..4 {
        assert_eq!(claim(&app, &mallory, &cam.serial, wrong).await, StatusCode::UNPROCESSABLE_ENTITY);
    }
    assert_eq!(claim(&app, &mallory, &cam.serial, wrong).await, StatusCode::TOO_MANY_REQUESTS);
    // Mallory now waits, even with the right code…
    assert_eq!(claim(&app, &mallory, &cam.serial, &cam.code).await, StatusCode::TOO_MANY_REQUESTS);
    // …but the owner, holding the label, adds the camera at once.
    assert_eq!(claim(&app, &olive, &cam.serial, &cam.code).await, StatusCode::CREATED);
}
