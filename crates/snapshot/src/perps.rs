//! Perp venues and delta-neutral books, as a snapshot records them.
//!
//! A perp venue lists markets on underlying tokens of the snapshot: each market's mark is the
//! underlying's market price (its index, an oracle's answer where one is named), and its
//! liquidation orders fill against a liquidity venue of the snapshot, so a perp liquidation moves
//! the same price a lending liquidation does. Accounts hold USD cash, other collateral valued by
//! the venue's own oracle (an exchange marking USDe at its own book's $0.65), and positions at
//! their entry prices. What absorbs a bankrupt position, in order: the order book, the backstop
//! vault, the insurance fund, then auto-deleveraging (`faultline_perps::venue`).
//!
//! A delta-neutral book holds long legs (tokens at market) hedged by short legs, which are
//! accounts on those venues; an issuer's backing can be such a book
//! (`BackingItemSpec::DeltaNeutralBook`), so ADL closing the shorts reaches the issuer's NAV.

use super::Source;
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A perp venue with its markets, accounts and loss-absorbing funds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PerpVenueSpec {
    /// Unique id (a book's short leg names it).
    pub id: String,
    /// A readable name for reports.
    pub name: String,
    /// Which opposite positions auto-deleveraging closes first.
    pub adl_policy: AdlPolicySpec,
    /// Fee on a liquidation filled on the book, as a fraction of notional, paid to the
    /// insurance fund.
    #[serde(default)]
    pub liquidation_fee_rate: Decimal,
    /// Below this fraction of its maintenance margin a position goes to the backstop vault
    /// before the book is tried (Hyperliquid: two thirds; 0: always the book first).
    pub backstop_below: Decimal,
    /// The insurance fund, USD.
    pub insurance_fund_usd: Decimal,
    /// The backstop vault's capital (HLP-like), USD.
    #[serde(default)]
    pub backstop_usd: Decimal,
    /// Collateral accepted besides USD, each valued by the venue's own oracle.
    #[serde(default)]
    pub collateral: Vec<PerpCollateralSpec>,
    /// Listed markets.
    pub markets: Vec<PerpMarketSpec>,
    /// Accounts with their margin and positions.
    pub accounts: Vec<PerpAccountSpec>,
    /// Where the figures come from.
    pub source: Source,
}

/// An ADL ranking (see `faultline_perps::adl`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AdlPolicySpec {
    /// Hyperliquid's ranking.
    HyperliquidRank,
    /// Binance's ranking.
    BinanceRank,
    /// Everyone on the other side by the same fraction.
    ProRata,
    /// The most levered first, down to a common leverage.
    LeverageDraining,
}

/// A collateral asset and the oracle the venue values it with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PerpCollateralSpec {
    /// The token (a token id).
    pub token: String,
    /// The venue's oracle for it (an oracle id pricing the token in USD).
    pub oracle: String,
}

/// A perp market.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PerpMarketSpec {
    /// The market's symbol on the venue (`ETH`), unique on it.
    pub symbol: String,
    /// The underlying token (a token id): the mark is its market price.
    pub token: String,
    /// The oracle the index (funding's reference) reads, if not the market price.
    #[serde(default)]
    pub index_oracle: Option<String>,
    /// The liquidity venue (a venue id selling `token`) that liquidation orders fill against.
    pub venue: String,
    /// Maintenance-margin tiers, Hyperliquid's shape: maximum leverage from a notional up;
    /// the maintenance rate is half the initial margin at that leverage.
    pub margin_tiers: Vec<MarginTierSpec>,
}

/// One margin tier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MarginTierSpec {
    /// Notional where the tier starts, USD (the first tier starts at 0).
    pub from_notional_usd: Decimal,
    /// Maximum leverage in the tier.
    pub max_leverage: u32,
}

/// An account on a perp venue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PerpAccountSpec {
    /// The account's id on the venue, unique on it.
    pub id: u64,
    /// A label for reports ("usde-hedge", "whale 3").
    #[serde(default)]
    pub label: String,
    /// USD cash, including what is set aside as isolated margin.
    #[serde(default)]
    pub cash_usd: Decimal,
    /// Other collateral held, valued by the venue's oracles.
    #[serde(default)]
    pub collateral: Vec<PerpHoldingSpec>,
    /// Open positions.
    #[serde(default)]
    pub positions: Vec<PerpPositionSpec>,
}

/// Collateral held in kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PerpHoldingSpec {
    /// The token (one of the venue's collateral tokens).
    pub token: String,
    /// Whole tokens.
    pub amount: Decimal,
}

/// An open perp position.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PerpPositionSpec {
    /// The market's symbol.
    pub market: String,
    /// Signed size in the underlying: positive long, negative short.
    pub size: Decimal,
    /// Average entry price, USD.
    pub entry_price: Decimal,
    /// Margin set aside for an isolated position (taken from `cash_usd`); absent: cross.
    #[serde(default)]
    pub isolated_margin_usd: Option<Decimal>,
}

/// A delta-neutral book: long legs hedged by short perp legs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BookSpec {
    /// Unique id (an issuer's backing item names it).
    pub id: String,
    /// A readable name for reports.
    pub name: String,
    /// Long legs.
    pub longs: Vec<LongLegSpec>,
    /// Short legs: accounts on perp venues.
    pub shorts: Vec<ShortLegSpec>,
    /// Liquid USD held for margin top-ups.
    #[serde(default)]
    pub buffer_usd: Decimal,
    /// The reserve fund that pays negative funding first, USD.
    #[serde(default)]
    pub reserve_fund_usd: Decimal,
    /// How the book defends its hedge.
    pub rules: BookRulesSpec,
    /// Where the figures come from.
    pub source: Source,
}

/// What a long leg holds (see `faultline_delta_neutral::book::LegKind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LegKindSpec {
    /// The underlying itself.
    Spot,
    /// A liquid staking token.
    Lst,
    /// A yield-bearing stablecoin.
    YieldStable,
    /// Collateral posted in a lending market.
    LendingCollateral,
}

/// A long leg.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LongLegSpec {
    /// A name, unique in the book.
    pub name: String,
    /// What it is.
    pub kind: LegKindSpec,
    /// Who holds it (a custodian, a venue, an off-chain manager).
    pub holder: String,
    /// The token held (a token id), valued at its market price.
    pub token: String,
    /// Whole tokens.
    pub amount: Decimal,
    /// The perp market symbol its exposure is hedged on.
    pub underlying: String,
    /// Units of the underlying one token is exposed to (1 for spot, 0 for a stablecoin).
    pub delta_per_unit: Decimal,
}

/// A short leg: the book's account on a perp venue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ShortLegSpec {
    /// The perp venue (a perp venue id).
    pub venue: String,
    /// The book's account there.
    pub account: u64,
    /// The market symbol.
    pub market: String,
}

/// How a book defends its hedge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BookRulesSpec {
    /// Top up a short account from the buffer when its equity falls below this multiple of its
    /// maintenance margin...
    pub topup_below: Decimal,
    /// ... back to this multiple.
    pub topup_to: Decimal,
    /// The hedge counts as lost when `|delta|` exceeds this fraction of the long exposure.
    pub rehedge_band: Decimal,
    /// Seconds the desk takes to reopen a lost hedge; absent: not within the run.
    #[serde(default)]
    pub rehedge_after_secs: Option<u64>,
}
