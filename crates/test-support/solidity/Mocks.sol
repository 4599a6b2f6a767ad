// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.19;

import {MarketParams, Market, IMorpho} from "@morpho-org/morpho-blue/src/interfaces/IMorpho.sol";

/// @notice A bare ERC-20 of faultline's anvil tests (onchain, CLI). Storage-only configuration (`init`), so the
/// runtime code can be placed at a real token's address with `anvil_setCode`. Anyone may mint.
contract Token {
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;
    uint256 public totalSupply;
    uint8 public decimals;
    string public symbol;

    event Transfer(address indexed from, address indexed to, uint256 value);

    function init(uint8 decimals_, string calldata symbol_) external {
        decimals = decimals_;
        symbol = symbol_;
    }

    function mint(address to, uint256 amount) external {
        balanceOf[to] += amount;
        totalSupply += amount;
        emit Transfer(address(0), to, amount);
    }

    function approve(address spender, uint256 amount) external returns (bool) {
        allowance[msg.sender][spender] = amount;
        return true;
    }

    function transfer(address to, uint256 amount) external returns (bool) {
        balanceOf[msg.sender] -= amount;
        balanceOf[to] += amount;
        return true;
    }

    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        if (allowance[from][msg.sender] != type(uint256).max) allowance[from][msg.sender] -= amount;
        balanceOf[from] -= amount;
        balanceOf[to] += amount;
        return true;
    }
}

/// @notice `IOracle.price()` set by the test.
contract Oracle {
    uint256 public price;

    function setPrice(uint256 newPrice) external {
        price = newPrice;
    }
}

/// @notice A constant per-second borrow rate set by the test.
contract FixedRateIrm {
    uint256 public rate;

    function setRate(uint256 newRate) external {
        rate = newRate;
    }

    function borrowRate(MarketParams memory, Market memory) external view returns (uint256) {
        return rate;
    }

    function borrowRateView(MarketParams memory, Market memory) external view returns (uint256) {
        return rate;
    }
}

/// @notice One borrower: pledges collateral and borrows for itself (Morpho only lets an account, or
/// whom it authorises, borrow against its collateral).
contract Borrower {
    function open(IMorpho morpho, MarketParams calldata params, uint256 collateral, uint256 borrowed) external {
        Token(params.collateralToken).approve(address(morpho), type(uint256).max);
        morpho.supplyCollateral(params, collateral, address(this), "");
        if (borrowed > 0) morpho.borrow(params, borrowed, 0, address(this), address(this));
    }
}

/// @notice Opens positions on Morpho Blue in real transactions and asks Morpho itself whether each
/// borrower is liquidatable.
contract Harness {
    IMorpho public immutable morpho;

    constructor(IMorpho morpho_) {
        morpho = morpho_;
    }

    /// In one transaction: supplies `supplied` loan tokens, then opens one borrower per entry of
    /// `collaterals` (a new `Borrower` contract, so their addresses are the harness's CREATE
    /// addresses in order) with that collateral and `borrows[i]` borrowed.
    function setupMarket(
        MarketParams calldata params,
        uint256 supplied,
        uint256[] calldata collaterals,
        uint256[] calldata borrows
    ) external {
        Token(params.loanToken).mint(address(this), supplied);
        Token(params.loanToken).approve(address(morpho), type(uint256).max);
        morpho.supply(params, supplied, 0, address(this), "");
        for (uint256 i = 0; i < collaterals.length; ++i) {
            Borrower b = new Borrower();
            Token(params.collateralToken).mint(address(b), collaterals[i]);
            b.open(morpho, params, collaterals[i], borrows[i]);
        }
    }

    /// Pledges `each` collateral on behalf of every account (no debt).
    function pledgeMany(MarketParams calldata params, address[] calldata accounts, uint256 each) external {
        Token(params.collateralToken).mint(address(this), each * accounts.length);
        Token(params.collateralToken).approve(address(morpho), type(uint256).max);
        for (uint256 i = 0; i < accounts.length; ++i) {
            morpho.supplyCollateral(params, each, accounts[i], "");
        }
    }

    /// For `eth_call` only: asks Morpho to liquidate one wei of each borrower's collateral, each
    /// from the same state (every attempt is rolled back), and returns whether Morpho allowed it
    /// and the revert data when it did not.
    function probe(MarketParams calldata params, address[] calldata borrowers)
        external
        returns (bool[] memory liquidatable, bytes[] memory reverts)
    {
        Token(params.loanToken).mint(address(this), type(uint128).max);
        Token(params.loanToken).approve(address(morpho), type(uint256).max);
        liquidatable = new bool[](borrowers.length);
        reverts = new bytes[](borrowers.length);
        for (uint256 i = 0; i < borrowers.length; ++i) {
            try this.probeOne(params, borrowers[i]) {}
            catch (bytes memory out) {
                (liquidatable[i], reverts[i]) = abi.decode(out, (bool, bytes));
            }
        }
    }

    /// Liquidates one wei and always reverts with `abi.encode(succeeded, revertData)`, so the
    /// attempt leaves no trace.
    function probeOne(MarketParams calldata params, address borrower) external {
        bool ok;
        bytes memory data;
        try morpho.liquidate(params, borrower, 1, 0, "") {
            ok = true;
        } catch (bytes memory reason) {
            data = reason;
        }
        bytes memory out = abi.encode(ok, data);
        assembly {
            revert(add(out, 32), mload(out))
        }
    }
}

/// @notice Adds liquidity to a Uniswap v3 pool and pays in its callback by minting the tokens.
contract V3Minter {
    function mintLiquidity(address pool, int24 lower, int24 upper, uint128 amount) external {
        IUniswapV3PoolMint(pool).mint(address(this), lower, upper, amount, "");
    }

    function uniswapV3MintCallback(uint256 owed0, uint256 owed1, bytes calldata) external {
        Token(IUniswapV3PoolMint(msg.sender).token0()).mint(msg.sender, owed0);
        Token(IUniswapV3PoolMint(msg.sender).token1()).mint(msg.sender, owed1);
    }
}

/// @notice The two pool functions the minter needs (IUniswapV3PoolActions.mint, immutables).
interface IUniswapV3PoolMint {
    function mint(address recipient, int24 tickLower, int24 tickUpper, uint128 amount, bytes calldata data)
        external
        returns (uint256 amount0, uint256 amount1);
    function token0() external view returns (address);
    function token1() external view returns (address);
}
