//! The cascade: apply each step's shocks, then iterate to a fixed point.
//!
//! One round of a step, in order:
//! 1. issuers' true NAVs from their backing at market value (holdings at market, lending supply
//!    at what lenders can recover, loans and opaque claims less write-downs), and the issuer
//!    token's fair price falls to its true NAV when the truth is below it (an informed market
//!    prices the truth, whatever the issuer reports);
//! 2. oracles observe the market (a hardcoded oracle ignores it);
//! 3. lending markets, Morpho Blue, then Aave v3, Compound v3 and Euler v2, each by one shared
//!    pass (`lending`) over the protocol's own rules (`faultline_lending::cascade`): every
//!    borrower the protocol's oracle calls liquidatable is liquidated by a profit-seeking
//!    liquidator if the bonus beats slippage and gas (Comet absorbs without a profit gate), the
//!    seized collateral sold into its venue (moving its price); a borrower liquidatable at market
//!    but not by the oracle is a missed liquidation; debt not covered at market is economic bad
//!    debt. Morpho lenders run and can be frozen at 100% utilisation (`morpho`); Comet sells
//!    absorbed collateral through its store front (`comet`);
//! 4. perp venues: the liquidation waterfall and ADL, and the delta-neutral books whose hedges
//!    it closes (see `perps`);
//! 5. MetaMorpho vaults: share price by the contract's rule and economic value per share from
//!    their markets (see `vaults`);
//! 6. holders whose sell trigger is crossed sell into their venue (`holders`), a snapshot's all
//!    at once, a scenario's one tranche per step;
//! 7. stablecoins (`stablecoins`): the round's redemptions out of liquidation proceeds leave
//!    supply, and the bids of the venues each funds follow its supply by the depth law.
//!
//! A step's flow rows (`flows`: ETF flows, treasury trades, dated buys and sells) trade into their
//! venues after its shocks, before the rounds; stablecoin-supply rows mint or redeem. Then every
//! lending market with a rate model in the snapshot accrues interest to the step's time, once, by
//! its contract's own rule (`lending`): the run's clock is the snapshot's `timestamp` plus the
//! step's start, the time price paths and the backtest's series use.
//!
//! A run of a scenario with stablecoins is made twice, the second time with the channel off
//! (supply kept, bids untouched), and the report gives each funded token's fall with and
//! without it.
//!
//! Rounds repeat until nothing a report shows changes (`convergence`); a step that does not settle within the scenario's cap is
//! reported, never hidden. Figures are exact decimals and every collection is ordered, so the
//! same inputs give the same report bit for bit.

mod comet;
mod convergence;
mod flows;
mod holders;
mod issuers;
mod lending;
pub(crate) mod log;
pub(crate) mod markets;
mod morpho;
mod perps;
mod series;
mod stablecoins;
mod vaults;
mod venues;
mod world;

pub(crate) use world::ORACLE_DECIMALS;

use crate::{
    Error, Result,
    report::{
        EntityLoss, EventKind, LossTotals, REPORT_SCHEMA_VERSION, Report, SeriesPoint, StillMoving,
        usd,
    },
    scenario::{OracleAction, Scenario, ShockKind, path_prices},
    snapshot::{Snapshot, validate},
};
use faultline_core::{MarketPrice, Observation};
use log::{Log, Quantity};
use rust_decimal::Decimal;
use venues::Seller;
use world::{World, fair_mid, oracle_price};

/// Progress of a run, for a caller that shows it.
pub trait Progress {
    /// Step `step` of `total` is done.
    fn step_done(&mut self, step: u64, total: u64);
}

/// No progress reporting.
#[derive(Debug, Clone, Copy, Default)]
pub struct Quiet;

impl Progress for Quiet {
    fn step_done(&mut self, _: u64, _: u64) {}
}

/// Relative change below which a recomputed figure counts as unchanged (1e-12): lets a backing
/// cycle (A holds B holds A), whose NAVs converge geometrically, settle in finitely many rounds.
fn settled(old: Decimal, new: Decimal) -> bool {
    let tolerance = old.abs().max(Decimal::ONE) * Decimal::new(1, 12);
    (new - old).abs() <= tolerance
}

/// A stress run in progress.
#[derive(Debug)]
pub struct Engine<'a> {
    snapshot: &'a Snapshot,
    scenario: &'a Scenario,
    world: World,
    log: Log,
    /// Start price of each active price ramp, by shock index.
    ramps: std::collections::BTreeMap<usize, Decimal>,
    /// Per-step figures, when the scenario asks for them.
    series: Vec<SeriesPoint>,
    /// The scenario's stablecoins, live.
    stablecoins: Vec<stablecoins::StablecoinLive>,
    /// Whether bids follow stablecoin supply (off in the counterfactual run).
    channel: bool,
}

/// Every lending market of a validated snapshot as the engine builds it, in snapshot order (for
/// the one-shot analyses: bands, position).
pub(crate) fn live_markets(snapshot: &Snapshot) -> Result<Vec<markets::Market>> {
    let mut world = World::build(snapshot)?;
    snapshot
        .lending_markets
        .iter()
        .map(|m| world.markets.remove(&m.id).ok_or_else(|| model_missing(&m.id)))
        .collect()
}

/// Runs `scenario` over `snapshot` and reports what broke.
pub fn run(snapshot: &Snapshot, scenario: &Scenario) -> Result<Report> {
    Engine::new(snapshot, scenario)?.run(&mut Quiet)
}

/// A validated snapshot's live state, built once and copied for each of many runs over the same
/// snapshot (the breakpoint search's probes): validating and building a large snapshot costs
/// about as much as a quiet run over it, and neither depends on the scenario.
#[derive(Debug, Clone)]
pub struct Prepared(World);

impl Prepared {
    /// Validates `snapshot` and builds its live state, as [`Engine::new`] does.
    pub fn new(snapshot: &Snapshot) -> Result<Self> {
        let problems = validate(snapshot);
        if !problems.is_empty() {
            return Err(Error::Snapshot(problems));
        }
        World::build(snapshot).map(Self)
    }
}

impl<'a> Engine<'a> {
    /// [`Engine::new`] over a snapshot already validated and built into `prepared` (which
    /// must have been built from `snapshot`); the scenario is checked as usual.
    pub fn prepared(
        snapshot: &'a Snapshot,
        scenario: &'a Scenario,
        prepared: &Prepared,
    ) -> Result<Self> {
        let problems = scenario.check(snapshot);
        if !problems.is_empty() {
            return Err(Error::Scenario(problems));
        }
        let mut world = prepared.0.clone();
        world.holders.extend(scenario.holders.iter().map(holders::HolderLive::from_scenario));
        Ok(Self {
            snapshot,
            scenario,
            world,
            log: Log::default(),
            ramps: Default::default(),
            series: Vec::new(),
            stablecoins: scenario
                .stablecoins
                .iter()
                .map(stablecoins::StablecoinLive::from_scenario)
                .collect(),
            channel: true,
        })
    }

    /// [`Engine::prepared`] for a breakpoint probe: the run's report is read only through
    /// `breakpoints::observe`, so its log is lean (`Log::keeps_miss`) and it has no contagion
    /// paths. Every event is still recorded with its kind, figures, causes and id.
    pub fn probe(
        snapshot: &'a Snapshot,
        scenario: &'a Scenario,
        prepared: &Prepared,
    ) -> Result<Self> {
        let mut engine = Self::prepared(snapshot, scenario, prepared)?;
        engine.log.lean = true;
        Ok(engine)
    }

    /// Checks both inputs and builds the live state.
    pub fn new(snapshot: &'a Snapshot, scenario: &'a Scenario) -> Result<Self> {
        let problems = validate(snapshot);
        if !problems.is_empty() {
            return Err(Error::Snapshot(problems));
        }
        let problems = scenario.check(snapshot);
        if !problems.is_empty() {
            return Err(Error::Scenario(problems));
        }
        let mut world = World::build(snapshot)?;
        world.holders.extend(scenario.holders.iter().map(holders::HolderLive::from_scenario));
        Ok(Self {
            snapshot,
            scenario,
            world,
            log: Log::default(),
            ramps: Default::default(),
            series: Vec::new(),
            stablecoins: scenario
                .stablecoins
                .iter()
                .map(stablecoins::StablecoinLive::from_scenario)
                .collect(),
            channel: true,
        })
    }

    /// Runs every step, reporting progress; with stablecoins, runs them again with the channel
    /// off and reports each funded token's fall with and without it.
    pub fn run(self, progress: &mut dyn Progress) -> Result<Report> {
        let counterfactual = self.without_channel();
        let tokens = self.funded_tokens();
        let (mut report, with) = self.run_steps(progress)?;
        if let Some(engine) = counterfactual {
            let (_, without) = engine.run_steps(&mut Quiet)?;
            stablecoins::attribute(&mut report.stablecoins, &tokens, &with, &without);
        }
        Ok(report)
    }

    /// Runs every step; the report and each funded token's price change.
    fn run_steps(
        mut self,
        progress: &mut dyn Progress,
    ) -> Result<(Report, std::collections::BTreeMap<String, Decimal>)> {
        let step_secs = self.scenario.step_secs;
        let steps = self.scenario.horizon_secs / step_secs;
        // The starting NAVs, before any shock.
        self.revalue_issuers()?;
        for issuer in self.world.issuers.values_mut() {
            issuer.start_nav = issuer.nav;
        }
        self.start_vaults()?;
        let mut non_converged = Vec::new();
        for step in 0..steps {
            let now = step * step_secs;
            self.log.step = step;
            self.log.at_secs = now;
            let moving = self.step(step, now).map_err(|e| self.at_step(step, now, e))?;
            if !moving.is_empty() {
                non_converged.push(StillMoving { step, quantities: moving });
            }
            if self.scenario.engine.series {
                self.record_series(step, now)?;
            }
            progress.step_done(step + 1, steps);
        }
        let changes = self.funded_changes();
        Ok((self.report(steps, non_converged)?, changes))
    }

    /// One step: venues recover, shocks apply, funding is paid, and the cascade runs; the
    /// quantities still moving if it did not settle (empty if it did).
    fn step(&mut self, step: u64, now: u64) -> Result<Vec<String>> {
        if step > 0 {
            self.recover_venues(self.scenario.step_secs)?;
        }
        self.apply_shocks(now)?;
        self.apply_flows(now)?;
        self.pay_funding(now, self.scenario.step_secs)?;
        self.accrue_lending(now)?;
        self.cascade(now)
    }

    /// `error`, raised at `step`, with the step, its time and the shocks started by then.
    fn at_step(&self, step: u64, now: u64, error: Error) -> Error {
        let end = now.saturating_add(self.scenario.step_secs);
        let shocks: Vec<String> = self
            .scenario
            .shocks
            .iter()
            .enumerate()
            .filter(|(_, s)| s.at_secs < end)
            .map(|(i, s)| format!("shocks[{i}] ({})", describe(&s.kind)))
            .collect();
        let shocks = if shocks.is_empty() { "none".to_owned() } else { shocks.join(", ") };
        Error::Step { step, at_secs: now, shocks, source: Box::new(error) }
    }

    /// Rounds to a fixed point: until a round leaves every figure the report shows unchanged.
    /// Empty once settled; if the iteration cap comes first, the quantities that still moved in
    /// the last round, named.
    fn cascade(&mut self, now: u64) -> Result<Vec<String>> {
        let mut before = self.fingerprint();
        let mut previous = Vec::new();
        for _ in 0..self.scenario.engine.max_iterations {
            self.revalue_issuers()?;
            self.observe_oracles(now)?;
            self.run_lending()?;
            self.run_perps(now)?;
            self.run_vaults()?;
            self.run_holders()?;
            self.run_stablecoins()?;
            let after = self.fingerprint();
            if after == before {
                return Ok(Vec::new());
            }
            previous = std::mem::replace(&mut before, after);
        }
        Ok(convergence::moving(&self.fingerprint_labels(), &previous, &before))
    }

    /// Every figure a round can change, at the precision the report can show: a figure that
    /// moves only beyond its [`convergence::SIGNIFICANT_DIGITS`]th significant digit (a
    /// geometric series in the 28th, say) is settled. Same order as
    /// [`Self::fingerprint_labels`].
    fn fingerprint(&self) -> Vec<Decimal> {
        let w = &self.world;
        let mut f: Vec<Decimal> = w.tokens.values().map(|t| t.price).collect();
        f.extend(w.issuers.values().map(|i| i.nav));
        f.extend(w.market_order.iter().flat_map(|id| {
            let m = w.markets[id].book();
            [m.economic_bad_debt_usd, m.realised_bad_debt_usd, Decimal::from(m.liquidations)]
        }));
        f.extend(w.oracles.values().map(|o| o.oracle.price().0.to_decimal().unwrap_or_default()));
        f.extend(self.perp_fingerprint());
        f.extend(w.vaults.values().flat_map(|v| [v.share_price, v.economic, v.frozen_usd]));
        f.extend(self.stablecoin_fingerprint());
        for figure in &mut f {
            *figure = convergence::shown(*figure);
        }
        f
    }

    /// What each entry of [`Self::fingerprint`] is, built only when a step does not settle.
    fn fingerprint_labels(&self) -> Vec<String> {
        let w = &self.world;
        let mut l: Vec<String> = w.tokens.keys().map(|t| format!("price of {t}")).collect();
        l.extend(w.issuers.keys().map(|i| format!("NAV of {i}")));
        l.extend(w.market_order.iter().flat_map(|id| {
            [
                format!("{id} economic bad debt"),
                format!("{id} realised bad debt"),
                format!("{id} liquidations"),
            ]
        }));
        l.extend(w.oracles.keys().map(|o| format!("oracle {o} answer")));
        l.extend(self.perp_fingerprint_labels());
        l.extend(w.vaults.keys().flat_map(|v| {
            [format!("{v} share price"), format!("{v} economic value"), format!("{v} funds frozen")]
        }));
        l.extend(self.stablecoin_fingerprint_labels());
        l
    }

    /// Sets a token's fair price and re-centres its venues on it; logs the move.
    fn set_fair(
        &mut self,
        token: &str,
        usd: Decimal,
        causes: &[Quantity],
        why: &str,
    ) -> Result<()> {
        let Some(state) = self.world.tokens.get_mut(token) else { return Ok(()) };
        if settled(state.fair, usd) {
            return Ok(());
        }
        state.fair = usd;
        let quote_prices: Vec<(String, Decimal)> = self
            .world
            .venues
            .iter()
            .filter(|(_, v)| v.base == token)
            .map(|(id, v)| {
                (id.clone(), self.world.tokens.get(&v.quote).map_or(Decimal::ONE, |q| q.price))
            })
            .collect();
        for (id, quote_usd) in quote_prices {
            let mid = fair_mid(&id, usd, quote_usd)?;
            if let Some(v) = self.world.venues.get_mut(&id) {
                v.venue.follow(mid)?;
            }
        }
        self.refresh_price(token, causes, why)
    }

    /// Re-reads a token's market price from its venue (or its fair price) and logs a change.
    fn refresh_price(&mut self, token: &str, causes: &[Quantity], why: &str) -> Result<()> {
        let Some(state) = self.world.tokens.get(token) else { return Ok(()) };
        let new = match &state.venue {
            Some(venue) => {
                let v = &self.world.venues[venue];
                let quote_usd = self.world.tokens.get(&v.quote).map_or(Decimal::ONE, |q| q.price);
                v.venue.mid()? * quote_usd
            }
            None => state.fair,
        };
        let old = state.price;
        if settled(old, new) {
            return Ok(());
        }
        // A price read off a book whose bids followed a stablecoin's supply depends on that too.
        let bids = state.venue.as_ref().map(|v| Quantity::Bids(v.clone()));
        if let Some(state) = self.world.tokens.get_mut(token) {
            state.price = new;
        }
        let summary = format!("{token} {} ({why})", pct_change(old, new));
        let mut causes = causes.to_vec();
        causes.extend(bids.filter(|b| self.log.cause_of(b).is_some()));
        let id = self.log.record(
            token,
            EventKind::PriceMove { from_usd: old, to_usd: new },
            &causes,
            summary,
        );
        self.log.mark(Quantity::Price(token.to_owned()), id);
        Ok(())
    }

    fn recover_venues(&mut self, dt: u64) -> Result<()> {
        let ids: Vec<String> = self.world.venues.keys().cloned().collect();
        for id in ids {
            let v = &self.world.venues[&id];
            let Some(half_life) = v.half_life else { continue };
            let base = self.world.tokens[&v.base].fair;
            let quote = self.world.tokens[&v.quote].price;
            let mid = fair_mid(&id, base, quote)?;
            let token = v.base.clone();
            if let Some(v) = self.world.venues.get_mut(&id) {
                v.venue.recover(mid, dt, half_life)?;
            }
            let cause = Quantity::Liquidity(id.clone());
            self.refresh_price(&token, &[cause, Quantity::Price(token.clone())], "recovery")?;
        }
        Ok(())
    }

    fn apply_shocks(&mut self, now: u64) -> Result<()> {
        let step = self.scenario.step_secs;
        for (index, shock) in self.scenario.shocks.iter().enumerate() {
            let starts_now = shock.at_secs >= now && shock.at_secs < now + step;
            let ramping = match shock.kind {
                ShockKind::Price { over_secs, .. } => {
                    shock.at_secs < now && now < shock.at_secs + over_secs
                }
                ShockKind::PricePath { .. } => shock.at_secs < now,
                _ => false,
            };
            if !starts_now && !ramping {
                continue;
            }
            let note =
                if shock.note.is_empty() { describe(&shock.kind) } else { shock.note.clone() };
            let entity = shock_entity(&shock.kind);
            let id = if starts_now {
                let id = self.log.record(
                    &entity,
                    EventKind::Shock { note: note.clone() },
                    &[],
                    note.clone(),
                );
                Some(id)
            } else {
                None
            };
            match &shock.kind {
                ShockKind::Price { token, price_usd, change_pct, over_secs } => {
                    let fair = self.world.tokens[token].fair;
                    let start = *self.ramps.entry(index).or_insert(fair);
                    let target = match (price_usd, change_pct) {
                        (Some(p), _) => *p,
                        (None, Some(c)) => start * (Decimal::ONE + c / Decimal::ONE_HUNDRED),
                        (None, None) => start,
                    };
                    let done = now + step - shock.at_secs;
                    let fraction = if *over_secs == 0 {
                        Decimal::ONE
                    } else {
                        (Decimal::from(done) / Decimal::from(*over_secs)).min(Decimal::ONE)
                    };
                    let price = start + (target - start) * fraction;
                    // A change in percent compounds on the price when the shock starts, so its
                    // target is only known here: it must stay a price the cascade can value.
                    if let Err(expected) = faultline_core::limits::price(target) {
                        return Err(Error::Invalid {
                            field: format!("shocks[{index}] target price of {token}"),
                            expected,
                            found: format!("{target} (from {start})"),
                        });
                    }
                    if let Some(id) = id {
                        self.log.mark(Quantity::Price(token.clone()), id);
                    }
                    self.set_fair(token, price, &[Quantity::Price(token.clone())], "shock")?;
                }
                ShockKind::WriteDown { backing, loss_usd } => {
                    for issuer in self.world.issuers.values_mut() {
                        for item in issuer.backing.iter_mut().filter(|b| &b.id == backing) {
                            item.written_down += *loss_usd;
                        }
                    }
                    if let Some(id) = id {
                        self.log.mark(Quantity::Backing(backing.clone()), id);
                    }
                }
                ShockKind::Redemptions { issuer, frozen } => {
                    if let Some(state) = self.world.issuers.get_mut(issuer) {
                        state.frozen = *frozen;
                    }
                    if let Some(id) = id {
                        self.log.mark(Quantity::Redemption(issuer.clone()), id);
                    }
                }
                ShockKind::Liquidity { venue, factor } => {
                    if let Some(v) = self.world.venues.get_mut(venue) {
                        v.venue.scale(*factor)?;
                    }
                    if let Some(id) = id {
                        self.log.mark(Quantity::Liquidity(venue.clone()), id);
                    }
                }
                ShockKind::Oracle { oracle, action, price } => {
                    if let Some(state) = self.world.oracles.get_mut(oracle) {
                        match action {
                            OracleAction::Freeze => state.oracle.set_frozen(true),
                            OracleAction::Unfreeze => state.oracle.set_frozen(false),
                            OracleAction::Pin => {
                                let pinned = oracle_price(oracle, price.unwrap_or_default())?;
                                state
                                    .oracle
                                    .set_override(Some(pinned))
                                    .map_err(|e| model(oracle, e))?;
                            }
                            OracleAction::Unpin => {
                                state.oracle.set_override(None).map_err(|e| model(oracle, e))?
                            }
                        }
                    }
                    if let Some(id) = id {
                        self.log.mark(Quantity::Oracle(oracle.clone()), id);
                    }
                }
                ShockKind::Funding { venue, market, premium } => {
                    self.set_premium(venue, market, *premium);
                }
                ShockKind::PricePath { points, fill, .. } => {
                    let t = self.snapshot.timestamp.saturating_add(now);
                    for (token, price) in path_prices(points, *fill, t) {
                        if let Some(id) = id {
                            self.log.mark(Quantity::Price(token.clone()), id);
                        }
                        let cause = Quantity::Price(token.clone());
                        self.set_fair(&token, price, &[cause], "price path")?;
                    }
                }
                ShockKind::Sell { venue, amount } => {
                    let token = self.world.venues[venue].base.clone();
                    let seller = Seller {
                        id: venue,
                        who: "the scenario",
                        consequence: "the scenario's sale is left partly unfilled",
                    };
                    self.sell_into(venue, *amount, seller, id, &[])?;
                    let liquidity = Quantity::Liquidity(venue.clone());
                    if let Some(id) = id {
                        self.log.mark(liquidity.clone(), id);
                    }
                    self.refresh_price(&token, &[liquidity], "sale")?;
                }
            }
        }
        Ok(())
    }

    fn observe_oracles(&mut self, now: u64) -> Result<()> {
        let ids: Vec<String> = self.world.oracles.keys().cloned().collect();
        for id in ids {
            let o = &self.world.oracles[&id];
            let token_usd = self.world.tokens[&o.token].price;
            let quote_usd = o.quote.as_ref().map_or(Decimal::ONE, |q| self.world.tokens[q].price);
            let market = fair_mid(&id, token_usd, quote_usd)?;
            let reported = match &o.issuer {
                Some(issuer) => {
                    let nav = self.world.issuers[issuer].reported_nav;
                    Some(oracle_price(&id, fair_mid(&id, nav, quote_usd)?)?)
                }
                None => None,
            };
            let observation =
                Observation { at: now, market: MarketPrice(oracle_price(&id, market)?), reported };
            let token = o.token.clone();
            let before = o.oracle.price();
            let state = self.world.oracles.get_mut(&id).ok_or_else(|| model_missing(&id))?;
            let after = state.oracle.observe(observation).map_err(|e| model(&id, e))?;
            if after != before {
                self.log.inherit(Quantity::Oracle(id.clone()), &Quantity::Price(token));
            }
        }
        Ok(())
    }

    fn report(self, steps: u64, non_converged: Vec<StillMoving>) -> Result<Report> {
        let w = &self.world;
        let mut entities = Vec::new();
        for id in &w.market_order {
            let market = &w.markets[id];
            let m = market.book();
            entities.push(EntityLoss {
                entity: id.clone(),
                name: m.name.clone(),
                kind: "lending_market".into(),
                bad_debt_usd: m.realised_bad_debt_usd,
                economic_bad_debt_usd: m.economic_bad_debt_usd,
                oracle_bad_debt_usd: self.oracle_bad_debt(id, market)?,
                nav_lost_usd: Decimal::ZERO,
                price_change_pct: Decimal::ZERO,
                frozen_usd: m.frozen_usd,
                liquidations: m.liquidations,
                missed_liquidations: m.missed_count,
                interest: Some(m.interest.clone()),
            });
        }
        for (id, i) in &w.issuers {
            let token = &w.tokens[&i.token];
            entities.push(EntityLoss {
                entity: id.clone(),
                name: i.token.clone(),
                kind: "issuer".into(),
                bad_debt_usd: Decimal::ZERO,
                economic_bad_debt_usd: Decimal::ZERO,
                oracle_bad_debt_usd: Decimal::ZERO,
                nav_lost_usd: ((i.start_nav - i.nav) * i.supply).max(Decimal::ZERO),
                price_change_pct: change_pct(token.start, token.price),
                frozen_usd: if i.frozen { i.nav * i.supply } else { Decimal::ZERO },
                liquidations: 0,
                missed_liquidations: 0,
                interest: None,
            });
        }
        entities.extend(self.perp_entities()?);
        entities.extend(w.vaults.iter().map(|(id, v)| v.loss(id)));
        entities.sort_by(|a, b| {
            let loss =
                |e: &EntityLoss| e.economic_bad_debt_usd.max(e.bad_debt_usd) + e.nav_lost_usd;
            loss(b).cmp(&loss(a)).then_with(|| a.entity.cmp(&b.entity))
        });
        let stablecoins = self.stablecoin_outcomes();
        let events = self.log.events;
        let first_break = events.iter().find(|e| e.kind.is_loss()).map(|e| e.id);
        let contagion = if self.log.lean { Vec::new() } else { log::contagion(&events) };
        let mut report = Report {
            schema_version: REPORT_SCHEMA_VERSION,
            scenario: self.scenario.name.clone(),
            snapshot: self.snapshot.name.clone(),
            steps,
            step_secs: self.scenario.step_secs,
            non_converged_steps: non_converged.iter().map(|m| m.step).collect(),
            still_moving: non_converged,
            events,
            first_break,
            entities,
            totals: LossTotals::default(),
            contagion,
            series: self.series,
            stablecoins,
        };
        report.totals = report.totals();
        Ok(report)
    }
}

fn model(entity: &str, error: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::Model { entity: entity.to_owned(), source: Box::new(error) }
}

fn model_missing(entity: &str) -> Error {
    Error::Overflow { entity: entity.to_owned(), what: "missing live state" }
}

/// `new / old - 1` in percent, rounded to 2 places; 0 when `old` is 0. A change too large for a
/// decimal (a move from 1e-28 to 1e6) reads as the largest decimal of its sign: the figure is
/// for display, and the prices it compares stay exact in the run.
pub(crate) fn change_pct(old: Decimal, new: Decimal) -> Decimal {
    if old.is_zero() {
        return Decimal::ZERO;
    }
    new.checked_div(old)
        .and_then(|ratio| ratio.checked_sub(Decimal::ONE))
        .and_then(|change| change.checked_mul(Decimal::ONE_HUNDRED))
        .map_or_else(
            || {
                if new.is_sign_negative() == old.is_sign_negative() {
                    Decimal::MAX
                } else {
                    Decimal::MIN
                }
            },
            |pct| pct.round_dp(2),
        )
}

/// `-74.00%` style.
fn pct_change(old: Decimal, new: Decimal) -> String {
    let pct = change_pct(old, new);
    if pct.is_sign_negative() { format!("{pct}%") } else { format!("+{pct}%") }
}

fn shock_entity(kind: &ShockKind) -> String {
    match kind {
        ShockKind::Price { token, .. } => token.clone(),
        ShockKind::WriteDown { backing, .. } => backing.clone(),
        ShockKind::Redemptions { issuer, .. } => issuer.clone(),
        ShockKind::Liquidity { venue, .. }
        | ShockKind::Sell { venue, .. }
        | ShockKind::Funding { venue, .. } => venue.clone(),
        ShockKind::Oracle { oracle, .. } => oracle.clone(),
        ShockKind::PricePath { csv, .. } => csv.clone(),
    }
}

fn describe(kind: &ShockKind) -> String {
    match kind {
        ShockKind::Price { token, price_usd: Some(p), .. } => format!("{token} to ${p}"),
        ShockKind::Price { token, change_pct: Some(c), .. } => format!("{token} {c}%"),
        ShockKind::Price { token, .. } => format!("{token} price shock"),
        ShockKind::WriteDown { backing, loss_usd } => {
            format!("{backing} written down by ${loss_usd}")
        }
        ShockKind::Redemptions { issuer, frozen: true } => format!("{issuer} halts redemptions"),
        ShockKind::Redemptions { issuer, frozen: false } => format!("{issuer} resumes redemptions"),
        ShockKind::Liquidity { venue, factor } => format!("{venue} depth x{factor}"),
        ShockKind::Oracle { oracle, action, .. } => format!("{oracle} oracle {action:?}"),
        ShockKind::Sell { venue, amount } => format!("{amount} sold into {venue}"),
        ShockKind::Funding { venue, market, premium } => {
            format!("{venue} {market} funding premium {premium}")
        }
        ShockKind::PricePath { csv, fill, .. } => format!("prices replayed from {csv} ({fill:?})"),
    }
}
