//! cargo-fuzz target: see `harness::prom_response`.
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::prom_response(data));
