//! Which addresses a webhook may reach, and the URL check a subscription passes.
//!
//! The rule is pure (`is_public`, `permitted`); the check resolves the name once (blocking).
//! The worker does not rely on the check made at subscription: it resolves again when it
//! connects and connects only to the addresses that passed (`super::connect`).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs};

/// An address on the public internet: none of the ranges below.
///
/// IPv4: `0.0.0.0/8`, `10/8`, `100.64/10` (carrier-grade NAT), `127/8`, `169.254/16`,
/// `172.16/12`, `192.168/16`, `198.18/15` (benchmarking), `224/4` (multicast), `240/4`
/// (reserved, broadcast).
/// IPv6: `::` and `::1`, `::/96` (IPv4-compatible), `::ffff:0:0/96` (IPv4-mapped: the IPv4
/// rule applies), `64:ff9b::/96` and `64:ff9b:1::/48` (NAT64), `2001::/32` (Teredo),
/// `2002::/16` (6to4), `fc00::/7` (unique local), `fe80::/10` (link local), `fec0::/10`
/// (site local), `ff00::/8` (multicast).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(v4: Ipv4Addr) -> bool {
    let [a, b, ..] = v4.octets();
    !(a == 0
        || a == 10
        || (a == 100 && (b & 0xC0) == 64)
        || a == 127
        || (a == 169 && b == 254)
        || (a == 172 && (b & 0xF0) == 16)
        || (a == 192 && b == 168)
        || (a == 198 && (b & 0xFE) == 18)
        || a >= 224)
}

fn is_public_v6(v6: Ipv6Addr) -> bool {
    if let Some(v4) = v6.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    let s = v6.segments();
    let compatible = s[..6].iter().all(|&x| x == 0); // ::/96, includes :: and ::1
    !(compatible
        || (s[0] == 0x0064 && s[1] == 0xff9b && s[2..6].iter().all(|&x| x == 0))
        || (s[0] == 0x0064 && s[1] == 0xff9b && s[2] == 0x0001)
        || (s[0] == 0x2001 && s[1] == 0)
        || s[0] == 0x2002
        || (s[0] & 0xfe00) == 0xfc00
        || (s[0] & 0xffc0) == 0xfe80
        || (s[0] & 0xffc0) == 0xfec0
        || (s[0] & 0xff00) == 0xff00)
}

/// A loopback address: `127/8`, `::1`, or `::ffff:127.x.x.x`.
pub fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

/// May a delivery connect to `ip`? Public addresses always; loopback only when
/// `COOPHUB_WEBHOOK_ALLOW_LOOPBACK=1` (development). Private, link-local and reserved
/// ranges never.
pub fn permitted(ip: IpAddr, allow_loopback: bool) -> bool {
    is_public(ip) || (allow_loopback && is_loopback(ip))
}

/// The host of a URL or a connection request without IPv6 brackets.
pub fn bare_host(host: &str) -> &str {
    host.trim_start_matches('[').trim_end_matches(']')
}

/// Resolves with the system resolver (blocks).
pub fn system_lookup(host: &str, port: u16) -> std::io::Result<Vec<SocketAddr>> {
    if let Ok(ip) = bare_host(host).parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    Ok((bare_host(host), port).to_socket_addrs()?.collect())
}

/// Why a webhook URL is refused (422 on `url`). Resolves the name, so it blocks.
pub fn check_url(raw: &str, allow_loopback: bool) -> Result<url::Url, String> {
    let url = url::Url::parse(raw).map_err(|e| format!("not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("the scheme must be https (or http)".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("credentials in the URL are not allowed; use the secret".into());
    }
    let host = url.host_str().ok_or("the URL has no host")?.to_string();
    let bare = bare_host(&host);
    if !allow_loopback && (bare.eq_ignore_ascii_case("localhost") || bare.ends_with(".localhost")) {
        return Err(REFUSED_TEXT.into());
    }
    let port = url.port_or_known_default().unwrap_or(443);
    let addrs =
        system_lookup(bare, port).map_err(|_| format!("the host {bare} does not resolve"))?;
    if addrs.is_empty() {
        return Err(format!("the host {bare} does not resolve"));
    }
    if addrs.iter().any(|a| !permitted(a.ip(), allow_loopback)) {
        return Err(REFUSED_TEXT.into());
    }
    Ok(url)
}

const REFUSED_TEXT: &str =
    "the URL points at a loopback, private, link-local or reserved address; only public addresses are allowed";

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn every_listed_range_is_not_public_at_both_ends() {
        for s in [
            // 0.0.0.0/8
            "0.0.0.0",
            "0.255.255.255",
            "10.0.0.0",
            "10.255.255.255",
            // 100.64/10
            "100.64.0.0",
            "100.127.255.255",
            "127.0.0.1",
            "127.255.255.254",
            "169.254.169.254",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.0.1",
            // 198.18/15
            "198.18.0.0",
            "198.19.255.255",
            "224.0.0.1",
            // 240/4
            "240.0.0.0",
            "255.255.255.255",
            "::",
            "::1",
            "::127.0.0.1",
            // 64:ff9b::/96
            "64:ff9b::",
            "64:ff9b::a00:1",
            "64:ff9b::ffff:ffff",
            "64:ff9b:1::1",
            "2001::1",
            // 2002::/16
            "2002::",
            "2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            // fc00::/7
            "fc00::",
            "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            // fe80::/10
            "fe80::",
            "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            "fec0::1",
            "ff02::1",
            // IPv4-mapped IPv6 takes the IPv4 rule
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:0.0.0.1",
            "::ffff:100.64.0.1",
            "::ffff:198.18.0.1",
            "::ffff:240.0.0.1",
            "::ffff:169.254.169.254",
        ] {
            assert!(!is_public(ip(s)), "{s} must not be public");
        }
    }

    #[test]
    fn neighbours_of_the_ranges_are_public() {
        for s in [
            "1.0.0.0",
            "9.255.255.255",
            "11.0.0.0",
            "100.63.255.255",
            "100.128.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "198.17.255.255",
            "198.20.0.0",
            "203.0.113.9",
            "223.255.255.255",
            "64:ff9b::1:0:0:1",
            "2001:1::1",
            "2003::1",
            "2400:cb00::1",
            "fbff:ffff::1",
            "fe00::1",
            "::ffff:203.0.113.9",
        ] {
            assert!(is_public(ip(s)), "{s} is public");
        }
    }

    #[test]
    fn the_loopback_flag_allows_loopback_only() {
        for s in ["127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"] {
            assert!(!permitted(ip(s), false), "{s}");
            assert!(permitted(ip(s), true), "{s}");
        }
        for s in [
            "10.0.0.1",
            "192.168.1.1",
            "172.16.0.1",
            "169.254.169.254",
            "fe80::1",
            "fd00::1",
            "0.0.0.0",
            "::",
            "100.64.0.1",
            "::ffff:10.0.0.1",
        ] {
            assert!(!permitted(ip(s), true), "{s} never, even with the flag");
        }
        assert!(permitted(ip("203.0.113.9"), false));
    }

    #[test]
    fn urls() {
        for bad in [
            "http://127.0.0.1:9000/h",
            "http://localhost/h",
            "http://10.1.2.3/h",
            "http://192.168.1.1/h",
            "http://172.16.0.5/h",
            "http://169.254.169.254/latest",
            "http://[::1]/h",
            "http://[fd00::1]/h",
            "http://[::ffff:127.0.0.1]/h",
            "http://0.0.0.0/h",
            "ftp://203.0.113.9/h",
            "not a url",
            "https://user:pw@203.0.113.9/h",
        ] {
            assert!(check_url(bad, false).is_err(), "{bad}");
        }
        assert!(check_url("https://203.0.113.9/hooks", false).is_ok());
        assert!(check_url("http://127.0.0.1:9000/h", true).is_ok());
        assert!(check_url("http://localhost:9000/h", true).is_ok());
        assert!(check_url("ftp://127.0.0.1/h", true).is_err());
        // The flag is for loopback only.
        for bad in [
            "http://10.1.2.3/h",
            "http://169.254.169.254/latest",
            "http://[fe80::1]/h",
        ] {
            assert!(check_url(bad, true).is_err(), "{bad}");
        }
    }
}
