//! The inverted pyramid, layer by layer: who minted which token against what, at what ratio,
//! and how far the real assets at the tip can be written down before each layer is insolvent.
//!
//! An [`Entity`] is an issuer (its token minted against its backing) or a lender (deposits lent
//! against collateral that is another entity's token). It owes its `nominal` USD; its assets are
//! `exogenous` real assets plus [`Claim`]s on other entities. [`analyse`] places the entities in
//! the layers of [`BackingGraph::report`] (cycles condensed, real money at layer 0) and adds:
//!
//! - cumulative claims against the real assets and the amplification per layer;
//! - the *insolvency write-down*: the smallest fraction `w` of every real asset written off at
//!   which an entity (or a layer, summed) owes more than its assets are worth. Cash in hand (a
//!   lender's idle deposits) counts as real but is not written down: the write-down is of what
//!   the tokens are backed by.
//!
//! Valuation under a write-down `w` (a clearing in the manner of Eisenberg and Noe): real
//! assets are worth `(1 - w)` of their book; an entity's *recovery* is `min(1, assets /
//! nominal)`; a holding of a token of face `f` is worth `f x recovery`; a loan of face `f`
//! secured by collateral worth `cover x f` at book is worth `min(f, cover x f x recovery)`.
//! Recoveries start at one and are lowered round by round; each round can only lower them, so
//! they settle on the greatest fixed point (the most generous consistent valuation). The
//! write-down is found by bisection to [`WRITE_DOWN_TOLERANCE`].

use crate::{
    BackingGraph, Error, Result,
    backing::{add, div, mul, sub},
};
use faultline_core::decimal::Decimal;
use std::collections::BTreeMap;

/// The bisection on the write-down stops when the bracket is this narrow (a hundredth of a
/// basis point).
pub const WRITE_DOWN_TOLERANCE: Decimal = Decimal::from_parts(1, 0, 0, false, 6);

/// Rounds of the recovery fixed point before giving up: a cycle's recoveries fall by the
/// product of its claim shares per round, so this bounds shares above ~0.99.
const MAX_ROUNDS: usize = 5_000;

/// Recoveries closer than this between two rounds have settled.
const SETTLED: Decimal = Decimal::from_parts(1, 0, 0, false, 12);

/// What an entity is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum EntityKind {
    /// Mints a token against its backing.
    Issuer,
    /// Lends its depositors' money against collateral.
    Lender,
}

/// One claim of an entity on another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// The entity claimed on (its name).
    pub on: String,
    /// USD face value at book.
    pub face: Decimal,
    /// Collateral at book over the face (`1 / LTV` of a secured loan); `1` for a holding.
    pub cover: Decimal,
}

/// One entity of the pyramid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entity {
    /// Unique name.
    pub name: String,
    /// Issuer or lender.
    pub kind: EntityKind,
    /// The token it minted (an issuer's token; a lender's loan token, as deposit claims).
    pub token: String,
    /// Who minted it (the issuer, the market), in words.
    pub minter: String,
    /// What it minted against, in words.
    pub against: String,
    /// Dollars minted or lent per dollar of what backs it at book: `1` for minting at NAV, the
    /// LLTV times the collateral's oracle over its book price for a loan.
    pub ratio: Decimal,
    /// The ratio in words ("mints at NAV $1.2646", "LLTV 86%").
    pub ratio_label: String,
    /// USD it owes: tokens at reported NAV, or its depositors' supply.
    pub nominal: Decimal,
    /// USD of real assets (not claims on other entities), at book: what a write-down hits.
    pub exogenous: Decimal,
    /// USD of cash in hand (a lender's idle deposits): real, but held at par under a
    /// write-down.
    pub cash: Decimal,
    /// Its claims on other entities.
    pub claims: Vec<Claim>,
}

/// An entity's row in the analysis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityRow {
    /// The entity's index in the input.
    pub entity: usize,
    /// Its layer (1 upward).
    pub layer: usize,
    /// Smallest write-down of the real assets at which it is insolvent; `None` if none is.
    pub insolvent_at: Option<Decimal>,
}

/// A layer's row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerRow {
    /// 0 for the real assets, then upward.
    pub index: usize,
    /// USD owed by the layer (layer 0: the real assets).
    pub nominal: Decimal,
    /// USD owed by this layer and every claim layer below it (layer 0: the real assets).
    pub cumulative: Decimal,
    /// `cumulative / real assets` (layer 0: 1).
    pub amplification: Decimal,
    /// Smallest write-down at which the layer's assets, summed, fall short of what it owes.
    pub insolvent_at: Option<Decimal>,
}

/// The pyramid analysed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PyramidView {
    /// Real assets at the tip.
    pub real: Decimal,
    /// What every entity owes together.
    pub claimed: Decimal,
    /// `claimed / real`.
    pub amplification: Decimal,
    /// The cycles (entity names, sorted).
    pub cycles: Vec<Vec<String>>,
    /// One row per entity, by layer then name.
    pub entities: Vec<EntityRow>,
    /// One row per layer.
    pub layers: Vec<LayerRow>,
}

/// Checks every entity's figures, naming the entity and field on failure.
fn validate(entities: &[Entity]) -> Result<BTreeMap<&str, usize>> {
    let mut index = BTreeMap::new();
    for (i, e) in entities.iter().enumerate() {
        if index.insert(e.name.as_str(), i).is_some() {
            return Err(Error::invalid(format!("{}.name", e.name), "a unique name", &e.name));
        }
    }
    for e in entities {
        for (field, value) in [("nominal", e.nominal), ("exogenous", e.exogenous), ("cash", e.cash)]
        {
            if value < Decimal::ZERO {
                return Err(Error::invalid(format!("{}.{field}", e.name), "USD >= 0", value));
            }
        }
        for c in &e.claims {
            if !index.contains_key(c.on.as_str()) {
                return Err(Error::Unknown { what: "entity claimed on", name: c.on.clone() });
            }
            if c.face < Decimal::ZERO || c.cover < Decimal::ZERO {
                let field = format!("{}.claims.{}", e.name, c.on);
                return Err(Error::invalid(field, "face and cover >= 0", c.face.min(c.cover)));
            }
        }
    }
    Ok(index)
}

/// Each entity's assets (USD) under a write-down `w` of the real assets, at the recoveries'
/// greatest fixed point.
pub fn assets_at(entities: &[Entity], w: Decimal) -> Result<Vec<Decimal>> {
    const OP: &str = "pyramid::assets_at";
    let index = validate(entities)?;
    let keep = sub(Decimal::ONE, w, OP)?;
    let mut recovery = vec![Decimal::ONE; entities.len()];
    for _ in 0..MAX_ROUNDS {
        let assets = entities
            .iter()
            .map(|e| value(e, keep, &recovery, &index))
            .collect::<Result<Vec<_>>>()?;
        let mut moved = false;
        for ((r, e), a) in recovery.iter_mut().zip(entities).zip(&assets) {
            let next = if e.nominal.is_zero() {
                Decimal::ONE
            } else {
                div(*a, e.nominal, OP)?.min(Decimal::ONE)
            };
            moved |= (*r - next).abs() > SETTLED;
            *r = next;
        }
        if !moved {
            return Ok(assets);
        }
    }
    Err(Error::invalid("pyramid", "recoveries that settle within 5,000 rounds", "no fixed point"))
}

/// One entity's assets at `keep` of the real assets and the given recoveries.
fn value(
    e: &Entity,
    keep: Decimal,
    recovery: &[Decimal],
    index: &BTreeMap<&str, usize>,
) -> Result<Decimal> {
    let op = "pyramid::value";
    let named = |err: Error| match err {
        Error::Overflow { .. } => {
            Error::invalid(format!("{}.claims", e.name), "USD figures in range", "an overflow")
        }
        other => other,
    };
    let mut total = add(mul(e.exogenous, keep, op).map_err(named)?, e.cash, op).map_err(named)?;
    for c in &e.claims {
        let r = index.get(c.on.as_str()).and_then(|&j| recovery.get(j)).copied();
        let r = r.unwrap_or(Decimal::ONE);
        let secured = mul(mul(c.face, c.cover, op).map_err(named)?, r, op).map_err(named)?;
        total = add(total, c.face.min(secured), op).map_err(named)?;
    }
    Ok(total)
}

/// The smallest write-down in `[0, 1]` at which `short(assets)` holds, by bisection; `None`
/// when it does not hold even with every real asset written off.
fn threshold(entities: &[Entity], short: &dyn Fn(&[Decimal]) -> bool) -> Result<Option<Decimal>> {
    if short(&assets_at(entities, Decimal::ZERO)?) {
        return Ok(Some(Decimal::ZERO));
    }
    if !short(&assets_at(entities, Decimal::ONE)?) {
        return Ok(None);
    }
    let (mut lo, mut hi) = (Decimal::ZERO, Decimal::ONE);
    while hi - lo > WRITE_DOWN_TOLERANCE {
        let mid = (lo + hi) / Decimal::TWO;
        if short(&assets_at(entities, mid)?) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Ok(Some(hi.round_dp(6)))
}

/// The layers, each entity's place and the write-downs that break them.
pub fn analyse(entities: &[Entity]) -> Result<PyramidView> {
    validate(entities)?;
    let mut graph = BackingGraph::new();
    for e in entities {
        graph.add_node(&e.name, e.nominal, add(e.exogenous, e.cash, "pyramid::analyse")?)?;
        for c in &e.claims {
            graph.add_claim(&e.name, &c.on, c.face)?;
        }
    }
    let report = graph.report()?;
    let position: BTreeMap<&str, usize> =
        entities.iter().enumerate().map(|(i, e)| (e.name.as_str(), i)).collect();
    let mut rows = Vec::new();
    let mut layers = Vec::new();
    for layer in &report.layers {
        let members: Vec<usize> =
            layer.nodes.iter().filter_map(|n| position.get(n.as_str()).copied()).collect();
        for &i in &members {
            let owed = entities[i].nominal;
            let insolvent_at =
                threshold(entities, &|a: &[Decimal]| a.get(i).is_some_and(|v| *v < owed))?;
            rows.push(EntityRow { entity: i, layer: layer.index, insolvent_at });
        }
        let insolvent_at = if layer.index == 0 {
            None
        } else {
            threshold(entities, &|a: &[Decimal]| {
                let held: Decimal = members.iter().filter_map(|&i| a.get(i)).copied().sum();
                held < layer.nominal
            })?
        };
        layers.push(LayerRow {
            index: layer.index,
            nominal: layer.nominal,
            cumulative: layer.cumulative,
            amplification: layer.amplification,
            insolvent_at,
        });
    }
    Ok(PyramidView {
        real: report.exogenous,
        claimed: report.nominal,
        amplification: report.amplification,
        cycles: report.cycles,
        entities: rows,
        layers,
    })
}
