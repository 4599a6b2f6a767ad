// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.19;

/// @notice faultline's test stand-in for Compound v3's Comet. It EXPOSES THE REAL ABI of Comet — function
/// signatures, the `AssetInfo`, `TotalsBasic`, `UserBasic`, `UserCollateral` and `TotalsCollateral` layouts and the
/// events, copied from the published interfaces `contracts/CometMainInterface.sol`,
/// `contracts/CometExtInterface.sol`, `contracts/CometCore.sol` and `contracts/CometStorage.sol` of
/// https://github.com/compound-finance/comet — NOT ITS CODE: the bodies are ours, written from the protocol's
/// documentation (https://docs.compound.finance/), and keep only what faultline's reader reads and its tests check:
/// principals and totals at the supply and borrow indexes, accrual along the kinked rate curves, collateral
/// balances, `getPrice` from a Chainlink-style feed, `getReserves`, `isBorrowCollateralized` and `isLiquidatable`.
/// No absorb, no buyCollateral, no rewards tracking, no pause. Configuration is by `configure`/`addAsset` (Comet
/// takes it in its constructor), so one contract can be set up by a test step by step.
contract CometLike {
    struct AssetInfo {
        uint8 offset;
        address asset;
        address priceFeed;
        uint64 scale;
        uint64 borrowCollateralFactor;
        uint64 liquidateCollateralFactor;
        uint64 liquidationFactor;
        uint128 supplyCap;
    }

    struct TotalsBasic {
        uint64 baseSupplyIndex;
        uint64 baseBorrowIndex;
        uint64 trackingSupplyIndex;
        uint64 trackingBorrowIndex;
        uint104 totalSupplyBase;
        uint104 totalBorrowBase;
        uint40 lastAccrualTime;
        uint8 pauseFlags;
    }

    struct UserBasic {
        int104 principal;
        uint64 baseTrackingIndex;
        uint64 baseTrackingAccrued;
        uint16 assetsIn;
        uint8 _reserved;
    }

    struct UserCollateral {
        uint128 balance;
        uint128 _reserved;
    }

    struct TotalsCollateral {
        uint128 totalSupplyAsset;
        uint128 _reserved;
    }

    event Supply(address indexed from, address indexed dst, uint256 amount);
    event Transfer(address indexed from, address indexed to, uint256 amount);
    event Withdraw(address indexed src, address indexed to, uint256 amount);
    event SupplyCollateral(address indexed from, address indexed dst, address indexed asset, uint256 amount);
    event TransferCollateral(address indexed from, address indexed to, address indexed asset, uint256 amount);
    event WithdrawCollateral(address indexed src, address indexed to, address indexed asset, uint256 amount);

    uint64 internal constant FACTOR_SCALE = 1e18;
    uint64 internal constant BASE_INDEX_SCALE = 1e15;
    uint256 internal constant SECONDS_PER_YEAR = 31_536_000;

    address public baseToken;
    address public baseTokenPriceFeed;
    uint256 public baseScale;
    uint256 public storeFrontPriceFactor;
    uint256 public targetReserves;
    uint256 public baseBorrowMin;
    uint256 public supplyKink;
    uint256 public supplyPerSecondInterestRateSlopeLow;
    uint256 public supplyPerSecondInterestRateSlopeHigh;
    uint256 public supplyPerSecondInterestRateBase;
    uint256 public borrowKink;
    uint256 public borrowPerSecondInterestRateSlopeLow;
    uint256 public borrowPerSecondInterestRateSlopeHigh;
    uint256 public borrowPerSecondInterestRateBase;

    AssetInfo[] internal assets;
    TotalsBasic internal totals;
    mapping(address => UserBasic) public userBasic;
    mapping(address => mapping(address => UserCollateral)) public userCollateral;
    mapping(address => TotalsCollateral) public totalsCollateral;

    /// @notice `kinks` = supply kink, base, slope low, slope high, then the same for borrow; rates per year (1e18),
    /// divided by `SECONDS_PER_YEAR` as Comet's constructor does.
    function configure(
        address base,
        address feed,
        uint256 storeFront,
        uint256 target,
        uint256 borrowMin,
        uint256[8] calldata kinks
    ) external {
        baseToken = base;
        baseTokenPriceFeed = feed;
        baseScale = 10 ** IToken(base).decimals();
        storeFrontPriceFactor = storeFront;
        targetReserves = target;
        baseBorrowMin = borrowMin;
        supplyKink = kinks[0];
        supplyPerSecondInterestRateBase = kinks[1] / SECONDS_PER_YEAR;
        supplyPerSecondInterestRateSlopeLow = kinks[2] / SECONDS_PER_YEAR;
        supplyPerSecondInterestRateSlopeHigh = kinks[3] / SECONDS_PER_YEAR;
        borrowKink = kinks[4];
        borrowPerSecondInterestRateBase = kinks[5] / SECONDS_PER_YEAR;
        borrowPerSecondInterestRateSlopeLow = kinks[6] / SECONDS_PER_YEAR;
        borrowPerSecondInterestRateSlopeHigh = kinks[7] / SECONDS_PER_YEAR;
        totals.baseSupplyIndex = BASE_INDEX_SCALE;
        totals.baseBorrowIndex = BASE_INDEX_SCALE;
        totals.lastAccrualTime = uint40(block.timestamp);
    }

    function addAsset(address asset, address feed, uint64 borrowCF, uint64 liquidateCF, uint64 liquidationF, uint128 cap)
        external
    {
        require(borrowCF < liquidateCF && liquidateCF <= FACTOR_SCALE && liquidationF <= FACTOR_SCALE, "factors");
        assets.push(
            AssetInfo({
                offset: uint8(assets.length),
                asset: asset,
                priceFeed: feed,
                scale: uint64(10 ** IToken(asset).decimals()),
                borrowCollateralFactor: borrowCF,
                liquidateCollateralFactor: liquidateCF,
                liquidationFactor: liquidationF,
                supplyCap: cap
            })
        );
    }

    // ---- views of the published interface ----

    function numAssets() external view returns (uint8) {
        return uint8(assets.length);
    }

    function getAssetInfo(uint8 i) public view returns (AssetInfo memory) {
        require(i < assets.length, "BadAsset");
        return assets[i];
    }

    function totalsBasic() external view returns (TotalsBasic memory) {
        return totals;
    }

    function getPrice(address priceFeed) public view returns (uint256) {
        (, int256 price,,,) = IFeed(priceFeed).latestRoundData();
        require(price > 0, "BadPrice");
        return uint256(price);
    }

    function getUtilization() public view returns (uint256) {
        uint256 supply = presentValueSupply(totals.baseSupplyIndex, totals.totalSupplyBase);
        uint256 borrow = presentValueBorrow(totals.baseBorrowIndex, totals.totalBorrowBase);
        if (supply == 0) return 0;
        return borrow * FACTOR_SCALE / supply;
    }

    function getSupplyRate(uint256 utilization) public view returns (uint64) {
        return uint64(kinked(utilization, supplyKink, supplyPerSecondInterestRateBase,
            supplyPerSecondInterestRateSlopeLow, supplyPerSecondInterestRateSlopeHigh));
    }

    function getBorrowRate(uint256 utilization) public view returns (uint64) {
        return uint64(kinked(utilization, borrowKink, borrowPerSecondInterestRateBase,
            borrowPerSecondInterestRateSlopeLow, borrowPerSecondInterestRateSlopeHigh));
    }

    function totalSupply() external view returns (uint256) {
        (uint64 s,) = accruedInterestIndices(block.timestamp - totals.lastAccrualTime);
        return presentValueSupply(s, totals.totalSupplyBase);
    }

    function totalBorrow() external view returns (uint256) {
        (, uint64 b) = accruedInterestIndices(block.timestamp - totals.lastAccrualTime);
        return presentValueBorrow(b, totals.totalBorrowBase);
    }

    function getReserves() external view returns (int256) {
        (uint64 s, uint64 b) = accruedInterestIndices(block.timestamp - totals.lastAccrualTime);
        uint256 balance = IToken(baseToken).balanceOf(address(this));
        uint256 supplied = presentValueSupply(s, totals.totalSupplyBase);
        uint256 borrowed = presentValueBorrow(b, totals.totalBorrowBase);
        return int256(balance) - int256(supplied) + int256(borrowed);
    }

    function isBorrowCollateralized(address account) public view returns (bool) {
        int104 principal = userBasic[account].principal;
        if (principal >= 0) return true;
        int256 liquidity = baseLiquidity(principal);
        for (uint8 i = 0; i < assets.length; i++) {
            uint128 balance = userCollateral[account][assets[i].asset].balance;
            if (balance == 0) continue;
            if (liquidity >= 0) return true;
            uint256 value = uint256(balance) * getPrice(assets[i].priceFeed) / assets[i].scale;
            liquidity += int256(value * assets[i].borrowCollateralFactor / FACTOR_SCALE);
        }
        return liquidity >= 0;
    }

    function isLiquidatable(address account) public view returns (bool) {
        int104 principal = userBasic[account].principal;
        if (principal >= 0) return false;
        int256 liquidity = baseLiquidity(principal);
        for (uint8 i = 0; i < assets.length; i++) {
            uint128 balance = userCollateral[account][assets[i].asset].balance;
            if (balance == 0) continue;
            if (liquidity >= 0) return false;
            uint256 value = uint256(balance) * getPrice(assets[i].priceFeed) / assets[i].scale;
            liquidity += int256(value * assets[i].liquidateCollateralFactor / FACTOR_SCALE);
        }
        return liquidity < 0;
    }

    // ---- actions of the published interface ----

    function supply(address asset, uint256 amount) external {
        supplyTo(msg.sender, asset, amount);
    }

    function supplyTo(address dst, address asset, uint256 amount) public {
        accrueInternal();
        IToken(asset).transferFrom(msg.sender, address(this), amount);
        if (asset == baseToken) {
            int104 old = userBasic[dst].principal;
            int256 present = presentValue(old) + int256(amount);
            int104 next = principalValue(present);
            (uint104 repay, uint104 supplied) = repayAndSupplyAmount(old, next);
            totals.totalSupplyBase += supplied;
            totals.totalBorrowBase -= repay;
            userBasic[dst].principal = next;
            emit Supply(msg.sender, dst, amount);
        } else {
            address a = assetOf(asset);
            userCollateral[dst][a].balance += uint128(amount);
            totalsCollateral[a].totalSupplyAsset += uint128(amount);
            emit SupplyCollateral(msg.sender, dst, asset, amount);
        }
    }

    function withdraw(address asset, uint256 amount) external {
        accrueInternal();
        address src = msg.sender;
        if (asset == baseToken) {
            int104 old = userBasic[src].principal;
            int256 present = presentValue(old) - int256(amount);
            int104 next = principalValue(present);
            (uint104 withdrawn, uint104 borrowed) = withdrawAndBorrowAmount(old, next);
            totals.totalSupplyBase -= withdrawn;
            totals.totalBorrowBase += borrowed;
            userBasic[src].principal = next;
            if (present < 0) {
                require(uint256(-present) >= baseBorrowMin, "BorrowTooSmall");
                require(isBorrowCollateralized(src), "NotCollateralized");
            }
            IToken(asset).transfer(src, amount);
            emit Withdraw(src, src, amount);
        } else {
            userCollateral[src][asset].balance -= uint128(amount);
            totalsCollateral[asset].totalSupplyAsset -= uint128(amount);
            require(isBorrowCollateralized(src), "NotCollateralized");
            IToken(asset).transfer(src, amount);
            emit WithdrawCollateral(src, src, asset, amount);
        }
    }

    function transferAsset(address dst, address asset, uint256 amount) external {
        accrueInternal();
        address src = msg.sender;
        if (asset == baseToken) {
            int104 srcOld = userBasic[src].principal;
            int104 srcNext = principalValue(presentValue(srcOld) - int256(amount));
            int104 dstOld = userBasic[dst].principal;
            int104 dstNext = principalValue(presentValue(dstOld) + int256(amount));
            (uint104 withdrawn, uint104 borrowed) = withdrawAndBorrowAmount(srcOld, srcNext);
            (uint104 repay, uint104 supplied) = repayAndSupplyAmount(dstOld, dstNext);
            totals.totalSupplyBase = totals.totalSupplyBase + supplied - withdrawn;
            totals.totalBorrowBase = totals.totalBorrowBase + borrowed - repay;
            userBasic[src].principal = srcNext;
            userBasic[dst].principal = dstNext;
            if (srcNext < 0) require(isBorrowCollateralized(src), "NotCollateralized");
            emit Transfer(src, dst, amount);
        } else {
            userCollateral[src][asset].balance -= uint128(amount);
            userCollateral[dst][asset].balance += uint128(amount);
            require(isBorrowCollateralized(src), "NotCollateralized");
            emit TransferCollateral(src, dst, asset, amount);
        }
    }

    function accrueAccount(address) external {
        accrueInternal();
    }

    // ---- the published formulas ----

    function kinked(uint256 u, uint256 kink, uint256 base, uint256 low, uint256 high) internal pure returns (uint256) {
        if (u <= kink) return base + low * u / FACTOR_SCALE;
        return base + low * kink / FACTOR_SCALE + high * (u - kink) / FACTOR_SCALE;
    }

    function accruedInterestIndices(uint256 elapsed) internal view returns (uint64 s, uint64 b) {
        s = totals.baseSupplyIndex;
        b = totals.baseBorrowIndex;
        if (elapsed > 0) {
            uint256 u = getUtilization();
            s += uint64(uint256(s) * (getSupplyRate(u) * elapsed) / FACTOR_SCALE);
            b += uint64(uint256(b) * (getBorrowRate(u) * elapsed) / FACTOR_SCALE);
        }
    }

    function accrueInternal() internal {
        uint256 elapsed = block.timestamp - totals.lastAccrualTime;
        if (elapsed > 0) {
            (totals.baseSupplyIndex, totals.baseBorrowIndex) = accruedInterestIndices(elapsed);
            totals.lastAccrualTime = uint40(block.timestamp);
        }
    }

    /// @dev As Comet's views, at the indexes of the last accrual (not accrued to now).
    function baseLiquidity(int104 principal) internal view returns (int256) {
        return presentValue(principal) * int256(getPrice(baseTokenPriceFeed)) / int256(baseScale);
    }

    function presentValueSupply(uint64 index, uint104 principal) internal pure returns (uint256) {
        return uint256(principal) * index / BASE_INDEX_SCALE;
    }

    function presentValueBorrow(uint64 index, uint104 principal) internal pure returns (uint256) {
        return uint256(principal) * index / BASE_INDEX_SCALE;
    }

    function presentValue(int104 principal) internal view returns (int256) {
        if (principal >= 0) return int256(presentValueSupply(totals.baseSupplyIndex, uint104(principal)));
        return -int256(presentValueBorrow(totals.baseBorrowIndex, uint104(-principal)));
    }

    function principalValue(int256 present) internal view returns (int104) {
        if (present >= 0) return int104(int256(uint256(present) * BASE_INDEX_SCALE / totals.baseSupplyIndex));
        uint256 up = (uint256(-present) * BASE_INDEX_SCALE + totals.baseBorrowIndex - 1) / totals.baseBorrowIndex;
        return -int104(int256(up));
    }

    function repayAndSupplyAmount(int104 old, int104 next) internal pure returns (uint104, uint104) {
        if (next < old) return (0, 0);
        if (next <= 0) return (uint104(next - old), 0);
        if (old >= 0) return (0, uint104(next - old));
        return (uint104(-old), uint104(next));
    }

    function withdrawAndBorrowAmount(int104 old, int104 next) internal pure returns (uint104, uint104) {
        if (next >= old) return (0, 0);
        if (next >= 0) return (uint104(old - next), 0);
        if (old <= 0) return (0, uint104(old - next));
        return (uint104(old), uint104(-next));
    }

    function assetOf(address asset) internal view returns (address) {
        for (uint256 i = 0; i < assets.length; i++) {
            if (assets[i].asset == asset) return asset;
        }
        revert("BadAsset");
    }
}

/// @notice The token functions the stand-in uses (our `Token` mock of Mocks.sol has them).
interface IToken {
    function decimals() external view returns (uint8);
    function balanceOf(address) external view returns (uint256);
    function mint(address to, uint256 amount) external;
    function approve(address spender, uint256 amount) external returns (bool);
    function transfer(address to, uint256 amount) external returns (bool);
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
}

/// @notice `latestRoundData` of Chainlink's AggregatorV3Interface (Comet's price feeds are Chainlink-style).
interface IFeed {
    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80);
}

/// @notice A Chainlink-style USD feed, 8 decimals, its answer set by the test.
contract PriceFeed {
    int256 public answer;

    function setAnswer(int256 a) external {
        answer = a;
    }

    function decimals() external pure returns (uint8) {
        return 8;
    }

    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80) {
        return (1, answer, block.timestamp, block.timestamp, 1);
    }
}

/// @notice A Comet account of the tests: pledges `collateral` of `asset` (minted to itself) and borrows `borrowed`
/// base, in its constructor.
contract CometAccount {
    constructor(CometLike comet, address asset, uint256 collateral, uint256 borrowed) {
        if (collateral > 0) {
            IToken(asset).mint(address(this), collateral);
            IToken(asset).approve(address(comet), type(uint256).max);
            comet.supply(asset, collateral);
        }
        if (borrowed > 0) comet.withdraw(comet.baseToken(), borrowed);
    }
}

/// @notice Sets up Comet positions in few transactions: a base supplier (the harness itself), borrowers (new
/// `CometAccount`s, addresses from the harness's CREATE nonces) and base transfers to fresh accounts.
contract CometHarness {
    function supplyBase(CometLike comet, uint256 amount) external {
        address base = comet.baseToken();
        IToken(base).mint(address(this), amount);
        IToken(base).approve(address(comet), type(uint256).max);
        comet.supply(base, amount);
    }

    function openBorrowers(CometLike comet, address[] calldata assets, uint256[] calldata collaterals, uint256[] calldata borrows)
        external
    {
        for (uint256 i = 0; i < assets.length; i++) {
            new CometAccount(comet, assets[i], collaterals[i], borrows[i]);
        }
    }

    function transferBase(CometLike comet, address dst, uint256 amount) external {
        comet.transferAsset(dst, comet.baseToken(), amount);
    }

    function pledgeFor(CometLike comet, address asset, address dst, uint256 amount) external {
        IToken(asset).mint(address(this), amount);
        IToken(asset).approve(address(comet), type(uint256).max);
        comet.supplyTo(dst, asset, amount);
    }
}
