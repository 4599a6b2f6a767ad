//! Fields as the export writes them, read exactly: raw integers (sometimes written as floats),
//! decimal figures (sometimes in scientific notation), addresses and WAD fractions.

use crate::error::{ImportError, Warnings};
use alloy_primitives::{Address, U256};
use rust_decimal::Decimal;
use std::str::FromStr;

/// A field's place, for messages.
#[derive(Debug, Clone, Copy)]
pub(crate) struct At<'a> {
    pub(crate) file: &'a str,
    pub(crate) line: u64,
    pub(crate) column: &'a str,
}

impl At<'_> {
    pub(crate) fn error(&self, message: impl Into<String>) -> ImportError {
        ImportError::at(self.file, self.line, self.column, message)
    }

    pub(crate) fn warn(&self, warnings: &mut Warnings, message: impl Into<String>) {
        warnings.at(self.file, self.line, self.column, message);
    }
}

/// A decimal figure: plain (`0.915`) or scientific (`9.15e+17`).
pub(crate) fn decimal(at: At<'_>, text: &str) -> Result<Decimal, ImportError> {
    let text = text.trim();
    Decimal::from_str(text)
        .or_else(|_| Decimal::from_scientific(text))
        .map_err(|_| at.error(format!("expected a number, found {text:?}")))
}

/// An optional decimal figure: empty, `None` or `nan` read as absent.
pub(crate) fn decimal_opt(at: At<'_>, text: &str) -> Result<Option<Decimal>, ImportError> {
    if absent(text) { Ok(None) } else { decimal(at, text).map(Some) }
}

/// Whether a field is empty or a missing-value marker of the export (`None`, `nan`).
pub(crate) fn absent(text: &str) -> bool {
    matches!(text.trim(), "" | "None" | "nan" | "NaN")
}

/// A raw unsigned integer. Digits are read exactly; a float (`1e+24`, `17.0`) that is a whole
/// number is read as that number with a warning (the export wrote an integer as a float);
/// anything else is an error.
pub(crate) fn raw(at: At<'_>, text: &str, warnings: &mut Warnings) -> Result<U256, ImportError> {
    let text = text.trim();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return U256::from_str_radix(text, 10)
            .map_err(|_| at.error(format!("expected a uint256, found {text:?} (too large)")));
    }
    let whole = whole_number(text)
        .ok_or_else(|| at.error(format!("expected a raw unsigned integer, found {text:?}")))?;
    if !whole.is_zero() {
        at.warn(
            warnings,
            format!(
                "a float where a raw integer belongs ({text:?}); read as {whole}, the number the                  text writes, which the exporter's float may already have rounded"
            ),
        );
    }
    Ok(whole)
}

/// The whole number a decimal or scientific text writes exactly (`17.0`, `9.15e+17`), or `None`
/// if it is not a non-negative whole number.
fn whole_number(text: &str) -> Option<U256> {
    let (mantissa, exponent) = match text.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.trim_start_matches('+').parse::<i64>().ok()?),
        None => (text, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    if !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let frac = frac.trim_end_matches('0');
    let digits = format!("{int}{frac}");
    let shift = exponent - i64::try_from(frac.len()).ok()?;
    let digits = digits.trim_start_matches('0');
    if digits.is_empty() {
        return Some(U256::ZERO);
    }
    let value = U256::from_str_radix(digits, 10).ok()?;
    if shift < 0 {
        // Digits below the units place: a whole number only if they were zeros (trimmed above).
        return None;
    }
    value.checked_mul(U256::from(10u8).checked_pow(U256::from(shift))?)
}

/// An optional raw integer: empty, `None` or `nan` read as absent.
pub(crate) fn raw_opt(
    at: At<'_>,
    text: &str,
    warnings: &mut Warnings,
) -> Result<Option<U256>, ImportError> {
    if absent(text) { Ok(None) } else { raw(at, text, warnings).map(Some) }
}

/// An address.
pub(crate) fn address(at: At<'_>, text: &str) -> Result<Address, ImportError> {
    text.trim().parse::<Address>().map_err(|_| {
        at.error(format!("expected an address (0x and 40 hex digits), found {text:?}"))
    })
}

/// A fraction (`0.915`) as a WAD (`915000000000000000`), exactly; an error if it has more than
/// 18 places or is negative.
pub(crate) fn wad_of_fraction(at: At<'_>, text: &str) -> Result<U256, ImportError> {
    let value = decimal(at, text)?;
    let scaled = value * Decimal::from(1_000_000_000_000_000_000u64);
    if value.is_sign_negative() || !scaled.fract().is_zero() {
        return Err(at.error(format!("expected a fraction with at most 18 places, found {text:?}")));
    }
    let mantissa = scaled.trunc().mantissa() / 10i128.pow(scaled.trunc().scale());
    Ok(U256::from(u128::try_from(mantissa).unwrap_or_default()))
}
