//! `cargo xtask run`: install, build, start the portal (the server replaces this process,
//! so Ctrl-C and SIGTERM reach it directly and it shuts down gracefully).

use std::os::unix::process::CommandExt;

use crate::Result;
use crate::sh::{cmd, root, run as sh_run, target_dir};
use crate::{app, tools};

pub fn run(args: &[String]) -> Result {
    for a in args {
        if a == "-h" || a == "--help" {
            println!("usage: cargo xtask run [--addr ADDR] [--data-dir DIR] (other flags go to ward-server)");
            return Ok(());
        }
    }
    let tools = tools::ensure_build_tools()?;
    let dist = app::build_release(&tools)?;
    // Started on this machine, not shipped: not the release profile's fat LTO and one codegen
    // unit (tuned for the wasm's size), which cost minutes on a first run.
    sh_run(&mut tools::light(cmd(
        "cargo",
        &["build", "--release", "--package", "ward-server", "--package", "ward-camera"],
    )))?;
    let server = target_dir()?.join("release").join("ward-server");
    start_demo_camera(args)?;

    println!("xtask: starting Ward (Ctrl-C stops it)");
    let mut c = cmd(&server.to_string_lossy(), &[]);
    c.arg("--dist-dir").arg(&dist).args(args).current_dir(root());
    // The developer mailbox and demo cameras, unless this is a deployment the server would
    // refuse them for (a public URL).
    if flag(args, "--public-url", "WARD_PUBLIC_URL").is_none() && !args.iter().any(|a| a == "--dev-pages") {
        c.arg("--dev-pages");
    }
    let err = c.exec();
    Err(format!("could not start {}: {err}", server.display()))
}

/// The value of `--flag VALUE` / `--flag=VALUE` in `args`, else the environment's `env`.
fn flag(args: &[String], flag: &str, env: &str) -> Option<String> {
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == flag {
            return it.next().cloned();
        }
        if let Some(v) = a.strip_prefix(&format!("{flag}=")) {
            return Some(v.to_string());
        }
    }
    std::env::var(env).ok()
}

/// Makes (once) and starts one demo camera beside the server: its identity in
/// `<data-dir>/cameras/demo.json` (the developer page lists it), its factory record in
/// `<data-dir>/factory/demo.jsonl` (the server imports it at start), its label's QR code in
/// `<data-dir>/cameras/demo-qr.png`. It raises a motion alarm every minute once added, and
/// ends with the server (same process group: Ctrl-C reaches both).
fn start_demo_camera(args: &[String]) -> Result {
    let data = root().join(flag(args, "--data-dir", "WARD_DATA_DIR").unwrap_or_else(|| "data".into()));
    let addr = flag(args, "--addr", "WARD_ADDR").unwrap_or_else(|| "127.0.0.1:8080".into());
    let addr = addr.replace("0.0.0.0", "127.0.0.1");
    let camera = target_dir()?.join("release").join("ward-camera");
    let cameras = data.join("cameras");
    let common = |c: &mut std::process::Command| {
        c.arg("--state")
            .arg(cameras.join("demo.json"))
            .arg("--manifest")
            .arg(data.join("factory").join("demo.jsonl"))
            .arg("--qr")
            .arg(cameras.join("demo-qr.png"));
    };
    let mut init = cmd(&camera.to_string_lossy(), &["--init-only"]);
    common(&mut init);
    let out = init.output().map_err(|e| format!("could not run {}: {e}", camera.display()))?;
    if !out.status.success() {
        return Err(format!("ward-camera --init-only failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    println!("xtask: demo camera (add it at Devices → Add a device, where it is also listed):");
    for line in text.lines().filter(|l| l.starts_with("Camera ")) {
        println!("xtask:   {line}");
    }
    let mut run =
        cmd(&camera.to_string_lossy(), &["--server", &format!("http://{addr}"), "--alarm-every", "60"]);
    common(&mut run);
    run.stdin(std::process::Stdio::null()).stdout(std::process::Stdio::null());
    run.spawn().map_err(|e| format!("could not start the demo camera: {e}"))?;
    Ok(())
}
