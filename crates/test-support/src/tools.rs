//! The pinned tool set in `tools/evm/`: anvil, solc-js and the protocol sources, installed from
//! `tools/evm/package-lock.json` with `npm ci` the first time a test needs them.

use crate::{Error, Result, paths};
use std::{
    fs::{self, File},
    path::{Path, PathBuf},
    process::Command,
};

/// The anvil binary: `ANVIL_BIN` if set, else the one the pinned `@foundry-rs/anvil-linux-amd64`
/// package brings, installing the tools first when it is missing.
pub fn anvil_binary() -> Result<PathBuf> {
    if let Some(path) = std::env::var_os("ANVIL_BIN") {
        let path = PathBuf::from(path);
        return if path.is_file() { Ok(path) } else { Err(Error::AnvilBinMissing(path)) };
    }
    ensure_installed()?;
    let path = bundled_anvil()?;
    if path.is_file() {
        Ok(path)
    } else {
        Err(Error::ToolsMissing {
            what: "anvil".into(),
            why: format!(
                "{} is missing after `npm ci`; tools/evm pins the Linux x86-64 build of anvil 1.7.1 \
                 (on another platform, `npm install --prefix tools/evm --no-save \
                 @foundry-rs/anvil-<os>-<arch>@1.7.1`)",
                path.display()
            ),
        })
    }
}

/// The directory of an installed npm package, installing the tools first when needed.
pub fn package_dir(package: &str) -> Result<PathBuf> {
    ensure_installed()?;
    let dir = paths::evm_tools_dir().join("node_modules").join(package);
    if dir.is_dir() {
        Ok(dir)
    } else {
        Err(Error::ToolsMissing {
            what: format!("the npm package {package}"),
            why: format!("{} is missing; is it in tools/evm/package.json?", dir.display()),
        })
    }
}

/// Runs `npm ci --prefix tools/evm` unless the tools are already installed. Safe to call from
/// many tests at once, in threads or processes: one installs, the others wait on a file lock and
/// then find the work done.
pub fn ensure_installed() -> Result<()> {
    if is_installed() {
        return Ok(());
    }
    let cache = paths::cache_dir();
    fs::create_dir_all(&cache).map_err(|e| Error::io(&cache, e))?;
    let lock_path = cache.join("npm-ci.lock");
    let lock = File::create(&lock_path).map_err(|e| Error::io(&lock_path, e))?;
    lock.lock().map_err(|e| Error::io(&lock_path, e))?;
    let result = if is_installed() { Ok(()) } else { npm_ci() };
    // Dropping the file releases the lock; an explicit unlock reports nothing useful.
    drop(lock);
    result
}

/// Whether every package `tools/evm/package.json` pins is in `node_modules` (so a checkout whose
/// pin set has grown since its last install installs again), and the platform's anvil is there.
fn is_installed() -> bool {
    let tools = paths::evm_tools_dir();
    let modules = tools.join("node_modules");
    let Ok(manifest) = fs::read_to_string(tools.join("package.json")) else { return false };
    let Ok(manifest) = serde_json::from_str::<serde_json::Value>(&manifest) else { return false };
    let pinned = manifest["dependencies"].as_object().into_iter().flatten();
    // npm writes `.package-lock.json` last, after every package is in place.
    modules.join(".package-lock.json").is_file()
        && pinned
            .into_iter()
            .all(|(package, _)| modules.join(package).join("package.json").is_file())
        && bundled_anvil().is_ok_and(|path| path.is_file())
}

fn npm_ci() -> Result<()> {
    let tools = paths::evm_tools_dir();
    let output = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--prefix"])
        .arg(&tools)
        .output()
        .map_err(|e| Error::ToolsMissing {
            what: "npm".into(),
            why: format!("could not run npm: {e}"),
        })?;
    if output.status.success() {
        Ok(())
    } else {
        Err(Error::ToolsMissing {
            what: "the pinned EVM tools".into(),
            why: format!(
                "`npm ci --prefix {}` exited with {}: {}",
                tools.display(),
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            ),
        })
    }
}

/// The path of the binary in the platform's `@foundry-rs/anvil-<os>-<arch>` package.
fn bundled_anvil() -> Result<PathBuf> {
    let os = match std::env::consts::OS {
        "linux" => "linux",
        "macos" => "darwin",
        other => return Err(unsupported(other)),
    };
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => return Err(unsupported(other)),
    };
    Ok(paths::evm_tools_dir()
        .join("node_modules/@foundry-rs")
        .join(format!("anvil-{os}-{arch}"))
        .join("bin/anvil"))
}

fn unsupported(platform: &str) -> Error {
    Error::ToolsMissing {
        what: "anvil".into(),
        why: format!("@foundry-rs/anvil ships no binary for {platform}; set ANVIL_BIN"),
    }
}

/// `node`, checked to run.
pub fn node_binary() -> Result<&'static Path> {
    let node = Path::new("node");
    match Command::new(node).arg("--version").output() {
        Ok(out) if out.status.success() => Ok(node),
        Ok(out) => Err(Error::ToolsMissing {
            what: "node".into(),
            why: format!("`node --version` exited with {}", out.status),
        }),
        Err(e) => Err(Error::ToolsMissing { what: "node".into(), why: e.to_string() }),
    }
}
