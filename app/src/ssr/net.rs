//! Who is on the other end of a request: the client's address through the proxies we trust, and
//! whether it came over https. Throttling counts per address, so the address must be the
//! client's, not the proxy's (else everyone shares one bucket), and an IPv6 client must not get
//! a new bucket with every address of its /64.

use axum::http::HeaderMap;
use ipnet::IpNet;
use std::net::IpAddr;

/// Proxies (load balancers, TLS terminators) whose forwarding headers are believed:
/// `TIERDESK_TRUSTED_PROXIES`, a comma-separated list of addresses or networks
/// (`10.0.0.0/8, ::1`). Empty by default: then the TCP peer is the client.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    pub fn parse(list: &str) -> Result<Self, String> {
        let mut nets = Vec::new();
        for part in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let net = part
                .parse::<IpNet>()
                .or_else(|_| part.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| {
                    format!("TIERDESK_TRUSTED_PROXIES: {part:?} is not an address or a network like 10.0.0.0/8")
                })?;
            nets.push(net);
        }
        Ok(TrustedProxies(nets))
    }

    pub fn from_env() -> Result<Self, String> {
        Self::parse(&std::env::var("TIERDESK_TRUSTED_PROXIES").unwrap_or_default())
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|n| n.contains(&ip))
    }

    /// The client: the TCP peer, unless that is a trusted proxy; then the last address in
    /// `X-Forwarded-For` that is not itself a trusted proxy. Addresses further left were written
    /// by the client and prove nothing.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.trusts(peer) {
            return canonical(peer);
        }
        let mut client = canonical(peer);
        let hops: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        for hop in hops.iter().rev() {
            match hop.parse::<IpAddr>() {
                Ok(ip) => {
                    client = canonical(ip);
                    if !self.trusts(ip) {
                        break;
                    }
                }
                // A hop we cannot read: stop at the last one we could.
                Err(_) => break,
            }
        }
        client
    }

    /// Whether the client used https: only a trusted proxy's `X-Forwarded-Proto` is believed.
    pub fn forwarded_https(&self, peer: IpAddr, headers: &HeaderMap) -> bool {
        self.trusts(peer)
            && headers
                .get("x-forwarded-proto")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(',').next())
                .is_some_and(|p| p.trim().eq_ignore_ascii_case("https"))
    }
}

/// An IPv4 address written as IPv6 (`::ffff:10.0.0.1`) is that IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

/// The bucket throttling counts `ip` in: the address itself for IPv4, its /64 for IPv6 (one
/// subscriber's whole allocation, which an attacker can rotate through freely).
pub fn bucket(ip: IpAddr) -> String {
    match canonical(ip) {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let net = ipnet::Ipv6Net::new(v6, 64)
                .map(|n| n.trunc())
                .unwrap_or_else(|_| ipnet::Ipv6Net::from(v6));
            net.to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, v.parse().unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn without_trusted_proxies_the_peer_is_the_client() {
        let none = TrustedProxies::default();
        let h = headers(&[
            ("x-forwarded-for", "1.2.3.4"),
            ("x-forwarded-proto", "https"),
        ]);
        assert_eq!(none.client(ip("10.0.0.5"), &h), ip("10.0.0.5"));
        assert!(!none.forwarded_https(ip("10.0.0.5"), &h));
    }

    #[test]
    fn behind_a_trusted_proxy_the_forwarded_client_counts() {
        let p = TrustedProxies::parse("10.0.0.0/8, ::1").unwrap();
        // The client may write anything on the left; only what our proxy appended counts.
        let h = headers(&[("x-forwarded-for", "6.6.6.6, 203.0.113.9, 10.1.1.1")]);
        assert_eq!(p.client(ip("10.0.0.5"), &h), ip("203.0.113.9"));
        // Two header lines are one list.
        let h = headers(&[
            ("x-forwarded-for", "6.6.6.6"),
            ("x-forwarded-for", "198.51.100.7"),
        ]);
        assert_eq!(p.client(ip("::1"), &h), ip("198.51.100.7"));
        // No header: the proxy itself.
        assert_eq!(p.client(ip("10.0.0.5"), &HeaderMap::new()), ip("10.0.0.5"));
        // An untrusted peer's header is ignored.
        assert_eq!(
            p.client(ip("192.0.2.1"), &headers(&[("x-forwarded-for", "1.1.1.1")])),
            ip("192.0.2.1")
        );
        assert!(p.forwarded_https(ip("10.0.0.5"), &headers(&[("x-forwarded-proto", "https")])));
        assert!(!p.forwarded_https(ip("192.0.2.1"), &headers(&[("x-forwarded-proto", "https")])));
    }

    #[test]
    fn ipv6_clients_share_their_64() {
        assert_eq!(bucket(ip("2001:db8:1:2:aaaa::1")), "2001:db8:1:2::/64");
        assert_eq!(
            bucket(ip("2001:db8:1:2:bbbb:cccc:dddd:eeee")),
            "2001:db8:1:2::/64"
        );
        assert_ne!(bucket(ip("2001:db8:1:3::1")), bucket(ip("2001:db8:1:2::1")));
        assert_eq!(bucket(ip("::ffff:192.0.2.10")), "192.0.2.10");
        assert_eq!(bucket(ip("192.0.2.10")), "192.0.2.10");
    }

    #[test]
    fn bad_settings_are_named() {
        assert!(TrustedProxies::parse("10.0.0.0/8,nonsense")
            .unwrap_err()
            .contains("nonsense"));
        assert!(TrustedProxies::parse("").unwrap().0.is_empty());
    }
}
