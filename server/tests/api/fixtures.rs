//! Fixtures the modules share: an app with privacy staff, a signed-in person, a JSON answer
//! of a given status, a camera's first alarm.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use ward_camera::Agent;
use ward_camera::Command;
use ward_model::{AlarmEvent, EventPage};

use crate::accounts::{Browser, PASSWORD, sign_in, sign_up_and_verify};
use crate::devices::WAIT;
use crate::helpers::{Backend, Dist, TestApp, spawn_app_configured};

/// The privacy staff's address in [`app_with_staff`].
pub const STAFF: &str = "staff@example.com";

/// An app with [`STAFF`] as privacy staff (`None` when the backend is not available).
pub async fn app_with_staff(backend: Backend, dist: Dist) -> Option<TestApp> {
    spawn_app_configured(backend, dist, |c| c.privacy_staff = vec![STAFF.into()]).await
}

/// A verified person of `region`, signed in.
pub async fn person(app: &TestApp, email: &str, region: &str) -> Browser {
    sign_up_and_verify(app, email, region).await;
    sign_in(app, email, PASSWORD, None).await.expect("signs in")
}

/// The answer's body, after checking its status (the body is in the failure message).
pub async fn json_of<T: serde::de::DeserializeOwned>(res: reqwest::Response, status: StatusCode) -> T {
    let got = res.status();
    let text = res.text().await.unwrap();
    assert_eq!(got, status, "{text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
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
