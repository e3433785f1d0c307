//! TLS for `wss://` servers (`https://` in `--server`): rustls with the `ring` provider.
//!
//! The camera trusts the Mozilla root programme's CAs (`webpki-roots`, compiled in, as a
//! camera's firmware carries its own bundle rather than trusting whatever its network's
//! system offers), or, with `--ca-file`, only the CAs in that PEM file: a private deployment
//! with its own (e.g. self-signed) CA, which then no public CA can impersonate.
//!
//! The provider is named here rather than taken from the process default, so a build that
//! also links rustls' other provider (aws-lc-rs) cannot make the agent panic.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject as _;

/// The TLS client configuration: `ca_file`'s CAs only, or the public roots.
pub fn client_config(ca_file: Option<&Path>) -> anyhow::Result<Arc<rustls::ClientConfig>> {
    let mut roots = rustls::RootCertStore::empty();
    match ca_file {
        Some(path) => {
            let pem =
                std::fs::read(path).with_context(|| format!("cannot read the CA file {}", path.display()))?;
            for cert in CertificateDer::pem_slice_iter(&pem) {
                let cert = cert.with_context(|| format!("{}: not a PEM certificate", path.display()))?;
                roots.add(cert).with_context(|| {
                    format!("{}: a certificate rustls cannot use as a CA", path.display())
                })?;
            }
            anyhow::ensure!(
                !roots.is_empty(),
                "{}: no PEM certificate (BEGIN CERTIFICATE) in it",
                path.display()
            );
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    let config =
        rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .context("TLS: no protocol version")?
            .with_root_certificates(roots)
            .with_no_client_auth();
    Ok(Arc::new(config))
}

/// Says in words why a connection's TLS handshake failed, when it did: the raw error
/// (`invalid peer certificate: UnknownIssuer`) does not tell an installer what to do.
pub fn explain(err: &tokio_tungstenite::tungstenite::Error, ca_file: Option<&Path>) -> Option<String> {
    use tokio_tungstenite::tungstenite::Error;
    let tls = match err {
        Error::Io(io) => io.get_ref()?.downcast_ref::<rustls::Error>()?,
        Error::Tls(tokio_tungstenite::tungstenite::error::TlsError::Rustls(e)) => e,
        Error::Tls(other) => return Some(format!("TLS: {other}")),
        _ => return None,
    };
    Some(match tls {
        rustls::Error::InvalidCertificate(why) => {
            let trusting = match ca_file {
                Some(path) => format!("the CAs in {}", path.display()),
                None => "the public CAs (for a private CA, give its certificate with --ca-file)".into(),
            };
            format!("TLS: the server's certificate is not trusted ({why:?}); this camera trusts {trusting}")
        }
        other => format!("TLS: {other}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ca_file_without_certificates_or_missing_is_refused_with_its_name() {
        let dir = std::env::temp_dir().join(format!("ward-camera-tls-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let empty = dir.join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let err = client_config(Some(&empty)).unwrap_err().to_string();
        assert!(err.contains("empty.pem") && err.contains("no PEM certificate"), "{err}");
        let err = client_config(Some(&dir.join("missing.pem"))).unwrap_err().to_string();
        assert!(err.contains("cannot read the CA file") && err.contains("missing.pem"), "{err}");
        std::fs::remove_dir_all(dir).unwrap();
        assert!(client_config(None).is_ok(), "the public roots");
    }
}
