//! Mail through a real SMTP server on loopback (mailin-embedded speaks the protocol).

use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mailin_embedded::{Handler, Response, Server, SslConfig, response};
use reqwest::StatusCode;

use crate::fixtures::sign_up_body;
use crate::helpers::{Backend, Dist, client, spawn_app_configured};

/// What the SMTP server received: recipients and raw message, per message.
type Received = Arc<Mutex<Vec<(Vec<String>, Vec<u8>)>>>;

#[derive(Clone, Default)]
struct Inbox {
    messages: Received,
    to: Vec<String>,
    current: Vec<u8>,
}

impl Handler for Inbox {
    fn data_start(&mut self, _domain: &str, _from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.to = to.to_vec();
        self.current.clear();
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.current.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        self.messages.lock().unwrap().push((self.to.clone(), std::mem::take(&mut self.current)));
        response::OK
    }
}

#[tokio::test]
async fn the_verification_code_is_sent_through_smtp() {
    let inbox = Inbox::default();
    let messages = inbox.messages.clone();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut server = Server::new(inbox);
    server.with_name("mail.test").with_ssl(SslConfig::None).unwrap().with_tcp_listener(listener);
    std::thread::spawn(move || {
        let _ = server.serve();
    });

    let app = spawn_app_configured(Backend::Sqlite, Dist::Built, |c| {
        c.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
    })
    .await
    .unwrap();
    assert!(app.state.auth.mailer.outbox().is_none());
    let res = client()
        .post(app.at("/api/signup"))
        .json(&sign_up_body("ada@example.com", "eu"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);

    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let (to, raw) = loop {
        if let Some(m) = messages.lock().unwrap().first().cloned() {
            break m;
        }
        assert!(std::time::Instant::now() < deadline, "no message reached the SMTP server");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(to, vec!["ada@example.com".to_string()]);
    let msg = ward_server::mail::parse_message("smtp", &raw).expect("an RFC 5322 message");
    assert_eq!(msg.subject, "Your Ward verification code");
    assert!(msg.text.contains("Your code: "), "{}", msg.text);
    // With SMTP configured there is no outbox to show.
    assert_eq!(app.get("/api/dev/mailbox").await.status(), StatusCode::NOT_FOUND);
}
