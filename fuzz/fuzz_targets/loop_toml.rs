//! Any text as a looped-vault design: parsed, then analysed.
#![no_main]

use faultline_orchestrator::loop_check;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(design) = loop_check::from_toml(text) {
        let _ = loop_check::check(&design);
    }
});
