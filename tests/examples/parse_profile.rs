//! One reading (or writing) of a real-shape GetPatientRecord response, for profilers
//! (`valgrind --tool=callgrind`, `perf record`): `parse_profile MODE [BYTES | FILE]`, MODE one
//! of `tolerant`, `strict`, `reader` (XmlReader's events), `quick-xml` (quick-xml's raw
//! event scan), `write` (the typed value written back), `none` (the document alone).
//!
//! Run: `cargo build --release -p systmone-tests --example parse_profile`

use std::hint::black_box;

use systmone_core::{ReadMode, Response};
use systmone_get_patient_record_v1_0::GetPatientRecordResult;

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "tolerant".into());
    // A size in bytes (the record is built), or a file to read (as a command would).
    let text = match args.next() {
        None => systmone_tests::real_shape_patient_record(5_000_000),
        Some(arg) => match arg.parse() {
            Ok(size) => systmone_tests::real_shape_patient_record(size),
            Err(_) => std::fs::read_to_string(&arg).expect("a readable UTF-8 file"),
        },
    };
    match mode.as_str() {
        "tolerant" | "strict" => {
            let mode = if mode == "strict" {
                ReadMode::Strict
            } else {
                ReadMode::Tolerant
            };
            let parsed =
                Response::<GetPatientRecordResult>::read(black_box(&text), mode).expect("parses");
            assert!(parsed.drift.is_empty());
            black_box(parsed);
        }
        "reader" => {
            let mut reader = systmone_core::xml::XmlReader::new(&text);
            let mut n = 0usize;
            while reader.next_event().expect("well-formed") != systmone_core::xml::Event::Eof {
                n += 1;
            }
            black_box(n);
        }
        "quick-xml" => {
            black_box(systmone_tests::quick_xml_scan(&text));
        }
        "write" => {
            let parsed = Response::<GetPatientRecordResult>::read(&text, ReadMode::Tolerant)
                .expect("parses");
            drop(text);
            black_box(parsed.value.to_xml().expect("writes"));
        }
        // The document alone, to subtract from the others.
        "none" => {
            black_box(&text);
        }
        other => panic!("unknown mode {other}"),
    }
}
