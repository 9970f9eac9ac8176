//! cargo-fuzz target: see `harness::exposition`.
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::exposition(data));
