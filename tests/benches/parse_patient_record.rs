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
//! rounds of its own runs (each round runs every row once; a ratio is the median of
//! the rounds' ratios): typed reading against quick-xml's raw scan (the goal: at least
//! 0.4x its speed) and writing against reading (the goal: at most 1.5x its time).
//! `cargo bench -p systmone-tests --bench parse_patient_record -- zzz_none` prints the
//! summary alone.
//!
//! It runs on the system's allocator, as a program using the library does unless it
//! chooses another. On the 60 MB record the typed rows pay for the heap the value
//! takes (more than the document's size) being handed back to the system after each
//! run and faulted in again in the next; the summary prints how many page faults a
//! typed read took (on Linux), so that part of its time is seen for what it is. The
//! `systmone` command, which allocates with mimalloc, pays less of it.
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

/// One timed run of `f`: what it returns is dropped after the clock stops, and the
/// allocator settled before it starts ([`systmone_tests::settle_allocator`]), so no
/// run pays for another's drop. With the page faults the run took, where the system
/// counts them (Linux).
fn timed<T>(f: impl FnOnce() -> T) -> (Duration, Option<u64>) {
    systmone_tests::settle_allocator();
    let faults = page_faults();
    let started = Instant::now();
    let value = black_box(f());
    let time = started.elapsed();
    let faults = page_faults()
        .zip(faults)
        .map(|(after, before)| after - before);
    drop(value);
    (time, faults)
}

/// The minor page faults of this process so far: memory the system hands out on first
/// touch (field 10 of `/proc/self/stat`).
fn page_faults() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command's name, which is in parentheses and may hold spaces.
    let (_, fields) = stat.rsplit_once(')')?;
    fields.split_whitespace().nth(7)?.parse().ok()
}

fn median_of(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// The ratios of the goals: typed reading's speed as a fraction of quick-xml's raw
/// scan, and writing's time as a multiple of tolerant reading's. Measured in rounds,
/// each running every row once, one after the other: a ratio is the median of the
/// rounds' own ratios, so that the machine's speed changing between rounds (a shared
/// machine's does, by half) moves both sides of it alike.
fn summary(label: &str, text: &str, runs: usize) {
    let value = read(text, ReadMode::Tolerant);
    let mut faults = Vec::new();
    let rounds: Vec<[f64; 5]> = (0..runs)
        .map(|_| {
            let runs = [
                timed(|| systmone_tests::quick_xml_scan(text)),
                timed(|| read(text, ReadMode::Tolerant)),
                timed(|| read(text, ReadMode::Strict)),
                timed(|| value.to_xml().expect("writes")),
                timed(|| value.to_pretty_xml().expect("writes")),
            ];
            faults.extend(runs[1].1);
            runs.map(|(time, _)| time.as_secs_f64())
        })
        .collect();
    let row = |i: usize| median_of(rounds.iter().map(|r| r[i]).collect());
    let ratio = |f: &dyn Fn(&[f64; 5]) -> f64| median_of(rounds.iter().map(f).collect());
    let mb_s = |seconds: f64| text.len() as f64 / 1e6 / seconds;
    eprintln!("{label}: medians of {runs} rounds");
    eprintln!(
        "  raw scan (quick-xml)       {:>8.1} ms {:>7.1} MB/s",
        row(0) * 1e3,
        mb_s(row(0))
    );
    for (name, i) in [("typed tolerant, drift", 1), ("typed strict", 2)] {
        eprintln!(
            "  {name:<26} {:>8.1} ms {:>7.1} MB/s  typed/raw {:.2}",
            row(i) * 1e3,
            mb_s(row(i)),
            ratio(&|r| r[0] / r[i])
        );
    }
    if !faults.is_empty() {
        // Memory the value takes that the system had to hand out again: on a machine
        // where a fault is slow, the part of the typed time that is not reading.
        let faults = median_of(faults.iter().map(|&f| f as f64).collect());
        eprintln!("  (typed tolerant: {faults:.0} page faults a read, median)");
    }
    for (name, i) in [("write compact", 3), ("write indented", 4)] {
        eprintln!(
            "  {name:<26} {:>8.1} ms {:>7.1} MB/s  write/read {:.2}",
            row(i) * 1e3,
            mb_s(row(i)),
            ratio(&|r| r[i] / r[1])
        );
    }
}

fn bench(c: &mut Criterion) {
    for (label, size, runs) in [("5mb", 5 * 1024 * 1024, 21), ("60mb", 60_000_000, 11)] {
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
