//! `ward-camera`: a camera agent that behaves like a Ward camera on the network.
//!
//! It has a factory identity ([`Identity`]), prints its label and writes the label's QR code,
//! keeps one WebSocket to the server (`/api/agent`, authenticated by its device secret; over
//! TLS for an `https://` server, see [`tls`]), stores the new secret the server issues on
//! every claim, reconnects with exponential backoff, sends heartbeats and reports, raises motion alarms
//! with a JPEG snapshot (on a schedule or on demand) and doorbell calls with a picture, and
//! obeys privacy mode and unbinding. The binary (`main.rs`) wraps [`Agent`]; tests spawn
//! agents in-process the same way.

mod font;
pub mod identity;
pub mod snapshot;
pub mod tls;

use std::path::PathBuf;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use futures_util::{SinkExt as _, StreamExt as _};
use rand::Rng as _;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use ward_model::{AGENT_AUTH_SCHEME, AGENT_SERIAL_HEADER, AgentMessage, ServerMessage};

pub use identity::{FactoryRecord, Identity, parse_qr, qr_png};

/// Heartbeat period; the server counts a camera offline after 8 s of silence.
pub const HEARTBEAT: Duration = Duration::from_secs(2);
const BACKOFF_MIN: Duration = Duration::from_millis(250);
const BACKOFF_MAX: Duration = Duration::from_secs(30);

#[derive(Debug, Clone)]
pub struct Config {
    /// The server's base URL, `http://host:port` (`https` → `wss`).
    pub server: String,
    pub identity: Identity,
    /// Where the identity lives; unbinding and new secrets are written back there. Without
    /// it (tests) the identity lives in memory only.
    pub state_path: Option<PathBuf>,
    /// A PEM file of the CAs to trust for a `wss://` server instead of the public ones.
    pub ca_file: Option<PathBuf>,
    pub time_zone: String,
    pub heartbeat: Duration,
    /// Raise a motion alarm this often (none: only on demand).
    pub alarm_every: Option<Duration>,
    /// The address viewers reach the camera's media at (none: the address it reaches the
    /// server from).
    pub media_ip: Option<std::net::IpAddr>,
    /// The live view's size and rate (the test picture's; an RTSP camera sends its own).
    pub video: ward_live::VideoFormat,
    /// An RTSP camera whose H.264 viewers get, passed through, instead of the test picture.
    pub rtsp: Option<ward_live::RtspSource>,
}

impl Config {
    pub fn new(server: &str, identity: Identity) -> Config {
        Config {
            server: server.trim_end_matches('/').into(),
            identity,
            state_path: None,
            ca_file: None,
            time_zone: "UTC".into(),
            heartbeat: HEARTBEAT,
            alarm_every: None,
            media_ip: None,
            video: ward_live::VideoFormat::default(),
            rtsp: None,
        }
    }
}

/// On-demand actions (the binary reads them from stdin: `motion`, `ring`, `freeze`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Motion,
    Ring,
    /// Go silent without closing the connection, like a camera losing power.
    Freeze,
}

/// What the agent is doing, observable by its owner process.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Status {
    pub connected: bool,
    /// Completed WebSocket handshakes so far.
    pub connections: u64,
    pub bound: bool,
    pub privacy_mode: bool,
    pub alarms_sent: u64,
    pub calls_sent: u64,
    /// Alarms and calls not raised because of privacy mode or no owner.
    pub suppressed: u64,
    /// Alarms and calls whose pictures the server refused (over the camera's limit), and the
    /// server's reason for the last one.
    pub refused: u64,
    pub last_refusal: Option<String>,
    /// Viewers being streamed to now.
    pub viewers: usize,
    /// Live views started since the agent started.
    pub live_sessions: u64,
    /// New secrets from the server stored (and acknowledged) since the agent started.
    pub secrets_stored: u64,
    /// Why the last connection attempt failed, if it did.
    pub last_error: Option<String>,
}

/// A running agent.
pub struct Agent {
    pub commands: mpsc::UnboundedSender<Command>,
    pub status: watch::Receiver<Status>,
    task: JoinHandle<()>,
}

impl Agent {
    pub fn spawn(config: Config) -> Agent {
        let (commands, rx) = mpsc::unbounded_channel();
        let (tx_status, status) =
            watch::channel(Status { bound: config.identity.bound, ..Status::default() });
        let task = tokio::spawn(run(config, rx, tx_status));
        Agent { commands, status, task }
    }

    pub fn send(&self, command: Command) {
        let _ = self.commands.send(command);
    }

    /// Waits (at most `limit`) until the status satisfies `pred`; returns the last status.
    pub async fn wait_until(
        &mut self,
        limit: Duration,
        pred: impl Fn(&Status) -> bool,
    ) -> Result<Status, Status> {
        let waited = tokio::time::timeout(limit, self.status.wait_for(|s| pred(s)))
            .await
            .map(|r| r.map(|s| s.clone()));
        match waited {
            Ok(Ok(s)) => Ok(s),
            _ => Err(self.status.borrow().clone()),
        }
    }

    /// Ends the agent at once: its socket is dropped (a process being killed).
    pub fn kill(self) {
        self.task.abort();
    }

    pub async fn join(self) {
        let _ = self.task.await;
    }
}

fn agent_url(server: &str) -> String {
    let ws = if let Some(rest) = server.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = server.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        server.to_string()
    };
    format!("{ws}/api/agent")
}

async fn run(
    mut config: Config,
    mut commands: mpsc::UnboundedReceiver<Command>,
    status: watch::Sender<Status>,
) {
    let mut backoff = BACKOFF_MIN;
    loop {
        match connect(&mut config).await {
            Ok(ws) => {
                backoff = BACKOFF_MIN;
                status.send_modify(|s| {
                    s.connected = true;
                    s.connections += 1;
                    s.last_error = None;
                });
                let ended = session(&mut config, ws, &mut commands, &status).await;
                status.send_modify(|s| s.connected = false);
                if ended == Ended::Stopped {
                    return;
                }
            }
            Err(err) => status.send_modify(|s| s.last_error = Some(err.to_string())),
        }
        // Full jitter, so a thousand cameras do not reconnect in step after an outage.
        let wait = rand::thread_rng().gen_range(backoff / 2..=backoff);
        tokio::time::sleep(wait).await;
        backoff = (backoff * 2).min(BACKOFF_MAX);
    }
}

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Connects with the current secret; if the server refuses it, with the factory's (see
/// [`Identity::factory_secret`]), which then becomes the current one again.
async fn connect(config: &mut Config) -> anyhow::Result<(Ws, String)> {
    let refused = match connect_with(config, &config.identity.secret).await {
        Err(err) if is_unauthorized(&err) => err,
        done => return done,
    };
    let Some(factory) = config.identity.factory_secret.clone().filter(|f| *f != config.identity.secret)
    else {
        return Err(refused);
    };
    let connected = connect_with(config, &factory).await.map_err(|_| refused)?;
    config.identity.secret = factory;
    if let Some(path) = &config.state_path
        && let Err(err) = config.identity.save(path)
    {
        eprintln!("ward-camera: could not save {}: {err}", path.display());
    }
    Ok(connected)
}

fn is_unauthorized(err: &anyhow::Error) -> bool {
    use tokio_tungstenite::tungstenite::Error;
    matches!(err.downcast_ref::<Error>(), Some(Error::Http(res)) if res.status() == 401)
}

async fn connect_with(config: &Config, secret: &str) -> anyhow::Result<(Ws, String)> {
    let url = agent_url(&config.server);
    let mut req = url.as_str().into_client_request()?;
    let headers = req.headers_mut();
    headers.insert(AGENT_SERIAL_HEADER, HeaderValue::from_str(&config.identity.serial)?);
    headers.insert("authorization", HeaderValue::from_str(&format!("{AGENT_AUTH_SCHEME} {secret}"))?);
    // Read at each attempt: a CA file replaced on disk is picked up by the next connection.
    let connector = match url.starts_with("wss://") {
        true => Some(tokio_tungstenite::Connector::Rustls(tls::client_config(config.ca_file.as_deref())?)),
        false => None,
    };
    let (ws, _) = tokio_tungstenite::connect_async_tls_with_config(req, None, false, connector)
        .await
        .map_err(|e| match tls::explain(&e, config.ca_file.as_deref()) {
            Some(words) => anyhow::anyhow!(words),
            None => e.into(),
        })?;
    let address = match ws.get_ref() {
        tokio_tungstenite::MaybeTlsStream::Plain(tcp) => tcp.local_addr()?.ip().to_string(),
        tokio_tungstenite::MaybeTlsStream::Rustls(tls) => tls.get_ref().0.local_addr()?.ip().to_string(),
        _ => String::new(),
    };
    Ok((ws, address))
}

#[derive(Debug, PartialEq, Eq)]
enum Ended {
    /// The connection dropped: reconnect.
    Dropped,
    /// The command channel closed or the camera froze: stop.
    Stopped,
}

async fn session(
    config: &mut Config,
    (ws, address): (Ws, String),
    commands: &mut mpsc::UnboundedReceiver<Command>,
    status: &watch::Sender<Status>,
) -> Ended {
    let (mut tx, mut rx) = ws.split();
    let media_ip = config.media_ip.or_else(|| address.parse().ok());
    let mut live = Live::new();
    let report = AgentMessage::Report {
        firmware: config.identity.firmware.clone(),
        address,
        time_zone: config.time_zone.clone(),
    };
    if send(&mut tx, &report).await.is_err() {
        return Ended::Dropped;
    }
    let mut heartbeat = tokio::time::interval(config.heartbeat);
    heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let alarm_period = config.alarm_every.unwrap_or(Duration::from_secs(86_400 * 365));
    let mut alarms = tokio::time::interval_at(tokio::time::Instant::now() + alarm_period, alarm_period);
    let mut seq = 0u64;
    loop {
        let action = tokio::select! {
            _ = heartbeat.tick() => {
                live.tidy(status);
                Some(AgentMessage::Heartbeat)
            }
            _ = alarms.tick(), if config.alarm_every.is_some() => picture(config, status, Command::Motion, &mut seq),
            Some((session, answered)) = live.answered.recv() => live.finish(status, session, answered),
            cmd = commands.recv() => match cmd {
                None => return Ended::Stopped,
                Some(Command::Freeze) => {
                    // Hold the socket open and say nothing, until the process ends.
                    let _keep = (tx, rx);
                    std::future::pending::<()>().await;
                    return Ended::Stopped;
                }
                Some(cmd) => picture(config, status, cmd, &mut seq),
            },
            msg = rx.next() => match msg {
                Some(Ok(Message::Text(text))) => {
                    // A newer server's message that this agent does not know is ignored.
                    match serde_json::from_str::<ServerMessage>(&text) {
                        Ok(ServerMessage::LiveOffer { session, sdp, label }) => {
                            live.offer(config, status, media_ip, session, sdp, &label)
                        }
                        Ok(ServerMessage::LiveEnd { session }) => {
                            live.end(&session, status);
                            None
                        }
                        Ok(ServerMessage::PicturesRefused { of, error, .. }) => {
                            eprintln!("ward-camera: the server refused the {of}'s pictures: {}", error.message);
                            status.send_modify(|s| {
                                s.refused += 1;
                                s.last_refusal = Some(error.message);
                            });
                            None
                        }
                        Ok(ServerMessage::NewSecret { secret }) => store_secret(config, status, secret),
                        Ok(m) => {
                            obey(config, status, m);
                            if status.borrow().privacy_mode || !status.borrow().bound {
                                live.end_all(status);
                            }
                            None
                        }
                        Err(_) => None,
                    }
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => {
                    // No control channel, no live view: nobody could stop it otherwise.
                    live.end_all(status);
                    return Ended::Dropped;
                }
                Some(Ok(_)) => None,
            },
        };
        if let Some(msg) = action {
            let is_alarm = matches!(msg, AgentMessage::Alarm { .. });
            let is_call = matches!(msg, AgentMessage::Call { .. });
            if send(&mut tx, &msg).await.is_err() {
                live.end_all(status);
                return Ended::Dropped;
            }
            status.send_modify(|s| {
                s.alarms_sent += u64::from(is_alarm);
                s.calls_sent += u64::from(is_call);
            });
        }
    }
}

async fn send(
    tx: &mut futures_util::stream::SplitSink<Ws, Message>,
    msg: &AgentMessage,
) -> Result<(), tokio_tungstenite::tungstenite::Error> {
    let text = serde_json::to_string(msg).expect("agent messages serialise");
    tx.send(Message::Text(text.into())).await
}

/// Takes the picture for an alarm or a call, unless privacy mode is on or nobody owns the
/// camera: then nothing is captured at all.
fn picture(
    config: &Config,
    status: &watch::Sender<Status>,
    cmd: Command,
    seq: &mut u64,
) -> Option<AgentMessage> {
    let s = status.borrow().clone();
    if s.privacy_mode || !s.bound {
        status.send_modify(|s| s.suppressed += 1);
        return None;
    }
    *seq += 1;
    let at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let caption =
        format!("{} {}", config.identity.serial, if cmd == Command::Ring { "DOORBELL" } else { "MOTION" });
    let picture = B64.encode(snapshot::render(640, 360, at, *seq, &caption));
    Some(match cmd {
        Command::Ring => AgentMessage::Call { at, picture },
        _ => {
            let thumbnail = B64.encode(snapshot::render(160, 90, at, *seq, ""));
            AgentMessage::Alarm { at, picture, thumbnail }
        }
    })
}

/// What answering an offer gave: the SDP answer and the session, or why not.
type Answered = Result<(String, ward_live::Viewer), String>;

/// The viewers this camera streams to, by the server's session id.
struct Live {
    viewers: std::collections::HashMap<String, ward_live::Viewer>,
    /// Offers being answered on a blocking thread: opening an RTSP camera can take seconds,
    /// and the control loop must keep its heartbeats meanwhile.
    pending: std::collections::HashSet<String>,
    answers: mpsc::UnboundedSender<(String, Answered)>,
    answered: mpsc::UnboundedReceiver<(String, Answered)>,
}

impl Live {
    fn new() -> Live {
        let (answers, answered) = mpsc::unbounded_channel();
        Live { viewers: Default::default(), pending: Default::default(), answers, answered }
    }

    /// Starts answering a viewer's offer, unless privacy mode is on or nobody owns the camera
    /// (then it is refused at once). The answer comes back through `answered` to `finish`.
    fn offer(
        &mut self,
        config: &Config,
        status: &watch::Sender<Status>,
        media_ip: Option<std::net::IpAddr>,
        session: String,
        sdp: String,
        label: &str,
    ) -> Option<AgentMessage> {
        if let Some(reason) = refusal(&status.borrow()) {
            return Some(AgentMessage::LiveRefused { session, reason: reason.into() });
        }
        let ip = media_ip.unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST));
        let source = match &config.rtsp {
            Some(rtsp) => ward_live::Source::Rtsp(rtsp.clone()),
            None => ward_live::Source::TestPattern { format: config.video, label: label.into() },
        };
        self.pending.insert(session.clone());
        let answers = self.answers.clone();
        tokio::task::spawn_blocking(move || {
            let answered = ward_live::Viewer::answer_with(&sdp, ip, source).map_err(|e| e.to_string());
            // The agent's connection is gone: nobody can end this viewer later.
            if let Err(mpsc::error::SendError((_, Ok((_, viewer))))) = answers.send((session, answered)) {
                viewer.stop();
            }
        });
        None
    }

    /// An offer was answered: the viewer is kept and the answer sent, unless the viewer left
    /// or privacy mode came on meanwhile.
    fn finish(
        &mut self,
        status: &watch::Sender<Status>,
        session: String,
        answered: Answered,
    ) -> Option<AgentMessage> {
        let wanted = self.pending.remove(&session);
        let refused = refusal(&status.borrow());
        match answered {
            Ok((answer, viewer)) if wanted && refused.is_none() => {
                self.viewers.insert(session.clone(), viewer);
                self.publish(status, true);
                Some(AgentMessage::LiveAnswer { session, sdp: answer })
            }
            Ok((_, viewer)) => {
                tokio::task::spawn_blocking(move || viewer.stop());
                match (wanted, refused) {
                    (true, Some(reason)) => {
                        Some(AgentMessage::LiveRefused { session, reason: reason.into() })
                    }
                    // The viewer left meanwhile: the server expects nothing.
                    _ => None,
                }
            }
            Err(reason) => wanted.then_some(AgentMessage::LiveRefused { session, reason }),
        }
    }

    fn end(&mut self, session: &str, status: &watch::Sender<Status>) {
        self.pending.remove(session);
        if let Some(v) = self.viewers.remove(session) {
            // Stopping joins the viewer's thread (at most ~100 ms): not on the async thread.
            tokio::task::spawn_blocking(move || v.stop());
        }
        self.publish(status, false);
    }

    fn end_all(&mut self, status: &watch::Sender<Status>) {
        self.pending.clear();
        for (_, v) in self.viewers.drain() {
            tokio::task::spawn_blocking(move || v.stop());
        }
        self.publish(status, false);
    }

    /// Forgets viewers whose sessions ended on their own (they left, or never connected).
    fn tidy(&mut self, status: &watch::Sender<Status>) {
        self.viewers.retain(|_, v| !v.is_finished());
        self.publish(status, false);
    }

    fn publish(&self, status: &watch::Sender<Status>, started: bool) {
        let n = self.viewers.len();
        status.send_if_modified(|s| {
            let changed = s.viewers != n || started;
            s.viewers = n;
            s.live_sessions += u64::from(started);
            changed
        });
    }
}

/// Why no live view can be given now, if so.
fn refusal(s: &Status) -> Option<&'static str> {
    if s.privacy_mode {
        Some("privacy mode is on")
    } else if !s.bound {
        Some("the camera has no owner")
    } else {
        None
    }
}

/// The server replaced this camera's secret (someone claimed it): store the new one where
/// the identity lives — written to a temporary file, synced, renamed over the old one — and
/// only then acknowledge it and use it. If it cannot be stored, the camera keeps the old one
/// and says nothing: the server goes on accepting the old one and sends another new one on
/// the next connection. A crash before the rename leaves the old one on disk, still valid; a
/// crash after it, before the acknowledgement, leaves the new one, which the server accepts.
fn store_secret(config: &mut Config, status: &watch::Sender<Status>, secret: String) -> Option<AgentMessage> {
    if secret.len() != 64 || !secret.bytes().all(|b| b.is_ascii_hexdigit()) {
        eprintln!("ward-camera: the server sent a malformed secret; keeping the current one");
        return None;
    }
    let current = &config.identity;
    // The first new secret replaces the factory's: keep that one (see `factory_secret`).
    let factory_secret = current.factory_secret.clone().or_else(|| Some(current.secret.clone()));
    let next = Identity { secret, factory_secret, ..current.clone() };
    if let Some(path) = &config.state_path
        && let Err(err) = next.save(path)
    {
        eprintln!("ward-camera: could not store the new secret in {}: {err}", path.display());
        return None;
    }
    config.identity = next;
    status.send_modify(|s| s.secrets_stored += 1);
    Some(AgentMessage::SecretStored)
}

fn obey(config: &mut Config, status: &watch::Sender<Status>, msg: ServerMessage) {
    let (bound, privacy) = match msg {
        ServerMessage::State { bound, privacy_mode } => (bound, privacy_mode),
        ServerMessage::Unbound => (false, false),
        ServerMessage::LiveOffer { .. }
        | ServerMessage::LiveEnd { .. }
        | ServerMessage::PicturesRefused { .. }
        | ServerMessage::NewSecret { .. } => return,
    };
    status.send_modify(|s| {
        s.bound = bound;
        s.privacy_mode = privacy;
    });
    if config.identity.bound != bound {
        config.identity.bound = bound;
        if let Some(path) = &config.state_path
            && let Err(err) = config.identity.save(path)
        {
            eprintln!("ward-camera: could not save {}: {err}", path.display());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_agent_url_follows_the_scheme() {
        assert_eq!(agent_url("http://127.0.0.1:8080"), "ws://127.0.0.1:8080/api/agent");
        assert_eq!(agent_url("https://ward.example"), "wss://ward.example/api/agent");
    }

    #[test]
    fn a_new_secret_is_stored_before_it_is_acknowledged_and_kept_out_if_it_cannot_be() {
        let dir = std::env::temp_dir().join(format!("ward-camera-rekey-{}", std::process::id()));
        let path = dir.join("camera.json");
        let mut config = Config::new("http://127.0.0.1:9", Identity::generate());
        config.state_path = Some(path.clone());
        config.identity.save(&path).unwrap();
        let old = config.identity.secret.clone();
        let status = watch::channel(Status::default()).0;
        let new = "ab".repeat(32);
        assert_eq!(store_secret(&mut config, &status, new.clone()), Some(AgentMessage::SecretStored));
        assert_eq!(Identity::load_or_create(&path).unwrap().0.secret, new);
        assert_eq!((config.identity.secret.as_str(), status.borrow().secrets_stored), (new.as_str(), 1));
        assert_ne!(old, new);
        // Not 64 hex digits: ignored.
        assert_eq!(store_secret(&mut config, &status, "zz".into()), None);
        // Cannot be stored (the state file's directory is a file): not acknowledged, not used,
        // so the server goes on accepting the secret on disk.
        config.state_path = Some(path.join("camera.json"));
        assert_eq!(store_secret(&mut config, &status, "cd".repeat(32)), None);
        assert_eq!((config.identity.secret.as_str(), status.borrow().secrets_stored), (new.as_str(), 1));
        std::fs::remove_dir_all(dir).unwrap();
    }

    const LOOPBACK: std::net::IpAddr = std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

    /// A viewer's offer (a receive-only WebRTC peer's; it never connects here).
    fn offer() -> String {
        ward_live::probe::Probe::offer(LOOPBACK).unwrap().1
    }

    fn bound() -> watch::Sender<Status> {
        watch::channel(Status { bound: true, ..Status::default() }).0
    }

    /// Waits for the next answered offer, as the control loop does, and finishes it.
    async fn next_answer(live: &mut Live, status: &watch::Sender<Status>) -> Option<AgentMessage> {
        let (session, answered) =
            tokio::time::timeout(Duration::from_secs(10), live.answered.recv()).await.unwrap().unwrap();
        live.finish(status, session, answered)
    }

    #[tokio::test]
    async fn offers_are_answered_off_the_control_loop() {
        let (status, config) = (bound(), Config::new("http://127.0.0.1:9", Identity::generate()));
        let mut live = Live::new();
        assert!(live.offer(&config, &status, Some(LOOPBACK), "s1".into(), offer(), "Door").is_none());
        match next_answer(&mut live, &status).await {
            Some(AgentMessage::LiveAnswer { session, sdp }) => {
                assert_eq!(session, "s1");
                assert!(sdp.contains("H264"), "{sdp}");
            }
            other => panic!("expected an answer: {other:?}"),
        }
        assert_eq!((status.borrow().viewers, status.borrow().live_sessions), (1, 1));
        live.end_all(&status);
        assert_eq!(status.borrow().viewers, 0);
    }

    #[tokio::test]
    async fn an_rtsp_camera_that_cannot_be_played_refuses_the_viewer_with_the_reason() {
        let closed = std::net::TcpListener::bind((LOOPBACK, 0)).unwrap().local_addr().unwrap();
        let mut config = Config::new("http://127.0.0.1:9", Identity::generate());
        config.rtsp = Some(ward_live::RtspSource::new(&format!("rtsp://{closed}/live")).unwrap());
        let status = bound();
        let mut live = Live::new();
        assert!(live.offer(&config, &status, Some(LOOPBACK), "s1".into(), offer(), "Door").is_none());
        match next_answer(&mut live, &status).await {
            Some(AgentMessage::LiveRefused { session, reason }) => {
                assert_eq!(session, "s1");
                assert!(reason.starts_with("RTSP:") && reason.contains(&closed.to_string()), "{reason}");
            }
            other => panic!("expected a refusal: {other:?}"),
        }
        assert_eq!(status.borrow().live_sessions, 0);
    }

    #[tokio::test]
    async fn a_viewer_who_leaves_or_privacy_mode_before_the_answer_gets_no_stream() {
        let (status, config) = (bound(), Config::new("http://127.0.0.1:9", Identity::generate()));
        let mut live = Live::new();
        // The viewer left while the offer was being answered: nothing is sent, nothing kept.
        live.offer(&config, &status, Some(LOOPBACK), "s1".into(), offer(), "Door");
        live.end("s1", &status);
        assert!(next_answer(&mut live, &status).await.is_none());
        // Privacy mode came on meanwhile: refused, not answered.
        live.offer(&config, &status, Some(LOOPBACK), "s2".into(), offer(), "Door");
        status.send_modify(|s| s.privacy_mode = true);
        match next_answer(&mut live, &status).await {
            Some(AgentMessage::LiveRefused { session, reason }) => {
                assert_eq!((session.as_str(), reason.as_str()), ("s2", "privacy mode is on"));
            }
            other => panic!("expected a refusal: {other:?}"),
        }
        // And with privacy mode on, an offer is refused at once.
        let refused = live.offer(&config, &status, Some(LOOPBACK), "s3".into(), offer(), "Door");
        assert!(matches!(refused, Some(AgentMessage::LiveRefused { .. })), "{refused:?}");
        assert!(live.pending.is_empty() && live.viewers.is_empty());
        assert_eq!(status.borrow().live_sessions, 0);
    }
}
