//! A Uniswap v3 pool from the `@uniswap/v3-core@1.0.1` npm artifacts, deployed on anvil through its
//! factory, initialised at price 1 and given four positions by our minter contract; the pool read
//! back through Multicall3 at a pinned block equals what was put in.

mod common;

use alloy::{
    primitives::{
        Address, Bytes, U256,
        aliases::{I24, U24},
        hex,
    },
    sol,
    sol_types::SolCall,
};
use common::{
    proxy::{policy, proxy},
    *,
};
use faultline_onchain::{
    Chain, Config, Endpoint,
    readers::uniswap_v3::{TickRead, bitmap_position, read_pool},
};
use std::collections::BTreeMap;

sol! {
    function createPool(address tokenA, address tokenB, uint24 fee) external returns (address pool);
    function getPool(address tokenA, address tokenB, uint24 fee) external view returns (address pool);
    function initialize(uint160 sqrtPriceX96) external;
}

fn factory_code() -> Bytes {
    let path = faultline_test_support::paths::repo_root().join(
        "tools/evm/node_modules/@uniswap/v3-core/artifacts/contracts/UniswapV3Factory.sol/UniswapV3Factory.json",
    );
    let artifact: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("factory artifact"))
            .expect("json");
    hex::decode(artifact["bytecode"].as_str().expect("bytecode")).expect("hex").into()
}

#[test]
fn bitmap_positions_follow_tickbitmap_position() {
    // TickBitmap.position: wordPos = int16(compressed >> 8), bitPos = uint8(compressed % 256),
    // compressed rounded toward negative infinity. By hand, spacing 60:
    // tick 0 → compressed 0 → (0, 0); tick 60 → 1 → (0, 1); tick -60 → -1 → (-1, 255);
    // tick -61 → ⌊-61/60⌋ = -2 → (-1, 254); tick 15_360 = 256·60 → 256 → (1, 0).
    assert_eq!(bitmap_position(0, 60), (0, 0));
    assert_eq!(bitmap_position(60, 60), (0, 1));
    assert_eq!(bitmap_position(-60, 60), (-1, 255));
    assert_eq!(bitmap_position(-61, 60), (-1, 254));
    assert_eq!(bitmap_position(15_360, 60), (1, 0));
}

#[tokio::test(flavor = "current_thread")]
async fn pool_state_and_ticks_read_back_equal() {
    let evm = Evm::start().await;
    let multicall = deploy_multicall(&evm).await;
    let factory = evm.deploy(factory_code()).await.expect("factory");
    let mut tokens = Vec::new();
    for symbol in ["A", "B"] {
        let t = evm.deploy(code(MOCKS, "Token")).await.expect("token");
        evm.send(t, initCall { decimals_: 18, symbol_: symbol.into() }.abi_encode().into())
            .await
            .expect("init");
        tokens.push(t);
    }
    let fee = U24::from(3000u16);
    evm.send(
        factory,
        createPoolCall { tokenA: tokens[0], tokenB: tokens[1], fee }.abi_encode().into(),
    )
    .await
    .expect("createPool");
    let mut direct = Config::new(Endpoint::Http(evm.endpoint()));
    direct.multicall = multicall;
    let probe = Chain::connect(&direct).await.expect("connect");
    let pool: Address = getPoolCall::abi_decode_returns(
        &probe
            .call(
                "getPool",
                factory,
                getPoolCall { tokenA: tokens[0], tokenB: tokens[1], fee }.abi_encode().into(),
            )
            .await
            .expect("getPool"),
    )
    .expect("pool address");
    // sqrtPriceX96 = 2^96: price 1, which TickMath maps to tick 0 exactly.
    let sqrt_price: U256 = U256::from(1u8) << 96usize;
    evm.send(pool, initializeCall { sqrtPriceX96: sqrt_price.to() }.abi_encode().into())
        .await
        .expect("initialize");
    let minter = evm.deploy(code(MOCKS, "V3Minter")).await.expect("minter");
    let e15 = 1_000_000_000_000_000u128;
    // (lower, upper, liquidity); ±887,220 is the full range at spacing 60.
    let positions = [
        (-600, 600, 1_000 * e15),
        (-120, 1_200, 500 * e15),
        (60, 180, 200 * e15),
        (-887_220, 887_220, e15),
    ];
    for (lower, upper, amount) in positions {
        evm.send(
            minter,
            mintLiquidityCall {
                pool,
                lower: I24::unchecked_from(lower),
                upper: I24::unchecked_from(upper),
                amount,
            }
            .abi_encode()
            .into(),
        )
        .await
        .expect("mint");
    }

    let chain = Chain::connect(&direct).await.expect("connect");
    let read = read_pool(&chain, pool, -1_200, 1_200).await.expect("read pool");
    let (token0, token1) =
        if tokens[0] < tokens[1] { (tokens[0], tokens[1]) } else { (tokens[1], tokens[0]) };
    assert_eq!((read.token0, read.token1, read.fee, read.tick_spacing), (token0, token1, 3000, 60));
    assert_eq!((read.sqrt_price_x96, read.tick, read.unlocked), (sqrt_price, 0, true));
    // In range at tick 0 (lower <= 0 < upper): the first, second and full-range positions.
    assert_eq!(read.liquidity, 1_000 * e15 + 500 * e15 + e15);
    let tick = |gross: u128, net: i128| TickRead { liquidity_gross: gross, liquidity_net: net };
    let signed = |x: u128| i128::try_from(x).expect("fits");
    let expected: BTreeMap<i32, TickRead> = [
        (-600, tick(1_000 * e15, signed(1_000 * e15))),
        (-120, tick(500 * e15, signed(500 * e15))),
        (60, tick(200 * e15, signed(200 * e15))),
        (180, tick(200 * e15, -signed(200 * e15))),
        (600, tick(1_000 * e15, -signed(1_000 * e15))),
        (1_200, tick(500 * e15, -signed(500 * e15))),
    ]
    .into_iter()
    .collect();
    assert_eq!(read.ticks, expected);
    // The whole tick range: the full-range position's two ticks as well.
    let all = read_pool(&chain, pool, -887_272, 887_272).await.expect("read all ticks");
    assert_eq!(all.ticks.len(), 8);
    assert_eq!(all.ticks[&-887_220], tick(e15, signed(e15)));
    assert_eq!(all.ticks[&887_220], tick(e15, -signed(e15)));
}

/// A pool deployed through `faultline_test_support::uniswap_v3_chain` (the v3-core factory,
/// tokens TKN and USD of 18 decimals, price 1, four positions) read into a snapshot as a venue:
/// the venue is the pool's `slot0`, `liquidity` and ticks in the default range; the cascade's
/// engine accepts the snapshot; a sale of 30 TKN priced by the venue's model equals the pool's
/// own `swap` on anvil to the wei (amounts and the price after, which the engine reports as
/// TKN's new price); the recording replays offline to the same snapshot, and a read through the
/// fault-injecting proxy equals it.
#[tokio::test(flavor = "current_thread")]
async fn a_pool_snapshot_prices_a_sale_as_the_pool_swaps_it() {
    use faultline_liquidity::{
        Pair, Side, Venue,
        uniswap_v3::{ConcentratedLiquidity, Pool},
    };
    use faultline_onchain::snapshot::{
        DEFAULT_VENUE_TICKS, Request, Target, TokenKey, UsdPrice, snapshot,
    };
    use faultline_orchestrator::{Scenario, report::EventKind, run, snapshot::VenueModelSpec};
    use faultline_test_support::uniswap_v3_chain::{PoolSetup, deploy_pool};
    use rust_decimal::Decimal;

    let evm = Evm::start().await;
    let multicall = deploy_multicall(&evm).await;
    let e18 = 1_000_000_000_000_000_000u128;
    let setup = PoolSetup {
        tokens: [("TKN".into(), 18), ("USD".into(), 18)],
        fee: 3000,
        sqrt_price_x96: U256::from(1u8) << 96usize,
        positions: vec![
            (-600, 600, 1_000 * e18),
            (-120, 1_200, 500 * e18),
            (60, 180, 200 * e18),
            (-887_220, 887_220, e18),
        ],
    };
    let v3 = deploy_pool(&evm, &setup).await.expect("deploy the pool");
    let tkn = v3.tokens[0];

    let record = temp_dir("univ3-record");
    let mut config = Config::new(Endpoint::Http(evm.endpoint()));
    config.multicall = multicall;
    config.record = Some(record.clone());
    config.policy.min_interval = std::time::Duration::ZERO;
    let chain = Chain::connect(&config).await.expect("connect");
    let mut request = Request::new(vec![Target::UniswapV3 { pool: v3.pool, base: None }]);
    let usd = UsdPrice {
        usd: Decimal::ONE,
        source: faultline_orchestrator::snapshot::Source {
            kind: faultline_orchestrator::snapshot::SourceKind::Synthetic,
            reference: "test".into(),
            confidence: faultline_orchestrator::snapshot::Confidence::Low,
        },
    };
    request.prices.insert(TokenKey::Symbol("USD".into()), usd);
    let snap = snapshot(&chain, &request, &mut |_| {}).await.expect("snapshot");

    // The venue is the pool's state in ±2,232 ticks of tick 0, out to spacing 60: [-2,280, 2,280].
    assert_eq!(DEFAULT_VENUE_TICKS, 2_232);
    let read = read_pool(&chain, v3.pool, -2_280, 2_280).await.expect("read");
    assert_eq!(snap.venues.len(), 1);
    let venue = &snap.venues[0];
    assert_eq!((venue.base.as_str(), venue.quote.as_str()), ("TKN", "USD"));
    let VenueModelSpec::ConcentratedLiquidity(spec) = &venue.model else {
        panic!("expected a concentrated-liquidity venue, found {:?}", venue.model)
    };
    assert_eq!(spec.base_is_token0, tkn == v3.token0);
    assert_eq!((spec.fee_pips, spec.tick_spacing, spec.tick), (3000, 60, 0));
    assert_eq!((spec.tick_lower, spec.tick_upper), (-2_280, 2_280));
    assert_eq!(spec.sqrt_price_x96.0, read.sqrt_price_x96);
    assert_eq!(spec.liquidity.0, U256::from(read.liquidity));
    let ticks: Vec<(i32, i128)> = spec.ticks.iter().map(|t| (t.tick, t.liquidity_net.0)).collect();
    let expected: Vec<(i32, i128)> =
        read.ticks.iter().map(|(t, i)| (*t, i.liquidity_net)).collect();
    assert_eq!(ticks, expected);
    assert_eq!(ticks.len(), 6, "the six ticks of the three bounded positions in range");
    // The pool prices TKN: 1 USD per TKN exactly, so TKN is $1.
    let tkn_spec = snap.tokens.iter().find(|t| t.id == "TKN").expect("TKN");
    assert_eq!(tkn_spec.price_usd, Decimal::ONE);

    // The venue's model prices a sale of 30 TKN.
    let sold = U256::from(30 * e18);
    let pool = Pool::from_state(
        spec.fee_pips,
        spec.tick_spacing,
        spec.sqrt_price_x96.0,
        spec.tick,
        u128::try_from(spec.liquidity.0).expect("uint128"),
        &ticks,
        (spec.tick_lower, spec.tick_upper),
    )
    .expect("pool");
    let model = ConcentratedLiquidity::new(
        "v3",
        Pair::new(18, 18).expect("pair"),
        pool,
        spec.base_is_token0,
    )
    .with_range(spec.tick_lower, spec.tick_upper)
    .expect("range");
    let quote = model.quote(Side::Sell, sold).expect("quote");

    // The cascade runs on the snapshot: a shock sells the same 30 TKN into the venue.
    let scenario = Scenario::from_toml(&format!(
        "name = \"sale\"\nsnapshot = \"unused\"\nstep_secs = 3600\nhorizon_secs = 3600\n\
         [[shocks]]\nat_secs = 0\ntype = \"sell\"\nvenue = \"{}\"\namount = \"30\"\n",
        venue.id
    ))
    .expect("scenario");
    let report = run(&snap, &scenario).expect("the engine accepts the snapshot");
    let moved: Vec<Decimal> = report
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::PriceMove { to_usd, .. } if e.entity == "TKN" => Some(*to_usd),
            _ => None,
        })
        .collect();

    // The pool's own swap of 30 TKN, exact input, no price limit.
    let zero_for_one = spec.base_is_token0;
    let limit = if zero_for_one {
        U256::from(4_295_128_740u64)
    } else {
        U256::from_str_radix("1461446703485210103287273052203988822378723970341", 10).expect("max")
    };
    let swapped = v3
        .swap(&evm, zero_for_one, alloy::primitives::I256::try_from(sold).expect("int"), limit)
        .await
        .expect("swap");
    let (tkn_in, usd_out) = if zero_for_one {
        (swapped.amount0, swapped.amount1)
    } else {
        (swapped.amount1, swapped.amount0)
    };
    assert_eq!(tkn_in.unsigned_abs(), sold);
    assert!(usd_out.is_negative());
    assert_eq!(quote.quote, usd_out.unsigned_abs(), "USD out, to the wei");
    // The price after: the pool's slot0 after the swap, as the venue prices it (USD per TKN,
    // rounded down to 18 places), which the engine reports as TKN's price (USD at $1).
    let after = read_pool(
        &Chain::connect(&{
            let mut c = Config::new(Endpoint::Http(evm.endpoint()));
            c.multicall = multicall;
            c
        })
        .await
        .expect("connect after"),
        v3.pool,
        0,
        0,
    )
    .await
    .expect("read after");
    let q192 = alloy::primitives::U512::from(1u8) << 192usize;
    let s2 =
        alloy::primitives::U512::from(after.sqrt_price_x96).pow(alloy::primitives::U512::from(2u8));
    let e18_512 = alloy::primitives::U512::from(e18);
    let raw = if zero_for_one { s2 * e18_512 / q192 } else { q192 * e18_512 / s2 };
    let raw = u128::try_from(raw).expect("fits");
    let price_after =
        Decimal::from_i128_with_scale(i128::try_from(raw).expect("fits"), 18).normalize();
    assert_eq!(quote.price_after.to_decimal().expect("decimal"), price_after);
    assert_eq!(moved.first(), Some(&price_after), "{:#?}", report.events);

    // The recording replays offline to the same snapshot.
    let mut replay = Config::new(Endpoint::Replay(record));
    replay.multicall = multicall;
    replay.block = Some(chain.block().number);
    let offline = Chain::connect(&replay).await.expect("replay connect");
    let replayed = snapshot(&offline, &request, &mut |_| {}).await.expect("replayed snapshot");
    assert_eq!(replayed, snap);

    // Through the fault-injecting proxy (drops, delays, truncation, garbling: four requests in
    // six), small batches so the pool's reads take several round trips: the same snapshot with
    // retries; without them, an error.
    let (url, _) = proxy(evm.endpoint().trim_start_matches("http://").to_owned()).await;
    let mut faulty = Config::new(Endpoint::Http(url));
    faulty.multicall = multicall;
    faulty.block = Some(chain.block().number);
    faulty.calls_per_batch = 4;
    faulty.policy = policy(8);
    let through_faults = Chain::connect(&faulty).await.expect("connect through faults");
    let through =
        snapshot(&through_faults, &request, &mut |_| {}).await.expect("snapshot through faults");
    assert_eq!(through, snap);
    assert!(through_faults.stats().retries() >= 3, "{:?}", through_faults.stats().retry_log());
    faulty.policy = policy(0);
    let outcome = async {
        let chain = Chain::connect(&faulty).await?;
        snapshot(&chain, &request, &mut |_| {}).await
    }
    .await;
    assert!(outcome.is_err(), "a proxy that faults four requests in six fails a retry-less read");
}
