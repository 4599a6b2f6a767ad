//! The JSON-RPC transport stack under the provider, innermost first:
//!
//! - the wire: alloy's HTTP transport, or [`replay::Replay`] serving a recorded session offline;
//! - [`record::Record`] (optional): saves each request and its response, data only;
//! - [`resilient::Resilient`]: per-request timeout, rate limit, retries with exponential backoff,
//!   and the counters tests and progress reports read ([`Stats`]).
//!
//! Retrying below the provider means every reader gets the same policy, and a counted round trip
//! is a real one on the wire.

pub mod record;
pub mod replay;
pub mod resilient;

pub use resilient::{Policy, Stats};

use crate::{Error, Result};
use alloy::{
    rpc::client::RpcClient,
    transports::{BoxTransport, IntoBoxTransport, http::Http},
};
use std::{path::PathBuf, sync::Arc};

/// Where requests go.
#[derive(Debug, Clone)]
pub enum Endpoint {
    /// A JSON-RPC node over HTTP(S).
    Http(String),
    /// A directory recorded with [`record::Record`]: served offline, no network.
    Replay(PathBuf),
}

/// Builds the RPC client for `endpoint` with `policy`, recording into `record` when given.
pub fn client(
    endpoint: &Endpoint,
    policy: &Policy,
    record: Option<PathBuf>,
) -> Result<(RpcClient, Arc<Stats>)> {
    let (wire, is_local): (BoxTransport, bool) = match endpoint {
        Endpoint::Http(url) => {
            let parsed = url.parse().map_err(|e| {
                Error::invalid("rpc url", "an http(s) URL", format!("{url:?}: {e}"))
            })?;
            let http = Http::new(parsed);
            let local = http.guess_local();
            (http.into_box_transport(), local)
        }
        Endpoint::Replay(dir) => (replay::Replay::load(dir)?.into_box_transport(), true),
    };
    let wire = match record {
        Some(dir) => record::Record::new(wire, dir)?.into_box_transport(),
        None => wire,
    };
    let stats = Arc::new(Stats::default());
    let resilient = resilient::Resilient::new(wire, policy.clone(), Arc::clone(&stats));
    Ok((RpcClient::new(resilient, is_local), stats))
}
