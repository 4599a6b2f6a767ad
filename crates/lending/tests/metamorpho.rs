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
        caps: vec![U256::ZERO],
        supply_queue: Vec::new(),
        fee_recipient: Address::ZERO,
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

mod queues {
    //! `_supplyMorpho` / `_withdrawMorpho` / `_maxDeposit` / `_simulateWithdrawMorpho` of
    //! morpho-org/metamorpho `src/MetaMorpho.sol` (v1.0 @ 163eb2a; `MetaMorphoV1_1.sol` runs the
    //! same flows), on USDC markets (6 decimals, so `DECIMALS_OFFSET` = 12) without interest.
    use super::*;
    use faultline_lending::{
        Error, Protocol,
        metamorpho::reason,
        morpho::{MarketState, Position},
    };

    const BOB: Address = Address::repeat_byte(0xB1);

    fn market(tag: u8) -> MorphoMarket {
        let params = MarketParams {
            loan_token: Address::repeat_byte(1),
            collateral_token: Address::repeat_byte(tag),
            oracle: Address::repeat_byte(3),
            irm: Address::ZERO,
            lltv: u(1_000_000_000_000_000_000 * 8 / 10),
        };
        MorphoMarket::create(params, Irm::None, ORACLE_PRICE_SCALE, 0).unwrap()
    }

    /// Market A capped at 100 USDC, then market B capped at 300 USDC, both in both queues.
    fn two_markets(version: VaultVersion) -> MetaMorphoVault {
        let mut vault = MetaMorphoVault::new(version, VAULT, 6, U256::ZERO).unwrap();
        vault.enable_market(market(0xA0), u(100 * USDC)).unwrap();
        vault.enable_market(market(0xB0), u(300 * USDC)).unwrap();
        vault
    }

    fn vault_supply(vault: &MetaMorphoVault, i: usize) -> U256 {
        let m = &vault.withdraw_queue[i];
        let s = m.state();
        faultline_core::math::morpho::to_assets_down(
            m.position(VAULT).supply_shares,
            s.total_supply_assets,
            s.total_supply_shares,
        )
        .unwrap()
    }

    /// Deposit 250: A takes its cap of 100, B the other 150. Shares: 250e6 · (0 + 1e12) / (0 + 1)
    /// = 250e18. Room left under the caps (`_maxDeposit`): (100 − 100) + (300 − 150) = 150, and
    /// `maxMint` = 150e6 · (250e18 + 1e12) / (250e6 + 1) = 150e18 (exact: 250e18 + 1e12 =
    /// 1e12 · (250e6 + 1)). A deposit of 151 finds no room: `AllCapsReached`, nothing changes.
    #[test]
    fn deposit_fills_the_supply_queue_cap_by_cap() {
        for version in [VaultVersion::V1_0, VaultVersion::V1_1] {
            let mut vault = two_markets(version);
            assert_eq!(vault.max_deposit().unwrap(), u(400 * USDC));
            let shares = vault.deposit(ALICE, u(250 * USDC)).unwrap();
            assert_eq!(shares, u(250_000_000_000_000_000_000));
            assert_eq!(vault.balance_of(ALICE), shares);
            assert_eq!(
                (vault_supply(&vault, 0), vault_supply(&vault, 1)),
                (u(100 * USDC), u(150 * USDC))
            );
            assert_eq!(vault.last_total_assets, u(250 * USDC));
            assert_eq!(vault.total_assets().unwrap(), u(250 * USDC));
            assert_eq!(vault.max_deposit().unwrap(), u(150 * USDC));
            assert_eq!(vault.max_mint().unwrap(), u(150_000_000_000_000_000_000));
            let before = vault.clone();
            assert_eq!(
                vault.deposit(BOB, u(151 * USDC)),
                Err(Error::revert(Protocol::MetaMorpho, reason::ALL_CAPS_REACHED))
            );
            assert_eq!(vault.balance_of(BOB), U256::ZERO);
            assert_eq!(vault.total_supply, before.total_supply);
            assert_eq!(vault_supply(&vault, 1), u(150 * USDC));
            // Exactly the room left fits.
            vault.deposit(BOB, u(150 * USDC)).unwrap();
            assert_eq!(vault.max_deposit().unwrap(), U256::ZERO);
        }
    }

    /// A market whose `supply` reverts (its supply shares would pass `uint128`: 100 assets mint
    /// 100 · (S + 1e6) / (A + 1) ≈ 100 shares on top of S = 2^128 − 51) is skipped, as the
    /// contract's try/catch does, and the deposit lands in the next market.
    #[test]
    fn a_reverting_market_is_skipped() {
        let mut vault = MetaMorphoVault::new(VaultVersion::V1_1, VAULT, 6, U256::ZERO).unwrap();
        let near_full = u(u128::MAX - 50);
        let state = MarketState {
            total_supply_assets: near_full,
            total_supply_shares: near_full,
            ..MarketState::default()
        };
        let full = MorphoMarket::from_state(
            *market(0xA0).params(),
            state,
            BTreeMap::new(),
            Irm::None,
            ORACLE_PRICE_SCALE,
            0,
        )
        .unwrap();
        vault.enable_market(full, u(u128::MAX)).unwrap();
        vault.enable_market(market(0xB0), u(300 * USDC)).unwrap();
        vault.deposit(ALICE, u(100)).unwrap();
        assert_eq!(vault.withdraw_queue[0].position(VAULT), Position::default());
        assert_eq!(vault_supply(&vault, 1), u(100));
    }

    /// After the 250 deposit a borrower takes 80 of A's 100: A can pay out 20, B its 150.
    /// `maxWithdraw(Alice)` = min(250, 20 + 150) = 170. Withdrawing 100 takes 20 from A, then 80
    /// from B, and burns ceil(100e6 · (250e18 + 1e12) / (250e6 + 1)) = 100e18 shares (exact, as
    /// above). Left: Alice's claim 150e18 · (150e6 + 1) / (150e18 + 1e12) = 150e6 (floor of
    /// 150e6 + (150e18 − 150e6·1e12)/(150e18 + 1e12) = 150e6 + 0), but only B's 70 is liquid:
    /// `maxWithdraw` = 70, `maxRedeem` = 70e6 · (150e18 + 1e12) / (150e6 + 1) = 70e18. Asking
    /// for 71 reverts `NotEnoughLiquidity`; Bob, without shares, reverts
    /// `ERC20InsufficientBalance` once the liquidity is there.
    #[test]
    fn withdraw_goes_down_the_queue_within_each_markets_liquidity() {
        for version in [VaultVersion::V1_0, VaultVersion::V1_1] {
            let mut vault = two_markets(version);
            vault.deposit(ALICE, u(250 * USDC)).unwrap();
            let a = &mut vault.withdraw_queue[0];
            a.supply_collateral(BORROWER, u(1000 * USDC)).unwrap();
            a.borrow(BORROWER, u(80 * USDC), U256::ZERO).unwrap();
            assert_eq!(vault.max_withdraw(ALICE).unwrap(), u(170 * USDC));
            let liquidity = vault.liquidity().unwrap();
            assert_eq!(liquidity.withdrawable, vec![u(20 * USDC), u(150 * USDC)]);
            assert_eq!(liquidity.stuck(), u(80 * USDC));
            let burnt = vault.withdraw(ALICE, u(100 * USDC)).unwrap();
            assert_eq!(burnt, u(100_000_000_000_000_000_000));
            assert_eq!(
                (vault_supply(&vault, 0), vault_supply(&vault, 1)),
                (u(80 * USDC), u(70 * USDC))
            );
            assert_eq!(vault.convert_to_assets(vault.balance_of(ALICE)).unwrap(), u(150 * USDC));
            assert_eq!(vault.max_withdraw(ALICE).unwrap(), u(70 * USDC));
            assert_eq!(vault.max_redeem(ALICE).unwrap(), u(70_000_000_000_000_000_000));
            assert_eq!(
                vault.withdraw(ALICE, u(71 * USDC)),
                Err(Error::revert(Protocol::MetaMorpho, reason::NOT_ENOUGH_LIQUIDITY))
            );
            assert_eq!(
                vault.withdraw(BOB, u(USDC)),
                Err(Error::revert(Protocol::MetaMorpho, reason::INSUFFICIENT_BALANCE))
            );
            assert_eq!(vault.redeem(ALICE, u(70_000_000_000_000_000_000)).unwrap(), u(70 * USDC));
            assert_eq!(vault.max_withdraw(ALICE).unwrap(), U256::ZERO);
            assert_eq!(vault.depositor_liquidity().unwrap().get(&ALICE), Some(&U256::ZERO));
        }
    }
}
