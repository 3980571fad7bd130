//! Who is calling, as far as the network says.

use std::net::IpAddr;

use actix_web::HttpRequest;

/// The key logins are counted under: the peer address; with `COOPHUB_TRUST_PROXY=1`, the
/// right-most hop of `X-Forwarded-For` (else of `Forwarded`) that is not a proxy of ours — not
/// the peer itself and not a loopback address. Everything left of it was written by the client
/// and is ignored. Without the setting both headers are ignored.
pub fn client_key(req: &HttpRequest, trust_proxy: bool) -> String {
    let peer = req.peer_addr().map(|a| a.ip());
    if trust_proxy {
        if let Some(ip) = forwarded_client(req, peer) {
            return ip.to_string();
        }
    }
    peer.map(|ip| ip.to_string())
        .unwrap_or_else(|| "unknown".into())
}

fn forwarded_client(req: &HttpRequest, peer: Option<IpAddr>) -> Option<IpAddr> {
    let h = req.headers();
    let hops: Vec<String> = if h.contains_key("x-forwarded-for") {
        h.get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(|s| s.trim().to_string())
            .collect()
    } else {
        h.get_all("forwarded")
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|elem| {
                elem.split(';').find_map(|pair| {
                    let (k, v) = pair.trim().split_once('=')?;
                    k.trim()
                        .eq_ignore_ascii_case("for")
                        .then(|| v.trim().to_string())
                })
            })
            .collect()
    };
    for hop in hops.iter().rev() {
        // A hop we cannot read may be forged: trust nothing left of it.
        let ip = parse_hop(hop)?;
        if Some(ip) == peer || ip.is_loopback() {
            continue;
        }
        return Some(ip);
    }
    None
}

/// `203.0.113.7`, `203.0.113.7:4711`, `"[2001:db8::1]:4711"` or `2001:db8::1`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim().trim_matches('"');
    if let Ok(ip) = hop.parse() {
        return Some(ip);
    }
    if let Some(rest) = hop.strip_prefix('[') {
        return rest.split_once(']')?.0.parse().ok();
    }
    hop.rsplit_once(':')?.0.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn key(headers: &[(&str, &str)], trust: bool) -> String {
        let mut r = TestRequest::default().peer_addr("10.0.0.2:5000".parse().unwrap());
        for (k, v) in headers {
            r = r.append_header((*k, *v));
        }
        client_key(&r.to_http_request(), trust)
    }

    #[test]
    fn headers_are_ignored_unless_trusted() {
        assert_eq!(key(&[("x-forwarded-for", "1.2.3.4")], false), "10.0.0.2");
        assert_eq!(key(&[("forwarded", "for=1.2.3.4")], false), "10.0.0.2");
    }

    #[test]
    fn right_most_untrusted_hop_is_used() {
        let xff = [("x-forwarded-for", "6.6.6.6, 1.2.3.4")];
        assert_eq!(key(&xff, true), "1.2.3.4");
        let xff = [("x-forwarded-for", "6.6.6.6, 1.2.3.4, 127.0.0.1, 10.0.0.2")];
        assert_eq!(key(&xff, true), "1.2.3.4");
        let fwd = [(
            "forwarded",
            "for=6.6.6.6, for=\"[2001:db8::1]:4711\";proto=https",
        )];
        assert_eq!(key(&fwd, true), "2001:db8::1");
        assert_eq!(key(&[("forwarded", "for=1.2.3.4:80")], true), "1.2.3.4");
        // Unreadable or absent: the peer.
        assert_eq!(
            key(&[("x-forwarded-for", "1.2.3.4, junk")], true),
            "10.0.0.2"
        );
        assert_eq!(key(&[], true), "10.0.0.2");
    }
}
