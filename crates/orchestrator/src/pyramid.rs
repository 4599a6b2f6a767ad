//! The inverted pyramid of a snapshot (`faultline pyramid`): its issuers and the lending markets
//! that lend against issuer tokens, placed in layers by `faultline_vaults::pyramid`, with each
//! cycle's loop per round and, when reported figures are given, whether the loop can reach them.
//!
//! Each issuer owes its supply at reported NAV; its holdings of other issuers' tokens are claims
//! at their reported NAV, its supply in a market of the pyramid a claim on that market, every
//! other item real assets at its reported value (a delta-neutral book at what the issuer's NAV
//! leaves for it). A market of the pyramid (Morpho Blue, Euler v2, Compound v3 with issuer-token
//! collateral) owes its lenders' supply; its debt is a claim on the collateral's issuer with
//! the collateral at book as cover, its idle cash real (and held at par under a write-down). Aave v3 markets are listed as not
//! covered. A cycle whose members each have one claim inside it is a loop: each member recycles
//! its ratio (1 for a mint at NAV; LLTV x oracle / NAV for a loan) and a round multiplies by
//! their product.

use crate::{
    Error, Result,
    snapshot::{BackingItemSpec, LendingProtocolSpec, Raw, Snapshot},
};
use faultline_core::{Rounding, decimal::to_decimal, math::morpho::to_assets_down};
use faultline_vaults::{
    pyramid::{Claim, Entity, EntityKind, analyse},
    reach::{Leg, Measure, Reach, limit, reach, recycle},
};
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeMap;

/// Figures reported about the pyramid, to set against its loop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reported {
    /// The issuer token the loop mints (e.g. `xUSD`).
    pub token: String,
    /// Real money said to have gone into the loop, USD.
    pub loop_real: Decimal,
    /// Tokens it is said to have minted, USD.
    pub loop_minted: Decimal,
    /// Real backing reported, USD.
    pub backing: Decimal,
    /// Liabilities (borrowed on that backing) reported, USD.
    pub liabilities: Decimal,
    /// Where the figures come from.
    pub source: String,
}

/// The pyramid of a snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PyramidReport {
    /// The snapshot's name.
    pub snapshot: String,
    /// Real assets at the tip, USD.
    pub real_usd: Decimal,
    /// What every entity owes, USD.
    pub claimed_usd: Decimal,
    /// `claimed / real`.
    pub amplification: Decimal,
    /// The cycles (entity names, sorted).
    pub cycles: Vec<Vec<String>>,
    /// The layers, from the real assets (0) up.
    pub layers: Vec<LayerLine>,
    /// Each cycle that is one loop, with its recycle per round.
    pub loops: Vec<LoopLine>,
    /// Reported figures against the loop through the reported token's issuer.
    pub reported: Vec<ReportedLine>,
    /// Where the reported figures come from.
    pub reported_source: Option<String>,
    /// Markets with issuer-token collateral not read into the pyramid, and why.
    pub not_covered: Vec<String>,
}

/// One layer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LayerLine {
    /// 0 for the real assets.
    pub index: usize,
    /// Its entities.
    pub entities: Vec<EntityLine>,
    /// USD owed by the layer (layer 0: the real assets).
    pub owed_usd: Decimal,
    /// USD owed by it and the claim layers below (layer 0: the real assets).
    pub cumulative_usd: Decimal,
    /// `cumulative / real`.
    pub amplification: Decimal,
    /// Smallest write-down of every real asset at which the layer owes more than it holds.
    pub insolvent_at: Option<Decimal>,
}

/// One entity of a layer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntityLine {
    /// Issuer id or market id.
    pub name: String,
    /// `issuer` or `lender`.
    pub kind: &'static str,
    /// The token minted (a lender's: its loan token).
    pub token: String,
    /// Who minted it.
    pub minter: String,
    /// Against what.
    pub against: String,
    /// Dollars minted or lent per dollar of backing at book.
    pub ratio: Decimal,
    /// The ratio in words.
    pub ratio_label: String,
    /// USD owed.
    pub owed_usd: Decimal,
    /// Smallest write-down of every real asset at which it owes more than it holds.
    pub insolvent_at: Option<Decimal>,
}

/// A cycle that is one loop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoopLine {
    /// Its members, in loop order.
    pub members: Vec<String>,
    /// Each member's leg, in words, and its ratio.
    pub legs: Vec<(String, Decimal)>,
    /// Dollars recycled per dollar per round.
    pub recycle: Decimal,
    /// `1 / (1 - recycle)`: minted per real dollar in the limit.
    pub limit_amplification: Decimal,
}

/// A reported figure against the loop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportedLine {
    /// What is reported, in words.
    pub what: String,
    /// The real money it starts from, USD.
    pub real_usd: Decimal,
    /// The reported figure, USD.
    pub figure_usd: Decimal,
    /// Round in which the loop reaches it, if it does.
    pub round: Option<u32>,
    /// The loop's limit (never reached), USD.
    pub limit_usd: Decimal,
    /// The verdict in words.
    pub verdict: String,
}

fn model(entity: &str, error: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::Model { entity: entity.to_owned(), source: Box::new(error) }
}

/// Whole units of a raw amount.
fn whole(entity: &str, raw: &Raw, decimals: u8) -> Result<Decimal> {
    to_decimal(raw.0, decimals, 18, Rounding::Down).map_err(|e| model(entity, e))
}

/// The snapshot's figures the builder looks up.
struct Book<'a> {
    snapshot: &'a Snapshot,
    /// Token id -> (issuer id, reported NAV).
    issuer_of: BTreeMap<&'a str, (&'a str, Decimal)>,
}

impl Book<'_> {
    fn token(&self, entity: &str, id: &str) -> Result<(u8, Decimal)> {
        let t = self.snapshot.tokens.iter().find(|t| t.id == id).ok_or_else(|| Error::Invalid {
            field: format!("{entity}: token"),
            expected: "a token of the snapshot".into(),
            found: id.to_owned(),
        })?;
        Ok((t.decimals, t.price_usd))
    }

    fn oracle(&self, entity: &str, id: &str) -> Result<Decimal> {
        self.snapshot.oracles.iter().find(|o| o.id == id).map(|o| o.price).ok_or_else(|| {
            Error::Invalid {
                field: format!("{entity}: oracle"),
                expected: "an oracle of the snapshot".into(),
                found: id.to_owned(),
            }
        })
    }
}

/// A lender's collateral: token, whole amount, the ratio's limit and oracle price.
type Pledge = (String, Decimal, Decimal, Decimal);

/// The lender entity of a market lending `debt` (whole loan units) of `supply` against `pledges`.
fn lender(
    book: &Book<'_>,
    id: &str,
    name: &str,
    loan: &str,
    (supply, debt): (Decimal, Decimal),
    pledges: &[Pledge],
    ltv_word: &str,
) -> Result<Entity> {
    let (_, loan_price) = book.token(id, loan)?;
    let (owed, debt_usd) = (supply * loan_price, debt * loan_price);
    let mut at_book = Vec::new();
    for (token, amount, _, _) in pledges {
        let price = match book.issuer_of.get(token.as_str()) {
            Some((_, nav)) => *nav,
            None => book.token(id, token)?.1,
        };
        at_book.push(*amount * price);
    }
    let total: Decimal = at_book.iter().copied().sum();
    let mut claims = Vec::new();
    let cash = (owed - debt_usd).max(Decimal::ZERO);
    let mut exogenous = Decimal::ZERO;
    let (mut ratio, mut label) = (Decimal::ZERO, String::new());
    let mut left = debt_usd;
    for (n, ((token, _, ltv, oracle), value)) in pledges.iter().zip(&at_book).enumerate() {
        // The debt split over the collateral by its book value; the last pledge takes what is
        // left, so the split sums to the debt exactly.
        let face = if n + 1 == pledges.len() {
            left
        } else if total.is_zero() {
            Decimal::ZERO
        } else {
            debt_usd * *value / total
        };
        left -= face;
        match book.issuer_of.get(token.as_str()) {
            Some((issuer, nav)) => {
                let cover = if face.is_zero() { Decimal::ONE } else { *value / face };
                claims.push(Claim { on: (*issuer).to_owned(), face, cover });
                ratio = *ltv * *oracle / *nav;
                label = format!(
                    "{ltv_word} {}%, oracle {}",
                    (*ltv * Decimal::ONE_HUNDRED).normalize(),
                    oracle.normalize()
                );
            }
            None => exogenous += face,
        }
    }
    let against: Vec<&str> = pledges.iter().map(|p| p.0.as_str()).collect();
    Ok(Entity {
        name: id.to_owned(),
        kind: EntityKind::Lender,
        token: loan.to_owned(),
        minter: name.to_owned(),
        against: format!("{} collateral", against.join(", ")),
        ratio,
        ratio_label: label,
        nominal: owed,
        exogenous,
        cash,
        claims,
    })
}

/// The entities of `snapshot`'s pyramid and the markets not covered.
fn entities(snapshot: &Snapshot) -> Result<(Vec<Entity>, Vec<String>)> {
    let issuer_of = snapshot
        .issuers
        .iter()
        .map(|i| (i.token.as_str(), (i.id.as_str(), i.reported_nav)))
        .collect();
    let book = Book { snapshot, issuer_of };
    let mut out = Vec::new();
    let mut not_covered = Vec::new();
    let mut supply_of: BTreeMap<(&str, alloy_primitives::Address), Decimal> = BTreeMap::new();
    for m in &snapshot.lending_markets {
        let id = m.id.as_str();
        let pledges: Vec<Pledge>;
        let (loan, supply, debt, word) = match &m.protocol {
            LendingProtocolSpec::MorphoBlue(s) => {
                let (dec, _) = book.token(id, &s.loan_token)?;
                let (cdec, _) = book.token(id, &s.collateral_token)?;
                let mut coll = Decimal::ZERO;
                for p in &s.positions {
                    coll += whole(id, &p.collateral, cdec)?;
                    let assets = to_assets_down(
                        p.supply_shares.0,
                        s.total_supply_assets.0,
                        s.total_supply_shares.0,
                    )
                    .map_err(|e| model(id, e))?;
                    let usd =
                        to_decimal(assets, dec, 18, Rounding::Down).map_err(|e| model(id, e))?;
                    supply_of.insert((id, p.account.0), usd);
                }
                let lltv = whole(id, &s.lltv, 18)?;
                let oracle = book.oracle(id, &s.oracle)?;
                pledges = vec![(s.collateral_token.clone(), coll, lltv, oracle)];
                let supply = whole(id, &s.total_supply_assets, dec)?;
                (s.loan_token.as_str(), supply, whole(id, &s.total_borrow_assets, dec)?, "LLTV")
            }
            LendingProtocolSpec::EulerV2(s) => {
                let (dec, _) = book.token(id, &s.asset)?;
                let mut debt = Decimal::ZERO;
                let mut coll: BTreeMap<&str, Decimal> = BTreeMap::new();
                for p in &s.positions {
                    debt += whole(id, &p.debt, dec)?;
                    for c in &p.collateral {
                        *coll.entry(c.token.as_str()).or_default() +=
                            whole(id, &c.amount, book.token(id, &c.token)?.0)?;
                    }
                }
                let mut list = Vec::new();
                for c in &s.collaterals {
                    let ltv = Decimal::from(c.borrow_ltv) / Decimal::from(10_000u32);
                    let amount = coll.get(c.token.as_str()).copied().unwrap_or_default();
                    list.push((c.token.clone(), amount, ltv, book.oracle(id, &c.oracle)?));
                }
                pledges = list;
                (s.asset.as_str(), debt + whole(id, &s.cash, dec)?, debt, "borrow LTV")
            }
            LendingProtocolSpec::CompoundV3(s) => {
                let (dec, _) = book.token(id, &s.base_token)?;
                let index = |principal: &Raw, idx: &Raw| -> Result<Decimal> {
                    Ok(whole(id, principal, dec)? * whole(id, idx, 15)?)
                };
                let mut coll: BTreeMap<&str, Decimal> = BTreeMap::new();
                for p in &s.positions {
                    for c in &p.collateral {
                        *coll.entry(c.token.as_str()).or_default() +=
                            whole(id, &c.amount, book.token(id, &c.token)?.0)?;
                    }
                }
                let mut list = Vec::new();
                for a in &s.assets {
                    let cf = whole(id, &a.borrow_collateral_factor, 18)?;
                    let amount = coll.get(a.token.as_str()).copied().unwrap_or_default();
                    list.push((a.token.clone(), amount, cf, book.oracle(id, &a.oracle)?));
                }
                pledges = list;
                let supply = index(&s.total_supply_base, &s.base_supply_index)?;
                let debt = index(&s.total_borrow_base, &s.base_borrow_index)?;
                (s.base_token.as_str(), supply, debt, "borrow factor")
            }
            LendingProtocolSpec::AaveV3(s) => {
                if s.reserves.iter().any(|r| book.issuer_of.contains_key(r.token.as_str())) {
                    not_covered
                        .push(format!("{id}: Aave v3 markets are not yet read into the pyramid"));
                }
                continue;
            }
        };
        if pledges.iter().any(|p| book.issuer_of.contains_key(p.0.as_str())) {
            out.push(lender(&book, id, &m.name, loan, (supply, debt), &pledges, word)?);
        }
    }
    let lenders: Vec<String> = out.iter().map(|e| e.name.clone()).collect();
    for i in &snapshot.issuers {
        let owed = i.supply * i.reported_nav;
        let (mut exogenous, mut claims, mut against) = (Decimal::ZERO, Vec::new(), Vec::new());
        let mut book_items = Decimal::ZERO;
        let mut has_book = false;
        for b in &i.backing {
            match &b.item {
                BackingItemSpec::Holding { token, amount } => {
                    if let Some((on, nav)) = book.issuer_of.get(token.as_str()) {
                        claims.push(Claim {
                            on: (*on).to_owned(),
                            face: *amount * *nav,
                            cover: Decimal::ONE,
                        });
                        book_items += *amount * *nav;
                    } else {
                        let v = *amount * book.token(&i.id, token)?.1;
                        exogenous += v;
                        book_items += v;
                    }
                    against.push(token.clone());
                }
                BackingItemSpec::LendingSupply { market, account } => {
                    let v = supply_of.get(&(market.as_str(), account.0)).copied();
                    let v = v.ok_or_else(|| Error::Invalid {
                        field: format!("{}: backing {}", i.id, b.id),
                        expected: "supply in a Morpho Blue market of the snapshot".into(),
                        found: market.clone(),
                    })?;
                    if lenders.contains(market) {
                        claims.push(Claim { on: market.clone(), face: v, cover: Decimal::ONE });
                    } else {
                        exogenous += v;
                    }
                    book_items += v;
                    against.push(format!("supply in {market}"));
                }
                BackingItemSpec::Loan { value_usd, .. }
                | BackingItemSpec::Opaque { value_usd, .. }
                | BackingItemSpec::ReserveFund { value_usd } => {
                    exogenous += *value_usd;
                    book_items += *value_usd;
                }
                BackingItemSpec::DeltaNeutralBook { book } => {
                    has_book = true;
                    against.push(format!("hedged book {book}"));
                }
            }
        }
        if has_book {
            // The book at what the reported NAV leaves for it.
            exogenous += (owed - book_items).max(Decimal::ZERO);
        }
        against.push("real assets".into());
        out.push(Entity {
            name: i.id.clone(),
            kind: EntityKind::Issuer,
            token: i.token.clone(),
            minter: i.id.clone(),
            against: against.join(", "),
            ratio: Decimal::ONE,
            ratio_label: format!("mints at NAV ${}", i.reported_nav.normalize()),
            nominal: owed,
            exogenous,
            cash: Decimal::ZERO,
            claims,
        });
    }
    Ok((out, not_covered))
}

/// The loop of a cycle whose members each have exactly one claim inside it, in loop order
/// (starting from its first member by name, following claims).
fn loop_of(cycle: &[String], entities: &[Entity]) -> Option<LoopLine> {
    let by_name: BTreeMap<&str, &Entity> = entities.iter().map(|e| (e.name.as_str(), e)).collect();
    let mut members = Vec::new();
    let mut at = cycle.first()?.as_str();
    for _ in 0..cycle.len() {
        let e = by_name.get(at)?;
        let inside: Vec<&Claim> = e.claims.iter().filter(|c| cycle.contains(&c.on)).collect();
        let [next] = inside.as_slice() else { return None };
        members.push(e);
        at = next.on.as_str();
    }
    let legs: Vec<Leg> = members
        .iter()
        .map(|e| Leg { what: format!("{}: {}", e.name, e.ratio_label), ratio: e.ratio })
        .collect();
    let r = recycle(&legs).ok()?;
    Some(LoopLine {
        members: members.iter().map(|e| e.name.clone()).collect(),
        legs: legs.into_iter().map(|l| (l.what, l.ratio)).collect(),
        recycle: r,
        limit_amplification: Decimal::ONE / (Decimal::ONE - r),
    })
}

/// One reported figure against the loop.
fn verdict(
    what: &str,
    real: Decimal,
    figure: Decimal,
    l: &LoopLine,
    m: Measure,
) -> Result<ReportedLine> {
    let legs: Vec<Leg> = l.legs.iter().map(|(w, r)| Leg { what: w.clone(), ratio: *r }).collect();
    let fail = |e| model("pyramid", e);
    let cap = limit(real, l.recycle, m).map_err(fail)?;
    let (round, verdict) = match reach(real, &legs, m, figure).map_err(fail)? {
        Reach::Within { rounds, share_of_round, .. } => (
            Some(rounds),
            format!(
                "reached in round {rounds} of the loop ({}% of that round)",
                (share_of_round * Decimal::ONE_HUNDRED).round_dp(1)
            ),
        ),
        Reach::Beyond { needed_recycle, .. } => (
            None,
            format!(
                "reported {}; the documented mechanism reaches at most {} (it would need a recycle of {}% per round, the loop's is {}%)",
                crate::report::usd(figure),
                crate::report::usd(cap.round_dp(0)),
                (needed_recycle * Decimal::ONE_HUNDRED).round_dp(2),
                (l.recycle * Decimal::ONE_HUNDRED).round_dp(2)
            ),
        ),
    };
    Ok(ReportedLine {
        what: what.to_owned(),
        real_usd: real,
        figure_usd: figure,
        round,
        limit_usd: cap,
        verdict,
    })
}

/// The pyramid of `snapshot`, with `reported` figures set against the loop through the
/// reported token's issuer (none when no loop passes through it).
pub fn build(snapshot: &Snapshot, reported: Option<&Reported>) -> Result<PyramidReport> {
    let (list, not_covered) = entities(snapshot)?;
    let view = analyse(&list).map_err(|e| model(&snapshot.name, e))?;
    let mut layers = Vec::new();
    for l in &view.layers {
        let entities = view
            .entities
            .iter()
            .filter(|r| r.layer == l.index)
            .filter_map(|r| list.get(r.entity).map(|e| (e, r.insolvent_at)))
            .map(|(e, insolvent_at)| EntityLine {
                name: e.name.clone(),
                kind: match e.kind {
                    EntityKind::Issuer => "issuer",
                    EntityKind::Lender => "lender",
                },
                token: e.token.clone(),
                minter: e.minter.clone(),
                against: e.against.clone(),
                ratio: e.ratio,
                ratio_label: e.ratio_label.clone(),
                owed_usd: e.nominal,
                insolvent_at,
            })
            .collect();
        layers.push(LayerLine {
            index: l.index,
            entities,
            owed_usd: l.nominal,
            cumulative_usd: l.cumulative,
            amplification: l.amplification,
            insolvent_at: l.insolvent_at,
        });
    }
    let loops: Vec<LoopLine> = view.cycles.iter().filter_map(|c| loop_of(c, &list)).collect();
    let mut lines = Vec::new();
    let issuer =
        |token: &str| snapshot.issuers.iter().find(|i| i.token == token).map(|i| i.id.clone());
    let looped = |r: &Reported| {
        let id = issuer(&r.token)?;
        loops.iter().find(|l| l.members.contains(&id))
    };
    if let Some((r, l)) = reported.and_then(|r| looped(r).map(|l| (r, l))) {
        let minted = format!("{} minted from real money", r.token);
        lines.push(verdict(&minted, r.loop_real, r.loop_minted, l, Measure::Minted)?);
        let owed = "liabilities borrowed on the reported backing".to_owned();
        lines.push(verdict(&owed, r.backing, r.liabilities, l, Measure::Borrowed)?);
    }
    Ok(PyramidReport {
        snapshot: snapshot.name.clone(),
        real_usd: view.real,
        claimed_usd: view.claimed,
        amplification: view.amplification,
        cycles: view.cycles,
        layers,
        loops,
        reported_source: if lines.is_empty() { None } else { reported.map(|r| r.source.clone()) },
        reported: lines,
        not_covered,
    })
}
