//! Fuzz target `parse_response`: the harness is `systmone_tests::fuzz::parse_response` (tests/src/fuzz/).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| systmone_tests::fuzz::parse_response(data));
