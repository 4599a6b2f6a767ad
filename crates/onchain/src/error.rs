//! The crate's one error type: every failure names what was being read.

/// Result with the on-chain [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// Everything that can go wrong while reading chain state.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A JSON-RPC request failed after every retry (transport error, timeout, HTTP status,
    /// unparseable body) or the node answered with a JSON-RPC error.
    #[error("{method}: {message}")]
    Rpc {
        /// The JSON-RPC method (or the reader step) that failed.
        method: String,
        /// The last error seen.
        message: String,
    },
    /// One item of a batched read failed (reverted, or returned data that does not decode): it
    /// is reported by its name and never dropped from the result.
    #[error("{item}: {reason}")]
    Item {
        /// What was read, e.g. `morpho.position(0xb323…, 0x1234…)`.
        item: String,
        /// Why it failed: the revert data or the decoding error.
        reason: String,
    },
    /// The node returned something that contradicts the request or an earlier answer (a block
    /// hash that differs from the pinned one, a batch with the wrong number of results, ...).
    #[error("inconsistent response for {what}: expected {expected}, found {found}")]
    Inconsistent {
        /// What was checked.
        what: String,
        /// What the request or the pinned block implies.
        expected: String,
        /// What the node returned.
        found: String,
    },
    /// A value read from the chain is outside what its protocol allows (e.g. an LLTV at or above
    /// 1e18), named by its field.
    #[error("invalid {field}: expected {expected}, found {found}")]
    Invalid {
        /// The field, with its path.
        field: String,
        /// What a valid value looks like.
        expected: String,
        /// What was read.
        found: String,
    },
    /// Replay mode asked for a request that was never recorded.
    #[error("not recorded: {method} {params}")]
    NotRecorded {
        /// The JSON-RPC method.
        method: String,
        /// Its parameters, as JSON.
        params: String,
    },
    /// A file of the record, replay or discovery cache could not be read or written.
    #[error("{path}: {message}")]
    Io {
        /// The file or directory.
        path: String,
        /// The operating system's or the parser's message.
        message: String,
    },
    /// A token of the snapshot has no USD price: none was given and none could be derived.
    #[error(
        "no USD price for token {token}: give one (e.g. --price {symbol}=1) or for the loan token \
         of a market it is the collateral of, so it can be derived from that market's oracle"
    )]
    MissingPrice {
        /// The token: symbol and address.
        token: String,
        /// Its symbol, for the hint.
        symbol: String,
    },
    /// The assembled snapshot failed the orchestrator's validation; every problem is listed.
    #[error("the snapshot read is not valid: {}", problems.join("; "))]
    InvalidSnapshot {
        /// Each problem, with its JSON path.
        problems: Vec<String>,
    },
    /// Building a lending model from the read state failed.
    #[error("building the {what} model: {source}")]
    Model {
        /// Which model.
        what: String,
        /// The lending crate's error.
        source: faultline_lending::Error,
    },
}

impl Error {
    /// An [`Error::Rpc`].
    pub fn rpc(method: impl Into<String>, message: impl ToString) -> Self {
        Self::Rpc { method: method.into(), message: message.to_string() }
    }

    /// An [`Error::Item`].
    pub fn item(item: impl Into<String>, reason: impl ToString) -> Self {
        Self::Item { item: item.into(), reason: reason.to_string() }
    }

    /// An [`Error::Inconsistent`].
    pub fn inconsistent(
        what: impl Into<String>,
        expected: impl ToString,
        found: impl ToString,
    ) -> Self {
        Self::Inconsistent {
            what: what.into(),
            expected: expected.to_string(),
            found: found.to_string(),
        }
    }

    /// An [`Error::Invalid`].
    pub fn invalid(
        field: impl Into<String>,
        expected: impl ToString,
        found: impl ToString,
    ) -> Self {
        Self::Invalid {
            field: field.into(),
            expected: expected.to_string(),
            found: found.to_string(),
        }
    }

    /// An [`Error::Io`].
    pub fn io(path: &std::path::Path, message: impl ToString) -> Self {
        Self::Io { path: path.display().to_string(), message: message.to_string() }
    }
}
