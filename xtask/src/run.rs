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
    sh_run(&mut cmd("cargo", &["build", "--release", "--package", "ward-server"]))?;
    let server = target_dir()?.join("release").join("ward-server");

    println!("xtask: starting Ward (Ctrl-C stops it)");
    let mut c = cmd(&server.to_string_lossy(), &[]);
    c.arg("--dist-dir").arg(&dist).args(args).current_dir(root());
    let err = c.exec();
    Err(format!("could not start {}: {err}", server.display()))
}
