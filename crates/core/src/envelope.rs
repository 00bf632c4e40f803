//! The envelope every request and response shares, the standard error response, and
//! the [`Function`] trait that ties a function's request parameters to its response.

use std::fmt;

use crate::drift::{DriftKind, Parsed, ReadMode};
use crate::extra::{Extra, Order};
use crate::leaf::OutputScheme;
use crate::xml::{
    self as x, Attribute, Event, ParseError, ReadError, ReadResult, ReadXml, WriteError,
    WriteResult, WriteXml, XmlContent, XmlReader, XmlWriter,
};

/// Root element of every request.
pub const REQUEST_ROOT: &str = "ClientIntegrationRequest";
/// Root element of every response.
pub const RESPONSE_ROOT: &str = "ClientIntegrationResponse";

/// One version of one interface function, as generated from its XSD
/// (`GetPatientRecord v1.0.xsd` gives `GetPatientRecordV1_0`).
///
/// A transport can be generic over functions:
///
/// ```
/// use systmone_core::{CallKind, Function};
/// fn describe<F: Function>() -> String {
///     format!("{} v{} ({:?})", F::NAME, F::VERSION, F::KIND)
/// }
/// # struct Demo;
/// # impl Function for Demo {
/// #     const NAME: &'static str = "ExitClient";
/// #     const ALIASES: &'static [&'static str] = &[];
/// #     const VERSION: &'static str = "1.0";
/// #     const KIND: CallKind = CallKind::Write;
/// #     type Parameters = systmone_core::Flag;
/// #     type Result = systmone_core::NoContent;
/// # }
/// assert_eq!(describe::<Demo>(), "ExitClient v1.0 (Write)");
/// ```
pub trait Function: 'static {
    /// The function's name as the overview names it.
    const NAME: &'static str;
    /// Other names the function is known by (ERRATA E2: `DeletePatientRecord`).
    const ALIASES: &'static [&'static str];
    /// The function version, e.g. `1.0`.
    const VERSION: &'static str;
    /// Whether the function changes anything (never retried blindly).
    const KIND: CallKind;
    /// The content of `FunctionParameters`.
    type Parameters: WriteXml + ReadXml + Clone + fmt::Debug + PartialEq + Send + Sync;
    /// The function-specific content of a successful `Response`.
    type Result: XmlContent + crate::Members + Clone + fmt::Debug + PartialEq + Send + Sync;

    /// Whether `name` names this function (its name or an alias).
    fn is_named(name: &str) -> bool {
        name == Self::NAME || Self::ALIASES.contains(&name)
    }
}

/// Whether a call only reads or may change something.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CallKind {
    /// Reads only: safe to retry after a temporary error or a timeout.
    Read,
    /// Changes the patient record or the client (UpdatePatientRecord,
    /// DeleteFromPatientRecord, LaunchFunctionality, DataExtract, ExitClient): never
    /// retried automatically once sent, since a duplicate clinical entry is a
    /// patient-safety incident.
    Write,
}

/// Your API key, given to you by TPP. Never shown by `Debug` or `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps a key (given by TPP); it is never printed.
    pub fn new(key: impl Into<String>) -> Self {
        ApiKey(key.into())
    }

    /// The key itself, for writing into a request.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

/// The common header of a request.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestHeader {
    /// Your API key (never printed).
    pub api_key: ApiKey,
    /// Empty on first contact; SystmOne allocates one (Device ID Allocation).
    pub device_id: String,
    /// Your software's version, shown in SystmOne's audit trail.
    pub device_version: String,
    /// A unique ID for this request; the response echoes it.
    pub request_uid: String,
}

/// A whole request document.
#[derive(Debug, Clone, PartialEq)]
pub struct Request<P> {
    /// The header elements.
    pub header: RequestHeader,
    /// The function name as sent (ERRATA E2 allows two spellings of one function).
    pub function: String,
    /// The function's version, e.g. `1.0`.
    pub function_version: String,
    /// Coding schemes for the response; sent only when asked for (ERRATA E4).
    pub output_scheme: Option<OutputScheme>,
    /// `FunctionParameters`. The client always sends it (empty when the function has no
    /// parameters); some examples omit it (ERRATA E4), so a parsed request may not have it.
    pub parameters: Option<P>,
    /// Header elements and attributes beyond the documented ones, and the header's
    /// order when it was not the documented one (FIELD-EVIDENCE F11).
    pub extra: Extra,
}

impl<P: WriteXml + ReadXml> Request<P> {
    /// A request for function `F`, with its parameters.
    pub fn new<F: Function<Parameters = P>>(header: RequestHeader, parameters: P) -> Self {
        Request {
            header,
            function: F::NAME.to_string(),
            function_version: F::VERSION.to_string(),
            output_scheme: None,
            parameters: Some(parameters),
            extra: Extra::default(),
        }
    }

    /// The document, without a trailing newline.
    pub fn to_xml(&self) -> Result<String, WriteError> {
        x::to_string(self, REQUEST_ROOT, false)
    }

    /// The document, indented for people.
    pub fn to_pretty_xml(&self) -> Result<String, WriteError> {
        x::to_string(self, REQUEST_ROOT, true)
    }

    /// Parses a request document, tolerantly.
    pub fn from_xml(text: &str) -> Result<Self, ParseError> {
        x::from_str(text, REQUEST_ROOT)
    }

    /// Parses a request document in `mode`, with its drift report.
    pub fn read(text: &str, mode: ReadMode) -> Result<Parsed<Self>, ParseError> {
        x::from_str_with(text, REQUEST_ROOT, mode)
    }
}

impl<P: WriteXml + ReadXml> XmlContent for Request<P> {
    fn read_content(
        reader: &mut XmlReader<'_>,
        name: &str,
        attributes: &[Attribute<'_>],
    ) -> ReadResult<Self> {
        let mut extra = Extra::default();
        x::keep_unknown_attributes(attributes, &[], &mut extra)?;
        let mut order = Order::<8>::any_order();
        let (mut api_key, mut device_id, mut device_version, mut request_uid) =
            (None, None, None, None);
        let (mut function, mut function_version, mut output_scheme, mut parameters) =
            (None, None, None, None);
        while let Some(child) = x::next_child_keeping_text(reader, &mut order, &mut extra)? {
            let member = match child {
                "APIKey" if api_key.is_none() => 0,
                "DeviceID" if device_id.is_none() => 1,
                "DeviceVersion" if device_version.is_none() => 2,
                "RequestUID" if request_uid.is_none() => 3,
                "Function" if function.is_none() => 4,
                "FunctionVersion" if function_version.is_none() => 5,
                "OutputScheme" if output_scheme.is_none() => 6,
                "FunctionParameters" if parameters.is_none() => 7,
                "APIKey" | "DeviceID" | "DeviceVersion" | "RequestUID" | "Function"
                | "FunctionVersion" | "OutputScheme" | "FunctionParameters" => {
                    x::keep_child(reader, &mut order, &mut extra, DriftKind::Repeated)?;
                    continue;
                }
                _ => {
                    x::keep_child(reader, &mut order, &mut extra, DriftKind::UnknownElement)?;
                    continue;
                }
            };
            let mut text = |order: &mut Order<8>, extra: &mut Extra| {
                x::read_text_member::<String, 8>(reader, order, extra, member, false)
            };
            match member {
                0 => api_key = text(&mut order, &mut extra)?,
                1 => device_id = text(&mut order, &mut extra)?,
                2 => device_version = text(&mut order, &mut extra)?,
                3 => request_uid = text(&mut order, &mut extra)?,
                4 => function = text(&mut order, &mut extra)?,
                5 => function_version = text(&mut order, &mut extra)?,
                6 => {
                    order.member(&mut extra, member, "OutputScheme")?;
                    output_scheme = Some(x::read_child(reader)?)
                }
                _ => {
                    order.member(&mut extra, member, "FunctionParameters")?;
                    parameters = Some(x::read_child(reader)?)
                }
            }
        }
        let need = |v: Option<String>, what: &str| v.ok_or_else(|| x::missing(name, what));
        Ok(Request {
            header: RequestHeader {
                api_key: ApiKey(need(api_key, "<APIKey>")?),
                device_id: need(device_id, "<DeviceID>")?,
                device_version: need(device_version, "<DeviceVersion>")?,
                request_uid: need(request_uid, "<RequestUID>")?,
            },
            function: need(function, "<Function>")?,
            function_version: need(function_version, "<FunctionVersion>")?,
            output_scheme,
            parameters,
            extra,
        })
    }

    fn write_content(&self, writer: &mut XmlWriter) -> WriteResult {
        let counts = [
            1,
            1,
            1,
            1,
            1,
            1,
            usize::from(self.output_scheme.is_some()),
            usize::from(self.parameters.is_some()),
        ];
        let text = |writer: &mut XmlWriter, member: u16, name: &str, value: &String| {
            let attributes = self.extra.child_attributes(member, 0);
            x::write_text_member(writer, name, value, attributes, None)
        };
        x::write_members(
            writer,
            &self.extra,
            &counts,
            |writer, member, _| match member {
                0 => text(writer, 0, "APIKey", &self.header.api_key.0),
                1 => text(writer, 1, "DeviceID", &self.header.device_id),
                2 => text(writer, 2, "DeviceVersion", &self.header.device_version),
                3 => text(writer, 3, "RequestUID", &self.header.request_uid),
                4 => text(writer, 4, "Function", &self.function),
                5 => text(writer, 5, "FunctionVersion", &self.function_version),
                6 => match &self.output_scheme {
                    Some(scheme) => x::write_child(writer, "OutputScheme", scheme),
                    None => Ok(()),
                },
                _ => match &self.parameters {
                    Some(parameters) => x::write_child(writer, "FunctionParameters", parameters),
                    None => Ok(()),
                },
            },
        )
    }

    fn extra(&self) -> Option<&Extra> {
        Some(&self.extra)
    }
}

impl<P: XmlContent> Request<P> {
    /// Forgets the document order kept from reading, in the header and the parameters,
    /// so the request is written in the documented order (what we send).
    pub fn declared_order(&mut self) {
        self.extra.forget_order();
        if let Some(parameters) = &mut self.parameters {
            parameters.declared_order();
        }
    }
}

crate::impl_xml_content!([P: WriteXml + ReadXml] Request<P>);

/// The standard error response: `ErrorMessage` and `PermanentError`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorResponse {
    /// What went wrong, in SystmOne's words.
    pub message: String,
    /// `true`: permanent; `false`: temporary, the request can be retried.
    pub permanent: bool,
    /// Anything else the `Response` element held.
    pub extra: Extra,
}

impl ErrorResponse {
    /// An error response with SystmOne's `message`.
    pub fn new(message: impl Into<String>, permanent: bool) -> Self {
        ErrorResponse {
            message: message.into(),
            permanent,
            extra: Extra::default(),
        }
    }
}

/// The content of `Response`: the function-specific result or the standard error.
#[derive(Debug, Clone, PartialEq)]
pub enum ResponseBody<T> {
    /// The function's result.
    Success(T),
    /// SystmOne's standard error response.
    Error(ErrorResponse),
}

/// A whole response document.
#[derive(Debug, Clone, PartialEq)]
pub struct Response<T> {
    /// The Device ID SystmOne issued (the one to store after first contact).
    pub device_id: String,
    /// Echo of the request's RequestUID (checked by the client, ERRATA E13).
    pub request_uid: String,
    /// The function name as the request sent it.
    pub function: String,
    /// The function's version, as the request sent it.
    pub function_version: String,
    /// SystmOne's own ID for this response.
    pub response_uid: String,
    /// The result or the error.
    pub body: ResponseBody<T>,
    /// Header elements and attributes beyond the documented ones, and the header's
    /// order when it was not the documented one.
    pub extra: Extra,
}

impl<T: XmlContent> Response<T> {
    /// Parses a response document, tolerantly (see [`Response::read`]).
    pub fn from_xml(text: &str) -> Result<Self, ParseError> {
        x::from_str(text, RESPONSE_ROOT)
    }

    /// Parses a response document in `mode`, with its drift report.
    pub fn read(text: &str, mode: ReadMode) -> Result<Parsed<Self>, ParseError> {
        x::from_str_with(text, RESPONSE_ROOT, mode)
    }

    /// The document, without a trailing newline.
    pub fn to_xml(&self) -> Result<String, WriteError> {
        x::to_string(self, RESPONSE_ROOT, false)
    }

    /// The document, indented for people.
    pub fn to_pretty_xml(&self) -> Result<String, WriteError> {
        x::to_string(self, RESPONSE_ROOT, true)
    }
}

impl<T: XmlContent> XmlContent for Response<T> {
    fn read_content(
        reader: &mut XmlReader<'_>,
        name: &str,
        attributes: &[Attribute<'_>],
    ) -> ReadResult<Self> {
        let mut extra = Extra::default();
        x::keep_unknown_attributes(attributes, &[], &mut extra)?;
        let mut order = Order::<6>::any_order();
        let (mut device_id, mut request_uid, mut function) = (None, None, None);
        let (mut function_version, mut response_uid, mut body) = (None, None, None);
        while let Some(child) = x::next_child_keeping_text(reader, &mut order, &mut extra)? {
            let member = match child {
                "DeviceID" if device_id.is_none() => 0,
                "RequestUID" if request_uid.is_none() => 1,
                "Function" if function.is_none() => 2,
                "FunctionVersion" if function_version.is_none() => 3,
                "ResponseUID" if response_uid.is_none() => 4,
                "Response" if body.is_none() => 5,
                "DeviceID" | "RequestUID" | "Function" | "FunctionVersion" | "ResponseUID"
                | "Response" => {
                    x::keep_child(reader, &mut order, &mut extra, DriftKind::Repeated)?;
                    continue;
                }
                _ => {
                    x::keep_child(reader, &mut order, &mut extra, DriftKind::UnknownElement)?;
                    continue;
                }
            };
            let mut text = |order: &mut Order<6>, extra: &mut Extra| {
                x::read_text_member::<String, 6>(reader, order, extra, member, false)
            };
            match member {
                0 => device_id = text(&mut order, &mut extra)?,
                1 => request_uid = text(&mut order, &mut extra)?,
                2 => function = text(&mut order, &mut extra)?,
                3 => function_version = text(&mut order, &mut extra)?,
                4 => response_uid = text(&mut order, &mut extra)?,
                _ => {
                    order.member(&mut extra, member, "Response")?;
                    let depth = reader.depth();
                    body = Some(read_body::<T>(reader)?);
                    match reader.next_event()? {
                        Event::End if reader.depth() == depth => {}
                        other => {
                            return Err(ReadError::invalid(format!(
                                "expected </Response>, found {other:?}"
                            )));
                        }
                    }
                }
            }
        }
        let need = |v: Option<String>, what: &str| v.ok_or_else(|| x::missing(name, what));
        Ok(Response {
            device_id: need(device_id, "<DeviceID>")?,
            request_uid: need(request_uid, "<RequestUID>")?,
            function: need(function, "<Function>")?,
            function_version: need(function_version, "<FunctionVersion>")?,
            response_uid: need(response_uid, "<ResponseUID>")?,
            body: body.ok_or_else(|| x::missing(name, "<Response>"))?,
            extra,
        })
    }

    fn write_content(&self, writer: &mut XmlWriter) -> WriteResult {
        let text = |writer: &mut XmlWriter, member: u16, name: &str, value: &String| {
            let attributes = self.extra.child_attributes(member, 0);
            x::write_text_member(writer, name, value, attributes, None)
        };
        x::write_members(
            writer,
            &self.extra,
            &[1; 6],
            |writer, member, _| match member {
                0 => text(writer, 0, "DeviceID", &self.device_id),
                1 => text(writer, 1, "RequestUID", &self.request_uid),
                2 => text(writer, 2, "Function", &self.function),
                3 => text(writer, 3, "FunctionVersion", &self.function_version),
                4 => text(writer, 4, "ResponseUID", &self.response_uid),
                _ => match &self.body {
                    ResponseBody::Success(result) => x::write_element(result, "Response", writer),
                    ResponseBody::Error(error) => x::write_element(error, "Response", writer),
                },
            },
        )
    }

    fn extra(&self) -> Option<&Extra> {
        Some(&self.extra)
    }
}

/// `Response`'s content: the error form when it starts with `ErrorMessage`, else the
/// function-specific content.
fn read_body<T: XmlContent>(reader: &mut XmlReader<'_>) -> ReadResult<ResponseBody<T>> {
    let (name, attributes, _) = x::read_start(reader)?;
    if x::next_child(reader, name)? == Some("ErrorMessage") {
        return ErrorResponse::read_content(reader, name, &attributes).map(ResponseBody::Error);
    }
    T::read_content(reader, name, &attributes).map(ResponseBody::Success)
}

impl XmlContent for ErrorResponse {
    fn read_content(
        reader: &mut XmlReader<'_>,
        name: &str,
        attributes: &[Attribute<'_>],
    ) -> ReadResult<Self> {
        let _scope = x::enter(name);
        let mut extra = Extra::default();
        x::keep_unknown_attributes(attributes, &[], &mut extra)?;
        let mut order = Order::<2>::new();
        let mut message = None;
        let mut permanent = None;
        while let Some(child) = x::next_child_keeping_text(reader, &mut order, &mut extra)? {
            match child {
                "ErrorMessage" if message.is_none() => {
                    message =
                        x::read_text_member::<String, 2>(reader, &mut order, &mut extra, 0, false)?
                }
                "PermanentError" if permanent.is_none() => {
                    permanent = x::read_text_member::<XsBoolean, 2>(
                        reader, &mut order, &mut extra, 1, false,
                    )?
                    .map(|b| b.0)
                }
                "ErrorMessage" | "PermanentError" => {
                    x::keep_child(reader, &mut order, &mut extra, DriftKind::Repeated)?
                }
                _ => x::keep_child(reader, &mut order, &mut extra, DriftKind::UnknownElement)?,
            }
        }
        Ok(ErrorResponse {
            message: message.ok_or_else(|| x::missing(name, "<ErrorMessage>"))?,
            permanent: permanent.ok_or_else(|| x::missing(name, "<PermanentError>"))?,
            extra,
        })
    }

    fn write_content(&self, writer: &mut XmlWriter) -> WriteResult {
        x::write_members(
            writer,
            &self.extra,
            &[1, 1],
            |writer, member, k| match member {
                0 => x::write_text_member(
                    writer,
                    "ErrorMessage",
                    &self.message,
                    self.extra.child_attributes(0, k),
                    None,
                ),
                _ => x::write_text_member(
                    writer,
                    "PermanentError",
                    &XsBoolean(self.permanent),
                    self.extra.child_attributes(1, k),
                    Some(&self.extra.child_text(1, k, &XsBoolean(self.permanent))),
                ),
            },
        )
    }

    fn extra(&self) -> Option<&Extra> {
        Some(&self.extra)
    }
}

/// `xs:boolean`: `true`, `false`, `1` or `0`.
struct XsBoolean(bool);

impl std::fmt::Display for XsBoolean {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl crate::extra::TextValue for XsBoolean {
    fn is_written_as(&self, text: &str) -> bool {
        crate::extra::displays_as(self, text)
    }
}

impl std::str::FromStr for XsBoolean {
    type Err = crate::ValueError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim() {
            "true" | "1" => Ok(XsBoolean(true)),
            "false" | "0" => Ok(XsBoolean(false)),
            _ => Err(crate::ValueError::new("boolean", text, "true or false")),
        }
    }
}

crate::impl_xml_content!([T: XmlContent] Response<T>);

/// The header fields of a request or response document, read without parsing the
/// rest: the scan stops at `FunctionParameters` / `Response` once `Function` and
/// `FunctionVersion` are known, and otherwise skips it and reads on (SystmOne answers
/// the header's elements in any order, F14).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeekedHeader {
    /// The root element's name.
    pub root: String,
    /// `DeviceID`, if present.
    pub device_id: Option<String>,
    /// `RequestUID`, if present.
    pub request_uid: Option<String>,
    /// `Function`, if present.
    pub function: Option<String>,
    /// `FunctionVersion`, if present.
    pub function_version: Option<String>,
}

/// Reads the header of a request or response document: how a saved document's
/// bindings are chosen, and how a client matches a response to its request.
pub fn peek_header(text: &str) -> Result<PeekedHeader, ParseError> {
    let root = x::root_name(text)?;
    if root != REQUEST_ROOT && root != RESPONSE_ROOT {
        return Err(ParseError::WrongRoot {
            expected: format!("{REQUEST_ROOT}> or <{RESPONSE_ROOT}"),
            found: root,
        });
    }
    let mut de = XmlReader::new(text);
    x::read_start(&mut de)?;
    let mut header = PeekedHeader {
        root: root.clone(),
        ..PeekedHeader::default()
    };
    while let Some(child) = x::next_child(&mut de, &root)? {
        let slot = match child {
            "DeviceID" => &mut header.device_id,
            "RequestUID" => &mut header.request_uid,
            "Function" => &mut header.function,
            "FunctionVersion" => &mut header.function_version,
            "FunctionParameters" | "Response"
                if header.function.is_some() && header.function_version.is_some() =>
            {
                break;
            }
            _ => {
                x::skip_child(&mut de)?;
                continue;
            }
        };
        *slot = Some(x::read_text_child::<String>(&mut de)?);
    }
    Ok(header)
}

/// The `Function` and `FunctionVersion` of a request or response document.
pub fn peek_function(text: &str) -> Result<(String, String), ParseError> {
    let header = peek_header(text)?;
    match (header.function, header.function_version) {
        (Some(f), Some(v)) => Ok((f, v)),
        _ => Err(ParseError::Invalid(format!(
            "<{}> has no <Function> and <FunctionVersion>",
            header.root
        ))),
    }
}

/// The result of a function whose successful response has no content (ExitClient).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NoContent;

impl XmlContent for NoContent {
    fn read_content(
        reader: &mut XmlReader<'_>,
        name: &str,
        _attributes: &[Attribute<'_>],
    ) -> ReadResult<Self> {
        match x::next_child(reader, name)? {
            None => Ok(NoContent),
            Some(child) => Err(x::unexpected_child(name, child)),
        }
    }

    fn write_content(&self, _writer: &mut XmlWriter) -> WriteResult {
        Ok(())
    }
}

/// The text of every `APIKey` element replaced by `[redacted]`, everything else byte
/// for byte: what the simulator's journal and the proxy's recordings keep, so neither
/// ever holds the key. An unclosed `APIKey` hides everything after it.
///
/// ```
/// let xml = "<ClientIntegrationRequest><APIKey>f31e26725b5491f2</APIKey></ClientIntegrationRequest>";
/// assert_eq!(
///     systmone_core::envelope::redact_api_key(xml),
///     "<ClientIntegrationRequest><APIKey>[redacted]</APIKey></ClientIntegrationRequest>"
/// );
/// ```
pub fn redact_api_key(xml: &str) -> String {
    const OPEN: &str = "<APIKey";
    const CLOSE: &str = "</APIKey";
    let mut out = String::with_capacity(xml.len());
    let mut rest = xml;
    while let Some(at) = rest.find(OPEN) {
        let after_name = &rest[at + OPEN.len()..];
        let is_element = after_name
            .chars()
            .next()
            .is_some_and(|c| c == '>' || c.is_whitespace());
        let start_end = after_name.find('>');
        let (Some(start_end), true) = (start_end, is_element) else {
            out.push_str(&rest[..at + OPEN.len()]);
            rest = after_name;
            continue;
        };
        let content_from = at + OPEN.len() + start_end + 1;
        out.push_str(&rest[..content_from]);
        if after_name[..start_end].ends_with('/') {
            rest = &rest[content_from..];
            continue;
        }
        out.push_str("[redacted]");
        match rest[content_from..].find(CLOSE) {
            Some(close) => rest = &rest[content_from + close..],
            // Unclosed: hide everything after it.
            None => return out,
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_key_is_never_shown() {
        let header = RequestHeader {
            api_key: ApiKey::new("f31e26725b5491f2"),
            device_id: String::new(),
            device_version: "v1.0".into(),
            request_uid: "1".into(),
        };
        assert!(!format!("{header:?}").contains("f31e"));
    }

    #[test]
    fn the_header_is_found_after_the_parameters() {
        let text = "<ClientIntegrationRequest><FunctionParameters><Surname>x</Surname>\
            </FunctionParameters><Function>PatientSearch</Function><APIKey>k</APIKey>\
            <FunctionVersion>1.0</FunctionVersion><RequestUID>r</RequestUID>\
            </ClientIntegrationRequest>";
        let header = peek_header(text).unwrap();
        assert_eq!(header.function.as_deref(), Some("PatientSearch"));
        assert_eq!(header.function_version.as_deref(), Some("1.0"));
        assert_eq!(header.request_uid.as_deref(), Some("r"));
    }

    #[test]
    fn error_response_parses() {
        let text = "<ClientIntegrationResponse><DeviceID>d</DeviceID><RequestUID>r</RequestUID>\
            <Function>PatientSearch</Function><FunctionVersion>1.0</FunctionVersion>\
            <ResponseUID>u</ResponseUID><Response><ErrorMessage>At least two search parameters must be specified</ErrorMessage>\
            <PermanentError>true</PermanentError></Response></ClientIntegrationResponse>";
        let response = Response::<NoContent>::from_xml(text).unwrap();
        assert_eq!(
            response.body,
            ResponseBody::Error(ErrorResponse::new(
                "At least two search parameters must be specified",
                true
            ))
        );
        assert_eq!(
            peek_function(text).unwrap(),
            ("PatientSearch".into(), "1.0".into())
        );
        let again = Response::<NoContent>::from_xml(&response.to_xml().unwrap()).unwrap();
        assert_eq!(again, response);
    }
}
