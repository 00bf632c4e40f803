//! `systmone template`: fills one of the vendor's XML templates (`template_fill.rs`)
//! with the given values and the header's, then prints or sends it.

use std::collections::BTreeMap;

use anyhow::bail;

use crate::options::{GlobalOpts, TemplateArgs};
use crate::request::{RefusedRequest, send, shown_header};
use crate::template_fill::{fill, placeholders};

pub async fn run(global: &GlobalOpts, args: TemplateArgs) -> anyhow::Result<u8> {
    let path = args.file.display().to_string();
    let template = global.read_file(&args.file)?;
    let mut values = BTreeMap::new();
    for pair in &args.set {
        let Some((name, value)) = pair.split_once('=') else {
            bail!("--set {pair:?} is not of the form Name=Value");
        };
        let name = name.trim().trim_start_matches('@').to_string();
        if values.insert(name.clone(), value.to_string()).is_some() {
            bail!("--set gives a value for @{name} twice");
        }
    }
    // The header's values come from the options and the Device ID store. The API key
    // is only a placeholder in what is printed: the client writes the real one when it
    // sends.
    let needs =
        |n: &str| placeholders(&template).iter().any(|p| p.name == n) && !values.contains_key(n);
    let mut defaults = BTreeMap::new();
    let client = if args.send || needs("DeviceID") {
        if global.api_key.is_some() {
            Some(global.client(None)?)
        } else {
            None
        }
    } else {
        None
    };
    if global.api_key.is_some() {
        defaults.insert("APIKey".to_string(), "(redacted)".to_string());
    }
    match &client {
        Some(c) => {
            let header = shown_header(c);
            defaults.insert("DeviceID".into(), header.device_id);
            defaults.insert("DeviceVersion".into(), header.device_version);
        }
        None => {
            let store = global.device_store();
            let id = store.load().ok().flatten().unwrap_or_default();
            defaults.insert("DeviceID".into(), id);
            let config = global.config(String::new());
            defaults.insert("DeviceVersion".into(), config.device_version);
        }
    }
    defaults.insert(
        "RequestUID".into(),
        uuid::Uuid::new_v4().to_string().to_uppercase(),
    );
    let filled = fill(&template, &values, &defaults).map_err(|e| anyhow::anyhow!("{path}: {e}"))?;
    // What is printed is what would be sent: a document that is not a request is
    // refused either way, said once.
    let request = crate::request::parse_to_send(&filled).map_err(|e| not_a_request(&path, &e))?;
    if !args.send {
        println!("{}", filled.trim_end());
        return Ok(0);
    }
    let client = match client {
        Some(c) => c,
        None => global.client(None)?,
    };
    if global.verbose > 0 {
        eprintln!("request:\n{}", filled.trim_end());
    }
    let reply = crate::progress::with_wait_line(global.quiet, send(&client, request)).await?;
    crate::summary::print_reply(global.output(), &reply, global.quiet)?;
    Ok(0)
}

/// Why a filled template cannot be sent: not an XML request at all (a file that is not
/// a template), or a request the bindings do not read.
fn not_a_request(path: &str, error: &RefusedRequest) -> anyhow::Error {
    use systmone_core::ParseError as P;
    match error {
        RefusedRequest::Parse(
            P::NotXml { .. } | P::Truncated { .. } | P::Doctype | P::WrongRoot { .. },
        ) => {
            anyhow::anyhow!(
                "{path} is not an XML request template (<ClientIntegrationRequest> with @Name \
                 placeholders): {error}"
            )
        }
        _ => anyhow::anyhow!("the filled {path} is not a valid request: {error}"),
    }
}
