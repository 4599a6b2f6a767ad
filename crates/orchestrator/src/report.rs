//! What a stress run found: an ordered event log where every event names its causes, the first
//! break, per-entity losses, and the contagion paths from each shock to each loss.
//!
//! The report is data (serialisable, with a JSON Schema from [`report_schema`]); rendering it as
//! a terminal table or Markdown is the CLI's job.

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The report format's version; bumped on every incompatible change.
pub const REPORT_SCHEMA_VERSION: u32 = 1;

/// An event's index in [`Report::events`].
pub type EventId = usize;

/// The outcome of a stress run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Report {
    /// Must equal [`REPORT_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The scenario's name.
    pub scenario: String,
    /// The snapshot's name.
    pub snapshot: String,
    /// Steps simulated.
    pub steps: u64,
    /// Step length, seconds.
    pub step_secs: u64,
    /// Steps whose cascade did not reach a fixed point within the iteration cap.
    pub non_converged_steps: Vec<u64>,
    /// Everything that happened, in order.
    pub events: Vec<Event>,
    /// The first event that is a loss (bad debt, a missed liquidation, a NAV loss, a freeze).
    pub first_break: Option<EventId>,
    /// Losses per entity, largest first.
    pub entities: Vec<EntityLoss>,
    /// For each loss, the chain of events from the shock that started it.
    pub contagion: Vec<ContagionPath>,
    /// Per-step figures, when the scenario asks for them (`engine.series = true`): what a
    /// backtest compares with history.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub series: Vec<SeriesPoint>,
}

/// One figure of one step, once its cascade has settled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SeriesPoint {
    /// The step.
    pub step: u64,
    /// Unix time of the step's start, when its shocks apply (the snapshot's time plus the
    /// step's offset).
    pub timestamp: u64,
    /// A snapshot id: a lending market or a token.
    pub entity: String,
    /// For a Morpho market: `supply`, `borrow`, `collateral` (whole tokens), `utilisation` (a
    /// fraction), `bad_debt` (economic, USD) and `realised_bad_debt` (USD); for a token:
    /// `price` (USD).
    pub metric: String,
    /// The figure.
    pub value: Decimal,
}

/// One thing that happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Event {
    /// Index in the log.
    pub id: EventId,
    /// The step it happened in.
    pub step: u64,
    /// Seconds from the start of the run.
    pub at_secs: u64,
    /// The entity it happened to (a token, oracle, venue, market or issuer id).
    pub entity: String,
    /// What happened.
    pub kind: EventKind,
    /// The events that caused it (earlier in the log).
    pub causes: Vec<EventId>,
    /// A one-line account for readers.
    pub summary: String,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    /// A scenario shock was applied.
    Shock {
        /// The scenario's note for it.
        note: String,
    },
    /// A token's market price moved.
    PriceMove {
        /// USD before.
        from_usd: Decimal,
        /// USD after.
        to_usd: Decimal,
    },
    /// An issuer's true NAV per token changed (its backing was revalued).
    NavChange {
        /// NAV per token the issuer reports, USD.
        reported: Decimal,
        /// True NAV per token before, USD.
        from: Decimal,
        /// True NAV per token after, USD.
        to: Decimal,
    },
    /// A liquidation executed.
    Liquidation {
        /// The borrower.
        borrower: String,
        /// Debt repaid, USD at market.
        repaid_usd: Decimal,
        /// Collateral seized, USD at market.
        seized_usd: Decimal,
        /// What the liquidator made after slippage and gas, USD.
        profit_usd: Decimal,
        /// Bad debt realised by the protocol's rule, USD.
        bad_debt_usd: Decimal,
    },
    /// A position that should have been liquidated was not.
    MissedLiquidation {
        /// The borrower.
        borrower: String,
        /// Why not.
        reason: MissReason,
        /// Debt, USD at market.
        debt_usd: Decimal,
        /// Collateral, USD at market.
        collateral_usd: Decimal,
    },
    /// A market's debt no longer covered by collateral at market prices grew.
    EconomicBadDebt {
        /// Total, USD, after the change.
        total_usd: Decimal,
    },
    /// Lenders of a market cannot withdraw: available liquidity below what they supplied.
    FundsFrozen {
        /// Supplied but not withdrawable, USD.
        frozen_usd: Decimal,
    },
    /// Lenders withdrew what liquidity a market had left.
    LenderRun {
        /// Withdrawn, USD.
        withdrawn_usd: Decimal,
    },
    /// An issuer halted or resumed redemptions.
    Redemptions {
        /// Whether redemptions are now halted.
        frozen: bool,
    },
    /// A buyer bought a Compound v3 market's absorbed collateral through `buyCollateral` at the
    /// store-front discount and sold it into the token's venue.
    CollateralPurchase {
        /// The collateral token bought.
        token: String,
        /// Base paid into the market's reserves, USD at market.
        paid_usd: Decimal,
        /// What selling the collateral fetched, USD.
        proceeds_usd: Decimal,
        /// What the buyer made after slippage and gas, USD.
        profit_usd: Decimal,
    },
    /// A Compound v3 market's reserves (`getReserves`) fell further below zero: bad debt by
    /// Comet's rule, after what absorbed collateral buyers would take has been sold.
    ReservesBelowZero {
        /// How far below zero the reserves stand, USD at market.
        deficit_usd: Decimal,
    },
    /// A holder's sell trigger fired and it sold.
    TriggeredSale {
        /// The holder.
        holder: String,
        /// Whole tokens sold.
        amount: Decimal,
        /// Proceeds, USD.
        proceeds_usd: Decimal,
    },
    /// A perp position was liquidated.
    PerpLiquidation {
        /// The account (its label, or its id).
        account: String,
        /// The market symbol.
        market: String,
        /// `long` or `short`.
        side: String,
        /// Size closed, in the underlying.
        size: Decimal,
        /// Average price it closed at, USD.
        price: Decimal,
        /// Who took it: `book`, `backstop` or `adl`.
        route: String,
    },
    /// Auto-deleveraging closed a profitable position against a bankrupt one.
    Adl {
        /// The account deleveraged.
        account: String,
        /// The bankrupt account whose position it absorbed.
        bankrupt: String,
        /// The market symbol.
        market: String,
        /// Size closed, in the underlying.
        size: Decimal,
        /// Fill price (the bankruptcy price), USD.
        price: Decimal,
        /// PnL the deleveraged account realised, USD.
        realized_pnl_usd: Decimal,
    },
    /// A perp venue's insurance fund paid a bankrupt account's negative equity.
    InsurancePaid {
        /// The bankrupt account.
        account: String,
        /// Paid, USD.
        amount_usd: Decimal,
        /// The fund after paying, USD.
        fund_left_usd: Decimal,
    },
    /// A perp loss nobody absorbed.
    PerpBadDebt {
        /// The account.
        account: String,
        /// The unabsorbed loss, USD.
        amount_usd: Decimal,
    },
    /// A delta-neutral book's hedge is lost: its net exposure left the band.
    HedgeLost {
        /// The perp market symbol of the underlying.
        underlying: String,
        /// Net exposure, in the underlying (positive: net long).
        delta: Decimal,
        /// Net exposure at market, USD.
        delta_usd: Decimal,
    },
    /// A delta-neutral book reopened its hedge.
    Rehedged {
        /// The perp market symbol.
        underlying: String,
        /// Size added to the short (negative: bought back).
        short_added: Decimal,
        /// At what price, USD.
        price: Decimal,
    },
    /// A delta-neutral book moved margin to its short accounts.
    HedgeMargin {
        /// Moved from the buffer, USD.
        topped_up_usd: Decimal,
        /// Still needed when the buffer ran out, USD.
        missing_usd: Decimal,
    },
    /// A funding payment on a delta-neutral book's short legs.
    Funding {
        /// The perp market symbol.
        market: String,
        /// The payment's rate (positive: longs pay shorts).
        rate: Decimal,
        /// What the book's shorts received (negative: paid), USD.
        received_usd: Decimal,
        /// Negative funding its reserve fund could not cover, USD.
        uncovered_usd: Decimal,
    },
    /// A MetaMorpho vault's share value moved because its markets' losses did.
    VaultValue {
        /// Share price by the contract's own rule (`convertToAssets`), asset per whole share,
        /// before.
        share_price_from: Decimal,
        /// The same, after.
        share_price_to: Decimal,
        /// Economic value per whole share (supply at what lenders can recover), USD, before.
        economic_from: Decimal,
        /// The same, after.
        economic_to: Decimal,
    },
}

/// Why a liquidation that the market price called for did not happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MissReason {
    /// The protocol's oracle does not report the loss (hardcoded, stale, frozen or lagging).
    OracleAboveMarket,
    /// No liquidator would profit after slippage and gas.
    Unprofitable,
    /// There is no venue to sell the collateral into.
    NoLiquidity,
}

/// One entity's losses over the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EntityLoss {
    /// The entity's id.
    pub entity: String,
    /// A readable name.
    pub name: String,
    /// What it is: `lending_market`, `issuer`, `vault`, `perp_venue` (NAV lost: its insurance
    /// fund drawn), `delta_neutral_book` (NAV lost: its value, start minus end).
    pub kind: String,
    /// Bad debt realised by the protocol's own rule, USD.
    pub bad_debt_usd: Decimal,
    /// Debt not covered by collateral at market prices, realised or not, USD.
    pub economic_bad_debt_usd: Decimal,
    /// NAV lost by holders (true NAV × supply, start minus end), USD.
    pub nav_lost_usd: Decimal,
    /// Market price change over the run, percent (negative: a depeg or a fall).
    pub price_change_pct: Decimal,
    /// Funds that cannot be withdrawn or redeemed at the end, USD.
    pub frozen_usd: Decimal,
    /// Liquidations executed.
    pub liquidations: u64,
    /// Liquidations that should have happened but did not.
    pub missed_liquidations: u64,
}

/// The chain of events from a shock to a loss.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ContagionPath {
    /// The loss event.
    pub loss: EventId,
    /// Events from the root shock to the loss, in causal order.
    pub path: Vec<EventId>,
    /// The path as text: `xUSD write-down -> xUSD -74% -> Morpho M bad debt $1.2M`.
    pub text: String,
}

impl EventKind {
    /// The event's type name, as in the JSON (`price_move`, `liquidation`, ...).
    pub const fn name(&self) -> &'static str {
        match self {
            Self::Shock { .. } => "shock",
            Self::PriceMove { .. } => "price_move",
            Self::NavChange { .. } => "nav_change",
            Self::Liquidation { .. } => "liquidation",
            Self::MissedLiquidation { .. } => "missed_liquidation",
            Self::EconomicBadDebt { .. } => "economic_bad_debt",
            Self::FundsFrozen { .. } => "funds_frozen",
            Self::LenderRun { .. } => "lender_run",
            Self::Redemptions { .. } => "redemptions",
            Self::TriggeredSale { .. } => "triggered_sale",
            Self::PerpLiquidation { .. } => "perp_liquidation",
            Self::Adl { .. } => "adl",
            Self::InsurancePaid { .. } => "insurance_paid",
            Self::PerpBadDebt { .. } => "perp_bad_debt",
            Self::HedgeLost { .. } => "hedge_lost",
            Self::Rehedged { .. } => "rehedged",
            Self::HedgeMargin { .. } => "hedge_margin",
            Self::Funding { .. } => "funding",
            Self::VaultValue { .. } => "vault_value",
            Self::CollateralPurchase { .. } => "collateral_purchase",
            Self::ReservesBelowZero { .. } => "reserves_below_zero",
        }
    }

    /// Whether the event is a loss that can be a "break": a missed liquidation, bad debt
    /// (realised, economic, perp, or a Comet's reserves below zero), frozen funds, a fall in an
    /// issuer's true NAV, a fall in a vault's share price or economic value per share, or a
    /// delta-neutral book left unhedged.
    pub fn is_loss(&self) -> bool {
        match self {
            Self::MissedLiquidation { .. }
            | Self::EconomicBadDebt { .. }
            | Self::FundsFrozen { .. }
            | Self::PerpBadDebt { .. }
            | Self::HedgeLost { .. }
            | Self::ReservesBelowZero { .. } => true,
            Self::Liquidation { bad_debt_usd, .. } => !bad_debt_usd.is_zero(),
            Self::NavChange { from, to, .. } => to < from,
            Self::VaultValue { share_price_from, share_price_to, economic_from, economic_to } => {
                share_price_to < share_price_from || economic_to < economic_from
            }
            _ => false,
        }
    }
}

/// The JSON Schema of the report format, generated from the types.
pub fn report_schema() -> serde_json::Value {
    schemars::schema_for!(Report).to_value()
}

/// A USD figure for people: `$1.23M`, `$4.56k`, `$7.89`, two decimals.
pub fn usd(value: Decimal) -> String {
    let abs = value.abs();
    let (scaled, unit) = if abs >= Decimal::from(1_000_000_000) {
        (value / Decimal::from(1_000_000_000), "B")
    } else if abs >= Decimal::from(1_000_000) {
        (value / Decimal::from(1_000_000), "M")
    } else if abs >= Decimal::from(1_000) {
        (value / Decimal::from(1_000), "k")
    } else {
        (value, "")
    };
    format!("${:.2}{unit}", scaled)
}
