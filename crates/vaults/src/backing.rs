//! What an issuer holds: backing items and the prices they are valued at.
//!
//! Every item carries two figures in USD: what the issuer *reports* it at (its book) and what it
//! is *truly* worth now. Tokens held are valued from prices instead, under the stated
//! [`NavRule`]. A write-down lowers the truth and leaves the report alone until the issuer
//! recognises the loss: that gap is the story of every yield-bearing dollar that reported par
//! while trading at a fraction of it.

use crate::{Error, Result};
use faultline_core::{MarketPrice, OraclePrice, Price, decimal::Decimal};
use std::collections::BTreeMap;

/// The rule that values a backing portfolio.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NavRule {
    /// What things trade at and are truly worth: tokens at market prices, other items at their
    /// true value (after write-downs). This is the *true* NAV.
    Market,
    /// What oracles say: tokens at oracle prices; items no oracle sees at their reported value.
    Oracle,
    /// What the issuer's books say: tokens at their book price (par, or their issuer's reported
    /// NAV), items at their reported value. Issuers report this one.
    Book,
}

/// What kind of claim a backing item is.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BackingKind {
    /// Tokens held, including other issuers' tokens; valued at the token's price under the rule.
    Holding {
        /// Token symbol, as keyed in [`Prices`].
        token: String,
        /// Whole tokens held.
        amount: Decimal,
    },
    /// A supply position in a lending market: a claim on `amount` of `asset`; bad debt in the
    /// market shows as the item's recovery below one.
    LendingSupply {
        /// The market's name.
        market: String,
        /// The supplied asset's symbol.
        asset: String,
        /// Whole tokens supplied (with accrued interest).
        amount: Decimal,
    },
    /// A loan to a named counterparty, carried at its principal.
    Loan {
        /// Who owes it.
        counterparty: String,
        /// The token that secures it, if any (the xUSD pledged in Elixir's Morpho market): makes
        /// the loan an edge in the backing graph toward that token's issuer.
        secured_by: Option<String>,
    },
    /// A hedged book (delta-neutral positions) whose value the orchestrator supplies each step.
    HedgedBook {
        /// The book's name.
        book: String,
    },
    /// An opaque off-chain or custodial claim, known only by what is reported.
    OffChain {
        /// The custodian or fund manager.
        custodian: String,
        /// Confidence in the reported value, in `[0, 1]` (a source's, not the issuer's).
        confidence: Decimal,
    },
    /// A reserve or insurance fund, in cash; first to pay redemptions after cash.
    Reserve,
    /// Cash in the redemption asset, valued at par; what redemptions pay from first.
    Cash,
}

impl BackingKind {
    /// Whether redemptions can be paid from the item directly (cash, then reserves).
    pub const fn is_liquid(&self) -> bool {
        matches!(self, Self::Cash | Self::Reserve)
    }

    /// The issuer token this item is a claim on, if any (a holding of a token, a loan secured
    /// by one); the edge the backing graph follows.
    pub fn claim_on(&self) -> Option<&str> {
        match self {
            Self::Holding { token, .. } => Some(token),
            Self::LendingSupply { asset, .. } => Some(asset),
            Self::Loan { secured_by, .. } => secured_by.as_deref(),
            _ => None,
        }
    }
}

/// One item of an issuer's backing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackingItem {
    /// A name unique within the issuer, for write-downs and reports.
    pub id: String,
    /// What the item is.
    pub kind: BackingKind,
    /// USD value the issuer reports the item at (ignored for token holdings and supply, which
    /// are valued from prices).
    pub reported: Decimal,
    /// USD value the item is truly worth now (ignored for token holdings and supply).
    pub truth: Decimal,
    /// Fraction of a token holding or supply position that is truly recoverable (`1` intact;
    /// below after bad debt or a freeze). Applies under [`NavRule::Market`] only.
    pub recovery: Decimal,
}

impl BackingItem {
    /// A non-token item reported and truly worth `value` USD.
    pub fn valued(id: impl Into<String>, kind: BackingKind, value: Decimal) -> Self {
        Self { id: id.into(), kind, reported: value, truth: value, recovery: Decimal::ONE }
    }

    /// A holding of `amount` whole `token`s.
    pub fn holding(id: impl Into<String>, token: impl Into<String>, amount: Decimal) -> Self {
        Self::valued(id, BackingKind::Holding { token: token.into(), amount }, Decimal::ZERO)
    }

    /// Cash worth `value` USD.
    pub fn cash(id: impl Into<String>, value: Decimal) -> Self {
        Self::valued(id, BackingKind::Cash, value)
    }

    /// Checks the item's figures: values non-negative, recovery and confidence in `[0, 1]`.
    pub fn validate(&self, path: &str) -> Result<()> {
        let unit = |field: &str, value: Decimal| {
            if value < Decimal::ZERO || value > Decimal::ONE {
                Err(Error::invalid(format!("{path}.{field}"), "a fraction in [0, 1]", value))
            } else {
                Ok(())
            }
        };
        for (field, value) in [("reported", self.reported), ("truth", self.truth)] {
            if value.is_sign_negative() && !value.is_zero() {
                return Err(Error::invalid(format!("{path}.{field}"), "a USD value >= 0", value));
            }
        }
        unit("recovery", self.recovery)?;
        match &self.kind {
            BackingKind::OffChain { confidence, .. } => unit("confidence", *confidence)?,
            BackingKind::Holding { amount, .. } | BackingKind::LendingSupply { amount, .. }
                if amount.is_sign_negative() && !amount.is_zero() =>
            {
                return Err(Error::invalid(format!("{path}.amount"), "an amount >= 0", amount));
            }
            _ => {}
        }
        Ok(())
    }

    /// The item's USD value under `rule`.
    pub fn value(&self, rule: NavRule, prices: &Prices) -> Result<Decimal> {
        let amount_and_token = match &self.kind {
            BackingKind::Holding { token, amount } => Some((token, *amount)),
            BackingKind::LendingSupply { asset, amount, .. } => Some((asset, *amount)),
            _ => None,
        };
        match (amount_and_token, rule) {
            (Some((token, amount)), rule) => {
                let price = prices.price(token, rule)?;
                let value = mul(amount, price, "BackingItem::value")?;
                if rule == NavRule::Market {
                    mul(value, self.recovery, "BackingItem::value")
                } else {
                    Ok(value)
                }
            }
            (None, NavRule::Market) => Ok(self.truth),
            (None, NavRule::Oracle | NavRule::Book) => Ok(self.reported),
        }
    }
}

/// Prices by token symbol, one table per [`NavRule`]: market prices (what tokens trade at),
/// oracle prices (what protocols read) and book prices (what issuers carry them at).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Prices {
    /// What tokens trade at.
    pub market: BTreeMap<String, MarketPrice>,
    /// What oracles report.
    pub oracle: BTreeMap<String, OraclePrice>,
    /// What issuers carry tokens at (par for dollars, the issuer's reported NAV for shares).
    pub book: BTreeMap<String, Price>,
}

impl Prices {
    /// Sets one token's market, oracle and book price to the same `price` (USD, human figure,
    /// 18 decimals).
    pub fn set_all(&mut self, token: &str, price: Decimal) -> Result<()> {
        let price = usd(price)?;
        self.market.insert(token.to_owned(), MarketPrice(price));
        self.oracle.insert(token.to_owned(), OraclePrice(price));
        self.book.insert(token.to_owned(), price);
        Ok(())
    }

    /// Sets one token's market price.
    pub fn set_market(&mut self, token: &str, price: Decimal) -> Result<()> {
        self.market.insert(token.to_owned(), MarketPrice(usd(price)?));
        Ok(())
    }

    /// Sets one token's oracle price.
    pub fn set_oracle(&mut self, token: &str, price: Decimal) -> Result<()> {
        self.oracle.insert(token.to_owned(), OraclePrice(usd(price)?));
        Ok(())
    }

    /// Sets one token's book price.
    pub fn set_book(&mut self, token: &str, price: Decimal) -> Result<()> {
        self.book.insert(token.to_owned(), usd(price)?);
        Ok(())
    }

    /// The USD price of `token` under `rule`; an unknown token is an error naming both.
    pub fn price(&self, token: &str, rule: NavRule) -> Result<Decimal> {
        let price = match rule {
            NavRule::Market => self.market.get(token).map(|p| p.0),
            NavRule::Oracle => self.oracle.get(token).map(|p| p.0),
            NavRule::Book => self.book.get(token).copied(),
        };
        let price = price.ok_or_else(|| Error::Unknown {
            what: match rule {
                NavRule::Market => "market price for token",
                NavRule::Oracle => "oracle price for token",
                NavRule::Book => "book price for token",
            },
            name: token.to_owned(),
        })?;
        Ok(price.to_decimal()?)
    }
}

/// Decimals of the USD prices this crate builds.
pub const USD_PRICE_DECIMALS: u8 = 18;

/// A human USD price as a core [`Price`] with [`USD_PRICE_DECIMALS`], rounded down.
pub fn usd(price: Decimal) -> Result<Price> {
    Ok(Price::from_decimal(price, USD_PRICE_DECIMALS, faultline_core::Rounding::Down)?)
}

/// Checked `Decimal` product.
pub(crate) fn mul(a: Decimal, b: Decimal, op: &'static str) -> Result<Decimal> {
    a.checked_mul(b).ok_or(Error::Overflow { op })
}

/// Checked `Decimal` sum.
pub(crate) fn add(a: Decimal, b: Decimal, op: &'static str) -> Result<Decimal> {
    a.checked_add(b).ok_or(Error::Overflow { op })
}

/// Checked `Decimal` difference.
pub(crate) fn sub(a: Decimal, b: Decimal, op: &'static str) -> Result<Decimal> {
    a.checked_sub(b).ok_or(Error::Overflow { op })
}

/// Checked `Decimal` quotient; a zero divisor is an error.
pub(crate) fn div(a: Decimal, b: Decimal, op: &'static str) -> Result<Decimal> {
    a.checked_div(b).ok_or(Error::Overflow { op })
}
