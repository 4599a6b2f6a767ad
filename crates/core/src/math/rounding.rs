//! The rounding direction every division must name.

/// How a division rounds its exact rational result to an integer.
///
/// Protocols round in their own favour (collateral down, debt up); Aave up to v3.4 rounded half up
/// everywhere. The direction is always explicit at the call site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rounding {
    /// Toward zero (floor, for unsigned values): Solidity's `/`.
    Down,
    /// Away from zero (ceiling): `q + (r != 0)`.
    Up,
    /// To the nearest integer, halves up: Aave's `(x * y + d / 2) / d` (v3.0 to v3.4).
    HalfUp,
}
