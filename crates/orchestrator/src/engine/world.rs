//! The live state of a run, built from a validated snapshot.

use super::markets::{Live, Market};
use super::venues::LiveVenue;
use crate::{
    Error, Result,
    snapshot::{BackingItemSpec, OracleKindSpec, RedemptionModeSpec, Snapshot, VenueModelSpec},
};
use faultline_core::{Oracle, OracleKind, Price, Rounding, U256, decimal::to_decimal};
use faultline_liquidity::{Pair, depth::DepthLevel};
use rayon::prelude::*;
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// Oracle answers are kept with this many decimals.
pub(crate) const ORACLE_DECIMALS: u8 = 18;

/// A token's prices.
#[derive(Debug, Clone)]
pub(crate) struct TokenState {
    pub(crate) decimals: u8,
    /// What the token is worth outside any one venue (shocks and NAVs set it), USD.
    pub(crate) fair: Decimal,
    /// What it trades at now, USD: the primary venue's mid when it has one, else `fair`.
    pub(crate) price: Decimal,
    /// `price` at the start of the run.
    pub(crate) start: Decimal,
    /// The venue it is sold into (the first in the snapshot with it as base).
    pub(crate) venue: Option<String>,
}

/// An oracle as its consumer reads it.
#[derive(Debug, Clone)]
pub(crate) struct OracleState {
    pub(crate) token: String,
    pub(crate) quote: Option<String>,
    pub(crate) oracle: Oracle,
    /// For an exchange-rate oracle, the issuer whose reported NAV it reads.
    pub(crate) issuer: Option<String>,
}

/// A venue and what it trades.
#[derive(Debug, Clone)]
pub(crate) struct VenueState {
    pub(crate) base: String,
    pub(crate) quote: String,
    pub(crate) venue: LiveVenue,
    pub(crate) half_life: Option<u64>,
}

/// One backing item, live.
#[derive(Debug, Clone)]
pub(crate) struct BackingLive {
    pub(crate) id: String,
    pub(crate) item: BackingItemSpec,
    /// Written off by shocks so far, USD.
    pub(crate) written_down: Decimal,
    /// Value at the last NAV computation, USD.
    pub(crate) last_value: Decimal,
}

/// An issuer, live.
#[derive(Debug, Clone)]
pub(crate) struct IssuerLive {
    pub(crate) token: String,
    pub(crate) supply: Decimal,
    pub(crate) reported_nav: Decimal,
    pub(crate) backing: Vec<BackingLive>,
    pub(crate) frozen: bool,
    /// True NAV per token, USD.
    pub(crate) nav: Decimal,
    pub(crate) start_nav: Decimal,
}

/// Everything live in a run.
#[derive(Debug, Clone)]
pub(crate) struct World {
    pub(crate) tokens: BTreeMap<String, TokenState>,
    pub(crate) oracles: BTreeMap<String, OracleState>,
    pub(crate) venues: BTreeMap<String, VenueState>,
    /// Lending markets of every protocol.
    pub(crate) markets: BTreeMap<String, Market>,
    /// Market ids in the order the passes visit them: by protocol, then by id.
    pub(crate) market_order: Vec<String>,
    pub(crate) issuers: BTreeMap<String, IssuerLive>,
    pub(crate) holders: Vec<super::holders::HolderLive>,
    /// Issuers in the order their NAVs are computed (snapshot order).
    pub(crate) issuer_order: Vec<String>,
    /// Perp venues and delta-neutral books.
    pub(crate) perp: super::perps::PerpState,
    /// MetaMorpho vaults.
    pub(crate) vaults: BTreeMap<String, super::vaults::VaultLive>,
}

fn model(entity: &str, error: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::Model { entity: entity.to_owned(), source: Box::new(error) }
}

/// A decimal figure as a price with [`ORACLE_DECIMALS`], rounded down.
pub(crate) fn oracle_price(entity: &str, value: Decimal) -> Result<Price> {
    Price::from_decimal(value.max(Decimal::ZERO), ORACLE_DECIMALS, Rounding::Down)
        .map_err(|e| model(entity, e))
}

/// Raw token units as whole tokens (exact up to 28 places, rounded down beyond).
pub(crate) fn whole(entity: &str, raw: U256, decimals: u8) -> Result<Decimal> {
    to_decimal(raw, decimals, u32::from(decimals.min(28)), Rounding::Down)
        .map_err(|e| model(entity, e))
}

impl World {
    /// The live state of a validated snapshot.
    pub(crate) fn build(snapshot: &Snapshot) -> Result<Self> {
        let mut tokens = BTreeMap::new();
        for t in &snapshot.tokens {
            tokens.insert(
                t.id.clone(),
                TokenState {
                    decimals: t.decimals,
                    fair: t.price_usd,
                    price: t.price_usd,
                    start: t.price_usd,
                    venue: None,
                },
            );
        }

        let mut venues = BTreeMap::new();
        for v in &snapshot.venues {
            let base = &tokens[&v.base];
            let quote = &tokens[&v.quote];
            let pair = Pair::new(base.decimals, quote.decimals).map_err(|e| model(&v.id, e))?;
            let live = match &v.model {
                VenueModelSpec::Depth { levels } => {
                    let levels = levels
                        .iter()
                        .map(|l| DepthLevel {
                            band: l.within_pct / Decimal::ONE_HUNDRED,
                            quantity: l.quantity,
                        })
                        .collect();
                    let mid = fair_mid(&v.id, base.fair, quote.fair)?;
                    LiveVenue::depth(&v.id, pair, mid, levels)?
                }
                VenueModelSpec::ConstantProduct { reserve_base, reserve_quote, fee_bps } => {
                    LiveVenue::pool(&v.id, pair, *reserve_base, *reserve_quote, *fee_bps)?
                }
                VenueModelSpec::ConcentratedLiquidity(spec) => {
                    LiveVenue::concentrated(&v.id, pair, spec)?
                }
            };
            venues.insert(
                v.id.clone(),
                VenueState {
                    base: v.base.clone(),
                    quote: v.quote.clone(),
                    venue: live,
                    half_life: v.recovery_half_life_secs,
                },
            );
        }
        for v in &snapshot.venues {
            if let Some(token) = tokens.get_mut(&v.base)
                && token.venue.is_none()
            {
                token.venue = Some(v.id.clone());
            }
        }

        let mut oracles = BTreeMap::new();
        for o in &snapshot.oracles {
            let answer = oracle_price(&o.id, o.price)?;
            let (kind, issuer) = match &o.kind {
                OracleKindSpec::Market => (OracleKind::Market, None),
                OracleKindSpec::PushFeed { deviation_bps, heartbeat_secs } => (
                    OracleKind::PushFeed {
                        deviation_bps: *deviation_bps,
                        heartbeat_secs: *heartbeat_secs,
                    },
                    None,
                ),
                OracleKindSpec::Fixed => (OracleKind::Fixed(answer), None),
                OracleKindSpec::ExchangeRate { issuer } => {
                    (OracleKind::ExchangeRate, Some(issuer.clone()))
                }
                OracleKindSpec::Lagged { delay_secs } => {
                    (OracleKind::Lagged { delay_secs: *delay_secs }, None)
                }
            };
            let oracle = Oracle::new(kind, answer, 0).map_err(|e| model(&o.id, e))?;
            oracles.insert(
                o.id.clone(),
                OracleState { token: o.token.clone(), quote: o.quote.clone(), oracle, issuer },
            );
        }

        // Each market's model (and Morpho's at-risk index) is built from its own positions
        // alone, so the markets are built on every core and taken in snapshot order: the first
        // error in that order is the one reported, on any thread count.
        let built: Vec<Result<Market>> = snapshot
            .lending_markets
            .par_iter()
            .map(|m| super::markets::build(snapshot, m, &oracles))
            .collect();
        let mut markets = BTreeMap::new();
        for (m, market) in snapshot.lending_markets.iter().zip(built) {
            markets.insert(m.id.clone(), market?);
        }
        let mut market_order: Vec<String> = markets.keys().cloned().collect();
        market_order.sort_by_key(|id| markets.get(id).map(Market::kind));

        let oracle_answer = |id: &str| -> Result<Decimal> {
            let state = oracles.get(id).ok_or_else(|| super::model_missing(id))?;
            state.oracle.price().0.to_decimal().map_err(|e| model(id, e))
        };
        let venue_copy = |id: &str| -> Result<Box<dyn faultline_liquidity::Venue>> {
            let state: &VenueState = venues.get(id).ok_or_else(|| super::model_missing(id))?;
            Ok(state.venue.boxed())
        };
        let perp = super::perps::PerpState::build(snapshot, &tokens, &oracle_answer, &venue_copy)?;

        let mut issuers = BTreeMap::new();
        for i in &snapshot.issuers {
            issuers.insert(
                i.id.clone(),
                IssuerLive {
                    token: i.token.clone(),
                    supply: i.supply,
                    reported_nav: i.reported_nav,
                    backing: i
                        .backing
                        .iter()
                        .map(|b| BackingLive {
                            id: b.id.clone(),
                            item: b.item.clone(),
                            written_down: Decimal::ZERO,
                            last_value: Decimal::ZERO,
                        })
                        .collect(),
                    frozen: matches!(i.redemption.mode, RedemptionModeSpec::Frozen),
                    nav: Decimal::ZERO,
                    start_nav: Decimal::ZERO,
                },
            );
        }

        Ok(Self {
            tokens,
            oracles,
            venues,
            markets,
            market_order,
            issuers,
            holders: snapshot
                .holders
                .iter()
                .map(super::holders::HolderLive::from_snapshot)
                .collect(),
            issuer_order: snapshot.issuers.iter().map(|i| i.id.clone()).collect(),
            perp,
            vaults: snapshot
                .vaults
                .iter()
                .map(|v| Ok((v.id.clone(), super::vaults::VaultLive::build(snapshot, v)?)))
                .collect::<Result<_>>()?,
        })
    }
}

impl World {
    /// The Morpho Blue market `id`.
    pub(crate) fn morpho(&self, id: &str) -> Result<&Live<faultline_lending::cascade::MorphoBook>> {
        match self.markets.get(id) {
            Some(Market::Morpho(live)) => Ok(live),
            _ => Err(Error::Invalid {
                field: format!("{id}: market"),
                expected: "a Morpho Blue market of the snapshot".into(),
                found: id.to_owned(),
            }),
        }
    }
}

/// `base / quote` in USD terms: the venue mid that matches both tokens' fair prices.
pub(crate) fn fair_mid(entity: &str, base_usd: Decimal, quote_usd: Decimal) -> Result<Decimal> {
    base_usd.checked_div(quote_usd).filter(|_| !quote_usd.is_zero()).ok_or_else(|| {
        Error::Overflow { entity: entity.to_owned(), what: "venue mid (quote token priced at 0)" }
    })
}
