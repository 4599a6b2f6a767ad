//! Errors of the test support, written to be read in a failed test's output.

use std::path::PathBuf;

/// Result with the test-support [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// What can stop a test from getting a node or a compiled contract.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The pinned tools are missing and could not be installed.
    #[error(
        "{what} is not available ({why}).\nTo install the pinned tools, run from the repository \
         root:\n    npm ci --prefix tools/evm\n(needs Node.js 20+ and npm with access to the npm \
         registry), or point ANVIL_BIN at an anvil binary."
    )]
    ToolsMissing {
        /// The tool that is missing.
        what: String,
        /// Why it could not be had.
        why: String,
    },
    /// `ANVIL_BIN` names a file that does not exist.
    #[error("ANVIL_BIN is set to {0}, which does not exist")]
    AnvilBinMissing(PathBuf),
    /// The anvil process did not start.
    #[error("anvil at {path} did not start: {source}")]
    AnvilSpawn {
        /// The binary.
        path: PathBuf,
        /// The cause.
        source: alloy::node_bindings::NodeError,
    },
    /// solc reported errors.
    #[error("solc failed to compile {sources}:\n{messages}")]
    Compile {
        /// The sources given.
        sources: String,
        /// solc's formatted error messages.
        messages: String,
    },
    /// A contract was not in the compiler output.
    #[error("no contract named {0} in the compiler output")]
    NoSuchContract(String),
    /// A JSON-RPC call failed.
    #[error("JSON-RPC to anvil failed during {during}: {message}")]
    Rpc {
        /// What was being done.
        during: String,
        /// The transport's message.
        message: String,
    },
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Malformed JSON or ABI data.
    #[error("{0}")]
    Decode(String),
}

// Tests print errors with `{:?}` when they unwrap; show the readable message there too.
impl std::fmt::Debug for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io { path: path.into(), source }
    }

    pub(crate) fn rpc(during: impl Into<String>, message: impl std::fmt::Display) -> Self {
        Self::Rpc { during: during.into(), message: message.to_string() }
    }
}
