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
use std::collections::BTreeMap;

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
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Observation {
    /// The first event that shows a loss, if any.
    pub(crate) loss: Option<MarkEvent>,
    /// The first event that shows insolvency (a token: a break), if any.
    pub(crate) insolvent: Option<MarkEvent>,
    /// For an issuer: its true NAV at the snapshot and its reported NAV, when the run logged a
    /// NAV change (the first change starts from the snapshot's NAV).
    pub(crate) start_nav: Option<(Decimal, Decimal)>,
}

/// What `report` says about each of `entities`, in order: [`observe`] for each, with the log
/// split by entity in one pass instead of one pass per entity.
pub(crate) fn observe_all(
    report: &Report,
    entities: &[Entity],
    depeg_pct: Decimal,
) -> Vec<Observation> {
    let mut by_entity: BTreeMap<&str, Vec<&Event>> =
        entities.iter().map(|e| (e.id.as_str(), Vec::new())).collect();
    for event in &report.events {
        if let Some(own) = by_entity.get_mut(event.entity.as_str()) {
            own.push(event);
        }
    }
    entities
        .iter()
        .map(|entity| {
            let own = by_entity.get(entity.id.as_str()).map_or(&[][..], Vec::as_slice);
            observe_events(own, entity, depeg_pct)
        })
        .collect()
}

/// What `report` says about `entity`; `depeg_pct` is a token's break threshold.
#[cfg(test)]
pub(crate) fn observe(report: &Report, entity: &Entity, depeg_pct: Decimal) -> Observation {
    let own: Vec<&Event> = report.events.iter().filter(|e| e.entity == entity.id).collect();
    observe_events(&own, entity, depeg_pct)
}

/// What `own`, the events of `entity` in log order, say about it.
fn observe_events(own: &[&Event], entity: &Entity, depeg_pct: Decimal) -> Observation {
    let own = || own.iter().copied();
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{Event, EventKind, LossTotals, REPORT_SCHEMA_VERSION, Report};

    fn event(id: usize, entity: &str, kind: EventKind) -> Event {
        Event {
            id,
            step: 0,
            at_secs: 0,
            entity: entity.into(),
            kind,
            causes: Vec::new(),
            summary: format!("event {id}"),
        }
    }

    fn price(from: i64, to: i64) -> EventKind {
        EventKind::PriceMove { from_usd: Decimal::from(from), to_usd: Decimal::from(to) }
    }

    fn nav(from: i64, to: i64) -> EventKind {
        EventKind::NavChange {
            reported: Decimal::from(100),
            from: Decimal::from(from),
            to: Decimal::from(to),
        }
    }

    /// The one-pass split gives every entity what its own scan of the log gives, with events of
    /// several entities interleaved, an issuer and a token sharing an id (as an issuer and its
    /// token may), events of entities not asked about, and an entity without events.
    #[test]
    fn observing_all_at_once_equals_observing_each() {
        let events = vec![
            event(0, "weth", price(100, 99)),
            event(1, "other", price(100, 1)),
            event(2, "m1", EventKind::EconomicBadDebt { total_usd: Decimal::ONE }),
            event(3, "x", nav(101, 99)),
            event(4, "weth", price(99, 90)),
            event(5, "x", price(100, 94)),
            event(6, "x", nav(99, 98)),
            event(
                7,
                "m2",
                EventKind::MissedLiquidation {
                    borrower: "b".into(),
                    reason: crate::report::MissReason::Unprofitable,
                    debt_usd: Decimal::ONE,
                    collateral_usd: Decimal::ONE,
                },
            ),
            event(8, "m1", EventKind::FundsFrozen { frozen_usd: Decimal::ONE }),
        ];
        let report = Report {
            schema_version: REPORT_SCHEMA_VERSION,
            scenario: String::new(),
            snapshot: String::new(),
            steps: 1,
            step_secs: 1,
            non_converged_steps: Vec::new(),
            still_moving: Vec::new(),
            events,
            first_break: None,
            entities: Vec::new(),
            totals: LossTotals::default(),
            contagion: Vec::new(),
            series: Vec::new(),
            stablecoins: Vec::new(),
        };
        let entity = |id: &str, kind| Entity { id: id.into(), name: id.into(), kind };
        let entities = [
            entity("m1", EntityKind::LendingMarket),
            entity("m2", EntityKind::LendingMarket),
            entity("m3", EntityKind::LendingMarket),
            entity("x", EntityKind::Issuer),
            entity("x", EntityKind::Token),
            entity("weth", EntityKind::Token),
        ];
        let depeg = Decimal::from(5);
        let all = observe_all(&report, &entities, depeg);
        let each: Vec<Observation> = entities.iter().map(|e| observe(&report, e, depeg)).collect();
        assert_eq!(all, each);
        // And the scans found something to compare: m1 insolvent at 2, x's NAV loss at 3, x
        // broken at 5 (-6% > 5%), weth broken at 4 (-10%), m3 nothing.
        let id = |o: &Option<MarkEvent>| o.as_ref().map(|e| e.id);
        assert_eq!(id(&all[0].insolvent), Some(2));
        assert_eq!(id(&all[1].loss), Some(7));
        assert_eq!(all[2], Observation::default());
        assert_eq!(id(&all[3].loss), Some(3));
        assert_eq!(id(&all[4].insolvent), Some(5));
        assert_eq!(id(&all[5].insolvent), Some(4));
    }

    /// A probe's lean log says the same about every entity as the full report of the same run,
    /// on both bundled scenarios (Morpho and Aave misses, bad debt, NAV changes, depegs): the
    /// same events with the same ids, kinds and causes, and the same observations; only later
    /// missed liquidations' text is left out, and some is (so the lean path is exercised).
    #[test]
    fn a_lean_probe_observes_what_the_full_report_does() {
        use crate::{
            Scenario,
            engine::{Engine, Prepared, Quiet},
            snapshot::Snapshot,
        };
        let bundled = [
            (
                include_str!("../../../../fixtures/snapshots/stream-elixir-2025-11.json"),
                include_str!("../../../../fixtures/scenarios/stream-elixir-2025-11.toml"),
            ),
            (
                include_str!("../../../../fixtures/snapshots/ten-ten-2025.json"),
                include_str!("../../../../fixtures/scenarios/ten-ten-2025.toml"),
            ),
        ];
        let mut left_out = 0;
        for (snapshot, scenario) in bundled {
            let snapshot = Snapshot::from_json(snapshot).unwrap();
            let scenario = Scenario::from_toml(scenario).unwrap();
            let full = Engine::new(&snapshot, &scenario).unwrap().run(&mut Quiet).unwrap();
            let prepared = Prepared::new(&snapshot).unwrap();
            let lean =
                Engine::probe(&snapshot, &scenario, &prepared).unwrap().run(&mut Quiet).unwrap();
            assert_eq!(full.events.len(), lean.events.len());
            for (f, l) in full.events.iter().zip(&lean.events) {
                assert_eq!(
                    (f.id, f.step, &f.entity, &f.causes),
                    (l.id, l.step, &l.entity, &l.causes)
                );
                assert_eq!(f.kind.name(), l.kind.name());
                assert_eq!(f.kind.is_loss(), l.kind.is_loss());
                if f.summary != l.summary {
                    assert!(l.summary.is_empty(), "{}", f.summary);
                    left_out += 1;
                }
            }
            assert_eq!(full.entities, lean.entities);
            let entities = super::entities(&snapshot);
            let depeg = Decimal::from(5);
            assert_eq!(observe_all(&full, &entities, depeg), observe_all(&lean, &entities, depeg));
        }
        assert!(left_out > 0, "no missed liquidation's text was left out");
    }
}
