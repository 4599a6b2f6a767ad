//! Any text as a snapshot: parsed, then validated. It must be accepted or refused with problems,
//! never panic.
#![no_main]

use faultline_orchestrator::Snapshot;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(snapshot) = Snapshot::from_json(text) {
        // A valid snapshot counts its entities and re-validates without problems.
        let _ = faultline_orchestrator::snapshot::entities(&snapshot);
        assert!(faultline_orchestrator::snapshot::validate(&snapshot).is_empty());
    }
});
