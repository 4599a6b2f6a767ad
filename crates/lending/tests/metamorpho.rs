//! MetaMorpho v1.0 vs v1.1 on bad debt, and withdrawable liquidity, on a market whose own
//! behaviour is checked against the real Morpho Blue (`morpho_differential.rs`). Expected values
//! follow by hand from the market's outcome (written out below).

use alloy_primitives::{Address, U256};
use faultline_lending::{
    metamorpho::{MetaMorphoVault, VaultVersion},
    morpho::{Irm, MarketParams, MorphoMarket, ORACLE_PRICE_SCALE},
};
use std::collections::BTreeMap;

const VAULT: Address = Address::repeat_byte(0x7A);
const ALICE: Address = Address::repeat_byte(0xA1);
const BORROWER: Address = Address::repeat_byte(0xB0);
const USDC: u128 = 1_000_000;

fn u(v: u128) -> U256 {
    U256::from(v)
}

/// The vault supplied 1,000 USDC, the only supply; a borrower took `borrowed` against 1,000 units
/// of collateral at price 1. Alice owns every vault share: 1,000e6 · (0 + 1e12) / (0 + 1) = 1e21.
fn setup(version: VaultVersion, borrowed: u128) -> MetaMorphoVault {
    let params = MarketParams {
        loan_token: Address::repeat_byte(1),
        collateral_token: Address::repeat_byte(2),
        oracle: Address::repeat_byte(3),
        irm: Address::ZERO,
        lltv: u(1_000_000_000_000_000_000 * 8 / 10),
    };
    let mut market = MorphoMarket::create(params, Irm::None, ORACLE_PRICE_SCALE, 0).unwrap();
    market.supply(VAULT, u(1000 * USDC), U256::ZERO).unwrap();
    market.supply_collateral(BORROWER, u(1000 * USDC)).unwrap();
    market.borrow(BORROWER, u(borrowed), U256::ZERO).unwrap();
    MetaMorphoVault {
        version,
        address: VAULT,
        decimals_offset: 12,
        fee: U256::ZERO,
        total_supply: u(1_000_000_000_000_000_000_000),
        last_total_assets: u(1000 * USDC),
        lost_assets: U256::ZERO,
        withdraw_queue: vec![market],
        balances: BTreeMap::from([(ALICE, u(1_000_000_000_000_000_000_000))]),
    }
}

#[test]
fn at_full_utilisation_depositors_cannot_leave() {
    let vault = setup(VaultVersion::V1_1, 1000 * USDC * 8 / 10);
    // 800 of 1,000 lent: 200 can leave.
    assert_eq!(vault.max_withdraw(ALICE).unwrap(), u(200 * USDC));
    // Alice's claim: 1e21 · (1e9 + 1) / (1e21 + 1e12) = (1e30 + 1e21) / (1e21 + 1e12) = 1e9 exactly.
    assert_eq!(vault.convert_to_assets(u(1_000_000_000_000_000_000_000)).unwrap(), u(1000 * USDC));
}

/// The price halves and the borrower is liquidated entirely: the market writes off `bad` against
/// its only supplier, the vault. v1.0: totalAssets = 1,000e6 − bad and Alice's claim falls with it.
/// v1.1: totalAssets stays at 1,000e6 with lostAssets = bad, Alice's claim is unchanged, but only
/// 1,000e6 − bad can be withdrawn: the gap is unbacked.
#[test]
fn bad_debt_v1_0_writes_down_v1_1_books_lost_assets() {
    for version in [VaultVersion::V1_0, VaultVersion::V1_1] {
        let mut vault = setup(version, 700 * USDC);
        let market = &mut vault.withdraw_queue[0];
        market.set_price(ORACLE_PRICE_SCALE / u(2));
        let out = market.liquidate(BORROWER, u(1000 * USDC), U256::ZERO).unwrap();
        let bad = out.bad_debt_assets;
        assert!(!bad.is_zero());
        // The vault's supply assets: 1,000e6 − bad (its shares are the market's only supply).
        let real = market.state().total_supply_assets;
        assert_eq!(real, u(1000 * USDC) - bad);
        let all = u(1_000_000_000_000_000_000_000);
        match version {
            VaultVersion::V1_0 => {
                assert_eq!(vault.total_assets().unwrap(), real);
                // 1e21 · (r + 1) / (1e21 + 1e12) = r + (1e21 − r·1e12) / (1e21 + 1e12): floors to r
                // for r < 1e9.
                assert_eq!(vault.convert_to_assets(all).unwrap(), real);
            }
            VaultVersion::V1_1 => {
                let (_, total, lost) = vault.accrued_fee_and_assets().unwrap();
                assert_eq!((total, lost), (u(1000 * USDC), bad));
                assert_eq!(vault.convert_to_assets(all).unwrap(), u(1000 * USDC));
            }
        }
        // Either way only what the market holds can leave: all of it is idle now.
        assert_eq!(
            vault.max_withdraw(ALICE).unwrap(),
            vault.convert_to_assets(all).unwrap().min(real)
        );
    }
}
