//! Maintenance-margin schedules: a rate per notional tier, and the deduction that makes the margin
//! continuous where one tier meets the next.
//!
//! Both venues publish the same shape. For the tier holding a position's notional `N`,
//! `MM = N * rate - deduction`, with `deduction_0 = 0` and
//! `deduction_n = deduction_{n-1} + lower_bound_n * (rate_n - rate_{n-1})`:
//! - Hyperliquid (docs, "Margin tiers"): `rate = 1 / (2 * max_leverage)` of the tier, "maintenance
//!   margin is half of the initial margin at max leverage", `maintenance_deduction`.
//! - Binance USDⓈ-M (FAQ "How to Calculate Liquidation Price of USDⓈ-M Futures Contracts"):
//!   `MMR` per bracket and the "maintenance amount" `cum`.

use crate::{Decimal, Error, Result};

/// One tier: from `lower_bound` of notional (USD) upward, until the next tier's bound.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tier {
    /// The notional where this tier starts.
    pub lower_bound: Decimal,
    /// Maintenance-margin rate (fraction of notional).
    pub maintenance_rate: Decimal,
    /// Subtracted from `notional * rate`, so the margin is continuous at `lower_bound`.
    pub deduction: Decimal,
    /// The highest leverage the tier allows, where the venue states one.
    pub max_leverage: Option<Decimal>,
}

/// A venue's maintenance-margin schedule for one market.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarginSchedule {
    tiers: Vec<Tier>,
}

impl MarginSchedule {
    /// Hyperliquid's tiers as `(lower_bound_usd, max_leverage)`, the first at 0.
    pub fn hyperliquid(tiers: &[(Decimal, u32)]) -> Result<Self> {
        let mut rates = Vec::with_capacity(tiers.len());
        for (index, (bound, leverage)) in tiers.iter().enumerate() {
            if *leverage == 0 {
                return Err(Error::invalid(
                    format!("tiers[{index}].max_leverage"),
                    "at least 1",
                    leverage,
                ));
            }
            let leverage = Decimal::from(*leverage);
            rates.push((*bound, Decimal::ONE / (Decimal::TWO * leverage), Some(leverage)));
        }
        Self::from_rates(&rates)
    }

    /// Binance-style brackets as `(notional_floor, maintenance_rate)`, the first at 0.
    pub fn brackets(brackets: &[(Decimal, Decimal)]) -> Result<Self> {
        let rates: Vec<_> = brackets.iter().map(|(bound, rate)| (*bound, *rate, None)).collect();
        Self::from_rates(&rates)
    }

    fn from_rates(rates: &[(Decimal, Decimal, Option<Decimal>)]) -> Result<Self> {
        if rates.is_empty() {
            return Err(Error::invalid("tiers", "at least one tier", "none"));
        }
        let mut tiers: Vec<Tier> = Vec::with_capacity(rates.len());
        for (index, &(lower_bound, maintenance_rate, max_leverage)) in rates.iter().enumerate() {
            if maintenance_rate <= Decimal::ZERO || maintenance_rate >= Decimal::ONE {
                return Err(Error::invalid(
                    format!("tiers[{index}].maintenance_rate"),
                    "a rate in (0, 1)",
                    maintenance_rate,
                ));
            }
            let deduction = match tiers.last() {
                None if !lower_bound.is_zero() => {
                    return Err(Error::invalid("tiers[0].lower_bound", "0", lower_bound));
                }
                None => Decimal::ZERO,
                Some(previous) => {
                    if lower_bound <= previous.lower_bound {
                        return Err(Error::invalid(
                            format!("tiers[{index}].lower_bound"),
                            "above the previous tier's bound",
                            lower_bound,
                        ));
                    }
                    if maintenance_rate < previous.maintenance_rate {
                        return Err(Error::invalid(
                            format!("tiers[{index}].maintenance_rate"),
                            "at least the previous tier's rate (larger positions never get cheaper)",
                            maintenance_rate,
                        ));
                    }
                    let step =
                        checked_mul(lower_bound, maintenance_rate - previous.maintenance_rate)?;
                    previous
                        .deduction
                        .checked_add(step)
                        .ok_or(Error::Overflow { op: "deduction" })?
                }
            };
            tiers.push(Tier { lower_bound, maintenance_rate, deduction, max_leverage });
        }
        Ok(Self { tiers })
    }

    /// The tiers, lowest first.
    pub fn tiers(&self) -> &[Tier] {
        &self.tiers
    }

    /// The tier a (non-negative) notional falls in.
    pub fn tier_for(&self, notional: Decimal) -> &Tier {
        let index = self.tiers.partition_point(|tier| tier.lower_bound <= notional.abs());
        // The first tier starts at 0, so at least one tier has `lower_bound <= |notional|`.
        &self.tiers[index.saturating_sub(1)]
    }

    /// Maintenance margin for a position of this notional: `|N| * rate - deduction`.
    pub fn maintenance_margin(&self, notional: Decimal) -> Result<Decimal> {
        let tier = self.tier_for(notional);
        Ok(checked_mul(notional.abs(), tier.maintenance_rate)? - tier.deduction)
    }
}

/// Initial margin at a leverage: `|N| / leverage`.
pub fn initial_margin(notional: Decimal, leverage: Decimal) -> Result<Decimal> {
    if leverage < Decimal::ONE {
        return Err(Error::invalid("leverage", "at least 1", leverage));
    }
    notional.abs().checked_div(leverage).ok_or(Error::Overflow { op: "initial_margin" })
}

pub(crate) fn checked_mul(a: Decimal, b: Decimal) -> Result<Decimal> {
    a.checked_mul(b).ok_or(Error::Overflow { op: "mul" })
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    /// Binance BTCUSDT brackets (0.4% from 0, 0.5% from 50k, 1% from 250k, 2.5% from 1M, 5% from
    /// 10M). The maintenance amounts are derived by hand in protocol-mechanics.md §7:
    /// 50k * 0.1% = 50; 50 + 250k * 0.5% = 1,300; 1,300 + 1M * 1.5% = 16,300;
    /// 16,300 + 10M * 2.5% = 266,300.
    fn binance_btc() -> MarginSchedule {
        MarginSchedule::brackets(&[
            (d("0"), d("0.004")),
            (d("50000"), d("0.005")),
            (d("250000"), d("0.01")),
            (d("1000000"), d("0.025")),
            (d("10000000"), d("0.05")),
        ])
        .unwrap()
    }

    #[test]
    fn binance_maintenance_amounts() {
        let deductions: Vec<Decimal> = binance_btc().tiers().iter().map(|t| t.deduction).collect();
        assert_eq!(deductions, [d("0"), d("50"), d("1300"), d("16300"), d("266300")]);
    }

    /// Binance FAQ "How to Calculate Liquidation Price of USDⓈ-M Futures Contracts":
    /// 3,500,032.458 * 2.5% - 16,300 = 71,200.81 (to the cent).
    #[test]
    fn binance_faq_maintenance_margin() {
        let mm = binance_btc().maintenance_margin(d("3500032.458")).unwrap();
        assert_eq!(mm, d("71200.81145"));
        assert_eq!(mm.round_dp(2), d("71200.81"));
    }

    /// Hyperliquid BTC (margin table 56 in fixtures/hyperliquid/margin-tables.json): 40x up to
    /// $150M, 20x above. Rates 1/80 and 1/40; deduction 150M * (1/40 - 1/80) = 1,875,000. At the
    /// boundary both tiers give 1,875,000 (continuity); at $200M: 5,000,000 - 1,875,000.
    #[test]
    fn hyperliquid_tiers_are_continuous() {
        let btc = MarginSchedule::hyperliquid(&[(d("0"), 40), (d("150000000"), 20)]).unwrap();
        assert_eq!(btc.tiers()[0].maintenance_rate, d("0.0125"));
        assert_eq!(btc.tiers()[1].deduction, d("1875000"));
        assert_eq!(btc.maintenance_margin(d("150000000")).unwrap(), d("1875000"));
        assert_eq!(btc.maintenance_margin(d("149999999")).unwrap(), d("1874999.9875"));
        assert_eq!(btc.maintenance_margin(d("200000000")).unwrap(), d("3125000"));
        assert_eq!(btc.maintenance_margin(d("-100000")).unwrap(), d("1250"));
    }

    #[test]
    fn invalid_schedules_name_the_field() {
        let err = MarginSchedule::brackets(&[(d("10"), d("0.01"))]).unwrap_err();
        assert_eq!(err.to_string(), "tiers[0].lower_bound: expected 0, found 10");
        let err =
            MarginSchedule::brackets(&[(d("0"), d("0.01")), (d("0"), d("0.02"))]).unwrap_err();
        assert!(err.to_string().starts_with("tiers[1].lower_bound"), "{err}");
        let err =
            MarginSchedule::brackets(&[(d("0"), d("0.02")), (d("5"), d("0.01"))]).unwrap_err();
        assert!(err.to_string().starts_with("tiers[1].maintenance_rate"), "{err}");
        let err = MarginSchedule::hyperliquid(&[(d("0"), 0)]).unwrap_err();
        assert_eq!(err.to_string(), "tiers[0].max_leverage: expected at least 1, found 0");
        assert!(MarginSchedule::brackets(&[]).is_err());
        assert!(initial_margin(d("100"), d("0.5")).is_err());
        assert_eq!(initial_margin(d("100000"), d("10")).unwrap(), d("10000"));
    }
}
