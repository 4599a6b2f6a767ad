//! Compound v3 (Comet), mirroring `compound-finance/comet` `contracts/Comet.sol` and
//! `CometCore.sol`: principal and present value with the supply and borrow indexes, the kinked and
//! independent supply and borrow rate curves, `isBorrowCollateralized`, `isLiquidatable`, `absorb`
//! (all collateral seized at the liquidation factor, the protocol's reserves take any shortfall),
//! and `quoteCollateral`/`buyCollateral` with the store-front discount, open only while reserves
//! are below target.

use crate::{
    BadDebtBearer, Error, Health, LendingMarket, Liquidation, LiquidationRequest, Protocol, Rates,
    Result, ValueUnit,
};
use alloy_primitives::{Address, I256, U256};
use faultline_core::{OraclePrice, Rounding, math::mul_div_full};
use std::collections::BTreeMap;

/// `FACTOR_SCALE` (1e18).
pub const FACTOR_SCALE: U256 = U256::from_limbs([1_000_000_000_000_000_000, 0, 0, 0]);
/// `BASE_INDEX_SCALE` (1e15).
pub const BASE_INDEX_SCALE: U256 = U256::from_limbs([1_000_000_000_000_000, 0, 0, 0]);
/// `SECONDS_PER_YEAR` (31,536,000).
pub const SECONDS_PER_YEAR: U256 = U256::from_limbs([31_536_000, 0, 0, 0]);

/// Custom-error names Comet reverts with.
pub mod reason {
    /// `NotLiquidatable()`.
    pub const NOT_LIQUIDATABLE: &str = "NotLiquidatable";
    /// `NotForSale()`: reserves are at or above target.
    pub const NOT_FOR_SALE: &str = "NotForSale";
    /// `InsufficientReserves()`: not that much seized collateral to sell.
    pub const INSUFFICIENT_RESERVES: &str = "InsufficientReserves";
    /// `NotCollateralized()`.
    pub const NOT_COLLATERALIZED: &str = "NotCollateralized";
    /// `BorrowTooSmall()`.
    pub const BORROW_TOO_SMALL: &str = "BorrowTooSmall";
    /// The base token transfer fails: the contract does not hold that much (no liquidity).
    pub const INSUFFICIENT_BALANCE: &str = "ERC20: transfer amount exceeds balance";
}

const fn revert(reason: &'static str) -> Error {
    Error::revert(Protocol::CompoundV3, reason)
}

const fn overflow(op: &'static str) -> Error {
    Error::Arithmetic(faultline_core::Error::Overflow { op })
}

fn m(a: U256, b: U256, op: &'static str) -> Result<U256> {
    a.checked_mul(b).ok_or_else(|| overflow(op))
}

fn d(a: U256, b: U256, op: &'static str) -> Result<U256> {
    a.checked_div(b).ok_or(Error::Arithmetic(faultline_core::Error::DivisionByZero { op }))
}

/// `mulFactor(n, factor) = n · factor / 1e18`.
pub fn mul_factor(n: U256, factor: U256) -> Result<U256> {
    d(m(n, factor, "mulFactor")?, FACTOR_SCALE, "mulFactor")
}

/// `mulPrice(n, price, fromScale) = n · price / fromScale`.
pub fn mul_price(n: U256, price: U256, scale: U256) -> Result<U256> {
    d(m(n, price, "mulPrice")?, scale, "mulPrice")
}

fn signed(x: U256) -> Result<I256> {
    I256::try_from(x).map_err(|_| overflow("signed256"))
}

/// One collateral asset's configuration (`AssetInfo`, factors in 1e18) and oracle price (8
/// decimals).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CometAsset {
    /// The token.
    pub asset: Address,
    /// `10^decimals`.
    pub scale: U256,
    /// Price feed answer, 8 decimals.
    pub price: U256,
    /// Collateral factor for borrowing.
    pub borrow_collateral_factor: U256,
    /// Collateral factor for liquidation.
    pub liquidate_collateral_factor: U256,
    /// Share of the collateral's value credited on absorb.
    pub liquidation_factor: U256,
}

/// A kinked rate curve, yearly parameters (the contract divides each by `SECONDS_PER_YEAR`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateCurve {
    /// Utilisation at the kink, 1e18.
    pub kink: U256,
    /// Rate at zero utilisation per year.
    pub base_per_year: U256,
    /// Slope below the kink per year.
    pub slope_low_per_year: U256,
    /// Slope above the kink per year.
    pub slope_high_per_year: U256,
}

impl RateCurve {
    /// `getSupplyRate`/`getBorrowRate`: per-second rate at `utilization`.
    pub fn per_second(&self, utilization: U256) -> Result<U256> {
        let base = self.base_per_year / SECONDS_PER_YEAR;
        let low = self.slope_low_per_year / SECONDS_PER_YEAR;
        let high = self.slope_high_per_year / SECONDS_PER_YEAR;
        let rate = if utilization <= self.kink {
            base.checked_add(mul_factor(low, utilization)?)
        } else {
            base.checked_add(mul_factor(low, self.kink)?)
                .and_then(|r| r.checked_add(mul_factor(high, utilization - self.kink).ok()?))
        };
        rate.filter(|r| *r <= U256::from(u64::MAX)).ok_or_else(|| overflow("safe64"))
    }
}

/// A Comet market's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CometConfig {
    /// The base token (lent and borrowed).
    pub base_token: Address,
    /// `10^baseDecimals`.
    pub base_scale: U256,
    /// Base token price, 8 decimals.
    pub base_price: U256,
    /// `storeFrontPriceFactor`, 1e18.
    pub store_front_price_factor: U256,
    /// `targetReserves`, base units.
    pub target_reserves: U256,
    /// `baseBorrowMin`.
    pub base_borrow_min: U256,
    /// Supply curve.
    pub supply: RateCurve,
    /// Borrow curve.
    pub borrow: RateCurve,
    /// Collateral assets.
    pub assets: Vec<CometAsset>,
}

/// What `absorb` did to one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Absorption {
    /// Collateral seized, per asset in configuration order.
    pub seized: Vec<U256>,
    /// Base the protocol paid out (`newBalance − oldBalance`).
    pub base_paid_out: U256,
    /// Its value, 8 decimals.
    pub value_of_base_paid_out: U256,
    /// Debt the collateral did not cover, taken by reserves (base units).
    pub shortfall: U256,
}

/// One Comet market.
#[derive(Debug, Clone)]
pub struct CometMarket {
    config: CometConfig,
    base_supply_index: U256,
    base_borrow_index: U256,
    total_supply_base: U256,
    total_borrow_base: U256,
    base_balance: U256,
    collateral_balance: Vec<U256>,
    total_collateral: Vec<U256>,
    principals: BTreeMap<Address, I256>,
    collateral: BTreeMap<Address, Vec<U256>>,
    last_accrual: u64,
    now: u64,
}

impl CometMarket {
    /// A fresh market (indexes at 1e15) holding `base_balance` of the base token.
    pub fn new(config: CometConfig, base_balance: U256, now: u64) -> Result<Self> {
        for (i, a) in config.assets.iter().enumerate() {
            if a.borrow_collateral_factor >= a.liquidate_collateral_factor
                || a.liquidate_collateral_factor > FACTOR_SCALE
            {
                return Err(Error::invalid(
                    format!("assets[{i}].borrowCollateralFactor"),
                    "below liquidateCollateralFactor, which is at most 1e18",
                    a.borrow_collateral_factor,
                ));
            }
        }
        if let Some((i, a)) =
            config.assets.iter().enumerate().find(|(_, a)| a.liquidation_factor > FACTOR_SCALE)
        {
            return Err(Error::invalid(
                format!("assets[{i}].liquidationFactor"),
                "at most 1e18",
                a.liquidation_factor,
            ));
        }
        if config.store_front_price_factor > FACTOR_SCALE {
            return Err(Error::invalid(
                "storeFrontPriceFactor",
                "at most 1e18",
                config.store_front_price_factor,
            ));
        }
        let n = config.assets.len();
        Ok(Self {
            config,
            base_supply_index: BASE_INDEX_SCALE,
            base_borrow_index: BASE_INDEX_SCALE,
            total_supply_base: U256::ZERO,
            total_borrow_base: U256::ZERO,
            base_balance,
            collateral_balance: vec![U256::ZERO; n],
            total_collateral: vec![U256::ZERO; n],
            principals: BTreeMap::new(),
            collateral: BTreeMap::new(),
            last_accrual: now,
            now,
        })
    }

    /// Sets an account's base principal (negative = borrow), as the tests' `setBasePrincipal`
    /// does; the totals are set separately with [`Self::set_totals`].
    pub fn set_base_principal(&mut self, account: Address, principal: I256) {
        self.principals.insert(account, principal);
    }

    /// Sets the totals directly (`setTotalsBasic`).
    pub const fn set_totals(
        &mut self,
        supply_index: U256,
        borrow_index: U256,
        total_supply_base: U256,
        total_borrow_base: U256,
    ) {
        self.base_supply_index = supply_index;
        self.base_borrow_index = borrow_index;
        self.total_supply_base = total_supply_base;
        self.total_borrow_base = total_borrow_base;
    }

    /// `(baseSupplyIndex, baseBorrowIndex)` as of the last accrual.
    pub const fn indexes(&self) -> (U256, U256) {
        (self.base_supply_index, self.base_borrow_index)
    }

    /// The market's configuration, prices included.
    pub const fn config(&self) -> &CometConfig {
        &self.config
    }

    /// An account's base principal.
    pub fn principal(&self, account: Address) -> I256 {
        self.principals.get(&account).copied().unwrap_or_default()
    }

    /// An account's collateral balance in asset `i`.
    pub fn collateral_of(&self, account: Address, i: usize) -> U256 {
        self.collateral.get(&account).and_then(|c| c.get(i).copied()).unwrap_or_default()
    }

    /// `supplyCollateral`.
    pub fn supply_collateral(&mut self, account: Address, i: usize, amount: U256) -> Result<()> {
        let n = self.config.assets.len();
        let slot = self.collateral.entry(account).or_insert_with(|| vec![U256::ZERO; n]);
        let (Some(bal), Some(total), Some(held)) =
            (slot.get_mut(i), self.total_collateral.get_mut(i), self.collateral_balance.get_mut(i))
        else {
            return Err(Error::invalid("asset", "a configured asset index", i));
        };
        *bal = bal.checked_add(amount).ok_or_else(|| overflow("collateral"))?;
        *total = total.checked_add(amount).ok_or_else(|| overflow("totalSupplyAsset"))?;
        *held = held.checked_add(amount).ok_or_else(|| overflow("balance"))?;
        Ok(())
    }

    /// Sets an asset's price (8 decimals).
    pub fn set_price(&mut self, i: usize, price: U256) -> Result<()> {
        self.config
            .assets
            .get_mut(i)
            .ok_or_else(|| Error::invalid("asset", "a configured asset index", i))?
            .price = price;
        Ok(())
    }

    fn present_value(&self, principal: I256) -> Result<I256> {
        if principal >= I256::ZERO {
            signed(d(
                m(principal.unsigned_abs(), self.base_supply_index, "presentValueSupply")?,
                BASE_INDEX_SCALE,
                "pv",
            )?)
        } else {
            Ok(-signed(d(
                m(principal.unsigned_abs(), self.base_borrow_index, "presentValueBorrow")?,
                BASE_INDEX_SCALE,
                "pv",
            )?)?)
        }
    }

    fn principal_value(&self, present: I256) -> Result<I256> {
        if present >= I256::ZERO {
            signed(d(
                m(present.unsigned_abs(), BASE_INDEX_SCALE, "principalValueSupply")?,
                self.base_supply_index,
                "principal",
            )?)
        } else {
            let up = m(present.unsigned_abs(), BASE_INDEX_SCALE, "principalValueBorrow")?
                .checked_add(self.base_borrow_index - U256::from(1u8))
                .ok_or_else(|| overflow("principalValueBorrow"))?;
            Ok(-signed(d(up, self.base_borrow_index, "principal")?)?)
        }
    }

    /// `getUtilization`, 1e18.
    pub fn utilization(&self) -> Result<U256> {
        let supply = d(
            m(self.total_supply_base, self.base_supply_index, "totalSupply")?,
            BASE_INDEX_SCALE,
            "u",
        )?;
        let borrow = d(
            m(self.total_borrow_base, self.base_borrow_index, "totalBorrow")?,
            BASE_INDEX_SCALE,
            "u",
        )?;
        if supply.is_zero() {
            Ok(U256::ZERO)
        } else {
            d(m(borrow, FACTOR_SCALE, "utilization")?, supply, "utilization")
        }
    }

    /// `(supplyRate, borrowRate)` per second at the current utilisation.
    pub fn rates(&self) -> Result<(U256, U256)> {
        let u = self.utilization()?;
        Ok((self.config.supply.per_second(u)?, self.config.borrow.per_second(u)?))
    }

    /// The current time.
    pub const fn now(&self) -> u64 {
        self.now
    }

    /// Lets `elapsed` seconds pass and accrues (`accrueInternal`).
    pub fn accrue(&mut self, elapsed: u64) -> Result<()> {
        self.now = self.now.checked_add(elapsed).ok_or_else(|| overflow("clock"))?;
        let dt = U256::from(self.now - self.last_accrual);
        if !dt.is_zero() {
            let (supply_rate, borrow_rate) = self.rates()?;
            self.base_supply_index +=
                mul_factor(self.base_supply_index, m(supply_rate, dt, "rate * dt")?)?;
            self.base_borrow_index +=
                mul_factor(self.base_borrow_index, m(borrow_rate, dt, "rate * dt")?)?;
            self.last_accrual = self.now;
        }
        Ok(())
    }

    /// `getLiquidity`-style sum at `factor`, asset `skip` left out (`None`: every asset).
    fn liquidity(
        &self,
        account: Address,
        factor: impl Fn(&CometAsset) -> U256,
        stop_when_positive: bool,
        skip: Option<usize>,
    ) -> Result<I256> {
        let principal = self.principal(account);
        let pv = self.present_value(principal)?;
        // signedMulPrice: Solidity's signed division truncates toward zero.
        let mut liquidity = pv
            .checked_mul(signed(self.config.base_price)?)
            .ok_or_else(|| overflow("signedMulPrice"))?
            / signed(self.config.base_scale)?;
        for (i, a) in self.config.assets.iter().enumerate() {
            let balance = self.collateral_of(account, i);
            if balance.is_zero() || skip == Some(i) {
                continue;
            }
            if stop_when_positive && liquidity >= I256::ZERO {
                return Ok(liquidity);
            }
            let value = mul_factor(mul_price(balance, a.price, a.scale)?, factor(a))?;
            liquidity =
                liquidity.checked_add(signed(value)?).ok_or_else(|| overflow("liquidity"))?;
        }
        Ok(liquidity)
    }

    /// `isBorrowCollateralized`.
    pub fn is_borrow_collateralized(&self, account: Address) -> Result<bool> {
        if self.principal(account) >= I256::ZERO {
            return Ok(true);
        }
        Ok(self.liquidity(account, |a| a.borrow_collateral_factor, true, None)? >= I256::ZERO)
    }

    /// `isLiquidatable`.
    pub fn is_liquidatable(&self, account: Address) -> Result<bool> {
        if self.principal(account) >= I256::ZERO {
            return Ok(false);
        }
        Ok(self.liquidity(account, |a| a.liquidate_collateral_factor, true, None)? < I256::ZERO)
    }

    /// The least feed price of collateral asset `i` (8 decimals) at which `account` is not
    /// [`Self::is_liquidatable`], every other price kept: `Some(0)` when no price makes it
    /// liquidatable, `None` when no price makes it healthy (no balance of the asset, a zero
    /// liquidation factor). With `need` the shortfall of its liquidity without the asset, the
    /// test passes at `p` exactly when `⌊⌊b·p/scale⌋·factor/1e18⌋ ≥ need`, i.e. when
    /// `⌊b·p/scale⌋ ≥ v = ⌈need·1e18/factor⌉`, i.e. when `p ≥ ⌈v·scale/b⌉` (each floor inverted by
    /// a ceiling). An overflow on the way is an error.
    pub fn liquidation_price(&self, account: Address, i: usize) -> Result<Option<U256>> {
        let a = self
            .config
            .assets
            .get(i)
            .ok_or_else(|| Error::invalid("asset", "a configured asset index", i))?;
        if self.principal(account) >= I256::ZERO {
            return Ok(Some(U256::ZERO));
        }
        let rest = self.liquidity(account, |a| a.liquidate_collateral_factor, false, Some(i))?;
        if rest >= I256::ZERO {
            return Ok(Some(U256::ZERO));
        }
        let balance = self.collateral_of(account, i);
        if balance.is_zero() || a.liquidate_collateral_factor.is_zero() {
            return Ok(None);
        }
        let need = rest.unsigned_abs();
        let value = mul_div_full(need, FACTOR_SCALE, a.liquidate_collateral_factor, Rounding::Up)?;
        Ok(Some(mul_div_full(value, a.scale, balance, Rounding::Up)?))
    }

    /// `absorb` of one account.
    pub fn absorb(&mut self, account: Address) -> Result<Absorption> {
        if !self.is_liquidatable(account)? {
            return Err(revert(reason::NOT_LIQUIDATABLE));
        }
        let old_principal = self.principal(account);
        let old_balance = self.present_value(old_principal)?;
        let mut delta_value = U256::ZERO;
        let mut seized = Vec::with_capacity(self.config.assets.len());
        for i in 0..self.config.assets.len() {
            let amount = self.collateral_of(account, i);
            seized.push(amount);
            if amount.is_zero() {
                continue;
            }
            let Some(a) = self.config.assets.get(i) else { continue };
            let value = mul_price(amount, a.price, a.scale)?;
            delta_value = delta_value
                .checked_add(mul_factor(value, a.liquidation_factor)?)
                .ok_or_else(|| overflow("deltaValue"))?;
        }
        let delta_balance = d(
            m(delta_value, self.config.base_scale, "divPrice")?,
            self.config.base_price,
            "divPrice",
        )?;
        let mut new_balance = old_balance
            .checked_add(signed(delta_balance)?)
            .ok_or_else(|| overflow("newBalance"))?;
        let shortfall =
            if new_balance < I256::ZERO { new_balance.unsigned_abs() } else { U256::ZERO };
        if new_balance < I256::ZERO {
            new_balance = I256::ZERO;
        }
        let new_principal = self.principal_value(new_balance)?;
        let (repay, supply) = repay_and_supply_amount(old_principal, new_principal);
        self.total_supply_base = self
            .total_supply_base
            .checked_add(supply)
            .ok_or_else(|| overflow("totalSupplyBase"))?;
        self.total_borrow_base =
            self.total_borrow_base.checked_sub(repay).ok_or_else(|| overflow("totalBorrowBase"))?;
        self.principals.insert(account, new_principal);
        for (i, amount) in seized.iter().enumerate() {
            if let Some(c) = self.collateral.get_mut(&account).and_then(|c| c.get_mut(i)) {
                *c = U256::ZERO;
            }
            if let Some(t) = self.total_collateral.get_mut(i) {
                *t -= *amount;
            }
        }
        let base_paid_out = (new_balance - old_balance).unsigned_abs();
        Ok(Absorption {
            seized,
            base_paid_out,
            value_of_base_paid_out: mul_price(
                base_paid_out,
                self.config.base_price,
                self.config.base_scale,
            )?,
            shortfall,
        })
    }

    /// `getReserves`: base held minus supplied plus borrowed (present values).
    pub fn reserves(&self) -> Result<I256> {
        let supply = d(
            m(self.total_supply_base, self.base_supply_index, "totalSupply")?,
            BASE_INDEX_SCALE,
            "r",
        )?;
        let borrow = d(
            m(self.total_borrow_base, self.base_borrow_index, "totalBorrow")?,
            BASE_INDEX_SCALE,
            "r",
        )?;
        Ok(signed(self.base_balance)? - signed(supply)? + signed(borrow)?)
    }

    /// `quoteCollateral`'s store-front price of asset `i`:
    /// `mulFactor(price, 1e18 − mulFactor(storeFrontPriceFactor, 1e18 − liquidationFactor))`.
    fn discounted_price(&self, i: usize) -> Result<(&CometAsset, U256)> {
        let a = self
            .config
            .assets
            .get(i)
            .ok_or_else(|| Error::invalid("asset", "a configured asset index", i))?;
        let discount =
            mul_factor(self.config.store_front_price_factor, FACTOR_SCALE - a.liquidation_factor)?;
        Ok((a, mul_factor(a.price, FACTOR_SCALE - discount)?))
    }

    /// `quoteCollateral(asset, baseAmount)`.
    pub fn quote_collateral(&self, i: usize, base_amount: U256) -> Result<U256> {
        let (a, discounted) = self.discounted_price(i)?;
        let numerator = m(m(self.config.base_price, base_amount, "quote")?, a.scale, "quote")?;
        d(d(numerator, discounted, "quote")?, self.config.base_scale, "quote")
    }

    /// The base amount whose [`Self::quote_collateral`] is at most `collateral` units of asset
    /// `i`: `⌊collateral · discountedPrice · baseScale / (basePrice · assetScale)⌋`, inverting
    /// `quoteCollateral`'s `⌊⌊basePrice · baseAmount · assetScale / discountedPrice⌋ /
    /// baseScale⌋` (each floor can only lower the quote, so the quote stays within
    /// `collateral`); zero when the base price is zero.
    pub fn base_for_collateral(&self, i: usize, collateral: U256) -> Result<U256> {
        let (a, discounted) = self.discounted_price(i)?;
        let denominator = m(self.config.base_price, a.scale, "buyCollateral base amount")?;
        if denominator.is_zero() {
            return Ok(U256::ZERO);
        }
        let numerator = m(
            m(collateral, discounted, "buyCollateral base amount")?,
            self.config.base_scale,
            "buyCollateral base amount",
        )?;
        d(numerator, denominator, "buyCollateral base amount")
    }

    /// `getCollateralReserves(asset)`: what the contract holds of asset `i` beyond what users
    /// have pledged (absorbed collateral nobody has bought yet).
    pub fn collateral_reserves(&self, i: usize) -> U256 {
        let held = self.collateral_balance.get(i).copied().unwrap_or_default();
        let owed = self.total_collateral.get(i).copied().unwrap_or_default();
        held.saturating_sub(owed)
    }

    /// `buyCollateral(asset, minAmount = 0, baseAmount)`: returns the collateral bought.
    pub fn buy_collateral(&mut self, i: usize, base_amount: U256) -> Result<U256> {
        let reserves = self.reserves()?;
        if reserves >= I256::ZERO && reserves.unsigned_abs() >= self.config.target_reserves {
            return Err(revert(reason::NOT_FOR_SALE));
        }
        let amount = self.quote_collateral(i, base_amount)?;
        let (Some(held), Some(owed)) =
            (self.collateral_balance.get(i).copied(), self.total_collateral.get(i).copied())
        else {
            return Err(Error::invalid("asset", "a configured asset index", i));
        };
        // getCollateralReserves: what the contract holds beyond what users have pledged.
        if amount > held.saturating_sub(owed) {
            return Err(revert(reason::INSUFFICIENT_RESERVES));
        }
        self.base_balance =
            self.base_balance.checked_add(base_amount).ok_or_else(|| overflow("balance"))?;
        if let Some(held) = self.collateral_balance.get_mut(i) {
            *held = held.saturating_sub(amount);
        }
        Ok(amount)
    }

    /// `supply` of base: repays debt first, then supplies.
    pub fn supply_base(&mut self, account: Address, amount: U256) -> Result<()> {
        let old = self.principal(account);
        let balance = self
            .present_value(old)?
            .checked_add(signed(amount)?)
            .ok_or_else(|| overflow("balance"))?;
        let new = self.principal_value(balance)?;
        let (repay, supply) = repay_and_supply_amount(old, new);
        self.total_supply_base = self
            .total_supply_base
            .checked_add(supply)
            .ok_or_else(|| overflow("totalSupplyBase"))?;
        self.total_borrow_base =
            self.total_borrow_base.checked_sub(repay).ok_or_else(|| overflow("totalBorrowBase"))?;
        self.base_balance =
            self.base_balance.checked_add(amount).ok_or_else(|| overflow("balance"))?;
        self.principals.insert(account, new);
        Ok(())
    }

    /// `withdraw` of base: withdraws supply, then borrows; limited by what the contract holds.
    pub fn withdraw_base(&mut self, account: Address, amount: U256) -> Result<()> {
        let old = self.principal(account);
        let balance = self
            .present_value(old)?
            .checked_sub(signed(amount)?)
            .ok_or_else(|| overflow("balance"))?;
        let new = self.principal_value(balance)?;
        let (withdraw, borrow) = withdraw_and_borrow_amount(old, new);
        let mut draft = self.clone();
        draft.total_supply_base = draft
            .total_supply_base
            .checked_sub(withdraw)
            .ok_or_else(|| overflow("totalSupplyBase"))?;
        draft.total_borrow_base = draft
            .total_borrow_base
            .checked_add(borrow)
            .ok_or_else(|| overflow("totalBorrowBase"))?;
        draft.principals.insert(account, new);
        if balance < I256::ZERO {
            if balance.unsigned_abs() < draft.config.base_borrow_min {
                return Err(revert(reason::BORROW_TOO_SMALL));
            }
            if !draft.is_borrow_collateralized(account)? {
                return Err(revert(reason::NOT_COLLATERALIZED));
            }
        }
        draft.base_balance = draft
            .base_balance
            .checked_sub(amount)
            .ok_or_else(|| revert(reason::INSUFFICIENT_BALANCE))?;
        *self = draft;
        Ok(())
    }
}

/// `repayAndSupplyAmount(oldPrincipal, newPrincipal)`.
fn repay_and_supply_amount(old: I256, new: I256) -> (U256, U256) {
    if new < old {
        (U256::ZERO, U256::ZERO)
    } else if new <= I256::ZERO {
        ((new - old).unsigned_abs(), U256::ZERO)
    } else if old >= I256::ZERO {
        (U256::ZERO, (new - old).unsigned_abs())
    } else {
        (old.unsigned_abs(), new.unsigned_abs())
    }
}

/// `withdrawAndBorrowAmount(oldPrincipal, newPrincipal)`.
fn withdraw_and_borrow_amount(old: I256, new: I256) -> (U256, U256) {
    if new > old {
        (U256::ZERO, U256::ZERO)
    } else if new >= I256::ZERO {
        ((old - new).unsigned_abs(), U256::ZERO)
    } else if old <= I256::ZERO {
        (U256::ZERO, (old - new).unsigned_abs())
    } else {
        (old.unsigned_abs(), new.unsigned_abs())
    }
}

impl CometMarket {
    fn asset_index(&self, field: &str, asset: Address) -> Result<usize> {
        self.config
            .assets
            .iter()
            .position(|a| a.asset == asset)
            .ok_or_else(|| Error::UnknownAsset { field: field.into(), asset })
    }

    fn check_base(&self, field: &str, asset: Address) -> Result<()> {
        if asset == self.config.base_token {
            Ok(())
        } else {
            Err(Error::UnknownAsset { field: field.into(), asset })
        }
    }

    /// Debt in base units (present value of a negative principal), 0 for a supplier.
    pub fn debt_of(&self, account: Address) -> Result<U256> {
        let pv = self.present_value(self.principal(account))?;
        Ok(if pv < I256::ZERO { pv.unsigned_abs() } else { U256::ZERO })
    }

    fn weighted_collateral(
        &self,
        account: Address,
        factor: impl Fn(&CometAsset) -> U256,
    ) -> Result<(U256, U256)> {
        let (mut value, mut weighted) = (U256::ZERO, U256::ZERO);
        for (i, a) in self.config.assets.iter().enumerate() {
            let v = mul_price(self.collateral_of(account, i), a.price, a.scale)?;
            value = value.checked_add(v).ok_or_else(|| overflow("collateral value"))?;
            weighted = weighted
                .checked_add(mul_factor(v, factor(a))?)
                .ok_or_else(|| overflow("collateral value"))?;
        }
        Ok((value, weighted))
    }
}

/// Comet through the shared vocabulary. Values are USD with 8 decimals. A liquidation is
/// `absorb`: all-or-nothing (the requested amount is not used), the protocol is the liquidator (it
/// keeps the collateral to sell at the store front), and a shortfall is borne by reserves.
impl LendingMarket for CometMarket {
    fn set_oracle_price(&mut self, asset: Address, price: OraclePrice) -> Result<()> {
        let raw = price.0.rescale(8, faultline_core::Rounding::Down)?.raw();
        if asset == self.config.base_token {
            self.config.base_price = raw;
            return Ok(());
        }
        let i = self.asset_index("asset", asset)?;
        self.set_price(i, raw)
    }

    fn health(&self, account: Address) -> Result<Health> {
        let (collateral_value, liquidation_value) =
            self.weighted_collateral(account, |a| a.liquidate_collateral_factor)?;
        let debt_value =
            mul_price(self.debt_of(account)?, self.config.base_price, self.config.base_scale)?;
        let health_factor = if debt_value.is_zero() {
            U256::MAX
        } else {
            d(m(liquidation_value, FACTOR_SCALE, "health")?, debt_value, "health")?
        };
        Ok(Health {
            collateral_value,
            liquidation_value,
            debt_value,
            health_factor,
            unit: ValueUnit::BaseCurrency { decimals: 8 },
        })
    }

    fn borrowing_power(&self, account: Address) -> Result<U256> {
        let (_, borrowable) = self.weighted_collateral(account, |a| a.borrow_collateral_factor)?;
        let debt_value =
            mul_price(self.debt_of(account)?, self.config.base_price, self.config.base_scale)?;
        Ok(borrowable.saturating_sub(debt_value))
    }

    fn is_liquidatable(&self, account: Address) -> Result<bool> {
        Self::is_liquidatable(self, account)
    }

    fn max_liquidation(
        &self,
        borrower: Address,
        collateral_asset: Address,
        debt_asset: Address,
    ) -> Result<Liquidation> {
        let mut copy = self.clone();
        copy.liquidate(LiquidationRequest {
            borrower,
            collateral_asset,
            debt_asset,
            amount: crate::LiquidationAmount::Debt(U256::MAX),
        })
    }

    fn liquidate(&mut self, request: LiquidationRequest) -> Result<Liquidation> {
        self.check_base("debt_asset", request.debt_asset)?;
        let i = self.asset_index("collateral_asset", request.collateral_asset)?;
        let debt = self.debt_of(request.borrower)?;
        let out = self.absorb(request.borrower)?;
        Ok(Liquidation {
            debt_repaid: debt.saturating_sub(out.shortfall),
            collateral_seized: out.seized.get(i).copied().unwrap_or_default(),
            liquidator_bonus: U256::ZERO,
            protocol_fee: U256::ZERO,
            bad_debt: out.shortfall,
            bad_debt_bearer: if out.shortfall.is_zero() {
                BadDebtBearer::Nobody
            } else {
                BadDebtBearer::Reserves
            },
            remaining_collateral: U256::ZERO,
            remaining_debt: U256::ZERO,
        })
    }

    fn supply(&mut self, account: Address, asset: Address, amount: U256) -> Result<U256> {
        self.check_base("asset", asset)?;
        self.supply_base(account, amount)?;
        Ok(amount)
    }

    fn withdraw(&mut self, account: Address, asset: Address, amount: U256) -> Result<U256> {
        self.check_base("asset", asset)?;
        // A withdrawal beyond the supplied balance would be a borrow: not through this door.
        let pv = self.present_value(self.principal(account))?;
        if pv < I256::ZERO || pv.unsigned_abs() < amount {
            return Err(Error::invalid("amount", "at most the supplied balance", amount));
        }
        self.withdraw_base(account, amount)?;
        Ok(amount)
    }

    fn supply_collateral(&mut self, account: Address, asset: Address, amount: U256) -> Result<()> {
        let i = self.asset_index("asset", asset)?;
        Self::supply_collateral(self, account, i, amount)
    }

    fn borrow(&mut self, account: Address, asset: Address, amount: U256) -> Result<U256> {
        self.check_base("asset", asset)?;
        self.withdraw_base(account, amount)?;
        Ok(amount)
    }

    fn repay(&mut self, account: Address, asset: Address, amount: U256) -> Result<U256> {
        self.check_base("asset", asset)?;
        let paid = amount.min(self.debt_of(account)?);
        self.supply_base(account, paid)?;
        Ok(paid)
    }

    fn available_liquidity(&self, asset: Address) -> Result<U256> {
        self.check_base("asset", asset)?;
        Ok(self.base_balance)
    }

    fn utilisation(&self, asset: Address) -> Result<U256> {
        self.check_base("asset", asset)?;
        self.utilization()
    }

    fn rates(&self, asset: Address) -> Result<Rates> {
        self.check_base("asset", asset)?;
        let (supply, borrow) = Self::rates(self)?;
        Ok(Rates {
            borrow: m(borrow, SECONDS_PER_YEAR, "rate")?,
            supply: m(supply, SECONDS_PER_YEAR, "rate")?,
        })
    }

    fn accrue(&mut self, elapsed: u64) -> Result<()> {
        Self::accrue(self, elapsed)
    }
}
