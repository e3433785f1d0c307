//! What a camera is born with: serial number, label code, model, firmware, factory secret.

use std::path::Path;

use rand::Rng as _;
use serde::{Deserialize, Serialize};
use ward_model::ClaimDevice;

pub const MODEL: &str = "Ward Cam C1";
pub const FIRMWARE: &str = "1.4.2";
/// Letters only, without I and O (read as 1 and 0 on a printed label).
const CODE_LETTERS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
const SERIAL_CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRSTUVWXYZ";

/// The factory record plus the one thing the camera learns later: whether it has an owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    pub serial: String,
    /// The 6-letter verification code printed on the label.
    pub code: String,
    pub model: String,
    pub firmware: String,
    /// 32 random bytes, hex: the camera's credential towards the server. Never printed. The
    /// factory's at first; the server replaces it on every claim (`ServerMessage::NewSecret`).
    pub secret: String,
    /// Whether the server said an account owns this camera (unbinding forgets it).
    #[serde(default)]
    pub bound: bool,
    /// The factory's secret, kept once a new one replaced it (as a camera keeps it in ROM for
    /// a factory reset): offered only when the server refuses the current one, which it
    /// accepts only if it knows nothing newer — its store was reset and the manifest
    /// imported again (a developer's fresh database beside `cargo xtask run`'s demo camera).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub factory_secret: Option<String>,
}

/// One line of a factory manifest: what the manufacturer tells the cloud about a camera.
/// The server keeps only keyed hashes of `code` and `secret` (see ARCHITECTURE.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FactoryRecord {
    pub serial: String,
    pub model: String,
    pub code: String,
    pub secret: String,
}

impl Identity {
    /// A new camera off the line.
    pub fn generate() -> Identity {
        let mut rng = rand::thread_rng();
        let serial: String =
            (0..10).map(|_| SERIAL_CHARS[rng.gen_range(0..SERIAL_CHARS.len())] as char).collect();
        let code: String =
            (0..6).map(|_| CODE_LETTERS[rng.gen_range(0..CODE_LETTERS.len())] as char).collect();
        Identity {
            serial: format!("WC{serial}"),
            code,
            model: MODEL.into(),
            firmware: FIRMWARE.into(),
            secret: hex::encode(rng.r#gen::<[u8; 32]>()),
            bound: false,
            factory_secret: None,
        }
    }

    /// Reads the identity at `path`, or makes one and writes it there (mode 0600).
    pub fn load_or_create(path: &Path) -> anyhow::Result<(Identity, bool)> {
        match std::fs::read(path) {
            Ok(bytes) => Ok((serde_json::from_slice(&bytes)?, false)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let id = Identity::generate();
                id.save(path)?;
                Ok((id, true))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Writes the identity durably: a temporary file (0600 before any secret is in it),
    /// synced, then renamed over `path` and the directory synced, so a crash leaves either
    /// the old file or the new one whole (the server relies on it when it replaces the secret).
    pub fn save(&self, path: &Path) -> anyhow::Result<()> {
        use std::io::Write as _;
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let tmp = path.with_extension("tmp");
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&tmp)?;
        #[cfg(unix)]
        {
            // A file left by an older version may have had other permissions.
            use std::os::unix::fs::PermissionsExt as _;
            file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
        file.write_all(&serde_json::to_vec_pretty(self)?)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&tmp, path)?;
        #[cfg(unix)]
        std::fs::File::open(dir)?.sync_all()?;
        Ok(())
    }

    pub fn factory_record(&self) -> FactoryRecord {
        FactoryRecord {
            serial: self.serial.clone(),
            model: self.model.clone(),
            code: self.code.clone(),
            secret: self.factory_secret.clone().unwrap_or_else(|| self.secret.clone()),
        }
    }

    /// What the label's QR code says (the format is `ward_model`'s, shared with the portal).
    pub fn qr_text(&self) -> String {
        ClaimDevice { serial: self.serial.clone(), code: self.code.clone() }.label_text()
    }

    /// The printed label, as text.
    pub fn label(&self) -> String {
        let lines = [self.model.clone(), format!("S/N  {}", self.serial), format!("CODE {}", self.code)];
        let width = lines.iter().map(|l| l.len()).max().unwrap_or(0) + 2;
        let mut out = format!("+{}+\n", "-".repeat(width));
        for l in lines {
            out.push_str(&format!("| {l:<w$} |\n", w = width - 2));
        }
        out.push_str(&format!("+{}+\n", "-".repeat(width)));
        out
    }
}

/// Parses what a label's QR code says (the portal does the same in the browser).
pub fn parse_qr(text: &str) -> Option<(String, String)> {
    ClaimDevice::from_label_text(text).map(|c| (c.serial, c.code))
}

/// The label's QR code as a PNG: black modules on white, 8 px each, 4-module quiet zone.
pub fn qr_png(text: &str) -> anyhow::Result<Vec<u8>> {
    let qr = qrcode::QrCode::new(text.as_bytes())?;
    let n = qr.width();
    let (scale, quiet) = (8usize, 4usize);
    let side = (n + 2 * quiet) * scale;
    let colors = qr.to_colors();
    let mut pixels = vec![255u8; side * side];
    for y in 0..n {
        for x in 0..n {
            if colors[y * n + x] == qrcode::Color::Dark {
                for dy in 0..scale {
                    let row = ((y + quiet) * scale + dy) * side;
                    let start = row + (x + quiet) * scale;
                    pixels[start..start + scale].fill(0);
                }
            }
        }
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, side as u32, side as u32);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::Eight);
        enc.write_header()?.write_image_data(&pixels)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_identity_has_a_serial_a_six_letter_code_and_a_long_secret() {
        let id = Identity::generate();
        assert!(id.serial.starts_with("WC") && id.serial.len() == 12);
        assert_eq!(id.code.len(), 6);
        assert!(id.code.bytes().all(|b| b.is_ascii_uppercase() && b != b'I' && b != b'O'));
        assert_eq!(id.secret.len(), 64);
        assert_ne!(Identity::generate().secret, id.secret);
        assert!(id.label().contains(&id.code) && !id.label().contains(&id.secret));
    }

    #[test]
    fn the_qr_text_parses_back_and_the_png_is_a_png() {
        let id = Identity::generate();
        assert_eq!(parse_qr(&id.qr_text()), Some((id.serial.clone(), id.code.clone())));
        assert_eq!(parse_qr("hello"), None);
        let png = qr_png(&id.qr_text()).unwrap();
        assert_eq!(&png[1..4], b"PNG");
    }

    #[test]
    fn the_identity_survives_a_restart() {
        let dir = std::env::temp_dir().join(format!("ward-camera-test-{}", std::process::id()));
        let path = dir.join("camera.json");
        let (a, created) = Identity::load_or_create(&path).unwrap();
        let (b, again) = Identity::load_or_create(&path).unwrap();
        assert!(created && !again);
        assert_eq!(a, b);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
