//! The privacy center over HTTP, on both backends: purposes from the data file, consents
//! and the chained ledger (and its tampering detected), the cookie banner in the first
//! response, cookie choices and GPC in the ledger, policy versions and diffs, re-consent
//! after a material change, marketing mail with one-click unsubscribe.

use reqwest::Method;
use reqwest::StatusCode;
use serde_json::{Value, json};
use ward_model::{
    Basis, ConsentAction, ConsentMethod, ConsentOverview, LedgerEntry, LedgerVerification, PolicyDiff,
    PolicyDocument, PrivacyStatus, Purpose,
};

use crate::both_backends;
use crate::fixtures::{Browser, consent_cookie, cookie_sync, json_ok, set_consent};
use crate::helpers::{TestApp, client};

both_backends!(
    with: crate::fixtures::app_with_staff,
    purposes_come_from_the_data_file_with_basis_data_and_recipients,
    consents_are_granted_withdrawn_and_objected_to_with_one_request_each_and_ledgered,
    a_tampered_ledger_record_is_detected,
    the_banner_is_in_the_first_response_until_a_current_choice_and_returns_with_a_new_cookie_policy,
    a_cookie_choice_is_ledgered_once_and_gpc_turns_advertising_off,
    policies_are_versioned_readable_and_compared_and_only_staff_publish,
    a_material_change_asks_everyone_to_reconsent_and_mails_them,
    marketing_mail_has_one_click_unsubscribe_that_needs_no_session,
    analytics_counts_page_views_without_identifiers,
    my_data_is_generated_from_the_registry_and_the_real_store,
);

async fn ledger(app: &TestApp, b: &Browser) -> Vec<LedgerEntry> {
    json_ok(b.send(app, Method::GET, "/api/privacy/ledger", None).await).await
}

async fn verify(app: &TestApp, b: &Browser) -> LedgerVerification {
    json_ok(b.send(app, Method::GET, "/api/privacy/ledger/verify", None).await).await
}

fn active(o: &ConsentOverview, id: &str) -> bool {
    o.purposes.iter().find(|p| p.purpose.id == id).unwrap_or_else(|| panic!("no purpose {id}")).active
}

async fn purposes_come_from_the_data_file_with_basis_data_and_recipients(app: TestApp) {
    let purposes: Vec<Purpose> = json_ok(app.get("/api/privacy/purposes").await).await;
    let file: Value = serde_json::from_str(include_str!("../../privacy/purposes.json")).unwrap();
    let ids: Vec<&str> =
        file["purposes"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!(purposes.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(), ids);
    let by = |id: &str| purposes.iter().find(|p| p.id == id).unwrap();
    assert_eq!(by("marketing_mail").legal_basis, Basis::Consent);
    assert_eq!(by("service_improvement").legal_basis, Basis::LegitimateInterest);
    assert_eq!(by("account").legal_basis, Basis::Contract);
    assert_eq!(by("legal_records").legal_basis, Basis::LegalObligation);
    assert_eq!(by("cross_border_transfer").legal_basis, Basis::Consent, "its own separate consent");
    for p in &purposes {
        assert!(!p.data_used.is_empty() && !p.recipients.is_empty(), "{}", p.id);
        assert!(!p.name.en.is_empty() && !p.name.zh.is_empty(), "{}", p.id);
    }
}

async fn consents_are_granted_withdrawn_and_objected_to_with_one_request_each_and_ledgered(app: TestApp) {
    let b = app.user("ada@example.com").await;
    // Sign-up's acceptance of the policy is the first record.
    let first = ledger(&app, &b).await;
    assert_eq!(first.len(), 1);
    assert_eq!((first[0].purpose.as_str(), first[0].method), ("privacy_policy", ConsentMethod::Signup));
    assert_eq!(first[0].policy_version, ward_server::auth::POLICY_VERSION);

    let o: ConsentOverview = json_ok(b.send(&app, Method::GET, "/api/privacy/consents", None).await).await;
    assert!(!active(&o, "marketing_mail"), "consent purposes start off");
    assert!(active(&o, "service_improvement"), "legitimate interest runs until objected to");
    assert!(o.purposes.iter().find(|p| p.purpose.id == "account").is_some_and(|p| !p.choosable));

    let o: ConsentOverview = json_ok(set_consent(&app, &b, "marketing_mail", true).await).await;
    assert!(active(&o, "marketing_mail"));
    let o: ConsentOverview = json_ok(set_consent(&app, &b, "marketing_mail", false).await).await;
    assert!(!active(&o, "marketing_mail"));
    let o: ConsentOverview = json_ok(set_consent(&app, &b, "service_improvement", false).await).await;
    assert!(!active(&o, "service_improvement"), "an objection stops it");
    // The same choice again records nothing.
    json_ok::<ConsentOverview>(set_consent(&app, &b, "service_improvement", false).await).await;

    let records = ledger(&app, &b).await;
    let actions: Vec<_> = records[1..].iter().map(|r| (r.purpose.as_str(), r.action, r.method)).collect();
    assert_eq!(
        actions,
        [
            ("marketing_mail", ConsentAction::Granted, ConsentMethod::Settings),
            ("marketing_mail", ConsentAction::Withdrawn, ConsentMethod::Settings),
            ("service_improvement", ConsentAction::Objected, ConsentMethod::Settings),
        ]
    );
    assert!(records.iter().all(|r| r.text_version == "1" || r.purpose == "privacy_policy"));
    assert_eq!(records.iter().map(|r| r.seq).collect::<Vec<_>>(), [1, 2, 3, 4]);
    assert_eq!(verify(&app, &b).await, LedgerVerification { intact: true, records: 4, first_broken: None });

    // Bad input: named, 4xx, nothing recorded.
    let res = set_consent(&app, &b, "account", false).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = set_consent(&app, &b, "nonsense", true).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = b
        .send(
            &app,
            Method::POST,
            "/api/privacy/consents",
            Some(json!({"purpose": "marketing_mail", "active": true, "text_version": "0"})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT, "a stale text is refused");
    let res =
        b.send(&app, Method::POST, "/api/privacy/consents", Some(json!({"purpose": "marketing_mail"}))).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(ledger(&app, &b).await.len(), 4);

    // Signed out: nothing.
    assert_eq!(
        client().get(app.at("/api/privacy/ledger")).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    // Each person sees only their own history.
    let other = app.user("grace@example.com").await;
    assert_eq!(ledger(&app, &other).await.len(), 1);
}

async fn a_tampered_ledger_record_is_detected(app: TestApp) {
    let b = app.user("ada@example.com").await;
    json_ok::<ConsentOverview>(set_consent(&app, &b, "marketing_mail", true).await).await;
    json_ok::<ConsentOverview>(set_consent(&app, &b, "marketing_mail", false).await).await;
    assert!(verify(&app, &b).await.intact);
    // Someone with database access turns the withdrawal into a grant.
    let changed =
        crate::raw::execute(&app, "region-eu", "UPDATE consent_ledger SET action = 'granted' WHERE seq = 3")
            .await;
    assert_eq!(changed, 1);
    let v = verify(&app, &b).await;
    assert_eq!(v, LedgerVerification { intact: false, records: 3, first_broken: Some(3) });
    // Put back, then remove a record from the middle instead.
    crate::raw::execute(&app, "region-eu", "UPDATE consent_ledger SET action = 'withdrawn' WHERE seq = 3")
        .await;
    assert!(verify(&app, &b).await.intact);
    crate::raw::execute(&app, "region-eu", "DELETE FROM consent_ledger WHERE seq = 2").await;
    assert_eq!(verify(&app, &b).await.first_broken, Some(2));
}

fn banner_of(page: &str) -> &str {
    let start = page.find("<div id=\"cc\"").expect("the page carries the banner");
    &page[start..page.rfind("</body>").unwrap()]
}

async fn page(app: &TestApp, headers: &[(&str, String)]) -> String {
    let mut req = client().get(app.at("/account"));
    for (k, v) in headers {
        req = req.header(*k, v);
    }
    let res = req.send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["vary"].to_str().unwrap().contains("cookie"));
    res.text().await.unwrap()
}

async fn the_banner_is_in_the_first_response_until_a_current_choice_and_returns_with_a_new_cookie_policy(
    app: TestApp,
) {
    let rev = ward_server::auth::POLICY_VERSION;
    let first = page(&app, &[]).await;
    let banner = banner_of(&first);
    assert!(
        banner.starts_with(&format!("<div id=\"cc\" class=\"cc\" data-rev=\"{rev}\">")),
        "shown: {banner}"
    );
    for text in [
        "Accept all",
        "Reject all",
        "Customize",
        "Strictly necessary",
        "Preferences",
        "Analytics",
        "Advertising",
        "全部拒绝",
    ] {
        assert!(banner.contains(text), "{text}");
    }
    assert!(!banner.contains(" checked disabled data-gpc"), "nothing optional is ticked");
    assert_eq!(banner.matches(" checked").count(), 1, "only the necessary category is on");
    assert!(banner.contains("<p class=\"cc-gpc\" hidden>"), "no GPC signal, no GPC notice");

    let chosen = page(&app, &[consent_cookie(rev, "0000")]).await;
    assert!(
        banner_of(&chosen).starts_with(&format!("<div id=\"cc\" class=\"cc\" data-rev=\"{rev}\" hidden>"))
    );

    let gpc = page(&app, &[("sec-gpc", "1".into())]).await;
    let gpc = banner_of(&gpc);
    assert!(gpc.contains("<p class=\"cc-gpc\">"), "the GPC notice shows");
    assert!(gpc.contains("name=\"advertising\" aria-describedby=\"cc-advertising-d\" disabled data-gpc"));

    let wk = app.get("/.well-known/gpc.json").await;
    assert_eq!(wk.status(), StatusCode::OK);
    let wk: Value = wk.json().await.unwrap();
    assert_eq!(wk["gpc"], true);

    // Brotli-compressed for browsers that take it, and the same page.
    let br = client().get(app.at("/")).header("accept-encoding", "br").send().await.unwrap();
    assert_eq!(br.headers()["content-encoding"], "br");

    // A new cookie policy: the same choice no longer counts, the banner is back.
    let staff = app.staff().await;
    let res = staff
        .send(&app, Method::POST, "/api/privacy/policies/cookies", Some(json!({"markdown": "# Cookies\n\nNew.\n", "material": false, "summary": "New analytics tool."})))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED, "{}", res.text().await.unwrap());
    let again = page(&app, &[consent_cookie(rev, "0000")]).await;
    let banner = banner_of(&again);
    assert!(
        !banner.starts_with(&format!("<div id=\"cc\" class=\"cc\" data-rev=\"{rev}\"")),
        "a new revision"
    );
    assert!(!banner[..banner.find('>').unwrap()].contains("hidden"), "shown again: {}", &banner[..80]);
}

async fn a_cookie_choice_is_ledgered_once_and_gpc_turns_advertising_off(app: TestApp) {
    let jarred = app.person_with_jar("ada@example.com").await;
    let b = &jarred.0;
    let res = b.send(&app, Method::POST, "/api/privacy/cookies", None).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "no cookie, nothing to record");

    let o = cookie_sync(&app, &jarred, "1110", false).await;
    assert!(
        active(&o, "personalisation")
            && active(&o, "usage_analytics")
            && active(&o, "third_party_advertising")
    );
    let n = ledger(&app, b).await.len();
    assert_eq!(n, 4);
    cookie_sync(&app, &jarred, "1110", false).await;
    assert_eq!(ledger(&app, b).await.len(), n, "the same choice again records nothing");
    assert!(ledger(&app, b).await[1..].iter().all(|r| r.method == ConsentMethod::Banner));

    // A GPC signal: advertising goes off, recorded as GPC.
    let o = cookie_sync(&app, &jarred, "1110", true).await;
    assert!(!active(&o, "third_party_advertising"));
    assert!(active(&o, "usage_analytics"), "GPC leaves analytics alone");
    assert!(o.gpc);
    let gpc_records: Vec<_> =
        ledger(&app, b).await[n..].iter().map(|r| (r.purpose.clone(), r.action, r.method)).collect();
    assert_eq!(
        gpc_records,
        [
            ("third_party_advertising".to_string(), ConsentAction::Withdrawn, ConsentMethod::Gpc),
            ("sale_or_sharing".to_string(), ConsentAction::Withdrawn, ConsentMethod::Gpc),
        ],
        "the signal is recorded for each purpose it covers, even one already off"
    );
    cookie_sync(&app, &jarred, "1110", true).await;
    assert_eq!(ledger(&app, b).await.len(), n + 2, "and only once");
    // While the browser sends GPC, advertising cannot be switched on.
    let res = b
        .client
        .post(app.at("/api/privacy/consents"))
        .header("x-csrf-token", &b.csrf)
        .header("sec-gpc", "1")
        .json(&json!({"purpose": "third_party_advertising", "active": true, "text_version": "1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Sale/sharing granted in settings, then GPC in the cookie withdraws it too.
    json_ok::<ConsentOverview>(set_consent(&app, b, "sale_or_sharing", true).await).await;
    let o = cookie_sync(&app, &jarred, "0101", false).await;
    assert!(!active(&o, "sale_or_sharing") && !active(&o, "personalisation"));
    assert!(verify(&app, b).await.intact);
}

async fn policies_are_versioned_readable_and_compared_and_only_staff_publish(app: TestApp) {
    let doc: PolicyDocument = json_ok(app.get("/api/privacy/policies/privacy").await).await;
    assert_eq!(doc.summary.version, ward_server::auth::POLICY_VERSION);
    assert!(doc.html.contains("<h2>What we hold</h2>") && !doc.html.contains("<h1>"), "{}", doc.html);
    assert_eq!(doc.versions.len(), 1);
    assert_eq!(app.get("/api/privacy/policies/terms").await.status(), StatusCode::NOT_FOUND);

    let b = app.user("ada@example.com").await;
    let publish = |who: &Browser, body: Value| {
        let who = who
            .client
            .post(app.at("/api/privacy/policies/privacy"))
            .header("x-csrf-token", &who.csrf)
            .json(&body);
        async move { who.send().await.unwrap() }
    };
    let body = json!({"markdown": format!("{}\n## New section\n\nWe now keep X.\n", doc.markdown), "material": false, "summary": "Adds a section."});
    assert_eq!(publish(&b, body.clone()).await.status(), StatusCode::FORBIDDEN, "not staff");
    let staff = app.staff().await;
    let res = publish(&staff, json!({"markdown": " ", "material": false, "summary": ""})).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let err: ward_model::ApiError = res.json().await.unwrap();
    assert_eq!(err.fields.iter().map(|f| f.field.as_str()).collect::<Vec<_>>(), ["markdown", "summary"]);
    let res = publish(&staff, body.clone()).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let second: ward_model::PolicySummary = res.json().await.unwrap();
    let third: ward_model::PolicySummary = json_ok(publish(&staff, body).await).await;
    assert_ne!(second.version, third.version, "two versions on one day have distinct names");

    let now: PolicyDocument = json_ok(app.get("/api/privacy/policies/privacy").await).await;
    assert_eq!(now.summary.version, third.version);
    assert_eq!(now.versions.len(), 3);
    let old: PolicyDocument =
        json_ok(app.get(&format!("/api/privacy/policies/privacy/{}", doc.summary.version)).await).await;
    assert_eq!(old.markdown, doc.markdown, "past versions stay readable");
    let diff: PolicyDiff = json_ok(
        app.get(&format!(
            "/api/privacy/policies/privacy/diff?from={}&to={}",
            doc.summary.version, second.version
        ))
        .await,
    )
    .await;
    let added: Vec<&str> =
        diff.lines.iter().filter(|l| l.change == "added").map(|l| l.text.as_str()).collect();
    assert!(added.contains(&"## New section") && added.contains(&"We now keep X."), "{added:?}");
    assert!(diff.lines.iter().all(|l| l.change != "removed"));
    assert_eq!(app.get("/api/privacy/policies/privacy/1999-01-01").await.status(), StatusCode::NOT_FOUND);
    // A non-material change asks nobody to re-consent.
    let s: PrivacyStatus = json_ok(b.send(&app, Method::GET, "/api/privacy/status", None).await).await;
    assert_eq!(s.reconsent, None);
}

async fn a_material_change_asks_everyone_to_reconsent_and_mails_them(app: TestApp) {
    let ada = app.user("ada@example.com").await;
    let grace = app.user("grace@example.com").await;
    let staff = app.staff().await;
    let res = staff
        .send(&app, Method::POST, "/api/privacy/policies/privacy", Some(json!({"markdown": "# Privacy policy\n\nWe now share X with Y.\n", "material": true, "summary": "We now share X with Y."})))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let new: ward_model::PolicySummary = res.json().await.unwrap();
    for (b, email) in [(&ada, "ada@example.com"), (&grace, "grace@example.com")] {
        let s: PrivacyStatus = json_ok(b.send(&app, Method::GET, "/api/privacy/status", None).await).await;
        assert_eq!(s.reconsent.as_ref().map(|r| r.version.as_str()), Some(new.version.as_str()), "{email}");
        let mail = app.latest_mail(email).await;
        assert_eq!(mail.subject, "Our privacy policy has changed");
        assert!(mail.text.contains("We now share X with Y.") && mail.text.contains(&new.version));
    }
    let res = ada
        .send(&app, Method::POST, "/api/privacy/policy/accept", Some(json!({"version": "2026-11-01"})))
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "only the current version");
    let s: PrivacyStatus = json_ok(
        ada.send(&app, Method::POST, "/api/privacy/policy/accept", Some(json!({"version": new.version})))
            .await,
    )
    .await;
    assert_eq!((s.accepted_policy.as_str(), s.reconsent), (new.version.as_str(), None));
    let s: PrivacyStatus = json_ok(ada.send(&app, Method::GET, "/api/privacy/status", None).await).await;
    assert_eq!(s.reconsent, None);
    let last = ledger(&app, &ada).await.pop().unwrap();
    assert_eq!(
        (last.purpose.as_str(), last.method, last.policy_version.as_str()),
        ("privacy_policy", ConsentMethod::Reconsent, new.version.as_str())
    );
    let s: PrivacyStatus = json_ok(grace.send(&app, Method::GET, "/api/privacy/status", None).await).await;
    assert!(s.reconsent.is_some(), "grace has not accepted yet");
}

fn raw_mails(app: &TestApp) -> Vec<String> {
    let outbox = app.state.auth.mailer.outbox().unwrap();
    std::fs::read_dir(outbox)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".eml"))
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .collect()
}

async fn marketing_mail_has_one_click_unsubscribe_that_needs_no_session(app: TestApp) {
    let ada = app.user("ada@example.com").await;
    let _grace = app.user("grace@example.com").await;
    json_ok::<ConsentOverview>(set_consent(&app, &ada, "marketing_mail", true).await).await;
    let staff = app.staff().await;
    let res = ada
        .send(&app, Method::POST, "/api/privacy/marketing", Some(json!({"subject": "News", "text": "Hello"})))
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let reached: ward_model::Reached = json_ok(
        staff
            .send(
                &app,
                Method::POST,
                "/api/privacy/marketing",
                Some(json!({"subject": "New doorbell", "text": "It rings."})),
            )
            .await,
    )
    .await;
    assert_eq!(reached.people, 1, "only who consented");
    let raw: Vec<String> =
        raw_mails(&app).into_iter().filter(|m| m.contains("Subject: New doorbell")).collect();
    assert_eq!(raw.len(), 1);
    let mail = &raw[0];
    assert!(mail.contains("To: ada@example.com"), "{mail}");
    assert!(mail.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"), "{mail}");
    let at = mail.find("List-Unsubscribe: <").expect("List-Unsubscribe") + "List-Unsubscribe: <".len();
    let url = &mail[at..at + mail[at..].find('>').unwrap()];
    assert!(url.starts_with(&format!("{}/unsubscribe/", app.url)), "{url}");

    // A forged token does nothing.
    let forged = format!("{}x", &url[..url.len() - 1]);
    let res = reqwest::Client::new().post(&forged).body("List-Unsubscribe=One-Click").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // The mail client's POST: no cookie, no CSRF token, no session.
    let res = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let last = ledger(&app, &ada).await.pop().unwrap();
    assert_eq!(
        (last.purpose.as_str(), last.action, last.method),
        ("marketing_mail", ConsentAction::Withdrawn, ConsentMethod::Unsubscribe)
    );
    let reached: ward_model::Reached = json_ok(
        staff
            .send(
                &app,
                Method::POST,
                "/api/privacy/marketing",
                Some(json!({"subject": "Again", "text": "x"})),
            )
            .await,
    )
    .await;
    assert_eq!(reached.people, 0, "unsubscribed means no more mail");
    // The app's unsubscribe page posts the same token to the API; repeating is harmless.
    let token = url.rsplit('/').next().unwrap();
    let res = client()
        .post(app.at("/api/privacy/unsubscribe"))
        .json(&json!({"token": token}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(ledger(&app, &ada).await.last().unwrap().method, ConsentMethod::Unsubscribe);
}

async fn analytics_counts_page_views_without_identifiers(app: TestApp) {
    let res = client()
        .post(app.at("/api/analytics/pageview"))
        .json(&json!({"path": "/privacy"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.state.privacy.views("/privacy"), 1);
}

async fn my_data_is_generated_from_the_registry_and_the_real_store(app: TestApp) {
    let b = app.user("ada@example.com").await;
    json_ok::<ConsentOverview>(set_consent(&app, &b, "marketing_mail", true).await).await;
    let data: ward_model::MyData =
        json_ok(b.send(&app, Method::GET, "/api/privacy/my-data", None).await).await;
    assert_eq!(data.region, ward_model::Region::Eu);
    let cat = |c: &str| data.categories.iter().find(|x| x.category == c).unwrap_or_else(|| panic!("no {c}"));
    assert_eq!(cat("identity").items, 2, "name and date of birth");
    assert_eq!(cat("contact").items, 2, "email and phone; no pending email");
    assert!(!cat("identity").recipients.is_empty());
    // Every personal column of a region table appears exactly once.
    let listed: Vec<(String, String)> = data
        .categories
        .iter()
        .flat_map(|c| {
            c.holdings.iter().flat_map(|h| h.columns.iter().map(|col| (h.table.clone(), col.clone())))
        })
        .collect();
    let declared: Vec<(String, String)> = ward_server::registry::of_accounts()
        .map(|(c, _)| (c.table.to_string(), c.column.to_string()))
        .collect();
    assert_eq!(listed.len(), declared.len());
    assert!(declared.iter().all(|d| listed.contains(d)));
    // Counted in the real store: the activity log and the consent ledger.
    let activity = cat("activity").holdings.iter().find(|h| h.table == "activity").unwrap();
    assert_eq!(activity.items as usize, crate::raw::count(&app, "region-eu", "activity").await);
    assert_eq!(activity.retention_days, Some(365));
    let left = activity.next_deletion_in.expect("a countdown to the oldest record's deletion");
    assert!((364 * 86_400..=365 * 86_400).contains(&left), "{left}");
    let ledger_holding = cat("choices").holdings.iter().find(|h| h.table == "consent_ledger").unwrap();
    assert_eq!(ledger_holding.items, 2, "sign-up acceptance and the marketing consent");
    assert_eq!(ledger_holding.legal_basis, Basis::LegalObligation);
    assert_eq!(ledger_holding.next_deletion, None, "kept until the account is deleted");
}
