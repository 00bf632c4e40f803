//! The one error type of the client.

use std::time::Duration;

use systmone_core::{ErrorResponse, ParseError};

use crate::patient::PatientNumber;

/// Everything a call can end in other than success.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Could not connect to the SystmOne client (not running, not logged on, wrong
    /// port). Nothing was sent.
    #[error("cannot connect to SystmOne at {addr}: {source}")]
    Connect {
        /// The address tried.
        addr: String,
        /// Why the connection failed.
        #[source]
        source: std::io::Error,
    },
    /// Reading from or writing to the connection failed.
    #[error("connection to SystmOne failed: {0}")]
    Io(#[source] std::io::Error),
    /// A wait ran past its limit (connect, write or one attempt's response).
    #[error("no {what} from SystmOne within {}", seconds(*.limit))]
    Timeout {
        /// What did not come in time (`connection`, `response`, ...).
        what: &'static str,
        /// The limit that ran out.
        limit: Duration,
    },
    /// A read did not succeed within the time allowed for the whole call
    /// ([`ClientConfig::call_budget`](crate::ClientConfig::call_budget)), its attempts
    /// and the waits between them included (not the waits for SystmOne's throttle).
    #[error(
        "no answer from SystmOne within {}, the time allowed for the whole call ({attempts} attempt{})",
        seconds(*.limit),
        if *.attempts == 1 { "" } else { "s" }
    )]
    CallTimeout {
        /// The time allowed.
        limit: Duration,
        /// The attempts made (the last one cut short).
        attempts: u32,
    },
    /// The response is for another patient than the one the request named (by NHS or
    /// pseudo number, in the response's `Identity`). Its content is refused: a record
    /// filed under the wrong patient is a clinical-safety incident. For a write
    /// (UpdatePatientRecord, DeleteFromPatientRecord, LaunchFunctionality) SystmOne may
    /// have applied it to that other patient's record. Never retried.
    #[error(
        "SystmOne answered {function} for another patient ({answered}) than the one asked for \
         ({asked}); {}",
        if *.write {
            "the change may have been made to that patient's record: check both records \
             before anything else"
        } else {
            "the response was refused and nothing of it was kept"
        }
    )]
    WrongPatient {
        /// The function called.
        function: String,
        /// The patient the request named.
        asked: PatientNumber,
        /// The patient the response is for.
        answered: PatientNumber,
        /// Whether the call was a write (which SystmOne may have applied).
        write: bool,
        /// The RequestUID sent: SystmOne's audit trail knows the request by it.
        request_uid: String,
    },
    /// SystmOne's answer is not a document the bindings accept (not XML, wrong root,
    /// DOCTYPE, invalid content).
    #[error("SystmOne's response could not be read: {0}")]
    Protocol(#[from] ProtocolError),
    /// SystmOne answered with the standard error response.
    #[error("SystmOne answered {function} with an error ({}): {}", if .error.permanent { "permanent" } else { "temporary, can be retried" }, .error.message)]
    Response {
        /// The function called.
        function: String,
        /// SystmOne's error: its message, and whether it is permanent.
        error: ErrorResponse,
    },
    /// The SystmOne user blocked this device when asked to approve it.
    #[error(
        "SystmOne refused the connection: the device is blocked ({message}). A SystmOne user can remove \
         the block in the Device Manager screen (Setup > Mobile Working & Integration menu)."
    )]
    DeviceBlocked {
        /// SystmOne's message.
        message: String,
    },
    /// This device's first request was not approved in time: SystmOne's user was shown
    /// the prompt to allow it and did not answer within
    /// [`ClientConfig::approval_wait`](crate::ClientConfig::approval_wait) (or SystmOne
    /// answered that the prompt went unanswered). The request was sent once, so there
    /// was one prompt; a later call asks again.
    #[error(
        "this device is not approved yet: the prompt to allow it in SystmOne went unanswered for {}{}",
        crate::error::whole_seconds(*.waited),
        .message.as_ref().map(|m| format!(" (SystmOne: {m})")).unwrap_or_default()
    )]
    NotApproved {
        /// How long the client waited for the answer.
        waited: std::time::Duration,
        /// SystmOne's message, if it answered.
        message: Option<String>,
    },
    /// The host name of the address does not resolve (nothing was sent).
    #[error("cannot find the host of {addr}: {reason}")]
    UnknownHost {
        /// The address, as given.
        addr: String,
        /// The resolver's reason.
        reason: String,
    },
    /// The connected SystmOne client does not support this function version.
    #[error("SystmOne does not support {function} version {version}; it supports {}", if .supported.is_empty() { "no version of it".to_string() } else { format!("versions {}", .supported.join(", ")) })]
    Unsupported {
        /// The function called.
        function: String,
        /// The version called.
        version: String,
        /// The versions of it SystmOne supports (perhaps none).
        supported: Vec<String>,
    },
    /// A write (UpdatePatientRecord, DeleteFromPatientRecord, LaunchFunctionality,
    /// DataExtract, ExitClient) was sent but no valid response arrived: it may or may
    /// not have been applied. Check the patient record before trying again: a
    /// duplicate clinical entry is a patient-safety incident. It is never retried
    /// automatically.
    #[error(
        "the outcome of {function} (RequestUID {request_uid}) is unknown: it was sent but {cause}; \
         check the record before trying again"
    )]
    OutcomeUnknown {
        /// The function called.
        function: String,
        /// The RequestUID sent: SystmOne's audit trail knows the request by it.
        request_uid: String,
        /// What went wrong after the request was sent (a timeout, a closed connection, ...).
        cause: Box<Error>,
    },
    /// A value given to a typed write ([`Client::record_reading`](crate::Client::record_reading),
    /// [`Client::add_answers`](crate::Client::add_answers), ...) does not have the form
    /// SystmOne takes. Nothing was sent; the reason names the form expected.
    #[error("invalid {field}: {reason}; nothing was sent")]
    InvalidParameter {
        /// Which value (`reading code`, `answer line 3`, ...).
        field: String,
        /// What is wrong with it, and the form expected.
        reason: String,
    },
    /// SystmOne answered a booking ([`Client::book_appointment`](crate::Client::book_appointment))
    /// without the new appointment's AppointmentUID, so the booking is not confirmed
    /// (FIELD-EVIDENCE F18: a kiosk counts a booking as made only by that UID). It may
    /// or may not have been made: look at the patient's appointments before booking
    /// again. Never retried.
    #[error(
        "SystmOne answered the booking (RequestUID {request_uid}) without an AppointmentUID, so it \
         is not confirmed; look at the patient's appointments before booking again"
    )]
    NotBooked {
        /// The RequestUID sent: SystmOne's audit trail knows the request by it.
        request_uid: String,
        /// SystmOne's ResponseUID.
        response_uid: String,
    },
    /// The Device ID could not be read or stored.
    #[error(transparent)]
    DeviceId(#[from] systmone_transport::device_id::DeviceIdError),
    /// The request could not be written as XML.
    #[error("cannot write the request: {0}")]
    Encode(String),
}

/// Why a response could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ProtocolError {
    /// Framing failed: over the size limit, DOCTYPE, not XML, cut short.
    #[error(transparent)]
    Frame(#[from] systmone_transport::codec::FrameError),
    /// The document did not parse with the function's bindings.
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// The response names another function than the one called.
    #[error("response is for function {found}, expected {expected}")]
    WrongFunction {
        /// The function called.
        expected: String,
        /// The function the response names.
        found: String,
    },
    /// The connection closed before the response arrived.
    #[error("SystmOne closed the connection before answering")]
    Closed,
}

impl Error {
    /// Worth retrying a read: transport failures, timeouts and temporary errors.
    pub(crate) fn is_transient(&self) -> bool {
        match self {
            // Refused: nothing listens at the address (SystmOne not running, wrong
            // port); waiting a second does not change that, the caller should know at once.
            Error::Connect { source, .. } => source.kind() != std::io::ErrorKind::ConnectionRefused,
            Error::Io(_) | Error::Timeout { .. } => true,
            // Closed, or cut off in the middle of the response: a read is safe to repeat.
            Error::Protocol(ProtocolError::Closed) => true,
            Error::Protocol(ProtocolError::Frame(
                systmone_transport::codec::FrameError::Truncated,
            )) => true,
            Error::Response { error, .. } => !error.permanent,
            _ => false,
        }
    }

    /// A short word for the audit log.
    pub(crate) fn outcome(&self) -> &'static str {
        match self {
            Error::Connect { .. } => "connect-failed",
            Error::Io(_) => "io-error",
            Error::Timeout { .. } | Error::CallTimeout { .. } => "timeout",
            Error::Protocol(_) => "protocol-error",
            Error::Response { error, .. } if error.permanent => "error-permanent",
            Error::Response { .. } => "error-temporary",
            Error::DeviceBlocked { .. } => "device-blocked",
            Error::NotApproved { .. } => "not-approved",
            Error::UnknownHost { .. } => "unknown-host",
            Error::Unsupported { .. } => "unsupported",
            Error::OutcomeUnknown { .. } => "outcome-unknown",
            Error::WrongPatient { .. } => "wrong-patient",
            Error::DeviceId(_) => "device-id-error",
            Error::Encode(_) => "encode-error",
            Error::InvalidParameter { .. } => "invalid-parameter",
            Error::NotBooked { .. } => "not-booked",
        }
    }
}

/// A duration for people: `30 s`, `2.5 s`, `500 ms`.
pub(crate) fn seconds(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{} ms", d.as_millis())
    } else if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// `300 s` as `5 min`, `90 s` as `90 s`.
pub(crate) fn whole_seconds(d: std::time::Duration) -> String {
    let s = d.as_secs();
    if s >= 60 && s % 60 == 0 {
        format!("{} min", s / 60)
    } else {
        format!("{s} s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_read_well() {
        let attempt = Error::Timeout {
            what: "response",
            limit: Duration::from_millis(2500),
        };
        assert_eq!(
            attempt.to_string(),
            "no response from SystmOne within 2.5 s"
        );
        let call = Error::CallTimeout {
            limit: Duration::from_secs(18),
            attempts: 3,
        };
        assert_eq!(
            call.to_string(),
            "no answer from SystmOne within 18 s, the time allowed for the whole call (3 attempts)"
        );
        assert_eq!(seconds(Duration::from_millis(500)), "500 ms");
    }
}
