//! The lending markets of a run: one bookkeeping type ([`MarketBook`]) and one live type
//! ([`Live`]) for every protocol, the protocol itself behind
//! [`faultline_lending::cascade::CascadeMarket`]. What is left per protocol here is the map from
//! the model's token addresses to the snapshot's tokens and oracles.

use super::world::{OracleState, TokenState};
use crate::{
    Error, Result,
    models::{aave_pool, address_of, comet_market, euler_vault, morpho_market, whole_price},
    snapshot::{LendingMarketSpec, LendingProtocolSpec, Snapshot},
};
use alloy_primitives::{Address, U256};
use faultline_core::Price;
use faultline_lending::cascade::{AaveBook, CometBook, EulerBook, MorphoBook};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashSet};

/// Which protocol a market runs; the order is the order of the passes within a round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Kind {
    Morpho,
    Aave,
    Comet,
    Euler,
}

impl Kind {
    /// Why an oracle-above-market miss happened, in the protocol's words.
    pub(crate) const fn oracle_says_healthy(self) -> &'static str {
        match self {
            Self::Morpho => "its oracle still reports it healthy",
            Self::Aave => "its oracles still report it healthy",
            Self::Comet => "its price feeds still report it collateralised",
            Self::Euler => "the vault's oracles still report it healthy",
        }
    }
}

/// One token a market reads: the snapshot's token and, for a priced one, the oracle that
/// prices it (and for Morpho, the token it is quoted in).
#[derive(Debug, Clone)]
pub(crate) struct AssetLive {
    pub(crate) token: String,
    pub(crate) oracle: Option<String>,
    /// The oracle answers in this token per whole `token` (Morpho's loan token), else USD.
    pub(crate) quote: Option<String>,
    pub(crate) address: Address,
    pub(crate) decimals: u8,
}

/// The cascade's bookkeeping on one market, whatever its protocol.
#[derive(Debug, Clone)]
pub(crate) struct MarketBook {
    pub(crate) name: String,
    /// Borrowers whose missed liquidation has been logged (logged once each). Only asked
    /// whether it holds one, never walked, so its order cannot reach a report.
    pub(crate) missed: HashSet<Address>,
    pub(crate) missed_count: u64,
    /// Liquidations (absorptions for Comet).
    pub(crate) liquidations: u64,
    pub(crate) realised_bad_debt_usd: Decimal,
    pub(crate) economic_bad_debt_usd: Decimal,
    /// Lender funds stuck at 100% utilisation (Morpho), USD.
    pub(crate) frozen_usd: Decimal,
    /// What the market's last pass saw, when that pass changed nothing: a later round that sees
    /// the same inputs would find the same, so it skips the market (Morpho).
    pub(crate) settled_at: Option<ScanKey>,
    /// Assets each lender took out in lender runs, raw loan units (a vault holds them idle).
    pub(crate) withdrawn: BTreeMap<Address, U256>,
    /// The market accrues interest each step (it has a rate model from the snapshot).
    pub(crate) accrues: bool,
    /// How it accrues, or why it does not, for the report.
    pub(crate) interest: String,
}

/// Everything a Morpho pass depends on: the oracle's answer, the market prices of both tokens
/// and the market's totals (positions change only through the totals).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ScanKey {
    pub(crate) oracle: U256,
    pub(crate) collateral_usd: Decimal,
    pub(crate) loan_usd: Decimal,
    pub(crate) totals: faultline_lending::morpho::MarketState,
}

/// A market in the run: its protocol's model and the cascade's bookkeeping.
#[derive(Debug, Clone)]
pub(crate) struct Live<M> {
    pub(crate) book: MarketBook,
    pub(crate) model: M,
    /// Every token the market reads, priced ones with their oracle.
    pub(crate) assets: Vec<AssetLive>,
    /// The tokens whose prices move the market's uncovered debt.
    pub(crate) loss_tokens: Vec<String>,
}

/// A lending market of any protocol.
#[derive(Debug, Clone)]
pub(crate) enum Market {
    Morpho(Live<MorphoBook>),
    Aave(Live<AaveBook>),
    Comet(Live<CometBook>),
    Euler(Live<EulerBook>),
}

impl Market {
    pub(crate) const fn kind(&self) -> Kind {
        match self {
            Self::Morpho(_) => Kind::Morpho,
            Self::Aave(_) => Kind::Aave,
            Self::Comet(_) => Kind::Comet,
            Self::Euler(_) => Kind::Euler,
        }
    }

    pub(crate) const fn book(&self) -> &MarketBook {
        match self {
            Self::Morpho(l) => &l.book,
            Self::Aave(l) => &l.book,
            Self::Comet(l) => &l.book,
            Self::Euler(l) => &l.book,
        }
    }
}

fn model(entity: &str, error: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::Model { entity: entity.to_owned(), source: Box::new(error) }
}

impl<M> Live<M> {
    /// The asset at `address`.
    pub(crate) fn asset(&self, entity: &str, address: Address) -> Result<&AssetLive> {
        self.assets.iter().find(|a| a.address == address).ok_or_else(|| Error::Invalid {
            field: format!("{entity}: asset"),
            expected: "a token the market reads".into(),
            found: address.to_string(),
        })
    }

    /// Each priced asset at its oracle's current answer.
    pub(crate) fn oracle_prices(
        &self,
        entity: &str,
        oracles: &BTreeMap<String, OracleState>,
    ) -> Result<Vec<(Address, Price)>> {
        let mut out = Vec::with_capacity(self.assets.len());
        for a in &self.assets {
            let Some(oracle) = &a.oracle else { continue };
            let state = oracles.get(oracle).ok_or_else(|| super::model_missing(oracle))?;
            let answer = state.oracle.price().0.to_decimal().map_err(|e| model(entity, e))?;
            out.push((a.address, whole_price(entity, answer)?));
        }
        Ok(out)
    }

    /// Each priced asset at its market price (in its quote token when it has one; a quote
    /// priced at zero leaves the USD price).
    pub(crate) fn market_prices(
        &self,
        entity: &str,
        tokens: &BTreeMap<String, TokenState>,
    ) -> Result<Vec<(Address, Price)>> {
        let mut out = Vec::with_capacity(self.assets.len());
        for a in self.assets.iter().filter(|a| a.oracle.is_some()) {
            let usd = tokens[&a.token].price;
            let price = match &a.quote {
                Some(q) if !tokens[q].price.is_zero() => {
                    usd.checked_div(tokens[q].price).ok_or_else(|| Error::Overflow {
                        entity: entity.to_owned(),
                        what: "market price in the quote token",
                    })?
                }
                _ => usd,
            };
            out.push((a.address, whole_price(entity, price)?));
        }
        Ok(out)
    }
}

impl Live<MorphoBook> {
    /// The loan token.
    pub(crate) fn loan(&self) -> &AssetLive {
        let loan = self.model.market().params().loan_token;
        self.assets.iter().find(|a| a.address == loan).unwrap_or(&self.assets[0])
    }
}

/// Why a market without rate parameters in the snapshot does not accrue.
const NO_RATES: &str = "not accrued: the snapshot gives no rate parameters";

fn book(name: &str, interest: Option<String>) -> MarketBook {
    MarketBook {
        accrues: interest.is_some(),
        interest: interest.unwrap_or_else(|| NO_RATES.to_owned()),
        name: name.to_owned(),
        missed: HashSet::new(),
        missed_count: 0,
        liquidations: 0,
        realised_bad_debt_usd: Decimal::ZERO,
        economic_bad_debt_usd: Decimal::ZERO,
        frozen_usd: Decimal::ZERO,
        settled_at: None,
        withdrawn: BTreeMap::new(),
    }
}

/// The live market of snapshot entry `m`, its oracles answering as `oracles` do now.
pub(crate) fn build(
    snapshot: &Snapshot,
    m: &LendingMarketSpec,
    oracles: &BTreeMap<String, OracleState>,
) -> Result<Market> {
    let id = m.id.as_str();
    let answer = |oracle: &str| -> Result<Decimal> {
        let state = oracles.get(oracle).ok_or_else(|| Error::Invalid {
            field: format!("{id}: oracle"),
            expected: "an oracle of the snapshot".into(),
            found: oracle.to_owned(),
        })?;
        state.oracle.price().0.to_decimal().map_err(|e| model(id, e))
    };
    let decimals =
        |token: &str| snapshot.tokens.iter().find(|t| t.id == token).map_or(0, |t| t.decimals);
    let asset = |token: &str, oracle: Option<&str>, quote: Option<&str>| AssetLive {
        token: token.to_owned(),
        oracle: oracle.map(str::to_owned),
        quote: quote.map(str::to_owned),
        address: address_of(snapshot, token),
        decimals: decimals(token),
    };
    Ok(match &m.protocol {
        LendingProtocolSpec::MorphoBlue(spec) => {
            let (loan, collateral) = (&spec.loan_token, &spec.collateral_token);
            let market = morpho_market(snapshot, id, spec, answer(&spec.oracle)?)?;
            let interest = match &spec.irm {
                Some(irm) if irm.address.0 != Address::ZERO => Some(format!(
                    "AdaptiveCurveIRM (_accrueInterest), from rateAtTarget {} wei/s at lastUpdate {}",
                    irm.rate_at_target.0, irm.last_update
                )),
                _ => None,
            };
            let no_irm = spec.irm.is_some();
            let accounts = spec.positions.iter().map(|p| p.account.0).collect();
            let mut model = MorphoBook::new(market, decimals(loan), decimals(collateral), accounts)
                .map_err(|e| self::model(id, e))?;
            if let Some(raw) = &spec.oracle_price_raw {
                model = model.with_exact_price(raw.0, super::world::ORACLE_DECIMALS);
            }
            let mut book = book(&m.name, interest);
            if no_irm && !book.accrues {
                "no IRM (address(0)): no interest, as on chain".clone_into(&mut book.interest);
            }
            Market::Morpho(Live {
                book,
                model,
                assets: vec![
                    asset(collateral, Some(&spec.oracle), Some(loan)),
                    asset(loan, None, None),
                ],
                loss_tokens: vec![collateral.clone()],
            })
        }
        LendingProtocolSpec::AaveV3(spec) => {
            let pool = aave_pool(snapshot, id, spec, &answer)?;
            let borrowers = spec
                .positions
                .iter()
                .filter(|p| p.debt.iter().any(|d| !d.amount.0.is_zero()))
                .map(|p| p.account.0)
                .collect();
            let rated: Vec<&str> = spec
                .reserves
                .iter()
                .filter(|r| r.rate_strategy.is_some())
                .map(|r| r.token.as_str())
                .collect();
            let interest = (!rated.is_empty()).then(|| {
                let all = rated.len() == spec.reserves.len();
                format!(
                    "Aave v3 indexes by each reserve's rate strategy (updateState){}",
                    if all { String::new() } else { format!(", reserves {}", rated.join(", ")) }
                )
            });
            Market::Aave(Live {
                book: book(&m.name, interest),
                model: AaveBook::new(pool, borrowers),
                assets: spec
                    .reserves
                    .iter()
                    .map(|r| asset(&r.token, Some(&r.oracle), None))
                    .collect(),
                loss_tokens: spec.reserves.iter().map(|r| r.token.clone()).collect(),
            })
        }
        LendingProtocolSpec::CompoundV3(spec) => {
            let market = comet_market(snapshot, id, spec, &answer)?;
            let borrowers = spec
                .positions
                .iter()
                .filter(|p| !p.borrow_principal.0.is_zero())
                .map(|p| p.account.0)
                .collect();
            let mut assets: Vec<AssetLive> =
                spec.assets.iter().map(|a| asset(&a.token, Some(&a.oracle), None)).collect();
            assets.push(asset(&spec.base_token, Some(&spec.base_oracle), None));
            let interest =
                spec.rates.as_ref().map(|_| "Comet kinked rates (accrueInternal)".to_owned());
            Market::Comet(Live {
                book: book(&m.name, interest),
                model: CometBook::new(market, borrowers),
                assets,
                loss_tokens: spec.assets.iter().map(|a| a.token.clone()).collect(),
            })
        }
        LendingProtocolSpec::EulerV2(spec) => {
            let vault = euler_vault(snapshot, id, spec, &answer)?;
            let borrowers = spec
                .positions
                .iter()
                .filter(|p| !p.debt.0.is_zero())
                .map(|p| p.account.0)
                .collect();
            let mut assets: Vec<AssetLive> =
                spec.collaterals.iter().map(|c| asset(&c.token, Some(&c.oracle), None)).collect();
            assets.push(asset(&spec.asset, Some(&spec.asset_oracle), None));
            let interest = spec.irm.as_ref().map(|_| "Euler IRMLinearKink (touch)".to_owned());
            Market::Euler(Live {
                book: book(&m.name, interest),
                model: EulerBook::new(vault, borrowers),
                assets,
                loss_tokens: spec.collaterals.iter().map(|c| c.token.clone()).collect(),
            })
        }
    })
}
