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
use common::*;
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
