//! Rights requests on both backends: a request's whole life (filed, opened by the staff,
//! information added, extended, fulfilled or refused with reasons, withdrawn), the due dates
//! of each region's law, the staff's queue (sorted by due date, filtered, counted, overdue),
//! who may see what, and bad input answered with field errors and nothing stored.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use ward_model::{
    ApiError, ConsentAction, ConsentMethod, ConsentOverview, FieldErrorCode, LedgerEntry, Region,
    RequestActor, RequestEventKind, RequestKind, RequestList, RequestQueue, RequestStatus, RightsRequest,
    StaffRequest,
};

use crate::both_backends;
use crate::fixtures::{Browser, PASSWORD, STAFF, api_with_staff, cookie_sync, json_of, set_consent};
use crate::helpers::{Backend, TestApp};

both_backends!(
    backend: a_request_lives_from_filing_to_an_answer_seen_only_by_its_person_and_the_staff,
    the_queue_sorts_by_due_date_filters_counts_and_shows_what_is_overdue,
    a_fulfilled_restriction_stops_every_purpose_that_is_not_strictly_necessary,
    bad_input_is_answered_field_by_field_and_nothing_is_stored,
    an_erasure_request_fulfilled_by_the_staff_deletes_the_account_as_the_person_would,
    the_staff_are_reminded_once_of_each_due_date,
    staff_notes_stay_with_the_staff_and_a_due_date_only_comes_forward,
    an_access_request_fulfilled_by_the_staff_builds_the_persons_archive,
    a_request_filed_without_signing_in_is_proved_by_a_mailed_code_and_says_nothing_of_accounts,
    a_rectification_corrects_the_birth_date_and_moves_the_home_region_leaving_nothing_behind,
);

async fn file(app: &TestApp, b: &Browser, kind: &str, details: &str) -> RightsRequest {
    let res = b
        .send(app, Method::POST, "/api/privacy/requests", Some(json!({"kind": kind, "details": details})))
        .await;
    json_of(res, StatusCode::CREATED).await
}

async fn mine(app: &TestApp, b: &Browser) -> Vec<RightsRequest> {
    json_of::<RequestList>(b.send(app, Method::GET, "/api/privacy/requests", None).await, StatusCode::OK)
        .await
        .requests
}

async fn queue(app: &TestApp, staff: &Browser, query: &str) -> RequestQueue {
    json_of(staff.send(app, Method::GET, &format!("/api/staff/requests{query}"), None).await, StatusCode::OK)
        .await
}

async fn decide(
    app: &TestApp,
    staff: &Browser,
    region: &str,
    id: &str,
    action: &str,
    text: &str,
) -> reqwest::Response {
    staff
        .send(
            app,
            Method::POST,
            &format!("/api/staff/requests/{region}/{id}/decision"),
            Some(json!({"action": action, "text": text})),
        )
        .await
}

fn unix(rfc3339: &str) -> i64 {
    time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
        .unwrap()
        .unix_timestamp()
}

fn kinds(r: &RightsRequest) -> Vec<(RequestActor, RequestEventKind)> {
    r.timeline.iter().map(|e| (e.by, e.kind)).collect()
}

async fn a_request_lives_from_filing_to_an_answer_seen_only_by_its_person_and_the_staff(backend: Backend) {
    let Some(app) = api_with_staff(backend).await else { return };
    let ada = app.person("ada@example.com", "eu").await;
    let grace = app.person("grace@example.com", "eu").await;
    let staff = app.staff().await;

    // Filed: due by the end of the day one month on, in the region's zone (GDPR), with a receipt.
    let filed =
        file(&app, &ada, "restriction", "  Please stop using my data for anything but the cameras.  ").await;
    assert_eq!((filed.kind, filed.status), (RequestKind::Restriction, RequestStatus::Open));
    assert_eq!(filed.details, "Please stop using my data for anything but the cameras.");
    let rule = app.state.requests.deadlines.rule(Region::Eu);
    assert_eq!(unix(&filed.due_at), rule.due(unix(&filed.filed_at)));
    assert!(filed.rule.en.contains("GDPR") && !filed.rule.zh.is_empty());
    let receipt = app.latest_mail("ada@example.com").await;
    assert_eq!(receipt.subject, "We received your request");
    assert!(receipt.text.contains(&filed.due_at[..10]), "{}", receipt.text);
    assert_eq!(kinds(&mine(&app, &ada).await[0]), [(RequestActor::Person, RequestEventKind::Filed)]);

    // Nobody else sees or touches it: another person gets 404 (as for no request), and the
    // staff's side is the staff's.
    let id = filed.id.clone();
    assert!(mine(&app, &grace).await.is_empty());
    for (method, path, body) in [
        (Method::POST, format!("/api/privacy/requests/{id}/information"), Some(json!({"text": "x"}))),
        (Method::POST, format!("/api/privacy/requests/{id}/withdraw"), None),
    ] {
        assert_eq!(grace.send(&app, method, &path, body).await.status(), StatusCode::NOT_FOUND);
    }
    for path in ["/api/staff/requests".to_string(), format!("/api/staff/requests/eu/{id}")] {
        assert_eq!(ada.send(&app, Method::GET, &path, None).await.status(), StatusCode::FORBIDDEN);
    }
    assert_eq!(decide(&app, &ada, "eu", &id, "fulfil", "done").await.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        staff.send(&app, Method::GET, &format!("/api/staff/requests/us/{id}"), None).await.status(),
        StatusCode::NOT_FOUND,
        "in another region's store there is no such request"
    );

    // Only the staff are told they are (the app offers them the console).
    for (b, staff_role) in [(&ada, false), (&staff, true)] {
        let roles: ward_model::SessionRoles =
            json_of(b.send(&app, Method::GET, "/api/session/roles", None).await, StatusCode::OK).await;
        assert_eq!(roles.privacy_staff, staff_role);
    }

    // The staff open it: they see who asked, and the person sees that they looked.
    let opened: StaffRequest = json_of(
        staff.send(&app, Method::GET, &format!("/api/staff/requests/eu/{id}"), None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!((opened.person.email.as_str(), opened.person.email_verified), ("ada@example.com", true));
    assert!(opened.can_extend);
    assert_eq!(
        kinds(&mine(&app, &ada).await[0]),
        [(RequestActor::Person, RequestEventKind::Filed), (RequestActor::Staff, RequestEventKind::Viewed)]
    );

    // The person adds information.
    let res = ada
        .send(
            &app,
            Method::POST,
            &format!("/api/privacy/requests/{id}/information"),
            Some(json!({"text": "Also the newsletter."})),
        )
        .await;
    let added: RightsRequest = json_of(res, StatusCode::OK).await;
    assert_eq!(added.timeline.last().unwrap().text.as_deref(), Some("Also the newsletter."));

    // Extended once, by two months from the first due date, with the reason mailed.
    let extended: StaffRequest = json_of(
        decide(&app, &staff, "eu", &id, "extend", "We are checking every system.").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(extended.request.status, RequestStatus::Extended);
    assert_eq!(unix(&extended.request.due_at), rule.extended(unix(&filed.due_at)).unwrap());
    assert!(!extended.can_extend);
    let mail = app.latest_mail("ada@example.com").await;
    assert_eq!(mail.subject, "Your request will take longer");
    assert!(
        mail.text.contains("We are checking every system.")
            && mail.text.contains(&extended.request.due_at[..10])
    );
    assert_eq!(decide(&app, &staff, "eu", &id, "extend", "Again.").await.status(), StatusCode::CONFLICT);

    // Fulfilled: the person is told, and a closed request takes nothing more.
    let done: StaffRequest = json_of(
        decide(&app, &staff, "eu", &id, "fulfil", "Only the cameras use your data now.").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(done.request.status, RequestStatus::Fulfilled);
    assert_eq!(app.latest_mail("ada@example.com").await.subject, "Your request is done");
    let res = ada
        .send(
            &app,
            Method::POST,
            &format!("/api/privacy/requests/{id}/information"),
            Some(json!({"text": "x"})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert_eq!(
        ada.send(&app, Method::POST, &format!("/api/privacy/requests/{id}/withdraw"), None).await.status(),
        StatusCode::CONFLICT
    );
    assert_eq!(decide(&app, &staff, "eu", &id, "refuse", "No.").await.status(), StatusCode::CONFLICT);
    let seen = &mine(&app, &ada).await[0];
    assert_eq!(
        kinds(seen),
        [
            (RequestActor::Person, RequestEventKind::Filed),
            (RequestActor::Staff, RequestEventKind::Viewed),
            (RequestActor::Person, RequestEventKind::Information),
            (RequestActor::Staff, RequestEventKind::Extended),
            (RequestActor::Staff, RequestEventKind::Fulfilled),
        ]
    );
    assert_eq!(seen.timeline[4].text.as_deref(), Some("Only the cameras use your data now."));

    // Refused with reasons and the right to complain; China allows no extension.
    let lin = app.person("lin@example.com", "cn").await;
    let asked = file(&app, &lin, "rectification", "My birth date is wrong.").await;
    let cn = app.state.requests.deadlines.rule(Region::Cn);
    assert_eq!(unix(&asked.due_at), cn.due(unix(&asked.filed_at)));
    let res = decide(&app, &staff, "cn", &asked.id, "extend", "We need time.").await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let refused: StaffRequest = json_of(
        decide(&app, &staff, "cn", &asked.id, "refuse", "We could not verify the new date.").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(refused.request.status, RequestStatus::Refused);
    let mail = app.latest_mail("lin@example.com").await;
    assert_eq!(mail.subject, "Your request was refused");
    assert!(
        mail.text.contains("We could not verify the new date.") && mail.text.contains("complain"),
        "{}",
        mail.text
    );
    // The right to complain names the authority of the person's region and how to reach it.
    let cn_authority = app.state.requests.authorities.of(Region::Cn);
    assert!(mail.text.contains(&cn_authority.url), "{}", mail.text);
    let list: RequestList =
        json_of(lin.send(&app, Method::GET, "/api/privacy/requests", None).await, StatusCode::OK).await;
    assert_eq!(&list.authority, cn_authority);
    assert!(list.authority.name.zh.contains("12377"));

    // Withdrawn by the person: the staff can no longer decide it.
    let other = file(&app, &ada, "objection", "I object to analytics.").await;
    let res =
        ada.send(&app, Method::POST, &format!("/api/privacy/requests/{}/withdraw", other.id), None).await;
    assert_eq!(json_of::<RightsRequest>(res, StatusCode::OK).await.status, RequestStatus::Withdrawn);
    assert_eq!(decide(&app, &staff, "eu", &other.id, "fulfil", "Done.").await.status(), StatusCode::CONFLICT);
}

async fn the_queue_sorts_by_due_date_filters_counts_and_shows_what_is_overdue(backend: Backend) {
    let Some(app) = api_with_staff(backend).await else { return };
    let staff = app.staff().await;
    // Nothing filed: the queue is empty, and scanning it made no store for regions nobody
    // lives in.
    let empty = queue(&app, &staff, "").await;
    assert!(empty.items.is_empty());
    if backend == Backend::Sqlite {
        assert!(!app.store.region_sqlite_path(Region::Sg).exists(), "the queue created a store");
    }
    let lee = app.person("lee@example.com", "us").await;
    let ada = app.person("ada@example.com", "eu").await;
    // California's 45 days come after the EU's month, whatever the filing order.
    let access = file(&app, &lee, "access", "What do you hold about me?").await;
    let erasure = file(&app, &ada, "erasure", "Delete everything.").await;
    let q = queue(&app, &staff, "").await;
    let ids: Vec<&str> = q.items.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, [erasure.id.as_str(), access.id.as_str()]);
    assert_eq!((q.items[0].region, q.items[1].region), (Region::Eu, Region::Us));
    assert_eq!((q.counts.open, q.counts.overdue), (2, 0));
    assert_eq!(queue(&app, &staff, "?kind=access").await.items.len(), 1);
    assert_eq!(queue(&app, &staff, "?region=eu").await.items[0].id, erasure.id);
    assert_eq!(queue(&app, &staff, "?limit=1").await.items.len(), 1);
    let fulfilled = queue(&app, &staff, "?status=fulfilled").await;
    assert!(fulfilled.items.is_empty());
    assert_eq!(fulfilled.counts.open, 2, "the counts are what each status would show");
    let res =
        staff.send(&app, Method::GET, "/api/staff/requests?kind=nope&overdue=maybe&limit=0", None).await;
    let err: ApiError = json_of(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    let named: Vec<&str> = err.fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(named, ["kind", "overdue", "limit"]);

    // A second past the EU's due date: overdue there, not yet in California; and too late
    // to extend.
    app.state.requests.clock.set(unix(&erasure.due_at) + 1);
    let late = queue(&app, &staff, "?overdue=true").await;
    assert_eq!(
        late.items.iter().map(|i| (i.id.as_str(), i.overdue)).collect::<Vec<_>>(),
        [(erasure.id.as_str(), true)]
    );
    assert_eq!(late.counts.overdue, 1);
    assert!(!queue(&app, &staff, "").await.items[1].overdue);
    let res = decide(&app, &staff, "eu", &erasure.id, "extend", "Too late.").await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    // One second before its own due date, California's can still be extended.
    app.state.requests.clock.set(unix(&access.due_at) - 1);
    let res = decide(&app, &staff, "us", &access.id, "extend", "Many systems to search.").await;
    let extended: StaffRequest = json_of(res, StatusCode::OK).await;
    assert_eq!(unix(&extended.request.due_at) - unix(&access.due_at), 45 * 86_400);
}

async fn consents(app: &TestApp, b: &Browser) -> ConsentOverview {
    json_of(b.send(app, Method::GET, "/api/privacy/consents", None).await, StatusCode::OK).await
}

fn is_on(o: &ConsentOverview, id: &str) -> bool {
    o.purposes.iter().any(|p| p.purpose.id == id && p.active)
}

async fn a_fulfilled_restriction_stops_every_purpose_that_is_not_strictly_necessary(backend: Backend) {
    let Some(app) = api_with_staff(backend).await else { return };
    // Ada's cookie jar takes the banner's cookie too.
    let jarred = app.person_with_jar("ada@example.com").await;
    let ada = &jarred.0;
    let grace = app.person("grace@example.com", "eu").await;
    let staff = app.staff().await;
    for b in [ada, &grace] {
        assert_eq!(set_consent(&app, b, "marketing_mail", true).await.status(), StatusCode::OK);
    }
    let before = consents(&app, ada).await;
    assert!(is_on(&before, "marketing_mail") && is_on(&before, "service_improvement"));
    assert_eq!(before.restricted_since, None);

    // Filed, but not yet carried out: nothing changes.
    let r = file(&app, ada, "restriction", "Use my data only to run my cameras.").await;
    assert!(is_on(&consents(&app, ada).await, "marketing_mail"));
    let res = decide(&app, &staff, "eu", &r.id, "fulfil", "Restricted as you asked.").await;
    let _: StaffRequest = json_of(res, StatusCode::OK).await;

    // Every purpose she could switch off is off, in her ledger, by the restriction; what the
    // account strictly needs stays; Grace is untouched.
    let after = consents(&app, ada).await;
    assert!(after.restricted_since.is_some());
    for p in &after.purposes {
        assert_eq!(p.active, !p.choosable, "{}: only what cannot be switched off stays on", p.purpose.id);
    }
    let ledger: Vec<LedgerEntry> =
        json_of(ada.send(&app, Method::GET, "/api/privacy/ledger", None).await, StatusCode::OK).await;
    let by_restriction: Vec<(&str, ConsentAction)> = ledger
        .iter()
        .filter(|e| e.method == ConsentMethod::Restriction)
        .map(|e| (e.purpose.as_str(), e.action))
        .collect();
    assert!(by_restriction.contains(&("marketing_mail", ConsentAction::Withdrawn)), "{by_restriction:?}");
    assert!(by_restriction.contains(&("service_improvement", ConsentAction::Objected)), "{by_restriction:?}");
    let verified: Value =
        json_of(ada.send(&app, Method::GET, "/api/privacy/ledger/verify", None).await, StatusCode::OK).await;
    assert_eq!(verified["intact"], true, "{verified}");
    assert!(is_on(&consents(&app, &grace).await, "marketing_mail"));
    let mail = app.latest_mail("ada@example.com").await;
    assert!(mail.text.contains("uses it only for what your account strictly needs"), "{}", mail.text);

    // Nothing can be switched back on, neither in the privacy center nor by the banner.
    let res = set_consent(&app, ada, "marketing_mail", true).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let o = cookie_sync(&app, &jarred, "1111", false).await;
    assert!(o.purposes.iter().all(|p| p.active != p.choosable), "the banner switched nothing on");

    // And what is no longer sent: the staff's marketing mail reaches Grace only.
    let reached: ward_model::Reached = json_of(
        staff
            .send(
                &app,
                Method::POST,
                "/api/privacy/marketing",
                Some(json!({"subject": "News", "text": "Hello"})),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(reached.people, 1);
    assert_eq!(app.latest_mail("grace@example.com").await.subject, "News");
    assert_ne!(app.latest_mail("ada@example.com").await.subject, "News");

    // Lifted by the person: nothing is switched on for her, but she may switch it on again;
    // her timeline says so; a second lift finds nothing restricted.
    let lift = || ada.send(&app, Method::POST, "/api/privacy/restriction/lift", None);
    assert_eq!(lift().await.status(), StatusCode::NO_CONTENT);
    let o = consents(&app, ada).await;
    assert!(o.restricted_since.is_none() && !is_on(&o, "marketing_mail"));
    assert_eq!(set_consent(&app, ada, "marketing_mail", true).await.status(), StatusCode::OK);
    assert_eq!(lift().await.status(), StatusCode::CONFLICT);
    let mine = mine(&app, ada).await;
    let restriction = mine.iter().find(|r| r.kind == RequestKind::Restriction).unwrap();
    assert_eq!(restriction.timeline.last().unwrap().kind, RequestEventKind::Lifted);
}

async fn bad_input_is_answered_field_by_field_and_nothing_is_stored(backend: Backend) {
    let Some(app) = api_with_staff(backend).await else { return };
    let ada = app.person("ada@example.com", "eu").await;
    let staff = app.staff().await;
    let too_long = "x".repeat(4001);
    for (body, field, code) in [
        (json!({"kind": "erasure", "details": "   "}), "details", Some(FieldErrorCode::Required)),
        (json!({"kind": "erasure", "details": too_long}), "details", Some(FieldErrorCode::TooLong)),
        (json!({"kind": "everything", "details": "Hello"}), "kind", None),
        (json!({"details": "Hello"}), "kind", None),
    ] {
        let res = ada.send(&app, Method::POST, "/api/privacy/requests", Some(body.clone())).await;
        let err: ApiError = json_of(res, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(err.fields[0].field, field, "{body}");
        if let Some(code) = code {
            assert_eq!(err.fields[0].code, code, "{body}");
        }
    }
    assert!(mine(&app, &ada).await.is_empty(), "nothing half-written is stored");

    let r = file(&app, &ada, "complaint", "You mailed me twice.").await;
    let res = ada
        .send(
            &app,
            Method::POST,
            &format!("/api/privacy/requests/{}/information", r.id),
            Some(json!({"text": ""})),
        )
        .await;
    let err: ApiError = json_of(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(err.fields[0].field, "text");
    for body in [json!({"action": "fulfil", "text": " "}), json!({"action": "approve", "text": "Yes"})] {
        let res = staff
            .send(&app, Method::POST, &format!("/api/staff/requests/eu/{}/decision", r.id), Some(body))
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let res = staff.send(&app, Method::GET, &format!("/api/staff/requests/atlantis/{}", r.id), None).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(kinds(&mine(&app, &ada).await[0]), [(RequestActor::Person, RequestEventKind::Filed)]);

    // At most 20 waiting at once.
    for i in 1..20 {
        file(&app, &ada, "objection", &format!("Objection {i}")).await;
    }
    let res = ada
        .send(
            &app,
            Method::POST,
            "/api/privacy/requests",
            Some(json!({"kind": "access", "details": "One more"})),
        )
        .await;
    let err: ApiError = json_of(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(err.fields[0].code, FieldErrorCode::TooMany);
    assert_eq!(mine(&app, &ada).await.len(), 20);
}

async fn an_erasure_request_fulfilled_by_the_staff_deletes_the_account_as_the_person_would(backend: Backend) {
    let Some(app) = api_with_staff(backend).await else { return };
    let ada = app.person("ada@example.com", "eu").await;
    let staff = app.staff().await;
    let asked =
        file(&app, &ada, "erasure", "Please delete my account: I cannot sign in on my phone any more.").await;
    let ada_id = ada.info.account.id.clone();

    // Refused or extended first: nothing is deleted.
    let res = decide(&app, &staff, "eu", &asked.id, "extend", "We are checking it is you.").await;
    json_of::<StaffRequest>(res, StatusCode::OK).await;
    assert_eq!(ada.send(&app, Method::GET, "/api/session", None).await.status(), StatusCode::OK);

    // Fulfilled: the answer, then the same erasure as "Delete my account", with its receipt.
    let res = decide(&app, &staff, "eu", &asked.id, "fulfil", "Done: your account is deleted.").await;
    let done: StaffRequest = json_of(res, StatusCode::OK).await;
    assert_eq!(done.request.status, RequestStatus::Fulfilled);
    assert_eq!(app.latest_mail("ada@example.com").await.subject, "Your Ward account was deleted");
    assert!(app.latest_mail("ada@example.com").await.text.contains("DEL-"), "the receipt is in the mail");
    assert_eq!(ada.send(&app, Method::GET, "/api/session", None).await.status(), StatusCode::UNAUTHORIZED);
    assert!(app.state.person_key(&ada_id).await.unwrap().is_none(), "the key is destroyed");
    assert!(
        !crate::raw::stored_anywhere(&app, b"ada@example.com").await,
        "no store holds her address in the clear"
    );
    // The request went with the account; the staff's page for it is now 404.
    let res = staff.send(&app, Method::GET, &format!("/api/staff/requests/eu/{}", asked.id), None).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

async fn the_staff_are_reminded_once_of_each_due_date(backend: Backend) {
    let Some(app) = api_with_staff(backend).await else { return };
    let ada = app.person("ada@example.com", "eu").await;
    let asked = file(&app, &ada, "objection", "I object to the analytics.").await;
    let due = unix(&asked.due_at);
    let remind = |at: i64| ward_server::requests::remind(&app.state, at);
    let staff_mails = || async {
        let outbox = app.state.auth.mailer.outbox().unwrap();
        ward_server::mail::read_outbox(outbox, 100)
            .await
            .unwrap()
            .into_iter()
            .filter(|m| m.to == STAFF && m.subject == "A request is due soon")
            .collect::<Vec<_>>()
    };

    // Four days before: nothing yet. Within three days: one mail, naming no one.
    assert_eq!(remind(due - 4 * 86_400).await.unwrap(), 0);
    assert_eq!(remind(due - 2 * 86_400).await.unwrap(), 1);
    let mails = staff_mails().await;
    assert_eq!(mails.len(), 1);
    assert!(mails[0].text.contains(&asked.id) && mails[0].text.contains("eu store"), "{}", mails[0].text);
    // Her address and name, not "ada": a request id in hex may hold those three letters.
    let names_her =
        ["ada@example.com", "Ada Lovelace", "analytics"].iter().any(|w| mails[0].text.contains(w));
    assert!(!names_her, "{}", mails[0].text);
    // Once per due date: again nothing, overdue or not.
    assert_eq!(remind(due - 86_400).await.unwrap(), 0);
    assert_eq!(remind(due + 86_400).await.unwrap(), 0);

    // An extension is a new due date, reminded of in its turn; a closed request never.
    app.state.requests.clock.set(due - 86_400);
    let staff = app.staff().await;
    let res = decide(&app, &staff, "eu", &asked.id, "extend", "We are asking the analytics vendor.").await;
    let extended: StaffRequest = json_of(res, StatusCode::OK).await;
    let new_due = unix(&extended.request.due_at);
    assert_eq!(remind(due).await.unwrap(), 0);
    assert_eq!(remind(new_due - 86_400).await.unwrap(), 1);
    let other = file(&app, &ada, "complaint", "You mailed me twice.").await;
    let res =
        ada.send(&app, Method::POST, &format!("/api/privacy/requests/{}/withdraw", other.id), None).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(remind(unix(&other.due_at)).await.unwrap(), 0);
    assert_eq!(staff_mails().await.len(), 2);
}

async fn staff_notes_stay_with_the_staff_and_a_due_date_only_comes_forward(backend: Backend) {
    let Some(app) = api_with_staff(backend).await else { return };
    let ada = app.person("ada@example.com", "eu").await;
    let staff = app.staff().await;
    let asked = file(&app, &ada, "rectification", "My birth date is 1990-04-25, not 1990-05-24.").await;
    let path = |what: &str| format!("/api/staff/requests/eu/{}/{what}", asked.id);

    // A note: on the staff's timeline, never on the person's; only the staff write them.
    let res = staff
        .send(&app, Method::POST, &path("notes"), Some(json!({"text": "Checked the ID: matches."})))
        .await;
    let noted: StaffRequest = json_of(res, StatusCode::OK).await;
    let last = noted.request.timeline.last().unwrap();
    assert_eq!((last.kind, last.text.as_deref()), (RequestEventKind::Note, Some("Checked the ID: matches.")));
    assert!(mine(&app, &ada).await[0].timeline.iter().all(|e| e.kind != RequestEventKind::Note));
    let res = ada.send(&app, Method::POST, &path("notes"), Some(json!({"text": "x"}))).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = staff.send(&app, Method::POST, &path("notes"), Some(json!({"text": "  "}))).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // A due date comes forward, never back, never into the past; the person is told why.
    let due = unix(&asked.due_at);
    let at = |t: i64| {
        time::OffsetDateTime::from_unix_timestamp(t)
            .unwrap()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    };
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    for (when, why) in [(due + 86_400, "later"), (now - 60, "past")] {
        let res = staff
            .send(&app, Method::POST, &path("due"), Some(json!({"due_at": at(when), "text": "x"})))
            .await;
        let err: ApiError = json_of(res, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(err.fields[0].field, "due_at", "{why}");
    }
    let res =
        staff.send(&app, Method::POST, &path("due"), Some(json!({"due_at": "soon", "text": "x"}))).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(unix(&mine(&app, &ada).await[0].due_at), due, "nothing moved");
    let sooner = due - 10 * 86_400;
    let res = staff
        .send(
            &app,
            Method::POST,
            &path("due"),
            Some(json!({"due_at": at(sooner), "text": "A simple correction."})),
        )
        .await;
    let tightened: StaffRequest = json_of(res, StatusCode::OK).await;
    assert_eq!(unix(&tightened.request.due_at), sooner);
    assert_eq!(tightened.request.status, RequestStatus::Open);
    let seen = &mine(&app, &ada).await[0];
    assert_eq!(seen.timeline.last().unwrap().kind, RequestEventKind::Tightened);
    let mail = app.latest_mail("ada@example.com").await;
    assert_eq!(mail.subject, "We will answer your request sooner");
    assert!(mail.text.contains("A simple correction."));

    // Closed: no new due date; notes still.
    let res = decide(&app, &staff, "eu", &asked.id, "fulfil", "Corrected.").await;
    json_of::<StaffRequest>(res, StatusCode::OK).await;
    let res = staff
        .send(&app, Method::POST, &path("due"), Some(json!({"due_at": at(sooner - 86_400), "text": "x"})))
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let res =
        staff.send(&app, Method::POST, &path("notes"), Some(json!({"text": "Closed after the call."}))).await;
    assert_eq!(res.status(), StatusCode::OK);
}

async fn an_access_request_fulfilled_by_the_staff_builds_the_persons_archive(backend: Backend) {
    let Some(app) = api_with_staff(backend).await else { return };
    let ada = app.person("ada@example.com", "eu").await;
    let staff = app.staff().await;
    let asked = file(&app, &ada, "access", "A copy of everything you hold about me, please.").await;
    let res = ada.send(&app, Method::GET, "/api/privacy/exports/current", None).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND, "no archive before the answer");
    let res = decide(&app, &staff, "eu", &asked.id, "fulfil", "Your archive is on its way.").await;
    json_of::<StaffRequest>(res, StatusCode::OK).await;
    // The same archive as "Download my data": built, and hers to download.
    let ready = app.ready_export(&ada).await;
    let url = ready.download_url.expect("a ready archive has its link");
    assert_eq!(ada.send(&app, Method::GET, &url, None).await.status(), StatusCode::OK);
    assert_eq!(staff.send(&app, Method::GET, &url, None).await.status(), StatusCode::NOT_FOUND, "hers only");
}

/// A new code for `email`, as a minute after the last one (one code a minute per address).
async fn fresh_code(app: &TestApp, email: &str) -> String {
    let hash = app.state.auth.email_hash(email);
    app.state.auth.limits.clear(&format!("mail-minute:request:{}", hex::encode(hash))).await.unwrap();
    let res = anonymous(app, "/api/requests/code", json!({"email": email})).await;
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    app.code_for(email).await
}

/// An id no request has.
fn hers_not_yet() -> String {
    uuid::Uuid::new_v4().to_string()
}

async fn anonymous(app: &TestApp, path: &str, body: Value) -> reqwest::Response {
    reqwest::Client::new().post(app.at(path)).json(&body).send().await.unwrap()
}

fn public_request(email: &str, code: &str, region: &str, kind: &str) -> Value {
    json!({"email": email, "code": code, "name": "Lin Ma", "region": region, "kind": kind,
        "details": "I deleted my account last year: do you still hold pictures of my front door?"})
}

async fn a_request_filed_without_signing_in_is_proved_by_a_mailed_code_and_says_nothing_of_accounts(
    backend: Backend,
) {
    let Some(app) = api_with_staff(backend).await else { return };
    let ada = app.person("ada@example.com", "eu").await;
    let staff = app.staff().await;

    // A code for an address with an account and for one without: the same answer, the same
    // mail, the same limit.
    for email in ["ada@example.com", "lin@example.com"] {
        let res = anonymous(&app, "/api/requests/code", json!({"email": email})).await;
        assert_eq!(res.status(), StatusCode::ACCEPTED, "{email}");
        assert_eq!(app.latest_mail(email).await.subject, "Your code for a privacy request");
        let again = anonymous(&app, "/api/requests/code", json!({"email": email})).await;
        assert_eq!(again.status(), StatusCode::TOO_MANY_REQUESTS, "{email}");
    }
    let res = anonymous(&app, "/api/requests/code", json!({"email": "not an address"})).await;
    assert_eq!(json_of::<ApiError>(res, StatusCode::UNPROCESSABLE_ENTITY).await.fields[0].field, "email");

    // Bad input: every field named at once; a wrong code is a field error; nothing is stored.
    let res = anonymous(
        &app,
        "/api/requests/public",
        json!({"email": "lin@", "code": "12", "name": " ", "region": null, "kind": "objection", "details": ""}),
    )
    .await;
    let err: ApiError = json_of(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    let mut named: Vec<&str> = err.fields.iter().map(|f| f.field.as_str()).collect();
    named.sort_unstable();
    assert_eq!(named, ["code", "details", "email", "name", "region"]);
    let lin_code = app.code_for("lin@example.com").await;
    let wrong = if lin_code == "000000" { "111111" } else { "000000" };
    let res =
        anonymous(&app, "/api/requests/public", public_request("lin@example.com", wrong, "us", "objection"))
            .await;
    let err: ApiError = json_of(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!((err.fields[0].field.as_str(), err.fields[0].code), ("code", FieldErrorCode::Wrong));
    let res = anonymous(&app, "/api/requests/public", json!({"email": "lin@example.com"})).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "a body without its fields is refused");
    assert_eq!(queue(&app, &staff, "").await.items.len(), 0, "nothing half-written is stored");

    // Without an account: filed in the region the person lives in, by its law, with a receipt
    // that says how to follow it without an account. The code works once.
    let res = anonymous(
        &app,
        "/api/requests/public",
        public_request("lin@example.com", &lin_code, "us", "objection"),
    )
    .await;
    let filed: RightsRequest = json_of(res, StatusCode::CREATED).await;
    let rule = app.state.requests.deadlines.rule(Region::Us);
    assert_eq!(unix(&filed.due_at), rule.due(unix(&filed.filed_at)));
    let receipt = app.latest_mail("lin@example.com").await;
    assert_eq!(receipt.subject, "We received your request");
    let link = format!("/requests/ask?request={}", filed.id);
    assert!(receipt.text.contains(&link), "the receipt says where to add information: {}", receipt.text);
    let res = anonymous(
        &app,
        "/api/requests/public",
        public_request("lin@example.com", &lin_code, "us", "objection"),
    )
    .await;
    assert_eq!(json_of::<ApiError>(res, StatusCode::UNPROCESSABLE_ENTITY).await.fields[0].field, "code");
    assert!(
        !crate::raw::stored_anywhere(&app, b"lin@example.com").await,
        "the address is sealed like an account's"
    );

    // The staff see who asked and that no account is behind it, and answer by mail.
    let q = queue(&app, &staff, "").await;
    assert_eq!((q.items.len(), q.items[0].region), (1, Region::Us));
    let opened: StaffRequest = json_of(
        staff.send(&app, Method::GET, &format!("/api/staff/requests/us/{}", filed.id), None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(opened.person.email, "lin@example.com");
    assert_eq!(opened.person.name, "Lin Ma");
    assert_eq!(opened.person.account_since, None);

    // The staff ask for more; the person answers through the mail's link, with a new code.
    let res = staff
        .send(
            &app,
            Method::POST,
            &format!("/api/staff/requests/us/{}/ask", filed.id),
            Some(json!({"text": "When did you delete your account?"})),
        )
        .await;
    let asked: StaffRequest = json_of(res, StatusCode::OK).await;
    assert_eq!(asked.request.timeline.last().map(|e| e.kind), Some(RequestEventKind::Asked));
    let mail = app.latest_mail("lin@example.com").await;
    assert_eq!(mail.subject, "We need more to answer your request");
    assert!(
        mail.text.contains("When did you delete your account?") && mail.text.contains(&link),
        "{}",
        mail.text
    );
    let info = |code: &str, request: &str, text: &str| json!({"email": "lin@example.com", "code": code, "request": request, "text": text});
    let res = anonymous(&app, "/api/requests/public/information", info("12", &filed.id, " ")).await;
    let err: ApiError = json_of(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(err.fields.len(), 2, "the code and the text: {err:?}");
    let code = fresh_code(&app, "lin@example.com").await;
    let res = anonymous(&app, "/api/requests/public/information", info(&code, &hers_not_yet(), "x")).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND, "not a request of this address's");
    let code = fresh_code(&app, "lin@example.com").await;
    let res =
        anonymous(&app, "/api/requests/public/information", info(&code, &filed.id, "In March 2025.")).await;
    let added: RightsRequest = json_of(res, StatusCode::OK).await;
    let last = added.timeline.last().unwrap();
    assert_eq!((last.kind, last.text.as_deref()), (RequestEventKind::Information, Some("In March 2025.")));

    let res = decide(&app, &staff, "us", &filed.id, "fulfil", "We hold nothing of yours any more.").await;
    assert_eq!(json_of::<StaffRequest>(res, StatusCode::OK).await.request.status, RequestStatus::Fulfilled);
    let answer = app.latest_mail("lin@example.com").await;
    assert_eq!(answer.subject, "Your request is done");
    assert!(answer.text.contains("We hold nothing of yours any more."));

    // With an account: the request is the account's, under its home region's law whatever
    // region was chosen, in its list and its activity.
    let ada_code = app.code_for("ada@example.com").await;
    let res = anonymous(
        &app,
        "/api/requests/public",
        public_request("ada@example.com", &ada_code, "us", "erasure"),
    )
    .await;
    let hers: RightsRequest = json_of(res, StatusCode::CREATED).await;
    let eu = app.state.requests.deadlines.rule(Region::Eu);
    assert_eq!(unix(&hers.due_at), eu.due(unix(&hers.filed_at)));
    assert_eq!(mine(&app, &ada).await[0].id, hers.id);
    let activity: Vec<ward_model::ActivityEntry> =
        json_of(ada.send(&app, Method::GET, "/api/account/activity", None).await, StatusCode::OK).await;
    assert_eq!(activity[0].kind, "request_filed");
    let opened: StaffRequest = json_of(
        staff.send(&app, Method::GET, &format!("/api/staff/requests/eu/{}", hers.id), None).await,
        StatusCode::OK,
    )
    .await;
    assert!(opened.person.account_since.is_some());

    // Three years after the last answer, the requester goes with their requests and key.
    let us = app.state.stores.region(Region::Us).await.unwrap().clone();
    let now = app.state.requests.clock.now();
    let directory = &app.state.stores.directory;
    assert_eq!(ward_server::requests::public::purge(directory, &us, now).await.unwrap(), 0, "not yet");
    let later = now + 3 * 365 * 86_400 + 86_400;
    assert_eq!(ward_server::requests::public::purge(directory, &us, later).await.unwrap(), 1);
    let res = staff.send(&app, Method::GET, &format!("/api/staff/requests/us/{}", filed.id), None).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(queue(&app, &staff, "").await.items.len(), 1, "Ada's request stays with her account");
}

async fn a_rectification_corrects_the_birth_date_and_moves_the_home_region_leaving_nothing_behind(
    backend: Backend,
) {
    let Some(app) = api_with_staff(backend).await else { return };
    let ada = app.person("ada@example.com", "eu").await;
    let staff = app.staff().await;
    let ada_id = ada.info.account.id.clone();
    let asked =
        file(&app, &ada, "rectification", "I live in the United States now; I was born on 1990-04-26.").await;
    let complaint = file(&app, &ada, "complaint", "You mailed me twice.").await;
    let correct = |region: &'static str, id: String, body: Value| {
        let staff = &staff;
        let app = &app;
        async move {
            staff
                .send(app, Method::POST, &format!("/api/staff/requests/{region}/{id}/correct"), Some(body))
                .await
        }
    };

    // The date of birth: checked like a sign-up's (one below the region's minimum age flags
    // the account as a child's: `guardians.rs`).
    for (date, code) in [("26/04/1990", FieldErrorCode::Malformed), ("2999-01-01", FieldErrorCode::Future)] {
        let res = correct("eu", asked.id.clone(), json!({"what": "birth_date", "birth_date": date})).await;
        let err: ApiError = json_of(res, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!((err.fields[0].field.as_str(), err.fields[0].code), ("birth_date", code), "{date}");
    }
    let res =
        correct("eu", complaint.id.clone(), json!({"what": "birth_date", "birth_date": "1990-04-26"})).await;
    assert_eq!(res.status(), StatusCode::CONFLICT, "only a rectification request corrects");
    let res = ada
        .send(
            &app,
            Method::POST,
            &format!("/api/staff/requests/eu/{}/correct", asked.id),
            Some(json!({"what": "birth_date", "birth_date": "1990-04-26"})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "the person cannot correct it themselves");
    let res =
        correct("eu", asked.id.clone(), json!({"what": "birth_date", "birth_date": "1990-04-26"})).await;
    json_of::<StaffRequest>(res, StatusCode::OK).await;
    let me = json_of::<ward_model::SessionInfo>(
        ada.send(&app, Method::GET, "/api/session", None).await,
        StatusCode::OK,
    )
    .await
    .account;
    assert_eq!(me.birth_date, "1990-04-26");

    // The home region: not without the person's consent to transfers, nor to where they are.
    let move_to = |r: &str| json!({"what": "home_region", "region": r});
    let res = correct("eu", asked.id.clone(), move_to("us")).await;
    let err: ApiError = json_of(res, StatusCode::CONFLICT).await;
    assert!(err.message.contains("Transfer outside your home region"), "{}", err.message);
    assert_eq!(set_consent(&app, &ada, "cross_border_transfer", true).await.status(), StatusCode::OK);
    assert_eq!(correct("eu", asked.id.clone(), move_to("eu")).await.status(), StatusCode::CONFLICT);
    let before: ward_model::LedgerVerification =
        json_of(ada.send(&app, Method::GET, "/api/privacy/ledger/verify", None).await, StatusCode::OK).await;

    let res = correct("eu", asked.id.clone(), move_to("us")).await;
    let moved: StaffRequest = json_of(res, StatusCode::OK).await;
    assert_eq!(moved.region, Region::Us);
    assert_eq!(
        moved.request.timeline.iter().filter(|e| e.kind == RequestEventKind::Corrected).count(),
        2,
        "both corrections are on the timeline"
    );
    assert_eq!(app.latest_mail("ada@example.com").await.subject, "Your data moved to another region");

    // Nothing about her is left in the old store; she is whole in the new one.
    for (table, _) in ward_server::store::RELOCATION {
        let subject = ward_server::registry::subject_column(table);
        assert_eq!(crate::raw::count_where(&app, "region-eu", table, subject, &ada_id).await, 0, "{table}");
    }
    assert_eq!(crate::raw::count_where(&app, "region-us", "people", "id", &ada_id).await, 1);
    assert_eq!(ada.send(&app, Method::GET, "/api/session", None).await.status(), StatusCode::UNAUTHORIZED);
    let ada = app.sign_in("ada@example.com", PASSWORD, None).await.expect("signs in where she lives now");
    let me = json_of::<ward_model::SessionInfo>(
        ada.send(&app, Method::GET, "/api/session", None).await,
        StatusCode::OK,
    )
    .await
    .account;
    assert_eq!((me.region, me.birth_date.as_str()), (Region::Us, "1990-04-26"));
    let hers = mine(&app, &ada).await;
    assert_eq!(hers.len(), 2, "her requests came with her");
    let after: ward_model::LedgerVerification =
        json_of(ada.send(&app, Method::GET, "/api/privacy/ledger/verify", None).await, StatusCode::OK).await;
    assert!(after.intact, "the consent ledger is whole: {after:?}");
    assert_eq!(after.records, before.records);
    let access: ward_model::AccessLog =
        json_of(ada.send(&app, Method::GET, "/api/privacy/access", None).await, StatusCode::OK).await;
    assert!(access.verification.intact && !access.entries.is_empty(), "{access:?}");
    let res = staff.send(&app, Method::GET, &format!("/api/staff/requests/eu/{}", asked.id), None).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = staff.send(&app, Method::GET, &format!("/api/staff/requests/us/{}", asked.id), None).await;
    assert_eq!(res.status(), StatusCode::OK);

    // Someone with a camera does not move: the camera stays where it was claimed.
    let grace = app.person("grace@example.com", "eu").await;
    let camera = app.camera().await;
    app.claimed(&grace, &camera).await;
    assert_eq!(set_consent(&app, &grace, "cross_border_transfer", true).await.status(), StatusCode::OK);
    let hers = file(&app, &grace, "rectification", "Move me to Singapore.").await;
    let err: ApiError =
        json_of(correct("eu", hers.id.clone(), move_to("sg")).await, StatusCode::CONFLICT).await;
    assert!(err.message.contains("cameras"), "{}", err.message);
    assert_eq!(crate::raw::count_where(&app, "region-eu", "people", "id", &grace.info.account.id).await, 1);
}
