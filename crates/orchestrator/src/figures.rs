//! Figures for people: USD amounts as the reports print them.

use rust_decimal::Decimal;

/// The most decimal places a [`Decimal`] holds.
const MAX_SCALE: u32 = 28;

/// A USD figure for people: `$1.23M`, `$4.56k`, `$7.89`, two decimals, the digits past them cut
/// (as `Decimal`'s `{:.2}` prints).
///
/// The figure over the unit is the value's own digits with the decimal point moved, so the two
/// places are read off the mantissa; only where that would pass 28 places (where `Decimal`
/// division rounds the 28th) is the division done as the plain `Decimal` road does it. A missed
/// liquidation's summary prints two of these, and a 1M-position cascade logs 243k of them.
pub fn usd(value: Decimal) -> String {
    let (shift, unit) = unit_of(value);
    let scale = value.scale() + shift;
    if scale > MAX_SCALE {
        return usd_by_division(value);
    }
    let digits = value.mantissa().unsigned_abs();
    // `digits < 2^96`, so the factor 100 cannot overflow.
    let cents =
        if scale >= 2 { digits / 10u128.pow(scale - 2) } else { digits * 10u128.pow(2 - scale) };
    let sign = if value.is_sign_negative() { "-" } else { "" };
    format!("${sign}{}.{:02}{unit}", cents / 100, cents % 100)
}

/// The power of ten a figure is shown in, and its letter.
fn unit_of(value: Decimal) -> (u32, &'static str) {
    let abs = value.abs();
    if abs >= Decimal::from(1_000_000_000) {
        (9, "B")
    } else if abs >= Decimal::from(1_000_000) {
        (6, "M")
    } else if abs >= Decimal::from(1_000) {
        (3, "k")
    } else {
        (0, "")
    }
}

/// [`usd`] by `Decimal` division and formatting.
fn usd_by_division(value: Decimal) -> String {
    let (shift, unit) = unit_of(value);
    let scaled = value / Decimal::from(10u64.pow(shift));
    format!("${scaled:.2}{unit}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn by_hand() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(usd(d("1234567.891")), "$1.23M");
        assert_eq!(usd(d("999.999")), "$999.99");
        assert_eq!(usd(d("-4560")), "$-4.56k");
        assert_eq!(usd(d("7")), "$7.00");
        assert_eq!(usd(d("0.001")), "$0.00");
        assert_eq!(usd(d("-0.001")), "$-0.00");
        assert_eq!(usd(d("12345678901.5")), "$12.34B");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]

        /// Every mantissa up to 96 bits at every scale prints as `Decimal` division and
        /// formatting print it.
        #[test]
        fn the_mantissa_road_is_the_division(
            mantissa in prop_oneof![
                (any::<u64>(), any::<u32>()).prop_map(|(lo, hi)| (i128::from(hi) << 64) | i128::from(lo)),
                (0i128..10_000_000),
                (0u32..29).prop_map(|e| 10i128.pow(e)),
            ],
            negative in any::<bool>(),
            scale in 0u32..=28,
        ) {
            let value = Decimal::from_i128_with_scale(if negative { -mantissa } else { mantissa }, scale);
            prop_assert_eq!(usd(value), usd_by_division(value));
        }
    }
}
