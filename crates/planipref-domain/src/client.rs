//! Who is asking: the client address limits are counted by.
//!
//! A request's peer is the client, unless the peer is a proxy the
//! deployment trusts (the load balancer, service-public.fr's gateway):
//! then the client is the nearest address in `X-Forwarded-For` that is not
//! one of those proxies. Addresses from anyone else's `X-Forwarded-For`
//! are ignored: a bot could otherwise be a new client at each request.

use std::net::IpAddr;

use sha2::{Digest, Sha256};

/// The client of a request from `peer` carrying `forwarded_for` (the
/// `X-Forwarded-For` header), given the proxies trusted, as limits count
/// it ([`limited_as`]). `None` when the peer is unknown (not a network
/// request).
pub fn client_address(
    peer: Option<IpAddr>,
    forwarded_for: Option<&str>,
    trusted: &[IpAddr],
) -> Option<IpAddr> {
    nearest_untrusted(peer?, forwarded_for, trusted).map(limited_as)
}

/// How limits count an address: an IPv4 address (also when written as
/// IPv6) as itself; an IPv6 address as its /64 network, since one
/// subscriber gets a whole /64 and could take a new address per request.
pub fn limited_as(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

fn nearest_untrusted(
    peer: IpAddr,
    forwarded_for: Option<&str>,
    trusted: &[IpAddr],
) -> Option<IpAddr> {
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let Some(chain) = forwarded_for else {
        return Some(peer);
    };
    // Right to left: each trusted proxy appended the address it saw.
    let mut client = peer;
    for hop in chain.rsplit(',') {
        match hop.trim().parse::<IpAddr>() {
            Ok(address) => {
                client = address;
                if !trusted.contains(&address) {
                    break;
                }
            }
            // Garbage from beyond the trusted proxies: the last address
            // vouched for is the client.
            Err(_) => break,
        }
    }
    Some(client)
}

/// The key a client's holds are counted by across servers: a keyed hash
/// of its address (addresses are personal data; a bare hash of an IPv4
/// address could be reversed by trying them all).
pub fn client_key(secret: &[u8], address: IpAddr) -> String {
    let digest = Sha256::new()
        .chain_update(secret)
        .chain_update(b"\x00client\x00")
        .chain_update(address.to_string().as_bytes())
        .finalize();
    crate::reference::hex(&digest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let trusted = [ip("10.0.0.1")];
        assert_eq!(
            client_address(Some(ip("203.0.113.7")), Some("198.51.100.1"), &trusted),
            Some(ip("203.0.113.7"))
        );
        assert_eq!(client_address(None, Some("198.51.100.1"), &trusted), None);
    }

    #[test]
    fn behind_trusted_proxies_the_nearest_untrusted_hop_is_the_client() {
        let trusted = [ip("10.0.0.1"), ip("10.0.0.2")];
        let peer = Some(ip("10.0.0.1"));
        // A spoofed first entry is ignored: the proxy appended the truth.
        assert_eq!(
            client_address(peer, Some("1.2.3.4, 198.51.100.9, 10.0.0.2"), &trusted),
            Some(ip("198.51.100.9"))
        );
        assert_eq!(
            client_address(peer, Some(" 2001:db8::5 "), &trusted),
            Some(ip("2001:db8::"))
        );
        assert_eq!(client_address(peer, None, &trusted), peer);
        assert_eq!(
            client_address(peer, Some("nonsense, 10.0.0.2"), &trusted),
            Some(ip("10.0.0.2"))
        );
        assert_eq!(client_address(peer, Some("nonsense"), &trusted), peer);
    }

    #[test]
    fn an_ipv6_subscriber_is_one_client_whatever_its_address_in_its_64() {
        let a = client_address(Some(ip("2001:db8:1:2:aaaa::1")), None, &[]);
        let b = client_address(Some(ip("2001:db8:1:2:bbbb:cccc:dddd:eeee")), None, &[]);
        let other = client_address(Some(ip("2001:db8:1:3::1")), None, &[]);
        assert_eq!(a, b);
        assert_ne!(a, other);
        assert_eq!(
            client_address(Some(ip("::ffff:203.0.113.7")), None, &[]),
            Some(ip("203.0.113.7"))
        );
    }

    #[test]
    fn client_keys_depend_on_the_secret_and_the_address() {
        let a = client_key(b"s", ip("203.0.113.7"));
        assert_eq!(a.len(), 64);
        assert_eq!(a, client_key(b"s", ip("203.0.113.7")));
        assert_ne!(a, client_key(b"t", ip("203.0.113.7")));
        assert_ne!(a, client_key(b"s", ip("203.0.113.8")));
        assert!(!a.contains("203"));
    }
}
