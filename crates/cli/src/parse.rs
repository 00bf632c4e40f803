//! `parse FILE`: check a saved document with the bindings and summarise it.

use std::io::Write;

use anyhow::Context;
use systmone_bindings::{AnyRequest, AnyResponse};
use systmone_core::envelope::{REQUEST_ROOT, RESPONSE_ROOT, peek_header};
use systmone_core::{Drift, ReadMode};

use crate::options::{GlobalOpts, ParseArgs};
use crate::output::OutputFormat;
use crate::summary::{summarise_pairs, summarise_response};
use crate::tree::Node;

pub fn run(global: &GlobalOpts, args: ParseArgs) -> anyhow::Result<u8> {
    if args.fhir.wanted() {
        return crate::fhir_output::parse(global, &args.fhir, &args.file);
    }
    let path = args.file.display().to_string();
    let text = global.read_file(&args.file)?;
    let header = peek_header(&text).map_err(|e| anyhow::anyhow!("{path}: {e}"))?;
    let mode = if args.strict {
        ReadMode::Strict
    } else {
        ReadMode::Tolerant
    };
    // The drift report needs only the reading; everything else shows the document
    // written back (a record can be tens of megabytes: not written for nothing).
    let write_back = !args.drift;
    let (kind, function, version, xml, drift) = match header.root.as_str() {
        REQUEST_ROOT => {
            let parsed =
                AnyRequest::parse_with(&text, mode).map_err(|e| anyhow::anyhow!("{path}: {e}"))?;
            let (r, drift) = (parsed.value, parsed.drift);
            let (f, v) = r.function();
            // A saved request may hold a real API key: never print it.
            let xml = if write_back {
                systmone_client::redact_api_key(
                    &r.to_xml(true).context("cannot write the document back")?,
                )
            } else {
                String::new()
            };
            ("request", f.to_string(), v.to_string(), xml, drift)
        }
        RESPONSE_ROOT => {
            let parsed =
                AnyResponse::parse_with(&text, mode).map_err(|e| anyhow::anyhow!("{path}: {e}"))?;
            // A record can be tens of megabytes: the text goes before the document is
            // written back, the typed value before the written one is read again.
            drop(text);
            let (r, drift) = (parsed.value, parsed.drift);
            let (f, v) = r.function();
            let xml = if write_back {
                r.to_xml(true).context("cannot write the document back")?
            } else {
                String::new()
            };
            drop(r);
            ("response", f.to_string(), v.to_string(), xml, drift)
        }
        other => anyhow::bail!(
            "{path}: the root element is <{other}>, expected <{REQUEST_ROOT}> or <{RESPONSE_ROOT}>"
        ),
    };
    if args.drift {
        print_drift(
            &path,
            (kind, &function, &version),
            &drift,
            args.json || global.output == Some(OutputFormat::Json),
        )?;
        return Ok(0);
    }
    if args.roundtrip {
        println!("{}", xml.trim_end());
        return Ok(0);
    }
    let format = global.output.unwrap_or(OutputFormat::Text);
    if format == OutputFormat::Xml {
        println!("{}", xml.trim_end());
        return Ok(0);
    }
    let root = Node::parse(&xml)?;
    // A record can be tens of megabytes: the text goes once the tree holds it.
    drop(xml);
    match format {
        OutputFormat::Xml => unreachable!("printed above"),
        OutputFormat::Json => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            root.write_json_document(&mut out)?;
            writeln!(out)?;
            out.flush()?;
        }
        OutputFormat::Text => {
            println!("{path}: a valid {function} {version} {kind}");
            if !drift.is_empty() {
                println!(
                    "  drift: {} (see --drift; --strict refuses it)",
                    drift.summary()
                );
            }
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
                let none = Node::default();
                let body = root.child("Response").unwrap_or(&none);
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
                    println!("  response: {}", summarise_response(&function, body));
                }
            }
        }
    }
    Ok(0)
}

/// The drift report: a table (kind, path, count, first value), or JSON.
fn print_drift(
    path: &str,
    (kind, function, version): (&str, &str, &str),
    drift: &Drift,
    json: bool,
) -> anyhow::Result<()> {
    if json {
        let items: Vec<serde_json::Value> = drift
            .items()
            .iter()
            .map(|i| {
                serde_json::json!({
                    "kind": i.kind.describe(),
                    "path": i.path,
                    "count": i.count,
                    "first_value": i.first_value,
                })
            })
            .collect();
        // The function and version say which schema the paths are below (`cargo xtask
        // absorb` reads them).
        let report = serde_json::json!({
            "file": path,
            "document": kind,
            "function": function,
            "version": version,
            "total": drift.total(),
            "drift": items,
        });
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    if drift.is_empty() {
        println!("{path}: no drift: the document matches the bindings");
        return Ok(());
    }
    let rows: Vec<[String; 4]> = drift
        .items()
        .iter()
        .map(|i| {
            [
                i.kind.describe().to_string(),
                i.path.clone(),
                i.count.to_string(),
                i.first_value
                    .clone()
                    .map(|v| format!("{v:?}"))
                    .unwrap_or_default(),
            ]
        })
        .collect();
    let headings = ["KIND", "PATH", "COUNT", "FIRST VALUE"];
    let mut widths = headings.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: [&str; 4]| {
        format!(
            "{:<w0$}  {:<w1$}  {:>w2$}  {}",
            cells[0],
            cells[1],
            cells[2],
            cells[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2]
        )
    };
    println!("{}", line(headings).trim_end());
    for row in &rows {
        println!("{}", line([&row[0], &row[1], &row[2], &row[3]]).trim_end());
    }
    println!("{path}: {}", drift.summary());
    Ok(())
}
