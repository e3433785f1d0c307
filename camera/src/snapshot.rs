//! The camera's "sensor": a generated scene with the time burned in, encoded as JPEG.

use crate::font::draw_text;

/// A picture of `width`×`height` for the moment `at` (Unix seconds) at offset `seq` of the
/// motion (so consecutive alarms differ), with `caption` and the UTC time in the corner.
pub fn render(width: usize, height: usize, at: i64, seq: u64, caption: &str) -> Vec<u8> {
    let mut rgb = vec![0u8; width * height * 3];
    // A sky-to-floor gradient and a "person" that moves with `seq`.
    for y in 0..height {
        for x in 0..width {
            let i = (y * width + x) * 3;
            let t = (y * 255 / height) as u8;
            rgb[i] = 40 + t / 3;
            rgb[i + 1] = 70 + t / 4;
            rgb[i + 2] = 120u8.saturating_sub(t / 3);
        }
    }
    let (bw, bh) = (width / 8, height / 2);
    let bx = (seq as usize * width / 7) % (width - bw);
    for y in height - bh - height / 10..height - height / 10 {
        for x in bx..bx + bw {
            let i = (y * width + x) * 3;
            rgb[i..i + 3].copy_from_slice(&[200, 120, 60]);
        }
    }
    let scale = (width / 320).max(1);
    let stamp = timestamp(at);
    draw_text(&mut rgb, width, scale * 2, scale * 2, scale, &stamp);
    draw_text(&mut rgb, width, scale * 2, height - 10 * scale, scale, caption);
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 80)
        .encode(&rgb, width as u16, height as u16, jpeg_encoder::ColorType::Rgb)
        .expect("encoding an in-memory RGB buffer of valid size cannot fail");
    out
}

/// `2026-11-25 09:30:00 UTC`.
pub fn timestamp(at: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(at).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    t.format(time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_is_a_jpeg_and_differs_by_time() {
        let a = render(320, 180, 1_800_000_000, 1, "MOTION");
        let b = render(320, 180, 1_800_000_001, 1, "MOTION");
        assert_eq!(&a[..3], &[0xFF, 0xD8, 0xFF]);
        assert_ne!(a, b);
        assert_eq!(timestamp(0), "1970-01-01 00:00:00 UTC");
    }
}
