//! What Aave v3.2 to v3.6 pools read differently from v3.0/v3.1: eModes as reserve bitmaps, the
//! rate strategy V2's per-reserve data, the reserve deficit and virtual balance, and the rule
//! that picks the release (and so the rounding) of the pool.
//!
//! Bindings written from the published interfaces of `aave-dao/aave-v3-origin` 3.6.0 (`IPool.sol`:
//! `getEModeCategoryCollateralConfig`, `getEModeCategoryLabel`,
//! `getEModeCategoryCollateralBitmap`, `getEModeCategoryBorrowableBitmap`, `getReserveDeficit`,
//! `getVirtualUnderlyingBalance`, `RESERVE_INTEREST_RATE_STRATEGY`;
//! `IDefaultInterestRateStrategyV2.sol`: `getInterestRateData(reserve)` returning
//! `InterestRateDataRay`; `DataTypes.sol`: `CollateralConfig`, and `ReserveDataLegacy`, whose
//! layout is v3.0's `ReserveData`, so [`super::aave::AaveReserveData`] decodes it).
//!
//! The release rule, each step with its source:
//! - v3.2+ answers `getEModeCategoryCollateralBitmap` (eModes became reserve bitmaps in v3.2;
//!   `ReserveConfiguration.sol` 3.6.0: "an unoccupied hole of 8 bits from 168 to 175 left from pre
//!   3.2 eModeCategory"); the caller probes it.
//! - v3.4+ answers `RESERVE_INTEREST_RATE_STRATEGY()` (`DataTypes.sol` 3.6.0 on
//!   `ReserveDataLegacy.interestRateStrategyAddress`: "DEPRECATED on v3.4.0, should use the
//!   `RESERVE_INTEREST_RATE_STRATEGY` variable from the Pool contract"). Without it: v3.2/v3.3,
//!   whose rounding the model runs as `v3.3`.
//! - v3.5+ values an aToken balance as `floor(scaled · index)` and a variable-debt balance as
//!   `ceil(scaled · index)` where v3.4 rounds both half up (`docs/3.5/Aave-v3.5-features.md` of
//!   aave-v3-origin, "Rounding"). No getter tells them apart, so the tokens' own `balanceOf` is
//!   compared with both roundings on up to [`PROBES`] held balances ([`Evidence`]): a balance only
//!   one rounding gives decides; balances that disagree, or one that neither gives, fail the
//!   read. When every probed balance is the same either way (so is every balance written), the
//!   newer v3.5 is taken and the source reference says so.

use super::aave::{
    AaveEModeCategory, EModeRead, IAaveAToken, IAaveScaledToken, ReserveRead, UserRead,
};
use crate::{
    Error, Result,
    chain::Chain,
    multicall::{Call, decode, decode_outcome},
};
use alloy::{
    primitives::{Address, U256},
    sol,
};
use faultline_core::{Rounding, math::wad_ray::ray_mul};
use faultline_snapshot::AaveVersionSpec;
use std::collections::{BTreeMap, BTreeSet};

sol! {
    /// `DataTypes.CollateralConfig` (v3.2+).
    #[derive(Debug, PartialEq, Eq)]
    struct AaveCollateralConfig {
        uint16 ltv;
        uint16 liquidationThreshold;
        uint16 liquidationBonus;
    }

    /// `IDefaultInterestRateStrategyV2.InterestRateDataRay`.
    #[derive(Debug, PartialEq, Eq)]
    struct AaveInterestRateDataRay {
        uint256 optimalUsageRatio;
        uint256 baseVariableBorrowRate;
        uint256 variableRateSlope1;
        uint256 variableRateSlope2;
    }

    /// The v3.2+ `IPool` getters read here.
    interface IAavePoolV32 {
        function getEModeCategoryCollateralConfig(uint8 id) external view returns (AaveCollateralConfig memory);
        function getEModeCategoryLabel(uint8 id) external view returns (string memory);
        function getEModeCategoryCollateralBitmap(uint8 id) external view returns (uint128);
        function getEModeCategoryBorrowableBitmap(uint8 id) external view returns (uint128);
        function getEModeCategoryLtvzeroBitmap(uint8 id) external view returns (uint128);
        function getReserveDeficit(address asset) external view returns (uint256);
        function getVirtualUnderlyingBalance(address asset) external view returns (uint128);
        function RESERVE_INTEREST_RATE_STRATEGY() external view returns (address);
    }

    /// `IDefaultInterestRateStrategyV2.getInterestRateData`.
    interface IAaveRateStrategyV2 {
        function getInterestRateData(address reserve) external view returns (AaveInterestRateDataRay memory);
    }
}

/// How many held balances the v3.4 / v3.5 rule compares at most.
pub const PROBES: usize = 64;

/// The pool release as far as its reading and rounding go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Release {
    /// v3.0 / v3.1: an eMode category per reserve.
    V3_0,
    /// v3.2 / v3.3: eMode bitmaps, strategy address per reserve, half-up balances.
    V3_2,
    /// v3.4: `RESERVE_INTEREST_RATE_STRATEGY`, half-up balances.
    V3_4,
    /// v3.5 / v3.6: floor (aToken) / ceil (debt) balances.
    V3_5,
}

impl Release {
    /// The snapshot's version (whose rounding the model runs): v3.0-v3.3 → v3.3, v3.4 → v3.4,
    /// v3.5/v3.6 → v3.5.
    pub const fn spec(self) -> AaveVersionSpec {
        match self {
            Self::V3_0 | Self::V3_2 => AaveVersionSpec::V3_3,
            Self::V3_4 => AaveVersionSpec::V3_4,
            Self::V3_5 => AaveVersionSpec::V3_5,
        }
    }

    /// eModes as reserve bitmaps.
    pub fn bitmaps(self) -> bool {
        self != Self::V3_0
    }

    /// The rounding of an aToken's and a variable-debt token's `balanceOf`.
    pub const fn balance_rounding(self) -> (Rounding, Rounding) {
        match self {
            Self::V3_5 => (Rounding::Down, Rounding::Up),
            _ => (Rounding::HalfUp, Rounding::HalfUp),
        }
    }
}

/// The reserve ids set in an eMode bitmap (bit `i` = reserve `i`), below `count` reserves; a bit
/// at or above `count` is an error naming the category.
pub fn bitmap_reserves(what: &str, bitmap: u128, count: usize) -> Result<Vec<u16>> {
    let mut out = Vec::new();
    for i in 0..128u16 {
        if bitmap >> i & 1 == 1 {
            if usize::from(i) >= count {
                return Err(Error::invalid(
                    what,
                    format!("bits of the pool's {count} reserves"),
                    format!("bit {i} set ({bitmap:#x})"),
                ));
            }
            out.push(i);
        }
    }
    Ok(out)
}

/// What the held balances say about v3.4 against v3.5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Evidence {
    /// Balances only half-up rounding gives.
    pub half_up: usize,
    /// Balances only v3.5's floor (aToken) / ceil (debt) gives.
    pub directed: usize,
    /// Balances both give.
    pub either: usize,
}

impl Evidence {
    /// Adds one balance: `balance_of` as the token reads, for `scaled` at `index`; `debt` for a
    /// variable-debt token (v3.5 rounds it up), else an aToken (v3.5 rounds it down).
    pub fn add(
        &mut self,
        what: &str,
        scaled: U256,
        index: U256,
        debt: bool,
        balance_of: U256,
    ) -> Result<()> {
        let err = |e| Error::invalid(what, "", e);
        let half = ray_mul(scaled, index, Rounding::HalfUp).map_err(err)?;
        let dir = if debt { Rounding::Up } else { Rounding::Down };
        let directed = ray_mul(scaled, index, dir).map_err(err)?;
        match (balance_of == half, balance_of == directed) {
            (true, true) => self.either += 1,
            (true, false) => self.half_up += 1,
            (false, true) => self.directed += 1,
            (false, false) => {
                return Err(Error::inconsistent(
                    format!("{what}: balanceOf against rayMul(scaled {scaled}, index {index})"),
                    format!("{half} (half up, v3.2-v3.4) or {directed} (v3.5+)"),
                    balance_of,
                ));
            }
        }
        Ok(())
    }

    /// The release of a pool that answers `RESERVE_INTEREST_RATE_STRATEGY` (v3.4+).
    pub fn release(self, pool: &str) -> Result<Release> {
        match (self.half_up, self.directed) {
            (0, _) => Ok(Release::V3_5),
            (_, 0) => Ok(Release::V3_4),
            (h, d) => Err(Error::inconsistent(
                format!("balance rounding of Aave pool {pool}"),
                "one rounding for every balance (half up: v3.4; floor/ceil: v3.5+)",
                format!("{h} balance(s) half up and {d} floor/ceil"),
            )),
        }
    }
}

/// v3.2+ round 3: per reserve its tokens' scaled totals and treasury, its rate strategy V2's
/// `getInterestRateData(asset)` (RAY) from `strategy` (v3.4+'s `RESERVE_INTEREST_RATE_STRATEGY`)
/// or else the reserve's `interestRateStrategyAddress`, its `getVirtualUnderlyingBalance` and its
/// `getReserveDeficit` (`None` where the getter reverts: v3.2 has none). Stable debt is gone
/// from v3.2 on, so none is read (`stable_debt_total` stays 0).
pub(super) async fn read_reserves(
    chain: &Chain,
    pool: Address,
    strategy: Option<Address>,
    reserves: &mut [ReserveRead],
) -> Result<()> {
    const PER_TOKEN: usize = 4;
    let mut calls = Vec::with_capacity(reserves.len() * PER_TOKEN);
    let mut extra = Vec::with_capacity(reserves.len() * 2);
    for r in reserves.iter() {
        let (a, v, asset) = (r.data.aTokenAddress, r.data.variableDebtTokenAddress, r.asset);
        let k = strategy.unwrap_or(r.data.interestRateStrategyAddress);
        calls.push(Call::new(
            format!("aToken({a}).scaledTotalSupply"),
            a,
            &IAaveScaledToken::scaledTotalSupplyCall {},
        ));
        calls.push(Call::new(
            format!("aToken({a}).RESERVE_TREASURY_ADDRESS"),
            a,
            &IAaveAToken::RESERVE_TREASURY_ADDRESSCall {},
        ));
        calls.push(Call::new(
            format!("variableDebtToken({v}).scaledTotalSupply"),
            v,
            &IAaveScaledToken::scaledTotalSupplyCall {},
        ));
        calls.push(Call::new(
            format!("rateStrategy({k}).getInterestRateData({asset})"),
            k,
            &IAaveRateStrategyV2::getInterestRateDataCall { reserve: asset },
        ));
        extra.push(Call::new(
            format!("pool({pool}).getVirtualUnderlyingBalance({asset})"),
            pool,
            &IAavePoolV32::getVirtualUnderlyingBalanceCall { asset },
        ));
        extra.push(Call::new(
            format!("pool({pool}).getReserveDeficit({asset})"),
            pool,
            &IAavePoolV32::getReserveDeficitCall { asset },
        ));
    }
    let data = chain.call_all(&calls).await?;
    let extras = chain.call_many(&extra).await?;
    for (i, r) in reserves.iter_mut().enumerate() {
        let at = |k: usize| (&calls[PER_TOKEN * i + k].label, &data[PER_TOKEN * i + k]);
        let (l, d) = at(0);
        r.a_scaled_total = decode::<IAaveScaledToken::scaledTotalSupplyCall>(l, d)?;
        let (l, d) = at(1);
        r.treasury = decode::<IAaveAToken::RESERVE_TREASURY_ADDRESSCall>(l, d)?;
        let (l, d) = at(2);
        r.debt_scaled_total = decode::<IAaveScaledToken::scaledTotalSupplyCall>(l, d)?;
        let (l, d) = at(3);
        let rates: AaveInterestRateDataRay =
            decode::<IAaveRateStrategyV2::getInterestRateDataCall>(l, d)?;
        r.rates.optimal_usage_ratio = rates.optimalUsageRatio;
        r.rates.base_variable_borrow_rate = rates.baseVariableBorrowRate;
        r.rates.variable_rate_slope1 = rates.variableRateSlope1;
        r.rates.variable_rate_slope2 = rates.variableRateSlope2;
        let virt = decode_outcome::<IAavePoolV32::getVirtualUnderlyingBalanceCall>(
            &extra[2 * i].label,
            &extras[2 * i],
        )?;
        r.virtual_balance = Some(U256::from(virt));
        r.deficit = decode_outcome::<IAavePoolV32::getReserveDeficitCall>(
            &extra[2 * i + 1].label,
            &extras[2 * i + 1],
        )
        .ok();
    }
    Ok(())
}

/// v3.2+ eModes: every category id 1..=255 whose `getEModeCategoryCollateralConfig` has a
/// liquidation threshold (a configured category; `configureEModeCategory` requires one) or that an
/// account in `used` is in, with its label and its collateral and borrowable bitmaps decoded. A
/// category whose `getEModeCategoryLtvzeroBitmap` (the 3.6.0 IPool; absent before, so a revert
/// reads as none) names a reserve is refused: those collaterals have LTV 0 in the category, and
/// the snapshot's eMode has one LTV for all its collateral.
pub(super) async fn read_e_modes(
    chain: &Chain,
    pool: Address,
    reserve_count: usize,
    used: &BTreeSet<u8>,
) -> Result<Vec<EModeRead>> {
    let configs: Vec<Call> = (1..=255u8)
        .map(|id| {
            Call::new(
                format!("pool({pool}).getEModeCategoryCollateralConfig({id})"),
                pool,
                &IAavePoolV32::getEModeCategoryCollateralConfigCall { id },
            )
        })
        .collect();
    let data = chain.call_all(&configs).await?;
    let mut found = Vec::new();
    for ((id, call), d) in (1..=255u8).zip(&configs).zip(&data) {
        let c = decode::<IAavePoolV32::getEModeCategoryCollateralConfigCall>(&call.label, d)?;
        if c.liquidationThreshold != 0 || used.contains(&id) {
            found.push((id, c));
        }
    }
    const PER: usize = 3;
    let mut calls = Vec::with_capacity(found.len() * PER);
    for (id, _) in &found {
        let id = *id;
        calls.push(Call::new(
            format!("pool({pool}).getEModeCategoryLabel({id})"),
            pool,
            &IAavePoolV32::getEModeCategoryLabelCall { id },
        ));
        calls.push(Call::new(
            format!("pool({pool}).getEModeCategoryCollateralBitmap({id})"),
            pool,
            &IAavePoolV32::getEModeCategoryCollateralBitmapCall { id },
        ));
        calls.push(Call::new(
            format!("pool({pool}).getEModeCategoryBorrowableBitmap({id})"),
            pool,
            &IAavePoolV32::getEModeCategoryBorrowableBitmapCall { id },
        ));
    }
    let data = chain.call_all(&calls).await?;
    let ltvzero: Vec<Call> = found
        .iter()
        .map(|(id, _)| {
            Call::new(
                format!("pool({pool}).getEModeCategoryLtvzeroBitmap({id})"),
                pool,
                &IAavePoolV32::getEModeCategoryLtvzeroBitmapCall { id: *id },
            )
        })
        .collect();
    let zeros = chain.call_many(&ltvzero).await?;
    for ((id, _), (call, outcome)) in found.iter().zip(ltvzero.iter().zip(&zeros)) {
        let bitmap =
            decode_outcome::<IAavePoolV32::getEModeCategoryLtvzeroBitmapCall>(&call.label, outcome)
                .unwrap_or(0);
        if bitmap != 0 {
            return Err(Error::invalid(
                format!("eMode {id} of Aave pool {pool}: getEModeCategoryLtvzeroBitmap"),
                "0 (the snapshot's eMode has one LTV for all its collateral)",
                format!("{bitmap:#x} (reserves with LTV 0 in the category)"),
            ));
        }
    }
    let mut out = Vec::with_capacity(found.len());
    for (i, (id, c)) in found.into_iter().enumerate() {
        let at = |k: usize| (&calls[PER * i + k].label, &data[PER * i + k]);
        let (l, d) = at(0);
        let label = decode::<IAavePoolV32::getEModeCategoryLabelCall>(l, d)?;
        let (l, d) = at(1);
        let collateral = decode::<IAavePoolV32::getEModeCategoryCollateralBitmapCall>(l, d)?;
        let (l, d) = at(2);
        let borrowable = decode::<IAavePoolV32::getEModeCategoryBorrowableBitmapCall>(l, d)?;
        let what = |kind: &str| format!("{kind} bitmap of eMode {id} of Aave pool {pool}");
        out.push(EModeRead {
            id,
            data: AaveEModeCategory {
                ltv: c.ltv,
                liquidationThreshold: c.liquidationThreshold,
                liquidationBonus: c.liquidationBonus,
                priceSource: Address::ZERO,
                label,
            },
            collateral: bitmap_reserves(&what("collateral"), collateral, reserve_count)?,
            borrowable: bitmap_reserves(&what("borrowable"), borrowable, reserve_count)?,
        });
    }
    Ok(out)
}

/// v3.4+ only: the tokens' own `balanceOf` for up to [`PROBES`] held balances, compared with both
/// roundings ([`Evidence`]).
pub(super) async fn probe_rounding(
    chain: &Chain,
    reserves: &[ReserveRead],
    users: &BTreeMap<Address, UserRead>,
) -> Result<Evidence> {
    let mut held = Vec::new();
    'outer: for (user, u) in users {
        for (id, (a, d)) in &u.scaled {
            let r = &reserves[usize::from(*id)];
            for (scaled, debt, token, index) in [
                (*a, false, r.data.aTokenAddress, r.normalized_income),
                (*d, true, r.data.variableDebtTokenAddress, r.normalized_variable_debt),
            ] {
                if held.len() == PROBES {
                    break 'outer;
                }
                if !scaled.is_zero() {
                    held.push((
                        Call::new(
                            format!("token({token}).balanceOf({user})"),
                            token,
                            &IAaveScaledToken::balanceOfCall { user: *user },
                        ),
                        scaled,
                        index,
                        debt,
                    ));
                }
            }
        }
    }
    let calls: Vec<Call> = held.iter().map(|h| h.0.clone()).collect();
    let data = chain.call_all(&calls).await?;
    let mut evidence = Evidence::default();
    for ((call, scaled, index, debt), d) in held.iter().zip(&data) {
        let balance = decode::<IAaveScaledToken::balanceOfCall>(&call.label, d)?;
        evidence.add(&call.label, *scaled, *index, *debt, balance)?;
    }
    Ok(evidence)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bitmap_bits_are_reserve_ids() {
        // 0b1010_0001: reserves 0, 5 and 7.
        assert_eq!(bitmap_reserves("eMode 1", 0b1010_0001, 8).unwrap(), vec![0, 5, 7]);
        assert_eq!(bitmap_reserves("eMode 1", 1 << 127, 128).unwrap(), vec![127]);
        assert!(bitmap_reserves("eMode 1", 0, 3).unwrap().is_empty());
        let err = bitmap_reserves("eMode 2", 0b1000, 3).unwrap_err().to_string();
        assert!(err.contains("eMode 2") && err.contains("bit 3"), "{err}");
    }

    #[test]
    fn releases_map_to_the_snapshot_versions() {
        assert_eq!(Release::V3_0.spec(), AaveVersionSpec::V3_3);
        assert_eq!(Release::V3_2.spec(), AaveVersionSpec::V3_3);
        assert_eq!(Release::V3_4.spec(), AaveVersionSpec::V3_4);
        assert_eq!(Release::V3_5.spec(), AaveVersionSpec::V3_5);
    }

    #[test]
    fn balance_rounding_tells_v3_4_from_v3_5() {
        let ray = U256::from(10u64).pow(U256::from(27u8));
        // Index 1.5 RAY, scaled 3: 4.5 exactly, half up 5, floor 4, ceil 5.
        let index = ray * U256::from(3u8) / U256::from(2u8);
        let three = U256::from(3u8);
        let mut e = Evidence::default();
        e.add("aToken", three, index, false, U256::from(5u8)).unwrap();
        assert_eq!(e.release("p").unwrap(), Release::V3_4);
        let mut e = Evidence::default();
        e.add("aToken", three, index, false, U256::from(4u8)).unwrap();
        // A debt of 4.5 is 5 either way: no evidence, still v3.5.
        e.add("debt", three, index, true, U256::from(5u8)).unwrap();
        assert_eq!(e, Evidence { half_up: 0, directed: 1, either: 1 });
        assert_eq!(e.release("p").unwrap(), Release::V3_5);
        // Both kinds of evidence, or a balance neither rounding gives, fail.
        e.add("aToken", three, index, false, U256::from(5u8)).unwrap();
        assert!(e.release("p").unwrap_err().to_string().contains("1 balance(s) half up"));
        let err = Evidence::default()
            .add("aToken x", three, index, false, U256::from(6u8))
            .unwrap_err()
            .to_string();
        assert!(err.contains("aToken x") && err.contains("found 6"), "{err}");
        // Nothing decisive: v3.5 (every balance is the same either way).
        assert_eq!(Evidence::default().release("p").unwrap(), Release::V3_5);
    }
}
