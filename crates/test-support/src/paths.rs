//! Where things are: the repository, the pinned tools, and the cache under `target/`.

use std::path::{Path, PathBuf};

/// The repository root (this crate lives at `crates/test-support`).
pub fn repo_root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// `tools/evm`: the pinned npm packages and the compile script.
pub fn evm_tools_dir() -> PathBuf {
    repo_root().join("tools").join("evm")
}

/// The cache for installed-tool locks and compiler output: `$CARGO_TARGET_DIR/faultline-evm`, or
/// `target/faultline-evm` in the repository.
pub fn cache_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target"));
    target.join("faultline-evm")
}
