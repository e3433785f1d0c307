//! Issue 13, item 6, "Rate limits behind a proxy": the client behind a trusted reverse proxy,
//! growing sign-in delays that the owner passes with a mailed code, limits kept in the store
//! (shared by instances, kept across restarts), and codes asked for by address answered
//! alike whether or not the address has an account. Every test runs on both backends.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use ward_model::ApiError;
use ward_server::store::StoreConfig;
use ward_server::{AppState, Config, Server};

use crate::fixtures::PASSWORD;
use crate::helpers::{Backend, Dist, TestApp, client, spawn_app_configured};

crate::both_backends!(backend:
    behind_a_trusted_proxy_two_clients_are_limited_apart_and_named_by_their_own_address,
    from_a_peer_that_is_not_a_trusted_proxy_forwarded_addresses_are_ignored,
    the_sign_in_delay_and_the_address_limit_are_shared_by_instances_and_survive_a_restart,
    with_the_mail_server_down_a_code_asked_for_a_known_address_answers_like_an_unknown_one,
);

crate::both_backends!(
    a_strangers_wrong_passwords_delay_the_owner_who_signs_in_at_once_with_a_mailed_code,
    a_mailed_sign_in_code_also_carries_the_owner_through_two_step_verification,
);

const WRONG: &str = "not the password at all";

/// `POST /api/session` from a client that forwards `xff` (if any).
async fn sign_in_as(url: &str, xff: Option<&str>, body: Value) -> reqwest::Response {
    let mut req = client().post(format!("{url}/api/session")).json(&body);
    if let Some(xff) = xff {
        req = req.header("x-forwarded-for", xff);
    }
    req.send().await.expect("the server answers")
}

async fn post(url: &str, path: &str, body: Value) -> reqwest::Response {
    client().post(format!("{url}{path}")).json(&body).send().await.expect("the server answers")
}

/// The status, the `Retry-After` header and the body of an answer.
async fn answer(res: reqwest::Response) -> (StatusCode, Option<u64>, ApiError) {
    let status = res.status();
    let wait = res.headers().get("retry-after").map(|v| v.to_str().unwrap().parse().unwrap());
    (status, wait, res.json().await.unwrap())
}

/// Wrong passwords for `n` different unknown emails from one client: each a 401.
async fn fail_from(url: &str, xff: Option<&str>, tag: &str, n: usize) {
    for i in 0..n {
        let body = json!({"email": format!("nobody-{tag}-{i}@example.com"), "password": WRONG});
        let status = sign_in_as(url, xff, body).await.status();
        assert_eq!(status, StatusCode::UNAUTHORIZED, "failure {i} of {tag}");
    }
}

// ---- Behind a proxy ----

async fn behind_a_trusted_proxy_two_clients_are_limited_apart_and_named_by_their_own_address(
    backend: Backend,
) {
    // The tests' client is this machine: for the server it plays the reverse proxy.
    let Some(app) = spawn_app_configured(backend, Dist::Built, |c| {
        c.trusted_proxies = ward_server::http::client::TrustedProxies::parse("127.0.0.0/8, ::1").unwrap();
    })
    .await
    else {
        return;
    };
    let limit = ward_server::auth::limits::SIGN_IN_ADDRESS.max as usize;
    // Client A fills its address's window (a client's own `X-Forwarded-For` entry in front
    // of the proxy's is not believed: the proxy's right-most entry is).
    let a = Some("198.51.100.250, 203.0.113.7");
    fail_from(&app.url, a, "a", limit).await;
    let (status, wait, err) =
        answer(sign_in_as(&app.url, a, json!({"email": "x@example.com", "password": WRONG})).await).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{err:?}");
    assert!(wait.is_some_and(|w| (1..=15 * 60).contains(&w)), "{wait:?}");
    assert!(err.fields.is_empty(), "an address's limit is not an email's delay: {err:?}");
    // Client B, behind the same proxy, is not limited by A's failures.
    let b = Some("203.0.113.8");
    let status = sign_in_as(&app.url, b, json!({"email": "x@example.com", "password": WRONG})).await.status();
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Nor is a client whose own forged entry names A: the proxy's entry says who it is.
    let c = Some("203.0.113.7, 203.0.113.9");
    let status = sign_in_as(&app.url, c, json!({"email": "y@example.com", "password": WRONG})).await.status();
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // The sessions list and the activity log name the client, not the proxy.
    app.sign_up_and_verify("ada@example.com", "eu").await;
    let http = client();
    let res = http
        .post(app.at("/api/session"))
        .header("forwarded", "for=\"[2001:db8::5]:4711\";proto=https")
        .json(&json!({"email": "ada@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let sessions: Value =
        http.get(app.at("/api/account/sessions")).send().await.unwrap().json().await.unwrap();
    assert_eq!(sessions[0]["address"], "2001:db8::5", "{sessions}");
}

async fn from_a_peer_that_is_not_a_trusted_proxy_forwarded_addresses_are_ignored(backend: Backend) {
    // Proxies are configured, but the tests' client (loopback) is not one of them.
    let Some(app) = spawn_app_configured(backend, Dist::Built, |c| {
        c.trusted_proxies = ward_server::http::client::TrustedProxies::parse("10.0.0.0/8").unwrap();
    })
    .await
    else {
        return;
    };
    let limit = ward_server::auth::limits::SIGN_IN_ADDRESS.max;
    // A client that names a new address in every request is still one client.
    for i in 0..limit {
        let xff = format!("203.0.113.{i}");
        let body = json!({"email": format!("nobody-{i}@example.com"), "password": WRONG});
        assert_eq!(sign_in_as(&app.url, Some(&xff), body).await.status(), StatusCode::UNAUTHORIZED);
    }
    let body = json!({"email": "someone@example.com", "password": WRONG});
    let (status, wait, _) = answer(sign_in_as(&app.url, Some("192.0.2.99"), body.clone()).await).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(wait.is_some());
    let res = client()
        .post(app.at("/api/session"))
        .header("forwarded", "for=192.0.2.100")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
}

// ---- Delays instead of lock-outs ----

/// An answer with its digits taken out (a wait may differ by a second between two).
fn shape(a: &(StatusCode, Option<u64>, ApiError)) -> (StatusCode, bool, String) {
    let text = serde_json::to_string(&a.2).unwrap();
    (a.0, a.1.is_some(), text.chars().filter(|c| !c.is_ascii_digit()).collect())
}

async fn a_strangers_wrong_passwords_delay_the_owner_who_signs_in_at_once_with_a_mailed_code(app: TestApp) {
    let owner = "ada@example.com";
    let nobody = "nobody@example.com";
    app.sign_up_and_verify(owner, "eu").await;
    let free = ward_server::auth::limits::SIGN_IN_FREE as usize;
    // A stranger tries wrong passwords for Ada's email, and for an email without an account:
    // every answer is the same for both.
    let mut answers: Vec<Vec<(StatusCode, bool, String)>> = Vec::new();
    for email in [owner, nobody] {
        let mut seen = Vec::new();
        for _ in 0..free + 1 {
            seen.push(shape(
                &answer(sign_in_as(&app.url, None, json!({"email": email, "password": WRONG})).await).await,
            ));
        }
        answers.push(seen);
    }
    assert_eq!(answers[0], answers[1]);
    assert!(answers[0][..free].iter().all(|a| a.0 == StatusCode::UNAUTHORIZED), "{:?}", answers[0]);
    // After the free tries every further one waits: even the owner's right password.
    let (status, wait, err) =
        answer(sign_in_as(&app.url, None, json!({"email": owner, "password": PASSWORD})).await).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let wait = wait.expect("Retry-After");
    assert!((1..=ward_server::auth::limits::SIGN_IN_DELAY_FIRST as u64).contains(&wait), "{wait}");
    assert!(err.message.contains(&format!("Try again in {wait} seconds")), "{}", err.message);
    // The answer says what the owner can do now: ask for a code by email.
    assert_eq!((err.fields[0].field.as_str(), err.fields[0].code.as_str()), ("unlock_code", "available"));

    // Asking for the code: the same answer for both addresses, and alike when asked again
    // within the minute.
    let mut asked = Vec::new();
    for email in [owner, nobody] {
        let first = answer_of(post(&app.url, "/api/session/unlock", json!({"email": email})).await).await;
        let again = answer_of(post(&app.url, "/api/session/unlock", json!({"email": email})).await).await;
        asked.push((first, again));
    }
    assert_eq!(asked[0], asked[1]);
    assert_eq!((asked[0].0.0, asked[0].1.0), (StatusCode::ACCEPTED, StatusCode::TOO_MANY_REQUESTS));
    let code = app.code_for(owner).await;
    assert!(app.latest_mail(owner).await.subject.contains("sign-in code"));

    // A stranger without the code: a wrong code answers alike for both addresses, and
    // checks no password (nothing to learn about it either). Guessing more often than a code
    // allows tries does not void the owner's code.
    let wrong_code = if code == "000000" { "111111" } else { "000000" };
    let hasher = &app.state.auth.hasher;
    let mut wrong = Vec::new();
    for email in [owner, nobody] {
        let before = hasher.runs();
        let a = answer(
            sign_in_as(&app.url, None, json!({"email": email, "password": WRONG, "unlock_code": wrong_code}))
                .await,
        )
        .await;
        wrong.push((shape(&a), hasher.runs() - before));
    }
    assert_eq!(wrong[0], wrong[1]);
    assert_eq!(wrong[0].0.0, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong[0].0.2.contains("unlock_code"), "{:?}", wrong[0]);
    for _ in 0..ward_server::auth::limits::CODE_ATTEMPTS {
        let body = json!({"email": owner, "password": WRONG, "unlock_code": wrong_code});
        assert_eq!(sign_in_as(&app.url, None, body).await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }

    // The owner signs in at once, delay or not, with the code and the password.
    let res =
        sign_in_as(&app.url, None, json!({"email": owner, "password": PASSWORD, "unlock_code": code})).await;
    assert_eq!(res.status(), StatusCode::OK, "{}", res.text().await.unwrap());
    // The code is used up, and the delay starts over: a wrong password is a plain 401 again.
    let (status, _, _) = answer(
        sign_in_as(&app.url, None, json!({"email": owner, "password": PASSWORD, "unlock_code": code})).await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let status = sign_in_as(&app.url, None, json!({"email": owner, "password": WRONG})).await.status();
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // The unknown email is still delayed: its failures were not Ada's to clear.
    let status = sign_in_as(&app.url, None, json!({"email": nobody, "password": WRONG})).await.status();
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}

async fn a_mailed_sign_in_code_also_carries_the_owner_through_two_step_verification(app: TestApp) {
    let owner = "ada@example.com";
    let b = app.user(owner).await;
    let secret = app.turn_on_totp(&b, PASSWORD).await;
    for _ in 0..ward_server::auth::limits::SIGN_IN_FREE {
        sign_in_as(&app.url, None, json!({"email": owner, "password": WRONG})).await;
    }
    let status = sign_in_as(&app.url, None, json!({"email": owner, "password": PASSWORD})).await.status();
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        post(&app.url, "/api/session/unlock", json!({"email": owner})).await.status(),
        StatusCode::ACCEPTED
    );
    let code = app.code_for(owner).await;
    // The password step asks for the second factor; the code still works for that step.
    let (status, _, err) = answer(
        sign_in_as(&app.url, None, json!({"email": owner, "password": PASSWORD, "unlock_code": code})).await,
    )
    .await;
    assert_eq!((status, err.fields[0].field.as_str()), (StatusCode::UNAUTHORIZED, "otp"));
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    // The next step's code: the current one was used to turn two-step verification on.
    let otp = ward_server::auth::totp::code_at(&secret, now + 30);
    let body = json!({"email": owner, "password": PASSWORD, "unlock_code": code, "otp": otp});
    let res = sign_in_as(&app.url, None, body).await;
    assert_eq!(res.status(), StatusCode::OK, "{}", res.text().await.unwrap());
}

async fn answer_of(res: reqwest::Response) -> (StatusCode, String) {
    let status = res.status();
    let body = res.text().await.unwrap();
    (status, body.chars().filter(|c| !c.is_ascii_digit()).collect())
}

// ---- In the store: several instances, restarts ----

/// Another server on the store of `app` (same data dir, same database, same master key).
struct Instance {
    url: String,
    state: AppState,
    stop: Option<oneshot::Sender<()>>,
    handle: Option<JoinHandle<anyhow::Result<()>>>,
}

impl Instance {
    async fn start(app: &TestApp, dist: &std::path::Path, configure: impl FnOnce(&mut Config)) -> Instance {
        let mut config = Config::new(app.data_dir.clone(), dist);
        config.addr = "127.0.0.1:0".parse().unwrap();
        if let StoreConfig::Postgres(url) = &app.store {
            config.database_url = Some(url.clone());
        }
        configure(&mut config);
        let server = Server::bind(&config).await.expect("another instance starts on the same store");
        let url = format!("http://{}", server.local_addr());
        let state = server.state().clone();
        let (tx, rx) = oneshot::channel::<()>();
        let handle = tokio::spawn(server.serve(async {
            let _ = rx.await;
        }));
        Instance { url, state, stop: Some(tx), handle: Some(handle) }
    }

    async fn stop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(handle) = self.handle.take() {
            tokio::time::timeout(Duration::from_secs(10), handle)
                .await
                .expect("the instance stops within 10 s")
                .expect("the instance does not panic")
                .expect("the instance stops cleanly");
        }
    }
}

async fn the_sign_in_delay_and_the_address_limit_are_shared_by_instances_and_survive_a_restart(
    backend: Backend,
) {
    let Some(mut app) = spawn_app_configured(backend, Dist::Built, |_| {}).await else { return };
    let dist = tempfile::tempdir().unwrap();
    let owner = "ada@example.com";
    app.sign_up_and_verify(owner, "eu").await;
    // A second instance on the same store, started before anything was counted.
    let mut second = Instance::start(&app, dist.path(), |_| {}).await;
    // The stranger's wrong passwords go to both instances in turn.
    let free = ward_server::auth::limits::SIGN_IN_FREE;
    for i in 0..free {
        let url = if i % 2 == 0 { &app.url } else { &second.url };
        let status = sign_in_as(url, None, json!({"email": owner, "password": WRONG})).await.status();
        assert_eq!(status, StatusCode::UNAUTHORIZED, "try {i}");
    }
    for url in [&app.url, &second.url] {
        let status = sign_in_as(url, None, json!({"email": owner, "password": PASSWORD})).await.status();
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "on {url}");
    }
    // The address's window fills up across both instances too.
    let limit = ward_server::auth::limits::SIGN_IN_ADDRESS.max as usize;
    let already = free as usize;
    fail_from(&second.url, None, "addr", limit - already).await;
    let status =
        sign_in_as(&app.url, None, json!({"email": "fresh@example.com", "password": WRONG})).await.status();
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "the address's window is shared");

    // Every instance stops; a new one starts on the same store: nothing was forgotten.
    second.stop().await;
    app.shut_down().await.unwrap();
    let mut third = Instance::start(&app, dist.path(), |_| {}).await;
    let (status, wait, err) =
        answer(sign_in_as(&third.url, None, json!({"email": owner, "password": PASSWORD})).await).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{err:?}");
    assert!(wait.is_some());
    let status = sign_in_as(&third.url, None, json!({"email": "fresh2@example.com", "password": WRONG}))
        .await
        .status();
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "the address's window survived the restart");
    assert!(crate::raw::count(&app, "directory", "rate_limits").await >= 3);
    // Once their time has passed the retention job's purge deletes them.
    let later =
        time::OffsetDateTime::now_utc().unix_timestamp() + ward_server::auth::limits::SIGN_IN_FORGET + 1;
    let purged = third.state.stores.directory.limits_purge(later).await.unwrap();
    assert!(purged >= 3, "the email's delay, the address's window and the unknown emails' delays: {purged}");
    let status = sign_in_as(&third.url, None, json!({"email": owner, "password": PASSWORD})).await.status();
    assert_eq!(status, StatusCode::OK);
    third.stop().await;
}

// ---- Codes asked for by address: the same answer and work, known or not ----

async fn with_the_mail_server_down_a_code_asked_for_a_known_address_answers_like_an_unknown_one(
    backend: Backend,
) {
    let Some(mut app) = spawn_app_configured(backend, Dist::Built, |_| {}).await else { return };
    let dist = tempfile::tempdir().unwrap();
    let owner = "ada@example.com";
    app.sign_up_and_verify(owner, "eu").await;
    app.shut_down().await.unwrap();
    // The same store, now with a mail server that refuses every connection: mailing a code
    // fails at once. Were it done before the answer, a known address would answer 503.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut down = Instance::start(&app, dist.path(), |c| {
        c.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
    })
    .await;
    let hasher = &down.state.auth.hasher;
    // (`/api/signup/resend` mails the same way, after the answer.)
    for path in ["/api/password-reset", "/api/session/unlock"] {
        let mut answers = Vec::new();
        for email in [owner, "nobody@example.com"] {
            let before = hasher.runs();
            let first = answer_of(post(&down.url, path, json!({"email": email})).await).await;
            let again = answer_of(post(&down.url, path, json!({"email": email})).await).await;
            answers.push((first, again, hasher.runs() - before));
        }
        assert_eq!(answers[0], answers[1], "{path}");
        assert_eq!(
            (answers[0].0.0, answers[0].1.0, answers[0].2),
            (StatusCode::ACCEPTED, StatusCode::TOO_MANY_REQUESTS, 0),
            "{path}"
        );
    }
    // The mail was tried after the answers (and failed, logged); nothing is left running.
    tokio::time::timeout(Duration::from_secs(30), down.state.auth.outgoing.settled())
        .await
        .expect("the mails after the answers end within 30 s");
    down.stop().await;
}
