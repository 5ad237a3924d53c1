//! Where webhooks may go: a receiver's addresses must be public, or in
//! networks the deployment allows (a préfecture's systems on the State's
//! private network). Checked on the addresses a delivery connects to, so
//! that a subscription can neither reach the server's own network nor
//! scan it (each answer's status is shown to the préfecture).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Networks a deployment allows beyond public addresses, as written in
/// `PLANIPREF_WEBHOOK_ALLOWED_NETWORKS` (`10.20.0.0/16,127.0.0.1/32`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Networks(Vec<(IpAddr, u8)>);

impl Networks {
    /// Reads comma-separated networks (`address/prefix`, or an address
    /// alone for itself); an empty text allows none.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let mut networks = Vec::new();
        for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (address, prefix) = match part.split_once('/') {
                Some((a, p)) => (a, Some(p)),
                None => (part, None),
            };
            let address: IpAddr = address
                .parse()
                .map_err(|_| format!("{part}: not an IP address"))?;
            let longest = if address.is_ipv4() { 32 } else { 128 };
            let prefix = match prefix {
                None => longest,
                Some(p) => p
                    .parse::<u8>()
                    .ok()
                    .filter(|p| *p <= longest)
                    .ok_or_else(|| format!("{part}: the prefix must be 0 to {longest}"))?,
            };
            networks.push((address, prefix));
        }
        Ok(Self(networks))
    }

    /// Whether `ip` lies in one of the networks.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|&(network, prefix)| match (network, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                same_prefix(u128::from(n.to_bits()), u128::from(a.to_bits()), prefix, 32)
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => same_prefix(n.to_bits(), a.to_bits(), prefix, 128),
            _ => false,
        })
    }

    /// Whether a delivery may connect to `ip`: a public address, or one of
    /// the networks.
    pub fn may_reach(&self, ip: IpAddr) -> bool {
        is_public(ip) || self.contains(ip)
    }
}

fn same_prefix(a: u128, b: u128, prefix: u8, width: u8) -> bool {
    let shift = u32::from(width - prefix.min(width));
    shift >= u32::from(width) || (a >> shift) == (b >> shift)
}

/// An IPv4 address written as IPv6 (`::ffff:a.b.c.d`) read as IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// Whether `ip` is reachable on the Internet at large: not this machine,
/// not a private, shared (CGNAT), link-local, documentation, benchmark,
/// multicast, broadcast or reserved address.
pub fn is_public(ip: IpAddr) -> bool {
    match canonical(ip) {
        IpAddr::V4(v4) => public_v4(v4),
        IpAddr::V6(v6) => public_v6(v6),
    }
}

fn public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b))
        || (a == 192 && b == 0 && c == 0)
        || (a == 198 && (18..20).contains(&b))
        || a >= 240)
}

fn public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        || (first == 0x2001 && ip.segments()[1] == 0x0db8)
        || (first == 0x0064 && ip.segments()[1] == 0xff9b)
        || ip.to_ipv4().is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn only_public_addresses_are_reachable_by_default() {
        let none = Networks::default();
        for public in ["8.8.8.8", "193.51.24.1", "2a01:e0a::1"] {
            assert!(none.may_reach(ip(public)), "{public}");
        }
        for inside in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
        ] {
            assert!(!none.may_reach(ip(inside)), "{inside}");
        }
    }

    #[test]
    fn allowed_networks_open_their_addresses_only() {
        let allowed = Networks::parse("10.20.0.0/16, 127.0.0.1, fd12::/16").unwrap();
        assert!(allowed.may_reach(ip("10.20.3.4")));
        assert!(!allowed.may_reach(ip("10.21.0.1")));
        assert!(allowed.may_reach(ip("127.0.0.1")));
        assert!(allowed.may_reach(ip("::ffff:127.0.0.1")));
        assert!(!allowed.may_reach(ip("127.0.0.2")));
        assert!(allowed.may_reach(ip("fd12:3::1")));
        assert!(!allowed.may_reach(ip("fd13::1")));
        assert!(
            Networks::parse("0.0.0.0/0")
                .unwrap()
                .may_reach(ip("10.0.0.1"))
        );
        assert_eq!(Networks::parse("").unwrap(), Networks::default());
        for bad in ["10.0.0.0/33", "example.org", "10.0.0.0/x", "fd00::/129"] {
            assert!(Networks::parse(bad).is_err(), "{bad}");
        }
    }
}
