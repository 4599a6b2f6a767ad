//! Solidity compilation with the pinned solc-js, offline, cached under `target/faultline-evm/solc`.
//!
//! Sources are named by their path relative to the repository root; imports resolve against the
//! root and `tools/evm/node_modules` (see `tools/evm/compile.mjs`). The cache key is the hash of
//! the standard-JSON input, the npm lockfile and the compile script, so a changed source, setting
//! or pinned version recompiles.

use crate::{Error, Result, paths, tools};
use alloy::primitives::{Bytes, hex, keccak256};
use serde_json::{Value, json};
use std::{
    fs::{self, File},
    io::Write,
    path::Path,
    process::{Command, Stdio},
};

/// Compiler settings that matter to the bytecode.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Optimizer runs; `None` disables the optimizer.
    pub optimizer_runs: Option<u32>,
    /// Compile through the IR pipeline (Morpho Blue's production setting).
    pub via_ir: bool,
}

impl Settings {
    /// Optimizer on with 200 runs, legacy pipeline: quick to compile, fine for math harnesses.
    pub const HARNESS: Self = Self { optimizer_runs: Some(200), via_ir: false };
}

/// The output of one compilation.
#[derive(Debug)]
pub struct Compiled {
    output: Value,
}

impl Compiled {
    /// The creation bytecode of the contract with this name, in whichever source it is.
    pub fn bytecode(&self, contract: &str) -> Result<Bytes> {
        let contracts = self.output["contracts"]
            .as_object()
            .ok_or_else(|| Error::NoSuchContract(contract.into()))?;
        for file in contracts.values() {
            if let Some(object) = file[contract]["evm"]["bytecode"]["object"].as_str() {
                return hex::decode(object)
                    .map(Bytes::from)
                    .map_err(|e| Error::Decode(format!("bytecode of {contract}: {e}")));
            }
        }
        Err(Error::NoSuchContract(contract.into()))
    }
}

/// Compiles the given sources (paths relative to the repository root) with their imports.
pub fn compile(sources: &[&str], settings: Settings) -> Result<Compiled> {
    let root = paths::repo_root();
    let mut source_map = serde_json::Map::new();
    for source in sources {
        let path = root.join(source);
        let content = fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
        source_map.insert((*source).to_owned(), json!({ "content": content }));
    }
    let mut settings_json = json!({
        "optimizer": { "enabled": settings.optimizer_runs.is_some(), "runs": settings.optimizer_runs.unwrap_or(200) },
        "outputSelection": { "*": { "*": ["evm.bytecode.object"] } },
    });
    if settings.via_ir {
        settings_json["viaIR"] = json!(true);
    }
    let input = json!({ "language": "Solidity", "sources": source_map, "settings": settings_json })
        .to_string();

    let script = paths::evm_tools_dir().join("compile.mjs");
    let lockfile = paths::evm_tools_dir().join("package-lock.json");
    let mut key_material = input.clone().into_bytes();
    for pinned in [&script, &lockfile] {
        key_material.extend(fs::read(pinned).map_err(|e| Error::io(pinned, e))?);
    }
    let key = keccak256(&key_material);
    let cache = paths::cache_dir().join("solc");
    fs::create_dir_all(&cache).map_err(|e| Error::io(&cache, e))?;
    let cached = cache.join(format!("{key:x}.json"));

    // One compilation per key at a time; the others wait and then read the cache.
    let lock_path = cache.join(format!("{key:x}.lock"));
    let lock = File::create(&lock_path).map_err(|e| Error::io(&lock_path, e))?;
    lock.lock().map_err(|e| Error::io(&lock_path, e))?;
    let output = match fs::read_to_string(&cached) {
        Ok(text) => text,
        Err(_) => {
            let text = run_solc(&script, &input)?;
            check_errors(&text, sources)?;
            write_whole(&cached, &text)?;
            text
        }
    };
    drop(lock);
    let output: Value =
        serde_json::from_str(&output).map_err(|e| Error::Decode(format!("solc output: {e}")))?;
    check_errors_value(&output, sources)?;
    Ok(Compiled { output })
}

fn run_solc(script: &Path, input: &str) -> Result<String> {
    tools::ensure_installed()?;
    let mut child = Command::new(tools::node_binary()?)
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Error::io(script, e))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(input.as_bytes()).map_err(|e| Error::io(script, e))?;
    }
    let output = child.wait_with_output().map_err(|e| Error::io(script, e))?;
    if !output.status.success() {
        return Err(Error::Compile {
            sources: script.display().to_string(),
            messages: String::from_utf8_lossy(&output.stderr).into_owned(),
        });
    }
    String::from_utf8(output.stdout).map_err(|e| Error::Decode(format!("solc output: {e}")))
}

fn check_errors(text: &str, sources: &[&str]) -> Result<()> {
    let value: Value =
        serde_json::from_str(text).map_err(|e| Error::Decode(format!("solc output: {e}")))?;
    check_errors_value(&value, sources)
}

fn check_errors_value(output: &Value, sources: &[&str]) -> Result<()> {
    let messages: Vec<&str> = output["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["severity"] == "error")
        .filter_map(|e| e["formattedMessage"].as_str())
        .collect();
    if messages.is_empty() {
        Ok(())
    } else {
        Err(Error::Compile { sources: sources.join(", "), messages: messages.join("\n") })
    }
}

/// Writes through a temporary file and a rename, so a reader never sees half a file.
fn write_whole(path: &Path, text: &str) -> Result<()> {
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    fs::write(&tmp, text).map_err(|e| Error::io(&tmp, e))?;
    fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}
