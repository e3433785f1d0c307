//! `ward-camera`: runs one camera agent.
//!
//! ```sh
//! ward-camera --state data/camera.json --manifest data/factory/demo.jsonl --qr data/camera-qr.png \
//!     --server http://127.0.0.1:8080 --alarm-every 60
//! ```
//! The first start makes the camera's identity (kept in `--state`), prints its label,
//! writes the label's QR code and appends its factory record to `--manifest`, the file the
//! server imports at start. Lines on stdin act on demand: `motion`, `ring`, `freeze`.
//!
//! `--server https://…` connects over TLS (`wss://`), trusting the public CAs, or with
//! `--ca-file ca.pem` only the CAs in that file (a private deployment's own CA). When someone
//! claims the camera, the server issues it a new secret, which replaces the factory's in
//! `--state`.
//!
//! The live view shows a generated test picture, encoded for each viewer. With `--rtsp
//! rtsp://[user:password@]host/path` (or `WARD_CAMERA_RTSP`) it shows that RTSP camera
//! instead: its H.264 is passed through unchanged (no decoding, no encoding), over one RTSP
//! session (RTP over TCP) that opens with the first viewer and closes after the last. A
//! camera that cannot be played fails the viewer's offer with the reason; one that drops is
//! reconnected with backoff. A viewer starts at the camera's next key frame, and a browser's
//! request for a key frame cannot be passed on, so keep the camera's key-frame interval
//! short (1–2 s); set it to H.264 without B-frames (baseline is safest: it goes out under
//! the baseline payload type the browser offered).

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use tokio::io::AsyncBufReadExt as _;
use ward_camera::{Agent, Command, Config, Identity, qr_png};

#[derive(Debug, Parser)]
#[command(name = "ward-camera", version, about = "A Ward camera agent")]
struct Args {
    /// The camera's identity file (created on first start).
    #[arg(long, env = "WARD_CAMERA_STATE", default_value = "camera.json")]
    state: PathBuf,
    /// Append the factory record here when the identity is created (the server imports it).
    #[arg(long)]
    manifest: Option<PathBuf>,
    /// Write the label's QR code here as a PNG.
    #[arg(long)]
    qr: Option<PathBuf>,
    /// The Ward server: `https://…` connects over TLS (`wss://`), `http://…` in clear.
    #[arg(long, env = "WARD_CAMERA_SERVER", default_value = "http://127.0.0.1:8080")]
    server: String,
    /// Trust only the CA certificates in this PEM file for an `https://` server (a private
    /// deployment's own CA) instead of the public CAs.
    #[arg(long, env = "WARD_CAMERA_CA_FILE")]
    ca_file: Option<PathBuf>,
    /// Raise a motion alarm every this many seconds (0: only on demand).
    #[arg(long, default_value_t = 0)]
    alarm_every: u64,
    /// The time zone the camera reports (IANA name).
    #[arg(long, env = "TZ", default_value = "UTC")]
    time_zone: String,
    /// The address viewers reach the live view's media at (default: the address this camera
    /// reaches the server from).
    #[arg(long, env = "WARD_CAMERA_MEDIA_IP")]
    media_ip: Option<std::net::IpAddr>,
    /// The live view: WIDTHxHEIGHT@FPS, up to 1280x720@30.
    #[arg(long, env = "WARD_CAMERA_VIDEO", default_value = "640x360@15", value_parser = parse_video)]
    video: ward_live::VideoFormat,
    /// Pass this RTSP camera's H.264 through to live viewers instead of the test picture:
    /// rtsp://[user:password@]host[:port]/path.
    // `hide_env_values`: `--help` would otherwise print the URL with its password.
    #[arg(long, env = "WARD_CAMERA_RTSP", hide_env_values = true, value_parser = parse_rtsp)]
    rtsp: Option<ward_live::RtspSource>,
    /// Make the identity, print the label, and exit.
    #[arg(long)]
    init_only: bool,
}

fn parse_rtsp(text: &str) -> Result<ward_live::RtspSource, String> {
    ward_live::RtspSource::new(text).map_err(|e| e.to_string())
}

fn parse_video(text: &str) -> Result<ward_live::VideoFormat, String> {
    ward_live::VideoFormat::parse(text).map_err(|e| e.to_string())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if let Some(ca) = &args.ca_file {
        // A wrong path or file is said at once, not as a connection error every few seconds.
        ward_camera::tls::client_config(Some(ca))?;
    }
    let (identity, created) = Identity::load_or_create(&args.state)?;
    if created && let Some(manifest) = &args.manifest {
        use std::io::Write as _;
        if let Some(dir) = manifest.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut f = std::fs::OpenOptions::new().create(true).append(true).open(manifest)?;
        writeln!(f, "{}", serde_json::to_string(&identity.factory_record())?)?;
    }
    if let Some(qr) = &args.qr {
        std::fs::write(qr, qr_png(&identity.qr_text())?)?;
    }
    // Tooling reads these two lines (xtask run, the developer page).
    println!("Camera serial: {}", identity.serial);
    println!("Camera code: {}", identity.code);
    print!("{}", identity.label());
    if args.init_only {
        return Ok(());
    }
    let mut config = Config::new(&args.server, identity);
    config.state_path = Some(args.state.clone());
    config.ca_file = args.ca_file.clone();
    config.time_zone = args.time_zone;
    config.alarm_every = (args.alarm_every > 0).then(|| Duration::from_secs(args.alarm_every));
    config.media_ip = args.media_ip;
    config.video = args.video;
    config.rtsp = args.rtsp;
    let mut agent = Agent::spawn(config);
    let commands = agent.commands.clone();
    tokio::spawn(async move {
        let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            let cmd = match line.trim() {
                "motion" => Command::Motion,
                "ring" => Command::Ring,
                "freeze" => Command::Freeze,
                _ => continue,
            };
            let _ = commands.send(cmd);
        }
    });
    let mut last = agent.status.borrow().clone();
    loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => return Ok(()),
            changed = agent.status.changed() => {
                if changed.is_err() { return Ok(()); }
                let now = agent.status.borrow().clone();
                if now.connected != last.connected
                    || now.bound != last.bound
                    || now.privacy_mode != last.privacy_mode
                    || now.viewers != last.viewers
                {
                    // One write per line: stderr is unbuffered, and a line written in pieces
                    // can reach a reader (a test watching `viewers=`) in pieces.
                    let line = format!(
                        "ward-camera: connected={} bound={} privacy={} viewers={}\n",
                        now.connected, now.bound, now.privacy_mode, now.viewers
                    );
                    let _ = std::io::Write::write_all(&mut std::io::stderr().lock(), line.as_bytes());
                }
                if now.secrets_stored != last.secrets_stored {
                    eprintln!("ward-camera: stored the new secret the server issued in {}", args.state.display());
                }
                if now.last_error != last.last_error && let Some(e) = &now.last_error {
                    eprintln!("ward-camera: cannot reach {}: {e}", args.server);
                }
                last = now;
            }
        }
    }
}
