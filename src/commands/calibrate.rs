//! `faultline calibrate PRICES.csv --from DATE --to DATE`: fit the `[risk]` model's hourly
//! volatilities, Student-t tail and correlations from a price history and print the section.

use crate::files;
use clap::Args;
use eyre::{Result, WrapErr, bail, eyre};
use faultline_risk::calibrate::{Series, fit};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Arguments of `faultline calibrate`.
#[derive(Debug, Args)]
pub(crate) struct CalibrateArgs {
    /// Hourly prices, CSV with a header: one row per token and hour.
    prices: PathBuf,
    /// First day of the window (UTC, YYYY-MM-DD, inclusive).
    #[arg(long)]
    from: String,
    /// Last day of the window (UTC, YYYY-MM-DD, inclusive).
    #[arg(long)]
    to: String,
    /// Column naming the token (its values must be the snapshot's token ids).
    #[arg(long, default_value = "symbol")]
    token_column: String,
    /// Column with unix seconds.
    #[arg(long, default_value = "timestamp")]
    time_column: String,
    /// Column with the USD price.
    #[arg(long, default_value = "price_usd")]
    price_column: String,
    /// The model's name.
    #[arg(long, default_value = "calibrated")]
    name: String,
    /// Write the `[risk]` TOML to this file (whole or not at all) instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Unix seconds at 00:00 UTC of `YYYY-MM-DD` (days from the civil calendar, H. Hinnant's
/// algorithm).
fn day(text: &str, field: &str) -> Result<i64> {
    let bad = || eyre!("--{field}: expected a date YYYY-MM-DD, found {text:?}");
    let mut parts = text.split('-').map(|p| p.parse::<i64>().map_err(|_| bad()));
    let (y, m, d) = (
        parts.next().ok_or_else(bad)??,
        parts.next().ok_or_else(bad)??,
        parts.next().ok_or_else(bad)??,
    );
    if parts.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return Err(bad());
    }
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Ok((era * 146_097 + doe - 719_468) * 86_400)
}

impl CalibrateArgs {
    pub(crate) fn run(self) -> Result<()> {
        let (from, to) = (day(&self.from, "from")?, day(&self.to, "to")? + 86_399);
        if to < from {
            bail!("--to ({}) is before --from ({})", self.to, self.from);
        }
        let name = self.prices.display().to_string();
        let mut reader =
            csv::Reader::from_path(&self.prices).wrap_err_with(|| format!("cannot read {name}"))?;
        let headers = reader.headers().wrap_err_with(|| format!("{name}: no header row"))?.clone();
        let column = |c: &str| {
            headers.iter().position(|h| h == c).ok_or_else(|| {
                eyre!(
                    "{name}: expected a column {c:?}, found columns {:?}",
                    headers.iter().collect::<Vec<_>>()
                )
            })
        };
        let (tc, sc, pc) =
            (column(&self.token_column)?, column(&self.time_column)?, column(&self.price_column)?);
        let mut series: BTreeMap<String, Series> = BTreeMap::new();
        for (i, row) in reader.records().enumerate() {
            let line = i + 2;
            let row = row.wrap_err_with(|| format!("{name}: line {line}"))?;
            let field = |c: usize, what: &str| {
                row.get(c)
                    .ok_or_else(|| eyre!("{name}: line {line}: expected a {what}, found none"))
            };
            let t: i64 = field(sc, "time")?.parse().map_err(|_| {
                eyre!(
                    "{name}: line {line}, {}: expected unix seconds, found {:?}",
                    self.time_column,
                    row.get(sc)
                )
            })?;
            let p: f64 = field(pc, "price")?.parse().map_err(|_| {
                eyre!(
                    "{name}: line {line}, {}: expected a price, found {:?}",
                    self.price_column,
                    row.get(pc)
                )
            })?;
            series.entry(field(tc, "token")?.to_owned()).or_default().push((t, p));
        }
        let window = format!("{} to {} UTC, {name}", self.from, self.to);
        let fit = fit(&series, from, to, &window, &self.name).map_err(|e| eyre!("{name}: {e}"))?;
        let text = format!(
            "# Fitted by `faultline calibrate` ({window}).\n# Events are not fitted: add \
             [[risk.events]] by hand, with their sources.\n{}",
            fit.model.to_toml()
        );
        files::emit(self.out.as_deref(), &text)
    }
}

#[cfg(test)]
mod tests {
    use super::day;

    #[test]
    fn days_match_known_unix_times() {
        // 2025-11-03 00:00 UTC = 1762128000 (the Stream disclosure day; `date -u -d`).
        assert_eq!(day("2025-11-03", "from").unwrap(), 1_762_128_000);
        assert_eq!(day("1970-01-01", "from").unwrap(), 0);
        assert!(day("2025-13-01", "from").is_err());
    }
}
