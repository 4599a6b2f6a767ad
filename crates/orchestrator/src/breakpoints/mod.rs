//! Breakpoints: the smallest shock of one driver at which each entity first takes a loss and
//! first becomes insolvent, found by bisection over the cascade.
//!
//! # The driver and the baseline
//!
//! A [`Driver`] names what is shocked, scaled by one shock size `s` in [0, 1]: a token's price
//! falls by `s × 100%` (`asset:<token>`), `s` times an issuer's backing is written down
//! (`issuer:<issuer>[/<backing item>]`), or `s` of a venue's depth is withdrawn
//! (`venue:<venue>`), all at t = 0. Each probe is one ordinary [`engine::run`](crate::engine::run)
//! over the scenario's snapshot, clock and engine options with the driver's shocks added. By
//! default the scenario's own shocks (and flow series) are dropped, so the breakpoints measure the driver alone;
//! with [`Options::keep_shocks`] they stay as a baseline and the breakpoints measure how much of
//! the driver it takes on top of them.
//!
//! # What "first takes a loss" and "first becomes insolvent" mean
//!
//! Both are read from the run's event log, at any time within the horizon (a loss that venue
//! recovery later undoes still counts: it happened):
//!
//! - **Lending market** (its lenders). *Loss*: a missed liquidation (a borrower unhealthy at
//!   market that nobody liquidates, so the lenders, not the borrower, now carry the collateral's
//!   further fall) or bad debt. *Insolvent*: bad debt, realised by the protocol's rule in a
//!   liquidation or economic (a borrower's debt above its collateral at market): the market owes
//!   its lenders more than its borrowers can repay. A liquidation that clears without bad debt
//!   is the market working, not a loss; a market at 100% utilisation (funds frozen) is a
//!   liquidity problem, not a loss, and counts as neither.
//! - **Issuer** (its token's holders). *Loss*: its true NAV (backing at market over supply) falls
//!   below its true NAV at the snapshot. *Insolvent*: its true NAV falls below the NAV it reports:
//!   the backing no longer covers its liabilities at the price holders are promised. An issuer
//!   already below its reported NAV at the snapshot is insolvent at `s = 0` (its first NAV change
//!   in any run shows the starting NAV); its breakpoint has no event and a note saying so.
//! - **Token** (its market price). *Loss*: its market price falls below its price at the start.
//!   *Break* (reported as insolvent): it falls more than [`Options::depeg_pct`] below it. A
//!   token is not a balance sheet; the break is the depeg or crash a holder would call one.
//!
//! # The search
//!
//! One run answers every entity at once, so runs are shared: a grid of [`Options::grid`] + 1
//! evenly spaced sizes in [0, 1] first (in parallel), then rounds that probe inside every
//! bracket still wider than [`Options::tolerance`] (a bracket is the largest size where the
//! condition did not hold below the smallest where it did; with more threads than open
//! brackets, each is cut into more parts), until all are narrower. Every report is cached by
//! size. The bisection assumes the conditions are monotone in `s`; every probe is checked
//! against that, and an entity whose condition holds at some size but not at a larger one is
//! reported with those sizes ([`EntityBreakpoints::non_monotone`]), never hidden. Conditions not
//! met at the largest size probed, `1 − tolerance`, are "not reached" (`None`): a shock of
//! exactly 100% (a price of 0, a venue with no depth, an issuer's token worth nothing) is outside
//! the venue models' range, which refuse a market at 0.

mod driver;
mod observe;

pub use driver::{Driver, WrittenDown};
pub use observe::{EntityKind, MarkEvent};

use crate::{
    Error, Result,
    engine::{Engine, Prepared, Quiet},
    scenario::Scenario,
    snapshot::Snapshot,
};
use driver::Plan;
use observe::{Entity, Observation};
use rayon::prelude::*;
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The breakpoint report format's version; bumped on every incompatible change.
pub const BREAKPOINT_SCHEMA_VERSION: u32 = 1;

/// How a search runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Width of the final bracket around each breakpoint, in shock size (default `0.0001`).
    pub tolerance: Decimal,
    /// Intervals of the first, evenly spaced pass over [0, 1] (default 16: 17 runs).
    pub grid: u32,
    /// Keep the scenario's own shocks as a baseline (default: drop them).
    pub keep_shocks: bool,
    /// A token breaks when its price falls more than this many percent (default 5).
    pub depeg_pct: Decimal,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            tolerance: Decimal::new(1, 4),
            grid: 16,
            keep_shocks: false,
            depeg_pct: Decimal::new(5, 0),
        }
    }
}

impl Options {
    fn check(&self) -> Result<()> {
        let bad = |field: &str, expected: &str, found: String| Error::Invalid {
            field: field.into(),
            expected: expected.into(),
            found,
        };
        // Below 1e-12 the bisection's midpoints would outrun the engine's own 1e-12 settling.
        if self.tolerance < Decimal::new(1, 12) || self.tolerance >= Decimal::ONE {
            return Err(bad("tolerance", "a shock size in [1e-12, 1)", self.tolerance.to_string()));
        }
        if !(1..=1024).contains(&self.grid) {
            return Err(bad("grid", "between 1 and 1024 intervals", self.grid.to_string()));
        }
        if self.depeg_pct <= Decimal::ZERO || self.depeg_pct > Decimal::ONE_HUNDRED {
            return Err(bad("depeg_pct", "a percentage in (0, 100]", self.depeg_pct.to_string()));
        }
        Ok(())
    }
}

/// Progress of a search, for a caller that shows it (called from worker threads).
pub trait SearchProgress: Sync {
    /// `done` runs finished of at most `planned` in all; `planned` never grows, so the share
    /// done never falls.
    fn runs(&self, done: usize, planned: usize);
}

/// No progress reporting.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl SearchProgress for NoProgress {
    fn runs(&self, _: usize, _: usize) {}
}

/// The outcome of a breakpoint search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BreakpointReport {
    /// Must equal [`BREAKPOINT_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The scenario's name (its snapshot, clock and engine options were used).
    pub scenario: String,
    /// The snapshot's name.
    pub snapshot: String,
    /// What was shocked.
    pub driver: DriverSummary,
    /// Whether the scenario's own shocks were kept as a baseline.
    pub keep_shocks: bool,
    /// Width of the final bracket around each breakpoint, in shock size.
    pub tolerance: Decimal,
    /// Intervals of the first pass.
    pub grid: u32,
    /// A token's break threshold, percent below its starting price.
    pub depeg_pct: Decimal,
    /// Engine runs made.
    pub runs: usize,
    /// One row per lending market, issuer and token; the first to lose first.
    pub entities: Vec<EntityBreakpoints>,
}

/// The driver of a search and its units.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DriverSummary {
    /// As written: `issuer:xusd`.
    pub spec: String,
    /// Parsed.
    pub driver: Driver,
    /// The unit of [`Breakpoint::magnitude`]: `price fall %`, `USD written down` or
    /// `liquidity removed %`.
    pub unit: String,
    /// The magnitude at `s = 1`.
    pub full_magnitude: Decimal,
    /// For an issuer driver, the items written down and their values.
    pub written_down: Vec<WrittenDown>,
}

/// One entity's breakpoints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EntityBreakpoints {
    /// Its id in the snapshot.
    pub entity: String,
    /// A readable name.
    pub name: String,
    /// What it is.
    pub kind: EntityKind,
    /// The smallest shock at which it first takes a loss; `None`: not reached.
    pub first_loss: Option<Breakpoint>,
    /// The smallest shock at which it is first insolvent (a token: breaks); `None`: not
    /// reached.
    pub first_insolvent: Option<Breakpoint>,
    /// Probed sizes above a breakpoint at which its condition did not hold (empty when the
    /// probes are consistent with monotonicity).
    pub non_monotone: Vec<NonMonotone>,
}

/// Where a condition is found to flip.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Breakpoint {
    /// The smallest probed shock size at which the condition holds.
    pub shock: Decimal,
    /// The largest probed size below `shock` at which it does not (the breakpoint lies in
    /// `(below, shock]`, at most the tolerance wide); `None` when it holds at `s = 0`.
    pub below: Option<Decimal>,
    /// `shock` in the driver's unit.
    pub magnitude: Decimal,
    /// The event of the run at `shock` that marks it; `None` when it holds before any event.
    pub event: Option<MarkEvent>,
    /// Why there is no event, when there is none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A probe that contradicts monotonicity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct NonMonotone {
    /// Which condition: `loss` or `insolvent`.
    pub condition: String,
    /// A size above the breakpoint at which it did not hold.
    pub at: Decimal,
}

/// The JSON Schema of the breakpoint report, generated from the types.
pub fn breakpoint_schema() -> serde_json::Value {
    schemars::schema_for!(BreakpointReport).to_value()
}

/// Finds every entity's breakpoints under `driver` (see the module documentation).
pub fn search(
    snapshot: &Snapshot,
    scenario: &Scenario,
    driver: &Driver,
    options: &Options,
) -> Result<BreakpointReport> {
    search_with(snapshot, scenario, driver, options, &NoProgress)
}

/// Which condition a target is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Condition {
    Loss,
    Insolvent,
}

/// The runs made so far, by shock size: one observation per entity.
type Cache = BTreeMap<Decimal, Vec<Observation>>;

/// [`search`], reporting runs done to `progress`.
pub fn search_with(
    snapshot: &Snapshot,
    scenario: &Scenario,
    driver: &Driver,
    options: &Options,
    progress: &dyn SearchProgress,
) -> Result<BreakpointReport> {
    options.check()?;
    let plan = driver.plan(snapshot)?;
    let mut base = scenario.clone();
    if !options.keep_shocks {
        // Flow series are exogenous like shocks and go with them; holders stay (they react).
        base.shocks.clear();
        base.flows.clear();
    }
    let entities = observe::entities(snapshot);
    // Check both inputs once, so a bad snapshot or scenario is reported as such, not per run.
    Engine::new(snapshot, &with_driver(&base, &plan, Decimal::ZERO))?;
    // The live state every probe starts from, validated and built once (each probe copies it).
    let prepared = Prepared::new(snapshot)?;

    let runner = Runner {
        snapshot,
        prepared: &prepared,
        base: &base,
        plan: &plan,
        entities: &entities,
        options,
        progress,
        done: AtomicUsize::new(0),
        shown: AtomicUsize::new(usize::MAX),
    };
    let mut cache = Cache::new();
    let top = Decimal::ONE - options.tolerance;
    let grid: Vec<Decimal> = (0..=options.grid)
        .map(|i| (Decimal::from(i) / Decimal::from(options.grid)).min(top))
        .collect();
    // The progress total is an upper bound that only shrinks, so the bar never moves backwards:
    // the grid, then at most one halving per round of the widest bracket (the whole range at
    // first), each round at most max(PROBES_PER_ROUND, open targets) runs.
    let all_targets = 2 * entities.len();
    let bound = |done: usize, widest: Decimal, unfinished: usize| {
        done + halvings(widest, options.tolerance) * PROBES_PER_ROUND.max(unfinished)
    };
    runner.batch(&grid, bound(grid.len(), Decimal::ONE, all_targets), &mut cache)?;

    loop {
        let unfinished: Vec<(Decimal, Decimal)> = targets(&entities)
            .filter_map(|(e, c)| bracket(&cache, e, c))
            .filter(|(lo, hi)| hi - lo > options.tolerance)
            .collect();
        let open: BTreeSet<(Decimal, Decimal)> = unfinished.iter().copied().collect();
        if open.is_empty() {
            break;
        }
        // A fixed schedule, never the machine's thread count: which probes run decides which
        // brackets are found, so it must be the same everywhere for the report to be.
        let parts = (PROBES_PER_ROUND / open.len()).max(1);
        let mut points = BTreeSet::new();
        for (lo, hi) in &open {
            for j in 1..=parts {
                let s = lo + (hi - lo) * Decimal::from(j) / Decimal::from(parts + 1);
                if !cache.contains_key(&s) {
                    points.insert(s);
                }
            }
        }
        let points: Vec<Decimal> = points.into_iter().collect();
        let widest = open.iter().map(|(lo, hi)| hi - lo).max().unwrap_or_default();
        let planned = bound(runner.done.load(Ordering::Relaxed), widest, unfinished.len());
        runner.batch(&points, planned, &mut cache)?;
    }

    let mut rows: Vec<EntityBreakpoints> = entities
        .iter()
        .enumerate()
        .map(|(index, entity)| row(&cache, &plan, index, entity))
        .collect();
    rows.sort_by(|a, b| {
        let key = |r: &EntityBreakpoints| {
            (r.first_loss.as_ref().map_or(Decimal::TWO, |b| b.shock), r.kind, r.entity.clone())
        };
        key(a).cmp(&key(b))
    });
    Ok(BreakpointReport {
        schema_version: BREAKPOINT_SCHEMA_VERSION,
        scenario: scenario.name.clone(),
        snapshot: snapshot.name.clone(),
        driver: DriverSummary {
            spec: driver.spec(),
            driver: driver.clone(),
            unit: plan.unit().into(),
            full_magnitude: plan.magnitude(Decimal::ONE),
            written_down: plan.items.clone(),
        },
        keep_shocks: options.keep_shocks,
        tolerance: options.tolerance,
        grid: options.grid,
        depeg_pct: options.depeg_pct,
        runs: cache.len(),
        entities: rows,
    })
}

/// Probes a refinement round aims for, spread over the open brackets (at least one each): the
/// search's schedule, independent of how many threads run them, so that every machine makes
/// the same runs and reports the same breakpoints. Eight keeps a typical laptop's cores busy.
pub const PROBES_PER_ROUND: usize = 8;

/// Halvings that take `width` down to at most `tolerance`.
fn halvings(width: Decimal, tolerance: Decimal) -> usize {
    let mut reached = tolerance;
    let mut count = 0;
    while reached < width {
        reached *= Decimal::TWO;
        count += 1;
    }
    count
}

/// `base` with the driver's shocks at size `s` added.
fn with_driver(base: &Scenario, plan: &Plan, s: Decimal) -> Scenario {
    let mut scenario = base.clone();
    scenario.shocks.extend(plan.shocks(s));
    scenario
}

/// Runs probes in parallel and records what each says.
struct Runner<'a> {
    snapshot: &'a Snapshot,
    prepared: &'a Prepared,
    base: &'a Scenario,
    plan: &'a Plan,
    entities: &'a [Entity],
    options: &'a Options,
    progress: &'a dyn SearchProgress,
    done: AtomicUsize,
    /// The total shown: the smallest upper bound on all runs found so far (it only shrinks, so
    /// the share done never falls).
    shown: AtomicUsize,
}

impl Runner<'_> {
    fn batch(&self, points: &[Decimal], planned: usize, cache: &mut Cache) -> Result<()> {
        self.shown.fetch_min(planned, Ordering::Relaxed);
        // Every probe's outcome is kept in the order of `points`, so when several fail the
        // error reported is the one at the smallest shock, whatever thread finished first.
        let results: Vec<Result<(Decimal, Vec<Observation>)>> = points
            .par_iter()
            .map(|&s| {
                let scenario = with_driver(self.base, self.plan, s);
                let report = Engine::probe(self.snapshot, &scenario, self.prepared)
                    .and_then(|engine| engine.run(&mut Quiet))
                    .map_err(|e| Error::Probe { shock: s, source: Box::new(e) })?;
                let seen = observe::observe_all(&report, self.entities, self.options.depeg_pct);
                let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
                let total = self.shown.load(Ordering::Relaxed).max(done);
                self.progress.runs(done, total);
                Ok((s, seen))
            })
            .collect();
        for result in results {
            let (s, seen) = result?;
            cache.insert(s, seen);
        }
        Ok(())
    }
}

fn targets(entities: &[Entity]) -> impl Iterator<Item = (usize, Condition)> + '_ {
    (0..entities.len()).flat_map(|e| [(e, Condition::Loss), (e, Condition::Insolvent)])
}

/// An issuer whose true NAV at the snapshot is already below its reported NAV (seen in any run).
fn starts_insolvent(cache: &Cache, entity: usize) -> Option<(Decimal, Decimal)> {
    cache
        .values()
        .find_map(|seen| seen.get(entity).and_then(|o| o.start_nav))
        .filter(|(start, reported)| start < reported)
}

/// Whether the condition holds in one run.
fn holds(cache: &Cache, seen: &[Observation], entity: usize, condition: Condition) -> bool {
    let Some(o) = seen.get(entity) else { return false };
    match condition {
        Condition::Loss => o.loss.is_some(),
        Condition::Insolvent => o.insolvent.is_some() || starts_insolvent(cache, entity).is_some(),
    }
}

/// `(below, at)`: the smallest probed size where the condition holds and the largest below it
/// where it does not; `None` when it never holds or already holds at 0.
fn bracket(cache: &Cache, entity: usize, condition: Condition) -> Option<(Decimal, Decimal)> {
    let hi = first_hit(cache, entity, condition)?;
    let lo = cache.range(..hi).next_back().map(|(s, _)| *s)?;
    Some((lo, hi))
}

fn first_hit(cache: &Cache, entity: usize, condition: Condition) -> Option<Decimal> {
    cache.iter().find(|(_, seen)| holds(cache, seen, entity, condition)).map(|(s, _)| *s)
}

fn row(cache: &Cache, plan: &Plan, index: usize, entity: &Entity) -> EntityBreakpoints {
    let mut non_monotone = Vec::new();
    let mut breakpoint = |condition: Condition| {
        let hi = first_hit(cache, index, condition)?;
        for (s, seen) in cache.range(hi..) {
            if !holds(cache, seen, index, condition) {
                let name = if condition == Condition::Loss { "loss" } else { "insolvent" };
                non_monotone.push(NonMonotone { condition: name.into(), at: *s });
            }
        }
        let seen = cache.get(&hi).and_then(|seen| seen.get(index));
        let event = seen.and_then(|o| match condition {
            Condition::Loss => o.loss.clone(),
            Condition::Insolvent => o.insolvent.clone(),
        });
        let note = match (condition, &event, starts_insolvent(cache, index)) {
            (Condition::Insolvent, None, Some((start, reported))) => Some(format!(
                "true NAV ${} at the snapshot is already below the reported ${reported}",
                start.round_dp(6)
            )),
            _ => None,
        };
        Some(Breakpoint {
            shock: hi,
            below: cache.range(..hi).next_back().map(|(s, _)| *s),
            magnitude: plan.magnitude(hi),
            event,
            note,
        })
    };
    let first_loss = breakpoint(Condition::Loss);
    let first_insolvent = breakpoint(Condition::Insolvent);
    EntityBreakpoints {
        entity: entity.id.clone(),
        name: entity.name.clone(),
        kind: entity.kind,
        first_loss,
        first_insolvent,
        non_monotone,
    }
}
