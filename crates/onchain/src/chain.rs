//! A connection pinned to one block: every read of a snapshot sees the same state.
//!
//! [`Chain::connect`] resolves the block once (number, hash, timestamp) and the chain id; every
//! `eth_call` after that names the block by its hash (EIP-1898), so a reorg or a node that lost
//! the block fails the read instead of silently answering from another state.

use crate::{
    Error, Result,
    multicall::{self, Call},
    transport::{self, Endpoint, Policy, Stats},
};
use alloy::{
    eips::{BlockId, BlockNumberOrTag},
    network::{Ethereum, TransactionBuilder},
    primitives::{Address, B256, Bytes, address},
    providers::{Provider, RootProvider},
    rpc::types::TransactionRequest,
};
use serde::{Deserialize, Serialize};
use std::{path::PathBuf, sync::Arc};

/// The canonical Multicall3 deployment (same address on every chain that has it).
pub const MULTICALL3: Address = address!("cA11bde05977b3631167028862bE2a173976CA11");

/// The block a snapshot is taken at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PinnedBlock {
    /// `eth_chainId`.
    pub chain_id: u64,
    /// Block number.
    pub number: u64,
    /// Block hash: every call names the block by it.
    pub hash: B256,
    /// Block timestamp (seconds).
    pub timestamp: u64,
}

/// How to connect.
#[derive(Debug, Clone)]
pub struct Config {
    /// The node, or a recorded session.
    pub endpoint: Endpoint,
    /// The block to read at; `None` for the node's latest.
    pub block: Option<u64>,
    /// Timeouts, retries, rate limit.
    pub policy: Policy,
    /// The Multicall3 contract to batch through.
    pub multicall: Address,
    /// Calls per `aggregate3` (one `eth_call` each).
    pub calls_per_batch: usize,
    /// Record every request and response into this directory.
    pub record: Option<PathBuf>,
}

impl Config {
    /// Defaults for `endpoint`: latest block, [`Policy::default`], canonical Multicall3, 500
    /// calls per batch, no recording.
    pub fn new(endpoint: Endpoint) -> Self {
        Self {
            endpoint,
            block: None,
            policy: Policy::default(),
            multicall: MULTICALL3,
            calls_per_batch: 500,
            record: None,
        }
    }
}

/// Number, hash and timestamp of a block.
struct Header {
    number: u64,
    hash: B256,
    timestamp: u64,
}

async fn fetch_header(provider: &RootProvider<Ethereum>, tag: BlockNumberOrTag) -> Result<Header> {
    let block = provider
        .get_block_by_number(tag)
        .await
        .map_err(|e| Error::rpc("eth_getBlockByNumber", e))?
        .ok_or_else(|| {
            Error::inconsistent("eth_getBlockByNumber", format!("block {tag}"), "null")
        })?;
    Ok(Header {
        number: block.header.number,
        hash: block.header.hash,
        timestamp: block.header.timestamp,
    })
}

/// A provider pinned to one block, with batching through Multicall3.
#[derive(Debug, Clone)]
pub struct Chain {
    provider: RootProvider<Ethereum>,
    block: PinnedBlock,
    multicall: Address,
    calls_per_batch: usize,
    stats: Arc<Stats>,
}

impl Chain {
    /// Connects and pins the block.
    pub async fn connect(config: &Config) -> Result<Self> {
        if config.calls_per_batch == 0 {
            return Err(Error::invalid("calls_per_batch", "at least 1", 0));
        }
        let mut policy = config.policy.clone();
        if matches!(config.endpoint, Endpoint::Replay(_)) {
            // A recording answers the same way every time: retrying cannot help.
            policy.max_retries = 0;
            policy.min_interval = std::time::Duration::ZERO;
        }
        let (client, stats) = transport::client(&config.endpoint, &policy, config.record.clone())?;
        let provider = RootProvider::<Ethereum>::new(client);
        let chain_id = provider.get_chain_id().await.map_err(|e| Error::rpc("eth_chainId", e))?;
        let latest = match config.block {
            Some(_) => None,
            None => Some(fetch_header(&provider, BlockNumberOrTag::Latest).await?),
        };
        let number = latest.as_ref().map_or_else(|| config.block.unwrap_or_default(), |h| h.number);
        // Always fetched by number, also after `latest`: a recording then replays with `--block
        // N`, and a node whose `latest` and numbered answers disagree is caught here.
        let header = fetch_header(&provider, BlockNumberOrTag::Number(number)).await?;
        if header.number != number {
            return Err(Error::inconsistent("eth_getBlockByNumber number", number, header.number));
        }
        if let Some(latest) = latest
            && latest.hash != header.hash
        {
            return Err(Error::inconsistent(
                format!("hash of block {number}"),
                latest.hash,
                header.hash,
            ));
        }
        let block = PinnedBlock {
            chain_id,
            number: header.number,
            hash: header.hash,
            timestamp: header.timestamp,
        };
        Ok(Self {
            provider,
            block,
            multicall: config.multicall,
            calls_per_batch: config.calls_per_batch,
            stats,
        })
    }

    /// The pinned block.
    pub const fn block(&self) -> &PinnedBlock {
        &self.block
    }

    /// The underlying provider (unpinned: use the methods here for state reads).
    pub const fn provider(&self) -> &RootProvider<Ethereum> {
        &self.provider
    }

    /// Request counters.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// The Multicall3 contract calls are batched through.
    pub const fn multicall_address(&self) -> Address {
        self.multicall
    }

    /// The block id every call uses.
    pub const fn block_id(&self) -> BlockId {
        BlockId::hash_canonical(self.block.hash)
    }

    /// One `eth_call` at the pinned block.
    pub async fn call(&self, label: &str, to: Address, data: Bytes) -> Result<Bytes> {
        let tx = TransactionRequest::default().with_to(to).with_input(data);
        self.provider
            .call(tx)
            .block(self.block_id())
            .await
            .map_err(|e| Error::rpc(format!("eth_call {label}"), e))
    }

    /// Runs every call through Multicall3 at the pinned block, [`Config::calls_per_batch`] per
    /// round trip, and returns each one's outcome in order: its return data, or why it failed.
    pub async fn call_many(&self, calls: &[Call]) -> Result<Vec<multicall::Outcome>> {
        multicall::run(self, calls, self.calls_per_batch).await
    }

    /// As [`Self::call_many`], but any failed item fails the whole read, with every failed item
    /// named in the error.
    pub async fn call_all(&self, calls: &[Call]) -> Result<Vec<Bytes>> {
        multicall::all(self.call_many(calls).await?)
    }

    /// Checks that the pinned block is still canonical (its number still has its hash): run it
    /// after a long read to catch a reorg under the snapshot.
    pub async fn verify_pinned(&self) -> Result<()> {
        let block = self
            .provider
            .get_block_by_number(BlockNumberOrTag::Number(self.block.number))
            .await
            .map_err(|e| Error::rpc("eth_getBlockByNumber", e))?
            .ok_or_else(|| Error::inconsistent("pinned block", self.block.hash, "null"))?;
        if block.header.hash == self.block.hash {
            Ok(())
        } else {
            Err(Error::inconsistent(
                format!("hash of pinned block {}", self.block.number),
                self.block.hash,
                block.header.hash,
            ))
        }
    }
}
