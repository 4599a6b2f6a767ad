// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.19;

/// @notice Test contracts of faultline (not Aave's code) that drive a real Aave v3 pool deployed
/// from `@aave/core-v3`'s compiled artifacts. The interfaces below expose the real ABI of the Aave
/// v3 functions they call (signatures and return layouts from the published `IPool.sol` and
/// `IAaveOracle.sol` of https://github.com/aave/aave-v3-core), not their code.

/// The `IPool` functions the accounts call.
interface IAavePoolCalls {
    function supply(address asset, uint256 amount, address onBehalfOf, uint16 referralCode) external;
    function borrow(address asset, uint256 amount, uint256 interestRateMode, uint16 referralCode, address onBehalfOf) external;
    function setUserEMode(uint8 categoryId) external;
    function getUserAccountData(address user)
        external
        view
        returns (uint256, uint256, uint256 availableBorrowsBase, uint256, uint256, uint256);
}

/// `IAaveOracle.getAssetPrice`.
interface IAaveOracleCalls {
    function getAssetPrice(address asset) external view returns (uint256);
}

/// Our `Token` mock (Mocks.sol): anyone may mint.
interface IMintableToken {
    function mint(address to, uint256 amount) external;
    function approve(address spender, uint256 amount) external returns (bool);
    function decimals() external view returns (uint8);
}

/// @notice A price source for `AaveOracle`: Chainlink's `latestAnswer()` (AggregatorInterface),
/// set by the test.
contract PriceFeed {
    int256 public latestAnswer;

    function setAnswer(int256 answer) external {
        latestAnswer = answer;
    }
}

/// @notice One position the harness opens.
struct Open {
    /// Collateral supplied (minted to the account first).
    address collateral;
    uint256 amount;
    /// A second collateral (address(0) for none).
    address collateral2;
    uint256 amount2;
    /// eMode category to enter before borrowing (0 for none).
    uint8 eMode;
    /// The reserve borrowed (address(0) for none), and how much of the borrowing power left, per
    /// mille.
    address debt;
    uint16 perMille;
}

/// @notice An account of its own address: supplies, enters an eMode and borrows through the pool.
contract AaveAccount {
    function open(IAavePoolCalls pool, IAaveOracleCalls oracle, Open calldata o) external {
        _supply(pool, o.collateral, o.amount);
        if (o.collateral2 != address(0)) _supply(pool, o.collateral2, o.amount2);
        if (o.eMode != 0) pool.setUserEMode(o.eMode);
        if (o.debt != address(0) && o.perMille != 0) {
            (,, uint256 available,,,) = pool.getUserAccountData(address(this));
            uint256 unit = 10 ** IMintableToken(o.debt).decimals();
            uint256 amount = available * o.perMille / 1000 * unit / oracle.getAssetPrice(o.debt);
            if (amount != 0) pool.borrow(o.debt, amount, 2, 0, address(this));
        }
    }

    function _supply(IAavePoolCalls pool, address asset, uint256 amount) private {
        IMintableToken(asset).mint(address(this), amount);
        IMintableToken(asset).approve(address(pool), amount);
        pool.supply(asset, amount, address(this), 0);
    }
}

/// @notice Opens many positions per transaction, each in a new `AaveAccount` (so the accounts
/// are the harness's CREATE addresses), and supplies liquidity as itself.
contract AaveHarness {
    IAavePoolCalls public immutable pool;
    IAaveOracleCalls public immutable oracle;

    constructor(IAavePoolCalls pool_, IAaveOracleCalls oracle_) {
        pool = pool_;
        oracle = oracle_;
    }

    /// The harness supplies `amount` of `asset` for itself (the borrowers' liquidity).
    function provide(address asset, uint256 amount) external {
        IMintableToken(asset).mint(address(this), amount);
        IMintableToken(asset).approve(address(pool), amount);
        pool.supply(asset, amount, address(this), 0);
    }

    /// One new account per entry.
    function openMany(Open[] calldata opens) external {
        for (uint256 i = 0; i < opens.length; ++i) {
            AaveAccount account = new AaveAccount();
            account.open(pool, oracle, opens[i]);
        }
    }
}
