//! Reading a large GetPatientRecord response with the typed bindings (tolerant with
//! drift tracking, the default, and strict), next to raw event scans of the same bytes:
//! quick-xml's (every event and attribute value, no checks, no values built; the
//! ceiling), `XmlReader`'s (the readers' event source: its own tokenizer, which cuts
//! the text as quick-xml does, with the checks XML requires) and xml-rs's (the
//! reader the bindings used before); and writing the typed value back, compact (what
//! goes on the wire) and indented (what `systmone parse --roundtrip` prints). The
//! record is in the real shape (FIELD-EVIDENCE F1 to F8), built from the real-shape
//! fixture, at 5 MB and at 60 MB.
//!
//! After the criterion rows, a summary prints the ratios the goals are stated in, from
//! medians of its own runs: typed reading against quick-xml's raw scan (the goal: at
//! least 0.4x its speed) and writing against reading (the goal: at most 1.5x its time).
//!
//! Run: `cargo bench -p systmone-tests --bench parse_patient_record`

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use systmone_core::{ReadMode, Response, ResponseBody};
use systmone_get_patient_record_v1_0::GetPatientRecordResult;
use xml::reader::{EventReader, XmlEvent};

fn reader_scan(text: &str) -> usize {
    let mut reader = systmone_core::xml::XmlReader::new(text);
    let mut events = 0;
    while reader.next_event().expect("well-formed") != systmone_core::xml::Event::Eof {
        events += 1;
    }
    events
}

fn xml_rs_scan(text: &str) -> usize {
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

fn read(text: &str, mode: ReadMode) -> Response<GetPatientRecordResult> {
    Response::<GetPatientRecordResult>::read(black_box(text), mode)
        .expect("parses")
        .value
}

/// Runs `run` for criterion with its value dropped, and the allocator settled, outside
/// its time (as in [`median`]): reading is measured, not the drop of the value before.
fn settled<T>(b: &mut criterion::Bencher, run: impl Fn() -> T) {
    b.iter_batched(
        systmone_tests::settle_allocator,
        |()| run(),
        BatchSize::PerIteration,
    )
}

/// The median time of `runs` runs of `f`: what it returns is dropped after the clock
/// stops, and the allocator settled before it starts
/// ([`systmone_tests::settle_allocator`]), so no run pays for another's drop.
fn median<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            systmone_tests::settle_allocator();
            let started = Instant::now();
            let value = black_box(f());
            let time = started.elapsed();
            drop(value);
            time
        })
        .collect();
    times.sort();
    times[runs / 2]
}

/// The ratios of the goals, from medians: typed reading's speed as a fraction of
/// quick-xml's raw scan, and writing's time as a multiple of tolerant reading's.
fn summary(label: &str, text: &str, runs: usize) {
    let value = read(text, ReadMode::Tolerant);
    let raw = median(runs, || systmone_tests::quick_xml_scan(text));
    let tolerant = median(runs, || read(text, ReadMode::Tolerant));
    let strict = median(runs, || read(text, ReadMode::Strict));
    let compact = median(runs, || value.to_xml().expect("writes"));
    let indented = median(runs, || value.to_pretty_xml().expect("writes"));
    let mb_s = |d: Duration| text.len() as f64 / 1e6 / d.as_secs_f64();
    eprintln!("{label}: medians of {runs} runs");
    eprintln!(
        "  raw scan (quick-xml)       {:>8.1} ms {:>7.1} MB/s",
        raw.as_secs_f64() * 1e3,
        mb_s(raw)
    );
    for (name, time) in [
        ("typed tolerant, drift", tolerant),
        ("typed strict", strict),
    ] {
        eprintln!(
            "  {name:<26} {:>8.1} ms {:>7.1} MB/s  typed/raw {:.2}",
            time.as_secs_f64() * 1e3,
            mb_s(time),
            raw.as_secs_f64() / time.as_secs_f64()
        );
    }
    for (name, time) in [("write compact", compact), ("write indented", indented)] {
        eprintln!(
            "  {name:<26} {:>8.1} ms {:>7.1} MB/s  write/read {:.2}",
            time.as_secs_f64() * 1e3,
            mb_s(time),
            time.as_secs_f64() / tolerant.as_secs_f64()
        );
    }
}

fn bench(c: &mut Criterion) {
    for (label, size, runs) in [("5mb", 5 * 1024 * 1024, 21), ("60mb", 60_000_000, 7)] {
        let text = systmone_tests::real_shape_patient_record(size);
        let parsed =
            Response::<GetPatientRecordResult>::read(&text, ReadMode::Tolerant).expect("parses");
        let ResponseBody::Success(result) = &parsed.value.body else {
            panic!("not a success response")
        };
        let events = result.clinical.as_ref().map_or(0, |c| c.event.len());
        assert!(parsed.drift.is_empty(), "{:?}", parsed.drift.items());
        eprintln!("real-shape document: {} bytes, {events} events", text.len());
        let value = parsed.value;

        let mut group = c.benchmark_group(format!("get_patient_record_real_shape_{label}"));
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.sample_size(10);
        // Tolerant reading with drift tracking on: what the client does by default.
        group.bench_function("typed_tolerant_with_drift", |b| {
            settled(b, || read(&text, ReadMode::Tolerant))
        });
        group.bench_function("typed_strict", |b| {
            settled(b, || read(&text, ReadMode::Strict))
        });
        group.bench_function("raw_event_scan_quick_xml", |b| {
            settled(b, || systmone_tests::quick_xml_scan(black_box(&text)))
        });
        group.bench_function("raw_event_scan_xml_reader", |b| {
            settled(b, || reader_scan(black_box(&text)))
        });
        if size < 10_000_000 {
            // Five times slower than the rest: the small record shows the difference.
            group.bench_function("raw_event_scan_xml_rs", |b| {
                b.iter(|| xml_rs_scan(black_box(&text)))
            });
        }
        group.bench_function("write_compact", |b| {
            b.iter(|| black_box(&value).to_xml().expect("writes"))
        });
        group.bench_function("write_indented_roundtrip", |b| {
            b.iter(|| black_box(&value).to_pretty_xml().expect("writes"))
        });
        group.finish();
        drop(value);
        summary(&format!("real-shape record, {label}"), &text, runs);
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
