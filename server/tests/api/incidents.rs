//! Breach notices on both backends: the staff record an incident whose query (home regions,
//! a time window, a feature) chooses the people concerned; exactly those are told, by mail
//! and by a notice they see; the 72-hour clock, the authority's notification and the report;
//! only the staff act; bad input is answered field by field and nothing is stored.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use ward_model::{
    ApiError, Incident, IncidentFeature, IncidentList, NoticeList, Region, ServiceNotice, ServiceNoticeList,
};

use crate::both_backends;
use crate::fixtures::{Browser, api_with_staff, app_with_staff, json_of, motion_alarm};
use crate::helpers::{Backend, TestApp};

both_backends!(
    backend: a_notice_reaches_exactly_the_people_the_query_chooses,
    bad_input_is_answered_field_by_field_and_nothing_is_stored,
    a_service_notice_is_on_every_page_for_everyone_until_withdrawn,
);

const SUBJECT: &str = "A security incident concerns your data";

fn at(offset: i64) -> String {
    let t = time::OffsetDateTime::now_utc() + time::Duration::seconds(offset);
    t.format(&time::format_description::well_known::Rfc3339).unwrap()
}

fn unix(rfc3339: &str) -> i64 {
    time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
        .unwrap()
        .unix_timestamp()
}

fn incident(title: &str, regions: &[&str], feature: &str) -> Value {
    json!({
        "title": title,
        "description": "A misconfigured backup exposed these records for an hour. Change nothing; we fixed it.",
        "categories": ["devices", "contact"],
        "regions": regions,
        "feature": feature,
        "window_from": at(-3600),
        "window_to": at(3600),
        "discovered_at": at(-60),
    })
}

async fn notices(app: &TestApp, b: &Browser) -> NoticeList {
    json_of(b.send(app, Method::GET, "/api/privacy/notices", None).await, StatusCode::OK).await
}

async fn a_notice_reaches_exactly_the_people_the_query_chooses(backend: Backend) {
    let Some(app) = api_with_staff(backend).await else { return };
    let staff = app.staff().await;
    // Ada's camera raised an alarm in the window; Grace (same region) has no camera; Lin
    // lives in another region.
    let ada = app.person("ada@example.com", "eu").await;
    let grace = app.person("grace@example.com", "eu").await;
    let lin = app.person("lin@example.com", "us").await;
    let (mut agent, _) = app.bound_camera(&ada).await;
    motion_alarm(&app, &mut agent, &ada).await;

    // Recorded: counted, the clock running, nobody told yet.
    let res = staff
        .send(&app, Method::POST, "/api/staff/incidents", Some(incident("Backup exposed", &["eu"], "alarms")))
        .await;
    let recorded: Incident = json_of(res, StatusCode::CREATED).await;
    assert_eq!(
        (recorded.affected, recorded.feature, recorded.regions.clone()),
        (1, IncidentFeature::Alarms, vec![Region::Eu])
    );
    assert_eq!(unix(&recorded.authority_due_at), unix(&recorded.discovered_at) + 72 * 3600);
    assert_eq!(
        (recorded.people_notified_at.as_deref(), recorded.authority_notified_at.as_deref()),
        (None, None)
    );
    assert!(notices(&app, &ada).await.breaches.is_empty());

    // Only the staff act; someone else's id or none is 404.
    let id = recorded.id.clone();
    for (method, path) in [
        (Method::GET, "/api/staff/incidents".to_string()),
        (Method::POST, format!("/api/staff/incidents/{id}/notify")),
        (Method::POST, format!("/api/staff/incidents/{id}/authority")),
        (Method::GET, format!("/api/staff/incidents/{id}/report")),
    ] {
        assert_eq!(ada.send(&app, method, &path, None).await.status(), StatusCode::FORBIDDEN, "{path}");
    }
    let res = staff.send(&app, Method::POST, "/api/staff/incidents/no-such-id/notify", None).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    // Notified: Ada by mail and in her notices; Grace and Lin not at all; once only.
    let res = staff.send(&app, Method::POST, &format!("/api/staff/incidents/{id}/notify"), None).await;
    let done: Incident = json_of(res, StatusCode::OK).await;
    assert!(done.people_notified_at.is_some());
    assert_eq!(done.affected, 1);
    let mail = app.latest_mail("ada@example.com").await;
    assert_eq!(mail.subject, SUBJECT);
    assert!(
        mail.text.contains("Backup exposed") && mail.text.contains("your cameras and their recordings"),
        "{}",
        mail.text
    );
    for email in ["grace@example.com", "lin@example.com"] {
        assert_ne!(app.latest_mail(email).await.subject, SUBJECT, "{email} is not concerned");
    }
    let seen = notices(&app, &ada).await.breaches;
    assert_eq!(seen.len(), 1);
    assert_eq!((seen[0].incident_id.as_str(), seen[0].title.as_str()), (id.as_str(), "Backup exposed"));
    assert!(notices(&app, &grace).await.breaches.is_empty() && notices(&app, &lin).await.breaches.is_empty());
    let res = staff.send(&app, Method::POST, &format!("/api/staff/incidents/{id}/notify"), None).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);

    // The authority: recorded once; the report says what art. 33(3) asks.
    let res = staff.send(&app, Method::POST, &format!("/api/staff/incidents/{id}/authority"), None).await;
    assert!(json_of::<Incident>(res, StatusCode::OK).await.authority_notified_at.is_some());
    let res = staff.send(&app, Method::POST, &format!("/api/staff/incidents/{id}/authority"), None).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let res = staff.send(&app, Method::GET, &format!("/api/staff/incidents/{id}/report"), None).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/markdown"));
    let report = res.text().await.unwrap();
    for part in ["Backup exposed", "Approximately 1 people", "how to reach you", &recorded.authority_due_at] {
        assert!(report.contains(part), "the report holds {part}:\n{report}");
    }

    // Another query: every account of the US store is Lin alone.
    let res = staff
        .send(&app, Method::POST, "/api/staff/incidents", Some(incident("Mail logs", &["us"], "accounts")))
        .await;
    let us: Incident = json_of(res, StatusCode::CREATED).await;
    assert_eq!(us.affected, 1);
    let res = staff.send(&app, Method::POST, &format!("/api/staff/incidents/{}/notify", us.id), None).await;
    json_of::<Incident>(res, StatusCode::OK).await;
    assert_eq!(notices(&app, &lin).await.breaches[0].title, "Mail logs");
    assert_eq!(notices(&app, &ada).await.breaches.len(), 1);
    let list: IncidentList =
        json_of(staff.send(&app, Method::GET, "/api/staff/incidents", None).await, StatusCode::OK).await;
    assert_eq!(list.incidents.len(), 2);
}

async fn bad_input_is_answered_field_by_field_and_nothing_is_stored(backend: Backend) {
    let Some(app) = api_with_staff(backend).await else { return };
    let staff = app.staff().await;
    let mut bad = incident("  ", &[], "alarms");
    bad["categories"] = json!([]);
    bad["window_from"] = json!(at(3600));
    bad["window_to"] = json!(at(-3600));
    bad["discovered_at"] = json!(at(86_400));
    let res = staff.send(&app, Method::POST, "/api/staff/incidents", Some(bad)).await;
    let err: ApiError = json_of(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    let mut fields: Vec<&str> = err.fields.iter().map(|f| f.field.as_str()).collect();
    fields.sort();
    assert_eq!(fields, ["categories", "discovered_at", "regions", "title", "window_to"]);
    let mut malformed = incident("T", &["eu"], "alarms");
    malformed["window_from"] = json!("yesterday");
    let res = staff.send(&app, Method::POST, "/api/staff/incidents", Some(malformed)).await;
    let err: ApiError = json_of(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(err.fields[0].field, "window_from");
    let mut unknown = incident("T", &["mars"], "alarms");
    unknown["feature"] = json!("everything");
    let res = staff.send(&app, Method::POST, "/api/staff/incidents", Some(unknown)).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let list: IncidentList =
        json_of(staff.send(&app, Method::GET, "/api/staff/incidents", None).await, StatusCode::OK).await;
    assert!(list.incidents.is_empty(), "nothing was stored");
}

async fn a_service_notice_is_on_every_page_for_everyone_until_withdrawn(backend: Backend) {
    let Some(app) = app_with_staff(backend).await else { return };
    let staff = app.staff().await;
    let ada = app.person("ada@example.com", "eu").await;
    let notice = |kind: &str, days: i64, zh: &str| {
        json!({
            "kind": kind,
            "title": {"en": "Doorbell calls end", "zh": zh},
            "body": {"en": "Doorbell call pictures stop being kept.", "zh": "门铃呼叫图片将不再保存。"},
            "effective_at": at(days * 86_400),
        })
    };
    let publish = |body: Value| staff.send(&app, Method::POST, "/api/staff/service-notices", Some(body));

    // A service's end needs 30 days' notice; both languages; a date to come.
    let err: ApiError =
        json_of(publish(notice("service_end", 10, "门铃呼叫结束")).await, StatusCode::UNPROCESSABLE_ENTITY)
            .await;
    assert_eq!(err.fields[0].field, "effective_at");
    let err: ApiError =
        json_of(publish(notice("change", 10, " ")).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(err.fields[0].field, "title_zh");
    let err: ApiError =
        json_of(publish(notice("change", -1, "变更")).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(err.fields[0].field, "effective_at");
    let res =
        ada.send(&app, Method::POST, "/api/staff/service-notices", Some(notice("change", 40, "变更"))).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let all: ServiceNoticeList =
        json_of(staff.send(&app, Method::GET, "/api/staff/service-notices", None).await, StatusCode::OK)
            .await;
    assert!(all.notices.is_empty(), "nothing was stored");

    // Published: in every page's first response and the public list, for anyone.
    let published: ServiceNotice =
        json_of(publish(notice("service_end", 40, "门铃呼叫结束")).await, StatusCode::CREATED).await;
    let anyone = crate::helpers::client();
    let list: ServiceNoticeList =
        json_of(anyone.get(app.at("/api/service-notices")).send().await.unwrap(), StatusCode::OK).await;
    assert_eq!(list.notices, std::slice::from_ref(&published));
    for path in ["/", "/signin", "/account/data"] {
        let page = anyone.get(app.at(path)).send().await.unwrap().text().await.unwrap();
        let strip = page.find("<aside class=\"sn\"").unwrap_or_else(|| panic!("{path} carries the notice"));
        assert!(page[strip..].contains("Doorbell calls end") && page[strip..].contains("门铃呼叫结束"));
        let body = page.find("<body>").unwrap();
        assert_eq!(
            strip,
            body + "<body>".len(),
            "first in the body of {path}, before the app and the banner"
        );
    }

    // Withdrawn: on no page any more; once.
    let id = published.id;
    let path = format!("/api/staff/service-notices/{id}/withdraw");
    let res = staff.send(&app, Method::POST, &path, None).await;
    assert!(json_of::<ServiceNotice>(res, StatusCode::OK).await.withdrawn_at.is_some());
    assert_eq!(staff.send(&app, Method::POST, &path, None).await.status(), StatusCode::CONFLICT);
    let res = staff.send(&app, Method::POST, "/api/staff/service-notices/nope/withdraw", None).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let page = anyone.get(app.at("/")).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("Doorbell calls end"));
    let list: ServiceNoticeList =
        json_of(anyone.get(app.at("/api/service-notices")).send().await.unwrap(), StatusCode::OK).await;
    assert!(list.notices.is_empty());
}
