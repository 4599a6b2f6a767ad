//! Parameter recommendations: for one parameter of one entity, the risk measure at each
//! candidate value over the same paths (common random numbers: path `i` draws the same numbers
//! for every candidate, so differences between candidates are the parameter's, not noise), and
//! the largest value whose measure stays within the limit.
//!
//! The recommendation is the largest candidate within the limit; the *confident* one is the
//! largest whose one-sided 95% upper bound (`measure + 1.645 se`) is within it. Risk usually
//! grows with each parameter searched here (a higher LLTV, LTV, liquidation threshold, cap or
//! leverage), but not always over a live snapshot (a lower LLTV liquidates today's borrowers at
//! once, into today's depth), so a smaller candidate outside the limit is reported, not
//! assumed away.
//!
//! Measures are exact over the paths of a candidate (the per-path figures of one entity are
//! kept, so memory grows with the paths: recommendations are meant for thousands of paths).

use crate::error::{Error, Result};
use crate::model::RiskModel;
use crate::run::{PathProgress, Runner};
use crate::sample::{Sampler, decimal_f64, to_decimal};
use crate::stats::Z95;
use alloy_primitives::U256;
use faultline_orchestrator::{
    Scenario, Snapshot, loop_check,
    snapshot::{LendingProtocolSpec, Raw},
};
use faultline_vaults::design::{Figure, VaultDesign};
use rayon::prelude::*;
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A parameter of a snapshot entity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parameter {
    /// A Morpho Blue market's LLTV (a fraction, `0.86`).
    MorphoLltv {
        /// The lending market id.
        market: String,
    },
    /// An Aave v3 reserve's LTV, bps.
    AaveLtv {
        /// The lending market id.
        market: String,
        /// The reserve's token.
        reserve: String,
    },
    /// An Aave v3 reserve's liquidation threshold, bps.
    AaveLiquidationThreshold {
        /// The lending market id.
        market: String,
        /// The reserve's token.
        reserve: String,
    },
    /// A MetaMorpho vault's cap on one market, raw asset units.
    VaultCap {
        /// The vault id.
        vault: String,
        /// The lending market id.
        market: String,
    },
}

/// What is limited.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Measure {
    /// Probability that the entity's loss exceeds this many USD.
    ProbLossAbove(f64),
    /// Probability that the entity becomes insolvent (a loop: bad debt above 0).
    ProbInsolvent,
    /// Probability of a liquidation of the designed loop position.
    ProbLiquidated,
    /// 99% expected shortfall of the loss, USD.
    Es99,
    /// 99% value at risk of the loss, USD.
    Var99,
    /// Mean loss, USD.
    MeanLoss,
}

impl Measure {
    /// Parses `p-loss-above:1000000`, `p-insolvent`, `p-liquidated`, `es99`, `var99`,
    /// `mean-loss`.
    pub fn parse(text: &str) -> Result<Self> {
        let bad = || Error::Invalid {
            field: "measure".into(),
            expected: "p-loss-above:<usd>, p-insolvent, p-liquidated, es99, var99 or mean-loss"
                .into(),
            found: text.into(),
        };
        Ok(match text {
            "p-insolvent" => Self::ProbInsolvent,
            "p-liquidated" => Self::ProbLiquidated,
            "es99" => Self::Es99,
            "var99" => Self::Var99,
            "mean-loss" => Self::MeanLoss,
            _ => {
                let usd = text.strip_prefix("p-loss-above:").ok_or_else(bad)?;
                Self::ProbLossAbove(usd.parse().map_err(|_| bad())?)
            }
        })
    }

    fn name(self) -> String {
        match self {
            Self::ProbLossAbove(x) => format!("P(loss > ${x})"),
            Self::ProbInsolvent => "P(insolvent)".into(),
            Self::ProbLiquidated => "P(liquidated)".into(),
            Self::Es99 => "ES99 (USD)".into(),
            Self::Var99 => "VaR99 (USD)".into(),
            Self::MeanLoss => "mean loss (USD)".into(),
        }
    }

    /// The measure and its standard error over per-path `(loss USD, insolvent, liquidated)`.
    pub fn of(self, paths: &[(f64, bool, bool)]) -> (f64, f64) {
        let n = paths.len().max(1) as f64;
        let prob = |count: usize| {
            let p = count as f64 / n;
            (p, (p * (1.0 - p) / n).sqrt())
        };
        let mut losses: Vec<f64> = paths.iter().map(|p| p.0).collect();
        losses.sort_by(f64::total_cmp);
        let at = |rank: f64| losses[((rank.ceil() as usize).clamp(1, losses.len())) - 1];
        match self {
            Self::ProbLossAbove(x) => prob(paths.iter().filter(|p| p.0 > x).count()),
            Self::ProbInsolvent => prob(paths.iter().filter(|p| p.1).count()),
            Self::ProbLiquidated => prob(paths.iter().filter(|p| p.2).count()),
            Self::MeanLoss => {
                let mean = losses.iter().sum::<f64>() / n;
                let var =
                    losses.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
                (mean, (var / n).sqrt())
            }
            Self::Var99 => {
                let spread = Z95 * (n * 0.99 * 0.01).sqrt();
                let (lo, hi) = (at(n * 0.99 - spread), at(n * 0.99 + spread));
                (at(n * 0.99), (hi - lo) / (2.0 * Z95))
            }
            Self::Es99 => {
                let k = (n * 0.01).ceil().max(1.0) as usize;
                let tail = &losses[losses.len() - k.min(losses.len())..];
                let es = tail.iter().sum::<f64>() / tail.len() as f64;
                let var_tail =
                    tail.iter().map(|l| (l - es).powi(2)).sum::<f64>() / tail.len() as f64;
                let var = at(n * 0.99);
                (es, ((var_tail + 0.99 * (es - var).powi(2)) / (n * 0.01)).sqrt())
            }
        }
    }
}

/// One candidate value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Point {
    /// The parameter's value.
    pub value: Decimal,
    /// The measure.
    pub measure: f64,
    /// Its Monte Carlo standard error.
    pub se: f64,
    /// Whether the measure is within the limit.
    pub within: bool,
}

/// The frontier and the recommendation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Frontier {
    /// What was searched.
    pub title: String,
    /// The parameter.
    pub parameter: String,
    /// The entity measured.
    pub entity: String,
    /// The measure.
    pub measure: String,
    /// The limit.
    pub limit: f64,
    /// Paths per candidate (the same paths for each).
    pub paths: u64,
    /// The seed.
    pub seed: u64,
    /// One point per candidate, ascending.
    pub points: Vec<Point>,
    /// The largest value within the limit; `None`: none is.
    pub recommended: Option<Decimal>,
    /// The largest value whose one-sided 95% upper bound is within the limit.
    pub confident: Option<Decimal>,
    /// The recommendation in words.
    pub recommendation: String,
}

#[allow(clippy::too_many_arguments, reason = "one frontier's fields, each named at the call")]
fn frontier(
    title: String,
    parameter: String,
    entity: String,
    measure: Measure,
    limit: f64,
    paths: u64,
    seed: u64,
    points: Vec<(Decimal, f64, f64)>,
) -> Frontier {
    let points: Vec<Point> = points
        .into_iter()
        .map(|(value, m, se)| Point { value, measure: m, se, within: m <= limit })
        .collect();
    let largest = |ok: &dyn Fn(&Point) -> bool| points.iter().rfind(|p| ok(p)).map(|p| p.value);
    let recommended = largest(&|p| p.within);
    let confident = largest(&|p| p.measure + 1.645 * p.se <= limit);
    let outside: Vec<String> = points
        .iter()
        .filter(|p| !p.within && recommended.is_some_and(|r| p.value < r))
        .map(|p| p.value.to_string())
        .collect();
    let caveat = if outside.is_empty() {
        String::new()
    } else {
        format!(" Not monotone: the smaller value(s) {} are outside the limit.", outside.join(", "))
    };
    let recommendation = match (recommended, confident) {
        (None, _) => format!(
            "No candidate keeps {} within {limit}: lower the smallest value tried.",
            measure.name()
        ),
        (Some(r), Some(c)) if r == c => format!(
            "Recommended {parameter}: {r} (the largest candidate within the limit; also within \
             it at the one-sided 95% upper bound)."
        ),
        (Some(r), c) => format!(
            "Recommended {parameter}: {r} (the largest candidate within the limit); at the \
             one-sided 95% upper bound only {} is; more paths would separate them.",
            c.map_or_else(|| "no candidate".to_owned(), |c| c.to_string())
        ),
    } + &caveat;
    Frontier {
        title,
        parameter,
        entity,
        measure: measure.name(),
        limit,
        paths,
        seed,
        points,
        recommended,
        confident,
        recommendation,
    }
}

/// A snapshot with `parameter` set to `value`.
pub fn apply(snapshot: &Snapshot, parameter: &Parameter, value: Decimal) -> Result<Snapshot> {
    let mut s = snapshot.clone();
    let invalid = |field: &str, expected: &str, found: String| Error::Invalid {
        field: field.into(),
        expected: expected.into(),
        found,
    };
    let market_of =
        |s: &mut Snapshot, id: &str| s.lending_markets.iter_mut().position(|m| m.id == id);
    match parameter {
        Parameter::MorphoLltv { market } => {
            let i = market_of(&mut s, market).ok_or_else(|| {
                invalid("market", "a lending market of the snapshot", market.clone())
            })?;
            let LendingProtocolSpec::MorphoBlue(m) = &mut s.lending_markets[i].protocol else {
                return Err(invalid("market", "a Morpho Blue market", market.clone()));
            };
            if value <= Decimal::ZERO || value >= Decimal::ONE {
                return Err(invalid("value", "an LLTV in (0, 1)", value.to_string()));
            }
            let wad = (value * Decimal::from(1_000_000_000_000_000_000u64)).trunc();
            m.lltv = Raw(U256::from(wad.mantissa().unsigned_abs()));
        }
        Parameter::AaveLtv { market, reserve }
        | Parameter::AaveLiquidationThreshold { market, reserve } => {
            let i = market_of(&mut s, market).ok_or_else(|| {
                invalid("market", "a lending market of the snapshot", market.clone())
            })?;
            let LendingProtocolSpec::AaveV3(m) = &mut s.lending_markets[i].protocol else {
                return Err(invalid("market", "an Aave v3 market", market.clone()));
            };
            let r = m.reserves.iter_mut().find(|r| &r.token == reserve).ok_or_else(|| {
                invalid("reserve", "a reserve token of the market", reserve.clone())
            })?;
            let bps = u16::try_from(value.trunc().mantissa())
                .ok()
                .filter(|b| *b <= 10_000)
                .ok_or_else(|| invalid("value", "basis points in [0, 10000]", value.to_string()))?;
            match parameter {
                Parameter::AaveLtv { .. } => r.ltv = bps,
                _ => r.liquidation_threshold = bps,
            }
        }
        Parameter::VaultCap { vault, market } => {
            let v = s
                .vaults
                .iter_mut()
                .find(|v| &v.id == vault)
                .ok_or_else(|| invalid("vault", "a vault of the snapshot", vault.clone()))?;
            let cap = v.caps.iter_mut().find(|c| &c.market == market).ok_or_else(|| {
                invalid("market", "a market the vault has a cap on", market.clone())
            })?;
            let raw = u128::try_from(value.trunc().mantissa()).map_err(|_| {
                invalid("value", "a cap of at least 0 raw units", value.to_string())
            })?;
            cap.cap = Raw(U256::from(raw));
        }
    }
    Ok(s)
}

/// The frontier of `parameter` over `values` (ascending), measuring `entity` over `paths`
/// paths of `model` with seed `seed`.
#[allow(clippy::too_many_arguments, reason = "one search's inputs, each named at the call")]
pub fn snapshot_frontier(
    snapshot: &Snapshot,
    scenario: &Scenario,
    model: &RiskModel,
    parameter: &Parameter,
    values: &[Decimal],
    entity: &str,
    measure: Measure,
    limit: f64,
    paths: u64,
    seed: u64,
    progress: &dyn PathProgress,
) -> Result<Frontier> {
    let mut values = values.to_vec();
    values.sort();
    let total = paths * values.len() as u64;
    let done = std::sync::atomic::AtomicU64::new(0);
    let mut points = Vec::new();
    for value in &values {
        let changed = apply(snapshot, parameter, *value)?;
        let runner = Runner::new(&changed, scenario, model)?;
        let per_path: Vec<(f64, bool, bool)> = (0..paths)
            .into_par_iter()
            .map(|i| {
                let o = runner.path(seed, i)?;
                progress.paths(done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1, total);
                let e = o.entities.get(entity).ok_or_else(|| Error::Invalid {
                    field: "entity".into(),
                    expected: "an entity of the report (market, issuer, vault)".into(),
                    found: entity.into(),
                })?;
                Ok((e.loss as f64 / 100.0, e.insolvent, e.loss > 0))
            })
            .collect::<Result<_>>()?;
        let (m, se) = measure.of(&per_path);
        points.push((*value, m, se));
    }
    let name = match parameter {
        Parameter::MorphoLltv { market } => format!("LLTV of {market}"),
        Parameter::AaveLtv { market, reserve } => format!("LTV (bps) of {reserve} in {market}"),
        Parameter::AaveLiquidationThreshold { market, reserve } => {
            format!("liquidation threshold (bps) of {reserve} in {market}")
        }
        Parameter::VaultCap { vault, market } => format!("cap of {vault} on {market}"),
    };
    Ok(frontier(
        format!("{} under {}", scenario.name, model.name),
        name,
        entity.into(),
        measure,
        limit,
        paths,
        seed,
        points,
    ))
}

/// The collateral's price law for a loop: hourly volatility, drift and tail over a horizon.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoopPrices {
    /// Standard deviation of the hourly log-return.
    pub hourly_vol: f64,
    /// Student-t degrees of freedom (above 2); `None`: normal.
    pub dof: Option<f64>,
    /// Hours simulated; the depeg of a path is the collateral's worst fall below its start.
    pub hours: u64,
}

/// The frontier of a looped vault's target leverage over `values` (ascending), measuring its
/// designed position under each path's worst depeg of the collateral (through the loop check,
/// exact); `measure` is `p-liquidated`, `p-insolvent` (bad debt above 0) or `mean-loss` (bad
/// debt, in the borrowed asset).
#[allow(clippy::too_many_arguments, reason = "one search's inputs, each named at the call")]
pub fn loop_frontier(
    design: &VaultDesign,
    prices: LoopPrices,
    values: &[Decimal],
    measure: Measure,
    limit: f64,
    paths: u64,
    seed: u64,
) -> Result<Frontier> {
    let sampler =
        Sampler::single(prices.hourly_vol, prices.dof, prices.hours).map_err(|message| {
            Error::Invalid {
                field: "prices".into(),
                expected: "a valid law".into(),
                found: message,
            }
        })?;
    // The same depegs for every leverage: common random numbers.
    let depegs: Vec<Figure> = (0..paths)
        .into_par_iter()
        .map(|i| Figure(to_decimal(sampler.drawdowns(seed, i)[0].clamp(0.0, 0.999_999), 6)))
        .collect();
    let mut values = values.to_vec();
    values.sort();
    let mut points = Vec::new();
    for value in &values {
        let mut d = design.clone();
        d.position.target_leverage = Figure(*value);
        let per_path: Vec<(f64, bool, bool)> = depegs
            .par_chunks(512)
            .map(|chunk| {
                let mut d = d.clone();
                d.shocks.depegs = chunk.to_vec();
                let report = loop_check::check(&d)?;
                Ok(report
                    .shocks
                    .iter()
                    .map(|s| {
                        let p = &s.positions[0];
                        (decimal_f64(p.bad_debt), p.bad_debt > Decimal::ZERO, p.liquidated)
                    })
                    .collect::<Vec<_>>())
            })
            .collect::<Result<Vec<_>, faultline_orchestrator::Error>>()?
            .into_iter()
            .flatten()
            .collect();
        let (m, se) = measure.of(&per_path);
        points.push((*value, m, se));
    }
    Ok(frontier(
        format!(
            "{}: collateral hourly vol {}, {} hours, {}",
            design.name,
            prices.hourly_vol,
            prices.hours,
            prices.dof.map_or_else(|| "normal".to_owned(), |d| format!("Student-t dof {d}"))
        ),
        "target leverage".into(),
        "design".into(),
        measure,
        limit,
        paths,
        seed,
        points,
    ))
}
