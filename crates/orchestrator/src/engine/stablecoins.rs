//! The stablecoin-supply channel: stablecoins as state in the cascade, their supply shrinking by
//! redemptions and moving by supply flows, and the bid depth of the venues they fund following
//! the supply by [`faultline_liquidity::supply::depth_factor`] (see
//! [`crate::scenario::stablecoins`]).
//!
//! The chain it closes: a price shock → liquidations whose liquidators sell seized collateral
//! into a book quoting in the stablecoin → a share of the proceeds redeemed with the issuer →
//! supply down → the book's bids thinner → the next sale moves the price further. Each link is
//! an event naming the one before: the supply change names the liquidations (or, for a flow
//! row, nothing: it is exogenous), the bid-depth change names the supply change, and the price
//! moves that follow name the depth change.
//!
//! Redemptions noted during a round (by [`Engine::note_sale`], called for every sale into a
//! venue) are taken out of supply in the round's last stage, [`Engine::run_stablecoins`], which
//! then re-applies the depth law; supply and applied factor are in the round's fingerprint, so a
//! step settles only once the channel has.

use super::{Engine, log::Quantity, model, model_missing, settled};
use crate::{
    Error, Result,
    channel::{ChannelShare, StablecoinOutcome},
    report::{EventId, EventKind},
    scenario::{Flow, Stablecoin},
};
use faultline_liquidity::supply::depth_factor;
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// A declared stablecoin, live.
#[derive(Debug, Clone)]
pub(crate) struct StablecoinLive {
    token: String,
    supply0: Decimal,
    supply: Decimal,
    elasticity: Decimal,
    redeem_share: Decimal,
    venues: Vec<String>,
    /// The law's factor last applied to the venues' bids (1 at the start).
    applied: Decimal,
    redeemed_in_cascade: Decimal,
    redeemed_by_flows: Decimal,
    minted_by_flows: Decimal,
    /// Redemptions noted since the supply was last updated, and the liquidations behind them.
    pending: Decimal,
    pending_causes: Vec<EventId>,
}

impl StablecoinLive {
    pub(crate) fn from_scenario(coin: &Stablecoin) -> Self {
        Self {
            token: coin.token.clone(),
            supply0: coin.supply,
            supply: coin.supply,
            elasticity: coin.elasticity,
            redeem_share: coin.redeem_share,
            venues: coin.venues.clone(),
            applied: Decimal::ONE,
            redeemed_in_cascade: Decimal::ZERO,
            redeemed_by_flows: Decimal::ZERO,
            minted_by_flows: Decimal::ZERO,
            pending: Decimal::ZERO,
            pending_causes: Vec::new(),
        }
    }
}

/// Whole tokens for an event summary: `74,999,876,543.21`, to the cent.
fn amount(value: Decimal) -> String {
    crate::channel::grouped(value, 2)
}

impl Engine<'_> {
    /// Notes a sale of `proceeds` quote tokens into `venue`: when the sale was a lending
    /// liquidator's (`by` a liquidation event), each stablecoin funding the venue has the share
    /// `redeem_share` of the proceeds redeemed at the round's end. Other sales redeem nothing.
    pub(super) fn note_sale(
        &mut self,
        venue: &str,
        proceeds: Decimal,
        by: Option<EventId>,
    ) -> Result<()> {
        let Some(by) = by else { return Ok(()) };
        let liquidation = self
            .log
            .events
            .get(by)
            .is_some_and(|e| matches!(e.kind, EventKind::Liquidation { .. }));
        if !liquidation || proceeds.is_zero() {
            return Ok(());
        }
        for coin in self.stablecoins.iter_mut().filter(|c| c.venues.iter().any(|v| v == venue)) {
            if coin.redeem_share.is_zero() {
                continue;
            }
            let redeemed = proceeds
                .checked_mul(coin.redeem_share)
                .and_then(|r| coin.pending.checked_add(r))
                .ok_or_else(|| Error::Overflow {
                    entity: coin.token.clone(),
                    what: "redemptions out of liquidation proceeds",
                })?;
            coin.pending = redeemed;
            if !coin.pending_causes.contains(&by) {
                coin.pending_causes.push(by);
            }
        }
        Ok(())
    }

    /// Row `j` of a stablecoin-supply flow: mints (positive) or redeems (negative) its token.
    pub(super) fn change_supply(&mut self, flow: &Flow, j: usize) -> Result<()> {
        let row = &flow.rows[j];
        if row.amount.is_zero() {
            return Ok(());
        }
        let coin = self
            .stablecoins
            .iter_mut()
            .find(|c| c.token == row.token)
            .ok_or_else(|| model_missing(&row.token))?;
        let from = coin.supply;
        let to =
            from.checked_add(row.amount).filter(|to| *to > Decimal::ZERO).ok_or_else(|| {
                Error::Invalid {
                    field: format!("supply of {}", row.token),
                    expected: "a supply above 0 after the row".into(),
                    found: format!("{from} {:+}", row.amount),
                }
            })?;
        coin.supply = to;
        let (redeemed, minted) = if row.amount < Decimal::ZERO {
            coin.redeemed_by_flows += -row.amount;
            (-row.amount, Decimal::ZERO)
        } else {
            coin.minted_by_flows += row.amount;
            (Decimal::ZERO, row.amount)
        };
        let summary = format!(
            "{} {}: {} {} {} {}: supply {} -> {} ({})",
            flow.id,
            flow.row_place(j),
            row.entity,
            if minted.is_zero() { "redeems" } else { "mints" },
            amount(row.amount.abs()),
            row.token,
            amount(from),
            amount(to),
            super::pct_change(from, to)
        );
        let kind =
            EventKind::StablecoinSupply { token: row.token.clone(), from, to, redeemed, minted };
        let event = self.log.record(&row.token, kind, &[], summary);
        self.log.mark(Quantity::Supply(row.token.clone()), event);
        Ok(())
    }

    /// The round's last stage: noted redemptions leave each stablecoin's supply, then the venues
    /// it funds take the depth law's factor for the supply (unless the channel is off, in the
    /// counterfactual run).
    pub(super) fn run_stablecoins(&mut self) -> Result<()> {
        for i in 0..self.stablecoins.len() {
            self.redeem_pending(i)?;
            if self.channel {
                self.follow_supply(i)?;
            }
        }
        Ok(())
    }

    fn redeem_pending(&mut self, i: usize) -> Result<()> {
        let coin = &mut self.stablecoins[i];
        if coin.pending.is_zero() {
            return Ok(());
        }
        let from = coin.supply;
        // What is redeemed cannot exceed what circulates; an exhausted supply is an error of the
        // depth law, naming the stablecoin, on the next line.
        let redeemed = coin.pending.min(from);
        let to = from - redeemed;
        coin.supply = to;
        coin.redeemed_in_cascade += redeemed;
        coin.pending = Decimal::ZERO;
        let causes = std::mem::take(&mut coin.pending_causes);
        let token = coin.token.clone();
        let summary = format!(
            "{token}: {} redeemed out of {} liquidation sale(s)' proceeds: supply {} -> {} ({})",
            amount(redeemed),
            causes.len(),
            amount(from),
            amount(to),
            super::pct_change(from, to)
        );
        let kind = EventKind::StablecoinSupply {
            token: token.clone(),
            from,
            to,
            redeemed,
            minted: Decimal::ZERO,
        };
        let event = self.log.record_after(&token, kind, &causes, &[], summary);
        self.log.mark(Quantity::Supply(token), event);
        Ok(())
    }

    fn follow_supply(&mut self, i: usize) -> Result<()> {
        let coin = &self.stablecoins[i];
        let target = depth_factor(coin.supply, coin.supply0, coin.elasticity)
            .map_err(|e| model(&coin.token, e))?;
        if settled(coin.applied, target) {
            return Ok(());
        }
        let ratio = target.checked_div(coin.applied).ok_or_else(|| Error::Overflow {
            entity: coin.token.clone(),
            what: "bid depth factor",
        })?;
        let (token, supply, elasticity) = (coin.token.clone(), coin.supply, coin.elasticity);
        for venue in coin.venues.clone() {
            let state = self.world.venues.get_mut(&venue).ok_or_else(|| model_missing(&venue))?;
            state.venue.scale_bids(ratio)?;
            let base = state.base.clone();
            let summary = format!(
                "{venue}: bids x{} of the start as {token} supply is {} (depth law: (supply / \
                 supply0) ^ {})",
                target.round_dp(6).normalize(),
                amount(supply),
                elasticity.normalize()
            );
            let kind = EventKind::BidDepth {
                venue: venue.clone(),
                stablecoin: token.clone(),
                factor: target,
                supply,
            };
            let event = self.log.record(&venue, kind, &[Quantity::Supply(token.clone())], summary);
            self.log.mark(Quantity::Liquidity(venue.clone()), event);
            self.log.mark(Quantity::Bids(venue.clone()), event);
            self.refresh_price(&base, &[Quantity::Liquidity(venue)], "bid depth")?;
        }
        // The law's value is what the venues carry from now on, even where a book had absorbed
        // more than the law's bids and kept them (see `DepthVenue::scale_bids`).
        self.stablecoins[i].applied = target;
        Ok(())
    }

    /// The channel's figures a round can change, for the fixed point.
    pub(super) fn stablecoin_fingerprint(&self) -> impl Iterator<Item = Decimal> + '_ {
        self.stablecoins.iter().flat_map(|c| [c.supply, c.applied, c.pending])
    }

    /// What each entry of [`Self::stablecoin_fingerprint`] is.
    pub(super) fn stablecoin_fingerprint_labels(&self) -> Vec<String> {
        self.stablecoins
            .iter()
            .flat_map(|c| {
                [
                    format!("{} supply", c.token),
                    format!("{} bid depth factor", c.token),
                    format!("{} redemptions pending", c.token),
                ]
            })
            .collect()
    }

    /// Each funded venue's base token's fall over the run so far: its lowest price (the start,
    /// or the lowest a price move took it to) against its start, percent, unrounded (the share
    /// of a fall is a ratio of two changes; rounding each first would move it for small falls).
    pub(super) fn funded_changes(&self) -> BTreeMap<String, Decimal> {
        let mut low: BTreeMap<String, Decimal> = BTreeMap::new();
        for coin in &self.stablecoins {
            for venue in &coin.venues {
                if let Some(v) = self.world.venues.get(venue)
                    && let Some(t) = self.world.tokens.get(&v.base)
                {
                    low.insert(v.base.clone(), t.start);
                }
            }
        }
        for event in &self.log.events {
            if let EventKind::PriceMove { to_usd, .. } = event.kind
                && let Some(l) = low.get_mut(&event.entity)
            {
                *l = (*l).min(to_usd);
            }
        }
        low.into_iter()
            .filter_map(|(token, l)| {
                let start = self.world.tokens.get(&token)?.start;
                let change = l.checked_div(start)?.checked_sub(Decimal::ONE)?;
                Some((token, change.checked_mul(Decimal::ONE_HUNDRED)?))
            })
            .collect()
    }

    /// Per stablecoin, the base tokens of the venues it funds, in venue order, each once.
    pub(super) fn funded_tokens(&self) -> Vec<Vec<String>> {
        self.stablecoins
            .iter()
            .map(|c| {
                let mut tokens: Vec<String> = Vec::new();
                for venue in &c.venues {
                    if let Some(v) = self.world.venues.get(venue)
                        && !tokens.contains(&v.base)
                    {
                        tokens.push(v.base.clone());
                    }
                }
                tokens
            })
            .collect()
    }

    /// Each stablecoin's outcome, its channel shares left for [`attribute`].
    pub(super) fn stablecoin_outcomes(&self) -> Vec<StablecoinOutcome> {
        self.stablecoins
            .iter()
            .map(|c| StablecoinOutcome {
                token: c.token.clone(),
                supply_start: c.supply0,
                supply_end: c.supply,
                redeemed_in_cascade: c.redeemed_in_cascade,
                redeemed_by_flows: c.redeemed_by_flows,
                minted_by_flows: c.minted_by_flows,
                elasticity: c.elasticity,
                bid_depth_factor: c.applied,
                channel: Vec::new(),
            })
            .collect()
    }

    /// A copy of this engine, before its run, with the channel off: same shocks, flows and
    /// redemptions, bids left as they are. `None` for a lean probe or a run without stablecoins.
    pub(super) fn without_channel(&self) -> Option<Self> {
        if self.log.lean || self.stablecoins.is_empty() || !self.channel {
            return None;
        }
        Some(Self {
            snapshot: self.snapshot,
            scenario: self.scenario,
            world: self.world.clone(),
            log: super::Log::default(),
            ramps: Default::default(),
            series: Vec::new(),
            stablecoins: self.stablecoins.clone(),
            channel: false,
        })
    }
}

/// Fills each outcome's channel shares: for every funded token (`tokens`, per stablecoin), its
/// change with the channel (`with`) and without (`without`).
pub(super) fn attribute(
    outcomes: &mut [StablecoinOutcome],
    tokens: &[Vec<String>],
    with: &BTreeMap<String, Decimal>,
    without: &BTreeMap<String, Decimal>,
) {
    for (outcome, tokens) in outcomes.iter_mut().zip(tokens) {
        for token in tokens {
            let (Some(&with), Some(&without)) = (with.get(token), without.get(token)) else {
                continue;
            };
            outcome.channel.push(ChannelShare {
                token: token.clone(),
                low_change_pct: with,
                low_change_without_pct: without,
                share_pct: ChannelShare::share(with, without),
            });
        }
    }
}
