//! Compound v3 (Comet) on anvil, read back through the on-chain reader.
//!
//! Comet has no npm package: the market is our stand-in `CometLike`
//! (`crates/test-support/solidity/CometLike.sol`), which exposes Comet's real ABI (signatures,
//! struct layouts and events from its published interfaces) with bodies of our own written from
//! the protocol's documentation. So what is proven here is that the reader reads that ABI right
//! and that the lending model built from the snapshot agrees with the published formulas as our
//! stand-in implements them — not with Comet's own bytecode.
//!
//! A USDC-like base with two collaterals (18 and 8 decimals), a supplier, six borrowers at 50%,
//! 95% and 99.9% of their borrowing limit, a base transfer to an account that never supplied and
//! a pledge on behalf of another; 30 days pass and the first collateral's feed drops 8%. Then:
//! - at block B1 (indexes last accrued 30 days earlier): every configuration field read equals
//!   the set-up, every principal, collateral balance and total equals the lending model replaying
//!   the same transactions, and the indexes the snapshot accrues to the block give the contract's
//!   own `totalSupply()`/`totalBorrow()` (and, inside the reader, `getReserves()`) to the unit;
//! - at block B2, right after an `accrueAccount`: the snapshot's indexes equal `totalsBasic()` and,
//!   for every position, the engine's reading of the snapshot (`position::from_snapshot`) says
//!   liquidatable exactly when the contract's `isLiquidatable` does, and the model built from the
//!   snapshot says collateralised exactly when `isBorrowCollateralized` does;
//! - the stress engine builds from the snapshot and runs;
//! - a discovery that starts too late is an error naming the market and the gap, which the
//!   missing accounts given by the caller close;
//! - a target that is not a Comet is an error naming the target and the call;
//! - a recording replays offline to the same snapshot, and a read through the fault-injecting
//!   proxy equals the direct one (and fails loudly without retries).

mod common;

use alloy::{
    primitives::{Address, I256, U256},
    providers::Provider,
    sol,
    sol_types::SolCall,
};
use common::{
    proxy::{policy, proxy},
    *,
};
use faultline_lending::comet::{CometAsset, CometConfig, CometMarket, RateCurve, SECONDS_PER_YEAR};
use faultline_onchain::{
    Chain, Config, Endpoint,
    readers::comet::{CometRead, read_comet},
    snapshot::{Request, Stage, Target, snapshot},
};
use faultline_orchestrator::{Engine, Quiet, Scenario, position};
use faultline_snapshot::{CometMarketSpec, LendingProtocolSpec, Snapshot};
use faultline_test_support::lenders_chain::{
    Coin, CometAssetSetup, CometDeployment, CometSetup, set_answer,
};
use std::time::Duration;

sol! {
    function isLiquidatable(address account) external view returns (bool);
    function isBorrowCollateralized(address account) external view returns (bool);
    function totalSupply() external view returns (uint256);
    function totalBorrow() external view returns (uint256);
    function totalsBasic() external view returns (uint64, uint64, uint64, uint64, uint104, uint104, uint40, uint8);
}

const MONTH: u64 = 30 * 24 * 3600;
const E18: u64 = 1_000_000_000_000_000_000;
/// Borrowed share of the borrowing limit, per mille.
const BORROW_PER_MILLE: [u64; 3] = [500, 950, 999];

fn pow10(n: u8) -> U256 {
    U256::from(10u8).pow(U256::from(n))
}

fn setup() -> CometSetup {
    let pct = |p: u64| U256::from(p) * U256::from(E18 / 1000); // per mille of 1e18
    CometSetup {
        base: Coin { decimals: 6, symbol: "USDC".into() },
        base_price: 100_000_000,
        store_front_price_factor: pct(600),
        target_reserves: U256::from(5_000_000u64) * pow10(6),
        base_borrow_min: U256::from(100u64) * pow10(6),
        // Supply: kink 90%, 0 + 3.17%/yr below, 360%/yr above; borrow: kink 90%, 1.5% + 3.33%
        // below, 400% above (figures of the order of mainnet's USDC Comet).
        kinks: [
            pct(900),
            U256::ZERO,
            pct(317) / U256::from(10u8),
            pct(3600),
            pct(900),
            pct(15),
            pct(333) / U256::from(10u8),
            pct(4000),
        ],
        assets: vec![
            CometAssetSetup {
                coin: Coin { decimals: 18, symbol: "WETH".into() },
                price: 3_000 * 100_000_000,
                borrow_cf: E18 / 1000 * 800,
                liquidate_cf: E18 / 1000 * 850,
                liquidation_factor: E18 / 1000 * 930,
                supply_cap: 1_000_000 * u128::from(E18),
            },
            CometAssetSetup {
                coin: Coin { decimals: 8, symbol: "WBTC".into() },
                price: 60_000 * 100_000_000,
                borrow_cf: E18 / 1000 * 700,
                liquidate_cf: E18 / 1000 * 770,
                liquidation_factor: E18 / 1000 * 950,
                supply_cap: 10_000 * 100_000_000,
            },
        ],
    }
}

/// The lending model of the set-up market at time `t0`, empty.
fn model(s: &CometSetup, d: &CometDeployment, t0: u64) -> CometMarket {
    // Comet stores per-second rates (the yearly figure divided down); the model takes yearly ones.
    let curve = |k: &[U256]| RateCurve {
        kink: k[0],
        base_per_year: k[1] / SECONDS_PER_YEAR * SECONDS_PER_YEAR,
        slope_low_per_year: k[2] / SECONDS_PER_YEAR * SECONDS_PER_YEAR,
        slope_high_per_year: k[3] / SECONDS_PER_YEAR * SECONDS_PER_YEAR,
    };
    let config = CometConfig {
        base_token: d.base,
        base_scale: pow10(s.base.decimals),
        base_price: U256::from(s.base_price),
        store_front_price_factor: s.store_front_price_factor,
        target_reserves: s.target_reserves,
        base_borrow_min: s.base_borrow_min,
        supply: curve(&s.kinks[..4]),
        borrow: curve(&s.kinks[4..]),
        assets: s
            .assets
            .iter()
            .zip(&d.assets)
            .map(|(a, token)| CometAsset {
                asset: *token,
                scale: pow10(a.coin.decimals),
                price: U256::from(a.price),
                borrow_collateral_factor: U256::from(a.borrow_cf),
                liquidate_collateral_factor: U256::from(a.liquidate_cf),
                liquidation_factor: U256::from(a.liquidation_factor),
            })
            .collect(),
    };
    CometMarket::new(config, U256::ZERO, t0).expect("model")
}

fn advance_model(m: &mut CometMarket, to: u64) {
    m.accrue(to - m.now()).expect("accrue");
}

async fn call<C: SolCall>(chain: &Chain, to: Address, c: &C) -> C::Return {
    let out = chain.call("test", to, c.abi_encode().into()).await.expect("eth_call");
    C::abi_decode_returns(&out).expect("decode")
}

fn comet_spec(snap: &Snapshot) -> &CometMarketSpec {
    let [market] = snap.lending_markets.as_slice() else { panic!("one market") };
    let LendingProtocolSpec::CompoundV3(spec) = &market.protocol else { panic!("a Comet market") };
    spec
}

#[tokio::test(flavor = "current_thread")]
async fn comet_state_and_health_read_back_at_a_pinned_block() {
    let evm = Evm::start().await;
    let multicall = deploy_multicall(&evm).await;
    let s = setup();
    let mut d = CometDeployment::deploy(&evm, &s).await.expect("deploy Comet stand-in");
    // The model starts at the contract's last accrual (`configure`'s block; none since).
    let out = evm.call(d.comet, totalsBasicCall {}.abi_encode().into()).await.expect("totals");
    let t0 = totalsBasicCall::abi_decode_returns(&out).expect("decode")._6.to::<u64>();
    let mut m = model(&s, &d, t0);

    let supplied = U256::from(10_000_000u64) * pow10(6);
    d.supply_base(&evm, supplied).await.expect("supply");
    advance_model(&mut m, latest_timestamp(&evm).await);
    m.supply_base(d.harness, supplied).expect("model supply");

    // Six borrowers: each collateral at three shares of its borrowing limit.
    let (mut which, mut collaterals, mut borrows) = (Vec::new(), Vec::new(), Vec::new());
    for (i, a) in s.assets.iter().enumerate() {
        let c = U256::from(if i == 0 { 10u8 } else { 1 }) * pow10(a.coin.decimals);
        // mulFactor(mulPrice(c, price, scale), bcf) USD (8 decimals), in base units.
        let limit8 = c * U256::from(a.price) / pow10(a.coin.decimals) * U256::from(a.borrow_cf)
            / U256::from(E18);
        let limit = limit8 * pow10(6) / U256::from(s.base_price);
        for pm in BORROW_PER_MILLE {
            which.push(i);
            collaterals.push(c);
            borrows.push(limit * U256::from(pm) / U256::from(1000u16));
        }
    }
    let borrowers = d.open_borrowers(&evm, &which, &collaterals, &borrows).await.expect("borrow");
    advance_model(&mut m, latest_timestamp(&evm).await);
    for (k, b) in borrowers.iter().enumerate() {
        m.supply_collateral(*b, which[k], collaterals[k]).expect("model pledge");
        m.withdraw_base(*b, borrows[k]).expect("model borrow");
    }
    let opened_at = evm.provider().get_block_number().await.expect("block");
    // A base transfer to an account that never supplied, a pledge on behalf of another.
    let (receiver, pledgee) = (Address::repeat_byte(0xc0), Address::repeat_byte(0xc1));
    let sent = U256::from(1_000u64) * pow10(6);
    d.transfer_base(&evm, receiver, sent).await.expect("transfer");
    advance_model(&mut m, latest_timestamp(&evm).await);
    m.withdraw_base(d.harness, sent).expect("model transfer out");
    m.supply_base(receiver, sent).expect("model transfer in");
    let pledged = U256::from(5u8) * pow10(17);
    d.pledge_for(&evm, 0, pledgee, pledged).await.expect("pledge");
    advance_model(&mut m, latest_timestamp(&evm).await);
    m.supply_collateral(pledgee, 0, pledged).expect("model pledge for");

    advance(&evm, MONTH).await;
    let dropped = s.assets[0].price / 100 * 92;
    set_answer(&evm, d.feeds[0], dropped).await.expect("drop");
    m.set_price(0, U256::from(dropped)).expect("model drop");

    // ---- B1: 30 days since the last accrual ----
    let mut config = Config::new(Endpoint::Http(evm.endpoint()));
    config.multicall = multicall;
    config.policy.min_interval = Duration::ZERO;
    let chain = Chain::connect(&config).await.expect("connect");
    let b1 = *chain.block();
    let mut accounts = borrowers.clone();
    accounts.extend([d.harness, receiver, pledgee]);
    accounts.sort();
    let read = read_comet(&chain, d.comet, &accounts).await.expect("read");
    assert_config(&read, &s, &d, dropped);
    // Positions and totals equal the model's replay of the same transactions.
    for (account, (principal, balances)) in &read.positions {
        assert_eq!(*principal, m.principal(*account), "principal of {account}");
        for (i, b) in balances.iter().enumerate() {
            assert_eq!(*b, m.collateral_of(*account, i), "collateral {i} of {account}");
        }
    }
    assert_eq!(read.assets[0].total_supply, U256::from(30u8) * pow10(18) + pledged);
    assert_eq!(read.assets[1].total_supply, U256::from(3u8) * pow10(8));
    let snap1 = snapshot(&chain, &Request::new(vec![Target::Comet(d.comet)]), &mut |_| {})
        .await
        .expect("snapshot at B1");
    let spec1 = comet_spec(&snap1);
    advance_model(&mut m, b1.timestamp);
    let (supply_index, borrow_index) = m.indexes();
    assert_eq!(
        (spec1.base_supply_index.0, spec1.base_borrow_index.0),
        (supply_index, borrow_index)
    );
    assert!(borrow_index > U256::from(1_000_000_000_000_000u64), "a month of interest");
    let (ts, tb) = (
        call(&chain, d.comet, &totalSupplyCall {}).await,
        call(&chain, d.comet, &totalBorrowCall {}).await,
    );
    let scale = U256::from(1_000_000_000_000_000u64);
    assert_eq!(spec1.total_supply_base.0 * supply_index / scale, ts, "totalSupply() at B1");
    assert_eq!(spec1.total_borrow_base.0 * borrow_index / scale, tb, "totalBorrow() at B1");
    assert_eq!(snap1.timestamp, b1.timestamp);
    // Prices come from the feeds, USD, exact.
    let usd = |sym: &str| snap1.tokens.iter().find(|t| t.symbol == sym).expect(sym).price_usd;
    assert_eq!(usd("WETH"), rust_decimal::Decimal::new(dropped, 8));
    assert_eq!(usd("USDC"), rust_decimal::Decimal::ONE);

    // ---- B2: right after an accrual, so the contract's views see the snapshot's indexes ----
    d.accrue(&evm).await.expect("accrueAccount");
    let record = temp_dir("comet-record");
    config.record = Some(record.clone());
    let chain = Chain::connect(&config).await.expect("connect B2");
    let b2 = *chain.block();
    let request = Request::new(vec![Target::Comet(d.comet)]);
    let mut trips = 0;
    let snap = snapshot(&chain, &request, &mut |stage| {
        if let Stage::Done { round_trips } = stage {
            trips = round_trips;
        }
    })
    .await
    .expect("snapshot at B2");
    eprintln!("B2 snapshot: {trips} round trips");
    assert!(trips > 0 && trips <= 12, "{trips} round trips (3 reads, logs, tokens, checks)");
    let spec = comet_spec(&snap);
    let t = call(&chain, d.comet, &totalsBasicCall {}).await;
    assert_eq!(t._6.to::<u64>(), b2.timestamp);
    assert_eq!(
        (spec.base_supply_index.0, spec.base_borrow_index.0),
        (U256::from(t._0), U256::from(t._1))
    );
    let text = serde_json::to_string_pretty(&snap).expect("json");
    assert_eq!(Snapshot::from_json(&text).expect("valid"), snap);
    // Every account found (the transfer's receiver through its Transfer event), none empty.
    assert_eq!(spec.positions.len(), accounts.len());
    let market_id = &snap.lending_markets[0].id;
    assert_eq!(*market_id, format!("comet-{}", d.comet));
    let from_spec = market_from_spec(&snap, spec);
    let (mut liquidatable, mut undercollateralised, mut healthy) = (0, 0, 0);
    for p in &spec.positions {
        let a = p.account.0;
        let says_liq = call(&chain, d.comet, &isLiquidatableCall { account: a }).await;
        let says_coll = call(&chain, d.comet, &isBorrowCollateralizedCall { account: a }).await;
        // The engine reports accounts with collateral or debt (a pure supplier has neither).
        if !p.collateral.is_empty() || !p.borrow_principal.0.is_zero() {
            let report = position::from_snapshot(&snap, market_id, a).expect("position");
            assert_eq!(report.liquidatable, says_liq, "isLiquidatable({a})");
        }
        assert_eq!(from_spec.is_liquidatable(a).expect("model"), says_liq, "model liq {a}");
        assert_eq!(from_spec.is_borrow_collateralized(a).expect("model"), says_coll, "coll {a}");
        match (says_liq, says_coll) {
            (true, _) => liquidatable += 1,
            (false, false) => undercollateralised += 1,
            (false, true) => healthy += 1,
        }
    }
    eprintln!(
        "B2: {liquidatable} liquidatable, {undercollateralised} not collateralised for a borrow but not liquidatable, {healthy} healthy"
    );
    assert!(liquidatable >= 1 && undercollateralised >= 1 && healthy >= 3);

    // The stress engine builds from the snapshot and runs.
    let scenario = Scenario::from_toml(
        "name = \"an hour\"\nsnapshot = \"unused\"\nstep_secs = 3600\nhorizon_secs = 3600\n",
    )
    .expect("scenario");
    Engine::new(&snap, &scenario).expect("engine builds").run(&mut Quiet).expect("engine runs");

    // A discovery that starts after the borrowers opened misses them: an error naming the market
    // and the gap; given by the caller, they close it.
    let mut late = request.clone();
    late.from_block = opened_at + 1;
    let err = snapshot(&chain, &late, &mut |_| {}).await.expect_err("borrowers missed");
    let text = err.to_string();
    assert!(
        text.contains(&format!("Comet {}", d.comet)) && text.contains("totalBorrowBase"),
        "{text}"
    );
    late.accounts = borrowers.clone();
    late.accounts.push(d.harness); // its Supply is before the late start too
    let closed = snapshot(&chain, &late, &mut |_| {}).await.expect("accounts given");
    assert_eq!(closed.lending_markets, snap.lending_markets);

    // A target that is not a Comet: an error naming it and the call.
    for not_comet in [d.base, Address::repeat_byte(0x42)] {
        let bad = Request::new(vec![Target::Comet(not_comet)]);
        let err = snapshot(&chain, &bad, &mut |_| {}).await.expect_err("not a Comet");
        let text = err.to_string();
        assert!(text.contains(&format!("comet({not_comet}).baseToken()")), "{text}");
    }

    // The recording replays offline to the same snapshot.
    let mut replay = Config::new(Endpoint::Replay(record));
    replay.multicall = multicall;
    replay.block = Some(b2.number);
    let offline = Chain::connect(&replay).await.expect("replay");
    let replayed = snapshot(&offline, &request, &mut |_| {}).await.expect("replayed snapshot");
    assert_eq!(replayed, snap);

    // Through the fault-injecting proxy: the same snapshot; without retries, an error.
    let (url, _) = proxy(evm.endpoint().trim_start_matches("http://").to_owned()).await;
    let mut faulty = Config::new(Endpoint::Http(url));
    faulty.multicall = multicall;
    faulty.block = Some(b2.number);
    faulty.calls_per_batch = 8;
    faulty.policy = policy(8);
    let mut paged = request.clone();
    paged.log_span = 64;
    let chain = Chain::connect(&faulty).await.expect("connect through faults");
    let mut through = snapshot(&chain, &paged, &mut |_| {}).await.expect("snapshot through faults");
    // Only the description differs: it counts the log pages, more of them through the proxy.
    assert!(through.description.contains("log page(s) fetched"), "{}", through.description);
    through.description.clone_from(&snap.description);
    assert_eq!(through, snap);
    assert!(chain.stats().retries() >= 3, "{:?}", chain.stats().retry_log());
    faulty.policy = policy(0);
    let outcome = async {
        let chain = Chain::connect(&faulty).await?;
        snapshot(&chain, &paged, &mut |_| {}).await
    }
    .await;
    assert!(outcome.is_err(), "a proxy that faults four requests in six fails a retry-less read");
}

/// The configuration read equals the set-up.
fn assert_config(read: &CometRead, s: &CometSetup, d: &CometDeployment, dropped: i64) {
    assert_eq!((read.comet, read.base_token, read.base_price_feed), (d.comet, d.base, d.base_feed));
    assert_eq!(read.base_price, U256::from(s.base_price));
    assert_eq!(read.base_scale, pow10(6));
    assert_eq!(read.store_front_price_factor, s.store_front_price_factor);
    assert_eq!(read.target_reserves, s.target_reserves);
    assert_eq!(read.base_borrow_min, s.base_borrow_min);
    // Per-second getters times SECONDS_PER_YEAR: the configured yearly figure, truncated to a
    // whole per-second rate (0.0317e18 / 31,536,000 = 1,005,200,405 per second).
    assert_eq!(read.supply.kink, s.kinks[0]);
    assert_eq!(read.supply.slope_low_per_year, U256::from(1_005_200_405u64) * SECONDS_PER_YEAR);
    for (got, set) in [
        (read.supply.base_per_year, s.kinks[1]),
        (read.supply.slope_low_per_year, s.kinks[2]),
        (read.supply.slope_high_per_year, s.kinks[3]),
        (read.borrow.base_per_year, s.kinks[5]),
        (read.borrow.slope_low_per_year, s.kinks[6]),
        (read.borrow.slope_high_per_year, s.kinks[7]),
    ] {
        assert_eq!(got, set / SECONDS_PER_YEAR * SECONDS_PER_YEAR);
    }
    assert_eq!(read.borrow.kink, s.kinks[4]);
    assert_eq!(read.assets.len(), 2);
    for (k, (a, set)) in read.assets.iter().zip(&s.assets).enumerate() {
        assert_eq!((a.asset, a.price_feed), (d.assets[k], d.feeds[k]));
        assert_eq!(a.scale, pow10(set.coin.decimals));
        assert_eq!(a.borrow_collateral_factor, U256::from(set.borrow_cf));
        assert_eq!(a.liquidate_collateral_factor, U256::from(set.liquidate_cf));
        assert_eq!(a.liquidation_factor, U256::from(set.liquidation_factor));
        assert_eq!(a.supply_cap, U256::from(set.supply_cap));
        let price = if k == 0 { dropped } else { set.price };
        assert_eq!(a.price, U256::from(price));
    }
}

/// The Comet model built from the snapshot's spec alone, as the engine builds it
/// (`faultline_orchestrator::models::comet_market`): feeds at the snapshot's oracle prices.
fn market_from_spec(snap: &Snapshot, spec: &CometMarketSpec) -> CometMarket {
    let token = |id: &str| snap.tokens.iter().find(|t| t.id == id).expect("token");
    let price = |oracle: &str| {
        let o = snap.oracles.iter().find(|o| o.id == oracle).expect("oracle");
        faultline_core::decimal::from_decimal(o.price, 8, faultline_core::Rounding::Down)
            .expect("8-decimal price")
    };
    let curve = |c: &faultline_snapshot::CometCurveSpec| RateCurve {
        kink: c.kink.0,
        base_per_year: c.base_per_year.0,
        slope_low_per_year: c.slope_low_per_year.0,
        slope_high_per_year: c.slope_high_per_year.0,
    };
    let rates = spec.rates.as_ref().expect("rates read");
    let config = CometConfig {
        base_token: token(&spec.base_token).address.expect("address").0,
        base_scale: pow10(token(&spec.base_token).decimals),
        base_price: price(&spec.base_oracle),
        store_front_price_factor: spec.store_front_price_factor.0,
        target_reserves: spec.target_reserves.0,
        base_borrow_min: spec.base_borrow_min.0,
        supply: curve(&rates.supply),
        borrow: curve(&rates.borrow),
        assets: spec
            .assets
            .iter()
            .map(|a| CometAsset {
                asset: token(&a.token).address.expect("address").0,
                scale: pow10(token(&a.token).decimals),
                price: price(&a.oracle),
                borrow_collateral_factor: a.borrow_collateral_factor.0,
                liquidate_collateral_factor: a.liquidate_collateral_factor.0,
                liquidation_factor: a.liquidation_factor.0,
            })
            .collect(),
    };
    let mut market = CometMarket::new(config, spec.base_balance.0, snap.timestamp).expect("model");
    market.set_totals(
        spec.base_supply_index.0,
        spec.base_borrow_index.0,
        spec.total_supply_base.0,
        spec.total_borrow_base.0,
    );
    for p in &spec.positions {
        let principal = if p.borrow_principal.0.is_zero() {
            I256::try_from(p.supply_principal.0).expect("int")
        } else {
            -I256::try_from(p.borrow_principal.0).expect("int")
        };
        market.set_base_principal(p.account.0, principal);
        for b in &p.collateral {
            let i = spec.assets.iter().position(|a| a.token == b.token).expect("listed");
            market.supply_collateral(p.account.0, i, b.amount.0).expect("collateral");
        }
    }
    market
}
