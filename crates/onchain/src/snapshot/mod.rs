//! An ecosystem snapshot ([`faultline_snapshot::Snapshot`]) read at the pinned block.
//!
//! [`snapshot`] reads every [`Target`] of a [`Request`] through its protocol's reader (one
//! submodule each: `morpho`, `aave`, ...), reads the tokens they name, resolves USD prices and assembles
//! a snapshot that must pass the orchestrator's validation. The parts and their common interface
//! are in `part`.
//!
//! What the chain cannot say is taken from the caller and labelled as such:
//! - USD prices: from a venue of the snapshot where one prices the token (a market price), else
//!   given per token ([`UsdPrice`], with its own [`Source`]), else derived from a protocol's
//!   oracle (source kind `derived`, naming the calculation: the oracle's valuation, not a market
//!   quote). A token with none is an error naming it.
//! - How an oracle follows the market: `market` unless the caller overrides it per oracle
//!   (a hardcoded oracle is `fixed`); the oracle's source reference says which.
//!
//! Nothing is dropped silently: a failed read is an error naming the item, and a protocol's
//! positions found must add up to its totals (else discovery missed accounts and the read fails,
//! naming the market and the gap).

mod aave;
mod accounts;
mod comet;
mod euler;
mod metamorpho;
mod morpho;
mod part;
mod prices;
mod uniswap_v3;

use crate::{
    Error, Result,
    chain::{Chain, PinnedBlock},
    readers::tokens::{TokenRead, read_tokens},
};
use alloy::primitives::{Address, B256, address};
use faultline_snapshot::{BlockRef, OracleKindSpec, SCHEMA_VERSION, Snapshot, Source, validate};
use part::{Context, Part};
use rust_decimal::Decimal;
use std::{
    collections::{BTreeMap, BTreeSet},
    path::PathBuf,
};

/// Morpho Blue's address on Ethereum mainnet (and Base): the default of `--morpho`.
pub const MORPHO_BLUE_MAINNET: Address = address!("BBBBBbbBBb9cC5e90e3b3Af64bdAF62C37EEFFCb");

/// A token named by the caller.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum TokenKey {
    /// By contract address.
    Address(Address),
    /// By `symbol()`, compared case-insensitively.
    Symbol(String),
}

impl core::fmt::Display for TokenKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Address(a) => write!(f, "{a}"),
            Self::Symbol(s) => f.write_str(s),
        }
    }
}

/// A USD price the caller supplies, with where it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsdPrice {
    /// USD per whole token.
    pub usd: Decimal,
    /// Its source (typically `reported`, naming who reported it).
    pub source: Source,
}

/// One thing to read into the snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Target {
    /// A Morpho Blue market of [`Request::morpho`], by id.
    MorphoBlue(B256),
    /// An Aave v3 (v3.0 or v3.1) pool, by address: every reserve and every position found.
    AaveV3(Address),
    /// A Compound v3 (Comet) market, by its proxy's address.
    Comet(Address),
    /// An Euler v2 (EVK) liability vault, by address: its collaterals, quotes and every position
    /// found.
    Euler(Address),
    /// A MetaMorpho v1.0 or v1.1 vault on [`Request::morpho`], by address; the Morpho Blue markets
    /// of its withdraw queue are read with it.
    MetaMorpho(Address),
    /// A Uniswap v3 pool as a venue selling `base` (one of its two tokens; `None`: the one the
    /// caller does not price with `--price`).
    UniswapV3 {
        /// The pool.
        pool: Address,
        /// The token the venue sells, if named.
        base: Option<Address>,
    },
}

impl core::fmt::Display for Target {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::MorphoBlue(id) => write!(f, "morpho-blue:{id}"),
            Self::AaveV3(pool) => write!(f, "aave-v3:{pool}"),
            Self::Comet(a) => write!(f, "comet:{a}"),
            Self::Euler(a) => write!(f, "euler:{a}"),
            Self::MetaMorpho(a) => write!(f, "metamorpho:{a}"),
            Self::UniswapV3 { pool, base: None } => write!(f, "uniswap-v3:{pool}"),
            Self::UniswapV3 { pool, base: Some(base) } => write!(f, "uniswap-v3:{pool}:{base}"),
        }
    }
}

/// What to read.
#[derive(Debug, Clone)]
pub struct Request {
    /// The snapshot's name; `None` for "`<chain> block N`".
    pub name: Option<String>,
    /// What to read (at least one), in the order given.
    pub targets: Vec<Target>,
    /// The Morpho Blue contract of the [`Target::MorphoBlue`] markets.
    pub morpho: Address,
    /// Accounts to read in every protocol whose accounts are discovered from events, beside those
    /// found (a protocol that mints without an event, or a caller who knows the list).
    pub accounts: Vec<Address>,
    /// First block of the account discovery (the protocols' deployment blocks are enough).
    pub from_block: u64,
    /// First `eth_getLogs` page size, in blocks (halved on each refusal).
    pub log_span: u64,
    /// Page cache of the discovery, so an interrupted scan resumes.
    pub log_cache: Option<PathBuf>,
    /// USD prices the caller supplies.
    pub prices: BTreeMap<TokenKey, UsdPrice>,
    /// Oracle kinds the caller knows, by oracle address; others are `market`.
    pub oracle_kinds: BTreeMap<Address, OracleKindSpec>,
    /// How far from a venue's current tick its liquidity is read, each way, in ticks (rounded
    /// out to the pool's spacing). The default, [`DEFAULT_VENUE_TICKS`], covers prices from
    /// 0.80 to 1.25 times the current one: a cascade's sales within that move are priced
    /// exactly, and one past it finds no more liquidity.
    pub venue_ticks: u32,
}

/// The default of [`Request::venue_ticks`]: 2,232 ticks, 1.0001^2232 ≈ 1.2500 (and
/// 1.0001^-2232 ≈ 0.8000), a 20% fall or a 25% rise.
pub const DEFAULT_VENUE_TICKS: u32 = 2_232;

impl Request {
    /// Reads `targets`, discovery from block 0 in pages of 100,000 blocks, no cache, no prices,
    /// every oracle `market`, Morpho Blue at its mainnet address.
    pub const fn new(targets: Vec<Target>) -> Self {
        Self {
            name: None,
            targets,
            morpho: MORPHO_BLUE_MAINNET,
            accounts: Vec::new(),
            from_block: 0,
            log_span: 100_000,
            log_cache: None,
            prices: BTreeMap::new(),
            oracle_kinds: BTreeMap::new(),
            venue_ticks: DEFAULT_VENUE_TICKS,
        }
    }

    /// Reads `markets` of the Morpho Blue at `morpho` (see [`Request::new`]).
    pub fn morpho(morpho: Address, markets: Vec<B256>) -> Self {
        let mut request = Self::new(markets.into_iter().map(Target::MorphoBlue).collect());
        request.morpho = morpho;
        request
    }
}

/// Where [`snapshot`] is, for a progress display.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Stage {
    /// Scanning the event logs of blocks `from..=to` for accounts.
    Discovering {
        /// First block.
        from: u64,
        /// Last block (the pinned one).
        to: u64,
    },
    /// Accounts found.
    Discovered {
        /// Distinct (market, account) pairs.
        accounts: usize,
        /// Log pages asked of the node.
        pages_fetched: usize,
        /// Log pages served from the cache.
        pages_cached: usize,
    },
    /// Reading markets, positions, oracles and rate models.
    ReadingMarkets {
        /// Markets.
        markets: usize,
        /// Positions asked for.
        positions: usize,
    },
    /// Reading one target's state.
    Reading {
        /// The target, as `--protocol` names it.
        target: String,
    },
    /// Reading the tokens' symbol and decimals.
    ReadingTokens {
        /// Distinct tokens.
        tokens: usize,
    },
    /// Checking the block is still canonical and validating the snapshot.
    Checking,
    /// Done.
    Done {
        /// Round trips on the wire for the whole snapshot (retries included).
        round_trips: u64,
    },
}

/// A human name for a chain id, used in source references.
pub fn chain_name(chain_id: u64) -> String {
    match chain_id {
        1 => "ethereum".into(),
        10 => "optimism".into(),
        137 => "polygon".into(),
        8453 => "base".into(),
        42161 => "arbitrum".into(),
        31337 => "anvil".into(),
        other => format!("chain {other}"),
    }
}

/// `"<chain> block N (hash)"`, the reference of everything read at `block`.
pub fn block_reference(block: &PinnedBlock) -> String {
    format!("{} block {} ({})", chain_name(block.chain_id), block.number, block.hash)
}

/// Reads `request` at `chain`'s pinned block and assembles a validated snapshot, reporting each
/// stage to `progress`.
pub async fn snapshot(
    chain: &Chain,
    request: &Request,
    progress: &mut dyn FnMut(Stage),
) -> Result<Snapshot> {
    let block = *chain.block();
    let at = block_reference(&block);
    let start_trips = chain.stats().round_trips();
    if request.targets.is_empty() {
        return Err(Error::invalid("protocols", "at least one protocol to read", "none"));
    }
    let parts = read_parts(chain, request, progress).await?;

    let addresses: BTreeSet<Address> = parts.iter().flat_map(|p| p.tokens()).collect();
    let addresses: Vec<Address> = addresses.into_iter().collect();
    progress(Stage::ReadingTokens { tokens: addresses.len() });
    let tokens = read_tokens(chain, &addresses).await?;
    let ids = token_ids(&tokens);
    let tokens: BTreeMap<Address, TokenRead> = tokens.into_iter().map(|t| (t.address, t)).collect();

    progress(Stage::Checking);
    check_oracle_kinds(request, &parts)?;
    let no_prices = BTreeMap::new();
    let mut cx = Context {
        block: &block,
        at: &at,
        tokens: &tokens,
        ids: &ids,
        oracle_kinds: &request.oracle_kinds,
        usd: &no_prices,
    };
    let mut quotes = Vec::new();
    for part in &parts {
        quotes.extend(part.quotes(&cx)?);
    }
    let usd = prices::resolve(request, &cx, &quotes)?;
    cx.usd = &usd;
    let snapshot = assemble(request, &cx, &parts)?;
    chain.verify_pinned().await?;
    let problems = validate(&snapshot);
    if !problems.is_empty() {
        return Err(Error::InvalidSnapshot {
            problems: problems.iter().map(ToString::to_string).collect(),
        });
    }
    progress(Stage::Done { round_trips: chain.stats().round_trips() - start_trips });
    Ok(snapshot)
}

/// Reads every target through its protocol's reader (targets of one protocol in one read).
async fn read_parts(
    chain: &Chain,
    request: &Request,
    progress: &mut dyn FnMut(Stage),
) -> Result<Vec<Box<dyn Part>>> {
    let mut parts: Vec<Box<dyn Part>> = Vec::new();
    let (mut morpho_ids, mut aave_pools, mut comets, mut vaults, mut pools) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut eulers = Vec::new();
    for t in &request.targets {
        match t {
            Target::MorphoBlue(id) => morpho_ids.push(*id),
            Target::AaveV3(pool) => aave_pools.push(*pool),
            Target::Comet(a) => comets.push(*a),
            Target::Euler(a) => eulers.push(*a),
            Target::MetaMorpho(a) => vaults.push(*a),
            Target::UniswapV3 { pool, base } => {
                pools.push(uniswap_v3::PoolTarget { pool: *pool, base: *base });
            }
        }
    }
    // Vaults first: the Morpho Blue markets of their queues join the Morpho Blue targets.
    let mut metamorpho = None;
    if !vaults.is_empty() {
        let part = metamorpho::read(chain, request.morpho, &vaults, progress).await?;
        for id in part.markets_needed() {
            if !morpho_ids.contains(&id) {
                morpho_ids.push(id);
            }
        }
        metamorpho = Some(part);
    }
    if !morpho_ids.is_empty() {
        parts.push(Box::new(morpho::read(chain, request, &morpho_ids, progress).await?));
    }
    if !aave_pools.is_empty() {
        parts.push(Box::new(aave::read(chain, request, &aave_pools, progress).await?));
    }
    if !comets.is_empty() {
        parts.push(Box::new(comet::read(chain, request, &comets, progress).await?));
    }
    if !eulers.is_empty() {
        parts.push(Box::new(euler::read(chain, request, &eulers, progress).await?));
    }
    if let Some(part) = metamorpho {
        parts.push(Box::new(part));
    }
    if !pools.is_empty() {
        parts.push(Box::new(uniswap_v3::read(chain, request, &pools, progress).await?));
    }
    Ok(parts)
}

/// Every `--oracle-kind` must name an oracle some part reads.
fn check_oracle_kinds(request: &Request, parts: &[Box<dyn Part>]) -> Result<()> {
    let used: BTreeSet<Address> = parts.iter().flat_map(|p| p.oracles()).collect();
    for oracle in request.oracle_kinds.keys() {
        if !used.contains(oracle) {
            let known: Vec<String> = used.iter().map(ToString::to_string).collect();
            return Err(Error::invalid(
                format!("oracle kind for {oracle}"),
                format!("an oracle of the markets read: {}", known.join(", ")),
                "no such oracle",
            ));
        }
    }
    Ok(())
}

/// Token ids: the symbol, or symbol and address when two tokens share a symbol.
fn token_ids(tokens: &[TokenRead]) -> BTreeMap<Address, String> {
    let mut count: BTreeMap<&str, usize> = BTreeMap::new();
    for t in tokens {
        *count.entry(t.symbol.as_str()).or_default() += 1;
    }
    tokens
        .iter()
        .map(|t| {
            let unique = count.get(t.symbol.as_str()) == Some(&1) && !t.symbol.trim().is_empty();
            let id = if unique { t.symbol.clone() } else { format!("{}-{}", t.symbol, t.address) };
            (t.address, id)
        })
        .collect()
}

fn assemble(request: &Request, cx: &Context<'_>, parts: &[Box<dyn Part>]) -> Result<Snapshot> {
    let mut token_specs = Vec::with_capacity(cx.tokens.len());
    for t in cx.tokens.values() {
        let (price_usd, source) =
            cx.usd.get(&t.address).cloned().ok_or_else(|| Error::MissingPrice {
                token: format!("{} ({})", t.symbol, t.address),
                symbol: t.symbol.clone(),
            })?;
        token_specs.push(faultline_snapshot::TokenSpec {
            id: cx.id(t.address),
            symbol: t.symbol.clone(),
            decimals: t.decimals,
            chain_id: Some(cx.block.chain_id),
            address: Some(faultline_snapshot::RawAddress(t.address)),
            price_usd,
            source,
        });
    }
    let chain = chain_name(cx.block.chain_id);
    let mut snapshot = Snapshot {
        schema_version: SCHEMA_VERSION,
        name: request.name.clone().unwrap_or_else(|| format!("{chain} block {}", cx.block.number)),
        description: String::new(),
        timestamp: cx.block.timestamp,
        block: Some(BlockRef {
            chain_id: cx.block.chain_id,
            number: cx.block.number,
            hash: Some(cx.block.hash.to_string()),
        }),
        tokens: token_specs,
        oracles: Vec::new(),
        venues: Vec::new(),
        lending_markets: Vec::new(),
        issuers: Vec::new(),
        holders: Vec::new(),
        perp_venues: Vec::new(),
        books: Vec::new(),
        vaults: Vec::new(),
    };
    let mut summaries = Vec::with_capacity(parts.len());
    for part in parts {
        let c = part.assemble(cx)?;
        snapshot.oracles.extend(c.oracles);
        snapshot.lending_markets.extend(c.lending_markets);
        snapshot.venues.extend(c.venues);
        snapshot.vaults.extend(c.vaults);
        summaries.push(c.summary);
    }
    snapshot.description =
        format!("Read over JSON-RPC at {} by faultline-onchain: {}", cx.at, summaries.join(" "));
    Ok(snapshot)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::primitives::U256;

    #[test]
    fn shared_symbols_get_the_address_in_their_id() {
        let t = |a: u8, s: &str| TokenRead {
            address: Address::repeat_byte(a),
            decimals: 18,
            symbol: s.into(),
            total_supply: U256::ZERO,
        };
        let ids = token_ids(&[t(1, "USDC"), t(2, "USD0"), t(3, "USD0")]);
        assert_eq!(ids[&Address::repeat_byte(1)], "USDC");
        assert_eq!(ids[&Address::repeat_byte(2)], format!("USD0-{}", Address::repeat_byte(2)));
        assert_eq!(ids[&Address::repeat_byte(3)], format!("USD0-{}", Address::repeat_byte(3)));
    }
}
