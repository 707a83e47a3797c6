//! TXT lookups (the proof of an organization's email domain), with hickory's resolver: the
//! system's (`/etc/resolv.conf`) or one server given in the settings (`[dns] resolver`), which
//! is how tests bring their own.

use std::net::SocketAddr;
use std::time::Duration;

use async_trait::async_trait;
use hickory_resolver::TokioResolver;
use hickory_resolver::config::{NameServerConfig, ResolverConfig, ResolverOpts};
use hickory_resolver::name_server::TokioConnectionProvider;
use hickory_resolver::proto::xfer::Protocol;
use umbral_core::ports::TxtResolver;

pub struct DnsTxt {
    resolver: TokioResolver,
}

impl DnsTxt {
    /// `server`: `IP:port` of the one server to ask; empty for the system's. A lookup waits at
    /// most `timeout`.
    pub fn new(server: &str, timeout: Duration) -> Result<Self, String> {
        let mut opts = ResolverOpts::default();
        opts.timeout = timeout;
        opts.attempts = 1;
        opts.cache_size = 0;
        let builder = if server.is_empty() {
            TokioResolver::builder_tokio().map_err(|e| format!("the system's DNS settings: {e}"))?
        } else {
            let addr: SocketAddr = server
                .parse()
                .map_err(|_| format!("dns.resolver {server:?} is not an address like 127.0.0.1:53"))?;
            let mut config = ResolverConfig::new();
            config.add_name_server(NameServerConfig::new(addr, Protocol::Udp));
            TokioResolver::builder_with_config(config, TokioConnectionProvider::default())
        };
        Ok(Self {
            resolver: builder.with_options(opts).build(),
        })
    }
}

#[async_trait]
impl TxtResolver for DnsTxt {
    async fn txt(&self, name: &str) -> Result<Vec<String>, String> {
        match self.resolver.txt_lookup(format!("{name}.")).await {
            Ok(found) => Ok(found
                .iter()
                .map(|t| t.txt_data().iter().map(|d| String::from_utf8_lossy(d)).collect())
                .collect()),
            Err(e) if e.is_no_records_found() || e.is_nx_domain() => Ok(Vec::new()),
            Err(e) => Err(e.to_string()),
        }
    }
}
