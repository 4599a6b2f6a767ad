//! Real protocol state at a pinned block, read over JSON-RPC with alloy.
//!
//! - [`transport`]: retries with backoff, timeouts and a rate limit under the provider; record
//!   every request (`--record DIR`) and replay a recording offline.
//! - [`chain`]: a connection pinned to one block (chain id, number, hash, timestamp); every
//!   `eth_call` names that block by hash.
//! - [`multicall`]: Multicall3 batching with a label per item; a failed item is reported by name.
//! - [`readers`]: Morpho Blue, Aave v3 (v3.0/v3.1), ERC-20/4626, Chainlink, Uniswap v3.
//! - [`discovery`]: accounts from event logs, with page sizes that adapt to the node and a
//!   resumable page cache.
//! - [`snapshot`]: the orchestrator's ecosystem snapshot, read at the pinned block (Morpho Blue
//!   markets and Aave v3 pools, every position, oracles, tokens; USD prices given or derived, each sourced).
//!
//! This is the only faultline crate that does network IO or runs async code.
#![cfg_attr(not(test), warn(unused_crate_dependencies))]

pub mod chain;
pub mod discovery;
pub mod error;
pub mod multicall;
pub mod readers;
pub mod snapshot;
pub mod transport;
mod whole;

/// alloy's primitive types the API takes ([`primitives::Address`], [`primitives::B256`], ...).
pub use alloy::primitives;
pub use chain::{Chain, Config, MULTICALL3, PinnedBlock};
pub use error::{Error, Result};
pub use transport::{Endpoint, Policy, Stats};
