//! A receive-only WebRTC peer that plays the viewer's browser in tests and benches: it makes
//! the offer, takes the answer, and hands each depayloaded video frame to the caller.
//! Chromium plays the browser in the end-to-end tests; this pins the protocol without one.

use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::sync::Arc;
use std::time::{Duration, Instant};

use str0m::change::{SdpAnswer, SdpPendingOffer};
use str0m::media::{Direction, MediaKind};
use str0m::net::{Protocol, Receive};
use str0m::{Candidate, Event, Input, Output, Rtc, RtcConfig};

pub struct Probe {
    rtc: Rtc,
    socket: UdpSocket,
    local: SocketAddr,
    pending: Option<SdpPendingOffer>,
}

impl Probe {
    /// A peer on `ip` and its offer (SDP text) for one receive-only video track.
    pub fn offer(ip: IpAddr) -> std::io::Result<(Probe, String)> {
        let socket = UdpSocket::bind((ip, 0))?;
        let local = socket.local_addr()?;
        let mut rtc = RtcConfig::new()
            .set_crypto_provider(Arc::new(str0m::crypto::from_feature_flags()))
            .build(Instant::now());
        rtc.add_local_candidate(Candidate::host(local, "udp").map_err(std::io::Error::other)?);
        let mut change = rtc.sdp_api();
        change.add_media(MediaKind::Video, Direction::RecvOnly, None, None, None);
        let (offer, pending) = change.apply().ok_or_else(|| std::io::Error::other("no offer"))?;
        Ok((Probe { rtc, socket, local, pending: Some(pending) }, offer.to_sdp_string()))
    }

    /// Takes the answer (SDP text).
    pub fn answer(&mut self, sdp: &str) -> Result<(), String> {
        let answer = SdpAnswer::from_sdp_string(sdp).map_err(|e| e.to_string())?;
        let pending = self.pending.take().ok_or("answered twice")?;
        self.rtc.sdp_api().accept_answer(pending, answer).map_err(|e| e.to_string())
    }

    /// Runs the peer until `on_frame` returns true (then true) or `limit` passes (false).
    pub fn run(&mut self, limit: Duration, mut on_frame: impl FnMut(&[u8]) -> bool) -> bool {
        let end = Instant::now() + limit;
        let mut buf = vec![0u8; 2000];
        loop {
            let timeout = loop {
                match self.rtc.poll_output() {
                    Ok(Output::Timeout(t)) => break t,
                    Ok(Output::Transmit(t)) => {
                        let _ = self.socket.send_to(&t.contents, t.destination);
                    }
                    Ok(Output::Event(Event::MediaData(d))) => {
                        if on_frame(&d.data) {
                            return true;
                        }
                    }
                    Ok(Output::Event(_)) => {}
                    Err(_) => return false,
                }
            };
            let now = Instant::now();
            if now > end {
                return false;
            }
            let wait = timeout.saturating_duration_since(now).min(Duration::from_millis(50));
            let input = if wait.is_zero() {
                Input::Timeout(now)
            } else {
                let _ = self.socket.set_read_timeout(Some(wait));
                match self.socket.recv_from(&mut buf) {
                    Ok((n, source)) => match buf[..n].try_into() {
                        Ok(contents) => Input::Receive(
                            Instant::now(),
                            Receive { proto: Protocol::Udp, source, destination: self.local, contents },
                        ),
                        Err(_) => continue,
                    },
                    Err(_) => Input::Timeout(Instant::now()),
                }
            };
            if self.rtc.handle_input(input).is_err() {
                return false;
            }
        }
    }
}
