// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.19;

/// @notice faultline's test stand-ins for Euler v2. They EXPOSE Euler's published ABI (IEVault/IEVC/IPriceOracle from
/// euler-xyz/euler-vault-kit and ethereum-vault-connector), our code: function signatures, return layouts and events
/// copied from `src/EVault/IEVault.sol` (https://github.com/euler-xyz/euler-vault-kit), `src/interfaces/IEthereumVaultConnector.sol`
/// (https://github.com/euler-xyz/ethereum-vault-connector), `IPriceOracle.sol` and `EulerRouter.sol`'s getters
/// (https://github.com/euler-xyz/euler-price-oracle) and `IRMLinearKink.sol`'s getters — NOT THEIR CODE: the bodies are
/// ours, written from the protocol's documentation, and keep only what faultline's reader reads and its tests check.
/// The liability vault keeps debts as assets with no interest accrual (a stored rate is never applied), cash as a
/// number (no token moves), and `accountLiquidity` from the published formula (LiquidityUtils: each enabled
/// collateral's `getQuote(balance, collateral, unitOfAccount) * LTV / 1e4`, the liability `getQuote(debt, asset,
/// unitOfAccount)`, the liquidation LTV ramped down linearly after a cut). Positions are opened by `borrowFor`
/// (ours: Euler borrows through the EVC on behalf of the caller).

interface IDecimals {
    function decimals() external view returns (uint8);
}

interface IConvert {
    function convertToAssets(uint256 shares) external view returns (uint256);
    function balanceOf(address account) external view returns (uint256);
}

/// @notice EVC stand-in: `getCollaterals`/`enableCollateral` of IEVC.
contract EVCLike {
    mapping(address => address[]) internal collaterals;

    function getCollaterals(address account) external view returns (address[] memory) {
        return collaterals[account];
    }

    function enableCollateral(address account, address vault) external payable {
        address[] storage list = collaterals[account];
        for (uint256 i = 0; i < list.length; ++i) {
            if (list[i] == vault) return;
        }
        list.push(vault);
    }
}

/// @notice EulerRouter stand-in: `getQuote` (IPriceOracle) with ERC-4626 vaults resolved to their asset through
/// `convertToAssets` as the router does (`govSetResolvedVault`, `resolvedVaults`); each base priced linearly at a
/// set unit-of-account value (18 decimals) per whole token.
contract RouterLike {
    mapping(address => address) public resolvedVaults;
    mapping(address => uint256) public priceOf;
    address public immutable unitOfAccount;

    constructor(address uoa) {
        unitOfAccount = uoa;
    }

    function govSetResolvedVault(address vault, bool set) external {
        resolvedVaults[vault] = set ? EscrowLike(vault).asset() : address(0);
    }

    function setPrice(address base, uint256 price) external {
        priceOf[base] = price;
    }

    function getQuote(uint256 inAmount, address base, address quote) public view returns (uint256) {
        require(quote == unitOfAccount, "PriceOracle_NotSupported");
        address asset = resolvedVaults[base];
        if (asset != address(0)) {
            inAmount = IConvert(base).convertToAssets(inAmount);
            base = asset;
        }
        uint256 price = priceOf[base];
        require(price != 0, "PriceOracle_NotSupported");
        return inAmount * price / 10 ** IDecimals(base).decimals();
    }

    function getQuotes(uint256 inAmount, address base, address quote) external view returns (uint256, uint256) {
        uint256 q = getQuote(inAmount, base, quote);
        return (q, q);
    }
}

/// @notice A collateral vault (ERC-4626 shares over an asset), ours: shares credited by the test, `totalAssets` set
/// by it; `convertToAssets` as the EVK converts (a virtual deposit of 1e6).
contract EscrowLike {
    address public asset;
    mapping(address => uint256) public balanceOf;
    uint256 public totalSupply;
    uint256 public totalAssets;

    event Transfer(address indexed from, address indexed to, uint256 value);

    constructor(address asset_) {
        asset = asset_;
    }

    function credit(address to, uint256 shares, uint256 assets) external {
        balanceOf[to] += shares;
        totalSupply += shares;
        totalAssets += assets;
        emit Transfer(address(0), to, shares);
    }

    function setTotalAssets(uint256 assets) external {
        totalAssets = assets;
    }

    function convertToAssets(uint256 shares) external view returns (uint256) {
        return shares * (totalAssets + 1e6) / (totalSupply + 1e6);
    }
}

/// @notice `IRMLinearKink`'s getters.
contract LinearKinkLike {
    uint256 public baseRate;
    uint256 public slope1;
    uint256 public slope2;
    uint256 public kink;

    constructor(uint256 baseRate_, uint256 slope1_, uint256 slope2_, uint32 kink_) {
        baseRate = baseRate_;
        slope1 = slope1_;
        slope2 = slope2_;
        kink = kink_;
    }
}

/// @notice The liability vault (IEVault's getters, events and `setLTV`).
contract EVaultLike {
    struct LTVConfig {
        uint16 borrowLTV;
        uint16 liquidationLTV;
        uint16 initialLiquidationLTV;
        uint48 targetTimestamp;
        uint32 rampDuration;
        bool initialised;
    }

    uint32 internal constant CFG_DONT_SOCIALIZE_DEBT = 1 << 0;

    address public asset;
    address public oracle;
    address public unitOfAccount;
    address public EVC;
    address public interestRateModel;
    uint16 public interestFee;
    uint16 public maxLiquidationDiscount;
    uint32 public configFlags;
    uint256 public cash;
    uint256 public totalBorrows;
    uint256 public totalSupply;
    uint256 public accumulatedFees;
    mapping(address => uint256) public balanceOf;
    mapping(address => uint256) public debtOf;
    mapping(address => LTVConfig) internal ltv;
    address[] internal ltvList;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Deposit(address indexed sender, address indexed owner, uint256 assets, uint256 shares);
    event Withdraw(address indexed sender, address indexed receiver, address indexed owner, uint256 assets, uint256 shares);
    event Borrow(address indexed account, uint256 assets);
    event Repay(address indexed account, uint256 assets);

    /// Ours: Euler's factory initialises a vault from its proxy metadata and governance setters.
    function configure(
        address asset_,
        address oracle_,
        address uoa,
        address evc,
        address irm,
        uint16 fee,
        uint16 maxDiscount,
        uint32 flags
    ) external {
        asset = asset_;
        oracle = oracle_;
        unitOfAccount = uoa;
        EVC = evc;
        interestRateModel = irm;
        interestFee = fee;
        maxLiquidationDiscount = maxDiscount;
        configFlags = flags;
    }

    function setLTV(address collateral, uint16 borrowLTV, uint16 liquidationLTV, uint32 rampDuration) external {
        LTVConfig storage c = ltv[collateral];
        uint16 current = c.initialised ? uint16(getLTV(collateral, true)) : liquidationLTV;
        if (!c.initialised) ltvList.push(collateral);
        c.borrowLTV = borrowLTV;
        c.liquidationLTV = liquidationLTV;
        c.initialLiquidationLTV = current;
        c.targetTimestamp = uint48(block.timestamp + rampDuration);
        c.rampDuration = rampDuration;
        c.initialised = true;
    }

    function LTVList() external view returns (address[] memory) {
        return ltvList;
    }

    function LTVFull(address collateral)
        external
        view
        returns (
            uint16 borrowLTV,
            uint16 liquidationLTV,
            uint16 initialLiquidationLTV,
            uint48 targetTimestamp,
            uint32 rampDuration
        )
    {
        LTVConfig memory c = ltv[collateral];
        return (c.borrowLTV, c.liquidationLTV, c.initialLiquidationLTV, c.targetTimestamp, c.rampDuration);
    }

    function LTVLiquidation(address collateral) external view returns (uint16) {
        return uint16(getLTV(collateral, true));
    }

    /// `LTVConfig.getLTV`: the liquidation LTV ramps linearly from the initial to the target value.
    function getLTV(address collateral, bool liquidation) internal view returns (uint256) {
        LTVConfig memory c = ltv[collateral];
        if (!liquidation) return c.borrowLTV;
        if (block.timestamp >= c.targetTimestamp || c.liquidationLTV >= c.initialLiquidationLTV) {
            return c.liquidationLTV;
        }
        uint256 remaining = c.targetTimestamp - block.timestamp;
        return c.liquidationLTV + (uint256(c.initialLiquidationLTV) - c.liquidationLTV) * remaining / c.rampDuration;
    }

    function deposit(uint256 assets, address receiver) external returns (uint256 shares) {
        shares = assets * (totalSupply + 1e6) / (cash + totalBorrows + 1e6);
        cash += assets;
        balanceOf[receiver] += shares;
        totalSupply += shares;
        emit Transfer(address(0), receiver, shares);
        emit Deposit(msg.sender, receiver, assets, shares);
    }

    function transfer(address to, uint256 amount) external returns (bool) {
        balanceOf[msg.sender] -= amount;
        balanceOf[to] += amount;
        emit Transfer(msg.sender, to, amount);
        return true;
    }

    /// Ours: `borrow` on behalf of `account` (Euler's goes through the EVC for the caller).
    function borrowFor(address account, uint256 assets) external {
        cash -= assets;
        debtOf[account] += assets;
        totalBorrows += assets;
        emit Borrow(account, assets);
    }

    /// Ours: fee shares booked to no account yet (Euler books them at accrual, `convertFees` hands them out).
    function bookFees(uint256 shares) external {
        accumulatedFees += shares;
        totalSupply += shares;
    }

    /// `accountLiquidity(account, liquidation)` (RiskManager / LiquidityUtils).
    function accountLiquidity(address account, bool liquidation)
        external
        view
        returns (uint256 collateralValue, uint256 liabilityValue)
    {
        address[] memory list = EVCLike(EVC).getCollaterals(account);
        for (uint256 i = 0; i < list.length; ++i) {
            uint256 l = getLTV(list[i], liquidation);
            if (l == 0) continue;
            uint256 balance = IConvert(list[i]).balanceOf(account);
            if (balance == 0) continue;
            collateralValue += RouterLike(oracle).getQuote(balance, list[i], unitOfAccount) * l / 1e4;
        }
        uint256 debt = debtOf[account];
        liabilityValue = debt == 0 ? 0 : RouterLike(oracle).getQuote(debt, asset, unitOfAccount);
    }
}
