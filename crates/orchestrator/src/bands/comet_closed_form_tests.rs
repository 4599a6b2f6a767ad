//! Compound v3's closed form ([`CometMarket::liquidation_price`] through
//! [`super::liquidation_price`]) against the bisection on `isLiquidatable` it replaced, kept here
//! as the test oracle only. Random books of two collaterals (the asset and another), dust,
//! zero-decimal and wide-scale tokens included.

use super::{book::ClosedForm, least_healthy_price, liquidation_price, model};
use crate::Result;
use alloy_primitives::{Address, I256, U256};
use faultline_core::Price;
use faultline_lending::{
    cascade::{CascadeMarket, CometBook},
    comet::{CometAsset, CometConfig, CometMarket, RateCurve},
};
use proptest::prelude::*;

const ACCOUNT: Address = Address::repeat_byte(7);
const ASSET: Address = Address::repeat_byte(2);
const OTHER: Address = Address::repeat_byte(3);

/// The old `liquidation_price`: bisection on the test from the current price.
fn bisected(probe: &mut CometBook, x0: U256) -> Result<Option<U256>> {
    let price = |x| Price::new(x, 18).map_err(|e| model("m", e));
    let found = least_healthy_price(x0, |x| {
        probe.set_whole_price(ASSET, price(x)?).map_err(|e| model("m", e))?;
        Ok(!probe.liquidatable(ACCOUNT).map_err(|e| model("m", e))?)
    });
    probe.set_whole_price(ASSET, price(x0)?).map_err(|e| model("m", e))?;
    found
}

fn asset(asset: Address, decimals: u32, price: U256, factor: U256) -> CometAsset {
    CometAsset {
        asset,
        scale: U256::from(10u8).pow(U256::from(decimals)),
        price,
        borrow_collateral_factor: factor - U256::from(1u8),
        liquidate_collateral_factor: factor,
        liquidation_factor: factor,
    }
}

/// A market whose only borrower is [`ACCOUNT`], its asset priced at `x0` (18 decimals).
#[allow(clippy::too_many_arguments)]
fn book(
    decimals: u32,
    factor: U256,
    balance: U256,
    other_price: U256,
    other_balance: U256,
    principal: U256,
    x0: U256,
) -> CometBook {
    let flat = RateCurve {
        kink: U256::from(8u8) * U256::from(10u8).pow(U256::from(17u8)),
        base_per_year: U256::ZERO,
        slope_low_per_year: U256::ZERO,
        slope_high_per_year: U256::ZERO,
    };
    let wad = U256::from(10u8).pow(U256::from(18u8));
    let config = CometConfig {
        base_token: Address::repeat_byte(1),
        base_scale: U256::from(1_000_000u32),
        base_price: U256::from(100_000_000u32),
        store_front_price_factor: wad / U256::from(2u8),
        target_reserves: U256::ZERO,
        base_borrow_min: U256::ZERO,
        supply: flat,
        borrow: flat,
        assets: vec![
            asset(ASSET, decimals, x0 / U256::from(10_000_000_000u64), factor),
            asset(OTHER, 8, other_price, wad * U256::from(9u8) / U256::from(10u8)),
        ],
    };
    let mut market = CometMarket::new(config, U256::ZERO, 0).expect("a valid market");
    let principal = I256::try_from(principal).expect("small enough");
    market.set_base_principal(ACCOUNT, -principal);
    market.supply_collateral(ACCOUNT, 0, balance).expect("collateral");
    market.supply_collateral(ACCOUNT, 1, other_balance).expect("collateral");
    CometBook::new(market, vec![ACCOUNT])
}

/// A value spread over many magnitudes, with the edges (0, 1, 2) likely.
fn magnitude(max_bits: usize) -> impl Strategy<Value = U256> {
    prop_oneof![
        1 => Just(U256::ZERO),
        2 => Just(U256::from(1u8)),
        1 => Just(U256::from(2u8)),
        8 => (0..max_bits, any::<u128>()).prop_map(|(bits, v)| {
            if bits == 0 { U256::ZERO } else { U256::from(v) >> (128 - bits.min(128)) }
        }),
    ]
}

fn factor() -> impl Strategy<Value = U256> {
    let wad = 1_000_000_000_000_000_000u64;
    prop_oneof![
        Just(U256::from(1u8)),
        Just(U256::from(wad)),
        Just(U256::from(825_000_000_000_000_000u64)),
        (1..=wad).prop_map(U256::from),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn closed_form_equals_bisection(
        decimals in prop_oneof![Just(0u32), Just(6), Just(8), Just(18), 0u32..=30],
        factor in factor(),
        balance in magnitude(100),
        other_price in magnitude(48),
        other_balance in magnitude(64),
        principal in magnitude(100),
        x0 in magnitude(100),
    ) {
        let mut probe = book(decimals, factor, balance, other_price, other_balance, principal, x0);
        let mut oracle = probe.clone();
        let closed = liquidation_price("m", &mut probe, ASSET, ACCOUNT, x0);
        // Where the bisection answers, the closed form answers the same, bit for bit (the
        // bisection can overflow the test doubling its bracket above the root, where the
        // closed form, confirmed one raw unit either side, does not go).
        if let Ok(old) = bisected(&mut oracle, x0) {
            prop_assert_eq!(closed.ok(), Some(old));
            // The closed form itself, where it answers, is that root (not only after the
            // bisection caught a wrong candidate).
            if let (Some(root), Some(candidate)) = (old, probe.closed_price(ASSET, ACCOUNT)) {
                prop_assert_eq!(candidate, root);
            }
        }
    }
}

/// Hand case: 1 WETH-like token (18 decimals), liquidation factor 0.8, debt 1,000 USDC at $1,
/// nothing else. need = 1000e6·1e8/1e6 = 1e11 (8 decimals); v = ⌈1e11·1e18/0.8e18⌉ = 1.25e11;
/// p = ⌈1.25e11·1e18/1e18⌉ = 1.25e11, $1,250 with 8 decimals: 1,250e18 on the 18-decimal scale.
/// One raw unit below, the feed reads 1,249.99999999: ⌊⌊1e18·124999999999/1e18⌋·0.8⌋ =
/// 99,999,999,999 < 1e11, liquidatable.
#[test]
fn hand_computed_root() {
    let wad = U256::from(10u8).pow(U256::from(18u8));
    let mut probe = book(
        18,
        wad * U256::from(8u8) / U256::from(10u8),
        wad,
        U256::ZERO,
        U256::ZERO,
        U256::from(1_000_000_000u64),
        U256::from(2_000u32) * wad,
    );
    let root = U256::from(1_250u32) * wad;
    assert_eq!(probe.closed_price(ASSET, ACCOUNT), Some(root));
    let x0 = U256::from(2_000u32) * wad;
    assert_eq!(
        liquidation_price("m", &mut probe.clone(), ASSET, ACCOUNT, x0).expect("solves"),
        Some(root)
    );
    assert_eq!(bisected(&mut probe, x0).expect("solves"), Some(root));
}
