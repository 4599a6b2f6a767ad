//! Long or short.

use crate::Decimal;

/// The direction of a perp position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// Gains when the price rises.
    Long,
    /// Gains when the price falls.
    Short,
}

impl Side {
    /// `+1` for long, `-1` for short: the `side` of the venues' formulas.
    pub const fn sign(self) -> Decimal {
        match self {
            Self::Long => Decimal::ONE,
            Self::Short => Decimal::NEGATIVE_ONE,
        }
    }

    /// The other side.
    pub const fn opposite(self) -> Self {
        match self {
            Self::Long => Self::Short,
            Self::Short => Self::Long,
        }
    }
}
