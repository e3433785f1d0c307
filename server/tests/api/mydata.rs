//! "My data" in a person's words, on both backends: the person's own values (opened with
//! their key) under labels from `privacy/labels.json`, never a table or column name as a
//! label, secrets described without their bytes, the newest few of a long list with the
//! count, and never anyone else's data.

use reqwest::{Method, StatusCode};
use serde_json::json;
use ward_model::{DataHolding, HeldField, HeldValue, MyData};

use crate::both_backends;
use crate::fixtures::{Browser, sign_up_body};
use crate::helpers::TestApp;

both_backends!(
    my_data_shows_the_persons_own_values_in_words_and_no_one_elses,
    a_long_list_shows_the_newest_few_and_the_count,
);

/// Signs up (with a name, phone and birth date of one's own), verifies, signs in.
async fn person(app: &TestApp, email: &str, name: &str, phone: &str, birth: &str) -> Browser {
    let mut body = sign_up_body(email, "eu");
    body["name"] = json!(name);
    body["phone"] = json!(phone);
    body["birth_date"] = json!(birth);
    app.person_with(body).await
}

async fn my_data(app: &TestApp, b: &Browser) -> (MyData, String) {
    let res = b.send(app, Method::GET, "/api/privacy/my-data", None).await;
    assert_eq!(res.status(), StatusCode::OK);
    let text = res.text().await.unwrap();
    (serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}")), text)
}

fn holdings(d: &MyData) -> impl Iterator<Item = &DataHolding> {
    d.categories.iter().flat_map(|c| &c.holdings)
}

fn all_fields(d: &MyData) -> Vec<&HeldField> {
    holdings(d).flat_map(|h| h.fields.iter().chain(h.records.iter().flatten())).collect()
}

/// The value shown under the English label `label`, as text.
fn shown(d: &MyData, label: &str) -> Vec<String> {
    all_fields(d)
        .into_iter()
        .filter(|f| f.label.en == label)
        .map(|f| match &f.value {
            HeldValue::Text(t) | HeldValue::Time(t) => t.clone(),
            HeldValue::Number(n) => n.to_string(),
            HeldValue::YesNo(b) => b.to_string(),
            HeldValue::Words(w) => w.en.clone(),
        })
        .collect()
}

async fn my_data_shows_the_persons_own_values_in_words_and_no_one_elses(app: TestApp) {
    let olive = person(&app, "olive@example.com", "Olive Owner", "+44 20 7946 0001", "1984-02-29").await;
    let other = person(&app, "otto@example.com", "Otto Other", "+44 20 7946 0002", "1970-07-07").await;
    let cam = app.claimed(&olive, &app.camera().await).await;
    let res = olive
        .send(&app, Method::PATCH, &format!("/api/devices/{}", cam.id), Some(json!({"name": "Front door"})))
        .await;
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());
    let theirs = app.claimed(&other, &app.camera().await).await;
    let res = other
        .send(
            &app,
            Method::PATCH,
            &format!("/api/devices/{}", theirs.id),
            Some(json!({"name": "Otto's garage"})),
        )
        .await;
    assert!(res.status().is_success());

    let (d, text) = my_data(&app, &olive).await;
    assert_eq!(shown(&d, "Your name"), ["Olive Owner"]);
    assert_eq!(shown(&d, "Your email"), ["olive@example.com"]);
    assert_eq!(shown(&d, "Your phone"), ["+442079460001"]);
    assert_eq!(shown(&d, "Your date of birth"), ["1984-02-29"]);
    assert_eq!(shown(&d, "Camera name"), ["Front door"]);
    assert_eq!(shown(&d, "Email address verified"), ["true"]);
    // Sign-ins with browser and address; consent choices in words.
    assert!(
        shown(&d, "What happened").contains(&"Signed in".to_string()),
        "{:?}",
        shown(&d, "What happened")
    );
    assert!(!shown(&d, "From the network address").is_empty());
    assert!(shown(&d, "About").contains(&"The privacy policy".to_string()));
    assert!(shown(&d, "Your choice").contains(&"Agreed".to_string()));
    // Secrets are named as what they are, never sent.
    let password = shown(&d, "Your password");
    assert_eq!(password.len(), 1);
    assert!(password[0].contains("one-way fingerprint"), "{password:?}");
    assert!(!text.contains("$argon2"), "no password hash in the answer");
    // Every label is words in both languages, never a table or column name.
    let names: Vec<&str> = ward_server::registry::COLUMNS.iter().flat_map(|c| [c.table, c.column]).collect();
    for h in holdings(&d) {
        assert!(!h.title.en.is_empty() && !h.title.zh.is_empty());
        assert!(!names.contains(&h.title.en.as_str()), "title {}", h.title.en);
    }
    for f in all_fields(&d) {
        assert!(!f.label.en.is_empty() && !f.label.zh.is_empty(), "{:?}", f.label);
        for l in [&f.label.en, &f.label.zh] {
            assert!(!names.contains(&l.as_str()) && !l.contains('_'), "a column name as a label: {l}");
        }
    }
    // Nothing of the other person, whose data sits in the same store.
    for theirs in ["Otto", "otto@example.com", "+442079460002", "1970-07-07", "garage"] {
        assert!(!text.contains(theirs), "{theirs} appears in Olive's data");
    }
    let (d, text) = my_data(&app, &other).await;
    assert_eq!(shown(&d, "Your name"), ["Otto Other"]);
    assert!(!text.contains("Olive") && !text.contains("Front door"));
}

async fn a_long_list_shows_the_newest_few_and_the_count(app: TestApp) {
    let b = person(&app, "many@example.com", "Mary Many", "+44 20 7946 0003", "1990-01-01").await;
    let cam = app.claimed(&b, &app.camera().await).await;
    for i in 0..8 {
        let sql = format!(
            "INSERT INTO alarm_events (id, device_id, owner_id, kind, at, picture_key, thumbnail_key) \
             SELECT 'ev{i}', id, owner_id, 'motion', {}, 'k{i}', 't{i}' FROM devices WHERE id = '{}'",
            2_000_000_000 + i * 60,
            cam.id,
        );
        assert_eq!(crate::raw::execute(&app, "region-eu", &sql).await, 1);
    }
    let (d, text) = my_data(&app, &b).await;
    let alarms = holdings(&d).find(|h| h.table == "alarm_events").expect("alarms");
    assert_eq!(alarms.items, 8);
    assert_eq!(alarms.records.len(), 5, "the newest five");
    let times: Vec<String> = alarms
        .records
        .iter()
        .map(|r| match &r.iter().find(|f| f.label.en == "When").unwrap().value {
            HeldValue::Time(t) => t.clone(),
            v => panic!("{v:?}"),
        })
        .collect();
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted, "newest first");
    assert_eq!(times[0], ward_server::auth::rfc3339(2_000_000_000 + 7 * 60));
    assert!(alarms.records.iter().flatten().any(|f| f.value
        == HeldValue::Words(ward_model::Localized { en: "Motion".into(), zh: "移动侦测".into() })));
    // The pictures are described once, their storage keys never sent.
    assert!(alarms.fields.iter().any(|f| f.label.en == "Picture"));
    assert!(!text.contains("\"k7\"") && !text.contains("\"t7\""), "no storage key in the answer");
}
