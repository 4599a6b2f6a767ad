// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.19;

/// @notice Swaps on a Uniswap v3 pool for faultline's anvil tests and pays for it by minting the
/// pool's test tokens (the `Token` mock of Mocks.sol lets anyone mint). Ours: it calls the real ABI
/// of `IUniswapV3PoolActions.swap` and implements `IUniswapV3SwapCallback` (signatures and return
/// layouts from the published interfaces at
/// https://github.com/Uniswap/v3-core/tree/main/contracts/interfaces), not their code. The amounts
/// the pool returned are kept for the test to read.
contract V3Swapper {
    int256 public lastAmount0;
    int256 public lastAmount1;

    function swap(address pool, bool zeroForOne, int256 amountSpecified, uint160 sqrtPriceLimitX96) external {
        (int256 amount0, int256 amount1) =
            IUniswapV3PoolSwap(pool).swap(address(this), zeroForOne, amountSpecified, sqrtPriceLimitX96, "");
        lastAmount0 = amount0;
        lastAmount1 = amount1;
    }

    function uniswapV3SwapCallback(int256 amount0Delta, int256 amount1Delta, bytes calldata) external {
        if (amount0Delta > 0) {
            IMintable(IUniswapV3PoolSwap(msg.sender).token0()).mint(msg.sender, uint256(amount0Delta));
        }
        if (amount1Delta > 0) {
            IMintable(IUniswapV3PoolSwap(msg.sender).token1()).mint(msg.sender, uint256(amount1Delta));
        }
    }
}

/// @notice The pool functions the swapper needs (IUniswapV3PoolActions.swap, immutables).
interface IUniswapV3PoolSwap {
    function swap(address recipient, bool zeroForOne, int256 amountSpecified, uint160 sqrtPriceLimitX96, bytes calldata data)
        external
        returns (int256 amount0, int256 amount1);
    function token0() external view returns (address);
    function token1() external view returns (address);
}

/// @notice The test token's open mint.
interface IMintable {
    function mint(address to, uint256 amount) external;
}
