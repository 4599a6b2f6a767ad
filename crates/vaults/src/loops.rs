//! Looped positions: collateral X in a lending market, borrow Y, swap Y to X, deposit again.
//!
//! All figures are human units ([`Decimal`]): `price` is Y per X, collateral is whole X, debt
//! whole Y. With `r = ltv * (1 - swap_cost)` the collateral after `n` re-deposits of an initial
//! `E` is the geometric sum `E * (1 - r^(n+1)) / (1 - r)` and the debt `E * P * ltv *
//! (1 - r^n) / (1 - r)`; [`LoopParams::closed_form`] computes that, [`LoopParams::iterate`]
//! does the loop step by step, and the tests hold them equal. Leverage is assets over equity,
//! `C * P / (C * P - D)`, which tends to `1 / (1 - r)` as `n` grows.
//!
//! Where the loop is liquidated depends on the oracle, not on the market:
//! [`LoopPosition::liquidation_trigger`] reads a `faultline_core` [`Oracle`] and says at which
//! market price X's loop is liquidated, or that it never is (a hardcoded or frozen oracle: the
//! loss moves to the lenders).

use crate::{
    Error, Result,
    backing::{add, div, mul, sub},
};
use alloy_primitives::U256;
use faultline_core::{
    Oracle, OracleKind, Rounding,
    decimal::{Decimal, from_decimal, to_decimal},
};
use faultline_liquidity::{Side, Venue};

/// Decimal places figures are reported in (rounded toward zero where a division is involved).
pub const PLACES: u32 = 18;

/// The inputs of a loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoopParams {
    /// X deposited from the looper's own funds, whole tokens.
    pub equity: Decimal,
    /// Price of X in Y at the start (oracle and market agree).
    pub price: Decimal,
    /// Borrowed per round as a fraction of the round's collateral value, below one.
    pub ltv: Decimal,
    /// Liquidation LTV of the market (Morpho LLTV, Aave liquidation threshold).
    pub lltv: Decimal,
    /// Fraction of Y lost swapping to X (fee and slippage), in `[0, 1)`.
    pub swap_cost: Decimal,
}

impl LoopParams {
    /// Checks every field, naming the one that is wrong.
    pub fn validate(&self) -> Result<()> {
        if self.equity <= Decimal::ZERO {
            return Err(Error::invalid("equity", "a positive amount of X", self.equity));
        }
        if self.price <= Decimal::ZERO {
            return Err(Error::invalid("price", "a positive price of X in Y", self.price));
        }
        if self.lltv <= Decimal::ZERO || self.lltv >= Decimal::ONE {
            return Err(Error::invalid("lltv", "a fraction in (0, 1)", self.lltv));
        }
        if self.ltv < Decimal::ZERO || self.ltv > self.lltv {
            return Err(Error::invalid("ltv", "a fraction in [0, lltv]", self.ltv));
        }
        if self.swap_cost < Decimal::ZERO || self.swap_cost >= Decimal::ONE {
            return Err(Error::invalid("swap_cost", "a fraction in [0, 1)", self.swap_cost));
        }
        Ok(())
    }

    /// `ltv * (1 - swap_cost)`: the X that comes back per X deposited.
    pub fn ratio(&self) -> Result<Decimal> {
        mul(self.ltv, sub(Decimal::ONE, self.swap_cost, "ratio")?, "ratio")
    }

    /// The position after `loops` borrow-swap-deposit rounds, computed round by round.
    pub fn iterate(&self, loops: u32) -> Result<LoopPosition> {
        const OP: &str = "LoopParams::iterate";
        self.validate()?;
        let keep = sub(Decimal::ONE, self.swap_cost, OP)?;
        let (mut collateral, mut debt, mut deposit) = (self.equity, Decimal::ZERO, self.equity);
        for _ in 0..loops {
            let borrow = mul(mul(deposit, self.price, OP)?, self.ltv, OP)?;
            debt = add(debt, borrow, OP)?;
            deposit = div(mul(borrow, keep, OP)?, self.price, OP)?;
            collateral = add(collateral, deposit, OP)?;
        }
        Ok(LoopPosition { collateral, debt, price: self.price, lltv: self.lltv })
    }

    /// The same position from the geometric sums.
    pub fn closed_form(&self, loops: u32) -> Result<LoopPosition> {
        const OP: &str = "LoopParams::closed_form";
        self.validate()?;
        let r = self.ratio()?;
        let one_minus_r = sub(Decimal::ONE, r, OP)?;
        let geometric = |n: u32| -> Result<Decimal> {
            div(sub(Decimal::ONE, pow(r, n)?, OP)?, one_minus_r, OP)
        };
        let collateral = mul(self.equity, geometric(loops + 1)?, OP)?;
        let debt =
            mul(mul(mul(self.equity, self.price, OP)?, self.ltv, OP)?, geometric(loops)?, OP)?;
        Ok(LoopPosition { collateral, debt, price: self.price, lltv: self.lltv })
    }

    /// Leverage of the infinite loop, `1 / (1 - r)`: the most looping can reach at this LTV.
    pub fn max_leverage(&self) -> Result<Decimal> {
        self.validate()?;
        let r = self.ratio()?;
        div(Decimal::ONE, sub(Decimal::ONE, r, "max_leverage")?, "max_leverage")
    }

    /// The position a flash loan builds in one go to `leverage` (assets over equity at the
    /// start price): buy `(L - 1) * E` of X with Y borrowed, paying the swap cost on it.
    pub fn flash_to_leverage(&self, leverage: Decimal) -> Result<LoopPosition> {
        const OP: &str = "LoopParams::flash_to_leverage";
        self.validate()?;
        if leverage < Decimal::ONE {
            return Err(Error::invalid("leverage", "a leverage >= 1", leverage));
        }
        let bought = mul(self.equity, sub(leverage, Decimal::ONE, OP)?, OP)?;
        let keep = sub(Decimal::ONE, self.swap_cost, OP)?;
        let debt = div(mul(bought, self.price, OP)?, keep, OP)?;
        let collateral = add(self.equity, bought, OP)?;
        let position = LoopPosition { collateral, debt, price: self.price, lltv: self.lltv };
        if position.health(self.price)? < Decimal::ONE {
            return Err(Error::invalid(
                "leverage",
                "a leverage whose position is healthy at the start price",
                leverage,
            ));
        }
        Ok(position)
    }
}

/// `base^n` by repeated checked multiplication.
fn pow(base: Decimal, n: u32) -> Result<Decimal> {
    (0..n).try_fold(Decimal::ONE, |acc, _| mul(acc, base, "pow"))
}

/// Yields per year as fractions (`0.12` = 12%).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Yields {
    /// What X earns as collateral (its own yield plus any supply rate).
    pub supply: Decimal,
    /// What Y costs to borrow.
    pub borrow: Decimal,
    /// Incentives paid on the collateral supplied.
    pub incentives: Decimal,
}

/// How a loop's liquidation is triggered under an oracle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LiquidationTrigger {
    /// Liquidatable already at the oracle's current answer.
    Already,
    /// Liquidated when the market price of X reaches `price`, `delay_secs` after it does (zero
    /// for a market-following oracle).
    AtMarketPrice {
        /// The market price of X at which the oracle lets the liquidation fire.
        price: Decimal,
        /// Seconds the oracle lags the market (a lagged oracle's delay).
        delay_secs: u64,
    },
    /// Never on the market price of X: only when the issuer's *reported* rate times the
    /// underlying's price falls below this (an exchange-rate oracle).
    OnReportedRateBelow(Decimal),
    /// Never: the oracle will not move (hardcoded or frozen); losses fall to the lenders.
    Never,
}

/// What unwinding a loop through a venue costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unwind {
    /// X sold to repay the debt (whole tokens).
    pub sold: Decimal,
    /// Y the sale fetched.
    pub proceeds: Decimal,
    /// Y lost to price impact and fees: `sold * mid - proceeds`.
    pub cost: Decimal,
    /// X left to the looper after repaying (zero when the sale cannot cover the debt).
    pub collateral_left: Decimal,
    /// Y of debt the whole collateral could not repay (zero when the unwind completes).
    pub shortfall: Decimal,
}

/// A loop's balance sheet: collateral X, debt Y.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoopPosition {
    /// Collateral, whole X.
    pub collateral: Decimal,
    /// Debt, whole Y.
    pub debt: Decimal,
    /// Price of X in Y when the position was built.
    pub price: Decimal,
    /// The market's liquidation LTV.
    pub lltv: Decimal,
}

impl LoopPosition {
    /// Collateral value less debt at `price`, in Y (negative when insolvent).
    pub fn equity(&self, price: Decimal) -> Result<Decimal> {
        sub(mul(self.collateral, price, "equity")?, self.debt, "equity")
    }

    /// Assets over equity at `price`: `C * P / (C * P - D)`; an error when equity is not
    /// positive.
    pub fn leverage(&self, price: Decimal) -> Result<Decimal> {
        let equity = self.equity(price)?;
        if equity <= Decimal::ZERO {
            return Err(Error::invalid("price", "a price at which the loop has equity", price));
        }
        div(mul(self.collateral, price, "leverage")?, equity, "leverage")
    }

    /// `C * P * lltv / D` at an oracle price; `Decimal::MAX` with no debt.
    pub fn health(&self, oracle_price: Decimal) -> Result<Decimal> {
        if self.debt.is_zero() {
            return Ok(Decimal::MAX);
        }
        let limit = mul(mul(self.collateral, oracle_price, "health")?, self.lltv, "health")?;
        div(limit, self.debt, "health")
    }

    /// The oracle price of X at which health reaches one: `D / (C * lltv)`.
    pub fn liquidation_price(&self) -> Result<Decimal> {
        div(self.debt, mul(self.collateral, self.lltv, "liquidation_price")?, "liquidation_price")
    }

    /// The market price of X below which the loop is insolvent (debt above collateral value):
    /// `D / C`; a liquidation that has not fired by then leaves bad debt.
    pub fn insolvency_price(&self) -> Result<Decimal> {
        div(self.debt, self.collateral, "insolvency_price")
    }

    /// Yearly return on equity at `price`: `(C P (supply + incentives) - D borrow) / equity`,
    /// which is `L * supply - (L - 1) * borrow + L * incentives` in leverage terms.
    pub fn net_yield(&self, price: Decimal, yields: Yields) -> Result<Decimal> {
        const OP: &str = "net_yield";
        let assets = mul(self.collateral, price, OP)?;
        let earned = mul(assets, add(yields.supply, yields.incentives, OP)?, OP)?;
        let paid = mul(self.debt, yields.borrow, OP)?;
        let equity = self.equity(price)?;
        if equity <= Decimal::ZERO {
            return Err(Error::invalid("price", "a price at which the loop has equity", price));
        }
        div(sub(earned, paid, OP)?, equity, OP)
    }

    /// Where the loop is liquidated under `oracle` (its kind, current answer and frozen state).
    ///
    /// A push feed publishes only when the market has moved by its deviation threshold from the
    /// last answer `A`; in a fall faster than the heartbeat it publishes `A (1 - d)`, `A (1 -
    /// d)^2`, ..., so the liquidation fires at the first of those at or below the liquidation
    /// price, not at the liquidation price itself.
    pub fn liquidation_trigger(&self, oracle: &Oracle) -> Result<LiquidationTrigger> {
        const OP: &str = "liquidation_trigger";
        let liquidation = self.liquidation_price()?;
        let answer = oracle.price().0.to_decimal()?;
        if answer <= liquidation {
            return Ok(LiquidationTrigger::Already);
        }
        if oracle.is_frozen() {
            return Ok(LiquidationTrigger::Never);
        }
        Ok(match oracle.kind() {
            OracleKind::Market => {
                LiquidationTrigger::AtMarketPrice { price: liquidation, delay_secs: 0 }
            }
            OracleKind::Lagged { delay_secs } => {
                LiquidationTrigger::AtMarketPrice { price: liquidation, delay_secs }
            }
            OracleKind::Fixed(_) => LiquidationTrigger::Never,
            OracleKind::ExchangeRate => LiquidationTrigger::OnReportedRateBelow(liquidation),
            OracleKind::PushFeed { deviation_bps, .. } => {
                let step = sub(
                    Decimal::ONE,
                    div(Decimal::from(deviation_bps), Decimal::from(10_000u32), OP)?,
                    OP,
                )?;
                if step <= Decimal::ZERO {
                    return Ok(LiquidationTrigger::Never);
                }
                let mut published = answer;
                while published > liquidation {
                    published = mul(published, step, OP)?;
                }
                LiquidationTrigger::AtMarketPrice { price: published, delay_secs: 0 }
            }
            _ => {
                return Err(Error::Unknown {
                    what: "oracle kind",
                    name: format!("{:?}", oracle.kind()),
                });
            }
        })
    }

    /// Unwinds through `venue` (X as base, Y as quote): sells the least X whose proceeds repay
    /// the debt (binary search over the venue's quotes, which fall monotonically per unit as
    /// the sale grows), or all of it when even that falls short.
    pub fn unwind(&self, venue: &dyn Venue) -> Result<Unwind> {
        const OP: &str = "LoopPosition::unwind";
        let pair = venue.pair();
        let all = from_decimal(self.collateral, pair.base_decimals(), Rounding::Down)?;
        let debt = from_decimal(self.debt, pair.quote_decimals(), Rounding::Up)?;
        let mid = venue.mid_price()?.to_decimal()?;
        let proceeds_of = |size: U256| -> Result<U256> {
            if size.is_zero() { Ok(U256::ZERO) } else { Ok(venue.quote(Side::Sell, size)?.quote) }
        };
        let full = proceeds_of(all)?;
        let sold = if full < debt {
            all
        } else {
            // Smallest size with proceeds >= debt: invariant proceeds(lo) < debt <= proceeds(hi).
            let (mut lo, mut hi) = (U256::ZERO, all);
            if debt.is_zero() {
                hi = U256::ZERO;
            }
            while hi - lo > U256::from(1u8) {
                let mid_size = lo + ((hi - lo) >> 1usize);
                if proceeds_of(mid_size)? >= debt { hi = mid_size } else { lo = mid_size }
            }
            hi
        };
        let proceeds_raw = proceeds_of(sold)?;
        let human = |raw: U256, decimals: u8| -> Result<Decimal> {
            Ok(to_decimal(raw, decimals, u32::from(decimals).min(PLACES), Rounding::Down)?)
        };
        let sold_h = human(sold, pair.base_decimals())?;
        let proceeds = human(proceeds_raw, pair.quote_decimals())?;
        let cost = sub(mul(sold_h, mid, OP)?, proceeds, OP)?.max(Decimal::ZERO);
        let (collateral_left, shortfall) = if proceeds_raw >= debt {
            (sub(self.collateral, sold_h, OP)?, Decimal::ZERO)
        } else {
            (Decimal::ZERO, sub(self.debt, proceeds, OP)?)
        };
        Ok(Unwind { sold: sold_h, proceeds, cost, collateral_left, shortfall })
    }

    /// Whole days the loop stays healthy when the market sits at 100% utilisation with the
    /// borrow rate at `max_borrow_apr` (the looper cannot be refinanced and interest compounds
    /// daily, `(1 + apr / 365)` a day), while the oracle price of X grows at `collateral_apr`
    /// (an exchange-rate oracle passes the issuer's yield through; a hardcoded one does not:
    /// pass zero). `None` if it survives `max_days`.
    pub fn survival_days(
        &self,
        oracle_price: Decimal,
        max_borrow_apr: Decimal,
        collateral_apr: Decimal,
        max_days: u32,
    ) -> Result<Option<u32>> {
        const OP: &str = "survival_days";
        let days = Decimal::from(365u32);
        let debt_step = add(Decimal::ONE, div(max_borrow_apr, days, OP)?, OP)?;
        let price_step = add(Decimal::ONE, div(collateral_apr, days, OP)?, OP)?;
        let mut position = *self;
        let mut price = oracle_price;
        for day in 0..=max_days {
            if position.health(price)? < Decimal::ONE {
                return Ok(Some(day.saturating_sub(1)));
            }
            position.debt = mul(position.debt, debt_step, OP)?;
            price = mul(price, price_step, OP)?;
        }
        Ok(None)
    }
}

/// Many loopers in one market: how much of the market is lent against its own collateral
/// token, and how that debt becomes liquidatable (or bad) as the price of X falls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarketExposure {
    /// Loopers by name, sorted by liquidation price, highest (first to go) first, then name.
    pub ladder: Vec<(String, LoopPosition, Decimal)>,
    /// Total collateral, whole X.
    pub collateral: Decimal,
    /// Total debt, whole Y.
    pub debt: Decimal,
    /// Debt over the market's total supply of Y: the share of lenders' money that rides on X.
    pub debt_share_of_supply: Decimal,
}

impl MarketExposure {
    /// The exposure of a market with `total_supply` Y lent out to `loopers`.
    pub fn new(loopers: &[(String, LoopPosition)], total_supply: Decimal) -> Result<Self> {
        const OP: &str = "MarketExposure::new";
        if total_supply <= Decimal::ZERO {
            return Err(Error::invalid("total_supply", "a positive supply of Y", total_supply));
        }
        let mut ladder = Vec::with_capacity(loopers.len());
        let (mut collateral, mut debt) = (Decimal::ZERO, Decimal::ZERO);
        for (name, position) in loopers {
            collateral = add(collateral, position.collateral, OP)?;
            debt = add(debt, position.debt, OP)?;
            ladder.push((name.clone(), *position, position.liquidation_price()?));
        }
        ladder.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
        let debt_share_of_supply = div(debt, total_supply, OP)?;
        Ok(Self { ladder, collateral, debt, debt_share_of_supply })
    }

    /// Debt of the loopers whose health is below one at this oracle price.
    pub fn liquidatable_debt(&self, oracle_price: Decimal) -> Result<Decimal> {
        self.ladder
            .iter()
            .filter(|(_, _, liq)| oracle_price < *liq)
            .try_fold(Decimal::ZERO, |acc, (_, p, _)| add(acc, p.debt, "liquidatable_debt"))
    }

    /// Debt above collateral value at this market price, summed over loopers: the lenders'
    /// loss if no liquidation fires (a hardcoded oracle).
    pub fn bad_debt(&self, market_price: Decimal) -> Result<Decimal> {
        self.ladder.iter().try_fold(Decimal::ZERO, |acc, (_, p, _)| {
            let gap = sub(p.debt, mul(p.collateral, market_price, "bad_debt")?, "bad_debt")?;
            add(acc, gap.max(Decimal::ZERO), "bad_debt")
        })
    }
}
