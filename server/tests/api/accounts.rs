//! Accounts end to end over HTTP: sign-up, verification, sessions, CSRF, rate limits,
//! two-step verification, profile, password reset and deletion; on both backends.

use reqwest::StatusCode;
use serde_json::{Value, json};
use ward_model::{ApiError, ErrorCode, Region, SessionInfo};
use ward_server::auth::totp;

use crate::both_backends;
use crate::fixtures::{PASSWORD, error_of, sign_up_body};
use crate::helpers::{TestApp, client};

both_backends!(
    sign_up_verify_sign_in_and_sign_out,
    every_bad_sign_up_field_is_named_and_nothing_is_stored,
    the_age_gate_follows_the_region_and_stores_nothing,
    an_unknown_email_and_a_wrong_password_get_the_same_answer_until_rate_limited,
    an_unverified_account_cannot_sign_in_and_codes_are_single_use_and_limited,
    a_second_sign_up_with_a_taken_email_answers_alike_and_tells_the_owner,
    state_changes_need_the_csrf_token_and_the_same_site,
    totp_is_asked_for_at_sign_in_and_codes_work_once,
    profile_changes_need_the_password_and_a_new_email_is_verified_first,
    changing_the_password_ends_other_sessions_and_reset_ends_all,
    sessions_are_listed_and_revoked_and_activity_is_logged,
    deleting_the_account_erases_it_and_the_email_can_sign_up_again,
    personal_fields_are_not_in_plain_text_and_stay_in_their_region,
    a_copy_of_the_store_taken_before_deletion_no_longer_decrypts,
    activity_and_codes_are_purged_when_their_retention_ends,
    passkeys_need_a_domain_and_their_ceremonies_are_single_use,
    a_passkey_second_step_needs_the_password_two_step_verification_and_a_passkey,
);

async fn mails_to(app: &TestApp, to: &str) -> usize {
    let outbox = app.state.auth.mailer.outbox().unwrap();
    ward_server::mail::read_outbox(outbox, 100).await.unwrap().iter().filter(|m| m.to == to).count()
}

async fn post(c: &reqwest::Client, app: &TestApp, path: &str, body: Value) -> reqwest::Response {
    c.post(app.at(path)).json(&body).send().await.unwrap()
}

async fn people_count(app: &TestApp) -> usize {
    let mut n = directory_entries(app).await;
    for region in crate::raw::region_stores(app).await {
        n += crate::raw::count(app, &format!("region-{region}"), "people").await;
    }
    n
}

async fn directory_entries(app: &TestApp) -> usize {
    crate::raw::count(app, "directory", "directory").await
}

async fn sign_up_verify_sign_in_and_sign_out(app: TestApp) {
    let email = "ada@example.com";
    let rules: Value = app.get("/api/signup").await.json().await.unwrap();
    assert_eq!(rules["policy_version"], ward_server::auth::POLICY_VERSION);
    assert_eq!(rules["password_min"], 8);
    assert!(rules["password_max"].as_u64().unwrap() >= 64);
    app.sign_up_and_verify(email, "eu").await;

    let c = client();
    let res = post(&c, &app, "/api/session", json!({"email": "ADA@example.com", "password": PASSWORD})).await;
    assert_eq!(res.status(), StatusCode::OK);
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_string();
    for attr in ["ward_session=eu.", "HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(attr), "{cookie}");
    }
    let info: SessionInfo = res.json().await.unwrap();
    assert_eq!(info.account.email, email);
    assert_eq!(info.account.phone, "+442079460958");
    assert_eq!(info.account.region, Region::Eu);
    assert_eq!(info.account.birth_date, "1990-04-25");
    assert!(info.account.email_verified);

    let me: SessionInfo = c.get(app.at("/api/session")).send().await.unwrap().json().await.unwrap();
    assert_eq!(me.account.id, info.account.id);
    assert_eq!(me.csrf_token, info.csrf_token);

    let res = c.delete(app.at("/api/session")).header("x-csrf-token", &info.csrf_token).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(res.headers()["clear-site-data"], "\"cookies\"");
    assert!(res.headers()["set-cookie"].to_str().unwrap().contains("Max-Age=0"));
    let (status, body) = error_of(c.get(app.at("/api/session")).send().await.unwrap()).await;
    assert_eq!((status, body.code), (StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized));

    // A new sign-in gets a new token (rotation), never the old one.
    let a = app.sign_in(email, PASSWORD, None).await.unwrap();
    let b = app.sign_in(email, PASSWORD, None).await.unwrap();
    assert_ne!(a.csrf, b.csrf);
}

async fn every_bad_sign_up_field_is_named_and_nothing_is_stored(app: TestApp) {
    let long = "x".repeat(300);
    let cases: &[(&str, Value, &str)] = &[
        ("name", json!(""), "required"),
        ("name", json!(long), "too_long"),
        ("name", json!(42), "malformed"),
        ("email", json!(""), "required"),
        ("email", json!("ada"), "malformed"),
        ("email", json!(format!("{long}@example.com")), "too_long"),
        ("email", json!(["ada@example.com"]), "malformed"),
        ("phone", json!(""), "required"),
        ("phone", json!("not a phone"), "malformed"),
        ("phone", json!(long), "too_long"),
        ("phone", json!(null), "malformed"),
        ("password", json!(""), "required"),
        ("password", json!("short"), "too_short"),
        ("password", json!("x".repeat(129)), "too_long"),
        ("password", json!("password123"), "common"),
        ("password", json!(12345678), "malformed"),
        ("region", json!(""), "required"),
        ("region", json!("atlantis"), "unknown"),
        ("region", json!(true), "malformed"),
        ("birth_date", json!(""), "required"),
        ("birth_date", json!("25/04/1990"), "malformed"),
        ("birth_date", json!("2999-01-01"), "future"),
        ("birth_date", json!(19900425), "malformed"),
        ("accepted_policy", json!(""), "required"),
        ("accepted_policy", json!("1999-01-01"), "stale"),
    ];
    let c = client();
    for (field, value, code) in cases {
        let mut body = sign_up_body("ada@example.com", "eu");
        body[*field] = value.clone();
        let (status, err) = error_of(post(&c, &app, "/api/signup", body).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field}={value}: {err:?}");
        let hit = err.fields.iter().find(|f| f.field == *field);
        assert_eq!(hit.map(|f| f.code.as_str()), Some(*code), "{field}={value}: {err:?}");
        assert!(!hit.unwrap().message.is_empty());
    }
    // Missing fields are named too.
    let mut body = sign_up_body("ada@example.com", "eu");
    body.as_object_mut().unwrap().remove("phone");
    let (status, err) = error_of(post(&c, &app, "/api/signup", body).await).await;
    assert_eq!(
        (status, err.fields[0].field.as_str(), err.fields[0].code.as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "phone", "required")
    );
    // Several bad fields are reported together.
    let mut body = sign_up_body("ada", "eu");
    body["name"] = json!("");
    let (_, err) = error_of(post(&c, &app, "/api/signup", body).await).await;
    assert_eq!(err.fields.len(), 2, "{err:?}");

    assert_eq!(people_count(&app).await, 0, "nothing half-written");
    assert_eq!(mails_to(&app, "ada@example.com").await, 0);
}

async fn the_age_gate_follows_the_region_and_stores_nothing(app: TestApp) {
    let today = time::OffsetDateTime::now_utc().date();
    let born = |years: i32| {
        let d = today.replace_year(today.year() - years).unwrap_or(today);
        format!("{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day())
    };
    let c = client();
    for (region, min) in [("eu", 16), ("cn", 14), ("us", 13), ("in", 18), ("br", 18)] {
        let mut body = sign_up_body(&format!("young-{region}@example.com"), region);
        // One day short of the minimum age is refused…
        let d =
            time::Date::parse(&born(min), time::macros::format_description!("[year]-[month]-[day]")).unwrap();
        let day_short = d.next_day().unwrap();
        body["birth_date"] =
            json!(format!("{:04}-{:02}-{:02}", day_short.year(), day_short.month() as u8, day_short.day()));
        let (status, err) = error_of(post(&c, &app, "/api/signup", body.clone()).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{region}");
        // Where the region allows a child's account with a guardian's consent (guardians.json),
        // the form asks for the guardian's address; elsewhere it refuses.
        let (field, code) = match region {
            "eu" | "cn" | "us" => ("guardian_email", "guardian_needed"),
            _ => ("birth_date", "under_age"),
        };
        let f =
            err.fields.iter().find(|f| f.field == field).unwrap_or_else(|| panic!("{field} named: {err:?}"));
        assert_eq!(f.code, code, "{region}");
        assert!(f.message.contains(&min.to_string()) && f.message.contains("guardian"), "{}", f.message);
        assert_eq!(mails_to(&app, &format!("young-{region}@example.com")).await, 0);
        // …and the birthday itself is enough.
        body["birth_date"] = json!(born(min));
        let res = post(&c, &app, "/api/signup", body).await;
        assert_eq!(res.status(), StatusCode::CREATED, "{region} at {min}");
    }
    assert_eq!(directory_entries(&app).await, 5, "only the old enough are stored");
}

async fn an_unknown_email_and_a_wrong_password_get_the_same_answer_until_rate_limited(app: TestApp) {
    app.sign_up_and_verify("ada@example.com", "us").await;
    let (s1, e1) = app.sign_in("nobody@example.com", PASSWORD, None).await.err().unwrap();
    let (s2, e2) = app.sign_in("ada@example.com", "wrong password!", None).await.err().unwrap();
    assert_eq!((s1, &e1), (s2, &e2));
    assert_eq!(s1, StatusCode::UNAUTHORIZED);
    for _ in 0..4 {
        assert_eq!(
            app.sign_in("ada@example.com", "wrong password!", None).await.err().unwrap().0,
            StatusCode::UNAUTHORIZED
        );
    }
    // The sixth attempt is refused before the password is even checked: even the right one.
    let c = client();
    let res = post(&c, &app, "/api/session", json!({"email": "ada@example.com", "password": PASSWORD})).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=900).contains(&wait));
    let err: ApiError = res.json().await.unwrap();
    assert!(err.message.contains(&format!("Try again in {wait} seconds")), "{}", err.message);
}

async fn an_unverified_account_cannot_sign_in_and_codes_are_single_use_and_limited(app: TestApp) {
    let email = "ada@example.com";
    let c = client();
    assert_eq!(post(&c, &app, "/api/signup", sign_up_body(email, "sg")).await.status(), StatusCode::CREATED);
    let (status, err) = app.sign_in(email, PASSWORD, None).await.err().unwrap();
    assert_eq!((status, err.code), (StatusCode::FORBIDDEN, ErrorCode::Forbidden));
    // A resend within the minute is limited, with the wait.
    let res = post(&c, &app, "/api/signup/resend", json!({"email": email})).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().contains_key("retry-after"));
    // An unknown address answers like a known one.
    assert_eq!(
        post(&c, &app, "/api/signup/resend", json!({"email": "nobody@example.com"})).await.status(),
        StatusCode::ACCEPTED
    );
    let code = app.code_for(email).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let verify = |code: &str| json!({"email": email, "code": code, "password": PASSWORD});
    for expect in [
        "code_or_password",
        "code_or_password",
        "code_or_password",
        "code_or_password",
        "code_or_password",
        "exhausted",
    ] {
        let (status, err) = error_of(post(&c, &app, "/api/signup/verify", verify(wrong)).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(err.fields[0].code, expect);
    }
    // After five wrong tries the right code is void too.
    let (_, err) = error_of(post(&c, &app, "/api/signup/verify", verify(&code)).await).await;
    assert_eq!(err.fields[0].field, "code");
    let (status, err) = error_of(post(&c, &app, "/api/signup/verify", verify("12a")).await).await;
    assert_eq!((status, err.fields[0].code.as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "malformed"));
}

async fn a_second_sign_up_with_a_taken_email_answers_alike_and_tells_the_owner(app: TestApp) {
    app.sign_up_and_verify("ada@example.com", "eu").await;
    let c = client();
    let res = post(&c, &app, "/api/signup", sign_up_body("Ada@Example.com", "us")).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let mail = app.latest_mail("Ada@Example.com").await;
    assert!(mail.subject.contains("tried to open"), "{}", mail.subject);
    assert_eq!(directory_entries(&app).await, 1);
    // The account is unchanged: still in the EU, same password.
    let b = app.sign_in("ada@example.com", PASSWORD, None).await.unwrap();
    assert_eq!(b.info.account.region, Region::Eu);
}

async fn state_changes_need_the_csrf_token_and_the_same_site(app: TestApp) {
    let b = app.user("ada@example.com").await;
    let res = b.client.patch(app.at("/api/account")).json(&json!({"name": "Eve"})).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = b
        .client
        .patch(app.at("/api/account"))
        .header("x-csrf-token", "forged")
        .json(&json!({"name": "Eve"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = b.client.delete(app.at("/api/session")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "sign-out needs it too");
    // Another site cannot even try to sign in (login CSRF).
    let res = client()
        .post(app.at("/api/session"))
        .header("sec-fetch-site", "cross-site")
        .json(&json!({"email": "ada@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = b.send(&app, reqwest::Method::PATCH, "/api/account", Some(json!({"name": "Ada King"}))).await;
    assert_eq!(res.status(), StatusCode::OK);
}

async fn totp_is_asked_for_at_sign_in_and_codes_work_once(app: TestApp) {
    let email = "ada@example.com";
    let b = app.user(email).await;
    let setup: Value =
        b.send(&app, reqwest::Method::POST, "/api/account/totp/setup", None).await.json().await.unwrap();
    let secret = setup["secret"].as_str().unwrap().to_string();
    assert!(setup["otpauth_url"].as_str().unwrap().starts_with("otpauth://totp/Ward:"));
    let res = b
        .send(
            &app,
            reqwest::Method::POST,
            "/api/account/totp/enable",
            Some(json!({"code": "000000", "password": PASSWORD})),
        )
        .await;
    let wrong_now = totp::code_at(&secret, time::OffsetDateTime::now_utc().unix_timestamp()) == "000000";
    if !wrong_now {
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let res = b
        .send(
            &app,
            reqwest::Method::POST,
            "/api/account/totp/enable",
            Some(json!({"code": totp::code_at(&secret, now), "password": PASSWORD})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let codes: Vec<String> =
        serde_json::from_value(res.json::<Value>().await.unwrap()["codes"].clone()).unwrap();
    assert_eq!(codes.len(), 10);

    let (status, err) = app.sign_in(email, PASSWORD, None).await.err().unwrap();
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!((err.fields[0].field.as_str(), err.fields[0].code.as_str()), ("otp", "required"));
    // A wrong password still says only "not right", never that a second factor exists.
    let (_, err) = app.sign_in(email, "wrong password!", None).await.err().unwrap();
    assert!(err.fields.is_empty());

    // The code used to turn it on may not be reused; take the next time step's.
    let next = totp::code_at(&secret, now + 30);
    assert!(app.sign_in(email, PASSWORD, Some(&next)).await.is_ok());
    let (_, err) = app.sign_in(email, PASSWORD, Some(&next)).await.err().unwrap();
    assert_eq!(err.fields[0].code, "wrong", "a code works once");
    // A recovery code works once, typed in any case.
    assert!(app.sign_in(email, PASSWORD, Some(&codes[0].to_uppercase())).await.is_ok());
    assert!(app.sign_in(email, PASSWORD, Some(&codes[0])).await.is_err());
    // Turning it off needs the password.
    let c = app.sign_in(email, PASSWORD, Some(&codes[1])).await.unwrap();
    let res = c
        .send(
            &app,
            reqwest::Method::POST,
            "/api/account/totp/disable",
            Some(json!({"password": "nope nope"})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = c
        .send(&app, reqwest::Method::POST, "/api/account/totp/disable", Some(json!({"password": PASSWORD})))
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert!(app.sign_in(email, PASSWORD, None).await.is_ok());
}

async fn profile_changes_need_the_password_and_a_new_email_is_verified_first(app: TestApp) {
    let b = app.user("ada@example.com").await;
    let patch = |body: Value| b.send(&app, reqwest::Method::PATCH, "/api/account", Some(body));
    let res = patch(json!({"name": "Ada King"})).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>().await.unwrap()["name"], "Ada King");
    let (status, err) = error_of(patch(json!({"phone": "+1 201 555 0123"})).await).await;
    assert_eq!(
        (status, err.fields[0].field.as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "current_password")
    );
    let (_, err) =
        error_of(patch(json!({"phone": "+1 201 555 0123", "current_password": "wrong one!"})).await).await;
    assert_eq!(err.fields[0].code, "wrong");
    let (_, err) = error_of(patch(json!({"phone": "nope", "current_password": PASSWORD})).await).await;
    assert_eq!((err.fields[0].field.as_str(), err.fields[0].code.as_str()), ("phone", "malformed"));
    let res = patch(json!({"phone": "+1 201 555 0123", "current_password": PASSWORD})).await;
    assert_eq!(res.json::<Value>().await.unwrap()["phone"], "+12015550123");

    let res = patch(json!({"email": "ada.king@example.org", "current_password": PASSWORD})).await;
    let account: Value = res.json().await.unwrap();
    assert_eq!(account["email"], "ada@example.com", "not before it is verified");
    assert_eq!(account["pending_email"], "ada.king@example.org");
    let code = app.code_for("ada.king@example.org").await;
    let res =
        b.send(&app, reqwest::Method::POST, "/api/account/email/verify", Some(json!({"code": code}))).await;
    assert_eq!(res.status(), StatusCode::OK);
    let account: Value = res.json().await.unwrap();
    assert_eq!(account["email"], "ada.king@example.org");
    assert!(account.get("pending_email").is_none());
    assert!(app.sign_in("ada@example.com", PASSWORD, None).await.is_err(), "the old email is gone");
    assert!(app.sign_in("ada.king@example.org", PASSWORD, None).await.is_ok());
    // The old address is free again.
    assert_eq!(
        post(&client(), &app, "/api/signup", sign_up_body("ada@example.com", "us")).await.status(),
        StatusCode::CREATED
    );
    assert_eq!(app.latest_mail("ada@example.com").await.subject, "Your Ward verification code");
}

async fn changing_the_password_ends_other_sessions_and_reset_ends_all(app: TestApp) {
    let email = "ada@example.com";
    let a = app.person(email, "in").await;
    let b = app.sign_in(email, PASSWORD, None).await.unwrap();
    let res = a
        .send(
            &app,
            reqwest::Method::POST,
            "/api/account/password",
            Some(json!({"current_password": PASSWORD, "new_password": "password"})),
        )
        .await;
    let (_, err) = error_of(res).await;
    assert_eq!((err.fields[0].field.as_str(), err.fields[0].code.as_str()), ("new_password", "common"));
    let new = "a much better passphrase";
    let res = a
        .send(
            &app,
            reqwest::Method::POST,
            "/api/account/password",
            Some(json!({"current_password": PASSWORD, "new_password": new})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(a.client.get(app.at("/api/session")).send().await.unwrap().status(), StatusCode::OK);
    assert_eq!(b.client.get(app.at("/api/session")).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    assert!(app.sign_in(email, PASSWORD, None).await.is_err());

    let c = client();
    assert_eq!(
        post(&c, &app, "/api/password-reset", json!({"email": email})).await.status(),
        StatusCode::ACCEPTED
    );
    assert_eq!(
        post(&c, &app, "/api/password-reset", json!({"email": "nobody@example.com"})).await.status(),
        StatusCode::ACCEPTED
    );
    let code = app.code_for(email).await;
    let reset = "the third passphrase";
    let (_, err) = error_of(
        post(
            &c,
            &app,
            "/api/password-reset/confirm",
            json!({"email": email, "code": code, "new_password": "short"}),
        )
        .await,
    )
    .await;
    assert_eq!(err.fields[0].field, "new_password");
    let res = post(
        &c,
        &app,
        "/api/password-reset/confirm",
        json!({"email": email, "code": code, "new_password": reset}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        a.client.get(app.at("/api/session")).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED,
        "all sessions end"
    );
    let res = post(
        &c,
        &app,
        "/api/password-reset/confirm",
        json!({"email": email, "code": code, "new_password": "yet another one"}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "the code was single-use");
    let b = app.sign_in(email, reset, None).await.unwrap();

    // With two-step verification on, a wrong code is still only a wrong code: the second
    // factor is asked for only once the code is right (`hardening.rs` tests that).
    app.turn_on_totp(&b, reset).await;
    let res = post(
        &c,
        &app,
        "/api/password-reset/confirm",
        json!({"email": email, "code": "123456", "new_password": "number four please"}),
    )
    .await;
    let (status, err) = error_of(res).await;
    assert_eq!((status, err.fields[0].field.as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "code"));
}

async fn sessions_are_listed_and_revoked_and_activity_is_logged(app: TestApp) {
    let email = "ada@example.com";
    app.sign_up_and_verify(email, "br").await;
    let _ = app.sign_in(email, "wrong password!", None).await;
    let a = app.sign_in(email, PASSWORD, None).await.unwrap();
    let b = app.sign_in(email, PASSWORD, None).await.unwrap();
    let list: Vec<ward_model::SessionSummary> =
        a.client.get(app.at("/api/account/sessions")).send().await.unwrap().json().await.unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list.iter().filter(|s| s.current).count(), 1);
    assert!(list.iter().all(|s| s.address == "127.0.0.1"));
    let other = list.iter().find(|s| !s.current).unwrap();
    let res =
        a.send(&app, reqwest::Method::DELETE, &format!("/api/account/sessions/{}", other.id), None).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(b.client.get(app.at("/api/session")).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    let res = a.send(&app, reqwest::Method::DELETE, "/api/account/sessions/nope", None).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let c = app.sign_in(email, PASSWORD, None).await.unwrap();
    assert_eq!(
        a.send(&app, reqwest::Method::DELETE, "/api/account/sessions", None).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(c.client.get(app.at("/api/session")).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    assert_eq!(a.client.get(app.at("/api/session")).send().await.unwrap().status(), StatusCode::OK);

    let log: Vec<ward_model::ActivityEntry> =
        a.client.get(app.at("/api/account/activity")).send().await.unwrap().json().await.unwrap();
    let kinds: Vec<&str> = log.iter().map(|e| e.kind.as_str()).collect();
    for kind in ["signed_up", "email_verified", "signed_in", "session_revoked"] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
    assert_eq!(kinds[0], "session_revoked", "newest first");
}

async fn deleting_the_account_erases_it_and_the_email_can_sign_up_again(app: TestApp) {
    let email = "ada@example.com";
    let b = app.person(email, "ru").await;
    let other = app.sign_in(email, PASSWORD, None).await.unwrap();
    let res = b
        .send(
            &app,
            reqwest::Method::POST,
            "/api/account/deletion",
            Some(json!({"password": "wrong password!"})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = b
        .send(&app, reqwest::Method::POST, "/api/account/deletion", Some(json!({"password": PASSWORD})))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["clear-site-data"], "\"cookies\"");
    let receipt: ward_model::DeletionReceipt = res.json().await.unwrap();
    assert!(receipt.receipt.starts_with("DEL-") && receipt.receipt.len() == 16, "{}", receipt.receipt);
    let mail = app.latest_mail(email).await;
    assert!(mail.text.contains(&receipt.receipt), "the receipt is mailed");
    assert_eq!(
        other.client.get(app.at("/api/session")).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    assert!(app.sign_in(email, PASSWORD, None).await.is_err());
    assert_eq!(directory_entries(&app).await, 0);
    assert_eq!(crate::raw::count(&app, "region-ru", "people").await, 0);
    for table in ["sessions", "activity", "codes", "recovery_codes"] {
        assert_eq!(crate::raw::count(&app, "region-ru", table).await, 0, "{table}");
    }
    assert_eq!(crate::raw::count(&app, "region-ru", "deletion_receipts").await, 1);
    // The same email can open a new account.
    app.sign_up_and_verify(email, "ru").await;
    assert!(app.sign_in(email, PASSWORD, None).await.is_ok());
}

async fn personal_fields_are_not_in_plain_text_and_stay_in_their_region(app: TestApp) {
    let b = app.user("ada.secret@example.com").await;
    assert_eq!(b.info.account.name, "Ada Lovelace");
    let needles =
        ["ada.secret@example.com", "Ada Lovelace", "+442079460958", "7946 0958", "1990-04-25", "127.0.0.1"];
    for needle in needles {
        assert!(
            !crate::raw::stored_anywhere(&app, needle.as_bytes()).await,
            "{needle} is stored in plain text"
        );
    }
    assert!(crate::raw::stored_anywhere(&app, b"ward-region").await, "the search does see the stores");
    // Only the home region's store was ever created, and it holds the person.
    assert_eq!(crate::raw::region_stores(&app).await, vec!["eu".to_string()]);
    assert_eq!(crate::raw::count(&app, "region-eu", "people").await, 1);
}

async fn a_copy_of_the_store_taken_before_deletion_no_longer_decrypts(app: TestApp) {
    let email = "ada@example.com";
    let b = app.person(email, "cn").await;
    let id = b.info.account.id.clone();
    // The backup: the region store's rows as they are now.
    let (backup_email_ct,) = crate::raw::email_ct(&app, "region-cn", &id).await;
    let vault = &app.state.auth.vault;
    let wrapped = app.state.stores.directory.person_key(&id).await.unwrap().unwrap();
    let key = vault.unwrap_person_key(&id, &wrapped).unwrap();
    assert_eq!(key.open("email", &backup_email_ct).unwrap(), email, "the backup is readable today");
    drop(key);

    b.send(&app, reqwest::Method::POST, "/api/account/deletion", Some(json!({"password": PASSWORD}))).await;
    assert!(app.state.stores.directory.person_key(&id).await.unwrap().is_none(), "the key is destroyed");
    // The directory holds no copy of the key anywhere; a new key for the same id does not open it.
    let (other_key, _) = vault.new_person_key(&id);
    assert!(other_key.open("email", &backup_email_ct).is_err(), "the backup is unreadable now");
    assert!(!crate::raw::stored_anywhere(&app, &wrapped).await, "no copy of the wrapped key remains");
}

async fn activity_and_codes_are_purged_when_their_retention_ends(app: TestApp) {
    use ward_server::auth::session::{ABSOLUTE, IDLE};
    let email = "ada@example.com";
    let b = app.user(email).await;
    let _ = post(&client(), &app, "/api/password-reset", json!({"email": email})).await;
    app.state.auth.outgoing.settled().await;
    let db = app.state.stores.region(Region::Eu).await.unwrap();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let day = 86_400;
    // A day before the activity rule (365 days) ends: nothing of it goes; the code (valid
    // 10 minutes, kept a day) and the session (idle 24 h) are gone.
    db.purge_expired(now + 364 * day, IDLE, ABSOLUTE).await.unwrap();
    assert!(crate::raw::count(&app, "region-eu", "activity").await >= 3);
    assert_eq!(crate::raw::count(&app, "region-eu", "codes").await, 0);
    assert_eq!(b.client.get(app.at("/api/session")).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    db.purge_expired(now + 366 * day, IDLE, ABSOLUTE).await.unwrap();
    assert_eq!(crate::raw::count(&app, "region-eu", "activity").await, 0);
    assert_eq!(crate::raw::count(&app, "region-eu", "people").await, 1, "the account itself stays");
}

async fn passkeys_need_a_domain_and_their_ceremonies_are_single_use(app: TestApp) {
    let b = app.user("ada@example.com").await;
    // At an IP address there is no relying party: a clear 409, never a 500.
    let res = b
        .send(
            &app,
            reqwest::Method::POST,
            "/api/account/passkeys/options",
            Some(json!({"password": PASSWORD})),
        )
        .await;
    let (status, err) = error_of(res).await;
    assert_eq!((status, err.code), (StatusCode::CONFLICT, ErrorCode::Conflict));
    assert!(err.message.contains("localhost"), "{}", err.message);
    // At localhost the options ask for a discoverable credential with user verification.
    let res = b
        .client
        .post(app.at("/api/account/passkeys/options"))
        .header("host", app.url.replace("http://127.0.0.1", "localhost"))
        .header("x-csrf-token", &b.csrf)
        .json(&json!({"password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let challenge: ward_model::PasskeyChallenge = res.json().await.unwrap();
    let options: Value = serde_json::from_str(&challenge.options).unwrap();
    assert_eq!(options["publicKey"]["rp"]["id"], "localhost");
    assert_eq!(options["publicKey"]["authenticatorSelection"]["residentKey"], "required");
    assert_eq!(options["publicKey"]["authenticatorSelection"]["userVerification"], "required");
    // A made-up answer is refused; the ceremony is then used up.
    let answer = json!({"ceremony": challenge.ceremony, "credential": "{}"});
    let local = app.url.replace("http://127.0.0.1", "localhost");
    let send = |body: Value| {
        b.client
            .post(app.at("/api/account/passkeys"))
            .header("host", local.clone())
            .header("x-csrf-token", &b.csrf)
            .json(&body)
            .send()
    };
    let (status, err) = error_of(send(answer.clone()).await.unwrap()).await;
    assert_eq!((status, err.fields[0].field.as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "credential"));
    let (_, err) = error_of(send(answer).await.unwrap()).await;
    assert_eq!(err.fields[0].code, "expired");
    let list: Vec<ward_model::PasskeySummary> =
        b.client.get(app.at("/api/account/passkeys")).send().await.unwrap().json().await.unwrap();
    assert!(list.is_empty());
    let res = b.send(&app, reqwest::Method::DELETE, "/api/account/passkeys/nope", None).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    // Signing in with an unknown ceremony is refused without a session.
    let res = client()
        .post(app.at("/api/session/passkey"))
        .header("host", local.clone())
        .json(&json!({"ceremony": "nope", "credential": "{}"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

/// The passkey ceremony itself is driven by Chromium's virtual authenticator in
/// `e2e/tests/passkey.test.mjs`; here, every way the second step can be refused.
async fn a_passkey_second_step_needs_the_password_two_step_verification_and_a_passkey(app: TestApp) {
    let email = "ada@example.com";
    app.sign_up_and_verify(email, "eu").await;
    let local = app.url.replace("http://127.0.0.1", "localhost");
    let second_step = |password: &str| {
        client()
            .post(app.at("/api/session/second-step"))
            .header("host", local.clone())
            .json(&json!({"email": email, "password": password}))
            .send()
    };
    // A wrong password: the one answer of sign-in, nothing about the account.
    let (status, err) = error_of(second_step("wrong password!").await.unwrap()).await;
    assert_eq!((status, err.fields.len()), (StatusCode::UNAUTHORIZED, 0));
    // Two-step verification off: the password is enough.
    let (status, err) = error_of(second_step(PASSWORD).await.unwrap()).await;
    assert_eq!((status, err.fields[0].code.as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "not_needed"));
    let b = app.sign_in(email, PASSWORD, None).await.unwrap();
    app.turn_on_totp(&b, PASSWORD).await;
    // On, but no passkey yet: the code it is; and sign-in does not offer a passkey.
    let (status, err) = error_of(second_step(PASSWORD).await.unwrap()).await;
    assert_eq!((status, err.fields[0].code.as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "no_passkey"));
    let (_, err) = app.sign_in(email, PASSWORD, None).await.err().unwrap();
    assert!(err.fields.iter().all(|f| f.field != "passkey"), "{err:?}");
    // At an IP address there is no relying party: 409 before the password is even checked.
    let res = client()
        .post(app.at("/api/session/second-step"))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    // Bad input is named.
    let res = client()
        .post(app.at("/api/session/second-step"))
        .header("host", local.clone())
        .json(&json!({"email": "not an email", "password": ""}))
        .send()
        .await
        .unwrap();
    let (status, err) = error_of(res).await;
    assert_eq!((status, err.fields[0].field.as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "email"));
}
