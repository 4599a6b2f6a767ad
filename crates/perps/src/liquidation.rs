//! Liquidation prices: where a position's equity falls to its maintenance margin.
//!
//! For an isolated position of size `q` entered at `E` with margin `M`, equity at price `P` is
//! `M + side * q * (P - E)`, and the maintenance margin in the tier holding `q * P` is
//! `q * P * rate - deduction`. Setting them equal gives, per tier,
//! `P = (side * q * E - M - deduction) / (q * (side - rate))`. [`isolated`] solves that over a
//! tiered schedule exactly; [`hyperliquid`] and [`binance`] are the venues' published formulas,
//! which are the same equation for one tier (the tests check they agree).

use crate::{Decimal, Error, Result, Side, margin::MarginSchedule};

/// Hyperliquid (docs, "Liquidations"):
/// `liq_price = price - side * margin_available / position_size / (1 - l * side)`, where
/// `l = 1 / maintenance_leverage` (the maintenance rate) and `margin_available` is the isolated
/// margin (or the account value, cross) less the maintenance margin required at `price`.
pub fn hyperliquid(
    side: Side,
    price: Decimal,
    size: Decimal,
    margin_available: Decimal,
    maintenance_rate: Decimal,
) -> Result<Decimal> {
    positive("size", size)?;
    let s = side.sign();
    let denominator = size * (Decimal::ONE - maintenance_rate * s);
    if denominator.is_zero() {
        return Err(Error::NoSolution(
            "a maintenance rate of 100% has no liquidation price".into(),
        ));
    }
    let shift =
        margin_available.checked_div(denominator).ok_or(Error::Overflow { op: "hyperliquid" })?;
    Ok(price - s * shift)
}

/// Inputs of Binance's one-way-mode formula (FAQ "How to Calculate Liquidation Price of USDⓈ-M
/// Futures Contracts"). For an isolated position the other positions' terms are zero.
#[derive(Debug, Clone, Copy)]
pub struct BinanceInputs {
    /// `WB`: wallet balance (isolated: the position's margin).
    pub wallet_balance: Decimal,
    /// `TMM1`: maintenance margin of all other positions (cross only).
    pub other_maintenance_margin: Decimal,
    /// `UPNL1`: unrealised PnL of all other positions (cross only).
    pub other_unrealized_pnl: Decimal,
    /// `cum_B`: the bracket's maintenance amount.
    pub maintenance_amount: Decimal,
    /// Long or short.
    pub side: Side,
    /// `Q`: position size (positive).
    pub quantity: Decimal,
    /// `EP`: entry price.
    pub entry_price: Decimal,
    /// `MMR_B`: the bracket's maintenance rate.
    pub maintenance_rate: Decimal,
}

/// Binance: `LP = (WB - TMM1 + UPNL1 + cum_B - side * Q * EP) / (Q * MMR_B - side * Q)`.
pub fn binance(inputs: &BinanceInputs) -> Result<Decimal> {
    positive("quantity", inputs.quantity)?;
    let s = inputs.side.sign();
    let numerator = inputs.wallet_balance - inputs.other_maintenance_margin
        + inputs.other_unrealized_pnl
        + inputs.maintenance_amount
        - s * inputs.quantity * inputs.entry_price;
    let denominator = inputs.quantity * inputs.maintenance_rate - s * inputs.quantity;
    numerator.checked_div(denominator).ok_or_else(|| {
        Error::NoSolution("a maintenance rate of 100% has no liquidation price".into())
    })
}

/// The exact liquidation price of an isolated position under a tiered schedule, or `None` when no
/// positive price liquidates it (a long whose margin covers its whole notional).
pub fn isolated(
    side: Side,
    size: Decimal,
    entry_price: Decimal,
    margin: Decimal,
    schedule: &MarginSchedule,
) -> Result<Option<Decimal>> {
    positive("size", size)?;
    positive("entry_price", entry_price)?;
    let s = side.sign();
    let tiers = schedule.tiers();
    for (index, tier) in tiers.iter().enumerate() {
        let denominator = size * (s - tier.maintenance_rate);
        let numerator = s * size * entry_price - margin - tier.deduction;
        let price = numerator.checked_div(denominator).ok_or(Error::Overflow { op: "isolated" })?;
        if price <= Decimal::ZERO {
            continue;
        }
        let notional = size * price;
        let upper = tiers.get(index + 1).map(|next| next.lower_bound);
        if notional >= tier.lower_bound && upper.is_none_or(|bound| notional < bound) {
            return Ok(Some(price));
        }
    }
    Ok(None)
}

fn positive(field: &'static str, value: Decimal) -> Result<()> {
    if value > Decimal::ZERO {
        Ok(())
    } else {
        Err(Error::invalid(field, "a positive number", value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    /// protocol-mechanics.md §7 [derived] from the Hyperliquid docs' formula: isolated long 1 BTC
    /// at 100,000, 10x (margin 10,000), maintenance rate 1.25% (40x max leverage). Margin
    /// available = 10,000 - 1,250 = 8,750; liq = 100,000 - 8,750 / 0.9875 = 91,139.24.
    /// Check: equity 10,000 - 8,860.76 = 1,139.24 = 1.25% of 91,139.24.
    #[test]
    fn hyperliquid_isolated_long_example() {
        let liq = hyperliquid(Side::Long, d("100000"), d("1"), d("8750"), d("0.0125")).unwrap();
        assert_eq!(liq.round_dp(2), d("91139.24"));
        let schedule = MarginSchedule::hyperliquid(&[(d("0"), 40), (d("150000000"), 20)]).unwrap();
        let exact =
            isolated(Side::Long, d("1"), d("100000"), d("10000"), &schedule).unwrap().unwrap();
        assert_eq!(exact.round_dp(20), liq.round_dp(20));
        let equity = d("10000") + (exact - d("100000"));
        assert_eq!(equity.round_dp(10), schedule.maintenance_margin(exact).unwrap().round_dp(10));
    }

    /// protocol-mechanics.md §7 [derived] from Binance's formula: isolated long, WB 10,000, Q 1,
    /// EP 100,000, MMR 0.4%, cum 0: (10,000 - 100,000) / (0.004 - 1) = 90,361.45.
    #[test]
    fn binance_isolated_long_example() {
        let inputs = BinanceInputs {
            wallet_balance: d("10000"),
            other_maintenance_margin: Decimal::ZERO,
            other_unrealized_pnl: Decimal::ZERO,
            maintenance_amount: Decimal::ZERO,
            side: Side::Long,
            quantity: d("1"),
            entry_price: d("100000"),
            maintenance_rate: d("0.004"),
        };
        assert_eq!(binance(&inputs).unwrap().round_dp(2), d("90361.45"));
        let schedule =
            MarginSchedule::brackets(&[(d("0"), d("0.004")), (d("50000"), d("0.005"))]).unwrap();
        // The notional at 90,361 is in the 50k bracket (0.5%, cum 50), so the tiered solution is
        // (10,000 + 50 - 100,000) / (0.005 - 1) = 90,402.01.
        let exact =
            isolated(Side::Long, d("1"), d("100000"), d("10000"), &schedule).unwrap().unwrap();
        assert_eq!(exact.round_dp(2), d("90402.01"));
    }

    /// A short: 10 ETH at 2,000 with 2,000 margin (10x), rate 2% (25x), one tier:
    /// P = (20,000 + 2,000) / (10 * 1.02) = 2,156.86. Check: equity 2,000 - 10 * 156.86 = 431.37
    /// = 2% of 21,568.63.
    #[test]
    fn short_liquidates_above_entry() {
        let schedule = MarginSchedule::hyperliquid(&[(d("0"), 25)]).unwrap();
        let liq = isolated(Side::Short, d("10"), d("2000"), d("2000"), &schedule).unwrap().unwrap();
        assert_eq!(liq.round_dp(2), d("2156.86"));
        let via_formula =
            hyperliquid(Side::Short, d("2000"), d("10"), d("2000") - d("400"), d("0.02")).unwrap();
        assert_eq!(liq.round_dp(18), via_formula.round_dp(18));
    }

    #[test]
    fn a_fully_margined_long_is_never_liquidated() {
        let schedule = MarginSchedule::hyperliquid(&[(d("0"), 10)]).unwrap();
        assert_eq!(isolated(Side::Long, d("1"), d("100"), d("100"), &schedule).unwrap(), None);
        assert!(isolated(Side::Long, d("0"), d("100"), d("100"), &schedule).is_err());
    }
}
