//! cargo-fuzz target: see `harness::epp_config`.
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::epp_config(data));
