//! The ecosystem snapshot: everything that exists at one moment, as a versioned JSON document.
//!
//! A snapshot names every entity by an `id` that other entities refer to (a lending market's
//! `collateral` is a token id, an oracle's `token` is a token id, ...), and every entity carries
//! its [`Source`]: on-chain at a block, reported by a named publication, or synthetic. Loading
//! ([`Snapshot::from_json`]) checks the document against the types, then [`validate`] checks
//! every cross-reference and range and reports *every* problem with its JSON path.
//!
//! Conventions, chosen so a snapshot can be read and checked by hand:
//! - Human-scale figures (USD prices, token quantities) are decimal strings (`"1.2534"`), read
//!   exactly into [`Decimal`].
//! - Contract state is raw integer units as decimal strings ([`Raw`]), exactly as the contract
//!   stores it (`"55437463266759"` USDC units, LLTV `"915000000000000000"`).
//! - Prices are USD per whole token unless a field says otherwise.
//!
//! The JSON Schema of this format is generated from these types ([`json_schema`]) and committed
//! as `fixtures/schema/snapshot.schema.json`; a test keeps the two in step.

mod concentrated;
mod perps;
mod rates;
mod raw;
mod validate;

pub use concentrated::{ConcentratedLiquiditySpec, TickSpec};
pub use perps::{
    AdlPolicySpec, BookRulesSpec, BookSpec, LegKindSpec, LongLegSpec, MarginTierSpec,
    PerpAccountSpec, PerpCollateralSpec, PerpHoldingSpec, PerpMarketSpec, PerpPositionSpec,
    PerpVenueSpec, ShortLegSpec,
};
pub use rates::{AaveRateSpec, CometCurveSpec, CometRatesSpec, EulerIrmSpec};
pub use raw::{Raw, RawAddress, RawSigned};
pub use validate::{BYTES_PER_ENTITY, MAX_ENTITIES, Problem, entities, validate};

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The snapshot format's version; bumped on every incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

/// Everything that exists at one moment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    /// Must equal [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// A short name, used in reports.
    pub name: String,
    /// What the snapshot describes and how it was assembled.
    #[serde(default)]
    pub description: String,
    /// Unix time of the state, in seconds.
    pub timestamp: u64,
    /// The block the on-chain parts were read at, if they were read at one.
    #[serde(default)]
    pub block: Option<BlockRef>,
    /// Tokens and their market prices.
    pub tokens: Vec<TokenSpec>,
    /// Oracles as their consumers read them.
    #[serde(default)]
    pub oracles: Vec<OracleSpec>,
    /// Where tokens can be sold: AMM pools and order books.
    #[serde(default)]
    pub venues: Vec<VenueSpec>,
    /// Lending markets with their positions.
    #[serde(default)]
    pub lending_markets: Vec<LendingMarketSpec>,
    /// Issuers: tokens that are claims on a backing portfolio.
    #[serde(default)]
    pub issuers: Vec<IssuerSpec>,
    /// Large holders who sell when a trigger is hit.
    #[serde(default)]
    pub holders: Vec<HolderSpec>,
    /// Perp venues with their markets and accounts.
    #[serde(default)]
    pub perp_venues: Vec<PerpVenueSpec>,
    /// Delta-neutral books: long legs hedged by short perp legs.
    #[serde(default)]
    pub books: Vec<BookSpec>,
    /// MetaMorpho vaults over the snapshot's Morpho Blue markets.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vaults: Vec<VaultSpec>,
}

/// A block on a chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BlockRef {
    /// EIP-155 chain id.
    pub chain_id: u64,
    /// Block number.
    pub number: u64,
    /// Block hash, `0x`-prefixed hex, if recorded.
    #[serde(default)]
    pub hash: Option<String>,
}

/// Where a figure comes from and how far to trust it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// The kind of source.
    pub kind: SourceKind,
    /// The reference: a URL, "ethereum block 24448638", a fixture path, or a note on how a
    /// synthetic figure was calibrated.
    pub reference: String,
    /// How far to trust it.
    pub confidence: Confidence,
}

/// The kind of a [`Source`].
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// Read from chain state at a block.
    Onchain,
    /// Published by a named source, not verified on chain.
    Reported,
    /// Derived by a stated calculation from other sourced figures.
    Derived,
    /// Made up to stand where no public data exists; calibrated as the reference says.
    Synthetic,
}

/// How far a [`Source`] can be trusted.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// Verified or read from chain.
    High,
    /// Reported by more than one source, or one reliable source.
    Medium,
    /// A single aggregator or an estimate.
    Low,
}

/// A token and what it trades at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenSpec {
    /// Unique id other entities refer to (often the symbol, made unique by chain).
    pub id: String,
    /// Ticker symbol.
    pub symbol: String,
    /// ERC-20 decimals.
    pub decimals: u8,
    /// Chain the token lives on, if any.
    #[serde(default)]
    pub chain_id: Option<u64>,
    /// Contract address, if any.
    #[serde(default)]
    pub address: Option<RawAddress>,
    /// Market price in USD per whole token.
    pub price_usd: Decimal,
    /// Where the price and identity come from.
    pub source: Source,
}

/// An oracle as one consumer reads it: a lending market's price for a token is not the market
/// price.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OracleSpec {
    /// Unique id.
    pub id: String,
    /// The token priced.
    pub token: String,
    /// The token the price is quoted in (a Morpho oracle quotes collateral in the loan token);
    /// `None` for USD.
    #[serde(default)]
    pub quote: Option<String>,
    /// How the oracle follows the market.
    pub kind: OracleKindSpec,
    /// The current answer: quote units per whole token.
    pub price: Decimal,
    /// Where the configuration comes from.
    pub source: Source,
}

/// How an oracle follows the market; see `faultline_core::oracle`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum OracleKindSpec {
    /// Follows the market price every step.
    Market,
    /// Chainlink-style: publishes on a deviation or after a heartbeat.
    PushFeed {
        /// Deviation threshold in basis points.
        deviation_bps: u32,
        /// Heartbeat in seconds.
        heartbeat_secs: u64,
    },
    /// Hardcoded at `price`, forever.
    Fixed,
    /// The issuer's reported NAV per token (times the quote token's price).
    ExchangeRate {
        /// The issuer whose reported NAV is read.
        issuer: String,
    },
    /// The market price `delay_secs` ago.
    Lagged {
        /// Delay in seconds.
        delay_secs: u64,
    },
}

/// A place where `base` can be sold for `quote`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VenueSpec {
    /// Unique id.
    pub id: String,
    /// The token sold.
    pub base: String,
    /// The token received.
    pub quote: String,
    /// The venue's liquidity.
    pub model: VenueModelSpec,
    /// Half-life of the price's recovery toward the fair price after a sale (arbitrage), in
    /// seconds; `None` for no recovery within the horizon.
    #[serde(default)]
    pub recovery_half_life_secs: Option<u64>,
    /// Where the liquidity figures come from.
    pub source: Source,
}

/// A venue's liquidity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum VenueModelSpec {
    /// An order book given as cumulative base quantity within ±x% of mid (the figure exchanges
    /// and analysts publish), on the bid side.
    Depth {
        /// Levels in increasing distance from mid.
        levels: Vec<DepthLevelSpec>,
    },
    /// A Uniswap v2-style constant-product pool.
    ConstantProduct {
        /// Base reserve, whole tokens.
        reserve_base: Decimal,
        /// Quote reserve, whole tokens.
        reserve_quote: Decimal,
        /// Swap fee in basis points (Uniswap v2: 30).
        fee_bps: u32,
    },
    /// A Uniswap v3 pool: its exact swap state in the range of ticks read around the price. Sales
    /// run through the pool's own swap math; a sale that would move the price past the range
    /// read fills up to its edge and no further.
    ConcentratedLiquidity(ConcentratedLiquiditySpec),
}

/// One level of an order-book depth curve.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DepthLevelSpec {
    /// Distance from mid, in percent (`2` = within 2% of mid).
    pub within_pct: Decimal,
    /// Cumulative base quantity (whole tokens) resting within that distance.
    pub quantity: Decimal,
}

/// A lending market with its positions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LendingMarketSpec {
    /// Unique id.
    pub id: String,
    /// A readable name for reports ("Morpho sdeUSD/USDC 91.5%").
    pub name: String,
    /// The protocol and its state.
    pub protocol: LendingProtocolSpec,
    /// Where the state comes from.
    pub source: Source,
}

/// The protocol of a lending market, with the state its model needs, keyed by the protocol's
/// name (`{"morpho_blue": {...}}`: external tagging keeps JSON paths exact in errors).
// A market is built once per run, so the variants' size difference costs nothing, and boxing
// would change every constructor (the on-chain reader, the benchmark's generator).
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum LendingProtocolSpec {
    /// A Morpho Blue market.
    MorphoBlue(MorphoMarketSpec),
    /// An Aave v3 pool.
    AaveV3(AaveMarketSpec),
    /// A Compound v3 (Comet) market.
    CompoundV3(CometMarketSpec),
    /// An Euler v2 (EVK) liability vault with the collaterals it recognises.
    EulerV2(EulerVaultSpec),
}

/// A Compound v3 (Comet) market: its configuration, totals, the base token it holds and every
/// position, raw as `Comet.sol` stores them. With its rate curves (`rates`) the market accrues
/// over a run from the indexes given, as of the snapshot's time; without them nothing accrues
/// (the indexes stay as given). Reserves are the contract's own
/// `getReserves()`: `base_balance − presentValue(total_supply_base) +
/// presentValue(total_borrow_base)`, possibly negative (bad debt by Comet's rule).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CometMarketSpec {
    /// The base token, lent and borrowed (a token id).
    pub base_token: String,
    /// The oracle (an oracle id) pricing the base token in USD: `baseTokenPriceFeed`.
    pub base_oracle: String,
    /// `storeFrontPriceFactor`, 1e18: the share of the liquidation penalty `buyCollateral`
    /// gives buyers as a discount.
    pub store_front_price_factor: Raw,
    /// `targetReserves`, base units: `buyCollateral` is open only while reserves are below it.
    pub target_reserves: Raw,
    /// `baseBorrowMin`, base units.
    #[serde(default)]
    pub base_borrow_min: Raw,
    /// `baseSupplyIndex`, 1e15 at launch, only grows.
    pub base_supply_index: Raw,
    /// `baseBorrowIndex`, 1e15 at launch, only grows.
    pub base_borrow_index: Raw,
    /// `totalSupplyBase` (principal).
    pub total_supply_base: Raw,
    /// `totalBorrowBase` (principal).
    pub total_borrow_base: Raw,
    /// The base token the contract holds (`baseToken.balanceOf(comet)`), base units.
    pub base_balance: Raw,
    /// The supply and borrow rate curves, where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rates: Option<CometRatesSpec>,
    /// Collateral assets, in the contract's asset order.
    pub assets: Vec<CometAssetSpec>,
    /// Positions by account.
    pub positions: Vec<CometPositionSpec>,
}

/// One Comet collateral asset (`AssetInfo`), factors in 1e18.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CometAssetSpec {
    /// The collateral token (a token id).
    pub token: String,
    /// The oracle (an oracle id) pricing it in USD: the asset's `priceFeed`.
    pub oracle: String,
    /// `borrowCollateralFactor`, 1e18.
    pub borrow_collateral_factor: Raw,
    /// `liquidateCollateralFactor`, 1e18 (above the borrow factor, at most 1e18).
    pub liquidate_collateral_factor: Raw,
    /// `liquidationFactor`, 1e18: the share of the collateral's value credited on absorb.
    pub liquidation_factor: Raw,
}

/// One account's Comet position: a base principal (supply or borrow, never both) and collateral.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CometPositionSpec {
    /// The account.
    pub account: RawAddress,
    /// `principal` when positive (a supplier), base units at the supply index.
    #[serde(default)]
    pub supply_principal: Raw,
    /// `−principal` when negative (a borrower), base units at the borrow index.
    #[serde(default)]
    pub borrow_principal: Raw,
    /// `userCollateral[account][asset].balance`, each asset once.
    #[serde(default)]
    pub collateral: Vec<CollateralBalanceSpec>,
}

/// A collateral balance, raw token units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CollateralBalanceSpec {
    /// The collateral token (a token id).
    pub token: String,
    /// Raw token units.
    pub amount: Raw,
}

/// An Euler v2 liability vault (`EVault`): its liquidation parameters, the collaterals it
/// recognises with their LTVs, its cash and shares, and every position. The unit of account is
/// USD (every oracle quotes in USD). A collateral is given as its underlying token: the
/// collateral vault's shares are taken 1:1 with the token (an escrow vault). Debts are given in
/// assets as they read at the snapshot's time (the interest accumulator starts at 1 RAY); with
/// the vault's IRM (`irm`) they accrue over a run, without it nothing accrues.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EulerVaultSpec {
    /// The vault's asset, lent and borrowed (a token id).
    pub asset: String,
    /// The oracle (an oracle id) pricing the asset in the unit of account (USD).
    pub asset_oracle: String,
    /// `maxLiquidationDiscount`, 1e4 scale (bps).
    pub max_liquidation_discount: u16,
    /// Whether debt left without collateral is socialised to depositors
    /// (`CFG_DONT_SOCIALIZE_DEBT` unset, the default).
    #[serde(default = "socialize_default")]
    pub socialize_debt: bool,
    /// `cash`: the asset the vault holds, raw units.
    pub cash: Raw,
    /// `totalShares`.
    pub total_shares: Raw,
    /// The vault's interest rate model and fee, where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub irm: Option<EulerIrmSpec>,
    /// Recognised collaterals (`LTVList` order).
    pub collaterals: Vec<EulerCollateralSpec>,
    /// Positions by account.
    pub positions: Vec<EulerPositionSpec>,
}

const fn socialize_default() -> bool {
    true
}

/// A collateral an Euler vault recognises, with its LTVs (`LTVConfig`, 1e4 scale; no ramp
/// in progress).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EulerCollateralSpec {
    /// The collateral's token (a token id).
    pub token: String,
    /// The oracle (an oracle id) pricing it in the unit of account (USD).
    pub oracle: String,
    /// Borrow LTV, 1e4.
    pub borrow_ltv: u16,
    /// Liquidation LTV, 1e4 (at least the borrow LTV).
    pub liquidation_ltv: u16,
}

/// One account's Euler v2 position in a vault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EulerPositionSpec {
    /// The account.
    pub account: RawAddress,
    /// Vault shares held (a depositor).
    #[serde(default)]
    pub shares: Raw,
    /// Debt in the vault's asset, raw units as `debtOf` reads now.
    #[serde(default)]
    pub debt: Raw,
    /// Collateral balances, each recognised collateral once.
    #[serde(default)]
    pub collateral: Vec<CollateralBalanceSpec>,
}

/// An Aave v3 pool: its reserves' risk parameters, eMode categories and positions. The snapshot
/// carries no index state: balances are given as they read at the snapshot's time (indexes start
/// at 1 RAY); a reserve with its rate strategy accrues over a run, one without does not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AaveMarketSpec {
    /// The pool version whose rounding applies.
    pub version: AaveVersionSpec,
    /// The reserves, in the pool's reserve-list order (a reserve's position is its id).
    pub reserves: Vec<AaveReserveSpec>,
    /// eMode categories.
    #[serde(default)]
    pub e_modes: Vec<AaveEModeSpec>,
    /// Positions by account.
    pub positions: Vec<AavePositionSpec>,
}

/// An Aave v3 version, for its rounding (see `faultline_lending::aave::AaveVersion`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum AaveVersionSpec {
    /// v3.3: half-up balances, averaged health factor.
    #[serde(rename = "v3.3")]
    V3_3,
    /// v3.4: as v3.3 with the cubic compounding.
    #[serde(rename = "v3.4")]
    V3_4,
    /// v3.5 and v3.6: floor/ceil token math.
    #[serde(rename = "v3.5")]
    V3_5,
}

/// One Aave v3 reserve's configuration. Percentages are basis points, as the pool stores them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AaveReserveSpec {
    /// The underlying token (a token id).
    pub token: String,
    /// The underlying's decimals (must equal the token's).
    pub decimals: u8,
    /// The oracle (an oracle id) pricing the token in USD, as `AaveOracle` reads it.
    pub oracle: String,
    /// Loan-to-value, bps.
    pub ltv: u16,
    /// Liquidation threshold, bps; 0 = not collateral.
    pub liquidation_threshold: u16,
    /// Liquidation bonus including the principal (10500 = 5% bonus), bps.
    pub liquidation_bonus: u16,
    /// The protocol's share of the bonus, bps.
    #[serde(default)]
    pub liquidation_protocol_fee: u16,
    /// The treasury's share of interest, bps.
    #[serde(default)]
    pub reserve_factor: u16,
    /// Supply cap, whole tokens, 0 = none.
    #[serde(default)]
    pub supply_cap: u64,
    /// Borrow cap, whole tokens, 0 = none.
    #[serde(default)]
    pub borrow_cap: u64,
    /// Whether the reserve can be borrowed.
    pub borrowing_enabled: bool,
    /// The reserve's rate strategy, where known: with it the reserve accrues over a run from
    /// indexes of 1 RAY at the snapshot's time; without it nothing accrues.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_strategy: Option<AaveRateSpec>,
}

/// An Aave v3 eMode category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AaveEModeSpec {
    /// Category id, 1..=255.
    pub id: u8,
    /// Label.
    pub label: String,
    /// LTV for its collateral, bps.
    pub ltv: u16,
    /// Liquidation threshold for its collateral, bps.
    pub liquidation_threshold: u16,
    /// Liquidation bonus for its collateral, bps.
    pub liquidation_bonus: u16,
    /// Reserves (token ids) that get the category's parameters as collateral.
    pub collateral: Vec<String>,
    /// Reserves (token ids) a user in the category may borrow.
    pub borrowable: Vec<String>,
}

/// One account's Aave v3 position, in raw token units as `balanceOf` reads now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AavePositionSpec {
    /// The account.
    pub account: RawAddress,
    /// eMode category, 0 = none.
    #[serde(default)]
    pub e_mode: u8,
    /// Supplied balances (aTokens), each enabled as collateral where the reserve has a
    /// liquidation threshold.
    #[serde(default)]
    pub supply: Vec<AaveBalanceSpec>,
    /// Variable debt balances.
    #[serde(default)]
    pub debt: Vec<AaveBalanceSpec>,
}

/// A balance in one reserve.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AaveBalanceSpec {
    /// The reserve's token (a token id).
    pub token: String,
    /// Raw token units.
    pub amount: Raw,
    /// For a supply: whether the account uses it as collateral (the user configuration's flag;
    /// an account may switch it off, and `Pool.mintToTreasury` leaves it off for the treasury).
    /// Counts only in a reserve with a liquidation threshold. Absent means `true`.
    #[serde(default = "enabled", skip_serializing_if = "is_enabled")]
    pub collateral: bool,
}

const fn enabled() -> bool {
    true
}

#[expect(
    clippy::trivially_copy_pass_by_ref,
    reason = "serde's skip_serializing_if takes a reference"
)]
const fn is_enabled(flag: &bool) -> bool {
    *flag
}

/// A Morpho Blue market's parameters, totals and positions, raw as the contract stores them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MorphoMarketSpec {
    /// The market id (`keccak256(marketParams)`), hex.
    pub market_id: String,
    /// The loan token (a token id).
    pub loan_token: String,
    /// The collateral token (a token id).
    pub collateral_token: String,
    /// The oracle (an oracle id) pricing the collateral in the loan token.
    pub oracle: String,
    /// Liquidation LTV, WAD.
    pub lltv: Raw,
    /// `totalSupplyAssets`.
    pub total_supply_assets: Raw,
    /// `totalSupplyShares`.
    pub total_supply_shares: Raw,
    /// `totalBorrowAssets`.
    pub total_borrow_assets: Raw,
    /// `totalBorrowShares`.
    pub total_borrow_shares: Raw,
    /// Protocol fee, WAD.
    #[serde(default)]
    pub fee: Raw,
    /// The interest rate model and its state, where known (an import fills it; older
    /// snapshots leave it out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub irm: Option<MorphoIrmSpec>,
    /// The oracle's `price()` exactly as read (loan units per collateral unit, times 1e36), where
    /// known: the oracle's decimal `price` may have lost its last digits. The market values
    /// collateral at it while its oracle answers what it answered at the snapshot (the decimal
    /// price cut to 18 places equals this cut to 18 places).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oracle_price_raw: Option<Raw>,
    /// Positions by account.
    pub positions: Vec<MorphoPositionSpec>,
}

/// A Morpho Blue market's interest rate model (`AdaptiveCurveIrm`) and its state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MorphoIrmSpec {
    /// The IRM contract (`marketParams.irm`).
    pub address: RawAddress,
    /// `rateAtTarget[id]`: the borrow rate at 90% utilisation, WAD per second.
    pub rate_at_target: Raw,
    /// `market[id].lastUpdate`: Unix time of the last accrual, seconds.
    pub last_update: u64,
    /// Where the state comes from (an export may give only the borrow APY it implies).
    pub source: Source,
}

/// One account's Morpho Blue position.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MorphoPositionSpec {
    /// The account.
    pub account: RawAddress,
    /// Supply shares.
    #[serde(default)]
    pub supply_shares: Raw,
    /// Borrow shares.
    #[serde(default)]
    pub borrow_shares: Raw,
    /// Collateral, raw collateral-token units.
    #[serde(default)]
    pub collateral: Raw,
    /// Where this position comes from, when it differs from the market's source (an import
    /// names the file and row of each position).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
}

/// A token that is a claim on a backing portfolio: a yield-bearing dollar, a vault share.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IssuerSpec {
    /// Unique id.
    pub id: String,
    /// The token issued (a token id).
    pub token: String,
    /// Tokens outstanding, whole tokens.
    pub supply: Decimal,
    /// NAV per token the issuer reports (book value), USD.
    pub reported_nav: Decimal,
    /// What backs the token.
    pub backing: Vec<BackingSpec>,
    /// How holders get out.
    pub redemption: RedemptionSpec,
    /// Where the figures come from.
    pub source: Source,
}

/// One item of an issuer's backing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BackingSpec {
    /// Unique id within the snapshot (a write-down names it).
    pub id: String,
    /// What the item is.
    pub item: BackingItemSpec,
    /// Where the figure comes from.
    pub source: Source,
}

/// What a backing item is and how it is valued.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum BackingItemSpec {
    /// Tokens held, valued at market (other issuers' tokens included).
    Holding {
        /// The token (a token id).
        token: String,
        /// Whole tokens.
        amount: Decimal,
    },
    /// A supply position in a lending market, valued at what lenders can recover.
    LendingSupply {
        /// The market (a lending market id).
        market: String,
        /// The supplying account.
        account: RawAddress,
    },
    /// A loan to a named counterparty, at face value until written down.
    Loan {
        /// Who owes it.
        counterparty: String,
        /// Face value, USD.
        value_usd: Decimal,
    },
    /// An off-chain or custodial claim carried at a reported value.
    Opaque {
        /// What it is ("funds with an external manager").
        description: String,
        /// Reported value, USD.
        value_usd: Decimal,
    },
    /// A reserve or insurance fund, USD.
    ReserveFund {
        /// Value, USD.
        value_usd: Decimal,
    },
    /// A delta-neutral book, valued at its long legs at market, its short accounts' value on
    /// their venues, its buffer and its reserve fund.
    DeltaNeutralBook {
        /// The book (a book id).
        book: String,
    },
}

/// How an issuer's holders get out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RedemptionSpec {
    /// The redemption mechanism.
    pub mode: RedemptionModeSpec,
    /// Who gets paid when the backing cannot pay everyone.
    pub rule: RunRuleSpec,
}

/// A redemption mechanism.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum RedemptionModeSpec {
    /// Redeem at NAV at once.
    Instant,
    /// Redeem at NAV after a cooldown.
    Cooldown {
        /// Cooldown, seconds, as read from the issuer's state.
        secs: u64,
    },
    /// Redemptions are halted.
    Frozen,
}

/// Who gets paid in a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RunRuleSpec {
    /// The first to redeem get par until the backing runs out.
    FirstCome,
    /// Everyone shares what is left.
    ProRata,
}

/// A large holder that sells when a trigger is hit (a treasury company below its cost basis).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HolderSpec {
    /// Unique id.
    pub id: String,
    /// The token held.
    pub token: String,
    /// Whole tokens held.
    pub amount: Decimal,
    /// Sells everything into `venue` once the market price is below this, USD.
    pub sell_below_usd: Decimal,
    /// Where it sells (a venue id).
    pub venue: String,
    /// Where the figures come from.
    pub source: Source,
}

/// A MetaMorpho vault. Its supply in each market IS the Morpho position of `address` in that
/// market of the snapshot (nothing is counted twice): the vault adds its share accounting, its
/// queues and caps on top of those positions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VaultSpec {
    /// Unique id.
    pub id: String,
    /// A readable name for reports ("Adpend USDC").
    pub name: String,
    /// The contract version, which decides how a loss shows in the share price.
    pub version: VaultVersionSpec,
    /// The deposit asset (a token id); every queued market must lend it.
    pub asset: String,
    /// The vault's address: its positions in the snapshot's markets are its supply.
    pub address: RawAddress,
    /// `totalSupply()` of vault shares.
    pub total_shares: Raw,
    /// Performance fee, WAD (at most 0.5e18, `MAX_FEE`).
    #[serde(default)]
    pub fee: Raw,
    /// Assets outside the snapshot's markets, raw units: the idle market and any market the
    /// snapshot does not describe, carried at face value and withdrawable at once.
    #[serde(default)]
    pub idle_assets: Raw,
    /// `lostAssets` (v1.1 only; must be 0 for v1.0), raw units.
    #[serde(default)]
    pub lost_assets: Raw,
    /// The supply queue: market ids of the snapshot, each also in the withdraw queue.
    #[serde(default)]
    pub supply_queue: Vec<String>,
    /// The withdraw queue: market ids of the snapshot (Morpho Blue), each once, at most 30.
    pub withdraw_queue: Vec<String>,
    /// Supply caps of the withdraw-queue markets; a market without one has a cap of 0.
    #[serde(default)]
    pub caps: Vec<VaultCapSpec>,
    /// Where the figures come from.
    pub source: Source,
}

/// A MetaMorpho version (see `faultline_lending::metamorpho::VaultVersion`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum VaultVersionSpec {
    /// `MetaMorpho.sol` v1.0: realised bad debt lowers `totalAssets` (and the share price) at
    /// once.
    #[serde(rename = "v1.0")]
    V1_0,
    /// `MetaMorphoV1_1.sol`: realised bad debt is booked in `lostAssets`; the share price holds.
    #[serde(rename = "v1.1")]
    V1_1,
}

/// A vault's supply cap in one market.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VaultCapSpec {
    /// The market (a lending market id of the withdraw queue).
    pub market: String,
    /// `config[id].cap`, raw asset units.
    pub cap: Raw,
}

impl Snapshot {
    /// Reads a snapshot from JSON text and validates it. Every problem is reported, each with
    /// its JSON path; a syntax or type error is reported with its path and line.
    pub fn from_json(text: &str) -> Result<Self, Vec<Problem>> {
        let de = &mut serde_json::Deserializer::from_str(text);
        let snapshot: Self = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            vec![Problem {
                path: if path == "." { "$".into() } else { format!("$.{path}") },
                message: format!("{inner}"),
            }]
        })?;
        let problems = validate(&snapshot);
        if problems.is_empty() { Ok(snapshot) } else { Err(problems) }
    }
}

/// The JSON Schema of the snapshot format, generated from the types.
pub fn json_schema() -> serde_json::Value {
    schemars::schema_for!(Snapshot).to_value()
}
