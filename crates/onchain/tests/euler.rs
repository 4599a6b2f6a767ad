//! Euler v2 (EVK) on anvil, read back through the on-chain reader.
//!
//! Euler has no npm package: the vault, EVC, router, collateral vaults and IRM are our stand-ins
//! (`crates/test-support/solidity/EulerLike.sol`), which expose Euler's published ABI
//! (IEVault/IEVC/IPriceOracle from euler-xyz/euler-vault-kit and ethereum-vault-connector) with
//! bodies of our own. So what is proven here is that the reader reads that ABI right and that the
//! engine's reading of the snapshot agrees with the published liquidity formula as our stand-in's
//! `accountLiquidity` implements it — not with Euler's own bytecode.
//!
//! A USDC-like vault (USD unit of account, `CFG_DONT_SOCIALIZE_DEBT` set) with two collateral
//! vaults (WETH at a share price of 1, WBTC at a share price above 1), a depositor, a share
//! transfer to an account that never deposited, borrowers at 50%, 99% and 101% of their
//! liquidation limit, one with both collaterals; then collateral 0's liquidation LTV is cut from
//! 85% to 75% over ten days and two days pass, so a borrower safe before is liquidatable in the
//! middle of the ramp. Then at the pinned block:
//! - every field equals the set-up (LTVs, the ramped liquidation LTV equal to the vault's own
//!   `LTVLiquidation`, discount, flags, cash, shares with the booked fees, IRM and fee, prices);
//! - for every position the engine's reading of the snapshot (`position::from_snapshot`) gives the
//!   liquidation value and the liability value `accountLiquidity(account, true)` gives, to the
//!   unit, the borrowing power `accountLiquidity(account, false)` gives, and calls it liquidatable
//!   exactly when the collateral value does not exceed the liability (`Liquidation.sol`);
//! - the stress engine builds from the snapshot and runs;
//! - a discovery that starts too late is an error naming the vault and the gap, which the missing
//!   accounts given by the caller close; a target that is not a vault is an error naming it and
//!   the call;
//! - a recording replays offline to the same snapshot, and a read through the fault-injecting
//!   proxy equals the direct one (and fails loudly without retries);
//! - a second collateral vault over WETH is refused by name (the spec carries a collateral as its
//!   asset).

mod common;

use alloy::{
    primitives::{Address, U256, address},
    providers::Provider,
    sol,
    sol_types::SolCall,
};
use common::{
    proxy::{policy, proxy},
    *,
};
use faultline_onchain::{
    Chain, Config, Endpoint,
    snapshot::{Request, Stage, Target, snapshot},
};
use faultline_orchestrator::{Engine, Quiet, Scenario, position};
use faultline_snapshot::{EulerVaultSpec, LendingProtocolSpec, Snapshot};
use faultline_test_support::{
    euler_chain::{EulerCollateralSetup, EulerDeployment, EulerSetup},
    lenders_chain::Coin,
};
use rust_decimal::Decimal;
use std::time::Duration;

sol! {
    function accountLiquidity(address account, bool liquidation) external view returns (uint256 collateralValue, uint256 liabilityValue);
    function LTVLiquidation(address collateral) external view returns (uint16);
    function convertToAssets(uint256 shares) external view returns (uint256);
}

/// anvil's first dev account (its default mnemonic): the sender of every set-up transaction.
const SENDER: Address = address!("f39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
const DAY: u64 = 24 * 3600;
/// Borrowed share of the liquidation limit, per mille.
const BORROW_PER_MILLE: [u64; 3] = [500, 990, 1010];

fn pow10(n: u8) -> U256 {
    U256::from(10u8).pow(U256::from(n))
}

fn setup() -> EulerSetup {
    EulerSetup {
        asset: Coin { decimals: 6, symbol: "USDC".into() },
        price: pow10(18),
        // 0 base, 4% a year below an 80% kink, 60% above (per second, RAY per utilisation unit).
        irm: (
            U256::ZERO,
            U256::from(294_967_296u64),
            U256::from(4_423_000_000u64),
            u32::MAX / 5 * 4,
        ),
        interest_fee: 1_000,
        max_liquidation_discount: 1_500,
        config_flags: 1,
        collaterals: vec![
            EulerCollateralSetup {
                coin: Coin { decimals: 18, symbol: "WETH".into() },
                price: U256::from(3_000u64) * pow10(18),
                borrow_ltv: 8_000,
                liquidation_ltv: 8_500,
            },
            EulerCollateralSetup {
                coin: Coin { decimals: 8, symbol: "WBTC".into() },
                price: U256::from(60_000u64) * pow10(18),
                borrow_ltv: 7_000,
                liquidation_ltv: 7_700,
            },
        ],
    }
}

async fn call<C: SolCall>(chain: &Chain, to: Address, c: &C) -> C::Return {
    let out = chain.call("test", to, c.abi_encode().into()).await.expect("eth_call");
    C::abi_decode_returns(&out).expect("decode")
}

fn euler_spec(snap: &Snapshot) -> &EulerVaultSpec {
    let [market] = snap.lending_markets.as_slice() else { panic!("one market") };
    let LendingProtocolSpec::EulerV2(spec) = &market.protocol else { panic!("an Euler vault") };
    spec
}

/// `raw` units of account (18 decimals) as a decimal.
fn uoa(raw: U256) -> Decimal {
    Decimal::from_i128_with_scale(i128::try_from(raw).expect("fits"), 18)
}

#[tokio::test(flavor = "current_thread")]
async fn euler_vault_and_liquidity_read_back_at_a_pinned_block() {
    let evm = Evm::start().await;
    let multicall = deploy_multicall(&evm).await;
    let s = setup();
    let mut d = EulerDeployment::deploy(&evm, &s).await.expect("deploy Euler stand-ins");

    // A depositor (the sender), a lender, and a share transfer to an account that never deposited.
    let (lender, receiver) = (Address::repeat_byte(0xa1), Address::repeat_byte(0xa2));
    let (big, small) = (U256::from(1_000_000u64) * pow10(6), U256::from(500_000u64) * pow10(6));
    d.deposit(&evm, big, SENDER).await.expect("deposit");
    d.deposit(&evm, small, lender).await.expect("deposit for the lender");
    let sent = U256::from(10_000u64) * pow10(6);
    d.transfer(&evm, receiver, sent).await.expect("share transfer");

    // Borrowers: each collateral at three shares of its liquidation limit, one with both.
    let mut borrowers = Vec::new();
    let mut borrowed = U256::ZERO;
    for (i, c) in s.collaterals.iter().enumerate() {
        let shares = U256::from(if i == 0 { 10u8 } else { 1 }) * pow10(c.coin.decimals);
        // Vault 1's shares are worth more than their asset: 5% more assets than shares credited.
        let assets = if i == 0 { shares } else { shares * U256::from(105u8) / U256::from(100u8) };
        for (k, pm) in BORROW_PER_MILLE.iter().enumerate() {
            let b = Address::with_last_byte(0x10 + u8::try_from(3 * i + k).expect("small"));
            d.pledge(&evm, b, i, shares, assets).await.expect("pledge");
            borrowers.push((b, i, shares, *pm));
        }
    }
    for (b, i, shares, pm) in borrowers.clone() {
        let value = call_value(&evm, &d, i, shares).await;
        let limit = value * U256::from(s.collaterals[i].liquidation_ltv) / U256::from(10_000u16);
        // USDC at $1: 1e12 units of account per unit.
        let debt = limit * U256::from(pm) / U256::from(1_000u16) / pow10(12);
        d.borrow(&evm, b, debt).await.expect("borrow");
        borrowed += debt;
    }
    let both = Address::repeat_byte(0xb0);
    d.pledge(&evm, both, 0, pow10(18), pow10(18)).await.expect("pledge 0");
    d.pledge(&evm, both, 1, pow10(7), pow10(7)).await.expect("pledge 1");
    let debt_both = U256::from(2_000u64) * pow10(6);
    d.borrow(&evm, both, debt_both).await.expect("borrow both");
    borrowed += debt_both;
    let opened_at = evm.provider().get_block_number().await.expect("block");
    let fees = U256::from(1_234u64);
    d.book_fees(&evm, fees).await.expect("fees");

    // Collateral 0's liquidation LTV cut from 85% to 75% over ten days; two days pass.
    d.set_ltv(&evm, 0, 7_000, 7_500, u32::try_from(10 * DAY).expect("fits")).await.expect("ramp");
    advance(&evm, 2 * DAY).await;

    let mut config = Config::new(Endpoint::Http(evm.endpoint()));
    config.multicall = multicall;
    config.policy.min_interval = Duration::ZERO;
    let record = temp_dir("euler-record");
    config.record = Some(record.clone());
    let chain = Chain::connect(&config).await.expect("connect");
    let block = *chain.block();
    let request = Request::new(vec![Target::Euler(d.vault)]);
    let mut trips = 0;
    let snap = snapshot(&chain, &request, &mut |stage| {
        if let Stage::Done { round_trips } = stage {
            trips = round_trips;
        }
    })
    .await
    .expect("snapshot");
    eprintln!("Euler snapshot: {trips} round trips");
    let spec = euler_spec(&snap);
    let text = serde_json::to_string_pretty(&snap).expect("json");
    assert_eq!(Snapshot::from_json(&text).expect("valid"), snap);

    // ---- Every field equals the set-up ----
    assert_eq!(snap.timestamp, block.timestamp);
    assert_eq!(spec.asset, "USDC");
    assert_eq!(spec.max_liquidation_discount, 1_500);
    assert!(!spec.socialize_debt, "CFG_DONT_SOCIALIZE_DEBT set");
    assert_eq!(spec.cash.0, big + small - borrowed);
    let deposited = big + small; // shares 1:1 on an empty vault, then at 1 (no interest)
    assert_eq!(spec.total_shares.0, deposited + fees);
    let irm = spec.irm.as_ref().expect("IRMLinearKink read");
    assert_eq!((irm.base_rate.0, irm.slope1.0, irm.slope2.0, irm.kink), s.irm);
    assert_eq!(irm.interest_fee, 1_000);
    assert_eq!(spec.collaterals.len(), 2);
    let ramped =
        call(&chain, d.vault, &LTVLiquidationCall { collateral: d.collateral_vaults[0] }).await;
    // 75% + 10% · 8/10 of the ramp left (to the second: the timestamps are the blocks').
    assert!((8_250..8_500).contains(&ramped), "{ramped}");
    assert_eq!(
        (spec.collaterals[0].token.as_str(), spec.collaterals[0].borrow_ltv),
        ("WETH", 7_000)
    );
    assert_eq!(spec.collaterals[0].liquidation_ltv, ramped);
    assert!(snap.lending_markets[0].source.reference.contains("ramping from 8500 to 7500"));
    assert_eq!(
        (
            spec.collaterals[1].token.as_str(),
            spec.collaterals[1].borrow_ltv,
            spec.collaterals[1].liquidation_ltv
        ),
        ("WBTC", 7_000, 7_700)
    );
    let usd = |sym: &str| snap.tokens.iter().find(|t| t.symbol == sym).expect(sym).price_usd;
    assert_eq!(usd("USDC"), Decimal::ONE);
    assert_eq!(usd("WETH"), Decimal::from(3_000));
    assert_eq!(usd("WBTC"), Decimal::from(60_000));
    // Every account found: the depositors, the receiver by its Transfer, every borrower.
    assert_eq!(spec.positions.len(), 3 + borrowers.len() + 1);
    let shares_of =
        |a: Address| spec.positions.iter().find(|p| p.account.0 == a).expect("position").shares.0;
    assert_eq!(shares_of(SENDER), big - sent);
    assert_eq!((shares_of(lender), shares_of(receiver)), (small, sent));
    // WBTC balances in assets, converted as the collateral vault does.
    let p = spec.positions.iter().find(|p| p.account.0 == borrowers[3].0).expect("wbtc borrower");
    let converted =
        call(&chain, d.collateral_vaults[1], &convertToAssetsCall { shares: pow10(8) }).await;
    assert!(converted > pow10(8), "WBTC vault shares worth more than their asset");
    assert_eq!(p.collateral[0].amount.0, converted);

    // ---- The engine's verdict equals accountLiquidity for every position ----
    let market_id = &snap.lending_markets[0].id;
    assert_eq!(*market_id, format!("euler-{}", d.vault));
    let (mut liquidatable, mut healthy) = (0, 0);
    for p in &spec.positions {
        let a = p.account.0;
        if p.collateral.is_empty() && p.debt.0.is_zero() {
            continue;
        }
        let liq =
            call(&chain, d.vault, &accountLiquidityCall { account: a, liquidation: true }).await;
        let bor =
            call(&chain, d.vault, &accountLiquidityCall { account: a, liquidation: false }).await;
        let report = position::from_snapshot(&snap, market_id, a).expect("position");
        assert_eq!(report.liquidation_value, uoa(liq.collateralValue), "collateral value of {a}");
        assert_eq!(report.debt_value, uoa(liq.liabilityValue), "liability value of {a}");
        assert_eq!(
            report.borrowing_power,
            uoa(bor.collateralValue.saturating_sub(bor.liabilityValue)),
            "borrowing power of {a}"
        );
        let says = !liq.liabilityValue.is_zero() && liq.collateralValue <= liq.liabilityValue;
        assert_eq!(report.liquidatable, says, "liquidatable {a}");
        if says { liquidatable += 1 } else { healthy += 1 }
    }
    eprintln!("{liquidatable} liquidatable, {healthy} healthy");
    // WETH at 101% and (inside the ramp) at 99%, WBTC at 101%.
    assert_eq!((liquidatable, healthy), (3, 4));

    // The stress engine builds from the snapshot and runs.
    let scenario = Scenario::from_toml(
        "name = \"an hour\"\nsnapshot = \"unused\"\nstep_secs = 3600\nhorizon_secs = 3600\n",
    )
    .expect("scenario");
    Engine::new(&snap, &scenario).expect("engine builds").run(&mut Quiet).expect("engine runs");

    // A discovery that starts after the borrowers opened misses them: an error naming the vault
    // and the gap; given by the caller, they close it.
    let mut late = request.clone();
    late.from_block = opened_at + 1;
    let err = snapshot(&chain, &late, &mut |_| {}).await.expect_err("borrowers missed");
    let text = err.to_string();
    assert!(
        text.contains(&format!("Euler vault {}", d.vault)) && text.contains("totalBorrows"),
        "{text}"
    );
    late.accounts = spec.positions.iter().map(|p| p.account.0).collect();
    let closed = snapshot(&chain, &late, &mut |_| {}).await.expect("accounts given");
    assert_eq!(closed.lending_markets, snap.lending_markets);

    // A target that is not a vault: an error naming it and the call.
    for not_vault in [d.asset, Address::repeat_byte(0x42)] {
        let bad = Request::new(vec![Target::Euler(not_vault)]);
        let err = snapshot(&chain, &bad, &mut |_| {}).await.expect_err("not a vault");
        let text = err.to_string();
        assert!(text.contains(&format!("euler({not_vault}).asset()")), "{text}");
    }

    // The recording replays offline to the same snapshot.
    let mut replay = Config::new(Endpoint::Replay(record));
    replay.multicall = multicall;
    replay.block = Some(block.number);
    let offline = Chain::connect(&replay).await.expect("replay");
    let replayed = snapshot(&offline, &request, &mut |_| {}).await.expect("replayed snapshot");
    assert_eq!(replayed, snap);

    // Through the fault-injecting proxy: the same snapshot; without retries, an error.
    let (url, _) = proxy(evm.endpoint().trim_start_matches("http://").to_owned()).await;
    let mut faulty = Config::new(Endpoint::Http(url));
    faulty.multicall = multicall;
    faulty.block = Some(block.number);
    faulty.calls_per_batch = 8;
    faulty.policy = policy(8);
    let mut paged = request.clone();
    paged.log_span = 64;
    let chain = Chain::connect(&faulty).await.expect("connect through faults");
    let mut through = snapshot(&chain, &paged, &mut |_| {}).await.expect("snapshot through faults");
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

    // A second collateral vault over WETH: the spec carries a collateral as its asset, so the
    // read refuses it by name rather than merge or drop one.
    let weth = d.collateral_assets[0];
    let again = d.add_collateral(&evm, weth, 5_000, 6_000).await.expect("second WETH vault");
    let chain = Chain::connect(&config).await.expect("connect after listing");
    let err = snapshot(&chain, &request, &mut |_| {}).await.expect_err("two WETH collaterals");
    let text = err.to_string();
    assert!(
        text.contains(&format!("collateral {again} of Euler vault {}", d.vault))
            && text.contains(&format!("asset {weth} again")),
        "{text}"
    );
}

/// The router's value of `shares` of collateral vault `i` (`getQuote`, as the vault's liquidity
/// check takes it).
async fn call_value(evm: &Evm, d: &EulerDeployment, i: usize, shares: U256) -> U256 {
    sol! {
        function getQuote(uint256 inAmount, address base, address quote) external view returns (uint256);
    }
    let c = getQuoteCall {
        inAmount: shares,
        base: d.collateral_vaults[i],
        quote: faultline_test_support::euler_chain::USD,
    };
    let out = evm.call(d.router, c.abi_encode().into()).await.expect("getQuote");
    getQuoteCall::abi_decode_returns(&out).expect("decode")
}
