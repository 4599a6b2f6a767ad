//! An EVK vault's accounting and the shared [`LendingMarket`] vocabulary for it, mirroring
//! `euler-xyz/euler-vault-kit` @ `5b98b420`:
//!
//! - `shared/Cache.sol` `initVaultCache`: interest accrues through the accumulator
//!   (`rpow(1e27 + rate, Δt)` with its overflow bail-outs, `RPow.sol`), `totalBorrows` grows in the
//!   same ratio, and `interestFee` of the interest is minted as shares (`accumulatedFees`);
//! - `shared/BorrowUtils.sol`: debts in `Owed` (assets `<< 31`), each scaled by
//!   `accumulator / userAccumulator` when read, `increaseBorrow`, `decreaseBorrow`
//!   (`E_RepayTooMuch`), `transferBorrow` (dust rule, `E_InsufficientDebt`);
//! - `modules/Vault.sol` `deposit` (shares down, `E_ZeroShares`) and `withdraw` (shares up,
//!   `E_InsufficientCash`, `E_InsufficientBalance`), with `ConversionHelpers.sol`'s virtual
//!   deposit of 1e6 on both totals;
//! - `modules/Borrowing.sol` `borrow` (`E_InsufficientCash`, then the account check of
//!   `LiquidityUtils.sol` `checkLiquidity` with the borrow LTV: `E_AccountLiquidity`) and `repay`;
//! - `modules/RiskManager.sol` `checkVaultStatus`: the new rate from the IRM (capped at
//!   `MAX_ALLOWED_INTEREST_RATE`), and the caps: `E_BorrowCapExceeded` if borrows (up) passed the cap
//!   and grew, `E_SupplyCapExceeded` if cash + borrows (down) passed it and grew.
//!
//! One price per asset: the borrow check reads the mid price where the vault reads bid/ask
//! (`getQuotes`); with an oracle without spread they are the same.

use super::{CONFIG_SCALE, EulerVault, WAD, overflow, reason};
use crate::{
    BadDebtBearer, Error, Health, LendingMarket, Liquidation, LiquidationAmount,
    LiquidationRequest, Protocol, Rates, Result, ValueUnit,
};
use alloy_primitives::{Address, U256};
use faultline_core::{OraclePrice, Rounding};

/// 1e27.
pub const RAY: U256 = U256::from_limbs([11_515_845_246_265_065_472, 54_210_108, 0, 0]);
/// `INTERNAL_DEBT_PRECISION_SHIFT`.
pub const INTERNAL_DEBT_PRECISION_SHIFT: usize = 31;
/// `VIRTUAL_DEPOSIT_AMOUNT`, added to total assets and total shares in every conversion.
pub const VIRTUAL_DEPOSIT_AMOUNT: U256 = U256::from_limbs([1_000_000, 0, 0, 0]);
/// `SECONDS_PER_YEAR` (365.2425 days).
pub const SECONDS_PER_YEAR: u64 = 31_556_952;
/// `MAX_ALLOWED_INTEREST_RATE` (per second, RAY).
pub const MAX_ALLOWED_INTEREST_RATE: U256 =
    U256::from_limbs([15_166_117_809_301_819_935, 15, 0, 0]);

/// `MAX_SANE_AMOUNT` = `type(uint112).max`.
fn max_sane_amount() -> U256 {
    (U256::from(1u8) << 112) - U256::from(1u8)
}

/// `MAX_SANE_DEBT_AMOUNT` = `MAX_SANE_AMOUNT << 31`.
fn max_sane_debt_amount() -> U256 {
    max_sane_amount() << INTERNAL_DEBT_PRECISION_SHIFT
}

/// `Assets.toOwed`: `assets << 31`, which must fit the 144-bit `Owed`.
pub fn to_owed(assets: U256) -> Result<U256> {
    if assets > max_sane_amount() {
        return Err(Error::invalid("assets", "at most 2^112 - 1 (MAX_SANE_AMOUNT)", assets));
    }
    Ok(assets << INTERNAL_DEBT_PRECISION_SHIFT)
}

/// `Owed.toAssetsUp`.
pub fn to_assets_up(owed: U256) -> U256 {
    let unit = U256::from(1u8) << INTERNAL_DEBT_PRECISION_SHIFT;
    owed.saturating_add(unit - U256::from(1u8)) >> INTERNAL_DEBT_PRECISION_SHIFT
}

/// `Owed.toAssetsDown`.
pub fn to_assets_down(owed: U256) -> U256 {
    owed >> INTERNAL_DEBT_PRECISION_SHIFT
}

/// `RPow.rpow(x, n, scalar)`: `x^n` in fixed point with each product rounded half up, and the
/// overflow flag the assembly raises (then the accumulator is left as it was).
pub fn rpow(mut x: U256, mut n: u64, scalar: U256) -> (U256, bool) {
    if x.is_zero() {
        return (if n == 0 { scalar } else { U256::ZERO }, false);
    }
    let mut z = if n.is_multiple_of(2) { scalar } else { x };
    let half = scalar >> 1;
    n >>= 1;
    while n != 0 {
        if !(x >> 128usize).is_zero() {
            return (z, true);
        }
        let xx = x * x;
        let Some(round) = xx.checked_add(half) else { return (z, true) };
        x = round / scalar;
        if !n.is_multiple_of(2) {
            let Some(zx) = z.checked_mul(x) else { return (z, true) };
            let Some(round) = zx.checked_add(half) else { return (z, true) };
            z = round / scalar;
        }
        n >>= 1;
    }
    (z, false)
}

fn add(a: U256, b: U256, op: &'static str) -> Result<U256> {
    a.checked_add(b).ok_or_else(|| overflow(op))
}

fn mul_div(a: U256, b: U256, d: U256, rounding: Rounding, op: &'static str) -> Result<U256> {
    faultline_core::math::mul_div_full(a, b, d, rounding).map_err(|e| match e {
        faultline_core::Error::Overflow { .. } => overflow(op),
        other => Error::Arithmetic(other),
    })
}

const fn revert(reason: &'static str) -> Error {
    Error::revert(Protocol::EulerV2, reason)
}

impl EulerVault {
    /// An account's current `Owed` (`getCurrentOwed`): stored owed · accumulator / its accumulator.
    pub(super) fn owed_now(&self, account: Address) -> Result<U256> {
        let Some(&(owed, user_acc)) = self.owed.get(&account) else { return Ok(U256::ZERO) };
        if owed.is_zero() {
            return Ok(U256::ZERO);
        }
        let p = owed.checked_mul(self.interest_accumulator).ok_or_else(|| overflow("owed"))?;
        p.checked_div(user_acc)
            .ok_or(Error::Arithmetic(faultline_core::Error::DivisionByZero { op: "owed" }))
    }

    /// Sets an account's share balance (a snapshot); [`EulerVault::total_shares`] is set
    /// separately, as the vault stores it.
    pub fn set_shares(&mut self, account: Address, shares: U256) {
        self.shares.insert(account, shares);
    }

    /// `totalBorrows` in assets, rounded up.
    pub fn total_borrows(&self) -> U256 {
        to_assets_up(self.total_borrows_owed)
    }

    /// `totalAssets()`: cash plus borrows (rounded up).
    pub fn total_assets(&self) -> Result<U256> {
        add(self.cash, self.total_borrows(), "totalAssets")
    }

    /// An account's shares of the vault (its deposit).
    pub fn shares_of(&self, account: Address) -> U256 {
        self.shares.get(&account).copied().unwrap_or_default()
    }

    fn conversion_totals(&self) -> Result<(U256, U256)> {
        Ok((
            add(self.total_assets()?, VIRTUAL_DEPOSIT_AMOUNT, "totalAssets")?,
            add(self.total_shares, VIRTUAL_DEPOSIT_AMOUNT, "totalShares")?,
        ))
    }

    /// `convertToAssets(shares)` (`Shares.toAssetsDown`).
    pub fn convert_to_assets(&self, shares: U256) -> Result<U256> {
        let (assets, total) = self.conversion_totals()?;
        mul_div(shares, assets, total, Rounding::Down, "toAssetsDown")
    }

    /// `convertToShares(assets)` (`Assets.toSharesDown`).
    pub fn convert_to_shares(&self, assets: U256) -> Result<U256> {
        let (total, shares) = self.conversion_totals()?;
        mul_div(assets, shares, total, Rounding::Down, "toSharesDown")
    }

    /// `initVaultCache`/`updateVault`: accrues interest from `last_update` to `now`.
    pub(super) fn accrue_interest(&mut self) -> Result<()> {
        let dt = self.now.saturating_sub(self.last_update);
        if dt == 0 {
            return Ok(());
        }
        let old_acc = self.interest_accumulator;
        let mut new_acc = old_acc;
        let old_borrows = self.total_borrows_owed;
        let mut new_borrows = old_borrows;
        // The contract's `unchecked` block: a product that wraps leaves the value unchanged.
        let (multiplier, overflowed) = rpow(self.interest_rate.saturating_add(RAY), dt, RAY);
        if !overflowed && !multiplier.is_zero() {
            let intermediate = new_acc.wrapping_mul(multiplier);
            if new_acc == intermediate / multiplier {
                new_acc = intermediate / RAY;
            }
        }
        if !new_acc.is_zero() {
            let intermediate = new_borrows.wrapping_mul(new_acc);
            if new_borrows == intermediate / new_acc {
                new_borrows = intermediate / old_acc;
            }
        }
        let mut new_fees = self.accumulated_fees;
        let mut new_shares = self.total_shares;
        let interest = new_borrows.saturating_sub(old_borrows);
        let fee_assets = interest
            .checked_mul(U256::from(self.interest_fee))
            .ok_or_else(|| overflow("feeAssets"))?
            / (CONFIG_SCALE << INTERNAL_DEBT_PRECISION_SHIFT);
        if !fee_assets.is_zero() {
            let new_total = add(self.cash, to_assets_up(new_borrows), "newTotalAssets")?;
            new_shares = mul_div(
                new_total,
                new_shares,
                new_total.checked_sub(fee_assets).ok_or_else(|| overflow("newTotalAssets"))?,
                Rounding::Down,
                "newTotalShares",
            )?;
            new_fees = add(new_fees, new_shares - self.total_shares, "accumulatedFees")?;
        }
        if new_borrows <= max_sane_debt_amount() {
            self.total_borrows_owed = new_borrows;
            self.interest_accumulator = new_acc;
            self.last_update = self.now;
            if new_shares != self.total_shares && new_shares <= max_sane_amount() {
                self.accumulated_fees = new_fees;
                self.total_shares = new_shares;
            }
        }
        Ok(())
    }

    /// `initOperation` … `checkVaultStatus` around `f`, on a copy kept only on success.
    pub(super) fn operate<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        let mut v = self.clone();
        v.accrue_interest()?;
        let (prev_cash, prev_borrows) = (v.cash, v.total_borrows());
        let out = f(&mut v)?;
        if let Some(irm) = v.irm {
            v.interest_rate = irm.rate(v.cash, v.total_borrows())?.min(MAX_ALLOWED_INTEREST_RATE);
        }
        if v.supply_cap != U256::MAX || v.borrow_cap != U256::MAX {
            let borrows = v.total_borrows();
            if borrows > v.borrow_cap && borrows > prev_borrows {
                return Err(revert(reason::BORROW_CAP_EXCEEDED));
            }
            let prev_supply = add(prev_cash, prev_borrows, "supply")?;
            let supply = add(v.cash, to_assets_down(v.total_borrows_owed), "supply")?;
            if supply > v.supply_cap && supply > prev_supply {
                return Err(revert(reason::SUPPLY_CAP_EXCEEDED));
            }
        }
        *self = v;
        Ok(out)
    }

    fn set_owed(&mut self, account: Address, owed: U256) {
        self.owed.insert(account, (owed, self.interest_accumulator));
    }

    fn increase_borrow(&mut self, account: Address, assets: U256) -> Result<()> {
        let amount = to_owed(assets)?;
        let owed = add(self.owed_now(account)?, amount, "owed")?;
        self.set_owed(account, owed);
        self.total_borrows_owed = add(self.total_borrows_owed, amount, "totalBorrows")?;
        Ok(())
    }

    pub(super) fn decrease_borrow(&mut self, account: Address, assets: U256) -> Result<()> {
        let exact = self.owed_now(account)?;
        let owed = to_assets_up(exact);
        if assets > owed {
            return Err(revert(reason::REPAY_TOO_MUCH));
        }
        let remaining = to_owed(owed - assets)?;
        self.set_owed(account, remaining);
        self.total_borrows_owed = if self.total_borrows_owed > exact {
            self.total_borrows_owed - exact + remaining
        } else {
            remaining
        };
        Ok(())
    }

    /// `transferBorrow`: the liquidator takes `assets` of the violator's debt over; the total does
    /// not change. A rounding or dust difference (under one asset unit of `Owed`) moves the exact
    /// debt instead.
    pub(super) fn transfer_borrow(
        &mut self,
        from: Address,
        to: Address,
        assets: U256,
    ) -> Result<()> {
        let mut amount = to_owed(assets)?;
        let from_owed = self.owed_now(from)?;
        let dust = U256::from(1u8) << INTERNAL_DEBT_PRECISION_SHIFT;
        if (amount > from_owed && amount - from_owed < dust)
            || (amount < from_owed && from_owed - amount < dust)
        {
            amount = from_owed;
        }
        if amount > from_owed {
            return Err(revert(reason::INSUFFICIENT_DEBT));
        }
        self.set_owed(from, from_owed - amount);
        let to_owed_now = add(self.owed_now(to)?, amount, "owed")?;
        self.set_owed(to, to_owed_now);
        Ok(())
    }

    /// `deposit(amount, receiver)`: returns the shares minted (0 for 0 assets).
    pub fn deposit(&mut self, receiver: Address, assets: U256) -> Result<U256> {
        self.operate(|v| {
            if assets.is_zero() {
                return Ok(U256::ZERO);
            }
            let shares = v.convert_to_shares(assets)?;
            if shares.is_zero() {
                return Err(revert(reason::ZERO_SHARES));
            }
            v.cash = add(v.cash, assets, "cash")?;
            v.total_shares = add(v.total_shares, shares, "totalShares")?;
            let balance = add(v.shares_of(receiver), shares, "balance")?;
            v.shares.insert(receiver, balance);
            Ok(shares)
        })
    }

    /// `withdraw(amount, receiver, owner)`: returns the shares burnt.
    pub fn withdraw(&mut self, owner: Address, assets: U256) -> Result<U256> {
        self.operate(|v| {
            if assets.is_zero() {
                return Ok(U256::ZERO);
            }
            let (total, supply) = v.conversion_totals()?;
            let shares = mul_div(assets, supply, total, Rounding::Up, "toSharesUp")?;
            if assets > v.cash {
                return Err(revert(reason::INSUFFICIENT_CASH));
            }
            let balance = v.shares_of(owner);
            if balance < shares {
                return Err(revert(reason::INSUFFICIENT_BALANCE));
            }
            v.shares.insert(owner, balance - shares);
            v.total_shares = v.total_shares.saturating_sub(shares);
            v.cash -= assets;
            Ok(shares)
        })
    }

    /// `borrow(amount, receiver)`: cash, then the borrow-LTV account check; returns the assets.
    pub fn borrow(&mut self, account: Address, assets: U256) -> Result<U256> {
        self.operate(|v| {
            let assets = if assets == U256::MAX { v.cash } else { assets };
            if assets.is_zero() {
                return Ok(U256::ZERO);
            }
            if assets > v.cash {
                return Err(revert(reason::INSUFFICIENT_CASH));
            }
            v.increase_borrow(account, assets)?;
            v.cash -= assets;
            let (collateral, liability) = v.liquidity(account, false)?;
            if !liability.is_zero() && collateral <= liability {
                return Err(revert(reason::ACCOUNT_LIQUIDITY));
            }
            Ok(assets)
        })
    }

    /// `repay(amount, receiver)`: `U256::MAX` repays the whole debt; more than the debt reverts
    /// `E_RepayTooMuch`. Returns the assets repaid.
    pub fn repay(&mut self, account: Address, amount: U256) -> Result<U256> {
        self.operate(|v| {
            let owed = to_assets_up(v.owed_now(account)?);
            let assets = if amount == U256::MAX { owed } else { amount };
            if assets.is_zero() {
                return Ok(U256::ZERO);
            }
            v.decrease_borrow(account, assets)?;
            v.cash = add(v.cash, assets, "cash")?;
            Ok(assets)
        })
    }

    /// Moves the clock forward; interest accrues on the next operation, as on chain.
    pub fn advance_time(&mut self, seconds: u64) -> Result<()> {
        self.now = self.now.checked_add(seconds).ok_or_else(|| overflow("block.timestamp"))?;
        Ok(())
    }

    /// `touch()`: accrues and updates the rate.
    pub fn touch(&mut self) -> Result<()> {
        self.operate(|_| Ok(()))
    }

    fn collateral_index(&self, asset: Address, field: &str) -> Result<usize> {
        self.collaterals
            .iter()
            .position(|c| c.vault == asset)
            .ok_or_else(|| Error::UnknownAsset { field: field.to_owned(), asset })
    }

    fn check_asset(&self, asset: Address, field: &str) -> Result<()> {
        if asset == self.asset {
            Ok(())
        } else {
            Err(Error::UnknownAsset { field: field.to_owned(), asset })
        }
    }

    /// Σ collateral value at the mid price, unadjusted.
    fn collateral_value(&self, account: Address) -> Result<U256> {
        let mut total = U256::ZERO;
        for (i, c) in self.collaterals.iter().enumerate() {
            let value =
                mul_div(self.collateral(account, i), c.price, WAD, Rounding::Down, "getQuote")?;
            total = add(total, value, "collateralValue")?;
        }
        Ok(total)
    }

    fn to_liquidation(
        &self,
        before: &Self,
        out: super::EulerLiquidation,
        borrower: Address,
        i: usize,
    ) -> Result<Liquidation> {
        let c = self.collaterals.get(i).ok_or_else(|| revert(reason::BAD_COLLATERAL))?;
        // The repaid debt's worth in collateral units (mid prices): the rest of the yield is the
        // liquidator's discount.
        let repay_value = match before.liability_price {
            None => out.repay,
            Some(p) => mul_div(out.repay, p, WAD, Rounding::Down, "getQuote")?,
        };
        let worth = if c.price.is_zero() {
            U256::ZERO
        } else {
            mul_div(repay_value, WAD, c.price, Rounding::Down, "repay in collateral")?
        };
        Ok(Liquidation {
            debt_repaid: out.repay,
            collateral_seized: out.yield_balance,
            liquidator_bonus: out.yield_balance.saturating_sub(worth),
            protocol_fee: U256::ZERO,
            bad_debt: out.socialized,
            bad_debt_bearer: if out.socialized.is_zero() {
                BadDebtBearer::Nobody
            } else {
                BadDebtBearer::Suppliers
            },
            remaining_collateral: self.collateral(borrower, i),
            remaining_debt: self.debt(borrower),
        })
    }
}

/// An EVK vault as a lending market: the liability vault (`asset`) with its recognised collateral
/// vaults. Values are in the unit of account with 18 decimals. Liquidations through this trait
/// hand the debt to [`EulerVault::liquidator`] and cap the requested repay at the maximum (the
/// vault itself reverts `E_ExcessiveRepayAmount` above it).
impl LendingMarket for EulerVault {
    fn set_oracle_price(&mut self, asset: Address, price: OraclePrice) -> Result<()> {
        // getQuote(amount) = amount · p / 1e18 in 18-decimal units of account, so p carries
        // 36 − decimals decimals.
        let scaled = |decimals: u8| -> Result<U256> {
            let places = 36u8
                .checked_sub(decimals)
                .ok_or_else(|| Error::invalid("decimals", "at most 36", decimals))?;
            Ok(price.0.rescale(places, Rounding::Down)?.raw())
        };
        if asset == self.asset {
            self.liability_price = Some(scaled(self.asset_decimals)?);
            return Ok(());
        }
        let i = self.collateral_index(asset, "set_oracle_price.asset")?;
        let decimals = self.collaterals.get(i).map_or(18, |c| c.decimals);
        let p = scaled(decimals)?;
        if let Some(c) = self.collaterals.get_mut(i) {
            c.price = p;
        }
        Ok(())
    }

    fn health(&self, account: Address) -> Result<Health> {
        let (liquidation_value, debt_value) = self.liquidity(account, true)?;
        let health_factor = if debt_value.is_zero() {
            U256::MAX
        } else {
            mul_div(liquidation_value, WAD, debt_value, Rounding::Down, "health")?
        };
        Ok(Health {
            collateral_value: self.collateral_value(account)?,
            liquidation_value,
            debt_value,
            health_factor,
            unit: ValueUnit::UnitOfAccount { decimals: 18 },
        })
    }

    fn borrowing_power(&self, account: Address) -> Result<U256> {
        let (collateral, liability) = self.liquidity(account, false)?;
        Ok(collateral.saturating_sub(liability))
    }

    /// `collateralAdjustedValue ≤ liabilityValue` with the liquidation LTV (so at a health of
    /// exactly 1 the account is liquidatable, with no discount).
    fn is_liquidatable(&self, account: Address) -> Result<bool> {
        let (collateral, liability) = self.liquidity(account, true)?;
        Ok(!liability.is_zero() && collateral <= liability)
    }

    fn max_liquidation(
        &self,
        borrower: Address,
        collateral_asset: Address,
        debt_asset: Address,
    ) -> Result<Liquidation> {
        let mut draft = self.clone();
        LendingMarket::liquidate(
            &mut draft,
            LiquidationRequest {
                borrower,
                collateral_asset,
                debt_asset,
                amount: LiquidationAmount::Debt(U256::MAX),
            },
        )
    }

    fn liquidate(&mut self, request: LiquidationRequest) -> Result<Liquidation> {
        self.check_asset(request.debt_asset, "liquidate.debt_asset")?;
        let i = self.collateral_index(request.collateral_asset, "liquidate.collateral_asset")?;
        let LiquidationAmount::Debt(wanted) = request.amount else {
            return Err(Error::Unsupported {
                protocol: Protocol::EulerV2,
                operation: "liquidation by collateral or debt shares",
            });
        };
        let before = self.clone();
        let liquidator = self.liquidator;
        let out = self.operate(|v| {
            let (max, _) = v.check_liquidation(liquidator, request.borrower, i, U256::MAX)?;
            let desired = if wanted >= max.repay { U256::MAX } else { wanted };
            v.execute_liquidation(liquidator, request.borrower, i, desired, U256::ZERO)
        })?;
        self.to_liquidation(&before, out, request.borrower, i)
    }

    fn supply(&mut self, account: Address, asset: Address, amount: U256) -> Result<U256> {
        self.check_asset(asset, "supply.asset")?;
        self.deposit(account, amount)?;
        Ok(amount)
    }

    fn withdraw(&mut self, account: Address, asset: Address, amount: U256) -> Result<U256> {
        self.check_asset(asset, "withdraw.asset")?;
        Self::withdraw(self, account, amount)?;
        Ok(amount)
    }

    fn supply_collateral(&mut self, account: Address, asset: Address, amount: U256) -> Result<()> {
        let i = self.collateral_index(asset, "supply_collateral.asset")?;
        let balance = add(self.collateral(account, i), amount, "collateral balance")?;
        self.set_collateral(account, i, balance)
    }

    fn borrow(&mut self, account: Address, asset: Address, amount: U256) -> Result<U256> {
        self.check_asset(asset, "borrow.asset")?;
        Self::borrow(self, account, amount)
    }

    fn repay(&mut self, account: Address, asset: Address, amount: U256) -> Result<U256> {
        self.check_asset(asset, "repay.asset")?;
        let owed = self.debt(account);
        // Accrue first so "up to" compares with the debt the vault will see.
        let mut accrued = self.clone();
        accrued.accrue_interest()?;
        let owed = owed.max(accrued.debt(account));
        Self::repay(self, account, if amount >= owed { U256::MAX } else { amount })
    }

    fn available_liquidity(&self, asset: Address) -> Result<U256> {
        self.check_asset(asset, "available_liquidity.asset")?;
        Ok(self.cash)
    }

    fn utilisation(&self, asset: Address) -> Result<U256> {
        self.check_asset(asset, "utilisation.asset")?;
        let borrows = self.total_borrows();
        let total = add(self.cash, borrows, "cash + borrows")?;
        if total.is_zero() {
            return Ok(U256::ZERO);
        }
        mul_div(borrows, WAD, total, Rounding::Down, "utilisation")
    }

    /// The stored per-second rate as a simple annual rate (`rate · SECONDS_PER_YEAR / 1e9`, RAY
    /// to WAD); suppliers earn it on the borrowed share, less the interest fee.
    fn rates(&self, asset: Address) -> Result<Rates> {
        let u = self.utilisation(asset)?;
        let borrow = mul_div(
            self.interest_rate,
            U256::from(SECONDS_PER_YEAR),
            U256::from(1_000_000_000u64),
            Rounding::Down,
            "borrow APR",
        )?;
        let kept = CONFIG_SCALE - U256::from(self.interest_fee).min(CONFIG_SCALE);
        let supply = mul_div(
            mul_div(borrow, u, WAD, Rounding::Down, "supply APR")?,
            kept,
            CONFIG_SCALE,
            Rounding::Down,
            "supply APR",
        )?;
        Ok(Rates { borrow, supply })
    }

    fn accrue(&mut self, elapsed: u64) -> Result<()> {
        self.advance_time(elapsed)?;
        self.touch()
    }
}
