// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.0;

import {MathLib} from "@morpho-org/morpho-blue/src/libraries/MathLib.sol";
import {SharesMathLib} from "@morpho-org/morpho-blue/src/libraries/SharesMathLib.sol";
import {UtilsLib} from "@morpho-org/morpho-blue/src/libraries/UtilsLib.sol";
import {Batch} from "../../../test-support/solidity/Batch.sol";

/// @notice Exposes Morpho Blue's internal math libraries, unchanged, for faultline's differential
/// tests.
contract MorphoMathHarness is Batch {
    function mulDivDown(uint256 x, uint256 y, uint256 d) external pure returns (uint256) {
        return MathLib.mulDivDown(x, y, d);
    }

    function mulDivUp(uint256 x, uint256 y, uint256 d) external pure returns (uint256) {
        return MathLib.mulDivUp(x, y, d);
    }

    function wMulDown(uint256 x, uint256 y) external pure returns (uint256) {
        return MathLib.wMulDown(x, y);
    }

    function wDivDown(uint256 x, uint256 y) external pure returns (uint256) {
        return MathLib.wDivDown(x, y);
    }

    function wDivUp(uint256 x, uint256 y) external pure returns (uint256) {
        return MathLib.wDivUp(x, y);
    }

    function wTaylorCompounded(uint256 x, uint256 n) external pure returns (uint256) {
        return MathLib.wTaylorCompounded(x, n);
    }

    function toSharesDown(uint256 assets, uint256 totalAssets, uint256 totalShares) external pure returns (uint256) {
        return SharesMathLib.toSharesDown(assets, totalAssets, totalShares);
    }

    function toAssetsDown(uint256 shares, uint256 totalAssets, uint256 totalShares) external pure returns (uint256) {
        return SharesMathLib.toAssetsDown(shares, totalAssets, totalShares);
    }

    function toSharesUp(uint256 assets, uint256 totalAssets, uint256 totalShares) external pure returns (uint256) {
        return SharesMathLib.toSharesUp(assets, totalAssets, totalShares);
    }

    function toAssetsUp(uint256 shares, uint256 totalAssets, uint256 totalShares) external pure returns (uint256) {
        return SharesMathLib.toAssetsUp(shares, totalAssets, totalShares);
    }

    function zeroFloorSub(uint256 x, uint256 y) external pure returns (uint256) {
        return UtilsLib.zeroFloorSub(x, y);
    }
}
