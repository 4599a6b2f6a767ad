//! The venue's books of account: positions kept by cost basis, so no trade ever divides.
//!
//! A position holds its signed `size` (positive long) and its signed `cost`, the sum of
//! `Δsize · price` over its trades. Its unrealised PnL at a mark is `size · mark - cost`, and a
//! trade of `Δ` at `p` adds `Δ` to one side's size and `Δ · p` to its cost while subtracting both
//! from the other side. Every amount is computed once and applied with opposite signs, so the sum
//! over all holders of sizes, costs and cash never moves: value is conserved to the last digit.
//! Entry prices (`cost / size`) are derived for reports and ADL ranking only.

use crate::{Decimal, Error, Result, Side};
use std::collections::BTreeMap;

/// An account id on a venue.
pub type AccountId = u64;

/// Who holds a position on the venue's books.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Holder {
    /// A trader's account.
    Account(AccountId),
    /// The backstop liquidity vault (HLP-like).
    Backstop,
    /// The outside order book: counterparties of fills against the venue's depth, kept on the
    /// books so the venue's accounts add up (its value is the outside world's gain or loss).
    Book,
}

/// One perp position, by cost basis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    /// Signed size in the base asset: positive long, negative short.
    pub size: Decimal,
    /// Signed cost: the sum of `Δsize · price` over the position's trades.
    pub cost: Decimal,
    /// Margin set aside for an isolated position; `None` for cross margin.
    pub isolated_margin: Option<Decimal>,
}

impl Position {
    /// The position's direction, `None` when flat.
    pub fn side(&self) -> Option<Side> {
        if self.size > Decimal::ZERO {
            Some(Side::Long)
        } else if self.size < Decimal::ZERO {
            Some(Side::Short)
        } else {
            None
        }
    }

    /// `size · mark - cost`.
    pub fn unrealized_pnl(&self, mark: Decimal) -> Result<Decimal> {
        self.size
            .checked_mul(mark)
            .and_then(|value| value.checked_sub(self.cost))
            .ok_or(Error::Overflow { op: "unrealized_pnl" })
    }

    /// `|size| · mark`.
    pub fn notional(&self, mark: Decimal) -> Result<Decimal> {
        self.size.abs().checked_mul(mark).ok_or(Error::Overflow { op: "notional" })
    }

    /// The average entry price `cost / size` (a derived figure; `None` when flat).
    pub fn entry_price(&self) -> Option<Decimal> {
        if self.size.is_zero() { None } else { self.cost.checked_div(self.size) }
    }

    /// Equity of an isolated position: margin plus unrealised PnL (`None` for cross).
    pub fn isolated_equity(&self, mark: Decimal) -> Result<Option<Decimal>> {
        match self.isolated_margin {
            None => Ok(None),
            Some(margin) => Ok(Some(add(margin, self.unrealized_pnl(mark)?)?)),
        }
    }
}

/// A holder's books: settlement cash (USD), collateral held in kind, positions by market.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Account {
    /// Settlement-currency balance (cross margin); realised PnL, funding and fees land here.
    pub cash: Decimal,
    /// Non-settlement collateral in whole tokens by asset, valued by the venue's own oracle.
    pub collateral: BTreeMap<String, Decimal>,
    /// Open positions by market symbol.
    pub positions: BTreeMap<String, Position>,
}

impl Account {
    /// Applies a trade of signed `delta` base at a total signed `amount` (`delta · price`).
    /// A position that reaches zero is closed: its residual (margin minus cost) is realised
    /// into cash.
    pub(crate) fn trade(&mut self, market: &str, delta: Decimal, amount: Decimal) -> Result<()> {
        let position = self.positions.entry(market.to_owned()).or_insert(Position {
            size: Decimal::ZERO,
            cost: Decimal::ZERO,
            isolated_margin: None,
        });
        position.size = add(position.size, delta)?;
        position.cost = add(position.cost, amount)?;
        if position.size.is_zero() {
            let residual = sub(position.isolated_margin.unwrap_or_default(), position.cost)?;
            self.positions.remove(market);
            self.cash = add(self.cash, residual)?;
        }
        Ok(())
    }
}

pub(crate) fn add(a: Decimal, b: Decimal) -> Result<Decimal> {
    a.checked_add(b).ok_or(Error::Overflow { op: "add" })
}

pub(crate) fn sub(a: Decimal, b: Decimal) -> Result<Decimal> {
    a.checked_sub(b).ok_or(Error::Overflow { op: "sub" })
}

pub(crate) fn mul(a: Decimal, b: Decimal) -> Result<Decimal> {
    a.checked_mul(b).ok_or(Error::Overflow { op: "mul" })
}

pub(crate) fn div(a: Decimal, b: Decimal) -> Result<Decimal> {
    a.checked_div(b).ok_or(Error::Overflow { op: "div" })
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    /// Buy 2 at 100 (cost 200), buy 1 at 130 (cost 330): entry 110, uPnL at 120 = 360 - 330 = 30.
    /// Sell all 3 at 120 (amount -360): flat, cash 360 - 330 = 30.
    #[test]
    fn cost_basis_realises_on_close() {
        let mut account = Account::default();
        account.trade("BTC", d("2"), d("200")).unwrap();
        account.trade("BTC", d("1"), d("130")).unwrap();
        let position = &account.positions["BTC"];
        assert_eq!(position.entry_price(), Some(d("110")));
        assert_eq!(position.unrealized_pnl(d("120")).unwrap(), d("30"));
        assert_eq!(position.side(), Some(Side::Long));
        account.trade("BTC", d("-3"), d("-360")).unwrap();
        assert!(account.positions.is_empty());
        assert_eq!(account.cash, d("30"));
    }

    /// Isolated short of 10 at 2,000 with 2,000 margin, bought back at 2,100: the margin less the
    /// loss of 1,000 returns to cash.
    #[test]
    fn isolated_margin_returns_on_close() {
        let mut account = Account::default();
        account.trade("ETH", d("-10"), d("-20000")).unwrap();
        account.positions.get_mut("ETH").unwrap().isolated_margin = Some(d("2000"));
        let equity = account.positions["ETH"].isolated_equity(d("2100")).unwrap();
        assert_eq!(equity, Some(d("1000")));
        account.trade("ETH", d("10"), d("21000")).unwrap();
        assert_eq!(account.cash, d("1000"));
    }
}
