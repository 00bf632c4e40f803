//! Requests built through the schema model and sent through the typed client: the
//! function and version resolved, `Name=Value` parameters checked against the
//! function's model (names, then each value's lexical form, with the names the model
//! allows and the form it expects when they are wrong), the typed request built from
//! them with no XML text on the way, then sent; and the reply read.

use anyhow::bail;
use systmone_bindings::{AnyRequest, FUNCTIONS};
use systmone_client::Client;
use systmone_core::parameters::{ParameterError, ROOT};
use systmone_core::schema::{Content, FunctionModel, Node as ModelNode};
use systmone_core::{DriftItem, DriftKind, Function, Response};

use crate::checks::did_you_mean;
use crate::tree::Node;

/// Parameters by path: `Identity/NHSNumber`, attributes as `Path@Name`, an empty value
/// for a presence flag; a name given twice repeats the element.
pub type Params = systmone_core::parameters::Parameters;

/// Adds `Name=Value` to `params`.
pub fn add_pair(params: &mut Params, pair: &str) -> anyhow::Result<()> {
    let Some((name, value)) = pair.split_once('=') else {
        bail!("parameter {pair:?} is not of the form Name=Value (use Name= for a flag)");
    };
    Ok(params.add(name, value)?)
}

/// Finds a function by name (case-insensitive; `DeletePatientRecord` is the
/// document's other name for DeleteFromPatientRecord, ERRATA E2) and the version to use
/// (the newest the bindings include, unless `version` is given).
pub fn resolve_function(name: &str, version: Option<&str>) -> anyhow::Result<(String, String)> {
    let wanted = systmone_bindings::ALIASES
        .iter()
        .find(|(alias, _)| alias.eq_ignore_ascii_case(name))
        .map_or(name, |(_, function)| function);
    let matches: Vec<&(&str, &str)> = FUNCTIONS
        .iter()
        .filter(|(f, _)| f.eq_ignore_ascii_case(wanted))
        .collect();
    let Some((canonical, _)) = matches.first() else {
        let mut names: Vec<&str> = FUNCTIONS.iter().map(|(f, _)| *f).collect();
        names.dedup();
        bail!(
            "unknown function {name:?}{}; the functions are: {}",
            crate::checks::did_you_mean(name, names.iter().copied()),
            names.join(", ")
        );
    };
    match version {
        // F13: a version is a number (`1` is `1.0`); ours is what is sent.
        Some(v) => match matches
            .iter()
            .find(|(_, fv)| systmone_core::versions::same_version(fv, v))
        {
            Some((_, ours)) => Ok((canonical.to_string(), ours.to_string())),
            None => {
                let versions: Vec<&str> = matches.iter().map(|(_, fv)| *fv).collect();
                bail!(
                    "{canonical} has no version {v} in these bindings (versions: {})",
                    versions.join(", ")
                );
            }
        },
        None => {
            let newest = matches
                .iter()
                .map(|(_, v)| *v)
                .max_by(|a, b| version_key(a).cmp(&version_key(b)))
                .expect("at least one");
            Ok((canonical.to_string(), newest.to_string()))
        }
    }
}

fn version_key(v: &str) -> Vec<u32> {
    v.split('.').map(|p| p.parse().unwrap_or(0)).collect()
}

/// Builds the typed request of `function` `version` from `params`, checked against the
/// function's schema model, so bad parameters are refused before anything is sent.
pub fn build_request(function: &str, version: &str, params: &Params) -> anyhow::Result<AnyRequest> {
    AnyRequest::from_parameters(function, version, params).map_err(|e| {
        anyhow::anyhow!(
            "the parameters do not make a valid {function} {version} request: {}",
            explain(&e)
        )
    })
}

/// The error with the names the model allows where a name is unknown (the nearest
/// first, as "did you mean").
fn explain(error: &ParameterError) -> String {
    match error {
        ParameterError::UnknownElement {
            name,
            parent,
            allowed,
            ..
        } => format!(
            "{error}{}",
            allowed_hint(name, &format!("in <{parent}>"), allowed)
        ),
        ParameterError::UnknownAttribute {
            name,
            element,
            allowed,
            ..
        } => format!(
            "{error}{}",
            allowed_hint(name, &format!("on <{element}>"), allowed)
        ),
        other => other.to_string(),
    }
}

/// ` (did you mean X?); allowed in <P>: A, B, C` (sorted), or that nothing is.
fn allowed_hint(name: &str, place: &str, allowed: &[&'static str]) -> String {
    if allowed.is_empty() {
        return format!("; nothing is allowed {place}");
    }
    let mut sorted = allowed.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    format!(
        "{}; allowed {place}: {}",
        did_you_mean(name, sorted.iter().copied()),
        sorted.join(", ")
    )
}

/// Reads a request we are about to send from a file: send what the document says, so
/// anything the bindings do not describe is refused, naming its path, the names allowed
/// there and the form a refused value should have (from the function's schema model);
/// elements given out of order are put in the documented order.
pub fn parse_to_send(doc: &str) -> Result<AnyRequest, RefusedRequest> {
    let parsed = AnyRequest::parse_with(doc, systmone_core::ReadMode::Tolerant)
        .map_err(RefusedRequest::Parse)?;
    if let Some(item) = parsed
        .drift
        .items()
        .iter()
        .find(|i| i.kind != DriftKind::OutOfOrder)
    {
        return Err(RefusedRequest::Departure(describe_departure(
            parsed.value.schema_model(),
            item,
        )));
    }
    let mut request = parsed.value;
    request.declared_order();
    Ok(request)
}

/// Why a request document is not sent.
#[derive(Debug)]
pub enum RefusedRequest {
    /// It does not read as a request of a function the bindings include.
    Parse(systmone_core::ParseError),
    /// It holds something the bindings do not describe: the first departure, in words.
    Departure(String),
}

impl std::fmt::Display for RefusedRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RefusedRequest::Parse(e) => write!(f, "{e}"),
            RefusedRequest::Departure(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for RefusedRequest {}

impl RefusedRequest {
    /// Whether the document ends before its root element closes.
    pub fn is_truncated(&self) -> bool {
        matches!(
            self,
            RefusedRequest::Parse(systmone_core::ParseError::Truncated { .. })
        )
    }
}

/// The form the model expects of the value at `path` (an element with text, or an
/// attribute), for people: `a date, YYYY-MM-DD`.
pub fn expected_form(model: &'static FunctionModel, path: &str) -> Option<String> {
    match FunctionModel::find(&model.parameters, path) {
        Ok(ModelNode::Element(element)) => match element.content {
            Content::Text(text) => Some(text.expected()),
            Content::Elements(_) => None,
        },
        Ok(ModelNode::Attribute(attribute)) => Some(attribute.value.expected()),
        Err(_) => None,
    }
}

/// A departure in words, with what the model says of its place: the names allowed
/// there (the nearest first), or the form a value should have.
fn describe_departure(model: &'static FunctionModel, item: &DriftItem) -> String {
    let plain = format!("{} at {}", item.kind, item.path);
    let (parent, name) = item.path.rsplit_once('/').unwrap_or(("", &item.path));
    match item.kind {
        DriftKind::UnknownElement | DriftKind::UnknownAttribute => {
            let Ok(ModelNode::Element(element)) = FunctionModel::find(&model.parameters, parent)
            else {
                return plain;
            };
            let Content::Elements(ty) = element.content else {
                return plain;
            };
            let hint = match name.strip_prefix('@') {
                Some(attribute) => {
                    let allowed: Vec<&str> = ty.attributes.iter().map(|a| a.name).collect();
                    allowed_hint(attribute, &format!("on <{}>", element.name), &allowed)
                }
                None => allowed_hint(name, &format!("in <{}>", element.name), &ty.child_names()),
            };
            format!("{plain}{hint}")
        }
        DriftKind::InvalidValue | DriftKind::UnknownValue | DriftKind::EmptyValue => {
            let Some(expected) = expected_form(model, &item.path) else {
                return plain;
            };
            let value = item
                .first_value
                .as_deref()
                .map(|v| format!(" {v:?}"))
                .unwrap_or_default();
            format!("{}{value} at {}: expected {expected}", item.kind, item.path)
        }
        _ => plain,
    }
}

/// The header shown in printed requests. The client writes its own header when it
/// sends; these values are what people see (the API key never is).
pub struct ShownHeader {
    pub device_id: String,
    pub device_version: String,
}

/// The header shown in printed requests for `client`.
pub fn shown_header(client: &Client) -> ShownHeader {
    ShownHeader {
        device_id: client.device_id().ok().flatten().unwrap_or_default(),
        device_version: client.config().device_version.clone(),
    }
}

/// The request as it is shown to people (indented), with `header`.
pub fn shown_request(request: &AnyRequest, header: &ShownHeader) -> String {
    let mut shown = request.clone();
    *shown.header_mut() = systmone_core::RequestHeader {
        api_key: systmone_core::ApiKey::new("(redacted)"),
        device_id: header.device_id.clone(),
        device_version: header.device_version.clone(),
        request_uid: "(set when sent)".into(),
    };
    shown
        .to_xml(true)
        .unwrap_or_else(|e| format!("(the request cannot be shown: {e})"))
}

/// Builds and sends `function` (the newest version the bindings include) with
/// `params`, returning the reply.
pub async fn call_quiet(client: &Client, function: &str, params: &Params) -> anyhow::Result<Reply> {
    let (function, version) = resolve_function(function, None)?;
    let request = build_request(&function, &version, params)?;
    send(client, request).await
}

/// What came back from a successful call.
pub struct Reply {
    pub function: String,
    /// The response document as SystmOne sent it, re-written indented by the bindings.
    pub xml: String,
    /// Its `Response` element.
    pub body: Node,
}

/// A request read from a file may have no `FunctionParameters` (ERRATA E4): the
/// function's empty parameters, read by its reader from an empty element.
fn parameters_or_empty<P: systmone_core::xml::ReadXml>(p: Option<P>) -> anyhow::Result<P> {
    use systmone_core::xml::Event;
    match p {
        Some(p) => Ok(p),
        None => systmone_core::xml::from_events_with::<P>(
            vec![
                Event::Start {
                    name: ROOT,
                    attributes: Vec::new(),
                },
                Event::End,
            ],
            ROOT,
            systmone_core::ReadMode::Tolerant,
        )
        .map(|parsed| parsed.value)
        .map_err(|e| anyhow::anyhow!("the request has no FunctionParameters: {e}")),
    }
}

async fn call_typed<F: Function>(
    client: &Client,
    request: systmone_core::Request<F::Parameters>,
) -> anyhow::Result<Reply> {
    let params = parameters_or_empty(request.parameters)?;
    let reply = client.call_detailed::<F>(params).await?;
    let xml = Response::<F::Result>::from_xml(&reply.response_xml)
        .and_then(|r| {
            r.to_pretty_xml()
                .map_err(|e| systmone_core::ParseError::Invalid(e.to_string()))
        })
        .unwrap_or_else(|_| reply.response_xml.clone());
    let root = Node::parse(&xml)?;
    // Taken out of the tree, not cloned: a record's tree is large.
    let body = root
        .children
        .into_iter()
        .find(|c| c.name == "Response")
        .unwrap_or_default();
    Ok(Reply {
        function: request.function,
        xml,
        body,
    })
}

/// Sends any request through the typed client: the client writes the header (API key,
/// Device ID, RequestUID), paces, retries reads and never repeats a write. The function
/// is chosen by the generated [`AnyRequest::visit`]: no hand-kept list of functions.
pub async fn send(client: &Client, request: AnyRequest) -> anyhow::Result<Reply> {
    request.visit(Sender { client }).await
}

/// Calls the typed client for whichever function a request names.
struct Sender<'a> {
    client: &'a Client,
}

impl<'a> systmone_bindings::RequestVisitor for Sender<'a> {
    type Output =
        std::pin::Pin<Box<dyn std::future::Future<Output = anyhow::Result<Reply>> + Send + 'a>>;

    fn visit<F: Function>(self, request: systmone_core::Request<F::Parameters>) -> Self::Output {
        Box::pin(call_typed::<F>(self.client, request))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every typed parameter of every function (from the bindings' schema model, not a
    /// list kept here): a value not of its form is refused naming the value, its
    /// element (or attribute) and the form expected.
    #[test]
    fn every_typed_parameter_refuses_a_bad_value_saying_what_was_expected() {
        use systmone_core::schema::{Content, Element, Lexical, Text};

        fn typed(text: &Text) -> bool {
            !matches!(
                text.form,
                Lexical::Text | Lexical::Configured | Lexical::OneOf { open: true, .. }
            )
        }

        fn walk(element: &Element, path: &str, depth: usize, out: &mut Vec<(String, Text)>) {
            if depth > 8 {
                return;
            }
            match &element.content {
                Content::Text(text) => {
                    if typed(text) && !path.is_empty() {
                        out.push((path.to_string(), *text));
                    }
                }
                Content::Elements(ty) => {
                    for attribute in ty.attributes {
                        if typed(&attribute.value) && !path.is_empty() {
                            out.push((format!("{path}@{}", attribute.name), attribute.value));
                        }
                    }
                    for particle in ty.children {
                        for child in particle.elements() {
                            let child_path = if path.is_empty() {
                                child.name.to_string()
                            } else {
                                format!("{path}/{}", child.name)
                            };
                            walk(child, &child_path, depth + 1, out);
                        }
                    }
                }
            }
        }

        let mut checked = 0;
        for model in systmone_bindings::SCHEMA_MODELS {
            let mut leaves = Vec::new();
            walk(&model.parameters, "", 0, &mut leaves);
            for (path, text) in leaves {
                let value = "not-a-value";
                let mut params = Params::new();
                params.add(&path, value).unwrap();
                let error = build_request(model.function, model.version, &params)
                    .err()
                    .unwrap_or_else(|| panic!("{} {path}={value} was accepted", model.function))
                    .to_string();
                let element = path.replace('@', "/@");
                for part in [
                    format!("{value:?}"),
                    format!("FunctionParameters/{element}"),
                    format!("expected {}", text.expected()),
                ] {
                    assert!(
                        error.contains(&part),
                        "{} {path}: {error:?} does not say {part:?}",
                        model.function
                    );
                }
                checked += 1;
            }
        }
        assert!(checked > 20, "only {checked} typed parameters");
    }

    #[test]
    fn functions_resolve_case_insensitively() {
        assert_eq!(
            resolve_function("getpatientrecord", None).unwrap(),
            ("GetPatientRecord".into(), "1.0".into())
        );
        assert_eq!(
            resolve_function("DeletePatientRecord", None).unwrap().0,
            "DeleteFromPatientRecord"
        );
        assert!(resolve_function("Nope", None).is_err());
        assert!(resolve_function("GetFunctions", Some("9.9")).is_err());
        // F13: a version is a number.
        assert_eq!(
            resolve_function("PatientSearch", Some("1")).unwrap().1,
            "1.0"
        );
    }
}
