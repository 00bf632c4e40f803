//! `systmone proxy`, `systmone sim --replay` and `systmone fixtures import`, run as a
//! user runs them: a simulator, the proxy in front of it recording, the command through
//! the proxy, then the recording replayed and imported.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const API_KEY: &str = "f31e26725b5491f2";

fn binary() -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("systmone"));
    for var in [
        "SYSTMONE_ADDR",
        "SYSTMONE_API_KEY",
        "SYSTMONE_DEVICE_ID_FILE",
        "SYSTMONE_PACING",
        "SYSTMONE_PROFILE",
        "SYSTMONE_CONFIG",
        "SYSTMONE_OUTPUT",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

/// A long-running command, and the address from the first line it prints
/// (`... on ADDR[,]`).
struct Server {
    child: Child,
    addr: String,
}

fn serve(args: &[&str]) -> Server {
    let mut child = binary()
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().expect("stdout"))
        .read_line(&mut line)
        .expect("first line");
    let addr = line
        .split(" on ")
        .nth(1)
        .and_then(|rest| rest.split([',', '\n']).next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .trim()
        .to_string();
    Server { child, addr }
}

impl Server {
    /// SIGTERM, then what it wrote on stderr.
    fn stop(mut self) -> String {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success());
        let started = Instant::now();
        while self.child.try_wait().expect("wait").is_none() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "it does not stop"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        let mut stderr = String::new();
        use std::io::Read;
        self.child
            .stderr
            .take()
            .expect("stderr")
            .read_to_string(&mut stderr)
            .expect("stderr");
        stderr
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `systmone ARGS` against `addr`; its stdout.
fn call(addr: &str, dir: &Path, args: &[&str]) -> String {
    let out = binary()
        .args(["--addr", addr, "--api-key", API_KEY, "--pacing", "off"])
        .arg("--device-id-file")
        .arg(dir.join(format!("device-id-{}", addr.replace([':', '.'], "-"))))
        .args(args)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "systmone {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

/// The output less the lines that differ from call to call (Device ID, RequestUID,
/// ResponseUID).
fn without_ids(output: &str) -> String {
    output
        .lines()
        .filter(|l| {
            !["DeviceID", "RequestUID", "ResponseUID"]
                .iter()
                .any(|id| l.contains(id))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn proxy_records_masked_and_the_recording_replays_and_imports() {
    let work = tempfile::tempdir().unwrap();
    let recording = work.path().join("recording");
    let recording_arg = recording.display().to_string();
    let sim = serve(&["sim", "--port", "0", "--throttle", "off"]);
    let proxy = serve(&[
        "proxy",
        "--listen",
        "127.0.0.1:0",
        "--upstream",
        &sim.addr,
        "--record",
        &recording_arg,
    ]);
    let calls: [&[&str]; 3] = [
        &["functions"],
        &["search", "--surname", "Swift", "--dob", "1933-01-01"],
        &["record", "7835438275", "--demographics"],
    ];
    let mut live = Vec::new();
    for args in calls {
        let through = call(&proxy.addr, work.path(), args);
        // The proxy changes nothing the integration sees (beyond the IDs of each call).
        assert_eq!(
            without_ids(&through),
            without_ids(&call(&sim.addr, work.path(), args)),
            "{args:?}"
        );
        live.push(through);
    }
    let summary = proxy.stop();
    assert!(summary.contains("exchanges (masked)"), "{summary}");
    assert!(
        summary.contains("GetPatientRecord 1.0: 1 requests, 1 responses"),
        "{summary}"
    );
    assert!(recording.join("summary.json").is_file());
    for entry in std::fs::read_dir(&recording).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        assert!(!text.contains("7835438275") && !text.contains(API_KEY));
    }
    drop(sim);

    // Replayed: the masked recording answers the functions list the same way; the
    // record asked by its real number is not in it (masked), so it is refused.
    let replay = serve(&[
        "sim",
        "--port",
        "0",
        "--throttle",
        "off",
        "--replay",
        &recording_arg,
    ]);
    assert_eq!(
        without_ids(&call(&replay.addr, work.path(), calls[0])),
        without_ids(&live[0])
    );
    let refused = binary()
        .args([
            "--addr",
            &replay.addr,
            "--api-key",
            API_KEY,
            "--pacing",
            "off",
        ])
        .arg("--device-id-file")
        .arg(work.path().join("device-id-replay"))
        .args(calls[2])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("No recorded exchange"));
    replay.stop();

    // Imported as fixtures.
    let fixtures = work.path().join("fixtures");
    let out = binary()
        .args(["fixtures", "import", &recording_arg, "--into"])
        .arg(&fixtures)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(fixtures.join("GetPatientRecord/NOTES.md").is_file());
    let imported: Vec<String> = std::fs::read_dir(fixtures.join("GetPatientRecord/v1.0"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(imported.len(), 2, "{imported:?}");
    assert!(
        imported.iter().all(|n| n.starts_with("recorded-")),
        "{imported:?}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("fixture files written"));
}

#[test]
fn no_mask_warns_and_a_remote_address_needs_allow_remote() {
    let out = binary()
        .args([
            "proxy",
            "--listen",
            "0.0.0.0:0",
            "--upstream",
            "127.0.0.1:1",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--allow-remote"));
    let work = tempfile::tempdir().unwrap();
    let proxy = serve(&[
        "proxy",
        "--listen",
        "127.0.0.1:0",
        "--upstream",
        "127.0.0.1:1",
        "--record",
        &work.path().display().to_string(),
        "--no-mask",
    ]);
    let stderr = proxy.stop();
    assert!(stderr.contains("warning: --no-mask"), "{stderr}");
}
