//! Replay of a recording made by `systmone proxy --record DIR` (`--replay DIR`).
//!
//! Each recorded exchange (its `NNNNNN-<Function>.json` and the request and response
//! files it names) is indexed by the request's function (canonical name, ERRATA E2),
//! version and parameters: the content of `FunctionParameters` compared as elements,
//! sorted attributes and trimmed text, so layout and escaping do not matter. A request
//! that matches gets the recorded response with its own RequestUID echoed (E13); the
//! exchanges recorded for one key are served in their order and the last one repeats,
//! so a sequence (a record not open, then open) plays back as it happened. An exchange
//! recorded without a response is replayed as no response. A request that matches
//! nothing falls back to the built-in practice, or is refused with an error response,
//! as [`ReplayFallback`] says. A masked recording matches requests that carry its
//! synthetic identifiers (the numbers its own responses hand out).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::Deserialize;

/// What a request that matches no recorded exchange gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReplayFallback {
    /// An answer from the built-in practice (or the `--data` one), as without replay.
    Practice,
    /// An error response saying no recorded exchange matches.
    #[default]
    Refuse,
}

/// Where the recording is and what to do when nothing matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplayConfig {
    /// The recording's directory.
    pub dir: PathBuf,
    /// What an unmatched request gets.
    pub fallback: ReplayFallback,
}

/// Why a recording could not be loaded.
#[derive(Debug, thiserror::Error)]
#[error("cannot replay {path}: {message}")]
pub struct ReplayError {
    /// The file or directory.
    pub path: PathBuf,
    /// What is wrong.
    pub message: String,
}

/// The fields of a proxy's exchange file the replay needs.
#[derive(Debug, Deserialize)]
struct ExchangeFile {
    exchange: u64,
    function: String,
    version: String,
    request_file: Option<String>,
    response_file: Option<String>,
}

/// What the replay answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ReplayAnswer {
    /// The recorded response, its RequestUID replaced by the request's.
    Respond(String),
    /// The exchange was recorded without a response.
    NoResponse,
    /// Nothing recorded matches.
    NoMatch,
}

#[derive(Debug)]
struct Sequence {
    responses: Vec<Option<String>>,
    next: usize,
}

/// A loaded recording.
#[derive(Debug)]
pub(crate) struct Replay {
    pub fallback: ReplayFallback,
    sequences: Mutex<HashMap<String, Sequence>>,
}

impl Replay {
    /// Reads every exchange of the recording.
    pub fn load(config: &ReplayConfig) -> Result<Replay, ReplayError> {
        let error = |path: &Path, message: String| ReplayError {
            path: path.to_path_buf(),
            message,
        };
        let entries =
            std::fs::read_dir(&config.dir).map_err(|e| error(&config.dir, e.to_string()))?;
        let mut exchanges = Vec::new();
        for entry in entries {
            let path = entry.map_err(|e| error(&config.dir, e.to_string()))?.path();
            let is_exchange = path.extension().is_some_and(|e| e == "json")
                && path.file_name().is_some_and(|n| n != "summary.json");
            if !is_exchange {
                continue;
            }
            let text = systmone_core::file::read_to_string(&path)
                .map_err(|e| error(&path, e.to_string()))?;
            let exchange: ExchangeFile =
                serde_json::from_str(&text).map_err(|e| error(&path, e.to_string()))?;
            exchanges.push(exchange);
        }
        if exchanges.is_empty() {
            return Err(error(&config.dir, "no recorded exchange in it".into()));
        }
        exchanges.sort_by_key(|e| e.exchange);
        let count = exchanges.len();
        let mut sequences: HashMap<String, Sequence> = HashMap::new();
        for exchange in exchanges {
            let Some(request_file) = &exchange.request_file else {
                continue;
            };
            let read = |name: &str| {
                let path = config.dir.join(name);
                systmone_core::file::read_to_string(&path).map_err(|e| error(&path, e.to_string()))
            };
            let request = read(request_file)?;
            let parameters =
                parameters_key(&request).map_err(|e| error(&config.dir.join(request_file), e))?;
            let key = key(&exchange.function, &exchange.version, &parameters);
            let response = match &exchange.response_file {
                Some(name) => Some(read(name)?),
                None => None,
            };
            sequences
                .entry(key)
                .or_insert_with(|| Sequence {
                    responses: Vec::new(),
                    next: 0,
                })
                .responses
                .push(response);
        }
        tracing::info!(
            exchanges = count,
            distinct_requests = sequences.len(),
            "replaying a recording"
        );
        Ok(Replay {
            fallback: config.fallback,
            sequences: Mutex::new(sequences),
        })
    }

    /// The answer to a request (its text as received).
    pub fn answer(
        &self,
        request: &str,
        function: &str,
        version: &str,
        request_uid: &str,
    ) -> ReplayAnswer {
        let Ok(parameters) = parameters_key(request) else {
            return ReplayAnswer::NoMatch;
        };
        let key = key(function, version, &parameters);
        let mut sequences = self.sequences.lock().unwrap_or_else(|e| e.into_inner());
        let Some(sequence) = sequences.get_mut(&key) else {
            return ReplayAnswer::NoMatch;
        };
        let index = sequence
            .next
            .min(sequence.responses.len().saturating_sub(1));
        sequence.next = (sequence.next + 1).min(sequence.responses.len());
        match &sequence.responses[index] {
            Some(response) => ReplayAnswer::Respond(echo_request_uid(response, request_uid)),
            None => ReplayAnswer::NoResponse,
        }
    }
}

/// The simulator's answer from the recording: `None` when the request is left to the
/// practice, `Some(None)` for no response, `Some(Some(..))` for a response to send.
pub(crate) fn respond(
    shared: &crate::state::Shared,
    replay: &Replay,
    echo: &crate::handlers::Echo,
    request: &str,
) -> Option<Option<(String, crate::state::AuditOutcome)>> {
    match replay.answer(request, &echo.function, &echo.version, &echo.request_uid) {
        ReplayAnswer::Respond(xml) => Some(Some((xml, crate::state::AuditOutcome::Success))),
        ReplayAnswer::NoResponse => Some(None),
        ReplayAnswer::NoMatch => match replay.fallback {
            ReplayFallback::Practice => None,
            ReplayFallback::Refuse => Some(Some(crate::handlers::render_error(
                shared,
                echo,
                crate::handlers::perm(
                    "No recorded exchange matches this request (the simulator replays a recording)",
                ),
            ))),
        },
    }
}

fn key(function: &str, version: &str, parameters: &str) -> String {
    format!(
        "{}\u{1}{}\u{1}{parameters}",
        systmone_bindings::canonical_name(function.trim()),
        // F13: `1` and `1.0` are one version.
        systmone_core::versions::canonical_version(version)
    )
}

/// `FunctionParameters`' content as a canonical string: element names, attributes
/// sorted, trimmed non-empty text.
fn parameters_key(request: &str) -> Result<String, String> {
    use xml::reader::XmlEvent;
    systmone_core::xml::check_depth(request, systmone_core::xml::MAX_DEPTH)
        .map_err(|e| e.to_string())?;
    let reader = xml::reader::EventReader::new_with_config(
        systmone_core::xml::strip_bom(request).as_bytes(),
        systmone_core::xml::parser_config(),
    );
    let mut depth = 0usize;
    let mut inside: Option<usize> = None;
    let mut out = String::new();
    for event in reader {
        match event.map_err(|e| e.to_string())? {
            XmlEvent::Doctype { .. } => return Err("a DOCTYPE declaration".into()),
            XmlEvent::StartElement {
                name, attributes, ..
            } => {
                depth += 1;
                if inside.is_some() {
                    let mut attributes: Vec<String> = attributes
                        .iter()
                        .map(|a| format!("{}={}", a.name.local_name, a.value))
                        .collect();
                    attributes.sort();
                    out.push_str(&format!("<{} {}>", name.local_name, attributes.join(" ")));
                } else if depth == 2 && name.local_name == "FunctionParameters" {
                    inside = Some(depth);
                }
            }
            XmlEvent::EndElement { .. } => {
                if inside == Some(depth) {
                    inside = None;
                } else if inside.is_some() {
                    out.push_str("</>");
                }
                depth = depth.saturating_sub(1);
            }
            XmlEvent::Characters(text) if inside.is_some() => {
                let text = text.trim();
                if !text.is_empty() {
                    out.push_str(text);
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

/// The response with the text of its first `RequestUID` element replaced.
fn echo_request_uid(response: &str, request_uid: &str) -> String {
    const OPEN: &str = "<RequestUID>";
    const CLOSE: &str = "</RequestUID>";
    let escaped = request_uid
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    if let Some(start) = response.find(OPEN) {
        let from = start + OPEN.len();
        if let Some(end) = response[from..].find(CLOSE) {
            return format!("{}{escaped}{}", &response[..from], &response[from + end..]);
        }
    }
    if let Some(start) = response.find("<RequestUID/>") {
        return format!(
            "{}{OPEN}{escaped}{CLOSE}{}",
            &response[..start],
            &response[start + "<RequestUID/>".len()..]
        );
    }
    response.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_compare_as_content_not_layout() {
        let a = parameters_key(
            "<ClientIntegrationRequest><RequestUID>1</RequestUID><FunctionParameters>\n  <Identity><NHSNumber>4667633050</NHSNumber></Identity>\n  <Filter><Demographics></Demographics></Filter></FunctionParameters></ClientIntegrationRequest>",
        )
        .unwrap();
        let b = parameters_key(
            "<ClientIntegrationRequest><FunctionParameters><Identity><NHSNumber> 4667633050 </NHSNumber></Identity><Filter><Demographics/></Filter></FunctionParameters><RequestUID>2</RequestUID></ClientIntegrationRequest>",
        )
        .unwrap();
        assert_eq!(a, b);
        let c = parameters_key(
            "<ClientIntegrationRequest><FunctionParameters><Identity><NHSNumber>6343800514</NHSNumber></Identity></FunctionParameters></ClientIntegrationRequest>",
        )
        .unwrap();
        assert_ne!(a, c);
    }

    #[test]
    fn the_request_uid_is_echoed() {
        let response = "<ClientIntegrationResponse><DeviceID>d</DeviceID><RequestUID>old</RequestUID><Response/></ClientIntegrationResponse>";
        assert_eq!(
            echo_request_uid(response, "new&1"),
            "<ClientIntegrationResponse><DeviceID>d</DeviceID><RequestUID>new&amp;1</RequestUID><Response/></ClientIntegrationResponse>"
        );
    }
}
