//! Fuzz target `template`: the harness is `systmone_tests::fuzz::template` (tests/src/fuzz/).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| systmone_tests::fuzz::template(data));
