//! Pure building blocks of the SystmOne Client Integration transport.
//!
//! ```
//! use bytes::BytesMut;
//! use systmone_transport::XmlDocumentCodec;
//! use tokio_util::codec::Decoder;
//!
//! let mut codec = XmlDocumentCodec::new();
//! let mut buf = BytesMut::new();
//! // A pretty-printed response arriving in two reads, split mid-tag.
//! buf.extend_from_slice(b"<?xml version=\"1.0\"?>\r\n<ClientIntegrationResponse>\r\n  <Dev");
//! assert!(codec.decode(&mut buf)?.is_none());
//! buf.extend_from_slice(b"iceID>42</DeviceID>\r\n</ClientIntegrationResponse>\r\n");
//! let doc = codec.decode(&mut buf)?.expect("root element closed");
//! assert!(doc.starts_with(b"<?xml"));
//! assert!(doc.ends_with(b"</ClientIntegrationResponse>"));
//! assert!(buf.is_empty()); // the trailing CRLF was consumed
//! # Ok::<(), systmone_transport::FrameError>(())
//! ```
//!
//! A desktop SystmOne client listens on `127.0.0.1:40700` (ERRATA E23);
//! third-party software sends one XML request document ended by `\n` and
//! gets one XML response document back, repeatedly on one TCP connection.
//! This crate holds the parts of that exchange that need no IO:
//!
//! * [`codec`]: finding where each XML document ends on the byte stream
//!   (ERRATA E16, E24), as a `tokio_util` codec;
//! * [`pacing`]: waiting one's turn so SystmOne's throttle (one request per
//!   second, one full `GetPatientRecord` per 30 seconds) never silently drops
//!   a request (ERRATA E17, E22);
//! * [`pacing_file`]: the same pacing across processes, through a small
//!   locked file beside the Device ID file;
//! * [`device_id`]: keeping the Device ID SystmOne allocates on first
//!   contact, so its user is asked to approve the software only once;
//! * [`negotiation`]: keeping a client's GetFunctions answer beside it, so a
//!   command sends one request, not two.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod addr;
pub mod codec;
pub mod device_id;
pub mod negotiation;
pub mod pacing;
pub mod pacing_file;
mod stale;

pub use codec::{
    DEFAULT_MAX_DOCUMENT_SIZE, ForeignProtocol, Frame, FrameError, Sniffed, XmlDocumentCodec,
    XmlRequestCodec, sniff_protocol,
};
pub use device_id::{
    DeviceIdError, DeviceIdStore, FileStore, MAX_DEVICE_ID_LEN, MemoryStore, validate_device_id,
};
pub use negotiation::NegotiationFile;
pub use pacing::{
    PaceSchedule, Pacer, PacingLimits, RequestClass, Reservation, WaitRule, classify_patient_record,
};
pub use pacing_file::{PacingFile, PacingFileError};
