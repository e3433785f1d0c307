//! One viewer: a str0m peer on its own UDP socket and thread, fed by a `Source`: the test
//! picture through its own encoder, or an RTSP camera's H.264 passed through.
//!
//! The viewer's browser sends an SDP offer (relayed by the server, which carries no media);
//! `Viewer::answer` binds a socket, answers, and streams until the viewer leaves, the
//! connection drops, `stop` is called, or no connection forms within `CONNECT_TIMEOUT`.

use std::io::ErrorKind;
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use str0m::change::SdpOffer;
use str0m::format::Codec;
use str0m::media::{MediaKind, MediaTime, Mid, Pt, Writer};
use str0m::net::{Protocol, Receive};
use str0m::{Candidate, Event, IceConnectionState, Input, Output, Rtc, RtcConfig};

use crate::LiveError;
use crate::encoder::{H264, VideoFormat};
use crate::pattern::TestPattern;
use crate::rtsp::{RtspSource, Subscription};

/// What a viewer is shown.
#[derive(Debug, Clone)]
pub enum Source {
    /// The moving test picture with `label`, encoded for this viewer alone.
    TestPattern { format: VideoFormat, label: String },
    /// An RTSP camera's H.264, unchanged; one RTSP session for all its viewers.
    Rtsp(RtspSource),
}

/// A viewer that does not connect within this time is given up.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// What a viewer's session has done, for the agent's status and the benches.
#[derive(Debug, Default)]
pub struct ViewerStats {
    pub frames_sent: AtomicU64,
    pub bytes_sent: AtomicU64,
    pub key_frames: AtomicU64,
    pub connected: AtomicBool,
}

/// A streaming session; dropping it does not stop it (call `stop`).
pub struct Viewer {
    stop: Arc<AtomicBool>,
    pub stats: Arc<ViewerStats>,
    thread: Option<JoinHandle<()>>,
}

impl Viewer {
    /// Answers `offer_sdp` and starts streaming `label`'s test picture from a UDP socket on
    /// `media_ip`. Returns the SDP answer (with this peer's host candidate) and the session.
    pub fn answer(
        offer_sdp: &str,
        media_ip: IpAddr,
        label: &str,
        format: VideoFormat,
    ) -> Result<(String, Viewer), LiveError> {
        Viewer::answer_with(offer_sdp, media_ip, Source::TestPattern { format, label: label.into() })
    }

    /// Answers `offer_sdp` and starts streaming `source` from a UDP socket on `media_ip`. An
    /// RTSP source that cannot be played (unreachable, refused, no H.264) fails the offer.
    pub fn answer_with(
        offer_sdp: &str,
        media_ip: IpAddr,
        source: Source,
    ) -> Result<(String, Viewer), LiveError> {
        let offer = SdpOffer::from_sdp_string(offer_sdp).map_err(|e| LiveError::Offer(e.to_string()))?;
        let socket = UdpSocket::bind(SocketAddr::new(media_ip, 0))?;
        let local = socket.local_addr()?;
        let mut rtc = RtcConfig::new()
            .set_crypto_provider(Arc::new(str0m::crypto::from_feature_flags()))
            .clear_codecs()
            .enable_h264(true)
            .build(Instant::now());
        let candidate = Candidate::host(local, "udp").map_err(|e| LiveError::Offer(e.to_string()))?;
        rtc.add_local_candidate(candidate);
        let answer = rtc.sdp_api().accept_offer(offer).map_err(|e| LiveError::Offer(e.to_string()))?;
        let media = match source {
            Source::TestPattern { format, label } => Media::Pattern {
                pattern: TestPattern::new(format.width, format.height, &label),
                encoder: Box::new(H264::new(format)?),
                interval: Duration::from_secs(1) / format.fps,
                next_frame: Instant::now(),
                frame_no: 0,
            },
            Source::Rtsp(rtsp) => Media::Rtsp { feed: rtsp.subscribe(local)?, started: false },
        };
        let stop = Arc::new(AtomicBool::new(false));
        let stats = Arc::new(ViewerStats::default());
        let session = Session { rtc, socket, local, media, stop: stop.clone(), stats: stats.clone() };
        let thread = std::thread::Builder::new().name("ward-live-viewer".into()).spawn(move || {
            if let Err(e) = session.run() {
                tracing::warn!("live view ended: {e}");
            }
        })?;
        Ok((answer.to_sdp_string(), Viewer { stop, stats, thread: Some(thread) }))
    }

    /// Ends the session (the viewer left, or privacy mode came on); waits for its thread.
    pub fn stop(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }

    /// Whether the session has ended on its own.
    pub fn is_finished(&self) -> bool {
        self.thread.as_ref().is_none_or(|t| t.is_finished())
    }
}

struct Session {
    rtc: Rtc,
    socket: UdpSocket,
    local: SocketAddr,
    media: Media,
    stop: Arc<AtomicBool>,
    stats: Arc<ViewerStats>,
}

/// Where a session's frames come from.
enum Media {
    /// Drawn and encoded here, one every `interval`. (The encoder is boxed: OpenH264's state
    /// is kilobytes, the other variant a few words.)
    Pattern {
        pattern: TestPattern,
        encoder: Box<H264>,
        interval: Duration,
        next_frame: Instant,
        frame_no: u64,
    },
    /// Queued by the shared RTSP feed; `started` once this viewer got its first key frame.
    Rtsp { feed: Subscription, started: bool },
}

impl Media {
    /// The viewer connected or asked for a key frame (PLI/FIR). Only an encoder can make one:
    /// a passed-through stream waits for the camera's next.
    fn key_frame(&mut self) {
        match self {
            Media::Pattern { encoder, .. } => encoder.key_frame(),
            Media::Rtsp { .. } => tracing::debug!("a key frame request cannot reach an RTSP camera"),
        }
    }

    /// When the session must wake for the next frame; the RTSP feed wakes it itself.
    fn next_due(&self) -> Option<Instant> {
        match self {
            Media::Pattern { next_frame, .. } => Some(*next_frame),
            Media::Rtsp { .. } => None,
        }
    }

    /// Where the feed's wake-up datagrams come from.
    fn waker(&self) -> Option<SocketAddr> {
        match self {
            Media::Pattern { .. } => None,
            Media::Rtsp { feed, .. } => Some(feed.waker()),
        }
    }

    /// Frames that arrive before the viewer can take them are dropped: it starts at a key
    /// frame after connecting.
    fn discard(&mut self) {
        if let Media::Rtsp { feed, started } = self {
            while feed.try_next().is_some() {}
            feed.lagged();
            *started = false;
        }
    }
}

impl Session {
    fn run(mut self) -> Result<(), LiveError> {
        let started = Instant::now();
        let mut video: Option<(Mid, Option<Pt>)> = None;
        let mut connected = false;
        let mut buf = vec![0u8; 2000];
        while !self.stop.load(Ordering::Relaxed) {
            // Drain everything the engine wants done before the next mutation.
            let timeout = loop {
                match self.rtc.poll_output().map_err(|e| LiveError::Rtc(e.to_string()))? {
                    Output::Timeout(t) => break t,
                    Output::Transmit(t) => {
                        // A send can fail when the viewer's address is gone; ICE notices.
                        let _ = self.socket.send_to(&t.contents, t.destination);
                    }
                    Output::Event(event) => match event {
                        Event::Connected => {
                            connected = true;
                            self.stats.connected.store(true, Ordering::Relaxed);
                            self.media.key_frame();
                        }
                        Event::IceConnectionStateChange(IceConnectionState::Disconnected) => return Ok(()),
                        Event::MediaAdded(m) if m.kind == MediaKind::Video => video = Some((m.mid, None)),
                        Event::KeyframeRequest(_) => self.media.key_frame(),
                        _ => {}
                    },
                }
            };
            if !self.rtc.is_alive() {
                return Ok(());
            }
            let now = Instant::now();
            if !connected && now - started > CONNECT_TIMEOUT {
                return Err(LiveError::NoConnection);
            }
            if let (true, Some((mid, pt))) = (connected, video.as_mut()) {
                if self.send_due(*mid, pt, now)? {
                    continue;
                }
            } else {
                self.media.discard();
            }
            let mut deadline = timeout;
            if !connected {
                deadline = deadline.min(started + CONNECT_TIMEOUT);
            }
            if connected
                && video.is_some()
                && let Some(due) = self.media.next_due()
            {
                deadline = deadline.min(due);
            }
            let wait = deadline.saturating_duration_since(now).min(Duration::from_millis(100));
            if wait.is_zero() {
                self.rtc.handle_input(Input::Timeout(now)).map_err(|e| LiveError::Rtc(e.to_string()))?;
                continue;
            }
            self.socket.set_read_timeout(Some(wait))?;
            let input = match self.socket.recv_from(&mut buf) {
                // The RTSP feed queued a frame: loop round to send it.
                Ok((_, source)) if Some(source) == self.media.waker() => Input::Timeout(Instant::now()),
                Ok((n, source)) => Input::Receive(
                    Instant::now(),
                    Receive {
                        proto: Protocol::Udp,
                        source,
                        destination: self.local,
                        contents: buf[..n].try_into().map_err(|e| LiveError::Rtc(format!("{e:?}")))?,
                    },
                ),
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    Input::Timeout(Instant::now())
                }
                Err(e) => return Err(e.into()),
            };
            self.rtc.handle_input(input).map_err(|e| LiveError::Rtc(e.to_string()))?;
        }
        self.rtc.disconnect();
        Ok(())
    }

    /// Sends what is due now: the next test picture when its time has come, or every frame
    /// the RTSP feed queued. True when something was written (the engine has packets to send).
    fn send_due(&mut self, mid: Mid, pt: &mut Option<Pt>, now: Instant) -> Result<bool, LiveError> {
        match &mut self.media {
            Media::Pattern { next_frame, interval, frame_no, .. } => {
                if now < *next_frame {
                    return Ok(false);
                }
                // Catch up without a burst when the thread was held up.
                *next_frame = (*next_frame + *interval).max(now);
                let n = *frame_no;
                *frame_no += 1;
                self.send_frame(mid, pt, n)?;
                Ok(true)
            }
            Media::Rtsp { feed, started } => {
                if feed.lagged() {
                    *started = false;
                }
                let mut sent = false;
                while let Some(au) = feed.try_next() {
                    // A decoder can only start at a key frame (SPS and PPS come with it).
                    if !*started && !au.key {
                        continue;
                    }
                    *started = true;
                    let Some(writer) = self.rtc.writer(mid) else { break };
                    let pt = choose_pt(&writer, pt)?;
                    let len = au.data.len() as u64;
                    writer
                        .write(pt, au.received, au.rtp_time, au.data.clone())
                        .map_err(|e| LiveError::Rtc(e.to_string()))?;
                    self.stats.count(len, au.key);
                    sent = true;
                }
                Ok(sent)
            }
        }
    }

    /// Draws, encodes and writes one test picture.
    fn send_frame(&mut self, mid: Mid, pt: &mut Option<Pt>, frame_no: u64) -> Result<(), LiveError> {
        let Media::Pattern { pattern, encoder, interval, .. } = &mut self.media else { return Ok(()) };
        let captured = SystemTime::now();
        let frame = pattern.draw(captured, frame_no);
        let Some(writer) = self.rtc.writer(mid) else { return Ok(()) };
        let pt = choose_pt(&writer, pt)?;
        let data = encoder.encode(&frame)?;
        if data.is_empty() {
            return Ok(());
        }
        let is_key = data.windows(5).any(|w| w[..4] == [0, 0, 0, 1] && w[4] & 0x1f == 5);
        let rtp_time = MediaTime::from_micros(frame_no * interval.as_micros() as u64)
            .rebase(str0m::media::Frequency::NINETY_KHZ);
        let len = data.len() as u64;
        writer.write(pt, Instant::now(), rtp_time, data).map_err(|e| LiveError::Rtc(e.to_string()))?;
        self.stats.count(len, is_key);
        Ok(())
    }
}

impl ViewerStats {
    fn count(&self, bytes: u64, key: bool) {
        self.frames_sent.fetch_add(1, Ordering::Relaxed);
        self.bytes_sent.fetch_add(bytes, Ordering::Relaxed);
        if key {
            self.key_frames.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// The payload type, chosen once: H.264 with packetization mode 1 and a baseline profile, as
/// the viewer offered it.
fn choose_pt(writer: &Writer<'_>, pt: &mut Option<Pt>) -> Result<Pt, LiveError> {
    if pt.is_none() {
        *pt = writer
            .payload_params()
            .filter(|p| p.spec().codec == Codec::H264 && p.spec().format.packetization_mode == Some(1))
            .min_by_key(|p| {
                // Constrained baseline (42e0..) first, then baseline (4200..).
                match p.spec().format.profile_level_id.map(|id| id >> 8) {
                    Some(0x42e0) => 0,
                    Some(0x4200) => 1,
                    _ => 2,
                }
            })
            .map(|p| p.pt());
    }
    pt.ok_or_else(|| LiveError::Offer("the viewer offered no H.264 the agent can send".into()))
}
