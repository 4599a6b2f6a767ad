// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.0;

import {WadRayMath} from "@aave-dao/aave-v3-origin/src/contracts/protocol/libraries/math/WadRayMath.sol";
import {PercentageMath} from "@aave-dao/aave-v3-origin/src/contracts/protocol/libraries/math/PercentageMath.sol";
import {Batch} from "../../../test-support/solidity/Batch.sol";

/// @notice Exposes the floor/ceil functions Aave v3.5 introduced (aave-v3-origin 3.6.0), unchanged,
/// for faultline's differential tests.
contract AaveOriginMathHarness is Batch {
    function rayMulFloor(uint256 a, uint256 b) external pure returns (uint256) {
        return WadRayMath.rayMulFloor(a, b);
    }

    function rayMulCeil(uint256 a, uint256 b) external pure returns (uint256) {
        return WadRayMath.rayMulCeil(a, b);
    }

    function rayDivFloor(uint256 a, uint256 b) external pure returns (uint256) {
        return WadRayMath.rayDivFloor(a, b);
    }

    function rayDivCeil(uint256 a, uint256 b) external pure returns (uint256) {
        return WadRayMath.rayDivCeil(a, b);
    }

    function percentMulFloor(uint256 value, uint256 percentage) external pure returns (uint256) {
        return PercentageMath.percentMulFloor(value, percentage);
    }

    function percentMulCeil(uint256 value, uint256 percentage) external pure returns (uint256) {
        return PercentageMath.percentMulCeil(value, percentage);
    }

    function percentDivCeil(uint256 value, uint256 percentage) external pure returns (uint256) {
        return PercentageMath.percentDivCeil(value, percentage);
    }
}
