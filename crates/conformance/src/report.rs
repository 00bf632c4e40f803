//! Results and reports: the text table, JSON (`--json`) and JUnit XML (`--junit`).

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

/// Exit code: every scenario passed (or was skipped).
pub const EXIT_PASSED: u8 = 0;
/// Exit code: a write was sent but its outcome is unknown; the run stopped (check the
/// RequestUID named in the report before anything else).
pub const EXIT_OUTCOME_UNKNOWN: u8 = 4;
/// Exit code: no failure, but at least one scenario drifted (tolerant reading
/// succeeded where strict reading did not): SystmOne changed; regenerate the bindings.
pub const EXIT_DRIFT: u8 = 6;
/// Exit code: at least one scenario failed (error, wrong shape, timeout).
pub const EXIT_FAILED: u8 = 7;

/// Where the facts a scenario's `refs` cite are explained: E-numbers (the interface
/// document's contradictions) and F-numbers (what real SystmOne clients do) each have an
/// entry in the repository's own documentation. Every report says so.
pub const REFERENCES: &str = "E-numbers are explained in docs/errata.md, F-numbers in \
     docs/field-evidence.md (in the systmone repository)";

/// A scenario's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Every response read strictly, and held what the scenario checks.
    Pass,
    /// Every response read tolerantly, but not strictly: the drift lists why.
    Drift,
    /// An error response, a wrong shape, a timeout, an unreadable response.
    Fail,
    /// Not run: the function is not advertised, or the practice lacks the data.
    Skipped,
}

impl Outcome {
    /// The word shown in the table.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Drift => "drift",
            Outcome::Fail => "fail",
            Outcome::Skipped => "skipped",
        }
    }
}

/// One departure from the bindings (no values, except an unknown enumeration value,
/// which is the departure itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DriftEntry {
    /// What kind of departure (`unknown element`, `new function version`, ...).
    pub kind: String,
    /// Where: an element path such as `Response/Demographics/PreferredPronouns`, a
    /// function version, or a schema path.
    pub path: String,
    /// How many times it was seen.
    pub count: u64,
    /// The value, for an unknown enumeration value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// One request sent and what came back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExchangeRecord {
    /// The function and version called.
    pub function: String,
    /// The function version.
    pub version: String,
    /// The RequestUID sent (SystmOne's audit trail knows the request by it).
    pub request_uid: String,
    /// The request document (API key masked; patient data masked unless payloads
    /// were asked for).
    pub request: String,
    /// The response document, when one arrived (masked likewise).
    pub response: Option<String>,
    /// Milliseconds from sending to the response (pacing waits included).
    pub elapsed_ms: u64,
}

/// A scenario's result in full.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScenarioResult {
    /// The scenario's id (`record-medication`, ...).
    pub id: String,
    /// What it checks, in a line.
    pub title: String,
    /// The document's section it checks.
    pub section: String,
    /// The errata (E..) and field evidence (F..) it checks ([`REFERENCES`]).
    pub refs: Vec<String>,
    /// The result.
    pub outcome: Outcome,
    /// Why it failed or was skipped (no patient data).
    pub reason: Option<String>,
    /// The departures, for drift.
    pub drift: Vec<DriftEntry>,
    /// Milliseconds the scenario took.
    pub elapsed_ms: u64,
    /// What was sent and received.
    pub exchanges: Vec<ExchangeRecord>,
}

/// A whole run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    /// The address tested.
    pub target: String,
    /// Whether writes were allowed.
    pub writes: bool,
    /// Whether the documents hold patient data unmasked.
    pub payloads_included: bool,
    /// The duration announced before the run, in seconds.
    pub estimated_seconds: f64,
    /// The run's real duration, in seconds (this invocation; a resumed run's earlier
    /// part not counted).
    pub elapsed_seconds: f64,
    /// Why the run stopped early, if it did (an unknown write outcome).
    pub stopped: Option<String>,
    /// Every scenario's result, in catalogue order.
    pub results: Vec<ScenarioResult>,
}

impl RunReport {
    /// How many scenarios ended in `outcome`.
    pub fn count(&self, outcome: Outcome) -> usize {
        self.results.iter().filter(|r| r.outcome == outcome).count()
    }

    /// The exit code: [`EXIT_OUTCOME_UNKNOWN`], [`EXIT_FAILED`], [`EXIT_DRIFT`] or
    /// [`EXIT_PASSED`], the first that applies.
    pub fn exit_code(&self) -> u8 {
        if self.stopped.is_some() {
            EXIT_OUTCOME_UNKNOWN
        } else if self.count(Outcome::Fail) > 0 {
            EXIT_FAILED
        } else if self.count(Outcome::Drift) > 0 {
            EXIT_DRIFT
        } else {
            EXIT_PASSED
        }
    }

    /// The text table (scenario, result, time, drift count), then each drift path,
    /// each failure's and skip's reason, and the totals.
    pub fn to_table(&self) -> String {
        let width = self
            .results
            .iter()
            .map(|r| r.id.len())
            .max()
            .unwrap_or(8)
            .max(8);
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{:<width$}  {:<7}  {:>8}  {:>5}  reference",
            "scenario", "result", "time", "drift"
        );
        for r in &self.results {
            let _ = writeln!(
                out,
                "{:<width$}  {:<7}  {:>7.2}s  {:>5}  {}{}",
                r.id,
                r.outcome.as_str(),
                r.elapsed_ms as f64 / 1000.0,
                r.drift.len(),
                r.section,
                if r.refs.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", r.refs.join(", "))
                }
            );
        }
        for r in &self.results {
            if let Some(reason) = &r.reason {
                let _ = writeln!(out, "\n{} {}: {reason}", r.id, r.outcome.as_str());
            }
            if !r.drift.is_empty() {
                let _ = writeln!(out, "\n{} drift:", r.id);
                for d in &r.drift {
                    let value = d
                        .value
                        .as_deref()
                        .map(|v| format!(" \"{v}\""))
                        .unwrap_or_default();
                    let _ = writeln!(out, "  {} at {}{value} (x{})", d.kind, d.path, d.count);
                }
            }
        }
        if let Some(stopped) = &self.stopped {
            let _ = writeln!(out, "\nSTOPPED: {stopped}");
        }
        let _ = writeln!(
            out,
            "\n{} passed, {} drift, {} failed, {} skipped in {:.1} s (announced {:.1} s)",
            self.count(Outcome::Pass),
            self.count(Outcome::Drift),
            self.count(Outcome::Fail),
            self.count(Outcome::Skipped),
            self.elapsed_seconds,
            self.estimated_seconds
        );
        let _ = writeln!(out, "{REFERENCES}.");
        out
    }

    /// The report as JSON (what `--json FILE` writes), with `references` saying where
    /// the E- and F-numbers are explained.
    pub fn to_json(&self) -> String {
        let mut value = serde_json::to_value(self).expect("a report serializes");
        if let serde_json::Value::Object(fields) = &mut value {
            fields.insert("references".into(), REFERENCES.into());
        }
        serde_json::to_string_pretty(&value).expect("a report serializes")
    }

    /// The report as JUnit XML (what `--junit FILE` writes): one test case per
    /// scenario; drift and failures are failures (of types `drift` and `fail`),
    /// skipped scenarios are skipped.
    pub fn to_junit(&self) -> String {
        use xml::writer::{EmitterConfig, XmlEvent};
        let failures = (self.count(Outcome::Fail) + self.count(Outcome::Drift)).to_string();
        let skipped = self.count(Outcome::Skipped).to_string();
        let tests = self.results.len().to_string();
        let seconds = |ms: u64| format!("{:.3}", ms as f64 / 1000.0);
        let total_time = seconds(self.results.iter().map(|r| r.elapsed_ms).sum());
        let suite = clean(&format!("conformance {}", self.target));
        let mut out = Vec::new();
        let mut writer = EmitterConfig::new()
            .perform_indent(true)
            .create_writer(&mut out);
        let mut events = vec![
            XmlEvent::start_element("testsuites")
                .attr("name", "systmone conformance")
                .attr("tests", &tests)
                .attr("failures", &failures)
                .attr("errors", "0")
                .attr("skipped", &skipped)
                .attr("time", &total_time)
                .into(),
            XmlEvent::start_element("testsuite")
                .attr("name", &suite)
                .attr("tests", &tests)
                .attr("failures", &failures)
                .attr("errors", "0")
                .attr("skipped", &skipped)
                .attr("time", &total_time)
                .into(),
            XmlEvent::start_element("properties").into(),
            XmlEvent::start_element("property")
                .attr("name", "references")
                .attr("value", REFERENCES)
                .into(),
            XmlEvent::end_element().into(),
            XmlEvent::end_element().into(),
        ];
        // Owned text for each test case, borrowed by its events below.
        let cases: Vec<(String, String, String, String)> = self
            .results
            .iter()
            .map(|r| {
                let detail = match r.outcome {
                    Outcome::Drift => r
                        .drift
                        .iter()
                        .map(|d| format!("{} at {}", d.kind, d.path))
                        .collect::<Vec<_>>()
                        .join("\n"),
                    _ => String::new(),
                };
                let message = match r.outcome {
                    Outcome::Drift => format!("{} departure(s) from the bindings", r.drift.len()),
                    _ => r.reason.clone().unwrap_or_default(),
                };
                (
                    clean(&r.id),
                    seconds(r.elapsed_ms),
                    clean(&message).replace('\n', " "),
                    clean(&detail),
                )
            })
            .collect();
        for (r, (id, time, message, detail)) in self.results.iter().zip(&cases) {
            events.push(
                XmlEvent::start_element("testcase")
                    .attr("classname", "systmone.conformance")
                    .attr("name", id)
                    .attr("time", time)
                    .into(),
            );
            match r.outcome {
                Outcome::Pass => {}
                Outcome::Skipped => {
                    events.push(
                        XmlEvent::start_element("skipped")
                            .attr("message", message)
                            .into(),
                    );
                    events.push(XmlEvent::end_element().into());
                }
                Outcome::Fail | Outcome::Drift => {
                    let kind = if r.outcome == Outcome::Fail {
                        "fail"
                    } else {
                        "drift"
                    };
                    events.push(
                        XmlEvent::start_element("failure")
                            .attr("type", kind)
                            .attr("message", message)
                            .into(),
                    );
                    if !detail.is_empty() {
                        events.push(XmlEvent::characters(detail));
                    }
                    events.push(XmlEvent::end_element().into());
                }
            }
            events.push(XmlEvent::end_element().into());
        }
        events.push(XmlEvent::end_element().into());
        events.push(XmlEvent::end_element().into());
        for event in events {
            // Writing to memory fails only on a bug in the events (unbalanced).
            writer.write(event).expect("balanced JUnit events");
        }
        drop(writer);
        let mut text = String::from_utf8(out).expect("the writer writes UTF-8");
        text.push('\n');
        text
    }
}

/// `text` without the control characters XML cannot hold.
fn clean(text: &str) -> String {
    text.chars()
        .filter(|&c| (c as u32) >= 0x20 || matches!(c, '\t' | '\n' | '\r'))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_report_says_where_its_references_are_explained() {
        let report = RunReport {
            target: "sim".into(),
            writes: false,
            payloads_included: false,
            estimated_seconds: 1.0,
            elapsed_seconds: 1.0,
            stopped: None,
            results: vec![ScenarioResult {
                id: "record-demographics".into(),
                title: "demographics".into(),
                section: "GetPatientRecord".into(),
                refs: vec!["E22".into(), "F8".into()],
                outcome: Outcome::Pass,
                reason: None,
                drift: Vec::new(),
                elapsed_ms: 5,
                exchanges: Vec::new(),
            }],
        };
        let table = report.to_table();
        assert!(table.contains("GetPatientRecord (E22, F8)"), "{table}");
        assert!(table.contains("docs/errata.md") && table.contains("docs/field-evidence.md"));
        let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
        assert_eq!(json["references"], REFERENCES);
        assert_eq!(json["results"][0]["refs"][1], "F8");
        let junit = report.to_junit();
        assert!(
            junit.contains(
                "<property name=\"references\" value=\"E-numbers are explained in docs/errata.md"
            ),
            "{junit}"
        );
    }
}
