//! Who is calling, as far as the network says.

use actix_web::HttpRequest;

/// The key failed logins are counted under: the peer address, or with
/// `COOPHUB_TRUST_PROXY=1` the client address a reverse proxy reports.
pub fn client_key(req: &HttpRequest, trust_proxy: bool) -> String {
    if trust_proxy {
        if let Some(ip) = req.connection_info().realip_remote_addr() {
            return ip.to_string();
        }
    }
    req.peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}
