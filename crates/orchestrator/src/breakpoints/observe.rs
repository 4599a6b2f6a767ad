//! What one run says about each entity: whether it took a loss and whether it became insolvent
//! (or, for a token, broke), and the event that shows it. The definitions are in the parent
//! module's documentation; this module is their one implementation.

use crate::{
    report::{Event, EventId, EventKind, Report},
    snapshot::Snapshot,
};
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The kind of an entity a breakpoint is found for.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    /// A lending market (its lenders' position).
    LendingMarket,
    /// An issuer (its token's holders' claim on the backing).
    Issuer,
    /// A token's market price.
    Token,
}

impl EntityKind {
    /// The name used in reports (`lending_market`, `issuer`, `token`).
    pub const fn name(self) -> &'static str {
        match self {
            Self::LendingMarket => "lending_market",
            Self::Issuer => "issuer",
            Self::Token => "token",
        }
    }
}

/// An entity of the snapshot.
#[derive(Debug, Clone)]
pub(crate) struct Entity {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) kind: EntityKind,
}

/// Every lending market, issuer and token of the snapshot, in that order.
pub(crate) fn entities(snapshot: &Snapshot) -> Vec<Entity> {
    let markets = snapshot.lending_markets.iter().map(|m| Entity {
        id: m.id.clone(),
        name: m.name.clone(),
        kind: EntityKind::LendingMarket,
    });
    let issuers = snapshot.issuers.iter().map(|i| Entity {
        id: i.id.clone(),
        name: i.token.clone(),
        kind: EntityKind::Issuer,
    });
    let tokens = snapshot.tokens.iter().map(|t| Entity {
        id: t.id.clone(),
        name: t.symbol.clone(),
        kind: EntityKind::Token,
    });
    markets.chain(issuers).chain(tokens).collect()
}

/// The event of a run that marks a breakpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct MarkEvent {
    /// Its index in that run's event log.
    pub id: EventId,
    /// The step it happened in.
    pub step: u64,
    /// Its type (`missed_liquidation`, `economic_bad_debt`, `nav_change`, `price_move`, ...).
    pub kind: String,
    /// The report's one-line account of it.
    pub summary: String,
}

impl From<&Event> for MarkEvent {
    fn from(e: &Event) -> Self {
        Self { id: e.id, step: e.step, kind: e.kind.name().into(), summary: e.summary.clone() }
    }
}

/// What one run says about one entity.
#[derive(Debug, Clone, Default)]
pub(crate) struct Observation {
    /// The first event that shows a loss, if any.
    pub(crate) loss: Option<MarkEvent>,
    /// The first event that shows insolvency (a token: a break), if any.
    pub(crate) insolvent: Option<MarkEvent>,
    /// For an issuer: its true NAV at the snapshot and its reported NAV, when the run logged a
    /// NAV change (the first change starts from the snapshot's NAV).
    pub(crate) start_nav: Option<(Decimal, Decimal)>,
}

/// What `report` says about `entity`; `depeg_pct` is a token's break threshold.
pub(crate) fn observe(report: &Report, entity: &Entity, depeg_pct: Decimal) -> Observation {
    let own = || report.events.iter().filter(move |e| e.entity == entity.id);
    let first =
        |pred: &dyn Fn(&EventKind) -> bool| own().find(|e| pred(&e.kind)).map(MarkEvent::from);
    match entity.kind {
        EntityKind::LendingMarket => {
            let bad_debt = |k: &EventKind| match k {
                EventKind::EconomicBadDebt { total_usd } => *total_usd > Decimal::ZERO,
                EventKind::Liquidation { bad_debt_usd, .. } => *bad_debt_usd > Decimal::ZERO,
                _ => false,
            };
            Observation {
                loss: first(&|k| matches!(k, EventKind::MissedLiquidation { .. }) || bad_debt(k)),
                insolvent: first(&bad_debt),
                start_nav: None,
            }
        }
        EntityKind::Issuer => {
            let start = own().find_map(|e| match e.kind {
                EventKind::NavChange { reported, from, .. } => Some((from, reported)),
                _ => None,
            });
            let Some((start_nav, _)) = start else { return Observation::default() };
            Observation {
                loss: first(&|k| matches!(k, EventKind::NavChange { to, .. } if *to < start_nav)),
                insolvent: first(
                    &|k| matches!(k, EventKind::NavChange { to, reported, .. } if to < reported),
                ),
                start_nav: start,
            }
        }
        EntityKind::Token => {
            let start = own().find_map(|e| match e.kind {
                EventKind::PriceMove { from_usd, .. } => Some(from_usd),
                _ => None,
            });
            let Some(start) = start else { return Observation::default() };
            let floor = start * (Decimal::ONE - depeg_pct / Decimal::ONE_HUNDRED);
            Observation {
                loss: first(
                    &|k| matches!(k, EventKind::PriceMove { to_usd, .. } if *to_usd < start),
                ),
                insolvent: first(
                    &|k| matches!(k, EventKind::PriceMove { to_usd, .. } if *to_usd < floor),
                ),
                start_nav: None,
            }
        }
    }
}
