//! The `ward-camera` binary as `cargo xtask run` and the e2e suite start it: `--server
//! https://…` with `--ca-file` reaches a TLS endpoint on loopback (a minimal agent-protocol
//! server made here, its CA and certificate made at test time), and a new secret the server
//! sends is stored in `--state` and used from the next connection on. A `--ca-file` that
//! cannot be read stops the binary at once with its name.

use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use tokio::io::AsyncBufReadExt as _;
use tokio_rustls::rustls;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use ward_camera::Identity;
use ward_model::{AgentMessage, ServerMessage};

const WAIT: Duration = Duration::from_secs(20);
const BIN: &str = env!("CARGO_BIN_EXE_ward-camera");

/// A CA (PEM) and a server certificate and key (DER) it signed for `localhost`.
fn pki() -> (String, Vec<u8>, Vec<u8>) {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair, KeyUsagePurpose};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign];
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca, ca_key);
    let key = KeyPair::generate().unwrap();
    let cert =
        CertificateParams::new(vec!["localhost".to_string()]).unwrap().signed_by(&key, &issuer).unwrap();
    (ca_cert.pem(), cert.der().to_vec(), key.serialize_der())
}

type Tls = tokio_rustls::server::TlsStream<tokio::net::TcpStream>;

/// Accepts one agent connection over TLS; returns its socket and the secret it presented.
// The header callback's error type is tungstenite's (an HTTP response), not ours to shrink.
#[allow(clippy::result_large_err)]
async fn accept(
    listener: &tokio::net::TcpListener,
    acceptor: &tokio_rustls::TlsAcceptor,
) -> (tokio_tungstenite::WebSocketStream<Tls>, String) {
    let (tcp, _) = listener.accept().await.unwrap();
    let tls = acceptor.accept(tcp).await.expect("the camera completes the TLS handshake");
    let mut presented = String::new();
    let ws = tokio_tungstenite::accept_hdr_async(tls, |req: &Request, res: Response| {
        presented =
            req.headers()["authorization"].to_str().unwrap().trim_start_matches("Device ").to_string();
        Ok(res)
    })
    .await
    .unwrap();
    (ws, presented)
}

async fn send(ws: &mut tokio_tungstenite::WebSocketStream<Tls>, msg: &ServerMessage) {
    ws.send(Message::Text(serde_json::to_string(msg).unwrap().into())).await.unwrap();
}

/// The next agent message that is not a heartbeat or a report.
async fn next(ws: &mut tokio_tungstenite::WebSocketStream<Tls>) -> AgentMessage {
    loop {
        let msg = ws.next().await.expect("the camera's socket is open").unwrap();
        if let Message::Text(text) = msg {
            let m: AgentMessage = serde_json::from_str(&text).unwrap();
            if !matches!(m, AgentMessage::Heartbeat | AgentMessage::Report { .. }) {
                return m;
            }
        }
    }
}

#[tokio::test]
async fn the_binary_connects_over_wss_with_its_ca_file_and_stores_a_new_secret() {
    let dir = tempfile::tempdir().unwrap();
    let (ca_pem, cert, key) = pki();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, ca_pem).unwrap();
    let config =
        rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![cert.into()], rustls::pki_types::PrivatePkcs8KeyDer::from(key).into())
            .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();

    let state = dir.path().join("camera.json");
    let mut child = tokio::process::Command::new(BIN)
        .arg("--state")
        .arg(&state)
        .args(["--server", &format!("https://localhost:{port}"), "--ca-file"])
        .arg(&ca)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stderr = tokio::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let run = async {
        let (mut ws, presented) = accept(&listener, &acceptor).await;
        let (factory, _) = Identity::load_or_create(&state).unwrap();
        assert_eq!(presented, factory.secret, "first the factory's secret");
        send(&mut ws, &ServerMessage::NewSecret { secret: "5e".repeat(32) }).await;
        assert_eq!(next(&mut ws).await, AgentMessage::SecretStored);
        let (stored, _) = Identity::load_or_create(&state).unwrap();
        assert_eq!(stored.secret, "5e".repeat(32), "stored before it was acknowledged");
        assert_eq!(stored.factory_secret.as_deref(), Some(factory.secret.as_str()));
        // The binary says so on stderr.
        while let Some(line) = stderr.next_line().await.unwrap() {
            if line.contains("stored the new secret") {
                break;
            }
        }
        // The connection drops: the camera comes back with the new secret.
        drop(ws);
        let (_ws, presented) = accept(&listener, &acceptor).await;
        assert_eq!(presented, "5e".repeat(32));
    };
    tokio::time::timeout(WAIT, run).await.expect("the camera connected, stored the secret and reconnected");
    child.kill().await.unwrap();
}

#[tokio::test]
async fn a_ca_file_that_cannot_be_read_stops_the_binary_with_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let out = tokio::process::Command::new(BIN)
        .arg("--state")
        .arg(dir.path().join("camera.json"))
        .args(["--server", "https://localhost:1", "--ca-file"])
        .arg(dir.path().join("missing.pem"))
        .stdin(Stdio::null())
        .output();
    let out = tokio::time::timeout(WAIT, out).await.expect("the binary exits").unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot read the CA file") && err.contains("missing.pem"), "{err}");
}
