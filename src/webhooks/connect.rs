//! The TCP connector of the delivery client: it resolves the host once, refuses the whole
//! delivery if any address is not permitted (`addr::permitted`), and connects only to the
//! addresses it checked, so a name cannot be re-pointed between the check and the connection
//! (DNS rebinding). An IP literal is checked before connecting, and the connected peer is
//! checked again. TLS is layered on top by awc as usual: SNI and certificate verification use
//! the URL's host name.

use std::error::Error as StdError;
use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;

use actix_service::Service;
use actix_tls::connect::{
    ConnectError, ConnectInfo, Connection, Connector as TcpConnector, ConnectorService, Resolve,
    Resolver,
};
use actix_web::rt::net::TcpStream;
use awc::http::Uri;
use futures_util::future::LocalBoxFuture;

use super::addr::{bare_host, permitted};

/// How the worker resolves a name (the system resolver in production; tests may pin names).
pub type Lookup = Arc<dyn Fn(&str, u16) -> std::io::Result<Vec<SocketAddr>> + Send + Sync>;

/// A connection was not made because the address is not permitted.
#[derive(Debug)]
pub struct Refused;

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the address is not permitted")
    }
}

impl StdError for Refused {}

struct Guard {
    lookup: Lookup,
    allow_loopback: bool,
}

impl Resolve for Guard {
    fn lookup<'a>(
        &'a self,
        host: &'a str,
        port: u16,
    ) -> LocalBoxFuture<'a, Result<Vec<SocketAddr>, Box<dyn StdError>>> {
        let lookup = self.lookup.clone();
        let host = bare_host(host).to_string();
        let allow = self.allow_loopback;
        Box::pin(async move {
            // Name resolution blocks: on the blocking pool.
            let addrs = actix_web::web::block(move || lookup(&host, port))
                .await
                .map_err(|e| Box::new(e) as Box<dyn StdError>)??;
            if addrs.iter().any(|a| !permitted(a.ip(), allow)) {
                return Err(Box::new(Refused) as Box<dyn StdError>);
            }
            Ok(addrs)
        })
    }
}

/// The connector service handed to `awc::Connector::connector`.
#[derive(Clone)]
pub struct Pinned {
    inner: ConnectorService,
    allow_loopback: bool,
}

impl Pinned {
    pub fn new(lookup: Lookup, allow_loopback: bool) -> Self {
        let resolver = Resolver::custom(Guard {
            lookup,
            allow_loopback,
        });
        Pinned {
            inner: TcpConnector::new(resolver).service(),
            allow_loopback,
        }
    }
}

fn refused() -> ConnectError {
    ConnectError::Resolver(Box::new(Refused))
}

impl Service<ConnectInfo<Uri>> for Pinned {
    type Response = Connection<Uri, TcpStream>;
    type Error = ConnectError;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    actix_service::always_ready!();

    fn call(&self, req: ConnectInfo<Uri>) -> Self::Future {
        let allow = self.allow_loopback;
        // An IP literal skips the resolver: check it here, before any packet is sent.
        if let Ok(ip) = bare_host(req.hostname()).parse::<std::net::IpAddr>() {
            if !permitted(ip, allow) {
                return Box::pin(async { Err(refused()) });
            }
        }
        let fut = self.inner.call(req);
        Box::pin(async move {
            let conn = fut.await?;
            let peer = conn.io_ref().peer_addr().map_err(ConnectError::Io)?;
            if !permitted(peer.ip(), allow) {
                return Err(refused());
            }
            Ok(conn)
        })
    }
}

/// Was this failed request stopped by the address rule (never sent)?
pub fn is_refusal(e: &awc::error::SendRequestError) -> bool {
    match e {
        awc::error::SendRequestError::Connect(awc::error::ConnectError::Resolver(inner)) => {
            inner.downcast_ref::<Refused>().is_some()
        }
        _ => false,
    }
}
