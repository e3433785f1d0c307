//! Installs what the build and the tests need, each only when missing or at the wrong
//! version. Versions and the reasons for them are in ARCHITECTURE.md ("Toolchain").

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use crate::Result;
use crate::sh::{cmd, probe, root, run};

pub const TRUNK_VERSION: &str = "0.21.14";
/// Must equal the `wasm-bindgen` crate in Cargo.lock (Cargo.toml pins it with `=`).
pub const WASM_BINDGEN_VERSION: &str = "0.2.130";
/// npm's binaryen; Debian's binaryen (108) produces a wasm that crashes at start.
pub const BINARYEN_VERSION: &str = "132";
/// npm's esbuild: minifies the JS the wasm split step makes (Trunk minifies only its own).
pub const ESBUILD_VERSION: &str = "0.25.0";
pub const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// The post-link splitter of the app's wasm into chunks (`xtask/src/split.rs`); 0.2.3 or later
/// is needed with wasm-bindgen 0.2.128 and later.
pub const WASM_SPLIT_VERSION: &str = "0.2.4";

/// Where tools that are not cargo binaries live: outside the clone, shared by runs.
pub fn tools_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("WARD_TOOLS_DIR") {
        return PathBuf::from(d);
    }
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/tmp"));
    home.join(".cache").join("ward-tools")
}

/// A PATH on which Trunk finds exactly the tool versions it is configured for.
pub struct Tools {
    pub path: String,
}

impl Tools {
    pub fn apply(&self, c: &mut std::process::Command) {
        c.env("PATH", &self.path);
    }
}

fn cargo_bin() -> PathBuf {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cargo"));
    home.join("bin")
}

fn version_of(program: &Path, needle: &str) -> bool {
    probe(&mut cmd(&program.to_string_lossy(), &["--version"])).is_some_and(|v| v.contains(needle))
}

/// Everything the app's build needs: wasm target, Trunk, wasm-bindgen CLI, the wasm splitter,
/// wasm-opt.
pub fn ensure_build_tools() -> Result<Tools> {
    println!("xtask: checking build tools");
    check_lockfile_pin()?;

    ensure_native_libraries()?;
    let installed = probe(&mut cmd("rustup", &["target", "list", "--installed"])).unwrap_or_default();
    if !installed.lines().any(|l| l.trim() == WASM_TARGET) {
        run(&mut cmd("rustup", &["target", "add", WASM_TARGET]))?;
    }

    let bin = cargo_bin();
    if !version_of(&bin.join("trunk"), &format!("trunk {TRUNK_VERSION}")) {
        println!("xtask: installing Trunk {TRUNK_VERSION} (about 5 minutes on 2 cores, once)");
        run(&mut light(cmd("cargo", &["install", "trunk", "--version", TRUNK_VERSION, "--locked"])))?;
    }
    if !version_of(&bin.join("wasm-bindgen"), WASM_BINDGEN_VERSION) {
        println!("xtask: installing wasm-bindgen-cli {WASM_BINDGEN_VERSION}");
        // No --locked: one of its pinned dependencies is missing from the registry mirror.
        run(&mut light(cmd(
            "cargo",
            &["install", "wasm-bindgen-cli", "--version", WASM_BINDGEN_VERSION, "--force"],
        )))?;
    }

    // Its CLI has no --version: ask cargo which version it installed.
    let listed = probe(&mut cmd("cargo", &["install", "--list"])).unwrap_or_default();
    if !listed.contains(&format!("wasm_split_cli_support v{WASM_SPLIT_VERSION}:")) {
        println!("xtask: installing wasm-split-cli {WASM_SPLIT_VERSION}");
        run(&mut light(cmd(
            "cargo",
            &[
                "install",
                "wasm_split_cli_support",
                "--version",
                WASM_SPLIT_VERSION,
                "--features",
                "build-binary",
                "--locked",
            ],
        )))?;
    }

    let tools = tools_dir();
    let npm_bin = tools.join("node_modules").join(".bin");
    if !version_of(&npm_bin.join("wasm-opt"), &format!("version {BINARYEN_VERSION}"))
        || !version_of(&npm_bin.join("esbuild"), ESBUILD_VERSION)
    {
        npm_install(
            &tools,
            &[&format!("binaryen@{BINARYEN_VERSION}"), &format!("esbuild@{ESBUILD_VERSION}")],
        )?;
    }

    let path = std::env::join_paths(
        [npm_bin, bin]
            .into_iter()
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )
    .map_err(|e| e.to_string())?;
    Ok(Tools { path: path.to_string_lossy().into_owned() })
}

/// Installs npm packages (`name@version`) into their own folder `prefix`, outside the
/// project (tools we run, not ship).
pub fn npm_install(prefix: &std::path::Path, packages: &[&str]) -> Result {
    ensure_node()?;
    std::fs::create_dir_all(prefix).map_err(|e| format!("creating {}: {e}", prefix.display()))?;
    let prefix = prefix.to_string_lossy().into_owned();
    let mut args = vec!["install", "--prefix", &prefix, "--no-audit", "--no-fund"];
    args.extend_from_slice(packages);
    run(&mut cmd("npm", &args))
}

/// A release build of something we only run here, not ship (a tool's `cargo install`, the
/// server `cargo xtask run` starts): Cargo lets profile settings from the environment
/// override the manifest's, so it builds without LTO, with many codegen units and no debug
/// info. Trunk's own profile (fat LTO, one unit) took 7.4 minutes here.
pub fn light(mut c: std::process::Command) -> std::process::Command {
    c.env("CARGO_PROFILE_RELEASE_LTO", "false")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
        .env("CARGO_PROFILE_RELEASE_DEBUG", "false")
        .env("CARGO_PROFILE_RELEASE_INCREMENTAL", "false");
    c
}

/// Fails early, with the fix, when Cargo.lock drifted from the CLI version.
fn check_lockfile_pin() -> Result {
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).unwrap_or_default();
    let mut lines = lock.lines();
    while let Some(l) = lines.next() {
        if l == "name = \"wasm-bindgen\"" {
            let v = lines.next().unwrap_or_default();
            if v != format!("version = \"{WASM_BINDGEN_VERSION}\"") {
                return Err(format!(
                    "Cargo.lock has wasm-bindgen {v}, but the CLI is pinned to {WASM_BINDGEN_VERSION}: \
                     keep `wasm-bindgen = \"={WASM_BINDGEN_VERSION}\"` in Cargo.toml"
                ));
            }
        }
    }
    Ok(())
}

fn apt_install(packages: &[&str]) -> Result {
    println!("xtask: installing {} from Debian", packages.join(", "));
    run(&mut cmd("apt-get", &["update", "-qq"]))?;
    let mut c = cmd("apt-get", &["install", "-y", "-qq"]);
    c.args(packages).env("DEBIAN_FRONTEND", "noninteractive");
    run(&mut c)
}

/// OpenSSL's headers for the server's passkey library (webauthn-rs links OpenSSL).
fn ensure_native_libraries() -> Result {
    if probe(&mut cmd("pkg-config", &["--exists", "openssl"])).is_none() {
        apt_install(&["pkg-config", "libssl-dev"])?;
    }
    Ok(())
}

fn ensure_node() -> Result {
    if probe(&mut cmd("npm", &["--version"])).is_none() {
        apt_install(&["nodejs", "npm"])?;
    }
    Ok(())
}

/// Chromium and chromedriver for the wasm and end-to-end tests, and a CJK font so that
/// Simplified Chinese pages render (and screenshot) as people see them, not as boxes.
/// The `sqlite3` shell, for benches and tests that write a store from outside.
pub fn ensure_sqlite3() -> Result {
    if !Path::new("/usr/bin/sqlite3").exists() {
        apt_install(&["sqlite3"])?;
    }
    Ok(())
}

pub fn ensure_browser() -> Result {
    let have = |p: &str| Path::new(p).exists();
    let mut missing = Vec::new();
    if !have("/usr/bin/chromium") || !have("/usr/bin/chromedriver") {
        missing.extend(["chromium", "chromium-driver"]);
    }
    if !have("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc") {
        missing.push("fonts-noto-cjk");
    }
    // The privacy e2e tests tamper with a consent ledger in the SQLite store from outside.
    if !have("/usr/bin/sqlite3") {
        missing.push("sqlite3");
    }
    if !missing.is_empty() {
        apt_install(&missing)?;
    }
    Ok(())
}

/// The end-to-end suite's npm packages (playwright-core, axe-core), reinstalled only
/// when e2e/package-lock.json changes.
pub fn ensure_e2e_packages() -> Result {
    ensure_node()?;
    let e2e = root().join("e2e");
    let lock =
        std::fs::read(e2e.join("package-lock.json")).map_err(|e| format!("e2e/package-lock.json: {e}"))?;
    let mut h = DefaultHasher::new();
    lock.hash(&mut h);
    let stamp = format!("{:x}", h.finish());
    let stamp_file = e2e.join("node_modules").join(".ward-stamp");
    if std::fs::read_to_string(&stamp_file).ok().as_deref() == Some(stamp.as_str()) {
        return Ok(());
    }
    let mut c = cmd("npm", &["ci", "--no-audit", "--no-fund"]);
    c.current_dir(&e2e);
    run(&mut c)?;
    std::fs::write(&stamp_file, stamp).map_err(|e| e.to_string())
}

/// Schemathesis, the schema-driven API fuzzer of `cargo xtask test` (`fuzz.rs`), from PyPI.
pub const SCHEMATHESIS_VERSION: &str = "4.32.5";

/// Its `st` command, installed once into a virtualenv of its own under [`tools_dir`] (named
/// by version, so a new pin installs beside the old one and never half over it).
pub fn ensure_schemathesis() -> Result<PathBuf> {
    let venv = tools_dir().join(format!("schemathesis-{SCHEMATHESIS_VERSION}"));
    let st = venv.join("bin").join("st");
    if version_of(&st, &format!("version {SCHEMATHESIS_VERSION}")) {
        return Ok(st);
    }
    if probe(&mut cmd("python3", &["-m", "venv", "--help"])).is_none() {
        apt_install(&["python3", "python3-venv"])?;
    }
    println!("xtask: installing schemathesis {SCHEMATHESIS_VERSION} from PyPI (once)");
    let _ = std::fs::remove_dir_all(&venv);
    run(&mut cmd("python3", &["-m", "venv", &venv.to_string_lossy()]))?;
    let pip = venv.join("bin").join("pip");
    run(&mut cmd(
        &pip.to_string_lossy(),
        &[
            "install",
            "--quiet",
            "--disable-pip-version-check",
            &format!("schemathesis=={SCHEMATHESIS_VERSION}"),
        ],
    ))?;
    if !version_of(&st, &format!("version {SCHEMATHESIS_VERSION}")) {
        return Err(format!("{} does not report version {SCHEMATHESIS_VERSION}", st.display()));
    }
    Ok(st)
}
