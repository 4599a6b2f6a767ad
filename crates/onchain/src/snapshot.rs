//! An ecosystem snapshot ([`faultline_snapshot::Snapshot`]) read at the pinned block.
//!
//! [`snapshot`] discovers the accounts of the requested Morpho Blue markets from their events,
//! reads the markets, every position, the oracles and the tokens at the pinned block, accrues
//! interest to the block's timestamp exactly as Morpho's `_accrueInterest` would (the lending
//! model mirrors it), and assembles a snapshot that must pass the orchestrator's validation.
//!
//! What the chain cannot say is taken from the caller and labelled as such:
//! - USD prices: given per token ([`UsdPrice`], with its own [`Source`]), or derived for a
//!   market's collateral from the market's oracle and the loan token's USD price (source kind
//!   `derived`, naming the calculation). A token with neither is an error naming it.
//! - How an oracle follows the market: `market` unless the caller overrides it per oracle
//!   (a hardcoded oracle is `fixed`); the oracle's source reference says which.
//!
//! Nothing is dropped silently: a failed read is an error naming the item, and the positions
//! found must add up to the market's share totals (else discovery missed accounts and the read
//! fails, naming the market and the gap).

use crate::{
    Error, Result,
    chain::{Chain, PinnedBlock},
    discovery,
    readers::{
        morpho::{MarketRead, fee_recipient, read_markets},
        tokens::{TokenRead, read_tokens},
    },
};
use alloy::primitives::{Address, B256, U256, address};
use faultline_core::{
    Rounding,
    decimal::{from_decimal, to_decimal},
};
use faultline_lending::morpho::Position;
use faultline_snapshot::{
    BlockRef, Confidence, LendingMarketSpec, LendingProtocolSpec, MorphoMarketSpec,
    MorphoPositionSpec, OracleKindSpec, OracleSpec, Raw, RawAddress, SCHEMA_VERSION, Snapshot,
    Source, SourceKind, TokenSpec, validate,
};
use rust_decimal::{Decimal, RoundingStrategy};
use std::{
    collections::{BTreeMap, BTreeSet},
    path::PathBuf,
};

/// Morpho Blue's address on Ethereum mainnet (and Base): the default of `--morpho`.
pub const MORPHO_BLUE_MAINNET: Address = address!("BBBBBbbBBb9cC5e90e3b3Af64bdAF62C37EEFFCb");

/// Places a derived USD price keeps (rounded toward zero).
const DERIVED_PLACES: u32 = 18;

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

/// What to read.
#[derive(Debug, Clone)]
pub struct Request {
    /// The snapshot's name; `None` for "`<chain> block N`".
    pub name: Option<String>,
    /// The Morpho Blue contract.
    pub morpho: Address,
    /// Morpho Blue markets by id (at least one).
    pub morpho_markets: Vec<B256>,
    /// First block of the account discovery (Morpho's deployment block is enough).
    pub from_block: u64,
    /// First `eth_getLogs` page size, in blocks (halved on each refusal).
    pub log_span: u64,
    /// Page cache of the discovery, so an interrupted scan resumes.
    pub log_cache: Option<PathBuf>,
    /// USD prices the caller supplies.
    pub prices: BTreeMap<TokenKey, UsdPrice>,
    /// Oracle kinds the caller knows, by oracle address; others are `market`.
    pub oracle_kinds: BTreeMap<Address, OracleKindSpec>,
}

impl Request {
    /// Reads `markets` of the Morpho Blue at `morpho`, discovery from block 0 in pages of 100,000
    /// blocks, no cache, no prices, every oracle `market`.
    pub const fn morpho(morpho: Address, markets: Vec<B256>) -> Self {
        Self {
            name: None,
            morpho,
            morpho_markets: markets,
            from_block: 0,
            log_span: 100_000,
            log_cache: None,
            prices: BTreeMap::new(),
            oracle_kinds: BTreeMap::new(),
        }
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

/// `raw / 10^decimals` as exactly as a [`Decimal`] can hold it: the most places (at most 28) that
/// fit, rounded down; `true` when nothing was lost.
fn as_decimal(field: &str, raw: U256, decimals: u8) -> Result<(Decimal, bool)> {
    for places in (0..=u32::from(decimals).min(28)).rev() {
        if let Ok(value) = to_decimal(raw, decimals, places, Rounding::Down) {
            let back = from_decimal(value, decimals, Rounding::Down)
                .map_err(|e| Error::invalid(field, "a value a decimal can hold", e))?;
            return Ok((value.normalize(), back == raw));
        }
    }
    Err(Error::invalid(field, "a value a 96-bit decimal can hold", format!("{raw} / 1e{decimals}")))
}

/// One market, read and accrued to the block.
struct Market {
    read: MarketRead,
    /// Totals after accrual to the block's timestamp.
    state: faultline_lending::morpho::MarketState,
    /// Non-empty positions after accrual (the fee recipient's included).
    positions: BTreeMap<Address, Position>,
    /// Accounts discovered whose position is empty.
    empty: usize,
    /// `price()`, raw.
    oracle_raw: U256,
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
    let ids = checked_ids(&request.morpho_markets)?;

    progress(Stage::Discovering { from: request.from_block, to: block.number });
    let (found, report) = discovery::morpho_accounts(
        chain,
        request.morpho,
        request.from_block,
        block.number,
        request.log_span,
        request.log_cache.clone(),
    )
    .await?;
    let recipient = fee_recipient(chain, request.morpho).await?;
    let mut users: BTreeMap<B256, Vec<Address>> = BTreeMap::new();
    let mut discovered = 0;
    for id in &ids {
        let mut accounts: BTreeSet<Address> = found.get(id).cloned().unwrap_or_default();
        discovered += accounts.len();
        // Fee shares are minted to the recipient without a `Supply` event.
        accounts.insert(recipient);
        users.insert(*id, accounts.into_iter().collect());
    }
    progress(Stage::Discovered {
        accounts: discovered,
        pages_fetched: report.pages_fetched,
        pages_cached: report.pages_cached,
    });

    progress(Stage::ReadingMarkets {
        markets: ids.len(),
        positions: users.values().map(Vec::len).sum(),
    });
    let reads = read_markets(chain, request.morpho, &ids, &users).await?;
    let mut markets = Vec::with_capacity(reads.len());
    for read in reads {
        markets.push(accrue(read, recipient, &block, request.from_block)?);
    }

    let mut token_addresses = BTreeSet::new();
    for m in &markets {
        token_addresses.insert(m.read.params.loan_token);
        token_addresses.insert(m.read.params.collateral_token);
    }
    let token_addresses: Vec<Address> = token_addresses.into_iter().collect();
    progress(Stage::ReadingTokens { tokens: token_addresses.len() });
    let tokens = read_tokens(chain, &token_addresses).await?;

    progress(Stage::Checking);
    let snapshot = assemble(request, &block, &at, &markets, &tokens, report.pages_fetched)?;
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

fn checked_ids(ids: &[B256]) -> Result<Vec<B256>> {
    if ids.is_empty() {
        return Err(Error::invalid("morpho markets", "at least one market id", "none"));
    }
    let mut seen = BTreeSet::new();
    for id in ids {
        if !seen.insert(*id) {
            return Err(Error::invalid(
                "morpho markets",
                "each market once",
                format!("{id} twice"),
            ));
        }
    }
    Ok(ids.to_vec())
}

/// Accrues `read` to the block's timestamp (what any transaction in the next block would see
/// first) and checks the positions found add up to the share totals.
fn accrue(read: MarketRead, recipient: Address, block: &PinnedBlock, from: u64) -> Result<Market> {
    let oracle_raw = read.price.clone().map_err(|f| Error::item(f.item, f.reason))?;
    let mut model = read.to_model(block.timestamp)?;
    model.set_fee_recipient(recipient);
    model
        .accrue()
        .map_err(|source| Error::Model { what: format!("Morpho market {}", read.id), source })?;
    let state = *model.state();
    let mut positions = BTreeMap::new();
    let mut empty = 0;
    let (mut supply, mut borrow) = (U256::ZERO, U256::ZERO);
    for account in read.positions.keys() {
        let p = model.position(*account);
        if p == Position::default() {
            if *account != recipient {
                empty += 1;
            }
            continue;
        }
        supply = supply.saturating_add(p.supply_shares);
        borrow = borrow.saturating_add(p.borrow_shares);
        positions.insert(*account, p);
    }
    let gap = |what: &str, total: U256, found: U256| {
        Error::inconsistent(
            format!(
                "{what} of the accounts found for Morpho market {} (from logs of blocks [{from}, {}]; \
                 an earlier first block may find the rest)",
                read.id, block.number
            ),
            total,
            found,
        )
    };
    if supply != state.total_supply_shares {
        return Err(gap("supply shares", state.total_supply_shares, supply));
    }
    if borrow != state.total_borrow_shares {
        return Err(gap("borrow shares", state.total_borrow_shares, borrow));
    }
    Ok(Market { read, state, positions, empty, oracle_raw })
}

const fn source(kind: SourceKind, reference: String, confidence: Confidence) -> Source {
    Source { kind, reference, confidence }
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

/// The caller's prices by token address; every key must name exactly one token.
fn given_prices(
    request: &Request,
    tokens: &[TokenRead],
) -> Result<BTreeMap<Address, (TokenKey, UsdPrice)>> {
    let mut out: BTreeMap<Address, (TokenKey, UsdPrice)> = BTreeMap::new();
    for (key, price) in &request.prices {
        let matches: Vec<&TokenRead> = tokens
            .iter()
            .filter(|t| match key {
                TokenKey::Address(a) => t.address == *a,
                TokenKey::Symbol(s) => t.symbol.eq_ignore_ascii_case(s),
            })
            .collect();
        let token = match matches.as_slice() {
            [one] => *one,
            [] => {
                let known: Vec<String> =
                    tokens.iter().map(|t| format!("{} ({})", t.symbol, t.address)).collect();
                return Err(Error::invalid(
                    format!("price for {key}"),
                    format!("a token of the snapshot: {}", known.join(", ")),
                    "no such token",
                ));
            }
            several => {
                let which: Vec<String> = several.iter().map(|t| t.address.to_string()).collect();
                return Err(Error::invalid(
                    format!("price for {key}"),
                    "a symbol naming one token (give the address instead)",
                    format!("tokens {}", which.join(", ")),
                ));
            }
        };
        if price.usd.is_sign_negative() && !price.usd.is_zero() {
            return Err(Error::invalid(format!("price for {key}"), "at least 0 USD", price.usd));
        }
        if let Some((first, _)) = out.insert(token.address, (key.clone(), price.clone())) {
            return Err(Error::invalid(
                format!("price for {key}"),
                "one price per token",
                format!("{} priced again (first as {first})", token.symbol),
            ));
        }
    }
    Ok(out)
}

/// An oracle's answer in loan tokens per whole collateral token, and whether it is exact.
struct OracleAnswer {
    price: Decimal,
    exact: bool,
    scale: u8,
}

fn oracle_answer(m: &Market, loan: &TokenRead, collateral: &TokenRead) -> Result<OracleAnswer> {
    let field = format!("oracle {} of Morpho market {}", m.read.params.oracle, m.read.id);
    let scale = 36 + i32::from(loan.decimals) - i32::from(collateral.decimals);
    let scale = u8::try_from(scale).ok().filter(|s| *s <= 77).ok_or_else(|| {
        Error::invalid(&field, "36 + loan decimals - collateral decimals in [0, 77]", scale)
    })?;
    let (price, exact) = as_decimal(&field, m.oracle_raw, scale)?;
    Ok(OracleAnswer { price, exact, scale })
}

fn assemble(
    request: &Request,
    block: &PinnedBlock,
    at: &str,
    markets: &[Market],
    tokens: &[TokenRead],
    pages: usize,
) -> Result<Snapshot> {
    let by_address: BTreeMap<Address, &TokenRead> = tokens.iter().map(|t| (t.address, t)).collect();
    let token = |a: &Address| {
        by_address
            .get(a)
            .copied()
            .ok_or_else(|| Error::inconsistent(format!("token {a}"), "read", "missing"))
    };
    let ids = token_ids(tokens);
    let id_of = |a: &Address| ids.get(a).cloned().unwrap_or_else(|| a.to_string());

    let mut answers = Vec::with_capacity(markets.len());
    for m in markets {
        answers.push(oracle_answer(
            m,
            token(&m.read.params.loan_token)?,
            token(&m.read.params.collateral_token)?,
        )?);
    }

    // USD prices: the caller's, then derived through the oracles until nothing changes.
    let mut usd: BTreeMap<Address, (Decimal, Source)> = BTreeMap::new();
    for (address, (key, price)) in given_prices(request, tokens)? {
        let mut s = price.source.clone();
        s.reference = format!("{} [price given for {key}]; identity read at {at}", s.reference);
        usd.insert(address, (price.usd, s));
    }
    loop {
        let mut changed = false;
        for (m, answer) in markets.iter().zip(&answers) {
            let (loan, collateral) = (m.read.params.loan_token, m.read.params.collateral_token);
            if usd.contains_key(&collateral) {
                continue;
            }
            let Some((loan_usd, _)) = usd.get(&loan).cloned() else { continue };
            let value = answer
                .price
                .checked_mul(loan_usd)
                .ok_or_else(|| {
                    Error::invalid(
                        format!(
                            "USD price of {} derived from market {}",
                            id_of(&collateral),
                            m.read.id
                        ),
                        "a figure a decimal can hold",
                        format!("{} x {loan_usd}", answer.price),
                    )
                })?
                .round_dp_with_strategy(DERIVED_PLACES, RoundingStrategy::ToZero)
                .normalize();
            let reference = format!(
                "derived: oracle {} price() of Morpho market {} at {at} = {} {} per {} \
                 (raw {} / 1e{}) x {} USD per {} = {value} USD, rounded down to {DERIVED_PLACES} \
                 places; the oracle's valuation, not a market quote",
                m.read.params.oracle,
                m.read.id,
                answer.price,
                id_of(&loan),
                id_of(&collateral),
                m.oracle_raw,
                answer.scale,
                loan_usd,
                id_of(&loan),
            );
            usd.insert(
                collateral,
                (value, source(SourceKind::Derived, reference, Confidence::Medium)),
            );
            changed = true;
        }
        if !changed {
            break;
        }
    }

    let mut token_specs = Vec::with_capacity(tokens.len());
    for t in tokens {
        let (price_usd, source) =
            usd.get(&t.address).cloned().ok_or_else(|| Error::MissingPrice {
                token: format!("{} ({})", t.symbol, t.address),
                symbol: t.symbol.clone(),
            })?;
        token_specs.push(TokenSpec {
            id: id_of(&t.address),
            symbol: t.symbol.clone(),
            decimals: t.decimals,
            chain_id: Some(block.chain_id),
            address: Some(RawAddress(t.address)),
            price_usd,
            source,
        });
    }

    // Oracles: one per (address, pair); the caller's kinds must each name one of them.
    let used: BTreeSet<Address> = markets.iter().map(|m| m.read.params.oracle).collect();
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
    let mut oracle_specs: Vec<OracleSpec> = Vec::new();
    let mut oracle_id_of: BTreeMap<(Address, Address, Address), String> = BTreeMap::new();
    let pairs_per_oracle = |o: Address| {
        markets
            .iter()
            .filter(|m| m.read.params.oracle == o)
            .map(|m| (m.read.params.collateral_token, m.read.params.loan_token))
            .collect::<BTreeSet<_>>()
            .len()
    };
    for (m, answer) in markets.iter().zip(&answers) {
        let p = &m.read.params;
        let key = (p.oracle, p.collateral_token, p.loan_token);
        if oracle_id_of.contains_key(&key) {
            continue;
        }
        let id = if pairs_per_oracle(p.oracle) == 1 {
            format!("oracle-{}", p.oracle)
        } else {
            format!("oracle-{}-{}-{}", p.oracle, id_of(&p.collateral_token), id_of(&p.loan_token))
        };
        let (kind, how) = match request.oracle_kinds.get(&p.oracle) {
            Some(kind) => (kind.clone(), "kind given by the caller".to_owned()),
            None => (
                OracleKindSpec::Market,
                "kind `market` by default: the chain does not say how an oracle follows the \
                 market (override per oracle, e.g. `fixed` for a hardcoded one)"
                    .to_owned(),
            ),
        };
        let exactness = if answer.exact { "exact" } else { "rounded down to fit a decimal" };
        let reference = format!(
            "{at}: Morpho oracle {}.price() = {} (collateral quoted in the loan token, scale \
             1e{}) = {} {} per {} ({exactness}); {how}",
            p.oracle,
            m.oracle_raw,
            answer.scale,
            answer.price,
            id_of(&p.loan_token),
            id_of(&p.collateral_token),
        );
        oracle_specs.push(OracleSpec {
            id: id.clone(),
            token: id_of(&p.collateral_token),
            quote: Some(id_of(&p.loan_token)),
            kind,
            price: answer.price,
            source: source(SourceKind::Onchain, reference, Confidence::High),
        });
        oracle_id_of.insert(key, id);
    }

    let mut lending = Vec::with_capacity(markets.len());
    let (mut position_count, mut empty) = (0, 0);
    for m in markets {
        let p = &m.read.params;
        let (lltv_pct, _) = as_decimal("lltv", p.lltv, 16)?;
        let oracle = oracle_id_of
            .get(&(p.oracle, p.collateral_token, p.loan_token))
            .cloned()
            .unwrap_or_default();
        position_count += m.positions.len();
        empty += m.empty;
        let reference = format!(
            "{at}: Morpho Blue {} market {}; IRM {} ({:?}); totals accrued from lastUpdate {} to the \
             block's timestamp {} as Morpho's _accrueInterest does",
            request.morpho, m.read.id, p.irm, m.read.irm, m.read.state.last_update, block.timestamp
        );
        lending.push(LendingMarketSpec {
            id: format!("morpho-{}", m.read.id),
            name: format!(
                "Morpho {}/{} {lltv_pct}%",
                id_of(&p.collateral_token),
                id_of(&p.loan_token)
            ),
            protocol: LendingProtocolSpec::MorphoBlue(MorphoMarketSpec {
                market_id: m.read.id.to_string(),
                loan_token: id_of(&p.loan_token),
                collateral_token: id_of(&p.collateral_token),
                oracle,
                lltv: Raw(p.lltv),
                total_supply_assets: Raw(m.state.total_supply_assets),
                total_supply_shares: Raw(m.state.total_supply_shares),
                total_borrow_assets: Raw(m.state.total_borrow_assets),
                total_borrow_shares: Raw(m.state.total_borrow_shares),
                fee: Raw(m.state.fee),
                irm: None,
                positions: m
                    .positions
                    .iter()
                    .map(|(account, pos)| MorphoPositionSpec {
                        account: RawAddress(*account),
                        supply_shares: Raw(pos.supply_shares),
                        borrow_shares: Raw(pos.borrow_shares),
                        collateral: Raw(pos.collateral),
                        source: None,
                    })
                    .collect(),
            }),
            source: source(SourceKind::Onchain, reference, Confidence::High),
        });
    }

    let chain = chain_name(block.chain_id);
    Ok(Snapshot {
        schema_version: SCHEMA_VERSION,
        name: request.name.clone().unwrap_or_else(|| format!("{chain} block {}", block.number)),
        description: format!(
            "Read over JSON-RPC at {at} by faultline-onchain: {} Morpho Blue market(s) of {}, \
             {position_count} non-empty position(s) of the accounts in their Supply, Borrow and \
             SupplyCollateral events of blocks [{}, {}] ({pages} log page(s) fetched) and of the \
             fee recipient; {empty} account(s) with an empty position left out. Positions add \
             up to the markets' share totals.",
            markets.len(),
            request.morpho,
            request.from_block,
            block.number,
        ),
        timestamp: block.timestamp,
        block: Some(BlockRef {
            chain_id: block.chain_id,
            number: block.number,
            hash: Some(block.hash.to_string()),
        }),
        tokens: token_specs,
        oracles: oracle_specs,
        venues: Vec::new(),
        lending_markets: lending,
        issuers: Vec::new(),
        holders: Vec::new(),
        perp_venues: Vec::new(),
        books: Vec::new(),
        vaults: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oracle_prices_are_exact_where_a_decimal_can_hold_them() {
        // 1e24 at scale 24 (USDC loan, 18-decimal collateral) is exactly 1.
        let (d, exact) = as_decimal("p", U256::from(10u8).pow(U256::from(24u8)), 24).unwrap();
        assert_eq!((d, exact), (Decimal::ONE, true));
        // 1.0685e36 at scale 36 is 1.0685 exactly.
        let raw = U256::from(10_685u64) * U256::from(10u8).pow(U256::from(32u8));
        assert_eq!(as_decimal("p", raw, 36).unwrap(), (Decimal::new(10_685, 4), true));
        // 1e36 + 1 at scale 36 needs 36 places: rounded down to 28, and says so.
        let raw = U256::from(10u8).pow(U256::from(36u8)) + U256::from(1u8);
        assert_eq!(as_decimal("p", raw, 36).unwrap(), (Decimal::ONE, false));
        // LLTV 0.915e18 as a percentage (scale 16): 91.5.
        let lltv = U256::from(915_000_000_000_000_000u64);
        assert_eq!(as_decimal("lltv", lltv, 16).unwrap(), (Decimal::new(915, 1), true));
    }

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

    #[test]
    fn market_ids_must_be_given_once() {
        assert!(checked_ids(&[]).unwrap_err().to_string().contains("at least one market id"));
        let id = B256::repeat_byte(7);
        assert!(checked_ids(&[id, id]).unwrap_err().to_string().contains("twice"));
    }
}
