//! Aave v3 on anvil, read back through the on-chain reader.
//!
//! The pool is deployed from the compiled artifacts `@aave/core-v3@1.19.3` ships (Aave v3.0.x:
//! addresses provider, ACL manager, pool with its logic libraries linked, configurator, token
//! implementations, rate strategies, `AaveOracle`) over our token and price-feed mocks
//! (`faultline_test_support::aave_chain`). Four reserves (WETH, USDC, DAI, WBTC; USDC and DAI in
//! a stablecoin eMode) get liquidity from the harness, then 240 accounts open positions through
//! the real pool (one or two collaterals, a borrow of 50% to 99.9% of the borrowing power left,
//! some in eMode, some supply-only); 30 days pass, everyone's indexes move, WETH falls 12%, the
//! treasury's accrued share is minted (aTokens without a `Supply` event) and a day more passes.
//! Then, at one pinned block:
//! - every reserve's configuration, rate strategy and price in the snapshot equals what was set
//!   through the configurator and the feeds;
//! - every balance equals the token's own `balanceOf`, and the positions add up to the totals
//!   (the read checks it; the treasury is among the positions);
//! - the pool the stress engine builds from the snapshot alone gives `getUserAccountData`'s
//!   total collateral, total debt, LTV, liquidation threshold and health factor to the wei for
//!   every position;
//! - the engine runs a scenario on it;
//! - a recording of the session replays offline to the same snapshot;
//! - the same read through a proxy that drops, delays, truncates and garbles answers and refuses
//!   wide log ranges (`common::proxy`) equals it, and fails loudly without retries.

mod common;

use alloy::primitives::{Address, U256};
use common::{
    proxy::{policy, proxy},
    *,
};
use faultline_onchain::{
    Chain, Config, Endpoint, discovery,
    multicall::{Call, decode},
    readers::aave::{IAavePool, IAaveScaledToken},
    snapshot::{Request, Target, snapshot},
};
use faultline_orchestrator::{Scenario, position::aave_pool, run};
use faultline_snapshot::{LendingProtocolSpec, Snapshot, SourceKind};
use faultline_test_support::aave_chain::{AaveDeployment, EModeSetup, Open, ReserveSetup};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};

const DAY: u64 = 24 * 3600;
const POSITIONS: usize = 240;

/// Whole dollars as the feeds answer (8 decimals).
const fn usd8(dollars: i64) -> i64 {
    dollars * 100_000_000
}

fn ray(per_mille: u64) -> U256 {
    U256::from(per_mille) * U256::from(10u8).pow(U256::from(24u8))
}

fn reserves() -> Vec<ReserveSetup> {
    let r = |symbol: &str, decimals, price, risk, reserve_factor, e_mode, optimal| ReserveSetup {
        symbol: symbol.into(),
        decimals,
        price,
        risk,
        reserve_factor,
        protocol_fee: 1_000,
        e_mode,
        // Steep enough that a month moves every index visibly.
        rates: [ray(optimal), ray(10), ray(120), ray(900)],
    };
    vec![
        r("WETH", 18, usd8(2_000), (8_000, 8_250, 10_500), 1_500, 0, 800),
        r("USDC", 6, usd8(1), (7_700, 8_000, 10_450), 1_000, 1, 900),
        r("DAI", 18, 99_980_000, (7_500, 8_000, 10_500), 1_000, 1, 900),
        r("WBTC", 8, usd8(60_000), (7_000, 7_500, 10_650), 2_000, 0, 450),
    ]
}

fn units(amount: u64, decimals: u8) -> U256 {
    U256::from(amount) * U256::from(10u8).pow(U256::from(decimals))
}

/// Position `i`: collateral, optional second collateral, eMode, debt and how much of the
/// borrowing power left it borrows. Deterministic, covering every reserve pair.
fn opens(assets: &[Address], setup: &[ReserveSetup], n: usize) -> Vec<Open> {
    const PER_MILLE: [u16; 6] = [500, 800, 900, 950, 990, 999];
    (0..n)
        .map(|i| {
            let c = i % 4;
            let d = (i / 4 + 1 + c) % 4;
            let d = if d == c { (d + 1) % 4 } else { d };
            let stable = |k: usize| setup[k].e_mode == 1;
            let e_mode = if i % 3 == 0 && stable(c) && stable(d) { 1 } else { 0 };
            let whole = [3u64, 5_000, 5_000, 1][c] * (1 + (i as u64 % 7));
            let second = (i % 5 == 0).then(|| (c + 2) % 4);
            Open {
                collateral: assets[c],
                amount: units(whole, setup[c].decimals),
                collateral2: second.map_or(Address::ZERO, |k| assets[k]),
                amount2: second
                    .map_or(U256::ZERO, |k| units([1u64, 900, 900, 1][k], setup[k].decimals)),
                eMode: e_mode,
                debt: if i % 7 == 6 { Address::ZERO } else { assets[d] },
                perMille: PER_MILLE[i % PER_MILLE.len()],
            }
        })
        .collect()
}

/// Aave v3 deployed, liquidity in, `n` positions opened, time passed, a price moved and the
/// treasury minted.
async fn market(evm: &Evm, n: usize, per_tx: usize) -> (AaveDeployment, Vec<Address>) {
    let setup = reserves();
    let e_modes = [EModeSetup { id: 1, risk: (9_300, 9_500, 10_100), label: "Stablecoins".into() }];
    let treasury = Address::repeat_byte(0x7e);
    let mut aave =
        AaveDeployment::deploy(evm, &setup, &e_modes, treasury).await.expect("deploy Aave v3");
    let liquidity = [50_000u64, 100_000_000, 100_000_000, 2_000];
    for (k, asset) in aave.assets.clone().iter().enumerate() {
        let amount = units(liquidity[k] * (1 + n as u64 / 1_000), setup[k].decimals);
        aave.provide(evm, *asset, amount).await.expect("liquidity");
    }
    let opens = opens(&aave.assets, &setup, n);
    let accounts = aave.open_many(evm, &opens, per_tx).await.expect("open positions");
    advance(evm, 30 * DAY).await;
    // Touch every reserve (its accrued treasury share grows), then mint it to the treasury.
    for (k, asset) in aave.assets.clone().iter().enumerate() {
        aave.provide(evm, *asset, units(1, setup[k].decimals)).await.expect("touch");
    }
    aave.mint_to_treasury(evm).await.expect("mintToTreasury");
    aave.set_price(evm, 0, usd8(1_760)).await.expect("WETH -12%");
    advance(evm, DAY).await;
    (aave, accounts)
}

fn config(evm: &Evm, multicall: Address) -> Config {
    let mut config = Config::new(Endpoint::Http(evm.endpoint()));
    config.multicall = multicall;
    config.policy.min_interval = std::time::Duration::ZERO;
    config
}

/// `getUserAccountData` of every account, from the pool itself.
async fn account_data(chain: &Chain, pool: Address, accounts: &[Address]) -> Vec<[U256; 6]> {
    let calls: Vec<Call> = accounts
        .iter()
        .map(|a| {
            Call::new(
                format!("getUserAccountData({a})"),
                pool,
                &IAavePool::getUserAccountDataCall { user: *a },
            )
        })
        .collect();
    let data = chain.call_all(&calls).await.expect("getUserAccountData");
    calls
        .iter()
        .zip(&data)
        .map(|(c, d)| {
            let r = decode::<IAavePool::getUserAccountDataCall>(&c.label, d).expect("decode");
            [
                r.totalCollateralBase,
                r.totalDebtBase,
                r.availableBorrowsBase,
                r.currentLiquidationThreshold,
                r.ltv,
                r.healthFactor,
            ]
        })
        .collect()
}

/// Checks `snap` against the chain: reserves against the setup, balances against `balanceOf`,
/// and the engine's pool against `getUserAccountData` for every position. Returns how many
/// positions were compared and how many are liquidatable.
async fn check_against_chain(
    chain: &Chain,
    aave: &AaveDeployment,
    snap: &Snapshot,
) -> (usize, usize) {
    let setup = reserves();
    let market_id = format!("aave-v3-{}", aave.pool);
    let spec = snap.lending_markets.iter().find(|m| m.id == market_id).expect("the pool's market");
    assert_eq!(spec.source.kind, SourceKind::Onchain);
    let LendingProtocolSpec::AaveV3(m) = &spec.protocol else { panic!("an Aave market") };
    assert_eq!(m.reserves.len(), setup.len());
    for ((r, s), asset) in m.reserves.iter().zip(&setup).zip(&aave.assets) {
        assert_eq!(r.token, s.symbol, "reserves in getReservesList order");
        assert_eq!(r.decimals, s.decimals);
        assert_eq!((r.ltv, r.liquidation_threshold, r.liquidation_bonus), s.risk, "{}", s.symbol);
        assert_eq!(
            (r.reserve_factor, r.liquidation_protocol_fee),
            (s.reserve_factor, s.protocol_fee)
        );
        assert_eq!((r.supply_cap, r.borrow_cap), (0, 0));
        assert!(r.borrowing_enabled);
        let k = r.rate_strategy.as_ref().expect("rate strategy");
        assert_eq!(
            [
                k.optimal_usage_ratio.0,
                k.base_variable_borrow_rate.0,
                k.variable_rate_slope1.0,
                k.variable_rate_slope2.0
            ],
            s.rates
        );
        let oracle = snap.oracles.iter().find(|o| o.id == r.oracle).expect("oracle");
        let price = if s.symbol == "WETH" { usd8(1_760) } else { s.price };
        assert_eq!(oracle.price, Decimal::new(price, 8), "{}", s.symbol);
        assert_eq!(oracle.quote, None);
        let token = snap.tokens.iter().find(|t| t.id == r.token).expect("token");
        assert_eq!(token.address.map(|a| a.0), Some(*asset));
        assert_eq!(token.price_usd, oracle.price, "USD price from the Aave oracle");
    }
    assert_eq!(m.e_modes.len(), 1);
    let e = &m.e_modes[0];
    assert_eq!(
        (e.id, e.ltv, e.liquidation_threshold, e.liquidation_bonus),
        (1, 9_300, 9_500, 10_100)
    );
    assert_eq!(
        (e.collateral.as_slice(), e.label.as_str()),
        (["USDC".to_owned(), "DAI".to_owned()].as_slice(), "Stablecoins")
    );
    let treasury = m.positions.iter().find(|p| p.account.0 == aave.treasury).expect("treasury");
    // mintToTreasury does not enable collateral: the flag carries it (the engine would otherwise
    // count the treasury's aTokens as collateral; the account data below shows it does not).
    assert!(!treasury.supply.is_empty() && treasury.supply.iter().all(|b| !b.collateral));
    assert!(m.positions.iter().any(|p| p.e_mode == 1));

    // Balances against the tokens' own balanceOf.
    let token_of: BTreeMap<&str, usize> =
        setup.iter().enumerate().map(|(k, s)| (s.symbol.as_str(), k)).collect();
    let reserve_data: Vec<_> = {
        let calls: Vec<Call> = aave
            .assets
            .iter()
            .map(|a| {
                Call::new(
                    format!("getReserveData({a})"),
                    aave.pool,
                    &IAavePool::getReserveDataCall { asset: *a },
                )
            })
            .collect();
        let data = chain.call_all(&calls).await.expect("reserve data");
        calls
            .iter()
            .zip(&data)
            .map(|(c, d)| decode::<IAavePool::getReserveDataCall>(&c.label, d).expect("decode"))
            .collect()
    };
    let mut calls = Vec::new();
    let mut expected = Vec::new();
    for p in &m.positions {
        for (list, debt) in [(&p.supply, false), (&p.debt, true)] {
            for b in list {
                let r = &reserve_data[token_of[b.token.as_str()]];
                let token = if debt { r.variableDebtTokenAddress } else { r.aTokenAddress };
                calls.push(Call::new(
                    "balanceOf",
                    token,
                    &IAaveScaledToken::balanceOfCall { user: p.account.0 },
                ));
                expected.push(b.amount.0);
            }
        }
    }
    let data = chain.call_all(&calls).await.expect("balanceOf");
    for ((c, d), want) in calls.iter().zip(&data).zip(&expected) {
        assert_eq!(decode::<IAaveScaledToken::balanceOfCall>(&c.label, d).expect("decode"), *want);
    }

    // Health, to the wei, from the pool the stress engine builds.
    let pool = aave_pool(snap, &market_id).expect("the engine's pool");
    let accounts: Vec<Address> = m.positions.iter().map(|p| p.account.0).collect();
    let chain_says = account_data(chain, aave.pool, &accounts).await;
    let mut liquidatable = 0;
    for (account, truth) in accounts.iter().zip(&chain_says) {
        let d = pool.account_data(*account).expect("account data");
        assert_eq!(
            [
                d.total_collateral,
                d.total_debt,
                d.avg_liquidation_threshold,
                d.avg_ltv,
                d.health_factor
            ],
            [truth[0], truth[1], truth[3], truth[4], truth[5]],
            "account data of {account}"
        );
        if truth[5] < U256::from(10u64.pow(18)) {
            liquidatable += 1;
        }
    }
    (accounts.len(), liquidatable)
}

#[tokio::test(flavor = "current_thread")]
async fn aave_v3_snapshot_health_factors_equal_the_pool_to_the_wei() {
    let evm = Evm::start().await;
    let multicall = deploy_multicall(&evm).await;
    let (aave, accounts) = market(&evm, POSITIONS, 60).await;
    assert_eq!(accounts.len(), POSITIONS);

    let record = temp_dir("aave-record");
    let mut live = config(&evm, multicall);
    live.record = Some(record.clone());
    let chain = Chain::connect(&live).await.expect("connect");
    // Discovery finds exactly who acted: every account opened and the harness.
    let (found, _) =
        discovery::aave_accounts(&chain, aave.pool, 0, chain.block().number, 100_000, None)
            .await
            .expect("discovery");
    let mut expected: BTreeSet<Address> = accounts.iter().copied().collect();
    expected.insert(aave.harness);
    assert_eq!(found.values().flatten().copied().collect::<BTreeSet<_>>(), expected);
    let request = Request::new(vec![Target::AaveV3(aave.pool)]);
    let snap = snapshot(&chain, &request, &mut |_| {}).await.expect("snapshot");
    let text = serde_json::to_string_pretty(&snap).expect("json");
    assert_eq!(Snapshot::from_json(&text).expect("valid snapshot"), snap);

    let (compared, liquidatable) = check_against_chain(&chain, &aave, &snap).await;
    eprintln!(
        "account data equal to the pool's for {compared} positions, {liquidatable} liquidatable"
    );
    // Every account opened, the harness and the treasury.
    assert_eq!(compared, POSITIONS + 2);
    assert!(liquidatable >= 10 && liquidatable < compared / 2, "{liquidatable} of {compared}");

    // The stress engine runs on it.
    let scenario = Scenario::from_toml(
        "name = \"WETH -30%\"\nsnapshot = \"unused\"\nstep_secs = 3600\nhorizon_secs = 7200\n\
         [[shocks]]\nat_secs = 0\ntype = \"price\"\ntoken = \"WETH\"\nchange_pct = \"-30\"\nover_secs = 3600\n",
    )
    .expect("scenario");
    let report = run(&snap, &scenario).expect("stress run on the snapshot read");
    assert_eq!(report.steps, 2);

    // The recording replays offline to the same snapshot.
    let mut replay = Config::new(Endpoint::Replay(record));
    replay.multicall = multicall;
    replay.block = Some(chain.block().number);
    let offline = Chain::connect(&replay).await.expect("replay");
    let again = snapshot(&offline, &request, &mut |_| {}).await.expect("replayed snapshot");
    assert_eq!(again, snap);

    // Through a proxy that drops, delays, truncates and garbles answers and refuses log ranges
    // over 5 blocks: the same snapshot (only the description's count of log pages differs).
    let (url, _) = proxy(evm.endpoint().trim_start_matches("http://").to_owned()).await;
    let mut faulty = Config::new(Endpoint::Http(url));
    faulty.multicall = multicall;
    faulty.block = Some(chain.block().number);
    faulty.calls_per_batch = 100;
    faulty.policy = policy(8);
    let through = Chain::connect(&faulty).await.expect("connect through faults");
    let mut mended = snapshot(&through, &request, &mut |_| {}).await.expect("read through faults");
    eprintln!(
        "through the faulty proxy: {} round trips, {} retries",
        through.stats().round_trips(),
        through.stats().retries()
    );
    assert!(through.stats().retries() >= 6, "{:?}", through.stats().retry_log());
    assert!(mended.description.contains("log page(s) fetched"));
    mended.description.clone_from(&snap.description);
    assert_eq!(mended, snap);
    // Without retries the same faults fail the read: an error, never a partial snapshot.
    faulty.policy = policy(0);
    let outcome = async {
        let chain = Chain::connect(&faulty).await?;
        snapshot(&chain, &request, &mut |_| {}).await
    }
    .await;
    assert!(outcome.is_err(), "a read through faults without retries must fail");
}

/// 10,000 positions (plus the harness and the treasury) read at one block in batched calls, and
/// every one's account data equal to the pool's. The time is printed, not asserted (the figure
/// in the crate's README comes from this run).
#[tokio::test(flavor = "current_thread")]
async fn ten_thousand_aave_positions_read_in_batches_equal_the_pool() {
    const MANY: usize = 10_000;
    let evm = Evm::start().await;
    let multicall = deploy_multicall(&evm).await;
    let opened = std::time::Instant::now();
    let (aave, accounts) = market(&evm, MANY, 250).await;
    assert_eq!(accounts.len(), MANY);
    let opened = opened.elapsed();

    let chain = Chain::connect(&config(&evm, multicall)).await.expect("connect");
    let request = Request::new(vec![Target::AaveV3(aave.pool)]);
    let started = std::time::Instant::now();
    let snap = snapshot(&chain, &request, &mut |_| {}).await.expect("snapshot");
    let read = started.elapsed();
    let trips = chain.stats().round_trips();
    let (compared, liquidatable) = check_against_chain(&chain, &aave, &snap).await;
    eprintln!(
        "opened {MANY} positions in {opened:.1?}; snapshot of {compared} positions read in \
         {read:.1?} ({trips} round trips); account data equal to the pool's for all, \
         {liquidatable} liquidatable"
    );
    assert_eq!(compared, MANY + 2);
}
