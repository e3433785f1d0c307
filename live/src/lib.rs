//! The live view of a camera agent (issue 5): media flows from the agent to the viewer's
//! browser over WebRTC; the server only relays the offer and the answer, and links no part of
//! this crate (an architecture invariant, tested in `server/tests/api/live.rs`).
//!
//! - `pattern`: the moving test picture with the device name and a machine-readable capture
//!   time, for cameras without a sensor and for measuring latency;
//! - `encoder`: H.264 constrained baseline through OpenH264;
//! - `peer`: one str0m peer per viewer, on its own UDP socket and thread, fed by a `Source`;
//! - `rtsp`: pass-through of an RTSP camera's H.264, one RTSP session shared by all viewers;
//! - `probe`: a receive-only peer that plays the browser in tests and benches.

pub mod encoder;
pub mod pattern;
pub mod peer;
pub mod probe;
pub mod rtsp;

pub use encoder::VideoFormat;
pub use peer::{Source, Viewer, ViewerStats};
pub use rtsp::RtspSource;

/// What can go wrong with a live view.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    #[error("the SDP offer was not accepted: {0}")]
    Offer(String),
    #[error("video format: {0}")]
    Format(String),
    #[error("H.264 encoder: {0}")]
    Encoder(String),
    #[error("RTSP: {0}")]
    Rtsp(String),
    #[error("WebRTC: {0}")]
    Rtc(String),
    #[error("the viewer did not connect in time")]
    NoConnection,
    #[error(transparent)]
    Io(#[from] std::io::Error),
}
