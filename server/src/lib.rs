//! Ward's server: the JSON API under `/api` and the built browser app for everything else.

pub mod auth;
pub mod config;
pub mod devices;
pub mod error;
pub mod export;
pub mod http;
pub mod mail;
pub mod openapi;
pub mod privacy;
pub mod registry;
pub mod requests;
pub mod store;
pub mod vault;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context as _;
use axum::Router;
use tokio::net::TcpListener;

pub use config::Config;
pub use error::AppError;
pub use http::assets::Assets;
pub use store::{StoreError, Stores};

/// What every handler can reach. Cheap to clone: everything sits behind `Arc`s.
#[derive(Clone)]
pub struct AppState {
    pub stores: Arc<Stores>,
    pub assets: Arc<Assets>,
    pub auth: Arc<auth::Auth>,
    /// The privacy center: purposes, cookie banner, policy versions.
    pub privacy: Arc<privacy::Privacy>,
    pub devices: Arc<devices::Devices>,
    /// Data export: the archives being built here, and their clock (`export`).
    pub exports: Arc<export::Exports>,
    /// Rights requests: the deadline rules of each region, and their clock (`requests`).
    pub requests: Arc<requests::Requests>,
    /// `--dev-pages`: the developer mailbox and demo cameras answer loopback clients.
    pub dev_pages: bool,
    /// `--trusted-proxies`: whose forwarded client addresses are believed (`http::client`).
    pub trusted_proxies: Arc<http::client::TrustedProxies>,
}

impl AppState {
    /// A person's data key, unwrapped from the directory: for the signed-in person at sign-in,
    /// for a camera's agent (which has no session), and for what one person sees of another's
    /// data through a share. `None` once the person is deleted (the wrapped key is destroyed).
    pub async fn person_key(&self, person_id: &str) -> Result<Option<vault::PersonKey>, AppError> {
        let Some(wrapped) = self.stores.directory.person_key(person_id).await? else { return Ok(None) };
        Ok(Some(self.auth.vault.unwrap_person_key(person_id, &wrapped).map_err(AppError::internal)?))
    }
}

/// The whole application as a router, apart from any socket (tests call it in-process).
pub fn app(state: AppState) -> Router {
    http::router(state)
}

/// A server that has its store open and its socket bound, ready to serve.
pub struct Server {
    listener: TcpListener,
    state: AppState,
}

impl Server {
    /// Creates the data dir, opens the store (migrating it), reads the built app and binds.
    pub async fn bind(config: &Config) -> anyhow::Result<Server> {
        if config.dev_pages && config.public_url.is_some() {
            // Refused rather than ignored: behind a reverse proxy on the same machine every
            // visitor is a loopback client, and the mailbox hands out every mailed code.
            anyhow::bail!(
                "--dev-pages (WARD_DEV_PAGES) cannot be used with --public-url (WARD_PUBLIC_URL): the \
                 developer mailbox would show every mailed code to visitors; unset one of them"
            );
        }
        tokio::fs::create_dir_all(&config.data_dir)
            .await
            .with_context(|| format!("could not create the data dir {}", config.data_dir.display()))?;
        let stores = Stores::open(&config.store()).await.context("could not open the store")?;
        let vault = vault::Vault::open(config.master_key.as_deref(), &config.data_dir)
            .context("could not open the vault's master key")?;
        let mailer = mail::Mailer::new(config.smtp_url.as_deref(), &config.mail_from, &config.data_dir)
            .context("could not set up mail")?;
        // In the directory: every instance shares the counters, and a restart keeps them.
        let limits = auth::limits::Limits::new(stores.directory.clone(), &vault);
        let auth = auth::Auth {
            vault,
            hasher: auth::password::Hasher::for_this_machine(),
            limits,
            mailer,
            ages: config.min_ages.clone(),
            // An https public URL is enough: a second flag to remember would be forgotten.
            secure_cookies: config.secure_cookies || config.serves_https(),
            public_url: config.public_url.clone(),
            ceremonies: auth::passkeys::Ceremonies::default(),
            outgoing: auth::Outgoing::default(),
        };
        let staff = config.privacy_staff.iter().map(|e| auth.email_hash(&e.trim().to_lowercase())).collect();
        let privacy = privacy::Privacy::open(&stores.directory, staff)
            .await
            .context("could not open the privacy center")?;
        let media = devices::Media::open(config.media_url.as_deref(), &config.data_dir.join("media"))
            .context("could not open the media store")?;
        let manifests = devices::read_manifests(&config.data_dir.join("factory"))
            .context("could not read the factory manifests")?;
        let imported = devices::import_factory(&stores, &auth.vault, &manifests)
            .await
            .context("could not import the factory manifests")?;
        if imported > 0 {
            tracing::info!(imported, "factory records imported");
        }
        let mut devices = devices::Devices::new(
            media,
            config.event_retention_days,
            config.call_retention_days,
            &config.data_dir,
        );
        devices.ice_servers = config.ice_servers.0.clone();
        devices.picture_limits = devices::quota::PictureLimits {
            per_minute: config.pictures_per_minute,
            bytes_per_day: config.picture_bytes_per_day,
        };
        let assets = Assets::load(&config.dist_dir).context("could not read the built app")?;
        if assets.index_html().is_none() {
            tracing::warn!(
                dist_dir = %assets.dist_dir().display(),
                "the app is not built (no index.html): the API works, pages answer 503"
            );
        }
        let requests =
            requests::Requests::load(config.privacy_staff.iter().map(|e| e.trim().to_string()).collect())
                .map_err(anyhow::Error::msg)?;
        let year = time::OffsetDateTime::now_utc().year();
        for region in requests.deadlines.stale_calendars(year) {
            tracing::warn!(
                region = region.code(),
                "privacy/deadlines.json has no official calendar for this year: working days count weekends only"
            );
        }
        let listener = TcpListener::bind(config.addr)
            .await
            .with_context(|| format!("could not listen on {}", config.addr))?;
        let mut recipients =
            export::transfer::Recipients::load(config.recipients.as_deref()).map_err(anyhow::Error::msg)?;
        if config.dev_pages {
            recipients = recipients.with_dev_receiver(listener.local_addr()?);
        }
        let signer = export::transfer::Signer::new(&auth.vault);
        let exports = export::Exports::new(&config.data_dir, recipients, signer)
            .context("could not set up the client that sends archives")?;
        let state = AppState {
            stores: Arc::new(stores),
            assets: Arc::new(assets),
            auth: Arc::new(auth),
            privacy: Arc::new(privacy),
            devices: Arc::new(devices),
            exports: Arc::new(exports),
            requests: Arc::new(requests),
            dev_pages: config.dev_pages,
            trusted_proxies: Arc::new(config.trusted_proxies.clone()),
        };
        Ok(Server { listener, state })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("a bound TCP listener has an address")
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` resolves, lets requests in flight finish, closes the store.
    pub async fn serve(self, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        let Server { listener, state } = self;
        let stores = state.stores.clone();
        let outbox = state.auth.mailer.outbox().map(std::path::Path::to_path_buf);
        let retention = tokio::spawn(retention_job(stores.clone(), outbox));
        let media_retention = tokio::spawn(devices::retention_job(state.clone()));
        let export_retention = tokio::spawn(export::retention_job(state.clone()));
        let reminders = tokio::spawn(requests::reminder_job(state.clone()));
        // The peer address feeds rate limits, the sessions list and the activity log.
        axum::serve(listener, app(state).into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(shutdown)
            .await
            .context("the server failed")?;
        retention.abort();
        media_retention.abort();
        export_retention.abort();
        reminders.abort();
        stores.close().await;
        Ok(())
    }
}

/// Enforces the registry's retention rules in every open region store and the outbox
/// folder, at start and hourly.
async fn retention_job(stores: Arc<Stores>, outbox: Option<std::path::PathBuf>) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        every.tick().await;
        let now = auth::session::now();
        for (region, db) in stores.opened_regions() {
            match db.purge_expired(now, auth::session::IDLE, auth::session::ABSOLUTE).await {
                Ok(counts) => tracing::debug!(region = region.code(), ?counts, "retention purge"),
                Err(err) => tracing::warn!(region = region.code(), %err, "retention purge failed"),
            }
            match requests::public::purge(&stores.directory, db, now).await {
                Ok(n) => tracing::debug!(region = region.code(), n, "requester purge"),
                Err(err) => tracing::warn!(region = region.code(), %err, "requester purge failed"),
            }
        }
        // Rate-limit counters whose time has passed (`auth::limits`).
        match stores.directory.limits_purge(now).await {
            Ok(deleted) => tracing::debug!(deleted, "rate-limit purge"),
            Err(err) => tracing::warn!(%err, "rate-limit purge failed"),
        }
        if let Some(dir) = &outbox {
            match mail::purge_outbox(dir, now).await {
                Ok(deleted) => tracing::debug!(deleted, "outbox retention purge"),
                Err(err) => tracing::warn!(%err, "outbox retention purge failed"),
            }
        }
    }
}

/// Runs the server until SIGINT or SIGTERM.
pub async fn run(config: Config) -> anyhow::Result<()> {
    let server = Server::bind(&config).await?;
    // Tooling and tests wait for this exact line on stdout (logs go to stderr).
    println!("Ward is listening on http://{}", server.local_addr());
    server.serve(shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let interrupt = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(%err, "cannot listen for SIGINT");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sigterm) => {
                sigterm.recv().await;
            }
            Err(err) => {
                tracing::error!(%err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
