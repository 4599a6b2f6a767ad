//! The stress script: a TOML file naming the snapshot it starts from, the clock, the shocks over
//! time, and the engine's options.
//!
//! ```toml
//! name = "xUSD write-down"
//! snapshot = "../snapshots/stream-elixir-2025-11.json"   # relative to this file
//! step_secs = 3600
//! horizon_secs = 86400
//!
//! [engine]
//! max_iterations = 64          # rounds per step before non-convergence is reported
//! liquidation_gas_usd = "25"   # a liquidator acts only if the bonus beats gas and slippage
//!
//! [[shocks]]
//! at_secs = 0
//! type = "write_down"
//! backing = "xusd-external-manager"
//! loss_usd = "93000000"
//! ```
//!
//! Holders that sell in tranches below a trigger ([`holders`]) and series of dated flows into
//! venues ([`flows`]) sit beside the shocks, and stablecoins whose supply funds venues' bids
//! ([`stablecoins`]).
//!
//! Parsing is strict (unknown keys are errors, reported with their line); [`Scenario::check`]
//! then checks every reference against the snapshot and reports all problems with their paths.

pub mod flows;
pub mod holders;
pub mod stablecoins;

pub use flows::{Flow, FlowKind, FlowRow};
pub use holders::ScenarioHolder;
pub use stablecoins::Stablecoin;

use crate::snapshot::{BackingItemSpec, Problem, Snapshot, entities};
use faultline_core::limits;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// A stress scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// A short name, used in reports.
    pub name: String,
    /// What the scenario stresses and where its shocks come from.
    #[serde(default)]
    pub description: String,
    /// The snapshot to start from, relative to the scenario file.
    pub snapshot: String,
    /// Length of a time step, seconds.
    pub step_secs: u64,
    /// How long to simulate, seconds.
    pub horizon_secs: u64,
    /// Engine options.
    #[serde(default)]
    pub engine: EngineOptions,
    /// Shocks, in any order; each applies at the start of the step containing `at_secs`.
    #[serde(default)]
    pub shocks: Vec<Shock>,
    /// Holders with a sell trigger who sell in tranches ([`holders`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub holders: Vec<ScenarioHolder>,
    /// Series of dated buys and sells into venues ([`flows`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flows: Vec<Flow>,
    /// Stablecoins whose supply funds venues' bids ([`stablecoins`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stablecoins: Vec<Stablecoin>,
}

/// How the cascade is solved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EngineOptions {
    /// Rounds per step before the engine gives up and reports non-convergence.
    #[serde(default = "EngineOptions::default_max_iterations")]
    pub max_iterations: u32,
    /// What one liquidation costs a liquidator in gas, USD.
    #[serde(default = "EngineOptions::default_gas")]
    pub liquidation_gas_usd: Decimal,
    /// Record per-step figures in the report ([`crate::report::SeriesPoint`]), for a backtest.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub series: bool,
}

impl EngineOptions {
    const fn default_max_iterations() -> u32 {
        64
    }

    const fn default_gas() -> Decimal {
        Decimal::from_parts(25, 0, 0, false, 0)
    }
}

impl Default for EngineOptions {
    fn default() -> Self {
        Self {
            max_iterations: Self::default_max_iterations(),
            liquidation_gas_usd: Self::default_gas(),
            series: false,
        }
    }
}

/// One shock: what happens, and when. (Unknown keys are refused by [`ShockKind`], which
/// receives every key but these two.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shock {
    /// When it starts, seconds from the snapshot.
    #[serde(default)]
    pub at_secs: u64,
    /// Why: a note carried into the report ("Stream discloses a $93M loss").
    #[serde(default)]
    pub note: String,
    /// What happens.
    #[serde(flatten)]
    pub kind: ShockKind,
}

/// What a shock does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ShockKind {
    /// The market price of a token moves to a level, or by a percentage, linearly over
    /// `over_secs` (0 = at once).
    Price {
        /// The token.
        token: String,
        /// The new price, USD.
        #[serde(default)]
        price_usd: Option<Decimal>,
        /// Or the change in percent of the price when the shock starts (`-20`).
        #[serde(default)]
        change_pct: Option<Decimal>,
        /// Seconds over which the move happens.
        #[serde(default)]
        over_secs: u64,
    },
    /// A backing item loses value: a counterparty loss or a NAV write-down.
    WriteDown {
        /// The backing item's id.
        backing: String,
        /// USD lost.
        loss_usd: Decimal,
    },
    /// An issuer halts (or resumes) redemptions.
    Redemptions {
        /// The issuer.
        issuer: String,
        /// `true` to halt, `false` to resume.
        frozen: bool,
    },
    /// A venue's depth is scaled (market makers pull quotes, or come back).
    Liquidity {
        /// The venue.
        venue: String,
        /// Multiplier on the venue's depth (`0.2` leaves a fifth).
        factor: Decimal,
    },
    /// An oracle is frozen, released, or pinned to a price.
    Oracle {
        /// The oracle.
        oracle: String,
        /// What happens to it.
        action: OracleAction,
        /// The pinned price (quote units), for `action = "pin"`.
        #[serde(default)]
        price: Option<Decimal>,
    },
    /// Someone sells a quantity of a token into a venue (ETF outflows, a treasury's sale).
    Sell {
        /// The venue.
        venue: String,
        /// Whole tokens sold.
        amount: Decimal,
    },
    /// Market prices replayed from a series of samples (timestamp, token, USD price), step by
    /// step from `at_secs` on; oracles then follow by their own kind (a hardcoded oracle stays).
    /// The step at scenario time `t` reads the samples at Unix time `snapshot.timestamp + t`;
    /// before a token's first sample its price is left alone, after its last it holds.
    PricePath {
        /// The CSV file (`timestamp,symbol,price`, a header, `symbol` a token id of the
        /// snapshot), relative to the scenario file. The scenario's reader loads it into
        /// `points`; the orchestrator reads no files.
        csv: String,
        /// How steps between samples are priced.
        #[serde(default)]
        fill: PathFill,
        /// The samples, as loaded from `csv`.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        points: Vec<PricePoint>,
    },
    /// A perp market's averaged funding premium from now on (Hyperliquid's rule turns it into
    /// hourly payments: `(P + clamp(0.01% - P, ±0.05%)) / 8`, capped at 4%).
    Funding {
        /// The perp venue.
        venue: String,
        /// The market symbol.
        market: String,
        /// The averaged premium per 8-hour interval (`-0.001` = -0.1%).
        premium: Decimal,
    },
}

/// One sample of a price path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PricePoint {
    /// Unix time, seconds.
    pub timestamp: u64,
    /// The token (a token id of the snapshot).
    pub token: String,
    /// USD per whole token.
    pub price_usd: Decimal,
}

/// How a price path prices the steps between its samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PathFill {
    /// The last sample at or before the step.
    #[default]
    Hold,
    /// Linear between the samples either side of the step.
    Interpolate,
}

/// Each token's price on a path at Unix time `t`, in token order: the last sample at or
/// before `t` (`Hold`) or the line between it and the next (`Interpolate`); a token whose first
/// sample is after `t` is left out.
pub fn path_prices(points: &[PricePoint], fill: PathFill, t: u64) -> Vec<(String, Decimal)> {
    let mut around: std::collections::BTreeMap<&str, (Option<&PricePoint>, Option<&PricePoint>)> =
        std::collections::BTreeMap::new();
    for p in points {
        let (before, after) = around.entry(p.token.as_str()).or_default();
        if p.timestamp <= t {
            if before.is_none_or(|b| b.timestamp <= p.timestamp) {
                *before = Some(p);
            }
        } else if after.is_none_or(|a| a.timestamp > p.timestamp) {
            *after = Some(p);
        }
    }
    around
        .into_iter()
        .filter_map(|(token, (before, after))| {
            let before = before?;
            let price = match (fill, after) {
                (PathFill::Interpolate, Some(after)) if after.timestamp > before.timestamp => {
                    let span = Decimal::from(after.timestamp - before.timestamp);
                    let done = Decimal::from(t - before.timestamp);
                    before.price_usd + (after.price_usd - before.price_usd) * done / span
                }
                _ => before.price_usd,
            };
            Some((token.to_owned(), price))
        })
        .collect()
}

/// What a scenario does to an oracle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OracleAction {
    /// Stop publishing; consumers read the last answer.
    Freeze,
    /// Resume publishing.
    Unfreeze,
    /// Consumers read `price` whatever the feed says (an exchange's internal mark).
    Pin,
    /// Lift a pin.
    Unpin,
}

impl Scenario {
    /// Parses a scenario from TOML text; a syntax error or unknown key names its line.
    pub fn from_toml(text: &str) -> Result<Self, Problem> {
        toml::from_str(text).map_err(|e| {
            let line = e.span().map(|span| 1 + text[..span.start].matches('\n').count());
            Problem {
                path: line.map_or_else(|| "scenario".into(), |l| format!("line {l}")),
                message: e.message().to_owned(),
            }
        })
    }

    /// Every problem with this scenario run over `snapshot`; empty when it can run.
    pub fn check(&self, snapshot: &Snapshot) -> Vec<Problem> {
        let mut problems = Vec::new();
        let mut push = |path: String, message: String| problems.push(Problem { path, message });
        if self.step_secs == 0 {
            push("step_secs".into(), "expected a step of at least 1 second, found 0".into());
        }
        if self.horizon_secs < self.step_secs {
            push(
                "horizon_secs".into(),
                format!(
                    "expected at least one step ({}), found {}",
                    self.step_secs, self.horizon_secs
                ),
            );
        }
        if self.engine.max_iterations == 0 {
            push("engine.max_iterations".into(), "expected at least 1, found 0".into());
        }
        if let Some(problem) = self.work(snapshot) {
            problems.push(problem);
        }
        let mut range = |path: String, value: Decimal, check: fn(Decimal) -> Result<(), String>| {
            if let Err(expected) = check(value) {
                problems
                    .push(Problem { path, message: format!("expected {expected}, found {value}") });
            }
        };
        range("engine.liquidation_gas_usd".into(), self.engine.liquidation_gas_usd, limits::usd);
        for (i, shock) in self.shocks.iter().enumerate() {
            let at = |field: &str| format!("shocks[{i}].{field}");
            match &shock.kind {
                ShockKind::Price { price_usd: Some(p), change_pct: None, .. } => {
                    range(at("price_usd"), *p, limits::price);
                }
                ShockKind::Price { price_usd: None, change_pct: Some(c), .. } => {
                    range(at("change_pct"), *c, change);
                }
                ShockKind::WriteDown { loss_usd, .. } => {
                    range(at("loss_usd"), *loss_usd, limits::usd)
                }
                ShockKind::Liquidity { factor, .. } => range(at("factor"), *factor, depth_factor),
                ShockKind::Oracle { action: OracleAction::Pin, price: Some(p), .. } => {
                    range(at("price"), *p, limits::price);
                }
                ShockKind::Sell { amount, .. } => range(at("amount"), *amount, limits::amount),
                ShockKind::Funding { premium, .. } => range(at("premium"), *premium, premium_range),
                _ => {}
            }
        }
        let mut push = |path: String, message: String| problems.push(Problem { path, message });
        let set = |ids: Vec<&str>| ids.into_iter().map(str::to_owned).collect::<BTreeSet<_>>();
        let tokens = set(snapshot.tokens.iter().map(|t| t.id.as_str()).collect());
        let venues = set(snapshot.venues.iter().map(|v| v.id.as_str()).collect());
        let oracles = set(snapshot.oracles.iter().map(|o| o.id.as_str()).collect());
        let issuers = set(snapshot.issuers.iter().map(|i| i.id.as_str()).collect());
        let backing: BTreeSet<String> = snapshot
            .issuers
            .iter()
            .flat_map(|i| i.backing.iter())
            .filter(|b| {
                !matches!(
                    b.item,
                    BackingItemSpec::LendingSupply { .. }
                        | BackingItemSpec::DeltaNeutralBook { .. }
                )
            })
            .map(|b| b.id.clone())
            .collect();
        let known = |set: &BTreeSet<String>, id: &str| set.contains(id);
        for (i, shock) in self.shocks.iter().enumerate() {
            let at = |field: &str| format!("shocks[{i}].{field}");
            if shock.at_secs >= self.horizon_secs {
                push(
                    at("at_secs"),
                    format!(
                        "expected a time within the horizon ({}), found {}",
                        self.horizon_secs, shock.at_secs
                    ),
                );
            }
            match &shock.kind {
                ShockKind::Price { token, price_usd, change_pct, .. } => {
                    if !known(&tokens, token) {
                        push(
                            at("token"),
                            format!("expected a token of the snapshot, found {token:?}"),
                        );
                    }
                    match (price_usd, change_pct) {
                        (Some(_), Some(_)) | (None, None) => push(
                            at("price_usd"),
                            "expected exactly one of price_usd and change_pct".into(),
                        ),
                        _ => {}
                    }
                }
                ShockKind::WriteDown { backing: id, .. } => {
                    if !known(&backing, id) {
                        push(
                            at("backing"),
                            format!(
                                "expected the id of a holding, loan, opaque or reserve backing \
                                 item, found {id:?}"
                            ),
                        );
                    }
                }
                ShockKind::Redemptions { issuer, .. } => {
                    if !known(&issuers, issuer) {
                        push(
                            at("issuer"),
                            format!("expected an issuer of the snapshot, found {issuer:?}"),
                        );
                    }
                }
                ShockKind::Liquidity { venue, .. } | ShockKind::Sell { venue, .. } => {
                    if !known(&venues, venue) {
                        push(
                            at("venue"),
                            format!("expected a venue of the snapshot, found {venue:?}"),
                        );
                    }
                }
                ShockKind::Oracle { oracle, action, price } => {
                    if !known(&oracles, oracle) {
                        push(
                            at("oracle"),
                            format!("expected an oracle of the snapshot, found {oracle:?}"),
                        );
                    }
                    match (action, price) {
                        (OracleAction::Pin, None) => {
                            push(at("price"), "expected a price to pin the oracle at".into());
                        }
                        (
                            OracleAction::Freeze | OracleAction::Unfreeze | OracleAction::Unpin,
                            Some(_),
                        ) => {
                            push(
                                at("price"),
                                "expected no price except with action = \"pin\"".into(),
                            );
                        }
                        _ => {}
                    }
                }
                ShockKind::Funding { venue, market, .. } => {
                    match snapshot.perp_venues.iter().find(|v| &v.id == venue) {
                        None => push(
                            at("venue"),
                            format!("expected a perp venue of the snapshot, found {venue:?}"),
                        ),
                        Some(v) if !v.markets.iter().any(|m| &m.symbol == market) => push(
                            at("market"),
                            format!("expected a market symbol of {venue}, found {market:?}"),
                        ),
                        Some(_) => {}
                    }
                }
                ShockKind::PricePath { csv, points, .. } => {
                    if points.is_empty() {
                        push(
                            at("points"),
                            format!("expected price samples (read from {csv:?}), found none"),
                        );
                    }
                    for (j, point) in points.iter().enumerate() {
                        if !known(&tokens, &point.token) {
                            push(
                                format!("shocks[{i}].points[{j}].token"),
                                format!(
                                    "expected a token of the snapshot, found {:?}",
                                    point.token
                                ),
                            );
                        }
                        if let Err(expected) = limits::price(point.price_usd) {
                            push(
                                format!("shocks[{i}].points[{j}].price_usd"),
                                format!("expected {expected}, found {}", point.price_usd),
                            );
                        }
                    }
                }
            }
        }
        problems.extend(holders::check(self, snapshot));
        problems.extend(flows::check(self, snapshot));
        problems.extend(stablecoins::check(self, snapshot));
        problems
    }

    /// Steps the run takes: `horizon_secs / step_secs`.
    pub const fn steps(&self) -> u64 {
        match self.horizon_secs.checked_div(self.step_secs) {
            Some(steps) => steps,
            None => 0,
        }
    }

    /// The run's work, steps x entities, against [`MAX_STEPS`] and [`MAX_WORK`].
    fn work(&self, snapshot: &Snapshot) -> Option<Problem> {
        let steps = self.steps();
        let entities = entities(snapshot);
        let work = steps.saturating_mul(entities);
        let message = if steps > MAX_STEPS {
            format!(
                "expected at most {MAX_STEPS} steps (horizon_secs / step_secs), found {steps} \
                 ({} / {})",
                self.horizon_secs, self.step_secs
            )
        } else if work > MAX_WORK {
            format!(
                "expected at most {MAX_WORK} steps x entities, found {steps} steps x {entities} \
                 entities = {work}: lengthen step_secs or shorten the horizon"
            )
        } else {
            return None;
        };
        Some(Problem { path: "horizon_secs".into(), message })
    }
}

/// Most steps a run may take (a year in 30-second steps is about 1.05M).
pub const MAX_STEPS: u64 = 1_000_000;

/// Most work a run may ask for, steps x the snapshot's entities
/// ([`crate::snapshot::entities`]): every step revalues every entity at least once, so this
/// bounds a run's time (about 10 minutes at the ~2M entity-steps a second a release build does
/// on the bundled snapshots; README, "Limits").
pub const MAX_WORK: u64 = 1_000_000_000;

/// A price change in percent: above -100 (a price of 0 leaves nothing to trade against; shock
/// to a small price instead) and at most [`limits::MAX_CHANGE_PCT`].
fn change(value: Decimal) -> Result<(), String> {
    if value <= -Decimal::ONE_HUNDRED || value > limits::MAX_CHANGE_PCT {
        return Err("a change above -100 and at most 1000000 (percent)".into());
    }
    Ok(())
}

/// A multiplier on a venue's depth, 0 to [`limits::MAX_DEPTH_FACTOR`].
fn depth_factor(value: Decimal) -> Result<(), String> {
    limits::within(value, Decimal::ZERO, limits::MAX_DEPTH_FACTOR, "a factor from 0 to 1000")
}

/// An averaged funding premium per 8 hours, -1 to 1 (Hyperliquid caps the rate at 4% an hour).
fn premium_range(value: Decimal) -> Result<(), String> {
    limits::within(value, -Decimal::ONE, Decimal::ONE, "a premium from -1 to 1")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(timestamp: u64, token: &str, price: i64) -> PricePoint {
        PricePoint { timestamp, token: token.into(), price_usd: Decimal::from(price) }
    }

    #[test]
    fn a_path_holds_or_interpolates_between_samples() {
        // a: 10 at t=100, 20 at t=200; b: 5 at t=150 (in any order).
        let points = [point(200, "a", 20), point(150, "b", 5), point(100, "a", 10)];
        // Before every sample: nothing. Before b's first sample: only a.
        assert!(path_prices(&points, PathFill::Hold, 99).is_empty());
        assert_eq!(path_prices(&points, PathFill::Hold, 125), [("a".into(), Decimal::TEN)]);
        // At 175, a is three quarters of the way from 100 to 200: 10 + (20 - 10) * 75 / 100.
        assert_eq!(
            path_prices(&points, PathFill::Interpolate, 175),
            [("a".into(), Decimal::new(175, 1)), ("b".into(), Decimal::from(5))]
        );
        assert_eq!(
            path_prices(&points, PathFill::Hold, 175),
            [("a".into(), Decimal::TEN), ("b".into(), Decimal::from(5))]
        );
        // After the last sample both hold.
        assert_eq!(
            path_prices(&points, PathFill::Interpolate, 1_000),
            [("a".into(), Decimal::from(20)), ("b".into(), Decimal::from(5))]
        );
    }
}
