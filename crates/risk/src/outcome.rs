//! What one path's report means for the risk figures: per entity its loss, bad debt, whether
//! it became insolvent or froze funds; per token its worst fall; the first break; and, for each
//! entity that lost, the chain of entities from the root shock to its first loss.
//!
//! Definitions (the same for every path):
//! - **loss** of an entity: the larger of its bad debt by the protocol's rule and its economic
//!   bad debt (debt not covered at market), plus the NAV its holders lost — the figure the
//!   stress report ranks entities by;
//! - **insolvent**: a lending market or perp venue with bad debt (either kind) above 0; an
//!   issuer whose true NAV fell below the NAV it reports at any time; a vault or book with a
//!   loss above 0;
//! - **funds frozen**: funds that cannot be withdrawn or redeemed at the end;
//! - **depeg**: a token whose market price fell more than the model's `depeg_pct` below its
//!   start at any time.

use faultline_orchestrator::{
    Report,
    report::{Event, EventKind},
};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// One entity on one path.
#[derive(Debug, Clone, PartialEq)]
pub struct EntityOutcome {
    /// `lending_market`, `issuer`, `vault`, ...
    pub kind: String,
    /// A readable name.
    pub name: String,
    /// Loss, cents.
    pub loss: i128,
    /// Economic bad debt (at market), cents.
    pub bad_debt_market: i128,
    /// Bad debt by the protocol's rule (at the oracle), cents.
    pub bad_debt_oracle: i128,
    /// Insolvent at some time.
    pub insolvent: bool,
    /// Funds frozen at the end.
    pub frozen: bool,
}

/// One path's outcome.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PathOutcome {
    /// By entity id.
    pub entities: BTreeMap<String, EntityOutcome>,
    /// By token: worst fall below the start, hundredths of a percent; and whether it depegged.
    pub tokens: BTreeMap<String, (i128, bool)>,
    /// The first break, `entity: event type`; `None` when nothing broke.
    pub first_break: Option<String>,
    /// Contagion chains (`root -> ... -> entity`) with the loss at their end, cents.
    pub chains: Vec<(String, i128)>,
    /// Some step did not reach a fixed point.
    pub non_converged: bool,
}

/// USD to cents.
pub(crate) fn cents(usd: Decimal) -> i128 {
    (usd * Decimal::ONE_HUNDRED).round().mantissa()
}

/// Reads a path's report; `start` holds each token's starting price, `depeg_pct` the threshold.
pub fn read(report: &Report, start: &BTreeMap<String, Decimal>, depeg_pct: Decimal) -> PathOutcome {
    let mut out =
        PathOutcome { non_converged: !report.non_converged_steps.is_empty(), ..Default::default() };
    let mut issuer_insolvent: BTreeMap<&str, bool> = BTreeMap::new();
    let mut low: BTreeMap<&str, Decimal> = BTreeMap::new();
    let mut first_loss: BTreeMap<&str, usize> = BTreeMap::new();
    for e in &report.events {
        match &e.kind {
            EventKind::NavChange { reported, to, .. } if to < reported => {
                issuer_insolvent.insert(&e.entity, true);
            }
            EventKind::PriceMove { to_usd, .. } => {
                let l = low.entry(&e.entity).or_insert(*to_usd);
                *l = (*l).min(*to_usd);
            }
            _ => {}
        }
        if e.kind.is_loss() {
            first_loss.entry(&e.entity).or_insert(e.id);
        }
    }
    for e in &report.entities {
        let loss = e.economic_bad_debt_usd.max(e.bad_debt_usd) + e.nav_lost_usd;
        let insolvent = match e.kind.as_str() {
            "lending_market" | "perp_venue" => {
                !e.bad_debt_usd.is_zero() || !e.economic_bad_debt_usd.is_zero()
            }
            "issuer" => issuer_insolvent.get(e.entity.as_str()).copied().unwrap_or(false),
            _ => loss > Decimal::ZERO,
        };
        let loss_cents = cents(loss);
        if loss_cents > 0
            && let Some(id) = first_loss.get(e.entity.as_str())
        {
            out.chains.push((chain(&report.events, *id), loss_cents));
        }
        out.entities.insert(
            e.entity.clone(),
            EntityOutcome {
                kind: e.kind.clone(),
                name: e.name.clone(),
                loss: loss_cents,
                bad_debt_market: cents(e.economic_bad_debt_usd),
                bad_debt_oracle: cents(e.bad_debt_usd),
                insolvent,
                frozen: e.frozen_usd > Decimal::ZERO,
            },
        );
    }
    for (token, s0) in start {
        let min = low.get(token.as_str()).copied().unwrap_or(*s0).min(*s0);
        let fall_pct = if s0.is_zero() {
            Decimal::ZERO
        } else {
            (Decimal::ONE - min / s0) * Decimal::ONE_HUNDRED
        };
        out.tokens.insert(token.clone(), (cents(fall_pct), fall_pct > depeg_pct));
    }
    out.first_break = report
        .first_break
        .and_then(|id| report.events.get(id))
        .map(|e| format!("{}: {}", e.entity, e.kind.name()));
    out
}

/// The entities from the root shock to event `id`, following each event's earliest cause
/// (consecutive repeats merged), at most 32 hops.
fn chain(events: &[Event], id: usize) -> String {
    let mut names: Vec<&str> = Vec::new();
    let mut at = Some(id);
    for _ in 0..32 {
        let Some(e) = at.and_then(|i| events.get(i)) else { break };
        let name = e.entity.as_str();
        if names.last() != Some(&name) {
            names.push(name);
        }
        at = e.causes.iter().min().copied();
    }
    names.reverse();
    names.join(" -> ")
}
