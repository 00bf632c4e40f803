//! Parsing a large GetPatientRecord response with the typed bindings, next to a raw
//! event scan of the same bytes by the readers' event source (`XmlReader`, the ceiling
//! of this stack) and by xml-rs (the reader the bindings used before, which yaserde's
//! writer is built on). The record is in the real shape (FIELD-EVIDENCE F1 to F8),
//! built from the real-shape fixture.
//!
//! Run: `cargo bench -p systmone-tests --bench parse_patient_record`

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use systmone_core::{ReadMode, Response, ResponseBody};
use systmone_get_patient_record_v1_0::GetPatientRecordResult;
use xml::reader::{EventReader, XmlEvent};

fn raw_scan(text: &str) -> usize {
    let mut reader = systmone_core::xml::XmlReader::new(text);
    let mut events = 0;
    while reader.next_event().expect("well-formed") != systmone_core::xml::Event::Eof {
        events += 1;
    }
    events
}

fn raw_scan_xml_rs(text: &str) -> usize {
    let reader = EventReader::new_with_config(text.as_bytes(), systmone_core::xml::parser_config());
    let mut events = 0;
    for event in reader {
        match event.expect("well-formed") {
            XmlEvent::EndDocument => break,
            _ => events += 1,
        }
    }
    events
}

fn bench(c: &mut Criterion) {
    let text = systmone_tests::real_shape_patient_record(5 * 1024 * 1024);
    let parsed =
        Response::<GetPatientRecordResult>::read(&text, ReadMode::Tolerant).expect("parses");
    let ResponseBody::Success(result) = &parsed.value.body else {
        panic!("not a success response")
    };
    let events = result.clinical.as_ref().map_or(0, |c| c.event.len());
    assert!(parsed.drift.is_empty(), "{:?}", parsed.drift.items());
    eprintln!("real-shape document: {} bytes, {events} events", text.len());

    let mut group = c.benchmark_group("get_patient_record_real_shape_5mb");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.sample_size(10);
    // Tolerant reading with drift tracking on: what the client does by default.
    group.bench_function("typed_tolerant_with_drift", |b| {
        b.iter(|| {
            Response::<GetPatientRecordResult>::read(black_box(&text), ReadMode::Tolerant)
                .expect("parses")
        })
    });
    group.bench_function("typed_strict", |b| {
        b.iter(|| {
            Response::<GetPatientRecordResult>::read(black_box(&text), ReadMode::Strict)
                .expect("parses")
        })
    });
    group.bench_function("raw_event_scan", |b| b.iter(|| raw_scan(black_box(&text))));
    group.bench_function("raw_event_scan_xml_rs", |b| {
        b.iter(|| raw_scan_xml_rs(black_box(&text)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
