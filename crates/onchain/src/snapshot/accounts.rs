//! What every protocol part does before it reads positions: check each target is given once, and
//! find the accounts of a target in its events (reporting the scan), with the caller's accounts
//! added.

use super::{Request, Stage};
use crate::{Error, Result, discovery::ScanReport};
use alloy::primitives::Address;
use std::{collections::BTreeSet, future::Future, path::PathBuf};

/// `targets` with none given twice (else an error naming `what`, e.g. "comet markets").
pub(super) fn distinct(what: &str, targets: &[Address]) -> Result<()> {
    let mut seen = BTreeSet::new();
    for target in targets {
        if !seen.insert(*target) {
            return Err(Error::invalid(what, "each once", format!("{target} twice")));
        }
    }
    Ok(())
}

/// The accounts a scan of `[request.from_block, to]` finds (`scan` gets the range, the first
/// page size and the page cache), reported to `progress`, and the same with the caller's
/// accounts added, sorted and once each.
pub(super) async fn discover<F, Fut>(
    request: &Request,
    to: u64,
    progress: &mut dyn FnMut(Stage),
    scan: F,
) -> Result<(BTreeSet<Address>, Vec<Address>, ScanReport)>
where
    F: FnOnce(u64, u64, u64, Option<PathBuf>) -> Fut,
    Fut: Future<Output = Result<(BTreeSet<Address>, ScanReport)>>,
{
    progress(Stage::Discovering { from: request.from_block, to });
    let (found, report) =
        scan(request.from_block, to, request.log_span, request.log_cache.clone()).await?;
    progress(Stage::Discovered {
        accounts: found.len(),
        pages_fetched: report.pages_fetched,
        pages_cached: report.pages_cached,
    });
    let mut all = found.clone();
    all.extend(request.accounts.iter().copied());
    Ok((found, all.into_iter().collect(), report))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_given_twice_is_named() {
        let (a, b) = (Address::repeat_byte(1), Address::repeat_byte(2));
        assert!(distinct("comet markets", &[a, b]).is_ok());
        let err = distinct("comet markets", &[a, b, a]).unwrap_err().to_string();
        assert!(err.contains("comet markets") && err.contains(&format!("{a} twice")), "{err}");
    }
}
