//! `parse FILE`: check a saved document with the bindings and summarise it.

use anyhow::Context;
use systmone_bindings::{AnyRequest, AnyResponse};
use systmone_core::envelope::{REQUEST_ROOT, RESPONSE_ROOT, peek_header};

use crate::options::{GlobalOpts, OutputFormat, ParseArgs};
use crate::request::{summarise_pairs, summarise_response};
use crate::tree::Node;

pub fn run(global: &GlobalOpts, args: ParseArgs) -> anyhow::Result<u8> {
    if args.fhir.wanted() {
        return crate::fhir_output::parse(global, &args.fhir, &args.file);
    }
    let path = args.file.display().to_string();
    let bytes = std::fs::read(&args.file).with_context(|| format!("cannot read {path}"))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        anyhow::anyhow!(
            "{path} is not UTF-8 text (byte {})",
            e.utf8_error().valid_up_to()
        )
    })?;
    let header = peek_header(&text).map_err(|e| anyhow::anyhow!("{path}: {e}"))?;
    let (kind, function, version, xml) = match header.root.as_str() {
        REQUEST_ROOT => {
            let r = AnyRequest::parse(&text).map_err(|e| anyhow::anyhow!("{path}: {e}"))?;
            let (f, v) = r.function();
            // A saved request may hold a real API key: never print it.
            let xml = systmone_client::redact_api_key(
                &r.to_xml(true).context("cannot write the document back")?,
            );
            ("request", f.to_string(), v.to_string(), xml)
        }
        RESPONSE_ROOT => {
            let r = AnyResponse::parse(&text).map_err(|e| anyhow::anyhow!("{path}: {e}"))?;
            let (f, v) = r.function();
            let xml = r.to_xml(true).context("cannot write the document back")?;
            ("response", f.to_string(), v.to_string(), xml)
        }
        other => anyhow::bail!(
            "{path}: the root element is <{other}>, expected <{REQUEST_ROOT}> or <{RESPONSE_ROOT}>"
        ),
    };
    if args.roundtrip {
        println!("{}", xml.trim_end());
        return Ok(0);
    }
    let root = Node::parse(&xml)?;
    match global.output.unwrap_or(OutputFormat::Text) {
        OutputFormat::Xml => println!("{}", xml.trim_end()),
        OutputFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&root.to_json_document())?
        ),
        OutputFormat::Text => {
            println!("{path}: a valid {function} {version} {kind}");
            let device = header.device_id.unwrap_or_default();
            println!(
                "  DeviceID: {}",
                if device.is_empty() {
                    "(empty: first contact)"
                } else {
                    &device
                }
            );
            println!("  RequestUID: {}", header.request_uid.unwrap_or_default());
            if kind == "request" {
                let mut leaves = Vec::new();
                if let Some(p) = root.child("FunctionParameters") {
                    p.leaves("", &mut leaves);
                }
                println!("  parameters: {}", summarise_pairs(&leaves));
            } else {
                let body = root.child("Response").cloned().unwrap_or_default();
                if let Some(message) = body.child("ErrorMessage") {
                    println!(
                        "  error response ({}): {}",
                        if body.text_at("PermanentError") == "true" {
                            "permanent"
                        } else {
                            "temporary"
                        },
                        message.text
                    );
                } else {
                    println!("  response: {}", summarise_response(&function, &body));
                }
            }
        }
    }
    Ok(0)
}
