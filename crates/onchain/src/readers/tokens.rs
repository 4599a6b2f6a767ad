//! ERC-20 (decimals, symbol, supply, balances) and ERC-4626 (asset, total assets, conversion).
//!
//! Bindings written from EIP-20 and EIP-4626.

use crate::{
    Error, Result,
    chain::Chain,
    multicall::{Call, decode, decode_outcome},
};
use alloy::{
    primitives::{Address, B256, U256},
    sol,
};

sol! {
    /// EIP-20, the getters read here.
    interface IERC20 {
        function decimals() external view returns (uint8);
        function symbol() external view returns (string);
        function totalSupply() external view returns (uint256);
        function balanceOf(address owner) external view returns (uint256);
    }
    /// Tokens of the first generation (MKR, SAI) return `bytes32` symbols.
    interface IERC20Bytes32Symbol {
        function symbol() external view returns (bytes32);
    }
    /// EIP-4626, the getters read here.
    interface IERC4626 {
        function asset() external view returns (address);
        function totalAssets() external view returns (uint256);
        function convertToAssets(uint256 shares) external view returns (uint256);
    }
}

/// An ERC-20 as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRead {
    /// The token.
    pub address: Address,
    /// `decimals()`.
    pub decimals: u8,
    /// `symbol()` (string or bytes32 form).
    pub symbol: String,
    /// `totalSupply()`.
    pub total_supply: U256,
}

fn bytes32_symbol(word: B256) -> String {
    word.iter().take_while(|b| **b != 0).map(|b| char::from(*b)).collect()
}

/// Reads decimals, symbol and supply of each token, in one batch.
pub async fn read_tokens(chain: &Chain, tokens: &[Address]) -> Result<Vec<TokenRead>> {
    let mut calls = Vec::with_capacity(tokens.len() * 3);
    for t in tokens {
        calls.push(Call::new(format!("erc20({t}).decimals"), *t, &IERC20::decimalsCall {}));
        calls.push(Call::new(format!("erc20({t}).symbol"), *t, &IERC20::symbolCall {}));
        calls.push(Call::new(format!("erc20({t}).totalSupply"), *t, &IERC20::totalSupplyCall {}));
    }
    let out = chain.call_many(&calls).await?;
    let mut reads = Vec::with_capacity(tokens.len());
    for (i, t) in tokens.iter().enumerate() {
        let decimals = decode_outcome::<IERC20::decimalsCall>(&calls[3 * i].label, &out[3 * i])?;
        let symbol = decode_outcome::<IERC20::symbolCall>(&calls[3 * i + 1].label, &out[3 * i + 1])
            .or_else(|_| {
                decode_outcome::<IERC20Bytes32Symbol::symbolCall>(
                    &calls[3 * i + 1].label,
                    &out[3 * i + 1],
                )
                .map(bytes32_symbol)
            })?;
        let total_supply =
            decode_outcome::<IERC20::totalSupplyCall>(&calls[3 * i + 2].label, &out[3 * i + 2])?;
        reads.push(TokenRead { address: *t, decimals, symbol, total_supply });
    }
    Ok(reads)
}

/// `balanceOf` of each `(token, holder)`, in order.
pub async fn read_balances(chain: &Chain, pairs: &[(Address, Address)]) -> Result<Vec<U256>> {
    let calls: Vec<Call> = pairs
        .iter()
        .map(|(t, h)| {
            Call::new(
                format!("erc20({t}).balanceOf({h})"),
                *t,
                &IERC20::balanceOfCall { owner: *h },
            )
        })
        .collect();
    let data = chain.call_all(&calls).await?;
    calls.iter().zip(&data).map(|(c, d)| decode::<IERC20::balanceOfCall>(&c.label, d)).collect()
}

/// An ERC-4626 vault as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaultRead {
    /// The vault (its share token).
    pub share: TokenRead,
    /// `asset()`.
    pub asset: Address,
    /// `totalAssets()`.
    pub total_assets: U256,
    /// `convertToAssets(10^decimals)`: assets per whole share.
    pub assets_per_share: U256,
}

/// Reads each vault: share token, asset, total assets and the value of one whole share.
pub async fn read_vaults(chain: &Chain, vaults: &[Address]) -> Result<Vec<VaultRead>> {
    let shares = read_tokens(chain, vaults).await?;
    let mut calls = Vec::with_capacity(vaults.len() * 3);
    for s in &shares {
        let v = s.address;
        let one = U256::from(10u8).checked_pow(U256::from(s.decimals)).ok_or_else(|| {
            Error::invalid(format!("erc4626({v}).decimals"), "at most 77", s.decimals)
        })?;
        calls.push(Call::new(format!("erc4626({v}).asset"), v, &IERC4626::assetCall {}));
        calls.push(Call::new(
            format!("erc4626({v}).totalAssets"),
            v,
            &IERC4626::totalAssetsCall {},
        ));
        calls.push(Call::new(
            format!("erc4626({v}).convertToAssets(1e{})", s.decimals),
            v,
            &IERC4626::convertToAssetsCall { shares: one },
        ));
    }
    let data = chain.call_all(&calls).await?;
    shares
        .into_iter()
        .enumerate()
        .map(|(i, share)| {
            Ok(VaultRead {
                asset: decode::<IERC4626::assetCall>(&calls[3 * i].label, &data[3 * i])?,
                total_assets: decode::<IERC4626::totalAssetsCall>(
                    &calls[3 * i + 1].label,
                    &data[3 * i + 1],
                )?,
                assets_per_share: decode::<IERC4626::convertToAssetsCall>(
                    &calls[3 * i + 2].label,
                    &data[3 * i + 2],
                )?,
                share,
            })
        })
        .collect()
}
