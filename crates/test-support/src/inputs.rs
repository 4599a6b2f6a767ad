//! Deterministic pseudo-random inputs for differential tests.
//!
//! A stream is `keccak256(label || counter)`, so every run of a test sees the same inputs and a
//! failure names an input that can be replayed. Values are spread over magnitudes (a uniformly
//! random bit length, then random bits) because uniform 256-bit words almost always overflow a
//! product and would test only the failure path; one draw in eight is an edge value.

use alloy::primitives::{U256, keccak256};

/// A deterministic stream of test inputs.
#[derive(Debug, Clone)]
pub struct Inputs {
    label: Vec<u8>,
    counter: u64,
    edges: Vec<U256>,
}

impl Inputs {
    /// A stream named by `label` (use the test's name), with the common edge values.
    pub fn new(label: &str) -> Self {
        let one = U256::from(1u8);
        let edges = vec![
            U256::ZERO,
            one,
            U256::from(2u8),
            U256::from(3u8),
            U256::from(10u8),
            U256::from(5_000u16),
            U256::from(10_000u16),
            U256::from(1_000_000u32),
            U256::from(1_000_000_000u64),
            U256::from(10u8).pow(U256::from(18u8)),
            U256::from(10u8).pow(U256::from(18u8)) / U256::from(2u8),
            U256::from(10u8).pow(U256::from(27u8)),
            U256::from(10u8).pow(U256::from(27u8)) / U256::from(2u8),
            U256::from(10u8).pow(U256::from(36u8)),
            U256::from(u64::MAX),
            U256::from(u128::MAX),
            (one << 128) + one,
            U256::MAX >> 1,
            U256::MAX - one,
            U256::MAX,
        ];
        Self { label: label.as_bytes().to_vec(), counter: 0, edges }
    }

    /// Adds edge values particular to the function under test (its constants, its bounds).
    pub fn with_edges(mut self, extra: impl IntoIterator<Item = U256>) -> Self {
        self.edges.extend(extra);
        self
    }

    /// The next raw 256-bit word.
    pub fn word(&mut self) -> U256 {
        let mut preimage = self.label.clone();
        preimage.extend_from_slice(&self.counter.to_be_bytes());
        self.counter += 1;
        U256::from_be_bytes(keccak256(preimage).0)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        let n = U256::from(n.max(1));
        (self.word() % n).to::<u64>()
    }

    /// A value with at most `max_bits` bits, of uniformly random bit length.
    pub fn bits(&mut self, max_bits: u32) -> U256 {
        let length = self.below(u64::from(max_bits.min(256)) + 1) as usize;
        if length == 0 {
            return U256::ZERO;
        }
        self.word() >> (256 - length)
    }

    /// One draw in eight an edge value, otherwise [`Self::bits`] up to 256.
    pub fn value(&mut self) -> U256 {
        if self.below(8) == 0 {
            let index = self.below(self.edges.len() as u64) as usize;
            self.edges[index]
        } else {
            self.bits(256)
        }
    }

    /// A value at `bound - 1`, `bound` or `bound + 1` (saturating): where a check flips.
    pub fn around(&mut self, bound: U256) -> U256 {
        match self.below(3) {
            0 => bound.saturating_sub(U256::from(1u8)),
            1 => bound,
            _ => bound.saturating_add(U256::from(1u8)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_deterministic_and_spread() {
        let mut a = Inputs::new("x");
        let mut b = Inputs::new("x");
        let first: Vec<U256> = (0..100).map(|_| a.value()).collect();
        assert_eq!(first, (0..100).map(|_| b.value()).collect::<Vec<_>>());
        assert_ne!(first, (0..100).map(|_| Inputs::new("y").value()).collect::<Vec<_>>());
        // Bit lengths are spread: among 1,000 draws there are small (< 2^64) and huge (>= 2^192).
        let mut c = Inputs::new("spread");
        let draws: Vec<U256> = (0..1_000).map(|_| c.bits(256)).collect();
        assert!(draws.iter().any(|v| *v < U256::from(u64::MAX)));
        assert!(draws.iter().any(|v| v.bit_len() > 192));
    }
}
