//! Helpers shared by the workspace-level tests: where the fixture corpus and the XSDs
//! live, and how a fixture file maps to its function, version and expected outcome.
//!
//! ```
//! let fixtures = systmone_tests::fixtures();
//! assert!(fixtures.iter().any(|f| f.function == "GetFunctions" && f.is_request()));
//! ```

use std::path::{Path, PathBuf};

// Not in this library's own unit-test build (it has no unit tests): that build would
// also run the unit tests of the files below, which belong to crates/cli and run there.
#[cfg(not(test))]
pub mod fuzz;

// The template filler belongs to the `systmone` binary (crates/cli), which has no
// library target. Its file and the two self-contained files it uses are compiled here
// as they are, so the fuzz harness exercises the real filler without building the
// whole command (and its simulator, client and FHIR dependencies) for the fuzzer.
#[cfg(not(test))]
#[allow(dead_code)]
#[path = "../../crates/cli/src/checks.rs"]
mod checks;
#[cfg(not(test))]
#[allow(dead_code)]
#[path = "../../crates/cli/src/template_fill.rs"]
mod template_fill;
#[cfg(not(test))]
#[allow(dead_code)]
#[path = "../../crates/cli/src/tree.rs"]
mod tree;

/// The workspace root (the directory holding `xsd/` and `tests/`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// Whether a fixture is a request or a response document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Request,
    Response,
}

/// One fixture file: `tests/fixtures/<Function>/v<Version>/<name>.(request|response).xml`.
#[derive(Debug, Clone)]
pub struct Fixture {
    pub path: PathBuf,
    pub function: String,
    /// The version as SystmOne writes it, e.g. `1.0`.
    pub version: String,
    /// The file name without `.request.xml` / `.response.xml` (`request` and `response`
    /// for the document's primary examples).
    pub name: String,
    pub direction: Direction,
}

impl Fixture {
    /// Bad-input fixtures (`bad-*`) must be rejected by the schema and by the parser.
    pub fn is_bad(&self) -> bool {
        self.name.starts_with("bad-")
    }

    pub fn is_request(&self) -> bool {
        self.direction == Direction::Request
    }

    /// The schema this fixture is checked against: `xsd/<Function> v<Version>.xsd`.
    pub fn schema(&self) -> PathBuf {
        workspace_root()
            .join("xsd")
            .join(format!("{} v{}.xsd", self.function, self.version))
    }

    /// A path relative to the workspace root, for messages and snapshot names.
    pub fn relative_path(&self) -> String {
        self.path
            .strip_prefix(workspace_root())
            .unwrap_or(&self.path)
            .display()
            .to_string()
    }
}

/// The folder of `tests/fixtures/` holding SystmOne-style schema files, one folder per
/// practice (FIELD-EVIDENCE F13, F17): our reconstruction, evidence for upkeep.
pub const SYSTMONE_XSD_DIR: &str = "systmone-xsd";

/// Every fixture under `tests/fixtures/<Function>/v<Version>/`, sorted by path.
///
/// Panics on a file that does not follow the layout, so a misnamed fixture is noticed
/// instead of silently skipped.
pub fn fixtures() -> Vec<Fixture> {
    let root = workspace_root().join("tests").join("fixtures");
    let mut out = Vec::new();
    for function_dir in sorted_dirs(&root) {
        let function = file_name(&function_dir);
        // Not fixtures of one function version: the vendor's templates, and SystmOne-style
        // schema files (evidence for upkeep, not documents).
        if function == "templates" || function == SYSTMONE_XSD_DIR {
            continue;
        }
        for version_dir in sorted_dirs(&function_dir) {
            let version_name = file_name(&version_dir);
            let version = version_name
                .strip_prefix('v')
                .unwrap_or_else(|| {
                    panic!("{}: version folder must be v<N.N>", version_dir.display())
                })
                .to_string();
            let mut files: Vec<PathBuf> = std::fs::read_dir(&version_dir)
                .unwrap_or_else(|e| panic!("{}: {e}", version_dir.display()))
                .map(|e| e.expect("readable dir entry").path())
                .filter(|p| p.is_file())
                .collect();
            files.sort();
            for path in files {
                let file = file_name(&path);
                if file.ends_with(".md") {
                    continue;
                }
                let (name, direction) = if let Some(n) = file.strip_suffix(".request.xml") {
                    (n.to_string(), Direction::Request)
                } else if let Some(n) = file.strip_suffix(".response.xml") {
                    (n.to_string(), Direction::Response)
                } else if file == "request.xml" {
                    ("request".to_string(), Direction::Request)
                } else if file == "response.xml" {
                    ("response".to_string(), Direction::Response)
                } else {
                    panic!(
                        "{}: fixture names end in .request.xml or .response.xml",
                        path.display()
                    );
                };
                out.push(Fixture {
                    path,
                    function: function.clone(),
                    version: version.clone(),
                    name,
                    direction,
                });
            }
        }
    }
    out
}

fn sorted_dirs(dir: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("readable dir entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .expect("path has a file name")
        .to_string_lossy()
        .into_owned()
}

/// A GetPatientRecord response of at least `target` bytes in the real shape
/// (FIELD-EVIDENCE F1 to F8), for benchmarks: the real-shape fixture's Events (every
/// kind of data item, a 6,000-character Narrative line, problems, medication details,
/// attachments) repeated with fresh EventUIDs inside the fixture's own envelope,
/// demographics and non-clinical part.
pub fn real_shape_patient_record(target: usize) -> String {
    let fixture = std::fs::read_to_string(
        workspace_root().join("tests/fixtures/GetPatientRecord/v1.0/real-shape-full.response.xml"),
    )
    .expect("the real-shape fixture");
    let start = fixture.find("<Event ").expect("events");
    let end = fixture.rfind("</Event>").expect("events") + "</Event>".len();
    let (head, events, tail) = (&fixture[..start], &fixture[start..end], &fixture[end..]);
    let mut xml = String::with_capacity(target + 2 * events.len() + tail.len());
    xml.push_str(head);
    let mut i = 0u64;
    while xml.len() < target {
        // Unique EventUIDs, as a real record has.
        xml.push_str(&events.replace("EventUID=\"", &format!("EventUID=\"{i:x}")));
        xml.push('\n');
        i += 1;
    }
    xml.push_str(tail);
    xml
}

/// Lets the allocator finish freeing what earlier runs dropped, before a benchmark
/// starts its clock: glibc's malloc keeps small freed blocks apart and merges them all
/// at the next large allocation, so a run that follows the drop of a large value (a
/// record of 700,000 allocations) would otherwise pay for that drop inside its own
/// time (about a sixth of reading a 60 MB record). Benchmarks time reading, not the
/// drop of the value read before; every row is measured after this, the raw scans too.
pub fn settle_allocator() {
    // A request above the small-block sizes: on glibc it merges the blocks kept apart.
    drop(std::hint::black_box(Vec::<u8>::with_capacity(64 * 1024)));
}

/// quick-xml's raw event scan of `text`, the ceiling under the typed readers: every
/// event read and every attribute's value looked at, with quick-xml's default checks
/// and nothing else (no character or name checks, no unescaping, no values built).
/// Returns the number of events.
pub fn quick_xml_scan(text: &str) -> usize {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(text);
    let mut events = 0;
    loop {
        match reader.read_event().expect("well-formed") {
            Event::Start(start) | Event::Empty(start) => {
                for attribute in start.attributes() {
                    std::hint::black_box(attribute.expect("an attribute").value);
                }
            }
            Event::Eof => return events,
            event => {
                std::hint::black_box(event);
            }
        }
        events += 1;
    }
}
