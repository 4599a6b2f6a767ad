// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.19;

import {MarketParams, Market} from "@morpho-org/morpho-blue/src/interfaces/IMorpho.sol";

/// @notice A bare ERC-20 for faultline's Morpho differential test: anyone may mint, balances are
/// plain mappings. Not a protocol contract.
contract MockToken {
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    function mint(address to, uint256 amount) external {
        balanceOf[to] += amount;
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

/// @notice An oracle whose price the test sets (`IOracle.price()`, loan units per collateral unit
/// times 1e36). One per market, so every test market has its own id.
contract CaseOracle {
    uint256 public price;

    function setPrice(uint256 newPrice) external {
        price = newPrice;
    }
}

/// @notice A fixed per-second borrow rate per market, keyed by the market's oracle.
contract FixedRateIrm {
    mapping(address => uint256) public rateOf;

    function setRate(address oracle, uint256 rate) external {
        rateOf[oracle] = rate;
    }

    function borrowRate(MarketParams memory marketParams, Market memory) external view returns (uint256) {
        return rateOf[marketParams.oracle];
    }

    function borrowRateView(MarketParams memory marketParams, Market memory) external view returns (uint256) {
        return rateOf[marketParams.oracle];
    }
}
