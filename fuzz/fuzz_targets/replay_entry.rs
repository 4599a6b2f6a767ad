//! Any text as one recorded JSON-RPC response file (`--record` / `--replay`).
#![no_main]

use faultline_onchain::transport::replay::Replay;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|text: &str| {
    let _ = Replay::entry(Path::new("fuzz.json"), text);
});
