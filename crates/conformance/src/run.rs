//! Running the catalogue: each scenario's requests built through the schema model of
//! the version both sides support (paths and values checked, then the typed parameters,
//! so a version known only from a regenerated schema works too) and sent through the
//! typed client; each response read tolerantly (the client: the typed result and the
//! drift report) and strictly (here); the scenario's checks read the typed result by
//! the model's paths (`systmone_core::Members`); the result recorded and appended to
//! the resume file as it is known.

use std::collections::BTreeMap;
use std::future::Future;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use systmone_bindings::{AnyRequest, AnyResponse};
use systmone_client::{Client, Error as ClientError, PacingLimits};
use systmone_core::parameters::Parameters;
use systmone_core::{Function, Members, ReadMode};

use crate::catalogue::{Check, Scenario, plan};
use crate::mask::mask_patient_data;
use crate::report::{DriftEntry, ExchangeRecord, Outcome, RunReport, ScenarioResult};
use crate::test_patients::{Role, TestPatients};

/// How a run is set up.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// The practice's test patients.
    pub test_patients: TestPatients,
    /// Run the write scenarios (on the test patients only).
    pub allow_writes: bool,
    /// Keep patient data in the reports' documents (masked otherwise).
    pub include_payloads: bool,
    /// The resume file: results are appended as they are known, and a run given an
    /// existing file skips the scenarios it holds.
    pub state_file: Option<PathBuf>,
    /// What is tested (an address), for the report.
    pub target: String,
}

/// Why a run cannot start or go on.
#[derive(Debug, thiserror::Error)]
pub enum KitError {
    /// Writes need a test patients file.
    #[error("--allow-writes needs a test patients file naming the patients it may write to")]
    WritesWithoutPatients,
    /// The resume file cannot be read or written.
    #[error("the resume file {path}: {source}")]
    State {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The resume file holds a line that is not a result.
    #[error("the resume file {path} is damaged at line {line}")]
    StateDamaged {
        /// The file.
        path: String,
        /// The line (1-based).
        line: usize,
    },
    /// An earlier run was interrupted in the middle of a write scenario: what it
    /// wrote may still be on the record.
    #[error(
        "an earlier run stopped during {scenario} ({detail}); check the test patient's record \
         and undo what it left, then remove that scenario's lines from {path} to go on"
    )]
    InterruptedWrite {
        /// The scenario.
        scenario: String,
        /// The requests it had sent.
        detail: String,
        /// The resume file.
        path: String,
    },
}

/// What the caller is told as the run goes.
#[derive(Debug, Clone)]
pub enum Progress<'a> {
    /// A scenario starts; `eta` is the estimated time left, this one included.
    Started {
        /// Its position (1-based) among the scenarios this run executes.
        index: usize,
        /// How many this run executes.
        total: usize,
        /// The scenario.
        scenario: &'a Scenario,
        /// Estimated time left.
        eta: Duration,
    },
    /// A scenario ended.
    Finished {
        /// Its position (1-based).
        index: usize,
        /// How many this run executes.
        total: usize,
        /// Its result.
        result: &'a ScenarioResult,
    },
}

/// A line of the resume file.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "line", rename_all = "kebab-case")]
enum StateLine {
    /// A write is about to be sent (the RequestUID is known only after).
    WriteStarting { scenario: String },
    /// A write was answered.
    WriteSent {
        scenario: String,
        function: String,
        request_uid: String,
    },
    /// A scenario's result.
    Result { result: Box<ScenarioResult> },
}

/// The conformance kit: a client, the options, and the catalogue.
pub struct Kit {
    client: Client,
    options: RunOptions,
}

/// One call's result.
struct Called {
    record: ExchangeRecord,
    response_xml: String,
    /// The typed result, read by name.
    result: Box<dyn Members + Send + Sync>,
    tolerant_drift: systmone_core::Drift,
}

impl Called {
    /// The typed result.
    fn result(&self) -> &dyn Members {
        &*self.result
    }
}

/// One call's failure, with what was sent.
struct CallFailed {
    record: Option<ExchangeRecord>,
    error: ClientError,
}

/// How a scenario ended early.
enum Stop {
    Skip(String),
    Fail(String),
    /// An unknown write outcome: the run stops.
    Unknown(String),
}

impl Kit {
    /// A kit running through `client` (its pacing decides the estimate).
    pub fn new(client: Client, options: RunOptions) -> Result<Self, KitError> {
        if options.allow_writes && options.test_patients.is_empty() {
            return Err(KitError::WritesWithoutPatients);
        }
        Ok(Kit { client, options })
    }

    /// The scenarios this run includes.
    pub fn scenarios(&self) -> Vec<&'static Scenario> {
        plan(self.options.allow_writes)
    }

    /// The requests `scenario` will send (none when it will be skipped for want of a
    /// test patient).
    fn planned_requests(&self, scenario: &Scenario) -> Vec<bool> {
        let role = match scenario.check {
            Check::Record { role, .. } => Some(role),
            Check::PatientSearch => Some(Role::HasMedication),
            Check::BookAndCancel => Some(Role::HasAppointments),
            Check::AddAndDeleteCode => Some(Role::HasProblems),
            _ => None,
        };
        if role.is_some_and(|r| self.options.test_patients.get(r).is_none()) {
            return Vec::new();
        }
        scenario.requests()
    }

    /// How long running `scenarios` takes under the client's pacing: each request
    /// one interval after the last, a throttled GetPatientRecord one record interval
    /// after the last throttled one, plus `per_request` for each answer.
    pub fn estimate(&self, scenarios: &[&Scenario], per_request: Duration) -> Duration {
        let requests: Vec<bool> = scenarios
            .iter()
            .flat_map(|s| self.planned_requests(s))
            .collect();
        estimate_requests(&requests, self.client.config().pacing, per_request)
    }

    /// Runs the scenarios not already in the resume file, reporting progress, and
    /// returns the whole report (earlier results included).
    pub async fn run(&self, mut progress: impl FnMut(Progress<'_>)) -> Result<RunReport, KitError> {
        let started = Instant::now();
        let scenarios = self.scenarios();
        let mut done = self.load_state()?;
        let todo: Vec<&Scenario> = scenarios
            .iter()
            .copied()
            .filter(|s| !done.contains_key(s.id))
            .collect();
        let estimated = self.estimate(&todo, PER_REQUEST);
        let mut stopped = None;
        let total = todo.len();
        for (i, scenario) in todo.iter().enumerate() {
            let left = self.estimate(&todo[i..], PER_REQUEST);
            progress(Progress::Started {
                index: i + 1,
                total,
                scenario,
                eta: left,
            });
            if scenario.writes() {
                self.append_state(&StateLine::WriteStarting {
                    scenario: scenario.id.to_string(),
                })?;
            }
            let (result, unknown) = self.run_one(scenario).await;
            self.append_state(&StateLine::Result {
                result: Box::new(result.clone()),
            })?;
            progress(Progress::Finished {
                index: i + 1,
                total,
                result: &result,
            });
            done.insert(scenario.id.to_string(), result);
            if let Some(message) = unknown {
                stopped = Some(message);
                break;
            }
        }
        let results = scenarios.iter().filter_map(|s| done.remove(s.id)).collect();
        Ok(RunReport {
            target: self.options.target.clone(),
            writes: self.options.allow_writes,
            payloads_included: self.options.include_payloads,
            estimated_seconds: estimated.as_secs_f64(),
            elapsed_seconds: started.elapsed().as_secs_f64(),
            stopped,
            results,
        })
    }

    fn load_state(&self) -> Result<BTreeMap<String, ScenarioResult>, KitError> {
        let mut done = BTreeMap::new();
        let Some(path) = &self.options.state_file else {
            return Ok(done);
        };
        let text = match systmone_core::file::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(done),
            Err(source) => {
                return Err(KitError::State {
                    path: path.display().to_string(),
                    source,
                });
            }
        };
        let mut writing: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let parsed: StateLine =
                serde_json::from_str(line).map_err(|_| KitError::StateDamaged {
                    path: path.display().to_string(),
                    line: n + 1,
                })?;
            match parsed {
                StateLine::WriteStarting { scenario } => {
                    writing.insert(scenario, Vec::new());
                }
                StateLine::WriteSent {
                    scenario,
                    function,
                    request_uid,
                } => writing
                    .entry(scenario)
                    .or_default()
                    .push(format!("{function} RequestUID {request_uid}")),
                StateLine::Result { result } => {
                    writing.remove(&result.id);
                    done.insert(result.id.clone(), *result);
                }
            }
        }
        if let Some((scenario, sent)) = writing.into_iter().next() {
            return Err(KitError::InterruptedWrite {
                scenario,
                detail: if sent.is_empty() {
                    "no write answered; one may have been sent".to_string()
                } else {
                    format!(
                        "answered: {}; later writes may have been sent",
                        sent.join(", ")
                    )
                },
                path: path.display().to_string(),
            });
        }
        Ok(done)
    }

    fn append_state(&self, line: &StateLine) -> Result<(), KitError> {
        let Some(path) = &self.options.state_file else {
            return Ok(());
        };
        let error = |source| KitError::State {
            path: path.display().to_string(),
            source,
        };
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(error)?;
        let text = serde_json::to_string(line).expect("a state line serializes");
        writeln!(file, "{text}").map_err(error)?;
        file.sync_data().map_err(error)
    }

    async fn run_one(&self, scenario: &Scenario) -> (ScenarioResult, Option<String>) {
        let started = Instant::now();
        let mut run = ScenarioRun {
            kit: self,
            scenario,
            exchanges: Vec::new(),
            drift: Vec::new(),
        };
        let ended = run.execute().await;
        let (outcome, reason, unknown) = match ended {
            Ok(()) if run.drift.is_empty() => (Outcome::Pass, None, None),
            Ok(()) => (Outcome::Drift, None, None),
            Err(Stop::Skip(reason)) => (Outcome::Skipped, Some(reason), None),
            Err(Stop::Fail(reason)) => (Outcome::Fail, Some(reason), None),
            Err(Stop::Unknown(reason)) => (Outcome::Fail, Some(reason.clone()), Some(reason)),
        };
        let result = ScenarioResult {
            id: scenario.id.to_string(),
            title: scenario.title.to_string(),
            section: scenario.section.to_string(),
            refs: scenario.refs.iter().map(|r| r.to_string()).collect(),
            outcome,
            reason,
            drift: run.drift,
            elapsed_ms: started.elapsed().as_millis() as u64,
            exchanges: run.exchanges,
        };
        (result, unknown)
    }

    fn mask(&self, xml: &str) -> String {
        let keyless = systmone_client::redact_api_key(xml);
        if self.options.include_payloads {
            keyless
        } else {
            mask_patient_data(&keyless)
        }
    }
}

/// What each answer is taken to cost beyond the pacing waits, in the estimate.
pub const PER_REQUEST: Duration = Duration::from_millis(50);

/// The schedule of `requests` (`true`: a throttled GetPatientRecord) under `limits`.
pub fn estimate_requests(
    requests: &[bool],
    limits: PacingLimits,
    per_request: Duration,
) -> Duration {
    let mut last_send: Option<Duration> = None;
    let mut last_record: Option<Duration> = None;
    for &throttled in requests {
        let mut at = last_send.map_or(Duration::ZERO, |t| t + limits.min_interval.max(per_request));
        if throttled {
            if let Some(t) = last_record {
                at = at.max(t + limits.patient_record_interval);
            }
            last_record = Some(at);
        }
        last_send = Some(at);
    }
    last_send.map_or(Duration::ZERO, |t| t + per_request)
}

/// One scenario being run.
struct ScenarioRun<'k> {
    kit: &'k Kit,
    scenario: &'k Scenario,
    exchanges: Vec<ExchangeRecord>,
    drift: Vec<DriftEntry>,
}

impl ScenarioRun<'_> {
    fn patient(&self, role: Role) -> Result<String, Stop> {
        self.kit
            .options
            .test_patients
            .get(role)
            .map(str::to_string)
            .ok_or_else(|| {
                Stop::Skip(format!(
                    "no test patient for the role {} (a test patients file names one)",
                    role.name()
                ))
            })
    }

    /// Calls `function` (the highest version both sides support) with `parameters`,
    /// built through that version's schema model; records the exchange and the drift.
    async fn call(&mut self, function: &str, parameters: Parameters) -> Result<Called, Stop> {
        let ours: Vec<&str> = systmone_bindings::FUNCTIONS
            .iter()
            .filter(|(f, _)| *f == function)
            .map(|(_, v)| *v)
            .collect();
        let version = if function == "GetFunctions" {
            ours.iter()
                .copied()
                .max_by(|a, b| systmone_core::versions::compare_versions(a, b))
                .map(str::to_string)
        } else {
            self.kit
                .client
                .highest_common_version(function, &ours)
                .await
                .map_err(|e| Stop::Fail(format!("GetFunctions failed: {e}")))?
        };
        let Some(version) = version else {
            return Err(Stop::Skip(format!(
                "SystmOne does not advertise a version of {function} the bindings have"
            )));
        };
        let request = AnyRequest::from_parameters(function, &version, &parameters)
            .map_err(|e| Stop::Fail(format!("the kit built an invalid {function} request: {e}")))?;
        let started = Instant::now();
        let outcome = request
            .visit(Caller {
                client: &self.kit.client,
            })
            .await;
        let elapsed_ms = started.elapsed().as_millis() as u64;
        match outcome {
            Ok(mut called) => {
                called.record.elapsed_ms = elapsed_ms;
                called.record.request = self.kit.mask(&called.record.request);
                called.record.response =
                    called.record.response.as_deref().map(|r| self.kit.mask(r));
                self.exchanges.push(called.record.clone());
                if systmone_bindings::call_kind(function) == systmone_core::CallKind::Write {
                    let _ = self.kit.append_state(&StateLine::WriteSent {
                        scenario: self.scenario.id.to_string(),
                        function: function.to_string(),
                        request_uid: called.record.request_uid.clone(),
                    });
                }
                // Strict reading: any departure from the bindings refused.
                if let Err(strict) = AnyResponse::parse_with(&called.response_xml, ReadMode::Strict)
                {
                    let items = called.tolerant_drift.items();
                    if items.is_empty() {
                        // Strict refused what tolerant reading kept silently: still drift.
                        self.drift.push(DriftEntry {
                            kind: "refused by strict reading".into(),
                            path: format!("{function}: {}", strict_path(&strict)),
                            count: 1,
                            value: None,
                        });
                    }
                    for item in items {
                        self.drift.push(DriftEntry {
                            kind: item.kind.describe().to_string(),
                            path: item.path.clone(),
                            count: item.count,
                            value: (item.kind == systmone_core::DriftKind::UnknownValue)
                                .then(|| item.first_value.clone())
                                .flatten(),
                        });
                    }
                }
                Ok(called)
            }
            Err(failed) => {
                if let Some(mut record) = failed.record {
                    record.elapsed_ms = elapsed_ms;
                    record.request = self.kit.mask(&record.request);
                    self.exchanges.push(record);
                }
                Err(match failed.error {
                    ClientError::OutcomeUnknown {
                        function,
                        request_uid,
                        cause,
                    } => Stop::Unknown(format!(
                        "the outcome of {function} is unknown ({cause}): check the test patient's \
                         record in SystmOne for RequestUID {request_uid} before running again"
                    )),
                    ClientError::Unsupported { .. } => Stop::Skip(failed.error.to_string()),
                    other => Stop::Fail(other.to_string()),
                })
            }
        }
    }

    async fn execute(&mut self) -> Result<(), Stop> {
        match self.scenario.check {
            Check::Functions => self.functions().await,
            Check::OrganisationMetaData => {
                let called = self
                    .call("GetOrganisationMetaData", Parameters::new())
                    .await?;
                require(&called, "Site")
            }
            Check::CurrentActivity => self
                .call("GetCurrentActivity", Parameters::new())
                .await
                .map(drop),
            Check::CurrentSelection => self
                .call("GetCurrentSelection", Parameters::new())
                .await
                .map(drop),
            Check::IsPatientRetrieved => self
                .call("IsPatientRetrieved", Parameters::new())
                .await
                .map(drop),
            Check::ReferenceData => self
                .call("GetReferenceData", Parameters::new())
                .await
                .map(drop),
            Check::PatientSearch => self.patient_search().await,
            Check::Record {
                filter,
                entered_today,
                role,
                expect,
            } => {
                let nhs = self.patient(role)?;
                let today = chrono::Local::now().date_naive().to_string();
                let mut pairs = vec![("Identity/NHSNumber", nhs.clone())];
                if entered_today {
                    pairs.push(("Filter/MinEntryDate", today.clone()));
                    pairs.push(("Filter/MaxEntryDate", today));
                }
                let filter = filter.map(|f| format!("Filter/{f}"));
                if let Some(f) = &filter {
                    pairs.push((f, String::new()));
                }
                let called = self.call("GetPatientRecord", parameters(&pairs)?).await?;
                if !nhs_numbers(called.result(), "Identity").contains(&nhs) {
                    return Err(Stop::Fail(format!(
                        "the record returned is not the {} test patient's",
                        role.name()
                    )));
                }
                match expect {
                    Some(element) if !called.result().contains(element) => {
                        Err(Stop::Skip(format!(
                            "the {} test patient's record holds no {element}: the practice lacks the data",
                            role.name()
                        )))
                    }
                    _ => Ok(()),
                }
            }
            Check::Slots => {
                let (from, to) = two_weeks();
                let pairs = [("MinDateTime", from), ("MaxDateTime", to)];
                self.call("GetAppointmentSlots", parameters(&pairs)?)
                    .await
                    .map(drop)
            }
            Check::Diary => {
                let (from, to) = two_weeks();
                let pairs = [
                    ("MinDateTime", from),
                    ("MaxDateTime", to),
                    ("Appointments", String::new()),
                    ("Visits", String::new()),
                ];
                self.call("GetDiary", parameters(&pairs)?).await.map(drop)
            }
            Check::XsdFiles => self.xsd_files().await,
            Check::BookAndCancel => self.book_and_cancel().await,
            Check::AddAndDeleteCode => self.add_and_delete_code().await,
        }
    }

    async fn functions(&mut self) -> Result<(), Stop> {
        self.call("GetFunctions", Parameters::new()).await?;
        let supported = self
            .kit
            .client
            .supported_functions()
            .await
            .map_err(|e| Stop::Fail(e.to_string()))?;
        let advertised: Vec<(String, Vec<String>)> = supported
            .iter()
            .map(|s| (s.function.clone(), s.version.clone()))
            .collect();
        let report = systmone_upkeep::compat::compare(
            &advertised,
            systmone_bindings::FUNCTIONS,
            systmone_bindings::ALIASES,
        );
        let mut failures = Vec::new();
        for row in &report.rows {
            use systmone_upkeep::compat::Verdict;
            match row.verdict {
                Verdict::Ok => {}
                Verdict::NewerAvailable => {
                    for v in &row.newer {
                        self.drift.push(DriftEntry {
                            kind: "new function version".into(),
                            path: format!("GetFunctions: {} {v}", row.function),
                            count: 1,
                            value: None,
                        });
                    }
                }
                Verdict::UnknownToUs => self.drift.push(DriftEntry {
                    kind: "function unknown to the bindings".into(),
                    path: format!(
                        "GetFunctions: {} {}",
                        row.function,
                        row.client_versions.join("/")
                    ),
                    count: 1,
                    value: None,
                }),
                verdict => failures.push(format!("{}: {}", row.function, verdict.describe())),
            }
        }
        if failures.is_empty() {
            Ok(())
        } else {
            Err(Stop::Fail(format!("compat: {}", failures.join("; "))))
        }
    }

    async fn patient_search(&mut self) -> Result<(), Stop> {
        let nhs = self.patient(Role::HasMedication)?;
        let pairs = [
            ("Identity/NHSNumber", nhs.clone()),
            ("Filter/Demographics", String::new()),
        ];
        let record = self.call("GetPatientRecord", parameters(&pairs)?).await?;
        let demographics = record.result();
        let surname = demographics
            .first_text("Demographics/Surname")
            .unwrap_or_default();
        let birth = demographics
            .first_text("Demographics/DateOfBirth")
            .unwrap_or_default();
        let birth = birth.get(..10).unwrap_or(&birth).to_string();
        if surname.is_empty() || birth.is_empty() {
            return Err(Stop::Skip(
                "the test patient's demographics hold no surname or date of birth to search by"
                    .into(),
            ));
        }
        let pairs = [("DateOfBirth", birth), ("Surname", surname)];
        let found = self.call("PatientSearch", parameters(&pairs)?).await?;
        if nhs_numbers(found.result(), "Result/Identity").contains(&nhs) {
            Ok(())
        } else {
            Err(Stop::Fail(
                "PatientSearch by the test patient's surname and date of birth did not find them"
                    .into(),
            ))
        }
    }

    async fn xsd_files(&mut self) -> Result<(), Stop> {
        let called = self.call("GetXSDFiles", Parameters::new()).await?;
        let written: Vec<PathBuf> = called
            .result()
            .texts("XSD/Result")
            .iter()
            .filter_map(|r| {
                r.split_once("written to ")
                    .map(|(_, p)| PathBuf::from(p.trim()))
            })
            .collect();
        let Some(dir) = written
            .iter()
            .filter_map(|p| p.parent())
            .find(|d| d.is_dir())
            .map(Path::to_path_buf)
        else {
            return Err(Stop::Skip(
                "GetXSDFiles wrote its files where this machine cannot read them".into(),
            ));
        };
        let ours = tempfile::tempdir()
            .map_err(|e| Stop::Fail(format!("cannot create a temporary directory: {e}")))?;
        for (name, text) in systmone_bindings::XSD_FILES {
            std::fs::write(ours.path().join(name), text)
                .map_err(|e| Stop::Fail(format!("cannot write {name}: {e}")))?;
        }
        let diff = systmone_upkeep::xsd_diff::diff(
            ours.path(),
            &dir,
            systmone_upkeep::xsd_diff::Policy::StrictReader,
        )
        .map_err(|e| Stop::Fail(format!("xsd-diff failed: {e:#}")))?;
        for added in &diff.added {
            self.drift.push(DriftEntry {
                kind: "new schema file".into(),
                path: format!("GetXSDFiles: {added}"),
                count: 1,
                value: None,
            });
        }
        for file in &diff.diffs {
            for change in &file.changes {
                self.drift.push(DriftEntry {
                    kind: format!(
                        "schema change, {} ({})",
                        serde_plain(&change.kind),
                        serde_plain(&change.severity)
                    ),
                    path: format!("GetXSDFiles: {}: {}", file.new, change.path),
                    count: 1,
                    // The table quotes values; the diff's detail may quote its own.
                    value: (!change.detail.is_empty())
                        .then(|| change.detail.trim_matches('"').to_string()),
                });
            }
        }
        if diff.removed.is_empty() {
            Ok(())
        } else {
            Err(Stop::Fail(format!(
                "schemas of the bindings missing from SystmOne's: {}",
                diff.removed.join(", ")
            )))
        }
    }

    fn write_guard(&self, nhs: &str) -> Result<(), Stop> {
        // Never on any other patient: the number must be one the file names.
        if self.kit.options.allow_writes && self.kit.options.test_patients.contains(nhs) {
            Ok(())
        } else {
            Err(Stop::Fail(
                "refusing to write to a patient the test patients file does not name".into(),
            ))
        }
    }

    async fn book_and_cancel(&mut self) -> Result<(), Stop> {
        let nhs = self.patient(Role::HasAppointments)?;
        self.write_guard(&nhs)?;
        let (from, to) = two_weeks();
        let pairs = [("MinDateTime", from), ("MaxDateTime", to)];
        let slots = self
            .call("GetAppointmentSlots", parameters(&pairs)?)
            .await?;
        let clinics = slots.result().elements("Clinic");
        let Some((clinic, slot)) = clinics
            .iter()
            .find_map(|c| c.elements("Slot").first().map(|s| (*c, *s)))
        else {
            return Err(Stop::Skip(
                "no free slot in the next two weeks to book".into(),
            ));
        };
        let field = |value: &dyn Members, name: &str| value.first_text(name).unwrap_or_default();
        let a = "NonClinical/Appointment";
        let booking = [
            ("Identity/NHSNumber".to_string(), nhs.clone()),
            (format!("{a}/Clinic/UserName"), field(clinic, "UserName")),
            (format!("{a}/Clinic/SiteName"), field(clinic, "SiteName")),
            (
                format!("{a}/Clinic/ClinicType"),
                field(clinic, "ClinicType"),
            ),
            (format!("{a}/Clinic/Slot/SlotType"), field(slot, "SlotType")),
            (
                format!("{a}/Clinic/Slot/DateTimeStart"),
                field(slot, "DateTimeStart"),
            ),
            (format!("{a}/Clinic/Slot/Duration"), field(slot, "Duration")),
            (
                format!("{a}/Comments"),
                "systmone conformance: booked, then cancelled".to_string(),
            ),
        ];
        let booking = parameters(&booking)?;
        let booked = self.call("UpdatePatientRecord", booking).await?;
        let Some(uid) = booked.result().first_text("AppointmentUID") else {
            return Err(Stop::Fail(
                "the booking was answered without an AppointmentUID: check the test patient's appointments"
                    .into(),
            ));
        };
        self.write_guard(&nhs)?;
        let undo = [
            ("Identity/NHSNumber", nhs.clone()),
            (
                "Reason",
                "systmone conformance: undoing its own booking".to_string(),
            ),
            ("AppointmentUID", uid.clone()),
        ];
        self.call("DeleteFromPatientRecord", parameters(&undo)?)
            .await
            .map_err(|stop| leftover(stop, "appointment", &uid))?;
        Ok(())
    }

    async fn add_and_delete_code(&mut self) -> Result<(), Stop> {
        let nhs = self.patient(Role::HasProblems)?;
        self.write_guard(&nhs)?;
        let code = "Clinical/Event/ClinicalCode";
        let entry = [
            ("Identity/NHSNumber".to_string(), nhs.clone()),
            (format!("{code}/Code@Scheme"), "CTV3".to_string()),
            (format!("{code}/Code@Code"), ADDED_CODE.to_string()),
            (
                format!("{code}/FreeText"),
                "systmone conformance: added, then deleted".to_string(),
            ),
        ];
        let added = self
            .call("UpdatePatientRecord", parameters(&entry)?)
            .await?;
        let Some(uid) = added.result().first_text("EventUID") else {
            return Err(Stop::Fail(
                "the coded entry was answered without an EventUID: check the test patient's record"
                    .into(),
            ));
        };
        let today = chrono::Local::now().date_naive().to_string();
        let read_back = [
            ("Identity/NHSNumber", nhs.clone()),
            ("Filter/MinEntryDate", today.clone()),
            ("Filter/MaxEntryDate", today),
            ("Filter/ClinicalCodes", String::new()),
        ];
        let read = match parameters(&read_back) {
            Ok(p) => self.call("GetPatientRecord", p).await,
            Err(stop) => Err(stop),
        };
        let shown = read.map(|r| {
            r.result().elements("Clinical/Event").iter().any(|event| {
                event.first_text("@EventUID").as_deref() == Some(uid.as_str())
                    && event
                        .texts("ClinicalCode/Code/@Code")
                        .iter()
                        .any(|c| c == ADDED_CODE)
            })
        });
        self.write_guard(&nhs)?;
        let undo = [
            ("Identity/NHSNumber", nhs.clone()),
            (
                "Reason",
                "systmone conformance: undoing its own entry".to_string(),
            ),
            ("EventUID", uid.clone()),
        ];
        self.call("DeleteFromPatientRecord", parameters(&undo)?)
            .await
            .map_err(|stop| leftover(stop, "coded entry", &uid))?;
        match shown {
            Ok(true) => Ok(()),
            Ok(false) => Err(Stop::Fail(
                "the coded entry added was not among the codes entered today".into(),
            )),
            Err(stop) => Err(stop),
        }
    }
}

/// The code the write scenario adds (and deletes): CTV3's X505K.
const ADDED_CODE: &str = "X505K";

/// Parameters from (path, value) pairs; a name the kit wrote wrong fails the scenario.
fn parameters<P: AsRef<str>>(pairs: &[(P, String)]) -> Result<Parameters, Stop> {
    let mut out = Parameters::new();
    for (path, value) in pairs {
        out.add(path.as_ref(), value)
            .map_err(|e| Stop::Fail(format!("the kit built invalid parameters: {e}")))?;
    }
    Ok(out)
}

/// The NHS numbers of the identities at `path` (either spelling, ERRATA E1).
fn nhs_numbers(result: &dyn Members, path: &str) -> Vec<String> {
    let mut numbers = result.texts(&format!("{path}/NHSNumber"));
    numbers.extend(result.texts(&format!("{path}/NhsNumber")));
    numbers
}
/// A failed undo: what is left on the record is named.
fn leftover(stop: Stop, what: &str, uid: &str) -> Stop {
    match stop {
        Stop::Fail(reason) | Stop::Skip(reason) => Stop::Fail(format!(
            "{reason}; the {what} {uid} added by this run is still on the test patient's record: remove it"
        )),
        unknown => unknown,
    }
}

fn require(called: &Called, element: &str) -> Result<(), Stop> {
    if called.result().contains(element) {
        Ok(())
    } else {
        Err(Stop::Fail(format!("the response holds no {element}")))
    }
}

fn two_weeks() -> (String, String) {
    let now = chrono::Local::now().naive_local();
    let fmt = "%Y-%m-%dT%H:%M:%S";
    (
        now.format(fmt).to_string(),
        (now + chrono::Duration::days(14)).format(fmt).to_string(),
    )
}

/// A serde unit variant's name (`enum-value-added`).
fn serde_plain<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// Where strict reading stopped (no value: it may be patient data).
fn strict_path(error: &systmone_core::ParseError) -> String {
    match error {
        systmone_core::ParseError::Refused(item) => format!("{} at {}", item.kind, item.path),
        other => other.to_string(),
    }
}

/// Calls the typed client for whichever function a request names (the generated
/// `AnyRequest::visit`: no hand-kept list of functions).
struct Caller<'a> {
    client: &'a Client,
}

type CallFuture<'a> = Pin<Box<dyn Future<Output = Result<Called, CallFailed>> + Send + 'a>>;

impl<'a> systmone_bindings::RequestVisitor for Caller<'a> {
    type Output = CallFuture<'a>;

    fn visit<F: Function>(self, request: systmone_core::Request<F::Parameters>) -> Self::Output {
        Box::pin(async move {
            let Some(parameters) = request.parameters else {
                return Err(CallFailed {
                    record: None,
                    error: ClientError::Encode("no FunctionParameters".into()),
                });
            };
            match self.client.call_detailed::<F>(parameters).await {
                Ok(reply) => Ok(Called {
                    result: Box::new(reply.result),
                    record: ExchangeRecord {
                        function: reply.function.clone(),
                        version: F::VERSION.to_string(),
                        request_uid: reply.request_uid.clone(),
                        request: reply.request_xml.clone(),
                        response: Some(reply.response_xml.clone()),
                        elapsed_ms: 0,
                    },
                    response_xml: reply.response_xml,
                    tolerant_drift: reply.drift,
                }),
                Err(error) => Err(CallFailed {
                    record: match &error {
                        ClientError::OutcomeUnknown { request_uid, .. } => Some(ExchangeRecord {
                            function: F::NAME.to_string(),
                            version: F::VERSION.to_string(),
                            request_uid: request_uid.clone(),
                            request: String::new(),
                            response: None,
                            elapsed_ms: 0,
                        }),
                        _ => None,
                    },
                    error,
                }),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_estimate_follows_the_documented_throttle() {
        let limits = PacingLimits {
            min_interval: Duration::from_secs(1),
            patient_record_interval: Duration::from_secs(30),
        };
        let none = Duration::ZERO;
        // Three reads: 0 s, 1 s, 2 s.
        assert_eq!(
            estimate_requests(&[false; 3], limits, none),
            Duration::from_secs(2)
        );
        // Records at 0 s and 30 s; a read between them does not add to it.
        assert_eq!(
            estimate_requests(&[true, false, true], limits, none),
            Duration::from_secs(30)
        );
        assert_eq!(
            estimate_requests(&[true, true, false], limits, none),
            Duration::from_secs(31)
        );
        assert_eq!(estimate_requests(&[], limits, none), Duration::ZERO);
    }
}
