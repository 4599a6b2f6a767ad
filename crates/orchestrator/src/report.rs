//! What a stress run found: an ordered event log where every event names its causes, the first
//! break, per-entity losses, and the contagion paths from each shock to each loss.
//!
//! The report is data (serialisable, with a JSON Schema from [`report_schema`]); rendering it as
//! a terminal table or Markdown is the CLI's job.

pub use crate::channel::{ChannelShare, StablecoinOutcome};
pub use crate::figures::usd;
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
    /// For each step in `non_converged_steps`, the quantities that still moved in its last round.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub still_moving: Vec<StillMoving>,
    /// Everything that happened, in order.
    pub events: Vec<Event>,
    /// The first event that is a loss (bad debt, a missed liquidation, a NAV loss, a freeze).
    pub first_break: Option<EventId>,
    /// Losses per entity, largest first.
    pub entities: Vec<EntityLoss>,
    /// The sums of `entities`: bad debt realised, uncovered at the oracle and at market, NAV
    /// lost, funds frozen, liquidations executed and missed.
    #[serde(default)]
    pub totals: LossTotals,
    /// For each loss, the chain of events from the shock that started it.
    pub contagion: Vec<ContagionPath>,
    /// Per-step figures, when the scenario asks for them (`engine.series = true`): what a
    /// backtest compares with history.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub series: Vec<SeriesPoint>,
    /// Each declared stablecoin's supply and the share of price falls its channel made (empty
    /// when the scenario declares none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stablecoins: Vec<StablecoinOutcome>,
}

/// A step whose cascade hit the iteration cap, and what kept it from settling.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct StillMoving {
    /// The step.
    pub step: u64,
    /// Each quantity that changed in the last round, with its last two values (`price of WETH
    /// (1.5 -> 1.6)`), compared at the precision the cascade settles on.
    pub quantities: Vec<String>,
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
    /// A holder's sell trigger fired and it sold (all at once, or one tranche).
    TriggeredSale {
        /// The holder.
        holder: String,
        /// Whole tokens sold.
        amount: Decimal,
        /// Proceeds, USD.
        proceeds_usd: Decimal,
        /// Which sale of the holder this is, from 1.
        #[serde(default)]
        tranche: u32,
        /// Whole tokens the holder still holds after it.
        #[serde(default)]
        left: Decimal,
    },
    /// A row of a scenario's flow series bought or sold into a venue.
    Flow {
        /// The flow's id.
        flow: String,
        /// Where the row is: `row 3` inline, `etf.csv line 5` from a file.
        row: String,
        /// Who traded (the row's entity).
        party: String,
        /// The token traded.
        token: String,
        /// Whole tokens: positive bought, negative sold.
        amount: Decimal,
        /// What the trade cost (a buy) or fetched (a sale), USD.
        value_usd: Decimal,
    },
    /// A sale met a liquidity black hole: the venue's book absorbed only part of it (or none),
    /// and the rest stayed with the seller.
    Unsold {
        /// Who sold: a holder, the liquidator of a market, or a scenario shock's venue.
        seller: String,
        /// The venue sold into.
        venue: String,
        /// The token sold.
        token: String,
        /// Whole tokens the sale asked for.
        requested: Decimal,
        /// Whole tokens the book absorbed.
        sold: Decimal,
        /// Whole tokens left unsold.
        unsold: Decimal,
        /// The unsold remainder at the token's market price before the sale, USD.
        unsold_usd: Decimal,
        /// What the remainder means (a holder stuck with inventory, a liquidator holding seized
        /// collateral, a shock's sale left unfilled).
        consequence: String,
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
    /// A stablecoin's supply changed: redeemed out of liquidation proceeds in the cascade (its
    /// causes are the liquidations) or minted/redeemed by a supply flow row (no causes).
    StablecoinSupply {
        /// The stablecoin's token.
        token: String,
        /// Supply before, whole tokens.
        from: Decimal,
        /// Supply after, whole tokens.
        to: Decimal,
        /// Whole tokens redeemed by this change.
        redeemed: Decimal,
        /// Whole tokens minted by this change.
        minted: Decimal,
    },
    /// A venue's bid depth followed its stablecoin's supply (caused by the supply change).
    BidDepth {
        /// The venue.
        venue: String,
        /// The stablecoin funding its bids.
        stablecoin: String,
        /// Bid depth as a multiple of the start's, by the depth law.
        factor: Decimal,
        /// The stablecoin's supply the factor follows, whole tokens.
        supply: Decimal,
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
    /// Debt not covered by collateral at market prices at the end, not yet realised, USD: the
    /// economic measure.
    pub economic_bad_debt_usd: Decimal,
    /// Debt not covered by collateral valued at the market's own oracle prices at the end, not
    /// yet realised, USD (the debt-side token at market): the measure a protocol and its
    /// analytics report. Below [`Self::economic_bad_debt_usd`] when an oracle still prices
    /// collateral above the market.
    #[serde(default)]
    pub oracle_bad_debt_usd: Decimal,
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
    /// A lending market's interest within the run: the rate model it accrues by, or why
    /// nothing accrues (the snapshot gives no rate parameters). Absent for other entities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interest: Option<String>,
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
            Self::Flow { .. } => "flow",
            Self::Unsold { .. } => "unsold",
            Self::PerpLiquidation { .. } => "perp_liquidation",
            Self::Adl { .. } => "adl",
            Self::InsurancePaid { .. } => "insurance_paid",
            Self::PerpBadDebt { .. } => "perp_bad_debt",
            Self::HedgeLost { .. } => "hedge_lost",
            Self::Rehedged { .. } => "rehedged",
            Self::HedgeMargin { .. } => "hedge_margin",
            Self::Funding { .. } => "funding",
            Self::VaultValue { .. } => "vault_value",
            Self::StablecoinSupply { .. } => "stablecoin_supply",
            Self::BidDepth { .. } => "bid_depth",
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

impl Event {
    /// Whether the event changes nothing a reader can see: a price move, NAV change or vault
    /// value change whose figures are equal to two decimal places of a percent (`+0.00%`), such
    /// as the recovery ticks of a venue that has all but recovered. Text reports leave these
    /// out; the JSON keeps every event, because later events name them as causes.
    pub fn is_no_change(&self) -> bool {
        // A relative change below half a basis point shows as `+0.00%` or `-0.00%`.
        let tiny = |from: Decimal, to: Decimal| {
            if from.is_zero() {
                return to.is_zero();
            }
            ((to - from) / from).abs() < Decimal::new(5, 5)
        };
        match &self.kind {
            EventKind::PriceMove { from_usd, to_usd } => tiny(*from_usd, *to_usd),
            EventKind::NavChange { from, to, .. } => tiny(*from, *to),
            EventKind::VaultValue {
                share_price_from,
                share_price_to,
                economic_from,
                economic_to,
            } => tiny(*share_price_from, *share_price_to) && tiny(*economic_from, *economic_to),
            _ => false,
        }
    }

    /// The USD figure of a loss event as it stands after the event: the market's uncovered debt,
    /// the realised bad debt of a liquidation, the frozen funds, a perp or Comet deficit, a
    /// missed liquidation's shortfall at market (debt above collateral). `None` for events that
    /// carry no USD loss figure (NAV and share-price changes: see [`EntityLoss::nav_lost_usd`]).
    pub fn loss_usd(&self) -> Option<Decimal> {
        match &self.kind {
            EventKind::EconomicBadDebt { total_usd } => Some(*total_usd),
            EventKind::Liquidation { bad_debt_usd, .. } if !bad_debt_usd.is_zero() => {
                Some(*bad_debt_usd)
            }
            EventKind::FundsFrozen { frozen_usd } => Some(*frozen_usd),
            EventKind::PerpBadDebt { amount_usd, .. } => Some(*amount_usd),
            EventKind::ReservesBelowZero { deficit_usd } => Some(*deficit_usd),
            EventKind::MissedLiquidation { debt_usd, collateral_usd, .. } => {
                Some((*debt_usd - *collateral_usd).max(Decimal::ZERO))
            }
            _ => None,
        }
    }
}

impl EventKind {
    /// Whether the event is a loss of value that someone bears: bad debt (realised, economic,
    /// perp, a Comet's reserves below zero), frozen funds, a fall in an issuer's true NAV or in a
    /// vault's share price or economic value. Unlike [`Self::is_loss`], a missed liquidation or a
    /// lost hedge is not one by itself: it is a failure that may lead to a loss, which is then
    /// its own event.
    pub fn is_value_loss(&self) -> bool {
        !matches!(self, Self::MissedLiquidation { .. } | Self::HedgeLost { .. }) && self.is_loss()
    }
}

/// The sums of [`Report::entities`], for a totals row.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct LossTotals {
    /// Bad debt realised by the protocols' own rules, USD.
    pub bad_debt_usd: Decimal,
    /// Debt not covered by collateral at market prices, USD.
    pub economic_bad_debt_usd: Decimal,
    /// Debt not covered by collateral at the markets' oracle prices, USD.
    pub oracle_bad_debt_usd: Decimal,
    /// NAV lost by holders, USD.
    pub nav_lost_usd: Decimal,
    /// Funds that cannot be withdrawn or redeemed at the end, USD.
    pub frozen_usd: Decimal,
    /// Liquidations executed.
    pub liquidations: u64,
    /// Liquidations missed.
    pub missed_liquidations: u64,
}

/// What a [`Series`] measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Quantity {
    /// A token's market price, USD.
    MarketPrice,
    /// An issuer's true NAV per token, USD.
    TrueNav,
    /// An issuer's reported NAV per token, USD.
    ReportedNav,
    /// A market's debt uncovered at market prices, USD.
    UncoveredDebt,
    /// A market's or vault's funds that cannot be withdrawn, USD.
    Frozen,
}

impl Quantity {
    /// A label for readers.
    pub const fn label(self) -> &'static str {
        match self {
            Self::MarketPrice => "market price",
            Self::TrueNav => "true NAV",
            Self::ReportedNav => "reported NAV",
            Self::UncoveredDebt => "debt uncovered at market",
            Self::Frozen => "frozen funds",
        }
    }
}

/// One quantity of one entity over the run, read from the event log: its value before the run
/// at time 0, then a point at the end of each step that left it changed (the step's last value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Series {
    /// The entity.
    pub entity: String,
    /// What is measured.
    pub quantity: Quantity,
    /// `(seconds from the start, value)`, in time order: the end of step `k` is
    /// `(k + 1) × step_secs`.
    pub points: Vec<(u64, Decimal)>,
}

impl Report {
    /// The first break: the first event that is a loss of value ([`EventKind::is_value_loss`]),
    /// not a missed liquidation by itself. [`Report::first_break`] (the JSON field) also counts
    /// misses; the readable reports show this one and the first miss beside it when earlier.
    pub fn first_loss(&self) -> Option<&Event> {
        self.events.iter().find(|e| e.kind.is_value_loss())
    }

    /// The first missed liquidation, if any.
    pub fn first_miss(&self) -> Option<&Event> {
        self.events.iter().find(|e| matches!(e.kind, EventKind::MissedLiquidation { .. }))
    }

    /// The sums over every entity.
    pub fn totals(&self) -> LossTotals {
        let mut t = LossTotals::default();
        for e in &self.entities {
            t.bad_debt_usd += e.bad_debt_usd;
            t.economic_bad_debt_usd += e.economic_bad_debt_usd;
            t.oracle_bad_debt_usd += e.oracle_bad_debt_usd;
            t.nav_lost_usd += e.nav_lost_usd;
            t.frozen_usd += e.frozen_usd;
            t.liquidations += e.liquidations;
            t.missed_liquidations += e.missed_liquidations;
        }
        t
    }

    /// Per-step series read from the event log: market prices (price moves), issuers' true and
    /// reported NAV (NAV changes), markets' uncovered debt and frozen funds. Oracle prices and
    /// utilisation are not logged by the engine, so they are not here.
    pub fn series(&self) -> Vec<Series> {
        use std::collections::BTreeMap;
        type Points<'r> = BTreeMap<(Quantity, &'r str), Vec<(u64, Decimal)>>;
        fn push<'r>(
            all: &mut Points<'r>,
            (q, entity, at): (Quantity, &'r str, u64),
            before: Decimal,
            after: Decimal,
        ) {
            let points = all.entry((q, entity)).or_default();
            if points.is_empty() {
                points.push((0, before));
            }
            match points.last_mut() {
                Some(last) if last.0 == at => last.1 = after,
                _ => points.push((at, after)),
            }
        }
        let mut all: Points<'_> = BTreeMap::new();
        for e in &self.events {
            // A step's outcome stands at the step's end.
            let (at, entity) = (e.at_secs + self.step_secs, e.entity.as_str());
            match &e.kind {
                EventKind::PriceMove { from_usd, to_usd } => {
                    push(&mut all, (Quantity::MarketPrice, entity, at), *from_usd, *to_usd);
                }
                EventKind::NavChange { reported, from, to } => {
                    push(&mut all, (Quantity::TrueNav, entity, at), *from, *to);
                    push(&mut all, (Quantity::ReportedNav, entity, at), *reported, *reported);
                }
                EventKind::EconomicBadDebt { total_usd } => {
                    push(
                        &mut all,
                        (Quantity::UncoveredDebt, entity, at),
                        Decimal::ZERO,
                        *total_usd,
                    );
                }
                EventKind::FundsFrozen { frozen_usd } => {
                    push(&mut all, (Quantity::Frozen, entity, at), Decimal::ZERO, *frozen_usd);
                }
                _ => {}
            }
        }
        let end = self.steps * self.step_secs;
        all.into_iter()
            .map(|((quantity, entity), mut points)| {
                // Hold the last value to the end of the run, so every line spans the same time.
                if let Some(&(at, value)) = points.last()
                    && at < end
                {
                    points.push((end, value));
                }
                Series { entity: entity.to_owned(), quantity, points }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: usize, step: u64, entity: &str, kind: EventKind) -> Event {
        Event {
            id,
            step,
            at_secs: step * 60,
            entity: entity.into(),
            kind,
            causes: Vec::new(),
            summary: String::new(),
        }
    }

    fn price(from: &str, to: &str) -> EventKind {
        EventKind::PriceMove { from_usd: from.parse().unwrap(), to_usd: to.parse().unwrap() }
    }

    fn report(events: Vec<Event>) -> Report {
        Report {
            schema_version: REPORT_SCHEMA_VERSION,
            scenario: "s".into(),
            snapshot: "n".into(),
            steps: 3,
            step_secs: 60,
            non_converged_steps: Vec::new(),
            still_moving: Vec::new(),
            events,
            first_break: None,
            entities: Vec::new(),
            totals: LossTotals::default(),
            contagion: Vec::new(),
            series: Vec::new(),
            stablecoins: Vec::new(),
        }
    }

    #[test]
    fn a_change_below_half_a_basis_point_is_no_change() {
        // 1 -> 0.99995 is -0.005%, shown as -0.01%: a change; 1 -> 0.999951 rounds to -0.00%.
        assert!(!event(0, 0, "t", price("1", "0.99995")).is_no_change());
        assert!(event(0, 0, "t", price("1", "0.999951")).is_no_change());
        assert!(event(0, 0, "t", price("2", "2")).is_no_change());
        // Other kinds always count.
        let frozen = EventKind::FundsFrozen { frozen_usd: Decimal::ZERO };
        assert!(!event(0, 0, "m", frozen).is_no_change());
    }

    #[test]
    fn the_first_loss_is_not_a_miss() {
        let miss = EventKind::MissedLiquidation {
            borrower: "b".into(),
            reason: MissReason::OracleAboveMarket,
            debt_usd: Decimal::TEN,
            collateral_usd: Decimal::ONE,
        };
        let bad = EventKind::EconomicBadDebt { total_usd: Decimal::from(9) };
        let r = report(vec![
            event(0, 0, "t", price("1", "0.5")),
            event(1, 0, "m", miss),
            event(2, 1, "m", bad),
        ]);
        assert_eq!(r.first_loss().map(|e| e.id), Some(2));
        assert_eq!(r.first_miss().map(|e| e.id), Some(1));
        // The miss's shortfall at market: 10 - 1.
        assert_eq!(r.events[1].loss_usd(), Some(Decimal::from(9)));
    }

    #[test]
    fn a_series_starts_before_the_run_and_holds_to_its_end() {
        // Two moves in step 0 (the last stands at the step's end, 60 s), one in step 1 (120 s);
        // the run is 3 steps of 60 s, so the line is held to 180 s.
        let r = report(vec![
            event(0, 0, "t", price("1", "0.9")),
            event(1, 0, "t", price("0.9", "0.8")),
            event(2, 1, "t", price("0.8", "0.7")),
        ]);
        let series = r.series();
        assert_eq!(series.len(), 1);
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(
            series[0].points,
            vec![(0, d("1")), (60, d("0.8")), (120, d("0.7")), (180, d("0.7"))]
        );
    }
}
