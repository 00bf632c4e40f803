//! The stdin console (`--control-stdin`): a thin front end of [`Control`]'s operations,
//! one command a line. With `--approve ask`, a line answers the device that has waited
//! longest (`y` approves, anything else blocks), like SystmOne's dialog.

use std::io::BufRead;

use systmone_types::{Code, CurrentSelectionItem, Drug, SchemeName};

use crate::Throttle;
use crate::control::Control;

/// The commands, for `help` and unknown input.
pub const HELP: &str = "commands: open NUMBER [hidden], close, activity A/B/C, \
select drug|code SCHEME ID NAME, select clear, user USERNAME, block ID, unblock ID, \
approve [N], deny [N], devices, throttle spec|off, fault SPEC, unfault N, faults, \
audit, clear-audit, reset, summary, quit";

const COMMANDS: &[&str] = &[
    "open",
    "close",
    "activity",
    "select",
    "user",
    "block",
    "unblock",
    "approve",
    "deny",
    "devices",
    "throttle",
    "fault",
    "unfault",
    "faults",
    "audit",
    "clear-audit",
    "reset",
    "summary",
    "quit",
    "exit",
    "help",
];

/// Runs one command; returns what to print.
pub(crate) fn run_command(control: &Control, line: &str) -> String {
    let line = line.trim();
    let (cmd, rest) = line.split_once(' ').unwrap_or((line, ""));
    let rest = rest.trim();
    match cmd {
        "open" => {
            let mut parts = rest.split_whitespace();
            let Some(n) = parts.next() else {
                return "usage: open NUMBER [hidden]".into();
            };
            let displayable = parts.next() != Some("hidden");
            control.open_record(n, displayable);
            format!("opened {n}")
        }
        "close" => {
            control.close_record();
            "closed".into()
        }
        "activity" => {
            control.set_activity(rest.split('/').map(str::to_string).collect());
            "ok".into()
        }
        "select" => {
            let mut parts = rest.splitn(4, ' ');
            let what = parts.next().unwrap_or("");
            if what == "clear" {
                control.set_selection(Vec::new());
                return "ok".into();
            }
            match selection_item(what, parts.next(), parts.next(), parts.next()) {
                Some(item) => {
                    control.add_selection(item);
                    "ok".into()
                }
                None => "usage: select drug|code SCHEME ID NAME".into(),
            }
        }
        "user" => match control.set_user(rest) {
            Ok(()) => format!("logged on as {rest}"),
            Err(e) => e.to_string(),
        },
        "block" => {
            control.block_device(rest);
            "blocked".into()
        }
        "unblock" => {
            control.unblock_device(rest);
            "unblocked".into()
        }
        "approve" | "deny" => {
            let approve = cmd == "approve";
            let answered = if rest.is_empty() {
                control.answer_oldest_pending(approve).ok_or(())
            } else {
                match rest.parse::<u64>() {
                    Ok(id) => control
                        .answer_pending(id, approve)
                        .map(|()| id)
                        .map_err(|_| ()),
                    Err(_) => return format!("usage: {cmd} [N]"),
                }
            };
            match answered {
                Ok(id) => format!(
                    "{} device {id}",
                    if approve { "approved" } else { "blocked" }
                ),
                Err(()) => "no such device is waiting for approval".into(),
            }
        }
        "devices" => {
            let d = control.devices();
            let mut out = d.known.join("\n");
            for id in &d.blocked {
                out.push_str(&format!("\n{id} (blocked)"));
            }
            for p in &d.pending {
                out.push_str(&format!("\npending {}: {}", p.id, p.device_version));
            }
            out.trim_start().to_string()
        }
        "throttle" => match rest {
            "spec" | "on" => {
                control.set_throttle(Throttle::Spec);
                "throttle as documented".into()
            }
            "off" => {
                control.set_throttle(Throttle::Off);
                "throttle off".into()
            }
            _ => {
                let t = control.throttle();
                format!(
                    "{:?}; next request in {} ms; {} throttled",
                    t.mode,
                    t.next_request_in.as_millis(),
                    t.throttled
                )
            }
        },
        "fault" => match rest.parse() {
            Ok(spec) => {
                control.add_fault(spec);
                "ok".into()
            }
            Err(e) => format!("{e}"),
        },
        "unfault" => match rest.parse::<usize>().map(|i| control.remove_fault(i)) {
            Ok(Ok(spec)) => format!("removed {spec}"),
            Ok(Err(e)) => e.to_string(),
            Err(_) => "usage: unfault N".into(),
        },
        "faults" => control
            .faults()
            .iter()
            .enumerate()
            .map(|(i, f)| format!("{i}: {f}"))
            .collect::<Vec<_>>()
            .join("\n"),
        "audit" => control
            .audit()
            .iter()
            .map(|e| {
                format!(
                    "{} {} {} {:?}",
                    e.time, e.request_uid, e.function, e.outcome
                )
            })
            .collect::<Vec<_>>()
            .join("\n"),
        "clear-audit" => {
            control.clear_journal();
            "ok".into()
        }
        "reset" => match control.reset() {
            Ok(()) => "practice reset".into(),
            Err(e) => e.to_string(),
        },
        "summary" => format!("{:#?}", control.practice()),
        "quit" | "exit" => {
            control.shutdown();
            "bye".into()
        }
        "help" => HELP.into(),
        "" => String::new(),
        other => format!("unknown command {other:?}; {HELP}"),
    }
}

/// A drug or code for the selection, from its parts (`drug|code`, scheme, ID, name).
pub(crate) fn selection_item(
    kind: &str,
    scheme: Option<&str>,
    id: Option<&str>,
    name: Option<&str>,
) -> Option<CurrentSelectionItem> {
    let scheme: SchemeName = scheme?.trim().parse().ok()?;
    let id = id.map(str::trim).filter(|s| !s.is_empty())?.to_string();
    let name = name
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    match kind {
        "drug" => Some(CurrentSelectionItem::Drug(Drug {
            extra: Default::default(),
            scheme,
            product_id: id,
            pack_id: None,
            name,
        })),
        "code" => Some(CurrentSelectionItem::Code(Code {
            extra: Default::default(),
            scheme,
            code: id,
            term: name,
        })),
        _ => None,
    }
}

/// Reads standard input lines on a thread: answers pending approvals, runs commands.
pub(crate) fn spawn(control: Control, commands: bool) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    std::thread::spawn(move || {
        let stdin = std::io::stdin();
        for line in stdin.lock().lines() {
            match line {
                Ok(l) => {
                    if tx.send(l).is_err() {
                        break;
                    }
                }
                Err(_) => break,
            }
        }
    });
    tokio::spawn(async move {
        while let Some(line) = rx.recv().await {
            let first = line.split_whitespace().next().unwrap_or("");
            // While a device waits, a line that is not a command answers it.
            if !(commands && COMMANDS.contains(&first)) {
                let approve = matches!(line.trim(), "y" | "Y" | "yes" | "Yes");
                if control.answer_oldest_pending(approve).is_some() {
                    continue;
                }
            }
            if commands {
                let out = run_command(&control, &line);
                if !out.is_empty() {
                    eprintln!("{out}");
                }
            }
        }
    });
}
