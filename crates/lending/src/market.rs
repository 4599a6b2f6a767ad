//! The shared vocabulary: what the orchestrator asks of any lending market without knowing which
//! protocol answers.
//!
//! Amounts are raw token units ([`U256`]); values are in the protocol's own unit of account
//! ([`ValueUnit`]), never converted, so each figure can be checked against the contract. Prices go
//! in as [`OraclePrice`]: a market liquidates on what its oracle says, not on what the asset trades
//! at.

use crate::Result;
use alloy_primitives::{Address, U256};
use faultline_core::OraclePrice;

/// The unit a protocol values collateral and debt in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ValueUnit {
    /// Raw units of the market's loan token (Morpho Blue).
    LoanToken,
    /// The oracle's base currency with this many decimals (Aave: USD with 8).
    BaseCurrency {
        /// Decimals of the base currency.
        decimals: u8,
    },
    /// The vault's unit of account with this many decimals (Euler v2).
    UnitOfAccount {
        /// Decimals of the unit of account.
        decimals: u8,
    },
}

/// An account's health as the protocol computes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Health {
    /// Collateral value, rounded as the protocol rounds it.
    pub collateral_value: U256,
    /// Collateral value weighted by the liquidation threshold (Aave LT, Morpho LLTV): the debt the
    /// account may carry before it can be liquidated.
    pub liquidation_value: U256,
    /// Debt value, rounded as the protocol rounds it.
    pub debt_value: U256,
    /// `liquidation_value / debt_value` in WAD as the protocol computes it; `U256::MAX` with no
    /// debt. Below `1e18` means liquidatable.
    pub health_factor: U256,
    /// Unit of the three values.
    pub unit: ValueUnit,
}

/// What a liquidator asks to repay or seize.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LiquidationAmount {
    /// Cover up to this much debt (raw debt-token units); the protocol caps it (Aave
    /// `debtToCover`, `U256::MAX` for "as much as allowed").
    Debt(U256),
    /// Seize exactly this much collateral (Morpho `seizedAssets`).
    Collateral(U256),
    /// Repay exactly these borrow shares (Morpho `repaidShares`).
    DebtShares(U256),
}

/// A liquidation request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiquidationRequest {
    /// The account being liquidated.
    pub borrower: Address,
    /// The collateral asset to seize.
    pub collateral_asset: Address,
    /// The debt asset to repay.
    pub debt_asset: Address,
    /// How much.
    pub amount: LiquidationAmount,
}

/// Who carries debt that no collateral is left to cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BadDebtBearer {
    /// No bad debt was realised.
    Nobody,
    /// Written off against suppliers at once: the supply share price falls (Morpho Blue, Euler).
    Suppliers,
    /// Booked as a reserve deficit that suppliers are not charged for (Aave v3.3+ `deficit`,
    /// covered by Umbrella).
    ProtocolDeficit,
    /// Absorbed by protocol reserves (Compound v3 `absorb`).
    Reserves,
}

/// What a liquidation did, in raw token units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Liquidation {
    /// Debt the liquidator repaid (debt-token units).
    pub debt_repaid: U256,
    /// Collateral taken from the borrower in total (collateral-token units), protocol fee included.
    pub collateral_seized: U256,
    /// Of the seized collateral, what the liquidator receives beyond the repaid debt's worth: the
    /// bonus (collateral-token units; rounded down).
    pub liquidator_bonus: U256,
    /// Of the seized collateral, what goes to the protocol (collateral-token units).
    pub protocol_fee: U256,
    /// Debt written off because no collateral is left (debt-token units).
    pub bad_debt: U256,
    /// Who carries `bad_debt`.
    pub bad_debt_bearer: BadDebtBearer,
    /// The borrower's remaining collateral in the seized asset.
    pub remaining_collateral: U256,
    /// The borrower's remaining debt in the repaid asset.
    pub remaining_debt: U256,
}

/// Interest rates, per year in WAD (`0.05e18` = 5%), as the protocol's rate model gives them now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rates {
    /// Borrow rate.
    pub borrow: U256,
    /// Supply rate.
    pub supply: U256,
}

/// A lending market (a Morpho Blue market, an Aave pool, ...) the orchestrator can drive.
///
/// Every state-changing method mirrors the contract's function, reverts included: an `Err` means
/// the contract would revert and the state is unchanged.
pub trait LendingMarket {
    /// Sets what the oracle reports for `asset`.
    fn set_oracle_price(&mut self, asset: Address, price: OraclePrice) -> Result<()>;
    /// The account's health at the current oracle prices.
    fn health(&self, account: Address) -> Result<Health>;
    /// How much more the account may borrow, in the market's [`ValueUnit`].
    fn borrowing_power(&self, account: Address) -> Result<U256>;
    /// Whether a liquidator may liquidate the account now.
    fn is_liquidatable(&self, account: Address) -> Result<bool>;
    /// The largest liquidation allowed now for this collateral/debt pair, as it would execute.
    fn max_liquidation(
        &self,
        borrower: Address,
        collateral_asset: Address,
        debt_asset: Address,
    ) -> Result<Liquidation>;
    /// Executes a liquidation.
    fn liquidate(&mut self, request: LiquidationRequest) -> Result<Liquidation>;
    /// Supplies `amount` of `asset` for lending; returns the amount credited.
    fn supply(&mut self, account: Address, asset: Address, amount: U256) -> Result<U256>;
    /// Withdraws supplied `asset`; fails when the market lacks the liquidity.
    fn withdraw(&mut self, account: Address, asset: Address, amount: U256) -> Result<U256>;
    /// Deposits `amount` of `asset` as collateral.
    fn supply_collateral(&mut self, account: Address, asset: Address, amount: U256) -> Result<()>;
    /// Borrows `amount` of `asset`, subject to health, liquidity and caps.
    fn borrow(&mut self, account: Address, asset: Address, amount: U256) -> Result<U256>;
    /// Repays up to `amount` of the account's `asset` debt; returns what was repaid.
    fn repay(&mut self, account: Address, asset: Address, amount: U256) -> Result<U256>;
    /// What lenders of `asset` could withdraw now (raw units).
    fn available_liquidity(&self, asset: Address) -> Result<U256>;
    /// Borrowed over supplied for `asset`, in WAD.
    fn utilisation(&self, asset: Address) -> Result<U256>;
    /// Current borrow and supply rates of `asset`.
    fn rates(&self, asset: Address) -> Result<Rates>;
    /// Lets `elapsed` seconds pass and accrues interest as the contract would on its next touch.
    fn accrue(&mut self, elapsed: u64) -> Result<()>;
}
