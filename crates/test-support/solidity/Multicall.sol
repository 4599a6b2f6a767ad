// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.19;

/// @notice faultline's own implementation of Multicall3's `aggregate3` (same ABI and semantics as
/// mds1/multicall `Multicall3.aggregate3`: each call runs with `call`, a failing call with
/// `allowFailure` is reported, one without it reverts the batch). Tests deploy it on anvil and
/// point the reader at it. Not a copy of Multicall3.
contract Multicall {
    struct Call3 {
        address target;
        bool allowFailure;
        bytes callData;
    }

    struct Result {
        bool success;
        bytes returnData;
    }

    function aggregate3(Call3[] calldata calls) external payable returns (Result[] memory returnData) {
        returnData = new Result[](calls.length);
        for (uint256 i = 0; i < calls.length; ++i) {
            (bool ok, bytes memory data) = calls[i].target.call(calls[i].callData);
            require(ok || calls[i].allowFailure, "Multicall3: call failed");
            returnData[i] = Result(ok, data);
        }
    }
}
