//! The fuzz harnesses: one function per target, each taking the fuzzer's bytes and
//! panicking when an invariant does not hold. The same functions run in two places:
//! the coverage-guided fuzz targets (`fuzz/fuzz_targets/`, see `fuzz/README.md`), and
//! `tests/tests/fuzz_properties.rs`, which feeds them the committed seed corpus,
//! every kept crash (`fuzz/regressions/`) and a few thousand mutations of the seeds
//! inside `cargo test`.
//!
//! ```
//! systmone_tests::fuzz::datetime(b"2017-12-19T12:45:12.0Z");
//! systmone_tests::fuzz::codec(b"\x00\x07<A>1</A>\n<B/>");
//! ```

mod codec;
mod datetime;
mod mutate;
mod parse;
mod template;
mod xml_reader;

pub use codec::codec;
pub use datetime::datetime;
pub use mutate::{Mutator, run_mutations};
pub use parse::{parse_request, parse_response};
pub use template::template;
pub use xml_reader::{known_difference, reader_events, write_back, xml_reader, xml_rs_events};

/// A fuzz target: its name (the name of its folders under `fuzz/`) and its harness.
pub type Target = (&'static str, fn(&[u8]));

/// Every target, by the name of its fuzz binary and its folders under `fuzz/`.
pub const TARGETS: [Target; 6] = [
    ("codec", codec),
    ("parse_response", parse_response),
    ("parse_request", parse_request),
    ("template", template),
    ("datetime", datetime),
    ("xml_reader", xml_reader),
];
