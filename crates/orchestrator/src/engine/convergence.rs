//! When a step's cascade has settled, and what is still moving when it has not.
//!
//! A round settles the step when it leaves every figure unchanged *as far as a report can tell*:
//! figures are compared at [`SIGNIFICANT_DIGITS`] significant digits. Exact 28-digit equality
//! is the wrong test: a loop such as two issuers backing each other converges geometrically, so
//! its 20th digit keeps moving long after every figure a report prints has stopped, and a run
//! with a higher iteration cap used to give a byte-identical report hundreds of rounds later.

use rust_decimal::Decimal;

/// Significant digits at which two rounds' figures must agree. Fifteen keeps the cents of any
/// dollar figure up to $1e13 and is finer than the tolerance the engine already moves prices
/// by (1e-12 relative), so nothing a report prints can differ between two rounds judged equal.
pub(super) const SIGNIFICANT_DIGITS: u32 = 15;

/// `figure` rounded to [`SIGNIFICANT_DIGITS`] (`Decimal::round_sf`: midpoint to even); zero
/// stays zero.
pub(super) fn shown(figure: Decimal) -> Decimal {
    figure.round_sf(SIGNIFICANT_DIGITS).unwrap_or(figure).normalize()
}

/// The labels of the figures that differ between two fingerprints of the same layout, each with
/// its last two values, in fingerprint order.
pub(super) fn moving(labels: &[String], previous: &[Decimal], last: &[Decimal]) -> Vec<String> {
    labels
        .iter()
        .zip(previous.iter().zip(last))
        .filter(|(_, (a, b))| a != b)
        .map(|(label, (a, b))| format!("{label} ({a} -> {b})"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn figures_equal_to_fifteen_significant_digits_are_settled() {
        // Both round to 1.23456789012345 (the 16th digit, 1 or 4, rounds down).
        assert_eq!(shown(d("1.234567890123451")), shown(d("1.234567890123454")));
        // The 15th digit differs.
        assert_ne!(shown(d("1.23456789012345")), shown(d("1.23456789012346")));
        assert_eq!(shown(d("0")), Decimal::ZERO);
        // A dollar figure of $1e12 keeps its cents: 1,000,000,000,000.01 has 15 significant
        // digits.
        assert_ne!(shown(d("1000000000000.01")), shown(d("1000000000000.02")));
    }

    #[test]
    fn the_moving_figures_are_named_with_their_last_two_values() {
        let labels = vec!["price of A".to_owned(), "NAV of B".to_owned()];
        let moving = moving(&labels, &[d("1"), d("2")], &[d("1"), d("3")]);
        assert_eq!(moving, vec!["NAV of B (2 -> 3)".to_owned()]);
    }
}
