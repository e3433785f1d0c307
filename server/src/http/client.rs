//! Who the client is: the peer address, or behind a trusted reverse proxy the address it
//! forwarded. Rate limits, the sessions list and the activity log key on it.
//!
//! `Forwarded` (RFC 7239) and `X-Forwarded-For` are read only when the peer is one of
//! `--trusted-proxies`; anyone else could write any address there and so escape every limit
//! (or put a victim's address under one). Each proxy appends the address it received the
//! request from, so the list is read from the right: the first address that is not itself a
//! trusted proxy is the client. What a client wrote further left is never believed.
//!
//! `DevClient`: a request the developer pages may answer (`--dev-pages`, a loopback peer).

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use ipnet::IpNet;

use crate::AppState;
use crate::error::AppError;

/// `--trusted-proxies`: the networks of the reverse proxies in front of Ward, parsed once
/// at start (a bad entry stops the server with its reason).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Comma-separated CIDRs (`10.0.0.0/8`, `fd00::/8`) or single addresses (`127.0.0.1`).
    pub fn parse(text: &str) -> Result<TrustedProxies, String> {
        let mut nets = Vec::new();
        for item in text.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let net = match item.parse::<IpNet>() {
                Ok(net) => net,
                Err(_) => match item.parse::<IpAddr>() {
                    Ok(ip) => IpNet::from(ip),
                    Err(_) => {
                        return Err(format!(
                            "`{item}` is not a network: expected CIDRs such as 10.0.0.0/8 or fd00::/8, or \
                             addresses such as 127.0.0.1, comma-separated"
                        ));
                    }
                },
            };
            nets.push(net.trunc());
        }
        Ok(TrustedProxies(nets))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client's address: `peer` itself unless it is a trusted proxy, else the right-most
    /// forwarded address that is not a trusted proxy (`Forwarded` if present, otherwise
    /// `X-Forwarded-For`). A proxy that forwarded nothing readable leaves the nearest
    /// address known, never one a client could choose.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = peer.to_canonical();
        if !self.contains(peer) {
            return peer;
        }
        let mut client = peer;
        for hop in forwarded_chain(headers).into_iter().rev() {
            let Some(ip) = hop else { break };
            client = ip;
            if !self.contains(ip) {
                break;
            }
        }
        client
    }
}

/// The forwarded addresses, left (the first client) to right (the nearest proxy); `None`
/// for an entry that is not an address (`unknown`, an obfuscated `_name`, garbage).
fn forwarded_chain(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let lines = |name: &str| -> Vec<String> {
        headers.get_all(name).iter().map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()).collect()
    };
    let forwarded = lines("forwarded");
    if !forwarded.is_empty() {
        return forwarded
            .iter()
            .flat_map(|line| line.split(','))
            .map(|element| {
                // `for=` of each element; an element without one names no address.
                element
                    .split(';')
                    .filter_map(|pair| pair.trim().split_once('='))
                    .find(|(k, _)| k.trim().eq_ignore_ascii_case("for"))
                    .and_then(|(_, v)| parse_node(v.trim().trim_matches('"')))
            })
            .collect();
    }
    lines("x-forwarded-for").iter().flat_map(|line| line.split(',')).map(|v| parse_node(v.trim())).collect()
}

/// `192.0.2.1`, `192.0.2.1:4711`, `2001:db8::1`, `[2001:db8::1]:4711`.
fn parse_node(text: &str) -> Option<IpAddr> {
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Some(ip.to_canonical());
    }
    if let Ok(sa) = text.parse::<SocketAddr>() {
        return Some(sa.ip().to_canonical());
    }
    text.strip_prefix('[').and_then(|t| t.strip_suffix(']')).and_then(|t| t.parse::<IpAddr>().ok())
}

/// A request the developer pages may answer: `--dev-pages` is on and the peer is loopback.
pub struct DevClient;

impl FromRequestParts<AppState> for DevClient {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(a)| a.ip());
        // `::ffff:127.0.0.1` is loopback too; no peer address at all is not.
        if state.dev_pages && peer.is_some_and(|ip| ip.to_canonical().is_loopback()) {
            Ok(DevClient)
        } else {
            Err(AppError::NotFound)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn bad_entries_are_refused_with_their_text() {
        let err = TrustedProxies::parse("10.0.0.0/8, proxy.local").unwrap_err();
        assert!(err.contains("`proxy.local`"), "{err}");
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
        assert!(TrustedProxies::parse("").unwrap().is_empty());
        let t = TrustedProxies::parse("10.1.2.3/8, ::1, 192.168.0.1").unwrap();
        assert!(
            t.contains(ip("10.200.0.1")) && t.contains(ip("::1")) && t.contains(ip("::ffff:192.168.0.1"))
        );
        assert!(!t.contains(ip("192.168.0.2")));
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let t = TrustedProxies::parse("10.0.0.0/8").unwrap();
        let h = headers(&[("x-forwarded-for", "203.0.113.9"), ("forwarded", "for=203.0.113.9")]);
        assert_eq!(t.client(ip("198.51.100.1"), &h), ip("198.51.100.1"));
        assert_eq!(TrustedProxies::default().client(ip("10.0.0.1"), &h), ip("10.0.0.1"));
    }

    #[test]
    fn behind_trusted_proxies_the_right_most_untrusted_address_is_the_client() {
        let t = TrustedProxies::parse("10.0.0.0/8").unwrap();
        // The client wrote a fake address first; proxy 10.0.0.2 forwarded to 10.0.0.1.
        let h = headers(&[("x-forwarded-for", "1.2.3.4, 203.0.113.9"), ("x-forwarded-for", "10.0.0.2")]);
        assert_eq!(t.client(ip("10.0.0.1"), &h), ip("203.0.113.9"));
        let h = headers(&[(
            "forwarded",
            "for=1.2.3.4, for=\"[2001:db8:cafe::17]:4711\";proto=https, for=10.0.0.2;by=10.0.0.1",
        )]);
        assert_eq!(t.client(ip("10.0.0.1"), &h), ip("2001:db8:cafe::17"));
        // `Forwarded` wins over `X-Forwarded-For` when both are there.
        let h = headers(&[("forwarded", "for=192.0.2.60"), ("x-forwarded-for", "192.0.2.61")]);
        assert_eq!(t.client(ip("10.0.0.1"), &h), ip("192.0.2.60"));
        // With ports, and IPv4 mapped into IPv6.
        let h = headers(&[("x-forwarded-for", "192.0.2.7:5555")]);
        assert_eq!(t.client(ip("::ffff:10.0.0.1"), &h), ip("192.0.2.7"));
    }

    #[test]
    fn a_proxy_that_forwards_nothing_readable_leaves_the_nearest_known_address() {
        let t = TrustedProxies::parse("10.0.0.0/8").unwrap();
        assert_eq!(t.client(ip("10.0.0.1"), &HeaderMap::new()), ip("10.0.0.1"));
        let h = headers(&[("x-forwarded-for", "203.0.113.9, unknown, 10.0.0.3")]);
        assert_eq!(t.client(ip("10.0.0.1"), &h), ip("10.0.0.3"));
        let h = headers(&[("forwarded", "for=_hidden")]);
        assert_eq!(t.client(ip("10.0.0.1"), &h), ip("10.0.0.1"));
        // Every hop trusted: the left-most is as far as anyone can tell.
        let h = headers(&[("x-forwarded-for", "10.9.9.9, 10.0.0.3")]);
        assert_eq!(t.client(ip("10.0.0.1"), &h), ip("10.9.9.9"));
    }
}
