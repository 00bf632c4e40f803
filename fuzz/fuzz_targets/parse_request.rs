//! Fuzz target `parse_request`: the harness is `systmone_tests::fuzz::parse_request` (tests/src/fuzz/).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| systmone_tests::fuzz::parse_request(data));
