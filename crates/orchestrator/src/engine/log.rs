//! The event log and its causal bookkeeping.
//!
//! Every quantity the cascade reads (a token's price, an oracle's answer, an issuer's NAV, a
//! market's loss, a backing item's value) remembers the event that last changed it. An event
//! derived from quantities names those events as its causes, so the log is a DAG from the
//! scenario's shocks to every loss, built without any model having to know about causality.

use crate::report::{ContagionPath, Event, EventId, EventKind};
use std::collections::{BTreeMap, BTreeSet};

/// Something the cascade reads whose changes have causes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Quantity {
    /// A token's market price.
    Price(String),
    /// An oracle's answer.
    Oracle(String),
    /// An issuer's true NAV.
    Nav(String),
    /// A backing item's value.
    Backing(String),
    /// A lending market's losses (economic or realised bad debt).
    MarketLoss(String),
    /// An issuer's redemption state.
    Redemption(String),
    /// A venue's depth.
    Liquidity(String),
    /// A perp account's standing on a venue: `(venue, account)`.
    PerpAccount(String, u64),
    /// A delta-neutral book's hedge.
    Hedge(String),
    /// A perp venue's losses (insurance drawn, bad debt).
    PerpLoss(String),
    /// A holder's sell trigger: the price move that crossed it.
    Trigger(String),
    /// A stablecoin's supply (`engine::stablecoins`).
    Supply(String),
    /// A venue's bid side as the stablecoin-supply channel last set it.
    Bids(String),
}

/// The log under construction.
#[derive(Debug, Default)]
pub(crate) struct Log {
    pub(crate) events: Vec<Event>,
    last: BTreeMap<Quantity, EventId>,
    /// The clock, stamped on every event.
    pub(crate) step: u64,
    pub(crate) at_secs: u64,
    /// A probe's log (breakpoint search), read only for each entity's first events of a kind:
    /// see [`Log::keeps_miss`]. A report's log is never lean.
    pub(crate) lean: bool,
    /// Entities with a missed liquidation logged (kept only in a lean log).
    missed: BTreeSet<String>,
}

impl Log {
    /// The event that last changed `quantity`, if any.
    pub(crate) fn cause_of(&self, quantity: &Quantity) -> Option<EventId> {
        self.last.get(quantity).copied()
    }

    /// Records an event caused by the events behind `inputs` (in that order, without repeats).
    pub(crate) fn record(
        &mut self,
        entity: &str,
        kind: EventKind,
        inputs: &[Quantity],
        summary: String,
    ) -> EventId {
        self.record_after(entity, kind, &[], inputs, summary)
    }

    /// Records an event caused first by the events `first` (an event that acted, not a quantity
    /// it changed), then by the events behind `inputs`.
    pub(crate) fn record_after(
        &mut self,
        entity: &str,
        kind: EventKind,
        first: &[EventId],
        inputs: &[Quantity],
        summary: String,
    ) -> EventId {
        let mut causes = Vec::new();
        for &id in first {
            if !causes.contains(&id) {
                causes.push(id);
            }
        }
        for input in inputs {
            if let Some(id) = self.cause_of(input)
                && !causes.contains(&id)
            {
                causes.push(id);
            }
        }
        let id = self.events.len();
        self.events.push(Event {
            id,
            step: self.step,
            at_secs: self.at_secs,
            entity: entity.to_owned(),
            kind,
            causes,
            summary,
        });
        id
    }

    /// Whether a missed liquidation at `entity` about to be recorded needs its summary and
    /// borrower written out. Always in a report's log. In a lean log only the entity's first:
    /// a probe reads a market's events for its first missed liquidation or bad debt, so a later
    /// missed liquidation there is never read beyond its kind (its id still counts, so it is
    /// still recorded, with empty text). Formatting them is most of a crash's logging cost
    /// (a checksummed address and two USD figures per borrower).
    pub(crate) fn keeps_miss(&mut self, entity: &str) -> bool {
        !self.lean || (!self.missed.contains(entity) && self.missed.insert(entity.to_owned()))
    }

    /// Says that `event` is what last changed `quantity`.
    pub(crate) fn mark(&mut self, quantity: Quantity, event: EventId) {
        self.last.insert(quantity, event);
    }

    /// Makes `to` inherit `from`'s cause (an oracle answer moved because the price did).
    pub(crate) fn inherit(&mut self, to: Quantity, from: &Quantity) {
        if let Some(id) = self.cause_of(from) {
            self.last.insert(to, id);
        }
    }
}

/// For each loss event, the chain back to its root shock, following each event's first cause.
pub(crate) fn contagion(events: &[Event]) -> Vec<ContagionPath> {
    let mut paths = Vec::new();
    // Report each loss once per entity: the first loss of that kind there, which is where the
    // chain broke; later ones repeat it.
    let mut seen = BTreeSet::new();
    for event in events.iter().filter(|e| e.kind.is_loss()) {
        let key = (event.entity.clone(), event.kind.name());
        if !seen.insert(key) {
            continue;
        }
        let mut path = vec![event.id];
        let mut at = event;
        // Follow the first-named cause (the quantity the event was derived from first). Causes
        // are always earlier events, so ids strictly fall and the walk ends; stop on a bad log.
        while let Some(&cause) = at.causes.first() {
            if cause >= at.id {
                break;
            }
            path.push(cause);
            at = &events[cause];
        }
        path.reverse();
        let text =
            path.iter().map(|&i| events[i].summary.as_str()).collect::<Vec<_>>().join(" -> ");
        paths.push(ContagionPath { loss: event.id, path, text });
    }
    paths
}
