//! Holders declared in a scenario: a large holder with a sell trigger (a treasury company below
//! its cost basis) that sells in tranches.
//!
//! ```toml
//! [[holders]]
//! id = "treasury-co"
//! token = "WBTC"
//! amount = "5000"               # whole tokens held at the start
//! venue = "wbtc-usdc-book"      # where it sells (a venue with `token` as base)
//! sell_below_usd = "76037"      # the trigger: the market price below this
//! tranche_pct = "10"            # sells at most 10% of the starting holding per step ...
//! max_per_step = "400"          # ... and at most 400 tokens per step
//! note = "cost basis (ASSUMPTION)"
//! ```
//!
//! **When it sells.** In every step in which the token's market price is below `sell_below_usd`
//! during the cascade, the holder sells one tranche: `min(tranche_pct% of amount, max_per_step,
//! what is left)`; with neither set, everything at once (as a snapshot holder does). It sells at
//! most once per step, so a fall below the trigger is met by a tranche each step until **the
//! holding is gone**. When the price is back at or above the trigger the holder **pauses** (it
//! does not buy back) and resumes if the price falls below again. Each tranche names as its cause
//! the price move that crossed the trigger.

use super::Scenario;
use crate::snapshot::{Problem, Snapshot};
use faultline_core::limits;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// A holder with a sell trigger, declared in the scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioHolder {
    /// Unique id (among the scenario's holders and the snapshot's).
    pub id: String,
    /// The token held (a token id of the snapshot).
    pub token: String,
    /// Whole tokens held at the start.
    pub amount: Decimal,
    /// Where it sells: a venue of the snapshot with `token` as its base.
    pub venue: String,
    /// The trigger: it sells while the market price is below this, USD.
    pub sell_below_usd: Decimal,
    /// Percent of the starting holding sold per step, above 0 and at most 100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tranche_pct: Option<Decimal>,
    /// Most whole tokens sold per step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_per_step: Option<Decimal>,
    /// Where the holding and the trigger come from.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

impl ScenarioHolder {
    /// The most it sells in one step: the smaller of its tranche and its cap, or everything.
    pub fn per_step(&self) -> Decimal {
        let tranche = self.tranche_pct.map(|pct| self.amount * pct / Decimal::ONE_HUNDRED);
        match (tranche, self.max_per_step) {
            (Some(t), Some(cap)) => t.min(cap),
            (Some(t), None) => t,
            (None, Some(cap)) => cap.min(self.amount),
            (None, None) => self.amount,
        }
    }
}

/// Every problem with the scenario's holders over `snapshot`, each with its path.
pub(super) fn check(scenario: &Scenario, snapshot: &Snapshot) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut push = |path: String, message: String| problems.push(Problem { path, message });
    let mut ids: BTreeSet<&str> = snapshot.holders.iter().map(|h| h.id.as_str()).collect();
    for (i, holder) in scenario.holders.iter().enumerate() {
        let at = |field: &str| format!("holders[{i}].{field}");
        if holder.id.is_empty() {
            push(at("id"), "expected an id, found an empty string".into());
        } else if !ids.insert(holder.id.as_str()) {
            push(
                at("id"),
                format!(
                    "expected an id unused by other holders (scenario or snapshot), found {:?} \
                     again",
                    holder.id
                ),
            );
        }
        if !snapshot.tokens.iter().any(|t| t.id == holder.token) {
            push(
                at("token"),
                format!("expected a token of the snapshot, found {:?}", holder.token),
            );
        }
        match snapshot.venues.iter().find(|v| v.id == holder.venue) {
            None => push(
                at("venue"),
                format!("expected a venue of the snapshot, found {:?}", holder.venue),
            ),
            Some(v) if v.base != holder.token => push(
                at("venue"),
                format!(
                    "expected a venue selling {}, found {:?} selling {}",
                    holder.token, holder.venue, v.base
                ),
            ),
            Some(_) => {}
        }
        let mut range = |field: &str, value: Decimal, check: fn(Decimal) -> Result<(), String>| {
            if let Err(expected) = check(value) {
                push(at(field), format!("expected {expected}, found {value}"));
            }
        };
        range("amount", holder.amount, limits::amount);
        range("sell_below_usd", holder.sell_below_usd, limits::price);
        if let Some(pct) = holder.tranche_pct {
            range("tranche_pct", pct, tranche_pct);
        }
        if let Some(cap) = holder.max_per_step {
            range("max_per_step", cap, limits::amount);
        }
        // A tranche smaller than the venue's smallest unit would sell nothing, forever.
        if holder.tranche_pct.is_some_and(|p| tranche_pct(p).is_ok())
            && limits::amount(holder.amount).is_ok()
            && limits::amount(holder.per_step()).is_err()
        {
            push(
                at("tranche_pct"),
                format!(
                    "expected a tranche of at least {} tokens, found {}% of {} = {}",
                    limits::MIN_AMOUNT,
                    holder.tranche_pct.unwrap_or_default(),
                    holder.amount,
                    holder.per_step()
                ),
            );
        }
    }
    problems
}

/// A tranche in percent of the starting holding: above 0, at most 100.
fn tranche_pct(value: Decimal) -> Result<(), String> {
    if value <= Decimal::ZERO || value > Decimal::ONE_HUNDRED {
        return Err("a percentage above 0 and at most 100".into());
    }
    Ok(())
}
