//! Chainlink aggregators: `latestRoundData` and `decimals` (`AggregatorV3Interface`).

use crate::{
    Result,
    chain::Chain,
    multicall::{Call, decode},
};
use alloy::{
    primitives::{Address, I256, U256},
    sol,
};

sol! {
    /// `AggregatorV3Interface` (smartcontractkit/chainlink), the getters read here.
    interface IAggregatorV3 {
        function decimals() external view returns (uint8);
        function latestRoundData() external view returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);
    }
}

/// A feed's latest round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeedRead {
    /// The aggregator (or proxy).
    pub address: Address,
    /// `decimals()` of the answer.
    pub decimals: u8,
    /// `roundId`.
    pub round_id: U256,
    /// `answer`, scaled by `10^decimals`.
    pub answer: I256,
    /// `updatedAt` (seconds).
    pub updated_at: U256,
    /// `answeredInRound`.
    pub answered_in_round: U256,
}

/// Reads each feed's decimals and latest round, in one batch.
pub async fn read_feeds(chain: &Chain, feeds: &[Address]) -> Result<Vec<FeedRead>> {
    let mut calls = Vec::with_capacity(feeds.len() * 2);
    for f in feeds {
        calls.push(Call::new(
            format!("chainlink({f}).decimals"),
            *f,
            &IAggregatorV3::decimalsCall {},
        ));
        calls.push(Call::new(
            format!("chainlink({f}).latestRoundData"),
            *f,
            &IAggregatorV3::latestRoundDataCall {},
        ));
    }
    let data = chain.call_all(&calls).await?;
    feeds
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let decimals =
                decode::<IAggregatorV3::decimalsCall>(&calls[2 * i].label, &data[2 * i])?;
            let r = decode::<IAggregatorV3::latestRoundDataCall>(
                &calls[2 * i + 1].label,
                &data[2 * i + 1],
            )?;
            Ok(FeedRead {
                address: *f,
                decimals,
                round_id: U256::from(r.roundId),
                answer: r.answer,
                updated_at: r.updatedAt,
                answered_in_round: U256::from(r.answeredInRound),
            })
        })
        .collect()
}
