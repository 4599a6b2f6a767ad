// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.0;

import {WadRayMath} from "@aave/core-v3/contracts/protocol/libraries/math/WadRayMath.sol";
import {PercentageMath} from "@aave/core-v3/contracts/protocol/libraries/math/PercentageMath.sol";
import {Batch} from "../../../test-support/solidity/Batch.sol";

/// @notice Exposes Aave v3's internal math libraries, unchanged, for faultline's differential tests.
contract AaveMathHarness is Batch {
    function wadMul(uint256 a, uint256 b) external pure returns (uint256) {
        return WadRayMath.wadMul(a, b);
    }

    function wadDiv(uint256 a, uint256 b) external pure returns (uint256) {
        return WadRayMath.wadDiv(a, b);
    }

    function rayMul(uint256 a, uint256 b) external pure returns (uint256) {
        return WadRayMath.rayMul(a, b);
    }

    function rayDiv(uint256 a, uint256 b) external pure returns (uint256) {
        return WadRayMath.rayDiv(a, b);
    }

    function rayToWad(uint256 a) external pure returns (uint256) {
        return WadRayMath.rayToWad(a);
    }

    function wadToRay(uint256 a) external pure returns (uint256) {
        return WadRayMath.wadToRay(a);
    }

    function percentMul(uint256 value, uint256 percentage) external pure returns (uint256) {
        return PercentageMath.percentMul(value, percentage);
    }

    function percentDiv(uint256 value, uint256 percentage) external pure returns (uint256) {
        return PercentageMath.percentDiv(value, percentage);
    }
}
