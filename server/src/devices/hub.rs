//! The agents connected to this server instance, and the live status feed for browsers.
//!
//! One instance knows only its own connections: a deployment with several instances fans
//! status changes and control messages out between them (PostgreSQL LISTEN/NOTIFY), which
//! is not built yet. The `online` column in the region store is the shared truth.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::{broadcast, mpsc};
use ward_model::Region;

/// What the rest of the server tells a connected camera's connection task.
#[derive(Debug, Clone)]
pub enum Control {
    /// Someone claimed the camera.
    Bound {
        region: Region,
        device_id: String,
        owner_id: String,
    },
    Privacy(bool),
    /// The owner removed it.
    Unbound,
    /// Relay a viewer's offer; the answer comes back through [`Hub::answered`].
    LiveOffer {
        session: String,
        sdp: String,
        label: String,
    },
    /// The viewer left.
    LiveEnd {
        session: String,
    },
}

/// A live view in progress: who watches which camera (for `DELETE` and privacy mode).
#[derive(Debug, Clone)]
pub struct LiveSession {
    pub device_id: String,
    pub viewer_id: String,
    pub serial_hash: Vec<u8>,
    /// The viewer's sign-in session (its id): the live view ends when it does.
    pub signed_in: String,
}

/// At most this many live views per viewer at once (the live page shows up to four; the
/// rest is room for a reload whose old sessions are still ending).
pub const MAX_LIVE_PER_VIEWER: usize = 8;
/// At most this many viewers of one camera at once: a camera encodes a stream per viewer.
pub const MAX_LIVE_PER_CAMERA: usize = 10;

/// Why an offer was not relayed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveFull {
    /// The viewer has [`MAX_LIVE_PER_VIEWER`] live views (or offers) already.
    Viewer,
    /// The camera has [`MAX_LIVE_PER_CAMERA`] viewers (or offers) already.
    Camera,
}

/// A live session with the timer that ends it when the viewer's right to watch ends.
struct Live {
    session: LiveSession,
    timer: Option<tokio::task::AbortHandle>,
}

/// Live sessions and offers waiting for the camera's answer, under one lock so the caps
/// count both: concurrent offers cannot slip past them.
#[derive(Default)]
struct LiveViews {
    sessions: HashMap<String, Live>,
    offers: HashMap<String, LiveSession>,
}

impl LiveViews {
    fn all(&self) -> impl Iterator<Item = &LiveSession> {
        self.sessions.values().map(|l| &l.session).chain(self.offers.values())
    }

    fn full(&self, s: &LiveSession) -> Option<LiveFull> {
        if self.all().filter(|l| l.viewer_id == s.viewer_id).count() >= MAX_LIVE_PER_VIEWER {
            Some(LiveFull::Viewer)
        } else if self.all().filter(|l| l.device_id == s.device_id).count() >= MAX_LIVE_PER_CAMERA {
            Some(LiveFull::Camera)
        } else {
            None
        }
    }

    /// Removes the sessions (and offers) `ended` picks; answers the removed sessions.
    fn remove_where(&mut self, ended: impl Fn(&LiveSession) -> bool) -> Vec<(String, LiveSession)> {
        self.offers.retain(|_, s| !ended(s));
        let ids: Vec<String> =
            self.sessions.iter().filter(|(_, l)| ended(&l.session)).map(|(id, _)| id.clone()).collect();
        ids.into_iter().filter_map(|id| self.remove(&id).map(|s| (id, s))).collect()
    }

    fn remove(&mut self, id: &str) -> Option<LiveSession> {
        let live = self.sessions.remove(id)?;
        if let Some(timer) = live.timer {
            timer.abort();
        }
        Some(live.session)
    }
}

type Answer = tokio::sync::oneshot::Sender<Result<String, String>>;

/// A device went on- or offline.
#[derive(Debug, Clone)]
pub struct StatusChange {
    pub owner_id: String,
    pub device_id: String,
    pub online: bool,
}

/// The last report of a connected camera (used when it is claimed while connected).
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub firmware: String,
    pub address: String,
    pub time_zone: String,
}

struct Link {
    conn: u64,
    tx: mpsc::UnboundedSender<Control>,
    report: Option<Report>,
}

pub struct Hub {
    links: Mutex<HashMap<Vec<u8>, Link>>,
    status: broadcast::Sender<StatusChange>,
    next: AtomicU64,
    /// Messages handled from agents (heartbeats included), for the benchmark.
    pub messages: AtomicU64,
    /// Offers relayed to cameras and waiting for their answer.
    answers: Mutex<HashMap<String, Answer>>,
    live: Mutex<LiveViews>,
}

impl Default for Hub {
    fn default() -> Self {
        Hub {
            links: Mutex::default(),
            status: broadcast::channel(4096).0,
            next: AtomicU64::new(1),
            messages: AtomicU64::new(0),
            answers: Mutex::default(),
            live: Mutex::default(),
        }
    }
}

impl Hub {
    /// Registers a connection for a serial (hash); a newer one replaces an older one, whose
    /// channel then closes and whose task ends.
    pub fn connect(&self, serial_hash: &[u8]) -> (u64, mpsc::UnboundedReceiver<Control>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let conn = self.next.fetch_add(1, Ordering::Relaxed);
        self.links.lock().expect("hub lock").insert(serial_hash.to_vec(), Link { conn, tx, report: None });
        (conn, rx)
    }

    /// Forgets a connection, unless a newer one took its place. Returns whether it was current.
    pub fn disconnect(&self, serial_hash: &[u8], conn: u64) -> bool {
        let mut links = self.links.lock().expect("hub lock");
        if links.get(serial_hash).is_some_and(|l| l.conn == conn) {
            links.remove(serial_hash);
            drop(links);
            // A camera that loses its control socket ends every viewer (no one could stop
            // them otherwise), so its sessions are gone: forgetting them keeps the caps true.
            self.live.lock().expect("hub lock").remove_where(|s| s.serial_hash == serial_hash);
            true
        } else {
            false
        }
    }

    pub fn set_report(&self, serial_hash: &[u8], conn: u64, report: Report) {
        if let Some(l) = self.links.lock().expect("hub lock").get_mut(serial_hash)
            && l.conn == conn
        {
            l.report = Some(report);
        }
    }

    /// The connected camera's last report; `None` when it is not connected here.
    pub fn report(&self, serial_hash: &[u8]) -> Option<Report> {
        self.links.lock().expect("hub lock").get(serial_hash).and_then(|l| l.report.clone())
    }

    pub fn is_connected(&self, serial_hash: &[u8]) -> bool {
        self.links.lock().expect("hub lock").contains_key(serial_hash)
    }

    pub fn connected(&self) -> usize {
        self.links.lock().expect("hub lock").len()
    }

    /// Tells a camera's connection, if it is connected here.
    pub fn tell(&self, serial_hash: &[u8], control: Control) {
        if let Some(l) = self.links.lock().expect("hub lock").get(serial_hash) {
            let _ = l.tx.send(control);
        }
    }

    pub fn publish(&self, change: StatusChange) {
        let _ = self.status.send(change);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<StatusChange> {
        self.status.subscribe()
    }

    /// Relays a viewer's offer to a connected camera; answers the camera's SDP answer, or why
    /// it refused (`Err`), or `None` when the camera is not connected here or did not answer.
    /// Refused without asking the camera when the viewer or the camera is at its cap.
    pub async fn relay_offer(
        &self,
        session: &LiveSession,
        id: &str,
        sdp: String,
        label: String,
        wait: std::time::Duration,
    ) -> Result<Option<Result<String, String>>, LiveFull> {
        {
            let mut live = self.live.lock().expect("hub lock");
            if let Some(full) = live.full(session) {
                return Err(full);
            }
            live.offers.insert(id.to_string(), session.clone());
        }
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.answers.lock().expect("hub lock").insert(id.to_string(), tx);
        let answer = if self.is_connected(&session.serial_hash) {
            self.tell(&session.serial_hash, Control::LiveOffer { session: id.to_string(), sdp, label });
            tokio::time::timeout(wait, rx).await.ok().and_then(Result::ok)
        } else {
            None
        };
        self.answers.lock().expect("hub lock").remove(id);
        let mut live = self.live.lock().expect("hub lock");
        let offered = live.offers.remove(id);
        match answer {
            Some(Ok(sdp)) if offered.is_some() => {
                live.sessions.insert(id.to_string(), Live { session: session.clone(), timer: None });
                Ok(Some(Ok(sdp)))
            }
            // The viewer's right to watch ended while the camera answered (signed out, the
            // share revoked): the camera stops at once and the viewer gets no answer.
            Some(Ok(_)) => {
                drop(live);
                self.tell(&session.serial_hash, Control::LiveEnd { session: id.to_string() });
                Ok(None)
            }
            other => Ok(other),
        }
    }

    /// A camera's answer to a relayed offer.
    pub fn answered(&self, id: &str, answer: Result<String, String>) {
        if let Some(tx) = self.answers.lock().expect("hub lock").remove(id) {
            let _ = tx.send(answer);
        }
    }

    /// The live session `id`, if it is in progress.
    pub fn live_session(&self, id: &str) -> Option<LiveSession> {
        self.live.lock().expect("hub lock").sessions.get(id).map(|l| l.session.clone())
    }

    /// Hands the live session `id` the task that ends it on time; the task is stopped when
    /// the session ends first, and at once when it has already ended.
    pub fn set_live_timer(&self, id: &str, timer: tokio::task::AbortHandle) {
        match self.live.lock().expect("hub lock").sessions.get_mut(id) {
            Some(live) => live.timer = Some(timer),
            None => timer.abort(),
        }
    }

    /// Ends a live session: the camera stops streaming to that viewer.
    pub fn end_live(&self, id: &str) {
        let ended = self.live.lock().expect("hub lock").remove(id);
        if let Some(s) = ended {
            self.tell(&s.serial_hash, Control::LiveEnd { session: id.to_string() });
        }
    }

    /// Ends the live sessions (and offers in flight) that `ended` picks.
    fn end_live_where(&self, ended: impl Fn(&LiveSession) -> bool) {
        let ended = self.live.lock().expect("hub lock").remove_where(ended);
        for (id, s) in ended {
            self.tell(&s.serial_hash, Control::LiveEnd { session: id });
        }
    }

    /// Ends one viewer's live sessions of a camera (their share was revoked).
    pub fn end_live_of_viewer(&self, device_id: &str, viewer_id: &str) {
        self.end_live_where(|s| s.device_id == device_id && s.viewer_id == viewer_id);
    }

    /// Ends the live sessions started in a sign-in session (it ended: signed out, revoked).
    pub fn end_live_of_signed_in(&self, signed_in: &str) {
        self.end_live_where(|s| s.signed_in == signed_in);
    }

    /// Ends a person's live sessions, but those of the sign-in session `keep` (their other
    /// sessions ended: a password change or reset, "sign out everywhere else", deletion).
    pub fn end_live_of_person(&self, viewer_id: &str, keep: Option<&str>) {
        self.end_live_where(|s| s.viewer_id == viewer_id && Some(s.signed_in.as_str()) != keep);
    }

    /// Forgets the live sessions of a camera (privacy mode, removal: the camera ends them).
    pub fn forget_live_of(&self, device_id: &str) {
        self.live.lock().expect("hub lock").remove_where(|s| s.device_id == device_id);
    }

    pub fn live_count(&self) -> usize {
        self.live.lock().expect("hub lock").sessions.len()
    }
}
