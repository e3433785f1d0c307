//! Issue 13, item 12: the camera agent over TLS, and its secret replaced on every claim.
//!
//! - TLS: a CA and a server certificate are made at test time (rcgen); a TLS-terminating proxy
//!   (tokio-rustls, as a deployment's reverse proxy) forwards to the real server on loopback.
//!   A real agent connects with `https://` + its CA file, is claimed, reports and raises an
//!   alarm through it; without the CA (the public roots), or with another CA, it refuses the
//!   server with a message that says why and what to do.
//! - The secret: a claim gives the connected camera a new secret, which it stores in its state
//!   file; the factory's secret and a former owner's copy stop working; the camera keeps
//!   working across a restart. Crash safety, with a raw WebSocket client as the camera: a new
//!   secret never acknowledged leaves the old one valid (and another new one is sent); one
//!   that was stored but not acknowledged is accepted, and then only it. A server whose store
//!   was reset (it knows only the factory's secret again) gets the camera back: the camera
//!   offers its factory secret when its current one is refused.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures_util::StreamExt as _;
use reqwest::{Method, StatusCode};
use tokio_rustls::rustls;
use tokio_tungstenite::tungstenite;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use ward_camera::{Agent, Command, Config, Identity};
use ward_model::{AGENT_AUTH_SCHEME, AGENT_SERIAL_HEADER, Device, EventPage, ServerMessage};
use ward_server::devices;

use crate::both_backends;
use crate::fixtures::{WAIT, get_json};
use crate::helpers::TestApp;

both_backends!(
    an_agent_reaches_the_server_over_wss_with_its_ca_file_and_refuses_an_untrusted_server,
    a_claim_replaces_the_secret_and_neither_the_factorys_nor_a_former_owners_copy_works,
    a_new_secret_is_kept_pending_until_the_camera_acknowledges_or_uses_it,
    a_camera_whose_server_forgot_its_new_secret_goes_back_to_the_factorys,
);

/// A CA and a certificate it signed for `localhost` and `127.0.0.1`.
struct Pki {
    ca_pem: String,
    cert_der: Vec<u8>,
    key_der: Vec<u8>,
}

impl Pki {
    fn new(name: &str) -> Pki {
        use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
        let ca_key = KeyPair::generate().unwrap();
        let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name.push(DnType::CommonName, name);
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_cert = ca.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca, ca_key);
        let key = KeyPair::generate().unwrap();
        let params = CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
        let cert = params.signed_by(&key, &issuer).unwrap();
        Pki { ca_pem: ca_cert.pem(), cert_der: cert.der().to_vec(), key_der: key.serialize_der() }
    }

    fn write_ca(&self, dir: &Path, name: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, &self.ca_pem).unwrap();
        path
    }
}

/// A TLS-terminating proxy on loopback in front of `backend`, as a deployment's reverse proxy.
struct TlsProxy {
    port: u16,
    /// TLS handshakes completed, and refused (the client sent an alert or hung up).
    accepted: Arc<AtomicUsize>,
    refused: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl TlsProxy {
    async fn start(backend: SocketAddr, pki: &Pki) -> TlsProxy {
        use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
        let config =
            rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .unwrap()
                .with_no_client_auth()
                .with_single_cert(
                    vec![CertificateDer::from(pki.cert_der.clone())],
                    PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(pki.key_der.clone())),
                )
                .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (accepted, refused) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let (a, r) = (accepted.clone(), refused.clone());
        let task = tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let (acceptor, a, r) = (acceptor.clone(), a.clone(), r.clone());
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(tcp).await else {
                        r.fetch_add(1, Ordering::SeqCst);
                        return;
                    };
                    a.fetch_add(1, Ordering::SeqCst);
                    let Ok(mut upstream) = tokio::net::TcpStream::connect(backend).await else { return };
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut upstream).await;
                });
            }
        });
        TlsProxy { port, accepted, refused, task }
    }
}

impl Drop for TlsProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn backend(app: &TestApp) -> SocketAddr {
    app.url.trim_start_matches("http://").parse().unwrap()
}

/// Polls `what` until it gives `Some` (at most `WAIT`), naming what it waited for.
async fn until<T, F: std::future::Future<Output = Option<T>>>(what: &str, mut f: impl FnMut() -> F) -> T {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn an_agent_reaches_the_server_over_wss_with_its_ca_file_and_refuses_an_untrusted_server(app: TestApp) {
    let dir = tempfile::tempdir().unwrap();
    let (pki, stranger) = (Pki::new("Ward test CA"), Pki::new("Some other CA"));
    let ca = pki.write_ca(dir.path(), "ca.pem");
    let other_ca = stranger.write_ca(dir.path(), "other-ca.pem");
    let proxy = TlsProxy::start(backend(&app), &pki).await;
    let server = format!("https://localhost:{}", proxy.port);
    let cam = app.camera().await;

    // The public roots do not know the private CA: refused, saying why and what to do.
    let mut agent = Agent::spawn(Config::new(&server, cam.clone()));
    let s = agent.wait_until(WAIT, |s| s.last_error.is_some()).await.expect("the connection fails");
    let error = s.last_error.unwrap();
    assert!(error.contains("not trusted") && error.contains("--ca-file"), "{error}");
    assert_eq!(agent.status.borrow().connections, 0);
    agent.kill();
    // Another CA's file: refused too, naming the file it trusts.
    let mut config = Config::new(&server, cam.clone());
    config.ca_file = Some(other_ca.clone());
    let mut agent = Agent::spawn(config);
    let s = agent.wait_until(WAIT, |s| s.last_error.is_some()).await.expect("the connection fails");
    let error = s.last_error.unwrap();
    assert!(error.contains("not trusted") && error.contains("other-ca.pem"), "{error}");
    assert_eq!(agent.status.borrow().connections, 0);
    agent.kill();
    until("the proxy to see both handshakes fail", || async {
        (proxy.refused.load(Ordering::SeqCst) >= 2).then_some(())
    })
    .await;
    assert_eq!(proxy.accepted.load(Ordering::SeqCst), 0);

    // With its CA file: connected through TLS, claimed, online; its report and an alarm's
    // pictures arrive through the same TLS connection.
    let mut config = Config::new(&server, cam.clone());
    config.ca_file = Some(ca);
    let mut agent = Agent::spawn(config);
    agent.wait_until(WAIT, |s| s.connected).await.expect("the agent connects over wss://");
    assert_eq!(proxy.accepted.load(Ordering::SeqCst), 1);
    let ada = app.user("ada@example.com").await;
    let d = app.claimed(&ada, &cam).await;
    assert!(d.online);
    agent.wait_until(WAIT, |s| s.bound).await.expect("the camera learns it has an owner");
    let d: Device = until("the camera's report", || async {
        let d: Device = get_json(&app, &ada, &format!("/api/devices/{}", d.id)).await;
        (!d.address.is_empty()).then_some(d)
    })
    .await;
    assert_eq!(d.address, "127.0.0.1", "the local address of the TLS connection");
    agent.send(Command::Motion);
    until("the alarm", || async {
        (!get_json::<EventPage>(&app, &ada, "/api/events").await.events.is_empty()).then_some(())
    })
    .await;
    assert_eq!(proxy.accepted.load(Ordering::SeqCst), 1, "one connection carried it all");
    assert_eq!(agent.status.borrow().connections, 1);
    agent.kill();
}

/// Connects to `/api/agent` as a camera would, without the agent: the socket, or the refusal's
/// status.
async fn connect_as(
    app: &TestApp,
    serial: &str,
    secret: &str,
) -> Result<
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
    StatusCode,
> {
    let url = format!("{}/api/agent", app.url.replacen("http://", "ws://", 1));
    let mut req = url.into_client_request().unwrap();
    req.headers_mut().insert(AGENT_SERIAL_HEADER, serial.parse().unwrap());
    req.headers_mut().insert("authorization", format!("{AGENT_AUTH_SCHEME} {secret}").parse().unwrap());
    match tokio_tungstenite::connect_async(req).await {
        Ok((ws, _)) => Ok(ws),
        Err(tungstenite::Error::Http(res)) => Err(StatusCode::from_u16(res.status().as_u16()).unwrap()),
        Err(e) => panic!("the server did not answer the upgrade: {e}"),
    }
}

/// Reads what the server says until it sends a new secret.
async fn next_secret(
    ws: &mut tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
) -> String {
    let read = async {
        while let Some(msg) = ws.next().await {
            if let Ok(tungstenite::Message::Text(text)) = msg
                && let Ok(ServerMessage::NewSecret { secret }) = serde_json::from_str(&text)
            {
                return secret;
            }
        }
        panic!("the connection closed before a new secret came");
    };
    tokio::time::timeout(WAIT, read).await.expect("a new secret within 10 s")
}

/// Whether the server has nothing pending for this camera: no new secret on its way, none owed.
async fn settled(app: &TestApp, serial: &str) -> bool {
    let hash = devices::serial_hash(&app.state.auth.vault, serial);
    let f = app.state.stores.directory.factory(&hash).await.unwrap().unwrap();
    f.next_secret_hash.is_none() && !f.rekey_due
}

async fn a_claim_replaces_the_secret_and_neither_the_factorys_nor_a_former_owners_copy_works(app: TestApp) {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("camera.json");
    let factory = app.camera().await;
    factory.save(&state).unwrap();
    let spawn = |identity: Identity| {
        let mut config = Config::new(&app.url, identity);
        config.state_path = Some(state.clone());
        Agent::spawn(config)
    };
    let mut agent = spawn(factory.clone());
    agent.wait_until(WAIT, |s| s.connected).await.expect("the agent connects");
    assert_eq!(agent.status.borrow().secrets_stored, 0, "no claim, no new secret");

    // Ada claims it: the camera gets a new secret over its socket and stores it.
    let ada = app.user("ada@example.com").await;
    let d = app.claimed(&ada, &factory).await;
    agent.wait_until(WAIT, |s| s.secrets_stored == 1 && s.bound).await.expect("a new secret is stored");
    let (stored, _) = Identity::load_or_create(&state).unwrap();
    assert_ne!(stored.secret, factory.secret);
    assert_eq!(stored.secret.len(), 64);
    assert_eq!((stored.serial.as_str(), stored.bound), (factory.serial.as_str(), true));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        assert_eq!(std::fs::metadata(&state).unwrap().permissions().mode() & 0o777, 0o600);
    }
    until("the acknowledgement", || async { settled(&app, &factory.serial).await.then_some(()) }).await;
    // The factory's secret (on the label's manifest, in the old state file) no longer works.
    assert_eq!(
        connect_as(&app, &factory.serial, &factory.secret).await.err(),
        Some(StatusCode::UNAUTHORIZED)
    );
    assert!(agent.status.borrow().connected, "the refused attempt did not disturb the camera");

    // The camera restarts from its state file: it connects with the new secret, still owned.
    agent.kill();
    let mut agent = spawn(stored.clone());
    agent.wait_until(WAIT, |s| s.connected && s.bound).await.expect("the camera reconnects");
    let d: Device = until("online again", || async {
        let d: Device = get_json(&app, &ada, &format!("/api/devices/{}", d.id)).await;
        d.online.then_some(d)
    })
    .await;

    // Ada keeps a copy of that secret and releases the camera; Bob claims it. Her copy is
    // then as useless as the factory's.
    let ada_copy = stored.secret.clone();
    let res = ada.send(&app, Method::DELETE, &format!("/api/devices/{}", d.id), None).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    agent.wait_until(WAIT, |s| !s.bound).await.expect("the camera is released");
    let bob = app.user("bob@example.com").await;
    app.claimed(&bob, &factory).await;
    agent.wait_until(WAIT, |s| s.secrets_stored == 1 && s.bound).await.expect("a new secret for Bob's claim");
    until("the acknowledgement", || async { settled(&app, &factory.serial).await.then_some(()) }).await;
    let (now, _) = Identity::load_or_create(&state).unwrap();
    assert!(now.secret != ada_copy && now.secret != factory.secret);
    for old in [&ada_copy, &factory.secret] {
        assert_eq!(connect_as(&app, &factory.serial, old).await.err(), Some(StatusCode::UNAUTHORIZED));
    }
    // An agent of Ada's, started from her copy, is refused.
    let mut impostor = Agent::spawn(Config::new(&app.url, Identity { secret: ada_copy, ..now.clone() }));
    let s = impostor.wait_until(WAIT, |s| s.last_error.is_some()).await.expect("the impostor is refused");
    assert!(s.last_error.unwrap().contains("401"));
    assert_eq!(impostor.status.borrow().connections, 0);
    impostor.kill();
    assert!(agent.status.borrow().connected && agent.status.borrow().bound);
    agent.kill();
}

async fn a_new_secret_is_kept_pending_until_the_camera_acknowledges_or_uses_it(app: TestApp) {
    let factory = app.camera().await;
    let serial = factory.serial.as_str();
    let mut ws = connect_as(&app, serial, &factory.secret).await.expect("the factory secret works");
    let ada = app.user("ada@example.com").await;
    app.claimed(&ada, &factory).await;
    let first = next_secret(&mut ws).await;
    // The camera crashes before storing it: no acknowledgement. Its old secret still works,
    // and the server sends it another new one.
    drop(ws);
    let mut ws = connect_as(&app, serial, &factory.secret).await.expect("the old secret still works");
    let second = next_secret(&mut ws).await;
    assert_ne!(first, second);
    // This time it stored the new one, and crashed before acknowledging it.
    drop(ws);
    // The one it never stored is no longer any good; the stored one is accepted, and from
    // then on only it.
    assert_eq!(connect_as(&app, serial, &first).await.err(), Some(StatusCode::UNAUTHORIZED));
    let ws = connect_as(&app, serial, &second).await.expect("the stored secret is accepted");
    assert!(settled(&app, serial).await, "accepting it made it the camera's secret");
    assert_eq!(connect_as(&app, serial, &factory.secret).await.err(), Some(StatusCode::UNAUTHORIZED));
    drop(ws);
    // The real agent, holding it, works on.
    let mut agent = Agent::spawn(Config::new(&app.url, Identity { secret: second, bound: true, ..factory }));
    agent.wait_until(WAIT, |s| s.connected && s.bound).await.expect("the camera connects with it");
    agent.kill();
}

async fn a_camera_whose_server_forgot_its_new_secret_goes_back_to_the_factorys(app: TestApp) {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("camera.json");
    let factory = app.camera().await;
    factory.save(&state).unwrap();
    let mut config = Config::new(&app.url, factory.clone());
    config.state_path = Some(state.clone());
    let mut agent = Agent::spawn(config);
    agent.wait_until(WAIT, |s| s.connected).await.expect("the agent connects");
    let ada = app.user("ada@example.com").await;
    app.claimed(&ada, &factory).await;
    agent.wait_until(WAIT, |s| s.secrets_stored == 1).await.expect("a new secret is stored");
    until("the acknowledgement", || async { settled(&app, &factory.serial).await.then_some(()) }).await;
    agent.kill();
    let (rotated, _) = Identity::load_or_create(&state).unwrap();
    assert_eq!(rotated.factory_secret.as_deref(), Some(factory.secret.as_str()));
    assert_eq!(rotated.factory_record().secret, factory.secret, "the factory record is the factory's");
    // A fresh store (a developer's new database) imports the factory's manifest again.
    let fresh = crate::helpers::spawn_app(app.backend).await.expect("a second server");
    let line = devices::FactoryLine {
        serial: factory.serial.clone(),
        model: factory.model.clone(),
        code: factory.code.clone(),
        secret: factory.secret.clone(),
    };
    devices::import_factory(&fresh.state.stores, &fresh.state.auth.vault, &[line]).await.unwrap();
    let mut config = Config::new(&fresh.url, rotated.clone());
    config.state_path = Some(state.clone());
    let mut agent = Agent::spawn(config);
    agent.wait_until(WAIT, |s| s.connected).await.expect("the camera connects with its factory secret");
    let (now, _) = Identity::load_or_create(&state).unwrap();
    assert_eq!(now.secret, factory.secret, "the factory's secret is the current one again");
    agent.kill();
    // The first server, which replaced it, still refuses the factory's secret.
    assert_eq!(
        connect_as(&app, &factory.serial, &factory.secret).await.err(),
        Some(StatusCode::UNAUTHORIZED)
    );
}
