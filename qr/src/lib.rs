//! Reads QR codes from camera frames: the decoder behind "Scan the label" on the devices
//! page. It runs in a web worker (`src/main.rs`) so the first page never downloads it and
//! decoding never blocks the page; this library part is plain Rust, tested natively.

/// The text of the first QR code found in an RGBA frame (as `ImageData` gives it), if any.
pub fn decode_rgba(width: usize, height: usize, rgba: &[u8]) -> Option<String> {
    if width == 0 || height == 0 || rgba.len() < width * height * 4 {
        return None;
    }
    decode_luma(width, height, |x, y| {
        let i = (y * width + x) * 4;
        // Integer BT.601 luma: a webcam frame is colour; the decoder wants grey.
        ((77 * u32::from(rgba[i]) + 150 * u32::from(rgba[i + 1]) + 29 * u32::from(rgba[i + 2])) >> 8) as u8
    })
}

/// The text of the first readable QR code in a greyscale picture given by `luma(x, y)`.
pub fn decode_luma(width: usize, height: usize, luma: impl FnMut(usize, usize) -> u8) -> Option<String> {
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(width, height, luma);
    image.detect_grids().into_iter().find_map(|grid| grid.decode().ok().map(|(_, text)| text))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Draws `text` as a QR code (another library's encoder) at `scale` px per module,
    /// centred on a `w`x`h` grey background, as RGBA.
    fn frame(text: &str, w: usize, h: usize, scale: usize) -> Vec<u8> {
        let code = qrcode::QrCode::new(text.as_bytes()).unwrap();
        let n = code.width();
        let colors = code.to_colors();
        let side = (n + 8) * scale;
        let (ox, oy) = ((w - side) / 2, (h - side) / 2);
        let mut rgba = vec![0u8; w * h * 4];
        for y in 0..h {
            for x in 0..w {
                let mut v = 180u8; // the desk around the label
                if (ox..ox + side).contains(&x) && (oy..oy + side).contains(&y) {
                    let (mx, my) = ((x - ox) / scale, (y - oy) / scale);
                    let dark = (4..n + 4).contains(&mx)
                        && (4..n + 4).contains(&my)
                        && colors[(my - 4) * n + (mx - 4)] == qrcode::Color::Dark;
                    v = if dark { 20 } else { 235 };
                }
                let i = (y * w + x) * 4;
                rgba[i..i + 4].copy_from_slice(&[v, v.saturating_add(5), v, 255]);
            }
        }
        rgba
    }

    #[test]
    fn reads_a_label_from_a_webcam_sized_frame() {
        let text = "WARD:WC1234567890:ABCDEF";
        for scale in [3, 5, 8] {
            assert_eq!(
                decode_rgba(640, 480, &frame(text, 640, 480, scale)).as_deref(),
                Some(text),
                "scale {scale}"
            );
        }
    }

    #[test]
    fn a_frame_without_a_code_or_too_short_a_buffer_reads_nothing() {
        assert_eq!(decode_rgba(64, 48, &vec![128; 64 * 48 * 4]), None);
        assert_eq!(decode_rgba(64, 48, &[0; 10]), None);
        assert_eq!(decode_rgba(0, 0, &[]), None);
    }
}
