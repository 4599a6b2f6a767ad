//! Raw contract integers and addresses as they appear in a snapshot: decimal strings, so a
//! reader can compare them with a block explorer digit for digit.

use alloy_primitives::{Address, U256};
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer, de::Error as _};
use std::borrow::Cow;

/// A raw `uint256` as the contract stores it, written as a decimal string (`"915000000000000000"`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Raw(pub U256);

impl Serialize for Raw {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = Cow::<'de, str>::deserialize(deserializer)?;
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(D::Error::custom(format!(
                "expected an unsigned integer as a decimal string, found {text:?}"
            )));
        }
        U256::from_str_radix(&text, 10).map(Self).map_err(|_| {
            D::Error::custom(format!("{text:?} does not fit 256 bits (at most 2^256 - 1)"))
        })
    }
}

impl JsonSchema for Raw {
    fn schema_name() -> Cow<'static, str> {
        "Raw".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": "^[0-9]{1,78}$",
            "description": "A raw uint256 in the contract's integer units, as a decimal string."
        })
    }
}

/// A raw signed integer up to `int128` (a Uniswap v3 tick's `liquidityNet`), written as a
/// decimal string with an optional leading `-` (`"-200000000000000000000"`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RawSigned(pub i128);

impl Serialize for RawSigned {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for RawSigned {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = Cow::<'de, str>::deserialize(deserializer)?;
        let digits = text.strip_prefix('-').unwrap_or(&text);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(D::Error::custom(format!(
                "expected a signed integer as a decimal string, found {text:?}"
            )));
        }
        text.parse::<i128>().map(Self).map_err(|_| {
            D::Error::custom(format!("{text:?} does not fit int128 (-2^127 ..= 2^127 - 1)"))
        })
    }
}

impl JsonSchema for RawSigned {
    fn schema_name() -> Cow<'static, str> {
        "RawSigned".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": "^-?[0-9]{1,39}$",
            "description": "A raw int128 in the contract's integer units, as a decimal string."
        })
    }
}

/// An Ethereum address, `0x` and 40 hex digits (checksum not required).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RawAddress(pub Address);

impl Serialize for RawAddress {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for RawAddress {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = Cow::<'de, str>::deserialize(deserializer)?;
        text.parse::<Address>().map(Self).map_err(|_| {
            D::Error::custom(format!("expected a 0x-prefixed 20-byte hex address, found {text:?}"))
        })
    }
}

impl JsonSchema for RawAddress {
    fn schema_name() -> Cow<'static, str> {
        "Address".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": "^0x[0-9a-fA-F]{40}$",
            "description": "An Ethereum address."
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_reads_decimal_strings_only() {
        let raw: Raw = serde_json::from_str("\"915000000000000000\"").unwrap();
        assert_eq!(raw.0, U256::from(915_000_000_000_000_000u64));
        assert_eq!(serde_json::to_string(&raw).unwrap(), "\"915000000000000000\"");
        for bad in ["\"-1\"", "\"0x10\"", "\"1.5\"", "\"\"", "15"] {
            assert!(serde_json::from_str::<Raw>(bad).is_err(), "{bad} was accepted");
        }
        let too_big = format!("\"{}0\"", U256::MAX);
        let err = serde_json::from_str::<Raw>(&too_big).unwrap_err().to_string();
        assert!(err.contains("does not fit 256 bits"), "{err}");
    }

    #[test]
    fn signed_raw_reads_signed_decimal_strings() {
        let net: RawSigned = serde_json::from_str("\"-200000000000000000000\"").unwrap();
        assert_eq!(net.0, -200_000_000_000_000_000_000);
        assert_eq!(serde_json::to_string(&net).unwrap(), "\"-200000000000000000000\"");
        for bad in
            ["\"+1\"", "\"-\"", "\"1e3\"", "1", "\"170141183460469231731687303715884105728\""]
        {
            assert!(serde_json::from_str::<RawSigned>(bad).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn addresses_round_trip() {
        let text = "\"0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48\"";
        let address: RawAddress = serde_json::from_str(text).unwrap();
        let back = serde_json::to_string(&address).unwrap();
        assert_eq!(back.to_lowercase(), text);
        assert!(serde_json::from_str::<RawAddress>("\"0x1234\"").is_err());
    }
}
