//! The `systmone-sim` binary: signals and pipes.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_systmone-sim");

#[cfg(unix)]
#[test]
fn sigterm_removes_the_temporary_root() {
    let mut child = Command::new(BIN)
        .args(["--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert!(line.starts_with("listening on"), "{line}");
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let root = loop {
        let mut line = String::new();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "no root directory printed"
        );
        if let Some(root) = line.trim().strip_prefix("root directory: ") {
            break std::path::PathBuf::from(root);
        }
    };
    assert!(root.is_dir(), "{}", root.display());
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "still running");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status}");
    assert!(!root.exists(), "{} left behind", root.display());
}

#[test]
fn dump_practice_to_a_closed_pipe_ends_quietly() {
    let mut child = Command::new(BIN)
        .args(["--dump-practice", "-"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Like `| head -c 100`: read a little, then close the pipe. The practice is far
    // larger than a pipe's buffer, so the writer is still writing.
    let mut stdout = child.stdout.take().unwrap();
    let mut start = [0u8; 100];
    stdout.read_exact(&mut start).unwrap();
    drop(stdout);
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{}: {stderr}", output.status);
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn verbose_and_quiet_are_accepted_as_by_systmone_sim() {
    let dir = std::env::temp_dir().join(format!("systmone-sim-opts-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for flags in [&["-v"][..], &["-vv"], &["--verbose"], &["-q"], &["--quiet"]] {
        let out = dir.join("practice.json");
        let output = Command::new(BIN)
            .args(flags)
            .arg("--dump-practice")
            .arg(&out)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{flags:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(out.is_file());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The long options a `--help` text lists.
fn long_options(help: &str) -> std::collections::BTreeSet<String> {
    help.lines()
        .filter_map(|l| {
            let l = l.trim_start();
            // `--port <PORT>`, `-v, --verbose...`
            let rest = l.starts_with('-').then(|| l.split_once("--"))??.1;
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            (!name.is_empty()).then_some(name)
        })
        .collect()
}

#[test]
fn the_options_are_the_simulators_and_the_logging_ones_as_systmone_sim_takes() {
    use clap::{CommandFactory, Parser};
    #[derive(Parser)]
    struct Sim {
        #[command(flatten)]
        sim: systmone_sim::cli::SimArgs,
    }
    let help = Command::new(BIN).arg("--help").output().unwrap();
    let listed = long_options(&String::from_utf8_lossy(&help.stdout));
    let mut expected: std::collections::BTreeSet<String> = Sim::command()
        .get_arguments()
        .filter_map(|a| a.get_long().map(str::to_string))
        .collect();
    // `systmone sim` takes the global logging options (tested there).
    for logging in ["verbose", "quiet", "color", "help", "version"] {
        expected.insert(logging.to_string());
    }
    assert_eq!(listed, expected);
}

#[cfg(unix)]
#[test]
fn audit_writes_the_journal_to_a_file() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let trail = dir.path().join("trail.jsonl");
    let mut child = Command::new(BIN)
        .args(["--port", "0", "--throttle", "off", "-q", "--audit"])
        .arg(&trail)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let addr = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_string();
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    stream
        .write_all(
            b"<ClientIntegrationRequest><APIKey>f31e26725b5491f2</APIKey><DeviceID/>\
<DeviceVersion>v</DeviceVersion><RequestUID>A1</RequestUID><Function>GetFunctions</Function>\
<FunctionVersion>1.0</FunctionVersion><FunctionParameters/></ClientIntegrationRequest>\n",
        )
        .unwrap();
    let mut reply = String::new();
    BufReader::new(&stream).read_line(&mut reply).unwrap();
    assert!(reply.contains("<RequestUID>A1</RequestUID>"), "{reply}");
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    assert!(child.wait().unwrap().success());
    let text = std::fs::read_to_string(&trail).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1, "{text}");
    assert!(lines[0].contains("\"request_uid\":\"A1\""), "{text}");
    assert!(
        !text.contains("f31e26725b5491f2"),
        "the API key is redacted"
    );
}
