//! The fuzz targets' committed corpus (`fuzz/corpus/<target>/`), replayed on stable in the normal
//! suite: every input must go through its harness (the same code cargo-fuzz runs, in
//! `fuzz/harness.rs`) without a panic and with the harness' invariants holding. CI thus exercises
//! what the fuzzers found interesting without nightly.

#[path = "../fuzz/harness.rs"]
mod harness;

use std::path::PathBuf;

fn replay(target: &str, run: fn(&[u8])) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .collect();
    inputs.sort();
    assert!(
        !inputs.is_empty() && inputs.len() <= 20,
        "{target}: keep 1..=20 corpus files, found {}",
        inputs.len()
    );
    for path in inputs {
        let data = std::fs::read(&path).unwrap();
        let outcome = std::panic::catch_unwind(|| run(&data));
        assert!(outcome.is_ok(), "{target}: {} panicked", path.display());
    }
}

#[test]
fn exposition_corpus() {
    replay("exposition", harness::exposition);
}

#[test]
fn prom_response_corpus() {
    replay("prom_response", harness::prom_response);
}

#[test]
fn epp_config_corpus() {
    replay("epp_config", harness::epp_config);
}

#[test]
fn cmo_config_corpus() {
    replay("cmo_config", harness::cmo_config);
}
