//! Identity: chains, addresses and tokens.

use crate::{Result, TokenAmount, amount::scale};
use alloy_primitives::{Address, U256};
use core::fmt;

/// An EVM chain id (EIP-155).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChainId(pub u64);

impl ChainId {
    /// Ethereum mainnet.
    pub const ETHEREUM: Self = Self(1);
    /// Arbitrum One.
    pub const ARBITRUM: Self = Self(42_161);
    /// Plume mainnet.
    pub const PLUME: Self = Self(98_866);
    /// A local anvil node.
    pub const ANVIL: Self = Self(31_337);

    /// A short human name for the chains faultline has fixtures for.
    pub const fn name(self) -> Option<&'static str> {
        match self.0 {
            1 => Some("ethereum"),
            42_161 => Some("arbitrum"),
            98_866 => Some("plume"),
            31_337 => Some("anvil"),
            _ => None,
        }
    }
}

impl fmt::Display for ChainId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "{name}"),
            None => write!(f, "chain {}", self.0),
        }
    }
}

/// An ERC-20 token on one chain.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Token {
    chain: ChainId,
    address: Address,
    symbol: String,
    decimals: u8,
}

impl Token {
    /// A token; fails when `decimals` exceeds [`crate::amount::MAX_DECIMALS`].
    pub fn new(
        chain: ChainId,
        address: Address,
        symbol: impl Into<String>,
        decimals: u8,
    ) -> Result<Self> {
        scale(decimals)?;
        Ok(Self { chain, address, symbol: symbol.into(), decimals })
    }

    /// The chain the token lives on.
    pub const fn chain(&self) -> ChainId {
        self.chain
    }

    /// The token contract's address.
    pub const fn address(&self) -> Address {
        self.address
    }

    /// The ticker, as the token reports it.
    pub fn symbol(&self) -> &str {
        &self.symbol
    }

    /// The token's decimals.
    pub const fn decimals(&self) -> u8 {
        self.decimals
    }

    /// An amount of this token from raw units.
    pub const fn amount(&self, raw: U256) -> TokenAmount {
        // Decimals were checked in `new`.
        TokenAmount::from_checked_parts(raw, self.decimals)
    }

    /// Reads a human amount of this token exactly.
    pub fn parse_amount(&self, text: &str) -> Result<TokenAmount> {
        TokenAmount::parse(text, self.decimals)
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({} on {})", self.symbol, self.address, self.chain)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::address;

    #[test]
    fn token_amounts_carry_its_decimals() {
        let usdc = Token::new(
            ChainId::ETHEREUM,
            address!("a0b86991c6218b36c1d19d4a2e9eb0ce3606eb48"),
            "USDC",
            6,
        )
        .unwrap();
        assert_eq!(usdc.parse_amount("2.5").unwrap().raw(), U256::from(2_500_000u64));
        assert_eq!(usdc.amount(U256::from(1u8)).to_string(), "0.000001");
        assert_eq!(
            usdc.to_string(),
            "USDC (0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48 on ethereum)"
        );
        assert!(Token::new(ChainId::ETHEREUM, Address::ZERO, "BAD", 200).is_err());
    }
}
