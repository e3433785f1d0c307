use std::io::IsTerminal as _;

use clap::Parser as _;
use tracing_subscriber::EnvFilter;

/// See server/Cargo.toml: memory freed after a burst goes back to the system.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = ward_server::Config::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("ward_server=info,tower_http=warn")),
        )
        // stdout carries only the "listening" line that tooling reads.
        .with_writer(std::io::stderr)
        // Colour codes only for a person at a terminal, not in captured logs.
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    ward_server::run(config).await
}
