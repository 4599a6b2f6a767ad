//! Redemptions: the book pays holders from its buffer, then unwinds pro rata, selling long legs
//! through their spot markets (thin liquidity costs slippage) and buying back the matching share
//! of the shorts, releasing their margin.

use crate::{
    Decimal, Error, Result,
    book::{Book, Venues, add, div, mul, sub, venue_mut},
};
use faultline_core::{
    Rounding,
    decimal::{from_decimal, to_decimal},
};
use faultline_liquidity::{Side as SpotSide, Venue as Spot};
use faultline_perps::ledger::Holder;
use std::collections::BTreeMap;

/// Spot markets by long-leg name: where each leg is sold.
pub type SpotMarkets = BTreeMap<String, Box<dyn Spot>>;

/// One leg sold in an unwind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sale {
    /// The leg.
    pub leg: String,
    /// Tokens sold.
    pub amount: Decimal,
    /// What they fetched.
    pub proceeds: Decimal,
    /// What they were worth at the leg's price.
    pub value_at_price: Decimal,
}

/// What a redemption did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redemption {
    /// Asked for (USD of liabilities).
    pub requested: Decimal,
    /// Paid from the buffer.
    pub from_buffer: Decimal,
    /// Legs sold.
    pub sales: Vec<Sale>,
    /// Margin released from short accounts.
    pub from_margin: Decimal,
    /// Paid in all (liabilities fall by this).
    pub paid: Decimal,
    /// Owed but not paid (still a liability).
    pub unpaid: Decimal,
    /// Value lost to slippage: `Σ value_at_price - proceeds`.
    pub slippage: Decimal,
}

/// Redeems `amount` of liabilities: buffer first, then a pro-rata unwind of the fraction
/// `remaining / (book value - buffer)` of every long leg with a spot market and every short.
pub fn redeem(
    book: &mut Book,
    venues: &mut Venues,
    spot: &mut SpotMarkets,
    amount: Decimal,
) -> Result<Redemption> {
    if amount <= Decimal::ZERO || amount > book.liabilities {
        return Err(Error::invalid("amount", "a positive amount up to the liabilities", amount));
    }
    let from_buffer = amount.min(book.buffer);
    book.buffer = sub(book.buffer, from_buffer)?;
    let mut remaining = sub(amount, from_buffer)?;
    let mut redemption = Redemption {
        requested: amount,
        from_buffer,
        sales: Vec::new(),
        from_margin: Decimal::ZERO,
        paid: from_buffer,
        unpaid: Decimal::ZERO,
        slippage: Decimal::ZERO,
    };
    if remaining > Decimal::ZERO {
        let invested = book.value(venues)?;
        let share = if invested > Decimal::ZERO {
            div(remaining, invested)?.min(Decimal::ONE)
        } else {
            Decimal::ZERO
        };
        for leg in &mut book.longs {
            let Some(market) = spot.get_mut(&leg.name) else { continue };
            let tokens = mul(leg.amount, share)?;
            let pair = market.pair();
            let raw = from_decimal(tokens, pair.base_decimals(), Rounding::Down)
                .map_err(|_| Error::Overflow { op: "tokens to raw" })?;
            if raw.is_zero() {
                continue;
            }
            let quote = market.execute(SpotSide::Sell, raw)?;
            let sold = to_decimal(
                raw,
                pair.base_decimals(),
                u32::from(pair.base_decimals().min(28)),
                Rounding::Down,
            )
            .map_err(|_| Error::Overflow { op: "raw to tokens" })?;
            let proceeds = to_decimal(
                quote.quote,
                pair.quote_decimals(),
                u32::from(pair.quote_decimals().min(28)),
                Rounding::Down,
            )
            .map_err(|_| Error::Overflow { op: "raw to proceeds" })?;
            let value_at_price = mul(sold, leg.price)?;
            leg.amount = sub(leg.amount, sold)?;
            redemption.slippage = add(redemption.slippage, sub(value_at_price, proceeds)?)?;
            redemption.paid = add(redemption.paid, proceeds)?;
            redemption.sales.push(Sale {
                leg: leg.name.clone(),
                amount: sold,
                proceeds,
                value_at_price,
            });
        }
        for leg in book.shorts.clone() {
            let venue = venue_mut(venues, &leg.venue)?;
            let Some(account) = venue.account(leg.account) else { continue };
            let cash = account.cash;
            let size = account.positions.get(&leg.market).map(|p| p.size).unwrap_or_default();
            if size < Decimal::ZERO {
                let (mark, _) = venue.prices(&leg.market)?;
                let close = mul(-size, share)?.round_dp(faultline_perps::adl::SIZE_PLACES);
                if close > Decimal::ZERO {
                    venue.trade(
                        Holder::Account(leg.account),
                        Holder::Book,
                        &leg.market,
                        close,
                        mark,
                    )?;
                }
            }
            let release = mul(cash, share)?.round_dp(12);
            if release > Decimal::ZERO && venue.withdraw(leg.account, release).is_ok() {
                redemption.from_margin = add(redemption.from_margin, release)?;
                redemption.paid = add(redemption.paid, release)?;
            }
        }
        remaining = sub(amount, redemption.paid)?;
    }
    // More than asked (the margin released exceeded the slippage) goes back to the buffer.
    if remaining < Decimal::ZERO {
        book.buffer = add(book.buffer, -remaining)?;
        redemption.paid = amount;
        remaining = Decimal::ZERO;
    }
    redemption.unpaid = remaining;
    book.liabilities = sub(book.liabilities, redemption.paid)?;
    Ok(redemption)
}
