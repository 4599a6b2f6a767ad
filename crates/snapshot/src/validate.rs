//! Cross-reference and range checks on a [`Snapshot`] that the types alone cannot express.
//!
//! Every problem is collected (not just the first), each with the JSON path of the offending
//! value, what was expected and what was found, so a snapshot author fixes them in one pass.

use super::{
    AaveMarketSpec, BackingItemSpec, CollateralBalanceSpec, CometMarketSpec, EulerVaultSpec,
    LendingProtocolSpec, OracleKindSpec, OracleSpec, SCHEMA_VERSION, Snapshot, TokenSpec,
    VaultSpec, VaultVersionSpec, VenueModelSpec,
};
use alloy_primitives::U256;
use faultline_core::limits;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt;

/// One problem found in a snapshot or scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where: a JSON path such as `$.lending_markets[3].protocol.morpho_blue.lltv`, or a file position.
    pub path: String,
    /// What was expected and what was found.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Collects problems with their paths.
#[derive(Debug, Default)]
struct Problems(Vec<Problem>);

impl Problems {
    fn push(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.push(Problem { path: path.into(), message: message.into() });
    }

    /// Requires `id` to be one of `known`, which are the ids of `what`.
    fn reference(&mut self, path: String, id: &str, known: &BTreeSet<&str>, what: &str) {
        if !known.contains(id) {
            self.push(
                path,
                format!("expected the id of one of the snapshot's {what}, found {id:?}"),
            );
        }
    }

    fn non_negative(&mut self, path: String, value: Decimal) {
        if value.is_sign_negative() && !value.is_zero() {
            self.push(path, format!("expected a figure of at least 0, found {value}"));
        }
    }

    fn positive(&mut self, path: String, value: Decimal) {
        if value <= Decimal::ZERO {
            self.push(path, format!("expected a figure above 0, found {value}"));
        }
    }

    /// Requires `value` to pass `check`, one of [`limits`]' ranges, which says what it accepts.
    fn range(&mut self, path: String, value: Decimal, check: fn(Decimal) -> Result<(), String>) {
        if let Err(expected) = check(value) {
            self.push(path, format!("expected {expected}, found {value}"));
        }
    }
}

/// Ids of one kind of entity, checking that each is unique.
fn ids<'a>(
    problems: &mut Problems,
    section: &str,
    items: impl Iterator<Item = &'a str>,
) -> BTreeSet<&'a str> {
    let mut seen = BTreeMap::new();
    for (i, id) in items.enumerate() {
        if id.trim().is_empty() {
            problems.push(format!("$.{section}[{i}].id"), "expected a non-empty id, found \"\"");
        } else if let Some(first) = seen.insert(id, i) {
            problems.push(
                format!("$.{section}[{i}].id"),
                format!("expected a unique id, found {id:?} again (first at $.{section}[{first}])"),
            );
        }
    }
    seen.into_keys().collect()
}

/// Most entities (see [`entities`]) a snapshot may hold: at [`BYTES_PER_ENTITY`] each, about
/// 3 GB of live state, which a run copies once more per breakpoint probe thread.
pub const MAX_ENTITIES: u64 = 5_000_000;

/// Memory one entity (a lending position, a perp account, a token...) takes once parsed and
/// built into the engine's live state, bytes. Measured (README, "Limits"): the bundled
/// Stream/Elixir scenario on its snapshot with one Morpho market grown to 1M positions peaked at
/// 553 MB resident through `faultline stress`; 553 bytes per position, rounded up.
pub const BYTES_PER_ENTITY: u64 = 600;

/// How many entities `snapshot` holds: tokens, oracles, venues, markets and their positions,
/// issuers and their backing, holders, perp venues with their accounts and positions, books and
/// vaults. Memory and a run's work grow with it.
pub fn entities(snapshot: &Snapshot) -> u64 {
    let positions: usize = snapshot
        .lending_markets
        .iter()
        .map(|m| match &m.protocol {
            LendingProtocolSpec::MorphoBlue(m) => m.positions.len(),
            LendingProtocolSpec::AaveV3(m) => m.positions.len() + m.reserves.len(),
            LendingProtocolSpec::CompoundV3(m) => m.positions.len() + m.assets.len(),
            LendingProtocolSpec::EulerV2(m) => m.positions.len() + m.collaterals.len(),
        })
        .sum();
    let perps: usize = snapshot
        .perp_venues
        .iter()
        .map(|v| v.markets.len() + v.accounts.iter().map(|a| 1 + a.positions.len()).sum::<usize>())
        .sum();
    let total = snapshot.tokens.len()
        + snapshot.oracles.len()
        + snapshot.venues.len()
        + snapshot.lending_markets.len()
        + positions
        + snapshot.issuers.iter().map(|i| 1 + i.backing.len()).sum::<usize>()
        + snapshot.holders.len()
        + perps
        + snapshot.books.len()
        + snapshot.vaults.len();
    u64::try_from(total).unwrap_or(u64::MAX)
}

/// `bytes` in megabytes, for messages.
const fn megabytes(bytes: u64) -> u64 {
    bytes.div_ceil(1_000_000)
}

/// Why a snapshot of `count` entities is refused, or `None` when it is within
/// [`MAX_ENTITIES`].
fn too_many(count: u64) -> Option<String> {
    (count > MAX_ENTITIES).then(|| {
        format!(
            "expected at most {MAX_ENTITIES} entities (positions, accounts, tokens...; about {} MB \
             at {BYTES_PER_ENTITY} bytes each), found {count} (about {} MB)",
            megabytes(MAX_ENTITIES * BYTES_PER_ENTITY),
            megabytes(count.saturating_mul(BYTES_PER_ENTITY))
        )
    })
}

/// Every problem in `snapshot`; empty when it is consistent.
pub fn validate(snapshot: &Snapshot) -> Vec<Problem> {
    let mut p = Problems::default();
    if let Some(refusal) = too_many(entities(snapshot)) {
        p.push("$", refusal);
    }
    if snapshot.schema_version != SCHEMA_VERSION {
        p.push(
            "$.schema_version",
            format!("expected {SCHEMA_VERSION}, found {}", snapshot.schema_version),
        );
    }
    let tokens = ids(&mut p, "tokens", snapshot.tokens.iter().map(|t| t.id.as_str()));
    let oracles = ids(&mut p, "oracles", snapshot.oracles.iter().map(|o| o.id.as_str()));
    let venues = ids(&mut p, "venues", snapshot.venues.iter().map(|v| v.id.as_str()));
    let markets =
        ids(&mut p, "lending_markets", snapshot.lending_markets.iter().map(|m| m.id.as_str()));
    let issuers = ids(&mut p, "issuers", snapshot.issuers.iter().map(|i| i.id.as_str()));
    ids(&mut p, "holders", snapshot.holders.iter().map(|h| h.id.as_str()));
    let books = ids(&mut p, "books", snapshot.books.iter().map(|b| b.id.as_str()));
    ids(&mut p, "vaults", snapshot.vaults.iter().map(|v| v.id.as_str()));

    for (i, token) in snapshot.tokens.iter().enumerate() {
        p.range(format!("$.tokens[{i}].price_usd"), token.price_usd, limits::price);
        if token.decimals > 36 {
            p.push(
                format!("$.tokens[{i}].decimals"),
                format!("expected at most 36 decimals, found {}", token.decimals),
            );
        }
    }

    for (i, oracle) in snapshot.oracles.iter().enumerate() {
        let at = |field: &str| format!("$.oracles[{i}].{field}");
        p.reference(at("token"), &oracle.token, &tokens, "tokens");
        if let Some(quote) = &oracle.quote {
            p.reference(at("quote"), quote, &tokens, "tokens");
        }
        p.range(at("price"), oracle.price, limits::price);
        match &oracle.kind {
            OracleKindSpec::PushFeed { deviation_bps: 0, .. } => {
                p.push(at("kind.deviation_bps"), "expected a threshold above 0, found 0");
            }
            OracleKindSpec::ExchangeRate { issuer } => {
                p.reference(at("kind.issuer"), issuer, &issuers, "issuers");
            }
            _ => {}
        }
    }

    for (i, venue) in snapshot.venues.iter().enumerate() {
        let at = |field: &str| format!("$.venues[{i}].{field}");
        p.reference(at("base"), &venue.base, &tokens, "tokens");
        p.reference(at("quote"), &venue.quote, &tokens, "tokens");
        if venue.base == venue.quote {
            p.push(
                at("quote"),
                format!("expected a token other than the base, found {:?}", venue.quote),
            );
        }
        match &venue.model {
            VenueModelSpec::Depth { levels } => {
                if levels.is_empty() {
                    p.push(at("model.levels"), "expected at least one depth level, found none");
                }
                let mut last: Option<(Decimal, Decimal)> = None;
                for (j, level) in levels.iter().enumerate() {
                    let at = |field: &str| format!("$.venues[{i}].model.levels[{j}].{field}");
                    p.positive(at("within_pct"), level.within_pct);
                    if level.within_pct >= Decimal::ONE_HUNDRED {
                        p.push(
                            at("within_pct"),
                            format!("expected a distance below 100%, found {}", level.within_pct),
                        );
                    }
                    p.range(at("quantity"), level.quantity, limits::amount);
                    if let Some((pct, qty)) = last
                        && (level.within_pct <= pct || level.quantity < qty)
                    {
                        p.push(
                            at("within_pct"),
                            format!(
                                "expected levels farther from mid with at least as much quantity \
                                 as the one before ({pct}%, {qty}), found {}%, {}",
                                level.within_pct, level.quantity
                            ),
                        );
                    }
                    last = Some((level.within_pct, level.quantity));
                }
            }
            VenueModelSpec::ConstantProduct { reserve_base, reserve_quote, fee_bps } => {
                p.range(at("model.reserve_base"), *reserve_base, limits::amount);
                p.range(at("model.reserve_quote"), *reserve_quote, limits::amount);
                if *fee_bps >= 10_000 {
                    p.push(at("model.fee_bps"), format!("expected below 10000, found {fee_bps}"));
                }
            }
            VenueModelSpec::ConcentratedLiquidity(pool) => {
                for (field, message) in pool.problems() {
                    p.push(at(&format!("model.{field}")), message);
                }
            }
        }
    }

    let oracle_of: BTreeMap<&str, &super::OracleSpec> =
        snapshot.oracles.iter().map(|o| (o.id.as_str(), o)).collect();
    for (i, market) in snapshot.lending_markets.iter().enumerate() {
        match &market.protocol {
            LendingProtocolSpec::MorphoBlue(m) => {
                let at =
                    |field: &str| format!("$.lending_markets[{i}].protocol.morpho_blue.{field}");
                p.reference(at("loan_token"), &m.loan_token, &tokens, "tokens");
                p.reference(at("collateral_token"), &m.collateral_token, &tokens, "tokens");
                p.reference(at("oracle"), &m.oracle, &oracles, "oracles");
                if let Some(oracle) = oracle_of.get(m.oracle.as_str()) {
                    let prices_pair = oracle.token == m.collateral_token
                        && oracle.quote.as_deref() == Some(m.loan_token.as_str());
                    if !prices_pair {
                        p.push(
                            at("oracle"),
                            format!(
                                "expected an oracle pricing {} in {}, found one pricing {} in {}",
                                m.collateral_token,
                                m.loan_token,
                                oracle.token,
                                oracle.quote.as_deref().unwrap_or("USD")
                            ),
                        );
                    }
                }
                let wad = U256::from(1_000_000_000_000_000_000u64);
                if m.lltv.0 >= wad || m.lltv.0.is_zero() {
                    p.push(
                        at("lltv"),
                        format!("expected a WAD above 0 and below 1e18, found {}", m.lltv.0),
                    );
                }
                if m.fee.0 > wad / U256::from(4u8) {
                    p.push(
                        at("fee"),
                        format!("expected at most 0.25e18 (MAX_FEE), found {}", m.fee.0),
                    );
                }
                if m.total_borrow_assets.0 > m.total_supply_assets.0 {
                    p.push(
                        at("total_borrow_assets"),
                        format!(
                            "expected at most total_supply_assets ({}), found {}",
                            m.total_supply_assets.0, m.total_borrow_assets.0
                        ),
                    );
                }
                // Only asked for repeats, never walked: a hash set (a market holds up to
                // millions of positions).
                let mut accounts = HashSet::with_capacity(m.positions.len());
                let (mut supply, mut borrow) = (U256::ZERO, U256::ZERO);
                for (j, position) in m.positions.iter().enumerate() {
                    if !accounts.insert(position.account.0) {
                        p.push(
                            at(&format!("positions[{j}].account")),
                            format!(
                                "expected one position per account, found {} again",
                                position.account.0
                            ),
                        );
                    }
                    supply = supply.saturating_add(position.supply_shares.0);
                    borrow = borrow.saturating_add(position.borrow_shares.0);
                }
                if borrow > m.total_borrow_shares.0 {
                    p.push(
                        at("positions"),
                        format!(
                            "expected borrow shares summing to at most total_borrow_shares ({}), \
                             found {borrow}",
                            m.total_borrow_shares.0
                        ),
                    );
                }
                if supply > m.total_supply_shares.0 {
                    p.push(
                        at("positions"),
                        format!(
                            "expected supply shares summing to at most total_supply_shares ({}), \
                             found {supply}",
                            m.total_supply_shares.0
                        ),
                    );
                }
            }
            LendingProtocolSpec::AaveV3(m) => {
                aave(&mut p, i, m, &snapshot.tokens, &oracle_of);
            }
            LendingProtocolSpec::CompoundV3(m) => {
                comet(&mut p, i, m, &snapshot.tokens, &oracle_of);
            }
            LendingProtocolSpec::EulerV2(m) => {
                euler(&mut p, i, m, &snapshot.tokens, &oracle_of);
            }
        }
    }

    let mut backing_ids = BTreeMap::new();
    let mut book_owner = BTreeMap::new();
    for (i, issuer) in snapshot.issuers.iter().enumerate() {
        let at = |field: &str| format!("$.issuers[{i}].{field}");
        p.reference(at("token"), &issuer.token, &tokens, "tokens");
        p.range(at("supply"), issuer.supply, limits::amount_or_zero);
        p.range(at("reported_nav"), issuer.reported_nav, limits::price_or_zero);
        for (j, backing) in issuer.backing.iter().enumerate() {
            let at = |field: &str| format!("$.issuers[{i}].backing[{j}].{field}");
            if let Some(first) = backing_ids.insert(backing.id.as_str(), (i, j)) {
                p.push(
                    at("id"),
                    format!(
                        "expected a unique backing id, found {:?} again (first at \
                         $.issuers[{}].backing[{}])",
                        backing.id, first.0, first.1
                    ),
                );
            }
            match &backing.item {
                BackingItemSpec::Holding { token, amount } => {
                    p.reference(at("item.token"), token, &tokens, "tokens");
                    p.range(at("item.amount"), *amount, limits::amount_or_zero);
                }
                BackingItemSpec::LendingSupply { market, .. } => {
                    p.reference(at("item.market"), market, &markets, "lending_markets");
                    // The cascade values a supply position by Morpho's share accounting only.
                    if let Some(m) = snapshot.lending_markets.iter().find(|m| &m.id == market)
                        && !matches!(m.protocol, LendingProtocolSpec::MorphoBlue(_))
                    {
                        p.push(
                            at("item.market"),
                            format!(
                                "expected a morpho_blue market (lending supply is valued in \
                                 Morpho Blue markets only), found {market:?}, which is not"
                            ),
                        );
                    }
                }
                BackingItemSpec::Loan { value_usd, .. }
                | BackingItemSpec::Opaque { value_usd, .. }
                | BackingItemSpec::ReserveFund { value_usd } => {
                    p.range(at("item.value_usd"), *value_usd, limits::usd);
                }
                BackingItemSpec::DeltaNeutralBook { book } => {
                    p.reference(at("item.book"), book, &books, "books");
                    if let Some(first) = book_owner.insert(book.as_str(), (i, j)) {
                        p.push(
                            at("item.book"),
                            format!(
                                "expected a book backing one item, found {book:?} again (first \
                                 at $.issuers[{}].backing[{}])",
                                first.0, first.1
                            ),
                        );
                    }
                }
            }
        }
    }

    for (i, holder) in snapshot.holders.iter().enumerate() {
        let at = |field: &str| format!("$.holders[{i}].{field}");
        p.reference(at("token"), &holder.token, &tokens, "tokens");
        p.reference(at("venue"), &holder.venue, &venues, "venues");
        p.range(at("amount"), holder.amount, limits::amount_or_zero);
        p.range(at("sell_below_usd"), holder.sell_below_usd, limits::price_or_zero);
        if let Some(venue) = snapshot.venues.iter().find(|v| v.id == holder.venue)
            && venue.base != holder.token
        {
            p.push(
                at("venue"),
                format!(
                    "expected a venue selling {}, found one selling {}",
                    holder.token, venue.base
                ),
            );
        }
    }
    perp_venues(&mut p, snapshot, &tokens, &venues, &oracle_of);
    delta_neutral_books(&mut p, snapshot, &tokens);
    let mut addresses = BTreeMap::new();
    for (i, vault) in snapshot.vaults.iter().enumerate() {
        if let Some(first) = addresses.insert(vault.address, i) {
            p.push(
                format!("$.vaults[{i}].address"),
                format!(
                    "expected one vault per address, found {} again (first at $.vaults[{first}])",
                    vault.address.0
                ),
            );
        }
        metamorpho(&mut p, i, vault, snapshot, &tokens);
    }
    for (path, message) in super::rates::problems(snapshot) {
        p.push(path, message);
    }
    p.0
}

/// A MetaMorpho vault: its asset, fee, `lostAssets`, queues and caps (`MetaMorpho.sol`'s
/// `MAX_FEE`, `MAX_QUEUE_LENGTH`, and the rule that a supply-queue market is enabled, hence in
/// the withdraw queue).
fn metamorpho(
    p: &mut Problems,
    i: usize,
    vault: &VaultSpec,
    snapshot: &Snapshot,
    tokens: &BTreeSet<&str>,
) {
    let at = |field: &str| format!("$.vaults[{i}].{field}");
    p.reference(at("asset"), &vault.asset, tokens, "tokens");
    let max_fee = U256::from(500_000_000_000_000_000u64);
    if vault.fee.0 > max_fee {
        p.push(at("fee"), format!("expected at most 0.5e18 (MAX_FEE), found {}", vault.fee.0));
    }
    if vault.version == VaultVersionSpec::V1_0 && !vault.lost_assets.0.is_zero() {
        p.push(
            at("lost_assets"),
            format!(
                "expected 0 for a v1.0 vault (lostAssets is v1.1), found {}",
                vault.lost_assets.0
            ),
        );
    }
    for (field, queue) in
        [("withdraw_queue", &vault.withdraw_queue), ("supply_queue", &vault.supply_queue)]
    {
        if queue.len() > 30 {
            p.push(
                at(field),
                format!("expected at most 30 markets (MAX_QUEUE_LENGTH), found {}", queue.len()),
            );
        }
    }
    let mut queued = BTreeSet::new();
    for (j, id) in vault.withdraw_queue.iter().enumerate() {
        let path = format!("$.vaults[{i}].withdraw_queue[{j}]");
        let Some(market) = snapshot.lending_markets.iter().find(|m| &m.id == id) else {
            p.push(
                path,
                format!("expected the id of one of the snapshot's lending_markets, found {id:?}"),
            );
            continue;
        };
        if !queued.insert(id.as_str()) {
            p.push(path, format!("expected each market once, found {id:?} again"));
            continue;
        }
        match &market.protocol {
            LendingProtocolSpec::MorphoBlue(m) if m.loan_token != vault.asset => p.push(
                path,
                format!(
                    "expected a market lending the vault's asset {}, found one lending {}",
                    vault.asset, m.loan_token
                ),
            ),
            LendingProtocolSpec::MorphoBlue(_) => {}
            _ => p.push(path, format!("expected a Morpho Blue market, found {id:?}")),
        }
    }
    for (j, id) in vault.supply_queue.iter().enumerate() {
        if !queued.contains(id.as_str()) {
            p.push(
                format!("$.vaults[{i}].supply_queue[{j}]"),
                format!(
                    "expected a market of the withdraw queue (an enabled market), found {id:?}"
                ),
            );
        }
    }
    let mut capped = BTreeSet::new();
    for (j, cap) in vault.caps.iter().enumerate() {
        let path = format!("$.vaults[{i}].caps[{j}].market");
        if !queued.contains(cap.market.as_str()) {
            p.push(
                path,
                format!("expected a market of the withdraw queue, found {:?}", cap.market),
            );
        } else if !capped.insert(cap.market.as_str()) {
            p.push(path, format!("expected one cap per market, found {:?} again", cap.market));
        }
    }
}

/// `PoolConfigurator`'s rules for a collateral's risk triple: `ltv <= LT`, and when `LT > 0`,
/// `LB > 100%` and `LT · LB <= 100%` (`percentMul`, half up).
fn risk(p: &mut Problems, at: &dyn Fn(&str) -> String, ltv: u16, lt: u16, bonus: u16) {
    if ltv > lt {
        p.push(
            at("ltv"),
            format!("expected at most the liquidation threshold ({lt}), found {ltv}"),
        );
    }
    if lt > 10_000 {
        p.push(at("liquidation_threshold"), format!("expected at most 10000 bps, found {lt}"));
    }
    if lt != 0 {
        if bonus <= 10_000 {
            p.push(
                at("liquidation_bonus"),
                format!("expected above 10000 bps (it includes the principal), found {bonus}"),
            );
        }
        let product = (u64::from(lt) * u64::from(bonus) + 5_000) / 10_000;
        if product > 10_000 {
            p.push(
                at("liquidation_bonus"),
                format!(
                    "expected liquidation_threshold x liquidation_bonus at most 100%, found \
                     {lt} x {bonus} = {product} bps"
                ),
            );
        }
    }
}

/// An Aave v3 pool: reserves, eModes and positions.
fn aave(
    p: &mut Problems,
    i: usize,
    m: &AaveMarketSpec,
    tokens: &[TokenSpec],
    oracle_of: &BTreeMap<&str, &super::OracleSpec>,
) {
    let base = format!("$.lending_markets[{i}].protocol.aave_v3");
    let token_ids: BTreeSet<&str> = tokens.iter().map(|t| t.id.as_str()).collect();
    let oracle_ids: BTreeSet<&str> = oracle_of.keys().copied().collect();
    if m.reserves.len() > 128 {
        p.push(
            format!("{base}.reserves"),
            format!("expected at most 128 reserves, found {}", m.reserves.len()),
        );
    }
    let mut listed: BTreeMap<&str, usize> = BTreeMap::new();
    for (j, r) in m.reserves.iter().enumerate() {
        let at = |field: &str| format!("{base}.reserves[{j}].{field}");
        p.reference(at("token"), &r.token, &token_ids, "tokens");
        if let Some(first) = listed.insert(r.token.as_str(), j) {
            p.push(
                at("token"),
                format!(
                    "expected a token listed once, found {:?} again (first at reserves[{first}])",
                    r.token
                ),
            );
        }
        if let Some(t) = tokens.iter().find(|t| t.id == r.token)
            && t.decimals != r.decimals
        {
            p.push(
                at("decimals"),
                format!("expected the token's decimals ({}), found {}", t.decimals, r.decimals),
            );
        }
        p.reference(at("oracle"), &r.oracle, &oracle_ids, "oracles");
        if let Some(o) = oracle_of.get(r.oracle.as_str())
            && (o.token != r.token || o.quote.is_some())
        {
            p.push(
                at("oracle"),
                format!(
                    "expected an oracle pricing {} in USD, found one pricing {} in {}",
                    r.token,
                    o.token,
                    o.quote.as_deref().unwrap_or("USD")
                ),
            );
        }
        risk(p, &at, r.ltv, r.liquidation_threshold, r.liquidation_bonus);
        for (field, v) in [
            ("liquidation_protocol_fee", r.liquidation_protocol_fee),
            ("reserve_factor", r.reserve_factor),
        ] {
            if v > 10_000 {
                p.push(at(field), format!("expected at most 10000 bps, found {v}"));
            }
        }
    }
    let mut categories = BTreeSet::new();
    for (j, e) in m.e_modes.iter().enumerate() {
        let at = |field: &str| format!("{base}.e_modes[{j}].{field}");
        if e.id == 0 {
            p.push(at("id"), "expected a category id of 1 to 255, found 0");
        } else if !categories.insert(e.id) {
            p.push(at("id"), format!("expected a unique category id, found {} again", e.id));
        }
        risk(p, &at, e.ltv, e.liquidation_threshold, e.liquidation_bonus);
        for (field, list) in [("collateral", &e.collateral), ("borrowable", &e.borrowable)] {
            for (k, token) in list.iter().enumerate() {
                if !listed.contains_key(token.as_str()) {
                    p.push(
                        format!("{base}.e_modes[{j}].{field}[{k}]"),
                        format!("expected a token listed as a reserve, found {token:?}"),
                    );
                }
            }
        }
    }
    let mut accounts = HashSet::with_capacity(m.positions.len());
    let mut supplied: BTreeMap<&str, U256> = BTreeMap::new();
    let mut borrowed: BTreeMap<&str, U256> = BTreeMap::new();
    for (j, position) in m.positions.iter().enumerate() {
        let at = |field: &str| format!("{base}.positions[{j}].{field}");
        if !accounts.insert(position.account.0) {
            p.push(
                at("account"),
                format!("expected one position per account, found {} again", position.account.0),
            );
        }
        if position.e_mode != 0 && !categories.contains(&position.e_mode) {
            p.push(
                at("e_mode"),
                format!("expected 0 or a category of e_modes, found {}", position.e_mode),
            );
        }
        for (field, list, totals) in
            [("supply", &position.supply, &mut supplied), ("debt", &position.debt, &mut borrowed)]
        {
            let mut seen = BTreeSet::new();
            for (k, balance) in list.iter().enumerate() {
                let path = format!("{base}.positions[{j}].{field}[{k}].token");
                let Some(&index) = listed.get(balance.token.as_str()) else {
                    p.push(
                        path,
                        format!("expected a token listed as a reserve, found {:?}", balance.token),
                    );
                    continue;
                };
                if !seen.insert(balance.token.as_str()) {
                    p.push(
                        path,
                        format!("expected each reserve once, found {:?} again", balance.token),
                    );
                    continue;
                }
                if field == "debt" && m.reserves.get(index).is_some_and(|r| !r.borrowing_enabled) {
                    p.push(
                        path,
                        format!(
                            "expected a reserve with borrowing enabled, found {:?}",
                            balance.token
                        ),
                    );
                }
                let total = totals.entry(balance.token.as_str()).or_default();
                *total = total.saturating_add(balance.amount.0);
            }
        }
    }
    for (token, debt) in &borrowed {
        let supply = supplied.get(token).copied().unwrap_or_default();
        if *debt > supply {
            p.push(
                format!("{base}.positions"),
                format!(
                    "expected {token} debt summing to at most its supply ({supply}), found {debt}"
                ),
            );
        }
    }
}

/// Perp venues: their markets, collateral and accounts.
fn perp_venues(
    p: &mut Problems,
    snapshot: &Snapshot,
    tokens: &BTreeSet<&str>,
    venues: &BTreeSet<&str>,
    oracle_of: &BTreeMap<&str, &super::OracleSpec>,
) {
    ids(p, "perp_venues", snapshot.perp_venues.iter().map(|v| v.id.as_str()));
    for (i, venue) in snapshot.perp_venues.iter().enumerate() {
        let at = |field: &str| format!("$.perp_venues[{i}].{field}");
        p.non_negative(at("liquidation_fee_rate"), venue.liquidation_fee_rate);
        if venue.liquidation_fee_rate >= Decimal::ONE {
            p.push(
                at("liquidation_fee_rate"),
                format!("expected a fraction below 1, found {}", venue.liquidation_fee_rate),
            );
        }
        p.non_negative(at("backstop_below"), venue.backstop_below);
        if venue.backstop_below > Decimal::ONE {
            p.push(
                at("backstop_below"),
                format!("expected a fraction of at most 1, found {}", venue.backstop_below),
            );
        }
        p.range(at("insurance_fund_usd"), venue.insurance_fund_usd, limits::usd);
        p.range(at("backstop_usd"), venue.backstop_usd, limits::usd);
        let mut collateral = BTreeSet::new();
        for (j, c) in venue.collateral.iter().enumerate() {
            let at = |field: &str| format!("$.perp_venues[{i}].collateral[{j}].{field}");
            p.reference(at("token"), &c.token, tokens, "tokens");
            usd_oracle(p, at("oracle"), &c.oracle, &c.token, oracle_of);
            if !collateral.insert(c.token.as_str()) {
                p.push(at("token"), format!("expected each token once, found {:?} again", c.token));
            }
        }
        let mut symbols = BTreeSet::new();
        for (j, m) in venue.markets.iter().enumerate() {
            let at = |field: &str| format!("$.perp_venues[{i}].markets[{j}].{field}");
            if !symbols.insert(m.symbol.as_str()) {
                p.push(
                    at("symbol"),
                    format!("expected a unique symbol, found {:?} again", m.symbol),
                );
            }
            p.reference(at("token"), &m.token, tokens, "tokens");
            if let Some(oracle) = &m.index_oracle {
                usd_oracle(p, at("index_oracle"), oracle, &m.token, oracle_of);
            }
            p.reference(at("venue"), &m.venue, venues, "venues");
            if let Some(v) = snapshot.venues.iter().find(|v| v.id == m.venue)
                && v.base != m.token
            {
                p.push(
                    at("venue"),
                    format!("expected a venue selling {}, found one selling {}", m.token, v.base),
                );
            }
            if m.margin_tiers.first().is_none_or(|t| !t.from_notional_usd.is_zero()) {
                p.push(at("margin_tiers"), "expected tiers, the first from a notional of 0");
            }
            for (k, pair) in m.margin_tiers.windows(2).enumerate() {
                if pair[1].from_notional_usd <= pair[0].from_notional_usd {
                    p.push(
                        at(&format!("margin_tiers[{}].from_notional_usd", k + 1)),
                        format!(
                            "expected a bound above the tier before ({}), found {}",
                            pair[0].from_notional_usd, pair[1].from_notional_usd
                        ),
                    );
                }
            }
            for (k, tier) in m.margin_tiers.iter().enumerate() {
                p.range(
                    at(&format!("margin_tiers[{k}].from_notional_usd")),
                    tier.from_notional_usd,
                    limits::usd,
                );
                if tier.max_leverage == 0 {
                    p.push(
                        at(&format!("margin_tiers[{k}].max_leverage")),
                        "expected at least 1, found 0",
                    );
                }
            }
        }
        let mut accounts = BTreeSet::new();
        for (j, account) in venue.accounts.iter().enumerate() {
            let at = |field: &str| format!("$.perp_venues[{i}].accounts[{j}].{field}");
            if !accounts.insert(account.id) {
                p.push(
                    at("id"),
                    format!("expected a unique account id, found {} again", account.id),
                );
            }
            p.range(at("cash_usd"), account.cash_usd, limits::usd);
            for (k, holding) in account.collateral.iter().enumerate() {
                let at = |field: &str| {
                    format!("$.perp_venues[{i}].accounts[{j}].collateral[{k}].{field}")
                };
                if !collateral.contains(holding.token.as_str()) {
                    p.push(
                        at("token"),
                        format!(
                            "expected one of the venue's collateral tokens, found {:?}",
                            holding.token
                        ),
                    );
                }
                p.range(at("amount"), holding.amount, limits::amount);
            }
            let mut isolated = Decimal::ZERO;
            let mut held = BTreeSet::new();
            for (k, position) in account.positions.iter().enumerate() {
                let at = |field: &str| {
                    format!("$.perp_venues[{i}].accounts[{j}].positions[{k}].{field}")
                };
                if !symbols.contains(position.market.as_str()) {
                    p.push(
                        at("market"),
                        format!(
                            "expected a market symbol of the venue, found {:?}",
                            position.market
                        ),
                    );
                }
                if !held.insert(position.market.as_str()) {
                    p.push(
                        at("market"),
                        format!(
                            "expected one position per market, found {:?} again",
                            position.market
                        ),
                    );
                }
                if position.size.is_zero() {
                    p.push(at("size"), "expected a non-zero size, found 0");
                } else {
                    p.range(at("size"), position.size.abs(), |size| {
                        limits::amount(size)
                            .map_err(|_| "a size of 1e-12 to 1e15 units, long or short".to_owned())
                    });
                }
                p.range(at("entry_price"), position.entry_price, limits::price);
                if let Some(margin) = position.isolated_margin_usd {
                    p.positive(at("isolated_margin_usd"), margin);
                    p.range(at("isolated_margin_usd"), margin, limits::usd);
                    isolated += margin;
                }
            }
            if isolated > account.cash_usd {
                p.push(
                    at("cash_usd"),
                    format!(
                        "expected at least the isolated margins ({isolated}), found {}",
                        account.cash_usd
                    ),
                );
            }
        }
    }
}

/// Delta-neutral books: legs, short accounts and rules.
fn delta_neutral_books(p: &mut Problems, snapshot: &Snapshot, tokens: &BTreeSet<&str>) {
    for (i, book) in snapshot.books.iter().enumerate() {
        let at = |field: &str| format!("$.books[{i}].{field}");
        let mut names = BTreeSet::new();
        for (j, leg) in book.longs.iter().enumerate() {
            let at = |field: &str| format!("$.books[{i}].longs[{j}].{field}");
            if !names.insert(leg.name.as_str()) {
                p.push(
                    at("name"),
                    format!("expected a unique leg name, found {:?} again", leg.name),
                );
            }
            p.reference(at("token"), &leg.token, tokens, "tokens");
            p.range(at("amount"), leg.amount, limits::amount_or_zero);
            p.range(at("delta_per_unit"), leg.delta_per_unit, delta_per_unit);
        }
        for (j, leg) in book.shorts.iter().enumerate() {
            let at = |field: &str| format!("$.books[{i}].shorts[{j}].{field}");
            let Some(venue) = snapshot.perp_venues.iter().find(|v| v.id == leg.venue) else {
                p.push(
                    at("venue"),
                    format!(
                        "expected the id of one of the snapshot's perp_venues, found {:?}",
                        leg.venue
                    ),
                );
                continue;
            };
            if !venue.markets.iter().any(|m| m.symbol == leg.market) {
                p.push(
                    at("market"),
                    format!("expected a market symbol of {}, found {:?}", leg.venue, leg.market),
                );
            }
            if !venue.accounts.iter().any(|a| a.id == leg.account) {
                p.push(
                    at("account"),
                    format!("expected an account of {}, found {}", leg.venue, leg.account),
                );
            }
        }
        p.range(at("buffer_usd"), book.buffer_usd, limits::usd);
        p.range(at("reserve_fund_usd"), book.reserve_fund_usd, limits::usd);
        let rules = &book.rules;
        p.positive(at("rules.topup_below"), rules.topup_below);
        p.range(at("rules.topup_below"), rules.topup_below, multiple);
        p.range(at("rules.topup_to"), rules.topup_to, multiple);
        if rules.topup_to < rules.topup_below {
            p.push(
                at("rules.topup_to"),
                format!(
                    "expected at least topup_below ({}), found {}",
                    rules.topup_below, rules.topup_to
                ),
            );
        }
        p.range(at("rules.rehedge_band"), rules.rehedge_band, limits::fraction);
    }
}

/// Units of the underlying one unit of a long leg carries: 0 (a stablecoin) or 1e-12 to 1e6.
fn delta_per_unit(value: Decimal) -> Result<(), String> {
    if value.is_zero() {
        return Ok(());
    }
    limits::within(value, limits::MIN_AMOUNT, limits::MAX_DELTA_PER_UNIT, "0 or 1e-12 to 1e6")
}

/// A multiple of a maintenance margin (a book's top-up rule): at most 1000.
fn multiple(value: Decimal) -> Result<(), String> {
    limits::within(value, Decimal::ZERO, Decimal::ONE_THOUSAND, "a multiple from 0 to 1000")
}

/// Requires `oracle` (at `path`) to price `token` in USD.
fn usd_oracle(
    p: &mut Problems,
    path: String,
    oracle: &str,
    token: &str,
    oracle_of: &BTreeMap<&str, &OracleSpec>,
) {
    match oracle_of.get(oracle) {
        None => p.push(
            path,
            format!("expected the id of one of the snapshot's oracles, found {oracle:?}"),
        ),
        Some(o) if o.token != token || o.quote.is_some() => p.push(
            path,
            format!(
                "expected an oracle pricing {token} in USD, found one pricing {} in {}",
                o.token,
                o.quote.as_deref().unwrap_or("USD")
            ),
        ),
        Some(_) => {}
    }
}

/// Collateral balances of one position: each a listed collateral, once.
fn balances(
    p: &mut Problems,
    at: &str,
    list: &[CollateralBalanceSpec],
    listed: &BTreeMap<&str, usize>,
) {
    let mut seen = BTreeSet::new();
    for (k, balance) in list.iter().enumerate() {
        let path = format!("{at}.collateral[{k}].token");
        if !listed.contains_key(balance.token.as_str()) {
            p.push(
                path,
                format!("expected a token listed as collateral, found {:?}", balance.token),
            );
        } else if !seen.insert(balance.token.as_str()) {
            p.push(path, format!("expected each collateral once, found {:?} again", balance.token));
        }
    }
}

/// Collateral tokens: each a token of the snapshot, listed once, not the lent token, priced in
/// USD by its oracle; returns the listing (token → index).
fn listing<'a>(
    p: &mut Problems,
    base: &str,
    lent: &str,
    list: impl Iterator<Item = (&'a str, &'a str)>,
    tokens: &[TokenSpec],
    oracle_of: &BTreeMap<&str, &OracleSpec>,
) -> BTreeMap<&'a str, usize> {
    let token_ids: BTreeSet<&str> = tokens.iter().map(|t| t.id.as_str()).collect();
    let mut listed = BTreeMap::new();
    for (j, (token, oracle)) in list.enumerate() {
        let at = |field: &str| format!("{base}[{j}].{field}");
        p.reference(at("token"), token, &token_ids, "tokens");
        if token == lent {
            p.push(at("token"), format!("expected a token other than the lent {lent:?}, found it"));
        }
        if let Some(first) = listed.insert(token, j) {
            p.push(
                at("token"),
                format!("expected a token listed once, found {token:?} again (first at [{first}])"),
            );
        }
        usd_oracle(p, at("oracle"), oracle, token, oracle_of);
        if let Some(t) = tokens.iter().find(|t| t.id == token)
            && t.decimals > 36
        {
            p.push(at("token"), format!("expected at most 36 decimals, found {}", t.decimals));
        }
    }
    listed
}

/// A Compound v3 market: the configurator's bounds (`CometConfiguration`/`Comet` constructor:
/// `borrowCF < liquidateCF <= 1e18`, `liquidationFactor <= 1e18`, `storeFrontPriceFactor <=
/// 1e18`), indexes at least `BASE_INDEX_SCALE`, one principal sign per account, and totals at
/// least the positions' sums.
fn comet(
    p: &mut Problems,
    i: usize,
    m: &CometMarketSpec,
    tokens: &[TokenSpec],
    oracle_of: &BTreeMap<&str, &OracleSpec>,
) {
    let base = format!("$.lending_markets[{i}].protocol.compound_v3");
    let at = |field: &str| format!("{base}.{field}");
    let token_ids: BTreeSet<&str> = tokens.iter().map(|t| t.id.as_str()).collect();
    p.reference(at("base_token"), &m.base_token, &token_ids, "tokens");
    usd_oracle(p, at("base_oracle"), &m.base_oracle, &m.base_token, oracle_of);
    let factor = U256::from(1_000_000_000_000_000_000u64);
    if m.store_front_price_factor.0 > factor {
        p.push(
            at("store_front_price_factor"),
            format!("expected at most 1e18, found {}", m.store_front_price_factor.0),
        );
    }
    let index_scale = U256::from(1_000_000_000_000_000u64);
    for (field, v) in
        [("base_supply_index", m.base_supply_index.0), ("base_borrow_index", m.base_borrow_index.0)]
    {
        if v < index_scale {
            p.push(at(field), format!("expected at least 1e15 (BASE_INDEX_SCALE), found {v}"));
        }
    }
    let listed = listing(
        p,
        &at("assets"),
        &m.base_token,
        m.assets.iter().map(|a| (a.token.as_str(), a.oracle.as_str())),
        tokens,
        oracle_of,
    );
    for (j, a) in m.assets.iter().enumerate() {
        let at = |field: &str| format!("{base}.assets[{j}].{field}");
        if a.liquidate_collateral_factor.0 > factor {
            p.push(
                at("liquidate_collateral_factor"),
                format!("expected at most 1e18, found {}", a.liquidate_collateral_factor.0),
            );
        }
        if a.borrow_collateral_factor.0 >= a.liquidate_collateral_factor.0 {
            p.push(
                at("borrow_collateral_factor"),
                format!(
                    "expected below liquidate_collateral_factor ({}), found {}",
                    a.liquidate_collateral_factor.0, a.borrow_collateral_factor.0
                ),
            );
        }
        if a.liquidation_factor.0 > factor {
            p.push(
                at("liquidation_factor"),
                format!("expected at most 1e18, found {}", a.liquidation_factor.0),
            );
        }
    }
    let mut accounts = BTreeSet::new();
    let (mut supply, mut borrow) = (U256::ZERO, U256::ZERO);
    for (j, position) in m.positions.iter().enumerate() {
        let at = |field: &str| format!("{base}.positions[{j}].{field}");
        if !accounts.insert(position.account.0) {
            p.push(
                at("account"),
                format!("expected one position per account, found {} again", position.account.0),
            );
        }
        if !position.supply_principal.0.is_zero() && !position.borrow_principal.0.is_zero() {
            p.push(
                at("borrow_principal"),
                format!(
                    "expected 0 when supply_principal is set (a principal is one signed \
                     number), found {}",
                    position.borrow_principal.0
                ),
            );
        }
        // Comet's principal is an int104.
        let int104 = (U256::from(1u8) << 103) - U256::from(1u8);
        for (field, v) in [
            ("supply_principal", position.supply_principal.0),
            ("borrow_principal", position.borrow_principal.0),
        ] {
            if v > int104 {
                p.push(at(field), format!("expected at most 2^103 - 1 (int104), found {v}"));
            }
        }
        supply = supply.saturating_add(position.supply_principal.0);
        borrow = borrow.saturating_add(position.borrow_principal.0);
        balances(p, &format!("{base}.positions[{j}]"), &position.collateral, &listed);
    }
    for (field, sum, total) in [
        ("total_supply_base", supply, m.total_supply_base.0),
        ("total_borrow_base", borrow, m.total_borrow_base.0),
    ] {
        if sum > total {
            p.push(
                at(field),
                format!(
                    "expected at least the positions' principals summed ({sum}), found {total}"
                ),
            );
        }
    }
}

/// An Euler v2 vault: `GovernanceModule.setLTV`'s rules (`borrowLTV <= liquidationLTV <=
/// 1e4`), `maxLiquidationDiscount <= 1e4`, and shares summing to at most `totalShares`.
fn euler(
    p: &mut Problems,
    i: usize,
    m: &EulerVaultSpec,
    tokens: &[TokenSpec],
    oracle_of: &BTreeMap<&str, &OracleSpec>,
) {
    let base = format!("$.lending_markets[{i}].protocol.euler_v2");
    let at = |field: &str| format!("{base}.{field}");
    let token_ids: BTreeSet<&str> = tokens.iter().map(|t| t.id.as_str()).collect();
    p.reference(at("asset"), &m.asset, &token_ids, "tokens");
    usd_oracle(p, at("asset_oracle"), &m.asset_oracle, &m.asset, oracle_of);
    if let Some(t) = tokens.iter().find(|t| t.id == m.asset)
        && t.decimals > 36
    {
        p.push(at("asset"), format!("expected at most 36 decimals, found {}", t.decimals));
    }
    if m.max_liquidation_discount > 10_000 {
        p.push(
            at("max_liquidation_discount"),
            format!("expected at most 10000 (1e4 scale), found {}", m.max_liquidation_discount),
        );
    }
    let listed = listing(
        p,
        &at("collaterals"),
        &m.asset,
        m.collaterals.iter().map(|c| (c.token.as_str(), c.oracle.as_str())),
        tokens,
        oracle_of,
    );
    for (j, c) in m.collaterals.iter().enumerate() {
        let at = |field: &str| format!("{base}.collaterals[{j}].{field}");
        if c.liquidation_ltv > 10_000 {
            p.push(
                at("liquidation_ltv"),
                format!("expected at most 10000 (1e4 scale), found {}", c.liquidation_ltv),
            );
        }
        if c.borrow_ltv > c.liquidation_ltv {
            p.push(
                at("borrow_ltv"),
                format!(
                    "expected at most liquidation_ltv ({}), found {}",
                    c.liquidation_ltv, c.borrow_ltv
                ),
            );
        }
    }
    let mut accounts = BTreeSet::new();
    let mut shares = U256::ZERO;
    // MAX_SANE_AMOUNT: the vault stores amounts in 112 bits.
    let sane = (U256::from(1u8) << 112) - U256::from(1u8);
    for (field, v) in [("cash", m.cash.0), ("total_shares", m.total_shares.0)] {
        if v > sane {
            p.push(at(field), format!("expected at most 2^112 - 1 (MAX_SANE_AMOUNT), found {v}"));
        }
    }
    for (j, position) in m.positions.iter().enumerate() {
        let at = |field: &str| format!("{base}.positions[{j}].{field}");
        if !accounts.insert(position.account.0) {
            p.push(
                at("account"),
                format!("expected one position per account, found {} again", position.account.0),
            );
        }
        if position.debt.0 > sane {
            p.push(
                at("debt"),
                format!("expected at most 2^112 - 1 (MAX_SANE_AMOUNT), found {}", position.debt.0),
            );
        }
        shares = shares.saturating_add(position.shares.0);
        balances(p, &format!("{base}.positions[{j}]"), &position.collateral, &listed);
    }
    if shares > m.total_shares.0 {
        p.push(
            at("total_shares"),
            format!(
                "expected at least the positions' shares summed ({shares}), found {}",
                m.total_shares.0
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn more_entities_than_the_limit_are_refused_with_the_memory_they_would_take() {
        assert_eq!(too_many(MAX_ENTITIES), None);
        // 5,000,001 entities at 600 bytes: 3,000,000,600 bytes, 3,001 MB rounded up; the
        // limit's own 3,000 MB.
        assert_eq!(
            too_many(MAX_ENTITIES + 1).as_deref(),
            Some(
                "expected at most 5000000 entities (positions, accounts, tokens...; about 3000 MB \
                 at 600 bytes each), found 5000001 (about 3001 MB)"
            )
        );
    }
}
