//! A parent's or guardian's request about a child's data, on both backends: filed without
//! signing in and alike whether or not the child has an account, bad input answered field by
//! field with nothing stored, the staff's verification with the proof, and each ask carried
//! out on the child's account (deletion with receipts, prohibition in the child's ledger by
//! guardian, review through a mailed link); the proof deleted on its retention.

use base64::Engine as _;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use ward_model::{
    ApiError, ConsentMethod, FieldErrorCode, GuardianAsk, GuardianRule, LedgerEntry, ProofMethod, Region,
    RequestKind, RequestQueue, RightsRequest, StaffRequest,
};

use crate::both_backends;
use crate::fixtures::{Browser, api_with_staff, json_of, set_consent};
use crate::helpers::{Backend, TestApp};

both_backends!(
    backend: a_guardians_request_reads_the_same_whether_or_not_the_child_has_an_account,
    bad_input_is_answered_field_by_field_and_nothing_is_stored,
    a_verified_guardian_has_the_childs_account_deleted_with_a_receipt,
    a_verified_guardian_stops_the_use_of_the_childs_data_and_the_child_cannot_undo_it,
    a_verified_guardian_reviews_the_childs_archive_through_the_mailed_link,
    a_refused_request_leaves_the_account_and_the_proof_goes_on_its_retention,
    an_account_flagged_as_a_childs_is_suspended_at_once_and_deleted_after_its_notice,
    a_date_of_birth_corrected_below_the_minimum_age_flags_the_account,
    one_client_files_at_most_ten_guardians_requests_an_hour,
);

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR a signed consent form";

async fn anonymous(app: &TestApp, path: &str, body: &Value) -> reqwest::Response {
    reqwest::Client::new().post(app.at(path)).json(body).send().await.unwrap()
}

/// A new code for `email`, as a minute after the last one (one code a minute per address).
async fn code(app: &TestApp, email: &str) -> String {
    let hash = app.state.auth.email_hash(email);
    app.state.auth.limits.clear(&format!("mail-minute:request:{}", hex::encode(hash))).await.unwrap();
    let res = anonymous(app, "/api/requests/code", &json!({"email": email})).await;
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    app.code_for(email).await
}

fn body(email: &str, code: &str, ask: &str, child: &str) -> Value {
    json!({
        "email": email, "code": code, "name": "Mei Chen", "relation": "parent", "region": "us",
        "ask": ask, "child_email": child, "child_phone": "", "method": "signed_form",
        "proof": {"name": "form.png", "data": base64::engine::general_purpose::STANDARD.encode(PNG)},
        "details": "",
    })
}

/// Files a guardian's request for `child` (an address) and answers it.
async fn file(app: &TestApp, guardian: &str, ask: &str, child: &str) -> RightsRequest {
    let code = code(app, guardian).await;
    json_of(
        anonymous(app, "/api/guardian/requests", &body(guardian, &code, ask, child)).await,
        StatusCode::CREATED,
    )
    .await
}

async fn open(app: &TestApp, staff: &Browser, id: &str) -> StaffRequest {
    json_of(staff.send(app, Method::GET, &format!("/api/staff/requests/us/{id}"), None).await, StatusCode::OK)
        .await
}

async fn fulfil(app: &TestApp, staff: &Browser, id: &str, action: &str) -> reqwest::Response {
    let text = "We checked the signed form against the child's birth certificate.";
    staff
        .send(
            app,
            Method::POST,
            &format!("/api/staff/requests/us/{id}/decision"),
            Some(json!({"action": action, "text": text})),
        )
        .await
}

async fn account_of(app: &TestApp, email: &str) -> Option<String> {
    let hash = app.state.auth.email_hash(email);
    app.state.stores.person_by_email(&hash).await.unwrap().map(|f| f.person.id)
}

fn unix(t: &str) -> i64 {
    time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).unwrap().unix_timestamp()
}

async fn a_guardians_request_reads_the_same_whether_or_not_the_child_has_an_account(backend: Backend) {
    let Some(app) = api_with_staff(backend).await else { return };
    app.person("kid@example.com", "us").await;

    // Every region's rule, from the data file: who is a child, the law, the proofs accepted.
    let rules: Vec<GuardianRule> =
        json_of(reqwest::get(app.at("/api/guardian/rules")).await.unwrap(), StatusCode::OK).await;
    assert_eq!(rules.len(), Region::ALL.len());
    let cn = rules.iter().find(|r| r.region == Region::Cn).unwrap();
    assert_eq!(
        (cn.child_under, cn.methods.clone()),
        (14, vec![ProofMethod::IdDocument, ProofMethod::VideoCall])
    );

    // The same answer and the same receipt for a child with an account and one without.
    let with = file(&app, "mei@example.com", "delete", "kid@example.com").await;
    let with_mail = app.latest_mail("mei@example.com").await;
    let without = file(&app, "mei@example.com", "delete", "nobody@example.com").await;
    let without_mail = app.latest_mail("mei@example.com").await;
    assert_eq!((with.kind, without.kind), (RequestKind::Guardian, RequestKind::Guardian));
    let shape = |r: &RightsRequest| (r.status, r.details.clone(), r.rule.clone(), r.timeline.len());
    assert_eq!(shape(&with), shape(&without));
    assert_eq!(with_mail.subject, without_mail.subject);
    assert_eq!(with_mail.text.replace(&with.id, "ID"), without_mail.text.replace(&without.id, "ID"));
    // A guardian's request has its own deadline: 10 days.
    let rule = app.state.requests.rule(Region::Us, RequestKind::Guardian);
    assert_eq!(unix(&with.due_at), rule.due(unix(&with.filed_at)));
    assert!(with.rule.en.contains("10 days"), "{:?}", with.rule);

    // Nothing is readable in the stores: the child's address and the proof are sealed.
    assert!(!crate::raw::stored_anywhere(&app, b"nobody@example.com").await);
    assert!(!crate::raw::stored_anywhere(&app, b"a signed consent form").await);
    // Nobody files a guardian's request about themselves from their account.
    let kid = app.person("kid2@example.com", "us").await;
    let res = kid
        .send(&app, Method::POST, "/api/privacy/requests", Some(json!({"kind": "guardian", "details": "x"})))
        .await;
    let err: ApiError = json_of(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!((err.fields[0].field.as_str(), err.fields[0].code), ("kind", FieldErrorCode::NotChoosable));
}

async fn bad_input_is_answered_field_by_field_and_nothing_is_stored(backend: Backend) {
    let Some(app) = api_with_staff(backend).await else { return };
    let staff = app.staff().await;
    let code = code(&app, "mei@example.com").await;
    let named = |err: &ApiError| {
        let mut v: Vec<(String, FieldErrorCode)> =
            err.fields.iter().map(|f| (f.field.clone(), f.code)).collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    };
    // Everything missing at once.
    let res = anonymous(
        &app,
        "/api/guardian/requests",
        &json!({"email": "mei@", "code": "1", "name": "", "relation": null, "region": null, "ask": null,
            "method": null}),
    )
    .await;
    let err: ApiError = json_of(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    let fields: Vec<String> = named(&err).into_iter().map(|(f, _)| f).collect();
    assert_eq!(fields, ["ask", "child_email", "code", "email", "method", "name", "region", "relation"]);

    let cases: Vec<(Value, &str, FieldErrorCode)> = vec![
        // Not a PDF, PNG or JPEG, whatever its name says.
        (
            json!({"proof": {"name": "form.pdf", "data": base64::engine::general_purpose::STANDARD.encode(b"MZ\x90\x00")}}),
            "proof",
            FieldErrorCode::FileType,
        ),
        // Larger than 5 MiB.
        (
            json!({"proof": {"name": "form.pdf", "data": base64::engine::general_purpose::STANDARD.encode({
                let mut v = b"%PDF-".to_vec();
                v.resize(5 * 1024 * 1024 + 1, b' ');
                v
            })}}),
            "proof",
            FieldErrorCode::FileSize,
        ),
        (json!({"proof": null}), "proof", FieldErrorCode::Required),
        (json!({"relation": null}), "relation", FieldErrorCode::Required),
        (json!({"method": "video_call", "proof": null}), "details", FieldErrorCode::Required),
        (json!({"region": "cn"}), "method", FieldErrorCode::NotChoosable),
        (json!({"child_email": "mei@example.com"}), "child_email", FieldErrorCode::OwnEmail),
        (json!({"child_email": "", "child_phone": "12"}), "child_phone", FieldErrorCode::Malformed),
    ];
    for (change, field, expected) in cases {
        let mut b = body("mei@example.com", &code, "delete", "kid@example.com");
        for (k, v) in change.as_object().unwrap() {
            b[k] = v.clone();
        }
        let res = anonymous(&app, "/api/guardian/requests", &b).await;
        let err: ApiError = json_of(res, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(named(&err), [(field.to_string(), expected)], "{change}");
    }
    // A wrong code, after everything else is right.
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let res = anonymous(
        &app,
        "/api/guardian/requests",
        &body("mei@example.com", wrong, "delete", "kid@example.com"),
    )
    .await;
    let err: ApiError = json_of(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(named(&err), [("code".to_string(), FieldErrorCode::Wrong)]);

    let q: RequestQueue =
        json_of(staff.send(&app, Method::GET, "/api/staff/requests", None).await, StatusCode::OK).await;
    assert!(q.items.is_empty(), "nothing half-written is stored: {q:?}");
    for table in ["guardian_requests", "guardian_proofs", "requesters"] {
        assert_eq!(crate::raw::count(&app, "region-us", table).await, 0, "{table}");
    }
}

async fn a_verified_guardian_has_the_childs_account_deleted_with_a_receipt(backend: Backend) {
    let Some(app) = api_with_staff(backend).await else { return };
    app.person("kid@example.com", "us").await;
    let kid_id = account_of(&app, "kid@example.com").await.expect("the child has an account");
    let staff = app.staff().await;
    let filed = file(&app, "mei@example.com", "delete", "kid@example.com").await;

    // The staff see what the verification needs: the account the address leads to, the proof.
    let opened = open(&app, &staff, &filed.id).await;
    let case = opened.guardian.expect("a guardian's request shows its case");
    assert_eq!(case.ask, GuardianAsk::Delete);
    assert_eq!(case.child_email.as_deref(), Some("kid@example.com"));
    let child = case.child.expect("the address leads to the account");
    assert_eq!((child.region, child.child_under), (Region::Us, 13));
    let proof = case.proof.expect("the proof is there");
    assert_eq!(
        (proof.media_type.as_str(), proof.size, proof.delete_at),
        ("image/png", PNG.len() as u64, None)
    );
    let res =
        staff.send(&app, Method::GET, &format!("/api/staff/requests/us/{}/proof", filed.id), None).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(res.bytes().await.unwrap().as_ref(), PNG);
    // The child's "who saw my data" says the staff looked.
    assert_eq!(crate::raw::count_where(&app, "region-us", "access_log", "person_id", &kid_id).await, 1);

    let decided: StaffRequest =
        json_of(fulfil(&app, &staff, &filed.id, "fulfil").await, StatusCode::OK).await;
    assert_eq!(account_of(&app, "kid@example.com").await, None, "the child's account is gone");
    assert_eq!(crate::raw::count_where(&app, "region-us", "people", "id", &kid_id).await, 0);
    assert_eq!(crate::raw::count_where(&app, "region-us", "consent_ledger", "person_id", &kid_id).await, 0);
    let receipt = app.latest_mail("kid@example.com").await;
    assert_eq!(receipt.subject, "Your Ward account was deleted");
    let answer = app.latest_mail("mei@example.com").await;
    assert_eq!(answer.subject, "Your request is done");
    let del = receipt.text.split("Deletion receipt: ").nth(1).unwrap().split_whitespace().next().unwrap();
    assert!(answer.text.contains(del), "the guardian gets the same receipt: {}", answer.text);
    // The proof's retention starts at the decision: kept 14 days, a second more and it is gone.
    let at = unix(&decided.request.timeline.last().unwrap().at);
    assert_eq!(decided.guardian.unwrap().proof.unwrap().delete_at.map(|t| unix(&t)), Some(at + 14 * 86_400));
    let db = app.state.stores.region(Region::Us).await.unwrap();
    db.purge_expired(at + 14 * 86_400 - 1, i64::MAX / 4, i64::MAX / 4).await.unwrap();
    assert_eq!(crate::raw::count(&app, "region-us", "guardian_proofs").await, 1, "kept a second before");
    db.purge_expired(at + 14 * 86_400 + 1, i64::MAX / 4, i64::MAX / 4).await.unwrap();
    assert_eq!(crate::raw::count(&app, "region-us", "guardian_proofs").await, 0, "deleted a second after");
    assert_eq!(crate::raw::count(&app, "region-us", "guardian_requests").await, 1, "the request stays");
}

async fn a_verified_guardian_stops_the_use_of_the_childs_data_and_the_child_cannot_undo_it(backend: Backend) {
    let Some(app) = api_with_staff(backend).await else { return };
    let kid = app.person("kid@example.com", "us").await;
    let res = set_consent(&app, &kid, "marketing_mail", true).await;
    assert_eq!(res.status(), StatusCode::OK);
    let staff = app.staff().await;
    let filed = file(&app, "mei@example.com", "prohibit", "kid@example.com").await;
    json_of::<StaffRequest>(fulfil(&app, &staff, &filed.id, "fulfil").await, StatusCode::OK).await;

    // Withdrawn in the child's own ledger, by guardian; the chain still verifies.
    let ledger: Vec<LedgerEntry> =
        json_of(kid.send(&app, Method::GET, "/api/privacy/ledger", None).await, StatusCode::OK).await;
    let last = ledger.iter().rev().find(|e| e.purpose == "marketing_mail").unwrap();
    assert_eq!(last.method, ConsentMethod::Guardian);
    let verify: Value =
        json_of(kid.send(&app, Method::GET, "/api/privacy/ledger/verify", None).await, StatusCode::OK).await;
    assert_eq!(verify["intact"], true);
    // Nothing can be switched back on, and the child cannot lift it.
    assert_eq!(set_consent(&app, &kid, "marketing_mail", true).await.status(), StatusCode::CONFLICT);
    let res = kid.send(&app, Method::POST, "/api/privacy/restriction/lift", None).await;
    let err: ApiError = json_of(res, StatusCode::CONFLICT).await;
    assert!(err.message.contains("guardian"), "{}", err.message);
    assert_eq!(app.latest_mail("kid@example.com").await.subject, "Ward has stopped using your data");
    assert!(account_of(&app, "kid@example.com").await.is_some(), "the account stays");
}

async fn a_verified_guardian_reviews_the_childs_archive_through_the_mailed_link(backend: Backend) {
    let Some(app) = api_with_staff(backend).await else { return };
    let kid = app.person("kid@example.com", "us").await;
    let staff = app.staff().await;
    let filed = file(&app, "mei@example.com", "review", "kid@example.com").await;
    json_of::<StaffRequest>(fulfil(&app, &staff, &filed.id, "fulfil").await, StatusCode::OK).await;
    let answer = app.latest_mail("mei@example.com").await;
    let link = answer
        .text
        .split_whitespace()
        .find(|w| w.contains("/api/guardian/review/"))
        .unwrap_or_else(|| panic!("the answer carries the link: {}", answer.text))
        .to_string();
    // The same archive as the child's own "Download my data".
    app.ready_export(&kid).await;
    let res = reqwest::get(app.at(&link[link.find("/api/").unwrap()..])).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/zip");
    assert!(res.bytes().await.unwrap().starts_with(b"PK"), "a ZIP");
    let log: Value =
        json_of(kid.send(&app, Method::GET, "/api/account/activity", None).await, StatusCode::OK).await;
    assert!(log.to_string().contains("guardian_review"), "the child's log says so: {log}");
    let res = reqwest::get(app.at("/api/guardian/review/us.not-a-link")).await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

async fn a_refused_request_leaves_the_account_and_the_proof_goes_on_its_retention(backend: Backend) {
    let Some(app) = api_with_staff(backend).await else { return };
    app.person("kid@example.com", "us").await;
    let staff = app.staff().await;
    let filed = file(&app, "mei@example.com", "delete", "kid@example.com").await;
    let decided: StaffRequest =
        json_of(fulfil(&app, &staff, &filed.id, "refuse").await, StatusCode::OK).await;
    assert!(account_of(&app, "kid@example.com").await.is_some());
    assert!(
        decided.guardian.unwrap().proof.unwrap().delete_at.is_some(),
        "the decision starts the proof's retention"
    );
    // Without an account behind the address, fulfilling says what to do instead.
    let lost = file(&app, "mei@example.com", "delete", "nobody@example.com").await;
    let opened = open(&app, &staff, &lost.id).await;
    assert_eq!(opened.guardian.unwrap().child, None);
    let err: ApiError = json_of(fulfil(&app, &staff, &lost.id, "fulfil").await, StatusCode::CONFLICT).await;
    assert!(err.message.contains("No account uses the child's address"), "{}", err.message);
}

async fn flag(app: &TestApp, staff: &Browser, region: &str, id: &str, action: &str) -> reqwest::Response {
    staff
        .send(
            app,
            Method::POST,
            &format!("/api/staff/requests/{region}/{id}/child"),
            Some(json!({"action": action, "text": "The guardian's form shows the child is 11."})),
        )
        .await
}

async fn an_account_flagged_as_a_childs_is_suspended_at_once_and_deleted_after_its_notice(backend: Backend) {
    let Some(app) = api_with_staff(backend).await else { return };
    let kid = app.person("kid@example.com", "us").await;
    let kid_id = account_of(&app, "kid@example.com").await.unwrap();
    let staff = app.staff().await;
    let filed = file(&app, "mei@example.com", "delete", "kid@example.com").await;

    let flagged: StaffRequest =
        json_of(flag(&app, &staff, "us", &filed.id, "flag").await, StatusCode::OK).await;
    let delete_at =
        unix(flagged.guardian.unwrap().child.unwrap().child_delete_at.as_deref().expect("flagged"));
    // Suspended at once: the session ends, signing in is refused with the reason.
    assert_eq!(kid.send(&app, Method::GET, "/api/session", None).await.status(), StatusCode::UNAUTHORIZED);
    let (status, err) = app.sign_in("kid@example.com", crate::fixtures::PASSWORD, None).await.err().unwrap();
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(err.message.contains("suspended"), "{}", err.message);
    assert_eq!(app.latest_mail("kid@example.com").await.subject, "Your Ward account is suspended");
    assert_eq!(app.latest_mail("mei@example.com").await.subject, "The child's account is suspended");
    assert_eq!(flag(&app, &staff, "us", &filed.id, "flag").await.status(), StatusCode::CONFLICT, "once");
    let last = flagged.request.timeline.last().unwrap();
    assert!(last.text.as_deref().unwrap_or_default().starts_with("Flagged as a child's account"), "{last:?}");

    // Kept to the end of the notice; deleted a second after it, with its receipt.
    ward_server::requests::guardian::delete_flagged(&app.state, delete_at - 1).await.unwrap();
    assert!(account_of(&app, "kid@example.com").await.is_some(), "kept a second before");
    let n = ward_server::requests::guardian::delete_flagged(&app.state, delete_at + 1).await.unwrap();
    assert_eq!(n, 1);
    assert_eq!(account_of(&app, "kid@example.com").await, None, "deleted a second after");
    assert_eq!(crate::raw::count_where(&app, "region-us", "people", "id", &kid_id).await, 0);
    assert_eq!(app.latest_mail("kid@example.com").await.subject, "Your Ward account was deleted");

    // Lifted on consent: the account is active again.
    app.person("teen@example.com", "us").await;
    let other = file(&app, "mei@example.com", "delete", "teen@example.com").await;
    json_of::<StaffRequest>(flag(&app, &staff, "us", &other.id, "flag").await, StatusCode::OK).await;
    let lifted: StaffRequest =
        json_of(flag(&app, &staff, "us", &other.id, "lift").await, StatusCode::OK).await;
    assert_eq!(lifted.guardian.unwrap().child.unwrap().child_delete_at, None);
    assert!(app.sign_in("teen@example.com", crate::fixtures::PASSWORD, None).await.is_ok());
    assert_eq!(app.latest_mail("teen@example.com").await.subject, "Your Ward account is active again");
    assert_eq!(flag(&app, &staff, "us", &other.id, "lift").await.status(), StatusCode::CONFLICT);
}

async fn a_date_of_birth_corrected_below_the_minimum_age_flags_the_account(backend: Backend) {
    let Some(app) = api_with_staff(backend).await else { return };
    let ada = app.person("ada@example.com", "eu").await;
    let staff = app.staff().await;
    let res = ada
        .send(
            &app,
            Method::POST,
            "/api/privacy/requests",
            Some(json!({"kind": "rectification", "details": "I was born in 2014, not 1990."})),
        )
        .await;
    let asked: RightsRequest = json_of(res, StatusCode::CREATED).await;
    let res = staff
        .send(
            &app,
            Method::POST,
            &format!("/api/staff/requests/eu/{}/correct", asked.id),
            Some(json!({"what": "birth_date", "birth_date": "2014-03-01"})),
        )
        .await;
    let corrected: StaffRequest = json_of(res, StatusCode::OK).await;
    assert!(corrected.person.child_delete_at.is_some(), "flagged: {:?}", corrected.person);
    assert_eq!(ada.send(&app, Method::GET, "/api/session", None).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.latest_mail("ada@example.com").await.subject, "Your Ward account is suspended");
}

async fn one_client_files_at_most_ten_guardians_requests_an_hour(backend: Backend) {
    let Some(app) = api_with_staff(backend).await else { return };
    // Each may carry a 5 MiB proof: whatever addresses a client proves, its filings are bounded.
    for n in 0..10 {
        file(&app, &format!("parent{n}@example.com"), "delete", "kid@example.com").await;
    }
    let code = code(&app, "parent10@example.com").await;
    let res = anonymous(
        &app,
        "/api/guardian/requests",
        &body("parent10@example.com", &code, "delete", "kid@example.com"),
    )
    .await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().contains_key("retry-after"));
    assert_eq!(
        crate::raw::count(&app, "region-us", "guardian_requests").await,
        10,
        "the eleventh is not stored"
    );
}
