//! Command line and environment: every flag has a `WARD_*` variable (flags win).

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;

use crate::auth::input::AgeRules;
use crate::http::client::TrustedProxies;
use crate::store::StoreConfig;

#[derive(Debug, Clone, Parser)]
#[command(name = "ward-server", version, about = "The Ward API and web app server.")]
pub struct Config {
    /// Address to listen on; port 0 picks a free port (the chosen one is printed).
    #[arg(long, env = "WARD_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,

    /// Directory for the SQLite database and other local data; created when missing.
    #[arg(long, env = "WARD_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,

    /// The built browser app (Trunk's output, precompressed by `cargo xtask`).
    #[arg(long, env = "WARD_DIST_DIR", default_value = "dist")]
    pub dist_dir: PathBuf,

    /// A postgres:// or postgresql:// URL selects PostgreSQL; unset, SQLite at
    /// <DATA_DIR>/ward.sqlite is used.
    // hide_env_values: `--help` must not print a URL that may hold a password.
    #[arg(long, env = "WARD_DATABASE_URL", hide_env_values = true, value_parser = DatabaseUrl::parse)]
    pub database_url: Option<DatabaseUrl>,

    /// The vault's master key, 64 hex digits. Unset: <DATA_DIR>/master.key (created 0600).
    #[arg(long, env = "WARD_MASTER_KEY", hide_env_values = true)]
    pub master_key: Option<String>,

    /// SMTP server for outgoing mail (smtp://, smtps://). Unset: mail is written as .eml
    /// files to <DATA_DIR>/outbox/ and listed by the developer mailbox.
    #[arg(long, env = "WARD_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,

    /// The sender of Ward's mail.
    #[arg(long, env = "WARD_MAIL_FROM", default_value = "Ward <no-reply@ward.localhost>")]
    pub mail_from: String,

    /// Minimum ages per home region, overriding the built-in table (default=18, cn=14,
    /// us=13, eu=16), e.g. `eu=13,default=21`.
    #[arg(long, env = "WARD_MIN_AGES", default_value = "", value_parser = AgeRules::parse)]
    pub min_ages: AgeRules,

    /// The address people use to reach Ward, e.g. `https://ward.example.com`: the passkeys'
    /// relying party. Unset, passkeys work only when Ward is opened at `http://localhost:PORT`.
    #[arg(long, env = "WARD_PUBLIC_URL", value_parser = parse_public_url)]
    pub public_url: Option<url::Url>,

    /// Serve the developer pages' data (`/api/dev/mailbox`: every mailed code; `/api/dev/cameras`:
    /// demo cameras' label codes) to clients on this machine (loopback) only. For development:
    /// `cargo xtask run` and the end-to-end tests pass it. Refused with `--public-url`, since a
    /// deployment behind a local reverse proxy would see every visitor as loopback.
    #[arg(long, env = "WARD_DEV_PAGES", default_value_t = false)]
    pub dev_pages: bool,

    /// Mark the session cookie `Secure` (named `__Host-ward_session`); implied by an https
    /// `--public-url`, set it whenever Ward is otherwise reached over HTTPS.
    #[arg(long, env = "WARD_SECURE_COOKIES", default_value_t = false)]
    pub secure_cookies: bool,

    /// Emails of the privacy staff (comma-separated): they publish policy versions and send
    /// marketing mail. A list in the configuration, not a role in the database, so granting
    /// it is a deployment decision that no account can make for itself.
    #[arg(long, env = "WARD_PRIVACY_STAFF", value_delimiter = ',')]
    pub privacy_staff: Vec<String>,

    /// Reverse proxies in front of Ward (comma-separated CIDRs or addresses, e.g.
    /// `10.0.0.0/8,::1`): only from these is `Forwarded` / `X-Forwarded-For` believed, to find
    /// the client that rate limits, the sessions list and the activity log name. Unset, the
    /// peer is the client; behind a proxy every visitor would then share its address.
    #[arg(long, env = "WARD_TRUSTED_PROXIES", value_parser = TrustedProxies::parse, default_value = "")]
    pub trusted_proxies: TrustedProxies,
    /// The services a person may send a copy of their data archive to: a JSON file in the
    /// shape of `privacy/recipients.json` (the shipped one when unset).
    #[arg(long, env = "WARD_RECIPIENTS")]
    pub recipients: Option<PathBuf>,
    // ---- Devices (cameras, alarm media) ----
    /// Where alarm pictures and call pictures go: `s3://BUCKET[/PREFIX]` (credentials and
    /// endpoint from the usual `AWS_*` variables, e.g. `AWS_ENDPOINT` for MinIO), or unset:
    /// the local file system under <DATA_DIR>/media.
    #[arg(long, env = "WARD_MEDIA_URL")]
    pub media_url: Option<String>,

    /// Days alarm events and their pictures are kept (the registry's rule is the default).
    #[arg(long, env = "WARD_EVENT_RETENTION_DAYS", default_value_t = crate::registry::EVENT_DAYS)]
    pub event_retention_days: u32,

    /// Days doorbell call records and their pictures are kept.
    #[arg(long, env = "WARD_CALL_RETENTION_DAYS", default_value_t = crate::registry::CALL_DAYS)]
    pub call_retention_days: u32,

    /// Alarms and calls one camera may send a minute; the pictures of more are refused.
    #[arg(long, env = "WARD_PICTURES_PER_MINUTE", value_parser = clap::value_parser!(u32).range(1..),
        default_value_t = crate::devices::quota::PICTURES_PER_MINUTE)]
    pub pictures_per_minute: u32,

    /// Bytes of pictures one camera may send a (UTC) day; more are refused until midnight.
    #[arg(long, env = "WARD_PICTURE_BYTES_PER_DAY", value_parser = clap::value_parser!(u64).range(1..),
        default_value_t = crate::devices::quota::PICTURE_BYTES_PER_DAY)]
    pub picture_bytes_per_day: u64,

    /// STUN/TURN servers handed to viewers' browsers for the live view, comma-separated:
    /// `stun:host:3478` or `turn:host:3478|user|secret`. Unset: none (fine on one network).
    #[arg(long, env = "WARD_ICE_SERVERS", value_parser = parse_ice_servers, default_value = "")]
    pub ice_servers: IceServers,
}

/// The parsed `--ice-servers` list.
#[derive(Debug, Clone, Default)]
pub struct IceServers(pub Vec<ward_model::IceServer>);

fn parse_ice_servers(text: &str) -> Result<IceServers, String> {
    let mut out = Vec::new();
    for item in text.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        let mut parts = item.split('|');
        let url = parts.next().unwrap_or_default();
        if !(url.starts_with("stun:") || url.starts_with("turn:") || url.starts_with("turns:")) {
            return Err(format!("`{url}`: an ICE server URL starts with stun:, turn: or turns:"));
        }
        let (username, credential) = (parts.next().map(String::from), parts.next().map(String::from));
        if url.starts_with("turn") && (username.is_none() || credential.is_none()) {
            return Err(format!("`{url}`: a TURN server needs `|user|secret`"));
        }
        out.push(ward_model::IceServer { urls: vec![url.to_string()], username, credential });
    }
    Ok(IceServers(out))
}

#[cfg(test)]
mod ice_tests {
    use super::*;

    #[test]
    fn ice_servers_parse_and_bad_ones_are_named() {
        let ok =
            parse_ice_servers("stun:stun.example.org:3478, turn:turn.example.org:3478|ward|s3cret").unwrap();
        assert_eq!(ok.0.len(), 2);
        assert_eq!(ok.0[1].username.as_deref(), Some("ward"));
        assert!(parse_ice_servers("").unwrap().0.is_empty());
        assert!(parse_ice_servers("http://x").unwrap_err().contains("http://x"));
        assert!(parse_ice_servers("turn:x:3478").unwrap_err().contains("user"));
    }
}

impl Config {
    /// A configuration with every default except the directories, for tests and tools.
    pub fn new(data_dir: impl Into<PathBuf>, dist_dir: impl Into<PathBuf>) -> Self {
        Config {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: data_dir.into(),
            dist_dir: dist_dir.into(),
            database_url: None,
            master_key: None,
            smtp_url: None,
            mail_from: "Ward <no-reply@ward.localhost>".into(),
            min_ages: AgeRules::default(),
            secure_cookies: false,
            public_url: None,
            dev_pages: false,
            privacy_staff: Vec::new(),
            trusted_proxies: TrustedProxies::default(),
            recipients: None,
            media_url: None,
            event_retention_days: crate::registry::EVENT_DAYS,
            call_retention_days: crate::registry::CALL_DAYS,
            pictures_per_minute: crate::devices::quota::PICTURES_PER_MINUTE,
            picture_bytes_per_day: crate::devices::quota::PICTURE_BYTES_PER_DAY,
            ice_servers: IceServers::default(),
        }
    }

    /// Whether people reach Ward over HTTPS (an `https://` public URL): the session cookie is
    /// then `Secure` with the `__Host-` prefix, and answers carry HSTS.
    pub fn serves_https(&self) -> bool {
        self.public_url.as_ref().is_some_and(|u| u.scheme() == "https")
    }

    pub fn store(&self) -> StoreConfig {
        match &self.database_url {
            Some(url) => StoreConfig::Postgres(url.clone()),
            None => StoreConfig::Sqlite(self.data_dir.join("ward.sqlite")),
        }
    }
}

fn parse_public_url(s: &str) -> Result<url::Url, String> {
    let url = url::Url::parse(s).map_err(|e| format!("not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.domain().is_none() {
        return Err("expected http(s)://DOMAIN[:PORT], e.g. https://ward.example.com".into());
    }
    Ok(url)
}

/// A PostgreSQL connection URL. Its `Debug` hides the password, so logging a `Config`
/// never leaks it.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let rest =
            s.strip_prefix("postgres://").or_else(|| s.strip_prefix("postgresql://")).ok_or_else(|| {
                "expected a postgres:// or postgresql:// URL (leave it unset to use SQLite \
                 under --data-dir)"
                    .to_string()
            })?;
        if rest.is_empty() {
            return Err("the URL names no host: expected postgres://USER@HOST:PORT/DATABASE".into());
        }
        Ok(DatabaseUrl(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The same server with `_<suffix>` appended to the database name: `(url, name)`.
    /// `postgres://u@h:5432/ward?x=y` with `eu` -> `postgres://u@h:5432/ward_eu?x=y`.
    pub fn with_database_suffix(&self, suffix: &str) -> (String, String) {
        let url = &self.0;
        let (base, query) = match url.split_once('?') {
            Some((b, q)) => (b, Some(q)),
            None => (url.as_str(), None),
        };
        let scheme_end = base.find("://").map_or(0, |i| i + 3);
        let (authority, db) = match base[scheme_end..].find('/') {
            Some(i) => (&base[..scheme_end + i], &base[scheme_end + i + 1..]),
            None => (base, ""),
        };
        // libpq's default database is the user's name; "postgres" is the usual one.
        let db = if db.is_empty() { "postgres" } else { db };
        let name = format!("{db}_{suffix}");
        let mut out = format!("{authority}/{name}");
        if let Some(q) = query {
            out.push('?');
            out.push_str(q);
        }
        (out, name)
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // postgres://user:secret@host/db -> postgres://user:***@host/db
        let url = &self.0;
        let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
        let redacted = match rest.split_once('@') {
            Some((userinfo, host)) if userinfo.contains(':') => {
                let user = userinfo.split(':').next().unwrap_or("");
                format!("{scheme}://{user}:***@{host}")
            }
            _ => url.clone(),
        };
        f.debug_tuple("DatabaseUrl").field(&redacted).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Config, clap::Error> {
        Config::try_parse_from(std::iter::once("ward-server").chain(args.iter().copied()))
    }

    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        Config::command().debug_assert();
    }

    // One test touches the environment, so parallel tests never see each other's WARD_*.
    #[test]
    fn defaults_select_sqlite_in_the_data_dir() {
        for var in [
            "WARD_ADDR",
            "WARD_DATA_DIR",
            "WARD_DIST_DIR",
            "WARD_DATABASE_URL",
            "WARD_MASTER_KEY",
            "WARD_SMTP_URL",
            "WARD_MIN_AGES",
            "WARD_SECURE_COOKIES",
            "WARD_PUBLIC_URL",
            "WARD_DEV_PAGES",
            "WARD_TRUSTED_PROXIES",
        ] {
            // SAFETY: no other test in this binary reads or writes these variables.
            unsafe { std::env::remove_var(var) };
        }
        let config = parse(&[]).unwrap();
        assert_eq!(config.addr.to_string(), "127.0.0.1:8080");
        assert_eq!(config.dist_dir, PathBuf::from("dist"));
        assert!(!config.dev_pages, "the developer pages are off unless asked for");
        assert!(config.trusted_proxies.is_empty(), "no forwarded header is believed unless asked for");
        match config.store() {
            StoreConfig::Sqlite(path) => assert_eq!(path, PathBuf::from("./data/ward.sqlite")),
            other => panic!("expected SQLite, got {other:?}"),
        }
    }

    #[test]
    fn a_postgres_url_selects_postgres() {
        for url in ["postgres://u@h:5432/ward", "postgresql://u@h/ward"] {
            let config = parse(&["--database-url", url]).unwrap();
            match config.store() {
                StoreConfig::Postgres(u) => assert_eq!(u.as_str(), url),
                other => panic!("expected PostgreSQL, got {other:?}"),
            }
        }
    }

    #[test]
    fn a_database_url_of_another_kind_is_refused_with_a_reason() {
        let err = parse(&["--database-url", "mysql://h/db"]).unwrap_err().to_string();
        assert!(err.contains("expected a postgres:// or postgresql:// URL"), "{err}");
        assert!(parse(&["--database-url", "postgres://"]).is_err());
    }

    #[test]
    fn region_databases_are_named_after_the_directory() {
        let url = DatabaseUrl::parse("postgres://u:p@h:5432/ward?sslmode=disable").unwrap();
        assert_eq!(
            url.with_database_suffix("eu"),
            ("postgres://u:p@h:5432/ward_eu?sslmode=disable".into(), "ward_eu".into())
        );
        let bare = DatabaseUrl::parse("postgres://u@h").unwrap();
        assert_eq!(bare.with_database_suffix("us").0, "postgres://u@h/postgres_us");
    }

    #[test]
    fn trusted_proxies_are_parsed_at_start_and_a_bad_one_is_named() {
        let config = parse(&["--trusted-proxies", "10.0.0.0/8, ::1"]).unwrap();
        assert!(config.trusted_proxies.contains("10.1.2.3".parse().unwrap()));
        assert!(config.trusted_proxies.contains("::1".parse().unwrap()));
        let err = parse(&["--trusted-proxies", "10.0.0.0/8,my-proxy"]).unwrap_err().to_string();
        assert!(err.contains("`my-proxy` is not a network"), "{err}");
    }

    #[test]
    fn a_bad_address_is_refused() {
        assert!(parse(&["--addr", "localhost"]).is_err());
        assert!(parse(&["--addr", "127.0.0.1:99999"]).is_err());
    }

    #[test]
    fn the_debug_form_of_a_database_url_hides_the_password() {
        let url = DatabaseUrl::parse("postgres://ward:hunter2@db:5432/ward").unwrap();
        let shown = format!("{url:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("postgres://ward:***@db:5432/ward"), "{shown}");
    }
}
