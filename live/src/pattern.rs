//! The moving test picture a camera agent without a real sensor streams: the device's name,
//! the time to the millisecond, a sweeping bar (so a freeze shows), and the capture time as a
//! strip of black and white cells that a program reads back from a decoded frame to measure
//! glass-to-glass latency (`read_stamp`, and the same rule in `xtask`'s live bench).

use std::time::{SystemTime, UNIX_EPOCH};

/// Bits of the capture time (Unix milliseconds) in the strip, then 8 bits of check.
const STAMP_BITS: usize = 48;
const CHECK_BITS: usize = 8;
/// Cells in a strip: a white guard, the bits, a black guard.
const CELLS: usize = 1 + STAMP_BITS + CHECK_BITS + 1;

/// One I420 frame: the Y plane, then U and V at half resolution.
pub struct Frame {
    pub width: usize,
    pub height: usize,
    pub data: Vec<u8>,
}

/// Where the strip sits in a frame of this size: (left, top, cell size in pixels).
pub fn strip_geometry(width: usize, height: usize) -> (usize, usize, usize) {
    let cell = (width / (CELLS + 4)).max(2);
    (cell * 2, height - cell * 2, cell)
}

/// The check byte: the XOR of the stamp's six bytes, so a misread strip is refused.
fn check_of(stamp: u64) -> u8 {
    stamp.to_be_bytes()[2..].iter().fold(0, |a, b| a ^ b)
}

/// Reads the capture time (Unix ms) back out of a decoded frame's Y plane; `None` when the
/// strip cannot be read (guards wrong or check byte does not match).
pub fn read_stamp(y: &[u8], stride: usize, width: usize, height: usize) -> Option<u64> {
    let (left, top, cell) = strip_geometry(width, height);
    let bit = |i: usize| {
        let (x, yy) = (left + i * cell + cell / 2, top + cell / 2);
        y.get(yy * stride + x).is_some_and(|&v| v >= 128)
    };
    if !bit(0) || bit(CELLS - 1) {
        return None;
    }
    let stamp = (1..=STAMP_BITS).fold(0u64, |a, i| (a << 1) | u64::from(bit(i)));
    let check = (1 + STAMP_BITS..1 + STAMP_BITS + CHECK_BITS).fold(0u8, |a, i| (a << 1) | u8::from(bit(i)));
    (check == check_of(stamp)).then_some(stamp)
}

/// Unix milliseconds now.
pub fn unix_millis(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

/// Draws test pictures of one size for one device.
pub struct TestPattern {
    width: usize,
    height: usize,
    label: String,
}

impl TestPattern {
    /// `width` and `height` are rounded down to even numbers (I420 needs them).
    pub fn new(width: usize, height: usize, label: &str) -> Self {
        let width = width.max(160) & !1;
        let height = height.max(90) & !1;
        // The font has ASCII only; anything else shows as '?'.
        let label = label.chars().map(|c| if c.is_ascii_graphic() || c == ' ' { c } else { '?' }).collect();
        TestPattern { width, height, label }
    }

    pub fn size(&self) -> (usize, usize) {
        (self.width, self.height)
    }

    /// The picture at `at`; `frame_no` moves the bar.
    pub fn draw(&self, at: SystemTime, frame_no: u64) -> Frame {
        let (w, h) = (self.width, self.height);
        let mut data = vec![0u8; w * h * 3 / 2];
        let (y_plane, chroma) = data.split_at_mut(w * h);
        // A calm blue-grey background with a soft vertical gradient.
        for (row, line) in y_plane.chunks_exact_mut(w).enumerate() {
            line.fill(60 + (row * 40 / h) as u8);
        }
        let (u_plane, v_plane) = chroma.split_at_mut(w * h / 4);
        u_plane.fill(150);
        v_plane.fill(118);
        // The sweeping bar: one screen width every 4 seconds at any frame rate is not needed;
        // a fixed step per frame is, so a frozen picture is visibly frozen.
        let bar = w / 16;
        let x0 = (frame_no as usize * (w / 64).max(1)) % (w - bar);
        for line in y_plane.chunks_exact_mut(w).skip(h / 4).take(h / 2) {
            line[x0..x0 + bar].fill(200);
        }
        for line in u_plane.chunks_exact_mut(w / 2).skip(h / 8).take(h / 4) {
            line[x0 / 2..(x0 + bar) / 2].fill(90);
        }
        for line in v_plane.chunks_exact_mut(w / 2).skip(h / 8).take(h / 4) {
            line[x0 / 2..(x0 + bar) / 2].fill(200);
        }
        let scale = (w / 240).max(1);
        let margin = scale * 8;
        self.text(y_plane, margin, margin, scale, &self.label);
        let millis = unix_millis(at);
        let (secs, ms) = (millis / 1000, millis % 1000);
        let clock =
            format!("{:02}:{:02}:{:02}.{:03} UTC", (secs / 3600) % 24, (secs / 60) % 60, secs % 60, ms);
        self.text(y_plane, margin, margin * 3, scale, &clock);
        self.strip(y_plane, millis);
        Frame { width: w, height: h, data }
    }

    /// White text with a dark outline box, `scale` pixels per font pixel.
    fn text(&self, y: &mut [u8], left: usize, top: usize, scale: usize, text: &str) {
        let w = self.width;
        let box_w = (text.len() * 8 * scale + 2 * scale).min(w.saturating_sub(left));
        for row in top.saturating_sub(scale)..(top + 9 * scale).min(self.height) {
            y[row * w + left.saturating_sub(scale)..row * w + left + box_w].fill(16);
        }
        for (i, c) in text.chars().enumerate() {
            let glyph = font8x8::legacy::BASIC_LEGACY.get(c as usize).copied().unwrap_or([0; 8]);
            for (gy, bits) in glyph.iter().enumerate() {
                for gx in 0..8 {
                    if bits >> gx & 1 == 0 {
                        continue;
                    }
                    let (px, py) = (left + (i * 8 + gx) * scale, top + gy * scale);
                    if px + scale > w || py + scale > self.height {
                        continue;
                    }
                    for r in py..py + scale {
                        y[r * w + px..r * w + px + scale].fill(235);
                    }
                }
            }
        }
    }

    /// The capture time as cells: white guard, 48 bits, 8 check bits, black guard.
    fn strip(&self, y: &mut [u8], millis: u64) {
        let w = self.width;
        let (left, top, cell) = strip_geometry(w, self.height);
        let stamp = millis & ((1 << STAMP_BITS) - 1);
        let check = check_of(stamp);
        let bits = std::iter::once(true)
            .chain((0..STAMP_BITS).rev().map(|i| stamp >> i & 1 == 1))
            .chain((0..CHECK_BITS).rev().map(|i| check >> i & 1 == 1))
            .chain(std::iter::once(false));
        // A grey frame around the strip, so the first and last cells have a clear edge.
        for row in top - cell / 2..(top + cell + cell / 2).min(self.height) {
            y[row * w + left - cell / 2..row * w + left + CELLS * cell + cell / 2].fill(128);
        }
        for (i, on) in bits.enumerate() {
            let value = if on { 235 } else { 16 };
            for row in top..top + cell {
                y[row * w + left + i * cell..row * w + left + (i + 1) * cell].fill(value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn the_stamp_reads_back_from_the_picture_at_every_size() {
        let at = UNIX_EPOCH + Duration::from_millis(1_795_000_123_456);
        for (w, h) in [(640, 360), (1280, 720), (320, 180)] {
            let p = TestPattern::new(w, h, "Front door");
            let f = p.draw(at, 7);
            assert_eq!(f.data.len(), w * h * 3 / 2);
            assert_eq!(read_stamp(&f.data[..w * h], w, w, h), Some(1_795_000_123_456), "{w}x{h}");
        }
    }

    #[test]
    fn a_damaged_strip_is_refused_not_misread() {
        let p = TestPattern::new(640, 360, "x");
        let mut f = p.draw(UNIX_EPOCH + Duration::from_millis(1_795_000_000_001), 0);
        let (left, top, cell) = strip_geometry(640, 360);
        // Flip the last stamp bit (1 → 0): the check byte no longer matches.
        let x = left + STAMP_BITS * cell + cell / 2;
        for row in top..top + cell {
            f.data[row * 640 + x - cell / 2..row * 640 + x + cell / 2].fill(16);
        }
        assert_eq!(read_stamp(&f.data[..640 * 360], 640, 640, 360), None);
    }

    #[test]
    fn the_bar_moves_between_frames() {
        let p = TestPattern::new(640, 360, "x");
        let at = UNIX_EPOCH;
        assert_ne!(p.draw(at, 0).data, p.draw(at, 1).data);
    }
}
