//! Pass-through from an RTSP camera: its H.264 goes to every viewer unchanged, never decoded
//! or re-encoded.
//!
//! One RTSP session (DESCRIBE, SETUP with RTP over the RTSP connection, PLAY; `retina` does
//! the protocol and the RTP depacketizing) is shared by all the viewers of an agent: it opens
//! when the first viewer subscribes and closes when the last one's subscription drops. It runs
//! on its own thread with a small tokio runtime (retina is async, the viewers' sessions are
//! not) and reconnects with backoff when the camera drops it.
//!
//! What pass-through cannot do, by its nature:
//! - force a key frame: a viewer who joins (or whose queue overflowed) waits for the camera's
//!   next IDR, and a browser's PLI/FIR cannot be passed upstream (RTSP has no way to ask), so
//!   a lost frame heals only at the camera's next key frame;
//! - adapt the bit rate or size to a viewer: everyone gets what the camera sends.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use rand::Rng as _;
use retina::client::{
    Credentials, PlayOptions, Session, SessionGroup, SessionOptions, SetupOptions, Transport,
};
use retina::codec::{CodecItem, FrameFormat};
use str0m::media::{Frequency, MediaTime};
use url::Url;

use crate::LiveError;

/// How long a viewer's offer waits for the camera's first answer (DESCRIBE to PLAY). The
/// server gives the agent 10 s to answer an offer.
pub const CONNECT_WAIT: Duration = Duration::from_secs(6);
/// A camera that sends no frame for this long is counted as gone and reconnected.
const STALL: Duration = Duration::from_secs(10);
/// How long the last viewer's leaving waits for the TEARDOWN to be answered.
const TEARDOWN_WAIT: Duration = Duration::from_secs(2);
const BACKOFF_MIN: Duration = Duration::from_millis(250);
const BACKOFF_MAX: Duration = Duration::from_secs(30);
/// Frames queued for one viewer before it is counted as lagging (it then waits for the next
/// key frame rather than decoding a stream with holes).
const QUEUE: usize = 60;

/// One H.264 access unit from the camera, shared by all viewers.
pub(crate) struct AccessUnit {
    /// Annex B NAL units (start codes), SPS and PPS before each IDR: what str0m's H.264
    /// packetizer takes, and what lets a viewer start at any key frame.
    pub(crate) data: Arc<[u8]>,
    /// An IDR: a viewer can start decoding here.
    pub(crate) key: bool,
    /// On the 90 kHz RTP clock, continuous across reconnects.
    pub(crate) rtp_time: MediaTime,
    /// When the agent received it (the RTCP sender reports' wall clock).
    pub(crate) received: Instant,
}

/// An RTSP camera as the live view's source. Cloning shares the one RTSP session.
#[derive(Clone)]
pub struct RtspSource {
    inner: Arc<SourceInner>,
}

struct SourceInner {
    /// Without user name and password (those go in `creds`), so it can be shown and logged.
    url: Url,
    creds: Option<Credentials>,
    /// The running session, if any viewer holds it.
    feed: Mutex<Weak<Feed>>,
}

impl fmt::Debug for RtspSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RtspSource").field("url", &self.inner.url.as_str()).finish_non_exhaustive()
    }
}

impl RtspSource {
    /// `rtsp://[user:password@]host[:port]/path`; nothing is connected until a viewer comes.
    pub fn new(url: &str) -> Result<RtspSource, LiveError> {
        let mut url =
            Url::parse(url).map_err(|e| LiveError::Rtsp(format!("the camera's URL does not parse: {e}")))?;
        if url.scheme() != "rtsp" || url.host().is_none() {
            return Err(LiveError::Rtsp(format!("`{}`: expected rtsp://host[:port]/path", shown(&url))));
        }
        let decode = |s: &str| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned();
        let creds = (!url.username().is_empty()).then(|| Credentials {
            username: decode(url.username()),
            password: decode(url.password().unwrap_or("")),
        });
        // Both succeed on a URL with a host, checked above.
        let _ = url.set_username("");
        let _ = url.set_password(None);
        Ok(RtspSource { inner: Arc::new(SourceInner { url, creds, feed: Mutex::new(Weak::new()) }) })
    }

    /// The camera's URL without credentials.
    pub fn url(&self) -> &str {
        self.inner.url.as_str()
    }

    /// Whether an RTSP session is open (some viewer holds it).
    pub fn is_open(&self) -> bool {
        self.inner.feed.lock().unwrap_or_else(|e| e.into_inner()).strong_count() > 0
    }

    /// Joins the shared session, opening it (and waiting for the camera's first answer, at
    /// most `CONNECT_WAIT`) if no viewer holds it. `session` is the viewer's socket: each
    /// frame queued is followed by an empty datagram to it, so a session blocked reading its
    /// socket wakes at once (see `Subscription::waker`).
    pub(crate) fn subscribe(&self, session: SocketAddr) -> Result<Subscription, LiveError> {
        // Held while opening, so viewers arriving together share one session.
        let mut slot = self.inner.feed.lock().unwrap_or_else(|e| e.into_inner());
        let feed = match slot.upgrade() {
            Some(feed) => feed,
            None => {
                let feed = Arc::new(Feed::open(&self.inner)?);
                *slot = Arc::downgrade(&feed);
                feed
            }
        };
        drop(slot);
        // A session bound to the unspecified address is reached over loopback.
        let ip = match session.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        let waker = UdpSocket::bind((ip, 0))?;
        let waker_addr = waker.local_addr()?;
        let (tx, frames) = std::sync::mpsc::sync_channel(QUEUE);
        let lagged = Arc::new(AtomicBool::new(false));
        feed.shared.viewers.lock().unwrap_or_else(|e| e.into_inner()).push(Subscriber {
            frames: tx,
            waker,
            to: SocketAddr::new(ip, session.port()),
            lagged: lagged.clone(),
        });
        Ok(Subscription { _feed: feed, frames, waker: waker_addr, lagged })
    }
}

/// A viewer's place in the shared session; dropping it leaves (the last one out closes the
/// RTSP session).
pub(crate) struct Subscription {
    _feed: Arc<Feed>,
    frames: Receiver<Arc<AccessUnit>>,
    waker: SocketAddr,
    lagged: Arc<AtomicBool>,
}

impl Subscription {
    /// The address the wake-up datagrams come from; they are not for the WebRTC engine.
    pub(crate) fn waker(&self) -> SocketAddr {
        self.waker
    }

    /// The next queued frame, if any.
    pub(crate) fn try_next(&self) -> Option<Arc<AccessUnit>> {
        self.frames.try_recv().ok()
    }

    /// Whether frames were dropped for this viewer since the last call (its queue was full):
    /// it must wait for a key frame.
    pub(crate) fn lagged(&self) -> bool {
        self.lagged.swap(false, Ordering::Relaxed)
    }
}

/// The running RTSP session. Dropping it (with the last subscription) drops `_stop`, which
/// ends the feed's thread: it sends TEARDOWN and closes the connection.
struct Feed {
    shared: Arc<Shared>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

struct Shared {
    viewers: Mutex<Vec<Subscriber>>,
}

struct Subscriber {
    frames: SyncSender<Arc<AccessUnit>>,
    waker: UdpSocket,
    to: SocketAddr,
    lagged: Arc<AtomicBool>,
}

impl Feed {
    /// Starts the feed's thread and waits for its first connection.
    fn open(source: &SourceInner) -> Result<Feed, LiveError> {
        let shared = Arc::new(Shared { viewers: Mutex::new(Vec::new()) });
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let (first_tx, first) = std::sync::mpsc::channel();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let (url, creds, feed_shared) = (source.url.clone(), source.creds.clone(), shared.clone());
        std::thread::Builder::new().name("ward-live-rtsp".into()).spawn(move || {
            runtime.block_on(run(url, creds, feed_shared, stopped, first_tx));
        })?;
        let url = shown(&source.url);
        match first.recv_timeout(CONNECT_WAIT) {
            Ok(Ok(())) => Ok(Feed { shared, _stop: stop }),
            Ok(Err(reason)) => {
                Err(LiveError::Rtsp(format!("the camera at {url} cannot be played: {reason}")))
            }
            // Dropping `stop` ends the attempt still under way.
            Err(_) => {
                Err(LiveError::Rtsp(format!("the camera at {url} did not answer within {CONNECT_WAIT:?}")))
            }
        }
    }
}

/// The URL as it may be shown: never with a password.
fn shown(url: &Url) -> String {
    let mut url = url.clone();
    let _ = url.set_password(None);
    url.to_string()
}

/// Streams until `stop` fires (the last viewer left): connect, pass frames on, and on a drop
/// reconnect after a backoff (250 ms doubling to 30 s, full jitter; reset after a session
/// that delivered frames). The first attempt's outcome goes to `first`: a camera that cannot
/// be played at all fails the viewer's offer instead of being retried in the background.
async fn run(
    url: Url,
    creds: Option<Credentials>,
    shared: Arc<Shared>,
    mut stop: tokio::sync::oneshot::Receiver<()>,
    first: std::sync::mpsc::Sender<Result<(), String>>,
) {
    let mut first = Some(first);
    let mut clock = Clock::default();
    let mut backoff = BACKOFF_MIN;
    // Dropping a session only starts its TEARDOWN on this runtime; the group lets the thread
    // wait for it before the runtime goes.
    let group = Arc::new(SessionGroup::default());
    loop {
        let (reason, streamed) = tokio::select! {
            _ = &mut stop => break,
            ended = stream(&url, &creds, &group, &shared, &mut clock, &mut first) => ended,
        };
        if let Some(first) = first.take() {
            let _ = first.send(Err(reason));
            break;
        }
        tracing::warn!("RTSP camera {}: {reason}; reconnecting", shown(&url));
        if streamed {
            backoff = BACKOFF_MIN;
        }
        let wait = rand::thread_rng().gen_range(Duration::ZERO..=backoff);
        backoff = (backoff * 2).min(BACKOFF_MAX);
        tokio::select! {
            _ = &mut stop => break,
            _ = tokio::time::sleep(wait) => {}
        }
    }
    let _ = tokio::time::timeout(TEARDOWN_WAIT, group.await_teardown()).await;
}

/// One RTSP session: returns why it ended and whether it delivered any frame.
async fn stream(
    url: &Url,
    creds: &Option<Credentials>,
    group: &Arc<SessionGroup>,
    shared: &Shared,
    clock: &mut Clock,
    first: &mut Option<std::sync::mpsc::Sender<Result<(), String>>>,
) -> (String, bool) {
    let handshake = async {
        let options = SessionOptions::default()
            .creds(creds.clone())
            .user_agent("ward-camera".into())
            .session_group(group.clone());
        let mut session = Session::describe(url.clone(), options).await.map_err(|e| e.to_string())?;
        let video = session
            .streams()
            .iter()
            .position(|s| s.media() == "video" && s.encoding_name() == "h264")
            .ok_or("it offers no H.264 video")?;
        // Annex B with SPS/PPS before every key frame: str0m's packetizer splits on start
        // codes, and a viewer joining mid-stream needs the parameter sets with its first IDR.
        let setup = SetupOptions::default()
            .transport(Transport::Tcp(Default::default()))
            .frame_format(FrameFormat::SIMPLE);
        session.setup(video, setup).await.map_err(|e| e.to_string())?;
        let playing = session.play(PlayOptions::default()).await.map_err(|e| e.to_string())?;
        let demuxed = playing.demuxed().map_err(|e| e.to_string())?;
        Ok::<_, String>((demuxed, video))
    };
    let (mut demuxed, video) = match tokio::time::timeout(CONNECT_WAIT, handshake).await {
        Ok(Ok(playing)) => playing,
        Ok(Err(e)) => return (e, false),
        Err(_) => return (format!("no answer within {CONNECT_WAIT:?}"), false),
    };
    if let Some(first) = first.take() {
        let _ = first.send(Ok(()));
    }
    tracing::info!("RTSP camera {}: playing", shown(url));
    clock.restart();
    // After a (re)connection or a loss, nothing is passed on before a key frame: a decoder
    // cannot use P frames whose references it never had.
    let mut gap = true;
    let mut streamed = false;
    loop {
        let item = match tokio::time::timeout(STALL, demuxed.next()).await {
            Err(_) => return (format!("no frame for {STALL:?}"), streamed),
            Ok(None) => return ("the camera ended the stream".into(), streamed),
            Ok(Some(Err(e))) => return (e.to_string(), streamed),
            Ok(Some(Ok(item))) => item,
        };
        let CodecItem::VideoFrame(frame) = item else { continue };
        if frame.stream_id() != video {
            continue;
        }
        let ts = frame.timestamp();
        let rtp_time = clock.at(ts.elapsed(), ts.clock_rate().get());
        let key = frame.is_random_access_point();
        if frame.loss() > 0 {
            gap = true;
        }
        if gap && !key {
            continue;
        }
        gap = false;
        streamed = true;
        let au =
            Arc::new(AccessUnit { data: frame.into_data().into(), key, rtp_time, received: Instant::now() });
        publish(shared, &au);
    }
}

/// Queues a frame for every viewer and wakes each; forgets viewers who left.
fn publish(shared: &Shared, au: &Arc<AccessUnit>) {
    let mut viewers = shared.viewers.lock().unwrap_or_else(|e| e.into_inner());
    viewers.retain(|v| match v.frames.try_send(au.clone()) {
        Ok(()) => {
            // An empty datagram: the viewer's thread is blocked reading its socket.
            let _ = v.waker.send_to(&[], v.to);
            true
        }
        Err(TrySendError::Full(_)) => {
            v.lagged.store(true, Ordering::Relaxed);
            true
        }
        Err(TrySendError::Disconnected(_)) => false,
    });
}

/// The camera's timestamps on one continuous 90 kHz timeline: each RTSP session starts its
/// own at zero, and a viewer's decoder would take a jump back for a very late frame.
#[derive(Default)]
struct Clock {
    /// Where the current session's first frame sits on the timeline.
    base: u64,
    /// The current session's first timestamp (90 kHz).
    origin: Option<i64>,
    last: Option<u64>,
}

impl Clock {
    /// A new RTSP session: it continues one frame (at 30 fps) after the last one sent.
    fn restart(&mut self) {
        self.base = self.last.map_or(0, |t| t + 3000);
        self.origin = None;
    }

    fn at(&mut self, elapsed: i64, clock_rate: u32) -> MediaTime {
        let t = (i128::from(elapsed) * 90_000 / i128::from(clock_rate.max(1))) as i64;
        let origin = *self.origin.get_or_insert(t);
        // RTP timestamps do not go back within a session; clamp a misbehaving camera's.
        let at = self.base + u64::try_from(t - origin).unwrap_or(0);
        let at = self.last.map_or(at, |last| at.max(last));
        self.last = Some(at);
        MediaTime::new(at, Frequency::NINETY_KHZ)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked_and_credentials_kept_apart() {
        let s = RtspSource::new("rtsp://admin:p%40ss@192.0.2.7:554/stream1").unwrap();
        assert_eq!(s.url(), "rtsp://192.0.2.7:554/stream1");
        let creds = s.inner.creds.as_ref().unwrap();
        assert_eq!((creds.username.as_str(), creds.password.as_str()), ("admin", "p@ss"));
        assert!(!format!("{s:?}").contains("p%40ss"));
        assert!(RtspSource::new("rtsp://cam.local/live").unwrap().inner.creds.is_none());
        for bad in ["http://cam/live", "cam/live", "rtsp:///live", ""] {
            assert!(matches!(RtspSource::new(bad), Err(LiveError::Rtsp(_))), "{bad}");
        }
    }

    #[test]
    fn the_timeline_is_90_khz_and_continues_across_sessions() {
        let mut c = Clock::default();
        c.restart();
        assert_eq!(c.at(1000, 90_000).numer(), 0, "a session starts where the timeline is");
        assert_eq!(c.at(4000, 90_000).numer(), 3000);
        // A camera on another clock rate is rebased to 90 kHz.
        c.restart();
        assert_eq!(c.at(0, 1000).numer(), 6000);
        assert_eq!(c.at(100, 1000).numer(), 15_000);
        // A timestamp going back stays put.
        assert_eq!(c.at(50, 1000).numer(), 15_000);
    }
}
