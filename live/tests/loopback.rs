//! A viewer on loopback: `Probe` (a second str0m peer) plays the browser, frames are decoded
//! by OpenH264 and the burned-in capture time is read back. Chromium plays the browser in the
//! end-to-end test and the live bench; this test pins the agent's side.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::atomic::Ordering;
use std::time::{Duration, SystemTime};

use openh264::decoder::Decoder;
use openh264::formats::YUVSource;
use ward_live::pattern::{read_stamp, unix_millis};
use ward_live::probe::Probe;
use ward_live::{VideoFormat, Viewer};

const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

#[test]
fn a_viewer_decodes_the_stream_and_reads_the_capture_time() {
    let (mut browser, offer) = Probe::offer(LOOPBACK).unwrap();
    let format = VideoFormat { width: 640, height: 360, fps: 15 };
    let clicked_at = unix_millis(SystemTime::now());
    let (answer, viewer) = Viewer::answer(&offer, LOOPBACK, "Front door", format).unwrap();
    assert!(answer.contains("H264"), "the answer picks H.264: {answer}");
    browser.answer(&answer).unwrap();

    let mut decoder = Decoder::new().unwrap();
    let mut stamps = Vec::new();
    let played = browser.run(Duration::from_secs(10), |data| {
        let Ok(Some(yuv)) = decoder.decode(data) else { return false };
        let (w, h) = yuv.dimensions();
        assert_eq!((w, h), (640, 360));
        let stamp = read_stamp(yuv.y(), yuv.strides().0, w, h).expect("the capture time reads back");
        assert!(stamp >= clicked_at && stamp <= unix_millis(SystemTime::now()), "a real capture time");
        stamps.push(stamp);
        stamps.len() >= 20
    });
    assert!(played, "20 frames decoded within 10 s (got {})", stamps.len());
    assert!(viewer.stats.key_frames.load(Ordering::Relaxed) >= 1, "it starts with a key frame");
    assert!(viewer.stats.connected.load(Ordering::Relaxed));
    // Each frame carries its own capture time (figures come from `cargo xtask bench live`).
    assert!(stamps.windows(2).all(|w| w[0] < w[1]), "{stamps:?}");
    viewer.stop();
}

#[test]
fn stopping_a_viewer_that_never_connected_ends_its_session() {
    let (_browser, offer) = Probe::offer(LOOPBACK).unwrap();
    let (_, viewer) = Viewer::answer(&offer, LOOPBACK, "x", VideoFormat::default()).unwrap();
    assert!(!viewer.is_finished());
    // Stopping ends and joins the session's thread (a hang here fails the test run).
    viewer.stop();
}

#[test]
fn an_offer_that_is_not_sdp_is_refused() {
    assert!(Viewer::answer("hello", LOOPBACK, "x", VideoFormat::default()).is_err());
}
