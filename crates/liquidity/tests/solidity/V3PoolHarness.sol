// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.0;

// faultline's own test harness (not Uniswap code): drives a real UniswapV3Pool, created by the
// real UniswapV3Factory bytecode from the pinned `@uniswap/v3-core` npm artifacts, through mints
// and swaps, and reports what the pool returned and stored after each swap.

interface IUniswapV3FactoryMinimal {
    function createPool(address tokenA, address tokenB, uint24 fee) external returns (address pool);
}

interface IUniswapV3PoolMinimal {
    function initialize(uint160 sqrtPriceX96) external;
    function mint(address recipient, int24 tickLower, int24 tickUpper, uint128 amount, bytes calldata data)
        external
        returns (uint256 amount0, uint256 amount1);
    function swap(
        address recipient,
        bool zeroForOne,
        int256 amountSpecified,
        uint160 sqrtPriceLimitX96,
        bytes calldata data
    ) external returns (int256 amount0, int256 amount1);
    function slot0()
        external
        view
        returns (uint160 sqrtPriceX96, int24 tick, uint16, uint16, uint16, uint8, bool);
    function liquidity() external view returns (uint128);
    function token0() external view returns (address);
    function token1() external view returns (address);
}

/// A minimal mintable token: enough for the pool's `balanceOf` and `transfer` calls.
contract TestToken {
    mapping(address => uint256) public balanceOf;

    function mint(address to, uint256 amount) external {
        balanceOf[to] += amount;
    }

    function transfer(address to, uint256 amount) external returns (bool) {
        balanceOf[msg.sender] -= amount;
        balanceOf[to] += amount;
        return true;
    }
}

contract V3PoolHarness {
    struct Position {
        int24 tickLower;
        int24 tickUpper;
        uint128 amount;
    }

    struct SwapOrder {
        bool zeroForOne;
        int256 amountSpecified;
        uint160 sqrtPriceLimitX96;
    }

    struct Minted {
        uint256 amount0;
        uint256 amount1;
    }

    struct Swapped {
        bool ok;
        int256 amount0;
        int256 amount1;
        uint160 sqrtPriceX96;
        int24 tick;
        uint128 liquidity;
    }

    IUniswapV3FactoryMinimal public immutable factory;

    constructor(IUniswapV3FactoryMinimal factory_) {
        factory = factory_;
    }

    /// Creates a fresh pool with two fresh tokens, mints every position (reverting if one fails),
    /// then runs every swap, recording a failed swap instead of reverting. Meant for `eth_call`.
    function run(uint24 fee, uint160 sqrtPriceX96, Position[] calldata positions, SwapOrder[] calldata swaps)
        external
        returns (Minted[] memory minted, Swapped[] memory swapped)
    {
        TestToken a = new TestToken();
        TestToken b = new TestToken();
        a.mint(address(this), 2 ** 250);
        b.mint(address(this), 2 ** 250);
        IUniswapV3PoolMinimal pool = IUniswapV3PoolMinimal(factory.createPool(address(a), address(b), fee));
        pool.initialize(sqrtPriceX96);

        minted = new Minted[](positions.length);
        for (uint256 i = 0; i < positions.length; ++i) {
            Position calldata p = positions[i];
            (uint256 amount0, uint256 amount1) = pool.mint(address(this), p.tickLower, p.tickUpper, p.amount, "");
            minted[i] = Minted(amount0, amount1);
        }

        swapped = new Swapped[](swaps.length);
        for (uint256 i = 0; i < swaps.length; ++i) {
            SwapOrder calldata s = swaps[i];
            try pool.swap(address(this), s.zeroForOne, s.amountSpecified, s.sqrtPriceLimitX96, "") returns (
                int256 amount0, int256 amount1
            ) {
                (uint160 price, int24 tick,,,,,) = pool.slot0();
                swapped[i] = Swapped(true, amount0, amount1, price, tick, pool.liquidity());
            } catch {
                swapped[i].ok = false;
            }
        }
    }

    function uniswapV3MintCallback(uint256 amount0Owed, uint256 amount1Owed, bytes calldata) external {
        pay(msg.sender, int256(amount0Owed), int256(amount1Owed));
    }

    function uniswapV3SwapCallback(int256 amount0Delta, int256 amount1Delta, bytes calldata) external {
        pay(msg.sender, amount0Delta, amount1Delta);
    }

    function pay(address pool, int256 amount0, int256 amount1) private {
        if (amount0 > 0) TestToken(IUniswapV3PoolMinimal(pool).token0()).transfer(pool, uint256(amount0));
        if (amount1 > 0) TestToken(IUniswapV3PoolMinimal(pool).token1()).transfer(pool, uint256(amount1));
    }
}
