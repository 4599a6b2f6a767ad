//! The mergeable state of a run (integer counts and sums, quantile sketches) and the summary
//! computed from it. Adding paths and merging states are exact and order-free, so a run split
//! over threads or shards ends in the same state, and therefore the same summary, bit for bit.

use crate::outcome::PathOutcome;
use crate::stats::{Estimate, Probability, Quantile, Stat};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Loss thresholds of the loss-exceedance curve, USD.
pub const EXCEEDANCE_USD: [i64; 16] = [
    10_000,
    100_000,
    1_000_000,
    2_000_000,
    5_000_000,
    10_000_000,
    20_000_000,
    50_000_000,
    100_000_000,
    200_000_000,
    500_000_000,
    1_000_000_000,
    2_000_000_000,
    5_000_000_000,
    10_000_000_000,
    100_000_000_000,
];

/// Everything the paths so far add up to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct State {
    /// Paths run.
    pub paths: u64,
    /// Paths with a step that did not reach a fixed point.
    pub non_converged_paths: u64,
    /// By entity id.
    pub entities: BTreeMap<String, EntityState>,
    /// By token id.
    pub tokens: BTreeMap<String, TokenState>,
    /// Paths by their first break (`entity: event type`, or `none`).
    pub first_breaks: BTreeMap<String, u64>,
    /// By contagion chain: paths on which it carried a loss and the loss, cents.
    pub contagion: BTreeMap<String, ChainState>,
    /// The sum of all entities' losses per path (a loss passed on is counted at each entity
    /// it reaches), cents.
    pub total: Stat,
    /// Paths whose total loss exceeds each of [`EXCEEDANCE_USD`].
    pub exceedance: Vec<u64>,
}

/// One entity's figures over paths.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct EntityState {
    /// What it is.
    pub kind: String,
    /// A readable name.
    pub name: String,
    /// Loss, cents.
    pub loss: Stat,
    /// Economic bad debt (at market), cents.
    pub bad_debt_market: Stat,
    /// Bad debt by the protocol's rule (at the oracle), cents.
    pub bad_debt_oracle: Stat,
    /// Paths on which it became insolvent.
    pub insolvent: u64,
    /// Paths ending with funds frozen.
    pub frozen: u64,
}

/// One token's figures over paths.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct TokenState {
    /// Worst fall below the start, hundredths of a percent.
    pub fall: Stat,
    /// Paths on which it depegged.
    pub depegged: u64,
}

/// One contagion chain's figures.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ChainState {
    /// Paths on which it carried a loss.
    pub paths: u64,
    /// Loss at its end, summed over paths, cents.
    pub loss: i128,
}

impl State {
    /// Adds one path.
    pub fn add(&mut self, o: &PathOutcome) {
        self.paths += 1;
        self.non_converged_paths += u64::from(o.non_converged);
        let mut total = 0i128;
        for (id, e) in &o.entities {
            let s = self.entities.entry(id.clone()).or_insert_with(|| EntityState {
                kind: e.kind.clone(),
                name: e.name.clone(),
                ..Default::default()
            });
            s.loss.add(e.loss);
            s.bad_debt_market.add(e.bad_debt_market);
            s.bad_debt_oracle.add(e.bad_debt_oracle);
            s.insolvent += u64::from(e.insolvent);
            s.frozen += u64::from(e.frozen);
            total += e.loss;
        }
        for (id, (fall, depegged)) in &o.tokens {
            let t = self.tokens.entry(id.clone()).or_default();
            t.fall.add(*fall);
            t.depegged += u64::from(*depegged);
        }
        let key = o.first_break.clone().unwrap_or_else(|| "none".into());
        *self.first_breaks.entry(key).or_default() += 1;
        for (chain, loss) in &o.chains {
            let c = self.contagion.entry(chain.clone()).or_default();
            c.paths += 1;
            c.loss += loss;
        }
        self.total.add(total);
        self.exceedance.resize(EXCEEDANCE_USD.len(), 0);
        for (count, usd) in self.exceedance.iter_mut().zip(EXCEEDANCE_USD) {
            *count += u64::from(total > i128::from(usd) * 100);
        }
    }

    /// Adds another state's paths.
    pub fn merge(mut self, other: Self) -> Self {
        self.paths += other.paths;
        self.non_converged_paths += other.non_converged_paths;
        for (id, e) in other.entities {
            let s = self.entities.entry(id).or_insert_with(|| EntityState {
                kind: e.kind.clone(),
                name: e.name.clone(),
                ..Default::default()
            });
            s.loss.merge(&e.loss);
            s.bad_debt_market.merge(&e.bad_debt_market);
            s.bad_debt_oracle.merge(&e.bad_debt_oracle);
            s.insolvent += e.insolvent;
            s.frozen += e.frozen;
        }
        for (id, t) in other.tokens {
            let s = self.tokens.entry(id).or_default();
            s.fall.merge(&t.fall);
            s.depegged += t.depegged;
        }
        for (k, c) in other.first_breaks {
            *self.first_breaks.entry(k).or_default() += c;
        }
        for (k, c) in other.contagion {
            let s = self.contagion.entry(k).or_default();
            s.paths += c.paths;
            s.loss += c.loss;
        }
        self.total.merge(&other.total);
        self.exceedance.resize(EXCEEDANCE_USD.len(), 0);
        for (a, b) in self.exceedance.iter_mut().zip(other.exceedance) {
            *a += b;
        }
        self
    }

    /// The summary of these paths.
    pub fn summary(&self) -> Summary {
        let n = self.paths;
        let mut entities: Vec<EntitySummary> = self
            .entities
            .iter()
            .map(|(id, e)| EntitySummary {
                entity: id.clone(),
                name: e.name.clone(),
                kind: e.kind.clone(),
                mean_loss_usd: est(e.loss.mean(n)),
                loss_median_usd: e.loss.quantile(n, 0.5),
                var95_usd: e.loss.quantile(n, 0.95),
                var99_usd: e.loss.quantile(n, 0.99),
                es99_usd: e.loss.shortfall(n, 0.99),
                mean_bad_debt_market_usd: est(e.bad_debt_market.mean(n)),
                bad_debt_market_q99_usd: e.bad_debt_market.quantile(n, 0.99),
                mean_bad_debt_oracle_usd: est(e.bad_debt_oracle.mean(n)),
                bad_debt_oracle_q99_usd: e.bad_debt_oracle.quantile(n, 0.99),
                p_loss: Probability::new(e.loss.positive, n),
                p_insolvent: Probability::new(e.insolvent, n),
                p_frozen: Probability::new(e.frozen, n),
            })
            .collect();
        entities.sort_by(|a, b| {
            b.mean_loss_usd
                .value
                .total_cmp(&a.mean_loss_usd.value)
                .then_with(|| b.p_insolvent.p.total_cmp(&a.p_insolvent.p))
                .then_with(|| a.entity.cmp(&b.entity))
        });
        let tokens = self
            .tokens
            .iter()
            .map(|(id, t)| TokenSummary {
                token: id.clone(),
                p_depeg: Probability::new(t.depegged, n),
                fall_median_pct: t.fall.quantile(n, 0.5),
                fall_q99_pct: t.fall.quantile(n, 0.99),
            })
            .collect();
        let mut first_breaks: Vec<FirstBreak> = self
            .first_breaks
            .iter()
            .map(|(k, c)| FirstBreak { first_break: k.clone(), p: Probability::new(*c, n) })
            .collect();
        first_breaks.sort_by(|a, b| {
            b.p.count.cmp(&a.p.count).then_with(|| a.first_break.cmp(&b.first_break))
        });
        let total_loss: i128 = self.contagion.values().map(|c| c.loss).sum();
        let mut contagion: Vec<ContagionSummary> = self
            .contagion
            .iter()
            .map(|(k, c)| ContagionSummary {
                path: k.clone(),
                p: Probability::new(c.paths, n),
                expected_loss_usd: crate::stats::round2(c.loss as f64 / 100.0 / n.max(1) as f64),
                share_of_expected_loss: if total_loss == 0 {
                    0.0
                } else {
                    crate::stats::round6(c.loss as f64 / total_loss as f64)
                },
            })
            .collect();
        contagion.sort_by(|a, b| {
            b.expected_loss_usd.total_cmp(&a.expected_loss_usd).then_with(|| a.path.cmp(&b.path))
        });
        contagion.truncate(10);
        let exceedance = EXCEEDANCE_USD
            .iter()
            .zip(self.exceedance.iter().copied().chain(std::iter::repeat(0)))
            .map(|(usd, c)| ExceedancePoint { loss_above_usd: *usd, p: Probability::new(c, n) })
            .collect();
        Summary {
            paths: n,
            non_converged_paths: self.non_converged_paths,
            total: TotalSummary {
                mean_usd: est(self.total.mean(n)),
                var95_usd: self.total.quantile(n, 0.95),
                var99_usd: self.total.quantile(n, 0.99),
                es99_usd: self.total.shortfall(n, 0.99),
            },
            entities,
            tokens,
            first_breaks,
            contagion,
            exceedance,
        }
    }
}

fn est((value, se): (f64, f64)) -> Estimate {
    Estimate { value: crate::stats::round2(value), se: crate::stats::round2(se) }
}

/// The figures of a run, computed from its [`State`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Summary {
    /// Paths run.
    pub paths: u64,
    /// Paths with a step that did not reach a fixed point (their figures are included).
    pub non_converged_paths: u64,
    /// The sum of all entities' losses per path.
    pub total: TotalSummary,
    /// Per entity, largest mean loss first.
    pub entities: Vec<EntitySummary>,
    /// Per token.
    pub tokens: Vec<TokenSummary>,
    /// The distribution of the first break, most frequent first.
    pub first_breaks: Vec<FirstBreak>,
    /// The ten contagion chains carrying the most expected loss.
    pub contagion: Vec<ContagionSummary>,
    /// Loss-exceedance curve of the total loss.
    pub exceedance: Vec<ExceedancePoint>,
}

/// Tail figures of the total loss.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TotalSummary {
    /// Mean, USD.
    pub mean_usd: Estimate,
    /// 95% value at risk, USD.
    pub var95_usd: Quantile,
    /// 99% value at risk, USD.
    pub var99_usd: Quantile,
    /// 99% expected shortfall, USD.
    pub es99_usd: Estimate,
}

/// One entity's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EntitySummary {
    /// Its id.
    pub entity: String,
    /// A readable name.
    pub name: String,
    /// What it is.
    pub kind: String,
    /// Mean loss, USD.
    pub mean_loss_usd: Estimate,
    /// Median loss, USD.
    pub loss_median_usd: Quantile,
    /// 95% value at risk of the loss, USD.
    pub var95_usd: Quantile,
    /// 99% value at risk of the loss, USD.
    pub var99_usd: Quantile,
    /// 99% expected shortfall of the loss, USD.
    pub es99_usd: Estimate,
    /// Mean economic bad debt (at market), USD.
    pub mean_bad_debt_market_usd: Estimate,
    /// 99% quantile of economic bad debt, USD.
    pub bad_debt_market_q99_usd: Quantile,
    /// Mean bad debt by the protocol's rule (at the oracle), USD.
    pub mean_bad_debt_oracle_usd: Estimate,
    /// 99% quantile of bad debt by the protocol's rule, USD.
    pub bad_debt_oracle_q99_usd: Quantile,
    /// Probability of a loss above 0.
    pub p_loss: Probability,
    /// Probability of insolvency.
    pub p_insolvent: Probability,
    /// Probability of funds frozen at the end.
    pub p_frozen: Probability,
}

/// One token's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TokenSummary {
    /// The token.
    pub token: String,
    /// Probability that it falls more than the model's `depeg_pct` below its start.
    pub p_depeg: Probability,
    /// Median of its worst fall, percent.
    pub fall_median_pct: Quantile,
    /// 99% quantile of its worst fall, percent.
    pub fall_q99_pct: Quantile,
}

/// How often a break came first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FirstBreak {
    /// `entity: event type`, or `none`.
    pub first_break: String,
    /// Its probability.
    pub p: Probability,
}

/// A contagion chain and the loss it carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ContagionSummary {
    /// `root -> ... -> entity`.
    pub path: String,
    /// Probability that it carries a loss.
    pub p: Probability,
    /// Loss at its end, averaged over all paths, USD.
    pub expected_loss_usd: f64,
    /// Share of the expected loss over all chains.
    pub share_of_expected_loss: f64,
}

/// A point of the loss-exceedance curve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ExceedancePoint {
    /// Threshold, USD.
    pub loss_above_usd: i64,
    /// Probability that the total loss exceeds it.
    pub p: Probability,
}
