//! Sweep (issue 13): crash safety. The real `ward-server` binary is killed with SIGKILL
//! while 32 clients (one person each, each from its own loopback address) change their
//! consents and their names; the kill comes when [`KILL_AFTER`] changes have been
//! acknowledged. After a restart on the same data dir (and database): every acknowledged
//! change is there; a change in flight at the kill is there whole or not at all; each
//! consent ledger verifies and holds exactly the acknowledged consent changes (plus the one in
//! flight, if it landed); every sealed field still opens (`/api/privacy/my-data`). Both
//! backends.

use std::io::{BufRead as _, BufReader};
use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::sync::Notify;
use ward_model::{
    ConsentAction, ConsentOverview, LedgerEntry, LedgerVerification, MailboxMessage, SessionInfo,
};

use crate::fixtures::{PASSWORD, sign_up_body};
use crate::helpers::{Backend, PgDatabase, write_dist};

mod sqlite {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn acknowledged_consent_and_profile_changes_survive_a_kill_9_whole() {
        super::crash(super::Backend::Sqlite).await;
    }
}

mod postgres {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn acknowledged_consent_and_profile_changes_survive_a_kill_9_whole() {
        super::crash(super::Backend::Postgres).await;
    }
}

const CLIENTS: usize = 32;
/// The kill comes when this many changes have been acknowledged (about 12 per client).
const KILL_AFTER: usize = 400;
const PURPOSE: &str = "marketing_mail";
/// Bounds every wait of this test.
const WAIT: Duration = Duration::from_secs(60);

/// The real server binary, started and stopped as a process.
struct Server {
    child: Child,
    url: String,
}

impl Server {
    fn start(data: &Path, dist: &Path, database: Option<&str>, log: &Path) -> Server {
        let mut c = Command::new(env!("CARGO_BIN_EXE_ward-server"));
        c.args(["--addr", "127.0.0.1:0", "--dev-pages", "--data-dir"]).arg(data).arg("--dist-dir").arg(dist);
        if let Some(url) = database {
            c.arg("--database-url").arg(url);
        }
        let log = std::fs::OpenOptions::new().create(true).append(true).open(log).unwrap();
        let mut child = c
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .spawn()
            .expect("the server binary starts");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.split("listening on ").nth(1) {
                    let _ = tx.send(url.trim().to_string());
                }
            }
        });
        let url = rx.recv_timeout(WAIT).expect("the server says it is listening within 60 s");
        Server { child, url }
    }

    fn kill_9(&mut self) {
        self.child.kill().expect("SIGKILL is sent");
        self.child.wait().expect("the killed server is reaped");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One client: a person signed in from their own loopback address.
struct Client {
    n: usize,
    http: reqwest::Client,
    email: String,
    cookie: String,
    csrf: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Change {
    Consent(bool),
    Name(String),
}

/// What one client did until the server went away.
#[derive(Debug, Default)]
struct Record {
    acknowledged: Vec<Change>,
    /// Sent, and never answered: it may or may not have landed.
    in_flight: Option<Change>,
}

fn http_from(n: usize) -> reqwest::Client {
    // Each person from their own address, as people are: the per-address limits then
    // treat them as the 32 people they are.
    let ip = IpAddr::V4(Ipv4Addr::new(127, 0, 1, n as u8 + 1));
    reqwest::Client::builder().local_address(ip).timeout(Duration::from_secs(20)).build().unwrap()
}

async fn enrol(url: &str, n: usize) -> Client {
    let http = http_from(n);
    let email = format!("crash{n}@example.com");
    let res = http.post(format!("{url}/api/signup")).json(&sign_up_body(&email, "eu")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::CREATED, "{email} signs up: {}", res.text().await.unwrap());
    let mails: Vec<MailboxMessage> =
        http.get(format!("{url}/api/dev/mailbox")).send().await.unwrap().json().await.unwrap();
    let text = &mails.iter().find(|m| m.to == email).expect("the code is mailed").text;
    let at = text.find("Your code: ").expect("a code mail") + "Your code: ".len();
    let code = &text[at..at + 6];
    let res = http
        .post(format!("{url}/api/signup/verify"))
        .json(&json!({"email": email, "code": code, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT, "{email} verifies");
    let res = http
        .post(format!("{url}/api/session"))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{email} signs in");
    let cookie = res.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    let info: SessionInfo = res.json().await.unwrap();
    Client { n, http, email, cookie, csrf: info.csrf_token }
}

impl Client {
    fn request(&self, method: reqwest::Method, url: &str, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{url}{path}"))
            .header("cookie", &self.cookie)
            .header("x-csrf-token", &self.csrf)
    }

    async fn get<T: serde::de::DeserializeOwned>(&self, url: &str, path: &str) -> T {
        let res = self.request(reqwest::Method::GET, url, path).send().await.unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        assert_eq!(status, StatusCode::OK, "{} after the restart: GET {path}: {text}", self.email);
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("GET {path}: {e}: {text}"))
    }

    /// Alternates a consent switch and a rename until the server stops answering.
    async fn change_until_gone(&self, url: &str, acknowledged: &AtomicUsize, enough: &Notify) -> Record {
        let mut record = Record::default();
        for i in 0.. {
            let change = if i % 2 == 0 {
                Change::Consent(i % 4 == 0)
            } else {
                Change::Name(format!("Person {} take {i}", self.n))
            };
            let req = match &change {
                Change::Consent(on) => self
                    .request(reqwest::Method::POST, url, "/api/privacy/consents")
                    .json(&json!({"purpose": PURPOSE, "active": on, "text_version": "1"})),
                Change::Name(name) => {
                    self.request(reqwest::Method::PATCH, url, "/api/account").json(&json!({"name": name}))
                }
            };
            record.in_flight = Some(change.clone());
            match req.send().await {
                Ok(res) if res.status().is_success() => {
                    record.acknowledged.push(change);
                    record.in_flight = None;
                    if acknowledged.fetch_add(1, Ordering::SeqCst) + 1 == KILL_AFTER {
                        enough.notify_one();
                    }
                }
                Ok(res) => {
                    let status = res.status();
                    panic!("{}: {change:?} answered {status}: {}", self.email, res.text().await.unwrap());
                }
                // Reset or refused: the server is gone.
                Err(_) => return record,
            }
        }
        unreachable!()
    }
}

async fn crash(backend: Backend) {
    let started = Instant::now();
    let database = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => match PgDatabase::create().await {
            Some(db) => Some(db),
            None => return,
        },
    };
    let tmp = tempfile::Builder::new().prefix("ward-crash-").tempdir().unwrap();
    let (data, dist, log) = (tmp.path().join("data"), tmp.path().join("dist"), tmp.path().join("server.log"));
    std::fs::create_dir_all(&dist).unwrap();
    write_dist(&dist);
    let db_url = database.as_ref().map(|d| d.url.clone());
    let mut server = Server::start(&data, &dist, db_url.as_deref(), &log);
    let url = server.url.clone();

    let clients: Vec<Arc<Client>> = futures_util::future::join_all((0..CLIENTS).map(|n| enrol(&url, n)))
        .await
        .into_iter()
        .map(Arc::new)
        .collect();

    // ---- 32 clients change things; the kill comes at the KILL_AFTER-th acknowledgement.
    let acknowledged = Arc::new(AtomicUsize::new(0));
    let enough = Arc::new(Notify::new());
    let running: Vec<_> = clients
        .iter()
        .map(|c| {
            let (c, url, acknowledged, enough) =
                (c.clone(), url.clone(), acknowledged.clone(), enough.clone());
            tokio::spawn(async move { c.change_until_gone(&url, &acknowledged, &enough).await })
        })
        .collect();
    tokio::time::timeout(WAIT, enough.notified())
        .await
        .unwrap_or_else(|_| panic!("{KILL_AFTER} changes were not acknowledged within {WAIT:?}"));
    server.kill_9();
    let at_kill = acknowledged.load(Ordering::SeqCst);
    let mut records = Vec::new();
    for r in running {
        records
            .push(tokio::time::timeout(WAIT, r).await.expect("every client sees the server gone").unwrap());
    }
    let in_flight = records.iter().filter(|r| r.in_flight.is_some()).count();

    // ---- Restart on the same data, and check each person.
    let server = Server::start(&data, &dist, db_url.as_deref(), &log);
    let url = server.url.clone();
    let mut problems = Vec::new();
    for (c, r) in clients.iter().zip(&records) {
        let who = &c.email;
        let acked_consents: Vec<bool> = r
            .acknowledged
            .iter()
            .filter_map(|ch| if let Change::Consent(on) = ch { Some(*on) } else { None })
            .collect();
        let last_name = r.acknowledged.iter().rev().find_map(|ch| match ch {
            Change::Name(n) => Some(n.clone()),
            Change::Consent(_) => None,
        });

        // The name: the last acknowledged one, or the one in flight.
        let me: SessionInfo = c.get(&url, "/api/session").await;
        let mut names = vec![last_name.unwrap_or_else(|| "Ada Lovelace".into())];
        if let Some(Change::Name(n)) = &r.in_flight {
            names.push(n.clone());
        }
        if !names.contains(&me.account.name) {
            problems.push(format!("{who}: name {:?}, expected one of {names:?}", me.account.name));
        }

        // The consent ledger: exactly the acknowledged switches, plus the one in flight if
        // it landed, and it verifies.
        let ledger: Vec<LedgerEntry> = c.get(&url, "/api/privacy/ledger").await;
        let switches: Vec<bool> = ledger
            .iter()
            .filter(|e| e.purpose == PURPOSE)
            .map(|e| matches!(e.action, ConsentAction::Granted))
            .collect();
        let mut allowed = vec![acked_consents.clone()];
        if let Some(Change::Consent(on)) = &r.in_flight {
            allowed.push(acked_consents.iter().copied().chain([*on]).collect());
        }
        if !allowed.contains(&switches) {
            problems.push(format!("{who}: the ledger holds {switches:?}, expected one of {allowed:?}"));
        }
        let verified: LedgerVerification = c.get(&url, "/api/privacy/ledger/verify").await;
        if !verified.intact || verified.records != ledger.len() as u64 {
            problems
                .push(format!("{who}: the ledger does not verify: {verified:?} ({} records)", ledger.len()));
        }
        // What the person is told agrees with the ledger.
        let overview: ConsentOverview = c.get(&url, "/api/privacy/consents").await;
        let active = overview.purposes.iter().find(|p| p.purpose.id == PURPOSE).unwrap().active;
        if active != switches.last().copied().unwrap_or(false) {
            problems.push(format!("{who}: {PURPOSE} reads {active}, the ledger says {switches:?}"));
        }
        // Every sealed field of theirs opens, and the account still works.
        let _: Value = c.get(&url, "/api/privacy/my-data").await;
        let _: Value = c.get(&url, "/api/account/activity").await;
        let res = c
            .request(reqwest::Method::PATCH, &url, "/api/account")
            .json(&json!({"name": "After the restart"}))
            .send()
            .await
            .unwrap();
        if res.status() != StatusCode::OK {
            problems.push(format!("{who}: a rename after the restart answered {}", res.status()));
        }
    }
    drop(server);
    let total: usize = records.iter().map(|r| r.acknowledged.len()).sum();
    eprintln!(
        "crash ({backend:?}): killed at {at_kill} acknowledged changes ({total} in all, {in_flight} in flight); {:.1} s",
        started.elapsed().as_secs_f64()
    );
    if !problems.is_empty() {
        let log = std::fs::read_to_string(&log).unwrap_or_default();
        let tail = &log[log.len().saturating_sub(4000)..];
        panic!(
            "after kill -9 and a restart ({backend:?}):\n{}\n--- server log ---\n{tail}",
            problems.join("\n")
        );
    }
    drop(database);
}
