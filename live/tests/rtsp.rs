//! RTSP pass-through on loopback: a minimal RTSP camera (below) streams the test picture,
//! encoded by ward-live's own encoder and sent as RTP over the RTSP connection (single NAL
//! units and FU-A fragments); the agent's side reads it through retina and `Probe` plays the
//! browser. The frames must decode, carry the capture time the camera burned in, and be the
//! camera's NAL units byte for byte: passed through, not re-encoded.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use openh264::decoder::Decoder;
use openh264::formats::YUVSource;
use ward_live::encoder::H264;
use ward_live::pattern::{TestPattern, read_stamp, unix_millis};
use ward_live::probe::Probe;
use ward_live::{LiveError, RtspSource, Source, VideoFormat, Viewer};

const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
const FORMAT: VideoFormat = VideoFormat { width: 640, height: 360, fps: 15 };

/// The NAL units of an Annex B stream, without their start codes.
fn nal_units(data: &[u8]) -> Vec<&[u8]> {
    let mut units = Vec::new();
    let mut start = None;
    let mut i = 0;
    while i + 3 <= data.len() {
        if data[i..i + 3] == [0, 0, 1] {
            if let Some(s) = start {
                // The zero of a 4-byte start code belongs to the start code (a NAL unit
                // never ends in a zero byte).
                let mut end = i;
                while end > s && data[end - 1] == 0 {
                    end -= 1;
                }
                units.push(&data[s..end]);
            }
            i += 3;
            start = Some(i);
        } else {
            i += 1;
        }
    }
    if let Some(s) = start {
        units.push(&data[s..]);
    }
    units
}

fn nal_type(unit: &[u8]) -> u8 {
    unit[0] & 0x1f
}

/// A viewer of `source`: the probe, its decoder, and the agent's session.
struct Watcher {
    probe: Probe,
    decoder: Decoder,
    viewer: Viewer,
}

impl Watcher {
    fn join(source: &RtspSource) -> Watcher {
        let (mut probe, offer) = Probe::offer(LOOPBACK).unwrap();
        let (answer, viewer) = Viewer::answer_with(&offer, LOOPBACK, Source::Rtsp(source.clone())).unwrap();
        assert!(answer.contains("H264"), "the answer picks H.264: {answer}");
        probe.answer(&answer).unwrap();
        Watcher { probe, decoder: Decoder::new().unwrap(), viewer }
    }

    /// Receives `n` frames (at most 10 s): each must decode and carry a capture time that the
    /// camera stamped, and be exactly the NAL units the camera's encoder produced for it.
    /// Returns the capture times and whether the first frame was a key frame.
    fn frames(&mut self, camera: &Camera, n: usize) -> (Vec<u64>, bool) {
        let mut stamps = Vec::new();
        let mut first_key = None;
        let decoder = &mut self.decoder;
        let played = self.probe.run(Duration::from_secs(10), |data| {
            let received = nal_units(data);
            first_key.get_or_insert(received.iter().any(|u| nal_type(u) == 5));
            let yuv = match decoder.decode(data) {
                Ok(Some(yuv)) => yuv,
                other => panic!("frame {} does not decode: {:?}", stamps.len(), other.err()),
            };
            let (w, h) = yuv.dimensions();
            assert_eq!((w, h), (FORMAT.width, FORMAT.height));
            let stamp = read_stamp(yuv.y(), yuv.strides().0, w, h).expect("the capture time reads back");
            let sent = camera.state.sent.lock().unwrap();
            let original = sent.get(&stamp).expect("the camera encoded a frame with this capture time");
            assert_eq!(received, nal_units(original), "the camera's NAL units, byte for byte");
            stamps.push(stamp);
            stamps.len() >= n
        });
        assert!(played, "{n} frames within 10 s (got {})", stamps.len());
        (stamps, first_key.unwrap_or(false))
    }
}

/// Waits (at most 5 s) for `cond`.
fn eventually(what: &str, cond: impl Fn() -> bool) {
    let until = Instant::now() + Duration::from_secs(5);
    while !cond() {
        assert!(Instant::now() < until, "{what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_viewer_gets_the_rtsp_cameras_h264_unchanged() {
    let camera = Camera::start();
    let source = RtspSource::new(&camera.url("stream")).unwrap();
    assert!(!source.is_open(), "nothing is opened before a viewer comes");
    let before = unix_millis(SystemTime::now());
    let mut w = Watcher::join(&source);
    let (stamps, first_key) = w.frames(&camera, 20);
    assert!(first_key, "the first frame a viewer gets is a key frame");
    assert!(stamps[0] >= before, "captured after the viewer came");
    assert!(stamps.windows(2).all(|p| p[0] < p[1]), "{stamps:?}");
    assert!(w.viewer.stats.key_frames.load(Ordering::Relaxed) >= 1);
    // Big key frames went out as FU-A fragments; the check above saw them reassembled.
    assert!(camera.state.fragmented.load(Ordering::Relaxed) > 0, "the camera sent FU-A");
    assert_eq!(camera.state.plays.load(Ordering::Relaxed), 1);

    // The last viewer out closes the RTSP session.
    w.viewer.stop();
    eventually("the RTSP session closes", || !source.is_open() && camera.state.connections() == 0);
    assert_eq!(camera.state.teardowns.load(Ordering::Relaxed), 1, "with a TEARDOWN");
}

#[test]
fn viewers_share_one_rtsp_session_and_one_who_joins_late_starts_at_a_key_frame() {
    let camera = Camera::start();
    let source = RtspSource::new(&camera.url("stream")).unwrap();
    let mut first = Watcher::join(&source);
    first.frames(&camera, 8);
    // A key frame comes every 15 frames: joining now is mid-stream.
    let mut second = Watcher::join(&source);
    let (_, first_key) = second.frames(&camera, 5);
    assert!(first_key, "a viewer joining mid-stream starts at the camera's next key frame");
    first.frames(&camera, 5);
    assert_eq!(camera.state.plays.load(Ordering::Relaxed), 1, "one RTSP session for both");
    assert_eq!(camera.state.connections(), 1);

    // One viewer leaving keeps the session; the last one closes it.
    first.viewer.stop();
    second.frames(&camera, 3);
    second.viewer.stop();
    eventually("the RTSP session closes", || !source.is_open() && camera.state.connections() == 0);
    // The next viewer opens a new one.
    let mut third = Watcher::join(&source);
    third.frames(&camera, 3);
    assert_eq!(camera.state.plays.load(Ordering::Relaxed), 2);
    third.viewer.stop();
}

#[test]
fn the_feed_reconnects_when_the_camera_drops_it() {
    let camera = Camera::start();
    let source = RtspSource::new(&camera.url("stream")).unwrap();
    let mut w = Watcher::join(&source);
    w.frames(&camera, 5);
    let dropped_at = unix_millis(SystemTime::now());
    camera.drop_connections();
    // The viewer's session goes on; after the reconnection it gets the new session's frames,
    // from a key frame, on the same decoder.
    let (stamps, _) = w.frames(&camera, 15);
    assert!(stamps.iter().any(|&s| s > dropped_at + 100), "frames after the drop: {stamps:?}");
    assert_eq!(camera.state.plays.load(Ordering::Relaxed), 2, "reconnected once");
    assert!(!w.viewer.is_finished());
    w.viewer.stop();
}

#[test]
fn a_camera_that_cannot_be_played_fails_the_offer() {
    let camera = Camera::start();
    // Nothing listens on this port any more.
    let closed = TcpListener::bind((LOOPBACK, 0)).unwrap().local_addr().unwrap();
    let cases = [
        (format!("rtsp://ward:secret@{closed}/stream"), "nothing listening"),
        (camera.url("no-such-stream"), "DESCRIBE refused (404)"),
    ];
    for (url, why) in cases {
        let source = RtspSource::new(&url).unwrap();
        let (_probe, offer) = Probe::offer(LOOPBACK).unwrap();
        let started = Instant::now();
        let err = match Viewer::answer_with(&offer, LOOPBACK, Source::Rtsp(source.clone())) {
            Err(e) => e,
            Ok(_) => panic!("{why}: the offer was answered"),
        };
        assert!(started.elapsed() < Duration::from_secs(5), "{why}: fails at once, not at the time-out");
        let text = err.to_string();
        assert!(matches!(err, LiveError::Rtsp(_)), "{why}: {text}");
        assert!(text.contains(source.url()), "{why}: the message names the camera: {text}");
        assert!(!text.contains("secret"), "{why}: never the password: {text}");
        assert!(!source.is_open(), "{why}");
    }
    assert!(matches!(RtspSource::new("http://127.0.0.1/stream"), Err(LiveError::Rtsp(_))));
}

// ---------------------------------------------------------------------------------------
// A minimal RTSP camera: OPTIONS, DESCRIBE (H.264 with sprop-parameter-sets), SETUP (RTP/AVP/
// TCP interleaved only), PLAY, TEARDOWN; any other request (keepalives) gets 200. Streams the
// test picture at `FORMAT` with a key frame every second, remembering every access unit by
// the capture time burned into it.

struct Camera {
    addr: std::net::SocketAddr,
    state: Arc<CameraState>,
}

struct CameraState {
    sps: Vec<u8>,
    pps: Vec<u8>,
    /// Every access unit sent (Annex B, as encoded), by its capture time.
    sent: Mutex<HashMap<u64, Vec<u8>>>,
    plays: AtomicUsize,
    teardowns: AtomicUsize,
    fragmented: AtomicUsize,
    open: AtomicUsize,
    /// Bumped to drop every connection (the camera restarting).
    generation: AtomicU64,
}

impl CameraState {
    fn connections(&self) -> usize {
        self.open.load(Ordering::Relaxed)
    }
}

impl Camera {
    fn start() -> Camera {
        // The parameter sets for the SDP, from the first (key) frame of the same encoder
        // settings every connection uses.
        let mut encoder = H264::new(FORMAT).unwrap();
        let first = encoder
            .encode(&TestPattern::new(FORMAT.width, FORMAT.height, "x").draw(SystemTime::now(), 0))
            .unwrap();
        let units = nal_units(&first);
        let find = |t| units.iter().find(|u| nal_type(u) == t).expect("SPS and PPS").to_vec();
        let state = Arc::new(CameraState {
            sps: find(7),
            pps: find(8),
            sent: Mutex::new(HashMap::new()),
            plays: AtomicUsize::new(0),
            teardowns: AtomicUsize::new(0),
            fragmented: AtomicUsize::new(0),
            open: AtomicUsize::new(0),
            generation: AtomicU64::new(0),
        });
        let listener = TcpListener::bind((LOOPBACK, 0)).unwrap();
        let addr = listener.local_addr().unwrap();
        let shared = state.clone();
        // Lives as long as the test process; each connection on its own thread.
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let state = shared.clone();
                std::thread::spawn(move || serve(conn, &state));
            }
        });
        Camera { addr, state }
    }

    fn url(&self, path: &str) -> String {
        format!("rtsp://{}/{path}", self.addr)
    }

    fn drop_connections(&self) {
        self.state.generation.fetch_add(1, Ordering::Relaxed);
    }
}

struct Request {
    method: String,
    uri: String,
    cseq: String,
}

/// The next request; interleaved data from the client (RTCP) is skipped. `None` at the end.
fn read_request(r: &mut BufReader<TcpStream>) -> Option<Request> {
    loop {
        let first = *r.fill_buf().ok()?.first()?;
        if first != b'$' {
            break;
        }
        let mut head = [0u8; 4];
        r.read_exact(&mut head).ok()?;
        let mut skip = vec![0u8; usize::from(u16::from_be_bytes([head[2], head[3]]))];
        r.read_exact(&mut skip).ok()?;
    }
    let mut line = String::new();
    r.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let (method, uri) = (parts.next()?.to_string(), parts.next()?.to_string());
    let (mut cseq, mut length) = (String::new(), 0usize);
    loop {
        let mut h = String::new();
        if r.read_line(&mut h).ok()? == 0 {
            return None;
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (name, value) = h.split_once(':')?;
        match name.trim().to_ascii_lowercase().as_str() {
            "cseq" => cseq = value.trim().into(),
            "content-length" => length = value.trim().parse().ok()?,
            _ => {}
        }
    }
    let mut body = vec![0u8; length];
    r.read_exact(&mut body).ok()?;
    Some(Request { method, uri, cseq })
}

fn serve(conn: TcpStream, state: &Arc<CameraState>) {
    state.open.fetch_add(1, Ordering::Relaxed);
    let generation = state.generation.load(Ordering::Relaxed);
    let out = Arc::new(Mutex::new(conn.try_clone().unwrap()));
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let stop = Arc::new(AtomicBool::new(false));
    let mut streaming = None;
    let base = format!("rtsp://{}/stream/", conn.local_addr().unwrap());
    const SESSION: &str = "Session: 5eed1e55";
    while let Some(req) = read_request(&mut reader) {
        let respond = |status: &str, headers: &[String], body: &str| {
            let mut text = format!("RTSP/1.0 {status}\r\nCSeq: {}\r\n", req.cseq);
            for h in headers {
                text += &format!("{h}\r\n");
            }
            if !body.is_empty() {
                text += &format!("Content-Length: {}\r\n", body.len());
            }
            text += "\r\n";
            text += body;
            let _ = out.lock().unwrap().write_all(text.as_bytes());
        };
        match req.method.as_str() {
            "OPTIONS" => respond(
                "200 OK",
                &["Public: OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, GET_PARAMETER".into()],
                "",
            ),
            "DESCRIBE" if !req.uri.ends_with("/stream") => respond("404 Not Found", &[], ""),
            "DESCRIBE" => {
                let sdp = format!(
                    "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=Ward test camera\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\n\
                     a=control:*\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n\
                     a=fmtp:96 packetization-mode=1;profile-level-id={:02x}{:02x}{:02x};sprop-parameter-sets={},{}\r\n\
                     a=control:trackID=0\r\n",
                    state.sps[1],
                    state.sps[2],
                    state.sps[3],
                    B64.encode(&state.sps),
                    B64.encode(&state.pps)
                );
                respond(
                    "200 OK",
                    &[format!("Content-Base: {base}"), "Content-Type: application/sdp".into()],
                    &sdp,
                )
            }
            "SETUP" => respond(
                "200 OK",
                &["Transport: RTP/AVP/TCP;unicast;interleaved=0-1".into(), format!("{SESSION};timeout=60")],
                "",
            ),
            "PLAY" => {
                respond("200 OK", &[SESSION.into(), "Range: npt=0.000-".into()], "");
                state.plays.fetch_add(1, Ordering::Relaxed);
                let (state, out, stop) = (state.clone(), out.clone(), stop.clone());
                streaming = Some(std::thread::spawn(move || play(&state, &out, &stop, generation)));
            }
            "TEARDOWN" => {
                respond("200 OK", &[SESSION.into()], "");
                state.teardowns.fetch_add(1, Ordering::Relaxed);
                break;
            }
            _ => respond("200 OK", &[SESSION.into()], ""),
        }
    }
    stop.store(true, Ordering::Relaxed);
    if let Some(t) = streaming {
        let _ = t.join();
    }
    let _ = conn.shutdown(Shutdown::Both);
    state.open.fetch_sub(1, Ordering::Relaxed);
}

/// Streams until the connection ends or the camera drops it.
fn play(state: &CameraState, out: &Mutex<TcpStream>, stop: &AtomicBool, generation: u64) {
    const MAX_PAYLOAD: usize = 1400;
    let pattern = TestPattern::new(FORMAT.width, FORMAT.height, "RTSP camera");
    let mut encoder = H264::new(FORMAT).unwrap();
    let interval = Duration::from_secs(1) / FORMAT.fps;
    let (ssrc, ts_base, mut seq) = (0x5eed_1e55u32, 1_000_000u32, 4242u16);
    let mut next = Instant::now();
    for frame_no in 0u64.. {
        if stop.load(Ordering::Relaxed) {
            return;
        }
        if state.generation.load(Ordering::Relaxed) != generation {
            let _ = out.lock().unwrap().shutdown(Shutdown::Both);
            return;
        }
        // A key frame every second, so a viewer joining mid-stream starts soon.
        if frame_no % u64::from(FORMAT.fps) == 0 {
            encoder.key_frame();
        }
        let at = SystemTime::now();
        let data = encoder.encode(&pattern.draw(at, frame_no)).unwrap();
        state.sent.lock().unwrap().insert(unix_millis(at), data.clone());
        let ts = ts_base.wrapping_add((frame_no * 90_000 / u64::from(FORMAT.fps)) as u32);
        // RFC 6184 payloads: a NAL unit that fits goes whole, a bigger one as FU-A fragments.
        let mut payloads = Vec::new();
        for unit in nal_units(&data) {
            if unit.len() <= MAX_PAYLOAD {
                payloads.push(unit.to_vec());
                continue;
            }
            state.fragmented.fetch_add(1, Ordering::Relaxed);
            let chunks: Vec<&[u8]> = unit[1..].chunks(MAX_PAYLOAD - 2).collect();
            for (i, chunk) in chunks.iter().enumerate() {
                let start = if i == 0 { 0x80 } else { 0 };
                let end = if i == chunks.len() - 1 { 0x40 } else { 0 };
                let mut p = vec![(unit[0] & 0xe0) | 28, start | end | nal_type(unit)];
                p.extend_from_slice(chunk);
                payloads.push(p);
            }
        }
        let mut out = out.lock().unwrap();
        for (i, payload) in payloads.iter().enumerate() {
            let marker = if i == payloads.len() - 1 { 0x80 } else { 0 };
            let mut rtp = vec![0x80, marker | 96];
            rtp.extend_from_slice(&seq.to_be_bytes());
            rtp.extend_from_slice(&ts.to_be_bytes());
            rtp.extend_from_slice(&ssrc.to_be_bytes());
            rtp.extend_from_slice(payload);
            seq = seq.wrapping_add(1);
            let mut frame = vec![b'$', 0];
            frame.extend_from_slice(&(rtp.len() as u16).to_be_bytes());
            frame.extend_from_slice(&rtp);
            if out.write_all(&frame).is_err() {
                return;
            }
        }
        drop(out);
        next += interval;
        std::thread::sleep(next.saturating_duration_since(Instant::now()));
    }
}
