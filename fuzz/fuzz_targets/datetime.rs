//! Fuzz target `datetime`: the harness is `systmone_tests::fuzz::datetime` (tests/src/fuzz/).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| systmone_tests::fuzz::datetime(data));
