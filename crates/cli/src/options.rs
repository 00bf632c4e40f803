//! Command-line options and building a client from them.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Parser, Subcommand, ValueEnum};

pub use crate::output::OutputFormat;
use systmone_client::{
    ApprovalWait, AuditDetail, AuditLog, Client, ClientConfig, DEFAULT_ADDR, DeviceIdStore,
    FileStore, MemoryStore, NegotiationFile, PacingFile, PacingLimits, PacingObserver, PacingWait,
};

const ABOUT: &str = "Talk to a SystmOne client over the Client Integration interface.";

const LONG_ABOUT: &str = "\
Talk to a SystmOne client over the Client Integration interface: call any of its 17
functions, fill the vendor's XML templates, check saved documents, extract records under
the throttle, and run a simulated SystmOne client for development and CI.

Start with `systmone demo`: it starts a simulator in-process and walks through the
interface as an integrator would.

Exit codes: 0 success; 1 usage or local error; 2 SystmOne answered with an error;
3 transport or protocol failure (nothing listening, timeout, unreadable response);
4 a write was sent but its outcome is unknown (check the record before retrying);
5 compat: a function version this tool ships is not supported; 6 conformance: drift
only; 7 conformance: failures; 8 SystmOne answered for another patient than the one
asked for (nothing of it is kept; after a write, check both records); 9 this device is
not approved yet (the prompt in SystmOne went unanswered for --approval-wait); 130
extract interrupted (run it again to resume).";

const AFTER_HELP: &str = "\
Examples:
  systmone demo
  systmone sim --port 40700 &
  export SYSTMONE_API_KEY=f31e26725b5491f2
  systmone functions
  systmone search --surname Swift --dob 1933-01-01
  systmone record 7835438275 --demographics
  systmone call GetPatientRecord --param Identity/NHSNumber=7835438275 --param Filter/Demographics=
  systmone parse tests/fixtures/GetPatientRecord/v1.0/response.xml
  systmone --profile surgery functions

Profiles: an optional config file (--config, default ~/.config/systmone/config.toml on
Linux) holds named profiles, chosen with --profile NAME:
  [profiles.surgery]
  addr = \"127.0.0.1:40700\"
  api_key_file = \"/home/me/.config/systmone/surgery.key\"
  device_id_file = \"/home/me/.config/systmone/surgery.device-id\"
  pacing = \"spec\"
Flags and environment variables override the profile.";

#[derive(Debug, Parser)]
#[command(name = "systmone", version, about = ABOUT, long_about = LONG_ABOUT, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalOpts,
    #[command(subcommand)]
    pub command: Command,
}

/// When to colour what the command writes to stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    /// On a terminal, unless NO_COLOR is set.
    Auto,
    /// Always (even into a file or pipe).
    Always,
    /// Never.
    Never,
}

/// Client-side pacing to SystmOne's throttle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PacingArg {
    /// The documented limits: 1 request/s, 1 full GetPatientRecord per 30 s.
    Spec,
    /// No pacing: only for a simulator run with `--throttle off` (tests).
    Off,
}

/// Options every command that talks to SystmOne takes, before or after the command
/// name. Shown under their own heading; hidden where they do not apply.
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalOpts {
    /// Address of the SystmOne client's interface (host:port).
    #[arg(long, global = true, env = "SYSTMONE_ADDR", default_value = DEFAULT_ADDR)]
    pub addr: String,
    /// Your API key, given by TPP (never printed).
    #[arg(long, global = true, env = "SYSTMONE_API_KEY", hide_env_values = true)]
    pub api_key: Option<String>,
    /// Where the Device ID SystmOne allocates is kept (default: a file in your
    /// configuration directory, e.g. ~/.config/systmone/device-id).
    #[arg(
        long,
        global = true,
        env = "SYSTMONE_DEVICE_ID_FILE",
        value_name = "FILE"
    )]
    pub device_id_file: Option<PathBuf>,
    /// Your software's version, shown in SystmOne's approval dialog and audit trail.
    #[arg(
        long,
        global = true,
        env = "SYSTMONE_DEVICE_VERSION",
        value_name = "TEXT"
    )]
    pub device_version: Option<String>,
    /// How long to wait for each response, in seconds (e.g. 30, 2.5, 500ms) [default:
    /// 30]. A read whose response has not come by then is sent again (up to 3 attempts);
    /// a write never is. Raise it for very large records; a live line shows the wait
    /// after 3 s.
    #[arg(long, global = true, env = "SYSTMONE_TIMEOUT", value_name = "SECONDS", value_parser = parse_duration)]
    pub timeout: Option<Duration>,
    /// The time a whole call may take, its attempts and the waits between them
    /// included (waits for SystmOne's throttle are not) [default: room for 3 attempts,
    /// 3 x --timeout + 3 s]. A write waits this long for its one answer.
    #[arg(long, global = true, env = "SYSTMONE_CALL_TIMEOUT", value_name = "SECONDS", value_parser = parse_duration)]
    pub call_timeout: Option<Duration>,
    /// How long a first request waits for SystmOne's user to approve this device (the
    /// prompt SystmOne shows for a new device), in seconds; then exit code 9.
    #[arg(
        long,
        global = true,
        env = "SYSTMONE_APPROVAL_WAIT",
        value_name = "SECONDS",
        value_parser = parse_duration,
        default_value = "300"
    )]
    pub approval_wait: Duration,
    /// The largest document accepted, in bytes: a response from SystmOne, and any file
    /// read (a saved document, a request, a template, a list of numbers) [default:
    /// 67108864, 64 MiB].
    #[arg(
        long,
        global = true,
        env = "SYSTMONE_MAX_DOCUMENT_SIZE",
        value_name = "BYTES"
    )]
    pub max_document_size: Option<usize>,
    /// Output format [default: text on a terminal, xml otherwise].
    #[arg(short, long, global = true, env = "SYSTMONE_OUTPUT", value_enum)]
    pub output: Option<OutputFormat>,
    /// Append a JSON line per request to FILE (no patient data; the API key is never
    /// written).
    #[arg(long, global = true, env = "SYSTMONE_AUDIT", value_name = "FILE")]
    pub audit: Option<PathBuf>,
    /// Client pacing to SystmOne's throttle. `off` is for tests against a simulator
    /// started with `--throttle off`; a real SystmOne drops requests sent too fast.
    #[arg(
        long,
        global = true,
        env = "SYSTMONE_PACING",
        value_enum,
        default_value = "spec"
    )]
    pub pacing: PacingArg,
    /// More detail on stderr: -v shows the XML sent and received and error causes,
    /// -vv debug logs.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Only errors on stderr (no progress lines).
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Colour on stderr: auto (on a terminal, unless NO_COLOR is set), always, never.
    #[arg(
        long,
        global = true,
        env = "SYSTMONE_COLOR",
        value_enum,
        default_value = "auto",
        value_name = "WHEN"
    )]
    pub color: ColorArg,
    /// Take the options this profile of the config file sets (flags and environment
    /// variables override it).
    #[arg(long, global = true, env = "SYSTMONE_PROFILE", value_name = "NAME")]
    pub profile: Option<String>,
    /// The config file holding the profiles [default: config.toml in the directory of
    /// the Device ID file, e.g. ~/.config/systmone/config.toml].
    #[arg(long, global = true, env = "SYSTMONE_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// The limits the client paces to. `spec` keeps a small guard (50 ms) over the documented
/// 1 s and 30 s: the pacer measures from when each request's last byte was written,
/// SystmOne from when it arrives, and a request arriving a moment early is dropped
/// without an answer (ERRATA E17).
pub fn pacing_limits(arg: PacingArg) -> PacingLimits {
    match arg {
        PacingArg::Spec => systmone_client::DEFAULT_PACING,
        PacingArg::Off => PacingLimits::off(),
    }
}

/// Reads a text file of at most `limit` bytes, saying how to raise the limit.
pub fn read_file(path: &std::path::Path, limit: usize) -> anyhow::Result<String> {
    systmone_core::file::read_text(path, limit).map_err(|e| match e {
        systmone_core::file::FileError::TooLarge { .. } => {
            anyhow::anyhow!("{e}; raise the limit with --max-document-size")
        }
        other => other.into(),
    })
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let (number, scale) = if let Some(ms) = t.strip_suffix("ms") {
        (ms, 0.001)
    } else if let Some(s) = t.strip_suffix('s') {
        (s, 1.0)
    } else {
        (t, 1.0)
    };
    let value: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a number of seconds (e.g. 30, 2.5, 500ms)"))?;
    if !(value > 0.0 && value.is_finite()) {
        return Err(format!("{text:?}: the timeout must be positive"));
    }
    Ok(Duration::from_secs_f64(value * scale))
}

impl GlobalOpts {
    /// The output format: as asked, else text on a terminal and XML otherwise.
    pub fn output(&self) -> OutputFormat {
        self.output.unwrap_or_else(|| {
            if std::io::stdout().is_terminal() {
                OutputFormat::Text
            } else {
                OutputFormat::Xml
            }
        })
    }

    /// The size limit of documents and files (`--max-document-size`).
    pub fn max_document_size(&self) -> usize {
        self.max_document_size
            .unwrap_or(systmone_core::file::DEFAULT_MAX_FILE_SIZE)
    }

    /// Reads a text file within the size limit (`--max-document-size`).
    pub fn read_file(&self, path: &std::path::Path) -> anyhow::Result<String> {
        read_file(path, self.max_document_size())
    }

    pub fn api_key(&self) -> anyhow::Result<String> {
        match &self.api_key {
            Some(k) if !k.trim().is_empty() => Ok(k.trim().to_string()),
            _ => anyhow::bail!(
                "no API key: pass --api-key KEY or set SYSTMONE_API_KEY (the simulator accepts the \
                 document's example keys, e.g. f31e26725b5491f2)"
            ),
        }
    }

    pub fn device_store(&self) -> Arc<dyn DeviceIdStore> {
        match &self.device_id_file {
            Some(path) => Arc::new(FileStore::at(path)),
            None => match FileStore::new() {
                Ok(store) => Arc::new(store),
                Err(e) => {
                    tracing::warn!(
                        "cannot find a place to keep the Device ID ({e}); it is kept for this run only"
                    );
                    Arc::new(MemoryStore::new())
                }
            },
        }
    }

    pub fn config(&self, api_key: String) -> ClientConfig {
        let mut config = ClientConfig::new(api_key);
        config.addr = self.addr.clone();
        if let Some(v) = &self.device_version {
            config.device_version = v.clone();
        }
        if let Some(timeout) = self.timeout {
            config.response_timeout = timeout;
        }
        // Unset: room for every attempt (`ClientConfig::call_budget`).
        config.call_timeout = self.call_timeout;
        config.connect_timeout = config.connect_timeout.min(config.response_timeout);
        config.max_document_size = self.max_document_size();
        config.pacing = pacing_limits(self.pacing);
        config.approval_wait = self.approval_wait;
        config
    }

    /// The file that shares pacing with other `systmone` processes talking to the same
    /// address: beside the Device ID file. None with `--pacing off`.
    pub fn pacing_file(&self) -> Option<PacingFile> {
        if self.pacing == PacingArg::Off {
            return None;
        }
        Some(PacingFile::in_dir(&self.device_id_dir()?, &self.addr))
    }

    /// The file keeping the GetFunctions answer for `--addr` (an hour), beside the
    /// Device ID file: a command then sends its one request without negotiating first.
    pub fn negotiation_file(&self) -> Option<NegotiationFile> {
        Some(NegotiationFile::in_dir(&self.device_id_dir()?, &self.addr))
    }

    /// The directory of the Device ID file, where the files kept per address go.
    fn device_id_dir(&self) -> Option<PathBuf> {
        let device_id_file = match &self.device_id_file {
            Some(path) => path.clone(),
            None => FileStore::default_path()?,
        };
        Some(match device_id_file.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        })
    }

    /// The pacing observer: a progress line on stderr unless quiet.
    pub fn pacing_printer(&self) -> PacingObserver {
        let quiet = self.quiet;
        Arc::new(move |wait: &PacingWait<'_>| {
            crate::progress::note_pacing_wait(wait.wait);
            if !quiet {
                eprintln!("  … {wait}");
            }
        })
    }

    /// A client with these options.
    pub fn client(&self, observer: Option<PacingObserver>) -> anyhow::Result<Client> {
        // Before anything is sent (and before the API key is asked for).
        systmone_transport::addr::check_host_port(&self.addr)
            .map_err(|e| anyhow::anyhow!("--addr: {e}"))?;
        crate::progress::note_pacing_off(self.pacing == PacingArg::Off);
        let config = self.config(self.api_key()?);
        let quiet = self.quiet;
        let mut builder = Client::builder(config)
            .device_store(self.device_store())
            .on_pacing_wait(observer.unwrap_or_else(|| self.pacing_printer()))
            .on_approval_wait(Arc::new(move |wait: &ApprovalWait<'_>| {
                crate::progress::note_approval_wait();
                if !quiet {
                    eprintln!("  … {wait}; see --approval-wait");
                }
            }));
        if let Some(file) = self.pacing_file() {
            builder = builder.pacing_file(file);
        }
        if let Some(file) = self.negotiation_file() {
            builder = builder.negotiation_file(file);
        }
        if let Some(path) = &self.audit {
            let log = AuditLog::open(path, AuditDetail::Redacted)
                .with_context(|| format!("cannot open the audit log {}", path.display()))?;
            builder = builder.audit(log);
        }
        Ok(builder.build()?)
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start a simulator in-process and walk through the interface (under a minute).
    #[command(
        after_help = "Example:\n  systmone demo\n  systmone demo -v    # also show every XML document"
    )]
    Demo(DemoArgs),
    /// Call any function, with parameters from flags or from a request file.
    #[command(
        long_about = "Call any function. Parameters are given as --param Name=Value, nested with '/', \
attributes as Path@Name=Value, and an empty value for a presence flag; or as a request \
document with --xml FILE (its header is replaced: API key, Device ID and RequestUID come \
from the options and the Device ID store). The request is checked with the bindings \
before anything is sent.\n\nExit codes: 0 success, 2 error response (message on stderr), \
3 transport or protocol failure, 4 a write's outcome is unknown, 8 the response is for \
another patient than the one the request names (refused).",
        after_help = "Examples:\n  systmone call GetFunctions\n  systmone call GetPatientRecord --param Identity/NHSNumber=4667633050 --param Filter/Demographics=\n  systmone call UpdatePatientRecord --param Identity/NHSNumber=6343800514 \\\n      --param Clinical/Event/ClinicalCode/Code@Scheme=CTV3 --param Clinical/Event/ClinicalCode/Code@Code=X505K\n  systmone call GetDocument --xml saved-request.xml"
    )]
    Call(CallArgs),
    /// Read a saved request or response, detect its function and version, summarise it.
    #[command(
        after_help = "Examples:\n  systmone parse tests/fixtures/GetPatientRecord/v1.0/response.xml\n  systmone parse --roundtrip tests/fixtures/PatientSearch/v1.0/request.xml"
    )]
    Parse(ParseArgs),
    /// Fill an XML template in the vendor's format (@Name, @Name|A|B) and print or send it.
    #[command(
        long_about = "Fill an XML template in the vendor's format: values written @Name are \
parameters, @Name|A|B lists the allowed values. Unknown names, missing values and values \
outside the alternatives are refused. @APIKey, @DeviceID, @DeviceVersion and @RequestUID \
are filled from the options and the Device ID store when not given with --set.",
        after_help = "Examples:\n  systmone template tests/fixtures/templates/GetCurrentActivity.template.xml --api-key f31e26725b5491f2\n  systmone template status.xml --set NewStatus=Arrived --send"
    )]
    Template(TemplateArgs),
    /// Run the simulated SystmOne client (same options as systmone-sim).
    #[command(
        after_help = "Examples:\n  systmone sim\n  systmone sim --port 0 --throttle off --approve auto\n  systmone sim --fault drop@3 --seed 7"
    )]
    Sim(systmone_sim::cli::SimArgs),
    /// Sit between an integration and SystmOne: forward byte for byte, record (masked),
    /// report drift.
    #[command(
        after_help = "Examples:\n  systmone proxy --listen 127.0.0.1:40701 --upstream 127.0.0.1:40700 --record rec/\n  systmone sim --replay rec/ --replay-fallback practice"
    )]
    Proxy(ProxyArgs),
    /// Turn a masked proxy recording into fixture files.
    #[command(after_help = "Example:\n  systmone fixtures import rec/ --into tests/fixtures")]
    Fixtures(FixturesArgs),
    /// GetFunctions: the functions and versions SystmOne supports.
    #[command(after_help = "Example:\n  systmone functions")]
    Functions,
    /// GetOrganisationMetaData: sites, users, slot and clinic types.
    #[command(after_help = "Example:\n  systmone org --logged-on-user-only")]
    Org(OrgArgs),
    /// PatientSearch: at least two of the fields.
    #[command(after_help = "Example:\n  systmone search --surname Swift --dob 1933-01-01")]
    Search(SearchArgs),
    /// GetPatientRecord: all or part of a record (one full record per 30 s; demographics
    /// only, or entered today, are exempt).
    #[command(
        after_help = "Examples:\n  systmone record 7835438275 --demographics\n  systmone record 7835438275 --min-entry-date 2024-05-01 --max-entry-date 2024-05-01 --clinical-codes\n  systmone record 0001980947 --pseudo --medication"
    )]
    Record(RecordArgs),
    /// GetAppointmentSlots: free slots.
    #[command(
        after_help = "Example:\n  systmone slots --from 2024-05-01T08:00:00 --to 2024-05-08T18:00:00 --clinic-type Session"
    )]
    Slots(SlotsArgs),
    /// GetDiary: up-coming appointments and visits.
    #[command(after_help = "Example:\n  systmone diary --from 2024-05-01T00:00:00 --appointments")]
    Diary(DiaryArgs),
    /// UpdatePatientRecord: book an appointment in a free slot, with the patient's
    /// reason and a flag (F18). Booked only when SystmOne answers with its
    /// AppointmentUID (else exit 4: look at the diary before booking again).
    #[command(
        after_help = "Examples:\n  systmone book 7835438275 --user dlittler2405 --site 'The Real Surgery' \\\n      --clinic-type Session --slot-type Slot --start 2024-05-02T09:00:00 --duration 10\n  systmone book 7835438275 --user dlittler2405 --site 'The Real Surgery' --clinic-type Session \\\n      --start 2014-07-15T13:00:00 --flag 'Booked via Touch Screen' --reason 'Sore throat for a week'"
    )]
    Book(BookArgs),
    /// UpdatePatientRecord: record a coded reading (blood pressure, height, weight): a
    /// ClinicalCode with its Value and Units (F15).
    #[command(after_help = crate::kiosk::READING_HELP)]
    Reading(crate::kiosk::ReadingArgs),
    /// UpdatePatientRecord: mark a patient arrived for an appointment (F18).
    #[command(after_help = crate::kiosk::ARRIVE_HELP)]
    Arrive(crate::kiosk::ArriveArgs),
    /// UpdatePatientRecord: add questionnaire answers: coded answers with their text,
    /// and one Narrative per answer line of at most 200 characters (F18).
    #[command(after_help = crate::kiosk::ANSWERS_HELP)]
    Answers(crate::kiosk::AnswersArgs),
    /// GetDocument: write a letter's or attachment's file into a directory.
    #[command(
        after_help = "Examples:\n  systmone document 6640569094 4093400000000000 --write-to 'C:\\Letters'\n  systmone document 6640569094 4093400000000000 --write-to .    # the simulator's --root"
    )]
    Document(DocumentArgs),
    /// Fetch many records under the throttle, resumably, one file per NHS number.
    #[command(
        long_about = "Fetch the record of every NHS number in a file (one per line; blank lines \
and lines starting with # are skipped) under SystmOne's throttle, with a progress bar and \
ETA. Each record is written as it arrives to DIR/<NHS>.xml (atomically: a temporary file, \
then a rename). A number whose file exists is skipped, so an interrupted run can be \
started again without fetching twice what is saved (and the temporary files it left are \
removed). Only one extract writes into a directory at a time.\n\nA response for another \
patient than the number asked for is never saved: it is refused, recorded in \
DIR/refusals.jsonl (both numbers and the RequestUID), and the run goes on with the next \
number and exits 8.",
        after_help = "Example:\n  systmone extract --nhs-file numbers.txt --out records/ --demographics"
    )]
    Extract(ExtractArgs),
    /// Compare the functions the SystmOne client supports (GetFunctions) with the bindings
    /// this tool ships: a table with a verdict per function. Exit 5 when a binding we
    /// ship is not supported.
    #[command(
        after_help = "Example:\n  systmone compat\n  systmone --output json compat   # for CI"
    )]
    Compat,
    /// Run the conformance kit: a catalogue of scenarios (read-only unless
    /// --allow-writes), each response read strictly and tolerantly; pass, drift, fail or
    /// skipped per scenario. Exit 0 passed, 6 drift only, 7 failures.
    #[command(after_help = CONFORMANCE_AFTER_HELP)]
    Conformance(ConformanceArgs),
    /// Describe a function's parameters (or, with --response, its result) from the
    /// schema: every element and attribute with its type, occurrence and documentation.
    #[command(
        long_about = "Describe a function's parameters (or, with --response, its result) as our \
schemas declare them: every element and attribute, indented, with its type (and the form \
a value takes: a date is YYYY-MM-DD), whether it is required, optional or repeated, and the \
first sentence of its documentation with the errata (E) and field evidence (F) it cites. \
PATH shows one element (or attribute, Path@Name) and what is below it; a path to a value \
shows it in full. --param names for `call` are these paths.",
        after_help = "Examples:\n  systmone describe GetAppointmentSlots\n  systmone describe UpdatePatientRecord Clinical/Event/Vaccination\n  systmone describe PatientSearch DateOfBirth\n  systmone describe GetPatientRecord --response Demographics\n  systmone -o json describe PatientSearch"
    )]
    Describe(DescribeArgs),
    /// Print a shell completion script.
    #[command(
        after_help = "Examples:\n  systmone completions bash > ~/.local/share/bash-completion/completions/systmone\n  systmone completions zsh > ~/.zfunc/_systmone\n  systmone completions fish > ~/.config/fish/completions/systmone.fish"
    )]
    Completions(CompletionsArgs),
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// The global options (by id) each command that does not use them leaves out of its
/// help: they are still accepted (a shared SYSTMONE_* environment must not break
/// them), just not shown.
const NOT_USED_BY: [(&str, &[&str]); 7] = [
    ("parse", &CONNECTION_OPTIONS),
    ("describe", &DESCRIBE_HIDDEN),
    // `systmone sim --audit FILE` is the simulator's own option (its journal to a
    // file), as `systmone-sim --audit FILE`.
    ("sim", &SIM_HIDDEN),
    (
        "demo",
        &[
            "addr",
            "api_key",
            "device_id_file",
            "device_version",
            "output",
            "profile",
            "config",
            "max_document_size",
        ],
    ),
    ("completions", &ALL_BUT_LOGGING),
    ("proxy", &ALL_BUT_LOGGING),
    ("fixtures", &ALL_BUT_LOGGING),
];

/// The options about reaching SystmOne.
const CONNECTION_OPTIONS: [&str; 11] = [
    "approval_wait",
    "addr",
    "api_key",
    "device_id_file",
    "device_version",
    "timeout",
    "call_timeout",
    "audit",
    "pacing",
    "profile",
    "config",
];

/// `describe` reads the bindings' schema model only: of the global options it uses
/// --output (and the logging ones).
const DESCRIBE_HIDDEN: [&str; 12] = [
    "approval_wait",
    "addr",
    "api_key",
    "device_id_file",
    "device_version",
    "timeout",
    "call_timeout",
    "audit",
    "pacing",
    "profile",
    "config",
    "max_document_size",
];

const ALL_BUT_LOGGING: [&str; 13] = [
    "approval_wait",
    "profile",
    "config",
    "addr",
    "api_key",
    "device_id_file",
    "device_version",
    "timeout",
    "call_timeout",
    "max_document_size",
    "audit",
    "pacing",
    "output",
];

/// The global options `systmone sim` leaves out: all but the logging ones and
/// `audit`, which it has an option of its own for.
const SIM_HIDDEN: [&str; 12] = [
    "approval_wait",
    "profile",
    "config",
    "addr",
    "api_key",
    "device_id_file",
    "device_version",
    "timeout",
    "call_timeout",
    "max_document_size",
    "pacing",
    "output",
];

/// The command line's definition, with the global options hidden where they do not
/// apply.
pub fn command() -> clap::Command {
    use clap::CommandFactory;
    hide_unused(Cli::command())
}

/// The command line's definition with no option read from the environment: for
/// reporting a usage error, since clap's usage line names every option given a value,
/// and one set through a `SYSTMONE_*` variable then reads as if it were required
/// (`Usage: systmone record --addr <ADDR> --api-key <API_KEY> <NHS_NUMBER>`).
pub fn command_without_env() -> clap::Command {
    use clap::CommandFactory;
    hide_unused(Cli::command().mut_args(|arg| arg.env(None)))
}

/// `cmd` with the global options hidden where they do not apply.
fn hide_unused(mut cmd: clap::Command) -> clap::Command {
    let globals: Vec<clap::Arg> = cmd
        .get_arguments()
        .filter(|a| a.is_global_set())
        .cloned()
        .collect();
    // clap copies a global option into each subcommand when it builds the command,
    // unless the subcommand already has one with that id: a hidden copy, added here.
    for (name, ids) in NOT_USED_BY {
        cmd = cmd.mut_subcommand(name, |mut sub| {
            for arg in globals
                .iter()
                .filter(|a| ids.contains(&a.get_id().as_str()))
            {
                sub = sub.arg(arg.clone().hide(true));
            }
            sub
        });
    }
    cmd
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Keep the simulator's directory (documents written by GetDocument) and print where.
    #[arg(long)]
    pub keep: bool,
}

#[derive(Debug, Args)]
pub struct DescribeArgs {
    /// The function, e.g. GetAppointmentSlots (case-insensitive).
    #[arg(value_parser = crate::completion::functions(), hide_possible_values = true)]
    pub function: String,
    /// An element below the parameters (or the result), e.g. Clinical/Event/Vaccination;
    /// an attribute as Path@Name.
    #[arg(value_parser = crate::completion::elements(), hide_possible_values = true)]
    pub path: Option<String>,
    /// The result of a successful response instead of the parameters.
    #[arg(long)]
    pub response: bool,
    /// The function version (default: the newest the bindings include).
    #[arg(long, value_name = "VERSION")]
    pub version: Option<String>,
}

#[derive(Debug, Args)]
pub struct CallArgs {
    /// The function, e.g. GetPatientRecord (case-insensitive).
    #[arg(value_parser = crate::completion::functions(), hide_possible_values = true)]
    pub function: String,
    /// The function version (default: the newest the bindings include).
    #[arg(long, value_name = "VERSION")]
    pub version: Option<String>,
    /// A parameter, Name=Value (nested with '/', attribute with '@', empty for a flag;
    /// `systmone describe FUNCTION` lists the names).
    #[arg(long = "param", short = 'p', value_name = "NAME=VALUE", value_parser = crate::completion::parameters(), hide_possible_values = true)]
    pub params: Vec<String>,
    /// A request document to send instead (its header is filled in).
    #[arg(long, value_name = "FILE", conflicts_with = "params")]
    pub xml: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ParseArgs {
    /// A saved request or response document.
    pub file: PathBuf,
    /// Print the document as the bindings write it back.
    #[arg(long)]
    pub roundtrip: bool,
    /// Refuse anything the bindings do not describe (unknown or misplaced elements and
    /// attributes, unlisted values), naming its path: for conformance testing.
    #[arg(long)]
    pub strict: bool,
    /// List every departure from the bindings (the drift report) instead of the summary:
    /// what tells a maintainer that SystmOne changed and the bindings need regenerating.
    #[arg(long)]
    pub drift: bool,
    /// With --drift: print the report as JSON.
    #[arg(long, requires = "drift")]
    pub json: bool,
    #[command(flatten)]
    pub fhir: FhirArgs,
}

#[derive(Debug, Args)]
pub struct TemplateArgs {
    /// The template file.
    pub file: PathBuf,
    /// A value for a parameter, Name=Value (repeatable).
    #[arg(long = "set", short = 's', value_name = "NAME=VALUE")]
    pub set: Vec<String>,
    /// Send the filled document and print the response.
    #[arg(long)]
    pub send: bool,
}

#[derive(Debug, Args)]
pub struct OrgArgs {
    /// Only the logged-on user.
    #[arg(long)]
    pub logged_on_user_only: bool,
}

/// At least two fields: SystmOne refuses a search on fewer.
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// The patient's surname.
    #[arg(long)]
    pub surname: Option<String>,
    /// The patient's first name.
    #[arg(long)]
    pub first_name: Option<String>,
    /// Date of birth, YYYY-MM-DD.
    #[arg(long, value_name = "DATE")]
    pub dob: Option<String>,
    /// Postcode, e.g. 'LS18 5TN'.
    #[arg(long)]
    pub postcode: Option<String>,
    /// Telephone number.
    #[arg(long)]
    pub telephone: Option<String>,
    /// Gender: M, F, U or I.
    #[arg(long)]
    pub gender: Option<String>,
}

/// Every filter of GetPatientRecord. No filter: the whole record.
#[derive(Debug, Args, Default, Clone)]
pub struct RecordFilter {
    /// Events effective on or after this date (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub min_effective_date: Option<String>,
    /// Events effective on or before this date (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub max_effective_date: Option<String>,
    /// Entered on or after this date. Min and max entry date both today are exempt
    /// from the 30-second throttle.
    #[arg(long, value_name = "DATE")]
    pub min_entry_date: Option<String>,
    /// Entered on or before this date (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub max_entry_date: Option<String>,
    /// Shorthand for --min-entry-date and --max-entry-date today.
    #[arg(long)]
    pub entered_today: bool,
    /// Appointments.
    #[arg(long)]
    pub appointments: bool,
    /// Care plans.
    #[arg(long)]
    pub care_plans: bool,
    /// Demographics (alone: exempt from the 30-second throttle).
    #[arg(long)]
    pub demographics: bool,
    /// Clinical codes.
    #[arg(long)]
    pub clinical_codes: bool,
    /// Only this clinical code (repeatable).
    #[arg(long, value_name = "CODE")]
    pub clinical_code: Vec<String>,
    /// Letters (with their DocumentUIDs, for `systmone document`).
    #[arg(long)]
    pub letters: bool,
    /// Medication.
    #[arg(long)]
    pub medication: bool,
    /// Drug sensitivities and allergies.
    #[arg(long)]
    pub sensitivities: bool,
    /// Recalls.
    #[arg(long)]
    pub recalls: bool,
    /// Referrals.
    #[arg(long)]
    pub referrals: bool,
    /// Relationships.
    #[arg(long)]
    pub relationships: bool,
    /// Test results.
    #[arg(long)]
    pub results: bool,
    /// Vaccinations.
    #[arg(long)]
    pub vaccinations: bool,
    /// Numeric values of this code (repeatable).
    #[arg(long, value_name = "CODE")]
    pub numeric: Vec<String>,
    /// Reminders.
    #[arg(long)]
    pub reminders: bool,
    /// Activity.
    #[arg(long)]
    pub activity: bool,
    /// Attachments (with their DocumentUIDs).
    #[arg(long)]
    pub attachments: bool,
    /// Free-text narrative.
    #[arg(long)]
    pub narrative: bool,
    /// Visits.
    #[arg(long)]
    pub visits: bool,
    /// Tasks.
    #[arg(long)]
    pub tasks: bool,
    /// Only entries done by this user (repeatable).
    #[arg(long, value_name = "USER")]
    pub user_name_done_by: Vec<String>,
}

#[derive(Debug, Args)]
pub struct RecordArgs {
    /// The patient's NHS number (or pseudo number with --pseudo).
    pub nhs_number: String,
    /// The number is a pseudo number.
    #[arg(long)]
    pub pseudo: bool,
    /// Leave the record open in SystmOne afterwards.
    #[arg(long)]
    pub leave_record_open: bool,
    #[command(flatten)]
    pub filter: RecordFilter,
    #[command(flatten)]
    pub fhir: FhirArgs,
}

#[derive(Debug, Args)]
pub struct SlotsArgs {
    /// From (YYYY-MM-DDTHH:MM:SS; default now).
    #[arg(long, value_name = "DATETIME")]
    pub from: Option<String>,
    /// To (default: a week after --from).
    #[arg(long, value_name = "DATETIME")]
    pub to: Option<String>,
    /// Only this clinician's slots (a user name from `systmone org`; repeatable).
    #[arg(long)]
    pub user: Vec<String>,
    /// Only slots at this site (repeatable).
    #[arg(long)]
    pub site: Vec<String>,
    /// Only slots of this clinic type, e.g. Session (repeatable).
    #[arg(long)]
    pub clinic_type: Vec<String>,
    /// Only slots of this slot type, e.g. Slot (repeatable).
    #[arg(long)]
    pub slot_type: Vec<String>,
}

#[derive(Debug, Args)]
pub struct DiaryArgs {
    /// From (YYYY-MM-DDTHH:MM:SS; default now).
    #[arg(long, value_name = "DATETIME")]
    pub from: Option<String>,
    /// To (default: a week after --from).
    #[arg(long, value_name = "DATETIME")]
    pub to: Option<String>,
    /// Only this user's diary (repeatable).
    #[arg(long)]
    pub user: Vec<String>,
    /// Only this site (repeatable).
    #[arg(long)]
    pub site: Vec<String>,
    /// Appointments (neither flag: both).
    #[arg(long)]
    pub appointments: bool,
    /// Visits (neither flag: both).
    #[arg(long)]
    pub visits: bool,
}

#[derive(Debug, Args)]
pub struct BookArgs {
    /// The patient's NHS number.
    pub nhs_number: String,
    /// The clinic's user name (from `systmone slots`).
    #[arg(long)]
    pub user: String,
    /// The slot's site (from `systmone slots`).
    #[arg(long)]
    pub site: String,
    /// The slot's clinic type (from `systmone slots`).
    #[arg(long)]
    pub clinic_type: String,
    /// The slot's type.
    #[arg(long, default_value = "Slot")]
    pub slot_type: String,
    /// The slot's start, YYYY-MM-DDTHH:MM:SS.
    #[arg(long)]
    pub start: String,
    /// The slot's length in minutes.
    #[arg(long, default_value = "10", value_name = "MINUTES")]
    pub duration: String,
    /// The reason the patient gave, written as the appointment's Comments (F18).
    #[arg(long, visible_alias = "comments", value_name = "TEXT")]
    pub reason: Option<String>,
    /// A flag shown on the appointment, e.g. 'Booked via Touch Screen' (F18).
    #[arg(long, value_name = "TEXT")]
    pub flag: Option<String>,
}

#[derive(Debug, Args)]
pub struct DocumentArgs {
    /// The patient's NHS number.
    pub nhs_number: String,
    /// The DocumentUID of a letter or attachment (from `systmone record --letters`).
    pub document_uid: String,
    /// The directory SystmOne writes the file into, on the SystmOne machine. The
    /// simulator writes only inside its --root (a temporary directory unless given,
    /// printed when it starts); a relative DIR, such as `.`, is taken from there.
    #[arg(long, value_name = "DIR")]
    pub write_to: String,
    /// Leave the record open in SystmOne afterwards.
    #[arg(long)]
    pub leave_record_open: bool,
}

#[derive(Debug, Args)]
pub struct ExtractArgs {
    /// A file with one NHS number per line.
    #[arg(long, value_name = "FILE")]
    pub nhs_file: PathBuf,
    /// The directory to write <NHS>.xml files into.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    #[command(flatten)]
    pub filter: RecordFilter,
    #[command(flatten)]
    pub fhir: FhirArgs,
}

/// A document format other than the response's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DocumentFormat {
    /// A FHIR R4 (4.0.1) Bundle of type collection, following UK Core, as JSON.
    Fhir,
}

/// The options `record`, `parse` and `extract` share for FHIR output.
#[derive(Debug, Args)]
pub struct FhirArgs {
    /// `fhir`: print a FHIR R4 (UK Core) Bundle (for extract: write <NHS>.fhir.json
    /// and <NHS>.fhir-report.json beside each record). Takes precedence over --output.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<DocumentFormat>,
    /// With --format fhir (record, parse): write the mapping report (what the Bundle
    /// does not carry, with the values: patient data) to FILE as JSON. Extract writes
    /// one beside each record.
    #[arg(long, value_name = "FILE", requires = "format")]
    pub fhir_report: Option<PathBuf>,
}

impl FhirArgs {
    pub fn wanted(&self) -> bool {
        self.format == Some(DocumentFormat::Fhir)
    }
}

/// `systmone conformance`'s options.
#[derive(Debug, Args)]
pub struct ConformanceArgs {
    /// The test patients file: a `[roles]` table mapping has-medication, has-problems,
    /// has-appointments and has-documents to this practice's NHS numbers
    /// (`systmone sim --test-patients` prints the simulator's). Without it the
    /// scenarios that need a patient are skipped.
    #[arg(long, value_name = "FILE", env = "SYSTMONE_TEST_PATIENTS")]
    pub test_patients: Option<PathBuf>,
    /// Also run the write scenarios (book then cancel a slot, add then delete a coded
    /// entry) on the test patients only, undoing what they add.
    #[arg(long, requires = "test_patients")]
    pub allow_writes: bool,
    /// Write the report as JSON: per scenario its reference, the request and response
    /// documents, outcome, drift and elapsed time.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Write the report as JUnit XML, for CI servers.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Keep patient data (names, addresses, dates of birth, NHS numbers, free text) in
    /// the JSON report and the resume file; it is masked by default.
    #[arg(long)]
    pub include_payloads: bool,
    /// The resume file: each result is added to it as it is known; run again with the
    /// same file to go on where an interrupted run stopped (delete it to start afresh).
    #[arg(long, value_name = "FILE")]
    pub resume: Option<PathBuf>,
}

/// `systmone conformance`'s help text after the options.
pub const CONFORMANCE_AFTER_HELP: &str = "\
Exit codes: 0 every scenario passed (or was skipped); 6 drift only (the responses read
tolerantly but not strictly: SystmOne changed, regenerate the bindings); 7 at least one
scenario failed; 4 a write's outcome is unknown (the run stopped: check the RequestUID
named); 1 usage or local error.

Examples:
  systmone sim --test-patients > patients.toml && systmone sim &
  systmone conformance --test-patients patients.toml
  systmone conformance --test-patients patients.toml --allow-writes --json report.json --junit junit.xml
  systmone conformance --test-patients patients.toml --resume conformance.state";

/// The proxy's options.
#[derive(Debug, Args)]
pub struct ProxyArgs {
    /// Where the integration connects instead of SystmOne (localhost: 127.0.0.1). A
    /// non-loopback address needs --allow-remote.
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:40701", value_parser = systmone_transport::addr::parse_socket_addr)]
    pub listen: SocketAddr,
    /// The SystmOne client's interface (localhost: 127.0.0.1). A non-loopback address
    /// needs --allow-remote.
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:40700", value_parser = systmone_transport::addr::parse_socket_addr)]
    pub upstream: SocketAddr,
    /// Allow non-loopback addresses (the traffic carries patient data).
    #[arg(long)]
    pub allow_remote: bool,
    /// Record every exchange into DIR (request, response and a JSON file of timing,
    /// RequestUID and function per exchange; summary.json when the proxy stops).
    #[arg(long, value_name = "DIR")]
    pub record: Option<PathBuf>,
    /// Keep free text (Narrative lines, comments, task content) in the recording;
    /// identifiers found elsewhere are still replaced inside it.
    #[arg(long, requires = "record")]
    pub keep_free_text: bool,
    /// Write patient data as received (the API key is still never written).
    #[arg(long, requires = "record", conflicts_with = "keep_free_text")]
    pub no_mask: bool,
}

/// The fixtures commands.
#[derive(Debug, Args)]
pub struct FixturesArgs {
    #[command(subcommand)]
    pub command: FixturesCommand,
}

#[derive(Debug, Subcommand)]
pub enum FixturesCommand {
    /// Copy a masked recording's documents to <INTO>/<Function>/v<Version>/recorded-NNNNNN.*.xml,
    /// with a line per file in each function's NOTES.md.
    Import {
        /// The recording (`systmone proxy --record DIR`).
        dir: PathBuf,
        /// The fixtures tree.
        #[arg(long, value_name = "DIR", default_value = "tests/fixtures")]
        into: PathBuf,
    },
}
