//! Account discovery: scan a protocol's events over a block range, collect the accounts, dedupe.
//!
//! `eth_getLogs` pages adapt to the node: a JSON-RPC error on a page (most nodes answer a range or
//! result count they will not serve with one: "range too large", "query returned more than 10000
//! results", ...) halves the page and asks again, down to a single block, which must succeed.
//! Pages fetched are cached as JSON files in a directory the caller names, keyed by contract,
//! topics and range, so a scan that stopped half way resumes where it was.

use crate::{Error, Result, chain::Chain, readers::morpho::IMorpho};
use alloy::{
    primitives::{Address, B256, keccak256},
    providers::Provider,
    rpc::types::{Filter, Log},
    sol,
    sol_types::SolEvent,
    transports::RpcError,
};
use std::{
    collections::{BTreeMap, BTreeSet},
    path::{Path, PathBuf},
};

sol! {
    /// The Aave v3 `Pool` events that open positions (`IPool.sol`, aave-dao/aave-v3-origin).
    interface IAavePoolEvents {
        event Supply(address indexed reserve, address user, address indexed onBehalfOf, uint256 amount, uint16 indexed referralCode);
        event Borrow(address indexed reserve, address user, address indexed onBehalfOf, uint256 amount, uint8 interestRateMode, uint256 borrowRate, uint16 indexed referralCode);
    }
}

/// A log scan: one contract, any of some event signatures, an inclusive block range.
#[derive(Debug, Clone)]
pub struct Scan {
    /// The contract emitting the events.
    pub address: Address,
    /// Accepted `topic0`s (event signature hashes).
    pub events: Vec<B256>,
    /// First block.
    pub from: u64,
    /// Last block (at most the pinned block).
    pub to: u64,
    /// First page size in blocks; halved on each refusal.
    pub initial_span: u64,
    /// Page cache directory, if any.
    pub cache: Option<PathBuf>,
}

/// What a scan did, for progress reports and tests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScanReport {
    /// Pages fetched from the node.
    pub pages_fetched: usize,
    /// Pages served from the cache.
    pub pages_cached: usize,
    /// Refusals that halved the page.
    pub halvings: usize,
    /// The page size in use at the end.
    pub final_span: u64,
}

impl Scan {
    fn key(&self) -> String {
        let mut material = self.address.to_vec();
        for e in &self.events {
            material.extend_from_slice(e.as_slice());
        }
        format!("{}-{:x}", self.address, keccak256(material)).chars().take(60).collect()
    }
}

fn cached_pages(dir: &Path, key: &str) -> Result<BTreeMap<u64, (u64, PathBuf)>> {
    let mut pages = BTreeMap::new();
    if !dir.exists() {
        return Ok(pages);
    }
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let path = entry.map_err(|e| Error::io(dir, e))?.path();
        let Some(name) = path.file_stem().and_then(|n| n.to_str()) else { continue };
        let Some(range) = name.strip_prefix(key).and_then(|r| r.strip_prefix('_')) else {
            continue;
        };
        if let Some((a, b)) = range.split_once('_')
            && let (Ok(a), Ok(b)) = (a.parse::<u64>(), b.parse::<u64>())
        {
            pages.insert(a, (b, path));
        }
    }
    Ok(pages)
}

/// Fetches every log of `scan`, adapting the page size, using and filling the cache.
pub async fn scan_logs(chain: &Chain, scan: &Scan) -> Result<(Vec<Log>, ScanReport)> {
    let pinned = chain.block().number;
    if scan.to > pinned {
        return Err(Error::invalid(
            "scan.to",
            format!("at most the pinned block {pinned}"),
            scan.to,
        ));
    }
    if scan.from > scan.to {
        return Err(Error::invalid(
            "scan.from",
            format!("at most scan.to = {}", scan.to),
            scan.from,
        ));
    }
    let key = scan.key();
    let cached = match &scan.cache {
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
            cached_pages(dir, &key)?
        }
        None => BTreeMap::new(),
    };
    let mut report = ScanReport { final_span: scan.initial_span.max(1), ..ScanReport::default() };
    let mut logs = Vec::new();
    let mut cursor = scan.from;
    while cursor <= scan.to {
        if let Some((end, path)) = cached.get(&cursor)
            && *end <= scan.to
        {
            let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
            let page: Vec<Log> = serde_json::from_str(&text).map_err(|e| Error::io(path, e))?;
            logs.extend(page);
            report.pages_cached += 1;
            cursor = end + 1;
            continue;
        }
        let end = cursor.saturating_add(report.final_span - 1).min(scan.to);
        let filter = Filter::new()
            .address(scan.address)
            .event_signature(scan.events.clone())
            .from_block(cursor)
            .to_block(end);
        match chain.provider().get_logs(&filter).await {
            Ok(page) => {
                for log in &page {
                    let n = log.block_number.unwrap_or(u64::MAX);
                    if log.address() != scan.address || !(cursor..=end).contains(&n) {
                        return Err(Error::inconsistent(
                            format!("eth_getLogs [{cursor}, {end}] of {}", scan.address),
                            "logs of that contract inside the range",
                            format!("a log of {} in block {n}", log.address()),
                        ));
                    }
                }
                if let Some(dir) = &scan.cache {
                    let path = dir.join(format!("{key}_{cursor}_{end}.json"));
                    let text = serde_json::to_string(&page).map_err(|e| Error::io(&path, e))?;
                    crate::whole::write(&path, &text).map_err(|e| Error::io(&path, e))?;
                }
                logs.extend(page);
                report.pages_fetched += 1;
                cursor = end + 1;
            }
            Err(RpcError::ErrorResp(e)) if end > cursor => {
                // The node refused the page (`e` says why, in the node's words): ask for half as
                // many blocks, rounding up so the page always shrinks by at least one.
                drop(e);
                report.final_span = (end - cursor).div_ceil(2).max(1);
                report.halvings += 1;
            }
            Err(e) => {
                return Err(Error::rpc(
                    format!("eth_getLogs [{cursor}, {end}] of {}", scan.address),
                    e,
                ));
            }
        }
    }
    Ok((logs, report))
}

/// Morpho Blue accounts by market: every `onBehalf` of `Supply`, `Borrow` and `SupplyCollateral`
/// in `[from, to]`, deduplicated.
pub async fn morpho_accounts(
    chain: &Chain,
    morpho: Address,
    from: u64,
    to: u64,
    initial_span: u64,
    cache: Option<PathBuf>,
) -> Result<(BTreeMap<B256, BTreeSet<Address>>, ScanReport)> {
    let scan = Scan {
        address: morpho,
        events: vec![
            IMorpho::Supply::SIGNATURE_HASH,
            IMorpho::Borrow::SIGNATURE_HASH,
            IMorpho::SupplyCollateral::SIGNATURE_HASH,
        ],
        from,
        to,
        initial_span,
        cache,
    };
    let (logs, report) = scan_logs(chain, &scan).await?;
    let mut accounts: BTreeMap<B256, BTreeSet<Address>> = BTreeMap::new();
    for log in &logs {
        let bad = |e: alloy::sol_types::Error| {
            Error::item(
                format!("morpho log in tx {:?}", log.transaction_hash),
                format!("malformed event: {e}"),
            )
        };
        let (id, account) = match log.topic0() {
            Some(&IMorpho::Supply::SIGNATURE_HASH) => {
                let e = IMorpho::Supply::decode_log_data(log.data()).map_err(bad)?;
                (e.id, e.onBehalf)
            }
            Some(&IMorpho::Borrow::SIGNATURE_HASH) => {
                let e = IMorpho::Borrow::decode_log_data(log.data()).map_err(bad)?;
                (e.id, e.onBehalf)
            }
            Some(&IMorpho::SupplyCollateral::SIGNATURE_HASH) => {
                let e = IMorpho::SupplyCollateral::decode_log_data(log.data()).map_err(bad)?;
                (e.id, e.onBehalf)
            }
            other => {
                return Err(Error::inconsistent(
                    "morpho log topic0",
                    "Supply, Borrow or SupplyCollateral",
                    format!("{other:?}"),
                ));
            }
        };
        accounts.entry(id).or_default().insert(account);
    }
    Ok((accounts, report))
}

/// Aave v3 accounts: every `onBehalfOf` of `Supply` and `Borrow` of `pool` in `[from, to]`, by
/// reserve, deduplicated.
pub async fn aave_accounts(
    chain: &Chain,
    pool: Address,
    from: u64,
    to: u64,
    initial_span: u64,
    cache: Option<PathBuf>,
) -> Result<(BTreeMap<Address, BTreeSet<Address>>, ScanReport)> {
    let scan = Scan {
        address: pool,
        events: vec![
            IAavePoolEvents::Supply::SIGNATURE_HASH,
            IAavePoolEvents::Borrow::SIGNATURE_HASH,
        ],
        from,
        to,
        initial_span,
        cache,
    };
    let (logs, report) = scan_logs(chain, &scan).await?;
    let mut accounts: BTreeMap<Address, BTreeSet<Address>> = BTreeMap::new();
    for log in &logs {
        let bad = |e: alloy::sol_types::Error| {
            Error::item(
                format!("aave log in tx {:?}", log.transaction_hash),
                format!("malformed event: {e}"),
            )
        };
        let (reserve, account) = match log.topic0() {
            Some(&IAavePoolEvents::Supply::SIGNATURE_HASH) => {
                let e = IAavePoolEvents::Supply::decode_log_data(log.data()).map_err(bad)?;
                (e.reserve, e.onBehalfOf)
            }
            Some(&IAavePoolEvents::Borrow::SIGNATURE_HASH) => {
                let e = IAavePoolEvents::Borrow::decode_log_data(log.data()).map_err(bad)?;
                (e.reserve, e.onBehalfOf)
            }
            other => {
                return Err(Error::inconsistent(
                    "aave log topic0",
                    "Supply or Borrow",
                    format!("{other:?}"),
                ));
            }
        };
        accounts.entry(reserve).or_default().insert(account);
    }
    Ok((accounts, report))
}
