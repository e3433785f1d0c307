//! The binary as tooling runs it: one "listening" line on stdout, a clean stop on SIGTERM.

use std::process::Stdio;
use std::time::Duration;

use reqwest::StatusCode;
use tokio::io::{AsyncBufReadExt as _, BufReader};
use tokio::process::Command;

use crate::helpers::{Backend, spawn_app, write_dist};

#[tokio::test]
async fn the_binary_announces_its_address_serves_and_stops_cleanly_on_sigterm() {
    let data = tempfile::tempdir().unwrap();
    let dist = tempfile::tempdir().unwrap();
    write_dist(dist.path());
    let mut child = Command::new(env!("CARGO_BIN_EXE_ward-server"))
        .args(["--addr", "127.0.0.1:0", "--data-dir"])
        .arg(data.path().join("nested/data"))
        .arg("--dist-dir")
        .arg(dist.path())
        .env_remove("WARD_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = tokio::time::timeout(Duration::from_secs(30), stdout.next_line())
        .await
        .expect("the server announces itself within 30 s")
        .unwrap()
        .expect("a line on stdout");
    let url = line.strip_prefix("Ward is listening on ").unwrap_or_else(|| panic!("{line}"));
    assert!(url.starts_with("http://127.0.0.1:"), "{line}");

    let res = reqwest::get(format!("{url}/api/health")).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(data.path().join("nested/data/ward.sqlite").exists(), "the data dir and database exist");

    let pid = child.id().unwrap().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().await.unwrap();
    assert!(killed.success());
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("the server stops within 10 s of SIGTERM")
        .unwrap();
    assert!(status.success(), "{status}");
    // Nothing else was printed: the line is the whole stdout contract.
    assert_eq!(stdout.next_line().await.unwrap(), None);
}

#[tokio::test]
async fn the_binary_refuses_a_database_url_that_is_not_postgres() {
    let out = Command::new(env!("CARGO_BIN_EXE_ward-server"))
        .args(["--database-url", "mysql://localhost/ward"])
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("expected a postgres:// or postgresql:// URL"), "{err}");
}

#[tokio::test]
async fn a_graceful_shutdown_closes_the_store() {
    let mut app = spawn_app(Backend::Sqlite).await.unwrap();
    assert_eq!(app.get("/api/health").await.status(), StatusCode::OK);
    let state = app.state.clone();
    app.shut_down().await.unwrap();
    assert!(state.stores.directory.ping().await.is_err(), "the store is closed after shutdown");
}
