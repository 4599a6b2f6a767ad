//! Uniswap v3 on anvil, for tests that read a chain: `UniswapV3Factory` from the pinned
//! `@uniswap/v3-core@1.0.1` npm artifact (read at test time, never committed), a pool of two of
//! our `Token` mocks created through it and initialised, positions minted through our `V3Minter`
//! and swaps made through our `V3Swapper` (`solidity/UniswapV3Swapper.sol`), all real
//! transactions. Returns the addresses, so a test can deploy a pool beside other protocols on
//! the same anvil.

use crate::{
    Error, Evm, Result,
    morpho_chain::{MOCKS, code, initCall, mintLiquidityCall},
    paths,
};
use alloy::{
    primitives::{
        Address, Bytes, I256, U256,
        aliases::{I24, U24, U160},
        hex,
    },
    sol,
    sol_types::SolCall,
};

sol! {
    /// `UniswapV3Factory.createPool` (IUniswapV3Factory.sol).
    function createPool(address tokenA, address tokenB, uint24 fee) external returns (address pool);
    /// `UniswapV3Factory.getPool`.
    function getPool(address tokenA, address tokenB, uint24 fee) external view returns (address pool);
    /// `UniswapV3Pool.initialize` (IUniswapV3PoolActions.sol).
    function initialize(uint160 sqrtPriceX96) external;
    /// `V3Swapper.swap` (UniswapV3Swapper.sol).
    function swap(address pool, bool zeroForOne, int256 amountSpecified, uint160 sqrtPriceLimitX96) external;
    /// `V3Swapper.lastAmount0`.
    function lastAmount0() external view returns (int256);
    /// `V3Swapper.lastAmount1`.
    function lastAmount1() external view returns (int256);
}

/// Our swapper.
pub const SWAPPER: &str = "crates/test-support/solidity/UniswapV3Swapper.sol";

/// The factory's creation code from the npm artifact.
pub fn factory_code() -> Result<Bytes> {
    let path = paths::repo_root().join(
        "tools/evm/node_modules/@uniswap/v3-core/artifacts/contracts/UniswapV3Factory.sol/UniswapV3Factory.json",
    );
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    let artifact: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| Error::rpc("parse the UniswapV3Factory artifact", e))?;
    let code = artifact["bytecode"]
        .as_str()
        .ok_or_else(|| Error::rpc("UniswapV3Factory artifact", "no bytecode"))?;
    hex::decode(code).map(Into::into).map_err(|e| Error::rpc("UniswapV3Factory bytecode", e))
}

/// A pool to deploy: two new tokens `(symbol, decimals)`, the fee tier (500, 3000 or 10000 are
/// enabled by the factory), the initial `sqrtPriceX96` and positions `(lower, upper, liquidity)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolSetup {
    /// The two tokens, in any order (the pool sorts them by address).
    pub tokens: [(String, u8); 2],
    /// The fee, pips.
    pub fee: u32,
    /// `initialize(sqrtPriceX96)`.
    pub sqrt_price_x96: U256,
    /// Positions minted by the minter.
    pub positions: Vec<(i32, i32, u128)>,
}

/// A pool deployed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct V3Deployment {
    /// The factory.
    pub factory: Address,
    /// The pool.
    pub pool: Address,
    /// The tokens in the order of `PoolSetup::tokens`.
    pub tokens: [Address; 2],
    /// `token0()` and `token1()`.
    pub token0: Address,
    /// `token1()`.
    pub token1: Address,
    /// The minter (owner of every position).
    pub minter: Address,
    /// The swapper.
    pub swapper: Address,
}

/// A swap's amounts as the pool returned them (positive: paid in).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SwapAmounts {
    /// Token0 delta.
    pub amount0: I256,
    /// Token1 delta.
    pub amount1: I256,
}

/// Deploys the factory, the tokens, the pool, the minter and the swapper, and mints the
/// positions (`send_heavy`: explicit gas, reverts reported with their reason).
pub async fn deploy_pool(evm: &Evm, setup: &PoolSetup) -> Result<V3Deployment> {
    let mut tokens = [Address::ZERO; 2];
    for (slot, (symbol, decimals)) in tokens.iter_mut().zip(&setup.tokens) {
        let t = evm.deploy(code(MOCKS, "Token")?).await?;
        let init = initCall { decimals_: *decimals, symbol_: symbol.clone() };
        evm.send_heavy(t, init.abi_encode().into()).await?;
        *slot = t;
    }
    deploy_pool_over(evm, setup, tokens).await
}

/// As [`deploy_pool`], over two tokens already deployed (our mock `Token`, whose `mint` the
/// minter calls; `setup.tokens` is then unused): a pool of the tokens another protocol of the
/// same chain lends.
pub async fn deploy_pool_over(
    evm: &Evm,
    setup: &PoolSetup,
    tokens: [Address; 2],
) -> Result<V3Deployment> {
    let factory = evm.deploy(factory_code()?).await?;
    let fee = U24::from(setup.fee);
    let create = createPoolCall { tokenA: tokens[0], tokenB: tokens[1], fee };
    evm.send_heavy(factory, create.abi_encode().into()).await?;
    let get = getPoolCall { tokenA: tokens[0], tokenB: tokens[1], fee };
    let pool = getPoolCall::abi_decode_returns(&evm.call(factory, get.abi_encode().into()).await?)
        .map_err(|e| Error::rpc("getPool", e))?;
    let init = initializeCall { sqrtPriceX96: U160::from(setup.sqrt_price_x96) };
    evm.send_heavy(pool, init.abi_encode().into()).await?;
    let minter = evm.deploy(code(MOCKS, "V3Minter")?).await?;
    for &(lower, upper, amount) in &setup.positions {
        let mint = mintLiquidityCall {
            pool,
            lower: I24::unchecked_from(lower),
            upper: I24::unchecked_from(upper),
            amount,
        };
        evm.send_heavy(minter, mint.abi_encode().into()).await?;
    }
    let swapper = evm
        .deploy(
            crate::solc::compile(&[SWAPPER], crate::solc::Settings::HARNESS)?
                .bytecode("V3Swapper")?,
        )
        .await?;
    let (token0, token1) =
        if tokens[0] < tokens[1] { (tokens[0], tokens[1]) } else { (tokens[1], tokens[0]) };
    Ok(V3Deployment { factory, pool, tokens, token0, token1, minter, swapper })
}

impl V3Deployment {
    /// Swaps on the pool through the swapper in a real transaction and returns what the pool
    /// returned.
    pub async fn swap(
        &self,
        evm: &Evm,
        zero_for_one: bool,
        amount_specified: I256,
        sqrt_price_limit_x96: U256,
    ) -> Result<SwapAmounts> {
        let call = swapCall {
            pool: self.pool,
            zeroForOne: zero_for_one,
            amountSpecified: amount_specified,
            sqrtPriceLimitX96: U160::from(sqrt_price_limit_x96),
        };
        evm.send_heavy(self.swapper, call.abi_encode().into()).await?;
        let read = |data: Bytes| {
            <lastAmount0Call as SolCall>::abi_decode_returns(&data)
                .map_err(|e| Error::rpc("V3Swapper.lastAmount", e))
        };
        let amount0 = read(evm.call(self.swapper, lastAmount0Call {}.abi_encode().into()).await?)?;
        let amount1 = read(evm.call(self.swapper, lastAmount1Call {}.abi_encode().into()).await?)?;
        Ok(SwapAmounts { amount0, amount1 })
    }
}
