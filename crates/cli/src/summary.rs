//! What people read of a reply: a one-line summary per function, lists cut by whole
//! items, and the reply printed in the chosen format.

use std::io::Write;

use crate::output::OutputFormat;
use crate::request::Reply;
use crate::tree::Node;

/// Prints a successful reply on stdout. A response with no content (a search that
/// matched nobody) is also said in words on stderr for XML and JSON, unless `quiet`:
/// an empty `<Response/>` alone does not say that nothing was found.
pub fn print_reply(format: OutputFormat, reply: &Reply, quiet: bool) -> anyhow::Result<()> {
    let empty = || {
        if !quiet && reply.body.children.is_empty() {
            eprintln!(
                "{}: {}",
                reply.function,
                summarise_response(&reply.function, &reply.body)
            );
        }
    };
    let mut out = std::io::stdout().lock();
    match format {
        OutputFormat::Xml => {
            writeln!(out, "{}", reply.xml.trim_end())?;
            empty();
        }
        OutputFormat::Json => {
            let root = Node::parse(&reply.xml)?;
            root.write_json_document(&mut out)?;
            writeln!(out)?;
            empty();
        }
        OutputFormat::Text => {
            writeln!(
                out,
                "{}: {}",
                reply.function,
                summarise_response(&reply.function, &reply.body)
            )?;
            let mut text = String::new();
            for c in &reply.body.children {
                c.render_text(1, &mut text);
            }
            write!(out, "{text}")?;
        }
    }
    out.flush()?;
    Ok(())
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
}
