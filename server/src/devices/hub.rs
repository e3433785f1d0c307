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
    live: Mutex<HashMap<String, LiveSession>>,
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
    pub async fn relay_offer(
        &self,
        session: &LiveSession,
        id: &str,
        sdp: String,
        label: String,
        wait: std::time::Duration,
    ) -> Option<Result<String, String>> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.answers.lock().expect("hub lock").insert(id.to_string(), tx);
        if !self.is_connected(&session.serial_hash) {
            self.answers.lock().expect("hub lock").remove(id);
            return None;
        }
        self.tell(&session.serial_hash, Control::LiveOffer { session: id.to_string(), sdp, label });
        let answer = tokio::time::timeout(wait, rx).await.ok().and_then(Result::ok);
        self.answers.lock().expect("hub lock").remove(id);
        if matches!(answer, Some(Ok(_))) {
            self.live.lock().expect("hub lock").insert(id.to_string(), session.clone());
        }
        answer
    }

    /// A camera's answer to a relayed offer.
    pub fn answered(&self, id: &str, answer: Result<String, String>) {
        if let Some(tx) = self.answers.lock().expect("hub lock").remove(id) {
            let _ = tx.send(answer);
        }
    }

    /// The live session `id`, if it is in progress.
    pub fn live_session(&self, id: &str) -> Option<LiveSession> {
        self.live.lock().expect("hub lock").get(id).cloned()
    }

    /// Ends a live session: the camera stops streaming to that viewer.
    pub fn end_live(&self, id: &str) {
        if let Some(s) = self.live.lock().expect("hub lock").remove(id) {
            self.tell(&s.serial_hash, Control::LiveEnd { session: id.to_string() });
        }
    }

    /// Ends one viewer's live sessions of a camera (their share was revoked).
    pub fn end_live_of_viewer(&self, device_id: &str, viewer_id: &str) {
        let ended: Vec<String> = {
            let live = self.live.lock().expect("hub lock");
            live.iter()
                .filter(|(_, s)| s.device_id == device_id && s.viewer_id == viewer_id)
                .map(|(id, _)| id.clone())
                .collect()
        };
        for id in ended {
            self.end_live(&id);
        }
    }

    /// Forgets the live sessions of a camera (privacy mode, removal: the camera ends them).
    pub fn forget_live_of(&self, device_id: &str) {
        self.live.lock().expect("hub lock").retain(|_, s| s.device_id != device_id);
    }

    pub fn live_count(&self) -> usize {
        self.live.lock().expect("hub lock").len()
    }
}
