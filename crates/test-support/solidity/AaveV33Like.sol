// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.19;

/// @notice faultline's test stand-in for an Aave v3.2-v3.6 pool: the published IPool ABI of aave-v3-origin 3.6.0,
/// our code. It EXPOSES THE REAL VIEW ABI — the signatures and return layouts of `getReservesList`,
/// `getReserveData` (`DataTypes.ReserveDataLegacy`), `getConfiguration`, `getUserConfiguration`, `getUserEMode`,
/// `getReserveNormalizedIncome`, `getReserveNormalizedVariableDebt`, `getEModeCategoryCollateralConfig`
/// (`DataTypes.CollateralConfig`), `getEModeCategoryLabel`, `getEModeCategoryCollateralBitmap`,
/// `getEModeCategoryBorrowableBitmap`, `getEModeCategoryLtvzeroBitmap`, `getReserveDeficit`, `getVirtualUnderlyingBalance`,
/// `RESERVE_INTEREST_RATE_STRATEGY`, `ADDRESSES_PROVIDER` and the `Supply` event, copied from
/// `src/contracts/interfaces/IPool.sol` and `src/contracts/protocol/libraries/types/DataTypes.sol` of
/// https://github.com/aave-dao/aave-v3-origin (the npm package of aave-v3-origin, 3.6.0); `getPriceOracle`
/// (IPoolAddressesProvider), `BASE_CURRENCY_UNIT`, `getSourceOfAsset`, `getAssetPrice` (IAaveOracle) and
/// `getInterestRateData` (IDefaultInterestRateStrategyV2) — NOT ITS CODE: it holds state a test sets, and answers
/// it. The pool is its own addresses provider, oracle and rate strategy. `RESERVE_INTEREST_RATE_STRATEGY` reverts
/// unless the pool is set up as v3.4+ (v3.2/v3.3 have no such getter); `getReserveDeficit` reverts when set up as
/// v3.2. The tokens' `balanceOf` rounds `scaled * index / RAY` half up, or (v3.5+) down for aTokens and up for
/// debt, as the releases do.
contract AaveV33Like {
    struct ReserveConfigurationMap {
        uint256 data;
    }

    struct UserConfigurationMap {
        uint256 data;
    }

    struct ReserveDataLegacy {
        ReserveConfigurationMap configuration;
        uint128 liquidityIndex;
        uint128 currentLiquidityRate;
        uint128 variableBorrowIndex;
        uint128 currentVariableBorrowRate;
        uint128 currentStableBorrowRate;
        uint40 lastUpdateTimestamp;
        uint16 id;
        address aTokenAddress;
        address stableDebtTokenAddress;
        address variableDebtTokenAddress;
        address interestRateStrategyAddress;
        uint128 accruedToTreasury;
        uint128 unbacked;
        uint128 isolationModeTotalDebt;
    }

    struct CollateralConfig {
        uint16 ltv;
        uint16 liquidationThreshold;
        uint16 liquidationBonus;
    }

    struct InterestRateDataRay {
        uint256 optimalUsageRatio;
        uint256 baseVariableBorrowRate;
        uint256 variableRateSlope1;
        uint256 variableRateSlope2;
    }

    event Supply(
        address indexed reserve, address user, address indexed onBehalfOf, uint256 amount, uint16 indexed referralCode
    );

    address[] internal reserves;
    mapping(address => ReserveDataLegacy) internal data;
    mapping(address => uint256) internal income;
    mapping(address => uint256) internal debtIndex;
    mapping(address => uint256) internal deficit;
    mapping(address => uint128) internal virtualBalance;
    mapping(address => uint256) internal price;
    mapping(address => address) internal source;
    mapping(address => InterestRateDataRay) internal rates;
    mapping(uint8 => CollateralConfig) internal eModes;
    mapping(uint8 => string) internal labels;
    mapping(uint8 => uint128) internal collateralBitmaps;
    mapping(uint8 => uint128) internal borrowableBitmaps;
    mapping(uint8 => uint128) internal ltvzeroBitmaps;
    mapping(address => uint256) internal userEModes;
    mapping(address => uint256) internal userConfigs;
    /// 2 = v3.2, 3 = v3.3, 4 = v3.4, 5 = v3.5+.
    uint8 public release;

    function setRelease(uint8 r) external {
        release = r;
    }

    function addReserve(
        address asset,
        uint256 configuration,
        uint256[2] calldata indexes,
        uint256[4] calldata rateData,
        uint256 price_,
        uint256 deficit_,
        uint128 virtualBalance_,
        address treasury
    ) external {
        ReserveDataLegacy storage r = data[asset];
        r.configuration.data = configuration;
        r.liquidityIndex = uint128(indexes[0]);
        r.variableBorrowIndex = uint128(indexes[1]);
        r.lastUpdateTimestamp = uint40(block.timestamp);
        r.id = uint16(reserves.length);
        r.aTokenAddress = address(new ScaledToken(this, asset, false, treasury));
        r.variableDebtTokenAddress = address(new ScaledToken(this, asset, true, treasury));
        // Deprecated from v3.4: the pool's RESERVE_INTEREST_RATE_STRATEGY answers instead.
        r.interestRateStrategyAddress = release >= 4 ? address(0) : address(this);
        income[asset] = indexes[0];
        debtIndex[asset] = indexes[1];
        rates[asset] = InterestRateDataRay(rateData[0], rateData[1], rateData[2], rateData[3]);
        price[asset] = price_;
        source[asset] = address(uint160(0xfeed0000) + uint160(reserves.length));
        deficit[asset] = deficit_;
        virtualBalance[asset] = virtualBalance_;
        reserves.push(asset);
    }

    function setEMode(
        uint8 id,
        uint16 ltv,
        uint16 lt,
        uint16 lb,
        string calldata label,
        uint128 collateral,
        uint128 borrowable
    ) external {
        eModes[id] = CollateralConfig(ltv, lt, lb);
        labels[id] = label;
        collateralBitmaps[id] = collateral;
        borrowableBitmaps[id] = borrowable;
    }

    function setLtvzero(uint8 id, uint128 bitmap) external {
        ltvzeroBitmaps[id] = bitmap;
    }

    /// Sets `user`'s eMode, configuration bitmap and scaled balances in `asset`, with a `Supply` event naming it.
    function setUser(address user, uint8 eMode, uint256 configuration, address asset, uint256 scaledA, uint256 scaledD)
        external
    {
        userEModes[user] = eMode;
        userConfigs[user] = configuration;
        ScaledToken(data[asset].aTokenAddress).setScaled(user, scaledA);
        ScaledToken(data[asset].variableDebtTokenAddress).setScaled(user, scaledD);
        emit Supply(asset, user, user, scaledA, 0);
    }

    // IPool views.
    function ADDRESSES_PROVIDER() external view returns (address) {
        return address(this);
    }

    function getReservesList() external view returns (address[] memory) {
        return reserves;
    }

    function getReserveData(address asset) external view returns (ReserveDataLegacy memory) {
        return data[asset];
    }

    function getConfiguration(address asset) external view returns (ReserveConfigurationMap memory) {
        return data[asset].configuration;
    }

    function getUserConfiguration(address user) external view returns (UserConfigurationMap memory) {
        return UserConfigurationMap(userConfigs[user]);
    }

    function getUserEMode(address user) external view returns (uint256) {
        return userEModes[user];
    }

    function getReserveNormalizedIncome(address asset) external view returns (uint256) {
        return income[asset];
    }

    function getReserveNormalizedVariableDebt(address asset) external view returns (uint256) {
        return debtIndex[asset];
    }

    function getEModeCategoryCollateralConfig(uint8 id) external view returns (CollateralConfig memory) {
        return eModes[id];
    }

    function getEModeCategoryLabel(uint8 id) external view returns (string memory) {
        return labels[id];
    }

    function getEModeCategoryCollateralBitmap(uint8 id) external view returns (uint128) {
        return collateralBitmaps[id];
    }

    function getEModeCategoryBorrowableBitmap(uint8 id) external view returns (uint128) {
        return borrowableBitmaps[id];
    }

    function getEModeCategoryLtvzeroBitmap(uint8 id) external view returns (uint128) {
        require(release >= 5, "no getEModeCategoryLtvzeroBitmap before v3.6");
        return ltvzeroBitmaps[id];
    }

    function getReserveDeficit(address asset) external view returns (uint256) {
        require(release >= 3, "no getReserveDeficit before v3.3");
        return deficit[asset];
    }

    function getVirtualUnderlyingBalance(address asset) external view returns (uint128) {
        return virtualBalance[asset];
    }

    function RESERVE_INTEREST_RATE_STRATEGY() external view returns (address) {
        require(release >= 4, "no RESERVE_INTEREST_RATE_STRATEGY before v3.4");
        return address(this);
    }

    // IPoolAddressesProvider, IAaveOracle, IDefaultInterestRateStrategyV2 views.
    function getPriceOracle() external view returns (address) {
        return address(this);
    }

    function BASE_CURRENCY_UNIT() external pure returns (uint256) {
        return 1e8;
    }

    function getSourceOfAsset(address asset) external view returns (address) {
        return source[asset];
    }

    function getAssetPrice(address asset) external view returns (uint256) {
        return price[asset];
    }

    function getInterestRateData(address reserve) external view returns (InterestRateDataRay memory) {
        return rates[reserve];
    }
}

/// An aToken or variable-debt token: scaled balances set by the pool (IScaledBalanceToken's views, IAToken's
/// `RESERVE_TREASURY_ADDRESS`, ERC20 `balanceOf`/`totalSupply`).
contract ScaledToken {
    AaveV33Like internal immutable pool;
    address internal immutable asset;
    bool internal immutable debt;
    address public RESERVE_TREASURY_ADDRESS;
    mapping(address => uint256) public scaledBalanceOf;
    uint256 public scaledTotalSupply;

    constructor(AaveV33Like pool_, address asset_, bool debt_, address treasury) {
        pool = pool_;
        asset = asset_;
        debt = debt_;
        RESERVE_TREASURY_ADDRESS = treasury;
    }

    function setScaled(address user, uint256 scaled) external {
        require(msg.sender == address(pool), "pool only");
        scaledTotalSupply = scaledTotalSupply - scaledBalanceOf[user] + scaled;
        scaledBalanceOf[user] = scaled;
    }

    function value(uint256 scaled) internal view returns (uint256) {
        uint256 index = debt ? pool.getReserveNormalizedVariableDebt(asset) : pool.getReserveNormalizedIncome(asset);
        uint256 ray = 1e27;
        if (pool.release() >= 5) {
            return debt ? (scaled * index + ray - 1) / ray : scaled * index / ray;
        }
        return (scaled * index + ray / 2) / ray;
    }

    function balanceOf(address user) external view returns (uint256) {
        return value(scaledBalanceOf[user]);
    }

    function totalSupply() external view returns (uint256) {
        return value(scaledTotalSupply);
    }
}
