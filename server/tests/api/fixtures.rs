//! Fixtures every module shares, so that no test module imports from another: people (signed
//! up, verified, signed in; the privacy staff), cameras (known to the server, running,
//! claimed, shared), the outbox, JSON answers, a camera's first alarm, a live-view offer, consent and
//! cookie choices, a ready export. Most are methods of `TestApp`.

use std::sync::Arc;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use ward_camera::{Agent, Command, Config, Identity};
use ward_model::{
    AlarmEvent, ApiError, ConsentOverview, Device, DeviceShare, EventPage, ExportStatus, ReceivedShare,
    SessionInfo,
};
use ward_server::auth::totp;
use ward_server::devices::{self, FactoryLine};

use crate::helpers::{Backend, Dist, TestApp, client, spawn_app_configured};

/// How long a camera, an alarm or an archive may take before a test fails.
pub const WAIT: Duration = Duration::from_secs(10);

pub const PASSWORD: &str = "correct horse battery";

/// The privacy staff's address in [`app_with_staff`] and [`api_with_staff`].
pub const STAFF: &str = "staff@example.com";

/// An app with [`STAFF`] as privacy staff (`None` when the backend is not available).
pub async fn app_with_staff(backend: Backend) -> Option<TestApp> {
    staffed(backend, Dist::Built).await
}

/// As [`app_with_staff`], without the built app: the API alone.
pub async fn api_with_staff(backend: Backend) -> Option<TestApp> {
    staffed(backend, Dist::Missing).await
}

async fn staffed(backend: Backend, dist: Dist) -> Option<TestApp> {
    spawn_app_configured(backend, dist, |c| c.privacy_staff = vec![STAFF.into()]).await
}

/// A browser-like session: its client (with the cookie) and its CSRF token.
pub struct Browser {
    pub client: reqwest::Client,
    pub csrf: String,
    pub info: SessionInfo,
}

impl Browser {
    pub async fn send(
        &self,
        app: &TestApp,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> reqwest::Response {
        let mut req = self.client.request(method, app.at(path)).header("x-csrf-token", &self.csrf);
        if let Some(body) = body {
            req = req.json(&body);
        }
        req.send().await.unwrap()
    }
}

/// A browser whose cookie jar the test can add the cookie banner's cookie to.
pub type JarredBrowser = (Browser, Arc<reqwest::cookie::Jar>);

/// The sign-up form of Ada Lovelace, with `email` and `region` of the test's choosing.
pub fn sign_up_body(email: &str, region: &str) -> Value {
    json!({
        "name": "Ada Lovelace",
        "email": email,
        "phone": "+44 20 7946 0958",
        "password": PASSWORD,
        "region": region,
        "birth_date": "1990-04-25",
        "accepted_policy": ward_server::auth::POLICY_VERSION,
    })
}

impl TestApp {
    /// Signs up with [`sign_up_body`] and verifies the address with the mailed code.
    pub async fn sign_up_and_verify(&self, email: &str, region: &str) {
        self.sign_up_and_verify_with(sign_up_body(email, region)).await;
    }

    /// As [`TestApp::sign_up_and_verify`], with a sign-up form of the test's own.
    pub async fn sign_up_and_verify_with(&self, body: Value) {
        let email = body["email"].as_str().expect("the form has an email").to_string();
        let c = client();
        let res = c.post(self.at("/api/signup")).json(&body).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::CREATED, "{}", res.text().await.unwrap());
        let code = self.code_for(&email).await;
        let res = c
            .post(self.at("/api/signup/verify"))
            .json(&json!({"email": email, "code": code, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NO_CONTENT, "{}", res.text().await.unwrap());
    }

    pub async fn sign_in(
        &self,
        email: &str,
        password: &str,
        otp: Option<&str>,
    ) -> Result<Browser, (StatusCode, ApiError)> {
        let c = client();
        let mut body = json!({"email": email, "password": password});
        if let Some(otp) = otp {
            body["otp"] = json!(otp);
        }
        let res = c.post(self.at("/api/session")).json(&body).send().await.unwrap();
        if res.status() != StatusCode::OK {
            let status = res.status();
            return Err((status, res.json().await.unwrap()));
        }
        let info: SessionInfo = res.json().await.unwrap();
        Ok(Browser { client: c, csrf: info.csrf_token.clone(), info })
    }

    /// A verified person of `region`, signed in.
    pub async fn person(&self, email: &str, region: &str) -> Browser {
        self.person_with(sign_up_body(email, region)).await
    }

    /// As [`TestApp::person`], signed up with a form of the test's own (a name or phone).
    pub async fn person_with(&self, body: Value) -> Browser {
        let email = body["email"].as_str().expect("the form has an email").to_string();
        self.sign_up_and_verify_with(body).await;
        self.sign_in(&email, PASSWORD, None).await.expect("signs in")
    }

    /// A verified person of the EU region, signed in.
    pub async fn user(&self, email: &str) -> Browser {
        self.person(email, "eu").await
    }

    /// [`STAFF`], signed in (privacy staff in [`app_with_staff`] and [`api_with_staff`]).
    pub async fn staff(&self) -> Browser {
        self.person(STAFF, "eu").await
    }

    /// As [`TestApp::user`], with a client whose cookie jar the test can reach.
    pub async fn person_with_jar(&self, email: &str) -> JarredBrowser {
        self.sign_up_and_verify(email, "eu").await;
        let jar = Arc::new(reqwest::cookie::Jar::default());
        let c = reqwest::Client::builder().cookie_provider(jar.clone()).build().unwrap();
        let res = c
            .post(self.at("/api/session"))
            .json(&json!({"email": email, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        let info: SessionInfo = json_ok(res).await;
        (Browser { client: c, csrf: info.csrf_token.clone(), info }, jar)
    }

    /// Turns on two-step verification with an authenticator app; answers its secret.
    pub async fn turn_on_totp(&self, b: &Browser, password: &str) -> String {
        let setup: Value =
            b.send(self, Method::POST, "/api/account/totp/setup", None).await.json().await.unwrap();
        let secret = setup["secret"].as_str().unwrap().to_string();
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let res = b
            .send(
                self,
                Method::POST,
                "/api/account/totp/enable",
                Some(json!({"code": totp::code_at(&secret, now), "password": password})),
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        secret
    }

    /// The newest mail to `to` in the outbox.
    pub async fn latest_mail(&self, to: &str) -> ward_model::MailboxMessage {
        // Codes asked for by address (reset, resend, unlock) are mailed after the answer.
        self.state.auth.outgoing.settled().await;
        let outbox = self.state.auth.mailer.outbox().expect("tests use the outbox");
        let all = ward_server::mail::read_outbox(outbox, 100).await.unwrap();
        all.into_iter().find(|m| m.to == to).unwrap_or_else(|| panic!("no mail to {to}"))
    }

    /// The 6-digit code of the newest mail to `to` in the outbox.
    pub async fn code_for(&self, to: &str) -> String {
        let text = self.latest_mail(to).await.text;
        let at = text.find("Your code: ").expect("a code mail") + "Your code: ".len();
        text[at..at + 6].to_string()
    }

    /// A camera off the line, known to the server (as if imported from the factory manifest).
    pub async fn camera(&self) -> Identity {
        let id = Identity::generate();
        let line = FactoryLine {
            serial: id.serial.clone(),
            model: id.model.clone(),
            code: id.code.clone(),
            secret: id.secret.clone(),
        };
        assert_eq!(
            devices::import_factory(&self.state.stores, &self.state.auth.vault, &[line]).await.unwrap(),
            1
        );
        id
    }

    /// The camera's agent, connected to the server.
    pub async fn start(&self, id: &Identity) -> Agent {
        let mut agent = Agent::spawn(Config::new(&self.url, id.clone()));
        agent.wait_until(WAIT, |s| s.connected).await.expect("the agent connects");
        agent
    }

    /// The camera, claimed by `b` with its code.
    pub async fn claimed(&self, b: &Browser, id: &Identity) -> Device {
        let res = b
            .send(self, Method::POST, "/api/devices", Some(json!({"serial": id.serial, "code": id.code})))
            .await;
        assert_eq!(res.status(), StatusCode::CREATED, "{}", res.text().await.unwrap());
        res.json().await.unwrap()
    }

    /// A camera of `owner`'s, connected and bound.
    pub async fn bound_camera(&self, owner: &Browser) -> (Agent, Device) {
        let cam = self.camera().await;
        let mut agent = self.start(&cam).await;
        let d = self.claimed(owner, &cam).await;
        agent.wait_until(WAIT, |s| s.bound).await.unwrap();
        (agent, d)
    }

    /// `owner`'s camera `device`, shared with `email` (an account or an invitation).
    pub async fn shared(
        &self,
        owner: &Browser,
        device: &str,
        email: &str,
        permissions: &[&str],
    ) -> DeviceShare {
        let body = json!({"email": email, "permissions": permissions});
        let res = owner.send(self, Method::POST, &format!("/api/devices/{device}/shares"), Some(body)).await;
        assert_eq!(res.status(), StatusCode::CREATED, "{}", res.text().await.unwrap());
        res.json().await.unwrap()
    }

    /// The share, accepted by its invitee `b`.
    pub async fn accepted(&self, b: &Browser, share: &str) -> ReceivedShare {
        let res = b.send(self, Method::POST, &format!("/api/shares/{share}/accept"), None).await;
        assert_eq!(res.status(), StatusCode::OK, "{}", res.text().await.unwrap());
        res.json().await.unwrap()
    }

    /// Waits, at most [`WAIT`], until `b`'s archive is ready.
    pub async fn ready_export(&self, b: &Browser) -> ExportStatus {
        let until = tokio::time::Instant::now() + WAIT;
        loop {
            let res = b.send(self, Method::GET, "/api/privacy/exports/current", None).await;
            assert_eq!(res.status(), StatusCode::OK);
            let st: ExportStatus = res.json().await.unwrap();
            if st.state == ward_model::ExportState::Ready {
                return st;
            }
            assert_eq!(st.state, ward_model::ExportState::Running, "{st:?}");
            assert!(tokio::time::Instant::now() < until, "the archive is ready within {WAIT:?}: {st:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// The answer's body, after checking its status (the body is in the failure message).
pub async fn json_of<T: serde::de::DeserializeOwned>(res: reqwest::Response, status: StatusCode) -> T {
    let got = res.status();
    let text = res.text().await.unwrap();
    assert_eq!(got, status, "{text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// What `b` GETs from `path`, after checking it is `200 OK`.
pub async fn get_json<T: serde::de::DeserializeOwned>(app: &TestApp, b: &Browser, path: &str) -> T {
    let res = b.send(app, Method::GET, path, None).await;
    assert_eq!(res.status(), StatusCode::OK, "{path}: {}", res.text().await.unwrap());
    res.json().await.unwrap()
}

/// The answer's body, after checking it is a success of any kind.
pub async fn json_ok<T: serde::de::DeserializeOwned>(res: reqwest::Response) -> T {
    let status = res.status();
    let text = res.text().await.unwrap();
    assert!(status.is_success(), "{status}: {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// The status and the error the answer carries.
pub async fn error_of(res: reqwest::Response) -> (StatusCode, ApiError) {
    let status = res.status();
    (status, res.json().await.unwrap())
}

/// Has `agent`'s camera (claimed by `owner`) raise a motion alarm and waits, at most `WAIT`,
/// until the owner's events list it.
pub async fn motion_alarm(app: &TestApp, agent: &mut Agent, owner: &Browser) -> AlarmEvent {
    agent.send(Command::Motion);
    let until = tokio::time::Instant::now() + WAIT;
    loop {
        let page: EventPage = owner.send(app, Method::GET, "/api/events", None).await.json().await.unwrap();
        if let Some(e) = page.events.into_iter().next() {
            return e;
        }
        assert!(tokio::time::Instant::now() < until, "the alarm arrives within {WAIT:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// POSTs an SDP offer for a device's live view, as the browser does.
pub async fn offer(app: &TestApp, b: &Browser, device: &str, sdp: &str) -> reqwest::Response {
    b.client
        .post(app.at(&format!("/api/devices/{device}/live")))
        .header("x-csrf-token", &b.csrf)
        .header("content-type", "application/sdp")
        .body(sdp.to_string())
        .send()
        .await
        .unwrap()
}

/// Turns a purpose on or off, as the privacy center's switches do.
pub async fn set_consent(app: &TestApp, b: &Browser, purpose: &str, on: bool) -> reqwest::Response {
    b.send(
        app,
        Method::POST,
        "/api/privacy/consents",
        Some(json!({"purpose": purpose, "active": on, "text_version": "1"})),
    )
    .await
}

/// The banner's cookie with a choice (`flags`) made under the cookie policy `revision`.
pub fn consent_cookie(revision: &str, flags: &str) -> (&'static str, String) {
    ("cookie", format!("ward_consent=1.{revision}.{flags}.{}", ward_server::auth::session::now()))
}

/// Sets the banner's cookie with `flags` in `b`'s jar and syncs it, as the app does after a
/// choice; `gpc` sends the Global Privacy Control signal with it.
pub async fn cookie_sync(app: &TestApp, b: &JarredBrowser, flags: &str, gpc: bool) -> ConsentOverview {
    let (_, v) = consent_cookie(ward_server::auth::POLICY_VERSION, flags);
    b.1.add_cookie_str(&v, &app.url.parse().unwrap());
    let b = &b.0;
    let mut req = b.client.post(app.at("/api/privacy/cookies")).header("x-csrf-token", &b.csrf);
    if gpc {
        req = req.header("sec-gpc", "1");
    }
    json_ok(req.send().await.unwrap()).await
}
