//! The book's value over time, and the drawdown an issuer backed by it would see.

use crate::{
    Decimal, Error, Result,
    book::{div, sub},
};

/// Backing value and liabilities over time.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NavPath {
    points: Vec<(Decimal, Decimal)>,
}

impl NavPath {
    /// An empty path.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records the book's value and its liabilities at the next time step.
    pub fn push(&mut self, value: Decimal, liabilities: Decimal) -> Result<()> {
        if liabilities <= Decimal::ZERO {
            return Err(Error::invalid("liabilities", "a positive amount", liabilities));
        }
        self.points.push((value, liabilities));
        Ok(())
    }

    /// Backing per unit of liability at each step (`value / liabilities`: 1 is fully backed).
    pub fn nav(&self) -> Result<Vec<Decimal>> {
        self.points.iter().map(|(value, liabilities)| div(*value, *liabilities)).collect()
    }

    /// The largest fall of NAV from a running peak, as a fraction of that peak.
    pub fn max_drawdown(&self) -> Result<Decimal> {
        let mut peak = Decimal::ZERO;
        let mut worst = Decimal::ZERO;
        for nav in self.nav()? {
            peak = peak.max(nav);
            if peak > Decimal::ZERO {
                worst = worst.max(div(sub(peak, nav)?, peak)?);
            }
        }
        Ok(worst)
    }

    /// Liabilities not backed at the last step (zero when fully backed).
    pub fn shortfall(&self) -> Result<Decimal> {
        match self.points.last() {
            Some((value, liabilities)) => Ok(sub(*liabilities, *value)?.max(Decimal::ZERO)),
            None => Ok(Decimal::ZERO),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// NAV 1.00, 1.02, 0.918, 0.95: peak 1.02, trough 0.918, drawdown 0.102 / 1.02 = 10%.
    #[test]
    fn drawdown_from_the_running_peak() {
        let mut path = NavPath::new();
        for (value, liabilities) in [(100, 100), (102, 100), (918, 1000), (95, 100)] {
            path.push(Decimal::from(value), Decimal::from(liabilities)).unwrap();
        }
        assert_eq!(path.max_drawdown().unwrap(), Decimal::new(1, 1));
        assert_eq!(path.shortfall().unwrap(), Decimal::from(5));
        assert!(path.push(Decimal::ONE, Decimal::ZERO).is_err());
    }
}
