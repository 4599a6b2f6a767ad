// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.19;

import {Id, IMorpho, MarketParams} from "@morpho-org/morpho-blue/src/interfaces/IMorpho.sol";
import {MarketParamsLib} from "@morpho-org/morpho-blue/src/libraries/MarketParamsLib.sol";
import {MorphoBalancesLib} from "@morpho-org/morpho-blue/src/libraries/periphery/MorphoBalancesLib.sol";

/// @notice faultline's test stand-ins for MetaMorpho v1.0 and v1.1 vaults, on a real Morpho Blue. They EXPOSE THE REAL
/// ABI of the getters faultline reads — `asset`, `totalAssets`, `totalSupply`, `convertToAssets`, `MORPHO`, `fee`,
/// `feeRecipient`, `supplyQueue`, `supplyQueueLength`, `withdrawQueue`, `withdrawQueueLength`, `config` (the
/// `MarketConfig` layout), `lastTotalAssets` and, in v1.1 only, `lostAssets` — copied from the published interfaces
/// `src/interfaces/IMetaMorpho.sol` of https://github.com/morpho-org/metamorpho and
/// `src/interfaces/IMetaMorphoV1_1.sol` of https://github.com/morpho-org/metamorpho-v1.1 — NOT THEIR CODE: the bodies
/// are ours, written from the documented accounting (total assets are the vault's expected supply on Morpho over the
/// withdraw queue, plus lost assets in v1.1; the performance fee is minted as shares on accrual; ERC-4626 conversion
/// with a decimals offset of max(0, 18 − asset decimals)). Configuration is immediate (no timelock, no roles), deposits
/// follow the supply queue up to the caps; no withdrawals, no reallocation. v1.1's `lostAssets` is set by the test
/// (`setLostAssets`, not in the real ABI): the stand-in realises no bad debt itself.
contract MetaMorphoV1_0Like {
    using MorphoBalancesLib for IMorpho;
    using MarketParamsLib for MarketParams;

    struct MarketConfig {
        uint184 cap;
        bool enabled;
        uint64 removableAt;
    }

    uint256 internal constant WAD = 1e18;

    IMorpho public immutable MORPHO;
    address public immutable asset;
    uint8 public immutable DECIMALS_OFFSET;
    string public name;
    uint96 public fee;
    address public feeRecipient;
    Id[] public supplyQueue;
    Id[] public withdrawQueue;
    mapping(Id => MarketConfig) public config;
    uint256 public lastTotalAssets;
    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;

    constructor(IMorpho morpho, address asset_, string memory name_) {
        MORPHO = morpho;
        asset = asset_;
        name = name_;
        uint8 d = IAsset(asset_).decimals();
        DECIMALS_OFFSET = d < 18 ? 18 - d : 0;
        IAsset(asset_).approve(address(morpho), type(uint256).max);
    }

    function supplyQueueLength() external view returns (uint256) {
        return supplyQueue.length;
    }

    function withdrawQueueLength() external view returns (uint256) {
        return withdrawQueue.length;
    }

    function setFeeRecipient(address r) external {
        _accrueInterest();
        feeRecipient = r;
    }

    function setFee(uint256 f) external {
        require(f <= 0.5e18, "MaxFeeExceeded");
        _accrueInterest();
        fee = uint96(f);
    }

    /// @notice Sets a market's cap at once; a new market joins the end of the withdraw queue.
    function setCap(MarketParams memory params, uint184 cap) external {
        Id id = params.id();
        require(params.loanToken == asset, "InconsistentAsset");
        if (!config[id].enabled) {
            withdrawQueue.push(id);
            config[id].enabled = true;
        }
        config[id].cap = cap;
    }

    function setSupplyQueue(Id[] calldata queue) external {
        supplyQueue = queue;
    }

    function deposit(uint256 assets, address receiver) external returns (uint256 shares) {
        (uint256 feeShares, uint256 newTotalAssets, uint256 newLost) = _accruedFeeAndAssets();
        _accrue(feeShares, newTotalAssets, newLost);
        shares = assets * (totalSupply + 10 ** DECIMALS_OFFSET) / (newTotalAssets + 1);
        IAsset(asset).transferFrom(msg.sender, address(this), assets);
        _mint(receiver, shares);
        _supplyMorpho(assets);
        lastTotalAssets += assets;
    }

    function totalAssets() public view returns (uint256) {
        (, uint256 newTotalAssets,) = _accruedFeeAndAssets();
        return newTotalAssets;
    }

    function convertToAssets(uint256 shares) external view returns (uint256) {
        (uint256 feeShares, uint256 newTotalAssets,) = _accruedFeeAndAssets();
        return shares * (newTotalAssets + 1) / (totalSupply + feeShares + 10 ** DECIMALS_OFFSET);
    }

    function _realTotalAssets() internal view returns (uint256 real) {
        for (uint256 i; i < withdrawQueue.length; ++i) {
            real += MORPHO.expectedSupplyAssets(MORPHO.idToMarketParams(withdrawQueue[i]), address(this));
        }
    }

    /// @dev v1.0: no lost assets; interest is what total assets gained since the last accrual.
    function _accruedFeeAndAssets()
        internal
        view
        virtual
        returns (uint256 feeShares, uint256 newTotalAssets, uint256 newLostAssets)
    {
        newTotalAssets = _realTotalAssets();
        uint256 interest = newTotalAssets > lastTotalAssets ? newTotalAssets - lastTotalAssets : 0;
        feeShares = _feeShares(interest, newTotalAssets);
        newLostAssets = 0;
    }

    function _feeShares(uint256 interest, uint256 newTotalAssets) internal view returns (uint256) {
        if (interest == 0 || fee == 0) return 0;
        uint256 feeAssets = interest * fee / WAD;
        return feeAssets * (totalSupply + 10 ** DECIMALS_OFFSET) / (newTotalAssets - feeAssets + 1);
    }

    function _accrueInterest() internal {
        (uint256 feeShares, uint256 newTotalAssets, uint256 newLost) = _accruedFeeAndAssets();
        _accrue(feeShares, newTotalAssets, newLost);
    }

    function _accrue(uint256 feeShares, uint256 newTotalAssets, uint256 newLost) internal virtual {
        newLost; // v1.0 has none
        lastTotalAssets = newTotalAssets;
        if (feeShares != 0) _mint(feeRecipient, feeShares);
    }

    function _mint(address to, uint256 shares) internal {
        balanceOf[to] += shares;
        totalSupply += shares;
    }

    function _supplyMorpho(uint256 assets) internal {
        for (uint256 i; i < supplyQueue.length && assets > 0; ++i) {
            Id id = supplyQueue[i];
            MarketParams memory params = MORPHO.idToMarketParams(id);
            uint256 supplied = MORPHO.expectedSupplyAssets(params, address(this));
            uint256 cap = config[id].cap;
            uint256 room = cap > supplied ? cap - supplied : 0;
            uint256 toSupply = room < assets ? room : assets;
            if (toSupply > 0) {
                MORPHO.supply(params, toSupply, 0, address(this), hex"");
                assets -= toSupply;
            }
        }
        require(assets == 0, "AllCapsReached");
    }
}

/// @notice The v1.1 stand-in: `lostAssets`, and total assets that keep what the markets lost (see the header above).
contract MetaMorphoV1_1Like is MetaMorphoV1_0Like {
    uint256 public lostAssets;

    constructor(IMorpho morpho, address asset_, string memory name_) MetaMorphoV1_0Like(morpho, asset_, name_) {}

    /// @notice Test-only (not in the real ABI): books `lost` as lost assets, as a realised bad debt would.
    function setLostAssets(uint256 lost) external {
        lostAssets = lost;
        lastTotalAssets += lost;
    }

    function _accruedFeeAndAssets()
        internal
        view
        override
        returns (uint256 feeShares, uint256 newTotalAssets, uint256 newLostAssets)
    {
        uint256 real = _realTotalAssets();
        if (real < lastTotalAssets - lostAssets) newLostAssets = lastTotalAssets - real;
        else newLostAssets = lostAssets;
        newTotalAssets = real + newLostAssets;
        feeShares = _feeShares(newTotalAssets - lastTotalAssets, newTotalAssets);
    }

    function _accrue(uint256 feeShares, uint256 newTotalAssets, uint256 newLost) internal override {
        lostAssets = newLost;
        lastTotalAssets = newTotalAssets;
        if (feeShares != 0) _mint(feeRecipient, feeShares);
    }
}

/// @notice The asset functions the stand-ins use (our `Token` mock has them).
interface IAsset {
    function decimals() external view returns (uint8);
    function approve(address spender, uint256 amount) external returns (bool);
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
}
