//! Differential test of `faultline_lending::morpho` against the real Morpho Blue contract.
//!
//! `@morpho-org/morpho-blue@1.0.0` `src/Morpho.sol` is compiled with solc-js at its production
//! setting (via IR, 999,999 optimizer runs) and deployed on a local anvil together with mocks of the
//! project's own (`tests/solidity/MorphoMocks.sol`: ERC-20, a settable oracle per market, a fixed
//! rate IRM) and a harness (`tests/solidity/MorphoHarness.sol`) that creates the markets, supplies,
//! pledges and borrows in real transactions. A year then passes on the chain. Each market is then
//! probed twice inside `eth_call`s: set a new oracle price, call `liquidate` with seized assets or
//! repaid shares (valid, too large, both, neither), and observe the returned amounts, the revert
//! data, and the market and position before and after. The model replays the same operations and
//! must agree on every field to the wei, and on every revert's exact data.

use alloy::{
    primitives::{Address, Bytes, U256},
    providers::Provider,
    sol,
    sol_types::{Panic, Revert, SolCall, SolError, SolValue},
};
use faultline_lending::{
    Error,
    morpho::{self, Irm, MarketParams, MarketState, MorphoMarket, ORACLE_PRICE_SCALE},
};
use faultline_test_support::{Evm, Inputs, solc};

sol! {
    struct SolMarket {
        uint128 totalSupplyAssets;
        uint128 totalSupplyShares;
        uint128 totalBorrowAssets;
        uint128 totalBorrowShares;
        uint128 lastUpdate;
        uint128 fee;
    }
    struct SolPosition {
        uint256 supplyShares;
        uint128 borrowShares;
        uint128 collateral;
    }
    #[derive(Debug)]
    struct Setup {
        uint256 lltv;
        uint256 rate;
        uint256 fee;
        uint256 supplyAssets;
        uint256 collateral;
        uint256 borrowAssets;
        uint256 price;
    }
    #[derive(Debug)]
    struct Probe {
        uint256 market;
        uint256 price;
        uint256 seizedAssets;
        uint256 repaidShares;
    }
    struct Observation {
        uint256 timestamp;
        SolMarket before;
        SolPosition positionBefore;
        bool ok;
        bytes returned;
        SolMarket afterwards;
        SolPosition positionAfter;
        uint256 feeShares;
    }
    function setOwner(address newOwner) external;
    function init() external;
    function setup(Setup[] cases) external;
    function probeAll(Probe[] probes) external returns (bytes[] observations);
}

const MARKETS: usize = 500;
const PROBES_PER_MARKET: usize = 2;
const FEE_RECIPIENT: Address =
    Address::new([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0F, 0xEE]);
const E18: u64 = 1_000_000_000_000_000_000;
const YEAR: u64 = 365 * 24 * 3600;

const fn params(lltv: U256) -> MarketParams {
    MarketParams {
        loan_token: Address::repeat_byte(1),
        collateral_token: Address::repeat_byte(2),
        oracle: Address::repeat_byte(3),
        irm: Address::repeat_byte(4),
        lltv,
    }
}

/// The model of one market after the harness's setup transaction, created at `t0`.
fn build(setup: &Setup, account: Address, t0: u64) -> faultline_lending::Result<MorphoMarket> {
    let mut m = MorphoMarket::create(
        params(setup.lltv),
        Irm::Fixed { rate_per_second: setup.rate },
        setup.price,
        t0,
    )?;
    m.set_fee_recipient(FEE_RECIPIENT);
    if !setup.fee.is_zero() {
        m.set_fee(setup.fee)?;
    }
    m.supply(account, setup.supplyAssets, U256::ZERO)?;
    m.supply_collateral(account, setup.collateral)?;
    if !setup.borrowAssets.is_zero() {
        m.borrow(account, setup.borrowAssets, U256::ZERO)?;
    }
    Ok(m)
}

fn fraction(inputs: &mut Inputs, amount: U256, per_mille_max: u64) -> U256 {
    amount * U256::from(inputs.below(per_mille_max + 1)) / U256::from(1000u16)
}

/// A random market the model accepts: LLTVs from governance's list and arbitrary ones, rates up to
/// ~300%/yr, fees up to the 25% cap, amounts over many magnitudes, prices for any decimals gap.
fn draw_setup(inputs: &mut Inputs, account: Address) -> Setup {
    const TIERS: [u64; 9] = [385, 500, 625, 770, 860, 915, 945, 965, 980];
    let e15 = U256::from(1_000_000_000_000_000u64);
    let lltv = match inputs.below(3) {
        0 => U256::from(inputs.below(999_999_999_999_999_999)),
        _ => U256::from(TIERS[inputs.below(9) as usize]) * e15,
    };
    let rate = match inputs.below(5) {
        0 => U256::ZERO,
        _ => U256::from(inputs.below(100_000_000_000)),
    };
    let fee = match inputs.below(2) {
        0 => U256::ZERO,
        _ => U256::from(inputs.below(250_000_000_000_000_000) + 1),
    };
    let collateral = inputs.bits(100) + U256::from(1u8);
    // The collateral's worth in loan units, over many magnitudes; the price follows from it
    // (any decimals gap), rounded to a few significant digits half the time.
    let value = inputs.bits(100) + U256::from(1u8);
    let mut price = value * ORACLE_PRICE_SCALE / collateral;
    if inputs.below(2) == 0 {
        let digits = U256::from(10u8).pow(U256::from(price.log10().saturating_sub(3)));
        price = price / digits * digits;
    }
    let price = price.max(U256::from(1u8));
    // Enough supply to lend the whole borrowing capacity, or less, so both limits bind.
    let capacity = value * lltv / U256::from(E18);
    let supply = match inputs.below(4) {
        0 => inputs.bits(100),
        _ => capacity + fraction(inputs, capacity, 2000),
    } + U256::from(1u8);
    let mut setup = Setup {
        lltv,
        rate,
        fee,
        supplyAssets: supply,
        collateral,
        borrowAssets: U256::ZERO,
        price,
    };
    let Ok(model) = build(&setup, account, 0) else { return setup };
    let max = model.max_borrow(account, price).unwrap_or_default().min(supply);
    // Mostly close to the limit, so that a price drop or a year of interest makes it liquidatable.
    let per_mille = if inputs.below(4) == 0 { inputs.below(1001) } else { 950 + inputs.below(51) };
    let mut borrow =
        (max * U256::from(per_mille) / U256::from(1000u16)).max(U256::from(1u8)).min(max);
    // Share rounding can make the very last wei unhealthy: step down until the model accepts.
    for _ in 0..3 {
        setup.borrowAssets = borrow;
        if borrow.is_zero() || build(&setup, account, 0).is_ok() {
            return setup;
        }
        borrow -= U256::from(1u8);
    }
    setup.borrowAssets = U256::ZERO;
    setup
}

fn draw_probe(
    inputs: &mut Inputs,
    market: usize,
    setup: &Setup,
    model: &MorphoMarket,
    account: Address,
) -> Probe {
    let price = match inputs.below(6) {
        0 => setup.price,
        1 => U256::ZERO,
        2 => setup.price * U256::from(inputs.below(1000) + 1) / U256::from(100_000u32),
        _ => setup.price * U256::from(inputs.below(500) + 500) / U256::from(1000u16),
    };
    let p = model.position(account);
    let one = U256::from(1u8);
    let (seized_assets, repaid_shares) = match inputs.below(10) {
        0 | 1 => (fraction(inputs, p.collateral, 1000).max(one), U256::ZERO),
        2 => (p.collateral, U256::ZERO),
        3 => (p.collateral + one, U256::ZERO),
        4 | 5 => (U256::ZERO, fraction(inputs, p.borrow_shares, 1000).max(one)),
        6 => (U256::ZERO, p.borrow_shares.max(one)),
        7 => (U256::ZERO, p.borrow_shares + one),
        8 => (U256::ZERO, U256::ZERO),
        _ => (one, one),
    };
    Probe {
        market: U256::from(market),
        price,
        seizedAssets: seized_assets,
        repaidShares: repaid_shares,
    }
}

fn state(m: &SolMarket) -> MarketState {
    MarketState {
        total_supply_assets: U256::from(m.totalSupplyAssets),
        total_supply_shares: U256::from(m.totalSupplyShares),
        total_borrow_assets: U256::from(m.totalBorrowAssets),
        total_borrow_shares: U256::from(m.totalBorrowShares),
        last_update: U256::from(m.lastUpdate),
        fee: U256::from(m.fee),
    }
}

fn position(p: &SolPosition) -> morpho::Position {
    morpho::Position {
        supply_shares: p.supplyShares,
        borrow_shares: U256::from(p.borrowShares),
        collateral: U256::from(p.collateral),
    }
}

/// The exact revert data the contract produces for a model error.
fn revert_data(error: &Error) -> Bytes {
    match error {
        Error::Revert { reason, .. } => Revert::from(*reason).abi_encode().into(),
        Error::Arithmetic(e) => match e.solidity_panic_code() {
            Some(code) => Panic::from(u64::from(code)).abi_encode().into(),
            None => panic!("model error without a Solidity form: {e}"),
        },
        other => panic!("model error without a Solidity form: {other}"),
    }
}

#[derive(Debug, Default)]
struct Tally {
    liquidated: usize,
    with_bad_debt: usize,
    healthy: usize,
    other_reverts: usize,
}

#[tokio::test(flavor = "current_thread")]
async fn liquidate_matches_morpho_blue_on_500_markets() {
    let morpho_code = solc::compile(
        &["tools/evm/node_modules/@morpho-org/morpho-blue/src/Morpho.sol"],
        solc::Settings { optimizer_runs: Some(999_999), via_ir: true },
    )
    .and_then(|c| c.bytecode("Morpho"))
    .unwrap_or_else(|e| panic!("compiling Morpho.sol: {e}"));
    let harness_code = solc::compile(
        &["crates/lending/tests/solidity/MorphoHarness.sol"],
        solc::Settings::HARNESS,
    )
    .and_then(|c| c.bytecode("MorphoHarness"))
    .unwrap_or_else(|e| panic!("compiling the harness: {e}"));

    let evm = Evm::start().await.unwrap_or_else(|e| panic!("starting anvil: {e}"));
    let owner = evm.provider().get_accounts().await.expect("accounts")[0];
    let morpho_address = evm
        .deploy([morpho_code.as_ref(), &owner.abi_encode()].concat().into())
        .await
        .expect("deploy Morpho");
    let harness = evm
        .deploy([harness_code.as_ref(), &morpho_address.abi_encode()].concat().into())
        .await
        .expect("deploy harness");
    evm.send(morpho_address, setOwnerCall { newOwner: harness }.abi_encode().into())
        .await
        .expect("setOwner");
    evm.send(harness, initCall {}.abi_encode().into()).await.expect("init");

    // Markets, set up in real transactions.
    let mut inputs = Inputs::new("morpho.liquidate");
    let setups: Vec<Setup> = (0..MARKETS).map(|_| draw_setup(&mut inputs, harness)).collect();
    for chunk in setups.chunks(50) {
        evm.send(harness, setupCall { cases: chunk.to_vec() }.abi_encode().into())
            .await
            .unwrap_or_else(|e| panic!("setup transaction (the model accepted every step): {e}"));
    }
    // A year passes.
    let provider = evm.provider();
    let _: serde_json::Value =
        provider.raw_request("evm_increaseTime".into(), (YEAR,)).await.expect("increaseTime");
    let _: serde_json::Value = provider.raw_request("evm_mine".into(), ()).await.expect("mine");

    let mut probes = Vec::new();
    for (i, setup) in setups.iter().enumerate() {
        let model = build(setup, harness, 0).expect("model setup");
        for _ in 0..PROBES_PER_MARKET {
            probes.push(draw_probe(&mut inputs, i, setup, &model, harness));
        }
    }

    let mut tally = Tally::default();
    let mut compared = 0usize;
    for chunk in probes.chunks(100) {
        let returned = evm
            .call(harness, probeAllCall { probes: chunk.to_vec() }.abi_encode().into())
            .await
            .expect("probeAll");
        let observations = probeAllCall::abi_decode_returns(&returned).expect("decode probeAll");
        for (probe, data) in chunk.iter().zip(observations) {
            let o = Observation::abi_decode(&data)
                .unwrap_or_else(|e| panic!("probe {probe:?} did not observe: {e}: {data}"));
            let setup = &setups[probe.market.to::<usize>()];
            let t0 = u64::try_from(o.before.lastUpdate).expect("timestamp");
            let mut model = build(setup, harness, t0).expect("model setup");
            let ctx = format!("market {} {setup:?} probe {probe:?}", probe.market);
            assert_eq!(*model.state(), state(&o.before), "setup state, {ctx}");
            assert_eq!(
                model.position(harness),
                position(&o.positionBefore),
                "setup position, {ctx}"
            );
            model.set_time(o.timestamp.to::<u64>()).expect("clock");
            model.set_price(probe.price);
            let consistent = probe.seizedAssets.is_zero() != probe.repaidShares.is_zero();
            let liquidatable = faultline_lending::LendingMarket::is_liquidatable(&model, harness);
            match model.liquidate(harness, probe.seizedAssets, probe.repaidShares) {
                Ok(out) => {
                    assert!(o.ok, "model liquidates, chain reverts with {}, {ctx}", o.returned);
                    let (seized, repaid) =
                        <(U256, U256)>::abi_decode(&o.returned).expect("liquidate returns");
                    assert_eq!((out.seized_assets, out.repaid_assets), (seized, repaid), "{ctx}");
                    tally.liquidated += 1;
                    if !out.bad_debt_assets.is_zero() {
                        tally.with_bad_debt += 1;
                    }
                }
                Err(error) => {
                    assert!(!o.ok, "model reverts with {error}, chain liquidates, {ctx}");
                    assert_eq!(o.returned, revert_data(&error), "revert data for {error}, {ctx}");
                    if error
                        == Error::revert(
                            faultline_lending::Protocol::MorphoBlue,
                            morpho::reason::HEALTHY_POSITION,
                        )
                    {
                        tally.healthy += 1;
                    } else {
                        tally.other_reverts += 1;
                    }
                    model.accrue().expect("accrue after a revert");
                }
            }
            if consistent && liquidatable.is_ok() {
                let healthy_on_chain = o.returned
                    == revert_data(&Error::revert(
                        faultline_lending::Protocol::MorphoBlue,
                        morpho::reason::HEALTHY_POSITION,
                    ));
                assert_eq!(liquidatable, Ok(!healthy_on_chain), "is_liquidatable, {ctx}");
            }
            assert_eq!(*model.state(), state(&o.afterwards), "market after, {ctx}");
            assert_eq!(
                model.position(harness),
                position(&o.positionAfter),
                "position after, {ctx}"
            );
            assert_eq!(
                model.position(FEE_RECIPIENT).supply_shares,
                o.feeShares,
                "fee shares, {ctx}"
            );
            compared += 1;
        }
    }
    eprintln!("{compared} liquidations on {MARKETS} markets compared: {tally:?}");
    assert_eq!(compared, MARKETS * PROBES_PER_MARKET);
    assert!(
        tally.liquidated >= 200 && tally.with_bad_debt >= 50,
        "too few liquidations: {tally:?}"
    );
    assert!(tally.healthy >= 50 && tally.other_reverts >= 100, "too few reverts: {tally:?}");
}
