//! Fuzz target `xml_reader`: the harness is `systmone_tests::fuzz::xml_reader` (tests/src/fuzz/).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| systmone_tests::fuzz::xml_reader(data));
