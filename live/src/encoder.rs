//! H.264 constrained baseline (what every browser decodes in hardware or software) through
//! OpenH264.

use openh264::OpenH264API;
use openh264::encoder::{
    BitRate, Encoder, EncoderConfig, FrameRate, IntraFramePeriod, Level, Profile, RateControlMode, UsageType,
};
use openh264::formats::YUVBuffer;

use crate::LiveError;
use crate::pattern::Frame;

/// The picture a viewer gets: 640x360 at 15 fps by default, up to 1280x720 at 30.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VideoFormat {
    pub width: usize,
    pub height: usize,
    pub fps: u32,
}

impl Default for VideoFormat {
    fn default() -> Self {
        VideoFormat { width: 640, height: 360, fps: 15 }
    }
}

impl VideoFormat {
    /// Parses `640x360@15`; sizes and rates outside 160x90..1280x720 and 1..30 are refused.
    pub fn parse(text: &str) -> Result<Self, LiveError> {
        let bad = || LiveError::Format(format!("`{text}`: expected WIDTHxHEIGHT@FPS, up to 1280x720@30"));
        let (size, fps) = text.split_once('@').ok_or_else(bad)?;
        let (w, h) = size.split_once('x').ok_or_else(bad)?;
        let f = VideoFormat {
            width: w.trim().parse().map_err(|_| bad())?,
            height: h.trim().parse().map_err(|_| bad())?,
            fps: fps.trim().parse().map_err(|_| bad())?,
        };
        let ok = (160..=1280).contains(&f.width)
            && (90..=720).contains(&f.height)
            && (1..=30).contains(&f.fps)
            && f.width.is_multiple_of(2)
            && f.height.is_multiple_of(2);
        if ok { Ok(f) } else { Err(bad()) }
    }

    /// A bit rate that keeps the burned-in text sharp: about 0.1 bit per pixel per frame.
    fn bitrate(&self) -> u32 {
        ((self.width * self.height) as u32 * self.fps / 10).clamp(300_000, 4_000_000)
    }
}

/// One encoder per viewer (each viewer can ask for a key frame at any time).
pub struct H264 {
    encoder: Encoder,
}

impl H264 {
    pub fn new(format: VideoFormat) -> Result<Self, LiveError> {
        let config = EncoderConfig::new()
            .profile(Profile::Baseline)
            .level(Level::Level_3_1)
            .usage_type(UsageType::CameraVideoRealTime)
            .rate_control_mode(RateControlMode::Bitrate)
            .bitrate(BitRate::from_bps(format.bitrate()))
            .max_frame_rate(FrameRate::from_hz(format.fps as f32))
            // Never skip: a skipped frame is a stutter in a live view.
            .skip_frames(false)
            // A key frame every 4 s as well, so a lost one heals without waiting for PLI.
            .intra_frame_period(IntraFramePeriod::from_num_frames(format.fps * 4));
        let encoder = Encoder::with_api_config(OpenH264API::from_source(), config)
            .map_err(|e| LiveError::Encoder(e.to_string()))?;
        Ok(H264 { encoder })
    }

    /// The next frame as Annex B NAL units (what str0m's H.264 packetizer takes).
    pub fn encode(&mut self, frame: &Frame) -> Result<Vec<u8>, LiveError> {
        let yuv = YUVBuffer::from_vec(frame.data.clone(), frame.width, frame.height);
        let bits = self.encoder.encode(&yuv).map_err(|e| LiveError::Encoder(e.to_string()))?;
        Ok(bits.to_vec())
    }

    /// The next frame will be a key frame (a viewer joined, or asked with PLI/FIR).
    pub fn key_frame(&mut self) {
        self.encoder.force_intra_frame();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_parse_within_limits() {
        assert_eq!(
            VideoFormat::parse("1280x720@30").unwrap(),
            VideoFormat { width: 1280, height: 720, fps: 30 }
        );
        for bad in ["1920x1080@30", "640x360@60", "640x360", "axb@1", "641x360@15", ""] {
            assert!(VideoFormat::parse(bad).is_err(), "{bad}");
        }
    }
}
