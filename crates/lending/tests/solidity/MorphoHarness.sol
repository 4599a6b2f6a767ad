// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.19;

import {IMorpho, IMorphoBase, MarketParams, Market, Position, Id} from "@morpho-org/morpho-blue/src/interfaces/IMorpho.sol";
import {MarketParamsLib} from "@morpho-org/morpho-blue/src/libraries/MarketParamsLib.sol";
import {MockToken, CaseOracle, FixedRateIrm} from "./MorphoMocks.sol";

/// @notice Drives the real Morpho Blue for faultline's differential test. It is the supplier,
/// the borrower and the liquidator of every market it creates (Morpho allows all three), and owns
/// Morpho so it can enable LLTVs and set fees. `probe` runs each liquidation and reverts with its
/// observations, so every probe starts from the same state inside one `eth_call`.
contract MorphoHarness {
    using MarketParamsLib for MarketParams;

    address public constant FEE_RECIPIENT = address(0xFEE);

    IMorpho public immutable morpho;
    MockToken public immutable loan;
    MockToken public immutable collateral;
    FixedRateIrm public immutable irm;
    MarketParams[] internal markets;

    struct Setup {
        uint256 lltv;
        uint256 rate;
        uint256 fee;
        uint256 supplyAssets;
        uint256 collateral;
        uint256 borrowAssets;
        uint256 price;
    }

    struct Probe {
        uint256 market;
        uint256 price;
        uint256 seizedAssets;
        uint256 repaidShares;
    }

    struct Observation {
        uint256 timestamp;
        Market before;
        Position positionBefore;
        bool ok;
        bytes returned;
        Market afterwards;
        Position positionAfter;
        uint256 feeShares;
    }

    constructor(IMorpho morpho_) {
        morpho = morpho_;
        loan = new MockToken();
        collateral = new MockToken();
        irm = new FixedRateIrm();
        loan.mint(address(this), 2 ** 250);
        collateral.mint(address(this), 2 ** 250);
        loan.approve(address(morpho_), type(uint256).max);
        collateral.approve(address(morpho_), type(uint256).max);
    }

    /// Once Morpho's owner is this contract.
    function init() external {
        morpho.enableIrm(address(irm));
        morpho.setFeeRecipient(FEE_RECIPIENT);
    }

    function marketCount() external view returns (uint256) {
        return markets.length;
    }

    function setup(Setup[] calldata cases) external {
        for (uint256 i; i < cases.length; ++i) {
            Setup calldata c = cases[i];
            CaseOracle oracle = new CaseOracle();
            oracle.setPrice(c.price);
            irm.setRate(address(oracle), c.rate);
            if (!morpho.isLltvEnabled(c.lltv)) morpho.enableLltv(c.lltv);
            MarketParams memory params = MarketParams(address(loan), address(collateral), address(oracle), address(irm), c.lltv);
            morpho.createMarket(params);
            if (c.fee != 0) morpho.setFee(params, c.fee);
            morpho.supply(params, c.supplyAssets, 0, address(this), "");
            morpho.supplyCollateral(params, c.collateral, address(this), "");
            if (c.borrowAssets != 0) morpho.borrow(params, c.borrowAssets, 0, address(this), address(this));
            markets.push(params);
        }
    }

    /// Runs each probe from the same state and returns what it observed (ABI-encoded
    /// `Observation`s).
    function probeAll(Probe[] calldata probes) external returns (bytes[] memory observations) {
        observations = new bytes[](probes.length);
        for (uint256 i; i < probes.length; ++i) {
            try this.probe(probes[i]) {
                revert("probe must revert");
            } catch (bytes memory data) {
                observations[i] = data;
            }
        }
    }

    function probe(Probe calldata p) external {
        require(msg.sender == address(this), "only self");
        MarketParams memory params = markets[p.market];
        Id id = params.id();
        CaseOracle(params.oracle).setPrice(p.price);
        Observation memory o;
        o.timestamp = block.timestamp;
        o.before = morpho.market(id);
        o.positionBefore = morpho.position(id, address(this));
        bytes memory call = abi.encodeCall(IMorphoBase.liquidate, (params, address(this), p.seizedAssets, p.repaidShares, ""));
        (o.ok, o.returned) = address(morpho).call(call);
        // After a revert, accrue anyway so the interest is still compared.
        if (!o.ok) morpho.accrueInterest(params);
        o.afterwards = morpho.market(id);
        o.positionAfter = morpho.position(id, address(this));
        o.feeShares = morpho.position(id, FEE_RECIPIENT).supplyShares;
        bytes memory encoded = abi.encode(o);
        assembly {
            revert(add(encoded, 32), mload(encoded))
        }
    }
}
