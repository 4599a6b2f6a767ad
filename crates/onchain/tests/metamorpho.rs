//! MetaMorpho v1.0 and v1.1 vaults on a real Morpho Blue on anvil, read back through the reader.
//!
//! MetaMorpho has no npm package: the vaults are our stand-ins `MetaMorphoV1_0Like` and
//! `MetaMorphoV1_1Like` (`crates/test-support/solidity/MetaMorphoLike.sol`), which expose the real
//! ABI of the getters read (from `IMetaMorpho.sol` / `IMetaMorphoV1_1.sol`) with bodies of our own,
//! on Morpho Blue 1.0.0 compiled from npm. What is proven is that the reader reads that ABI right,
//! recomputes the vault's total assets from its Morpho positions exactly as the vault does, and
//! assembles a snapshot the engine runs on — not MetaMorpho's own bytecode.
//!
//! Two markets lending a USDC-like token plus the idle market; a v1.0 vault (10% fee) spread over
//! all three by its caps, a v1.1 vault (20% fee) in the first only, with lost assets booked;
//! borrowers in the first market at a 3e9/s rate; 30 days pass. Then at one block:
//! - every field read equals the set-up (version detected from `lostAssets()`), and the reader's
//!   total assets equal the vault's own `totalAssets()` (checked inside the reader);
//! - the pending fee shares the reader adds give the vault's own `convertToAssets`;
//! - the snapshot holds both vaults, the two markets once each (added automatically), the vault's
//!   positions in them, the idle market's assets as `idle_assets`, and the engine runs on it;
//! - a vault on another Morpho and a target that is not a vault are errors naming them;
//! - a recording replays to the same snapshot; the fault proxy gives the same snapshot.

mod common;

use alloy::{
    primitives::{Address, B256, U256},
    sol,
    sol_types::SolCall,
};
use common::{
    proxy::{policy, proxy},
    *,
};
use faultline_onchain::{
    Chain, Config, Endpoint,
    readers::metamorpho::read_vault,
    snapshot::{Request, Target, TokenKey, UsdPrice, snapshot},
};
use faultline_orchestrator::{Engine, Quiet, Scenario};
use faultline_snapshot::{
    Confidence, LendingProtocolSpec, Snapshot, Source, SourceKind, VaultVersionSpec,
};
use faultline_test_support::lenders_chain::{VaultDeployment, create_idle_market};
use rust_decimal::Decimal;
use std::time::Duration;

sol! {
    function convertToAssets(uint256 shares) external view returns (uint256);
}

const RATE: u64 = 3_000_000_000;
const MONTH: u64 = 30 * 24 * 3600;

fn usdc(n: u64) -> U256 {
    U256::from(n) * U256::from(1_000_000u64)
}

fn token(byte: u8, decimals: u8, symbol: &str) -> TokenSetup {
    TokenSetup { address: Address::repeat_byte(byte), decimals, symbol: symbol.into() }
}

#[tokio::test(flavor = "current_thread")]
async fn metamorpho_vaults_read_back_with_their_markets() {
    let evm = Evm::start().await;
    let multicall = deploy_multicall(&evm).await;
    let mut morpho = MorphoDeployment::deploy(&evm).await.expect("Morpho Blue");
    let irm = Address::repeat_byte(0x1e);
    morpho.place_irm(&evm, irm, U256::from(RATE)).await.expect("irm");
    let loan = token(0xa1, 6, "USDC");
    let e36 = U256::from(10u8).pow(U256::from(36u8));
    let markets: Vec<MarketSetup> = [(0xb1, "WETH", 0xc1, 860u64), (0xb2, "WBTC", 0xc2, 915)]
        .iter()
        .map(|(c, sym, oracle, lltv)| MarketSetup {
            loan: loan.clone(),
            collateral: token(*c, 18, sym),
            oracle: Address::repeat_byte(*oracle),
            // 2,000 USDC units per whole collateral: 2000e6 · 1e36 / 1e18.
            price: U256::from(2_000_000_000u64) * e36 / U256::from(10u8).pow(U256::from(18u8)),
            irm,
            lltv: U256::from(*lltv) * U256::from(10u8).pow(U256::from(15u8)),
        })
        .collect();
    for m in &markets {
        morpho.create_market(&evm, m).await.expect("market");
    }
    let idle = create_idle_market(&evm, &morpho, loan.address).await.expect("idle market");
    let ids: Vec<B256> = markets
        .iter()
        .map(|m| faultline_onchain::readers::morpho::market_id(&model_params(&m.params())))
        .collect();
    let idle_id = faultline_onchain::readers::morpho::market_id(&model_params(&idle));

    let owner = morpho.owner;
    let steady = VaultDeployment::deploy(&evm, morpho.morpho, loan.address, "Steady USDC", false)
        .await
        .expect("v1.0 vault");
    let lossy = VaultDeployment::deploy(&evm, morpho.morpho, loan.address, "Lossy USDC", true)
        .await
        .expect("v1.1 vault");
    let recipient = Address::repeat_byte(0xfe);
    let caps: [u128; 3] = [600_000_000_000, 300_000_000_000, u128::from(u64::MAX)];
    for v in [&steady, &lossy] {
        for (params, cap) in [&markets[0].params(), &markets[1].params(), &idle].iter().zip(caps) {
            v.set_cap(&evm, params, cap).await.expect("cap");
        }
        v.set_supply_queue(&evm, &[ids[0], ids[1], idle_id]).await.expect("queue");
    }
    let wad = U256::from(10u8).pow(U256::from(18u8));
    steady.set_fee(&evm, recipient, wad / U256::from(10u8)).await.expect("fee");
    lossy.set_fee(&evm, recipient, wad / U256::from(5u8)).await.expect("fee");
    // 1,000,000 into the v1.0 vault: 600k, 300k, then 100k idle; 500,000 into the v1.1 one.
    steady.deposit(&evm, owner, usdc(1_000_000)).await.expect("deposit");
    lossy.deposit(&evm, owner, usdc(500_000)).await.expect("deposit");
    // Borrowers in the first market (its harness supplies 100,000 too).
    let collateral = U256::from(1_000u64) * wad;
    morpho
        .open_positions(
            &evm,
            &markets[0],
            usdc(100_000),
            &[collateral; 2],
            &[usdc(500_000), usdc(100_000)],
        )
        .await
        .expect("borrowers");
    let lost = usdc(1_234);
    lossy.set_lost_assets(&evm, lost).await.expect("lost assets");
    advance(&evm, MONTH).await;

    let record = temp_dir("metamorpho-record");
    let mut config = Config::new(Endpoint::Http(evm.endpoint()));
    config.multicall = multicall;
    config.record = Some(record.clone());
    config.policy.min_interval = Duration::ZERO;
    let chain = Chain::connect(&config).await.expect("connect");
    let block = *chain.block();

    // The reads: every field as set up.
    let s = read_vault(&chain, steady.vault).await.expect("read v1.0");
    let l = read_vault(&chain, lossy.vault).await.expect("read v1.1");
    assert!(!s.v1_1 && l.v1_1, "versions from lostAssets()");
    assert_eq!((s.name.as_str(), l.name.as_str()), ("Steady USDC", "Lossy USDC"));
    assert_eq!((s.asset, s.morpho, s.fee_recipient), (loan.address, morpho.morpho, recipient));
    assert_eq!((s.fee, l.fee), (wad / U256::from(10u8), wad / U256::from(5u8)));
    assert_eq!(s.supply_queue, vec![ids[0], ids[1], idle_id]);
    let queue: Vec<(B256, U256, bool)> =
        s.withdraw_queue.iter().map(|a| (a.id, a.cap, a.idle)).collect();
    assert_eq!(
        queue,
        vec![
            (ids[0], U256::from(caps[0]), false),
            (ids[1], U256::from(caps[1]), false),
            (idle_id, U256::from(caps[2]), true)
        ]
    );
    assert_eq!((s.lost_assets, l.lost_assets_stored, l.lost_assets), (U256::ZERO, lost, lost));
    // 300k in the second market and 100k idle, untouched by interest (no borrower there).
    assert_eq!(s.withdraw_queue[1].supply_assets, usdc(300_000));
    assert_eq!(s.withdraw_queue[2].supply_assets, usdc(100_000));
    assert_eq!(l.withdraw_queue[1].supply_assets, U256::ZERO);
    // The first market earned: more than deposited, and the fee shares are due.
    assert!(s.withdraw_queue[0].supply_assets > usdc(600_000));
    assert!(s.fee_shares > U256::ZERO && l.fee_shares > U256::ZERO);
    // The vault's own conversion counts the same pending fee shares.
    for v in [&s, &l] {
        let shares = U256::from(10u8).pow(U256::from(24u8));
        let out = chain
            .call("convertToAssets", v.vault, convertToAssetsCall { shares }.abi_encode().into())
            .await
            .expect("convertToAssets");
        let theirs = convertToAssetsCall::abi_decode_returns(&out).expect("decode");
        // shares · (totalAssets + 1) / (totalSupply + feeShares + 10^12), USDC's offset 12.
        let ours = shares * (v.total_assets + U256::from(1u8))
            / (v.total_supply + v.fee_shares + U256::from(10u8).pow(U256::from(12u8)));
        assert_eq!(theirs, ours, "convertToAssets of {}", v.vault);
    }

    // The snapshot.
    let mut request =
        Request::new(vec![Target::MetaMorpho(steady.vault), Target::MetaMorpho(lossy.vault)]);
    request.morpho = morpho.morpho;
    request.prices.insert(
        TokenKey::Symbol("USDC".into()),
        UsdPrice {
            usd: Decimal::ONE,
            source: Source {
                kind: SourceKind::Reported,
                reference: "test: USDC at par".into(),
                confidence: Confidence::Medium,
            },
        },
    );
    let snap = snapshot(&chain, &request, &mut |_| {}).await.expect("snapshot");
    let text = serde_json::to_string_pretty(&snap).expect("json");
    assert_eq!(Snapshot::from_json(&text).expect("valid"), snap);
    let market_ids: Vec<&str> = snap.lending_markets.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(market_ids, [format!("morpho-{}", ids[0]), format!("morpho-{}", ids[1])]);
    assert_eq!(snap.vaults.len(), 2);
    for (spec, read) in snap.vaults.iter().zip([&s, &l]) {
        assert_eq!(spec.address.0, read.vault);
        assert_eq!(
            spec.version,
            if read.v1_1 { VaultVersionSpec::V1_1 } else { VaultVersionSpec::V1_0 }
        );
        assert_eq!(spec.total_shares.0, read.total_supply + read.fee_shares);
        assert_eq!(spec.fee.0, read.fee);
        assert_eq!(spec.lost_assets.0, read.lost_assets);
        assert_eq!(spec.withdraw_queue, market_ids);
        assert_eq!(spec.supply_queue, market_ids);
        let got: Vec<U256> = spec.caps.iter().map(|c| c.cap.0).collect();
        assert_eq!(got, [U256::from(caps[0]), U256::from(caps[1])]);
        // Its supply shares are its Morpho positions in the snapshot's markets.
        for (market, allocation) in snap.lending_markets.iter().zip(&read.withdraw_queue) {
            let LendingProtocolSpec::MorphoBlue(m) = &market.protocol else { panic!("Morpho") };
            let shares = m
                .positions
                .iter()
                .find(|p| p.account.0 == read.vault)
                .map(|p| p.supply_shares.0)
                .unwrap_or_default();
            assert_eq!(shares, allocation.supply_shares, "{} in {}", read.vault, market.id);
        }
    }
    assert_eq!(snap.vaults[0].idle_assets.0, usdc(100_000));
    assert_eq!(snap.vaults[1].idle_assets.0, U256::ZERO);
    let scenario = Scenario::from_toml(
        "name = \"an hour\"\nsnapshot = \"unused\"\nstep_secs = 3600\nhorizon_secs = 3600\n",
    )
    .expect("scenario");
    Engine::new(&snap, &scenario).expect("engine builds").run(&mut Quiet).expect("engine runs");

    // Bad input: a vault on another Morpho, a target that is not a vault.
    let mut other = request.clone();
    other.morpho = Address::repeat_byte(0x99);
    let err = snapshot(&chain, &other, &mut |_| {}).await.expect_err("other Morpho").to_string();
    assert!(err.contains(&format!("MORPHO() of metamorpho {}", steady.vault)), "{err}");
    let mut not_vault = request.clone();
    not_vault.targets = vec![Target::MetaMorpho(loan.address)];
    let err = snapshot(&chain, &not_vault, &mut |_| {}).await.expect_err("not a vault").to_string();
    assert!(err.contains(&format!("metamorpho({}).asset()", loan.address)), "{err}");

    // The recording replays offline to the same snapshot.
    let mut replay = Config::new(Endpoint::Replay(record));
    replay.multicall = multicall;
    replay.block = Some(block.number);
    let offline = Chain::connect(&replay).await.expect("replay");
    assert_eq!(snapshot(&offline, &request, &mut |_| {}).await.expect("replayed"), snap);

    // Through the fault-injecting proxy: the same snapshot; without retries, an error.
    let (url, _) = proxy(evm.endpoint().trim_start_matches("http://").to_owned()).await;
    let mut faulty = Config::new(Endpoint::Http(url));
    faulty.multicall = multicall;
    faulty.block = Some(block.number);
    faulty.calls_per_batch = 8;
    faulty.policy = policy(8);
    let mut paged = request.clone();
    paged.log_span = 64;
    let through_chain = Chain::connect(&faulty).await.expect("connect through faults");
    let mut through = snapshot(&through_chain, &paged, &mut |_| {}).await.expect("through faults");
    assert!(through.description.contains("log page(s) fetched"), "{}", through.description);
    through.description.clone_from(&snap.description);
    assert_eq!(through, snap);
    assert!(through_chain.stats().retries() >= 3);
    faulty.policy = policy(0);
    let outcome = async {
        let chain = Chain::connect(&faulty).await?;
        snapshot(&chain, &paged, &mut |_| {}).await
    }
    .await;
    assert!(outcome.is_err(), "a proxy that faults four requests in six fails a retry-less read");
}

const fn model_params(p: &TestMarketParams) -> faultline_lending::morpho::MarketParams {
    faultline_lending::morpho::MarketParams {
        loan_token: p.loanToken,
        collateral_token: p.collateralToken,
        oracle: p.oracle,
        irm: p.irm,
        lltv: p.lltv,
    }
}
