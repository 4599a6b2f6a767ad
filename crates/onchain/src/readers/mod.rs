//! Protocol readers (Aave v3, Morpho Blue, tokens, Chainlink, Uniswap v3): `sol!` bindings
//! written from the public interfaces, batched through Multicall3 at the pinned block, returning
//! typed state the lending models are built from.

pub mod aave;
pub mod aave_v32;
pub mod chainlink;
pub mod comet;
pub mod euler;
pub mod metamorpho;
pub mod morpho;
pub mod tokens;
pub mod uniswap_v3;
