//! Aave v3.2 to v3.6 pools read back through the on-chain reader, on anvil.
//!
//! No compiled v3.2+ pool is published on npm, so the pool is our stand-in
//! `crates/test-support/solidity/AaveV33Like.sol`: the published IPool view ABI of aave-v3-origin
//! 3.6.0 (plus the oracle's, addresses provider's and rate strategy V2's getters), our code,
//! answering state this test sets. What it proves: the reader speaks the v3.2+ ABI (eModes by
//! `getEModeCategoryCollateralConfig`, labels and the collateral/borrowable bitmaps, rates by
//! `getInterestRateData(reserve)` from the reserve's strategy or from
//! `RESERVE_INTEREST_RATE_STRATEGY`, deficit and virtual balance), every field read equals the
//! set-up, the bitmaps decode to the right reserves, the release rule picks v3.3 / v3.4 / v3.5
//! from what each release answers and how its tokens round `balanceOf`, every balance written
//! equals the token's own `balanceOf`, and the stress engine builds and runs on the snapshot. It
//! does not prove the real pool's health factors (a stand-in has no `getUserAccountData`): the
//! v3.0 test (`tests/aave.rs`, the real compiled pool) does that.

mod common;

use alloy::{
    primitives::{Address, U256},
    sol,
    sol_types::SolCall,
};
use common::*;
use faultline_onchain::{
    Chain, Config, Endpoint,
    multicall::{Call, decode},
    readers::aave::{IAavePool, IAaveScaledToken},
    snapshot::{Request, Target, snapshot},
};
use faultline_orchestrator::{Scenario, position::aave_pool, run};
use faultline_snapshot::{AaveVersionSpec, LendingProtocolSpec, Raw, Snapshot};
use faultline_test_support::lenders_chain::{Coin, deploy_token};
use rust_decimal::Decimal;

sol! {
    /// `AaveV33Like.setRelease` (ours).
    function setRelease(uint8 r) external;
    /// `AaveV33Like.addReserve` (ours).
    function addReserve(address asset, uint256 configuration, uint256[2] indexes, uint256[4] rateData, uint256 price_, uint256 deficit_, uint128 virtualBalance_, address treasury) external;
    /// `AaveV33Like.setEMode` (ours).
    function setEMode(uint8 id, uint16 ltv, uint16 lt, uint16 lb, string label, uint128 collateral, uint128 borrowable) external;
    /// `AaveV33Like.setLtvzero` (ours).
    function setLtvzero(uint8 id, uint128 bitmap) external;
    /// `AaveV33Like.setUser` (ours).
    function setUser(address user, uint8 eMode, uint256 configuration, address asset, uint256 scaledA, uint256 scaledD) external;
}

const SOURCE: &str = "crates/test-support/solidity/AaveV33Like.sol";
const E18: u128 = 1_000_000_000_000_000_000;

fn ray_milli(per_mille: u64) -> U256 {
    U256::from(per_mille) * U256::from(10u8).pow(U256::from(24u8))
}

/// A reserve: symbol, decimals, price (8 decimals), LTV, LT, bonus, reserve factor, protocol fee.
struct Reserve {
    symbol: &'static str,
    decimals: u8,
    price: u64,
    risk: (u16, u16, u16),
    reserve_factor: u16,
    fee: u16,
}

const RESERVES: [Reserve; 3] = [
    Reserve {
        symbol: "WETH",
        decimals: 18,
        price: 200_000_000_000,
        risk: (8_000, 8_250, 10_500),
        reserve_factor: 1_500,
        fee: 1_000,
    },
    Reserve {
        symbol: "USDC",
        decimals: 6,
        price: 100_000_000,
        risk: (7_700, 8_000, 10_450),
        reserve_factor: 1_000,
        fee: 1_000,
    },
    Reserve {
        symbol: "DAI",
        decimals: 18,
        price: 99_980_000,
        risk: (7_500, 8_000, 10_500),
        reserve_factor: 1_000,
        fee: 500,
    },
];

/// The configuration word, field by field at `ReserveConfiguration.sol`'s positions (3.6.0):
/// LTV 0, LT 16, bonus 32, decimals 48, active 56, borrowing 58, reserve factor 64, fee 152.
fn configuration(r: &Reserve) -> U256 {
    let u = |v: u64| U256::from(v);
    u(r.risk.0.into())
        | u(r.risk.1.into()) << 16
        | u(r.risk.2.into()) << 32
        | u(r.decimals.into()) << 48
        | u(1) << 56
        | u(1) << 58
        | u(r.reserve_factor.into()) << 64
        | u(r.fee.into()) << 152
}

/// Uneven indexes (1.05... and 1.1... RAY) so that half-up and floor/ceil balances differ.
fn indexes(k: usize) -> [U256; 2] {
    let k = U256::from(k);
    [
        U256::from(1_050_000_000_123_456_789_012_345_677u128) + k,
        U256::from(1_100_000_000_987_654_321_098_765_431u128) + k,
    ]
}

fn rates(k: usize) -> [U256; 4] {
    [ray_milli(800 + 50 * k as u64), ray_milli(k as u64), ray_milli(40), ray_milli(750)]
}

/// Account `i`: supplies reserve `i % 3` as collateral, borrows reserve `(i + 1) % 3` (not
/// account 0), odd scaled amounts; eMode 1 for USDC suppliers borrowing DAI, eMode 2 for WETH.
fn user(i: usize) -> (Address, u8, usize, U256, usize, U256) {
    let account = Address::with_last_byte(0x40 + i as u8);
    let (c, d) = (i % 3, (i + 1) % 3);
    let whole = [5u128, 9_000, 9_000][c] * (1 + i as u128);
    let scaled_a = U256::from(whole) * U256::from(10u128.pow(RESERVES[c].decimals.into()))
        + U256::from(7 + 3 * i as u64);
    // About a third of the collateral's value, in the debt token: WETH → USDC at 600 per WETH,
    // USDC → DAI at a third, DAI → WETH at one per 6,000 (WETH $2,000, the others about $1).
    let debt_whole = match c {
        0 => whole * 600,
        1 => whole / 3,
        _ => (whole / 6_000).max(1),
    };
    let scaled_d = if i == 0 {
        U256::ZERO
    } else {
        U256::from(debt_whole) * U256::from(10u128.pow(RESERVES[d].decimals.into()))
            + U256::from(11 + 5 * i as u64)
    };
    let e_mode = match c {
        0 => 2,
        1 if d == 2 => 1,
        _ => 0,
    };
    (account, e_mode, c, scaled_a, d, scaled_d)
}

const USERS: usize = 12;

/// Deploys a stand-in pool answering as `release` (2 = v3.2 ... 5 = v3.5+), with the reserves,
/// eModes 1 (USDC, DAI both ways) and 2 (WETH collateral, USDC borrowable) and the users.
async fn deploy(evm: &Evm, release: u8, tokens: &[Address]) -> Address {
    let pool = evm.deploy(code(SOURCE, "AaveV33Like")).await.expect("deploy the stand-in");
    evm.send(pool, setReleaseCall { r: release }.abi_encode().into()).await.expect("release");
    for (k, (r, token)) in RESERVES.iter().zip(tokens).enumerate() {
        let call = addReserveCall {
            asset: *token,
            configuration: configuration(r),
            indexes: indexes(k),
            rateData: rates(k),
            price_: U256::from(r.price),
            deficit_: U256::from(1_000 + k as u64),
            virtualBalance_: 5_000 + k as u128,
            treasury: Address::repeat_byte(0x7e),
        };
        evm.send(pool, call.abi_encode().into()).await.expect("addReserve");
    }
    for (id, risk, label, collateral, borrowable) in [
        (1u8, (9_300, 9_500, 10_100), "Stablecoins", 0b110u128, 0b110u128),
        (2, (8_500, 8_800, 10_400), "ETH", 0b001, 0b010),
    ] {
        let call = setEModeCall {
            id,
            ltv: risk.0,
            lt: risk.1,
            lb: risk.2,
            label: label.into(),
            collateral,
            borrowable,
        };
        evm.send(pool, call.abi_encode().into()).await.expect("setEMode");
    }
    for i in 0..USERS {
        let (account, e_mode, c, a, d, debt) = user(i);
        let collateral_bit = U256::from(1u8) << (2 * c + 1);
        let borrow_bit = if debt.is_zero() { U256::ZERO } else { U256::from(1u8) << (2 * d) };
        for (k, scaled_a, scaled_d) in [(c, a, U256::ZERO), (d, U256::ZERO, debt)] {
            let call = setUserCall {
                user: account,
                eMode: e_mode,
                configuration: collateral_bit | borrow_bit,
                asset: tokens[k],
                scaledA: scaled_a,
                scaledD: scaled_d,
            };
            evm.send(pool, call.abi_encode().into()).await.expect("setUser");
        }
    }
    pool
}

/// Reads `pool` and checks every field against the set-up and the tokens' `balanceOf`.
async fn read_and_check(
    chain: &Chain,
    pool: Address,
    tokens: &[Address],
    version: AaveVersionSpec,
    deficit: bool,
) -> Snapshot {
    let snap = snapshot(chain, &Request::new(vec![Target::AaveV3(pool)]), &mut |_| {})
        .await
        .expect("snapshot of a v3.2+ pool");
    let text = serde_json::to_string_pretty(&snap).expect("json");
    assert_eq!(Snapshot::from_json(&text).expect("valid snapshot"), snap);
    let market = &snap.lending_markets[0];
    let LendingProtocolSpec::AaveV3(m) = &market.protocol else { panic!("an Aave market") };
    assert_eq!(m.version, version, "release rule of pool {pool}");
    let reference = &market.source.reference;
    assert_eq!(reference.contains("getReserveDeficit("), deficit, "{reference}");
    if deficit {
        assert!(reference.contains(&format!("getReserveDeficit({}) = 1001", tokens[1])));
    }
    assert!(reference.contains(&format!("getVirtualUnderlyingBalance({}) = 5002", tokens[2])));

    for (k, (r, s)) in m.reserves.iter().zip(&RESERVES).enumerate() {
        assert_eq!(r.token, s.symbol, "getReservesList order");
        assert_eq!(r.decimals, s.decimals);
        assert_eq!((r.ltv, r.liquidation_threshold, r.liquidation_bonus), s.risk);
        assert_eq!((r.reserve_factor, r.liquidation_protocol_fee), (s.reserve_factor, s.fee));
        assert!(r.borrowing_enabled);
        let got = r.rate_strategy.as_ref().expect("rate strategy");
        assert_eq!(
            [
                got.optimal_usage_ratio,
                got.base_variable_borrow_rate,
                got.variable_rate_slope1,
                got.variable_rate_slope2
            ],
            rates(k).map(Raw)
        );
        let oracle = snap.oracles.iter().find(|o| o.id == r.oracle).expect("oracle");
        assert_eq!(oracle.price, Decimal::new(s.price as i64, 8));
    }
    let e: Vec<_> = m
        .e_modes
        .iter()
        .map(|e| {
            (
                e.id,
                e.label.as_str(),
                (e.ltv, e.liquidation_threshold, e.liquidation_bonus),
                e.collateral.join(","),
                e.borrowable.join(","),
            )
        })
        .collect();
    assert_eq!(
        e,
        [
            (1, "Stablecoins", (9_300, 9_500, 10_100), "USDC,DAI".into(), "USDC,DAI".into()),
            (2, "ETH", (8_500, 8_800, 10_400), "WETH".into(), "USDC".into()),
        ]
    );

    // Positions: eMode and collateral flags as set, balances equal to the tokens' balanceOf.
    assert_eq!(m.positions.len(), USERS);
    let data: Vec<_> = {
        let calls: Vec<Call> = tokens
            .iter()
            .map(|a| {
                Call::new("getReserveData", pool, &IAavePool::getReserveDataCall { asset: *a })
            })
            .collect();
        let out = chain.call_all(&calls).await.expect("reserve data");
        calls
            .iter()
            .zip(&out)
            .map(|(c, d)| decode::<IAavePool::getReserveDataCall>(&c.label, d).expect("decode"))
            .collect()
    };
    let mut calls = Vec::new();
    let mut want = Vec::new();
    for i in 0..USERS {
        let (account, e_mode, c, _, d, debt) = user(i);
        let p = m.positions.iter().find(|p| p.account.0 == account).expect("position");
        assert_eq!(p.e_mode, e_mode);
        assert_eq!(p.supply.len(), 1);
        assert_eq!(
            (p.supply[0].token.as_str(), p.supply[0].collateral),
            (RESERVES[c].symbol, true)
        );
        calls.push(Call::new(
            "balanceOf",
            data[c].aTokenAddress,
            &IAaveScaledToken::balanceOfCall { user: account },
        ));
        want.push(p.supply[0].amount.0);
        assert_eq!(p.debt.len(), usize::from(!debt.is_zero()));
        if let Some(b) = p.debt.first() {
            assert_eq!(b.token, RESERVES[d].symbol);
            calls.push(Call::new(
                "balanceOf",
                data[d].variableDebtTokenAddress,
                &IAaveScaledToken::balanceOfCall { user: account },
            ));
            want.push(b.amount.0);
        }
    }
    let out = chain.call_all(&calls).await.expect("balanceOf");
    for ((c, d), w) in calls.iter().zip(&out).zip(&want) {
        assert_eq!(decode::<IAaveScaledToken::balanceOfCall>(&c.label, d).expect("decode"), *w);
    }
    snap
}

#[tokio::test(flavor = "current_thread")]
async fn aave_v3_2_to_v3_6_pools_read_back_as_set_up() {
    let evm = Evm::start().await;
    let multicall = deploy_multicall(&evm).await;
    let mut tokens = Vec::new();
    for r in &RESERVES {
        let coin = Coin { decimals: r.decimals, symbol: r.symbol.into() };
        tokens.push(deploy_token(&evm, &coin).await.expect("token"));
    }
    let mut pools = Vec::new();
    for release in [2u8, 3, 4, 5] {
        pools.push(deploy(&evm, release, &tokens).await);
    }
    let mut config = Config::new(Endpoint::Http(evm.endpoint()));
    config.multicall = multicall;
    config.policy.min_interval = std::time::Duration::ZERO;
    let chain = Chain::connect(&config).await.expect("connect");
    let expected = [
        (AaveVersionSpec::V3_3, false),
        (AaveVersionSpec::V3_3, true),
        (AaveVersionSpec::V3_4, true),
        (AaveVersionSpec::V3_5, true),
    ];
    let scenario = Scenario::from_toml(
        "name = \"WETH -30%\"\nsnapshot = \"unused\"\nstep_secs = 3600\nhorizon_secs = 7200\n\
         [[shocks]]\nat_secs = 0\ntype = \"price\"\ntoken = \"WETH\"\nchange_pct = \"-30\"\nover_secs = 3600\n",
    )
    .expect("scenario");
    for (pool, (version, deficit)) in pools.iter().zip(expected) {
        let snap = read_and_check(&chain, *pool, &tokens, version, deficit).await;
        // The engine builds the pool from the snapshot alone and runs a scenario on it.
        let built = aave_pool(&snap, &format!("aave-v3-{pool}")).expect("the engine's pool");
        let (account, ..) = user(1);
        let health = built.account_data(account).expect("account data").health_factor;
        assert!(health > U256::from(E18), "user 1 is healthy: {health}");
        let report = run(&snap, &scenario).expect("stress run on the snapshot read");
        assert_eq!(report.steps, 2);
    }

    // A v3.6 eMode giving WETH LTV 0 in the category cannot be held by the format: refused.
    let v35 = pools[3];
    evm.send(v35, setLtvzeroCall { id: 2, bitmap: 1 }.abi_encode().into()).await.expect("ltvzero");
    let chain = Chain::connect(&config).await.expect("connect at the new block");
    let err = snapshot(&chain, &Request::new(vec![Target::AaveV3(v35)]), &mut |_| {})
        .await
        .expect_err("an ltvzero eMode is refused")
        .to_string();
    assert!(err.contains("eMode 2") && err.contains("getEModeCategoryLtvzeroBitmap"), "{err}");
}
