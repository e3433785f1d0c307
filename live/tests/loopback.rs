//! A viewer on loopback: a second str0m peer plays the browser (offer, receive-only video),
//! frames are decoded by OpenH264 and the burned-in capture time is read back. Chromium plays
//! the browser in the end-to-end test and the live bench; this test pins the agent's side.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime};

use openh264::decoder::Decoder;
use openh264::formats::YUVSource;
use str0m::change::SdpAnswer;
use str0m::media::{Direction, MediaKind};
use str0m::net::{Protocol, Receive};
use str0m::{Candidate, Event, Input, Output, Rtc, RtcConfig};
use ward_live::pattern::{read_stamp, unix_millis};
use ward_live::{VideoFormat, Viewer};

const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

struct Browser {
    rtc: Rtc,
    socket: UdpSocket,
    local: SocketAddr,
}

impl Browser {
    fn new() -> Self {
        let socket = UdpSocket::bind((LOOPBACK, 0)).unwrap();
        let local = socket.local_addr().unwrap();
        let mut rtc = RtcConfig::new()
            .set_crypto_provider(Arc::new(str0m::crypto::from_feature_flags()))
            .build(Instant::now());
        rtc.add_local_candidate(Candidate::host(local, "udp").unwrap());
        Browser { rtc, socket, local }
    }

    /// Runs the peer until `until` says stop or `limit` passes; `on_frame` gets each
    /// depayloaded frame.
    fn run(&mut self, limit: Duration, mut on_frame: impl FnMut(&[u8]) -> bool) -> bool {
        let end = Instant::now() + limit;
        let mut buf = vec![0u8; 2000];
        loop {
            let timeout = loop {
                match self.rtc.poll_output().unwrap() {
                    Output::Timeout(t) => break t,
                    Output::Transmit(t) => {
                        let _ = self.socket.send_to(&t.contents, t.destination);
                    }
                    Output::Event(Event::MediaData(d)) => {
                        if on_frame(&d.data) {
                            return true;
                        }
                    }
                    Output::Event(_) => {}
                }
            };
            let now = Instant::now();
            if now > end {
                return false;
            }
            let wait = timeout.saturating_duration_since(now).min(Duration::from_millis(50));
            if wait.is_zero() {
                self.rtc.handle_input(Input::Timeout(now)).unwrap();
                continue;
            }
            self.socket.set_read_timeout(Some(wait)).unwrap();
            let input = match self.socket.recv_from(&mut buf) {
                Ok((n, source)) => Input::Receive(
                    Instant::now(),
                    Receive {
                        proto: Protocol::Udp,
                        source,
                        destination: self.local,
                        contents: buf[..n].try_into().unwrap(),
                    },
                ),
                Err(_) => Input::Timeout(Instant::now()),
            };
            self.rtc.handle_input(input).unwrap();
        }
    }
}

#[test]
fn a_viewer_decodes_the_stream_and_reads_the_capture_time() {
    let mut browser = Browser::new();
    let mut change = browser.rtc.sdp_api();
    change.add_media(MediaKind::Video, Direction::RecvOnly, None, None, None);
    let (offer, pending) = change.apply().unwrap();

    let format = VideoFormat { width: 640, height: 360, fps: 15 };
    let clicked = Instant::now();
    let clicked_at = unix_millis(SystemTime::now());
    let (answer, viewer) = Viewer::answer(&offer.to_sdp_string(), LOOPBACK, "Front door", format).unwrap();
    assert!(answer.contains("H264"), "the answer picks H.264: {answer}");
    browser.rtc.sdp_api().accept_answer(pending, SdpAnswer::from_sdp_string(&answer).unwrap()).unwrap();

    let mut decoder = Decoder::new().unwrap();
    let mut first_frame = None;
    let mut decoded = 0;
    let mut stamps = Vec::new();
    let played = browser.run(Duration::from_secs(10), |data| {
        let Ok(Some(yuv)) = decoder.decode(data) else { return false };
        let (w, h) = yuv.dimensions();
        assert_eq!((w, h), (640, 360));
        first_frame.get_or_insert(clicked.elapsed());
        decoded += 1;
        let stamp = read_stamp(yuv.y(), yuv.strides().0, w, h).expect("the capture time reads back");
        assert!(stamp >= clicked_at && stamp <= unix_millis(SystemTime::now()), "a real capture time");
        stamps.push(stamp);
        decoded >= 20
    });
    assert!(played, "20 frames decoded within 10 s (got {decoded})");
    let first = first_frame.unwrap();
    assert!(viewer.stats.key_frames.load(Ordering::Relaxed) >= 1, "it starts with a key frame");
    assert!(viewer.stats.connected.load(Ordering::Relaxed));
    // Each frame carries its own capture time (figures come from `cargo xtask bench live`).
    assert!(stamps.windows(2).all(|w| w[0] < w[1]), "{stamps:?}");
    eprintln!("first frame after {first:?}");

    viewer.stop();
}

#[test]
fn stopping_a_viewer_that_never_connected_ends_its_session() {
    let mut browser = Browser::new();
    let mut change = browser.rtc.sdp_api();
    change.add_media(MediaKind::Video, Direction::RecvOnly, None, None, None);
    let (offer, _pending) = change.apply().unwrap();
    let (_, viewer) = Viewer::answer(&offer.to_sdp_string(), LOOPBACK, "x", VideoFormat::default()).unwrap();
    assert!(!viewer.is_finished());
    // Stopping ends and joins the session's thread (a hang here fails the test run).
    viewer.stop();
}

#[test]
fn an_offer_that_is_not_sdp_is_refused() {
    assert!(Viewer::answer("hello", LOOPBACK, "x", VideoFormat::default()).is_err());
}
