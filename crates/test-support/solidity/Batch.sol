// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.0;

/// @notice Runs many calls against the contract that inherits it inside one `eth_call`, and returns
/// each call's success flag and return (or revert) data. Differential tests use it to compare
/// thousands of inputs per round trip. Part of faultline's test support, not of any protocol.
abstract contract Batch {
    struct Outcome {
        bool ok;
        bytes data;
    }

    function batch(bytes[] calldata calls) external view returns (Outcome[] memory outcomes) {
        outcomes = new Outcome[](calls.length);
        for (uint256 i = 0; i < calls.length; ++i) {
            (bool ok, bytes memory data) = address(this).staticcall(calls[i]);
            outcomes[i] = Outcome(ok, data);
        }
    }
}
