//! Liquidation bands of one collateral asset across every lending market of a snapshot: for each
//! level of a grid of falls of the asset's price, the collateral that becomes liquidatable and
//! the debt behind it, per market and in total.
//!
//! Each borrower is solved once, exactly on the market's own health test (Morpho:
//! `maxBorrow(price) >= borrowed`, both rounded as the contract rounds them: a closed form from the
//! lending model, checked one raw unit either side; other protocols: bisection on the test), so a
//! borrower counts at a level exactly when the market would let it be liquidated at that oracle
//! price. Morpho's roots are sorted once and every level read off their cumulative sums; the
//! other protocols' go into the lending crate's `BandIndex`, which answers each by binary search.
//!
//! A market liquidates on what its *oracle* says. A fall of the asset's market price moves an
//! oracle that follows the market (market, push feed, lagged: eventually), but not a hardcoded
//! one nor one that reads an issuer's reported exchange rate. [`OracleMode::AsConfigured`] keeps
//! those oracles where they are (what would really happen); [`OracleMode::FollowsMarket`] moves
//! every oracle with the price (what the positions' collateralisation says).

mod book;
#[cfg(test)]
mod closed_form_tests;
#[cfg(test)]
mod comet_closed_form_tests;

pub(crate) use book::{ClosedForm, answer_raw, liquidation_price, unit_decimals};

use crate::{
    Error, Result, engine, models,
    snapshot::{
        LendingProtocolSpec, MorphoMarketSpec, MorphoPositionSpec, OracleKindSpec, Snapshot,
        TokenSpec,
    },
};
use alloy_primitives::{Address, U256};
use faultline_core::{
    Rounding,
    decimal::to_decimal,
    math::{mul_div, wad_ray::WAD},
};
use faultline_lending::{
    bands::{LiquidationPoint, Side},
    morpho::MorphoMarket,
};
use rayon::prelude::*;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;

/// How oracles respond to a fall of the asset's market price.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OracleMode {
    /// Oracles that follow the market fall with it; hardcoded and exchange-rate oracles stay.
    AsConfigured,
    /// Every oracle's answer falls with the market price.
    FollowsMarket,
}

/// The grid and the oracle mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BandsOptions {
    /// Number of levels, the current price (no fall) included; at least 2, at most 10,000.
    pub levels: usize,
    /// The deepest fall, in basis points of the current price (at most 10,000).
    pub max_fall_bps: u32,
    /// How oracles respond.
    pub oracle: OracleMode,
}

impl Default for BandsOptions {
    /// 11 levels from no fall to a 50% fall, oracles as configured.
    fn default() -> Self {
        Self { levels: 11, max_fall_bps: 5_000, oracle: OracleMode::AsConfigured }
    }
}

/// Liquidation bands of one asset over a snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BandsReport {
    /// The snapshot's name.
    pub snapshot: String,
    /// The asset (a token id).
    pub asset: String,
    /// Its symbol.
    pub symbol: String,
    /// Its market price now, USD.
    pub price_usd: Decimal,
    /// How oracles were moved.
    pub oracle_mode: OracleMode,
    /// Every market that takes the asset as collateral, in snapshot order.
    pub markets: Vec<MarketBands>,
    /// Markets that take the asset as collateral but that bands do not cover, as `id
    /// (protocol)`; every protocol is covered now, so this is empty (kept for readers of the
    /// JSON).
    pub not_covered: Vec<String>,
    /// All markets together, level by level.
    pub combined: Vec<CombinedLevel>,
}

/// One market's bands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MarketBands {
    /// The market id.
    pub market: String,
    /// Its readable name.
    pub name: String,
    /// The protocol (`morpho_blue`, `aave_v3`, `compound_v3`, `euler_v2`).
    pub protocol: String,
    /// The token lent (a token id); `usd` for a market that values debt across tokens in USD
    /// (Aave, Comet, Euler: debt figures are then the protocol's debt value).
    pub loan_token: String,
    /// The oracle (an oracle id).
    pub oracle: String,
    /// The oracle's kind (`market`, `push_feed`, `fixed`, `exchange_rate`, `lagged`).
    pub oracle_kind: String,
    /// Whether the oracle's answer falls with the asset's price in this report.
    pub oracle_moves: bool,
    /// The oracle's answer now, loan tokens per whole collateral token (as the market reads it).
    pub oracle_price: Decimal,
    /// Liquidation LTV (the asset's liquidation threshold or factor outside Morpho).
    pub lltv: Decimal,
    /// Borrowers (accounts with debt).
    pub borrowers: usize,
    /// Each borrower's liquidation point, highest price first.
    pub positions: Vec<PositionBand>,
    /// The market at each level of the grid.
    pub levels: Vec<MarketLevel>,
}

/// Where one borrower turns liquidatable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PositionBand {
    /// The account.
    pub account: Address,
    /// Collateral, whole tokens of the asset.
    pub collateral: Decimal,
    /// Debt, whole loan tokens.
    pub debt: Decimal,
    /// The oracle price below which it is liquidatable, loan tokens per collateral token;
    /// `None` when it is liquidatable at any price (no collateral).
    pub liquidation_price: Option<Decimal>,
    /// The fall of the oracle's answer that takes it there, percent (0 when it is liquidatable
    /// already).
    pub fall_pct: Option<Decimal>,
}

/// One market at one level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MarketLevel {
    /// The fall of the asset's price, percent.
    pub fall_pct: Decimal,
    /// The oracle's answer at this level (unchanged when the oracle does not move).
    pub oracle_price: Decimal,
    /// Borrowers liquidatable at this level.
    pub positions: usize,
    /// Their collateral, whole tokens of the asset.
    pub collateral: Decimal,
    /// Their debt, whole loan tokens.
    pub debt: Decimal,
    /// Their debt, USD at the loan token's market price.
    pub debt_usd: Decimal,
}

/// Every market at one level; cumulative, since a deeper fall keeps every liquidation a
/// shallower one allowed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CombinedLevel {
    /// The fall of the asset's price, percent.
    pub fall_pct: Decimal,
    /// The asset's market price at this level, USD.
    pub price_usd: Decimal,
    /// Borrowers liquidatable.
    pub positions: usize,
    /// Their collateral, whole tokens of the asset.
    pub collateral: Decimal,
    /// That collateral at this level's price, USD.
    pub collateral_usd: Decimal,
    /// The debt behind it, USD.
    pub debt_usd: Decimal,
    /// Collateral that turns liquidatable between the previous level and this one.
    pub new_collateral: Decimal,
    /// Debt that turns liquidatable between the previous level and this one, USD.
    pub new_debt_usd: Decimal,
}

fn invalid(field: &str, expected: impl Into<String>, found: impl ToString) -> Error {
    Error::Invalid { field: field.into(), expected: expected.into(), found: found.to_string() }
}

fn model(entity: &str, error: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::Model { entity: entity.to_owned(), source: Box::new(error) }
}

/// `a · b`, or an overflow naming `entity` and `what`.
pub(crate) fn mul(entity: &str, what: &'static str, a: Decimal, b: Decimal) -> Result<Decimal> {
    a.checked_mul(b).ok_or_else(|| Error::Overflow { entity: entity.to_owned(), what })
}

/// `a + b`, or an overflow naming `entity` and `what`.
pub(crate) fn add(entity: &str, what: &'static str, a: Decimal, b: Decimal) -> Result<Decimal> {
    a.checked_add(b).ok_or_else(|| Error::Overflow { entity: entity.to_owned(), what })
}

/// `raw / 10^decimals` with as many places as fit (18 at most), rounded down.
pub(crate) fn whole(entity: &str, raw: U256, decimals: u8) -> Result<Decimal> {
    // The common case in 128 bits: the first attempt below (18 places at most, rounded down)
    // where its mantissa fits a `Decimal`; the same value, so the same normalized figure.
    if decimals <= 38
        && let Ok(small) = u128::try_from(raw)
    {
        let places = u32::from(decimals.min(18));
        let mantissa = 10u128.checked_pow(u32::from(decimals) - places).map(|d| small / d);
        if let Some(value) = mantissa.and_then(|m| normalized(m, places)) {
            return Ok(value);
        }
    }
    let mut last = None;
    for places in [u32::from(decimals.min(18)), 6, 0] {
        match to_decimal(raw, decimals, places, Rounding::Down) {
            Ok(value) => return Ok(value.normalize()),
            Err(e) => last = Some(e),
        }
    }
    Err(last.map_or_else(|| invalid(entity, "a representable amount", raw), |e| model(entity, e)))
}

/// `mantissa · 10^-places` with its trailing zeros dropped, as [`Decimal::normalize`] writes it;
/// `None` when the mantissa does not fit a `Decimal`. The zeros are stripped in 64-bit
/// arithmetic where the mantissa fits it (a division by a constant there is a multiplication).
fn normalized(mantissa: u128, places: u32) -> Option<Decimal> {
    let (mut m, mut scale) = (mantissa, places);
    if m == 0 {
        return Some(Decimal::ZERO);
    }
    while scale > 0 && m > u128::from(u64::MAX) && m % 10 == 0 {
        m /= 10;
        scale -= 1;
    }
    if let Ok(mut small) = u64::try_from(m) {
        while scale > 0 && small % 10 == 0 {
            small /= 10;
            scale -= 1;
        }
        m = u128::from(small);
    }
    Decimal::try_from_i128_with_scale(i128::try_from(m).ok()?, scale).ok()
}

/// A Morpho oracle price (`1e36`-scaled, loan units per collateral unit) as loan tokens per
/// whole collateral token.
pub(crate) fn morpho_quote(entity: &str, raw: U256, loan: u8, collateral: u8) -> Result<Decimal> {
    let scale = 36 + i16::from(loan) - i16::from(collateral);
    let scale = u8::try_from(scale)
        .map_err(|_| Error::Overflow { entity: entity.to_owned(), what: "oracle scale" })?;
    whole(entity, raw, scale)
}

/// The least price at which `healthy` holds, searched from `guess`, for a test that is monotone
/// (healthy at a price means healthy at every higher one). `Some(0)` when healthy at any price;
/// `None` when healthy at none.
pub(crate) fn least_healthy_price(
    guess: U256,
    mut healthy: impl FnMut(U256) -> Result<bool>,
) -> Result<Option<U256>> {
    if healthy(U256::ZERO)? {
        return Ok(Some(U256::ZERO));
    }
    // Bracket: lo unhealthy, hi healthy.
    let mut hi = guess.max(U256::from(1u8));
    while !healthy(hi)? {
        if hi == U256::MAX {
            return Ok(None);
        }
        hi = hi.saturating_mul(U256::from(2u8));
    }
    let mut lo = hi / U256::from(2u8);
    while !lo.is_zero() && healthy(lo)? {
        lo /= U256::from(2u8);
    }
    while hi - lo > U256::from(1u8) {
        let mid = lo + (hi - lo) / U256::from(2u8);
        if healthy(mid)? {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Ok(Some(hi))
}

/// One Morpho borrower's exact liquidation point: the least oracle price at which Morpho's
/// `_isHealthy` holds (liquidatable at every price below it), in closed form from the lending
/// model ([`MorphoMarket::liquidation_point`], proven there on the health test one raw unit either
/// side). `debt_value` and `collateral_value` carry the borrowed loan units and the raw collateral.
pub(crate) fn morpho_point(
    market: &MorphoMarket,
    entity: &str,
    account: Address,
) -> Result<LiquidationPoint> {
    market.liquidation_point(account).map_err(|e| model(entity, e))
}

const fn kind_name(kind: &OracleKindSpec) -> &'static str {
    match kind {
        OracleKindSpec::Market => "market",
        OracleKindSpec::PushFeed { .. } => "push_feed",
        OracleKindSpec::Fixed => "fixed",
        OracleKindSpec::ExchangeRate { .. } => "exchange_rate",
        OracleKindSpec::Lagged { .. } => "lagged",
    }
}

/// The falls of the grid, in basis points: `max_fall_bps · i / (levels − 1)`, rounded down.
fn falls(options: &BandsOptions) -> Result<Vec<u32>> {
    if !(2..=10_000).contains(&options.levels) {
        return Err(invalid("grid", "between 2 and 10000 levels", options.levels));
    }
    if options.max_fall_bps > 10_000 {
        return Err(invalid(
            "max_fall",
            "at most 100%",
            format!("{}%", Decimal::new(i64::from(options.max_fall_bps), 2)),
        ));
    }
    let steps = u64::try_from(options.levels - 1).unwrap_or(u64::MAX);
    (0..options.levels)
        .map(|i| {
            let i = u64::try_from(i).unwrap_or(u64::MAX);
            u32::try_from(u64::from(options.max_fall_bps) * i / steps)
                .map_err(|_| invalid("grid", "a fall in basis points", i))
        })
        .collect()
}

fn token<'a>(snapshot: &'a Snapshot, id: &str, field: &str) -> Result<&'a TokenSpec> {
    snapshot.tokens.iter().find(|t| t.id == id).ok_or_else(|| {
        let known: Vec<&str> = snapshot.tokens.iter().map(|t| t.id.as_str()).collect();
        invalid(field, format!("a token id of the snapshot ({})", known.join(", ")), id)
    })
}

/// One chunk of a market's borrowers, solved: the points and report lines of those that can
/// be liquidated, up to the first failure.
#[derive(Default)]
struct Solved {
    points: Vec<LiquidationPoint>,
    bands: Vec<PositionBand>,
    failed: Option<Error>,
}

/// Whether an account appears more than once: a sort of the addresses' first eight bytes, the
/// full addresses compared only where those agree.
fn has_duplicate(accounts: impl Iterator<Item = Address>) -> bool {
    let mut keyed: Vec<(u64, Address)> = accounts
        .map(|a| {
            let mut head = [0u8; 8];
            head.copy_from_slice(&a.0[..8]);
            (u64::from_be_bytes(head), a)
        })
        .collect();
    keyed.par_sort_unstable_by_key(|(head, _)| *head);
    keyed.chunk_by(|a, b| a.0 == b.0).any(|group| {
        group.len() > 1 && {
            let mut full: Vec<Address> = group.iter().map(|(_, a)| *a).collect();
            full.sort_unstable();
            full.windows(2).any(|w| w[0] == w[1])
        }
    })
}

/// A market's solved borrowers in the report's order, with what its levels read: the roots
/// highest first and the debt and collateral of every borrower down to each, as
/// [`faultline_lending::bands::BandIndex`] keeps them, from the one sort of the roots the order
/// needs already.
struct Ordered {
    /// The position list: "at any price" first (snapshot order), then the highest liquidation
    /// price first, ties (equal printed prices) in snapshot order, as a stable sort on the
    /// printed [`Decimal`] orders them.
    positions: Vec<PositionBand>,
    /// The `Below` roots, highest first.
    roots: Vec<U256>,
    /// Debt and collateral of the "at any price" borrowers and of the roots down to each,
    /// cumulative in the order of `roots`.
    sums: Vec<(U256, U256)>,
    /// "At any price" borrowers: how many, and their debt and collateral.
    always: (usize, U256, U256),
}

impl Ordered {
    /// The order, from the solved chunks (in snapshot order). The sort runs on the raw prices
    /// (compact, exact keys), which the printed prices follow (rounding down is monotone); runs
    /// of equal printed prices are then put back in snapshot order, and should the printed
    /// prices ever disagree with the raw order (a price too large for 18 places, printed with
    /// fewer), the positions are sorted on the printed prices instead.
    fn new(id: &str, chunks: &[Solved]) -> Result<Self> {
        use core::cmp::Ordering;
        let overflow = |what| Error::Overflow { entity: id.to_owned(), what };
        // A position's place: its chunk and its index there, which order as the snapshot does.
        let at = |place: (u32, u32)| &chunks[place.0 as usize];
        let mut order: Vec<(u32, u32)> = Vec::new();
        let mut roots: Vec<(U256, (u32, u32))> = Vec::new();
        let mut always = (0, U256::ZERO, U256::ZERO);
        for (c, chunk) in (0u32..).zip(chunks) {
            for (i, p) in (0u32..).zip(&chunk.points) {
                match p.side {
                    Side::Always => {
                        order.push((c, i));
                        always.0 += 1;
                        always.1 = always
                            .1
                            .checked_add(p.debt_value)
                            .ok_or_else(|| overflow("band debt"))?;
                        always.2 = always
                            .2
                            .checked_add(p.collateral_value)
                            .ok_or_else(|| overflow("band collateral"))?;
                    }
                    _ => roots.push((p.price, (c, i))),
                }
            }
        }
        roots.par_sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let mut sums = Vec::with_capacity(roots.len());
        let (mut debt, mut collateral) = (always.1, always.2);
        for &(_, (c, i)) in &roots {
            let p = &at((c, i)).points[i as usize];
            debt = debt.checked_add(p.debt_value).ok_or_else(|| overflow("band debt"))?;
            collateral = collateral
                .checked_add(p.collateral_value)
                .ok_or_else(|| overflow("band collateral"))?;
            sums.push((debt, collateral));
        }
        order.extend(roots.iter().map(|&(_, place)| place));
        let band = |place: (u32, u32)| &at(place).bands[place.1 as usize];
        let printed =
            |a: &PositionBand, b: &PositionBand| match (a.liquidation_price, b.liquidation_price) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Less,
                (Some(_), None) => Ordering::Greater,
                (Some(x), Some(y)) => y.cmp(&x),
            };
        let mut agrees = true;
        let mut run = 0;
        for j in 1..=order.len() {
            if j < order.len() {
                match printed(band(order[j - 1]), band(order[j])) {
                    Ordering::Equal => continue,
                    Ordering::Less => {}
                    Ordering::Greater => {
                        agrees = false;
                        break;
                    }
                }
            }
            order[run..j].sort_unstable();
            run = j;
        }
        let positions = if agrees {
            order.iter().map(|&place| band(place).clone()).collect()
        } else {
            let mut all: Vec<PositionBand> =
                chunks.iter().flat_map(|c| c.bands.iter().cloned()).collect();
            all.sort_by(printed);
            all
        };
        Ok(Self {
            positions,
            roots: roots.into_iter().map(|(price, _)| price).collect(),
            sums,
            always,
        })
    }

    /// Borrowers, debt and collateral liquidatable at oracle price `x`: every "at any price" one
    /// and every root above `x`.
    fn at(&self, x: U256) -> (usize, U256, U256) {
        let n = self.roots.partition_point(|root| *root > x);
        match n.checked_sub(1).and_then(|last| self.sums.get(last)) {
            Some(&(debt, collateral)) => (self.always.0 + n, debt, collateral),
            None => self.always,
        }
    }
}

/// One Morpho Blue market's bands.
fn morpho_bands(
    snapshot: &Snapshot,
    id: &str,
    name: &str,
    spec: &MorphoMarketSpec,
    falls_bps: &[u32],
    mode: OracleMode,
) -> Result<MarketBands> {
    let oracle = snapshot.oracles.iter().find(|o| o.id == spec.oracle).ok_or_else(|| {
        invalid(&format!("{id}.oracle"), "an oracle of the snapshot", &spec.oracle)
    })?;
    // The engine keeps oracle answers with 18 decimals, rounded down.
    let answer =
        oracle.price.max(Decimal::ZERO).round_dp_with_strategy(18, RoundingStrategy::ToZero);
    // Each position is read from the snapshot and solved on the market's own functions of a
    // position in hand; the model's map of accounts is built only when an account appears twice
    // (then every entry of it reads the last one, as the model keeps it).
    let duplicated = has_duplicate(spec.positions.iter().map(|p| p.account.0));
    let market = models::morpho_market_with(snapshot, id, spec, answer, duplicated)?;
    let loan = token(snapshot, &spec.loan_token, "loan_token")?;
    let collateral = token(snapshot, &spec.collateral_token, "collateral_token")?;
    let moves = mode == OracleMode::FollowsMarket
        || matches!(
            oracle.kind,
            OracleKindSpec::Market
                | OracleKindSpec::PushFeed { .. }
                | OracleKindSpec::Lagged { .. }
        );
    let x0 = market.price();
    let quote = |raw| morpho_quote(id, raw, loan.decimals, collateral.decimals);

    let solve = |p: &MorphoPositionSpec| -> Result<Option<(LiquidationPoint, PositionBand)>> {
        let point = if duplicated {
            morpho_point(&market, id, p.account.0)?
        } else {
            market.liquidation_point_of(&models::morpho_position(p)).map_err(|e| model(id, e))?
        };
        if point.side == Side::Never {
            return Ok(None);
        }
        let liquidation_price = match point.side {
            Side::Below => Some(quote(point.price)?),
            _ => None,
        };
        let fall_pct = match point.side {
            Side::Below if point.price < x0 && !x0.is_zero() => {
                let kept = whole(
                    id,
                    mul_div(point.price, WAD, x0, Rounding::Up).map_err(|e| model(id, e))?,
                    18,
                )?;
                Some(((Decimal::ONE - kept) * Decimal::ONE_HUNDRED).round_dp(4))
            }
            _ => Some(Decimal::ZERO),
        };
        let band = PositionBand {
            account: p.account.0,
            collateral: whole(id, point.collateral_value, collateral.decimals)?,
            debt: whole(id, point.debt_value, loan.decimals)?,
            liquidation_price,
            fall_pct,
        };
        Ok(Some((point, band)))
    };
    // Every borrower on both cores, in chunks collected in snapshot order; each chunk stops at
    // its first failure, so the first failure in snapshot order is the one reported, whatever
    // the thread count.
    let mut chunks: Vec<Solved> = spec
        .positions
        .par_chunks(8_192)
        .map(|chunk| {
            let mut out = Solved::default();
            for p in chunk {
                match solve(p) {
                    Ok(Some((point, band))) => {
                        out.points.push(point);
                        out.bands.push(band);
                    }
                    Ok(None) => {}
                    Err(e) => {
                        out.failed = Some(e);
                        break;
                    }
                }
            }
            out
        })
        .collect();
    if let Some(e) = chunks.iter_mut().find_map(|c| c.failed.take()) {
        return Err(e);
    }
    let borrowers = chunks.iter().map(|c| c.points.len()).sum();
    let mut ordered = Ordered::new(id, &chunks)?;
    drop(chunks);
    let positions = std::mem::take(&mut ordered.positions);

    let mut levels = Vec::with_capacity(falls_bps.len());
    for fall in falls_bps {
        let x = if moves {
            mul_div(x0, U256::from(10_000 - fall), U256::from(10_000u32), Rounding::Down)
                .map_err(|e| model(id, e))?
        } else {
            x0
        };
        let (count, debt, coll) = ordered.at(x);
        let debt = whole(id, debt, loan.decimals)?;
        levels.push(MarketLevel {
            fall_pct: Decimal::new(i64::from(*fall), 2),
            oracle_price: quote(x)?,
            positions: count,
            collateral: whole(id, coll, collateral.decimals)?,
            debt,
            debt_usd: mul(id, "debt in USD", debt, loan.price_usd)?,
        });
    }
    Ok(MarketBands {
        market: id.to_owned(),
        name: name.to_owned(),
        protocol: "morpho_blue".into(),
        loan_token: spec.loan_token.clone(),
        oracle: spec.oracle.clone(),
        oracle_kind: kind_name(&oracle.kind).into(),
        oracle_moves: moves,
        oracle_price: quote(x0)?,
        lltv: whole(id, spec.lltv.0, 18)?,
        borrowers,
        positions,
        levels,
    })
}

/// The liquidation bands of `asset` (a token id) across every lending market of `snapshot` that
/// takes it as collateral. An asset no market takes as collateral is an error naming the ones
/// that are.
pub fn bands(snapshot: &Snapshot, asset: &str, options: &BandsOptions) -> Result<BandsReport> {
    let token = token(snapshot, asset, "asset")?;
    let falls_bps = falls(options)?;
    // The live world (validation and every market's model: most of the cost on a large book) is
    // built only when a market outside Morpho needs it; Morpho's bands read the snapshot's
    // positions directly.
    let needs_live = snapshot
        .lending_markets
        .iter()
        .any(|m| !matches!(m.protocol, LendingProtocolSpec::MorphoBlue(_)));
    let live = if needs_live { engine::live_markets(snapshot)? } else { Vec::new() };
    // Markets are solved independently, on every core; collected in snapshot order, so the
    // report is the same on any thread count.
    let solved: Vec<Result<Option<MarketBands>>> = snapshot
        .lending_markets
        .par_iter()
        .enumerate()
        .map(|(i, m)| {
            use engine::markets::Market;
            let book = |protocol, market: &Market| match market {
                Market::Aave(l) => book::book_bands(
                    snapshot,
                    &m.id,
                    &m.name,
                    protocol,
                    l,
                    token,
                    &falls_bps,
                    options.oracle,
                ),
                Market::Comet(l) => book::book_bands(
                    snapshot,
                    &m.id,
                    &m.name,
                    protocol,
                    l,
                    token,
                    &falls_bps,
                    options.oracle,
                ),
                Market::Euler(l) => book::book_bands(
                    snapshot,
                    &m.id,
                    &m.name,
                    protocol,
                    l,
                    token,
                    &falls_bps,
                    options.oracle,
                ),
                Market::Morpho(_) => Ok(None),
            };
            match (&m.protocol, live.get(i)) {
                // Morpho has its exact solve on the oracle's own scale.
                (LendingProtocolSpec::MorphoBlue(spec), _) => (spec.collateral_token == asset)
                    .then(|| {
                        morpho_bands(snapshot, &m.id, &m.name, spec, &falls_bps, options.oracle)
                    })
                    .transpose(),
                (LendingProtocolSpec::AaveV3(_), Some(l)) => book("aave_v3", l),
                (LendingProtocolSpec::CompoundV3(_), Some(l)) => book("compound_v3", l),
                (LendingProtocolSpec::EulerV2(_), Some(l)) => book("euler_v2", l),
                (_, None) => Err(invalid(&m.id, "a live market", "none built")),
            }
        })
        .collect();
    let mut markets = Vec::new();
    for found in solved {
        markets.extend(found?);
    }
    if markets.is_empty() {
        let mut taken: Vec<&str> = snapshot
            .lending_markets
            .iter()
            .flat_map(|m| match &m.protocol {
                LendingProtocolSpec::MorphoBlue(spec) => vec![spec.collateral_token.as_str()],
                LendingProtocolSpec::AaveV3(spec) => spec
                    .reserves
                    .iter()
                    .filter(|r| r.liquidation_threshold != 0)
                    .map(|r| r.token.as_str())
                    .collect(),
                LendingProtocolSpec::CompoundV3(spec) => {
                    spec.assets.iter().map(|a| a.token.as_str()).collect()
                }
                LendingProtocolSpec::EulerV2(spec) => {
                    spec.collaterals.iter().map(|c| c.token.as_str()).collect()
                }
            })
            .collect();
        taken.sort_unstable();
        taken.dedup();
        return Err(invalid(
            "asset",
            format!("a token some lending market takes as collateral ({})", taken.join(", ")),
            asset,
        ));
    }
    let mut combined = Vec::with_capacity(falls_bps.len());
    let (mut last_collateral, mut last_debt) = (Decimal::ZERO, Decimal::ZERO);
    for (i, fall) in falls_bps.iter().enumerate() {
        let fall_pct = Decimal::new(i64::from(*fall), 2);
        let kept = Decimal::ONE - fall_pct / Decimal::ONE_HUNDRED;
        let price_usd = mul(asset, "price at the level", token.price_usd, kept)?;
        let at = markets.iter().filter_map(|m| m.levels.get(i));
        let (mut positions, mut collateral, mut debt_usd) = (0, Decimal::ZERO, Decimal::ZERO);
        for level in at {
            positions += level.positions;
            collateral = add(asset, "collateral", collateral, level.collateral)?;
            debt_usd = add(asset, "debt in USD", debt_usd, level.debt_usd)?;
        }
        combined.push(CombinedLevel {
            fall_pct,
            price_usd,
            positions,
            collateral,
            collateral_usd: mul(asset, "collateral in USD", collateral, price_usd)?,
            debt_usd,
            new_collateral: collateral - last_collateral,
            new_debt_usd: debt_usd - last_debt,
        });
        (last_collateral, last_debt) = (collateral, debt_usd);
    }
    Ok(BandsReport {
        snapshot: snapshot.name.clone(),
        asset: asset.to_owned(),
        symbol: token.symbol.clone(),
        price_usd: token.price_usd,
        oracle_mode: options.oracle,
        markets,
        not_covered: Vec::new(),
        combined,
    })
}
