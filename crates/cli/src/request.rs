//! Building request documents from `Name=Value` pairs, checking them with the
//! bindings, and sending any function through the typed client.

use anyhow::bail;
use systmone_bindings::{AnyRequest, FUNCTIONS};
use systmone_client::Client;
use systmone_core::{Function, Response};

use crate::tree::{Node, write_xml};

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

/// Parameters given as `Name=Value`, nested with `/` (`Identity/NHSNumber=...`),
/// attributes as `Path@Name=Value` (`Clinical/Event/ClinicalCode/Code@Scheme=CTV3`).
/// An empty value makes a presence flag (`Filter/Demographics=`). Repeating a name
/// repeats the element.
#[derive(Debug, Default, Clone)]
pub struct Params {
    root: Node,
}

impl Params {
    pub fn new() -> Self {
        Params {
            root: Node {
                name: "FunctionParameters".into(),
                ..Node::default()
            },
        }
    }

    /// Parses `Name=Value`.
    pub fn add_pair(&mut self, pair: &str) -> anyhow::Result<()> {
        let Some((name, value)) = pair.split_once('=') else {
            bail!("parameter {pair:?} is not of the form Name=Value (use Name= for a flag)");
        };
        self.add(name, value)
    }

    /// Adds one value at `path`.
    pub fn add(&mut self, path: &str, value: &str) -> anyhow::Result<()> {
        let (path, attr) = match path.split_once('@') {
            Some((p, a)) => (p, Some(a)),
            None => (path, None),
        };
        let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
        if parts.is_empty() {
            bail!("parameter name {path:?} is empty");
        }
        for p in &parts {
            if !p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                bail!("parameter name {path:?} has an invalid element name {p:?}");
            }
        }
        let mut node = &mut self.root;
        let last = parts.len() - 1;
        for (i, part) in parts.iter().enumerate() {
            // Intermediate elements (and an attribute's element) are reused; a value
            // element is always new, so repeated names repeat.
            let reuse = i < last || attr.is_some();
            let existing = if reuse {
                node.children.iter().rposition(|c| c.name == *part)
            } else {
                None
            };
            let index = match existing {
                Some(i) => i,
                None => {
                    node.children.push(Node {
                        name: part.to_string(),
                        ..Node::default()
                    });
                    node.children.len() - 1
                }
            };
            node = &mut node.children[index];
        }
        match attr {
            Some(a) => node.attrs.push((a.to_string(), value.to_string())),
            None => node.text = value.to_string(),
        }
        Ok(())
    }

    /// Adds a value only when there is one.
    pub fn opt(&mut self, path: &str, value: Option<&str>) -> anyhow::Result<()> {
        match value {
            Some(v) => self.add(path, v),
            None => Ok(()),
        }
    }

    /// Adds a presence flag when `on`.
    pub fn flag(&mut self, path: &str, on: bool) -> anyhow::Result<()> {
        if on { self.add(path, "") } else { Ok(()) }
    }

    /// The `FunctionParameters` element as XML.
    pub fn to_xml(&self) -> String {
        let mut out = String::new();
        write_xml(&self.root, &mut out);
        out
    }

    /// A copy with every element named `from` renamed `to`.
    pub fn renamed(&self, from: &str, to: &str) -> Params {
        fn rename(node: &mut Node, from: &str, to: &str) {
            if node.name == from {
                node.name = to.to_string();
            }
            for c in &mut node.children {
                rename(c, from, to);
            }
        }
        let mut copy = self.clone();
        for c in &mut copy.root.children {
            rename(c, from, to);
        }
        copy
    }

    /// `Path=Value, ...` for a one-line summary.
    pub fn summary(&self) -> String {
        let mut leaves = Vec::new();
        self.root.leaves("", &mut leaves);
        summarise_pairs(&leaves)
    }
}

/// `a=b, c, ...` (flags without `=`), as many whole pairs as fit in a line.
pub fn summarise_pairs(leaves: &[(String, String)]) -> String {
    let parts: Vec<String> = leaves
        .iter()
        .map(|(k, v)| {
            if v.is_empty() {
                k.clone()
            } else {
                format!("{k}={v}")
            }
        })
        .collect();
    if parts.is_empty() {
        return "no parameters".into();
    }
    summarise_list("", &parts, ", ", 160)
}

/// `n` and the noun for it: `1 patient found`, `0 patients found`.
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `head: a, b, c` (`a, b, c` when `head` is empty), with as many whole items as fit in
/// `max` characters and then how many were left out (`… and 9 more`): an item is never
/// cut in the middle.
pub fn summarise_list(head: &str, items: &[String], separator: &str, max: usize) -> String {
    let mut out = head.to_string();
    let mut length = head.chars().count();
    for (i, item) in items.iter().enumerate() {
        let joint = match (i, head.is_empty()) {
            (0, true) => "",
            (0, false) => ": ",
            _ => separator,
        };
        let after = items.len() - i - 1;
        let note = if after > 0 {
            format!(" … and {after} more").chars().count()
        } else {
            0
        };
        let grown = length + joint.chars().count() + item.chars().count();
        if i > 0 && grown + note > max {
            out.push_str(&format!(" … and {} more", items.len() - i));
            return out;
        }
        out.push_str(joint);
        out.push_str(item);
        length = grown;
    }
    out
}

/// The header written into documents built here. The client writes its own header
/// when it sends; these values are what people see (the API key never is).
pub struct ShownHeader {
    pub device_id: String,
    pub device_version: String,
}

/// A whole request document for `function` `version` with `parameters`.
pub fn request_document(
    function: &str,
    version: &str,
    parameters: &str,
    header: &ShownHeader,
) -> String {
    format!(
        "<ClientIntegrationRequest><APIKey>(redacted)</APIKey><DeviceID>{}</DeviceID>\
         <DeviceVersion>{}</DeviceVersion><RequestUID>(set when sent)</RequestUID>\
         <Function>{function}</Function><FunctionVersion>{version}</FunctionVersion>\
         {parameters}</ClientIntegrationRequest>",
        crate::tree::escape(&header.device_id),
        crate::tree::escape(&header.device_version),
    )
}

/// Reads a request we are about to send: send what the document says, so anything the
/// bindings do not describe is refused, naming its path; elements given out of order are
/// put in the documented order.
pub fn parse_to_send(doc: &str) -> Result<AnyRequest, systmone_core::ParseError> {
    let parsed = AnyRequest::parse_with(doc, systmone_core::ReadMode::Tolerant)?;
    if let Some(item) = parsed
        .drift
        .items()
        .iter()
        .find(|i| i.kind != systmone_core::DriftKind::OutOfOrder)
    {
        return Err(systmone_core::ParseError::Refused(item.clone()));
    }
    let mut request = parsed.value;
    request.declared_order();
    Ok(request)
}

/// Builds the document and checks it with the bindings, so bad parameters are refused
/// before anything is sent.
pub fn build_request(
    function: &str,
    version: &str,
    params: &Params,
    header: &ShownHeader,
) -> anyhow::Result<(AnyRequest, String)> {
    let doc = request_document(function, version, &params.to_xml(), header);
    let request = parse_to_send(&doc).map_err(|e| {
        let hint = unknown_name_hint(&e, function, version, params, header);
        anyhow::anyhow!(
            "the parameters do not make a valid {function} {version} request: {e}{hint}"
        )
    })?;
    Ok((request, doc))
}

/// For an element the bindings do not know: the nearest allowed name and the allowed
/// names. The bindings decide what is allowed: each element name of the schemas is
/// tried in the bad one's place.
fn unknown_name_hint(
    error: &systmone_core::ParseError,
    function: &str,
    version: &str,
    params: &Params,
    header: &ShownHeader,
) -> String {
    let Some((bad, parent)) = not_allowed(error) else {
        return String::new();
    };
    let allowed: Vec<&str> = crate::checks::element_names()
        .into_iter()
        .filter(|&candidate| {
            let renamed = params.renamed(&bad, candidate);
            let doc = request_document(function, version, &renamed.to_xml(), header);
            match parse_to_send(&doc) {
                Ok(_) => true,
                Err(e) => not_allowed(&e) != Some((candidate.to_string(), parent.clone())),
            }
        })
        .collect();
    if allowed.is_empty() {
        return String::new();
    }
    format!(
        "{}; allowed in <{parent}>: {}",
        crate::checks::did_you_mean(&bad, allowed.iter().copied()),
        allowed.join(", ")
    )
}

/// The unknown element's name and its parent's, when `error` refused one.
fn not_allowed(error: &systmone_core::ParseError) -> Option<(String, String)> {
    let systmone_core::ParseError::Refused(item) = error else {
        return None;
    };
    if item.kind != systmone_core::DriftKind::UnknownElement {
        return None;
    }
    let mut segments = item.path.rsplit('/');
    let name = segments.next()?;
    let parent = segments.next().unwrap_or("ClientIntegrationRequest");
    Some((name.to_string(), parent.to_string()))
}

/// What came back from a successful call.
pub struct Reply {
    pub function: String,
    /// The response document as SystmOne sent it, re-written indented by the bindings.
    pub xml: String,
    /// Its `Response` element.
    pub body: Node,
}

fn parameters_or_empty<P: systmone_core::xml::ReadXml>(p: Option<P>) -> anyhow::Result<P> {
    match p {
        Some(p) => Ok(p),
        None => systmone_core::xml::from_str::<P>(
            "<FunctionParameters></FunctionParameters>",
            "FunctionParameters",
        )
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

/// A one-line summary of a successful response, by function.
pub fn summarise_response(function: &str, body: &Node) -> String {
    let name = |n: &Node| {
        let d = n.find("Demographics").unwrap_or(n);
        [
            d.text_at("Title"),
            d.text_at("FirstName"),
            d.text_at("Surname"),
        ]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
    };
    let number = |n: &Node| {
        n.find("Identity")
            .map(|i| {
                let nhs = i.text_at("NHSNumber");
                if nhs.is_empty() {
                    i.text_at("PseudoNumber")
                } else {
                    nhs
                }
            })
            .unwrap_or_default()
    };
    match function {
        "GetFunctions" => {
            let fs: Vec<String> = body
                .children
                .iter()
                .map(|f| {
                    let versions: Vec<&str> = f
                        .children_named("Version")
                        .map(|v| v.text.as_str())
                        .collect();
                    format!("{} {}", f.text_at("Function"), versions.join("/"))
                })
                .collect();
            summarise_list(&count(fs.len(), "function", "functions"), &fs, ", ", 200)
        }
        "GetOrganisationMetaData" => {
            let sites: Vec<String> = body
                .children_named("Site")
                .map(|s| s.text_at("Name"))
                .collect();
            let current = body
                .children_named("User")
                .find(|u| u.child("CurrentUser").is_some())
                .map(|u| u.text_at("UserName"))
                .unwrap_or_default();
            format!(
                "{} site(s) ({}), {} user(s), current user {}, {} slot type(s), {} clinic type(s)",
                sites.len(),
                sites.join(", "),
                body.children_named("User").count(),
                if current.is_empty() {
                    "-".into()
                } else {
                    current
                },
                body.children_named("SlotType").count(),
                body.children_named("ClinicType").count()
            )
        }
        "PatientSearch" => {
            let found: Vec<String> = body
                .children
                .iter()
                .map(|r| {
                    let born = r
                        .find("DateOfBirth")
                        .map(|d| d.text.clone())
                        .unwrap_or_default();
                    format!(
                        "{} {} (born {})",
                        number(r),
                        name(r),
                        born.get(..10).unwrap_or(&born)
                    )
                })
                .collect();
            let head = count(found.len(), "patient found", "patients found");
            summarise_list(&head, &found, "; ", 200)
        }
        "GetPatientRecord" => {
            let mut parts = vec![
                format!("{} {}", number(body), name(body))
                    .trim()
                    .to_string(),
            ];
            for (what, label) in [
                ("Event", "event(s)"),
                ("ClinicalCode", "code(s)"),
                ("Medication", "medication(s)"),
                ("Letter", "letter(s)"),
                ("Attachment", "attachment(s)"),
                ("Appointment", "appointment(s)"),
                ("Visit", "visit(s)"),
                ("Task", "task(s)"),
            ] {
                let n = body.count(what);
                if n > 0 {
                    parts.push(format!("{n} {label}"));
                }
            }
            let state = body.text_at("RecordState");
            if !state.is_empty() {
                parts.push(format!("record {state}"));
            }
            parts.join(", ")
        }
        "GetAppointmentSlots" => {
            let slots = body.count("Slot");
            let first = body.find("Slot").map(|s| s.text_at("DateTimeStart"));
            match first {
                Some(f) => format!("{slots} free slot(s), first at {f}"),
                None => "no free slots".into(),
            }
        }
        "GetDiary" => {
            let entries: Vec<String> = body
                .children
                .iter()
                .map(|r| {
                    let when = r
                        .find("DateTimeStart")
                        .or_else(|| r.find("DateTime"))
                        .map(|d| d.text.clone())
                        .unwrap_or_default();
                    format!("{} {} {}", when, number(r), name(r))
                })
                .collect();
            let head = count(entries.len(), "diary entry", "diary entries");
            summarise_list(&head, &entries, "; ", 200)
        }
        "UpdatePatientRecord" | "DeleteFromPatientRecord" | "DeletePatientRecord" => {
            let mut parts = vec![format!("patient {}", number(body))];
            for uid in ["EventUID", "AppointmentUID", "VisitUID", "TaskUID"] {
                let v = body.text_at(uid);
                if !v.is_empty() {
                    parts.push(format!("{uid} {v}"));
                }
            }
            let state = body.text_at("RecordState");
            if !state.is_empty() {
                parts.push(format!("record {state}"));
            }
            parts.join(", ")
        }
        "GetDocument" => format!(
            "written to {} (record {})",
            body.text_at("DocumentFile"),
            body.text_at("RecordState")
        ),
        _ => {
            let mut leaves = Vec::new();
            body.leaves("", &mut leaves);
            if leaves.is_empty() {
                "success (empty response)".into()
            } else {
                summarise_pairs(&leaves)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_summarised_in_whole_items() {
        let items: Vec<String> = (1..=17).map(|i| format!("Function{i} 1.0")).collect();
        let text = summarise_list("17 functions", &items, ", ", 60);
        assert_eq!(
            text,
            "17 functions: Function1 1.0, Function2 1.0 … and 15 more"
        );
        assert!(text.chars().count() <= 60, "{text}");
        let all = summarise_list("2 functions", &items[..2], ", ", 60);
        assert_eq!(all, "2 functions: Function1 1.0, Function2 1.0");
        assert_eq!(
            summarise_list("0 patients found", &[], "; ", 60),
            "0 patients found"
        );
        assert_eq!(
            count(1, "patient found", "patients found"),
            "1 patient found"
        );
        assert_eq!(
            count(0, "patient found", "patients found"),
            "0 patients found"
        );
        let pairs = ["Surname=Swift".to_string(), "FirstName=Azra".to_string()];
        assert_eq!(
            summarise_list("", &pairs, ", ", 25),
            "Surname=Swift … and 1 more"
        );
        assert_eq!(
            summarise_list("", &pairs, ", ", 60),
            "Surname=Swift, FirstName=Azra"
        );
    }

    #[test]
    fn nested_and_repeated_parameters() {
        let mut p = Params::new();
        p.add_pair("Identity/NHSNumber=4667633050").unwrap();
        p.add_pair("Filter/Demographics=").unwrap();
        p.add_pair("Filter/ClinicalCode=A").unwrap();
        p.add_pair("Filter/ClinicalCode=B").unwrap();
        p.add_pair("X/Code@Scheme=CTV3").unwrap();
        p.add_pair("X/Code@Code=X505K").unwrap();
        assert_eq!(
            p.to_xml(),
            "<FunctionParameters><Identity><NHSNumber>4667633050</NHSNumber></Identity>\
             <Filter><Demographics></Demographics><ClinicalCode>A</ClinicalCode>\
             <ClinicalCode>B</ClinicalCode></Filter><X><Code Scheme=\"CTV3\" Code=\"X505K\"></Code></X>\
             </FunctionParameters>"
        );
        assert!(p.add_pair("NoEquals").is_err());
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
