//! A child's account opened with a parent's or guardian's consent, on both backends: where the
//! region allows it, a child under its minimum age names a guardian instead of being refused;
//! the account waits, suspended, and is deleted 7 days later without a consent; the guardian,
//! asked by mail once the child's address is proved, consents through a verified request and
//! the account opens with its optional purposes locked off; the guardian then sees and manages
//! it from their own account, and nobody else can.

use base64::Engine as _;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use ward_model::{
    AccessActor, AccessLog, ApiError, ConsentOverview, DeletionReceipt, FieldErrorCode, GuardedChild, Region,
    RightsRequest, SignUpRules, StaffRequest,
};

use crate::both_backends;
use crate::fixtures::{Browser, PASSWORD, api_with_staff, json_of, set_consent, sign_up_body};
use crate::helpers::{Backend, TestApp, client};

both_backends!(
    backend: a_child_names_a_guardian_and_the_account_waits_then_goes_after_seven_days,
    a_guardians_consent_opens_the_account_with_its_settings_locked_and_the_guardian_manages_it,
);

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR a photo of an ID card";

/// A sign-up form of a ten-year-old of `region`, naming `guardian` (may be empty).
fn child_form(email: &str, region: &str, guardian: &str) -> Value {
    let mut body = sign_up_body(email, region);
    let year = time::OffsetDateTime::now_utc().year() - 10;
    body["name"] = json!("Lin Chen");
    body["birth_date"] = json!(format!("{year}-01-01"));
    body["guardian_email"] = json!(guardian);
    body
}

async fn sign_up(app: &TestApp, body: &Value) -> reqwest::Response {
    client().post(app.at("/api/signup")).json(body).send().await.unwrap()
}

fn fields(err: &ApiError) -> Vec<(String, FieldErrorCode)> {
    err.fields.iter().map(|f| (f.field.clone(), f.code)).collect()
}

async fn person_id(app: &TestApp, email: &str) -> Option<String> {
    let hash = app.state.auth.email_hash(email);
    app.state.stores.person_by_email(&hash).await.unwrap().map(|f| f.person.id)
}

async fn mails_to(app: &TestApp, to: &str) -> usize {
    app.state.auth.outgoing.settled().await;
    let outbox = app.state.auth.mailer.outbox().expect("tests use the outbox");
    ward_server::mail::read_outbox(outbox, 100).await.unwrap().iter().filter(|m| m.to == to).count()
}

/// A ten-year-old of China signs up naming `guardian` and proves their address.
async fn child_signed_up(app: &TestApp, email: &str, guardian: &str) {
    app.sign_up_and_verify_with(child_form(email, "cn", guardian)).await;
}

/// The guardian's consent, filed from the guardian page with an ID document.
async fn consent_request(app: &TestApp, guardian: &str, child: &str) -> RightsRequest {
    let hash = app.state.auth.email_hash(guardian);
    app.state.auth.limits.clear(&format!("mail-minute:request:{}", hex::encode(hash))).await.unwrap();
    let res =
        client().post(app.at("/api/requests/code")).json(&json!({"email": guardian})).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let code = app.code_for(guardian).await;
    let body = json!({
        "email": guardian, "code": code, "name": "Mei Chen", "relation": "parent", "region": "cn",
        "ask": "consent", "child_email": child, "child_phone": "", "method": "id_document",
        "proof": {"name": "id.png", "data": base64::engine::general_purpose::STANDARD.encode(PNG)},
        "details": "",
    });
    let res = client().post(app.at("/api/guardian/requests")).json(&body).send().await.unwrap();
    json_of(res, StatusCode::CREATED).await
}

async fn decide(app: &TestApp, staff: &Browser, id: &str) -> reqwest::Response {
    let text = "We checked the ID document against the child's birth certificate.";
    staff
        .send(
            app,
            Method::POST,
            &format!("/api/staff/requests/cn/{id}/decision"),
            Some(json!({"action": "fulfil", "text": text})),
        )
        .await
}

async fn a_child_names_a_guardian_and_the_account_waits_then_goes_after_seven_days(backend: Backend) {
    let Some(app) = api_with_staff(backend).await else { return };
    // Which regions allow a child's account comes from guardians.json.
    let rules: SignUpRules =
        json_of(client().get(app.at("/api/signup")).send().await.unwrap(), StatusCode::OK).await;
    let allows = |r: Region| rules.regions.iter().find(|x| x.region == r).unwrap().child_accounts;
    assert!(allows(Region::Cn) && allows(Region::Us) && allows(Region::Eu));
    assert!(!allows(Region::Sg), "Singapore has no child accounts in the data file");

    // Where the region has none, a child is refused as before; where it has, they are asked
    // for a guardian's address, which must be someone else's; nothing is stored meanwhile.
    let err: ApiError = json_of(
        sign_up(&app, &child_form("lin@example.com", "sg", "")).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(fields(&err), vec![("birth_date".into(), FieldErrorCode::UnderAge)]);
    let err: ApiError = json_of(
        sign_up(&app, &child_form("lin@example.com", "cn", "")).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(fields(&err), vec![("guardian_email".into(), FieldErrorCode::GuardianNeeded)]);
    assert!(err.fields[0].message.contains("14"), "{}", err.fields[0].message);
    for (guardian, code) in
        [("mum@", FieldErrorCode::Malformed), ("LIN@example.com", FieldErrorCode::OwnEmail)]
    {
        let res = sign_up(&app, &child_form("lin@example.com", "cn", guardian)).await;
        let err: ApiError = json_of(res, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(fields(&err), vec![("guardian_email".into(), code)], "{guardian}");
    }
    assert_eq!(person_id(&app, "lin@example.com").await, None, "nothing kept after a refusal");
    assert_eq!(crate::raw::count(&app, "region-cn", "child_guardians").await, 0);

    // With a guardian's address the account is made, waiting; the guardian's address is sealed.
    let res = sign_up(&app, &child_form("lin@example.com", "cn", "mum@example.com")).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert!(!crate::raw::stored_anywhere(&app, b"mum@example.com").await, "sealed");
    assert_eq!(mails_to(&app, "mum@example.com").await, 0, "not asked before the child's address is proved");
    let code = app.code_for("lin@example.com").await;
    let res = client()
        .post(app.at("/api/signup/verify"))
        .json(&json!({"email": "lin@example.com", "code": code, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let ask = app.latest_mail("mum@example.com").await;
    assert_eq!(ask.subject, "A child asks for your consent to a Ward account");
    assert!(ask.text.contains("Lin Chen (lin@example.com)"), "{}", ask.text);
    assert!(ask.text.contains("/guardian?ask=consent&region=cn"), "{}", ask.text);
    assert!(ask.text.contains("PIPL"), "the region's law: {}", ask.text);

    // The child cannot sign in while the account waits, and is told why.
    let (status, err) = app.sign_in("lin@example.com", PASSWORD, None).await.err().expect("refused");
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(err.message.contains("waits for your parent's or guardian's consent"), "{}", err.message);
    assert_eq!(
        fields(&err),
        vec![("email".into(), FieldErrorCode::ChildWaiting)],
        "the app says it beside the email"
    );

    // Deleted 7 days after the sign-up without a consent: kept a second before, gone after.
    let id = person_id(&app, "lin@example.com").await.expect("the account waits");
    let db = app.state.stores.region(Region::Cn).await.unwrap();
    let person = db.person(&id).await.unwrap().unwrap();
    let delete_at = person.child_delete_at.expect("waiting");
    assert_eq!(delete_at, person.created_at + 7 * 86_400);
    let deleted = ward_server::requests::guardian::delete_flagged(&app.state, delete_at - 1).await.unwrap();
    assert_eq!((deleted, person_id(&app, "lin@example.com").await.is_some()), (0, true), "kept at 7 d - 1 s");
    let deleted = ward_server::requests::guardian::delete_flagged(&app.state, delete_at + 1).await.unwrap();
    assert_eq!(deleted, 1, "deleted at 7 d + 1 s");
    assert_eq!(person_id(&app, "lin@example.com").await, None);
    assert_eq!(crate::raw::count_where(&app, "region-cn", "people", "id", &id).await, 0);
    assert_eq!(crate::raw::count_where(&app, "region-cn", "child_guardians", "person_id", &id).await, 0);
    assert_eq!(app.latest_mail("lin@example.com").await.subject, "Your Ward account was deleted");
}

async fn a_guardians_consent_opens_the_account_with_its_settings_locked_and_the_guardian_manages_it(
    backend: Backend,
) {
    let Some(app) = api_with_staff(backend).await else { return };
    let staff = app.staff().await;
    child_signed_up(&app, "lin@example.com", "mum@example.com").await;
    let child_id = person_id(&app, "lin@example.com").await.unwrap();

    // The staff see that the account waits for a consent, from the guardian the child named.
    let filed = consent_request(&app, "mum@example.com", "lin@example.com").await;
    let opened: StaffRequest = json_of(
        staff.send(&app, Method::GET, &format!("/api/staff/requests/cn/{}", filed.id), None).await,
        StatusCode::OK,
    )
    .await;
    let child = opened.guardian.unwrap().child.expect("the address leads to the account");
    assert!(child.waits_for_consent && child.named_this_guardian && !child.consented, "{child:?}");
    // Lifting the flag would open it without the consent and its locks: refused.
    let res = staff
        .send(
            &app,
            Method::POST,
            &format!("/api/staff/requests/cn/{}/child", filed.id),
            Some(json!({"action": "lift", "text": "Consent arrived."})),
        )
        .await;
    let err: ApiError = json_of(res, StatusCode::CONFLICT).await;
    assert!(err.message.contains("fulfil the guardian's request"), "{}", err.message);
    assert!((9..=10).contains(&child.age), "born ten years ago on 1 January: {}", child.age);
    json_of::<StaffRequest>(decide(&app, &staff, &filed.id).await, StatusCode::OK).await;
    let answer = app.latest_mail("mum@example.com").await;
    assert!(answer.text.contains("The child's account is open"), "{}", answer.text);
    assert_eq!(app.latest_mail("lin@example.com").await.subject, "Your Ward account is open");

    // The child signs in; marketing, advertising and analytics stay off, and cannot be switched on.
    let kid = app.sign_in("lin@example.com", PASSWORD, None).await.expect("the account is open");
    let overview: ConsentOverview =
        json_of(kid.send(&app, Method::GET, "/api/privacy/consents", None).await, StatusCode::OK).await;
    for purpose in ["marketing_mail", "third_party_advertising", "usage_analytics"] {
        assert!(overview.child_locked.iter().any(|p| p == purpose), "{purpose}: {:?}", overview.child_locked);
        assert!(
            !overview.purposes.iter().find(|p| p.purpose.id == purpose).unwrap().active,
            "{purpose} is off"
        );
        let err: ApiError =
            json_of(set_consent(&app, &kid, purpose, true).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(fields(&err), vec![("purpose".into(), FieldErrorCode::ChildLocked)], "{purpose}");
    }
    // What the account needs is not locked; switching a locked purpose off is no change.
    assert!(!overview.child_locked.iter().any(|p| p == "account"));
    assert_eq!(set_consent(&app, &kid, "marketing_mail", false).await.status(), StatusCode::OK);
    // The child shares a camera only with the guardian who consented.
    let (_agent, camera) = app.bound_camera(&kid).await;
    let share = |email: &str| json!({"email": email, "permissions": ["live_view"]});
    let path = format!("/api/devices/{}/shares", camera.id);
    let res = kid.send(&app, Method::POST, &path, Some(share("stranger@example.com"))).await;
    let err: ApiError = json_of(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(fields(&err), vec![("email".into(), FieldErrorCode::ChildLocked)]);
    let res = kid.send(&app, Method::POST, &path, Some(share("mum@example.com"))).await;
    assert_eq!(res.status(), StatusCode::CREATED, "with the guardian: {}", res.text().await.unwrap());
    // A consent is given once: a second one finds nothing waiting.
    let again = consent_request(&app, "mum@example.com", "lin@example.com").await;
    assert_eq!(decide(&app, &staff, &again.id).await.status(), StatusCode::CONFLICT);

    // The guardian sees the child from their own account (made after the consent, with the
    // address that consented); the child's "who saw my data" says so.
    let mum = app.person("mum@example.com", "us").await;
    let children: Vec<GuardedChild> =
        json_of(mum.send(&app, Method::GET, "/api/account/children", None).await, StatusCode::OK).await;
    assert_eq!(children.len(), 1);
    let c = &children[0];
    assert_eq!(
        (c.region, c.id.as_str(), c.name.as_str(), c.email.as_str()),
        (Region::Cn, child_id.as_str(), "Lin Chen", "lin@example.com")
    );
    let log: AccessLog =
        json_of(kid.send(&app, Method::GET, "/api/privacy/access", None).await, StatusCode::OK).await;
    assert!(log.entries.iter().any(|e| e.actor == AccessActor::Guardian), "{:?}", log.entries);

    // Nobody else reaches the child: not another account, not the child's own id elsewhere.
    let stranger = app.person("stranger@example.com", "us").await;
    let none: Vec<GuardedChild> =
        json_of(stranger.send(&app, Method::GET, "/api/account/children", None).await, StatusCode::OK).await;
    assert!(none.is_empty());
    let child_path = format!("/api/account/children/cn/{child_id}");
    for (method, path, body) in [
        (Method::POST, format!("{child_path}/archive"), None),
        (Method::GET, format!("{child_path}/archive"), None),
        (Method::POST, format!("{child_path}/deletion"), Some(json!({"password": PASSWORD}))),
        (Method::POST, format!("/api/account/children/us/{child_id}/archive"), None),
    ] {
        let res = stranger.send(&app, method.clone(), &path, body).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{method} {path}");
    }

    // The guardian reviews the child's data: the same archive as the child's own.
    let started: GuardedChild = json_of(
        mum.send(&app, Method::POST, &format!("{child_path}/archive"), None).await,
        StatusCode::ACCEPTED,
    )
    .await;
    assert!(started.archive.is_some());
    app.ready_export(&kid).await;
    let res = mum.send(&app, Method::GET, &format!("{child_path}/archive"), None).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.bytes().await.unwrap().starts_with(b"PK"), "a ZIP");
    let log: AccessLog =
        json_of(kid.send(&app, Method::GET, "/api/privacy/access", None).await, StatusCode::OK).await;
    assert!(
        log.entries.iter().any(|e| e.action == ward_model::AccessAction::ChildArchive),
        "{:?}",
        log.entries
    );

    // And deletes the account with their own password; both get the receipt.
    let res = mum
        .send(
            &app,
            Method::POST,
            &format!("{child_path}/deletion"),
            Some(json!({"password": "not it at all"})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(person_id(&app, "lin@example.com").await.is_some(), "a wrong password deletes nothing");
    let receipt: DeletionReceipt = json_of(
        mum.send(&app, Method::POST, &format!("{child_path}/deletion"), Some(json!({"password": PASSWORD})))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(person_id(&app, "lin@example.com").await, None);
    assert_eq!(
        crate::raw::count_where(&app, "region-cn", "child_guardians", "person_id", &child_id).await,
        0
    );
    assert!(app.latest_mail("lin@example.com").await.text.contains(&receipt.receipt));
    assert!(app.latest_mail("mum@example.com").await.text.contains(&receipt.receipt));
    let children: Vec<GuardedChild> =
        json_of(mum.send(&app, Method::GET, "/api/account/children", None).await, StatusCode::OK).await;
    assert!(children.is_empty());
}
